//! Raw WordPress JSON (one array of items) to Parquet, in two passes over the input, each read as
//! a stream of items ([`shared::json_array`]): the first ([`Columns`]) finds the columns, as the
//! schema must be known before the first row group is written; the second ([`Rows`]) fills them
//! and writes a row group every [`ROWS_PER_GROUP`] items or [`GROUP_BYTES`] of JSON to any `Write`. Memory holds one chunk of
//! the input, one row group and what the writer has not yet taken, whatever the input's size:
//! values are read as slices of their item and only parsed as far as their column needs.

use crate::columns::{
    ColumnBuilder, Kind, Text, dtype, kind_of, wrapper, wrapper_keys, wrapper_kind,
};
use fnv::FnvHashMap;
use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::*;
use serde::de::{DeserializeSeed, Error as _, MapAccess, Visitor};
use serde_json::value::RawValue;
use shared::json_array::{ArrayItems, NotAnArray};
use std::fmt;
use std::io::{Read, Write};

/// The Parquet codec: zstd at level 1 writes smaller files than snappy at about the same speed,
/// and every reader of a lakehouse (Athena, Glue, Spark, pyarrow, Polars, DuckDB) reads it.
pub fn compression() -> ParquetCompression {
    ParquetCompression::Zstd(ZstdLevel::try_new(1).ok())
}

/// Items per row group, and so per batch held in memory.
pub const ROWS_PER_GROUP: usize = 5_000;

/// JSON read per row group, at most: large items (posts) make groups of a few MB, which bounds
/// memory and keeps the writer thread busy while the next group is read.
pub const GROUP_BYTES: usize = 8 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    /// Not JSON, not an array of objects, or a value that does not fit its column.
    #[error("{0}")]
    Data(String),
    #[error("writing Parquet: {0}")]
    Parquet(String),
}

impl From<NotAnArray> for ConvertError {
    fn from(e: NotAnArray) -> Self {
        ConvertError::Data(e.to_string())
    }
}

/// A converted file held in memory.
#[derive(Debug)]
pub struct Parquet {
    pub rows: usize,
    pub columns: usize,
    pub bytes: Vec<u8>,
}

/// Converts the items of a raw object held in memory; `None` for an empty array.
pub fn to_parquet(json: &[u8]) -> Result<Option<Parquet>, ConvertError> {
    let mut columns = Columns::default();
    each_item(json, |item| columns.item(item))?;
    if columns.rows() == 0 {
        return Ok(None);
    }
    let out = Buffer::default();
    let mut rows = Rows::new(&columns, out.clone(), compression())?;
    each_item(json, |item| rows.item(item))?;
    let (rows, columns) = rows.finish()?;
    Ok(Some(Parquet {
        rows,
        columns,
        bytes: out.take(),
    }))
}

/// Bytes read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// Every item of the array `source` reads, read a chunk at a time.
pub fn each_item(
    mut source: impl Read,
    each: impl FnMut(&[u8]) -> Result<(), ConvertError>,
) -> Result<(), ConvertError> {
    let read_error = |e: std::io::Error| ConvertError::Data(format!("reading the input: {e}"));
    let mut items = ArrayItems::default();
    let mut chunk = vec![0; CHUNK_BYTES];
    let mut each = each;
    loop {
        let n = source.read(&mut chunk).map_err(read_error)?;
        if n == 0 {
            return Ok(items.finish()?);
        }
        items.feed(&chunk[..n], &mut each)?;
    }
}

fn parquet_error(e: PolarsError) -> ConvertError {
    ConvertError::Parquet(e.to_string())
}

/// Reads one item (the `n`th, for errors) into `row`.
fn read_item<'de, R: Row<'de>>(item: &'de [u8], n: usize, row: &mut R) -> Result<(), ConvertError> {
    let mut de = serde_json::Deserializer::from_slice(item);
    Item(row, n)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            // A data error names the item itself; a syntax error only knows its position.
            let at = if e.is_data() {
                String::new()
            } else {
                format!("item {n}: ")
            };
            ConvertError::Data(format!("{at}{e}"))
        })
}

/// The first pass: the columns in the order they first appear, and the number of items.
#[derive(Default)]
pub struct Columns {
    columns: Vec<(String, Kind)>,
    index: FnvHashMap<String, usize>,
    /// The last row each column was given in, to catch a field given twice.
    last_row: Vec<usize>,
    rows: usize,
}

impl Columns {
    /// Reads the next item's fields.
    pub fn item(&mut self, item: &[u8]) -> Result<(), ConvertError> {
        read_item(item, self.rows, self)
    }

    /// Items read so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    fn column(&mut self, name: &str, kind: Kind) -> Result<(), String> {
        let row = self.rows;
        match self.index.get(name) {
            Some(&i) => {
                let (_, known) = self.columns[i];
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
                self.index.insert(name.to_owned(), self.columns.len());
                self.columns.push((name.to_owned(), kind));
                self.last_row.push(row);
            }
        }
        Ok(())
    }
}

/// What is done with each field of an item.
trait Row<'de> {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String>;
    fn end(&mut self) -> Result<(), String>;
}

impl<'de> Row<'de> for Columns {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String> {
        self.column(name, kind_of(name))?;
        for key in wrapper_keys(value).unwrap_or_default() {
            self.column(&format!("{name}_{key}"), wrapper_kind(&key))?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        self.rows += 1;
        Ok(())
    }
}

/// The second pass: the items' values into typed columns, a row group every
/// [`ROWS_PER_GROUP`] items, written as Parquet to `W` on a thread of its own, so that one row
/// group is encoded and compressed while the next is read (on a Lambda of 1,769 MB or more, which
/// has a second vCPU, and on any machine with two cores).
pub struct Rows {
    columns: Vec<(String, Kind)>,
    index: FnvHashMap<String, usize>,
    builders: Vec<ColumnBuilder>,
    /// Rows in the current row group.
    pending: usize,
    /// JSON bytes of those rows.
    pending_bytes: usize,
    /// Rows read, written or not.
    rows: usize,
    /// Row groups on their way to the writer; `None` once finished.
    groups: Option<std::sync::mpsc::SyncSender<DataFrame>>,
    writer: Option<std::thread::JoinHandle<Result<(), ConvertError>>>,
}

impl Rows {
    /// Starts the Parquet file of the columns the first pass found.
    pub fn new<W: Write + Send + 'static>(
        columns: &Columns,
        out: W,
        compression: ParquetCompression,
    ) -> Result<Self, ConvertError> {
        let schema: Schema = columns
            .columns
            .iter()
            .map(|(name, kind)| Field::new(name.as_str().into(), dtype(*kind)))
            .collect();
        let mut writer = ParquetWriter::new(out)
            .with_compression(compression)
            .batched(&schema)
            .map_err(parquet_error)?;
        // One row group waits while one is written: memory holds at most three.
        let (groups, received) = std::sync::mpsc::sync_channel::<DataFrame>(1);
        let writer = std::thread::spawn(move || {
            for frame in received {
                writer.write_batch(&frame).map_err(parquet_error)?;
            }
            writer.finish().map_err(parquet_error)?;
            Ok(())
        });
        let mut rows = Rows {
            columns: columns.columns.clone(),
            index: columns.index.clone(),
            builders: Vec::new(),
            pending: 0,
            pending_bytes: 0,
            rows: 0,
            groups: Some(groups),
            writer: Some(writer),
        };
        rows.builders = rows.new_builders();
        Ok(rows)
    }

    /// Reads the next item into the row group, handing the group to the writer when it is full.
    pub fn item(&mut self, item: &[u8]) -> Result<(), ConvertError> {
        read_item(item, self.rows, &mut Fill(self))?;
        self.pending_bytes += item.len();
        if self.pending == ROWS_PER_GROUP || self.pending_bytes >= GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the last row group and the file's footer; the rows and columns written.
    pub fn finish(mut self) -> Result<(usize, usize), ConvertError> {
        self.flush()?;
        self.groups = None;
        self.join()?;
        Ok((self.rows, self.columns.len()))
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

    /// Hands the rows gathered so far to the writer as one row group.
    fn flush(&mut self) -> Result<(), ConvertError> {
        if self.pending == 0 {
            return Ok(());
        }
        let fresh = self.new_builders();
        let columns = std::mem::replace(&mut self.builders, fresh)
            .into_iter()
            .map(ColumnBuilder::finish)
            .collect();
        let frame = DataFrame::new(self.pending, columns).map_err(parquet_error)?;
        self.pending = 0;
        self.pending_bytes = 0;
        let sent = self.groups.as_ref().map(|groups| groups.send(frame));
        if !matches!(sent, Some(Ok(()))) {
            // The writer stopped: its error says why.
            self.groups = None;
            self.join()?;
            return Err(ConvertError::Parquet("the writer stopped".into()));
        }
        Ok(())
    }

    /// Waits for the writer to end; its error, if it failed.
    fn join(&mut self) -> Result<(), ConvertError> {
        match self.writer.take().map(std::thread::JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(ConvertError::Parquet("the writer panicked".into())),
        }
    }
}

impl Drop for Rows {
    /// A pass given up ends its writer before the output is dropped.
    fn drop(&mut self) {
        self.groups = None;
        let _ = self.join();
    }
}

/// Where Parquet goes to be taken as it is made (for an upload), or at the end.
#[derive(Clone, Default)]
pub struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl Buffer {
    /// What was written since the last take.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A writer that panicked leaves bytes no one uploads; the buffer itself is sound.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Write for Buffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.lock().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The second pass over one item.
struct Fill<'r>(&'r mut Rows);

impl<'de> Row<'de> for Fill<'_> {
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
        let rows = &mut *self.0;
        rows.pending += 1;
        rows.rows += 1;
        for b in &mut rows.builders {
            b.fill_nulls(rows.pending);
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
        assert_eq!(err(r#"{"code": "rest_no_route"}"#), "not a JSON array");
        assert!(err("[1]").contains("expected a JSON object (item 0)"));
        assert_eq!(err(r#"[{"id": 1}, {"id": 2"#), "the array ends early");
        assert_eq!(err("<html>"), "not a JSON array");
        assert_eq!(
            err(r#"[{"id": 1}] trailing"#),
            "text after the end of the array"
        );
        assert!(err(r#"[{"id": 1} {"id": 2}]"#).contains("trailing characters"));
        assert!(err(r#"[{"id": 1}, {"id": 2,}]"#).contains("item 1"));
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
    fn large_items_make_row_groups_of_at_most_group_bytes() {
        let text = "x".repeat(1 << 20);
        let items: Vec<String> = (0..20)
            .map(|i| format!(r#"{{"id": {i}, "content": {{"rendered": "{text}"}}}}"#))
            .collect();
        let parquet = to_parquet(format!("[{}]", items.join(",")).as_bytes())
            .unwrap()
            .unwrap();
        let mut reader = ParquetReader::new(std::io::Cursor::new(parquet.bytes));
        let groups = reader.get_metadata().unwrap().row_groups.len();
        assert_eq!(groups, 3, "8, 8 and 4 items of 1 MiB");
    }

    /// A failing output ends the pass with its error, whenever the writer meets it: no hang,
    /// no panic.
    #[test]
    fn a_writer_that_fails_ends_the_pass_with_its_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut columns = Columns::default();
        columns.item(br#"{"id": 1}"#).unwrap();
        let result = Rows::new(&columns, Full, compression()).and_then(|mut rows| {
            for _ in 0..ROWS_PER_GROUP * 3 {
                rows.item(br#"{"id": 1}"#)?;
            }
            rows.finish()
        });
        let error = result.unwrap_err();
        assert!(matches!(error, ConvertError::Parquet(_)), "{error}");
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
