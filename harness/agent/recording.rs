//! What a played session produced, in the order things happened. Plain data (serde
//! `Serialize`); real paths, times and durations may appear here — normalising them is the
//! replay layer's job.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::config::TrustStatus;
use crate::engine::event::HookEvent;
use crate::engine::lifecycle::LifecycleResult;
use crate::engine::outcome::{HandlerExit, RunStatus};
use crate::engine::summary::HookRunSummary;
use crate::engine::wire::{HookNotificationV2, HookRunAnalyticsEvent, NotificationMethod};

/// Everything one session produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recording {
    /// The dialect the session was played in.
    pub dialect: crate::engine::Dialect,
    pub thread_id: String,
    /// The rollout file of the thread the session ended in (the root, or its last fork).
    pub transcript_path: String,
    /// Discovery warnings, in order.
    pub discovery_warnings: Vec<String>,
    /// Why the session could not start (then nothing else happened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_error: Option<String>,
    /// Handlers hook trust keeps from running (the `codex` dialect), in declaration order.
    pub skipped_hooks: Vec<SkippedHookRecord>,
    /// Hook runs, model requests, tool calls, warnings and turn ends, in the order they happened.
    pub timeline: Vec<TimelineEntry>,
    /// The rollout lines of that thread as written on disk (session meta, items, events).
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
        let claude: std::time::Duration = self
            .claude_events()
            .flat_map(|e| e.runs.iter())
            .map(|r| r.duration)
            .sum();
        self.hook_runs()
            .map(|r| r.duration)
            .sum::<std::time::Duration>()
            + claude
    }

    /// Every Claude Code event that ran hooks, in order.
    pub fn claude_events(&self) -> impl Iterator<Item = &ClaudeEventRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::ClaudeHooks(r) => Some(r.as_ref()),
            _ => None,
        })
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

    /// Every lifecycle-dialect hook run, in order.
    pub fn lifecycle_runs(&self) -> impl Iterator<Item = &LifecycleRunRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::LifecycleHook(r) => Some(r.as_ref()),
            _ => None,
        })
    }

    /// Every legacy notify run, in order.
    pub fn notify_runs(&self) -> impl Iterator<Item = &NotifyRecord> {
        self.timeline.iter().filter_map(|e| match e {
            TimelineEntry::Notify(r) => Some(r),
            _ => None,
        })
    }

    /// Which hook ended a turn early (blocked its prompt, stopped it), in words, naming the
    /// hook's command and run id: what a script that leaves responses unused needs to hear.
    pub fn ended_early(&self) -> Option<String> {
        let (index, end) = self
            .timeline
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, e)| match e {
                TimelineEntry::TurnEnd(t) if !matches!(t.end, TurnEnd::Completed { .. }) => {
                    Some((i, t))
                }
                _ => None,
            })?;
        let (event, what) = match &end.end {
            TurnEnd::BlockedByUserPromptSubmit => ("UserPromptSubmit", "blocked the prompt"),
            TurnEnd::StoppedBySessionStart => ("SessionStart", "stopped the session"),
            TurnEnd::StoppedByStopHook { .. } => ("Stop", "stopped the turn"),
            TurnEnd::CompactionAborted { event, .. } => (event.as_str(), "stopped the compaction"),
            TurnEnd::StoppedByHook { event, .. } => (event.as_str(), "stopped the session"),
            TurnEnd::Failed { message } => {
                return Some(format!(
                    "turn {} failed before they were asked for: {message}",
                    end.turn_id
                ))
            }
            TurnEnd::Interrupted => {
                return Some(format!(
                    "turn {} was interrupted before they were asked for",
                    end.turn_id
                ))
            }
            TurnEnd::Completed { .. } | TurnEnd::Compacted => return None,
        };
        let culprit = self.timeline[..index].iter().rev().find_map(|e| match e {
            TimelineEntry::Hooks(r) if r.event.config_name() == event => r
                .runs
                .iter()
                .find(|run| matches!(run.status, RunStatus::Blocked | RunStatus::Stopped)),
            _ => None,
        });
        Some(match culprit {
            Some(run) => format!(
                "they were never asked for because {event} hook `{}` (run {}) {what} of turn {}",
                run.command, run.run_id, end.turn_id
            ),
            None => format!(
                "they were never asked for because a {event} hook {what} of turn {}",
                end.turn_id
            ),
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// One event's hooks ran (possibly none matched: then it is not recorded).
    Hooks(EventRunRecord),
    /// A lifecycle-dialect hook ran (an event whose key is unset is not recorded).
    LifecycleHook(Box<LifecycleRunRecord>),
    /// The legacy notify hook ran after a completed turn (either dialect).
    Notify(NotifyRecord),
    /// One Claude Code event's hooks ran (the `claude` dialect).
    ClaudeHooks(Box<ClaudeEventRecord>),
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRunRecord {
    /// Serialised as its PascalCase name.
    pub event: HookEvent,
    pub thread_id: String,
    pub turn_id: String,
    /// Set inside a subagent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent_id: Option<String>,
    /// `hook/started`, one per selected handler.
    pub started: Vec<HookNotice>,
    pub runs: Vec<HookRunRecord>,
    /// `hook/completed`, one per run.
    pub completed: Vec<HookNotice>,
    /// Handlers this event selected that hook trust kept from running: Codex fires nothing
    /// for them, no notification and no run entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedHookRecord>,
}

/// A handler hook trust keeps from running, which Codex skips without a word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedHookRecord {
    pub event: HookEvent,
    pub command: String,
    pub status: TrustStatus,
    /// Its `[hooks.state]` key (the absolute path of the file that declares it, event, group
    /// and handler index).
    pub key: String,
    /// The `trusted_hash` that would let it run.
    pub current_hash: String,
}

impl SkippedHookRecord {
    pub fn of(s: &crate::engine::config::SkippedHandler) -> Self {
        SkippedHookRecord {
            event: s.handler.event,
            command: s.handler.command.clone(),
            status: s.status,
            key: s.key.clone(),
            current_hash: s.current_hash.clone(),
        }
    }
}

/// One `hook/started` or `hook/completed` notification. Serialised in its app-server v2
/// wire form: `{"method":"hook/started","params":{"threadId","turnId","run":{…}}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct HookNotice {
    pub method: NotificationMethod,
    pub thread_id: String,
    /// `None` outside a turn (SessionEnd of a session that never had one).
    pub turn_id: Option<String>,
    pub run: HookRunSummary,
}

impl HookNotice {
    /// The notification as it goes on the wire.
    pub fn wire(&self) -> Value {
        let params = HookNotificationV2 {
            thread_id: self.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            run: (&self.run).into(),
        };
        serde_json::json!({"method": self.method.as_str(), "params": params})
    }
}

impl Serialize for HookNotice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire().serialize(serializer)
    }
}

/// One handler's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// The completed status.
    pub status: RunStatus,
    /// An `async: true` run (Codex 0.171): no notification; what it said waits for the next
    /// boundary.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub background: bool,
    /// An `mcp_tool` run (Codex 0.171): the server, tool and filled arguments it called;
    /// `stdout` is then the tool's answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mcp: Option<McpCallRecord>,
    /// The hook process's real wall time. Not serialised: it is never the same twice, so it
    /// must not reach a golden; benchmarks read it from the raw recording.
    #[serde(skip)]
    pub duration: std::time::Duration,
}

/// The call an `mcp_tool` handler made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpCallRecord {
    pub server: String,
    pub tool: String,
    /// `None`: filling the `input` failed and nothing was sent.
    pub arguments: Option<serde_json::Value>,
}

/// One lifecycle-dialect hook run. The dialect has no app-server notifications and no
/// analytics event, so none are recorded or sent; the summary is the run's
/// [`crate::engine::summary::HookRunSummary`], serialised in its v2 wire shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifecycleRunRecord {
    /// The payload's `hook_event_name` (PascalCase).
    pub event: String,
    /// The hook's name: its `[hooks]` key, e.g. `pre_tool_use`.
    pub name: String,
    pub thread_id: String,
    /// `None` before the first turn (SessionStart at session configuration).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub turn_id: Option<String>,
    /// Set inside a subagent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent_id: Option<String>,
    /// The command run (no shell).
    pub argv: Vec<String>,
    /// The exact stdin text (the JSON payload).
    pub stdin: String,
    pub exit: HandlerExit,
    pub stderr: String,
    pub stderr_dropped: u64,
    /// `success`, `failed_continue` or `failed_abort`, with the failure text.
    pub result: LifecycleResult,
    /// What the agent logged about the run (an abort of a never-fatal event:
    /// `lifecycle hook failed with abort; continuing`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub log: Option<String>,
    /// The completed run summary (serialised in its v2 shape: `id`, `eventName`, `status`, …).
    #[serde(serialize_with = "v2_summary")]
    pub summary: HookRunSummary,
}

/// One legacy notify run: the configured argv plus the `agent-turn-complete` JSON as the
/// last argument, nothing on stdin. Its result never changes the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyRecord {
    pub thread_id: String,
    pub turn_id: String,
    /// The full argv the process got (its last element is `json`).
    pub argv: Vec<String>,
    /// The notification JSON.
    pub json: String,
    /// The `config.toml` that set `notify`.
    pub source_path: String,
    pub exit: HandlerExit,
    pub stderr: String,
    pub result: LifecycleResult,
}

/// One sampling request, as a compact readable list of input items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRequestRecord {
    /// 1-based over the whole session (the model script's index).
    pub index: usize,
    pub thread_id: String,
    pub turn_id: String,
    pub purpose: RequestPurpose,
    /// One line per input item, e.g. `user: hello`, `function_call shell(call-1): {...}`.
    pub input: Vec<String>,
    /// What the model answered, one line per output item (same form), then
    /// `failed: <message>` if the stream failed. Empty if no answer came.
    pub output: Vec<String>,
}

/// Why a model request was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestPurpose {
    /// A turn's sampling request.
    Sampling,
    /// A compaction's summary request.
    Compaction,
    /// A Claude Code subagent's sampling request (its own conversation).
    Subagent,
    /// Claude Code's auto-mode classifier on a call (not streamed, no tools).
    Classifier,
}

impl RequestPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestPurpose::Sampling => "sampling",
            RequestPurpose::Compaction => "compaction",
            RequestPurpose::Subagent => "subagent",
            RequestPurpose::Classifier => "classifier",
        }
    }
}

fn v2_summary<S: serde::Serializer>(
    summary: &HookRunSummary,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    crate::engine::wire::HookRunSummaryV2::from(summary).serialize(serializer)
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
    /// `denied_by_permission_request`, `denied_by_user`, `{network|execve}_denied_by_{permission_request|user|policy}`
    /// (an approval the running command asked for), `session_running` (`session_running_without_sandbox` after a sandbox retry; a unified exec
    /// process left running), `session_exited` (`write_stdin` saw it exit),
    /// `unknown_session`, `unsupported`, `no_hooks`, `subagent`, and in the lifecycle
    /// dialect `aborted_by_pre_tool_use`.
    pub disposition: Disposition,
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
    /// Claude Code: a hook ended the session (`continue: false` on a tool event, a
    /// PostToolBatch block, a `defer`): no further request.
    StoppedByHook {
        event: String,
        reason: Option<String>,
    },
    /// A manual compaction completed.
    Compacted,
    /// The user interrupted the turn (Interrupt hooks ran; Stop did not).
    Interrupted,
    /// The model stream failed (`response.failed`, or it ended without
    /// `response.completed`); its items were still recorded and dispatched; Stop does not run.
    Failed { message: String },
}

impl TurnEnd {
    /// The assistant's last message as the turn reports it (`task_complete`, a child's
    /// output): set when the turn completed or a Stop hook stopped it.
    pub fn last_agent_message(&self) -> Option<String> {
        match self {
            TurnEnd::Completed {
                last_assistant_message,
            }
            | TurnEnd::StoppedByStopHook {
                last_assistant_message,
                ..
            } => last_assistant_message.clone(),
            _ => None,
        }
    }
}

/// What became of a tool call. Serialised as its snake_case name (`executed`,
/// `network_denied_by_user`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Not decided yet (a call is recorded once it is).
    #[serde(rename = "")]
    Undecided,
    Executed,
    ExecutedWithoutSandbox,
    SessionRunning,
    SessionRunningWithoutSandbox,
    SessionExited,
    UnknownSession,
    BlockedByPreToolUse,
    /// Claude Code's auto-mode classifier refused the call (PermissionDenied ran).
    DeniedByClassifier,
    AbortedByPreToolUse,
    DeniedByPermissionRequest,
    DeniedByUser,
    DeniedBySandbox,
    NetworkDeniedByPermissionRequest,
    NetworkDeniedByUser,
    NetworkDeniedByPolicy,
    ExecveDeniedByPermissionRequest,
    ExecveDeniedByUser,
    ExecveDeniedByPolicy,
    NoHooks,
    Unsupported,
    /// Refused for its arguments after PreToolUse (0.171: `justification` without
    /// `sandbox_permissions`).
    InvalidArguments,
    Subagent,
}

/// Who denied an approval a running command asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeniedBy {
    PermissionRequest,
    User,
    Policy,
}

impl Disposition {
    /// The approval a running command asked for (`network` or not: `execve`) was denied.
    pub fn run_access_denied(network: bool, by: DeniedBy) -> Disposition {
        match (network, by) {
            (true, DeniedBy::PermissionRequest) => Disposition::NetworkDeniedByPermissionRequest,
            (true, DeniedBy::User) => Disposition::NetworkDeniedByUser,
            (true, DeniedBy::Policy) => Disposition::NetworkDeniedByPolicy,
            (false, DeniedBy::PermissionRequest) => Disposition::ExecveDeniedByPermissionRequest,
            (false, DeniedBy::User) => Disposition::ExecveDeniedByUser,
            (false, DeniedBy::Policy) => Disposition::ExecveDeniedByPolicy,
        }
    }

    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Undecided => "",
            Disposition::Executed => "executed",
            Disposition::ExecutedWithoutSandbox => "executed_without_sandbox",
            Disposition::SessionRunning => "session_running",
            Disposition::SessionRunningWithoutSandbox => "session_running_without_sandbox",
            Disposition::SessionExited => "session_exited",
            Disposition::UnknownSession => "unknown_session",
            Disposition::BlockedByPreToolUse => "blocked_by_pre_tool_use",
            Disposition::DeniedByClassifier => "denied_by_classifier",
            Disposition::AbortedByPreToolUse => "aborted_by_pre_tool_use",
            Disposition::DeniedByPermissionRequest => "denied_by_permission_request",
            Disposition::DeniedByUser => "denied_by_user",
            Disposition::DeniedBySandbox => "denied_by_sandbox",
            Disposition::NetworkDeniedByPermissionRequest => "network_denied_by_permission_request",
            Disposition::NetworkDeniedByUser => "network_denied_by_user",
            Disposition::NetworkDeniedByPolicy => "network_denied_by_policy",
            Disposition::ExecveDeniedByPermissionRequest => "execve_denied_by_permission_request",
            Disposition::ExecveDeniedByUser => "execve_denied_by_user",
            Disposition::ExecveDeniedByPolicy => "execve_denied_by_policy",
            Disposition::NoHooks => "no_hooks",
            Disposition::Unsupported => "unsupported",
            Disposition::InvalidArguments => "invalid_arguments",
            Disposition::Subagent => "subagent",
        }
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Disposition {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One Claude Code event: what its matcher saw, each handler's run, and what the agent made
/// of them together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaudeEventRecord {
    pub event: crate::engine::claude::ClaudeEvent,
    pub thread_id: String,
    pub turn_id: String,
    /// What the matchers were compared with (`Bash`, `startup`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subject: Option<String>,
    pub runs: Vec<ClaudeRunRecord>,
    /// Handlers the matcher selected that did not run, with why.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub not_run: Vec<ClaudeNotRunRecord>,
    /// What the session did with the event's verdict, in words (`tool denied: …`).
    pub effect: Vec<String>,
}

/// One Claude Code handler's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaudeRunRecord {
    pub command: String,
    /// The settings layer that declared it (`user`, `project`, `local`, `flag`, `managed`).
    pub source: String,
    /// The exact stdin (one JSON line).
    pub stdin: String,
    /// `exit code N`, `timed out`, or why it could not run.
    pub exit: String,
    pub stdout: String,
    pub stderr: String,
    /// `success`, `error` or `cancelled`, as stream-json's `hook_response` says.
    pub outcome: crate::engine::claude::parse::ClaudeOutcome,
    /// What this run alone decided, in words (`blocks: …`, `denies: …`, `asks: …`,
    /// `allows`, `defers`, `stops: …`), if anything.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub decision: Option<String>,
    /// Claude Code refused the output as a whole (and reports the run as an error with exit
    /// code 1): its words.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rejected: Option<String>,
    /// JSON keys Claude Code does not read on this event (ignored without a word).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ignored_keys: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub background: bool,
    #[serde(skip)]
    pub duration: std::time::Duration,
}

/// A selected handler that did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaudeNotRunRecord {
    pub command: String,
    pub why: String,
}
