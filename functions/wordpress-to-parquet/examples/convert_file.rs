//! Converts a local raw JSON file to Parquet through the function's own code path, for the
//! benchmark (`make bench`): `convert_file INPUT.json OUTPUT.parquet [zstd|snappy]`. Prints
//! rows, columns and the seconds from reading the file to having written the Parquet.

use polars::prelude::ParquetCompression;
use std::io::Write;
use wordpress_to_parquet::convert::{compression, to_parquet_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, compression) = match args.as_slice() {
        [input, output] => (input, output, compression()),
        [input, output, codec] if codec == "zstd" => (input, output, compression()),
        [input, output, codec] if codec == "snappy" => (input, output, ParquetCompression::Snappy),
        _ => return Err("usage: convert_file INPUT.json OUTPUT.parquet [zstd|snappy]".into()),
    };
    let start = std::time::Instant::now();
    let json = std::fs::read(input)?;
    let parquet = to_parquet_with(&json, compression)?.ok_or("the input is an empty array")?;
    drop(json);
    std::fs::write(output, &parquet.bytes)?;
    let seconds = start.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout(),
        "{} {} {seconds:.3}",
        parquet.rows,
        parquet.columns
    )?;
    Ok(())
}
