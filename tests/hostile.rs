//! Hostile hooks at the engine level: the runner survives hooks that hang, fork hanging
//! grandchildren (even ones that escape with `setsid`), break their stdin pipe, hold the
//! output pipes open after exiting, print bad bytes or huge/deep JSON, cannot be executed,
//! or look for secrets — and it stays bounded and leaves no process behind.
//!
//! Every test runs real `sh` hooks in a temp dir and prints one `HOSTILE | …` line (case,
//! status, time, processes left, peak memory of the test process) for the report table:
//! `cargo test --test hostile -- --nocapture --test-threads=1 2>&1 | grep HOSTILE`.
//! The memory bound for 1 GiB of output is proven in `tests/hostile_memory.rs`, a process
//! of its own.

#[path = "support/payload.rs"]
mod payload;
#[path = "support/hostile.rs"]
mod support;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::sync::Once;
use std::time::{Duration, Instant};

use hooktape::engine::outcome::{Entry, EntryKind, HandlerExit};
use hooktape::engine::runner::{
    run_command, HookEnv, Invocation, RunnerConfig, DEFAULT_OUTPUT_CAP,
};
use hooktape::engine::{EventPayload, HookEvent, RunStatus};
use serde_json::json;
use support::{
    assert_summary, error, marker, only, payload, processes_left, read_pids, report, run_one,
    HookDir,
};

const TIMED_OUT: &str = "hook timed out after 1s";
/// How late a run may return after its 1 s timeout.
const SLACK: Duration = Duration::from_millis(200);

/// Fake secrets in the test process's own environment, set once before any test spawns
/// anything (every test calls this first, so no thread reads the environment meanwhile).
fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("FAKE_API_KEY", "sk-fake-hostile-0123456789");
        std::env::set_var("GITHUB_TOKEN", "ghp_fakehostiletoken0123456789");
    });
}

/// A hook that hangs (directly or through descendants), timeout 1 s: the exact timeout
/// text, back within 1 s + slack, nothing left.
fn assert_hang_is_bounded(case: &str, test: &str, body: &dyn Fn(&HookDir, &str) -> String) {
    setup();
    let dir = HookDir::new().unwrap();
    let m = marker();
    let command = body(&dir, &m);
    let (run, elapsed) = run_one(
        &dir,
        HookEvent::PreToolUse,
        &command,
        1,
        RunnerConfig::default(),
        payload(HookEvent::PreToolUse),
    )
    .unwrap();
    let (left, what) = processes_left(&m, &read_pids(&dir.file("pids")));
    report(case, "failed: hook timed out after 1s", elapsed, left, test);
    let handler = only(&run).unwrap();
    assert_summary(handler, RunStatus::Failed, &[error(TIMED_OUT)]);
    assert!(
        elapsed < Duration::from_secs(1) + SLACK,
        "{case}: returned after {elapsed:?}"
    );
    assert_eq!(left, 0, "{case}: processes left: {what:?}");
}

#[test]
fn hang_sleep() {
    assert_hang_is_bounded("hang: sleep 1000", "hang_sleep", &|_, m| {
        format!("sleep {m}")
    });
}

#[test]
fn hang_grandchild_waited_for() {
    assert_hang_is_bounded(
        "hang: sleep 1000 & wait",
        "hang_grandchild_waited_for",
        &|d, m| format!("sleep {m} & echo $! >> {}; wait", d.quoted("pids")),
    );
}

#[test]
fn hang_orphaned_grandchild() {
    assert_hang_is_bounded(
        "hang: (sleep 1000 &) ; sleep 1000",
        "hang_orphaned_grandchild",
        &|d, m| format!("(sleep {m} & echo $! >> {}); sleep {m}", d.quoted("pids")),
    );
}

#[test]
fn hang_setsid_grandchild() {
    assert_hang_is_bounded(
        "hang: setsid sleep 1000 & wait",
        "hang_setsid_grandchild",
        &|d, m| format!("setsid sleep {m} & echo $! >> {}; wait", d.quoted("pids")),
    );
}

#[test]
fn hang_setsid_daemon_detached_from_pipes() {
    // Double fork + new session + no inherited pipe: found only because the hook's shell
    // is a child subreaper while it runs.
    assert_hang_is_bounded(
        "hang: (setsid sleep 1000 </dev/null >/dev/null 2>&1 &) ; sleep 1000",
        "hang_setsid_daemon_detached_from_pipes",
        &|d, m| {
            format!(
                "(setsid sleep {m} </dev/null >/dev/null 2>&1 & echo $! >> {}); sleep {m}",
                d.quoted("pids")
            )
        },
    );
}

/// A hanging, escaping hook beside well-behaved ones in the same event: the sweep of one
/// run kills nothing of the others, each is judged on its own, in declaration order.
#[test]
fn hang_does_not_touch_sibling_handlers() {
    setup();
    let dir = HookDir::new().unwrap();
    let m = marker();
    let hang = format!(
        "(setsid sleep {m} & echo $! >> {}); sleep {m}",
        dir.quoted("pids")
    );
    let slow_ok = r#"sleep 0.5; echo '{"decision":"block","reason":"sibling"}'"#;
    let engine = dir
        .engine(
            HookEvent::PreToolUse,
            &[(&hang, 1), (slow_ok, 5), ("exit 0", 5)],
            RunnerConfig::default(),
        )
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let run = runtime.block_on(engine.run(&dir.request(payload(HookEvent::PreToolUse))));
    let elapsed = started.elapsed();
    let (left, what) = processes_left(&m, &read_pids(&dir.file("pids")));
    report(
        "escaping hang beside 2 normal handlers",
        "failed (timeout) / blocked / completed",
        elapsed,
        left,
        "hang_does_not_touch_sibling_handlers",
    );
    let statuses: Vec<_> = run.runs.iter().map(|r| r.summary.status).collect();
    assert_eq!(
        statuses,
        [RunStatus::Failed, RunStatus::Blocked, RunStatus::Completed]
    );
    assert_summary(&run.runs[0], RunStatus::Failed, &[error(TIMED_OUT)]);
    assert_eq!(run.outcome.block_reason.as_deref(), Some("sibling"));
    assert!(elapsed < Duration::from_secs(1) + SLACK, "{elapsed:?}");
    assert_eq!(left, 0, "processes left: {what:?}");
}

/// Orphans that exit on their own (no kill needed) are still reaped, not left as zombies:
/// one that ends while the hook's shell runs, one that ends after the shell exited.
#[test]
fn orphans_that_exit_by_themselves_are_reaped() {
    setup();
    let dir = HookDir::new().unwrap();
    // The marker's digits as the fraction: `sleep 0.05<digits>` lasts about 0.05 s.
    let digits = marker().replace("1000.", "");
    let pids = dir.quoted("pids");
    let command = format!(
        "(sleep 0.05{digits} >/dev/null 2>&1 & echo $! >> {pids}); \
         (sleep 0.3{digits} >/dev/null 2>&1 & echo $! >> {pids}); sleep 0.2"
    );
    let (run, elapsed) = run_one(
        &dir,
        HookEvent::PreToolUse,
        &command,
        5,
        RunnerConfig::default(),
        payload(HookEvent::PreToolUse),
    )
    .unwrap();
    // The second orphan outlives the run (0.3 s > 0.2 s) and is killed by the final sweep.
    let recorded = read_pids(&dir.file("pids"));
    assert_eq!(recorded.len(), 2);
    let (left, what) = processes_left(&digits, &recorded);
    report(
        "orphans exit by themselves / outlive the shell",
        "completed",
        elapsed,
        left,
        "orphans_that_exit_by_themselves_are_reaped",
    );
    assert_summary(only(&run).unwrap(), RunStatus::Completed, &[]);
    assert_eq!(left, 0, "processes left: {what:?}");
}

/// A 10 MiB prompt the hook never reads: the write fails with EPIPE, which is ignored;
/// the run is judged by the exit status.
#[test]
fn broken_pipe_unread_payload() {
    setup();
    let dir = HookDir::new().unwrap();
    let big = EventPayload::UserPromptSubmit {
        prompt: "p".repeat(10 * 1024 * 1024),
    };
    let (run, elapsed) = run_one(
        &dir,
        HookEvent::UserPromptSubmit,
        "exit 0",
        5,
        RunnerConfig::default(),
        big.clone(),
    )
    .unwrap();
    report(
        "broken pipe: 10 MiB stdin unread, exit 0",
        "completed",
        elapsed,
        0,
        "broken_pipe_unread_payload",
    );
    assert_summary(only(&run).unwrap(), RunStatus::Completed, &[]);
    assert!(elapsed < Duration::from_secs(5));

    let (run, elapsed) = run_one(
        &dir,
        HookEvent::UserPromptSubmit,
        "sleep 0.1; echo nope >&2; exit 3",
        5,
        RunnerConfig::default(),
        big,
    )
    .unwrap();
    report(
        "broken pipe: 10 MiB stdin unread, exit 3",
        "failed: hook exited with code 3",
        elapsed,
        0,
        "broken_pipe_unread_payload",
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Failed,
        &[error("hook exited with code 3")],
    );
}

/// The hook closes stdin at once, then answers normally: the answer counts.
#[test]
fn stdin_closed_at_once() {
    setup();
    let dir = HookDir::new().unwrap();
    let big = EventPayload::PreToolUse {
        tool_name: "Bash".to_owned(),
        tool_input: json!({"command": "x".repeat(10 * 1024 * 1024)}),
        tool_use_id: "call-1".to_owned(),
    };
    let (run, elapsed) = run_one(
        &dir,
        HookEvent::PreToolUse,
        r#"exec 0<&-; sleep 0.1; echo '{"decision":"block","reason":"stdin closed"}'"#,
        5,
        RunnerConfig::default(),
        big,
    )
    .unwrap();
    report(
        "exec 0<&- then block JSON",
        "blocked: stdin closed",
        elapsed,
        0,
        "stdin_closed_at_once",
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Blocked,
        &[Entry::new(EntryKind::Feedback, "stdin closed")],
    );
    assert_eq!(run.outcome.block_reason.as_deref(), Some("stdin closed"));
}

/// The hook exits 0 but leaves a child holding stdout open: as in Codex, which waits for the
/// end of output, the run times out at the deadline (its output unparsed, the exit code kept
/// to say why), and the child is killed.
#[test]
fn child_holds_stdout_after_exit() {
    setup();
    for (case, setsid) in [
        ("sleep 1000 & exit 0 (child holds stdout)", ""),
        (
            "(setsid sleep 1000 &) ; exit 0 (escaped child holds stdout)",
            "setsid ",
        ),
    ] {
        let dir = HookDir::new().unwrap();
        let m = marker();
        let command = format!(
            "echo '{{\"systemMessage\":\"bye\"}}'; ({setsid}sleep {m} & echo $! >> {}); exit 0",
            dir.quoted("pids")
        );
        let (run, elapsed) = run_one(
            &dir,
            HookEvent::PreToolUse,
            &command,
            1,
            RunnerConfig::default(),
            payload(HookEvent::PreToolUse),
        )
        .unwrap();
        let (left, what) = processes_left(&m, &read_pids(&dir.file("pids")));
        report(
            case,
            "failed: hook timed out after 1s (exit code 0, output held open)",
            elapsed,
            left,
            "child_holds_stdout_after_exit",
        );
        let handler = only(&run).unwrap();
        assert_eq!(
            handler.exit,
            HandlerExit::OutputHeldOpen {
                code: Some(0),
                message: "hook timed out after 1s".to_owned()
            }
        );
        assert_summary(
            handler,
            RunStatus::Failed,
            &[Entry::new(EntryKind::Error, "hook timed out after 1s")],
        );
        assert!(
            elapsed < Duration::from_secs(1) + SLACK,
            "{case}: {elapsed:?}"
        );
        assert_eq!(left, 0, "{case}: processes left: {what:?}");
    }
}

/// A child that leaves the group with `setpgid` (same session, so neither `setsid` nor the
/// group finds it), outlives the shell and holds stdout: found as a holder of the pipe.
/// Needs python3 (`sh` cannot call `setpgid` without job control); skipped without it.
#[test]
fn setpgid_escapee_holding_stdout_needs_python3() {
    setup();
    let python_ok = std::process::Command::new("python3")
        .arg("-c")
        .arg("import os")
        .status()
        .is_ok_and(|s| s.success());
    if !python_ok {
        eprintln!("skipped: no python3");
        return;
    }
    let dir = HookDir::new().unwrap();
    let m = marker();
    let command = format!(
        "python3 -c 'import os, sys, time; os.setpgid(0, 0); time.sleep(float(sys.argv[1]))' {m} & \
         echo $! >> {}; exit 0",
        dir.quoted("pids")
    );
    let (run, elapsed) = run_one(
        &dir,
        HookEvent::PreToolUse,
        &command,
        1,
        RunnerConfig::default(),
        payload(HookEvent::PreToolUse),
    )
    .unwrap();
    let (left, what) = processes_left(&m, &read_pids(&dir.file("pids")));
    report(
        "setpgid escapee holds stdout, shell exits 0 (python3)",
        "failed: hook timed out after 1s (output held open)",
        elapsed,
        left,
        "setpgid_escapee_holding_stdout_needs_python3",
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Failed,
        &[Entry::new(EntryKind::Error, "hook timed out after 1s")],
    );
    assert!(elapsed < Duration::from_secs(1) + SLACK, "{elapsed:?}");
    assert_eq!(left, 0, "processes left: {what:?}");
}

/// One exit-0 hook for `event` printing with `printf`-style shell code; returns the run.
fn printed(event: HookEvent, command: &str) -> (hooktape::engine::EventRun, Duration, HookDir) {
    setup();
    let dir = HookDir::new().unwrap();
    let (run, elapsed) = run_one(
        &dir,
        event,
        command,
        30,
        RunnerConfig::default(),
        payload(event),
    )
    .unwrap();
    (run, elapsed, dir)
}

fn context(text: &str) -> Entry {
    Entry::new(EntryKind::Context, text)
}

#[test]
fn non_utf8_bytes_become_replacement_characters() {
    let (run, elapsed, _d) = printed(HookEvent::SessionStart, r"printf 'caf\351 \377\376!\n'");
    report(
        "non-UTF-8 stdout (SessionStart)",
        "completed: context with U+FFFD",
        elapsed,
        0,
        "non_utf8_bytes_become_replacement_characters",
    );
    let h = only(&run).unwrap();
    assert_eq!(h.stdout, b"caf\xe9 \xff\xfe!\n");
    assert_summary(
        h,
        RunStatus::Completed,
        &[context("caf\u{FFFD} \u{FFFD}\u{FFFD}!")],
    );
    assert_eq!(
        run.outcome.additional_contexts,
        ["caf\u{FFFD} \u{FFFD}\u{FFFD}!"]
    );
}

#[test]
fn nul_bytes_are_kept() {
    let (run, elapsed, _d) = printed(HookEvent::SessionStart, r"printf 'a\000b\n'");
    report(
        "NUL bytes (SessionStart)",
        "completed: context \"a\\0b\"",
        elapsed,
        0,
        "nul_bytes_are_kept",
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Completed,
        &[context("a\0b")],
    );

    // NUL inside would-be JSON: not JSON → the invalid-JSON rule.
    let (run, _, _d) = printed(
        HookEvent::PreToolUse,
        r#"printf '{"systemMessage":"a\000b"}'"#,
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Failed,
        &[error("hook returned invalid pre-tool-use JSON output")],
    );
}

#[test]
fn crlf_line_endings() {
    let (run, elapsed, _d) = printed(
        HookEvent::PreToolUse,
        r#"printf '{"decision":"block","reason":"crlf"}\r\n'"#,
    );
    report(
        "CRLF after JSON (PreToolUse)",
        "blocked: crlf",
        elapsed,
        0,
        "crlf_line_endings",
    );
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Blocked,
        &[Entry::new(EntryKind::Feedback, "crlf")],
    );

    let (run, _, _d) = printed(HookEvent::SessionStart, r"printf 'one\r\ntwo\r\n'");
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Completed,
        &[context("one\r\ntwo")],
    );
}

#[test]
fn deeply_nested_json_is_invalid_not_a_crash() {
    // 100,000 open brackets, then a valid 100,000-deep object: both beyond serde_json's
    // recursion limit (128), so both are invalid JSON for the event — and nothing overflows.
    let (run, elapsed, _d) = printed(
        HookEvent::PreToolUse,
        "head -c 100000 /dev/zero | tr '\\0' '['",
    );
    report(
        "100,000 x '['",
        "failed: invalid pre-tool-use JSON",
        elapsed,
        0,
        "deeply_nested_json_is_invalid_not_a_crash",
    );
    assert_eq!(only(&run).unwrap().stdout.len(), 100_000);
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Failed,
        &[error("hook returned invalid pre-tool-use JSON output")],
    );

    let deep_object = "yes '{\"a\":' | head -n 100000 | tr -d '\\n'; printf 1; \
                       head -c 100000 /dev/zero | tr '\\0' '}'";
    let (run, elapsed, _d) = printed(HookEvent::Stop, deep_object);
    report(
        "{\"a\": x 100,000 (valid, Stop)",
        "failed: invalid stop hook JSON",
        elapsed,
        0,
        "deeply_nested_json_is_invalid_not_a_crash",
    );
    assert_eq!(only(&run).unwrap().stdout.len(), 5 * 100_000 + 1 + 100_000);
    assert_summary(
        only(&run).unwrap(),
        RunStatus::Failed,
        &[error("hook returned invalid stop hook JSON output")],
    );
}

#[test]
fn fifty_megabyte_json_line_is_truncated_then_invalid() {
    let len = 50 * 1024 * 1024;
    let command = format!(
        r#"printf '{{"systemMessage":"'; head -c {len} /dev/zero | tr '\0' x; printf '"}}'"#
    );
    let (run, elapsed, _d) = printed(HookEvent::PreToolUse, &command);
    report(
        "50 MiB one-line JSON (over the cap)",
        "failed: invalid pre-tool-use JSON",
        elapsed,
        0,
        "fifty_megabyte_json_line_is_truncated_then_invalid",
    );
    let h = only(&run).unwrap();
    let total = (r#"{"systemMessage":""}"#.len() + len) as u64;
    assert_eq!(h.stdout.len(), DEFAULT_OUTPUT_CAP);
    assert_eq!(h.stdout_dropped, total - DEFAULT_OUTPUT_CAP as u64);
    assert_summary(
        h,
        RunStatus::Failed,
        &[error("hook returned invalid pre-tool-use JSON output")],
    );
}

#[test]
fn seven_megabyte_json_line_under_the_cap_is_valid() {
    let len = 7 * 1024 * 1024;
    let command = format!(
        r#"printf '{{"systemMessage":"'; head -c {len} /dev/zero | tr '\0' x; printf '"}}'"#
    );
    let (run, elapsed, _d) = printed(HookEvent::PreToolUse, &command);
    report(
        "7 MiB one-line JSON (under the cap)",
        "completed: 7 MiB warning",
        elapsed,
        0,
        "seven_megabyte_json_line_under_the_cap_is_valid",
    );
    let h = only(&run).unwrap();
    assert_eq!(h.stdout_dropped, 0);
    assert_summary(
        h,
        RunStatus::Completed,
        &[Entry::new(EntryKind::Warning, "x".repeat(len))],
    );
}

/// Commands that cannot run: the shell's exit code, and the spec's exact text.
#[test]
fn unrunnable_commands_exit_127_or_126() {
    setup();
    let dir = HookDir::new().unwrap();
    let bad_interp = dir.file("bad-interp.sh");
    std::fs::write(&bad_interp, "#!/nonexistent/interp\necho hi\n").unwrap();
    std::fs::set_permissions(&bad_interp, std::fs::Permissions::from_mode(0o755)).unwrap();
    let no_x = dir.file("no-x.sh");
    std::fs::write(&no_x, "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(&no_x, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::create_dir(dir.file("a-dir")).unwrap();
    for (case, command, code) in [
        (
            "#!/nonexistent/interp script",
            dir.quoted("bad-interp.sh"),
            127,
        ),
        ("missing script", dir.quoted("missing.sh"), 127),
        ("script without run bit", dir.quoted("no-x.sh"), 126),
        ("command is a directory", dir.quoted("a-dir"), 126),
    ] {
        let (run, elapsed) = run_one(
            &dir,
            HookEvent::PreToolUse,
            &command,
            5,
            RunnerConfig::default(),
            payload(HookEvent::PreToolUse),
        )
        .unwrap();
        let text = format!("hook exited with code {code}");
        report(
            case,
            &format!("failed: {text}"),
            elapsed,
            0,
            "unrunnable_commands_exit_127_or_126",
        );
        let h = only(&run).unwrap();
        assert_eq!(h.exit, HandlerExit::Code { code }, "{case}");
        assert_summary(h, RunStatus::Failed, &[error(&text)]);
    }
}

/// Without a shell, a program that cannot be spawned is a runner error with the OS text.
#[test]
fn direct_spawn_error_is_a_runner_error() {
    setup();
    let dir = HookDir::new().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let argv = ["/nonexistent/interp".to_owned()];
    let run = runtime.block_on(run_command(
        &RunnerConfig::default(),
        Invocation::Argv(&argv),
        &dir.path,
        b"{}",
        Duration::from_secs(1),
        1,
    ));
    report(
        "argv spawn of a missing program",
        "failed: OS error text",
        run.duration,
        0,
        "direct_spawn_error_is_a_runner_error",
    );
    assert_eq!(
        run.exit,
        HandlerExit::RunnerError {
            message: "No such file or directory (os error 2)".to_owned()
        }
    );
}

/// `HookEnv::Exactly` hides the harness's secrets; `HookEnv::Inherit` would leak them.
#[test]
fn secrets_do_not_reach_a_hook_with_an_allowlisted_env() {
    setup();
    let dir = HookDir::new().unwrap();
    let command = format!("env > {}", dir.quoted("env.txt"));
    let env_seen = |env: HookEnv| {
        let runner = RunnerConfig {
            env,
            ..RunnerConfig::default()
        };
        let started = Instant::now();
        let (run, _) = run_one(
            &dir,
            HookEvent::SessionStart,
            &command,
            5,
            runner,
            payload(HookEvent::SessionStart),
        )
        .unwrap();
        assert_summary(only(&run).unwrap(), RunStatus::Completed, &[]);
        (
            std::fs::read_to_string(dir.file("env.txt")).unwrap(),
            started.elapsed(),
        )
    };

    let allowlist = HookEnv::allowlisted(["PATH", "HOME", "LANG"]);
    let HookEnv::Exactly(vars) = &allowlist else {
        panic!("allowlisted builds HookEnv::Exactly");
    };
    assert!(vars
        .iter()
        .all(|(k, _)| k != "FAKE_API_KEY" && k != "GITHUB_TOKEN"));
    let (exact, elapsed) = env_seen(allowlist.clone());
    report(
        "secrets, HookEnv::Exactly(PATH,HOME,LANG)",
        "completed; no secret seen",
        elapsed,
        0,
        "secrets_do_not_reach_a_hook_with_an_allowlisted_env",
    );
    assert!(
        !exact.contains("FAKE_API_KEY") && !exact.contains("sk-fake-hostile"),
        "{exact}"
    );
    assert!(
        !exact.contains("GITHUB_TOKEN") && !exact.contains("ghp_fake"),
        "{exact}"
    );
    let path = std::env::var("PATH").unwrap();
    assert!(
        exact.lines().any(|l| l == format!("PATH={path}")),
        "{exact}"
    );
    // Only the allowlist (and what sh itself adds: PWD, maybe SHLVL/OLDPWD/_).
    for line in exact.lines() {
        let name = line.split('=').next().unwrap_or_default();
        assert!(
            ["PATH", "HOME", "LANG", "PWD", "SHLVL", "OLDPWD", "_"].contains(&name),
            "unexpected variable {line}"
        );
    }

    let explicit = HookEnv::Exactly(vec![(OsString::from("ONLY"), OsString::from("this"))]);
    let (only_one, _) = env_seen(explicit);
    assert!(
        only_one.contains("ONLY=this") && !only_one.contains("PATH=/"),
        "{only_one}"
    );

    let (inherited, elapsed) = env_seen(HookEnv::Inherit);
    report(
        "secrets, HookEnv::Inherit (contrast)",
        "completed; secrets visible",
        elapsed,
        0,
        "secrets_do_not_reach_a_hook_with_an_allowlisted_env",
    );
    assert!(inherited.contains("FAKE_API_KEY=sk-fake-hostile-0123456789"));
    assert!(inherited.contains("GITHUB_TOKEN=ghp_fakehostiletoken0123456789"));
}

/// The CLI on a vector whose hook starts a background grandchild and sleeps: back in under
/// 2 s, the timeout reported, nothing left.
#[test]
fn cli_conformance_run_with_hanging_grandchild() {
    setup();
    let dir = HookDir::new().unwrap();
    let m = marker();
    let pids = dir.quoted("pids");
    let hooks_json = json!({"hooks": {"PreToolUse": [{"hooks": [{
        "type": "command",
        "command": format!("sleep {m} & echo $! >> {pids}; sleep {m}"),
        "timeout": 1
    }]}]}});
    let vector = json!({
        "id": "hostile/grandchild-sleeps",
        "event": "PreToolUse",
        "handlers": [],
        "hooks_json": hooks_json.to_string(),
    });
    let vectors = dir.file("vectors.jsonl");
    std::fs::write(&vectors, format!("{vector}\n")).unwrap();

    let started = Instant::now();
    let output = assert_cmd::Command::cargo_bin("hooktape")
        .unwrap()
        .args(["conformance", "run"])
        .arg(&vectors)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let (left, what) = processes_left(&m, &read_pids(&dir.file("pids")));
    report(
        "CLI conformance run: sleep 1000 & sleep 1000",
        "failed: hook timed out after 1s",
        elapsed,
        left,
        "cli_conformance_run_with_hanging_grandchild",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains(
            "conformance: 1 vectors, 0 reproduced, 0 differ, 0 errors, 1 without expected"
        ),
        "{stderr}"
    );
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["id"], "hostile/grandchild-sleeps");
    assert_eq!(line["actual"]["runs"][0]["status"], "failed");
    assert_eq!(
        line["actual"]["runs"][0]["entries"],
        json!([{"kind": "error", "text": TIMED_OUT}])
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(left, 0, "processes left: {what:?}");
}
