//! Raw WordPress JSON (one array of items) to Parquet bytes, in two passes over the input: the
//! first finds the columns (the schema must be known before the first row group is written), the
//! second fills them and writes a row group every [`ROWS_PER_GROUP`] items. Memory holds the
//! input and one row group, never a tree of the whole document: values are read as slices of the
//! input and only parsed as far as their column needs.

use crate::columns::{
    ColumnBuilder, Kind, Text, dtype, kind_of, wrapper, wrapper_keys, wrapper_kind,
};
use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::*;
use serde::de::{DeserializeSeed, Deserializer as _, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;

/// The Parquet codec: zstd at level 1 writes smaller files than snappy at about the same speed,
/// and every reader of a lakehouse (Athena, Glue, Spark, pyarrow, Polars, DuckDB) reads it.
pub fn compression() -> ParquetCompression {
    ParquetCompression::Zstd(ZstdLevel::try_new(1).ok())
}

/// Items per row group, and so per batch held in memory.
pub const ROWS_PER_GROUP: usize = 5_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    /// Not JSON, not an array of objects, or a value that does not fit its column.
    #[error("{0}")]
    Data(String),
    #[error("writing Parquet: {0}")]
    Parquet(String),
}

/// A converted file.
#[derive(Debug)]
pub struct Parquet {
    pub rows: usize,
    pub columns: usize,
    pub bytes: Vec<u8>,
}

/// Converts the items of a raw object; `None` for an empty array.
pub fn to_parquet(json: &[u8]) -> Result<Option<Parquet>, ConvertError> {
    to_parquet_with(json, compression())
}

/// [`to_parquet`] with another codec, for comparisons.
pub fn to_parquet_with(
    json: &[u8],
    compression: ParquetCompression,
) -> Result<Option<Parquet>, ConvertError> {
    let layout = scan(json)?;
    if layout.rows == 0 {
        return Ok(None);
    }
    let schema: Schema = layout
        .columns
        .iter()
        .map(|(name, kind)| Field::new(name.as_str().into(), dtype(*kind)))
        .collect();
    let mut bytes = Vec::new();
    let writer = ParquetWriter::new(&mut bytes)
        .with_compression(compression)
        .batched(&schema)
        .map_err(parquet_error)?;
    let mut table = Table::new(&layout.columns, writer);
    read(json, Items(&mut Fill(&mut table)))?;
    table.flush()?;
    table.writer.finish().map_err(parquet_error)?;
    drop(table);
    Ok(Some(Parquet {
        rows: layout.rows,
        columns: layout.columns.len(),
        bytes,
    }))
}

fn parquet_error(e: PolarsError) -> ConvertError {
    ConvertError::Parquet(e.to_string())
}

fn read<'de, V: Visitor<'de, Value = ()>>(json: &'de [u8], items: V) -> Result<(), ConvertError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    de.deserialize_seq(items)
        .and_then(|()| de.end())
        .map_err(|e| ConvertError::Data(e.to_string()))
}

/// The columns in the order they first appear, and the number of items.
struct Layout {
    columns: Vec<(String, Kind)>,
    rows: usize,
}

fn scan(json: &[u8]) -> Result<Layout, ConvertError> {
    let mut scan = Scan {
        layout: Layout {
            columns: Vec::new(),
            rows: 0,
        },
        index: HashMap::new(),
        last_row: Vec::new(),
    };
    read(json, Items(&mut scan))?;
    Ok(scan.layout)
}

/// What is done with each item of the array.
trait Row<'de> {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String>;
    fn end(&mut self) -> Result<(), String>;
}

struct Scan {
    layout: Layout,
    index: HashMap<String, usize>,
    /// The last row each column was given in, to catch a field given twice.
    last_row: Vec<usize>,
}

impl Scan {
    fn column(&mut self, name: &str, kind: Kind) -> Result<(), String> {
        let row = self.layout.rows;
        match self.index.get(name) {
            Some(&i) => {
                let (_, known) = self.layout.columns[i];
                if known != kind {
                    return Err(format!(
                        "column '{name}' would hold both {known:?} and {kind:?} values"
                    ));
                }
                if self.last_row[i] == row {
                    return Err(format!("column '{name}' is given twice in one item"));
                }
                self.last_row[i] = row;
            }
            None => {
                self.index
                    .insert(name.to_owned(), self.layout.columns.len());
                self.layout.columns.push((name.to_owned(), kind));
                self.last_row.push(row);
            }
        }
        Ok(())
    }
}

impl<'de> Row<'de> for Scan {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String> {
        self.column(name, kind_of(name))?;
        for key in wrapper_keys(value).unwrap_or_default() {
            self.column(&format!("{name}_{key}"), wrapper_kind(&key))?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        self.layout.rows += 1;
        Ok(())
    }
}

struct Table<'w> {
    columns: Vec<(String, Kind)>,
    index: HashMap<String, usize>,
    builders: Vec<ColumnBuilder>,
    rows: usize,
    writer: BatchedWriter<&'w mut Vec<u8>>,
}

impl<'w> Table<'w> {
    fn new(columns: &[(String, Kind)], writer: BatchedWriter<&'w mut Vec<u8>>) -> Self {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        let mut table = Table {
            columns: columns.to_vec(),
            index,
            builders: Vec::new(),
            rows: 0,
            writer,
        };
        table.builders = table.new_builders();
        table
    }

    fn new_builders(&self) -> Vec<ColumnBuilder> {
        self.columns
            .iter()
            .map(|(name, kind)| ColumnBuilder::new(name, *kind, ROWS_PER_GROUP))
            .collect()
    }

    fn builder(&mut self, name: &str) -> Result<&mut ColumnBuilder, String> {
        let i = *self
            .index
            .get(name)
            .ok_or_else(|| format!("column '{name}' was not seen in the first pass"))?;
        Ok(&mut self.builders[i])
    }

    /// Writes the rows gathered so far as one row group.
    fn flush(&mut self) -> Result<(), ConvertError> {
        if self.rows == 0 {
            return Ok(());
        }
        let fresh = self.new_builders();
        let columns = std::mem::replace(&mut self.builders, fresh)
            .into_iter()
            .map(ColumnBuilder::finish)
            .collect();
        let frame = DataFrame::new(self.rows, columns).map_err(parquet_error)?;
        self.writer.write_batch(&frame).map_err(parquet_error)?;
        self.rows = 0;
        Ok(())
    }
}

/// The second pass: fills the table, flushing a row group every `ROWS_PER_GROUP` items.
struct Fill<'t, 'w>(&'t mut Table<'w>);

impl<'de> Row<'de> for Fill<'_, '_> {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String> {
        let Some(w) = wrapper(value) else {
            return self.0.builder(name)?.push(value);
        };
        self.0.builder(name)?.push_str(&w.rendered)?;
        for (key, v) in &w.others {
            self.0.builder(&format!("{name}_{key}"))?.push(v)?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        let table = &mut *self.0;
        table.rows += 1;
        for b in &mut table.builders {
            b.fill_nulls(table.rows);
        }
        if table.rows == ROWS_PER_GROUP {
            table.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

struct Items<'r, R>(&'r mut R);

impl<'de, R: Row<'de>> Visitor<'de> for Items<'_, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of WordPress items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while seq.next_element_seed(Item(&mut *self.0, n))?.is_some() {
            n += 1;
        }
        Ok(())
    }
}

/// One item, with its index in the array for error messages.
struct Item<'r, R>(&'r mut R, usize);

impl<'de, R: Row<'de>> DeserializeSeed<'de> for Item<'_, R> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Row<'de>> Visitor<'de> for Item<'_, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object (item {})", self.1)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (row, n) = (self.0, self.1);
        while let Some(Text(field)) = map.next_key::<Text<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            row.field(&field, value)
                .map_err(|e| A::Error::custom(format!("item {n}, field '{field}': {e}")))?;
        }
        row.end()
            .map_err(|e| A::Error::custom(format!("item {n}: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Converts, then reads the Parquet back.
    fn df(json: &str) -> DataFrame {
        let parquet = to_parquet(json.as_bytes()).unwrap().unwrap();
        let frame = ParquetReader::new(std::io::Cursor::new(parquet.bytes))
            .finish()
            .unwrap();
        assert_eq!(
            (frame.height(), frame.width()),
            (parquet.rows, parquet.columns)
        );
        frame
    }

    fn err(json: &str) -> String {
        to_parquet(json.as_bytes()).unwrap_err().to_string()
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
        assert_eq!(
            meta,
            [Some(r#"{"footnotes": ""}"#), Some("[]")],
            "as the source wrote it"
        );
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
    fn an_empty_array_is_nothing_to_write() {
        assert!(to_parquet(b"[]").unwrap().is_none());
        assert!(to_parquet(b" [ ] ").unwrap().is_none());
    }

    #[test]
    fn large_inputs_are_written_in_row_groups_and_read_back_whole() {
        let items: Vec<String> = (0..ROWS_PER_GROUP * 2 + 7)
            .map(|i| format!(r#"{{"id": {i}, "title": {{"rendered": "t{i}"}}}}"#))
            .collect();
        let frame = df(&format!("[{}]", items.join(",")));
        assert_eq!(frame.height(), ROWS_PER_GROUP * 2 + 7);
        let ids = frame.column("id").unwrap().i64().unwrap();
        assert_eq!(
            ids.get(ROWS_PER_GROUP * 2 + 6),
            Some((ROWS_PER_GROUP * 2 + 6) as i64)
        );
    }

    #[test]
    fn a_field_that_appears_late_is_null_before() {
        let frame = df(r#"[{"id": 1}, {"id": 2, "late": {"rendered": "x", "protected": true}}]"#);
        assert_eq!(frame.column("late").unwrap().str().unwrap().get(0), None);
        assert_eq!(
            frame
                .column("late_protected")
                .unwrap()
                .bool()
                .unwrap()
                .get(1),
            Some(true)
        );
    }
}
