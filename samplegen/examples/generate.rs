//! Writes a sample data set.
//!
//! ```text
//! cargo run -p samplegen --example generate -- OUT [MERCHANTS] [ACQUIRERS] [SEED] [PHOTOS] [INVALID_ROWS]
//! cargo run -p samplegen --example generate -- samples 240 3 42 true 8
//! ```
//!
//! `mhub samples generate` is the supported front end; this example exists
//! so the samples can be regenerated without the CLI.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!(
                "usage: generate OUT [MERCHANTS] [ACQUIRERS] [SEED] [PHOTOS true|false] [INVALID_ROWS]"
            );
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let defaults = samplegen::Options::default();
    let out = PathBuf::from(args.first().ok_or("missing output directory")?);
    let number = |i: usize, default: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| format!("argument {} is not a number: {s}", i + 1))
        })
    };
    let options = samplegen::Options {
        merchants: number(1, defaults.merchants)?,
        acquirers: number(2, defaults.acquirers)?,
        seed: number(3, defaults.seed as usize)? as u64,
        photos: args.get(4).map_or(Ok(defaults.photos), |s| {
            s.parse()
                .map_err(|_| format!("PHOTOS must be true or false: {s}"))
        })?,
        invalid_rows: number(5, defaults.invalid_rows)?,
        ..defaults
    };
    let summary = samplegen::generate(&options, &out).map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        message
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
    );
    Ok(())
}
