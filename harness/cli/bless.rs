//! `hooktape bless [PATH…]`: replays scenarios and writes or updates their goldens.
//! Refused (exit 2) when `CI` is set.

use super::out::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::replay::{self, Case};

use super::check::replay_paths;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Args)]
pub struct BlessArgs {
    /// Scenario files or folders (default: `scenarios/`).
    pub paths: Vec<PathBuf>,
    /// Scenarios replayed at once (default: available cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

pub fn run(args: BlessArgs) -> anyhow::Result<ExitCode> {
    if replay::in_ci() {
        eprintln!(
            "error: refusing to bless: CI is set, and goldens are never written in CI. \
             Run `hooktape bless` locally and commit the goldens."
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    // Each golden is written as soon as its replay ends; only the outcome is kept.
    let results = replay_paths(args.paths, args.jobs, |case: &Case, result, _bar| {
        result.and_then(|r| replay::bless(case, &r))
    })?;
    let results = match results {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let (mut updated, mut unchanged, mut failed) = (0, 0, 0);
    for (case, result) in results {
        match result {
            Ok(true) => {
                updated += 1;
                outln!("blessed {} -> {}", case.name, case.golden.display());
            }
            Ok(false) => unchanged += 1,
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    outln!("{updated} written, {unchanged} unchanged, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
