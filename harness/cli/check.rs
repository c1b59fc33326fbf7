//! `hooktape check [PATH…]`: replays every scenario under the paths in parallel and compares
//! each with its golden. Exit 0 when all match, 1 on a mismatch or a failed replay, 2 on bad
//! input (a scenario that does not load).

use super::out::outln;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::replay::{self, Case, Verdict};
use crate::scenario::Repo;

use super::style::Style;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every scenario matches its golden and no golden \
is orphaned; 1 on a mismatch, a missing golden, a failed replay or an orphan golden; 2 on bad \
input (a scenario that does not load, a path that is not a scenario)."
)]
pub struct CheckArgs {
    /// Scenario files, folders, or names as `check` prints them (`stop/block_twice`,
    /// `stop/`). Default: the repository's scenarios folder (`hooktape.toml`), else
    /// `scenarios/`.
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Scenarios replayed at once (default: available cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Remove goldens that no scenario has (refused in CI).
    #[arg(long)]
    pub prune: bool,
}

/// One scenario's result.
#[derive(Debug)]
pub struct Outcome {
    pub case: Case,
    /// `None`: passed; otherwise the failure text (a diff or an error).
    pub failure: Option<String>,
    /// How long its replay took (JUnit `time`).
    pub time: std::time::Duration,
}

/// The repository of the current directory, if any.
fn current_repo() -> Option<Repo> {
    let cwd = std::env::current_dir().ok()?;
    Repo::discover(&cwd).ok().flatten()
}

pub fn default_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        match current_repo() {
            Some(repo) if repo.config.is_some() => vec![repo.scenarios],
            _ => vec![PathBuf::from("scenarios")],
        }
    } else {
        paths
    }
}

/// The scenario paths the user meant: an existing file or folder as given; a name as
/// `check` prints it (`stop/block_twice`, or a folder `stop/`) under the scenarios folder;
/// a golden (`.snap`) refused with what to pass instead. Prints bad input.
pub fn resolve(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ExitCode> {
    let scenarios = current_repo().map_or_else(|| PathBuf::from("scenarios"), |r| r.scenarios);
    let mut out = Vec::new();
    for p in paths {
        let text = p.to_string_lossy();
        let is_golden = [".snap", ".snap.new", ".pending-snap"]
            .iter()
            .any(|ext| text.ends_with(ext));
        if is_golden {
            let name = Path::new(
                text.trim_end_matches(".new")
                    .trim_end_matches(".pending-snap"),
            )
            .with_extension("");
            let name = name
                .strip_prefix("goldens")
                .unwrap_or(&name)
                .display()
                .to_string();
            eprintln!(
                "error: {text} is a golden, not a scenario; pass its scenario's name (`{name}`) or file (`{}`)",
                scenarios.join(format!("{name}.toml")).display()
            );
            return Err(ExitCode::from(EXIT_BAD_INPUT));
        }
        if p.exists() {
            out.push(p.clone());
            continue;
        }
        let file = scenarios.join(format!("{}.toml", text.trim_end_matches('/')));
        let folder = scenarios.join(text.as_ref());
        if file.is_file() {
            out.push(file);
        } else if !text.ends_with(".toml") && folder.is_dir() {
            out.push(folder);
        } else {
            eprintln!(
                "error: {text}: no such scenario file, folder or name (names are paths under {} without `.toml`)",
                scenarios.display()
            );
            return Err(ExitCode::from(EXIT_BAD_INPUT));
        }
    }
    Ok(out)
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
    let paths = resolve(paths)?;
    let files = replay::collect_files(&paths).map_err(|e| bad(&e))?;
    if files.is_empty() {
        return Err(bad(&format!(
            "no scenario files (*.toml) under {}",
            show(&paths)
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
        let case = Case::of_scenario(&scenario).map_err(|e| bad(&e))?;
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
    finish: impl Fn(&Case, Result<replay::Replayed, replay::ReplayError>, &indicatif::ProgressBar) -> R
        + Send
        + Sync,
) -> anyhow::Result<Result<Vec<(Case, R)>, ExitCode>> {
    let loaded = match load(&default_paths(paths)) {
        Ok(l) => l,
        Err(code) => return Ok(Err(code)),
    };
    let bar = progress(loaded.len());
    let results = replay::replay_all_with(loaded, jobs(jobs_arg), |case: &Case, result| {
        bar.inc(1);
        bar.set_message(case.name.clone());
        finish(case, result, &bar)
    })?;
    bar.finish_and_clear();
    Ok(Ok(results))
}

/// Prints above the progress bar (or plainly when there is none).
pub fn print_above(bar: &indicatif::ProgressBar, text: &str) {
    if bar.is_hidden() {
        outln!("{text}");
    } else {
        bar.println(text);
    }
}

/// Goldens under the goldens folders of `paths` that no scenario file has: for each path
/// that is a folder of scenarios, the matching folder of goldens.
pub fn orphans(paths: &[PathBuf], cases: &[Case]) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for p in resolve(paths).unwrap_or_default() {
        if !p.is_dir() {
            continue;
        }
        // The goldens folder of a scenarios folder: a probe case inside it.
        let probe = p.join("__probe__.toml");
        if let Ok(case) = Case::of_file(&probe) {
            if let Some(dir) = case.golden.parent() {
                roots.push(dir.to_path_buf());
            }
        }
    }
    let known: std::collections::BTreeSet<PathBuf> = cases
        .iter()
        .map(|c| crate::scenario::repo::absolute(&c.golden))
        .collect();
    let mut out = Vec::new();
    for root in roots {
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "snap")
                    && !known.contains(&crate::scenario::repo::absolute(&path))
                {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let st = Style::stdout();
    let paths = default_paths(args.paths.clone());
    // Each replay is compared as soon as it ends; only the verdict is kept, and a failure
    // is printed then, not after the whole suite.
    let results = replay_paths(paths.clone(), args.jobs, |case: &Case, result, bar| {
        let time = result
            .as_ref()
            .map(|r| r.phases.total())
            .unwrap_or_default();
        let (bad, failure) = match result {
            Err(e) => (e.is_bad_input(), Some(format!("{e}"))),
            Ok(replayed) => match replay::compare(case, &replayed) {
                Err(e) => (true, Some(e.to_string())),
                Ok(Verdict::Match) => (false, None),
                Ok(Verdict::Missing) => (
                    false,
                    Some(format!(
                        "no golden at {}; create it with `hooktape bless {}`",
                        case.golden.display(),
                        case.name
                    )),
                ),
                Ok(Verdict::Mismatch(diff)) => (false, Some(diff)),
            },
        };
        if let Some(text) = &failure {
            print_above(
                bar,
                &format!(
                    "{} {}\n{}\n",
                    st.red("FAIL"),
                    st.bold(&case.name),
                    st.diff(text.trim_end())
                ),
            );
        }
        (bad, failure, time)
    })?;
    let results = match results {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };

    let mut outcomes = Vec::new();
    let mut bad_input = false;
    for (case, (bad, failure, time)) in results {
        bad_input |= bad;
        outcomes.push(Outcome {
            case,
            failure,
            time,
        });
    }
    let cases: Vec<Case> = outcomes.iter().map(|o| o.case.clone()).collect();
    let orphans = orphans(&paths, &cases);
    let mut pruned = 0;
    for o in &orphans {
        if args.prune {
            if replay::in_ci() {
                eprintln!("error: refusing to prune {}: CI is set", o.display());
                bad_input = true;
                continue;
            }
            std::fs::remove_file(o).with_context(|| format!("cannot remove {}", o.display()))?;
            pruned += 1;
            outln!("pruned {}", o.display());
        } else {
            outln!(
                "{} {} has no scenario; remove it with `hooktape check --prune`",
                st.yellow("ORPHAN"),
                o.display()
            );
        }
    }
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let passed = outcomes.len() - failed;
    let orphaned = orphans.len() - pruned;
    if orphaned > 0 {
        outln!("{passed} passed, {failed} failed, {orphaned} orphan golden(s)");
    } else {
        outln!("{passed} passed, {failed} failed");
    }
    if let Some(path) = &args.junit {
        write_junit(path, &outcomes)?;
    }
    Ok(if bad_input {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if failed == 0 && orphaned == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

/// Text for a JUnit report: control characters XML 1.0 cannot carry are dropped, the rest
/// escaped as in a hook prompt.
fn xml_escape(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|&c| (c as u32) >= 0x20 || matches!(c, '\n' | '\t' | '\r'))
        .collect();
    crate::agent::session::xml_escape(&kept)
}

/// A JUnit XML report: one `testcase` per scenario, a `failure` with the diff or error.
pub fn write_junit(path: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let failures = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let total: std::time::Duration = outcomes.iter().map(|o| o.time).sum();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"hooktape\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">\n",
        outcomes.len(),
        total.as_secs_f64()
    );
    for o in outcomes {
        let name = xml_escape(&o.case.name);
        let time = o.time.as_secs_f64();
        match &o.failure {
            None => {
                xml += &format!(
                    "    <testcase classname=\"scenarios\" name=\"{name}\" time=\"{time:.3}\"/>\n"
                )
            }
            Some(text) => {
                xml += &format!(
                    "    <testcase classname=\"scenarios\" name=\"{name}\" time=\"{time:.3}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml_escape(text.lines().next().unwrap_or_default()),
                    xml_escape(text)
                );
            }
        }
    }
    xml += "  </testsuite>\n</testsuites>\n";
    std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))
}
