//! What a played session produced, in the order things happened. Plain data (serde
//! `Serialize`); real paths, times and durations may appear here — normalising them is the
//! replay layer's job.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::outcome::HandlerExit;
use crate::engine::wire::HookRunAnalyticsEvent;

/// Everything one session produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub thread_id: String,
    /// The rollout file of the root thread.
    pub transcript_path: String,
    /// Discovery warnings, in order.
    pub discovery_warnings: Vec<String>,
    /// Hook runs, model requests, tool calls, warnings and turn ends, in the order they happened.
    pub timeline: Vec<TimelineEntry>,
    /// The rollout lines of the root thread as written on disk (session meta, items, events).
    pub transcript: Vec<Value>,
    /// The `codex_hook_run` events the analytics server received, in order.
    pub analytics: Vec<HookRunAnalyticsEvent>,
    /// Raw request bodies the model server captured (not serialised; for protocol checks).
    #[serde(skip)]
    pub raw_requests: Vec<Value>,
}

impl Recording {
    pub fn hook_events(&self) -> impl Iterator<Item = &EventRunRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::Hooks(r) => Some(r),
            _ => None,
        })
    }

    /// The sum of every hook run's real wall time.
    pub fn hook_time(&self) -> std::time::Duration {
        self.hook_runs().map(|r| r.duration).sum()
    }

    /// Every handler run, in order.
    pub fn hook_runs(&self) -> impl Iterator<Item = &HookRunRecord> {
        self.hook_events().flat_map(|e| e.runs.iter())
    }

    pub fn model_requests(&self) -> impl Iterator<Item = &ModelRequestRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::ModelRequest(r) => Some(r),
            _ => None,
        })
    }

    pub fn tool_calls(&self) -> impl Iterator<Item = &ToolCallRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::ToolCall(r) => Some(r),
            _ => None,
        })
    }

    pub fn turn_ends(&self) -> impl Iterator<Item = &TurnEndRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::TurnEnd(r) => Some(r),
            _ => None,
        })
    }
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// One event's hooks ran (possibly none matched: then it is not recorded).
    Hooks(EventRunRecord),
    ModelRequest(ModelRequestRecord),
    ToolCall(ToolCallRecord),
    /// A warning the agent surfaced (e.g. a Stop block without a prompt).
    Warning {
        thread_id: String,
        turn_id: String,
        text: String,
    },
    TurnEnd(TurnEndRecord),
}

/// One event's run: `hook/started` for every selected handler (declaration order), the
/// runs, then `hook/completed` for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRunRecord {
    /// PascalCase event name.
    pub event: String,
    pub thread_id: String,
    pub turn_id: String,
    /// Set inside a subagent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent_id: Option<String>,
    /// `{"method":"hook/started","params":{threadId,turnId,run}}`, one per handler.
    pub started: Vec<Value>,
    pub runs: Vec<HookRunRecord>,
    /// `{"method":"hook/completed","params":{…}}`, one per handler.
    pub completed: Vec<Value>,
}

/// One handler's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookRunRecord {
    pub run_id: String,
    pub command: String,
    /// The exact stdin text the hook received.
    pub stdin: String,
    pub exit: HandlerExit,
    pub stdout: String,
    pub stderr: String,
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    /// The completed status (`completed`, `failed`, `blocked`, `stopped`).
    pub status: String,
    /// The hook process's real wall time. Not serialised: it is never the same twice, so it
    /// must not reach a golden; benchmarks read it from the raw recording.
    #[serde(skip)]
    pub duration: std::time::Duration,
}

/// One sampling request, as a compact readable list of input items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRequestRecord {
    /// 1-based over the whole session (the model script's index).
    pub index: usize,
    pub thread_id: String,
    pub turn_id: String,
    /// `sampling` or `compaction`.
    pub purpose: String,
    /// One line per input item, e.g. `user: hello`, `function_call shell(call-1): {...}`.
    pub input: Vec<String>,
    /// What the model answered, one line per output item (same form), then
    /// `failed: <message>` if the stream failed. Empty if no answer came.
    pub output: Vec<String>,
}

/// A tool call and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub thread_id: String,
    pub turn_id: String,
    pub call_id: String,
    /// The model-visible tool name.
    pub name: String,
    /// The tool name hooks see (`Bash`, `apply_patch`, `mcp__s__t`); `None`: no hooks.
    pub hook_tool_name: Option<String>,
    /// Whether an approval was asked of the user (no PermissionRequest verdict).
    pub asked_user: bool,
    /// Whether the tool actually executed.
    pub executed: bool,
    /// What became of it: `executed`, `executed_without_sandbox` (after an approved sandbox
    /// retry), `denied_by_sandbox` (policy `never`), `blocked_by_pre_tool_use`,
    /// `denied_by_permission_request`, `denied_by_user`, `unsupported`, `no_hooks`, `subagent`.
    pub disposition: String,
    /// The output the model was sent.
    pub output_to_model: String,
}

/// How a turn ended. Only the recording keeps the reason: every one of these ends the
/// turn normally (`task_complete` in the rollout), as in Codex, where only an interrupt
/// aborts a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnEndRecord {
    pub thread_id: String,
    pub turn_id: String,
    pub end: TurnEnd,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum TurnEnd {
    /// The model answered and Stop let the turn finish.
    Completed {
        last_assistant_message: Option<String>,
    },
    /// SessionStart stopped the turn before the prompt was recorded.
    StoppedBySessionStart,
    /// UserPromptSubmit blocked or stopped the prompt.
    BlockedByUserPromptSubmit,
    /// Stop (or SubagentStop) returned `continue:false`.
    StoppedByStopHook {
        stop_reason: Option<String>,
        last_assistant_message: Option<String>,
    },
    /// PreCompact stopped a compaction, or PostCompact stopped after it.
    CompactionAborted { event: String, reason: String },
    /// A manual compaction completed.
    Compacted,
    /// The model stream failed (`response.failed`, or it ended without
    /// `response.completed`); its items were still recorded and dispatched; Stop does not run.
    Failed { message: String },
}
