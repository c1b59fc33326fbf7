//! The session spec: plain Rust values saying what the user types, what the scripted model
//! answers and what each tool call returns. The agent plays it; it knows nothing of any file
//! format (the scenario layer maps its files onto these types).
//!
//! Model responses form ONE first-in-first-out script, consumed one per sampling request in
//! the order the agent sends them. [`SessionSpec::model_script`] flattens the spec into that
//! order: each step's responses in order, and right after a response that calls
//! `spawn_agent`, the child's responses (recursively). Compaction summaries are responses
//! too (a manual [`Step::Compact`] carries its own; an automatic compaction consumes the
//! next response of the turn that triggered it).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::engine::request::{ApprovalPolicy, SessionStartSource};
pub use crate::engine::Dialect;

/// A whole session: its identity, settings and the steps to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionSpec {
    /// The thread (session) id: `session_id` on hook stdin, `prompt_cache_key`, rollout name.
    pub thread_id: String,
    /// The model slug sent to the model and to hooks.
    pub model: String,
    /// The turn cwd (absolute path; hooks run there).
    pub cwd: String,
    #[serde(default)]
    pub approval_policy: ApprovalPolicy,
    /// The base instructions, sent as the first developer message of every request.
    #[serde(default = "default_instructions")]
    pub base_instructions: String,
    /// SessionStart source pending at session creation (`startup` for a new thread).
    #[serde(default = "default_source")]
    pub start_source: SessionStartSource,
    /// Automatic compaction: when a response's scripted `usage.total_tokens` reaches this
    /// limit, the agent compacts (PreCompact → summary request → PostCompact).
    #[serde(default)]
    pub auto_compact_token_limit: Option<u64>,
    /// Claude Code's permission mode (the `claude` dialect).
    #[serde(default)]
    pub permission_mode: PermissionMode,
    /// `reason` of the SessionEnd fired when the session closes.
    #[serde(default = "default_end_reason")]
    pub end_reason: String,
    /// Which hook design runs: `codex` (hooks.json engine, default) or `lifecycle` (the
    /// lifecycle branch's argv hooks). The other dialect's hooks never run.
    #[serde(default)]
    pub dialect: Dialect,
    pub steps: Vec<Step>,
}

fn default_instructions() -> String {
    "You are a coding agent running in hooktape's scripted session.".to_owned()
}
fn default_source() -> SessionStartSource {
    SessionStartSource::Startup
}
fn default_end_reason() -> String {
    "exit".to_owned()
}

/// One step of the session, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A user turn.
    Turn(TurnSpec),
    /// A manual compaction (`/compact`), its own turn.
    Compact {
        turn_id: String,
        /// The answer to the compaction request; its assistant message text is the summary.
        /// `None`: no request is expected, because a PreCompact hook stops the compaction or
        /// (Claude Code) there is nothing to compact; otherwise the agent fails
        /// (`CompactionNotStopped`, or an invalid spec in the `claude` dialect).
        #[serde(default)]
        summary: Option<ModelResponse>,
        /// Claude Code's `/compact <instructions>`: what the user asks the summary to
        /// focus on (`custom_instructions` of PreCompact). Codex's `/compact` takes none.
        #[serde(default)]
        instructions: Option<String>,
    },
    /// Close the thread (SessionEnd) and resume it from its rollout file: history is read
    /// back, SessionStart source `resume` is pending.
    Resume,
    /// Fork the thread (app-server `thread/fork`): the session goes on in a new thread
    /// `thread_id` that starts with the history so far and its own rollout; SessionStart
    /// source `fork` (4e30281: `startup`) is pending.
    Fork { thread_id: String },
}

/// One user turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnSpec {
    pub turn_id: String,
    /// The prompt the user submits.
    pub prompt: String,
    /// Prompts typed while the turn runs, each checked by UserPromptSubmit with this turn's id.
    #[serde(default)]
    pub queued: Vec<QueuedPrompt>,
    /// The model's answers, one per sampling request of this turn (FIFO, see module docs).
    pub responses: Vec<ModelResponse>,
    /// The user interrupts the turn once this many of its requests were answered (and their
    /// calls handled): Interrupt hooks run, Stop does not, the turn ends interrupted.
    #[serde(default)]
    pub interrupt_after: Option<usize>,
}

/// A prompt queued mid-turn: it arrives once sampling request `after_request` (1-based,
/// counted within the turn) has been answered, and is taken before the next request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QueuedPrompt {
    pub after_request: usize,
    pub prompt: String,
}

/// One scripted model answer (one SSE stream).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ModelResponse {
    /// `response.id`; defaults to `resp-{n}` (n = 1-based position in the script).
    #[serde(default)]
    pub id: Option<String>,
    /// Output items, in order.
    #[serde(default)]
    pub output: Vec<OutputItem>,
    /// Usage reported in `response.completed` (drives automatic compaction).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Fail the stream with `response.failed` carrying this message (after the output
    /// items, which the agent still records and dispatches).
    #[serde(default)]
    pub failed: Option<String>,
    /// End the stream after the output items without `response.completed`: the agent
    /// records and dispatches the items, then the turn fails with "stream disconnected
    /// before completion". Cannot be combined with `failed`.
    #[serde(default)]
    pub disconnect: bool,
}

impl ModelResponse {
    /// A response with one assistant message.
    pub fn message(text: impl Into<String>) -> Self {
        ModelResponse {
            output: vec![OutputItem::Message { text: text.into() }],
            ..ModelResponse::default()
        }
    }

    /// A response with the given tool calls.
    pub fn calls(calls: Vec<ToolCallSpec>) -> Self {
        ModelResponse {
            output: calls.into_iter().map(OutputItem::Call).collect(),
            ..ModelResponse::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

/// One output item of a model response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
// A spec is built once per session and read in place; the size of an item never matters,
// and boxing the call would only make every spec literal noisier.
#[allow(clippy::large_enum_variant)]
pub enum OutputItem {
    /// An assistant message (`output_text`).
    Message { text: String },
    /// A tool call and its scripted result.
    Call(ToolCallSpec),
}

/// A tool call the model makes, with what happens when it is executed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCallSpec {
    /// The model's call id (`tool_use_id` on hook stdin). Must not be empty.
    pub call_id: String,
    pub tool: ToolSpec,
    /// The scripted execution result. Ignored for `update_plan`, unknown tools and
    /// `spawn_agent` (whose output is the child's last message).
    #[serde(default)]
    pub result: ToolResult,
}

/// Which tool, with its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum ToolSpec {
    /// `shell` function call, `{"command": [argv], "justification"?}`; hooks see `Bash` with
    /// the shell-quoted joined argv.
    Shell {
        argv: Vec<String>,
        #[serde(default)]
        justification: Option<String>,
    },
    /// `shell_command` function call, `{"command": "<raw>", "justification"?}`; hooks see `Bash`.
    ShellCommand {
        command: String,
        #[serde(default)]
        justification: Option<String>,
    },
    /// A `local_shell_call` output item (`action.command` = argv); hooks see `Bash`.
    LocalShell { argv: Vec<String> },
    /// Unified exec `exec_command`, `{"cmd": "<raw>", "justification"?}`; hooks see `Bash`.
    ExecCommand {
        cmd: String,
        #[serde(default)]
        justification: Option<String>,
    },
    /// `apply_patch` custom (freeform) tool call; hooks see `apply_patch` (aliases `Write`, `Edit`).
    ApplyPatch { patch: String },
    /// An MCP tool, model-visible as `mcp__{server}__{tool}`; `arguments` is the raw JSON text.
    Mcp {
        server: String,
        tool: String,
        #[serde(default)]
        arguments: String,
    },
    /// `write_stdin` to a unified exec session, `{"session_id": N, "chars": "…"}`. Never fires
    /// PreToolUse or PermissionRequest; when the session's process exits successfully with
    /// this call, PostToolUse fires for the `exec_command` call that started it (its call
    /// id and command), and its verdict replaces this call's output.
    WriteStdin {
        /// The session id the model writes to: the agent numbers the sessions of a thread
        /// from 1000, in the order their `exec_command` calls leave a process running.
        session_id: i64,
        #[serde(default)]
        chars: String,
    },
    /// `update_plan`: fires no hooks; output `Plan updated`.
    UpdatePlan {
        #[serde(default)]
        arguments: String,
    },
    /// `spawn_agent`: runs a child agent; its output to the parent is the child's last message.
    SpawnAgent(ChildSpec),
    /// A Claude Code tool call (the `claude` dialect): `tool_use` block `tool` with `input`
    /// (`Bash` `{command}`, `Write` `{file_path, content}`, `Edit`, `Read`, …).
    Claude {
        tool: String,
        input: serde_json::Value,
    },
    /// Any other function call; the model gets `unsupported call: <name>`, no hook fires.
    Other {
        tool_name: String,
        #[serde(default)]
        arguments: String,
    },
}

/// A thread-spawned subagent played inside a `spawn_agent` call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChildSpec {
    /// The child thread id (`agent_id` on hook stdin).
    pub agent_id: String,
    /// The spawn role (`agent_type`).
    pub agent_type: String,
    /// The child's one turn id.
    pub turn_id: String,
    /// The task message given to the child (its user message).
    pub message: String,
    /// The child's model answers; spliced into the FIFO right after the spawning response.
    pub responses: Vec<ModelResponse>,
    /// Claude Code's `Agent` call: its `description` (a few words shown to the user).
    #[serde(default)]
    pub description: String,
}

/// What executing a tool call yields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolResult {
    /// 0 = success (PostToolUse runs only then).
    #[serde(default)]
    pub exit_code: i32,
    /// The output text the tool produced.
    #[serde(default)]
    pub output: String,
    /// Whether the agent would ask for approval (`on-request`/`on-failure` policies).
    #[serde(default)]
    pub needs_approval: bool,
    /// What the user answers if asked (no PermissionRequest verdict).
    #[serde(default)]
    pub user_decision: UserDecision,
    /// The sandboxed attempt is denied by the sandbox. Under any approval policy but
    /// `never`, the agent then asks to retry without the sandbox (PermissionRequest with
    /// run-id suffix `{call_id}:retry`, else `user_decision`), and the approved retry yields
    /// `exit_code`/`output`. Under `never` the denial is final: the call fails (exit code 1
    /// unless `exit_code` says otherwise) with `output`, and PostToolUse does not run.
    /// Only the shell tools and `apply_patch` run sandboxed; elsewhere this is a spec error.
    #[serde(default)]
    pub sandbox_denied: bool,
    /// Approvals the running command asks for, in order, once it runs (after any approval
    /// up front and any sandbox retry): network access to a host outside the allowlist,
    /// or an exec-policy escalation of a program it execs. Each runs PermissionRequest
    /// (run-id suffix = its `approval_id`), then asks the user if no hook decides; under
    /// approval policy `never` nothing is asked and each is denied. The first denial ends
    /// the asking and the command yields `when_denied` instead of `exit_code`/`output`.
    /// Bash tools only.
    #[serde(default)]
    pub run_approvals: Vec<RunApproval>,
    /// What the command yields when one of its `run_approvals` is denied (its connection
    /// refused, its exec failed). Default: exit code 1, no output.
    #[serde(default)]
    pub when_denied: Option<DeniedRun>,
    /// `exec_command` / `write_stdin`: the process is still running when the call returns;
    /// its unified exec session stays open for `write_stdin` (no PostToolUse yet).
    #[serde(default)]
    pub running: bool,
    /// Claude Code in auto mode: what its classifier answers about this call (`None`: the
    /// call is not classified, as read-only commands and edits in the cwd are not).
    #[serde(default)]
    pub classifier: Option<Classifier>,
}

/// Claude Code's auto-mode classifier on one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Classifier {
    /// It blocks the call (both stages answer yes); else the first stage allows it.
    pub block: bool,
    /// The block's `<reason>` (none: Claude Code says `No reason provided`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Claude Code's permission mode for the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PermissionMode {
    /// Every tool runs unless a hook refuses it.
    #[default]
    #[serde(rename = "bypassPermissions")]
    BypassPermissions,
    /// A classifier model judges the calls that are neither read-only nor edits in the cwd.
    #[serde(rename = "auto")]
    Auto,
}

impl PermissionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionMode::BypassPermissions => "bypassPermissions",
            PermissionMode::Auto => "auto",
        }
    }
}

impl Default for ToolResult {
    fn default() -> Self {
        ToolResult {
            exit_code: 0,
            output: String::new(),
            needs_approval: false,
            user_decision: UserDecision::Approve,
            sandbox_denied: false,
            run_approvals: Vec::new(),
            when_denied: None,
            running: false,
            classifier: None,
        }
    }
}

/// An approval asked while a command runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunApproval {
    /// What the running command reaches for.
    #[serde(flatten)]
    pub access: RunAccess,
    /// The approval's id: the PermissionRequest run-id suffix.
    pub approval_id: String,
    /// What the user answers if asked (`approve_for_session` is a plain approval here).
    #[serde(default)]
    pub user_decision: UserDecision,
}

/// What a running command asks to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunAccess {
    /// Connect to `target` (`scheme://host:port`), outside the network allowlist.
    /// PermissionRequest sees `Bash` with the call's command and
    /// `description: "network-access {target}"`.
    Network { target: String },
    /// Exec `argv`, which an exec-policy rule says to ask about (unix escalation).
    /// PermissionRequest sees `Bash` with the shell-quoted argv and no description.
    Execve { argv: Vec<String> },
}

impl RunAccess {
    /// `network` or `execve`.
    pub fn kind(&self) -> &'static str {
        match self {
            RunAccess::Network { .. } => "network",
            RunAccess::Execve { .. } => "execve",
        }
    }
}

/// What a command yields when an approval it asked for while running is denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeniedRun {
    /// Default 1 (the command failed); 0 means it carried on and succeeded regardless.
    #[serde(default = "default_denied_exit_code")]
    pub exit_code: i32,
    #[serde(default)]
    pub output: String,
}

impl Default for DeniedRun {
    fn default() -> Self {
        DeniedRun {
            exit_code: default_denied_exit_code(),
            output: String::new(),
        }
    }
}

fn default_denied_exit_code() -> i32 {
    1
}

impl ToolResult {
    pub fn ok(output: impl Into<String>) -> Self {
        ToolResult {
            output: output.into(),
            ..ToolResult::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserDecision {
    #[default]
    Approve,
    Deny,
    /// Approve and remember for the session: a later up-front approval of the same command
    /// (Bash), of only already-approved files (`apply_patch`) or of the same MCP tool is not
    /// asked of the user again. The PermissionRequest hooks still run first for Bash and
    /// `apply_patch`; a remembered MCP tool skips them too. For an approval asked while a
    /// command runs, this is a plain approval.
    ApproveForSession,
}

impl SessionSpec {
    /// Every scripted response in the order the agent is expected to consume them.
    pub fn model_script(&self) -> Vec<ModelResponse> {
        let mut out = Vec::new();
        for step in &self.steps {
            match step {
                Step::Turn(turn) => push_responses(&turn.responses, &mut out),
                Step::Compact { summary, .. } => push_responses(summary.as_slice(), &mut out),
                Step::Resume | Step::Fork { .. } => {}
            }
        }
        out
    }

    /// Every call id in the spec mapped to its call (children included), for lookups.
    pub fn calls_by_id(&self) -> BTreeMap<String, ToolCallSpec> {
        self.model_script()
            .iter()
            .flat_map(|r| r.output.iter())
            .filter_map(|item| match item {
                OutputItem::Call(call) => Some((call.call_id.clone(), call.clone())),
                OutputItem::Message { .. } => None,
            })
            .collect()
    }
}

fn push_responses(responses: &[ModelResponse], out: &mut Vec<ModelResponse>) {
    for response in responses {
        out.push(response.clone());
        for item in &response.output {
            if let OutputItem::Call(ToolCallSpec {
                tool: ToolSpec::SpawnAgent(child),
                ..
            }) = item
            {
                push_responses(&child.responses, out);
            }
        }
    }
}

/// The mock agent's originator: the rollout's `session_meta` and analytics' `product_client_id`.
pub(crate) const ORIGINATOR: &str = "hooktape";
