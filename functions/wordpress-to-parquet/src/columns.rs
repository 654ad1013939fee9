//! How WordPress fields become Parquet columns. A column's type depends only on its name (and,
//! for `{field}_{sub}` columns, on the wrapper it comes from), never on the values seen, so the
//! schema is the same every run, whatever the day's data holds:
//!
//! | field | column |
//! |---|---|
//! | `id`, `author`, `parent`, `featured_media`, `menu_order`, `count`, `post` | Int64 |
//! | `sticky` | Boolean |
//! | `categories`, `tags` | List(Int64) |
//! | `date`, `modified` (site-local time, no zone) | Datetime(µs) |
//! | `*_gmt` | Datetime(µs, UTC) |
//! | a wrapper `{"rendered": …, …}` (`title`, `content`, `guid`, …) | `{field}`: the rendered String; `{field}_protected`: Boolean; any other key `{field}_{key}`: String |
//! | anything else | String: a JSON string as is; any other value (`meta`, `_links`, `avatar_urls`, numbers) as compact JSON text, keys in the order the source had them |
//!
//! `null` or a missing field is a null. A value that does not fit its column (an `id` that is
//! not an integer, a date that is not a date) fails the file, naming the item and field.

use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Bool,
    IntList,
    LocalTime,
    UtcTime,
    Text,
}

const INT_FIELDS: [&str; 7] = [
    "id",
    "author",
    "parent",
    "featured_media",
    "menu_order",
    "count",
    "post",
];

/// The column kind of a top-level field.
pub fn kind_of(field: &str) -> Kind {
    match field {
        f if INT_FIELDS.contains(&f) => Kind::Int,
        "sticky" => Kind::Bool,
        "categories" | "tags" => Kind::IntList,
        "date" | "modified" => Kind::LocalTime,
        f if f.ends_with("_gmt") => Kind::UtcTime,
        _ => Kind::Text,
    }
}

/// The column kind of `{field}_{key}` for a key of a `{"rendered": …}` wrapper.
pub fn wrapper_kind(key: &str) -> Kind {
    if key == "protected" {
        Kind::Bool
    } else {
        Kind::Text
    }
}

/// A `{"rendered": "…", …}` wrapper: the rendered text and the other entries.
pub struct Wrapper<'a> {
    pub rendered: Cow<'a, str>,
    pub others: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// The wrapper `raw` is, if it is one: an object whose `rendered` is a string.
pub fn wrapper(raw: &RawValue) -> Option<Wrapper<'_>> {
    if !may_be_wrapper(raw) {
        return None;
    }
    serde_json::from_str::<MaybeWrapper>(raw.get()).ok()?.0
}

/// An object read as a wrapper: its `rendered` text is read as it is met, in the one parse of
/// the object (that text is most of a post's bytes).
struct MaybeWrapper<'a>(Option<Wrapper<'a>>);

impl<'de> Deserialize<'de> for MaybeWrapper<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = MaybeWrapper<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MaybeWrapper<'de>, A::Error> {
                let (mut rendered, mut others, mut text) = (None, Vec::new(), true);
                while let Some(Text(key)) = map.next_key()? {
                    if key == "rendered" {
                        rendered = map.next_value::<Rendered>()?.0;
                        text &= rendered.is_some();
                    } else {
                        others.push((key, map.next_value()?));
                    }
                }
                let rendered = rendered.filter(|_| text);
                Ok(MaybeWrapper(
                    rendered.map(|rendered| Wrapper { rendered, others }),
                ))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A `rendered` value: its text if it is a string, `None` for any other value.
struct Rendered<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Rendered<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Rendered<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Rendered<'de>, E> {
                Ok(Rendered(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Rendered<'de>, E> {
                Ok(Rendered(Some(Cow::Owned(s.to_owned()))))
            }
            fn visit_string<E>(self, s: String) -> Result<Rendered<'de>, E> {
                Ok(Rendered(Some(Cow::Owned(s))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Rendered<'de>, E> {
                Ok(Rendered(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Rendered<'de>, E> {
                Ok(Rendered(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Rendered<'de>, E> {
                Ok(Rendered(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Rendered<'de>, E> {
                Ok(Rendered(None))
            }
            fn visit_unit<E>(self) -> Result<Rendered<'de>, E> {
                Ok(Rendered(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Rendered<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Rendered(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Rendered<'de>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Rendered(None))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The keys other than `rendered` of the wrapper `raw` is, if it is one.
pub fn wrapper_keys(raw: &RawValue) -> Option<Vec<Cow<'_, str>>> {
    Some(
        wrapper(raw)?
            .others
            .into_iter()
            .map(|(key, _)| key)
            .collect(),
    )
}

/// Most objects (`_links`, `meta`) are not wrappers: a substring search rules them out before
/// any parsing.
fn may_be_wrapper(raw: &RawValue) -> bool {
    raw.get().starts_with('{') && raw.get().contains("\"rendered\"")
}

/// The Parquet type of a column kind.
pub fn dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Int => DataType::Int64,
        Kind::Bool => DataType::Boolean,
        Kind::IntList => DataType::List(Box::new(DataType::Int64)),
        Kind::LocalTime => DataType::Datetime(TimeUnit::Microseconds, None),
        Kind::UtcTime => DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
        Kind::Text => DataType::String,
    }
}

/// One column being filled, row by row.
pub struct ColumnBuilder {
    kind: Kind,
    len: usize,
    values: Values,
}

enum Values {
    Int(PrimitiveChunkedBuilder<Int64Type>),
    /// Microseconds since the epoch; `true` for UTC.
    Time(PrimitiveChunkedBuilder<Int64Type>, bool),
    Bool(BooleanChunkedBuilder),
    IntList(ListPrimitiveChunkedBuilder<Int64Type>),
    Text(StringChunkedBuilder),
}

impl ColumnBuilder {
    /// An empty column.
    pub fn new(name: &str, kind: Kind, capacity: usize) -> Self {
        let name = PlSmallStr::from(name);
        let values = match kind {
            Kind::Int => Values::Int(PrimitiveChunkedBuilder::new(name, capacity)),
            Kind::LocalTime | Kind::UtcTime => Values::Time(
                PrimitiveChunkedBuilder::new(name, capacity),
                kind == Kind::UtcTime,
            ),
            Kind::Bool => Values::Bool(BooleanChunkedBuilder::new(name, capacity)),
            Kind::IntList => Values::IntList(ListPrimitiveChunkedBuilder::new(
                name,
                capacity,
                capacity * 2,
                DataType::Int64,
            )),
            Kind::Text => Values::Text(StringChunkedBuilder::new(name, capacity)),
        };
        ColumnBuilder {
            kind,
            len: 0,
            values,
        }
    }

    /// What the column holds.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Rows filled so far.
    pub fn rows(&self) -> usize {
        self.len
    }

    /// Appends nulls up to `rows` rows.
    pub fn fill_nulls(&mut self, rows: usize) {
        while self.len < rows {
            self.push_null();
        }
    }

    fn push_null(&mut self) {
        match &mut self.values {
            Values::Int(b) | Values::Time(b, _) => b.append_null(),
            Values::Bool(b) => b.append_null(),
            Values::IntList(b) => b.append_null(),
            Values::Text(b) => b.append_null(),
        }
        self.len += 1;
    }

    /// Appends one JSON value, or says why it does not fit the column.
    pub fn push(&mut self, raw: &RawValue) -> Result<(), String> {
        let text = raw.get();
        if text == "null" {
            self.push_null();
            return Ok(());
        }
        match &mut self.values {
            Values::Int(b) => b.append_value(integer(raw)?),
            Values::Time(b, utc) => {
                b.append_value(micros(&string(raw, "a date-time string")?, *utc)?)
            }
            Values::Bool(b) => b.append_value(match text {
                "true" => true,
                "false" => false,
                _ => return Err(format!("expected true or false, found {}", describe(text))),
            }),
            Values::IntList(b) => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|_| {
                    format!("expected a list of integers, found {}", describe(text))
                })?;
                let ints = items
                    .into_iter()
                    .map(integer)
                    .collect::<Result<Vec<_>, _>>()?;
                b.append_slice(&ints);
            }
            Values::Text(b) if text.starts_with('"') => b.append_value(&*string(raw, "a string")?),
            Values::Text(b) => b.append_value(text),
        }
        self.len += 1;
        Ok(())
    }

    /// Appends a string value (a wrapper's rendered text).
    pub fn push_str(&mut self, text: &str) -> Result<(), String> {
        match &mut self.values {
            Values::Text(b) => b.append_value(text),
            Values::Int(b) => b.append_value(
                text.trim()
                    .parse()
                    .map_err(|_| format!("expected an integer, found \"{}\"", describe(text)))?,
            ),
            Values::Time(b, utc) => b.append_value(micros(text, *utc)?),
            Values::Bool(_) | Values::IntList(_) => {
                return Err(format!(
                    "expected a {:?} value, found a rendered string",
                    self.kind
                ));
            }
        }
        self.len += 1;
        Ok(())
    }

    pub fn finish(self) -> Column {
        let series = match self.values {
            Values::Int(b) => b.finish().into_series(),
            Values::Time(b, utc) => b
                .finish()
                .into_datetime(TimeUnit::Microseconds, utc.then_some(TimeZone::UTC))
                .into_series(),
            Values::Bool(b) => b.finish().into_series(),
            Values::IntList(mut b) => b.finish().into_series(),
            Values::Text(b) => b.finish().into_series(),
        };
        series.into_column()
    }
}

/// A JSON string's text, borrowed from the input when it has no escapes.
#[derive(Deserialize)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

fn string<'a>(raw: &'a RawValue, expected: &str) -> Result<Cow<'a, str>, String> {
    serde_json::from_str::<Text>(raw.get())
        .map(|t| t.0)
        .map_err(|_| format!("expected {expected}, found {}", describe(raw.get())))
}

/// A JSON integer, or a string holding one.
fn integer(raw: &RawValue) -> Result<i64, String> {
    let text = raw.get();
    let parsed = if text.starts_with('"') {
        string(raw, "an integer")?.trim().parse().ok()
    } else {
        text.parse().ok()
    };
    parsed.ok_or_else(|| format!("expected an integer, found {}", describe(text)))
}

/// Microseconds since the epoch. WordPress writes `2024-01-15T10:30:00` (no zone); a zone, when
/// present, is honoured for UTC columns and dropped (wall time kept) for local ones.
fn micros(text: &str, utc: bool) -> Result<i64, String> {
    // chrono's own ISO 8601 reader: `parse_from_str` would read its format string anew for
    // every value, which showed in the profile.
    let naive = text
        .parse::<NaiveDateTime>()
        .or_else(|_| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| if utc { t.naive_utc() } else { t.naive_local() })
        })
        .map_err(|_| format!("expected a date-time like 2024-01-15T10:30:00, found \"{text}\""))?;
    Ok(naive.and_utc().timestamp_micros())
}

fn describe(text: &str) -> String {
    if text.len() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn raw(v: Value) -> Box<RawValue> {
        RawValue::from_string(v.to_string()).unwrap()
    }

    #[test]
    fn kinds_come_from_names_only() {
        assert_eq!(kind_of("id"), Kind::Int);
        assert_eq!(kind_of("tags"), Kind::IntList);
        assert_eq!(kind_of("date"), Kind::LocalTime);
        assert_eq!(kind_of("date_gmt"), Kind::UtcTime);
        assert_eq!(kind_of("meta"), Kind::Text);
        assert_eq!(kind_of("_links"), Kind::Text);
        assert_eq!(wrapper_kind("protected"), Kind::Bool);
        assert_eq!(wrapper_kind("raw"), Kind::Text);
    }

    #[test]
    fn dates_parse_with_and_without_zone() {
        let t = |s: &str, utc| micros(s, utc);
        assert_eq!(t("1970-01-01T00:00:01", true), Ok(1_000_000));
        assert_eq!(t("1970-01-01T00:00:01.5", false), Ok(1_500_000));
        assert_eq!(t("1970-01-01T01:00:01+01:00", true), Ok(1_000_000));
        assert_eq!(t("1970-01-01T01:00:01+01:00", false), Ok(3_601_000_000));
        assert!(t("yesterday", true).unwrap_err().contains("\"yesterday\""));
    }

    #[test]
    fn values_that_do_not_fit_are_named() {
        let mut ints = ColumnBuilder::new("id", Kind::Int, 1);
        assert_eq!(ints.push(&raw(json!("12"))), Ok(()));
        assert!(
            ints.push(&raw(json!({"a": 1})))
                .unwrap_err()
                .contains("expected an integer")
        );
        let mut list = ColumnBuilder::new("tags", Kind::IntList, 1);
        assert!(list.push(&raw(json!(["x"]))).unwrap_err().contains("\"x\""));
        assert!(
            list.push(&raw(json!({})))
                .unwrap_err()
                .contains("list of integers")
        );
    }

    #[test]
    fn text_keeps_strings_and_any_other_value_as_its_json_text() {
        let mut text = ColumnBuilder::new("meta", Kind::Text, 4);
        text.fill_nulls(1);
        for v in ["[]", r#"{"b": 1, "a": "x"}"#, r#""pla\"in""#] {
            text.push(&RawValue::from_string(v.to_owned()).unwrap())
                .unwrap();
        }
        let column = text.finish();
        let values: Vec<Option<&str>> = column.str().unwrap().iter().collect();
        assert_eq!(
            values,
            [
                None,
                Some("[]"),
                Some(r#"{"b": 1, "a": "x"}"#),
                Some("pla\"in")
            ]
        );
    }

    #[test]
    fn a_wrapper_is_an_object_whose_every_rendered_is_a_string() {
        let value = raw(json!({"rendered": "<p>a\"b</p>", "protected": false}));
        let w = wrapper(&value).unwrap();
        assert_eq!(w.rendered, "<p>a\"b</p>");
        assert_eq!(w.others.len(), 1);
        assert_eq!(
            (w.others[0].0.as_ref(), w.others[0].1.get()),
            ("protected", "false")
        );
        for not in [
            json!({"rendered": 1}),
            json!({"rendered": null}),
            json!({"rendered": ["x"]}),
            json!({"rendered": {"rendered": "x"}}),
            json!({"raw": "x"}),
            json!("rendered"),
        ] {
            assert!(wrapper(&raw(not.clone())).is_none(), "{not}");
        }
        let twice = RawValue::from_string(r#"{"rendered": "a", "rendered": 2}"#.into()).unwrap();
        assert!(wrapper(&twice).is_none());
    }
}
