//! Hook event names and their per-event constants (wire spellings, scope, matcher input).

use serde::{Deserialize, Serialize};

/// Every lifecycle event the engine knows, in the fixed display order of discovery
/// (the six reference events first, then the later lifecycle events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HookEvent {
    PreToolUse,
    PermissionRequest,
    PostToolUse,
    SessionStart,
    UserPromptSubmit,
    Stop,
    PreCompact,
    PostCompact,
    SubagentStart,
    SubagentStop,
    SessionEnd,
    /// Codex 0.171: right before each model request (observation only).
    PreModelRequest,
    /// Codex 0.171: right after each model request, failures included (observation only).
    PostModelRequest,
    /// Codex 0.171: the user interrupted a running root turn (Stop does not run).
    Interrupt,
}

/// Whether a hook run belongs to the thread or to one turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookScope {
    Thread,
    Turn,
}

/// What a matcher of this event is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatcherInput {
    /// Matchers are ignored and never validated (UserPromptSubmit, Stop).
    Ignored,
    /// The tool name, then its aliases.
    ToolName,
    /// SessionStart `source`.
    Source,
    /// PreCompact/PostCompact `trigger`.
    Trigger,
    /// SubagentStart/SubagentStop `agent_type`.
    AgentType,
    /// SessionEnd `reason` (Claude Code's rule; Codex has none).
    Reason,
}

impl HookEvent {
    /// The events of Codex at 4e30281 and its extra-events lineage, in discovery (display)
    /// order; the parsers and fuzzers cover these. Codex 0.171 adds [`HookEvent::MODEL_REQUEST`].
    pub const ALL: [HookEvent; 11] = [
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::SessionStart,
        HookEvent::UserPromptSubmit,
        HookEvent::Stop,
        HookEvent::PreCompact,
        HookEvent::PostCompact,
        HookEvent::SubagentStart,
        HookEvent::SubagentStop,
        HookEvent::SessionEnd,
    ];

    /// Codex 0.171's model-request events; their output is ignored.
    pub const MODEL_REQUEST: [HookEvent; 2] =
        [HookEvent::PreModelRequest, HookEvent::PostModelRequest];

    /// The events only Codex 0.171 has (beyond [`HookEvent::ALL`]).
    pub const CURRENT_ONLY: [HookEvent; 3] = [
        HookEvent::PreModelRequest,
        HookEvent::PostModelRequest,
        HookEvent::Interrupt,
    ];

    /// Every event of any dialect: [`HookEvent::ALL`] then [`HookEvent::CURRENT_ONLY`].
    pub const EVERY: [HookEvent; 14] = [
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::SessionStart,
        HookEvent::UserPromptSubmit,
        HookEvent::Stop,
        HookEvent::PreCompact,
        HookEvent::PostCompact,
        HookEvent::SubagentStart,
        HookEvent::SubagentStop,
        HookEvent::SessionEnd,
        HookEvent::PreModelRequest,
        HookEvent::PostModelRequest,
        HookEvent::Interrupt,
    ];

    /// The six events of the reference commit 4e30281.
    pub const REFERENCE: [HookEvent; 6] = [
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::SessionStart,
        HookEvent::UserPromptSubmit,
        HookEvent::Stop,
    ];

    /// PascalCase name used in config files and in `hook_event_name` on stdin.
    pub fn config_name(self) -> &'static str {
        match self {
            HookEvent::PreToolUse => "PreToolUse",
            HookEvent::PermissionRequest => "PermissionRequest",
            HookEvent::PostToolUse => "PostToolUse",
            HookEvent::SessionStart => "SessionStart",
            HookEvent::UserPromptSubmit => "UserPromptSubmit",
            HookEvent::Stop => "Stop",
            HookEvent::PreCompact => "PreCompact",
            HookEvent::PostCompact => "PostCompact",
            HookEvent::SubagentStart => "SubagentStart",
            HookEvent::SubagentStop => "SubagentStop",
            HookEvent::SessionEnd => "SessionEnd",
            HookEvent::PreModelRequest => "PreModelRequest",
            HookEvent::PostModelRequest => "PostModelRequest",
            HookEvent::Interrupt => "Interrupt",
        }
    }

    /// snake_case name of protocol v1 (`EventMsg`) and of the lifecycle `[hooks]` table.
    pub fn v1_name(self) -> &'static str {
        match self {
            HookEvent::PreToolUse => "pre_tool_use",
            HookEvent::PermissionRequest => "permission_request",
            HookEvent::PostToolUse => "post_tool_use",
            HookEvent::SessionStart => "session_start",
            HookEvent::UserPromptSubmit => "user_prompt_submit",
            HookEvent::Stop => "stop",
            HookEvent::PreCompact => "pre_compact",
            HookEvent::PostCompact => "post_compact",
            HookEvent::SubagentStart => "subagent_start",
            HookEvent::SubagentStop => "subagent_stop",
            HookEvent::SessionEnd => "session_end",
            HookEvent::PreModelRequest => "pre_model_request",
            HookEvent::PostModelRequest => "post_model_request",
            HookEvent::Interrupt => "interrupt",
        }
    }

    /// camelCase name of the app-server v2 protocol.
    pub fn v2_name(self) -> &'static str {
        match self {
            HookEvent::PreToolUse => "preToolUse",
            HookEvent::PermissionRequest => "permissionRequest",
            HookEvent::PostToolUse => "postToolUse",
            HookEvent::SessionStart => "sessionStart",
            HookEvent::UserPromptSubmit => "userPromptSubmit",
            HookEvent::Stop => "stop",
            HookEvent::PreCompact => "preCompact",
            HookEvent::PostCompact => "postCompact",
            HookEvent::SubagentStart => "subagentStart",
            HookEvent::SubagentStop => "subagentStop",
            HookEvent::SessionEnd => "sessionEnd",
            HookEvent::PreModelRequest => "preModelRequest",
            HookEvent::PostModelRequest => "postModelRequest",
            HookEvent::Interrupt => "interrupt",
        }
    }

    /// kebab-case label that starts a run id.
    pub fn run_id_label(self) -> &'static str {
        match self {
            HookEvent::PreToolUse => "pre-tool-use",
            HookEvent::PermissionRequest => "permission-request",
            HookEvent::PostToolUse => "post-tool-use",
            HookEvent::SessionStart => "session-start",
            HookEvent::UserPromptSubmit => "user-prompt-submit",
            HookEvent::Stop => "stop",
            HookEvent::PreCompact => "pre-compact",
            HookEvent::PostCompact => "post-compact",
            HookEvent::SubagentStart => "subagent-start",
            HookEvent::SubagentStop => "subagent-stop",
            HookEvent::SessionEnd => "session-end",
            HookEvent::PreModelRequest => "pre-model-request",
            HookEvent::PostModelRequest => "post-model-request",
            HookEvent::Interrupt => "interrupt",
        }
    }

    pub fn scope(self) -> HookScope {
        match self {
            HookEvent::SessionStart | HookEvent::SubagentStart | HookEvent::SessionEnd => {
                HookScope::Thread
            }
            _ => HookScope::Turn,
        }
    }

    pub fn matcher_input(self) -> MatcherInput {
        match self {
            HookEvent::PreToolUse | HookEvent::PermissionRequest | HookEvent::PostToolUse => {
                MatcherInput::ToolName
            }
            HookEvent::SessionStart => MatcherInput::Source,
            HookEvent::UserPromptSubmit
            | HookEvent::Stop
            | HookEvent::PreModelRequest
            | HookEvent::PostModelRequest
            | HookEvent::Interrupt => MatcherInput::Ignored,
            HookEvent::PreCompact | HookEvent::PostCompact => MatcherInput::Trigger,
            HookEvent::SubagentStart | HookEvent::SubagentStop => MatcherInput::AgentType,
            HookEvent::SessionEnd => MatcherInput::Reason,
        }
    }

    /// Parses any of the spellings (PascalCase, snake_case, camelCase, kebab label).
    pub fn parse_any(name: &str) -> Option<HookEvent> {
        HookEvent::EVERY.into_iter().find(|e| {
            e.config_name() == name
                || e.v1_name() == name
                || e.v2_name() == name
                || e.run_id_label() == name
        })
    }

    pub fn from_config_name(name: &str) -> Option<HookEvent> {
        HookEvent::EVERY
            .into_iter()
            .find(|e| e.config_name() == name)
    }
}

impl std::fmt::Display for HookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.config_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_is_all_then_the_current_only_events() {
        assert_eq!(&HookEvent::EVERY[..HookEvent::ALL.len()], &HookEvent::ALL);
        assert_eq!(
            &HookEvent::EVERY[HookEvent::ALL.len()..],
            &HookEvent::CURRENT_ONLY
        );
        for e in HookEvent::EVERY {
            assert_eq!(HookEvent::parse_any(e.config_name()), Some(e));
            assert_eq!(HookEvent::parse_any(e.run_id_label()), Some(e));
        }
    }
}
