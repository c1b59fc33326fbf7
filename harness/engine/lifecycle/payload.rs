//! Domain types of a lifecycle-dialect payload: what the agent knows when an event fires.
//! The serde wire shape (key order, omitted fields, `input_type` tags, `triggered_at`) lives
//! in [`crate::engine::wire::lifecycle`]; these types carry no serde attributes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::event::LifecycleEventName;
use crate::engine::request::HookContext;

/// The session part of every payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleContext {
    pub session_id: String,
    /// The rollout file; `None` when there is no rollout (the key is then omitted).
    pub transcript_path: Option<String>,
    pub cwd: String,
    /// The client name (e.g. `codex-tui`); `None` when unknown (the key is then omitted).
    pub client: Option<String>,
}

impl LifecycleContext {
    /// The lifecycle context of a codex-dialect [`HookContext`] (same session, rollout and cwd);
    /// `client` is not part of it.
    pub fn from_hook_context(ctx: &HookContext, client: Option<String>) -> Self {
        LifecycleContext {
            session_id: ctx.session_id.clone(),
            transcript_path: ctx.transcript_path.clone(),
            cwd: ctx.cwd.clone(),
            client,
        }
    }
}

/// UserPromptSubmit's `prompt`: the turn's text inputs joined with newlines, `None` (omitted)
/// when that is empty.
pub fn joined_prompt<S: AsRef<str>>(texts: &[S]) -> Option<String> {
    let joined = texts
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join("\n");
    (!joined.is_empty()).then_some(joined)
}

/// The optional fields of the seven lifecycle events (SessionStart, UserPromptSubmit, Stop,
/// PreCompact, SessionEnd, SubagentStart, SubagentStop); each is omitted when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleFields {
    pub previous_session_id: Option<String>,
    pub prompt: Option<String>,
    pub last_assistant_message: Option<String>,
    pub tool_use_id: Option<String>,
    pub tool_input: Option<ToolInput>,
    pub subagent_id: Option<String>,
    /// A string map; sorted by key so the payload is deterministic.
    pub metadata: Option<BTreeMap<String, String>>,
}

/// `tool_kind` of a tool event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolKind {
    Function,
    Custom,
    LocalShell,
    Mcp,
}

impl ToolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Function => "function",
            ToolKind::Custom => "custom",
            ToolKind::LocalShell => "local_shell",
            ToolKind::Mcp => "mcp",
        }
    }
}

/// `tool_input`, tagged by `input_type` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolInput {
    /// A function call: its arguments as the model sent them (JSON text).
    Function { arguments: String },
    /// A freeform (custom) tool call: its raw input text.
    Custom { input: String },
    /// A `local_shell` call.
    LocalShell(ShellParams),
    /// An MCP tool call: server, tool and raw arguments text. (Not among the spec's three
    /// tags; kept so `tool_kind = "mcp"` has an input of its own.)
    Mcp {
        server: String,
        tool: String,
        arguments: String,
    },
}

impl ToolInput {
    /// The `tool_kind` that naturally goes with this input.
    pub fn kind(&self) -> ToolKind {
        match self {
            ToolInput::Function { .. } => ToolKind::Function,
            ToolInput::Custom { .. } => ToolKind::Custom,
            ToolInput::LocalShell(_) => ToolKind::LocalShell,
            ToolInput::Mcp { .. } => ToolKind::Mcp,
        }
    }
}

/// `sandbox_permissions` of a shell call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SandboxPermissions {
    #[default]
    UseDefault,
    RequireEscalated,
}

impl SandboxPermissions {
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxPermissions::UseDefault => "use_default",
            SandboxPermissions::RequireEscalated => "require_escalated",
        }
    }
}

/// The `params` of a `local_shell` tool input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellParams {
    pub command: Vec<String>,
    pub workdir: Option<String>,
    pub timeout_ms: Option<u64>,
    pub sandbox_permissions: SandboxPermissions,
    /// Extra permissions the call asks for; omitted from the payload when `None`.
    pub additional_permissions: Option<Value>,
    pub justification: Option<String>,
    pub prefix_rule: Option<Vec<String>>,
}

/// The tool call a PreToolUse / PostToolUse payload describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub turn_id: String,
    pub call_id: String,
    pub tool_name: String,
    pub tool_kind: ToolKind,
    pub tool_input: ToolInput,
    /// Each of these three is sent only when known.
    pub mutating: Option<bool>,
    pub sandbox: Option<String>,
    pub sandbox_policy: Option<String>,
}

/// What PostToolUse adds: how the call went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCallResult {
    pub executed: bool,
    pub success: bool,
    /// Scripted by the caller, so payloads stay deterministic.
    pub duration_ms: u64,
    pub output_preview: String,
}

/// A completed agent turn: the AfterAgent payload and the legacy notify JSON's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTurn {
    pub thread_id: String,
    pub turn_id: String,
    pub input_messages: Vec<String>,
    /// The final answer; `null` on the wire when there is none.
    pub last_assistant_message: Option<String>,
}

/// One event with its own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleEvent {
    SessionStart(LifecycleFields),
    UserPromptSubmit(LifecycleFields),
    PreToolUse(ToolCall),
    PostToolUse(ToolCall, ToolCallResult),
    Stop(LifecycleFields),
    PreCompact(LifecycleFields),
    SessionEnd(LifecycleFields),
    SubagentStart(LifecycleFields),
    SubagentStop(LifecycleFields),
    AfterAgent(AgentTurn),
}

impl LifecycleEvent {
    pub fn name(&self) -> LifecycleEventName {
        match self {
            LifecycleEvent::SessionStart(_) => LifecycleEventName::SessionStart,
            LifecycleEvent::UserPromptSubmit(_) => LifecycleEventName::UserPromptSubmit,
            LifecycleEvent::PreToolUse(_) => LifecycleEventName::PreToolUse,
            LifecycleEvent::PostToolUse(..) => LifecycleEventName::PostToolUse,
            LifecycleEvent::Stop(_) => LifecycleEventName::Stop,
            LifecycleEvent::PreCompact(_) => LifecycleEventName::PreCompact,
            LifecycleEvent::SessionEnd(_) => LifecycleEventName::SessionEnd,
            LifecycleEvent::SubagentStart(_) => LifecycleEventName::SubagentStart,
            LifecycleEvent::SubagentStop(_) => LifecycleEventName::SubagentStop,
            LifecycleEvent::AfterAgent(_) => LifecycleEventName::AfterAgent,
        }
    }

    /// The tool call id of a tool event (it suffixes the run id).
    pub fn call_id(&self) -> Option<&str> {
        match self {
            LifecycleEvent::PreToolUse(call) | LifecycleEvent::PostToolUse(call, _) => {
                Some(&call.call_id)
            }
            _ => None,
        }
    }
}

/// A full payload: context plus event. `triggered_at` is added when it is sent, from the
/// engine's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecyclePayload {
    pub context: LifecycleContext,
    pub event: LifecycleEvent,
}

impl LifecyclePayload {
    pub fn new(context: LifecycleContext, event: LifecycleEvent) -> Self {
        LifecyclePayload { context, event }
    }

    pub fn name(&self) -> LifecycleEventName {
        self.event.name()
    }
}

#[cfg(test)]
mod tests {
    use super::joined_prompt;

    #[test]
    fn prompt_is_the_text_inputs_joined_with_newlines_or_omitted() {
        assert_eq!(joined_prompt(&["a", "b"]).as_deref(), Some("a\nb"));
        assert_eq!(joined_prompt::<&str>(&[]), None);
        assert_eq!(joined_prompt(&[""]), None);
        assert_eq!(joined_prompt(&["", ""]).as_deref(), Some("\n"));
    }
}
