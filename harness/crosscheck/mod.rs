//! `hooktape crosscheck`: each scenario played through both backends — the mock agent and
//! the real Codex CLI (`real.rs`, over `codex app-server`) — and compared aspect by aspect
//! (`aspects.rs`). Scenarios the real CLI cannot play are skipped with a reason (`plan.rs`).
//! The real CLI only ever runs in a network namespace with nothing but loopback
//! (`isolation.rs`).

pub mod app_server;
pub mod aspects;
pub mod claude;
mod claude_normalise;
pub mod isolation;
pub mod mcp_standin;
pub mod plan;
pub mod real;
pub mod standins;
mod wrap;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::agent::recording::TimelineEntry;
use crate::agent::spec::Step;
use crate::replay;
use crate::scenario::Scenario;
use aspects::{is_framework, payload_text, run_text, volatile, Aspects, Difference};

#[derive(Debug, thiserror::Error)]
pub enum CrosscheckError {
    /// The scenario or its files are bad input.
    #[error("{0}")]
    Input(String),
    /// The real CLI could not play it (would not start, timed out, answered an error).
    #[error("real CLI: {0}")]
    Real(String),
    /// The mock could not play it.
    #[error("mock: {0}")]
    Mock(String),
}

/// What became of one scenario.
#[derive(Debug)]
pub enum Verdict {
    Agree,
    Differ(Vec<Difference>),
    Skipped(String),
    /// One backend could not play it: counted as a difference.
    Failed(CrosscheckError),
}

/// One scenario's crosscheck, with what each backend cost.
#[derive(Debug)]
pub struct Checked {
    pub verdict: Verdict,
    pub mock_wall: Duration,
    pub real_wall: Duration,
    /// The app-server's peak resident memory (kB), when it was read.
    pub real_peak_kb: Option<u64>,
    /// What was compared: `N payloads, N runs, N requests` (the real side's counts).
    pub compared: String,
    /// Both sides, when both played.
    pub sides: Option<(Aspects, Aspects)>,
}

/// Plays `scenario` through the mock and the real CLI at `bin`, and compares. `drift`: play
/// `codex-4e30281` scenarios too, to show how that Codex differs from the binary.
pub async fn check(bin: &Path, scenario: &Scenario, drift: bool) -> Checked {
    let mut checked = Checked {
        verdict: Verdict::Agree,
        mock_wall: Duration::ZERO,
        real_wall: Duration::ZERO,
        real_peak_kb: None,
        compared: String::new(),
        sides: None,
    };
    let probe = match crate::scenario::Workspace::materialise(scenario) {
        Ok(ws) => scenario.session_spec(&ws),
        Err(e) => {
            checked.verdict = Verdict::Failed(CrosscheckError::Input(e.to_string()));
            return checked;
        }
    };
    if let Some(reason) = plan::skip_reason(scenario, &probe, drift) {
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
    let real = match real::play(bin, scenario).await {
        Ok(r) => r,
        Err(e) => {
            checked.verdict = Verdict::Failed(e);
            return checked;
        }
    };
    checked.real_wall = real.wall;
    checked.real_peak_kb = real.peak_kb;
    let mock_turns: Vec<String> = probe
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Turn(t) => Some(t.turn_id.clone()),
            Step::Compact { turn_id, .. } => Some(turn_id.clone()),
            Step::Resume | Step::Fork { .. } => None,
        })
        .collect();
    let real_side = real_aspects(scenario, &real, &mock.recording, &mock_turns);
    checked.compared = format!(
        "{} payloads, {} runs, {} requests",
        real_side.payloads.values().map(Vec::len).sum::<usize>(),
        real_side.runs.values().map(Vec::len).sum::<usize>(),
        real_side.requests.len()
    );
    let mock_side = mock_aspects(&mock.recording, &scenario.mcp);
    let differences = aspects::compare(&mock_side, &real_side);
    checked.sides = Some((mock_side, real_side));
    let mut differences = differences;
    if !real.unused.is_empty() {
        differences.push(Difference {
            aspect: "model script".to_owned(),
            mock: "every scripted response asked for".to_owned(),
            real: format!("never asked for: {}", real.unused.join("; ")),
        });
    }
    checked.verdict = if differences.is_empty() {
        Verdict::Agree
    } else {
        Verdict::Differ(differences)
    };
    checked
}

/// The ids the mock gives the threads `fork = true` makes, in order.
fn scenario_forks(scenario: &Scenario, ws: &crate::scenario::Workspace) -> Vec<String> {
    scenario
        .session_spec(ws)
        .steps
        .into_iter()
        .filter_map(|s| match s {
            Step::Fork { thread_id } => Some(thread_id),
            _ => None,
        })
        .collect()
}

/// The payload key of the calls that reached MCP tool `server/tool`.
fn mcp_key(server: &str, tool: &str) -> String {
    format!("mcp_tool call `{server}/{tool}`")
}

/// The mock's aspects, from its normalised recording.
/// `mcp`: the scripted MCP servers; a call to a tool they do not script is left out of the
/// payloads (the stand-in logs only its tools' calls; the run's error is still compared).
pub fn mock_aspects(
    rec: &crate::agent::Recording,
    mcp: &crate::engine::mcp::ScriptedMcp,
) -> Aspects {
    let mut out = Aspects::default();
    // The 0.171 app-server sends each discovery warning as a `warning` notification.
    out.warnings.extend(rec.discovery_warnings.iter().cloned());
    for entry in &rec.timeline {
        match entry {
            TimelineEntry::Hooks(r) => {
                for run in &r.runs {
                    if let Some(call) = &run.mcp {
                        // An `mcp_tool` run: what reached the (stand-in) server.
                        let scripted = mcp
                            .servers
                            .get(&call.server)
                            .is_some_and(|tools| tools.contains_key(&call.tool));
                        if let Some(args) = call.arguments.as_ref().filter(|_| scripted) {
                            out.payloads
                                .entry(mcp_key(&call.server, &call.tool))
                                .or_default()
                                .push(payload_text(args));
                        }
                        continue;
                    }
                    let key = format!("{} `{}`", r.event.config_name(), run.command);
                    let payload = serde_json::from_str::<Value>(&run.stdin)
                        .map(|v| payload_text(&v))
                        .unwrap_or_else(|_| run.stdin.clone());
                    out.payloads.entry(key).or_default().push(payload);
                }
                for done in &r.completed {
                    let wire = done.wire();
                    out.runs
                        .entry(done.run.id.clone())
                        .or_default()
                        .push(run_text(&wire["params"]["run"]));
                }
            }
            TimelineEntry::ModelRequest(r) => out.requests.push(
                r.input
                    .iter()
                    .filter(|l| !is_framework(l))
                    .map(|l| volatile(l))
                    .collect(),
            ),
            TimelineEntry::Warning { text, .. } => out.warnings.push(text.clone()),
            _ => {}
        }
    }
    out.rollout = aspects::rollout_items(&rec.transcript, &|s| s.to_owned());
    out
}

/// The real run's aspects, its ids and paths mapped onto the mock's: the thread id, the
/// turn ids (in order), the rollout path, then the workspace paths as placeholders.
fn real_aspects(
    scenario: &Scenario,
    real: &real::RealRun,
    mock: &crate::agent::Recording,
    mock_turns: &[String],
) -> Aspects {
    let normaliser = replay::normaliser(scenario, &real.workspace).ok();
    let mut pairs: Vec<(String, String)> = vec![
        (
            real.recording.transcript_path.clone(),
            mock.transcript_path.clone(),
        ),
        (real.thread_id.clone(), mock.thread_id.clone()),
    ];
    let mock_forks = scenario_forks(scenario, &real.workspace);
    if !mock_forks.is_empty() {
        // Each thread's rollout path, then its id (the mock's path names the last thread).
        let last = mock_forks.last().cloned().unwrap_or_default();
        let ids = std::iter::once(mock.thread_id.clone()).chain(mock_forks.iter().cloned());
        for (real_path, id) in real.rollouts.iter().zip(ids) {
            pairs.insert(
                0,
                (real_path.clone(), mock.transcript_path.replace(&last, &id)),
            );
        }
    }
    for (real_fork, mock_fork) in real.fork_ids.iter().zip(mock_forks) {
        pairs.push((real_fork.clone(), mock_fork));
    }
    for (real_turn, mock_turn) in real.turn_ids.iter().zip(mock_turns) {
        pairs.push((real_turn.clone(), mock_turn.clone()));
    }
    // Model-request ids, in the order the requests were made: the mock numbers them.
    let mut request_ids: Vec<String> = Vec::new();
    for (handler, payloads) in &real.payloads {
        if !handler.event.ends_with("ModelRequest") {
            continue;
        }
        for p in payloads {
            if let Some(id) = p.get("request_id").and_then(Value::as_str) {
                if !request_ids.iter().any(|r| r == id) {
                    request_ids.push(id.to_owned());
                }
            }
        }
    }
    for (i, id) in request_ids.into_iter().enumerate() {
        pairs.push((id, format!("model-request-{}", i + 1)));
    }
    // The run ids of model-request hooks end with an id of their own (not the payload's
    // `request_id`), the same for the Pre and Post runs of one request: numbered in the
    // order the notifications came.
    let mut run_suffixes: Vec<String> = Vec::new();
    for n in &real.notifications {
        let id = n
            .pointer("/params/run/id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !(id.starts_with("pre-model-request:") || id.starts_with("post-model-request:")) {
            continue;
        }
        if let Some((_, suffix)) = id.rsplit_once(':') {
            if !run_suffixes.iter().any(|r| r == suffix) {
                run_suffixes.push(suffix.to_owned());
            }
        }
    }
    for (i, id) in run_suffixes.into_iter().enumerate() {
        pairs.push((id, format!("model-request-{}", i + 1)));
    }
    pairs.retain(|(a, _)| !a.is_empty());
    let text = |s: &str| -> String {
        let mut out = s.to_owned();
        for (a, b) in &pairs {
            out = out.replace(a.as_str(), b);
        }
        match &normaliser {
            Some(n) => n.text(&out),
            None => out,
        }
    };
    let mut out = Aspects::default();
    for (handler, payloads) in &real.payloads {
        if payloads.is_empty() {
            continue;
        }
        let key = match &handler.mcp {
            Some((server, tool)) => mcp_key(server, tool),
            None => format!("{} `{}`", handler.event, handler.command),
        };
        for p in payloads {
            let p =
                serde_json::from_str::<Value>(&text(&p.to_string())).unwrap_or_else(|_| p.clone());
            out.payloads
                .entry(key.clone())
                .or_default()
                .push(payload_text(&p));
        }
    }
    for n in &real.notifications {
        match n.get("method").and_then(Value::as_str) {
            Some("hook/completed") => {
                let run = &n["params"]["run"];
                let id = text(run.get("id").and_then(Value::as_str).unwrap_or_default());
                let mut run = run.clone();
                for e in run
                    .get_mut("entries")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(t) = e.get("text").and_then(Value::as_str) {
                        e["text"] = Value::String(text(t));
                    }
                }
                out.runs.entry(id).or_default().push(run_text(&run));
            }
            Some("warning") => {
                let message = n
                    .pointer("/params/message")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                // The scripted model's slug has no catalog entry: noise of the setup.
                if !message.contains("Model metadata for") {
                    out.warnings.push(text(message));
                }
            }
            _ => {}
        }
    }
    out.rollout = aspects::rollout_items(&real.recording.transcript, &text);
    for r in real.recording.model_requests() {
        out.requests.push(
            r.input
                .iter()
                .filter(|l| !is_framework(l))
                .map(|l| volatile(&text(l)))
                .collect(),
        );
    }
    out
}
