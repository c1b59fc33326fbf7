//! Serde shapes of the lifecycle dialect: the stdin payload (`spec/lifecycle-branch.md`,
//! "Payload") and the legacy notify JSON (`agent-turn-complete`). Field order is wire order;
//! `None` fields the spec omits are skipped, the rest are `null`.
//!
//! Built from the domain types of [`crate::engine::lifecycle::payload`] at the edge.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::engine::clock::rfc3339_utc;
use crate::engine::lifecycle::payload::{
    AgentTurn, LifecycleEvent, LifecycleFields, LifecyclePayload, ShellParams, ToolCall,
    ToolCallResult, ToolInput,
};

/// The whole stdin object: context keys, then the event's own keys flattened.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadWire<'a> {
    pub session_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript_path: Option<&'a str>,
    pub cwd: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<&'a str>,
    pub triggered_at: String,
    pub hook_event_name: &'static str,
    #[serde(flatten)]
    pub event: EventWire<'a>,
}

/// The event's own keys (flattened into [`PayloadWire`]).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EventWire<'a> {
    Lifecycle(LifecycleFieldsWire<'a>),
    PreToolUse(ToolCallWire<'a>),
    PostToolUse(PostToolUseWire<'a>),
    AfterAgent(AfterAgentWire<'a>),
}

#[derive(Debug, Clone, Serialize)]
pub struct LifecycleFieldsWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_session_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_assistant_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_input: Option<ToolInputWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolCallWire<'a> {
    pub turn_id: &'a str,
    pub call_id: &'a str,
    pub tool_name: &'a str,
    pub tool_kind: &'static str,
    pub tool_input: ToolInputWire<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutating: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_policy: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostToolUseWire<'a> {
    #[serde(flatten)]
    pub call: ToolCallWire<'a>,
    pub executed: bool,
    pub success: bool,
    pub duration_ms: u64,
    pub output_preview: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AfterAgentWire<'a> {
    pub thread_id: &'a str,
    pub turn_id: &'a str,
    pub input_messages: &'a [String],
    pub last_assistant_message: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "input_type", rename_all = "snake_case")]
pub enum ToolInputWire<'a> {
    Function {
        arguments: &'a str,
    },
    Custom {
        input: &'a str,
    },
    LocalShell {
        params: ShellParamsWire<'a>,
    },
    Mcp {
        server: &'a str,
        tool: &'a str,
        arguments: &'a str,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ShellParamsWire<'a> {
    pub command: &'a [String],
    pub workdir: Option<&'a str>,
    pub timeout_ms: Option<u64>,
    pub sandbox_permissions: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_permissions: Option<&'a Value>,
    pub justification: Option<&'a str>,
    pub prefix_rule: Option<&'a [String]>,
}

impl<'a> PayloadWire<'a> {
    /// The wire shape of `payload`, sent at `triggered_at` (Unix seconds).
    pub fn new(payload: &'a LifecyclePayload, triggered_at: i64) -> Self {
        let ctx = &payload.context;
        PayloadWire {
            session_id: &ctx.session_id,
            transcript_path: ctx.transcript_path.as_deref(),
            cwd: &ctx.cwd,
            client: ctx.client.as_deref(),
            triggered_at: rfc3339_utc(triggered_at),
            hook_event_name: payload.name().as_str(),
            event: EventWire::new(&payload.event),
        }
    }
}

impl<'a> EventWire<'a> {
    fn new(event: &'a LifecycleEvent) -> Self {
        match event {
            LifecycleEvent::SessionStart(f)
            | LifecycleEvent::UserPromptSubmit(f)
            | LifecycleEvent::Stop(f)
            | LifecycleEvent::PreCompact(f)
            | LifecycleEvent::SessionEnd(f)
            | LifecycleEvent::SubagentStart(f)
            | LifecycleEvent::SubagentStop(f) => EventWire::Lifecycle(LifecycleFieldsWire::new(f)),
            LifecycleEvent::PreToolUse(call) => EventWire::PreToolUse(ToolCallWire::new(call)),
            LifecycleEvent::PostToolUse(call, result) => {
                EventWire::PostToolUse(PostToolUseWire::new(call, result))
            }
            LifecycleEvent::AfterAgent(turn) => EventWire::AfterAgent(AfterAgentWire {
                thread_id: &turn.thread_id,
                turn_id: &turn.turn_id,
                input_messages: &turn.input_messages,
                last_assistant_message: turn.last_assistant_message.as_deref(),
            }),
        }
    }
}

impl<'a> LifecycleFieldsWire<'a> {
    fn new(f: &'a LifecycleFields) -> Self {
        LifecycleFieldsWire {
            previous_session_id: f.previous_session_id.as_deref(),
            prompt: f.prompt.as_deref(),
            last_assistant_message: f.last_assistant_message.as_deref(),
            tool_use_id: f.tool_use_id.as_deref(),
            tool_input: f.tool_input.as_ref().map(ToolInputWire::new),
            subagent_id: f.subagent_id.as_deref(),
            metadata: f.metadata.as_ref(),
        }
    }
}

impl<'a> ToolCallWire<'a> {
    fn new(call: &'a ToolCall) -> Self {
        ToolCallWire {
            turn_id: &call.turn_id,
            call_id: &call.call_id,
            tool_name: &call.tool_name,
            tool_kind: call.tool_kind.as_str(),
            tool_input: ToolInputWire::new(&call.tool_input),
            mutating: call.mutating,
            sandbox: call.sandbox.as_deref(),
            sandbox_policy: call.sandbox_policy.as_deref(),
        }
    }
}

impl<'a> PostToolUseWire<'a> {
    fn new(call: &'a ToolCall, result: &'a ToolCallResult) -> Self {
        PostToolUseWire {
            call: ToolCallWire::new(call),
            executed: result.executed,
            success: result.success,
            duration_ms: result.duration_ms,
            output_preview: &result.output_preview,
        }
    }
}

impl<'a> ToolInputWire<'a> {
    fn new(input: &'a ToolInput) -> Self {
        match input {
            ToolInput::Function { arguments } => ToolInputWire::Function { arguments },
            ToolInput::Custom { input } => ToolInputWire::Custom { input },
            ToolInput::LocalShell(params) => ToolInputWire::LocalShell {
                params: ShellParamsWire::new(params),
            },
            ToolInput::Mcp {
                server,
                tool,
                arguments,
            } => ToolInputWire::Mcp {
                server,
                tool,
                arguments,
            },
        }
    }
}

impl<'a> ShellParamsWire<'a> {
    fn new(p: &'a ShellParams) -> Self {
        ShellParamsWire {
            command: &p.command,
            workdir: p.workdir.as_deref(),
            timeout_ms: p.timeout_ms,
            sandbox_permissions: p.sandbox_permissions.as_str(),
            additional_permissions: p.additional_permissions.as_ref(),
            justification: p.justification.as_deref(),
            prefix_rule: p.prefix_rule.as_deref(),
        }
    }
}

/// The exact stdin text: compact JSON, no trailing newline. Fails only if serde does (the
/// caller reports that as a failed run that continues).
pub fn payload_json(
    payload: &LifecyclePayload,
    triggered_at: i64,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&PayloadWire::new(payload, triggered_at))
}

/// The legacy notify JSON: `{"type":"agent-turn-complete","thread-id",…}`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LegacyNotificationWire<'a> {
    #[serde(rename_all = "kebab-case")]
    AgentTurnComplete {
        thread_id: &'a str,
        turn_id: &'a str,
        cwd: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client: Option<&'a str>,
        input_messages: &'a [String],
        last_assistant_message: Option<&'a str>,
    },
}

impl<'a> LegacyNotificationWire<'a> {
    pub fn new(turn: &'a AgentTurn, cwd: &'a str, client: Option<&'a str>) -> Self {
        LegacyNotificationWire::AgentTurnComplete {
            thread_id: &turn.thread_id,
            turn_id: &turn.turn_id,
            cwd,
            client,
            input_messages: &turn.input_messages,
            last_assistant_message: turn.last_assistant_message.as_deref(),
        }
    }
}

/// The notify argument text: compact JSON.
pub fn legacy_notification_json(
    turn: &AgentTurn,
    cwd: &str,
    client: Option<&str>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&LegacyNotificationWire::new(turn, cwd, client))
}
