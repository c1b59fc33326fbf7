//! hooktape in a user's repository: a sample repository built here (its own `.codex/hooks.json`
//! and a python guard, `hooktape.toml`, a scenario that holds none of the hook's code), run
//! the way a user runs it, from its root. Also: typos in a scenario's own handlers, filters
//! for nondeterministic hook output, `hooktape init`, and every step of the review flow.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{ensure, Context as _};

#[path = "support/cli.rs"]
mod cli;
use cli::{hooktape, make_executable, run, text, write};

const GUARD: &str = r#"#!/usr/bin/env python3
import json, sys
payload = json.load(sys.stdin)
command = payload.get("tool_input", {}).get("command", "")
if "rm -rf" in command:
    print(json.dumps({"hookSpecificOutput": {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "destructive command refused by the repository guard"}}))
"#;

const SCENARIO: &str = r#"description = "The repository's guard refuses rm -rf"

[[layers]]
kind = "project"
file = ".codex/hooks.json"

[[files]]
from = ".codex/hooks"
path = ".codex/hooks"

[[turns]]
prompt = "Clean the build folder"
[[turns.responses]]
calls = [{ exec = "rm -rf build" }]
[[turns.responses]]
message = "The guard refused."
"#;

/// A repository with `.git`, its hooks and a hooktape layout; returns its root.
fn sample_repo(dir: &Path) -> anyhow::Result<PathBuf> {
    let root = dir.join("team-repo");
    std::fs::create_dir_all(root.join(".git"))?;
    write(
        &root.join(".codex/hooks.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
  {"type": "command", "command": "python3 .codex/hooks/guard.py", "statusMessage": "guarding"}
]}]}}
"#,
    )?;
    let guard = root.join(".codex/hooks/guard.py");
    write(&guard, GUARD)?;
    make_executable(&guard)?;
    write(
        &root.join("hooktape.toml"),
        "scenarios = \"tests/hooks/scenarios\"\ngoldens = \"tests/hooks/goldens\"\n",
    )?;
    write(
        &root.join("tests/hooks/scenarios/guard/refuses_rm.toml"),
        SCENARIO,
    )?;
    Ok(root)
}

/// Absolute paths of this machine that must never reach a golden.
fn machine_paths(dir: &Path) -> Vec<String> {
    let mut paths = vec![
        dir.display().to_string(),
        std::env::temp_dir().display().to_string(),
    ];
    if let Ok(home) = std::env::var("HOME") {
        paths.push(home);
    }
    paths.extend(["/usr/bin".to_owned(), "/usr/local/bin".to_owned()]);
    paths
}

#[test]
fn a_repository_s_own_hooks_are_tested_from_its_root() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = sample_repo(&dir.path().canonicalize()?)?;
    let scenario =
        std::fs::read_to_string(root.join("tests/hooks/scenarios/guard/refuses_rm.toml"))?;
    ensure!(
        !scenario.contains("json.load"),
        "the scenario holds none of the hook's code"
    );

    let out = run(&root, &["bless"])?;
    ensure!(out.status.success(), "bless: {}", text(&out));
    let golden_path = root.join("tests/hooks/goldens/guard/refuses_rm.snap");
    let golden = std::fs::read_to_string(&golden_path)?;
    ensure!(
        golden.contains("destructive command refused by the repository guard"),
        "the real guard ran: {golden}"
    );
    ensure!(golden.contains("input_file: tests/hooks/scenarios/guard/refuses_rm.toml"));
    for p in machine_paths(dir.path()) {
        ensure!(
            !golden.contains(&p),
            "golden holds the machine path {p}:\n{golden}"
        );
    }
    let out = run(&root, &["check"])?;
    ensure!(out.status.success(), "check: {}", text(&out));
    ensure!(text(&out).contains("1 passed, 0 failed"), "{}", text(&out));

    // The name `check` prints is accepted back, from a subfolder too.
    let out = run(&root.join("tests"), &["check", "guard/refuses_rm"])?;
    ensure!(out.status.success(), "check by name: {}", text(&out));

    // A change to the repository's guard (not to any copy) fails check with the diff.
    let guard = root.join(".codex/hooks/guard.py");
    let edited = GUARD.replace(
        "refused by the repository guard",
        "refused: ask a maintainer",
    );
    std::fs::write(&guard, edited)?;
    let out = run(&root, &["check"])?;
    let t = text(&out);
    ensure!(out.status.code() == Some(1), "check after the edit: {t}");
    ensure!(t.contains("FAIL guard/refuses_rm"), "{t}");
    ensure!(
        t.contains("-") && t.contains("refused: ask a maintainer"),
        "{t}"
    );
    Ok(())
}

#[test]
fn init_writes_a_layout_that_runs_the_repository_s_hooks() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = sample_repo(&dir.path().canonicalize()?)?;
    std::fs::remove_file(root.join("hooktape.toml"))?;
    let out = run(
        &root,
        &["init", "--git", "https://example.invalid/hooktape.git"],
    )?;
    ensure!(out.status.success(), "init: {}", text(&out));
    for f in [
        "hooktape.toml",
        "hooktape/scenarios/repo_hooks.toml",
        ".github/workflows/hooktape.yml",
    ] {
        ensure!(root.join(f).is_file(), "{f} written");
    }
    let example = std::fs::read_to_string(root.join("hooktape/scenarios/repo_hooks.toml"))?;
    ensure!(
        example.contains("file = \".codex/hooks.json\""),
        "{example}"
    );
    // Running it twice is refused, and writes nothing.
    let out = run(&root, &["init"])?;
    ensure!(out.status.code() == Some(2), "{}", text(&out));

    let out = run(&root, &["run", "repo_hooks"])?;
    ensure!(out.status.success(), "run: {}", text(&out));
    ensure!(text(&out).contains("PreToolUse"), "{}", text(&out));
    ensure!(run(&root, &["bless"])?.status.success());
    let out = run(&root, &["check"])?;
    ensure!(out.status.success(), "{}", text(&out));
    Ok(())
}

#[test]
fn typos_in_a_scenario_s_own_handlers_cannot_be_blessed() -> anyhow::Result<()> {
    let cases = [
        (
            "comand",
            r#"hooks = [{ type = "command", comand = "true" }]"#,
            "unknown field `comand`",
        ),
        (
            "type",
            r#"hooks = [{ type = "comand", command = "true" }]"#,
            "unknown handler type `comand`",
        ),
        (
            "timeout",
            r#"hooks = [{ type = "command", command = "true", timeout = "5" }]"#,
            "invalid type: string \"5\", expected u64",
        ),
        (
            "hook",
            r#"hook = [{ type = "command", command = "true" }]"#,
            "unknown field `hook`",
        ),
    ];
    let dir = tempfile::tempdir()?;
    for (name, group, expected) in cases {
        let file = dir.path().join(format!("scenarios/typos/{name}.toml"));
        write(
            &file,
            &format!(
                "description = \"typo\"\n\n[[layers]]\nkind = \"project\"\n[layers.hooks]\nStop = [{{ {group} }}]\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n"
            ),
        )?;
        let out = run(dir.path(), &["bless", file.to_str().context("utf-8")?])?;
        let t = text(&out);
        ensure!(
            out.status.code() == Some(2),
            "{name}: exit {:?}: {t}",
            out.status
        );
        let at = format!("scenarios/typos/{name}.toml:6:");
        ensure!(
            t.contains(&at) && t.contains(expected),
            "{name}: expected `{at}` and `{expected}` in: {t}"
        );
        ensure!(!dir
            .path()
            .join(format!("goldens/typos/{name}.snap"))
            .exists());
    }
    Ok(())
}

#[test]
fn an_unexpected_discovery_warning_fails_run_check_and_bless() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("scenarios/w/prompt_handler.toml");
    let body = "\n[[layers]]\nkind = \"user\"\nhooks_json = '{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"prompt\", \"prompt\": \"ok?\"}]}]}}'\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n";
    write(&file, &format!("description = \"w\"{body}"))?;
    for cmd in ["run", "bless", "check"] {
        let out = run(dir.path(), &[cmd, "scenarios/w/prompt_handler.toml"])?;
        let t = text(&out);
        ensure!(out.status.code() == Some(1), "{cmd}: {t}");
        ensure!(
            t.contains("skipping prompt hook in <CODEX_HOME>/hooks.json")
                && t.contains("expect_warnings"),
            "{cmd}: {t}"
        );
    }
    write(
        &file,
        &format!("description = \"w\"\nexpect_warnings = ['skipping prompt hook']{body}"),
    )?;
    let out = run(dir.path(), &["bless", "scenarios/w/prompt_handler.toml"])?;
    ensure!(out.status.success(), "{}", text(&out));
    Ok(())
}

#[test]
fn filters_make_a_nondeterministic_hook_pass_ten_times() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path().canonicalize()?;
    std::fs::create_dir_all(root.join(".git"))?;
    write(
        &root.join("hooktape.toml"),
        "[[filters]]\nregex = 'in \\d+ms'\nreplacement = 'in <MS>'\n",
    )?;
    let hook = root.join("hooks/timing.sh");
    write(
        &hook,
        "#!/bin/sh\ncat >/dev/null\necho \"Installed 1 package in $(( 1$(date +%N) % 997 ))ms\" >&2\necho \"python: $(command -v python3)\" >&2\npython3 -c 'import sys; print(sys.executable, file=sys.stderr)'\nexit 1\n",
    )?;
    make_executable(&hook)?;
    write(
        &root.join("scenarios/timing.toml"),
        "description = \"a hook that prints a timing and its interpreter\"\n\n[[layers]]\nkind = \"project\"\n[layers.hooks]\nStop = [{ hooks = [{ type = \"command\", command = \"./hooks/timing.sh\" }] }]\n\n[[files]]\nfrom = \"hooks\"\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n",
    )?;
    let out = run(&root, &["bless"])?;
    ensure!(out.status.success(), "{}", text(&out));
    let golden = std::fs::read_to_string(root.join("goldens/timing.snap"))?;
    ensure!(golden.contains("Installed 1 package in <MS>"), "{golden}");
    ensure!(golden.contains("python: <BIN>/python3"), "{golden}");
    for p in machine_paths(&root) {
        ensure!(!golden.contains(&p), "machine path {p} in:\n{golden}");
    }
    for i in 0..10 {
        let out = run(&root, &["check"])?;
        ensure!(out.status.success(), "check #{i}: {}", text(&out));
    }
    Ok(())
}

#[test]
fn the_timeline_shows_a_failed_hook_s_command_exit_and_stderr() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let long = format!(
        "printf 'line one\\nline two\\n' >&2; exit 3 # {}",
        "x".repeat(80)
    );
    write(
        &dir.path().join("scenarios/fail.toml"),
        &format!(
            "description = \"d\"\n\n[[layers]]\nkind = \"project\"\n[layers.hooks]\nStop = [{{ hooks = [{{ type = \"command\", command = \"{long}\" }}] }}]\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n"
        ),
    )?;
    let out = run(dir.path(), &["run", "scenarios/fail.toml"])?;
    let t = text(&out);
    ensure!(out.status.success(), "{t}");
    ensure!(
        t.contains(&long.replace("\\n", "\n")),
        "the whole command: {t}"
    );
    ensure!(t.contains("exit code 3") && t.contains("│ line two"), "{t}");
    Ok(())
}

#[test]
fn unused_responses_name_the_hook_that_blocked_the_prompt() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    write(
        &dir.path().join("scenarios/blocked.toml"),
        "description = \"d\"\n\n[[layers]]\nkind = \"project\"\n[layers.hooks]\nUserPromptSubmit = [{ hooks = [{ type = \"command\", command = \"echo 'no secrets' >&2; exit 2\" }] }]\n\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\nmessage = \"m\"\n[[turns.responses]]\nmessage = \"n\"\n",
    )?;
    let out = run(dir.path(), &["run", "scenarios/blocked.toml"])?;
    let t = text(&out);
    ensure!(out.status.code() == Some(1), "{t}");
    ensure!(
        t.contains("UserPromptSubmit hook `echo 'no secrets' >&2; exit 2`")
            && t.contains("blocked the prompt of turn turn-1"),
        "{t}"
    );
    ensure!(
        t.contains("the session up to where it failed") && t.contains("│ no secrets"),
        "the timeline up to there: {t}"
    );
    Ok(())
}

/// A small suite of two scenarios in a temp dir, blessed.
fn two_scenarios(dir: &Path) -> anyhow::Result<()> {
    for name in ["a", "b"] {
        write(
            &dir.join(format!("scenarios/s/{name}.toml")),
            &format!("description = \"{name}\"\n\n[[turns]]\nprompt = \"{name}\"\n[[turns.responses]]\nmessage = \"ok\"\n"),
        )?;
    }
    let out = run(dir, &["bless"])?;
    ensure!(out.status.success(), "{}", text(&out));
    Ok(())
}

#[test]
fn review_flow_bless_removes_superseded_pending_snapshots() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    two_scenarios(dir.path())?;
    let pending = dir.path().join("goldens/s/a.snap.new");
    std::fs::write(&pending, "---\nsource: x\n---\nan older replay\n")?;
    let out = run(dir.path(), &["bless", "s/a"])?;
    ensure!(out.status.success(), "{}", text(&out));
    ensure!(
        !pending.exists(),
        "bless removes the .snap.new it supersedes"
    );
    Ok(())
}

#[test]
fn review_flow_orphans_names_snap_paths_json_junit_and_a_closed_stdout() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    two_scenarios(d)?;

    // Orphans: reported (exit 1), then pruned.
    std::fs::copy(d.join("goldens/s/a.snap"), d.join("goldens/s/gone.snap"))?;
    let out = run(d, &["check"])?;
    let t = text(&out);
    ensure!(
        out.status.code() == Some(1) && t.contains("ORPHAN") && t.contains("gone.snap"),
        "{t}"
    );
    let out = run(d, &["check", "--prune"])?;
    ensure!(
        out.status.success() && !d.join("goldens/s/gone.snap").exists(),
        "{}",
        text(&out)
    );

    // Names as printed are accepted back; a golden path is refused with what to pass.
    ensure!(run(d, &["check", "s/a", "s/"])?.status.success());
    let out = run(d, &["check", "goldens/s/a.snap"])?;
    let t = text(&out);
    ensure!(
        out.status.code() == Some(2)
            && t.contains("is a golden, not a scenario")
            && t.contains("`s/a`"),
        "{t}"
    );

    // JSON for several files is one valid document; JSON Lines one per line.
    let out = run(d, &["run", "--format", "json", "s/a", "s/b"])?;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(doc.as_array().map(Vec::len) == Some(2) && doc[1]["ok"] == true);
    let out = run(d, &["run", "--format", "jsonl", "s/a", "s/b"])?;
    for line in String::from_utf8(out.stdout)?.lines() {
        serde_json::from_str::<serde_json::Value>(line)?;
    }

    // JUnit carries times.
    let junit = d.join("report.xml");
    ensure!(
        run(d, &["check", "--junit", junit.to_str().context("utf-8")?])?
            .status
            .success()
    );
    let xml = std::fs::read_to_string(&junit)?;
    ensure!(
        xml.contains(
            "<testsuite name=\"hooktape\" tests=\"2\" failures=\"0\" errors=\"0\" time=\""
        ),
        "{xml}"
    );
    ensure!(xml.matches(" time=\"").count() == 3, "{xml}");

    // A closed stdout ends the program quietly.
    let mut child = hooktape(d)?
        .args(["run", "s/a", "s/b"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    drop(child.stdout.take());
    let out = child.wait_with_output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.success(), "{:?} {stderr}", out.status);
    ensure!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[test]
fn review_flow_check_and_insta_judge_a_golden_the_same_way() -> anyhow::Result<()> {
    use hooktape::replay::golden;
    // Variants of one golden file, and whether it still matches `contents`.
    let contents = "line one\nline two";
    let header =
        "---\nsource: tests/scenarios.rs\ndescription: d\ninput_file: scenarios/x.toml\n---\n";
    let variants = [
        ("as written", format!("{header}{contents}\n"), true),
        ("header deleted", format!("{contents}\n"), false),
        (
            "CRLF line ends",
            format!("{header}{contents}\n").replace('\n', "\r\n"),
            true,
        ),
        (
            "trailing blank lines",
            format!("{header}{contents}\n\n\n"),
            true,
        ),
        (
            "a line changed",
            format!("{header}line one\nline 2\n"),
            false,
        ),
    ];
    let dir = tempfile::tempdir()?;
    for (i, (what, file_text, expected)) in variants.iter().enumerate() {
        ensure!(
            golden::matches(file_text, contents) == *expected,
            "hooktape on {what}"
        );
        let name = format!("v{i}");
        std::fs::write(dir.path().join(format!("{name}.snap")), file_text)?;
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(dir.path());
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        // INSTA_UPDATE is read from the environment; `no` keeps insta from writing.
        std::env::set_var("INSTA_UPDATE", "no");
        std::env::remove_var("INSTA_FORCE_PASS");
        let insta_ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name.clone(), contents));
        }))
        .is_ok();
        ensure!(
            insta_ok == *expected,
            "insta on {what}: {insta_ok}, hooktape: {expected}"
        );
    }
    Ok(())
}
