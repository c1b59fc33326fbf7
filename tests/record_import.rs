//! `hooktape record` / `record --stop` and `hooktape import` as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{ensure, Context as _};
use assert_cmd::cargo::CommandCargoExt as _;

fn hooktape(dir: &Path, args: &[&str]) -> anyhow::Result<Output> {
    Ok(Command::cargo_bin("hooktape")?
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .args(args)
        .output()?)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

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
