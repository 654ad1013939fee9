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
use serde_json::Value;

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

/// If `value` is a `{"rendered": "…", …}` wrapper, its rendered text.
pub fn rendered(value: &Value) -> Option<&str> {
    value.as_object()?.get("rendered")?.as_str()
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
    /// A column that starts with `nulls` nulls, for the rows before the field first appeared.
    pub fn new(name: &str, kind: Kind, capacity: usize, nulls: usize) -> Self {
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
        let mut column = ColumnBuilder {
            kind,
            len: 0,
            values,
        };
        column.fill_nulls(nulls);
        column
    }

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

    /// Appends one value, or says why it does not fit the column.
    pub fn push(&mut self, value: &Value) -> Result<(), String> {
        if value.is_null() {
            self.push_null();
            return Ok(());
        }
        match &mut self.values {
            Values::Int(b) => b.append_value(integer(value)?),
            Values::Time(b, utc) => b.append_value(micros(value, *utc)?),
            Values::Bool(b) => b.append_value(
                value
                    .as_bool()
                    .ok_or_else(|| format!("expected true or false, found {}", describe(value)))?,
            ),
            Values::IntList(b) => {
                let items = value.as_array().ok_or_else(|| {
                    format!("expected a list of integers, found {}", describe(value))
                })?;
                let ints = items.iter().map(integer).collect::<Result<Vec<_>, _>>()?;
                b.append_slice(&ints);
            }
            Values::Text(b) => match value {
                Value::String(s) => b.append_value(s),
                other => b.append_value(other.to_string()),
            },
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

fn integer(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("expected an integer, found {}", describe(value)))
}

/// Microseconds since the epoch. WordPress writes `2024-01-15T10:30:00` (no zone); a zone, when
/// present, is honoured for UTC columns and dropped (wall time kept) for local ones.
fn micros(value: &Value, utc: bool) -> Result<i64, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("expected a date-time string, found {}", describe(value)))?;
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| if utc { t.naive_utc() } else { t.naive_local() })
        })
        .map_err(|_| format!("expected a date-time like 2024-01-15T10:30:00, found \"{text}\""))?;
    Ok(naive.and_utc().timestamp_micros())
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let t = |s: &str, utc| micros(&json!(s), utc);
        assert_eq!(t("1970-01-01T00:00:01", true), Ok(1_000_000));
        assert_eq!(t("1970-01-01T00:00:01.5", false), Ok(1_500_000));
        assert_eq!(t("1970-01-01T01:00:01+01:00", true), Ok(1_000_000));
        assert_eq!(t("1970-01-01T01:00:01+01:00", false), Ok(3_601_000_000));
        assert!(t("yesterday", true).unwrap_err().contains("\"yesterday\""));
    }

    #[test]
    fn values_that_do_not_fit_are_named() {
        let mut ints = ColumnBuilder::new("id", Kind::Int, 1, 0);
        assert_eq!(ints.push(&json!("12")), Ok(()));
        assert!(
            ints.push(&json!({"a": 1}))
                .unwrap_err()
                .contains("expected an integer")
        );
        let mut list = ColumnBuilder::new("tags", Kind::IntList, 1, 0);
        assert!(list.push(&json!(["x"])).unwrap_err().contains("\"x\""));
        assert!(
            list.push(&json!({}))
                .unwrap_err()
                .contains("list of integers")
        );
    }

    #[test]
    fn text_keeps_strings_and_writes_everything_else_as_json() {
        let mut text = ColumnBuilder::new("meta", Kind::Text, 4, 1);
        for v in [json!([]), json!({"b": 1, "a": "x"}), json!("plain")] {
            text.push(&v).unwrap();
        }
        let column = text.finish();
        let values: Vec<Option<&str>> = column.str().unwrap().iter().collect();
        assert_eq!(
            values,
            [None, Some("[]"), Some(r#"{"b":1,"a":"x"}"#), Some("plain")]
        );
    }
}
