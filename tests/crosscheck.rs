//! `hooktape crosscheck` against the pinned real Codex CLI (agents/codex/, installed by
//! agents/install.sh). Needs the CLI and a network namespace (root or user namespaces): in
//! CI both are required; elsewhere the tests say why they did not run.

#[path = "support/cli.rs"]
mod cli;

use std::path::Path;

use anyhow::{ensure, Result};

/// Whether the real CLI can be crosschecked here; outside CI, a reason to skip.
fn available() -> Result<bool> {
    let pinned = cli::repo().join("agents/codex/node_modules/.bin/codex");
    let unshare_ok = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if pinned.exists() && unshare_ok {
        return Ok(true);
    }
    ensure!(
        !cli::in_ci(),
        "CI must crosscheck: pinned CLI present: {}, network namespaces: {unshare_ok}",
        pinned.exists()
    );
    eprintln!("SKIP: no pinned Codex CLI (bash agents/install.sh) or no network namespace");
    Ok(false)
}

fn crosscheck(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    let bin = cli::repo()
        .join("agents/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex");
    let mut cmd = cli::hooktape(dir)?;
    cmd.arg("crosscheck").args(args);
    if bin.is_file() {
        cmd.env("CODEX_BIN", bin);
    }
    Ok(cmd.output()?)
}

const INTERFACES: &str = r#"description = "A hook lists the network interfaces it sees"

[[layers]]
kind = "user"
[layers.hooks]
UserPromptSubmit = [{ hooks = [{ type = "command", command = "cat >/dev/null; echo \"interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')\"" }] }]

[[turns]]
prompt = "Where am I?"
[[turns.responses]]
message = "Offline."
"#;

const STOP_BLOCKS: &str = r#"description = "Stop blocks once, then lets the turn end"

[[layers]]
kind = "user"
[layers.hooks]
Stop = [{ hooks = [{ type = "command", command = "if [ \"$(cat | grep -c '\"stop_hook_active\":true')\" = 0 ]; then echo '{\"decision\":\"block\",\"reason\":\"run the tests\"}'; fi" }] }]

[[turns]]
prompt = "Fix it"
[[turns.responses]]
message = "Fixed."
[[turns.responses]]
message = "Tests pass."
"#;

#[test]
fn the_real_cli_runs_with_nothing_but_loopback() -> Result<()> {
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
    // What the hook saw in the real CLI's run: loopback only.
    let real = std::fs::read_to_string(keep.join("interfaces.real.txt"))?;
    ensure!(
        real.contains("completed (context: interfaces: lo)\n"),
        "the real CLI's hook saw more than loopback:\n{real}"
    );
    ensure!(
        text.ends_with("crosscheck: 1 scenarios, 1 agree, 0 differ, 0 skipped\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_stop_block_agrees_and_a_lifecycle_scenario_is_skipped_with_its_reason() -> Result<()> {
    if !available()? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let lifecycle = "description = \"lifecycle\"\n\n[session]\ndialect = \"lifecycle\"\n\n[[turns]]\nprompt = \"hi\"\n[[turns.responses]]\nmessage = \"ok\"\n";
    cli::repository(
        dir.path(),
        &[("stop", STOP_BLOCKS), ("lifecycle", lifecycle)],
    )?;
    let out = crosscheck(dir.path(), &[])?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(0), "{text}");
    ensure!(
        text.contains("AGREE  stop (1 payloads, 2 runs, 2 requests;")
            || text.contains("AGREE  stop (2 payloads, 2 runs, 2 requests;"),
        "{text}"
    );
    ensure!(
        text.contains("  lifecycle: the `lifecycle` dialect is not a Codex release\n"),
        "{text}"
    );
    ensure!(
        text.ends_with("crosscheck: 2 scenarios, 1 agree, 0 differ, 1 skipped\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_scenario_that_uses_a_tool_the_real_cli_lacks_differs_with_both_texts() -> Result<()> {
    if !available()? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    // `shell` is the 4e30281 tool; Codex 0.171 offers exec_command instead.
    let shell = r#"description = "A shell call"

[session]
dialect = "codex-4e30281"

[[turns]]
prompt = "List"
[[turns.responses]]
calls = [{ shell = ["true"] }]
[[turns.responses]]
message = "Listed."
"#;
    cli::repository(dir.path(), &[("shell", shell)])?;
    // A scenario pinned to 4e30281 is skipped, saying how to compare it anyway...
    let out = crosscheck(dir.path(), &[])?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(0), "{text}");
    ensure!(
        text.contains("SKIP   shell: dialect `codex-4e30281`") && text.contains("`--drift`"),
        "{text}"
    );
    // ...and `--drift` shows how that Codex differs from the binary.
    let out = crosscheck(dir.path(), &["--drift"])?;
    let text = cli::text(&out);
    ensure!(out.status.code() == Some(1), "{text}");
    ensure!(text.contains("DIFFER shell"), "{text}");
    ensure!(
        text.contains("+ function_call_output(call-1): unsupported call: shell"),
        "{text}"
    );
    ensure!(
        text.ends_with("crosscheck: 1 scenarios, 0 agree, 1 differ, 0 skipped\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn bad_input_is_exit_2() -> Result<()> {
    let dir = tempfile::tempdir()?;
    cli::repository(dir.path(), &[("broken", "description = 1\n")])?;
    let out = crosscheck(dir.path(), &[])?;
    ensure!(out.status.code() == Some(2), "{}", cli::text(&out));
    Ok(())
}
