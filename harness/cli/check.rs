//! `hooktape check [PATH…]`: replays every scenario under the paths in parallel and compares
//! each with its golden. Exit 0 when all match, 1 on a mismatch or a failed replay, 2 on bad
//! input (a scenario that does not load).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::replay::{self, Case, Verdict};

use super::style::Style;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or folders (default: `scenarios/`).
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Scenarios replayed at once (default: available cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

/// One scenario's result.
#[derive(Debug)]
pub struct Outcome {
    pub case: Case,
    /// `None`: passed; otherwise the failure text (a diff or an error).
    pub failure: Option<String>,
}

pub fn default_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths
    }
}

pub fn jobs(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Collects and loads the scenarios, then finds their goldens; prints bad input and
/// returns `Err(exit code)` on any.
pub fn load(paths: &[PathBuf]) -> Result<Vec<(Case, crate::scenario::Scenario)>, ExitCode> {
    let bad = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_BAD_INPUT)
    };
    let files = replay::collect_files(paths).map_err(|e| bad(&e))?;
    if files.is_empty() {
        return Err(bad(&format!(
            "no scenario files (*.toml) under {}",
            show(paths)
        )));
    }
    let (loaded, errors) = replay::load_all(&files);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {e}");
        }
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let mut out = Vec::new();
    for scenario in loaded {
        let case = Case::of_file(&scenario.path).map_err(|e| bad(&e))?;
        out.push((case, scenario));
    }
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok(out)
}

fn show(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress(len: usize) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Loads every scenario under `paths` (default `scenarios/`), replays them on `jobs` with a
/// progress bar, and hands each replay to `finish` as soon as it ends, keeping only what
/// `finish` returns. `Err(code)`: the scenarios could not be loaded (already reported).
pub fn replay_paths<R: Send>(
    paths: Vec<PathBuf>,
    jobs_arg: Option<usize>,
    finish: impl Fn(&Case, Result<replay::Replayed, replay::ReplayError>) -> R + Send + Sync,
) -> anyhow::Result<Result<Vec<(Case, R)>, ExitCode>> {
    let loaded = match load(&default_paths(paths)) {
        Ok(l) => l,
        Err(code) => return Ok(Err(code)),
    };
    let bar = progress(loaded.len());
    let results = replay::replay_all_with(loaded, jobs(jobs_arg), |case: &Case, result| {
        bar.inc(1);
        bar.set_message(case.name.clone());
        finish(case, result)
    })?;
    bar.finish_and_clear();
    Ok(Ok(results))
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    // Each replay is compared as soon as it ends; only the verdict is kept.
    let results = replay_paths(args.paths, args.jobs, |case: &Case, result| match result {
        Err(e) => (e.is_bad_input(), Some(format!("{e}"))),
        Ok(replayed) => match replay::compare(case, &replayed) {
            Err(e) => (true, Some(e.to_string())),
            Ok(Verdict::Match) => (false, None),
            Ok(Verdict::Missing) => (
                false,
                Some(format!(
                    "no golden at {}; create it with `hooktape bless {}`",
                    case.golden.display(),
                    case.file.display()
                )),
            ),
            Ok(Verdict::Mismatch(diff)) => (false, Some(diff)),
        },
    })?;
    let results = match results {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };

    let mut outcomes = Vec::new();
    let mut bad_input = false;
    for (case, (bad, failure)) in results {
        bad_input |= bad;
        outcomes.push(Outcome { case, failure });
    }

    let st = Style::stdout();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.failure.is_some()).collect();
    for o in &failed {
        println!("{} {}", st.red("FAIL"), st.bold(&o.case.name));
        if let Some(text) = &o.failure {
            println!("{}\n", st.diff(text.trim_end()));
        }
    }
    let passed = outcomes.len() - failed.len();
    println!("{passed} passed, {} failed", failed.len());
    if let Some(path) = &args.junit {
        write_junit(path, &outcomes)?;
    }
    Ok(if bad_input {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A JUnit XML report: one `testcase` per scenario, a `failure` with the diff or error.
pub fn write_junit(path: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let failures = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"hooktape\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
        outcomes.len()
    );
    for o in outcomes {
        let name = xml_escape(&o.case.name);
        match &o.failure {
            None => xml += &format!("    <testcase classname=\"scenarios\" name=\"{name}\"/>\n"),
            Some(text) => {
                xml += &format!(
                    "    <testcase classname=\"scenarios\" name=\"{name}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml_escape(text.lines().next().unwrap_or_default()),
                    xml_escape(text)
                );
            }
        }
    }
    xml += "  </testsuite>\n</testsuites>\n";
    std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))
}
