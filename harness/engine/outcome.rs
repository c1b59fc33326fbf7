//! Domain types of one hook run and of one event's aggregated outcome.
//!
//! These are what the engine reasons with; the serde shapes sent over the wire live in
//! [`super::wire`].

use serde::{Deserialize, Serialize};

/// Status of a hook run (`running` only between preview and completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Completed,
    Failed,
    Blocked,
    Stopped,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Blocked => "blocked",
            RunStatus::Stopped => "stopped",
        }
    }
}

/// Kind of one output entry of a run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Warning,
    Stop,
    Feedback,
    Context,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub text: String,
}

impl Entry {
    pub fn new(kind: EntryKind, text: impl Into<String>) -> Self {
        Entry {
            kind,
            text: text.into(),
        }
    }
}

/// How the hook process ended, as the pure parser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HandlerExit {
    /// The process exited with this code.
    Code { code: i32 },
    /// The process ended without a code (killed by a signal).
    Signal { signal: Option<i32> },
    /// The runner failed before a status was known: spawn error, stdin write error,
    /// wait error or timeout. The text is the exact error entry.
    RunnerError { message: String },
    /// The process exited (with `code`; `None` when killed by a signal), but something it
    /// left behind kept its stdout or stderr open until the timeout. Codex waits for the end
    /// of output, so the run timed out: `message` is the exact error entry
    /// (`hook timed out after Ns`). Kept apart from `RunnerError` so that a report can say
    /// why a hook that exited still timed out.
    OutputHeldOpen { code: Option<i32>, message: String },
}

impl HandlerExit {
    /// The runner's error entry, when the run failed for a reason other than its status.
    pub fn runner_message(&self) -> Option<&str> {
        match self {
            HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
                Some(message)
            }
            HandlerExit::Code { .. } | HandlerExit::Signal { .. } => None,
        }
    }

    /// For a hook that exited while something it left behind kept its output open: how it
    /// exited and why it still timed out.
    pub fn held_open_text(&self) -> Option<String> {
        let HandlerExit::OutputHeldOpen { code, message } = self else {
            return None;
        };
        let status = code.map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit code {c}"),
        );
        Some(format!(
            "{status}, but a process it left behind held its stdout/stderr open: {message}"
        ))
    }
}

/// Everything the pure parser needs: how the process ended and what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOutput {
    pub exit: HandlerExit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// PermissionRequest verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "behavior", rename_all = "snake_case")]
pub enum PermissionDecision {
    Allow,
    Deny { message: String },
}

/// What one handler asks of the agent, beyond its status and entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// Additional contexts for the model, in output order.
    pub additional_contexts: Vec<String>,
    /// `continue:false` (or a UserPromptSubmit block): stop the turn.
    pub should_stop: bool,
    /// The stop reason offered to aggregation (first non-null wins there).
    pub stop_reason: Option<String>,
    /// PreToolUse block, Stop/SubagentStop continuation.
    pub should_block: bool,
    /// The blocking reason (PreToolUse) or continuation prompt (Stop, SubagentStop).
    pub block_reason: Option<String>,
    /// PostToolUse text that replaces the tool output the model sees.
    pub feedback: Option<String>,
    /// PermissionRequest verdict.
    pub permission: Option<PermissionDecision>,
    /// PreToolUse `allow` + `updatedInput` (Codex 0.171): the input the tool runs with.
    pub updated_input: Option<serde_json::Value>,
}

/// The pure parser's result for one handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerOutcome {
    pub status: RunStatus,
    pub entries: Vec<Entry>,
    pub effect: Effect,
}

impl HandlerOutcome {
    pub fn completed() -> Self {
        HandlerOutcome {
            status: RunStatus::Completed,
            entries: Vec::new(),
            effect: Effect::default(),
        }
    }

    pub fn failed(text: impl Into<String>) -> Self {
        HandlerOutcome {
            status: RunStatus::Failed,
            entries: vec![Entry::new(EntryKind::Error, text)],
            effect: Effect::default(),
        }
    }
}

/// One Stop/SubagentStop continuation fragment, tagged with the run that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuationFragment {
    pub text: String,
    pub hook_run_id: String,
}

/// One event's aggregated outcome, in declaration order of its handlers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOutcome {
    pub should_stop: bool,
    pub stop_reason: Option<String>,
    pub should_block: bool,
    pub block_reason: Option<String>,
    pub additional_contexts: Vec<String>,
    pub feedback_message: Option<String>,
    pub permission: Option<PermissionDecision>,
    pub continuation_fragments: Vec<ContinuationFragment>,
    /// PreToolUse rewrite (Codex 0.171); none when any handler blocks.
    pub updated_input: Option<serde_json::Value>,
}
