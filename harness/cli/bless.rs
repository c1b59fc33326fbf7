//! `hooktape bless [PATH…]`: replays scenarios and writes or updates their goldens.
//! Refused (exit 2) when `CI` is set.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::replay::{self, Case};

use super::check::{default_paths, jobs, load, progress};
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
    let paths = default_paths(args.paths);
    let loaded = match load(&paths) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let bar = progress(loaded.len());
    let results = replay::replay_all(loaded, jobs(args.jobs), |case: &Case| {
        bar.inc(1);
        bar.set_message(case.name.clone());
    })?;
    bar.finish_and_clear();
    let (mut updated, mut unchanged, mut failed) = (0, 0, 0);
    for (case, result) in results {
        match result.and_then(|r| replay::bless(&case, &r)) {
            Ok(true) => {
                updated += 1;
                println!("blessed {} -> {}", case.name, case.golden.display());
            }
            Ok(false) => unchanged += 1,
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    println!("{updated} written, {unchanged} unchanged, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
