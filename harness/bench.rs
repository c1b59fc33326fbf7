//! `hooktape bench`: what the harness costs, measured against the floor of spawning the hook.
//!
//! Parts that need only the engine: the spawn floor (plain `std::process`), the engine running
//! one handler on the same command, and the pure parser's throughput per event.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::engine::clock::FixedClock;
use crate::engine::config::{ConfigLayer, DiscoveryInput};
use crate::engine::outcome::{HandlerExit, RawOutput};
use crate::engine::parse::parse_output;
use crate::engine::request::PermissionMode;
use crate::engine::runner::RunnerConfig;
use crate::engine::summary::HookSource;
use crate::engine::wire::input::stdin_text;
use crate::engine::{Engine, EventPayload, HookContext, HookEvent, HookRequest};

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("bench I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("bench: {0}")]
    Setup(String),
}

/// The hook command every spawn measurement runs: reads its payload, prints a verdict.
pub const HOOK_COMMAND: &str =
    r#"cat >/dev/null; printf '%s\n' '{"decision":"block","reason":"not on main"}'"#;

/// Timing statistics over repeated runs.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub runs: usize,
    pub mean: Duration,
    pub median: Duration,
    pub p95: Duration,
    pub total: Duration,
}

impl Stats {
    pub fn from_samples(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        let runs = samples.len().max(1);
        let total: Duration = samples.iter().sum();
        let at = |q: f64| {
            samples
                .get(((samples.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Stats {
            runs: samples.len(),
            mean: total / runs as u32,
            median: at(0.5),
            p95: at(0.95),
            total,
        }
    }
}

fn pre_tool_use_request(cwd: &str) -> HookRequest {
    HookRequest::new(
        HookContext {
            session_id: "bench-thread".into(),
            turn_id: "bench-turn".into(),
            transcript_path: None,
            cwd: cwd.into(),
            model: "gpt-test".into(),
            permission_mode: PermissionMode::Default,
            agent: None,
        },
        EventPayload::PreToolUse {
            tool_name: "Bash".into(),
            tool_input: serde_json::json!({"command": "git push origin main"}),
            tool_use_id: "call-1".into(),
        },
    )
}

/// Part 1, the floor: `sh -c` from plain `std::process`, payload on stdin, output read to
/// the end. One run.
fn floor_once(cwd: &std::path::Path, payload: &str) -> Result<Duration, BenchError> {
    {
        let start = Instant::now();
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(HOOK_COMMAND)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(payload.as_bytes())?;
        }
        let mut out = Vec::new();
        if let Some(mut stdout) = child.stdout.take() {
            stdout.read_to_end(&mut out)?;
        }
        let mut err = Vec::new();
        if let Some(mut stderr) = child.stderr.take() {
            stderr.read_to_end(&mut err)?;
        }
        child.wait()?;
        Ok(start.elapsed())
    }
}

/// Parts 1 and 2, interleaved run by run so both see the same machine load: the floor
/// (plain `std::process`) and the engine on the same command (select, preview, run, parse,
/// summary, aggregate; the run covers spawn, stdin, capture, timeout and the process group).
pub fn floor_and_engine(runs: usize) -> Result<(Stats, Stats), BenchError> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let hooks = serde_json::json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": HOOK_COMMAND}]}]}});
    std::fs::write(dir.join("hooks.json"), hooks.to_string())?;
    let engine = Engine::discover(
        &DiscoveryInput {
            managed: vec![],
            layers: vec![ConfigLayer {
                source: HookSource::User,
                json_files: vec![dir.join("hooks.json")],
                config_toml: None,
                enabled: true,
            }],
        },
        RunnerConfig::default(),
        Arc::new(FixedClock::new(0)),
    );
    let request = pre_tool_use_request(&dir.display().to_string());
    let payload = stdin_text(&request);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut floor = Vec::with_capacity(runs);
    let mut engine_samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        floor.push(floor_once(dir, &payload)?);
        let start = Instant::now();
        let preview = engine.preview(&request);
        let run = runtime.block_on(engine.run(&request));
        if preview.len() != 1 || !run.outcome.should_block {
            return Err(BenchError::Setup(format!(
                "the benchmark hook did not block: {:?}",
                run.runs.first().map(|r| &r.summary)
            )));
        }
        engine_samples.push(start.elapsed());
    }
    Ok((
        Stats::from_samples(floor),
        Stats::from_samples(engine_samples),
    ))
}

/// A fixed corpus of typical outputs for one event: empty, plain text, valid JSON, invalid
/// JSON, exit 2 with and without stderr, another exit code.
pub fn parser_corpus(event: HookEvent) -> Vec<RawOutput> {
    let ok = |s: &str| RawOutput {
        exit: HandlerExit::Code { code: 0 },
        stdout: s.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    let code = |c: i32, e: &str| RawOutput {
        exit: HandlerExit::Code { code: c },
        stdout: Vec::new(),
        stderr: e.as_bytes().to_vec(),
    };
    let valid = match event {
        HookEvent::PreToolUse => {
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"not on main"}}"#
        }
        HookEvent::PermissionRequest => {
            r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}"#
        }
        HookEvent::PostToolUse => {
            r#"{"decision":"block","reason":"tests failed","hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"see log"}}"#
        }
        HookEvent::SessionStart | HookEvent::UserPromptSubmit => {
            r#"{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"repo uses pnpm"}}"#
        }
        HookEvent::SubagentStart => {
            r#"{"hookSpecificOutput":{"hookEventName":"SubagentStart","additionalContext":"be brief"}}"#
        }
        HookEvent::Stop | HookEvent::SubagentStop => {
            r#"{"decision":"block","reason":"run the tests first"}"#
        }
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd => {
            r#"{"systemMessage":"noted","continue":true}"#
        }
    };
    vec![
        ok(""),
        ok("  \n"),
        ok("remember: the repo uses pnpm\n"),
        ok(valid),
        ok(r#"{"systemMessage":"hi","unknownKey":1}"#),
        ok(r#"{"decision":"#),
        code(2, "blocked by policy\n"),
        code(2, "   "),
        code(1, "boom"),
    ]
}

/// Part 4, pure parser throughput for one event, in outputs per second (one core).
pub fn parser_throughput(event: HookEvent, budget: Duration) -> (u64, f64) {
    let corpus = parser_corpus(event);
    let start = Instant::now();
    let mut parsed: u64 = 0;
    while start.elapsed() < budget {
        for raw in &corpus {
            std::hint::black_box(parse_output(event, std::hint::black_box(raw)));
        }
        parsed += corpus.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    (parsed, parsed as f64 / secs)
}
