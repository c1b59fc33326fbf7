//! The process runner: one hook command, its payload on stdin, bounded capture, a timeout
//! that kills the hook's whole process group.
//!
//! Differences from the reference runner, on purpose: the timeout also covers writing
//! stdin; a timeout (and the end of every run) kills the whole process group, not only the
//! direct child; captured output is capped at [`RunnerConfig::output_cap`] bytes per stream;
//! a hook that exits without reading its stdin (broken pipe) is judged by its exit status,
//! not reported as a stdin write error, which would otherwise depend on timing.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::outcome::HandlerExit;

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

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The shell argv before the command, e.g. `["/bin/sh", "-c"]`.
    pub shell: Vec<String>,
    pub env: HookEnv,
    pub output_cap: usize,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            shell: vec!["/bin/sh".to_owned(), "-c".to_owned()],
            env: HookEnv::Inherit,
            output_cap: DEFAULT_OUTPUT_CAP,
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
    if let HookEnv::Exactly(vars) = &config.env {
        cmd.env_clear();
        cmd.envs(vars.iter().map(|(k, v)| (k, v)));
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => return runner_error(err.to_string(), started),
    };
    let pgid = child.id().and_then(|p| i32::try_from(p).ok());
    let cap = config.output_cap;
    let stdout_task = child
        .stdout
        .take()
        .map(|s| tokio::spawn(read_capped(s, cap)));
    let stderr_task = child
        .stderr
        .take()
        .map(|s| tokio::spawn(read_capped(s, cap)));
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
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        _ = tokio::time::sleep_until(deadline) => {
            timed_out = true;
            kill_group(pgid);
            child.wait().await.ok()
        }
    };
    // The direct child is gone; descendants may still hold the pipes open. Wait for the
    // streams until the deadline, then kill the group so they close.
    let streams = async {
        let out = join_reader(stdout_task).await;
        let err = join_reader(stderr_task).await;
        (out, err)
    };
    tokio::pin!(streams);
    let ((stdout, stdout_dropped), (stderr, stderr_dropped)) = tokio::select! {
        s = &mut streams => s,
        _ = tokio::time::sleep_until(deadline) => {
            kill_group(pgid);
            streams.await
        }
    };
    kill_group(pgid);
    let stdin_error = match stdin_task {
        Some(task) => match tokio::time::timeout(Duration::from_millis(100), task).await {
            Ok(Ok(e)) => e,
            _ => None,
        },
        None => None,
    };
    let exit = if timed_out {
        HandlerExit::RunnerError {
            message: format!("hook timed out after {timeout_secs_shown}s"),
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

/// Sends SIGKILL to the hook's process group; a group that is already gone is fine.
fn kill_group(pgid: Option<i32>) {
    if let Some(pgid) = pgid {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

async fn join_reader(task: Option<tokio::task::JoinHandle<(Vec<u8>, u64)>>) -> (Vec<u8>, u64) {
    match task {
        Some(t) => t.await.unwrap_or_default(),
        None => (Vec::new(), 0),
    }
}

/// Reads a stream to its end, keeping at most `cap` bytes and counting the rest.
async fn read_capped<R: AsyncRead + Unpin>(mut stream: R, cap: usize) -> (Vec<u8>, u64) {
    let mut kept = Vec::new();
    let mut dropped: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf).await {
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
