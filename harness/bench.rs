//! `hooktape bench`: what the harness costs, measured against the floor of spawning the hook.
//!
//! Parts that need only the engine: the spawn floor (plain `std::process`), the engine running
//! one handler on the same command, and the pure parser's throughput per event.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::engine::clock::FixedClock;
use crate::engine::config::DiscoveryInput;
use crate::engine::outcome::{HandlerExit, RawOutput};
use crate::engine::parse::parse_output;
use crate::engine::request::PermissionMode;
use crate::engine::runner::RunnerConfig;
use crate::engine::summary::HookSource;
use crate::engine::wire::input::stdin_text;
use crate::engine::{Engine, EventPayload, HookContext, HookEvent, HookRequest};
use crate::replay::{self, Case, Phases, Verdict};

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("bench I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("bench: {0}")]
    Setup(String),
}

/// The hook command every spawn measurement runs: reads its payload, prints a verdict.
pub const HOOK_COMMAND: &str =
    r#"cat >/dev/null; printf '%s\n' '{"decision":"block","reason":"not on main"}'"#;

/// Timing statistics over repeated runs.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub runs: usize,
    pub mean: Duration,
    pub median: Duration,
    pub p95: Duration,
    pub total: Duration,
}

impl Stats {
    pub fn from_samples(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        let runs = samples.len().max(1);
        let total: Duration = samples.iter().sum();
        let at = |q: f64| {
            samples
                .get(((samples.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Stats {
            runs: samples.len(),
            mean: total / runs as u32,
            median: at(0.5),
            p95: at(0.95),
            total,
        }
    }
}

fn pre_tool_use_request(cwd: &str) -> HookRequest {
    HookRequest::new(
        HookContext {
            session_id: "bench-thread".into(),
            turn_id: "bench-turn".into(),
            transcript_path: None,
            cwd: cwd.into(),
            model: "gpt-test".into(),
            permission_mode: PermissionMode::Default,
            agent: None,
        },
        EventPayload::PreToolUse {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({"command": "git push origin main"}),
            tool_use_id: "call-1".into(),
        },
    )
}

/// Part 1, the floor: `sh -c` from plain `std::process`, payload on stdin, output read to
/// the end. One run.
/// With `fork`, a no-op `pre_exec` is set, which makes std fall back from `posix_spawn`
/// (vfork-like) to `fork` + `exec`, as the engine's runner does for its subreaper `prctl`.
fn floor_once(cwd: &std::path::Path, payload: &str, fork: bool) -> Result<Duration, BenchError> {
    {
        let start = Instant::now();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(HOOK_COMMAND)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if fork {
            use std::os::unix::process::CommandExt as _;
            // SAFETY: the closure runs between fork and exec and does nothing at all.
            unsafe {
                cmd.pre_exec(|| Ok(()));
            }
        }
        let mut child = cmd.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(payload.as_bytes())?;
        }
        let mut out = Vec::new();
        if let Some(mut stdout) = child.stdout.take() {
            stdout.read_to_end(&mut out)?;
        }
        let mut err = Vec::new();
        if let Some(mut stderr) = child.stderr.take() {
            stderr.read_to_end(&mut err)?;
        }
        child.wait()?;
        Ok(start.elapsed())
    }
}

/// Parts 1 and 2, interleaved run by run so both see the same machine load: the floor
/// (plain `std::process`) and the engine on the same command (select, preview, run, parse,
/// summary, aggregate; the run covers spawn, stdin, capture, timeout and the process group).
pub fn floor_and_engine(runs: usize) -> Result<FloorAndEngine, BenchError> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let hooks = serde_json::json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": HOOK_COMMAND}]}]}});
    std::fs::write(dir.join("hooks.json"), hooks.to_string())?;
    let engine = Engine::discover(
        &DiscoveryInput::single_json(HookSource::User, dir.join("hooks.json")),
        RunnerConfig::default(),
        Arc::new(FixedClock::new(0)),
    );
    let request = pre_tool_use_request(&dir.display().to_string());
    let payload = stdin_text(&request);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut floor = Vec::with_capacity(runs);
    let mut floor_fork = Vec::with_capacity(runs);
    let mut engine_samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        floor.push(floor_once(dir, &payload, false)?);
        floor_fork.push(floor_once(dir, &payload, true)?);
        let start = Instant::now();
        let preview = engine.preview(&request);
        let run = runtime.block_on(engine.run(&request));
        if preview.len() != 1 || !run.outcome.should_block {
            return Err(BenchError::Setup(format!(
                "the benchmark hook did not block: {:?}",
                run.runs.first().map(|r| &r.summary)
            )));
        }
        engine_samples.push(start.elapsed());
    }
    Ok(FloorAndEngine {
        floor: Stats::from_samples(floor),
        floor_fork: Stats::from_samples(floor_fork),
        engine: Stats::from_samples(engine_samples),
    })
}

/// Parts 1 and 2: the floor (`posix_spawn`), the floor forced onto `fork` by a `pre_exec`,
/// and the engine.
#[derive(Debug, Clone, Copy)]
pub struct FloorAndEngine {
    pub floor: Stats,
    pub floor_fork: Stats,
    pub engine: Stats,
}

/// A fixed corpus of typical outputs for one event: empty, plain text, valid JSON, invalid
/// JSON, exit 2 with and without stderr, another exit code.
pub fn parser_corpus(event: HookEvent) -> Vec<RawOutput> {
    let ok = |s: &str| RawOutput {
        exit: HandlerExit::Code { code: 0 },
        stdout: s.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    let code = |c: i32, e: &str| RawOutput {
        exit: HandlerExit::Code { code: c },
        stdout: Vec::new(),
        stderr: e.as_bytes().to_vec(),
    };
    let valid = match event {
        HookEvent::PreToolUse => {
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"not on main"}}"#
        }
        HookEvent::PermissionRequest => {
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}"#
        }
        HookEvent::PostToolUse => {
            r#"{"decision":"block","reason":"tests failed","hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"see log"}}"#
        }
        HookEvent::SessionStart | HookEvent::UserPromptSubmit => {
            r#"{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"repo uses pnpm"}}"#
        }
        HookEvent::SubagentStart => {
            r#"{"hookSpecificOutput":{"hookEventName":"SubagentStart","additionalContext":"be brief"}}"#
        }
        HookEvent::Stop | HookEvent::SubagentStop => {
            r#"{"decision":"block","reason":"run the tests first"}"#
        }
        HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => r#"{"systemMessage":"noted","continue":true}"#,
    };
    vec![
        ok(""),
        ok("  \n"),
        ok("remember: the repo uses pnpm\n"),
        ok(valid),
        ok(r#"{"systemMessage":"hi","unknownKey":1}"#),
        ok(r#"{"decision":"#),
        code(2, "blocked by policy\n"),
        code(2, "   "),
        code(1, "boom"),
    ]
}

/// Part 4, pure parser throughput for one event, in outputs per second (one core).
pub fn parser_throughput(event: HookEvent, budget: Duration) -> (u64, f64) {
    let corpus = parser_corpus(event);
    let start = Instant::now();
    let mut parsed: u64 = 0;
    while start.elapsed() < budget {
        for raw in &corpus {
            std::hint::black_box(parse_output(event, std::hint::black_box(raw)));
        }
        parsed += corpus.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    (parsed, parsed as f64 / secs)
}

/// Part 3 and 5: one end-to-end replay of a suite (load, workspaces, servers, agent loop,
/// hooks, recording, normalising, rendering, comparing with the goldens), as measured by the
/// process that did it. Sent from a `hooktape bench --suite-child` process to its parent as
/// one JSON line.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SuiteRun {
    pub scenarios: usize,
    /// Scenarios that failed to replay or did not match their golden.
    pub failures: usize,
    /// The first failure's text, to say why.
    pub first_failure: Option<String>,
    /// Replays at once.
    pub jobs: usize,
    /// CPUs this process may run on (its affinity mask).
    pub cpus: usize,
    pub wall_ns: u64,
    /// Σ of the hook runs' real durations, from the raw recordings.
    pub hook_ns: u64,
    /// Σ per phase over all replays (ns): workspace, discover, play, normalise, render,
    /// cleanup, then compare (reading the golden and diffing).
    pub phase_ns: [u64; 7],
    /// Peak resident set of this process (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
}

pub const PHASE_NAMES: [&str; 7] = [
    "workspace",
    "discover",
    "play",
    "normalise",
    "render",
    "cleanup",
    "compare",
];

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// This process's peak resident set, from `/proc/self/status` (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Result<u64, BenchError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| BenchError::Setup("no VmHWM line in /proc/self/status".into()))
}

/// Restricts this process (and every thread and child it creates afterwards) to CPU 0.
/// Call before any thread is started.
pub fn pin_to_first_cpu() -> Result<(), BenchError> {
    use nix::sched::{sched_setaffinity, CpuSet};
    let mut set = CpuSet::new();
    set.set(0)
        .map_err(|e| BenchError::Setup(format!("cpu set: {e}")))?;
    sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .map_err(|e| BenchError::Setup(format!("sched_setaffinity: {e}")))
}

/// CPUs this process may run on.
pub fn allowed_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Replays every scenario under `paths` with `jobs` at once and compares each with its
/// golden, timing the whole and each phase. Runs in the process being measured.
pub fn run_suite(paths: &[PathBuf], jobs: usize) -> Result<SuiteRun, BenchError> {
    let start = Instant::now();
    let files = replay::collect_files(paths).map_err(|e| BenchError::Setup(e.to_string()))?;
    let (loaded, errors) = replay::load_all(&files);
    if let Some(e) = errors.first() {
        return Err(BenchError::Setup(e.to_string()));
    }
    let items = loaded
        .into_iter()
        .map(|s| Case::of_scenario(&s).map(|c| (c, s)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    // As `hooktape check` does: each replay is compared as soon as it ends, and only its
    // figures and verdict are kept.
    let results = replay::replay_all_with(items, jobs, |case: &Case, result| {
        let Ok(replayed) = result else {
            return (
                Duration::ZERO,
                Phases::default(),
                Duration::ZERO,
                result.err().map(|e| e.to_string()),
            );
        };
        let t = Instant::now();
        let verdict = replay::compare(case, &replayed);
        let compare = t.elapsed();
        let failure = match verdict {
            Ok(Verdict::Match) => None,
            Ok(Verdict::Missing) => Some(format!("{}: no golden", case.name)),
            Ok(Verdict::Mismatch(diff)) => Some(diff),
            Err(e) => Some(e.to_string()),
        };
        (replayed.hook_time, replayed.phases, compare, failure)
    })
    .map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut run = SuiteRun {
        scenarios: results.len(),
        jobs,
        cpus: allowed_cpus(),
        ..SuiteRun::default()
    };
    let mut phases = Phases::default();
    let mut compare = Duration::ZERO;
    let mut hook = Duration::ZERO;
    for (_, (h, p, c, failure)) in results {
        hook += h;
        phases += p;
        compare += c;
        if let Some(f) = failure {
            run.failures += 1;
            run.first_failure.get_or_insert(f);
        }
    }
    run.wall_ns = ns(start.elapsed());
    run.hook_ns = ns(hook);
    run.phase_ns = [
        ns(phases.workspace),
        ns(phases.discover),
        ns(phases.play),
        ns(phases.normalise),
        ns(phases.render),
        ns(phases.cleanup),
        ns(compare),
    ];
    run.peak_rss_kib = peak_rss_kib()?;
    Ok(run)
}

/// Runs [`run_suite`] in a child `hooktape bench --suite-child` process (this executable),
/// pinned to CPU 0 if `one_core`, and returns what it measured.
pub fn suite_in_child(
    paths: &[PathBuf],
    jobs: usize,
    one_core: bool,
) -> Result<SuiteRun, BenchError> {
    suite_in_child_with(
        paths,
        jobs,
        one_core,
        crate::agent::model_server::Servers::Shared,
    )
}

/// [`suite_in_child`] with the child's sessions getting their servers as `servers` says.
pub fn suite_in_child_with(
    paths: &[PathBuf],
    jobs: usize,
    one_core: bool,
    servers: crate::agent::model_server::Servers,
) -> Result<SuiteRun, BenchError> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    let mode = match servers {
        crate::agent::model_server::Servers::Shared => "shared",
        crate::agent::model_server::Servers::PerSession => "per-session",
    };
    cmd.env("HOOKTAPE_SERVERS", mode);
    cmd.arg("bench")
        .arg("--suite-child")
        .arg("--jobs")
        .arg(jobs.to_string());
    if one_core {
        cmd.arg("--pin-first-cpu");
    }
    cmd.arg("--").args(paths);
    let out = cmd.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(BenchError::Setup(format!(
            "the suite child failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )));
    }
    let run: SuiteRun = serde_json::from_slice(&out.stdout).map_err(|e| {
        BenchError::Setup(format!(
            "the suite child's report is not a SuiteRun ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        ))
    })?;
    if run.failures > 0 {
        return Err(BenchError::Setup(format!(
            "{} of {} scenarios failed; the first: {}",
            run.failures,
            run.scenarios,
            run.first_failure.as_deref().unwrap_or("")
        )));
    }
    Ok(run)
}

/// The bundled scenarios the scaling suites are made of: plain ones (no side files), a mix
/// of events, one to four hook runs each.
pub const SCALING_SOURCES: [&str; 5] = [
    "pre_tool_use/deny_rm_rf",
    "stop/block_twice",
    "session_start/context_then_prompt",
    "user_prompt_submit/block_secret",
    "post_tool_use/feedback_replaces_output",
];

/// A generated suite of `size` scenarios in a temp dir (removed on drop): copies of
/// [`SCALING_SOURCES`] under `<root>` (a folder holding `scenarios/` and `goldens/`), each
/// with a distinct name and a copy of its golden.
pub fn generate_suite(root: &Path, size: usize) -> Result<tempfile::TempDir, BenchError> {
    let dir = tempfile::Builder::new()
        .prefix("hooktape-bench-")
        .tempdir()?;
    let scenarios = dir.path().join("scenarios").join("gen");
    let goldens = dir.path().join("goldens").join("gen");
    std::fs::create_dir_all(&scenarios)?;
    std::fs::create_dir_all(&goldens)?;
    let mut sources = Vec::new();
    for name in SCALING_SOURCES {
        let toml = std::fs::read(root.join("scenarios").join(format!("{name}.toml")))?;
        let snap = std::fs::read(root.join("goldens").join(format!("{name}.snap")))?;
        sources.push((name.replace('/', "__"), toml, snap));
    }
    for i in 0..size {
        let (flat, toml, snap) = &sources[i % sources.len()];
        std::fs::write(scenarios.join(format!("s{i:05}_{flat}.toml")), toml)?;
        std::fs::write(goldens.join(format!("s{i:05}_{flat}.snap")), snap)?;
    }
    Ok(dir)
}
