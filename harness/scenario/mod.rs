//! Scenario files: the TOML model ([`model`]), loading and validation with `file:line:col`
//! errors ([`load`]), and materialising a fresh workspace for one run ([`workspace`]).
//!
//! Nothing here knows about goldens; the validated [`Scenario`] is plain data that `replay`
//! maps onto the mock agent's session spec.

pub mod load;
pub mod model;
pub mod repo;
pub mod template;
pub mod workspace;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use load::{load_file, load_str, ScenarioError};
pub use model::{Dialect, FileRoot, LayerKind};
pub use repo::{Filter, Repo};
pub use workspace::Workspace;

use crate::agent::spec::{SessionSpec, Step};
use crate::engine::request::{ApprovalPolicy, SessionStartSource};

/// Default model slug.
pub const DEFAULT_MODEL: &str = "gpt-5-codex";
/// The `claude` dialect's default model: the id crosscheck pins the real CLI to
/// (`--model`), which sends SessionStart and UserPromptSubmit texts as `<system-reminder>`
/// blocks of the first user message.
pub const DEFAULT_CLAUDE_MODEL: &str = "claude-sonnet-4-5";
/// Default thread id (a fixed UUID: goldens stay stable).
pub const DEFAULT_THREAD_ID: &str = "00000000-0000-4000-8000-000000000001";

/// The JSON Schema of the scenario format, generated from [`model::ScenarioFile`].
pub fn json_schema() -> schemars::schema::RootSchema {
    schemars::schema_for!(model::ScenarioFile)
}

/// The JSON Schema as committed in `scenario.schema.json` (pretty, trailing newline).
pub fn json_schema_text() -> String {
    let schema = json_schema();
    // Serialising a schemars RootSchema to a string cannot fail (plain maps and strings).
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A validated scenario. Every default is filled in and every id is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it was loaded from (as given).
    pub path: PathBuf,
    pub description: String,
    pub session: Session,
    pub layers: Vec<Layer>,
    pub files: Vec<FileSpec>,
    /// Values may hold `${PROJECT}`, `${HOME}`, `${CODEX_HOME}` (expanded per workspace).
    pub env: BTreeMap<String, String>,
    /// The session's steps, as the mock agent plays them.
    pub steps: Vec<Step>,
    /// The repository it belongs to (root, scenarios and goldens folders, shared filters).
    pub repo: Repo,
    /// The repository's filters, then the scenario's.
    pub filters: Vec<Filter>,
    /// Substrings of the discovery warnings the scenario expects.
    pub expect_warnings: Vec<String>,
    /// The MCP servers `mcp_tool` handlers call, as scripted.
    pub mcp: crate::engine::mcp::ScriptedMcp,
    /// Enabled plugins `(name, marketplace)`; their files are among `files`.
    pub plugins: Vec<(String, String)>,
}

impl Scenario {
    /// The agent's session spec, with the session cwd inside `workspace`.
    pub fn session_spec(&self, workspace: &Workspace) -> SessionSpec {
        let s = &self.session;
        let mut spec = SessionSpec {
            thread_id: s.thread_id.clone(),
            model: s.model.clone(),
            cwd: workspace.cwd.display().to_string(),
            approval_policy: s.approval_policy,
            base_instructions: String::new(),
            start_source: s.start_source,
            auto_compact_token_limit: s.auto_compact_tokens,
            end_reason: s.end_reason.clone(),
            permission_mode: s.permission_mode,
            dialect: s.dialect,
            steps: self.steps.clone(),
        };
        // Take the agent's own default instructions unless the scenario overrides them.
        spec.base_instructions = match &s.instructions {
            Some(text) => text.clone(),
            None => serde_json::from_value::<SessionSpec>(serde_json::json!({
                "thread_id": "", "model": "", "cwd": "", "steps": []
            }))
            .map(|d| d.base_instructions)
            .unwrap_or_default(),
        };
        spec
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub model: String,
    pub approval_policy: ApprovalPolicy,
    /// Relative to the project dir; `""` is the project dir itself.
    pub cwd: PathBuf,
    pub dialect: Dialect,
    pub thread_id: String,
    pub start_source: SessionStartSource,
    pub auto_compact_tokens: Option<u64>,
    pub end_reason: String,
    pub instructions: Option<String>,
    /// Per-stream cap on captured hook output, in bytes (`None`: the runner's default).
    pub output_cap: Option<usize>,
    /// Hook trust (the `codex` dialect).
    pub hook_trust: crate::engine::config::HookTrust,
    /// The shell hook commands run under (`None`: the runner's `/bin/sh`).
    pub shell: Option<String>,
    /// Claude Code's permission mode (the `claude` dialect).
    pub permission_mode: crate::agent::spec::PermissionMode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub kind: LayerKind,
    /// Project layers: trusted (loads) or not. Always true for other kinds.
    pub trusted: bool,
    pub source: LayerSource,
}

/// The content of one layer.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerSource {
    /// `hooks.json` text (from an inline table or verbatim).
    HooksJson(String),
    /// `config.toml` text.
    ConfigToml(String),
    /// A Claude Code `settings.json` text.
    SettingsJson(String),
    /// Managed requirements TOML text.
    Requirements(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileSpec {
    pub root: FileRoot,
    pub path: PathBuf,
    pub content: FileContent,
}

/// What a workspace file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FileContent {
    /// Written from the scenario.
    Inline { text: String, executable: bool },
    /// Copied from the repository at every run (a file or a folder; absolute path).
    Copy(PathBuf),
}

/// The variables an `[env]` value may use, and what they name in a workspace.
pub const ENV_VARIABLES: [&str; 3] = ["PROJECT", "HOME", "CODEX_HOME"];
