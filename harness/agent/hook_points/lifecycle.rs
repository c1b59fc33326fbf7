//! The lifecycle branch's hook points (`spec/lifecycle-branch.md`): one argv hook per key,
//! at the branch's points — SessionStart when the session is configured, UserPromptSubmit
//! on the turn's prompt, PreToolUse / PostToolUse around every call the agent dispatches,
//! SubagentStart / SubagentStop around a spawn in the parent, Stop (logged), PreCompact during
//! automatic compaction, SessionEnd after the rollout's last line. Nothing but a PreToolUse
//! abort changes what the agent does. Also the legacy `notify`, which both dialects run.

use std::time::Duration;

use serde_json::Value;

use super::{
    At, CallReport, HookPoints, PostVerdict, PreToolVerdict, PromptVerdict, Refusal, StartVerdict,
    StopVerdict,
};
use crate::agent::client::COMPACTION_PROMPT;
use crate::agent::error::AgentError;
use crate::agent::recorder::Recorder;
use crate::agent::recording::{LifecycleRunRecord, NotifyRecord, TimelineEntry};
use crate::agent::spec::{ChildSpec, SessionSpec};
use crate::agent::tools::{lifecycle_tool_call, HookedCall, ParsedCall, ToolKind};
use crate::engine::lifecycle::{
    joined_prompt, run_notify, AgentTurn, LifecycleContext, LifecycleEngine, LifecycleEvent,
    LifecycleFields, LifecycleHookKey, LifecyclePayload, LifecycleRun, NotifyHook, ToolCallResult,
    ToolInput, ABORT_CONTINUING_LOG,
};
use crate::engine::outcome::PermissionDecision;
use crate::engine::request::{CompactTrigger, SessionStartSource};
use crate::engine::runner::RunnerConfig;

pub(crate) struct LifecycleHooks<'a> {
    pub engine: &'a LifecycleEngine,
    pub notify: Option<&'a NotifyHook>,
    pub spec: &'a SessionSpec,
}

impl LifecycleHooks<'_> {
    /// Runs the hook of `event`'s key, if set, and records the run. An abort of a
    /// never-fatal event is logged (`lifecycle hook failed with abort; continuing`); the
    /// caller acts on tool aborts.
    async fn run(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        turn: bool,
        event: LifecycleEvent,
    ) -> Option<LifecycleRun> {
        let thread = at.thread;
        let context = LifecycleContext {
            session_id: thread.thread_id.clone(),
            transcript_path: Some(thread.transcript()),
            cwd: self.spec.cwd.clone(),
            client: None,
        };
        let payload = LifecyclePayload::new(context, event);
        let run = self.engine.run(&payload).await?;
        let tool_event = matches!(
            run.key,
            LifecycleHookKey::PreToolUse | LifecycleHookKey::PostToolUse
        );
        let log = (run.result.is_abort() && !tool_event).then(|| ABORT_CONTINUING_LOG.to_owned());
        let turn_id = (turn && !at.turn_id.is_empty()).then(|| at.turn_id.to_owned());
        rec.push(TimelineEntry::LifecycleHook(Box::new(LifecycleRunRecord {
            event: payload.name().as_str().to_owned(),
            name: run.name().to_owned(),
            thread_id: thread.thread_id.clone(),
            turn_id,
            agent_id: thread.child.as_ref().map(|c| c.identity.agent_id.clone()),
            argv: run.argv.clone(),
            stdin: run.stdin.clone(),
            exit: run.exit.clone(),
            stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
            stderr_dropped: run.stderr_dropped,
            result: run.result.clone(),
            log,
            summary: run.summary.clone(),
        })));
        Some(run)
    }

    fn spawn_fields(call: &ParsedCall, child: &ChildSpec) -> LifecycleFields {
        LifecycleFields {
            prompt: Some(child.message.clone()),
            tool_use_id: Some(call.call_id.clone()),
            tool_input: Some(ToolInput::Function {
                arguments: call.payload.clone(),
            }),
            ..LifecycleFields::default()
        }
    }
}

/// Runs the legacy notify after a completed root turn, with `runner`, and records it. Its
/// result changes nothing.
pub(crate) async fn notify(
    rec: &mut Recorder,
    runner: &RunnerConfig,
    timeout: Duration,
    hook: &NotifyHook,
    spec: &SessionSpec,
    at: At<'_>,
    last: Option<String>,
) {
    let turn = AgentTurn {
        thread_id: at.thread.thread_id.clone(),
        turn_id: at.turn_id.to_owned(),
        input_messages: at.thread.inputs.clone(),
        last_assistant_message: last,
    };
    let run = run_notify(runner, hook, &turn, &spec.cwd, None, timeout).await;
    rec.push(TimelineEntry::Notify(NotifyRecord {
        thread_id: at.thread.thread_id.clone(),
        turn_id: at.turn_id.to_owned(),
        argv: run.argv,
        json: run.json,
        source_path: run.source_path,
        exit: run.exit,
        stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
        result: run.result,
    }));
}

impl HookPoints for LifecycleHooks<'_> {
    fn discovery_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    async fn session_configured(&self, rec: &mut Recorder, at: At<'_>) {
        let start = LifecycleEvent::SessionStart(LifecycleFields::default());
        self.run(rec, at, false, start).await;
    }

    async fn session_start(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _source: SessionStartSource,
    ) -> Result<StartVerdict, AgentError> {
        Ok(StartVerdict::default())
    }

    async fn subagent_start(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
    ) -> Result<StartVerdict, AgentError> {
        Ok(StartVerdict::default())
    }

    async fn user_prompt(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        prompt: &str,
        queued: bool,
    ) -> Result<PromptVerdict, AgentError> {
        // Only the turn's own prompt: queued prompts arriving mid-turn fire nothing. It never
        // blocks (an abort is logged).
        if !queued {
            let fields = LifecycleFields {
                prompt: joined_prompt(&[prompt]),
                ..LifecycleFields::default()
            };
            self.run(rec, at, true, LifecycleEvent::UserPromptSubmit(fields))
                .await;
        }
        Ok(PromptVerdict::default())
    }

    async fn stop(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        _stop_hook_active: bool,
        last_message: Option<String>,
        last_input: Option<String>,
    ) -> Result<StopVerdict, AgentError> {
        // Root thread only (a subagent's end is the parent's SubagentStop): logged, never
        // fatal, even an abort.
        if at.thread.child.is_none() {
            let fields = LifecycleFields {
                prompt: last_input,
                last_assistant_message: last_message,
                ..LifecycleFields::default()
            };
            self.run(rec, at, true, LifecycleEvent::Stop(fields)).await;
        }
        Ok(StopVerdict::Complete)
    }

    fn call_hook_name(&self, turn_id: &str, call: &ParsedCall, kind: &ToolKind) -> Option<String> {
        (!matches!(kind, ToolKind::Unsupported))
            .then(|| lifecycle_tool_call(turn_id, call).tool_name)
    }

    async fn pre_tool_use(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        kind: &ToolKind,
    ) -> Result<PreToolVerdict, AgentError> {
        // Before every call the agent dispatches (not an unknown tool); exit 2 aborts it.
        if matches!(kind, ToolKind::Unsupported) {
            return Ok(None.into());
        }
        let pre = LifecycleEvent::PreToolUse(lifecycle_tool_call(at.turn_id, call));
        let aborted = self
            .run(rec, at, true, pre)
            .await
            .and_then(|run| run.tool_abort_message());
        Ok(aborted
            .map(|output| Refusal {
                disposition: crate::agent::recording::Disposition::AbortedByPreToolUse,
                output,
            })
            .into())
    }

    async fn permission_request(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _tool: &HookedCall,
        _tool_input: Value,
        _suffix: String,
    ) -> Result<Option<PermissionDecision>, AgentError> {
        // No PermissionRequest hook: an approval goes straight to the user.
        Ok(None)
    }

    async fn post_tool_use(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _call: &HookedCall,
        _tool_response: Value,
    ) -> Result<PostVerdict, AgentError> {
        Ok(PostVerdict::default())
    }

    async fn call_done(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        report: CallReport,
    ) {
        // After every dispatched call, executed or not; never aborts.
        let result = ToolCallResult {
            executed: report.executed,
            success: report.success,
            duration_ms: report.duration_ms,
            output_preview: report.output,
        };
        let post = LifecycleEvent::PostToolUse(lifecycle_tool_call(at.turn_id, call), result);
        self.run(rec, at, true, post).await;
    }

    async fn spawn_started(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        child: &ChildSpec,
    ) {
        let start = LifecycleEvent::SubagentStart(Self::spawn_fields(call, child));
        self.run(rec, at, true, start).await;
    }

    async fn spawn_finished(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        child: &ChildSpec,
    ) {
        let stop = LifecycleEvent::SubagentStop(LifecycleFields {
            subagent_id: Some(child.agent_id.clone()),
            ..Self::spawn_fields(call, child)
        });
        self.run(rec, at, true, stop).await;
    }

    async fn pre_compact(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        // During automatic compaction only; logged.
        if matches!(trigger, CompactTrigger::Auto) {
            let fields = LifecycleFields {
                prompt: Some(COMPACTION_PROMPT.to_owned()),
                ..LifecycleFields::default()
            };
            self.run(rec, at, true, LifecycleEvent::PreCompact(fields))
                .await;
        }
        Ok(StartVerdict::default())
    }

    async fn post_compact(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        Ok(StartVerdict::default())
    }

    async fn turn_completed(&self, rec: &mut Recorder, at: At<'_>, last_message: Option<String>) {
        if let Some(hook) = self.notify {
            notify(
                rec,
                self.engine.runner(),
                self.engine.timeout(),
                hook,
                self.spec,
                at,
                last_message,
            )
            .await;
        }
    }

    async fn session_end(&self, rec: &mut Recorder, at: At<'_>) -> Result<(), AgentError> {
        // At shutdown, after the rollout is flushed (every line is written synchronously).
        let end = LifecycleEvent::SessionEnd(LifecycleFields::default());
        self.run(rec, at, true, end).await;
        Ok(())
    }
}
