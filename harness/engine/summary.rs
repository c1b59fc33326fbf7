//! The domain run summary (`HookRunSummary`) and the small enums it carries.

use serde::{Deserialize, Serialize};

use super::event::{HookEvent, HookScope};
use super::outcome::{Entry, RunStatus};

/// Where a handler was configured (Codex's `HookSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookSource {
    System,
    User,
    Project,
    Mdm,
    SessionFlags,
    LegacyManagedConfigFile,
    LegacyManagedConfigMdm,
    #[default]
    Unknown,
    /// Codex 0.171: a plugin's hooks (not one of 4e30281's sources, so not in [`Self::ALL`]).
    Plugin,
}

impl HookSource {
    pub const ALL: [HookSource; 8] = [
        HookSource::System,
        HookSource::User,
        HookSource::Project,
        HookSource::Mdm,
        HookSource::SessionFlags,
        HookSource::LegacyManagedConfigFile,
        HookSource::LegacyManagedConfigMdm,
        HookSource::Unknown,
    ];

    /// snake_case spelling (v1 summaries, analytics, metric tags).
    pub fn snake(self) -> &'static str {
        match self {
            HookSource::System => "system",
            HookSource::User => "user",
            HookSource::Project => "project",
            HookSource::Mdm => "mdm",
            HookSource::SessionFlags => "session_flags",
            HookSource::LegacyManagedConfigFile => "legacy_managed_config_file",
            HookSource::LegacyManagedConfigMdm => "legacy_managed_config_mdm",
            HookSource::Unknown => "unknown",
            HookSource::Plugin => "plugin",
        }
    }

    /// camelCase spelling (app-server v2).
    pub fn camel(self) -> &'static str {
        match self {
            HookSource::System => "system",
            HookSource::User => "user",
            HookSource::Project => "project",
            HookSource::Mdm => "mdm",
            HookSource::SessionFlags => "sessionFlags",
            HookSource::LegacyManagedConfigFile => "legacyManagedConfigFile",
            HookSource::LegacyManagedConfigMdm => "legacyManagedConfigMdm",
            HookSource::Unknown => "unknown",
            HookSource::Plugin => "plugin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerType {
    Command,
    /// Codex 0.171's `mcp_tool` handler.
    McpTool,
    Prompt,
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionMode {
    Sync,
    Async,
}

impl HandlerType {
    /// The snake_case spelling analytics use.
    pub fn snake(self) -> &'static str {
        match self {
            HandlerType::Command => "command",
            HandlerType::McpTool => "mcp_tool",
            HandlerType::Prompt => "prompt",
            HandlerType::Agent => "agent",
        }
    }

    /// The camelCase spelling of app-server v2 (`mcpTool`).
    pub fn camel(self) -> &'static str {
        match self {
            HandlerType::McpTool => "mcpTool",
            other => other.snake(),
        }
    }
}

impl ExecutionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionMode::Sync => "sync",
            ExecutionMode::Async => "async",
        }
    }
}

/// One hook run, as previewed (`running`) or completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRunSummary {
    pub id: String,
    pub event: HookEvent,
    pub handler_type: HandlerType,
    pub execution_mode: ExecutionMode,
    pub scope: HookScope,
    pub source_path: String,
    pub source: HookSource,
    pub display_order: i64,
    pub status: RunStatus,
    pub status_message: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds; `None` while running.
    pub completed_at: Option<i64>,
    /// Monotonic milliseconds; `None` while running.
    pub duration_ms: Option<i64>,
    pub entries: Vec<Entry>,
}
