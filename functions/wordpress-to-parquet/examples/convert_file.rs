//! Converts a local raw JSON file to Parquet through the function's own code path, for the
//! benchmark (`make bench`): `convert_file INPUT.json OUTPUT.parquet`. Prints rows, columns
//! and the seconds from reading the file to having written the Parquet.

use std::io::Write;
use wordpress_to_parquet::convert::to_parquet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: convert_file INPUT.json OUTPUT.parquet".into());
    };
    let start = std::time::Instant::now();
    let json = std::fs::read(input)?;
    let parquet = to_parquet(&json)?.ok_or("the input is an empty array")?;
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
