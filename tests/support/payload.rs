//! One small, valid payload per event, shared by the test binaries that run hooks
//! directly through the engine (include with `#[path = "support/payload.rs"] mod payload;`).

use hooktape::engine::request::EventPayload;
use hooktape::engine::HookEvent;
use serde_json::json;

/// A payload for `event` with small default values.
pub fn payload(event: HookEvent) -> EventPayload {
    use hooktape::engine::request::{CompactTrigger, SessionStartSource};
    match event {
        HookEvent::PreToolUse => EventPayload::PreToolUse {
            tool_name: "Bash".to_owned(),
            tool_input: json!({"command": "echo hi"}),
            tool_use_id: "call-1".to_owned(),
        },
        HookEvent::PermissionRequest => EventPayload::PermissionRequest {
            tool_name: "Bash".to_owned(),
            tool_input: json!({"command": "echo hi"}),
        },
        HookEvent::PostToolUse => EventPayload::PostToolUse {
            tool_name: "Bash".to_owned(),
            tool_input: json!({"command": "echo hi"}),
            tool_response: json!("hi\n"),
            tool_use_id: "call-1".to_owned(),
        },
        HookEvent::SessionStart => EventPayload::SessionStart {
            source: SessionStartSource::Startup,
        },
        HookEvent::UserPromptSubmit => EventPayload::UserPromptSubmit {
            prompt: "hello".to_owned(),
        },
        HookEvent::Stop => EventPayload::Stop {
            stop_hook_active: false,
            last_assistant_message: None,
        },
        HookEvent::PreCompact => EventPayload::PreCompact {
            trigger: CompactTrigger::Manual,
        },
        HookEvent::PostCompact => EventPayload::PostCompact {
            trigger: CompactTrigger::Manual,
        },
        HookEvent::SubagentStart => EventPayload::SubagentStart {
            agent_id: "agent-1".to_owned(),
            agent_type: "worker".to_owned(),
        },
        HookEvent::SubagentStop => EventPayload::SubagentStop {
            agent_transcript_path: None,
            stop_hook_active: false,
            agent_id: "agent-1".to_owned(),
            agent_type: "worker".to_owned(),
            last_assistant_message: None,
        },
        HookEvent::SessionEnd => EventPayload::SessionEnd {
            reason: "exit".to_owned(),
        },
        HookEvent::Interrupt => EventPayload::Interrupt,
        HookEvent::PreModelRequest => EventPayload::PreModelRequest(model_request()),
        HookEvent::PostModelRequest => EventPayload::PostModelRequest {
            request: model_request(),
            outcome: hooktape::engine::request::ModelRequestOutcome {
                error: None,
                token_usage: None,
                response_id: Some("resp-1".to_owned()),
            },
        },
    }
}

fn model_request() -> hooktape::engine::request::ModelRequestInfo {
    hooktape::engine::request::ModelRequestInfo {
        kind: "sampling".to_owned(),
        request_id: "model-request-1".to_owned(),
        attempt_number: 1,
        thread_id: "thread-1".to_owned(),
    }
}
