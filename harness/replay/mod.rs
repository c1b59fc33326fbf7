//! Replay: scenario → fresh workspace → engine + mock agent (scripted model server and
//! analytics sink on loopback) → [`Recording`] → normalised data → golden text → compare or
//! bless. The only layer that knows about goldens.

pub mod golden;
pub mod normalise;
pub mod render;
pub mod typed;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::agent::{self, AgentEnv, Hooks, Recording};
use crate::engine::claude::{ClaudeConfig, ClaudeEngine};
use crate::engine::clock::FixedClock;
use crate::engine::lifecycle::{discover_notify, LifecycleEngine};
use crate::engine::runner::RunnerConfig;
use crate::engine::spill::Spiller;
use crate::engine::{Dialect, Engine};
use crate::scenario::{self, Scenario, ScenarioError, Workspace};

pub use golden::{in_ci, GoldenError};
pub use normalise::Normaliser;

/// The fixed clock every replay runs on: 2026-01-01T00:00:00Z.
pub const REPLAY_EPOCH: i64 = 1_767_225_600;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Bad input: the scenario does not load (exit 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A path given on the command line is not a scenario under a `scenarios/` folder.
    #[error("{0}")]
    Input(String),
    #[error("{scenario}: {source}")]
    Workspace {
        scenario: String,
        #[source]
        source: scenario::workspace::WorkspaceError,
    },
    /// The session could not be played as scripted (script overrun, unused responses...).
    /// The agent's error text, normalised (workspace paths as placeholders).
    #[error("{scenario}: {message}")]
    Agent {
        scenario: String,
        message: String,
        /// The session as played up to the failure, normalised, when the agent kept it.
        partial: Option<Box<Recording>>,
    },
    /// Discovery warnings differ from the scenario's `expect_warnings`.
    #[error("{scenario}: {message}")]
    Warnings { scenario: String, message: String },
    #[error(transparent)]
    Golden(#[from] GoldenError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A replay task panicked or was cancelled (a harness bug).
    #[error("replay task failed: {0}")]
    Task(String),
}

impl ReplayError {
    /// The normalised recording of a session that failed after it was played.
    pub fn partial_recording(&self) -> Option<&Recording> {
        match self {
            ReplayError::Agent {
                partial: Some(p), ..
            } => Some(p),
            _ => None,
        }
    }

    /// Bad input (exit 2) rather than a failing scenario (exit 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ReplayError::Scenario(_) | ReplayError::Input(_) | ReplayError::Golden(_)
        )
    }
}

/// One scenario file of a suite and where its golden lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// `stop/block_twice`: the path under `scenarios/` without `.toml`.
    pub name: String,
    pub file: PathBuf,
    /// `<root>/goldens/<name>.snap`.
    pub golden: PathBuf,
    /// `scenarios/<name>.toml`, relative to the root (the golden's `input_file`).
    pub input_file: String,
    /// The golden's path as the user opens it (relative to the root), for diffs.
    pub golden_file: String,
}

/// `path` relative to `root`, with `/`; the whole path when it is not under `root`.
fn relative_to(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

impl Case {
    /// The case of one scenario file: it must live under a folder named `scenarios`, whose
    /// sibling `goldens` holds the goldens.
    pub fn of_file(file: &Path) -> Result<Case, ReplayError> {
        let repo = scenario::Repo::for_scenario(file)
            .map_err(|e| ReplayError::Scenario(ScenarioError::from(e)))?;
        Case::of_file_in(&repo, file)
    }

    /// The case of a loaded scenario, from the repository it was loaded in.
    pub fn of_scenario(scenario: &Scenario) -> Result<Case, ReplayError> {
        Case::of_file_in(&scenario.repo, &scenario.path)
    }

    fn of_file_in(repo: &scenario::Repo, file: &Path) -> Result<Case, ReplayError> {
        if repo.config.is_some() {
            return Case::in_repo(repo, file);
        }
        let comps: Vec<Component<'_>> = file.components().collect();
        let Some(pos) = comps.iter().rposition(|c| c.as_os_str() == "scenarios") else {
            return Err(ReplayError::Input(format!(
                "{}: scenario files must live under a `scenarios/` folder (its golden goes in the sibling `goldens/`)",
                file.display()
            )));
        };
        let root: PathBuf = comps[..pos].iter().collect();
        let scenarios_root = root.join("scenarios");
        let name = golden::scenario_name(&scenarios_root, file);
        let goldens_root = root.join("goldens");
        Ok(Case {
            golden: golden::golden_path(&goldens_root, &name),
            golden_file: format!("goldens/{name}.snap"),
            input_file: format!("scenarios/{name}.toml"),
            name,
            file: file.to_path_buf(),
        })
    }
}

impl Case {
    /// The case of a scenario of a repository configured by `hooktape.toml`: named by its
    /// path under the configured scenarios folder, its golden under the goldens folder.
    pub fn in_repo(repo: &scenario::Repo, file: &Path) -> Result<Case, ReplayError> {
        let abs = scenario::repo::absolute(file);
        if !abs.starts_with(&repo.scenarios) {
            return Err(ReplayError::Input(format!(
                "{}: not under the scenarios folder {} that {} names",
                file.display(),
                repo.scenarios.display(),
                repo.config
                    .as_deref()
                    .map_or_else(|| "hooktape.toml".to_owned(), |c| c.display().to_string())
            )));
        }
        let name = golden::scenario_name(&repo.scenarios, &abs);
        let input_file = relative_to(&repo.root, &abs);
        let golden = golden::golden_path(&repo.goldens, &name);
        Ok(Case {
            golden_file: relative_to(&repo.root, &golden),
            golden,
            input_file,
            name,
            file: file.to_path_buf(),
        })
    }
}

/// Every `*.toml` file under `paths` (files or directories), in path order, deduplicated.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReplayError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files).map_err(|e| ReplayError::Input(format!("{}: {e}", p.display())))?;
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(ReplayError::Input(format!(
                "{}: no such scenario file or directory",
                p.display()
            )));
        }
    }
    files.sort();
    // The same file named twice (`scenarios/x.toml` and a name resolved to an absolute
    // path) is replayed once: two replays would write the same golden at once.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(scenario::repo::absolute(f)));
    Ok(files)
}

/// The cases of every scenario under `paths`, sorted by name.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Case>, ReplayError> {
    let mut cases = collect_files(paths)?
        .iter()
        .map(|f| Case::of_file(f))
        .collect::<Result<Vec<_>, _>>()?;
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// A played and normalised scenario.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub scenario: Scenario,
    /// The recording, normalised (no absolute path; times and durations 0).
    pub recording: Recording,
    /// The golden text (the session's story).
    pub text: String,
    /// The sum of the hook runs' real wall times, from the raw recording (before
    /// normalising). Never reaches a golden.
    pub hook_time: Duration,
    /// Where the replay's own time went. Never reaches a golden.
    pub phases: Phases,
}

/// Wall time of each phase of one replay (for `hooktape bench`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Materialising the workspace (temp dir, files, hook scripts).
    pub workspace: Duration,
    /// Discovering the hooks (reading the config layers).
    pub discover: Duration,
    /// Playing the session: model and analytics servers, agent loop, hook runs.
    pub play: Duration,
    /// Serialising the recording and normalising it.
    pub normalise: Duration,
    /// Rendering the golden text.
    pub render: Duration,
    /// Removing the workspace.
    pub cleanup: Duration,
}

impl Phases {
    pub fn total(&self) -> Duration {
        self.workspace + self.discover + self.play + self.normalise + self.render + self.cleanup
    }
}

impl std::ops::AddAssign for Phases {
    fn add_assign(&mut self, o: Phases) {
        self.workspace += o.workspace;
        self.discover += o.discover;
        self.play += o.play;
        self.normalise += o.normalise;
        self.render += o.render;
        self.cleanup += o.cleanup;
    }
}

/// Loads and plays one scenario file.
pub async fn replay_file(file: &Path) -> Result<Replayed, ReplayError> {
    let scenario = scenario::load_file(file)?;
    replay(&scenario).await
}

/// Plays a scenario in a fresh workspace and normalises what it recorded.
pub async fn replay(scenario: &Scenario) -> Result<Replayed, ReplayError> {
    replay_checked(scenario, true).await
}

/// [`replay`] that accepts any discovery warning (`hooktape port` reports them instead).
pub async fn replay_any_warnings(scenario: &Scenario) -> Result<Replayed, ReplayError> {
    replay_checked(scenario, false).await
}

async fn replay_checked(scenario: &Scenario, check: bool) -> Result<Replayed, ReplayError> {
    let mut phases = Phases::default();
    let mut lap = Instant::now();
    let mut split = || {
        let now = Instant::now();
        let d = now - lap;
        lap = now;
        d
    };
    let name = scenario.path.display().to_string();
    let ws = Workspace::materialise(scenario).map_err(|source| ReplayError::Workspace {
        scenario: name.clone(),
        source,
    })?;
    phases.workspace = split();
    let clock = Arc::new(FixedClock::new(REPLAY_EPOCH));
    let defaults = RunnerConfig::default();
    let shell = match &scenario.session.shell {
        Some(shell) => vec![shell.clone(), "-c".to_owned()],
        None => defaults.shell.clone(),
    };
    let runner = RunnerConfig {
        env: ws.hook_env(),
        output_cap: scenario.session.output_cap.unwrap_or(defaults.output_cap),
        shell,
        ..defaults
    };
    let normaliser = normaliser(scenario, &ws).map_err(|e| {
        // The loader compiled every filter; this cannot happen.
        ReplayError::Input(format!("{name}: a filter does not compile: {e}"))
    })?;
    // Only the scenario's dialect is discovered and run; `notify` runs in both.
    let (codex, lifecycle, notify, claude);
    let hooks = match scenario.session.dialect {
        Dialect::Codex | Dialect::Codex4e30281 => {
            codex = Engine::discover_as(
                scenario.session.dialect,
                ws.discovery_input(),
                runner,
                clock.clone(),
            )
            .with_spiller(Spiller::new(&ws.tmp, &ws.reference_tmp()))
            .with_mcp(scenario.mcp.clone());
            let warnings: Vec<String> = codex
                .warnings()
                .iter()
                .map(|w| normaliser.text(w))
                .collect();
            if check {
                check_warnings(scenario, &warnings)?;
            }
            // Loading checked every `notify`; a config.toml that is not TOML at all is
            // reported by the engine as a discovery warning, and then sets no notify.
            notify = discover_notify(ws.discovery_input()).unwrap_or(None);
            Hooks::codex(&codex).with_notify(notify.as_ref())
        }
        Dialect::Lifecycle => {
            lifecycle = LifecycleEngine::discover(ws.discovery_input(), runner, clock.clone())
                .map_err(|e| {
                    ReplayError::Input(format!("{name}: {}", normaliser.text(&e.to_string())))
                })?;
            Hooks::lifecycle(&lifecycle)
        }
        Dialect::Claude => {
            let files = ws
                .claude_settings(scenario)
                .map_err(|source| ReplayError::Workspace {
                    scenario: name.clone(),
                    source,
                })?;
            claude = ClaudeEngine::new(ClaudeConfig::read(&files), runner);
            let warnings: Vec<String> = claude
                .config()
                .warnings
                .iter()
                .map(|w| normaliser.text(w))
                .collect();
            if check {
                check_warnings(scenario, &warnings)?;
            }
            Hooks::claude(&claude)
        }
    };
    phases.discover = split();
    let env = AgentEnv {
        sessions_dir: match scenario.session.dialect {
            Dialect::Claude => ws.home.join(".claude/projects"),
            _ => ws.codex_home.join("sessions"),
        },
        clock,
    };
    let spec = scenario.session_spec(&ws);
    let recording = agent::play_with(&spec, hooks, &env)
        .await
        .map_err(|e| ReplayError::Agent {
            scenario: name.clone(),
            message: normaliser.text(&e.to_string()),
            partial: match &e {
                agent::AgentError::UnusedResponses { recording, .. } => {
                    Some(Box::new(normalised(recording, &normaliser)))
                }
                _ => None,
            },
        })?;
    phases.play = split();
    let hook_time = recording.hook_time();
    let recording = normalised(&recording, &normaliser);
    phases.normalise = split();
    let text = render::render(&scenario.description, &recording);
    phases.render = split();
    // Removing the workspace is slow on some file systems (each `rmdir` waits for the
    // journal: ~3 ms on ext4 mounted with `discard`, ~25 ms a workspace), and nothing
    // waits for it: hand it to the blocking pool, which the runtime drains before it shuts
    // down, so the directory is still gone by the time the command returns.
    drop(tokio::task::spawn_blocking(move || drop(ws)));
    phases.cleanup = split();
    Ok(Replayed {
        scenario: scenario.clone(),
        recording,
        text,
        hook_time,
        phases,
    })
}

/// The normaliser of one replay: the workspace's paths, then the machine's (the repository
/// root, the user's home, the system temp dir, the harness's `PATH`, program paths), then
/// the repository's and the scenario's filters.
pub(crate) fn normaliser(scenario: &Scenario, ws: &Workspace) -> Result<Normaliser, regex::Error> {
    let mut paths = ws.placeholders();
    paths.push((scenario.repo.root.clone(), "<REPO>"));
    let machine = machine_paths();
    paths.extend(machine.prefixes.iter().cloned());
    let path_var = machine.path_var.clone();
    // Claude Code names a session's transcript folder after its cwd (`/` and the like made
    // `-`): that folder name is the workspace's path in another spelling.
    let slug = (scenario.session.dialect == Dialect::Claude)
        .then(|| crate::agent::claude::project_slug(&ws.cwd.display().to_string()));
    Normaliser::new(paths)
        .with_exact(slug, "<CWD_SLUG>")
        .with_exact(path_var, "<PATH>")
        .with_programs()
        .with_filters(
            scenario
                .filters
                .iter()
                .map(|f| (f.regex.as_str(), f.replacement.as_str())),
        )
}

/// What of this machine a hook may print, read once per process: the user's home, the system
/// temp folder (both canonical) and the `PATH` hooks inherit.
struct MachinePaths {
    prefixes: Vec<(PathBuf, &'static str)>,
    path_var: Option<String>,
}

fn machine_paths() -> &'static MachinePaths {
    static MACHINE: std::sync::OnceLock<MachinePaths> = std::sync::OnceLock::new();
    MACHINE.get_or_init(|| {
        let mut prefixes = Vec::new();
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            let home = home.canonicalize().unwrap_or(home);
            if home.components().count() > 1 {
                prefixes.push((home, "<HOST_HOME>"));
            }
        }
        let tmp = std::env::temp_dir();
        prefixes.push((tmp.canonicalize().unwrap_or(tmp), "<SYSTMP>"));
        MachinePaths {
            prefixes,
            path_var: std::env::var("PATH").ok().filter(|p| p.contains(':')),
        }
    })
}

/// Fails unless every discovery warning is one the scenario expects, and every expected
/// warning appeared: Codex skips what a warning names, so a golden would otherwise pin a
/// hook that never ran.
pub fn check_warnings(scenario: &Scenario, warnings: &[String]) -> Result<(), ReplayError> {
    let unexpected: Vec<&String> = warnings
        .iter()
        // `hook_trust = "bypass"` asks for this one; it skips nothing.
        .filter(|w| w.as_str() != crate::engine::config::BYPASS_WARNING)
        .filter(|w| {
            !scenario
                .expect_warnings
                .iter()
                .any(|e| w.contains(e.as_str()))
        })
        .collect();
    let missing: Vec<&String> = scenario
        .expect_warnings
        .iter()
        .filter(|e| !warnings.iter().any(|w| w.contains(e.as_str())))
        .collect();
    if unexpected.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let mut message = String::new();
    if !unexpected.is_empty() {
        message += "Codex reports discovery warnings this scenario does not expect (it skips what each names, so the golden would pin hooks that never run):\n";
        for w in &unexpected {
            message += &format!("  warning: {w}\n");
        }
        message += "fix the hook configuration, or, when the scenario tests Codex's reading of it, list each warning (or a part of it) in `expect_warnings`";
    }
    if !missing.is_empty() {
        if !message.is_empty() {
            message += "\n";
        }
        message += "`expect_warnings` lists warnings Codex did not report:\n";
        for e in &missing {
            message += &format!("  expected: {e}\n");
        }
        message += &format!(
            "it reported {}",
            if warnings.is_empty() {
                "none".to_owned()
            } else {
                warnings.join("; ")
            }
        );
    }
    Err(ReplayError::Warnings {
        scenario: scenario.path.display().to_string(),
        message,
    })
}

/// The recording, normalised.
pub fn normalised(recording: &Recording, normaliser: &Normaliser) -> Recording {
    typed::normalised(recording, normaliser)
}

/// Blocking wrapper: plays one file on a fresh current-thread runtime.
pub fn replay_file_blocking(file: &Path) -> Result<Replayed, ReplayError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ReplayError::Runtime)?;
    rt.block_on(replay_file(file))
}

/// The result of comparing one replay with its golden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Match,
    /// A unified diff golden → actual.
    Mismatch(String),
    /// No golden yet.
    Missing,
}

/// Compares a replay with the case's golden.
pub fn compare(case: &Case, replayed: &Replayed) -> Result<Verdict, ReplayError> {
    Ok(match golden::read(&case.golden)? {
        None => Verdict::Missing,
        Some(golden) => {
            match golden::diff(&case.golden_file, &case.name, &golden, &replayed.text) {
                None => Verdict::Match,
                Some(diff) => Verdict::Mismatch(diff),
            }
        }
    })
}

/// Writes the case's golden (refused in CI). Returns whether the contents changed.
pub fn bless(case: &Case, replayed: &Replayed) -> Result<bool, ReplayError> {
    let changed = match compare(case, replayed) {
        Ok(verdict) => verdict != Verdict::Match,
        // A golden that lost its header is rewritten whole.
        Err(ReplayError::Golden(GoldenError::NoHeader(_))) => true,
        Err(e) => return Err(e),
    };
    if in_ci() {
        return Err(GoldenError::InCi(case.golden.clone()).into());
    }
    if changed {
        let text = golden::snapshot_text(
            &replayed.scenario.description,
            &case.input_file,
            &replayed.text,
        );
        golden::write(&case.golden, &text)?;
    } else {
        // A golden left unchanged still loses the temp files of a killed earlier bless.
        golden::remove_stale_temps(&case.golden);
    }
    // insta's pending snapshots of this golden are superseded by what was just blessed: left
    // behind, a later `cargo insta accept` would bring back the older contents.
    golden::remove_pending(&case.golden);
    Ok(changed)
}

/// Loads every scenario file; the errors are bad input.
pub fn load_all(files: &[PathBuf]) -> (Vec<Scenario>, Vec<ScenarioError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    // One repository per folder, found (and its `hooktape.toml` read) once.
    let mut repos: std::collections::HashMap<PathBuf, scenario::Repo> =
        std::collections::HashMap::new();
    for file in files {
        let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let repo = match repos.get(&folder) {
            Some(repo) => Ok(repo.clone()),
            None => scenario::Repo::for_scenario(file).map_err(ScenarioError::from),
        };
        let loaded = repo.and_then(|repo| {
            let s = scenario::load::load_file_in(&repo, file);
            repos.insert(folder, repo);
            s
        });
        match loaded {
            Ok(s) => ok.push(s),
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

/// One replay's result, with the caller's tag.
pub type Tagged<T> = (T, Result<Replayed, ReplayError>);

/// Plays scenarios concurrently (at most `jobs` at a time) on a multi-thread runtime;
/// `on_done` is called as each finishes. Results come back in input order.
pub fn replay_all<T: Clone + Send + 'static>(
    items: Vec<(T, Scenario)>,
    jobs: usize,
    on_done: impl Fn(&T) + Send + Sync,
) -> Result<Vec<Tagged<T>>, ReplayError> {
    replay_all_with(items, jobs, |tag: &T, result| {
        on_done(tag);
        result
    })
}

/// Like [`replay_all`], but each replay is handed to `finish` as soon as it ends and only
/// what `finish` returns is kept (e.g. a verdict), so a suite's memory does not grow with
/// its replays' recordings. Results come back in input order.
pub fn replay_all_with<T: Send, R: Send>(
    items: Vec<(T, Scenario)>,
    jobs: usize,
    finish: impl Fn(&T, Result<Replayed, ReplayError>) -> R + Send + Sync,
) -> Result<Vec<(T, R)>, ReplayError> {
    use futures::StreamExt as _;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ReplayError::Runtime)?;
    let finish = &finish;
    let results = rt.block_on(async move {
        let mut indexed: Vec<(usize, T, R)> = futures::stream::iter(items.into_iter().enumerate())
            .map(|(i, (tag, scenario))| async move {
                // Each replay is its own task: scenarios really run in parallel on the
                // workers, and each gets its own cooperative budget. Unconstrained: the
                // mock servers' `Drop` blocks on a tokio lock with a nested executor,
                // which spins forever if the task's budget is spent (seen with
                // `--jobs 64` when every replay was polled on one thread).
                let task = tokio::spawn(tokio::task::unconstrained(async move {
                    replay(&scenario).await
                }));
                let result = match task.await {
                    Ok(result) => result,
                    Err(e) => Err(ReplayError::Task(e.to_string())),
                };
                // Only what `finish` keeps outlives this point (e.g. a verdict).
                let kept = finish(&tag, result);
                (i, tag, kept)
            })
            .buffer_unordered(jobs.max(1))
            .collect()
            .await;
        indexed.sort_by_key(|(i, _, _)| *i);
        indexed
            .into_iter()
            .map(|(_, tag, r)| (tag, r))
            .collect::<Vec<_>>()
    });
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_maps_its_scenario_path_to_its_golden() {
        let case = Case::of_file(Path::new("/repo/scenarios/stop/block_twice.toml")).unwrap();
        assert_eq!(case.name, "stop/block_twice");
        assert_eq!(
            case.golden,
            Path::new("/repo/goldens/stop/block_twice.snap")
        );
        assert_eq!(case.input_file, "scenarios/stop/block_twice.toml");
        let err = Case::of_file(Path::new("/tmp/x.toml")).unwrap_err();
        assert!(
            err.is_bad_input() && err.to_string().contains("scenarios/"),
            "{err}"
        );
    }
}
