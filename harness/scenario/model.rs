//! The scenario file as written (TOML). Serde + schemars shapes only: `deny_unknown_fields`
//! everywhere, so a typo is an error with its position. Semantic checks (paths, events, ids)
//! happen in [`super::load`], which turns this into the validated [`super::Scenario`].
//!
//! `toml::Spanned` marks the fields that are validated after parsing, so their errors carry a
//! position too; `#[schemars(with = …)]` gives them their plain schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::engine::request::{ApprovalPolicy, CompactTrigger};

/// A scripted agent session, its hook configuration and its workspace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// One line: what this scenario pins.
    #[schemars(with = "String")]
    pub description: Spanned<String>,
    /// The session: model, approval policy, cwd, ids.
    #[serde(default)]
    pub session: SessionFile,
    /// Hook configuration layers, lowest precedence first (as listed).
    #[serde(default)]
    pub layers: Vec<LayerFile>,
    /// Files written into the workspace before the session starts (hook scripts...).
    #[serde(default)]
    pub files: Vec<WorkspaceFile>,
    /// Extra environment variables for hooks (on top of the built, minimal environment).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The turns, in order. At least one.
    #[schemars(with = "Vec<TurnFile>")]
    pub turns: Spanned<Vec<TurnFile>>,
    /// End the session (fires SessionEnd). Omitted: the session is left open.
    #[serde(default)]
    pub end: Option<SessionEndFile>,
}

/// The hook dialect (engine rules). Only `codex` is supported for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    #[default]
    Codex,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionFile {
    /// Model slug sent in requests and on hook stdin. Default `gpt-5-codex`.
    #[serde(default)]
    pub model: Option<String>,
    /// `untrusted`, `on-failure`, `on-request` (default) or `never`.
    #[serde(default)]
    pub approval_policy: Option<ApprovalPolicy>,
    /// Session cwd, relative to the project dir. Default `.`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cwd: Option<Spanned<String>>,
    /// Hook dialect. Default `codex`.
    #[serde(default)]
    pub dialect: Dialect,
    /// Thread (session) id. Default `00000000-0000-4000-8000-000000000001`.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// Which config layer a hooks source belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// `/etc/codex` analogue: `<workspace>/system/`.
    System,
    /// `$CODEX_HOME` (`<workspace>/home/.codex/`).
    User,
    /// The project's `.codex/` folder.
    Project,
    /// `-c` session flags: inline `config.toml` only.
    SessionFlags,
    /// Managed requirements (`requirements.toml` `[hooks]`); `managed_dir` defaults to
    /// `<workspace>/managed/`.
    Managed,
}

/// One hooks source. Give exactly one of `hooks`, `hooks_json`, `config_toml`, `file`
/// (`requirements` for a managed layer).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerFile {
    #[schemars(with = "LayerKind")]
    pub kind: Spanned<LayerKind>,
    /// Project layers only: whether the project is trusted (untrusted: nothing loads).
    #[serde(default)]
    pub trusted: Option<bool>,
    /// The `hooks` object of `hooks.json`, written as TOML: `[layers.hooks]` then
    /// `[[layers.hooks.Stop]]` groups with `[[layers.hooks.Stop.hooks]]` handlers. Event names
    /// are checked.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Value>>")]
    pub hooks: Option<BTreeMap<Spanned<String>, Value>>,
    /// The layer's `hooks.json`, verbatim (not checked: malformed content is allowed).
    #[serde(default)]
    pub hooks_json: Option<String>,
    /// The layer's `config.toml`, verbatim.
    #[serde(default)]
    pub config_toml: Option<String>,
    /// A real file, relative to the scenario file: `hooks.json`, `config.toml`,
    /// `settings.json` (Claude Code) or, for a managed layer, a requirements TOML.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
    /// Managed layer: the requirements TOML, verbatim.
    #[serde(default)]
    pub requirements: Option<String>,
}

/// Where a workspace file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileRoot {
    /// The project dir (default).
    #[default]
    Project,
    /// The fake home dir (`$HOME`).
    Home,
    /// The workspace root.
    Workspace,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    /// Relative path (no `..`), under `root`.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// `project` (default), `home` or `workspace`.
    #[serde(default)]
    pub root: FileRoot,
    /// File content.
    pub content: String,
    /// Make it executable. Default: true for `.sh`/`.py` files and content starting `#!`.
    #[serde(default)]
    pub executable: Option<bool>,
}

/// One user turn.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnFile {
    /// Turn id. Default `turn-N` (1-based).
    #[serde(default)]
    pub id: Option<String>,
    /// The user prompt.
    pub prompt: String,
    /// Prompts queued while this turn runs; each starts its own turn afterwards.
    #[serde(default)]
    pub queued: Vec<String>,
    /// Resume the thread before this turn (SessionStart with source `resume`).
    #[serde(default)]
    pub resume: bool,
    /// Compact the history before this turn's prompt (PreCompact/PostCompact).
    #[serde(default)]
    pub compact: Option<CompactTrigger>,
    /// What the model answers, one entry per sampling request, in order.
    #[serde(default)]
    pub responses: Vec<ResponseFile>,
    /// Scripted tool results keyed by call id. A call without one succeeds with empty output.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ToolResultFile>")]
    pub results: BTreeMap<Spanned<String>, ToolResultFile>,
    /// Subagents spawned during this turn (SubagentStart/SubagentStop).
    #[serde(default)]
    pub subagents: Vec<SubagentFile>,
}

/// One sampling response: assistant messages and/or tool calls.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseFile {
    /// A single assistant message (shorthand for `messages = [..]`).
    #[serde(default)]
    pub message: Option<String>,
    /// Assistant messages, in order.
    #[serde(default)]
    pub messages: Vec<String>,
    /// Tool calls, in order.
    #[serde(default)]
    pub calls: Vec<ToolCallFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCallFile {
    /// Call id. Default `call-N`, counted across the whole scenario (1-based).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// The tool: `shell` (hooks see `Bash`), `apply_patch` (`Write`/`Edit`), `mcp__server__tool`,
    /// or any other name (fires no hook).
    pub tool: String,
    /// The call's arguments (for `shell`: `command`).
    #[serde(default)]
    pub input: Option<Value>,
}

/// A scripted tool result.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolResultFile {
    /// What the tool printed.
    #[serde(default)]
    pub output: String,
    /// Exit code (shell). Default 0.
    #[serde(default)]
    pub exit_code: i32,
    /// Whether an approval prompt would be shown (fires PermissionRequest). Default false.
    #[serde(default)]
    pub needs_approval: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubagentFile {
    /// Agent id. Default `agent-N`.
    #[serde(default)]
    pub id: Option<String>,
    /// Agent type (what SubagentStart/SubagentStop matchers see). Default `general`.
    #[serde(default)]
    pub agent_type: Option<String>,
    /// The subagent's final message.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionEndFile {
    /// SessionEnd `reason`. Default `exit`.
    #[serde(default)]
    pub reason: Option<String>,
}
