//! The command line: argument parsing and dispatch only. Each subcommand lives in its own
//! file and calls down into `replay`, `conformance` or `engine`.

mod conformance;
mod fuzz;
mod probe;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for bad input (unreadable or malformed files, bad arguments).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a mismatch or a failing check.
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "hooktape",
    version,
    about = "Record-and-replay test harness for coding-agent lifecycle hooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Conformance vectors recorded from the real Codex engine.
    #[command(subcommand)]
    Conformance(conformance::ConformanceCommand),
    /// Fuzz the hook-output parsers against their properties, in-process, with shrinking.
    Fuzz(fuzz::FuzzArgs),
    /// Run one command as the single hook of an event through the real engine, no agent.
    Probe(Box<probe::ProbeArgs>),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(cmd) => conformance::run(cmd),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Probe(args) => probe::run(*args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
