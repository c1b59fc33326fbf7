//! One hook run through the real engine, no agent: a request with sensible defaults (those
//! of the conformance vectors), one command registered as the single handler of a temp
//! `hooks.json` in a temp user layer, run, and reported: the payload sent, the completed
//! summary, what the process did and the aggregated outcome.
//!
//! Sits beside `replay` and `conformance`; it imports only the engine (and the
//! conformance outcome shape, so probe and vectors print outcomes alike).

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use thiserror::Error;

use crate::conformance::outcome_json;
use crate::engine::clock::SystemClock;
use crate::engine::config::DiscoveryInput;
use crate::engine::request::{
    CompactTrigger, EventPayload, HookContext, HookRequest, PermissionMode, SessionStartSource,
};
use crate::engine::runner::RunnerConfig;
use crate::engine::summary::HookSource;
use crate::engine::wire::input::stdin_object;
use crate::engine::wire::{HookRunSummaryV1, HookRunSummaryV2};
use crate::engine::{Engine, EventRun, HandlerExit, HookEvent};

/// The session id of a probe unless one is given.
pub const DEFAULT_SESSION_ID: &str = "5e55104e-0000-4000-8000-00000000c0de";

#[derive(Debug, Error)]
pub enum ProbeError {
    #[error("--{option} does not apply to {event} (it applies to {applies_to})")]
    NotForEvent {
        option: &'static str,
        event: HookEvent,
        applies_to: &'static str,
    },
    #[error("--{option}: expected {expected}, got {got:?}")]
    BadValue {
        option: &'static str,
        expected: &'static str,
        got: String,
    },
    #[error("cannot prepare the probe's hooks.json: {0}")]
    Io(#[from] std::io::Error),
}

/// Event inputs as given on the command line; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct PayloadOptions {
    pub tool_name: Option<String>,
    pub tool_input: Option<Value>,
    pub tool_response: Option<Value>,
    pub tool_use_id: Option<String>,
    pub prompt: Option<String>,
    pub source: Option<String>,
    pub stop_hook_active: bool,
    pub last_assistant_message: Option<String>,
    pub trigger: Option<String>,
    pub agent_id: Option<String>,
    pub agent_type: Option<String>,
    pub reason: Option<String>,
}

/// The turn context of a probe.
#[derive(Debug, Clone)]
pub struct ContextOptions {
    pub session_id: String,
    pub turn_id: String,
    pub cwd: String,
    pub model: String,
    pub permission_mode: PermissionMode,
    pub transcript_path: Option<String>,
}

impl ContextOptions {
    /// The conformance defaults: model `gpt-test`, turn `turn-1`, permission mode `default`.
    pub fn defaults(cwd: &Path) -> Self {
        ContextOptions {
            session_id: DEFAULT_SESSION_ID.to_owned(),
            turn_id: "turn-1".to_owned(),
            cwd: cwd.display().to_string(),
            model: "gpt-test".to_owned(),
            permission_mode: PermissionMode::Default,
            transcript_path: None,
        }
    }
}

const TOOL_EVENTS: &str = "PreToolUse, PermissionRequest, PostToolUse";

fn reject(
    given: bool,
    option: &'static str,
    event: HookEvent,
    applies_to: &'static str,
) -> Result<(), ProbeError> {
    if given {
        Err(ProbeError::NotForEvent {
            option,
            event,
            applies_to,
        })
    } else {
        Ok(())
    }
}

/// Builds the event's payload; an option that does not apply to the event is an error.
pub fn payload(event: HookEvent, o: &PayloadOptions) -> Result<EventPayload, ProbeError> {
    use HookEvent as E;
    let tool = matches!(event, E::PreToolUse | E::PermissionRequest | E::PostToolUse);
    let stop_like = matches!(event, E::Stop | E::SubagentStop);
    let subagent = matches!(event, E::SubagentStart | E::SubagentStop);
    reject(
        !tool && o.tool_name.is_some(),
        "tool-name",
        event,
        TOOL_EVENTS,
    )?;
    reject(
        !tool && o.tool_input.is_some(),
        "tool-input",
        event,
        TOOL_EVENTS,
    )?;
    reject(
        event != E::PostToolUse && o.tool_response.is_some(),
        "tool-response",
        event,
        "PostToolUse",
    )?;
    reject(
        !matches!(event, E::PreToolUse | E::PostToolUse) && o.tool_use_id.is_some(),
        "tool-use-id",
        event,
        "PreToolUse, PostToolUse",
    )?;
    reject(
        event != E::UserPromptSubmit && o.prompt.is_some(),
        "prompt",
        event,
        "UserPromptSubmit",
    )?;
    reject(
        event != E::SessionStart && o.source.is_some(),
        "source",
        event,
        "SessionStart",
    )?;
    reject(
        !stop_like && o.stop_hook_active,
        "stop-hook-active",
        event,
        "Stop, SubagentStop",
    )?;
    reject(
        !stop_like && o.last_assistant_message.is_some(),
        "last-assistant-message",
        event,
        "Stop, SubagentStop",
    )?;
    reject(
        !matches!(event, E::PreCompact | E::PostCompact) && o.trigger.is_some(),
        "trigger",
        event,
        "PreCompact, PostCompact",
    )?;
    reject(
        !subagent && o.agent_id.is_some(),
        "agent-id",
        event,
        "SubagentStart, SubagentStop",
    )?;
    reject(
        !subagent && o.agent_type.is_some(),
        "agent-type",
        event,
        "SubagentStart, SubagentStop",
    )?;
    reject(
        event != E::SessionEnd && o.reason.is_some(),
        "reason",
        event,
        "SessionEnd",
    )?;

    let tool_name = o.tool_name.clone().unwrap_or_else(|| "Bash".to_owned());
    let tool_input = o
        .tool_input
        .clone()
        .unwrap_or_else(|| json!({"command": "echo hi"}));
    let tool_use_id = o.tool_use_id.clone().unwrap_or_else(|| "call-1".to_owned());
    let agent_id = o.agent_id.clone().unwrap_or_else(|| "agent-1".to_owned());
    let agent_type = o.agent_type.clone().unwrap_or_else(|| "default".to_owned());
    let trigger = || -> Result<CompactTrigger, ProbeError> {
        match o.trigger.as_deref().unwrap_or("manual") {
            "manual" => Ok(CompactTrigger::Manual),
            "auto" => Ok(CompactTrigger::Auto),
            other => Err(ProbeError::BadValue {
                option: "trigger",
                expected: "manual or auto",
                got: other.to_owned(),
            }),
        }
    };
    Ok(match event {
        E::PreToolUse => EventPayload::PreToolUse {
            tool_name,
            tool_input,
            tool_use_id,
        },
        E::PermissionRequest => EventPayload::PermissionRequest {
            tool_name,
            tool_input,
        },
        E::PostToolUse => EventPayload::PostToolUse {
            tool_name,
            tool_input,
            tool_response: o.tool_response.clone().unwrap_or_else(|| json!("hi\n")),
            tool_use_id,
        },
        E::SessionStart => EventPayload::SessionStart {
            source: match o.source.as_deref().unwrap_or("startup") {
                "startup" => SessionStartSource::Startup,
                "resume" => SessionStartSource::Resume,
                "clear" => SessionStartSource::Clear,
                "compact" => SessionStartSource::Compact,
                "fork" => SessionStartSource::Fork,
                other => {
                    return Err(ProbeError::BadValue {
                        option: "source",
                        expected: "startup, resume, clear or compact",
                        got: other.to_owned(),
                    })
                }
            },
        },
        E::UserPromptSubmit => EventPayload::UserPromptSubmit {
            prompt: o.prompt.clone().unwrap_or_else(|| "hello".to_owned()),
        },
        E::Stop => EventPayload::Stop {
            stop_hook_active: o.stop_hook_active,
            last_assistant_message: o.last_assistant_message.clone(),
        },
        E::PreCompact => EventPayload::PreCompact {
            trigger: trigger()?,
        },
        E::PostCompact => EventPayload::PostCompact {
            trigger: trigger()?,
        },
        E::SubagentStart => EventPayload::SubagentStart {
            agent_id,
            agent_type,
        },
        E::SubagentStop => EventPayload::SubagentStop {
            agent_transcript_path: None,
            stop_hook_active: o.stop_hook_active,
            agent_id,
            agent_type,
            last_assistant_message: o.last_assistant_message.clone(),
        },
        E::SessionEnd => EventPayload::SessionEnd {
            reason: o.reason.clone().unwrap_or_else(|| "other".to_owned()),
        },
        E::Interrupt => EventPayload::Interrupt,
        E::PreModelRequest => EventPayload::PreModelRequest(model_request()),
        E::PostModelRequest => EventPayload::PostModelRequest {
            request: model_request(),
            outcome: crate::engine::request::ModelRequestOutcome {
                error: None,
                token_usage: None,
                response_id: Some("resp-1".to_owned()),
            },
        },
    })
}

/// A probe's model request: the first sampling request of its session (the thread id is
/// the session's, set by [`request`]).
fn model_request() -> crate::engine::request::ModelRequestInfo {
    crate::engine::request::ModelRequestInfo {
        kind: "sampling".to_owned(),
        request_id: "model-request-1".to_owned(),
        attempt_number: 1,
        thread_id: String::new(),
    }
}

/// Builds the request of a probe.
pub fn request(context: &ContextOptions, payload: EventPayload) -> HookRequest {
    let event = payload.event();
    let mut payload = payload;
    if let EventPayload::PreModelRequest(info)
    | EventPayload::PostModelRequest { request: info, .. } = &mut payload
    {
        if info.thread_id.is_empty() {
            info.thread_id.clone_from(&context.session_id);
        }
    }
    let mut request = HookRequest::new(
        HookContext {
            session_id: context.session_id.clone(),
            turn_id: context.turn_id.clone(),
            transcript_path: context.transcript_path.clone(),
            cwd: context.cwd.clone(),
            model: context.model.clone(),
            permission_mode: context.permission_mode,
            agent: None,
        },
        payload,
    );
    if event == HookEvent::PermissionRequest {
        request.run_id_suffix = Some("call-1".to_owned());
    }
    request
}

/// Everything one probe produced.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    pub request: HookRequest,
    pub command: String,
    pub hooks_json_path: String,
    pub warnings: Vec<String>,
    pub run: EventRun,
}

/// Registers `command` as the single handler of the request's event in a temp user layer
/// and runs it through the engine.
pub async fn probe(
    request: HookRequest,
    command: &str,
    timeout_secs: Option<u64>,
) -> Result<ProbeReport, ProbeError> {
    let event = request.event();
    let dir = tempfile::Builder::new()
        .prefix("hooktape-probe-")
        .tempdir()?;
    let hooks_path = dir.path().join("hooks.json");
    let mut handler = json!({"type": "command", "command": command});
    if let Some(secs) = timeout_secs {
        handler["timeout"] = json!(secs);
    }
    let mut events = serde_json::Map::new();
    events.insert(
        event.config_name().to_owned(),
        json!([{ "hooks": [handler] }]),
    );
    std::fs::write(&hooks_path, json!({ "hooks": events }).to_string())?;
    let input = DiscoveryInput::single_json(HookSource::User, hooks_path.clone());
    let engine = Engine::discover(&input, RunnerConfig::default(), Arc::new(SystemClock));
    let run = engine.run(&request).await;
    Ok(ProbeReport {
        command: command.to_owned(),
        hooks_json_path: hooks_path.display().to_string(),
        warnings: engine.warnings().to_vec(),
        request,
        run,
    })
}

/// Which summary spelling to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryVersion {
    /// Protocol v1 (snake_case).
    V1,
    /// App-server v2 (camelCase), as `hook/completed` carries it.
    V2,
}

fn exit_json(exit: &HandlerExit) -> Value {
    serde_json::to_value(exit).unwrap_or(Value::Null)
}

/// The report as one JSON object.
pub fn report_json(report: &ProbeReport, version: SummaryVersion) -> Value {
    let event = report.request.event();
    let handler = report.run.runs.first();
    let completed = handler.map(|r| match version {
        SummaryVersion::V1 => serde_json::to_value(HookRunSummaryV1::from(&r.summary)),
        SummaryVersion::V2 => serde_json::to_value(HookRunSummaryV2::from(&r.summary)),
    });
    json!({
        "event": event.config_name(),
        "command": report.command,
        "warnings": report.warnings,
        "payload": Value::Object(stdin_object(&report.request)),
        "process": handler.map(|r| json!({
            "exit": exit_json(&r.exit),
            "stdout": String::from_utf8_lossy(&r.stdout),
            "stderr": String::from_utf8_lossy(&r.stderr),
        })),
        "completed": completed.and_then(Result::ok),
        "outcome": outcome_json(event, &report.run.outcome),
    })
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The report as readable text.
pub fn report_text(report: &ProbeReport, version: SummaryVersion) -> String {
    let j = report_json(report, version);
    let mut out = String::new();
    out.push_str(&format!(
        "event: {}\n",
        j["event"].as_str().unwrap_or_default()
    ));
    out.push_str(&format!("command: {}\n", report.command));
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!("payload sent (stdin):\n{}\n", j["payload"]));
    if let Some(r) = report.run.runs.first() {
        let exit = match &r.exit {
            HandlerExit::Code { code } => format!("exit code {code}"),
            HandlerExit::Signal { signal: Some(s) } => format!("killed by signal {s}"),
            HandlerExit::Signal { signal: None } => "ended without an exit code".to_owned(),
            HandlerExit::RunnerError { message } => format!("runner error: {message}"),
            HandlerExit::OutputHeldOpen { .. } => r.exit.held_open_text().unwrap_or_default(),
        };
        out.push_str(&format!("process: {exit}\n"));
        out.push_str(&format!(
            "stdout: {:?}\n",
            String::from_utf8_lossy(&r.stdout)
        ));
        out.push_str(&format!(
            "stderr: {:?}\n",
            String::from_utf8_lossy(&r.stderr)
        ));
        out.push_str(&format!("status: {}\n", r.summary.status.as_str()));
        for e in &r.summary.entries {
            out.push_str(&format!("  {}: {}\n", entry_kind(e.kind), e.text));
        }
        let label = match version {
            SummaryVersion::V1 => "v1",
            SummaryVersion::V2 => "v2",
        };
        out.push_str(&format!(
            "completed summary ({label}):\n{}\n",
            pretty(&j["completed"])
        ));
    } else {
        out.push_str("no handler ran\n");
    }
    out.push_str(&format!("outcome:\n{}\n", pretty(&j["outcome"])));
    out
}

fn entry_kind(kind: crate::engine::outcome::EntryKind) -> &'static str {
    use crate::engine::outcome::EntryKind as K;
    match kind {
        K::Warning => "warning",
        K::Stop => "stop",
        K::Feedback => "feedback",
        K::Context => "context",
        K::Error => "error",
    }
}
