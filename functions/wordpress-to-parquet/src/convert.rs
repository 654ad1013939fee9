//! Raw WordPress JSON (one array of items) to Parquet, reading the input as a stream of items
//! ([`shared::json_array`]). A Parquet file's schema comes before its first row group, so the
//! columns must be known before anything is written. [`Conversion`] reads them from the first
//! row group's items, which it holds until then, and converts in one pass: WordPress gives every
//! item of an endpoint the same fields, so the first group nearly always shows every column. A
//! later item with a column the first group lacked ends that pass with
//! [`ConvertError::NewColumn`], and the caller reads the input again, twice: [`Columns`] finds
//! every column, then [`Conversion::with_columns`] writes. Either way the file is the same. Rows
//! become a row group every [`ROWS_PER_GROUP`] items or [`GROUP_BYTES`] of JSON, written to any
//! `Write`. Memory holds one chunk of the input, at most three row groups and what the writer has
//! not yet taken, whatever the input's size: values are read as slices of their item and only
//! parsed as far as their column needs.

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
    /// An item after the first row group has a column the schema, read from that group, lacks:
    /// convert again in two passes.
    #[error("item {item} has a column the first row group did not: '{column}'")]
    NewColumn { item: usize, column: String },
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
    let out = Buffer::default();
    let done = convert(
        || Ok(json),
        || {
            out.take();
            Ok(out.clone())
        },
        compression(),
    )?;
    Ok(done.map(|(rows, columns)| Parquet {
        rows,
        columns,
        bytes: out.take(),
    }))
}

/// Converts the array `open` reads into what `create` gives: in one pass, or, when the first row
/// group does not show every column, in two more, each opening the input again and the second
/// creating the output anew. The rows and columns written; `None` for an empty array.
pub fn convert<R: Read, W: Write + Send + 'static>(
    mut open: impl FnMut() -> std::io::Result<R>,
    mut create: impl FnMut() -> std::io::Result<W>,
    compression: ParquetCompression,
) -> Result<Option<(usize, usize)>, ConvertError> {
    let io = |e: std::io::Error| ConvertError::Data(format!("opening the input or output: {e}"));
    let mut conversion = Conversion::new(create().map_err(io)?, compression);
    let done = each_item(open().map_err(io)?, |item| conversion.item(item))
        .and_then(|()| conversion.finish());
    if !matches!(done, Err(ConvertError::NewColumn { .. })) {
        return done;
    }
    let mut columns = Columns::default();
    each_item(open().map_err(io)?, |item| columns.item(item))?;
    let mut conversion = Conversion::with_columns(&columns, create().map_err(io)?, compression)?;
    each_item(open().map_err(io)?, |item| conversion.item(item))?;
    conversion.finish()
}

/// One conversion to Parquet, fed one item at a time.
pub struct Conversion<W> {
    /// The columns of the items held.
    columns: Columns,
    /// The first row group's items, end to end, held until their columns are known.
    held: Vec<u8>,
    /// Where each held item ends in `held`.
    ends: Vec<usize>,
    /// The output, until the writer starts.
    out: Option<(W, ParquetCompression)>,
    rows: Option<Rows>,
}

impl<W: Write + Send + 'static> Conversion<W> {
    /// A conversion in one pass, its columns read from the first row group.
    pub fn new(out: W, compression: ParquetCompression) -> Self {
        Conversion {
            columns: Columns::default(),
            held: Vec::new(),
            ends: Vec::new(),
            out: Some((out, compression)),
            rows: None,
        }
    }

    /// A conversion of items whose columns a first pass found: it writes from the first item.
    pub fn with_columns(
        columns: &Columns,
        out: W,
        compression: ParquetCompression,
    ) -> Result<Self, ConvertError> {
        let rows = (columns.rows() > 0)
            .then(|| Rows::new(columns, out, compression))
            .transpose()?;
        Ok(Conversion {
            columns: Columns::default(),
            held: Vec::new(),
            ends: Vec::new(),
            out: None,
            rows,
        })
    }

    /// Reads the next item.
    pub fn item(&mut self, item: &[u8]) -> Result<(), ConvertError> {
        if let Some(rows) = &mut self.rows {
            return rows.item(item);
        }
        self.columns.item(item)?;
        self.held.extend_from_slice(item);
        self.ends.push(self.held.len());
        if self.ends.len() == ROWS_PER_GROUP || self.held.len() >= GROUP_BYTES {
            self.start()?;
        }
        Ok(())
    }

    /// Writes what is left and the file's footer: the rows and columns written, or `None` when
    /// there were no items (and nothing was written).
    pub fn finish(mut self) -> Result<Option<(usize, usize)>, ConvertError> {
        self.start()?;
        self.rows.take().map(Rows::finish).transpose()
    }

    /// Starts the writer with the held items' columns, and hands it those items.
    fn start(&mut self) -> Result<(), ConvertError> {
        if self.columns.rows() == 0 {
            return Ok(());
        }
        let Some((out, compression)) = self.out.take() else {
            return Ok(());
        };
        let mut rows = Rows::new(&self.columns, out, compression)?;
        let held = std::mem::take(&mut self.held);
        let mut start = 0;
        for end in std::mem::take(&mut self.ends) {
            rows.item(&held[start..end])?;
            start = end;
        }
        self.rows = Some(rows);
        Ok(())
    }
}

/// Bytes read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// Every item of the array `source` reads, read a chunk at a time.
fn each_item(
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
    // Checked once here, SIMD-fast, so that serde_json reads text it need not check again.
    let item = simdutf8::basic::from_utf8(item)
        .map_err(|_| ConvertError::Data(format!("item {n}: the text is not valid UTF-8")))?;
    let mut de = serde_json::Deserializer::from_str(item);
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

/// The columns of the items read, in the order they first appear, and the number of items.
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

/// The items' values into typed columns, a row group every [`ROWS_PER_GROUP`] items, written as
/// Parquet to `W` on a thread of its own, so that one row group is encoded and compressed while
/// the next is read (on a Lambda of 1,769 MB or more, which has a second vCPU, and on any
/// machine with two cores).
struct Rows {
    columns: Vec<(String, Kind)>,
    index: FnvHashMap<String, usize>,
    /// The column of each value of the last item, in order: items of one endpoint give their
    /// fields in the same order, so a value's column is found by comparing one name.
    order: Vec<usize>,
    /// Values of the current item read so far.
    value: usize,
    builders: Vec<ColumnBuilder>,
    /// Rows in the current row group.
    pending: usize,
    /// JSON bytes of those rows.
    pending_bytes: usize,
    /// Rows read, written or not.
    rows: usize,
    /// The column the last item had that the schema lacks.
    new_column: Option<String>,
    /// Row groups on their way to the writer; `None` once finished.
    groups: Option<std::sync::mpsc::SyncSender<DataFrame>>,
    writer: Option<std::thread::JoinHandle<Result<(), ConvertError>>>,
}

impl Rows {
    /// Starts the Parquet file of `columns`.
    fn new<W: Write + Send + 'static>(
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
            order: Vec::new(),
            value: 0,
            builders: Vec::new(),
            pending: 0,
            pending_bytes: 0,
            rows: 0,
            new_column: None,
            groups: Some(groups),
            writer: Some(writer),
        };
        rows.builders = rows.new_builders();
        Ok(rows)
    }

    /// Reads the next item into the row group, handing the group to the writer when it is full.
    fn item(&mut self, item: &[u8]) -> Result<(), ConvertError> {
        let n = self.rows;
        self.value = 0;
        if let Err(e) = read_item(item, n, &mut Fill(self)) {
            return Err(match self.new_column.take() {
                Some(column) => ConvertError::NewColumn { item: n, column },
                None => e,
            });
        }
        self.pending_bytes += item.len();
        if self.pending == ROWS_PER_GROUP || self.pending_bytes >= GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the last row group and the file's footer; the rows and columns written.
    fn finish(mut self) -> Result<(usize, usize), ConvertError> {
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

    /// The column `{field}` (or `{field}_{key}` for a wrapper's `key`) of `kind`, checked as
    /// [`Columns`] checks it: a pass in which the columns came from the first row group only
    /// must refuse what a full first pass refuses.
    fn builder(
        &mut self,
        field: &str,
        key: Option<&str>,
        kind: Kind,
    ) -> Result<&mut ColumnBuilder, String> {
        let at = self.value;
        self.value += 1;
        let is_named = |column: &str| match key {
            None => column == field,
            Some(key) => {
                column.len() == field.len() + 1 + key.len()
                    && column.starts_with(field)
                    && column[field.len()..].starts_with('_')
                    && column.ends_with(key)
            }
        };
        let i = match self.order.get(at) {
            Some(&i) if is_named(&self.columns[i].0) => i,
            _ => {
                let name = match key {
                    None => field.to_owned(),
                    Some(key) => format!("{field}_{key}"),
                };
                let Some(&i) = self.index.get(&name) else {
                    self.new_column = Some(name);
                    return Err("not in the schema".into());
                };
                self.order.resize(self.order.len().max(at + 1), i);
                self.order[at] = i;
                i
            }
        };
        let pending = self.pending;
        let (name, _) = &self.columns[i];
        let builder = &mut self.builders[i];
        if builder.kind() != kind {
            return Err(format!(
                "column '{name}' would hold both {:?} and {kind:?} values",
                builder.kind()
            ));
        }
        if builder.rows() > pending {
            return Err(format!("column '{name}' is given twice in one item"));
        }
        Ok(builder)
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

/// One item's values into the row group.
struct Fill<'r>(&'r mut Rows);

impl<'de> Row<'de> for Fill<'_> {
    fn field(&mut self, name: &str, value: &'de RawValue) -> Result<(), String> {
        let Some(w) = wrapper(value) else {
            return self.0.builder(name, None, kind_of(name))?.push(value);
        };
        self.0
            .builder(name, None, kind_of(name))?
            .push_str(&w.rendered)?;
        for (key, v) in &w.others {
            self.0
                .builder(name, Some(key), wrapper_kind(key))?
                .push(v)?;
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
        let latin1 = to_parquet(b"[{\"id\": 1}, {\"title\": \"caf\xe9\"}]").unwrap_err();
        assert_eq!(latin1.to_string(), "item 1: the text is not valid UTF-8");
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
        let result = Conversion::with_columns(&columns, Full, compression()).and_then(|mut c| {
            for _ in 0..ROWS_PER_GROUP * 3 {
                c.item(br#"{"id": 1}"#)?;
            }
            c.finish()
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

    /// An array of `n` items alike but for `odd`, which replaces item `at`.
    fn items(n: usize, odd: Option<(usize, &str)>) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| match odd {
                Some((at, item)) if at == i => item.to_owned(),
                _ => format!(
                    r#"{{"id": {i}, "date_gmt": "2024-01-15T10:30:00", "title": {{"rendered": "t{i}", "protected": false}}, "tags": [1, {i}]}}"#
                ),
            })
            .collect();
        format!("[{}]", items.join(","))
    }

    /// The file the two-pass conversion writes.
    fn two_passes(json: &str) -> Vec<u8> {
        let mut columns = Columns::default();
        each_item(json.as_bytes(), |item| columns.item(item)).unwrap();
        let out = Buffer::default();
        let mut conversion =
            Conversion::with_columns(&columns, out.clone(), compression()).unwrap();
        each_item(json.as_bytes(), |item| conversion.item(item)).unwrap();
        conversion.finish().unwrap().unwrap();
        out.take()
    }

    #[test]
    fn one_pass_writes_the_file_two_passes_write() {
        for n in [1, ROWS_PER_GROUP, ROWS_PER_GROUP * 2 + 7] {
            let json = items(n, None);
            let one = to_parquet(json.as_bytes()).unwrap().unwrap();
            assert_eq!(one.rows, n);
            assert!(one.bytes == two_passes(&json), "{n} items");
        }
    }

    #[test]
    fn a_column_first_seen_after_the_first_row_group_is_converted_in_two_passes() {
        let at = ROWS_PER_GROUP + 3;
        let json = items(ROWS_PER_GROUP * 2, Some((at, r#"{"id": 0, "late": "x"}"#)));
        let mut one_pass = Conversion::new(Buffer::default(), compression());
        let stopped = each_item(json.as_bytes(), |item| one_pass.item(item)).unwrap_err();
        assert_eq!(
            stopped,
            ConvertError::NewColumn {
                item: at,
                column: "late".into()
            }
        );
        let frame = df(&json);
        assert_eq!(frame.height(), ROWS_PER_GROUP * 2);
        let late = frame.column("late").unwrap().str().unwrap();
        assert_eq!((late.get(0), late.get(at)), (None, Some("x")));
        assert_eq!(
            to_parquet(json.as_bytes()).unwrap().unwrap().bytes,
            two_passes(&json)
        );
    }

    /// The one pass takes its columns from the first row group, so it must refuse later what
    /// a first pass over the whole input would have refused.
    #[test]
    fn after_the_first_row_group_a_repeated_field_or_a_clash_of_kinds_is_refused() {
        let at = ROWS_PER_GROUP + 1;
        let e = err(&items(at + 1, Some((at, r#"{"id": 1, "id": 2}"#))));
        assert!(e.contains(&format!("item {at}, field 'id'")), "{e}");
        assert!(e.contains("given twice"), "{e}");
        let e = err(&items(
            at + 1,
            Some((at, r#"{"id": 1, "title_protected": true}"#)),
        ));
        assert!(
            e.contains("column 'title_protected' would hold both Bool and Text values"),
            "{e}"
        );
    }
}
