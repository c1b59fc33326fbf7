//! `hooktape probe`: one real hook run through the engine, from the command line.

use assert_cmd::Command;
use serde_json::{json, Value};

fn hooktape() -> anyhow::Result<Command> {
    Ok(Command::cargo_bin("hooktape")?)
}

fn probe_json(args: &[&str]) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let out = hooktape()?
        .current_dir(dir.path())
        .arg("probe")
        .args(args)
        .output()?;
    anyhow::ensure!(
        out.status.code() == Some(0),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let value: Value = serde_json::from_slice(&out.stdout)?;
    let cwd = dir.path().canonicalize()?.display().to_string();
    anyhow::ensure!(
        value["payload"]["cwd"] == json!(cwd),
        "cwd is the current dir"
    );
    Ok(value)
}

#[test]
fn exit_two_with_stderr_blocks_with_feedback() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = hooktape()?
        .current_dir(dir.path())
        .args([
            "probe",
            "--event",
            "PreToolUse",
            "--",
            "sh",
            "-c",
            "echo no >&2; exit 2",
        ])
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("process: exit code 2\n"), "{stdout}");
    assert!(
        stdout.contains("status: blocked\n  feedback: no\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\"should_block\": true"), "{stdout}");
    assert!(stdout.contains("\"block_reason\": \"no\""), "{stdout}");
    assert!(
        stdout.contains("\"hook_event_name\":\"PreToolUse\""),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn json_format_is_one_object_with_payload_summary_and_outcome() -> anyhow::Result<()> {
    let v = probe_json(&[
        "--event",
        "pre_tool_use",
        "--format",
        "json",
        "--tool-name",
        "apply_patch",
        "--tool-input",
        r#"{"command":"*** Begin Patch"}"#,
        "--",
        "sh",
        "-c",
        "echo no >&2; exit 2",
    ])?;
    assert_eq!(v["event"], "PreToolUse");
    assert_eq!(v["command"], "sh -c 'echo no >&2; exit 2'");
    assert_eq!(v["payload"]["tool_name"], "apply_patch");
    assert_eq!(
        v["payload"]["tool_input"],
        json!({"command": "*** Begin Patch"})
    );
    assert_eq!(v["payload"]["model"], "gpt-test");
    assert_eq!(v["payload"]["turn_id"], "turn-1");
    assert_eq!(v["process"]["exit"], json!({"kind": "code", "code": 2}));
    assert_eq!(v["process"]["stderr"], "no\n");
    let completed = &v["completed"];
    assert_eq!(completed["eventName"], "preToolUse");
    assert_eq!(completed["status"], "blocked");
    assert_eq!(
        completed["entries"],
        json!([{"kind": "feedback", "text": "no"}])
    );
    assert!(completed["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("pre-tool-use:0:") && id.ends_with(":call-1")));
    assert_eq!(
        v["outcome"],
        json!({"should_block": true, "block_reason": "no"})
    );
    Ok(())
}

#[test]
fn stop_payload_options_and_v1_summary() -> anyhow::Result<()> {
    let v = probe_json(&[
        "--event",
        "Stop",
        "--stop-hook-active",
        "--last-assistant-message",
        "done",
        "--format",
        "json",
        "--summary",
        "v1",
        "--",
        "sh",
        "-c",
        r#"cat >/dev/null; printf '{"decision":"block","reason":"  again "}'"#,
    ])?;
    assert_eq!(v["payload"]["stop_hook_active"], true);
    assert_eq!(v["payload"]["last_assistant_message"], "done");
    assert_eq!(v["completed"]["event_name"], "stop");
    assert_eq!(v["completed"]["status"], "blocked");
    assert_eq!(
        v["completed"]["entries"],
        json!([{"kind": "feedback", "text": "again"}])
    );
    assert_eq!(v["outcome"]["should_block"], true);
    assert_eq!(v["outcome"]["continuation_fragments"][0]["text"], "again");
    Ok(())
}

#[test]
fn a_hook_that_fails_still_exits_zero() -> anyhow::Result<()> {
    let v = probe_json(&[
        "--event", "Stop", "--format", "json", "--", "sh", "-c", "exit 2",
    ])?;
    assert_eq!(v["completed"]["status"], "failed");
    assert_eq!(
        v["completed"]["entries"],
        json!([{"kind": "error", "text": "Stop hook exited with code 2 but did not write a continuation prompt to stderr"}])
    );
    assert_eq!(v["outcome"]["should_block"], false);
    Ok(())
}

#[test]
fn the_hook_reads_the_payload_on_stdin() -> anyhow::Result<()> {
    let v = probe_json(&[
        "--event",
        "UserPromptSubmit",
        "--prompt",
        "ship it",
        "--format",
        "json",
        "--",
        "sh",
        "-c",
        "cat",
    ])?;
    // The payload is not an accepted UserPromptSubmit object, so it is invalid JSON output.
    assert_eq!(
        v["process"]["stdout"].as_str(),
        Some(v["payload"].to_string().as_str())
    );
    assert_eq!(v["payload"]["prompt"], "ship it");
    assert_eq!(
        v["completed"]["entries"][0]["text"],
        "hook returned invalid user prompt submit JSON output"
    );
    Ok(())
}

fn bad_args(args: &[&str], expected: &str) -> anyhow::Result<()> {
    let out = hooktape()?.arg("probe").args(args).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    Ok(())
}

#[test]
fn bad_arguments_exit_two_with_a_clear_message() -> anyhow::Result<()> {
    bad_args(
        &["--event", "Nope", "--", "true"],
        "--event: expected one of PreToolUse",
    )?;
    bad_args(
        &[
            "--event",
            "PreToolUse",
            "--tool-input",
            "{oops",
            "--",
            "true",
        ],
        "--tool-input: expected JSON",
    )?;
    bad_args(
        &["--event", "Stop", "--prompt", "hi", "--", "true"],
        "--prompt does not apply to Stop (it applies to UserPromptSubmit)",
    )?;
    bad_args(
        &["--event", "SessionStart", "--source", "boot", "--", "true"],
        "--source: expected startup, resume, clear or compact",
    )?;
    bad_args(
        &["--event", "Stop", "--timeout", "0", "--", "true"],
        "--timeout",
    )?;
    bad_args(&["--event", "Stop"], "COMMAND")?;
    Ok(())
}
