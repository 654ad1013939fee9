//! Raw WordPress JSON (one array of items) to a DataFrame and to Parquet bytes. The array is
//! read item by item straight into column builders, so memory holds the input and the
//! columns, never a tree of the whole document.

use crate::columns::{ColumnBuilder, kind_of, rendered, wrapper_kind};
use polars::prelude::*;
use serde::de::{DeserializeSeed, Deserializer as _, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// The Parquet codec: zstd writes smaller files than snappy at about the same speed, and every
/// reader of a lakehouse (Athena, Glue, Spark, pyarrow, Polars, DuckDB) reads it.
pub const COMPRESSION: ParquetCompression = ParquetCompression::Zstd(None);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    /// Not JSON, not an array of objects, or a value that does not fit its column.
    #[error("{0}")]
    Data(String),
    #[error("writing Parquet: {0}")]
    Parquet(String),
}

/// The items of a raw object as a DataFrame, columns in the order they first appear.
pub fn to_dataframe(json: &[u8]) -> Result<DataFrame, ConvertError> {
    let mut table = Table::default();
    let mut de = serde_json::Deserializer::from_slice(json);
    de.deserialize_seq(Items(&mut table))
        .and_then(|()| de.end())
        .map_err(|e| ConvertError::Data(e.to_string()))?;
    table.finish()
}

/// The DataFrame as a Parquet file.
pub fn to_parquet(df: &mut DataFrame) -> Result<Vec<u8>, ConvertError> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(COMPRESSION)
        .finish(df)
        .map_err(|e| ConvertError::Parquet(e.to_string()))?;
    Ok(bytes)
}

#[derive(Default)]
struct Table {
    names: Vec<String>,
    columns: Vec<ColumnBuilder>,
    index: HashMap<String, usize>,
    rows: usize,
}

impl Table {
    fn push_field(&mut self, field: &str, value: &Value) -> Result<(), String> {
        let Some(text) = rendered(value) else {
            return self.column(field, kind_of(field))?.push(value);
        };
        self.column(field, kind_of(field))?
            .push(&Value::String(text.to_owned()))?;
        if let Some(wrapper) = value.as_object() {
            for (key, v) in wrapper.iter().filter(|(k, _)| *k != "rendered") {
                self.column(&format!("{field}_{key}"), wrapper_kind(key))?
                    .push(v)?;
            }
        }
        Ok(())
    }

    fn column(
        &mut self,
        name: &str,
        kind: crate::columns::Kind,
    ) -> Result<&mut ColumnBuilder, String> {
        let rows = self.rows;
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.names.push(name.to_owned());
                self.columns
                    .push(ColumnBuilder::new(name, kind, rows.max(16), rows));
                self.index.insert(name.to_owned(), self.columns.len() - 1);
                self.columns.len() - 1
            }
        };
        let column = &mut self.columns[i];
        if column.kind() != kind {
            return Err(format!(
                "column '{name}' would hold both {:?} and {kind:?} values",
                column.kind()
            ));
        }
        if column.rows() > rows {
            return Err(format!("column '{name}' is given twice in one item"));
        }
        Ok(column)
    }

    fn end_row(&mut self) {
        self.rows += 1;
        for column in &mut self.columns {
            column.fill_nulls(self.rows);
        }
    }

    fn finish(self) -> Result<DataFrame, ConvertError> {
        let columns = self
            .columns
            .into_iter()
            .map(ColumnBuilder::finish)
            .collect();
        DataFrame::new(self.rows, columns).map_err(|e| ConvertError::Data(e.to_string()))
    }
}

struct Items<'t>(&'t mut Table);

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of WordPress items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Item(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct Item<'t>(&'t mut Table);

impl<'de> DeserializeSeed<'de> for Item<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Item<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object (item {})", self.0.rows)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let table = self.0;
        while let Some(field) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            table.push_field(&field, &value).map_err(|e| {
                A::Error::custom(format!("item {}, field '{field}': {e}", table.rows))
            })?;
        }
        table.end_row();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(json: &str) -> DataFrame {
        to_dataframe(json.as_bytes()).unwrap()
    }

    fn err(json: &str) -> String {
        to_dataframe(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn wrappers_flatten_and_irregular_objects_become_json_text() {
        let frame = df(r#"[
            {"id": 1, "title": {"rendered": "One"}, "content": {"rendered": "<p>a</p>", "protected": false},
             "meta": {"footnotes": ""}, "_links": {"wp:term": [{"taxonomy": "category"}]}, "tags": []},
            {"id": 2, "title": {"rendered": "Two"}, "meta": [], "tags": [3, 4], "extra": 5}
        ]"#);
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "id",
                "title",
                "content",
                "content_protected",
                "meta",
                "_links",
                "tags",
                "extra"
            ]
        );
        let meta: Vec<_> = frame
            .column("meta")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(meta, [Some(r#"{"footnotes":""}"#), Some("[]")]);
        let links = frame
            .column("_links")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_owned();
        assert!(links.contains("wp:term"));
        assert_eq!(frame.column("content").unwrap().str().unwrap().get(1), None);
        assert_eq!(frame.column("extra").unwrap().dtype(), &DataType::String);
        assert_eq!(
            frame.column("extra").unwrap().str().unwrap().get(1),
            Some("5")
        );
    }

    #[test]
    fn the_schema_does_not_depend_on_the_values() {
        let empty_tags =
            df(r#"[{"id": 1, "tags": [], "meta": [], "date_gmt": null, "sticky": null}]"#);
        let full_tags = df(
            r#"[{"id": 1, "tags": [5], "meta": {"a": 1}, "date_gmt": "2024-01-15T10:30:00", "sticky": true}]"#,
        );
        assert_eq!(empty_tags.schema(), full_tags.schema());
        assert_eq!(
            full_tags.column("date_gmt").unwrap().dtype(),
            &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        );
        assert_eq!(
            full_tags.column("tags").unwrap().dtype(),
            &DataType::List(Box::new(DataType::Int64))
        );
    }

    #[test]
    fn anything_but_an_array_of_objects_is_named() {
        assert!(err(r#"{"code": "rest_no_route"}"#).contains("expected a JSON array"));
        assert!(err("[1]").contains("expected a JSON object (item 0)"));
        assert!(err(r#"[{"id": 1}, {"id": 2"#).contains("EOF"));
        assert!(err("<html>").contains("expected value"));
        assert!(err(r#"[{"id": 1}] trailing"#).contains("trailing"));
        let e = err(r#"[{"id": 1}, {"id": "two"}]"#);
        assert!(e.contains("item 1, field 'id': expected an integer"), "{e}");
        let e = err(r#"[{"id": 1, "id": 2}]"#);
        assert!(e.contains("given twice"), "{e}");
    }

    #[test]
    fn an_empty_array_has_no_rows() {
        assert_eq!(df("[]").height(), 0);
        assert_eq!(df(" [ ] ").width(), 0);
    }

    #[test]
    fn parquet_round_trips() {
        let mut frame = df(r#"[{"id": 7, "title": {"rendered": "x"}}, {"id": 8}]"#);
        let bytes = to_parquet(&mut frame).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .unwrap();
        assert_eq!(back, frame);
    }
}
