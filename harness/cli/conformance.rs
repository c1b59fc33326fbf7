//! `hooktape conformance run FILE`: one `{"id", "actual"}` line per vector on stdout, and a
//! summary line on stderr when the vectors carry `expected`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use futures::StreamExt;

use crate::conformance::{differences, load_vectors, report_line, run_vector};

#[derive(Debug, Subcommand)]
pub enum ConformanceCommand {
    /// Run every vector of a vectors file through the engine.
    Run {
        /// A JSONL vectors file (e.g. data/conformance/codex-vectors.public.jsonl).
        file: PathBuf,
        /// How many vectors run at once.
        #[arg(long, default_value_t = 16)]
        jobs: usize,
    },
}

pub fn run(cmd: ConformanceCommand) -> anyhow::Result<ExitCode> {
    let ConformanceCommand::Run { file, jobs } = cmd;
    let vectors = load_vectors(&file).with_context(|| format!("reading {}", file.display()))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let results = runtime.block_on(
        futures::stream::iter(
            vectors
                .iter()
                .map(|v| async move { (v, run_vector(v).await) }),
        )
        .buffered(jobs.max(1))
        .collect::<Vec<_>>(),
    );
    let mut stdout = std::io::stdout().lock();
    let (mut same, mut differ, mut errors, mut unchecked) = (0usize, 0usize, 0usize, 0usize);
    for (vector, result) in results {
        match result {
            Ok(actual) => {
                writeln!(stdout, "{}", report_line(&vector.id, &actual))?;
                match vector.expected() {
                    None => unchecked += 1,
                    Some(expected) => {
                        let diffs = differences(expected, &actual);
                        if diffs.is_empty() {
                            same += 1;
                        } else {
                            differ += 1;
                            eprintln!("differs: {} (line {})", vector.id, vector.line);
                            for d in diffs {
                                eprintln!("  {d}");
                            }
                        }
                    }
                }
            }
            Err(err) => {
                errors += 1;
                eprintln!("error: {} (line {}): {err}", vector.id, vector.line);
            }
        }
    }
    eprintln!(
        "conformance: {} vectors, {same} reproduced, {differ} differ, {errors} errors, {unchecked} without expected",
        vectors.len()
    );
    Ok(if differ + errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILED)
    })
}
