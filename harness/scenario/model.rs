//! The scenario file as written (TOML). Serde + schemars shapes only: `deny_unknown_fields`
//! everywhere, so a typo is an error with its position. Semantic checks (paths, events, ids)
//! happen in [`super::load`], which turns this into the validated [`super::Scenario`].
//!
//! `toml::Spanned` marks the fields that are validated after parsing, so their errors carry a
//! position too; `#[schemars(with = …)]` gives them their plain schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::engine::config::HookTrust;
use crate::engine::request::{ApprovalPolicy, SessionStartSource};

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
    #[schemars(with = "Vec<WorkspaceFile>")]
    pub files: Vec<Spanned<WorkspaceFile>>,
    /// Extra environment variables for hooks (on top of the built, minimal environment).
    /// `${PROJECT}`, `${HOME}` and `${CODEX_HOME}` in a value expand to the workspace's
    /// real paths (goldens still show placeholders).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Discovery warnings this scenario expects (each a substring of one warning, as the
    /// golden shows it). Any other warning fails `run`, `check` and `bless`: Codex skips what
    /// a warning names, so a golden would pin a hook that never ran.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub expect_warnings: Vec<Spanned<String>>,
    /// Filters applied to everything recorded before rendering (after the repository's own
    /// `hooktape.toml` filters): each match of `regex` becomes `replacement`.
    #[serde(default)]
    pub filters: Vec<super::repo::FilterFile>,
    /// Enabled plugins with hooks. `codex` (0.171): each loads its `hooks/hooks.json` after
    /// the config layers, its hooks get `PLUGIN_ROOT`, `PLUGIN_DATA` (and their `CLAUDE_`
    /// twins) and `${VAR}` of those in commands. `claude`: the folder `<HOME>/plugins/<name>`
    /// as `--plugin-dir` loads it, hooks after the settings files, with `CLAUDE_PLUGIN_ROOT`
    /// and `CLAUDE_PLUGIN_DATA` in their environment (commands are left to the shell).
    #[serde(default)]
    #[schemars(with = "Vec<PluginFile>")]
    pub plugins: Vec<Spanned<PluginFile>>,
    /// The session's MCP servers as `mcp_tool` handlers (0.171) see them: server → tool →
    /// its scripted answer.
    #[serde(default)]
    pub mcp_servers: BTreeMap<String, McpServerFile>,
    /// The steps of the session, in order: prompt turns, manual compactions, resumes.
    /// At least one.
    #[schemars(with = "Vec<TurnFile>")]
    pub turns: Spanned<Vec<Spanned<TurnFile>>>,
}

/// One enabled plugin. Its folder is `<CODEX_HOME>/plugins/cache/<marketplace>/<name>`
/// (codex) or `<HOME>/plugins/<name>` (claude).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginFile {
    /// The plugin's name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Its marketplace (default `local`; codex only).
    #[serde(default)]
    pub marketplace: Option<String>,
    /// Its `hooks/hooks.json`, written as an inline table (like `[layers.hooks]`).
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Vec<HookGroupFile>>>")]
    pub hooks: Option<BTreeMap<Spanned<String>, Spanned<Vec<HookGroupFile>>>>,
    /// Or the plugin's folder in the repository (relative to its root), copied at every run.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
}

/// One scripted MCP server.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpServerFile {
    /// Its tools, by name.
    pub tools: BTreeMap<String, McpToolFile>,
}

/// What a scripted MCP tool answers every call with.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpToolFile {
    /// The answer's text content (an `mcp_tool` hook's "stdout").
    pub text: String,
    /// Answer with `isError: true` (the hook run fails with `MCP tool returned an error: …`).
    #[serde(default)]
    pub is_error: bool,
}

/// The hook dialect: the engine's own value (`codex`, `codex-4e30281`, `lifecycle`).
pub use crate::engine::Dialect;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionFile {
    /// Model slug sent in requests and on hook stdin. Default `gpt-5-codex` (`claude`:
    /// `claude-sonnet-4-5`).
    #[serde(default)]
    pub model: Option<String>,
    /// `untrusted`, `on-failure`, `on-request` (default) or `never` (the codex dialects).
    #[serde(default)]
    #[schemars(with = "Option<ApprovalPolicy>")]
    pub approval_policy: Option<Spanned<ApprovalPolicy>>,
    /// Session cwd, relative to the project dir. Default `.`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cwd: Option<Spanned<String>>,
    /// Hook dialect: `codex` (default: Codex 0.171.0; `hooks.json` and `[hooks]` event
    /// tables), `codex-4e30281` (Codex at upstream commit 4e30281, what the conformance
    /// vectors pin), `lifecycle` (the lifecycle branch: `[hooks]` argv table in a layer's
    /// `config_toml`) or `claude` (Claude Code 2.1.197: settings.json layers, `claude -p`).
    /// The other dialects' hooks never run. `notify` in `config_toml` runs in the codex
    /// dialects and `lifecycle`.
    #[serde(default)]
    pub dialect: Dialect,
    /// Thread (session) id. Default `00000000-0000-4000-8000-000000000001`.
    #[serde(default)]
    pub thread_id: Option<String>,
    /// SessionStart `source` pending at the first turn. Default `startup`. (A forked
    /// thread's `fork` comes from `fork = true` on a turn.)
    #[serde(default)]
    #[schemars(with = "Option<SessionStartSource>")]
    pub start_source: Option<Spanned<SessionStartSource>>,
    /// Compact automatically once a response reports this many `tokens` (the codex
    /// dialects).
    #[serde(default)]
    #[schemars(with = "Option<u64>")]
    pub auto_compact_tokens: Option<Spanned<u64>>,
    /// SessionEnd `reason` when the session closes. Default `exit` (`claude`: `other`, as
    /// `claude -p` sends).
    #[serde(default)]
    pub end_reason: Option<String>,
    /// Base instructions (the first developer message). Default: the agent's.
    #[serde(default)]
    pub instructions: Option<String>,
    /// Bytes of hook stdout (and of stderr) kept per run; the rest is dropped and counted
    /// (`stdout_dropped` in the golden). Default 8 MiB. At least 1.
    #[serde(default)]
    #[schemars(with = "Option<usize>")]
    pub output_cap: Option<Spanned<usize>>,
    /// Hook trust in the `codex` dialect (Codex 0.171 runs a hook only when
    /// `[hooks.state."<key>"] trusted_hash` in its config holds the hook's current hash):
    /// `trusted` (default: every hook trusted, as after pasting `hooktape trust`'s output),
    /// `config` (as Codex: the `[hooks.state]` of the scenario's config layers decides; the
    /// repository root in a key stands for the project folder, so `hooktape trust`'s output
    /// pastes as is) or `bypass` (`--dangerously-bypass-hook-trust`). Hooks trust skips show
    /// in the golden and the timeline.
    #[serde(default)]
    #[schemars(with = "Option<HookTrust>")]
    pub hook_trust: Option<Spanned<HookTrust>>,
    /// The shell hook commands run under, as `<shell> -c <command>`: a program name or an
    /// absolute path. Codex runs the account's login shell (non-login); hooktape's default
    /// is `/bin/sh`, so a golden is the same on every machine. Say `bash` when the hooks
    /// rely on it, as they will under a Codex whose account shell is bash.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub shell: Option<Spanned<String>>,
    /// The `claude` dialect: Claude Code's permission mode, `bypassPermissions` (default)
    /// or `auto` (its classifier judges the calls a result's `classifier` scripts; needs a
    /// model with auto mode, `claude-sonnet-4-6`).
    #[serde(default)]
    #[schemars(with = "Option<crate::agent::spec::PermissionMode>")]
    pub permission_mode: Option<Spanned<crate::agent::spec::PermissionMode>>,
}

/// Which config layer a hooks source belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// `/etc/codex` analogue: `<workspace>/system/`.
    System,
    /// `$CODEX_HOME` (`<workspace>/home/.codex/`). Claude Code: `~/.claude/settings.json`.
    User,
    /// The project's `.codex/` folder. Claude Code: `.claude/settings.json`.
    Project,
    /// `-c` session flags: inline `config.toml` only. Claude Code: `--settings FILE`.
    SessionFlags,
    /// Managed requirements (`requirements.toml` `[hooks]`); `managed_dir` defaults to
    /// `<workspace>/managed/`. Claude Code: `managed-settings.json` (`/etc/claude-code/`).
    Managed,
    /// Claude Code only: `.claude/settings.local.json` of the project.
    Local,
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
    /// `[[layers.hooks.Stop]]` groups with `[[layers.hooks.Stop.hooks]]` handlers. Checked
    /// strictly when the scenario loads (event names, keys, types): a typo is an error with
    /// its position, never a handler Codex would skip. To test Codex's reading of an invalid
    /// handler, use `hooks_json` and `expect_warnings`.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, Vec<HookGroupFile>>>")]
    pub hooks: Option<BTreeMap<Spanned<String>, Spanned<Vec<HookGroupFile>>>>,
    /// The layer's `hooks.json`, verbatim (not checked: malformed content is allowed).
    #[serde(default)]
    pub hooks_json: Option<String>,
    /// The layer's `config.toml`, verbatim. In the `lifecycle` dialect its `[hooks]` table is
    /// checked when the scenario loads (an unknown key such as `turn_start` is an error).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub config_toml: Option<Spanned<String>>,
    /// A real file of the repository, relative to its root (the folder holding
    /// `hooktape.toml`, else the nearest with `.git`), read exactly as Codex reads it:
    /// `hooks.json`, `config.toml`, `settings.json` (Claude Code) or, for a managed layer, a
    /// requirements TOML.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
    /// Managed layer: the requirements TOML, verbatim.
    #[serde(default)]
    pub requirements: Option<String>,
    /// The `claude` dialect: the layer's `settings.json`, verbatim (not checked: Claude Code
    /// skips what it cannot read, with a warning).
    #[serde(default)]
    pub settings_json: Option<String>,
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

/// A file (or folder) written into the workspace: exactly one of `content` and `from`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    /// Relative path (no `..`), under `root`; each (root, path) at most once. Required with
    /// `content`; with `from` it defaults to the same relative path.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// `project` (default), `home` or `workspace`.
    #[serde(default)]
    pub root: FileRoot,
    /// File content.
    #[serde(default)]
    pub content: Option<String>,
    /// Copy this file or whole folder of the repository (relative to its root; `.git`
    /// folders are skipped) at every run, keeping executable bits: the scenario tests the
    /// repository's real hooks, not a copy.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
    /// Make it executable (`content` only). Default: true for `.sh`/`.py` files and content
    /// starting `#!`.
    #[serde(default)]
    pub executable: Option<bool>,
}

/// One matcher group of an event's hooks, as in `hooks.json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookGroupFile {
    /// Tool name, source or agent type the group applies to (omitted, `""` or `*`: all).
    #[serde(default)]
    pub matcher: Option<String>,
    /// The handlers, run concurrently.
    #[schemars(with = "Vec<HookHandlerFile>")]
    pub hooks: Vec<Spanned<HookHandlerFile>>,
}

/// One hook handler: the keys Codex reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookHandlerFile {
    /// `command` (Codex runs it); `prompt` and `agent` are known to Codex, which skips them
    /// with a discovery warning (list it in `expect_warnings`).
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The shell command (`command` handlers).
    #[serde(default)]
    pub command: Option<String>,
    /// Seconds before the hook is killed (default 600, at least 1).
    #[serde(default)]
    pub timeout: Option<u64>,
    /// Run in the background (0.171: no control effect, contexts delivered later;
    /// `codex-4e30281` skips async handlers with a warning; `claude`: its output reaches no
    /// one).
    #[serde(default, rename = "async")]
    pub is_async: Option<bool>,
    /// Claude Code's `asyncRewake`: in the background, and an exit 2 wakes the model with
    /// its stderr once the turn ends (Codex ignores the key).
    #[serde(default, rename = "asyncRewake")]
    pub async_rewake: Option<bool>,
    /// Shown while the hook runs.
    #[serde(default, rename = "statusMessage")]
    pub status_message: Option<String>,
    /// 0.171: tokens of `additionalContext` kept inline before the text is spilled to a file
    /// (default 2500; 0: never spill).
    #[serde(default, rename = "additionalContextLimit")]
    pub additional_context_limit: Option<u64>,
    /// `mcp_tool` handlers (0.171): the MCP server (a key of `[mcp_servers]`).
    #[serde(default)]
    pub server: Option<String>,
    /// `mcp_tool` handlers: the tool to call on `server`.
    #[serde(default)]
    pub tool: Option<String>,
    /// `mcp_tool` handlers: the call's arguments; a string that is `${a.b}` takes that value
    /// of the hook's input (`${tool_input.command}`).
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub input: Option<toml::Table>,
    /// `prompt` / `agent` handlers: the prompt.
    #[serde(default)]
    pub prompt: Option<String>,
    /// `prompt` / `agent` handlers: the model.
    #[serde(default)]
    pub model: Option<String>,
    /// The `claude` dialect: a permission rule (`Bash(git *)`, `Edit(*.ts)`); the handler
    /// runs only for tool calls it applies to, and never on events without a tool.
    #[serde(default, rename = "if")]
    pub if_rule: Option<String>,
}

/// One step: a prompt turn (`prompt`), a manual compaction (`compact`), or a resume
/// (`resume = true`, optionally followed by this step's `prompt`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnFile {
    /// Turn id, unique in the scenario. Default `turn-N` (N counts prompt turns and
    /// compactions, 1-based).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// The user prompt (not empty).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub prompt: Option<Spanned<String>>,
    /// Close and resume the thread before this step (SessionEnd, then SessionStart `resume`).
    #[serde(default)]
    pub resume: bool,
    /// Fork the thread before this step (app-server `thread/fork`): the session goes on in a
    /// new thread with the history so far; its first turn runs SessionStart `fork` (the
    /// `codex` dialect; `codex-4e30281`: `startup`). The forked threads get ids
    /// `00000000-0000-4000-9000-00000000000N`.
    #[serde(default)]
    pub fork: bool,
    /// A manual compaction (`/compact`): the summary the model answers with, or `true`
    /// when no summary request is sent (a PreCompact hook stops the compaction; in the
    /// `claude` dialect also when there is nothing to compact).
    #[serde(default)]
    #[schemars(with = "Option<CompactFile>")]
    pub compact: Option<Spanned<CompactFile>>,
    /// With `compact`, the `claude` dialect: the arguments of `/compact <instructions>`
    /// (PreCompact's `custom_instructions`, added to the summary request).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub compact_instructions: Option<Spanned<String>>,
    /// Prompts typed while this turn runs.
    #[serde(default)]
    #[schemars(with = "Vec<QueuedFile>")]
    pub queued: Vec<Spanned<QueuedFile>>,
    /// The user interrupts this turn once this many of its requests were answered and their
    /// calls handled (1-based; at most the number of responses, which should then be
    /// exactly this many). In the `codex` dialect Interrupt hooks run; Stop never does; the
    /// turn ends `interrupted`.
    #[serde(default)]
    #[schemars(with = "Option<usize>")]
    pub interrupt_after: Option<Spanned<usize>>,
    /// What the model answers, one entry per sampling request, in order.
    #[serde(default)]
    pub responses: Vec<ResponseFile>,
    /// Scripted tool results keyed by call id. A call without one succeeds with empty output.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ToolResultFile>")]
    pub results: BTreeMap<Spanned<String>, ToolResultFile>,
}

/// `compact = "summary"` or `compact = true`.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum CompactFile {
    Summary(String),
    Stopped(bool),
}

impl<'de> Deserialize<'de> for CompactFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CompactFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "the summary the model answers (a string), or `true` when no summary request is sent (a PreCompact hook stops the compaction, or there is nothing to compact)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CompactFile, E> {
                Ok(CompactFile::Summary(v.to_owned()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<CompactFile, E> {
                Ok(CompactFile::Stopped(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuedFile {
    pub prompt: String,
    /// Arrives once this many sampling requests of the turn were answered (at most the
    /// turn's number of `responses`). Default 1.
    #[serde(default)]
    pub after_request: Option<usize>,
}

/// One sampling response: assistant messages and/or tool calls.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseFile {
    /// A single assistant message (shorthand for `messages = [..]`).
    #[serde(default)]
    pub message: Option<String>,
    /// Assistant messages, in order (before the calls).
    #[serde(default)]
    pub messages: Vec<String>,
    /// Tool calls, in order.
    #[serde(default)]
    #[schemars(with = "Vec<ToolCallFile>")]
    pub calls: Vec<Spanned<ToolCallFile>>,
    /// `usage.total_tokens` reported (drives `auto_compact_tokens`).
    #[serde(default)]
    pub tokens: Option<u64>,
    /// Fail the stream (`response.failed`) with this message.
    #[serde(default)]
    pub failed: Option<String>,
    /// End the stream after the items without `response.completed` (the turn then fails
    /// with "stream disconnected before completion").
    #[serde(default)]
    pub disconnect: bool,
}

/// A tool call: `id` (optional) plus exactly one of `shell`, `shell_command`, `exec`,
/// `local_shell`, `apply_patch`, `mcp`, `write_stdin`, `update_plan`, `spawn`, `tool`. In the
/// `claude` dialect: one of `exec` (`Bash`), `write`, `edit`, `read`, `spawn` (`Agent`), `tool`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCallFile {
    /// Call id. Default `call-N`, counted across the whole scenario (1-based).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// `shell` function call with this argv (hooks see `Bash`).
    #[serde(default)]
    pub shell: Option<Vec<String>>,
    /// `shell_command` function call with this raw command (hooks see `Bash`).
    #[serde(default)]
    pub shell_command: Option<String>,
    /// Unified `exec_command` with this raw command (hooks see `Bash`).
    #[serde(default)]
    pub exec: Option<String>,
    /// `local_shell_call` with this argv (hooks see `Bash`).
    #[serde(default)]
    pub local_shell: Option<Vec<String>>,
    /// `apply_patch` with this patch text (hooks see `apply_patch`, matchers `Write`/`Edit`).
    #[serde(default)]
    pub apply_patch: Option<String>,
    /// An MCP tool `server/tool` (hooks see `mcp__server__tool`).
    #[serde(default)]
    pub mcp: Option<String>,
    /// `write_stdin` to this unified exec session id (sessions count from 1000 per thread,
    /// in the order `exec` calls leave a process `running`); see `chars`. Fires no
    /// PreToolUse; when the process exits successfully, PostToolUse fires for the `exec`
    /// call that started it.
    #[serde(default)]
    pub write_stdin: Option<i64>,
    /// `write_stdin`: the characters written (default empty: a poll).
    #[serde(default)]
    pub chars: Option<String>,
    /// `update_plan` (fires no hooks).
    #[serde(default)]
    pub update_plan: Option<bool>,
    /// Spawn a subagent of this type (SubagentStart/SubagentStop); see `message`, `responses`.
    /// The `claude` dialect: the `Agent` tool's `subagent_type` (`general-purpose`,
    /// `Explore`, `Plan`, `claude`, `statusline-setup`), with `description`.
    #[serde(default)]
    pub spawn: Option<String>,
    /// Any other function call by name (the model gets `unsupported call`, no hook fires).
    #[serde(default)]
    pub tool: Option<String>,
    /// Raw JSON arguments text (`mcp`, `update_plan`, `tool`).
    #[serde(default)]
    pub arguments: Option<String>,
    /// The `claude` dialect: `Write` this file (with `content`).
    #[serde(default)]
    pub write: Option<String>,
    /// `write`: the file's content.
    #[serde(default)]
    pub content: Option<String>,
    /// The `claude` dialect: `Edit` this file (`old_string` → `new_string`, `replace_all`).
    #[serde(default)]
    pub edit: Option<String>,
    /// `edit`: the text to replace.
    #[serde(default)]
    pub old_string: Option<String>,
    /// `edit`: its replacement.
    #[serde(default)]
    pub new_string: Option<String>,
    /// `edit`: replace every occurrence.
    #[serde(default)]
    pub replace_all: Option<bool>,
    /// The `claude` dialect: `Read` this file.
    #[serde(default)]
    pub read: Option<String>,
    /// The `claude` dialect: `exec`'s `Bash` `description`, or `spawn`'s `Agent` one.
    #[serde(default)]
    pub description: Option<String>,
    /// Justification (`shell`, `shell_command`, `exec`).
    #[serde(default)]
    pub justification: Option<String>,
    /// `spawn`: the task message given to the subagent (the `Agent` tool's `prompt`).
    #[serde(default)]
    pub message: Option<String>,
    /// `spawn`: the subagent's agent id. Default `agent-N` (`claude`: `a` and N in 16 hex digits).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// `spawn`: the subagent's model answers.
    #[serde(default)]
    pub responses: Vec<ResponseFile>,
}

/// A scripted tool result.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolResultFile {
    /// What the tool printed.
    #[serde(default)]
    pub output: String,
    /// Exit code; 0 is success (PostToolUse runs only then). Default 0.
    #[serde(default)]
    pub exit_code: i32,
    /// Whether the agent would ask for approval (fires PermissionRequest). Default false.
    #[serde(default)]
    pub needs_approval: bool,
    /// What the user answers if asked: `approve` (default), `deny` or `approve_for_session`
    /// (the same command, patch files or MCP tool is not asked of the user again).
    #[serde(default)]
    pub user_decision: Option<UserDecisionFile>,
    /// The sandbox denies the command (shell tools and `apply_patch` only): the agent asks
    /// for approval to retry outside it (PermissionRequest with suffix `:retry`).
    #[serde(default)]
    pub sandbox_denied: bool,
    /// `exec` / `write_stdin`: the process is still running when the call returns; the
    /// session stays open for `write_stdin` (no PostToolUse until it exits).
    #[serde(default)]
    pub running: bool,
    /// Approvals the command asks for while it runs, in order (shell tools and `exec`
    /// only): `{ network = "http://host:80" }` or `{ execve = ["git", "push"] }`. The first
    /// denied makes the command yield `when_denied`.
    #[serde(default)]
    #[schemars(with = "Vec<RunApprovalFile>")]
    pub run_approvals: Vec<Spanned<RunApprovalFile>>,
    /// What the command yields when a run approval is denied. Default exit code 1, no output.
    #[serde(default)]
    pub when_denied: Option<DeniedRunFile>,
    /// The `claude` dialect in auto mode: Claude Code's classifier on this call, `allow` or
    /// `block` (after PreToolUse; a block fires PermissionDenied and refuses the call).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub classifier: Option<Spanned<String>>,
    /// With `classifier = "block"`: the classifier's `<reason>`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub classifier_reason: Option<Spanned<String>>,
}

/// An approval asked while a command runs: exactly one of `network`, `execve`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunApprovalFile {
    /// Network access to `scheme://host:port` (PermissionRequest `description` is
    /// `network-access {target}`).
    #[serde(default)]
    pub network: Option<String>,
    /// An exec-policy escalation for this argv (PermissionRequest `command` is the
    /// shell-quoted argv).
    #[serde(default)]
    pub execve: Option<Vec<String>>,
    /// The approval id (PermissionRequest run-id suffix). Default `{call id}:{network|execve}-N`.
    #[serde(default)]
    pub approval_id: Option<String>,
    /// What the user answers if asked: `approve` (default) or `deny`
    /// (`approve_for_session` is a plain approval here).
    #[serde(default)]
    pub user_decision: Option<UserDecisionFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeniedRunFile {
    /// Default 1.
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub output: String,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserDecisionFile {
    Approve,
    Deny,
    /// Approve and remember for the session (the same command, files or MCP tool is not
    /// asked of the user again).
    ApproveForSession,
}
