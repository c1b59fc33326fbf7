//! The lifecycle dialect's names: the nine `[hooks]` config keys and the ten payload
//! `hook_event_name`s (the nine plus `AfterAgent`, the legacy notify's event).

use crate::engine::event::HookEvent;

/// A key of the lifecycle `[hooks]` table; also the hook's name in results and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleHookKey {
    SessionStart,
    UserPromptSubmit,
    PreToolUse,
    PostToolUse,
    Stop,
    PreCompact,
    SessionEnd,
    SubagentStart,
    SubagentStop,
}

impl LifecycleHookKey {
    /// Every key, in the order of the spec's `[hooks]` table (also the display order).
    pub const ALL: [LifecycleHookKey; 9] = [
        LifecycleHookKey::SessionStart,
        LifecycleHookKey::UserPromptSubmit,
        LifecycleHookKey::PreToolUse,
        LifecycleHookKey::PostToolUse,
        LifecycleHookKey::Stop,
        LifecycleHookKey::PreCompact,
        LifecycleHookKey::SessionEnd,
        LifecycleHookKey::SubagentStart,
        LifecycleHookKey::SubagentStop,
    ];

    /// The config key, e.g. `pre_tool_use`: the hook's name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleHookKey::SessionStart => "session_start",
            LifecycleHookKey::UserPromptSubmit => "user_prompt_submit",
            LifecycleHookKey::PreToolUse => "pre_tool_use",
            LifecycleHookKey::PostToolUse => "post_tool_use",
            LifecycleHookKey::Stop => "stop",
            LifecycleHookKey::PreCompact => "pre_compact",
            LifecycleHookKey::SessionEnd => "session_end",
            LifecycleHookKey::SubagentStart => "subagent_start",
            LifecycleHookKey::SubagentStop => "subagent_stop",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        LifecycleHookKey::ALL
            .into_iter()
            .find(|k| k.as_str() == key)
    }

    /// The payload event this key's hook receives.
    pub fn event_name(self) -> LifecycleEventName {
        match self {
            LifecycleHookKey::SessionStart => LifecycleEventName::SessionStart,
            LifecycleHookKey::UserPromptSubmit => LifecycleEventName::UserPromptSubmit,
            LifecycleHookKey::PreToolUse => LifecycleEventName::PreToolUse,
            LifecycleHookKey::PostToolUse => LifecycleEventName::PostToolUse,
            LifecycleHookKey::Stop => LifecycleEventName::Stop,
            LifecycleHookKey::PreCompact => LifecycleEventName::PreCompact,
            LifecycleHookKey::SessionEnd => LifecycleEventName::SessionEnd,
            LifecycleHookKey::SubagentStart => LifecycleEventName::SubagentStart,
            LifecycleHookKey::SubagentStop => LifecycleEventName::SubagentStop,
        }
    }

    /// The engine event a run of this hook is summarised under (`HookRunSummary::event`).
    pub fn hook_event(self) -> HookEvent {
        match self {
            LifecycleHookKey::SessionStart => HookEvent::SessionStart,
            LifecycleHookKey::UserPromptSubmit => HookEvent::UserPromptSubmit,
            LifecycleHookKey::PreToolUse => HookEvent::PreToolUse,
            LifecycleHookKey::PostToolUse => HookEvent::PostToolUse,
            LifecycleHookKey::Stop => HookEvent::Stop,
            LifecycleHookKey::PreCompact => HookEvent::PreCompact,
            LifecycleHookKey::SessionEnd => HookEvent::SessionEnd,
            LifecycleHookKey::SubagentStart => HookEvent::SubagentStart,
            LifecycleHookKey::SubagentStop => HookEvent::SubagentStop,
        }
    }
}

impl std::fmt::Display for LifecycleHookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `hook_event_name` of a lifecycle payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleEventName {
    SessionStart,
    UserPromptSubmit,
    PreToolUse,
    PostToolUse,
    Stop,
    PreCompact,
    SessionEnd,
    SubagentStart,
    SubagentStop,
    AfterAgent,
}

impl LifecycleEventName {
    pub const ALL: [LifecycleEventName; 10] = [
        LifecycleEventName::SessionStart,
        LifecycleEventName::UserPromptSubmit,
        LifecycleEventName::PreToolUse,
        LifecycleEventName::PostToolUse,
        LifecycleEventName::Stop,
        LifecycleEventName::PreCompact,
        LifecycleEventName::SessionEnd,
        LifecycleEventName::SubagentStart,
        LifecycleEventName::SubagentStop,
        LifecycleEventName::AfterAgent,
    ];

    /// The PascalCase wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleEventName::SessionStart => "SessionStart",
            LifecycleEventName::UserPromptSubmit => "UserPromptSubmit",
            LifecycleEventName::PreToolUse => "PreToolUse",
            LifecycleEventName::PostToolUse => "PostToolUse",
            LifecycleEventName::Stop => "Stop",
            LifecycleEventName::PreCompact => "PreCompact",
            LifecycleEventName::SessionEnd => "SessionEnd",
            LifecycleEventName::SubagentStart => "SubagentStart",
            LifecycleEventName::SubagentStop => "SubagentStop",
            LifecycleEventName::AfterAgent => "AfterAgent",
        }
    }

    /// The `[hooks]` key whose command receives this event; `None` for `AfterAgent`, whose
    /// only hook is the legacy `notify`.
    pub fn key(self) -> Option<LifecycleHookKey> {
        LifecycleHookKey::ALL
            .into_iter()
            .find(|k| k.event_name() == self)
    }

    /// Whether exit code 2 aborts the operation (PreToolUse, UserPromptSubmit, Stop,
    /// SubagentStop); for every other event it is an ordinary failure that continues.
    pub fn exit_2_aborts(self) -> bool {
        matches!(
            self,
            LifecycleEventName::PreToolUse
                | LifecycleEventName::UserPromptSubmit
                | LifecycleEventName::Stop
                | LifecycleEventName::SubagentStop
        )
    }
}

impl std::fmt::Display for LifecycleEventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_names_round_trip() {
        for key in LifecycleHookKey::ALL {
            assert_eq!(LifecycleHookKey::parse(key.as_str()), Some(key));
            assert_eq!(key.event_name().key(), Some(key));
            assert_eq!(key.hook_event().config_name(), key.event_name().as_str());
            assert_eq!(key.hook_event().v1_name(), key.as_str());
        }
        assert_eq!(LifecycleEventName::AfterAgent.key(), None);
        for old in ["turn_start", "turn_end", "compaction", "subagent_end"] {
            assert_eq!(LifecycleHookKey::parse(old), None, "{old} is not an alias");
        }
    }

    #[test]
    fn exit_2_aborts_exactly_four_events() {
        let aborting: Vec<&str> = LifecycleEventName::ALL
            .into_iter()
            .filter(|e| e.exit_2_aborts())
            .map(LifecycleEventName::as_str)
            .collect();
        assert_eq!(
            aborting,
            ["UserPromptSubmit", "PreToolUse", "Stop", "SubagentStop"]
        );
    }
}
