//! Converts a local raw JSON file to Parquet through the function's own code path, for the
//! benchmark (`make bench`): `convert_file INPUT.json OUTPUT.parquet`. Prints rows, columns
//! and the seconds from reading the file to having written the Parquet.

use std::io::Write;
use wordpress_to_parquet::convert::{to_dataframe, to_parquet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: convert_file INPUT.json OUTPUT.parquet".into());
    };
    let start = std::time::Instant::now();
    let json = std::fs::read(input)?;
    let mut frame = to_dataframe(&json)?;
    drop(json);
    let parquet = to_parquet(&mut frame)?;
    std::fs::write(output, parquet)?;
    let seconds = start.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout(),
        "{} {} {seconds:.3}",
        frame.height(),
        frame.width()
    )?;
    Ok(())
}
