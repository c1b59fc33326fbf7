//! Hook points: every place in a session where the agent may run hooks, as one method each
//! returning a small verdict. One implementation per dialect ([`codex::CodexHooks`],
//! [`lifecycle::LifecycleHooks`]), chosen once in [`super::play_with`] from the session's
//! dialect; the turn loop never asks which dialect it plays. A point where a dialect runs
//! nothing is an empty method of that dialect's implementation, in one place.
//!
//! Each implementation records the hook runs it makes into the [`Recorder`], in the order
//! they happen.

pub(crate) mod codex;
pub(crate) mod lifecycle;

use serde_json::Value;

use super::error::AgentError;
use super::recorder::Recorder;
use super::spec::ChildSpec;
use super::thread::Thread;
use super::tools::{HookedCall, ParsedCall, ToolKind};
use crate::engine::outcome::{ContinuationFragment, PermissionDecision};
use crate::engine::request::{CompactTrigger, SessionStartSource};

/// What SessionStart, SubagentStart, PreCompact or PostCompact said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StartVerdict {
    /// Developer messages to record.
    pub contexts: Vec<String>,
    /// A hook stopped: the turn ends (with this reason, if given).
    pub stop: Option<Option<String>>,
}

/// What UserPromptSubmit said of a prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PromptVerdict {
    pub blocked: bool,
    /// Recorded whether or not the prompt is blocked.
    pub contexts: Vec<String>,
}

/// What Stop (or SubagentStop) said of a final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StopVerdict {
    /// The turn ends normally.
    Complete,
    /// A hook stopped the turn.
    Stopped { reason: Option<String> },
    /// A hook blocked: the turn goes on with these `<hook_prompt>` fragments.
    Continue(Vec<ContinuationFragment>),
    /// A hook blocked without a prompt: warned, and the turn ends normally.
    BlockedWithoutPrompt,
}

/// What PreToolUse made of a call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PreToolVerdict {
    /// The call does not run: what the model gets instead.
    pub refusal: Option<Refusal>,
    /// Hook contexts, one developer message each, recorded before the call's output
    /// (Codex 0.171).
    pub contexts: Vec<String>,
    /// `allow` + `updatedInput` (Codex 0.171): the input the tool runs with.
    pub updated_input: Option<serde_json::Value>,
}

impl From<Option<Refusal>> for PreToolVerdict {
    fn from(refusal: Option<Refusal>) -> Self {
        PreToolVerdict {
            refusal,
            contexts: Vec::new(),
            updated_input: None,
        }
    }
}

/// A call the hooks refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The call's disposition (`blocked_by_pre_tool_use`, `aborted_by_pre_tool_use`).
    pub disposition: crate::agent::recording::Disposition,
    /// What the model gets instead of the tool's output.
    pub output: String,
}

/// What PostToolUse said after a successful execution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PostVerdict {
    pub contexts: Vec<String>,
    /// Replaces the output the model gets.
    pub replace_output: Option<String>,
}

/// A call the agent dispatched, as the lifecycle's PostToolUse reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallReport {
    pub executed: bool,
    pub success: bool,
    pub duration_ms: u64,
    pub output: String,
}

/// Where a hook point is: the thread and the turn (empty before the first turn).
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub thread: &'a Thread,
    pub turn_id: &'a str,
}

/// Every point where the agent may run hooks.
#[allow(async_fn_in_trait)] // used with concrete implementations only, never as `dyn`
pub(crate) trait HookPoints {
    /// Warnings of hook discovery, for the recording.
    fn discovery_warnings(&self) -> Vec<String>;

    /// Why the session cannot start at all (0.171: managed hooks that cannot load).
    fn start_error(&self) -> Option<String> {
        None
    }

    /// Whether `async` hooks left contexts to deliver.
    fn deferred_contexts_pending(&self) -> bool {
        false
    }

    /// What `async` hooks left to deliver (contexts, system messages), taken once.
    fn take_deferred(&self) -> crate::engine::hooks::Deferred {
        crate::engine::hooks::Deferred::default()
    }

    /// Handlers hook trust keeps from running, for the recording.
    fn skipped_hooks(&self) -> Vec<super::recording::SkippedHookRecord> {
        Vec::new()
    }

    /// The session is configured: at its start, and again after a resume.
    async fn session_configured(&self, rec: &mut Recorder, at: At<'_>);

    /// A pending SessionStart of the root thread, at the top of a sampling round.
    async fn session_start(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        source: SessionStartSource,
    ) -> Result<StartVerdict, AgentError>;

    /// A subagent's first turn begins (in the child thread).
    async fn subagent_start(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
    ) -> Result<StartVerdict, AgentError>;

    /// A prompt is submitted: the turn's own (`queued` false) or one typed while it ran.
    async fn user_prompt(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        prompt: &str,
        queued: bool,
    ) -> Result<PromptVerdict, AgentError>;

    /// The model answered without a follow-up: may the turn end? `last_input` is the last
    /// user message of the final request.
    async fn stop(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        stop_hook_active: bool,
        last_message: Option<String>,
        last_input: Option<String>,
    ) -> Result<StopVerdict, AgentError>;

    /// The name hooks see for a call the agent dispatches, when the dialect's tool hooks
    /// name every call (not only the hooked tools).
    fn call_hook_name(&self, turn_id: &str, call: &ParsedCall, kind: &ToolKind) -> Option<String>;

    /// Before a call runs; `Some`: refused.
    async fn pre_tool_use(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        kind: &ToolKind,
    ) -> Result<PreToolVerdict, AgentError>;

    /// An approval would be asked (run-id suffix `suffix`): `Some`: the hooks decided.
    async fn permission_request(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        tool: &HookedCall,
        tool_input: Value,
        suffix: String,
    ) -> Result<Option<PermissionDecision>, AgentError>;

    /// A hooked call's execution succeeded (for an exec session: its process exited).
    async fn post_tool_use(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &HookedCall,
        tool_response: Value,
    ) -> Result<PostVerdict, AgentError>;

    /// After every call the agent dispatched, executed or not.
    async fn call_done(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        report: CallReport,
    );

    /// Around a subagent's run, in the parent.
    async fn spawn_started(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        child: &ChildSpec,
    );
    async fn spawn_finished(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        child: &ChildSpec,
    );

    /// Before a compaction's request.
    async fn pre_compact(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError>;

    /// After a compaction replaced the history.
    async fn post_compact(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError>;

    /// A root turn completed (legacy `notify`).
    async fn turn_completed(&self, rec: &mut Recorder, at: At<'_>, last_message: Option<String>);

    /// The session closes (at its end, and before a resume).
    async fn session_end(&self, rec: &mut Recorder, at: At<'_>) -> Result<(), AgentError>;

    /// A thread a fork left behind closes at the session's end: Codex 0.171 runs its
    /// SessionEnd without a notification to the client, which follows the fork.
    async fn session_end_unfollowed(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
    ) -> Result<(), AgentError> {
        self.session_end(rec, at).await
    }

    /// The user interrupted the turn (Codex 0.171's Interrupt; Stop does not run).
    async fn interrupt(&self, _rec: &mut Recorder, _at: At<'_>) -> Result<(), AgentError> {
        Ok(())
    }

    /// Right before a model request (Codex 0.171's PreModelRequest; observation only).
    async fn pre_model_request(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _request: &crate::engine::request::ModelRequestInfo,
    ) -> Result<(), AgentError> {
        Ok(())
    }

    /// Right after a model request, failed or not (Codex 0.171's PostModelRequest).
    async fn post_model_request(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _request: &crate::engine::request::ModelRequestInfo,
        _outcome: &crate::engine::request::ModelRequestOutcome,
    ) -> Result<(), AgentError> {
        Ok(())
    }
}
