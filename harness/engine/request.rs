//! What the agent asks the engine to run: the event, its payload and the turn context.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::event::HookEvent;

/// The approval policy of a session; it decides `permission_mode` on hook stdin and whether
/// a PermissionRequest would be asked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalPolicy {
    Untrusted,
    OnFailure,
    #[default]
    OnRequest,
    Never,
}

/// `permission_mode` on hook stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PermissionMode {
    #[serde(rename = "default")]
    Default,
    #[serde(rename = "bypassPermissions")]
    BypassPermissions,
}

impl PermissionMode {
    pub fn from_policy(policy: ApprovalPolicy) -> Self {
        match policy {
            ApprovalPolicy::Never => PermissionMode::BypassPermissions,
            _ => PermissionMode::Default,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PermissionMode::Default => "default",
            PermissionMode::BypassPermissions => "bypassPermissions",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "default" => Some(PermissionMode::Default),
            "bypassPermissions" => Some(PermissionMode::BypassPermissions),
            _ => None,
        }
    }
}

/// Identity of a thread-spawned subagent, added to the hook inputs of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentIdentity {
    pub agent_id: String,
    pub agent_type: String,
}

/// The part of every hook input that comes from the session and turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookContext {
    pub session_id: String,
    /// The turn id; sent on stdin for every event but SessionStart and SessionEnd, and
    /// always carried by notifications.
    pub turn_id: String,
    pub transcript_path: Option<String>,
    pub cwd: String,
    pub model: String,
    pub permission_mode: PermissionMode,
    /// Set inside a thread-spawned subagent.
    pub agent: Option<AgentIdentity>,
}

/// SessionStart `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStartSource {
    Startup,
    Resume,
    Clear,
    Compact,
    /// Codex 0.171: the first turn of a `thread/fork` child.
    Fork,
}

impl SessionStartSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStartSource::Startup => "startup",
            SessionStartSource::Resume => "resume",
            SessionStartSource::Clear => "clear",
            SessionStartSource::Compact => "compact",
            SessionStartSource::Fork => "fork",
        }
    }
}

/// PreCompact/PostCompact `trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompactTrigger {
    Manual,
    Auto,
}

impl CompactTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            CompactTrigger::Manual => "manual",
            CompactTrigger::Auto => "auto",
        }
    }
}

/// Each event's own input.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPayload {
    PreToolUse {
        tool_name: String,
        tool_input: Value,
        tool_use_id: String,
    },
    PermissionRequest {
        tool_name: String,
        tool_input: Value,
    },
    PostToolUse {
        tool_name: String,
        tool_input: Value,
        tool_response: Value,
        tool_use_id: String,
    },
    SessionStart {
        source: SessionStartSource,
    },
    UserPromptSubmit {
        prompt: String,
    },
    Stop {
        stop_hook_active: bool,
        last_assistant_message: Option<String>,
    },
    PreCompact {
        trigger: CompactTrigger,
    },
    PostCompact {
        trigger: CompactTrigger,
    },
    SubagentStart {
        agent_id: String,
        agent_type: String,
    },
    SubagentStop {
        agent_transcript_path: Option<String>,
        stop_hook_active: bool,
        agent_id: String,
        agent_type: String,
        last_assistant_message: Option<String>,
    },
    SessionEnd {
        reason: String,
    },
    /// Codex 0.171, the user interrupted the turn.
    Interrupt,
    /// Codex 0.171, before a model request.
    PreModelRequest(ModelRequestInfo),
    /// Codex 0.171, after a model request.
    PostModelRequest {
        request: ModelRequestInfo,
        outcome: ModelRequestOutcome,
    },
}

/// What Codex 0.171 tells model-request hooks about the request.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRequestInfo {
    /// `sampling` or `foreground_compaction`.
    pub kind: String,
    /// Shared by the Pre and Post run of one request (and their run-id suffix).
    pub request_id: String,
    pub attempt_number: u32,
    pub thread_id: String,
}

/// How a model request ended, for PostModelRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRequestOutcome {
    /// `None`: completed; else the error text.
    pub error: Option<String>,
    /// `{input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens,
    /// reasoning_output_tokens, total_tokens}`, when the response reported usage.
    pub token_usage: Option<Value>,
    pub response_id: Option<String>,
}

impl EventPayload {
    pub fn event(&self) -> HookEvent {
        match self {
            EventPayload::PreToolUse { .. } => HookEvent::PreToolUse,
            EventPayload::PermissionRequest { .. } => HookEvent::PermissionRequest,
            EventPayload::PostToolUse { .. } => HookEvent::PostToolUse,
            EventPayload::SessionStart { .. } => HookEvent::SessionStart,
            EventPayload::UserPromptSubmit { .. } => HookEvent::UserPromptSubmit,
            EventPayload::Stop { .. } => HookEvent::Stop,
            EventPayload::PreCompact { .. } => HookEvent::PreCompact,
            EventPayload::PostCompact { .. } => HookEvent::PostCompact,
            EventPayload::SubagentStart { .. } => HookEvent::SubagentStart,
            EventPayload::SubagentStop { .. } => HookEvent::SubagentStop,
            EventPayload::SessionEnd { .. } => HookEvent::SessionEnd,
            EventPayload::PreModelRequest(_) => HookEvent::PreModelRequest,
            EventPayload::PostModelRequest { .. } => HookEvent::PostModelRequest,
            EventPayload::Interrupt => HookEvent::Interrupt,
        }
    }

    /// The value(s) a matcher is tested against, canonical first. `None`: matchers are ignored.
    pub fn matcher_subject(&self) -> Option<Vec<&str>> {
        match self {
            EventPayload::PreToolUse { tool_name, .. }
            | EventPayload::PermissionRequest { tool_name, .. }
            | EventPayload::PostToolUse { tool_name, .. } => Some(vec![tool_name.as_str()]),
            EventPayload::SessionStart { source } => Some(vec![source.as_str()]),
            EventPayload::PreCompact { trigger } | EventPayload::PostCompact { trigger } => {
                Some(vec![trigger.as_str()])
            }
            EventPayload::SubagentStart { agent_type, .. }
            | EventPayload::SubagentStop { agent_type, .. } => Some(vec![agent_type.as_str()]),
            EventPayload::SessionEnd { reason } => Some(vec![reason.as_str()]),
            EventPayload::UserPromptSubmit { .. }
            | EventPayload::Stop { .. }
            | EventPayload::PreModelRequest(_)
            | EventPayload::PostModelRequest { .. }
            | EventPayload::Interrupt => None,
        }
    }
}

/// One request to run an event's hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct HookRequest {
    pub context: HookContext,
    pub payload: EventPayload,
    /// Extra names the tool also matches as (`Write`, `Edit` for `apply_patch`).
    pub matcher_aliases: Vec<String>,
    /// PermissionRequest run-id suffix (the call id, `{call_id}:retry`, an approval id).
    pub run_id_suffix: Option<String>,
}

impl HookRequest {
    pub fn new(context: HookContext, payload: EventPayload) -> Self {
        HookRequest {
            context,
            payload,
            matcher_aliases: Vec::new(),
            run_id_suffix: None,
        }
    }

    pub fn event(&self) -> HookEvent {
        self.payload.event()
    }

    /// The suffix appended to every run id of this request (tool and model-request events).
    pub fn run_id_suffix(&self) -> Option<&str> {
        match &self.payload {
            EventPayload::PreToolUse { tool_use_id, .. }
            | EventPayload::PostToolUse { tool_use_id, .. } => Some(tool_use_id),
            EventPayload::PermissionRequest { .. } => self.run_id_suffix.as_deref(),
            EventPayload::PreModelRequest(info)
            | EventPayload::PostModelRequest { request: info, .. } => Some(&info.request_id),
            _ => None,
        }
    }
}
