//! Scenario files: the TOML model ([`model`]), loading and validation with `file:line:col`
//! errors ([`load`]), and materialising a fresh workspace for one run ([`workspace`]).
//!
//! Nothing here knows about goldens; the validated [`Scenario`] is plain data that `replay`
//! maps onto the mock agent's session spec.

pub mod load;
pub mod model;
pub mod workspace;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use load::{load_file, load_str, ScenarioError};
pub use model::{Dialect, FileRoot, LayerKind};
pub use workspace::Workspace;

use crate::engine::request::{ApprovalPolicy, CompactTrigger};

/// Default model slug.
pub const DEFAULT_MODEL: &str = "gpt-5-codex";
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
    pub env: BTreeMap<String, String>,
    pub turns: Vec<Turn>,
    /// SessionEnd reason, if the session is ended.
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub model: String,
    pub approval_policy: ApprovalPolicy,
    /// Relative to the project dir; `""` is the project dir itself.
    pub cwd: PathBuf,
    pub dialect: Dialect,
    pub thread_id: String,
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
    pub content: String,
    pub executable: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub id: String,
    pub prompt: String,
    pub queued: Vec<String>,
    pub resume: bool,
    pub compact: Option<CompactTrigger>,
    pub responses: Vec<Response>,
    pub results: BTreeMap<String, ToolResult>,
    pub subagents: Vec<Subagent>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub messages: Vec<String>,
    pub calls: Vec<ToolCall>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub tool: String,
    pub input: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    pub output: String,
    pub exit_code: i32,
    pub needs_approval: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subagent {
    pub id: String,
    pub agent_type: String,
    pub message: Option<String>,
}
