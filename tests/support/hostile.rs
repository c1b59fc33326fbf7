//! Helpers for the hostile-hook suites (`tests/hostile.rs`, `tests/hostile_memory.rs`), meant
//! to be reused by later scenario-level hostile tests: a one-event engine over real `sh`
//! hooks in a temp dir, unique process markers, and `/proc` checks that no process of a
//! hook is left (alive or as an unreaped zombie).
//!
//! Linux only (`/proc`). Hooks need only `sh` and coreutils.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::DiscoveryInput;
use hooktape::engine::outcome::{Entry, EntryKind};
use hooktape::engine::request::{EventPayload, HookContext, HookRequest, PermissionMode};
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{Engine, EventRun, HandlerRun, HookEvent, RunStatus};
use serde_json::json;

pub use crate::payload::payload;

/// A unique `sleep` duration that doubles as a marker in `/proc/*/cmdline`:
/// `1000.<pid><n>` seconds, which GNU `sleep` accepts, so every sleeping grandchild carries
/// the marker in its own argv (not only the shell that started it).
pub fn marker() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("1000.{:05}{:04}", std::process::id() % 100_000, n)
}

/// PIDs of live (non-zombie) processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(marker) {
            found.push((pid, text.trim_end().to_owned()));
        }
    }
    found
}

/// `Some(state)` while `/proc/<pid>` exists (`'Z'` for an unreaped zombie), `None` once the
/// process is gone and reaped.
pub fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.trim_start().chars().next()
}

/// How many processes of a hook are left: live processes carrying `marker` in their
/// command line, plus the recorded `pids` (written by the hook with `echo $!`) that still
/// exist in `/proc` as zombies or live processes running the marker. Polls up to 1 s, so
/// a SIGKILL already sent has time to land; returns the final count and what was left.
pub fn processes_left(marker: &str, pids: &[i32]) -> (usize, Vec<String>) {
    let give_up = Instant::now() + Duration::from_secs(1);
    loop {
        let mut left: Vec<String> = processes_with(marker)
            .into_iter()
            .map(|(pid, cmd)| format!("{pid} alive: {cmd}"))
            .collect();
        for &pid in pids {
            match proc_state(pid) {
                Some('Z') => left.push(format!("{pid} zombie (not reaped)")),
                Some(_) => {
                    let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    // A recycled pid running something else is not ours.
                    if String::from_utf8_lossy(&cmd).contains(marker) {
                        left.push(format!("{pid} alive (recorded pid)"));
                    }
                }
                None => {}
            }
        }
        left.sort();
        left.dedup();
        if left.is_empty() || Instant::now() >= give_up {
            return (left.len(), left);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads the pids a hook appended to `file` (one per line); missing file → none.
pub fn read_pids(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Peak resident set size of this process so far (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A temp dir with one user config layer whose `hooks.json` declares the given hooks.
pub struct HookDir {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl HookDir {
    pub fn new() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("hooktape-hostile-")
            .tempdir()?;
        let path = dir.path().canonicalize()?;
        Ok(HookDir { dir, path })
    }

    /// A file path inside the dir, as a shell-quoted string for hook commands.
    pub fn quoted(&self, name: &str) -> String {
        shell_quote(&self.path.join(name).display().to_string())
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `hooks.json` with one handler per `(command, timeout)` for `event`, and builds
    /// an engine over it with `runner` and a fixed clock.
    pub fn engine(
        &self,
        event: HookEvent,
        hooks: &[(&str, u64)],
        runner: RunnerConfig,
    ) -> anyhow::Result<Engine> {
        let handlers: Vec<_> = hooks
            .iter()
            .map(|(command, timeout)| json!({"type": "command", "command": command, "timeout": timeout}))
            .collect();
        let hooks_json = json!({"hooks": {event.config_name(): [{"hooks": handlers}]}});
        let hooks_path = self.path.join("hooks.json");
        std::fs::write(&hooks_path, serde_json::to_vec_pretty(&hooks_json)?)?;
        let input = DiscoveryInput::single_json(HookSource::User, hooks_path);
        let engine = Engine::discover(&input, runner, Arc::new(FixedClock::new(1_700_000_000)));
        ensure!(
            engine.warnings().is_empty(),
            "discovery warnings: {:?}",
            engine.warnings()
        );
        ensure!(
            engine.handlers().len() == hooks.len(),
            "expected {} handlers",
            hooks.len()
        );
        Ok(engine)
    }

    /// A request for `payload` with this dir as cwd.
    pub fn request(&self, payload: EventPayload) -> HookRequest {
        HookRequest::new(
            HookContext {
                session_id: "hostile-session".to_owned(),
                turn_id: "turn-1".to_owned(),
                transcript_path: None,
                cwd: self.path.display().to_string(),
                model: "gpt-test".to_owned(),
                permission_mode: PermissionMode::Default,
                agent: None,
            },
            payload,
        )
    }
}

/// Runs one hook for `event` through the engine and returns the run and the wall time.
pub fn run_one(
    dir: &HookDir,
    event: HookEvent,
    command: &str,
    timeout_secs: u64,
    runner: RunnerConfig,
    payload: EventPayload,
) -> anyhow::Result<(EventRun, Duration)> {
    let engine = dir.engine(event, &[(command, timeout_secs)], runner)?;
    let request = dir.request(payload);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let run = runtime.block_on(engine.run(&request));
    let elapsed = started.elapsed();
    ensure!(
        run.runs.len() == 1,
        "expected one run, got {}",
        run.runs.len()
    );
    Ok((run, elapsed))
}

/// The single handler run of an event run.
pub fn only(run: &EventRun) -> anyhow::Result<&HandlerRun> {
    run.runs.first().context("no handler run")
}

/// An `error` entry.
pub fn error(text: &str) -> Entry {
    Entry::new(EntryKind::Error, text)
}

/// Asserts a run's status and entries exactly.
pub fn assert_summary(run: &HandlerRun, status: RunStatus, entries: &[Entry]) {
    assert_eq!(run.summary.status, status, "status of {}", run.command);
    assert_eq!(run.summary.entries, entries, "entries of {}", run.command);
}

/// One row of the report table, printed for `--nocapture` runs and kept short.
pub fn report(case: &str, status: &str, elapsed: Duration, left: usize, test: &str) {
    eprintln!(
        "HOSTILE | {case} | {status} | {} ms | {left} left | peak {} MiB (test process) | {test}",
        elapsed.as_millis(),
        peak_rss_kib() / 1024
    );
}

/// Single-quotes `s` for `sh`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
