//! `mhub`: runs the hub and talks to it (SPEC §11).
//!
//! Parsing is `mhub_cli::args` (a library, so tests can walk the command
//! tree); [`commands`] runs one command each, talking to a
//! hub through [`client`] and printing through [`output`]; [`upload`] is
//! the batch upload shared by `mhub upload` and `mhub demo`; [`mirror`] is
//! the local copy of the signed feed behind `mhub feed`.

mod client;
mod commands;
mod mirror;
mod output;
mod upload;

use std::process::ExitCode;

use clap::Parser;
// At the crate root, so the commands name it `crate::args` as before.
use mhub_cli::args;

/// Parse (clap exits with 2 on a usage error), run, map the outcome to an exit code.
fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::report_error(&error);
            ExitCode::FAILURE
        }
    }
}
