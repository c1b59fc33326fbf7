//! A session played through the real Codex CLI (the pinned `@openai/codex` of
//! `agents/codex/`, or `CODEX_BIN`), recorded with `hooktape record`'s capture hooks, its
//! rollout imported with `hooktape import`, and the imported scenario replayed by the mock:
//! every hook payload must equal what the real run's hooks received.
//!
//! Isolation: this test process moves itself into a new network namespace with only
//! loopback before anything else (the scripted model, the real CLI and every hook run in
//! it), and prints `/proc/net/dev` to show it. Nothing is ever sent outside 127.0.0.0/8.
//! Without the CLI or without the right to make a namespace the test says so and fails in
//! CI (which installs the CLI: `agents/install.sh`); elsewhere it reports the skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::json;

use hooktape::agent::spec::ModelResponse;
use hooktape::agent::ScriptedModel;
use hooktape::import::record;

#[path = "support/cli.rs"]
mod cli;
use cli::write;

fn executable(path: &Path, text: &str) -> anyhow::Result<()> {
    write(path, text)?;
    cli::make_executable(path)
}

fn codex_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CODEX_BIN") {
        return Some(PathBuf::from(bin));
    }
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/codex/node_modules/.bin/codex");
    pinned.exists().then_some(pinned)
}

/// Moves this process into a network namespace that has only loopback, up.
fn isolate() -> anyhow::Result<String> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .context("unshare(CLONE_NEWNET) (needs root or user namespaces)")?;
    let status = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .context("ip link set lo up")?;
    ensure!(status.success(), "ip link set lo up: {status}");
    let dev = std::fs::read_to_string("/proc/net/dev")?;
    let interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    ensure!(
        interfaces == ["lo"],
        "the namespace has more than loopback: {interfaces:?}"
    );
    Ok(dev)
}

fn responses() -> anyhow::Result<Vec<ModelResponse>> {
    let call = |id: &str, cmd: &str| json!({"type": "call", "call_id": id, "tool": {"name": "exec_command", "cmd": cmd}});
    Ok(serde_json::from_value(json!([
        {"output": [call("call_echo", "echo hello")]},
        {"output": [call("call_rm", "rm -rf build")]},
        {"output": [{"type": "message", "text": "The guard refused the rm."}]},
    ]))?)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn run() -> anyhow::Result<()> {
    let Some(codex) = codex_bin() else {
        bail!(
            "SKIP: the pinned Codex CLI is not installed (run agents/install.sh, or set CODEX_BIN)"
        );
    };
    let dev = match isolate() {
        Ok(dev) => dev,
        Err(e) => bail!("SKIP: cannot isolate the real CLI: {e:#}"),
    };
    println!("network interfaces the real CLI and its hooks see (/proc/net/dev):\n{dev}");

    let dir = tempfile::tempdir()?;
    let base = dir.path().canonicalize()?;
    let home = base.join("home");
    let codex_home = home.join(".codex");
    let repo = base.join("repo");
    std::fs::create_dir_all(&codex_home)?;
    std::fs::create_dir_all(&repo)?;
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()?;
    ensure!(git.success(), "git init: {git}");
    // The repository's own hooks on three events.
    executable(
        &repo.join(".codex/hooks/guard.sh"),
        "#!/bin/sh\nif grep -q 'rm -rf'; then echo 'destructive command refused' >&2; exit 2; fi\n",
    )?;
    executable(
        &repo.join(".codex/hooks/context.sh"),
        "#!/bin/sh\ncat >/dev/null\necho 'repo rule: never delete build/'\n",
    )?;
    executable(
        &repo.join(".codex/hooks/stop.sh"),
        "#!/bin/sh\ncat >/dev/null\n",
    )?;
    // A matcher, a timeout and a status message: all part of the trust hash.
    let hooks = json!({"hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": ".codex/hooks/guard.sh", "timeout": 30, "statusMessage": "guarding"}]}],
        "UserPromptSubmit": [{"hooks": [{"type": "command", "command": ".codex/hooks/context.sh"}]}],
        "Stop": [{"matcher": "*", "hooks": [{"type": "command", "command": ".codex/hooks/stop.sh", "timeout": 0}]}],
    }});
    write(
        &repo.join(".codex/hooks.json"),
        &serde_json::to_string_pretty(&hooks)?,
    )?;
    let original_hooks = std::fs::read(repo.join(".codex/hooks.json"))?;

    // `hooktape record`: capture handlers on every event, and the trust entries of every
    // handler of the file (the repository's own and the capture handlers), as `hooktape
    // trust` prints them: were a hash wrong, Codex would skip that hook without a word and
    // the payload checks below would fail.
    let installed = record::start(&repo)?;
    let trust = installed.trust.clone();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let model = runtime.block_on(ScriptedModel::start(&responses()?));
    let config = format!(
        "model = \"mock-model\"\nmodel_provider = \"mock\"\ncheck_for_update_on_startup = false\n\n\
         [analytics]\nenabled = false\n\n[features]\nplugins = false\n\n\
         [model_providers.mock]\nname = \"scripted\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
         env_key = \"MOCK_API_KEY\"\nrequires_openai_auth = false\nsupports_websockets = false\n\
         request_max_retries = 0\nstream_max_retries = 0\n\n{trust}",
        model.base_url()
    );
    write(&codex_home.join("config.toml"), &config)?;

    let started = Instant::now();
    let version = Command::new(&codex).arg("--version").output()?;
    println!(
        "real CLI: {}",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    let out = Command::new(&codex)
        .args([
            "exec",
            "--json",
            "--dangerously-bypass-approvals-and-sandbox",
            "--skip-git-repo-check",
        ])
        .arg("Clean up the build folder")
        .current_dir(&repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("CODEX_HOME", &codex_home)
        .env("MOCK_API_KEY", "dummy-not-a-key")
        .stdin(Stdio::null())
        .output()?;
    let wall = started.elapsed();
    record::stop(&repo)?;
    ensure!(
        std::fs::read(repo.join(".codex/hooks.json"))? == original_hooks,
        "record --stop restores the hooks byte for byte"
    );
    println!(
        "real run: {:?}, wall {:.2} s",
        out.status,
        wall.as_secs_f64()
    );
    ensure!(
        out.status.success(),
        "codex exec failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        model.unused().is_empty(),
        "unused responses: {:?}",
        model.unused()
    );

    let mut files = Vec::new();
    files_under(&codex_home.join("sessions"), &mut files);
    let rollout = files
        .into_iter()
        .find(|f| f.extension().is_some_and(|x| x == "jsonl"))
        .context("no rollout under CODEX_HOME/sessions")?;
    let capture = std::fs::read_to_string(&installed.capture)?;
    let events: Vec<String> = capture
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["hook_event_name"].as_str().map(str::to_owned))
        .collect();
    println!("captured payloads: {events:?}");
    for needed in ["UserPromptSubmit", "PreToolUse", "Stop"] {
        ensure!(
            events.iter().any(|e| e == needed),
            "no {needed} payload captured: {events:?}"
        );
    }

    let import = Command::cargo_bin("hooktape")?
        .current_dir(&repo)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .args([
            "import",
            rollout.to_str().context("utf-8")?,
            "--out",
            "scenarios/real_session.toml",
            "--check-payloads",
        ])
        .arg(&installed.capture)
        .output()?;
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&import.stdout),
        String::from_utf8_lossy(&import.stderr)
    );
    println!("hooktape import --check-payloads:\n{report}");
    println!(
        "imported scenario:\n{}",
        std::fs::read_to_string(repo.join("scenarios/real_session.toml")).unwrap_or_default()
    );
    // Every payload the real hooks received is equal to the replay's (the imported scenario
    // plays in the `codex` dialect, Codex 0.171.0: SessionEnd with `reason: "other"` and no
    // `model` / `permission_mode`, as the real one sends it; PreModelRequest and
    // PostModelRequest around each of the three model requests).
    ensure!(
        report.contains("payloads: 13 equal (PostModelRequest 3, PostToolUse 1, PreModelRequest 3, PreToolUse 2, SessionEnd 1, SessionStart 1, Stop 1, UserPromptSubmit 1), 0 differ"),
        "{report}"
    );
    ensure!(
        import.status.code() == Some(0),
        "no difference is exit 0: {report}"
    );
    Ok(())
}

fn main() {
    match run() {
        Ok(()) => println!("real_codex: ok"),
        Err(e) => {
            let text = format!("{e:#}");
            if text.starts_with("SKIP:") && !cli::in_ci() {
                println!("real_codex: {text}");
                return;
            }
            eprintln!("real_codex: FAILED: {text}");
            std::process::exit(1);
        }
    }
}
