//! Hook trust in the `codex` dialect (Codex 0.171): a repository whose hooks are not in the
//! user's `[hooks.state]` sees them skipped — Codex says nothing, hooktape's timeline and
//! golden name each one — and after pasting what `hooktape trust` prints into that config,
//! they run. A hook changed since it was trusted is skipped again, as `modified`.

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context as _};

#[path = "support/cli.rs"]
mod cli;
use cli::{make_executable, run, text, write};

const SCENARIO: &str = r#"description = "the repository's guard refuses rm -rf, as the user's Codex trusts it"

[session]
hook_trust = "config"

[[layers]]
kind = "user"
file = "ci/codex-config.toml"

[[layers]]
kind = "project"
file = ".codex/hooks.json"

[[files]]
from = ".codex/hooks"

[[turns]]
prompt = "Clean the build folder"
[[turns.responses]]
calls = [{ exec = "rm -rf build" }]
[[turns.responses]]
message = "Done."
"#;

fn repo(dir: &Path) -> anyhow::Result<PathBuf> {
    let root = dir.join("team-repo");
    std::fs::create_dir_all(root.join(".git"))?;
    write(
        &root.join(".codex/hooks.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
  {"type": "command", "command": "./.codex/hooks/no_rm.sh", "statusMessage": "guarding"}
]}]}}
"#,
    )?;
    let guard = root.join(".codex/hooks/no_rm.sh");
    write(
        &guard,
        "#!/bin/sh\nif grep -q 'rm -rf'; then echo 'rm -rf is refused here' >&2; exit 2; fi\n",
    )?;
    make_executable(&guard)?;
    write(
        &root.join("ci/codex-config.toml"),
        "# the CI user's ~/.codex/config.toml\n",
    )?;
    write(&root.join("hooktape.toml"), "")?;
    write(&root.join("scenarios/guard.toml"), SCENARIO)?;
    Ok(root)
}

#[test]
fn untrusted_hooks_are_shown_skipped_and_run_once_trust_is_pasted() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = repo(&dir.path().canonicalize()?)?;

    // Untrusted: the timeline names the skipped guard; the command ran unguarded.
    let out = run(&root, &["run", "scenarios/guard.toml"])?;
    let t = text(&out);
    ensure!(out.status.success(), "run: {t}");
    ensure!(
        t.contains("./.codex/hooks/no_rm.sh not run (untrusted)"),
        "{t}"
    );
    ensure!(
        t.contains("Codex skips, without a word, 1 handler(s)"),
        "{t}"
    );
    ensure!(t.contains("exec_command call-1 executed"), "{t}");

    // What `hooktape trust` prints, pasted into the user's config.
    let out = run(&root, &["trust"])?;
    ensure!(out.status.success(), "trust: {}", text(&out));
    let printed = String::from_utf8(out.stdout)?;
    let key = format!(
        "[hooks.state.\"{}/.codex/hooks.json:pre_tool_use:0:0\"]",
        root.display()
    );
    ensure!(printed.contains(&key), "{printed}");
    let config = root.join("ci/codex-config.toml");
    let mut text_now = std::fs::read_to_string(&config)?;
    text_now += &printed;
    std::fs::write(&config, text_now)?;

    let out = run(&root, &["run", "scenarios/guard.toml"])?;
    let t = text(&out);
    ensure!(out.status.success(), "run: {t}");
    ensure!(!t.contains("not run"), "{t}");
    ensure!(t.contains("blocked_by_pre_tool_use"), "{t}");
    ensure!(t.contains("rm -rf is refused here"), "{t}");

    // A change to the hook's entry (its status message) makes it `modified`: skipped again.
    let hooks = root.join(".codex/hooks.json");
    let edited = std::fs::read_to_string(&hooks)?.replace("guarding", "guarding the tree");
    std::fs::write(&hooks, edited)?;
    let out = run(&root, &["run", "scenarios/guard.toml"])?;
    let t = text(&out);
    ensure!(t.contains("not run (modified)"), "{t}");
    // A change to the script alone changes nothing: Codex hashes the entry, not the file.
    std::fs::write(
        &hooks,
        std::fs::read_to_string(&hooks)?.replace("guarding the tree", "guarding"),
    )?;
    std::fs::write(
        root.join(".codex/hooks/no_rm.sh"),
        "#!/bin/sh\nif grep -q 'rm -rf'; then echo 'still refused' >&2; exit 2; fi\n",
    )?;
    let out = run(&root, &["run", "scenarios/guard.toml"])?;
    let t = text(&out);
    ensure!(t.contains("still refused") && !t.contains("not run"), "{t}");
    Ok(())
}

#[test]
fn hook_trust_outside_the_codex_dialect_is_a_load_error() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = repo(&dir.path().canonicalize()?)?;
    let file = root.join("scenarios/old.toml");
    write(
        &file,
        &SCENARIO.replace(
            "hook_trust = \"config\"",
            "dialect = \"codex-4e30281\"\nhook_trust = \"config\"",
        ),
    )?;
    let out = run(&root, &["run", "scenarios/old.toml"])?;
    let t = text(&out);
    ensure!(out.status.code() == Some(2), "{t}");
    ensure!(
        t.contains("scenarios/old.toml:5") && t.contains("applies to the `codex` dialect only"),
        "{t}"
    );
    let _ = std::fs::read_to_string(&file).context("the scenario is left as written")?;
    Ok(())
}
