//! The process runner: one hook command, its payload on stdin, bounded capture, a timeout
//! that kills every process of the hook.
//!
//! Differences from the reference runner, on purpose: the timeout also covers writing
//! stdin; a timeout (and the end of every run) kills every process of the hook, not only
//! the direct child: its group, its subtree and escaped holders of its pipes, reaped
//! afterwards (see `proctree.rs`); captured output is capped at
//! [`RunnerConfig::output_cap`] bytes per stream; a hook that exits without reading its
//! stdin (broken pipe) is judged by its exit status, not reported as a stdin write error,
//! which would otherwise depend on timing.

use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::outcome::HandlerExit;
use super::proctree::{self, HookProcesses};

/// Default cap on captured bytes per stream (stdout and stderr each): 8 MiB.
pub const DEFAULT_OUTPUT_CAP: usize = 8 * 1024 * 1024;

/// The environment a hook sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEnv {
    /// Inherit the harness's environment unchanged (what Codex does).
    Inherit,
    /// Exactly these variables and no others.
    Exactly(Vec<(OsString, OsString)>),
}

impl HookEnv {
    /// `Exactly` the named variables that are set in the harness's environment now, with
    /// their current values (e.g. `["PATH", "HOME", "LANG"]`); nothing else reaches hooks.
    pub fn allowlisted<I, S>(names: I) -> HookEnv
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        HookEnv::Exactly(
            names
                .into_iter()
                .filter_map(|name| {
                    let name = name.as_ref();
                    std::env::var_os(name).map(|value| (name.to_owned(), value))
                })
                .collect(),
        )
    }
}

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The shell argv before the command, e.g. `["/bin/sh", "-c"]`.
    pub shell: Vec<String>,
    pub env: HookEnv,
    pub output_cap: usize,
    /// A run completes at its exit status AND the end of its output, as in Codex (both
    /// releases): a descendant that keeps the hook's stdout or stderr open past the timeout
    /// makes the run `hook timed out after Ns`. Off (the lifecycle branch, whose rule is not
    /// known): the exit status decides, and the stragglers are killed at the timeout.
    pub output_eof_completes: bool,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            shell: vec!["/bin/sh".to_owned(), "-c".to_owned()],
            env: HookEnv::Inherit,
            output_cap: DEFAULT_OUTPUT_CAP,
            output_eof_completes: true,
        }
    }
}

/// What one process run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub exit: HandlerExit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes read past the cap and dropped.
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    pub duration: Duration,
}

/// How the program is started: through the configured shell, or as a direct argv.
#[derive(Debug, Clone, Copy)]
pub enum Invocation<'a> {
    Shell(&'a str),
    Argv(&'a [String]),
}

/// The runner's error entry for a run killed at its timeout of `secs` seconds.
pub fn timeout_message(secs: u64) -> String {
    format!("hook timed out after {secs}s")
}

/// Runs one hook to completion. Never panics and never returns an error: every failure
/// is a [`HandlerExit::RunnerError`] with the text the summary shows.
pub async fn run_command(
    config: &RunnerConfig,
    invocation: Invocation<'_>,
    cwd: &Path,
    stdin: &[u8],
    timeout: Duration,
    timeout_secs_shown: u64,
) -> CommandRun {
    let started = Instant::now();
    let mut cmd = match invocation {
        Invocation::Shell(command) => {
            let (program, args) = match config.shell.split_first() {
                Some((p, a)) => (p.as_str(), a),
                None => ("/bin/sh", &[][..]),
            };
            let mut cmd = Command::new(program);
            cmd.args(args).arg(command);
            cmd
        }
        Invocation::Argv(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return runner_error("empty argv".to_owned(), started);
            };
            let mut cmd = Command::new(program);
            cmd.args(args);
            cmd
        }
    };
    cmd.current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: the closure runs between fork and exec; it only makes one `prctl` syscall,
    // which is async-signal-safe, and neither allocates nor touches shared state.
    unsafe {
        cmd.pre_exec(proctree::subreaper_pre_exec);
    }
    if let HookEnv::Exactly(vars) = &config.env {
        cmd.env_clear();
        cmd.envs(vars.iter().map(|(k, v)| (k, v)));
    }
    proctree::become_subreaper();
    // No script may be open for writing while this child exists between fork and exec.
    let forking = super::exec_guard::forking();
    let spawned = cmd.spawn();
    drop(forking);
    let mut child = match spawned {
        Ok(c) => c,
        Err(err) => return runner_error(err.to_string(), started),
    };
    // `id()` is `None` only once the child has been reaped, which cannot have happened yet.
    let root = child.id().and_then(|p| i32::try_from(p).ok());
    let mut group_guard = GroupGuard(root);
    let cap = config.output_cap;
    let stdout_pipe = child.stdout.take();
    let stderr_pipe = child.stderr.take();
    let pipes: Vec<String> = [
        stdout_pipe.as_ref().map(AsRawFd::as_raw_fd),
        stderr_pipe.as_ref().map(AsRawFd::as_raw_fd),
    ]
    .into_iter()
    .flatten()
    .filter_map(proctree::pipe_name)
    .collect();
    let mut processes = root.map(|root| HookProcesses::new(root, pipes));
    let (cancel_readers, cancelled) = tokio::sync::watch::channel(false);
    let stdout_task = stdout_pipe.map(|s| tokio::spawn(read_capped(s, cap, cancelled.clone())));
    let stderr_task = stderr_pipe.map(|s| tokio::spawn(read_capped(s, cap, cancelled.clone())));
    let stdin_task = child.stdin.take().map(|mut pipe| {
        let payload = stdin.to_vec();
        tokio::spawn(async move {
            let result = pipe.write_all(&payload).await;
            drop(pipe);
            match result {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Some(err.to_string()),
                _ => None,
            }
        })
    });

    let deadline = tokio::time::Instant::now() + timeout;
    let mut timed_out = false;
    let mut held_open = false;
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        _ = tokio::time::sleep_until(deadline) => {
            timed_out = true;
            processes = kill_all(processes, Sweep::Timeout).await;
            child.wait().await.ok()
        }
    };
    // The direct child is gone; descendants may still hold the pipes open. Wait for the
    // streams until the deadline (after a timeout: briefly, for the killed writers' pipes
    // to close), then kill every process of the hook, those holding the pipes included; if
    // the pipes are still open after a grace period, stop reading them.
    let streams_deadline = if timed_out {
        tokio::time::Instant::now() + PIPE_GRACE
    } else {
        deadline
    };
    let streams = async {
        let out = join_reader(stdout_task).await;
        let err = join_reader(stderr_task).await;
        (out, err)
    };
    tokio::pin!(streams);
    let ((stdout, stdout_dropped), (stderr, stderr_dropped)) = tokio::select! {
        biased;
        s = &mut streams => s,
        _ = tokio::time::sleep_until(streams_deadline) => {
            // The hook exited, but something it left behind still holds its output open:
            // in Codex the run is not complete until end of output, so it timed out.
            held_open = config.output_eof_completes;
            processes = kill_all(processes, Sweep::PipesOpen).await;
            tokio::select! {
                biased;
                s = &mut streams => s,
                _ = tokio::time::sleep(PIPE_GRACE) => {
                    let _ = cancel_readers.send(true);
                    streams.await
                }
            }
        }
    };
    // Final sweep: group members still running, and the hook's orphans to reap.
    kill_all(processes, Sweep::Final).await;
    // Swept: a later `killpg` could hit a reused group id.
    group_guard.0 = None;
    let stdin_error = match stdin_task {
        Some(task) => match tokio::time::timeout(Duration::from_millis(100), task).await {
            Ok(Ok(e)) => e,
            _ => None,
        },
        None => None,
    };
    let exit = if timed_out {
        HandlerExit::RunnerError {
            message: timeout_message(timeout_secs_shown),
        }
    } else if held_open {
        HandlerExit::OutputHeldOpen {
            code: status.and_then(|s| s.code()),
            message: timeout_message(timeout_secs_shown),
        }
    } else if let Some(err) = stdin_error {
        HandlerExit::RunnerError {
            message: format!("failed to write hook stdin: {err}"),
        }
    } else {
        match status {
            Some(s) => exit_of(s),
            None => HandlerExit::RunnerError {
                message: "failed to wait for hook process".to_owned(),
            },
        }
    };
    CommandRun {
        exit,
        stdout,
        stderr,
        stdout_dropped,
        stderr_dropped,
        duration: started.elapsed(),
    }
}

/// How long the runner waits for output pipes to close once every process it knows of
/// has been killed, before it stops reading them.
const PIPE_GRACE: Duration = Duration::from_millis(50);
/// Upper bound on one kill-and-reap sweep.
const SWEEP_BUDGET: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
enum Sweep {
    /// The hook timed out: kill everything, the direct child included.
    Timeout,
    /// The direct child exited but the output pipes stayed open past the deadline: kill
    /// the rest, including processes that escaped the group but hold the pipes.
    PipesOpen,
    /// End of the run: kill what is left of the group, reap the hook's orphans.
    Final,
}

/// Runs one sweep off the async threads (it reads `/proc` and sleeps between rounds).
async fn kill_all(processes: Option<HookProcesses>, sweep: Sweep) -> Option<HookProcesses> {
    let mut processes = processes?;
    // The usual end of a run needs no blocking thread: one syscall says nothing is left.
    if matches!(sweep, Sweep::Final) && processes.nothing_left() {
        return Some(processes);
    }
    let fallback = processes.clone();
    let (with_root, with_pipes) = match sweep {
        Sweep::Timeout => (true, false),
        Sweep::PipesOpen => (false, true),
        Sweep::Final => (false, false),
    };
    let swept = tokio::task::spawn_blocking(move || {
        processes.kill_all(with_root, with_pipes, SWEEP_BUDGET);
        processes
    })
    .await;
    Some(swept.unwrap_or(fallback))
}

/// Kills the hook's process group if the run is dropped before it finishes (the caller
/// cancelled it): `kill_on_drop` alone would only kill the direct child.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn exit_of(status: std::process::ExitStatus) -> HandlerExit {
    use std::os::unix::process::ExitStatusExt;
    match status.code() {
        Some(code) => HandlerExit::Code { code },
        None => HandlerExit::Signal {
            signal: status.signal(),
        },
    }
}

fn runner_error(message: String, started: Instant) -> CommandRun {
    CommandRun {
        exit: HandlerExit::RunnerError { message },
        stdout: Vec::new(),
        stderr: Vec::new(),
        stdout_dropped: 0,
        stderr_dropped: 0,
        duration: started.elapsed(),
    }
}

async fn join_reader(task: Option<tokio::task::JoinHandle<(Vec<u8>, u64)>>) -> (Vec<u8>, u64) {
    match task {
        Some(t) => t.await.unwrap_or_default(),
        None => (Vec::new(), 0),
    }
}

/// Reads a stream to its end (or until `cancelled` turns true), keeping at most `cap` bytes
/// and counting the rest.
async fn read_capped<R: AsyncRead + Unpin>(
    mut stream: R,
    cap: usize,
    mut cancelled: tokio::sync::watch::Receiver<bool>,
) -> (Vec<u8>, u64) {
    let mut kept = Vec::new();
    let mut dropped: u64 = 0;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            biased;
            read = stream.read(&mut buf) => read,
            _ = cancelled.wait_for(|c| *c) => break,
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                let take = room.min(n);
                kept.extend_from_slice(&buf[..take]);
                dropped += (n - take) as u64;
            }
        }
    }
    (kept, dropped)
}
