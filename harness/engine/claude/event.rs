//! Claude Code's hook events (2.1.197): every name its settings accept, which field a
//! matcher is compared with, and which of them a `-p` session fires.

use serde::{Deserialize, Serialize};

/// One Claude Code hook event, by its settings name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClaudeEvent {
    SessionStart,
    Setup,
    InstructionsLoaded,
    UserPromptSubmit,
    UserPromptExpansion,
    MessageDisplay,
    PreToolUse,
    PermissionRequest,
    PermissionDenied,
    PostToolUse,
    PostToolUseFailure,
    PostToolBatch,
    Notification,
    SubagentStart,
    SubagentStop,
    TaskCreated,
    TaskCompleted,
    Stop,
    StopFailure,
    TeammateIdle,
    ConfigChange,
    CwdChanged,
    DirectoryAdded,
    FileChanged,
    WorktreeCreate,
    WorktreeRemove,
    PreCompact,
    PostCompact,
    Elicitation,
    ElicitationResult,
    SessionEnd,
}

impl ClaudeEvent {
    /// Every event name Claude Code's settings accept, in the order of its reference.
    pub const ALL: [ClaudeEvent; 31] = [
        ClaudeEvent::SessionStart,
        ClaudeEvent::Setup,
        ClaudeEvent::InstructionsLoaded,
        ClaudeEvent::UserPromptSubmit,
        ClaudeEvent::UserPromptExpansion,
        ClaudeEvent::MessageDisplay,
        ClaudeEvent::PreToolUse,
        ClaudeEvent::PermissionRequest,
        ClaudeEvent::PermissionDenied,
        ClaudeEvent::PostToolUse,
        ClaudeEvent::PostToolUseFailure,
        ClaudeEvent::PostToolBatch,
        ClaudeEvent::Notification,
        ClaudeEvent::SubagentStart,
        ClaudeEvent::SubagentStop,
        ClaudeEvent::TaskCreated,
        ClaudeEvent::TaskCompleted,
        ClaudeEvent::Stop,
        ClaudeEvent::StopFailure,
        ClaudeEvent::TeammateIdle,
        ClaudeEvent::ConfigChange,
        ClaudeEvent::CwdChanged,
        ClaudeEvent::DirectoryAdded,
        ClaudeEvent::FileChanged,
        ClaudeEvent::WorktreeCreate,
        ClaudeEvent::WorktreeRemove,
        ClaudeEvent::PreCompact,
        ClaudeEvent::PostCompact,
        ClaudeEvent::Elicitation,
        ClaudeEvent::ElicitationResult,
        ClaudeEvent::SessionEnd,
    ];

    /// The events hooktape's `claude` session fires, as a `claude -p` session does: the
    /// others are read, listed and reported as never firing.
    pub const FIRED: [ClaudeEvent; 13] = [
        ClaudeEvent::SessionStart,
        ClaudeEvent::UserPromptSubmit,
        ClaudeEvent::PreToolUse,
        ClaudeEvent::PermissionDenied,
        ClaudeEvent::PostToolUse,
        ClaudeEvent::PostToolUseFailure,
        ClaudeEvent::PostToolBatch,
        ClaudeEvent::Stop,
        ClaudeEvent::SubagentStart,
        ClaudeEvent::SubagentStop,
        ClaudeEvent::PreCompact,
        ClaudeEvent::PostCompact,
        ClaudeEvent::SessionEnd,
    ];

    /// The settings name (`hook_event_name` on stdin).
    pub fn name(self) -> &'static str {
        match self {
            ClaudeEvent::SessionStart => "SessionStart",
            ClaudeEvent::Setup => "Setup",
            ClaudeEvent::InstructionsLoaded => "InstructionsLoaded",
            ClaudeEvent::UserPromptSubmit => "UserPromptSubmit",
            ClaudeEvent::UserPromptExpansion => "UserPromptExpansion",
            ClaudeEvent::MessageDisplay => "MessageDisplay",
            ClaudeEvent::PreToolUse => "PreToolUse",
            ClaudeEvent::PermissionRequest => "PermissionRequest",
            ClaudeEvent::PermissionDenied => "PermissionDenied",
            ClaudeEvent::PostToolUse => "PostToolUse",
            ClaudeEvent::PostToolUseFailure => "PostToolUseFailure",
            ClaudeEvent::PostToolBatch => "PostToolBatch",
            ClaudeEvent::Notification => "Notification",
            ClaudeEvent::SubagentStart => "SubagentStart",
            ClaudeEvent::SubagentStop => "SubagentStop",
            ClaudeEvent::TaskCreated => "TaskCreated",
            ClaudeEvent::TaskCompleted => "TaskCompleted",
            ClaudeEvent::Stop => "Stop",
            ClaudeEvent::StopFailure => "StopFailure",
            ClaudeEvent::TeammateIdle => "TeammateIdle",
            ClaudeEvent::ConfigChange => "ConfigChange",
            ClaudeEvent::CwdChanged => "CwdChanged",
            ClaudeEvent::DirectoryAdded => "DirectoryAdded",
            ClaudeEvent::FileChanged => "FileChanged",
            ClaudeEvent::WorktreeCreate => "WorktreeCreate",
            ClaudeEvent::WorktreeRemove => "WorktreeRemove",
            ClaudeEvent::PreCompact => "PreCompact",
            ClaudeEvent::PostCompact => "PostCompact",
            ClaudeEvent::Elicitation => "Elicitation",
            ClaudeEvent::ElicitationResult => "ElicitationResult",
            ClaudeEvent::SessionEnd => "SessionEnd",
        }
    }

    /// The event of a settings name (case-sensitive, as Claude Code reads it).
    pub fn from_name(name: &str) -> Option<ClaudeEvent> {
        ClaudeEvent::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The input field a matcher is compared with; `None`: the event ignores matchers.
    pub fn matcher_field(self) -> Option<&'static str> {
        match self {
            ClaudeEvent::PreToolUse
            | ClaudeEvent::PermissionRequest
            | ClaudeEvent::PermissionDenied
            | ClaudeEvent::PostToolUse
            | ClaudeEvent::PostToolUseFailure => Some("tool_name"),
            ClaudeEvent::SessionStart | ClaudeEvent::ConfigChange | ClaudeEvent::DirectoryAdded => {
                Some("source")
            }
            ClaudeEvent::Setup | ClaudeEvent::PreCompact | ClaudeEvent::PostCompact => {
                Some("trigger")
            }
            ClaudeEvent::SessionEnd => Some("reason"),
            ClaudeEvent::Notification => Some("notification_type"),
            ClaudeEvent::SubagentStart | ClaudeEvent::SubagentStop => Some("agent_type"),
            ClaudeEvent::FileChanged => Some("file_path"),
            ClaudeEvent::StopFailure => Some("error"),
            ClaudeEvent::InstructionsLoaded => Some("load_reason"),
            ClaudeEvent::UserPromptExpansion => Some("command_name"),
            ClaudeEvent::Elicitation | ClaudeEvent::ElicitationResult => Some("mcp_server_name"),
            _ => None,
        }
    }

    /// A tool event: the only events where a handler's `if` rule is evaluated (elsewhere a
    /// handler with `if` never runs).
    pub fn is_tool_event(self) -> bool {
        matches!(
            self,
            ClaudeEvent::PreToolUse
                | ClaudeEvent::PostToolUse
                | ClaudeEvent::PostToolUseFailure
                | ClaudeEvent::PermissionRequest
                | ClaudeEvent::PermissionDenied
        )
    }

    /// Whether hooktape's `claude` session fires it.
    pub fn is_fired(self) -> bool {
        ClaudeEvent::FIRED.contains(&self)
    }
}

impl std::fmt::Display for ClaudeEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::ClaudeEvent;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for e in ClaudeEvent::ALL {
            assert_eq!(ClaudeEvent::from_name(e.name()), Some(e));
        }
        assert_eq!(ClaudeEvent::from_name("pretooluse"), None);
        assert_eq!(ClaudeEvent::from_name("Interrupt"), None);
    }

    #[test]
    fn tool_events_match_on_tool_name_and_stop_ignores_matchers() {
        assert_eq!(
            ClaudeEvent::PostToolUseFailure.matcher_field(),
            Some("tool_name")
        );
        assert_eq!(ClaudeEvent::Stop.matcher_field(), None);
        assert_eq!(ClaudeEvent::PostToolBatch.matcher_field(), None);
        assert!(!ClaudeEvent::Stop.is_tool_event());
        assert!(ClaudeEvent::FIRED.iter().all(|e| e.is_fired()));
        assert!(!ClaudeEvent::Notification.is_fired());
    }
}
