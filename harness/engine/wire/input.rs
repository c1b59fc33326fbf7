//! Hook stdin: one compact JSON object, keys in the reference engine's order.

use serde_json::{Map, Value};

use crate::engine::dialect::Dialect;
use crate::engine::event::HookEvent;
use crate::engine::request::{EventPayload, HookRequest};

/// Builds the stdin JSON object for a request, keys in wire order:
/// `session_id`, `turn_id` (not for SessionStart/SessionEnd), the subagent identity when
/// inside one, `transcript_path`, `cwd`, `hook_event_name`, `model`, `permission_mode`
/// (not for the compact events), then the event's own keys.
pub fn stdin_object(request: &HookRequest) -> Map<String, Value> {
    stdin_object_as(Dialect::Codex4e30281, request)
}

/// The stdin object as `dialect`'s Codex writes it. Codex 0.171's SessionEnd carries only
/// `session_id`, `transcript_path`, `cwd`, `hook_event_name` and `reason`
/// (spec/codex-current.md §2.9).
pub fn stdin_object_as(dialect: Dialect, request: &HookRequest) -> Map<String, Value> {
    let ctx = &request.context;
    if dialect.is_current() {
        if let EventPayload::SessionEnd { reason } = &request.payload {
            let mut m = Map::new();
            m.insert("session_id".into(), ctx.session_id.clone().into());
            m.insert(
                "transcript_path".into(),
                ctx.transcript_path
                    .clone()
                    .map_or(Value::Null, Value::String),
            );
            m.insert("cwd".into(), ctx.cwd.clone().into());
            m.insert("hook_event_name".into(), "SessionEnd".into());
            m.insert("reason".into(), reason.clone().into());
            return m;
        }
    }
    if let Some(m) = model_request_object(request) {
        return m;
    }
    let event = request.event();
    let mut m = Map::new();
    m.insert("session_id".into(), ctx.session_id.clone().into());
    if !matches!(event, HookEvent::SessionStart | HookEvent::SessionEnd) {
        m.insert("turn_id".into(), ctx.turn_id.clone().into());
    }
    let event_carries_identity =
        matches!(event, HookEvent::SubagentStart | HookEvent::SubagentStop);
    if let (Some(agent), false) = (&ctx.agent, event_carries_identity) {
        m.insert("agent_id".into(), agent.agent_id.clone().into());
        m.insert("agent_type".into(), agent.agent_type.clone().into());
    }
    m.insert(
        "transcript_path".into(),
        ctx.transcript_path
            .clone()
            .map_or(Value::Null, Value::String),
    );
    if let EventPayload::SubagentStop {
        agent_transcript_path,
        ..
    } = &request.payload
    {
        m.insert(
            "agent_transcript_path".into(),
            agent_transcript_path
                .clone()
                .map_or(Value::Null, Value::String),
        );
    }
    m.insert("cwd".into(), ctx.cwd.clone().into());
    m.insert("hook_event_name".into(), event.config_name().into());
    m.insert("model".into(), ctx.model.clone().into());
    if !matches!(event, HookEvent::PreCompact | HookEvent::PostCompact) {
        m.insert(
            "permission_mode".into(),
            ctx.permission_mode.as_str().into(),
        );
    }
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    match &request.payload {
        EventPayload::PreToolUse {
            tool_name,
            tool_input,
            tool_use_id,
        } => {
            m.insert("tool_name".into(), tool_name.clone().into());
            m.insert("tool_input".into(), tool_input.clone());
            m.insert("tool_use_id".into(), tool_use_id.clone().into());
        }
        EventPayload::PermissionRequest {
            tool_name,
            tool_input,
        } => {
            m.insert("tool_name".into(), tool_name.clone().into());
            m.insert("tool_input".into(), tool_input.clone());
        }
        EventPayload::PostToolUse {
            tool_name,
            tool_input,
            tool_response,
            tool_use_id,
        } => {
            m.insert("tool_name".into(), tool_name.clone().into());
            m.insert("tool_input".into(), tool_input.clone());
            m.insert("tool_response".into(), tool_response.clone());
            m.insert("tool_use_id".into(), tool_use_id.clone().into());
        }
        EventPayload::SessionStart { source } => {
            m.insert("source".into(), source.as_str().into());
        }
        EventPayload::UserPromptSubmit { prompt } => {
            m.insert("prompt".into(), prompt.clone().into());
        }
        EventPayload::Stop {
            stop_hook_active,
            last_assistant_message,
        } => {
            m.insert("stop_hook_active".into(), (*stop_hook_active).into());
            m.insert("last_assistant_message".into(), opt(last_assistant_message));
        }
        EventPayload::PreCompact { trigger } | EventPayload::PostCompact { trigger } => {
            m.insert("trigger".into(), trigger.as_str().into());
        }
        EventPayload::SubagentStart {
            agent_id,
            agent_type,
        } => {
            m.insert("agent_id".into(), agent_id.clone().into());
            m.insert("agent_type".into(), agent_type.clone().into());
        }
        EventPayload::SubagentStop {
            stop_hook_active,
            agent_id,
            agent_type,
            last_assistant_message,
            ..
        } => {
            m.insert("stop_hook_active".into(), (*stop_hook_active).into());
            m.insert("agent_id".into(), agent_id.clone().into());
            m.insert("agent_type".into(), agent_type.clone().into());
            m.insert("last_assistant_message".into(), opt(last_assistant_message));
        }
        EventPayload::SessionEnd { reason } => {
            m.insert("reason".into(), reason.clone().into());
        }
        // Built by `model_request_object`.
        EventPayload::PreModelRequest(_) | EventPayload::PostModelRequest { .. } => {}
        // The common keys only.
        EventPayload::Interrupt => {}
    }
    m
}

/// Codex 0.171's model-request stdin (spec/codex-current.md §2.11): `kind`, `request_id`,
/// `attempt_number`, `session_id`, `thread_id`, `turn_id`, `cwd`, `transcript_path`,
/// `model`, the subagent identity, `hook_event_name`; PostModelRequest then `status`,
/// `error`, `token_usage`, `response_id`. `None` for the other events.
fn model_request_object(request: &HookRequest) -> Option<Map<String, Value>> {
    let ctx = &request.context;
    let (info, outcome) = match &request.payload {
        EventPayload::PreModelRequest(info) => (info, None),
        EventPayload::PostModelRequest { request, outcome } => (request, Some(outcome)),
        _ => return None,
    };
    let mut m = Map::new();
    m.insert("kind".into(), info.kind.clone().into());
    m.insert("request_id".into(), info.request_id.clone().into());
    m.insert("attempt_number".into(), info.attempt_number.into());
    m.insert("session_id".into(), ctx.session_id.clone().into());
    m.insert("thread_id".into(), info.thread_id.clone().into());
    m.insert("turn_id".into(), ctx.turn_id.clone().into());
    m.insert("cwd".into(), ctx.cwd.clone().into());
    m.insert(
        "transcript_path".into(),
        ctx.transcript_path
            .clone()
            .map_or(Value::Null, Value::String),
    );
    m.insert("model".into(), ctx.model.clone().into());
    if let Some(agent) = &ctx.agent {
        m.insert("agent_id".into(), agent.agent_id.clone().into());
        m.insert("agent_type".into(), agent.agent_type.clone().into());
    }
    m.insert(
        "hook_event_name".into(),
        request.event().config_name().into(),
    );
    if let Some(o) = outcome {
        let status = if o.error.is_some() {
            "failed"
        } else {
            "completed"
        };
        m.insert("status".into(), status.into());
        m.insert(
            "error".into(),
            o.error.clone().map_or(Value::Null, Value::String),
        );
        m.insert(
            "token_usage".into(),
            o.token_usage.clone().unwrap_or(Value::Null),
        );
        m.insert(
            "response_id".into(),
            o.response_id.clone().map_or(Value::Null, Value::String),
        );
    }
    Some(m)
}

/// The exact stdin text: compact JSON, no trailing newline.
pub fn stdin_text(request: &HookRequest) -> String {
    Value::Object(stdin_object(request)).to_string()
}

/// The exact stdin text as `dialect`'s Codex writes it.
pub fn stdin_text_as(dialect: Dialect, request: &HookRequest) -> String {
    Value::Object(stdin_object_as(dialect, request)).to_string()
}
