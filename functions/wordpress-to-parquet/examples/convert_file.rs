//! Converts a local raw JSON file to Parquet through the function's own code path, for the
//! benchmark (`make bench`): `convert_file INPUT.json OUTPUT.parquet [zstd|snappy|none]`. The
//! file is read twice as a stream (the columns, then the rows) and the Parquet written as it is
//! made, as the function reads and writes S3. Prints rows, columns and the seconds from opening
//! the input to having written the Parquet; on stderr, the seconds of each pass.

use polars::prelude::ParquetCompression;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;
use wordpress_to_parquet::convert::{Columns, Rows, compression, each_item};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, compression) = match args.as_slice() {
        [input, output] => (input, output, compression()),
        [input, output, codec] if codec == "zstd" => (input, output, compression()),
        [input, output, codec] if codec == "snappy" => (input, output, ParquetCompression::Snappy),
        [input, output, codec] if codec == "none" => {
            (input, output, ParquetCompression::Uncompressed)
        }
        _ => return Err("usage: convert_file INPUT.json OUTPUT.parquet [zstd|snappy|none]".into()),
    };
    let start = Instant::now();
    let mut columns = Columns::default();
    each_item(File::open(input)?, |item| columns.item(item))?;
    if columns.rows() == 0 {
        return Err("the input is an empty array".into());
    }
    let first = start.elapsed().as_secs_f64();
    let out = BufWriter::new(File::create(output)?);
    let mut rows = Rows::new(&columns, out, compression)?;
    each_item(File::open(input)?, |item| rows.item(item))?;
    let (rows, columns) = rows.finish()?;
    let seconds = start.elapsed().as_secs_f64();
    writeln!(std::io::stdout(), "{rows} {columns} {seconds:.3}")?;
    writeln!(
        std::io::stderr(),
        "columns pass {first:.3} s, rows pass {:.3} s",
        seconds - first
    )?;
    Ok(())
}
