//! The `hooktape` command as users run it: bad input, check, bless, new, schema, determinism.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::repo;

fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    cli::snapshot_dir(dir).expect("the folder reads")
}

fn copy_dir(from: &Path, to: &Path) {
    cli::copy_dir(from, to).expect("the folder copies");
}

fn hooktape() -> Command {
    let mut cmd = Command::cargo_bin("hooktape").expect("the hooktape binary is built");
    cmd.env_remove("CI").env("NO_COLOR", "1");
    cmd
}

/// How many scenario files (`*.toml`) a folder holds.
fn scenario_count(dir: &Path) -> usize {
    snapshot_dir(dir)
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .count()
}

/// (fixture, expected line:col, expected message part)
const BAD: &[(&str, &str, &str)] = &[
    (
        "claude_codex_tool",
        "9:10",
        "`apply_patch` in call `call-1` is a Codex tool",
    ),
    (
        "compact_instructions_in_codex",
        "10:24",
        "`compact_instructions` are the arguments of Claude Code's `/compact <instructions>`: a `compact` step of the `claude` dialect takes them (Codex's `/compact` takes none)",
    ),
    (
        "claude_unknown_agent_type",
        "9:10",
        "`spawn = \"reviewer\"` in call `call-1`: expected one of Claude Code's subagent types: general-purpose, Explore, Plan, claude, statusline-setup",
    ),
    (
        "claude_unknown_permission_mode",
        "5:19",
        "unknown variant `plan`, expected `bypassPermissions` or `auto`",
    ),
    (
        "claude_auto_mode_model",
        "5:19",
        "`permission_mode = \"auto\"` with model `claude-sonnet-4-5`: Claude Code 2.1.197 turns auto mode off for it (and falls back to `default`); set `model = \"claude-sonnet-4-6\"`",
    ),
    (
        "classifier_without_auto_mode",
        "11:14",
        "result of call `call-1`: `classifier` is Claude Code's auto mode; set `[session] permission_mode = \"auto\"` (the `claude` dialect)",
    ),
    (
        "claude_approval_policy",
        "5:19",
        "`approval_policy` is Codex's; the `claude` dialect plays `claude -p` in permission mode `bypassPermissions` or `auto` (`permission_mode`), compacting only on `/compact`",
    ),
    (
        "claude_spawn_without_responses",
        "9:10",
        "a `spawn` call (`call-1`) needs `responses`: the subagent's own model answers, at least its last message",
    ),
    (
        "claude_plugin_marketplace",
        "6:1",
        "`marketplace`: a `claude` plugin is loaded with `--plugin-dir` (source `<name>@inline`), not from a marketplace",
    ),
    (
        "claude_path_escapes",
        "9:10",
        "the path \"../outside.txt\" of call `call-1`: expected a path relative to the workspace, without `..`",
    ),
    (
        "claude_unknown_event",
        "8:16",
        "unknown Claude Code hook event `PreToolUsee`",
    ),
    (
        "codex_local_layer",
        "4:8",
        "a `local` layer (`.claude/settings.local.json`) belongs to the `claude` dialect",
    ),
    ("bad_approval_policy", "4:19", "unknown variant `sometimes`"),
    (
        "bad_env_name",
        "4:1",
        "expected an environment variable name without `=`",
    ),
    ("bad_toml", "1:35", "invalid basic string"),
    (
        "call_without_tool",
        "6:10",
        "expected exactly one of `shell`",
    ),
    ("duplicate_call_id", "6:48", "call id `c1` is already used"),
    ("fork_and_resume", "6:1", "a step takes `resume` or `fork`, not both"),
    (
        "plugin_without_hooks",
        "3:1",
        "expected exactly one of `hooks` (the plugin's hooks/hooks.json, inline) and `from`",
    ),
    (
        "start_source_fork",
        "4:16",
        "a session cannot start as a fork; put `fork = true` on the turn",
    ),
    (
        "mcp_tool_with_command",
        "6:32",
        "an `mcp_tool` handler takes `server`, `tool` and `input`, not `command`",
    ),
    (
        "mcp_tool_without_server",
        "6:32",
        "an `mcp_tool` handler needs a non-blank `server` and `tool`",
    ),
    (
        "escaping_file_path",
        "4:8",
        "expected a relative path without `..`",
    ),
    (
        "lifecycle_turn_start",
        "11:1",
        "lifecycle `config.toml`: unknown field `turn_start`, expected one of `session_start`",
    ),
    ("missing_description", "1:1", "missing field `description`"),
    ("missing_layer_file", "5:8", "cannot read layer file"),
    ("missing_prompt", "3:1", "missing `prompt`"),
    ("no_turns", "2:9", "expected at least one `[[turns]]`"),
    (
        "notify_not_argv",
        "6:10",
        "`notify` of `config.toml`: invalid type: string \"say done\", expected a sequence",
    ),
    (
        "trusted_on_user_layer",
        "4:8",
        "`trusted` applies to `project` layers only",
    ),
    (
        "two_sources",
        "4:8",
        "expected exactly one of `hooks`, `hooks_json`",
    ),
    ("unknown_event", "7:1", "unknown hook event `Stopp`"),
    (
        "unknown_key",
        "4:1",
        "unknown field `promt`, expected one of",
    ),
    (
        "unknown_result_call",
        "7:16",
        "tool result for unknown call id `call-2`",
    ),
    (
        "wrong_type",
        "2:7",
        "invalid type: integer `3`, expected a map",
    ),
    ("absolute_file_path", "4:8", "found an absolute one"),
    ("bad_mcp_name", "6:10", "expected `mcp = \"server/tool\"`"),
    ("bad_start_source", "4:16", "unknown variant `reboot`"),
    (
        "bad_user_decision",
        "9:17",
        "unknown variant `maybe`, expected one of `approve`, `deny`, `approve_for_session`",
    ),
    (
        "compact_and_prompt",
        "3:1",
        "a `compact` step takes only `id`",
    ),
    (
        "duplicate_file_path",
        "8:8",
        "is already given by an earlier `[[files]]` entry",
    ),
    ("duplicate_key_late", "10:1", "duplicate key `prompt`"),
    ("duplicate_turn_id", "8:6", "turn id `t1` is already used"),
    ("empty_prompt", "4:10", "expected a non-empty `prompt`"),
    (
        "env_value_not_string",
        "4:11",
        "invalid type: integer `3`, expected a string",
    ),
    (
        "escaping_cwd",
        "4:7",
        "expected a relative path without `..` for session `cwd`",
    ),
    (
        "exit_code_as_string",
        "8:13",
        "invalid type: string \"1\", expected i32",
    ),
    ("file_without_content", "3:1", "missing field `content`"),
    (
        "queued_after_request_zero",
        "5:11",
        "has `after_request = 0`; requests count from 1, expected `after_request` between 1 and 1",
    ),
    (
        "stray_key_on_call",
        "6:10",
        "`chars` in call `call-1`, a `shell` call: `chars` belongs to `write_stdin` calls",
    ),
    ("layer_without_kind", "3:1", "missing field `kind`"),
    (
        "multiline_description",
        "1:15",
        "expected a one-line, non-empty `description`",
    ),
    (
        "negative_token_count",
        "4:23",
        "invalid value: integer `-5`, expected u64",
    ),
    (
        "output_cap_zero",
        "4:14",
        "expected `output_cap` of at least 1 byte",
    ),
    (
        "queued_after_missing_request",
        "5:11",
        "waits for request 3, but turn `turn-1` scripts only 1 response(s)",
    ),
    (
        "requirements_on_project_layer",
        "4:8",
        "`requirements` belongs to a `managed` layer",
    ),
    (
        "result_in_wrong_turn",
        "10:16",
        "tool result for unknown call id `c1`",
    ),
    (
        "turns_as_table",
        "3:1",
        "invalid type: map, expected a sequence",
    ),
    ("two_tools_in_one_call", "6:10", "found shell, exec"),
    (
        "unknown_dialect",
        "4:11",
        "unknown variant `gemini`, expected one of `codex`, `codex-4e30281`, `lifecycle`, `claude`",
    ),
    ("unknown_tool_kind", "6:23", "unknown field `bash`"),
    (
        "compact_false",
        "4:11",
        "or `compact = true` when no summary request is sent (a PreCompact hook stops",
    ),
    (
        "run_approval_empty_argv",
        "8:18",
        "expected a non-empty argv in `execve`",
    ),
    (
        "run_approval_id_reused",
        "10:18",
        "approval id \"g1\" of a run approval of call `call-2` is empty or already used",
    ),
    (
        "compact_number",
        "4:11",
        "invalid type: integer `3`, expected the summary the model answers",
    ),
    (
        "running_on_shell",
        "7:16",
        "result of call `call-1`: `running` is set, but only `exec_command` and `write_stdin` leave a process running (shell does not)",
    ),
    (
        "run_approval_two_kinds",
        "10:3",
        "expected exactly one of `network` (a `scheme://host:port` target) or `execve`",
    ),
    (
        "run_approvals_on_patch",
        "7:16",
        "result of call `call-1`: `run_approvals` are set, but apply_patch runs no command that could ask while running",
    ),
    ("wrong_layer_kind", "4:8", "unknown variant `global`"),
    (
        "model_request_in_4e30281",
        "9:1",
        "`PreModelRequest` is an event of Codex 0.171 (the `codex` dialect); this scenario's dialect `codex-4e30281` never runs it",
    ),
    (
        "interrupt_after_too_many",
        "5:19",
        "`interrupt_after = 2`: turn `turn-1` scripts 1 response(s); the interrupt comes once that many requests were answered, so expected `interrupt_after = 1` (and at least 1)",
    ),
    (
        "shell_in_lifecycle",
        "5:9",
        "`shell` applies to the codex dialects: lifecycle hooks are argv commands, run without a shell",
    ),
    (
        "hook_trust_in_lifecycle",
        "5:14",
        "`hook_trust` applies to the `codex` dialect only (hook trust came with Codex 0.171); this scenario's dialect is `lifecycle`",
    ),
];

#[test]
fn every_bad_scenario_gives_one_positioned_error_and_exit_2() {
    let fixtures = repo().join("tests/fixtures/bad_scenarios");
    let on_disk = std::fs::read_dir(&fixtures).unwrap().count();
    assert_eq!(on_disk, BAD.len(), "every fixture has an expectation");
    let goldens_before = snapshot_dir(&repo().join("goldens"));
    for (name, pos, message) in BAD {
        let rel = format!("tests/fixtures/bad_scenarios/{name}.toml");
        for sub in ["check", "run", "bless"] {
            let out = hooktape()
                .current_dir(repo())
                .args([sub, rel.as_str()])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{sub} {name}: {stderr}");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{sub} {name}: one error line, got {stderr}");
            let prefix = format!("error: {rel}:{pos}: ");
            assert!(
                lines[0].starts_with(&prefix) && lines[0].contains(message),
                "{sub} {name}: expected `{prefix}…{message}…`, got {stderr}"
            );
        }
    }
    assert_eq!(goldens_before, snapshot_dir(&repo().join("goldens")));
    assert!(!repo().join("tests/fixtures/goldens").exists());
}

#[test]
fn check_passes_on_the_suite_and_writes_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    // Harness secrets must not reach hooks (config/hook_environment pins that they are unset).
    let out = hooktape()
        .current_dir(repo())
        .env("FAKE_API_KEY", "sk-must-not-leak")
        .env("GITHUB_TOKEN", "ghp-must-not-leak")
        .args(["check", "--junit"])
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = scenario_count(&repo().join("scenarios"));
    assert!(
        stdout.ends_with(&format!("{cases} passed, 0 failed\n")),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!("tests=\"{cases}\" failures=\"0\"")),
        "{xml}"
    );
    assert!(xml.contains("name=\"stop/block_twice\""), "{xml}");
}

#[test]
fn a_changed_hook_fails_check_with_a_diff_naming_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("scenarios"), &dir.path().join("scenarios"));
    copy_dir(&repo().join("goldens"), &dir.path().join("goldens"));
    let file = dir.path().join("scenarios/stop/block_twice.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("not done yet", "tests still fail")).unwrap();
    let goldens_before = snapshot_dir(&dir.path().join("goldens"));

    let out = hooktape()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL stop/block_twice\n"), "{stdout}");
    assert!(
        stdout.contains("--- goldens/stop/block_twice.snap"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-       - feedback: not done yet (1)")
            && stdout.contains("+       - feedback: tests still fail (1)"),
        "the diff shows the changed entry: {stdout}"
    );
    let total = scenario_count(&dir.path().join("scenarios"));
    assert!(
        stdout.ends_with(&format!("{} passed, 1 failed\n", total - 1)),
        "{stdout}"
    );
    assert_eq!(goldens_before, snapshot_dir(&dir.path().join("goldens")));
}

#[test]
fn bless_is_refused_in_ci() {
    let goldens_before = snapshot_dir(&repo().join("goldens"));
    let out = hooktape()
        .current_dir(repo())
        .env("CI", "true")
        .arg("bless")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to bless: CI is set"), "{stderr}");
    assert_eq!(goldens_before, snapshot_dir(&repo().join("goldens")));
}

#[test]
fn goldens_are_byte_identical_from_two_temp_dirs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [a.path(), b.path()] {
        copy_dir(&repo().join("scenarios"), &dir.join("scenarios"));
        let out = hooktape().current_dir(dir).arg("bless").output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ga = snapshot_dir(&a.path().join("goldens"));
    let gb = snapshot_dir(&b.path().join("goldens"));
    assert!(!ga.is_empty());
    assert_eq!(ga, gb);
    assert_eq!(
        ga,
        snapshot_dir(&repo().join("goldens")),
        "and equal to the committed ones"
    );
}

#[test]
fn schema_output_matches_the_committed_file() {
    let out = hooktape().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo().join("scenario.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "scenario.schema.json is stale: run `cargo run -- schema > scenario.schema.json`"
    );
}

#[test]
fn new_writes_a_scenario_that_runs_for_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let events = [
        "PreToolUse",
        "PermissionRequest",
        "PostToolUse",
        "SessionStart",
        "UserPromptSubmit",
        "Stop",
        "PreCompact",
        "PostCompact",
        "SubagentStart",
        "SubagentStop",
        "SessionEnd",
    ];
    for event in events {
        let out = hooktape()
            .current_dir(dir.path())
            .args(["new", "starter", "--event", event])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{event}");
        let written = String::from_utf8_lossy(&out.stdout);
        let path = written
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("wrote "))
            .unwrap()
            .to_owned();
        let out = hooktape()
            .current_dir(dir.path())
            .args(["run", &path])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{event}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("⚑ {event}")),
            "{event} fired: {stdout}"
        );
    }
    let out = hooktape()
        .current_dir(dir.path())
        .args(["new", "x", "--event", "Stp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_json_prints_the_normalised_recording() {
    let out = hooktape()
        .current_dir(repo())
        .args(["run", "--format", "json", "scenarios/stop/block_twice.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("<PROJECT>") && !text.contains("/tmp/"),
        "{text}"
    );
    assert_eq!(v[0]["scenario"], "scenarios/stop/block_twice.toml");
    assert_eq!(
        v[0]["recording"]["timeline"].as_array().map(Vec::len),
        Some(7)
    );
}
