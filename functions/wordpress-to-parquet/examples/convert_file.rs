//! Converts a local raw JSON file to Parquet through the function's own code path, for the
//! benchmark (`make bench`): `convert_file INPUT.json OUTPUT.parquet [zstd|snappy|none]`. The
//! file is read as a stream, once (or three times, when the first row group does not show every
//! column) and the Parquet written as it is made, as the function reads and writes S3. Prints
//! rows, columns and the seconds from opening the input to having written the Parquet.

use polars::prelude::ParquetCompression;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;
use wordpress_to_parquet::convert::{compression, convert};

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
    let (rows, columns) = convert(
        || File::open(input),
        || File::create(output).map(BufWriter::new),
        compression,
    )?
    .ok_or("the input is an empty array")?;
    let seconds = start.elapsed().as_secs_f64();
    writeln!(std::io::stdout(), "{rows} {columns} {seconds:.3}")?;
    Ok(())
}
