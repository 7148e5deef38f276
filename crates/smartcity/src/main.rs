//! `smartcity`: the one binary of the Huế smart-city platform. See [`smartcity::cli`] for the commands.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    smartcity::run(smartcity::cli::Cli::parse())
}
