//! `hooktape record` / `record --stop` and `hooktape import` as a user runs them.

use std::path::Path;

use anyhow::{ensure, Context as _};

#[path = "support/cli.rs"]
mod cli;
use cli::{run as hooktape, text};

#[test]
fn record_then_stop_leaves_the_config_byte_identical() -> anyhow::Result<()> {
    // An existing hooks.json written by hand (tabs, CRLF, no final newline), and none at all.
    let original = "{\r\n\t\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"true\"}]}]}\r\n}";
    for existing in [Some(original), None] {
        let dir = tempfile::tempdir()?;
        let root = dir.path().canonicalize()?;
        std::fs::create_dir_all(root.join(".git"))?;
        let hooks = root.join(".codex/hooks.json");
        if let Some(text) = existing {
            std::fs::create_dir_all(hooks.parent().context("parent")?)?;
            std::fs::write(&hooks, text)?;
        }
        let out = hooktape(&root, &["record"])?;
        ensure!(out.status.success(), "record: {}", text(&out));
        let installed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&hooks)?)?;
        let stop = &installed["hooks"]["Stop"];
        ensure!(
            stop.as_array().map(Vec::len) == Some(if existing.is_some() { 2 } else { 1 }),
            "{installed}"
        );
        ensure!(installed["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
            .as_str()
            .is_some_and(|c| c.contains(".hooktape/captures/payloads.jsonl")));
        ensure!(
            text(&out).contains("trusted_hash = \"sha256:"),
            "{}",
            text(&out)
        );
        // A second record is refused; nothing changes.
        let again = hooktape(&root, &["record"])?;
        ensure!(again.status.code() == Some(2), "{}", text(&again));

        let out = hooktape(&root, &["record", "--stop"])?;
        ensure!(out.status.success(), "stop: {}", text(&out));
        match existing {
            Some(text) => ensure!(
                std::fs::read(&hooks)? == text.as_bytes(),
                "restored byte for byte"
            ),
            None => ensure!(
                !hooks.exists(),
                "a hooks.json that did not exist is removed"
            ),
        }
        ensure!(!root.join(".hooktape/record").exists());
        let out = hooktape(&root, &["record", "--stop"])?;
        ensure!(
            out.status.code() == Some(2),
            "nothing to stop: {}",
            text(&out)
        );
    }
    Ok(())
}

#[test]
fn an_image_input_is_a_warning_and_a_comment_not_a_crash() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path().canonicalize()?;
    std::fs::create_dir_all(root.join(".git"))?;
    let rollout = root.join("rollout.jsonl");
    std::fs::write(
        &rollout,
        [
            r#"{"timestamp":"t","type":"session_meta","payload":{"id":"019aa","cwd":"/home/u/repo","cli_version":"0.171.0"}}"#,
            r#"{"timestamp":"t","type":"turn_context","payload":{"model":"gpt-5","approval_policy":"never","cwd":"/home/u/repo"}}"#,
            r#"{"timestamp":"t","type":"event_msg","payload":{"type":"task_started","turn_id":"t-1"}}"#,
            r#"{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"what is in /home/u/repo/shot.png?"},{"type":"input_image","image_url":"data:image/png;base64,iVBOR"}]}}"#,
            r#"{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"A diagram."}]}}"#,
            r#"{"timestamp":"t","type":"event_msg","payload":{"type":"task_complete","turn_id":"t-1"}}"#,
        ]
        .join("\n"),
    )?;
    let out = hooktape(
        &root,
        &["import", "rollout.jsonl", "--out", "scenarios/img.toml"],
    )?;
    let t = text(&out);
    ensure!(out.status.success(), "{t}");
    ensure!(
        t.contains(
            "warning: rollout.jsonl:4: not imported: a `input_image` part of a user message"
        ),
        "{t}"
    );
    let scenario = std::fs::read_to_string(root.join("scenarios/img.toml"))?;
    ensure!(
        scenario.contains("# warning: rollout.jsonl:4: not imported: a `input_image` part"),
        "{scenario}"
    );
    ensure!(
        scenario.contains("prompt = \"what is in ./shot.png?\""),
        "{scenario}"
    );
    ensure!(
        scenario.contains("Imported from Codex 0.171.0 session 019aa"),
        "{scenario}"
    );
    // It replays, and its golden says where it came from, with no machine path.
    let out = hooktape(&root, &["run", "scenarios/img.toml"])?;
    ensure!(out.status.success(), "{}", text(&out));
    let out = hooktape(&root, &["bless", "scenarios/img.toml"])?;
    ensure!(out.status.success(), "{}", text(&out));
    let golden = std::fs::read_to_string(root.join("goldens/img.snap"))?;
    ensure!(
        golden.contains("\n# Imported from Codex 0.171.0 session 019aa: what is in ./shot.png?\n"),
        "{golden}"
    );
    ensure!(
        !golden.contains("/home/u") && !golden.contains(&root.display().to_string()),
        "{golden}"
    );
    // A turn range the rollout does not have is bad input.
    let out = hooktape(
        &root,
        &[
            "import",
            "rollout.jsonl",
            "--turns",
            "2..3",
            "--out",
            "scenarios/x.toml",
        ],
    )?;
    ensure!(
        out.status.code() == Some(2) && text(&out).contains("the rollout has turns 1..1"),
        "{}",
        text(&out)
    );
    Ok(())
}

/// A rollout and the payloads its hooks received, both recorded with the real Codex CLI
/// 0.171.0 (`tests/fixtures/codex-0.171.0/`): imported into a repository whose hooks behave
/// as the recorded ones did, and replayed.
#[test]
fn a_real_codex_rollout_imports_and_replays_with_the_payloads_it_recorded() -> anyhow::Result<()> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codex-0.171.0");
    let dir = tempfile::tempdir()?;
    let root = dir.path().canonicalize()?;
    std::fs::create_dir_all(root.join(".git"))?;
    let script = |name: &str, body: &str| -> anyhow::Result<()> {
        let path = root.join(".codex/hooks").join(name);
        std::fs::create_dir_all(path.parent().context("parent")?)?;
        std::fs::write(&path, format!("#!/bin/sh\n{body}"))?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        Ok(())
    };
    // The recorded hooks: contexts on SessionStart, UserPromptSubmit and PostToolUse; a
    // PreToolUse guard against rm -rf; a Stop hook that blocks once after "could not delete".
    script("say.sh", "cat >/dev/null\nprintf '%s\\n' \"$1\"\n")?;
    script("guard.sh", "case \"$(cat)\" in *'rm -rf'*) echo 'blocked by hooktape: rm -rf is not allowed' >&2; exit 2;; esac\n")?;
    script("stop.sh", "case \"$(cat)\" in *'\"stop_hook_active\":false'*'\"last_assistant_message\":\"could not delete\"'*) printf '{\"decision\":\"block\",\"reason\":\"try once more\"}\\n';; esac\n")?;
    std::fs::write(
        root.join(".codex/hooks.json"),
        r#"{"hooks": {
  "SessionStart": [{"hooks": [{"type": "command", "command": ".codex/hooks/say.sh 'ctx from session start'"}]}],
  "UserPromptSubmit": [{"hooks": [{"type": "command", "command": ".codex/hooks/say.sh 'ctx from ups'"}]}],
  "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": ".codex/hooks/guard.sh"}]}],
  "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": ".codex/hooks/say.sh '{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUse\",\"additionalContext\":\"ctx from post\"}}'"}]}],
  "Stop": [{"hooks": [{"type": "command", "command": ".codex/hooks/stop.sh"}]}]
}}
"#,
    )?;
    let capture = root.join("capture.jsonl");
    std::fs::write(
        &capture,
        std::fs::read_to_string(fixtures.join("capture1.jsonl"))?
            + &std::fs::read_to_string(fixtures.join("capture2.jsonl"))?,
    )?;
    let rollout = fixtures.join("rollout1.jsonl");
    let out = hooktape(
        &root,
        &[
            "import",
            rollout.to_str().context("utf-8")?,
            "--out",
            "scenarios/real.toml",
            "--check-payloads",
            capture.to_str().context("utf-8")?,
        ],
    )?;
    let t = text(&out);
    let scenario = std::fs::read_to_string(root.join("scenarios/real.toml"))?;
    ensure!(
        scenario.contains("resume = true"),
        "turn 2 ran in a new process:\n{scenario}"
    );
    ensure!(
        scenario.contains("exec = \"echo hello\"")
            && scenario.contains("output = \"\"\"\nhello\n\"\"\""),
        "{scenario}"
    );
    // Every payload the real hooks received equals the replay's; the replay's capture
    // handlers also see SessionEnd (twice: before the resume, at the end), an event the
    // recorded session had no hook on.
    ensure!(
        t.contains("payloads: 10 equal (PostToolUse 1, PreToolUse 2, SessionStart 2, Stop 3, UserPromptSubmit 2), 2 differ")
            && t.matches("SessionEnd #").count() == 2
            && t.contains("SessionEnd #1: replayed, but the capture has no such payload"),
        "{t}\n{scenario}"
    );
    Ok(())
}

#[test]
fn trust_prints_the_entries_of_every_handler_and_the_project() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let root = dir.path().canonicalize()?;
    std::fs::create_dir_all(root.join(".git"))?;
    std::fs::create_dir_all(root.join(".codex"))?;
    std::fs::write(
        root.join(".codex/hooks.json"),
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
  {"type": "command", "command": "./guard.sh", "timeout": 30},
  {"type": "prompt", "prompt": "ok?"}
]}]}}"#,
    )?;
    let out = hooktape(&root, &["trust"])?;
    let t = text(&out);
    ensure!(out.status.success(), "{t}");
    let key = format!(
        "[hooks.state.\"{}/.codex/hooks.json:pre_tool_use:0:0\"]",
        root.display()
    );
    ensure!(
        t.contains(&key) && t.contains("trusted_hash = \"sha256:"),
        "{t}"
    );
    ensure!(
        t.contains(":pre_tool_use:0:1: a `prompt` handler (only command and mcp_tool handlers are printed)"),
        "{t}"
    );
    ensure!(
        t.contains(&format!(
            "[projects.\"{}\"]\ntrust_level = \"trusted\"",
            root.display()
        )),
        "{t}"
    );
    // The printed text is valid TOML to paste.
    let body: String = t
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    body.parse::<toml::Table>()?;
    Ok(())
}
