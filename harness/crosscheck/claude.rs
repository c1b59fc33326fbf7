//! The real Claude Code CLI as a second backend (`hooktape crosscheck --agent claude`): a
//! `claude`-dialect scenario played through `claude -p` (stream-json in and out, hook
//! events included, the scenario's permission mode and model, its plugins by `--plugin-dir`)
//! against the same scripted model, then both sides reduced to the same [`Aspects`]:
//!
//! - **payloads**: each handler's stdin, captured by wrapping its command
//!   (`tee -p -a FILE | eval 'COMMAND'`), keyed by event and the command as written;
//! - **runs**: per event, each run's `outcome` and the exit code Claude Code reports
//!   (stream-json `hook_response`; the mock's own), as a sorted list since handlers run at
//!   once; the events stream-json does not report (SessionEnd, PreCompact, PostCompact)
//!   by their payloads only;
//! - **requests**: every message block of each model request (in auto mode the streamed
//!   ones: the classifier's are checked by their scripted answers being used), Claude
//!   Code's own `<system-reminder>`s (agent list, skills, date) left out and hook reminders
//!   kept, its compaction prompt reduced to one line; the wrapped commands mapped back to
//!   the commands as written.
//!
//! - **warnings**: what the session reported to the user (stream-json `informational`
//!   and `compact_error` events: a blocked prompt, a stopped one, a refused compaction).
//!
//! Session ids, prompt ids and durations differ by nature and are normalised on both sides.
//! Discovery warnings are not compared (Claude Code prints none in `-p` mode).

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::aspects::{self, payload_text, Aspects, Difference};
use super::claude_normalise::{hook_lines, ids, reduced, run_line, seen_ids, UNREPORTED};
use super::{Checked, CrosscheckError, Verdict};
use crate::agent::claude::wire::compact_messages;
use crate::agent::model_server::Servers;
use crate::agent::recording::{Recording, TimelineEntry};
use crate::agent::spec::Step;
use crate::engine::Dialect;
use crate::replay;
use crate::scenario::{LayerKind, Scenario, Workspace};

/// Why the real Claude Code cannot play `scenario` as the mock does, if it cannot.
pub fn skip_reason(scenario: &Scenario) -> Option<String> {
    if scenario.session.dialect != Dialect::Claude {
        return Some(format!(
            "dialect `{}`: `--agent claude` plays `claude`-dialect scenarios",
            scenario.session.dialect
        ));
    }
    if scenario.layers.iter().any(|l| l.kind == LayerKind::Managed) {
        return Some(
            "a managed layer: the real CLI reads it from /etc/claude-code, outside the workspace"
                .to_owned(),
        );
    }
    if scenario.session.output_cap.is_some() {
        return Some("`output_cap` is hooktape's own limit; Claude Code has none".to_owned());
    }
    None
}

/// The pinned binary, relative to the repository root (`agents/install.sh` installs it).
pub const PINNED: &str = "agents/claude/node_modules/@anthropic-ai/claude-code/bin/claude.exe";

/// `claude --version`.
pub fn version(bin: &Path) -> Result<String, CrosscheckError> {
    let out = std::process::Command::new(bin)
        .arg("--version")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .output()
        .map_err(|e| CrosscheckError::Real(format!("{}: {e}", bin.display())))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Plays `scenario` through the mock and the real Claude Code at `bin`, and compares.
pub async fn check(bin: &Path, scenario: &Scenario) -> Checked {
    let mut checked = Checked {
        verdict: Verdict::Agree,
        mock_wall: Duration::ZERO,
        real_wall: Duration::ZERO,
        real_peak_kb: None,
        compared: String::new(),
        sides: None,
    };
    if let Some(reason) = skip_reason(scenario) {
        checked.verdict = Verdict::Skipped(reason);
        return checked;
    }
    let started = Instant::now();
    let mock = match replay::replay(scenario).await {
        Ok(r) => r,
        Err(e) => {
            checked.verdict = Verdict::Failed(CrosscheckError::Mock(e.to_string()));
            return checked;
        }
    };
    checked.mock_wall = started.elapsed();
    let real = match play(bin, scenario).await {
        Ok(r) => r,
        Err(e) => {
            checked.verdict = Verdict::Failed(e);
            return checked;
        }
    };
    checked.real_wall = real.wall;
    let mock_side = mock_aspects(&mock.recording);
    let real_side = real.aspects;
    checked.compared = format!(
        "{} payloads, {} runs, {} requests",
        real_side.payloads.values().map(Vec::len).sum::<usize>(),
        real_side.runs.values().map(Vec::len).sum::<usize>(),
        real_side.requests.len()
    );
    let mut differences = aspects::compare(&mock_side, &real_side);
    if !real.unused.is_empty() {
        differences.push(Difference {
            aspect: "model script".to_owned(),
            mock: "every scripted response asked for".to_owned(),
            real: format!("never asked for: {}", real.unused.join("; ")),
        });
    }
    checked.sides = Some((mock_side, real_side));
    checked.verdict = if differences.is_empty() {
        Verdict::Agree
    } else {
        Verdict::Differ(differences)
    };
    checked
}

/// The mock's side, from its normalised recording.
pub fn mock_aspects(rec: &Recording) -> Aspects {
    let mut out = Aspects::default();
    let stdins = rec
        .claude_events()
        .flat_map(|e| e.runs.iter().map(|r| r.stdin.as_str()));
    let requests: Vec<String> = rec
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::ModelRequest(r) => Some(r.input.join("\n")),
            _ => None,
        })
        .collect();
    let seen = seen_ids(requests.iter().map(String::as_str), stdins);
    let session = rec.thread_id.as_str();
    for entry in &rec.timeline {
        match entry {
            TimelineEntry::ClaudeHooks(r) => {
                for run in &r.runs {
                    let key = format!("{} `{}`", r.event, run.command);
                    let payload = serde_json::from_str::<Value>(&run.stdin)
                        .map(|v| payload_text(&v))
                        .unwrap_or_else(|_| run.stdin.clone());
                    out.payloads
                        .entry(key)
                        .or_default()
                        .push(ids(&payload, session, &seen));
                    // stream-json prints no events for SessionEnd, which runs after
                    // `result`, nor for PreCompact and PostCompact.
                    if UNREPORTED.contains(&r.event) {
                        continue;
                    }
                    let outcome = serde_json::to_value(run.outcome).unwrap_or_default();
                    let exit = match &run.rejected {
                        Some(_) => "exit code 1".to_owned(),
                        None => run.exit.clone(),
                    };
                    out.runs
                        .entry(r.event.to_string())
                        .or_default()
                        .push(run_line(outcome.as_str().unwrap_or_default(), &exit));
                }
            }
            TimelineEntry::Warning { text, .. } => out.warnings.push(ids(text, session, &seen)),
            TimelineEntry::ModelRequest(r)
                if r.purpose == crate::agent::recording::RequestPurpose::Classifier => {}
            TimelineEntry::ModelRequest(r) => out.requests.push(
                hook_lines(r.input.clone())
                    .iter()
                    .map(|l| ids(l, session, &seen))
                    .collect(),
            ),
            _ => {}
        }
    }
    for runs in out.runs.values_mut() {
        runs.sort();
    }
    out
}

/// One real run.
pub struct RealRun {
    pub aspects: Aspects,
    pub unused: Vec<String>,
    pub wall: Duration,
}

/// A wrapped handler: its capture file, event and command as written.
struct Wrapped {
    capture: PathBuf,
    event: String,
    command: String,
    wrapped: String,
}

fn io(path: &Path, e: std::io::Error) -> CrosscheckError {
    CrosscheckError::Real(format!("{}: {e}", path.display()))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Wraps every command handler of one settings file so its stdin is kept.
fn wrap_settings(
    path: &Path,
    captures: &Path,
    out: &mut Vec<Wrapped>,
) -> Result<(), CrosscheckError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let Ok(mut doc) = serde_json::from_str::<Value>(&text) else {
        return Ok(());
    };
    let Some(events) = doc.get_mut("hooks").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (event, groups) in events.iter_mut() {
        let Some(groups) = groups.as_array_mut() else {
            continue;
        };
        for group in groups {
            let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
                continue;
            };
            for handler in handlers {
                if handler.get("type").and_then(Value::as_str) != Some("command") {
                    continue;
                }
                let Some(command) = handler.get("command").and_then(Value::as_str) else {
                    continue;
                };
                let command = command.to_owned();
                // Identical handlers run once: they share a capture.
                if let Some(w) = out
                    .iter()
                    .find(|w| w.command == command && w.event == *event)
                {
                    handler["command"] = Value::String(w.wrapped.clone());
                    continue;
                }
                let capture = captures.join(format!("h{}.jsonl", out.len()));
                let wrapped = format!(
                    "tee -p -a {} | eval {}",
                    quote(&capture.display().to_string()),
                    quote(&command)
                );
                handler["command"] = Value::String(wrapped.clone());
                out.push(Wrapped {
                    capture,
                    event: event.clone(),
                    command,
                    wrapped,
                });
            }
        }
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    std::fs::write(path, text).map_err(|e| io(path, e))
}

/// Plays `scenario` through the real Claude Code at `bin`.
pub async fn play(bin: &Path, scenario: &Scenario) -> Result<RealRun, CrosscheckError> {
    let started = Instant::now();
    let ws = Workspace::materialise(scenario).map_err(|e| CrosscheckError::Input(e.to_string()))?;
    let spec = scenario.session_spec(&ws);
    let files = ws
        .claude_settings(scenario)
        .map_err(|e| CrosscheckError::Input(e.to_string()))?;
    let captures = ws.root.join("crosscheck-captures");
    std::fs::create_dir_all(&captures).map_err(|e| io(&captures, e))?;
    let mut wrapped = Vec::new();
    let mut flag_settings = None;
    for f in &files {
        if f.text.is_some() {
            wrap_settings(&f.path, &captures, &mut wrapped)?;
            if f.source == crate::engine::claude::SettingsSource::Flag {
                flag_settings = Some(f.path.clone());
            }
        }
    }
    // Plugins load with `--plugin-dir`, each from its folder in the workspace.
    let plugin_dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.plugin.as_ref().map(|p| p.root.clone()))
        .collect();
    // Bash calls get their scripted results from stand-ins first on the PATH.
    let standins = super::standins::plan(&spec).map_err(CrosscheckError::Input)?;
    let standin_dir = ws.root.join("crosscheck-standins");
    super::standins::write(&standin_dir, &standins).map_err(|e| io(&standin_dir, e))?;
    let auto = spec.permission_mode == crate::agent::spec::PermissionMode::Auto;
    let (server, _sink) = crate::agent::claude::start_model(&spec, Servers::Shared).await;
    let base = server
        .base_url()
        .trim_end_matches('/')
        .trim_end_matches("/v1")
        .to_owned();
    let mut env: Vec<(std::ffi::OsString, std::ffi::OsString)> = match ws.hook_env() {
        crate::engine::runner::HookEnv::Exactly(vars) => vars,
        crate::engine::runner::HookEnv::Inherit => std::env::vars_os().collect(),
    };
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.to_string_lossy().into_owned())
        .unwrap_or_default();
    env.retain(|(k, _)| k != "PATH");
    env.push((
        "PATH".into(),
        format!("{}:{path}", standin_dir.display()).into(),
    ));
    for (k, v) in [
        ("ANTHROPIC_BASE_URL", base.as_str()),
        ("ANTHROPIC_API_KEY", "hooktape-dummy-key"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_ERROR_REPORTING", "1"),
        ("IS_SANDBOX", "1"),
    ] {
        env.retain(|(name, _)| name != k);
        env.push((k.into(), v.into()));
    }
    let prompts: Vec<String> = spec
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Turn(t) => Some(t.prompt.clone()),
            Step::Compact { instructions, .. } => Some(match instructions {
                Some(i) => format!("/compact {i}"),
                None => "/compact".to_owned(),
            }),
            _ => None,
        })
        .collect();
    let mut args: Vec<std::ffi::OsString> = vec![
        "--permission-mode".into(),
        spec.permission_mode.as_str().into(),
        "--model".into(),
        spec.model.clone().into(),
    ];
    if let Some(file) = &flag_settings {
        args.extend(["--settings".into(), file.into()]);
    }
    for dir in &plugin_dirs {
        args.extend(["--plugin-dir".into(), dir.into()]);
    }
    let bin = bin.to_path_buf();
    let cwd = ws.cwd.clone();
    let stream = tokio::task::spawn_blocking(move || drive(&bin, &cwd, &env, &args, &prompts))
        .await
        .map_err(|e| CrosscheckError::Real(e.to_string()))??;
    let requests = server.requests();
    let unused = server.unused();
    // The real side through the same normaliser as the mock's recording.
    let normaliser =
        replay::normaliser(scenario, &ws).map_err(|e| CrosscheckError::Input(e.to_string()))?;
    // Each wrapped command back to the command as written: as it is, and as it reads inside
    // a JSON string of a request line (quotes and backslashes escaped).
    let escaped = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned()
    };
    let back: Vec<(String, String)> = wrapped
        .iter()
        .flat_map(|w| {
            [
                (w.wrapped.clone(), w.command.clone()),
                (escaped(&w.wrapped), escaped(&w.command)),
            ]
        })
        .collect();
    let unwrap = |text: &str| -> String {
        let mut out = text.to_owned();
        for (from, to) in &back {
            out = out.replace(from.as_str(), to);
        }
        normaliser.text(&out)
    };
    let mut stdins: Vec<(usize, String)> = Vec::new();
    for (i, w) in wrapped.iter().enumerate() {
        if let Ok(text) = std::fs::read_to_string(&w.capture) {
            stdins.extend(text.lines().map(|l| (i, unwrap(l))));
        }
    }
    let session = stdins
        .iter()
        .find_map(|(_, s)| {
            serde_json::from_str::<Value>(s)
                .ok()?
                .get("session_id")?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "<none>".to_owned());
    let request_texts: Vec<String> = requests.iter().map(Value::to_string).collect();
    let seen = seen_ids(
        request_texts.iter().map(String::as_str),
        stdins.iter().map(|(_, s)| s.as_str()),
    );
    let mut aspects = Aspects::default();
    for (i, stdin) in &stdins {
        let w = &wrapped[*i];
        let payload = serde_json::from_str::<Value>(stdin)
            .map(|v| payload_text(&v))
            .unwrap_or_else(|_| stdin.clone());
        aspects
            .payloads
            .entry(format!("{} `{}`", w.event, w.command))
            .or_default()
            .push(ids(&payload, &session, &seen));
    }
    for event in &stream {
        if event.get("subtype").and_then(Value::as_str) == Some("informational") {
            let content = event.get("content").and_then(Value::as_str).unwrap_or("");
            aspects
                .warnings
                .push(ids(&unwrap(content), &session, &seen));
            continue;
        }
        // A compaction that did not happen (blocked by PreCompact, nothing to compact).
        if let Some(error) = event.get("compact_error").and_then(Value::as_str) {
            aspects.warnings.push(ids(&unwrap(error), &session, &seen));
            continue;
        }
        if event.get("subtype").and_then(Value::as_str) != Some("hook_response") {
            continue;
        }
        let name = event
            .get("hook_event")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let outcome = event.get("outcome").and_then(Value::as_str).unwrap_or("?");
        let exit = match (outcome, event.get("exit_code").and_then(Value::as_i64)) {
            ("cancelled", _) => "timed out".to_owned(),
            (_, Some(code)) => format!("exit code {code}"),
            (_, None) => "no exit code".to_owned(),
        };
        aspects
            .runs
            .entry(name.to_owned())
            .or_default()
            .push(run_line(outcome, &exit));
    }
    for runs in aspects.runs.values_mut() {
        runs.sort();
    }
    // In auto mode the classifier's requests (not streamed) are checked by their scripted
    // answers being asked for, not by their text: both sides' are Claude Code's own prompt.
    // In any other mode every request is compared.
    for body in requests
        .iter()
        .filter(|b| !auto || b.get("stream") == Some(&Value::Bool(true)))
    {
        aspects.requests.push(
            hook_lines(compact_messages(&reduced(body)))
                .iter()
                .map(|l| ids(&unwrap(l), &session, &seen))
                .collect(),
        );
    }
    Ok(RealRun {
        aspects,
        unused,
        wall: started.elapsed(),
    })
}

/// Runs `claude -p` with stream-json in and out: each prompt written once the previous one's
/// `result` came, stdin closed after the last (SessionEnd runs then). Returns every event.
fn drive(
    bin: &Path,
    cwd: &Path,
    env: &[(std::ffi::OsString, std::ffi::OsString)],
    args: &[std::ffi::OsString],
    prompts: &[String],
) -> Result<Vec<Value>, CrosscheckError> {
    let mut cmd = std::process::Command::new(bin);
    cmd.args([
        "-p",
        "--input-format",
        "stream-json",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-hook-events",
    ])
    .args(args);
    cmd.current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Its own process group, so the watchdog takes its hooks down with it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .spawn()
        .map_err(|e| CrosscheckError::Real(format!("{}: {e}", bin.display())))?;
    // stderr read beside stdout, so a chatty stderr never fills its pipe and stalls the run.
    let stderr_reader = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut e, &mut text);
            text
        })
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut stdin = child.stdin.take();
    let Some(stdout) = child.stdout.take() else {
        return Err(CrosscheckError::Real("no stdout".to_owned()));
    };
    // A watchdog: past the deadline the run is killed, which ends the reads below.
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return false;
            }
        }
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        true
    });
    let send = |stdin: &mut Option<std::process::ChildStdin>, prompt: &str| {
        let line = serde_json::json!({
            "type": "user",
            "message": {"role": "user", "content": [{"type": "text", "text": prompt}]},
            "parent_tool_use_id": null,
            "session_id": "",
        });
        if let Some(s) = stdin.as_mut() {
            let _ = writeln!(s, "{line}");
            let _ = s.flush();
        }
    };
    let mut next = prompts.iter();
    match next.next() {
        Some(p) => send(&mut stdin, p),
        None => drop(stdin.take()),
    }
    let mut events = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if event.get("type").and_then(Value::as_str) == Some("result") {
            match next.next() {
                Some(p) => send(&mut stdin, p),
                None => drop(stdin.take()),
            }
        }
        events.push(event);
    }
    let status = child
        .wait()
        .map_err(|e| CrosscheckError::Real(e.to_string()))?;
    let stderr = stderr_reader
        .and_then(|r| r.join().ok())
        .unwrap_or_default();
    if watchdog.join().unwrap_or(false) {
        return Err(CrosscheckError::Real(
            "claude did not finish within 120 s and was killed".to_owned(),
        ));
    }
    if !status.success() && events.is_empty() {
        return Err(CrosscheckError::Real(format!(
            "claude exited {status}: {}",
            stderr.trim()
        )));
    }
    Ok(events)
}
