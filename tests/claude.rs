//! The `claude` dialect end to end: `hooktape crosscheck --agent claude` against the pinned
//! real Claude Code (agents/claude/, installed by agents/install.sh; in CI required, elsewhere
//! the tests say why they did not run), and `hooktape port` between Claude Code and Codex
//! (mock only, always runs).

#[path = "support/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};

use anyhow::{ensure, Result};

fn pinned() -> PathBuf {
    cli::repo().join("agents/claude/node_modules/@anthropic-ai/claude-code/bin/claude.exe")
}

/// Whether the real Claude Code can be crosschecked here; outside CI, a reason to skip.
fn available() -> Result<bool> {
    let unshare_ok = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if pinned().is_file() && unshare_ok {
        return Ok(true);
    }
    ensure!(
        !cli::in_ci(),
        "CI must crosscheck Claude Code: pinned CLI present: {}, network namespaces: {unshare_ok}",
        pinned().is_file()
    );
    eprintln!("SKIP: no pinned Claude Code (bash agents/install.sh) or no network namespace");
    Ok(false)
}

fn crosscheck(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    let mut cmd = cli::hooktape(dir)?;
    cmd.args(["crosscheck", "--agent", "claude"])
        .args(args)
        .env("CLAUDE_BIN", pinned());
    Ok(cmd.output()?)
}

/// `hooktape port SCENARIO --from FROM --to TO`: its exit code and report lines.
fn port(scenario: &str, (from, to): (&str, &str), code: i32, expected: &[&str]) -> Result<()> {
    let out = cli::run(
        &cli::repo(),
        &["port", scenario, "--from", from, "--to", to],
    )?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(code), "{text}");
    for expected in expected {
        ensure!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    Ok(())
}

fn port_claude_to_codex(scenario: &str, code: i32, expected: &[&str]) -> Result<()> {
    port(scenario, ("claude", "codex"), code, expected)
}

const INTERFACES: &str = r#"description = "A Claude Code hook lists the network interfaces it sees"

[session]
dialect = "claude"

[[layers]]
kind = "project"
[layers.hooks]
UserPromptSubmit = [{ hooks = [{ type = "command", command = "cat >/dev/null; echo \"interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')\"" }] }]

[[turns]]
prompt = "hi"
[[turns.responses]]
message = "hello"
"#;

#[test]
fn the_real_claude_code_runs_with_nothing_but_loopback_and_agrees() -> Result<()> {
    if !available()? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    cli::repository(dir.path(), &[("interfaces", INTERFACES)])?;
    let keep = dir.path().join("kept");
    let out = crosscheck(dir.path(), &["--keep", &keep.display().to_string()])?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(0), "{text}");
    ensure!(
        text.contains("isolation: a network namespace with lo\n"),
        "{text}"
    );
    ensure!(text.contains("real CLI: 2.1.197 (Claude Code)"), "{text}");
    let real = std::fs::read_to_string(keep.join("interfaces.real.txt"))?;
    ensure!(
        real.contains("UserPromptSubmit hook success: interfaces: lo"),
        "the real CLI's hook saw more than loopback:\n{real}"
    );
    ensure!(
        text.ends_with("crosscheck: 1 scenarios, 1 agree, 0 differ, 0 skipped\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_difference_is_reported_with_both_texts_and_codex_scenarios_are_skipped() -> Result<()> {
    if !available()? {
        return Ok(());
    }
    // The real CLI runs with IS_SANDBOX=1 (as root, for bypassPermissions); the mock's hooks
    // do not see it: a hook that prints it differs, and says how.
    let sandbox = INTERFACES.replace(
        "cat >/dev/null; echo \\\"interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\\\n' ' ')\\\"",
        "cat >/dev/null; echo \\\"sandbox=$IS_SANDBOX\\\"",
    );
    ensure!(sandbox.contains("sandbox=$IS_SANDBOX"), "{sandbox}");
    let codex = "description = \"codex\"\n\n[[turns]]\nprompt = \"hi\"\n[[turns.responses]]\nmessage = \"ok\"\n";
    let dir = tempfile::tempdir()?;
    cli::repository(dir.path(), &[("sandbox", &sandbox), ("codex", codex)])?;
    let out = crosscheck(dir.path(), &[])?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(1), "{text}");
    ensure!(text.contains("DIFFER sandbox"), "{text}");
    ensure!(
        text.contains("-     user: text \"<system-reminder>\\nUserPromptSubmit hook success: sandbox=\\n</system-reminder>\\n\"")
            || text.contains("- user: text \"<system-reminder>\\nUserPromptSubmit hook success: sandbox=\\n</system-reminder>\\n\""),
        "{text}"
    );
    ensure!(
        text.contains("UserPromptSubmit hook success: sandbox=1"),
        "{text}"
    );
    ensure!(
        text.contains(
            "  codex: dialect `codex`: `--agent claude` plays `claude`-dialect scenarios\n"
        ),
        "{text}"
    );
    ensure!(
        text.ends_with("crosscheck: 2 scenarios, 0 agree, 1 differ, 1 skipped\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn port_reports_the_claude_guards_that_fail_open_in_codex() -> Result<()> {
    port_claude_to_codex(
        "scenarios/port/claude_guards_under_codex.toml",
        1,
        &[
            "FAILS OPEN PreToolUse `./.claude/hooks/protect_env.sh`",
            "call:     call-1 Write → apply_patch",
            "claude:   blocks (exit 2): refusing to touch <PROJECT>/config.env",
            "codex:    completed, decided nothing",
            "the hook reads keys codex never sends: file_path, content",
            "claude:   asks: this discards local changes",
            "codex:    failed: PreToolUse hook returned unsupported permissionDecision:ask",
            "claude:   denies (no reason)",
            "without a non-empty permissionDecisionReason",
            "port: 3 finding(s), 3 hook run(s) that block in claude fail open in codex",
        ],
    )
}

#[test]
fn port_json_is_machine_readable_and_alike_hooks_pass() -> Result<()> {
    let out = cli::run(
        &cli::repo(),
        &[
            "port",
            "scenarios/port/claude_guards_under_codex.toml",
            "--from",
            "claude",
            "--to",
            "codex",
            "--format",
            "json",
        ],
    )?;
    ensure!(out.status.code() == Some(1), "{}", cli::text(&out));
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let findings = reports[0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(findings.len() == 3, "{reports:#}");
    ensure!(
        findings.iter().all(|f| f["severity"] == "fails_open"),
        "{reports:#}"
    );
    ensure!(
        findings[0]["declared"] == ".claude/settings.json: PreToolUse[0].hooks[0]",
        "{reports:#}"
    );
    // A Codex guard that exits 2 blocks under Claude Code too.
    port(
        "scenarios/pre_tool_use/deny_rm_rf.toml",
        ("codex", "claude"),
        0,
        &["every hook behaves the same"],
    )
}

#[test]
fn port_plays_a_codex_spawn_role_as_a_claude_subagent_type_and_says_so() -> Result<()> {
    // Nothing that blocks fails open: exit 0, with both differences named.
    port(
        "scenarios/subagent_start/spawn_explorer.toml",
        ("codex", "claude"),
        0,
        &[
            "declared: the spawn role `explorer`",
            "claude:   agent_type `general-purpose`",
            "NEVER RUNS SubagentStart `cat >/dev/null; printf",
            "claude:   not run\n",
            "why:      its matcher does not select the subagent type claude spawns (`general-purpose`)",
            "port: 2 finding(s), 0 hook run(s) that block in codex fail open in claude",
        ],
    )
}

#[test]
fn port_refuses_a_scenario_of_another_dialect() -> Result<()> {
    port(
        "scenarios/port/claude_guards_under_codex.toml",
        ("codex", "claude"),
        2,
        &["is a `claude` scenario, not `codex` (--from)"],
    )
}

#[test]
fn port_names_events_env_if_and_transcript_pitfalls() -> Result<()> {
    port_claude_to_codex(
        "scenarios/port/claude_env_events_transcript_under_codex.toml",
        1,
        &[
            "BLOCKS ONLY IN TARGET UserPromptSubmit `./.claude/hooks/need_project_dir.sh`",
            "codex:    blocked: CLAUDE_PROJECT_DIR is not set",
            "the hook itself exited 0 under claude and 2 under codex",
            "NEVER RUNS PostToolUseFailure `./.claude/hooks/hint.sh`",
            "codex has no PostToolUseFailure event",
            "codex does not know the handler key `if`",
            "codex does not give hooks $CLAUDE_PROJECT_DIR",
            "a hook reads transcript_path; the two agents write different transcript formats",
            "codex:    never reached",
        ],
    )
}

#[test]
fn init_in_a_claude_code_repository_writes_a_claude_scenario_that_runs_its_hooks() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    std::fs::create_dir(root.join(".git"))?;
    cli::write(
        &root.join(".claude/settings.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "./.claude/hooks/guard.sh"}]}]}}"#,
    )?;
    let guard = root.join(".claude/hooks/guard.sh");
    cli::write(
        &guard,
        "#!/bin/sh\ncat >/dev/null\necho 'no writes' >&2\nexit 2\n",
    )?;
    cli::make_executable(&guard)?;
    let init = cli::run(root, &["init"])?;
    ensure!(init.status.success(), "{}", cli::text(&init));
    let scenario = std::fs::read_to_string(root.join("hooktape/scenarios/repo_hooks.toml"))?;
    ensure!(scenario.contains("dialect = \"claude\""), "{scenario}");
    ensure!(
        scenario.contains("file = \".claude/settings.json\""),
        "{scenario}"
    );
    let run = cli::run(root, &["run", "repo_hooks"])?;
    let text = cli::text(&run);
    ensure!(run.status.success(), "{text}");
    ensure!(
        text.contains("PreToolUse:Write hook error: [./.claude/hooks/guard.sh]: no writes"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_repository_plugin_folder_runs_its_hooks_with_its_root_and_data() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    cli::write(
        &root.join("plugins/guard/hooks/hooks.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "${CLAUDE_PLUGIN_ROOT}/scripts/guard.sh"}]}]}}"#,
    )?;
    let guard = root.join("plugins/guard/scripts/guard.sh");
    cli::write(
        &guard,
        "#!/bin/sh\ncat >/dev/null\necho \"guard at ${CLAUDE_PLUGIN_ROOT##*/}, data ${CLAUDE_PLUGIN_DATA##*/}\" >&2\nexit 2\n",
    )?;
    cli::make_executable(&guard)?;
    cli::repository(root, &[("plugin", "description = \"the repository's plugin\"\n\n[session]\ndialect = \"claude\"\n\n[[plugins]]\nname = \"guard\"\nfrom = \"plugins/guard\"\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\ncalls = [{ exec = \"ls\" }]\n[[turns.responses]]\nmessage = \"m\"\n")])?;
    let run = cli::run(root, &["run", "plugin"])?;
    let text = cli::text(&run);
    ensure!(run.status.success(), "{text}");
    ensure!(
        text.contains(
            "PreToolUse:Bash hook error: [${CLAUDE_PLUGIN_ROOT}/scripts/guard.sh]: guard at guard, data guard-inline"
        ),
        "{text}"
    );
    // The plugin's folder is read at every run: a changed script changes the outcome.
    cli::write(&guard, "#!/bin/sh\ncat >/dev/null\nexit 0\n")?;
    let again = cli::run(root, &["run", "plugin"])?;
    let again_text = cli::text(&again);
    ensure!(again.status.success(), "{again_text}");
    ensure!(
        !again_text.contains("hook error")
            && again_text.contains("PreToolUse (Bash)")
            && again_text.contains("success (exit code 0)"),
        "{again_text}"
    );
    Ok(())
}

#[test]
fn a_plugin_folder_s_own_manifest_names_it_and_a_bad_one_is_an_error() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    cli::write(
        &root.join("plugins/guard/hooks/hooks.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "cat >/dev/null; echo \"data ${CLAUDE_PLUGIN_DATA##*/}\" >&2; exit 2"}]}]}}"#,
    )?;
    let manifest = root.join("plugins/guard/.claude-plugin/plugin.json");
    cli::write(&manifest, r#"{"name": "house-rules", "version": "1.2.0"}"#)?;
    cli::repository(root, &[("plugin", "description = \"a plugin with its own manifest\"\n\n[session]\ndialect = \"claude\"\n\n[[plugins]]\nname = \"guard\"\nfrom = \"plugins/guard\"\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\ncalls = [{ exec = \"ls\" }]\n[[turns.responses]]\nmessage = \"m\"\n")])?;
    let run = cli::run(root, &["run", "plugin"])?;
    let text = cli::text(&run);
    ensure!(run.status.success(), "{text}");
    // The data folder follows the manifest's name, not the folder's.
    ensure!(text.contains("data house-rules-inline"), "{text}");

    cli::write(&manifest, r#"{"version": "1.2.0"}"#)?;
    let bad = cli::run(root, &["run", "plugin"])?;
    let bad_text = cli::text(&bad);
    ensure!(!bad.status.success(), "{bad_text}");
    // The loader says it, at the scenario's `from`, naming the repository's manifest (the
    // file to mend), and exits 2 as for any bad input.
    ensure!(bad.status.code() == Some(2), "{bad_text}");
    ensure!(
        bad_text.contains(&format!(
            "scenarios/plugin.toml:8:8: plugin `guard`: {}: expected a JSON object with a string `name` (no string `name`)",
            manifest.display()
        )),
        "{bad_text}"
    );
    Ok(())
}

#[test]
fn a_script_the_session_cannot_use_fails_naming_the_call_or_turn() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    cli::repository(
        root,
        &[
            (
                "refused_then_classified",
                "description = \"a classifier verdict on a call PreToolUse refuses\"\n\n[session]\ndialect = \"claude\"\nmodel = \"claude-sonnet-4-6\"\npermission_mode = \"auto\"\n\n[[layers]]\nkind = \"project\"\n[[layers.hooks.PreToolUse]]\n[[layers.hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = \"cat > /dev/null; echo no >&2; exit 2\"\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\ncalls = [{ exec = \"curl -s http://127.0.0.1:9/x\" }]\n[turns.results.call-1]\nclassifier = \"block\"\n[[turns.responses]]\nmessage = \"m\"\n",
            ),
            (
                "blocked_summary",
                "description = \"a scripted summary for a compaction PreCompact blocks\"\n\n[session]\ndialect = \"claude\"\n\n[[layers]]\nkind = \"project\"\n[[layers.hooks.PreCompact]]\n[[layers.hooks.PreCompact.hooks]]\ntype = \"command\"\ncommand = \"cat > /dev/null; exit 2\"\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n\n[[turns]]\ncompact = \"a summary\"\n",
            ),
        ],
    )?;
    for (name, expected) in [
        (
            "refused_then_classified",
            "call call-1 scripts a `classifier` verdict, but it never reaches the classifier",
        ),
        (
            "blocked_summary",
            "turn turn-2: a PreCompact hook blocks this compaction, so no summary request is sent; write `compact = true`",
        ),
    ] {
        let out = cli::run(root, &["run", name])?;
        let text = cli::text(&out);
        ensure!(out.status.code() == Some(1), "{name}: {text}");
        ensure!(text.contains(expected), "{name}: {text}");
    }
    Ok(())
}

#[test]
fn port_follows_a_subagent_and_names_what_codex_fires_for_it() -> Result<()> {
    port_claude_to_codex(
        "scenarios/claude/subagent/start_tools_and_stop.toml",
        0,
        &[
            // The subagent's own Bash call is translated and observed on both sides.
            "call:     call-2 Bash → exec_command",
            "call:     call-1 Agent → spawn_agent",
            "codex fires no PreToolUse for its subagent call `spawn_agent`",
            "check subagents with SubagentStart / SubagentStop hooks in codex",
        ],
    )
}
