//! What a hook may print on stdout, per event, exactly as the reference engine accepts it.
//!
//! Every struct denies unknown keys (the published schemas are `additionalProperties:false`).
//! Optional strings accept `null`; `continue`, `suppressOutput` and `interrupt` do not.
//! The universal keys are spelled out in each struct because `deny_unknown_fields` does not
//! combine with `#[serde(flatten)]`.

use serde::Deserialize;
use serde_json::Value;

fn default_true() -> bool {
    true
}

/// `hookSpecificOutput.hookEventName` at the reference commit: one of the six event names,
/// never cross-checked against the event that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum HookEventNameWire {
    PreToolUse,
    PermissionRequest,
    PostToolUse,
    SessionStart,
    UserPromptSubmit,
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BlockDecisionWire {
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PreToolUseDecisionWire {
    Approve,
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionDecisionWire {
    Allow,
    Deny,
    Ask,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionBehaviorWire {
    Allow,
    Deny,
}

macro_rules! universal_output {
    ($(#[$meta:meta])* $name:ident { $($field:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            #[serde(rename = "continue", default = "default_true")]
            pub continue_processing: bool,
            #[serde(default)]
            pub stop_reason: Option<String>,
            #[serde(default)]
            pub suppress_output: bool,
            #[serde(default)]
            pub system_message: Option<String>,
            $($field)*
        }
    };
}

universal_output!(
    /// PreToolUse stdout.
    PreToolUseOutputWire {
        #[serde(default)]
        pub decision: Option<PreToolUseDecisionWire>,
        #[serde(default)]
        pub reason: Option<String>,
        #[serde(default)]
        pub hook_specific_output: Option<PreToolUseSpecificWire>,
    }
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreToolUseSpecificWire {
    pub hook_event_name: HookEventNameWire,
    #[serde(default)]
    pub permission_decision: Option<PermissionDecisionWire>,
    #[serde(default)]
    pub permission_decision_reason: Option<String>,
    #[serde(default)]
    pub updated_input: Option<Value>,
    #[serde(default)]
    pub additional_context: Option<String>,
}

universal_output!(
    /// PermissionRequest stdout.
    PermissionRequestOutputWire {
        #[serde(default)]
        pub hook_specific_output: Option<PermissionRequestSpecificWire>,
    }
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PermissionRequestSpecificWire {
    pub hook_event_name: HookEventNameWire,
    #[serde(default)]
    pub decision: Option<PermissionRequestDecisionWire>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PermissionRequestDecisionWire {
    pub behavior: PermissionBehaviorWire,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub updated_input: Option<Value>,
    #[serde(default)]
    pub updated_permissions: Option<Value>,
    #[serde(default)]
    pub interrupt: bool,
}

universal_output!(
    /// PostToolUse stdout.
    PostToolUseOutputWire {
        #[serde(default)]
        pub decision: Option<BlockDecisionWire>,
        #[serde(default)]
        pub reason: Option<String>,
        #[serde(default)]
        pub hook_specific_output: Option<PostToolUseSpecificWire>,
    }
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PostToolUseSpecificWire {
    pub hook_event_name: HookEventNameWire,
    #[serde(default)]
    pub additional_context: Option<String>,
    #[serde(default, rename = "updatedMCPToolOutput")]
    pub updated_mcp_tool_output: Option<Value>,
}

universal_output!(
    /// SessionStart stdout.
    SessionStartOutputWire {
        #[serde(default)]
        pub hook_specific_output: Option<ContextSpecificWire>,
    }
);

/// `hookSpecificOutput` carrying only `additionalContext` (SessionStart, UserPromptSubmit).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContextSpecificWire {
    pub hook_event_name: HookEventNameWire,
    #[serde(default)]
    pub additional_context: Option<String>,
}

universal_output!(
    /// UserPromptSubmit stdout.
    UserPromptSubmitOutputWire {
        #[serde(default)]
        pub decision: Option<BlockDecisionWire>,
        #[serde(default)]
        pub reason: Option<String>,
        #[serde(default)]
        pub hook_specific_output: Option<ContextSpecificWire>,
    }
);

universal_output!(
    /// Stop and SubagentStop stdout (no `hookSpecificOutput`).
    StopOutputWire {
        #[serde(default)]
        pub decision: Option<BlockDecisionWire>,
        #[serde(default)]
        pub reason: Option<String>,
    }
);

universal_output!(
    /// PreCompact, PostCompact and SessionEnd stdout: the universal keys only.
    UniversalOutputWire {}
);

/// SubagentStart's `hookEventName` is the constant `SubagentStart`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SubagentStartNameWire {
    SubagentStart,
}

universal_output!(
    /// SubagentStart stdout.
    SubagentStartOutputWire {
        #[serde(default)]
        pub hook_specific_output: Option<SubagentStartSpecificWire>,
    }
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubagentStartSpecificWire {
    pub hook_event_name: SubagentStartNameWire,
    #[serde(default)]
    pub additional_context: Option<String>,
}
