//! The turn loop (Codex §2.3–2.8 where hooks are concerned): SessionStart pending until the
//! next turn, UserPromptSubmit before the prompt is recorded, sampling over HTTP until no
//! follow-up, tool calls through PreToolUse / PermissionRequest / execution / PostToolUse,
//! Stop with continuation prompts, queued prompts, compaction, subagents, resume, SessionEnd.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{json, Value};

use super::history::{compact_input, compact_line, HistoryItem, Role};
use super::model_server::{ANALYTICS_PATH, SCRIPT_EXHAUSTED_HEADER};
use super::recording::{
    EventRunRecord, HookRunRecord, LifecycleRunRecord, ModelRequestRecord, NotifyRecord, Recording,
    TimelineEntry, ToolCallRecord, TurnEnd, TurnEndRecord,
};
use super::spec::{
    ChildSpec, QueuedPrompt, RunAccess, RunApproval, SessionSpec, Step, ToolCallSpec, ToolResult,
    ToolSpec, TurnSpec, UserDecision,
};
use super::tools::{
    blocked_text, classify, lifecycle_tool_call, mcp_result, model_name, shell_join,
    tool_definitions, HookedCall, HookedKind, ParsedCall, ToolKind,
};
use super::transcript::{rfc3339, Rollout};
use super::{indent, validate_hooks, AgentEnv, AgentError, Hooks};
use crate::engine::config::DEFAULT_TIMEOUT_SECS;
use crate::engine::lifecycle::{
    joined_prompt, run_notify, AgentTurn, LifecycleContext, LifecycleEngine, LifecycleEvent,
    LifecycleFields, LifecycleHookKey, LifecyclePayload, LifecycleRun, NotifyHook, ToolCallResult,
    ToolInput, ABORT_CONTINUING_LOG,
};
use crate::engine::outcome::{EventOutcome, PermissionDecision};
use crate::engine::request::{
    AgentIdentity, ApprovalPolicy, CompactTrigger, EventPayload, HookContext, HookRequest,
    PermissionMode, SessionStartSource,
};
use crate::engine::wire::HookRunSummaryV2 as SummaryWire;
use crate::engine::wire::{
    AnalyticsBatch, HookNotificationV2, HookRunAnalyticsEvent, HookRunSummaryV2,
};
use crate::engine::{Dialect, Engine};

/// The user message a compaction request ends with.
pub const COMPACTION_PROMPT: &str =
    "Summarize the conversation so far so that the work can continue from the summary alone.";

/// Where the agent sends model requests and analytics.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Base URL ending in `/v1`; requests go to `{base}/responses`.
    pub model_base_url: String,
    /// Analytics base; batches go to `{base}/codex/analytics-events/events`. `None`: no analytics.
    pub analytics_base_url: Option<String>,
}

/// A child thread's identity and where its parent's transcript is.
#[derive(Debug, Clone)]
struct ChildInfo {
    identity: AgentIdentity,
    parent_transcript: String,
    start_pending: bool,
}

/// One thread: the root session or a subagent.
struct Thread {
    thread_id: String,
    rollout: Rollout,
    history: Vec<HistoryItem>,
    pending_start: Option<SessionStartSource>,
    child: Option<ChildInfo>,
    /// The user inputs accepted in the current turn (notify's `input-messages`).
    inputs: Vec<String>,
    /// The thread's open unified exec sessions.
    exec: ExecSessions,
    /// What the user approved for the rest of this session (`HookedCall::approval_keys`): Codex keeps
    /// it in memory, so a resumed session and each subagent start with none.
    remembered: BTreeSet<String>,
}

/// A thread's unified exec sessions: processes an `exec_command` left running, addressed
/// by `write_stdin`, each with the call that started it. Ids are allocated as Codex's deterministic (test-mode) allocator does:
/// one above the largest open id, 1000 when none is open, so an exited session's id is
/// reused. (Codex's production ids are random; a script needs them known.)
#[derive(Debug, Default)]
struct ExecSessions {
    open: BTreeMap<i64, HookedCall>,
}

impl ExecSessions {
    const FIRST_ID: i64 = 1000;

    fn open(&mut self, session: HookedCall) -> i64 {
        let id = self
            .open
            .keys()
            .next_back()
            .map_or(Self::FIRST_ID, |last| last + 1);
        self.open.insert(id, session);
        id
    }
}

impl Thread {
    fn transcript(&self) -> String {
        self.rollout.path().display().to_string()
    }
}

/// What one sampling request returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sampled {
    /// The output items received, in order (also those before a failure).
    pub items: Vec<HistoryItem>,
    pub total_tokens: Option<u64>,
    /// `response.failed`'s message.
    pub failed: Option<String>,
    /// The stream ended with neither `response.completed` nor `response.failed`.
    pub disconnected: bool,
}

/// Codex's error text for a stream that ends without `response.completed`.
pub const STREAM_DISCONNECTED: &str = "stream disconnected before completion";

impl Sampled {
    /// Why the stream failed, if it did: `response.failed`'s message or
    /// [`STREAM_DISCONNECTED`].
    pub fn failure(&self) -> Option<String> {
        match (&self.failed, self.disconnected) {
            (Some(message), _) => Some(message.clone()),
            (None, true) => Some(STREAM_DISCONNECTED.to_owned()),
            (None, false) => None,
        }
    }
}

/// A turn's queued prompts: those still waiting to arrive, then those that arrived and
/// wait to be taken at the top of the next loop iteration (Codex's pending input).
#[derive(Debug, Default)]
struct PromptQueue {
    waiting: Vec<QueuedPrompt>,
    arrived: VecDeque<String>,
    /// Sampling requests answered in this turn.
    made: usize,
}

impl PromptQueue {
    fn new(queued: &[QueuedPrompt]) -> PromptQueue {
        PromptQueue {
            waiting: queued.to_vec(),
            ..PromptQueue::default()
        }
    }

    /// One more request was answered: prompts waiting for it arrive, in spec order.
    fn answered(&mut self) {
        self.made += 1;
        let made = self.made;
        let (arrived, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition::<Vec<_>, _>(|q| q.after_request <= made);
        self.waiting = waiting;
        self.arrived.extend(arrived.into_iter().map(|q| q.prompt));
    }

    fn has_pending_input(&self) -> bool {
        !self.arrived.is_empty()
    }

    /// At the real end of a turn: a prompt that never arrived, or arrived and was never
    /// taken, is a script error.
    fn check_drained(&self, turn_id: &str) -> Result<(), AgentError> {
        if let Some(q) = self.waiting.first() {
            return Err(AgentError::QueuedNeverDelivered {
                turn_id: turn_id.to_owned(),
                prompt: q.prompt.clone(),
                after: q.after_request,
                made: self.made,
            });
        }
        if let Some(prompt) = self.arrived.front() {
            return Err(AgentError::QueuedNotTaken {
                turn_id: turn_id.to_owned(),
                prompt: prompt.clone(),
            });
        }
        Ok(())
    }
}

/// What taking the pending queued prompts came to.
enum QueuedRound {
    /// At least one prompt was accepted (or there was nothing to take): sample.
    Accepted,
    /// Nothing accepted, a block put the rest back: take them again.
    Requeued,
    /// Nothing accepted, nothing left: the turn ends.
    Blocked,
}

/// Plays one session.
pub struct Agent<'a> {
    spec: &'a SessionSpec,
    /// The codex dialect's engine; `None` (nothing runs) in the lifecycle dialect.
    codex: Option<&'a Engine>,
    /// The lifecycle dialect's engine; `None` (nothing runs) in the codex dialect.
    lifecycle: Option<&'a LifecycleEngine>,
    notify: Option<&'a NotifyHook>,
    env: &'a AgentEnv,
    endpoints: Endpoints,
    http: reqwest::Client,
    calls: BTreeMap<String, ToolCallSpec>,
    mcp_tools: Vec<String>,
    timeline: Vec<TimelineEntry>,
    requests_sent: usize,
    messages: usize,
    hook_prompts: usize,
    /// An automatic compaction deferred to the start of the next turn.
    compact_before_next_turn: bool,
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One `<hook_prompt>` fragment.
pub fn hook_prompt_fragment(hook_run_id: &str, text: &str) -> String {
    format!(
        "<hook_prompt hook_run_id=\"{}\">{}</hook_prompt>",
        xml_escape(hook_run_id),
        xml_escape(text)
    )
}

fn notification(
    method: &str,
    thread_id: &str,
    turn_id: Option<&str>,
    run: HookRunSummaryV2,
) -> Value {
    let params = HookNotificationV2 {
        thread_id: thread_id.to_owned(),
        turn_id: turn_id.map(str::to_owned),
        run,
    };
    json!({"method": method, "params": params})
}

impl<'a> Agent<'a> {
    pub fn new(
        spec: &'a SessionSpec,
        hooks: Hooks<'a>,
        env: &'a AgentEnv,
        endpoints: Endpoints,
    ) -> Result<Agent<'a>, AgentError> {
        validate_hooks(spec, &hooks)?;
        let calls = spec.calls_by_id();
        let mut mcp_tools: Vec<String> = calls
            .values()
            .filter(|c| matches!(c.tool, ToolSpec::Mcp { .. }))
            .map(|c| model_name(&c.tool))
            .collect();
        mcp_tools.sort();
        mcp_tools.dedup();
        // Only the spec's dialect's engine is kept, so the other can never run.
        let (codex, lifecycle) = match spec.dialect {
            Dialect::Codex => (hooks.codex, None),
            Dialect::Lifecycle => (None, hooks.lifecycle),
        };
        Ok(Agent {
            spec,
            codex,
            lifecycle,
            notify: hooks.notify,
            env,
            endpoints,
            http: reqwest::Client::new(),
            calls,
            mcp_tools,
            timeline: Vec::new(),
            requests_sent: 0,
            messages: 0,
            hook_prompts: 0,
            compact_before_next_turn: false,
        })
    }

    fn now(&self) -> String {
        rfc3339(self.env.clock.now_unix_secs())
    }

    fn next_message_id(&mut self) -> String {
        self.messages += 1;
        format!("msg-{}", self.messages)
    }

    /// Plays every step, then closes the session (SessionEnd).
    pub async fn run(mut self) -> Result<Recording, AgentError> {
        let spec = self.spec;
        let meta = json!({
            "id": spec.thread_id,
            "timestamp": self.now(),
            "cwd": spec.cwd,
            "originator": "hooktape",
            "model": spec.model,
            "approval_policy": spec.approval_policy,
            "instructions": spec.base_instructions,
        });
        let rollout = Rollout::create(&self.env.sessions_dir, &spec.thread_id, meta, &self.now())?;
        let mut thread = Thread {
            thread_id: spec.thread_id.clone(),
            rollout,
            history: Vec::new(),
            pending_start: Some(spec.start_source),
            child: None,
            inputs: Vec::new(),
            exec: ExecSessions::default(),
            remembered: BTreeSet::new(),
        };
        // Lifecycle: SessionStart when the session is configured, before the first turn.
        self.lifecycle_run(
            &thread,
            None,
            LifecycleEvent::SessionStart(LifecycleFields::default()),
        )
        .await;
        // Empty until the first turn: validate() rejects empty turn ids, so "" means none.
        let mut last_turn = String::new();
        for step in &spec.steps {
            match step {
                Step::Turn(turn) => {
                    last_turn = turn.turn_id.clone();
                    self.run_turn(&mut thread, turn).await?;
                }
                Step::Compact { turn_id, summary } => {
                    last_turn = turn_id.clone();
                    self.rollout_event(
                        &thread,
                        json!({"type": "task_started", "turn_id": turn_id}),
                    )?;
                    let manual = Compaction::Manual {
                        summary_scripted: summary.is_some(),
                    };
                    let end = self
                        .compact(&mut thread, turn_id, manual)
                        .await?
                        .unwrap_or(TurnEnd::Compacted);
                    self.end_turn(&thread, turn_id, end)?;
                }
                Step::Resume => {
                    self.session_end(&thread, &last_turn).await?;
                    let rollout = Rollout::open(thread.rollout.path().to_path_buf());
                    thread.history = rollout.read_history()?;
                    thread.rollout = rollout;
                    thread.pending_start = Some(SessionStartSource::Resume);
                    // The closed session's processes and remembered approvals are gone; a
                    // resumed one starts anew.
                    thread.exec = ExecSessions::default();
                    thread.remembered.clear();
                    // Lifecycle: the resumed session is configured again.
                    let start = LifecycleEvent::SessionStart(LifecycleFields::default());
                    self.lifecycle_run(&thread, None, start).await;
                }
            }
        }
        self.session_end(&thread, &last_turn).await?;
        Ok(Recording {
            thread_id: spec.thread_id.clone(),
            transcript_path: thread.transcript(),
            discovery_warnings: self
                .codex
                .map(|e| e.warnings().to_vec())
                .unwrap_or_default(),
            timeline: self.timeline,
            transcript: thread.rollout.lines()?,
            analytics: Vec::new(),
            raw_requests: Vec::new(),
        })
    }

    async fn session_end(&mut self, thread: &Thread, turn_id: &str) -> Result<(), AgentError> {
        let payload = EventPayload::SessionEnd {
            reason: self.spec.end_reason.clone(),
        };
        self.hooks(thread, turn_id, payload, Vec::new(), None)
            .await?;
        // Lifecycle: at shutdown, after the rollout is flushed (every line is written
        // synchronously, so it is).
        let turn = (!turn_id.is_empty()).then_some(turn_id);
        let end = LifecycleEvent::SessionEnd(LifecycleFields::default());
        self.lifecycle_run(thread, turn, end).await;
        Ok(())
    }

    fn context(&self, thread: &Thread, turn_id: &str) -> HookContext {
        HookContext {
            session_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            transcript_path: Some(thread.transcript()),
            cwd: self.spec.cwd.clone(),
            model: self.spec.model.clone(),
            permission_mode: PermissionMode::from_policy(self.spec.approval_policy),
            agent: thread.child.as_ref().map(|c| c.identity.clone()),
        }
    }

    /// Runs one event's hooks: `hook/started` for each selected handler, the runs,
    /// `hook/completed` for each; records it and posts the analytics batch.
    async fn hooks(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        payload: EventPayload,
        aliases: Vec<String>,
        run_id_suffix: Option<String>,
    ) -> Result<EventOutcome, AgentError> {
        // The codex engine runs in the codex dialect only.
        let Some(engine) = self.codex else {
            return Ok(EventOutcome::default());
        };
        let mut context = self.context(thread, turn_id);
        if matches!(payload, EventPayload::SubagentStop { .. }) {
            if let Some(child) = &thread.child {
                context.transcript_path = Some(child.parent_transcript.clone());
            }
        }
        let request = HookRequest {
            context,
            payload,
            matcher_aliases: aliases,
            run_id_suffix,
        };
        // No turn yet (SessionEnd of a session that never had one): `turnId` is null.
        let wire_turn = Some(turn_id).filter(|t| !t.is_empty());
        let started: Vec<Value> = engine
            .preview(&request)
            .iter()
            .map(|s| notification("hook/started", &thread.thread_id, wire_turn, s.into()))
            .collect();
        let run = engine.run(&request).await;
        if run.runs.is_empty() {
            return Ok(run.outcome);
        }
        let completed: Vec<Value> = run
            .runs
            .iter()
            .map(|r| {
                notification(
                    "hook/completed",
                    &thread.thread_id,
                    wire_turn,
                    (&r.summary).into(),
                )
            })
            .collect();
        let analytics: Vec<HookRunAnalyticsEvent> = run
            .runs
            .iter()
            .map(|r| {
                let mut event = HookRunAnalyticsEvent::for_run(
                    &r.summary,
                    &thread.thread_id,
                    turn_id,
                    &self.spec.model,
                );
                event.event_params.turn_id = wire_turn.map(str::to_owned);
                event
            })
            .collect();
        let runs = run
            .runs
            .iter()
            .map(|r| HookRunRecord {
                run_id: r.summary.id.clone(),
                command: r.command.clone(),
                stdin: r.stdin.clone(),
                exit: r.exit.clone(),
                stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&r.stderr).into_owned(),
                stdout_dropped: r.stdout_dropped,
                stderr_dropped: r.stderr_dropped,
                status: r.summary.status.as_str().to_owned(),
                duration: r.duration,
            })
            .collect();
        self.timeline.push(TimelineEntry::Hooks(EventRunRecord {
            event: run.event.config_name().to_owned(),
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            agent_id: thread.child.as_ref().map(|c| c.identity.agent_id.clone()),
            started,
            runs,
            completed,
        }));
        self.post_analytics(analytics).await?;
        Ok(run.outcome)
    }

    async fn post_analytics(&self, events: Vec<HookRunAnalyticsEvent>) -> Result<(), AgentError> {
        let Some(base) = &self.endpoints.analytics_base_url else {
            return Ok(());
        };
        let url = format!("{}{ANALYTICS_PATH}", base.trim_end_matches('/'));
        let response = self
            .http
            .post(&url)
            .json(&AnalyticsBatch { events })
            .send()
            .await
            .map_err(|e| AgentError::Analytics(format!("POST {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(AgentError::Analytics(format!(
                "POST {url}: status {}",
                response.status()
            )));
        }
        Ok(())
    }

    /// Runs the lifecycle hook of `event`'s key, if the dialect is lifecycle and the key is
    /// set; records the run. An abort of a never-fatal event is logged
    /// (`lifecycle hook failed with abort; continuing`); the caller acts on tool aborts.
    async fn lifecycle_run(
        &mut self,
        thread: &Thread,
        turn_id: Option<&str>,
        event: LifecycleEvent,
    ) -> Option<LifecycleRun> {
        let engine = self.lifecycle?;
        let context = LifecycleContext {
            session_id: thread.thread_id.clone(),
            transcript_path: Some(thread.transcript()),
            cwd: self.spec.cwd.clone(),
            client: None,
        };
        let payload = LifecyclePayload::new(context, event);
        let run = engine.run(&payload).await?;
        let tool_event = matches!(
            run.key,
            LifecycleHookKey::PreToolUse | LifecycleHookKey::PostToolUse
        );
        let log = (run.result.is_abort() && !tool_event).then(|| ABORT_CONTINUING_LOG.to_owned());
        self.timeline
            .push(TimelineEntry::LifecycleHook(LifecycleRunRecord {
                event: payload.name().as_str().to_owned(),
                name: run.name().to_owned(),
                thread_id: thread.thread_id.clone(),
                turn_id: turn_id.map(str::to_owned),
                agent_id: thread.child.as_ref().map(|c| c.identity.agent_id.clone()),
                argv: run.argv.clone(),
                stdin: run.stdin.clone(),
                exit: run.exit.clone(),
                stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
                stderr_dropped: run.stderr_dropped,
                result: run.result.clone(),
                log,
                summary: serde_json::to_value(SummaryWire::from(&run.summary))
                    .unwrap_or(Value::Null),
            }));
        Some(run)
    }

    /// Runs the legacy notify after a completed turn of the root thread (either dialect),
    /// with the runner of the dialect's engine, and records it. Its result changes nothing.
    async fn notify(&mut self, thread: &Thread, turn_id: &str, last: Option<String>) {
        let Some(hook) = self.notify else {
            return;
        };
        let (runner, timeout) = match (self.codex, self.lifecycle) {
            (Some(e), _) => (
                e.runner(),
                std::time::Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            ),
            (None, Some(e)) => (e.runner(), e.timeout()),
            // `Agent::new` checked that the dialect's engine is there.
            (None, None) => return,
        };
        let turn = AgentTurn {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            input_messages: thread.inputs.clone(),
            last_assistant_message: last,
        };
        let run = run_notify(runner, hook, &turn, &self.spec.cwd, None, timeout).await;
        self.timeline.push(TimelineEntry::Notify(NotifyRecord {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            argv: run.argv,
            json: run.json,
            source_path: run.source_path,
            exit: run.exit,
            stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
            result: run.result,
        }));
    }

    fn record(&mut self, thread: &mut Thread, item: HistoryItem) -> Result<(), AgentError> {
        thread.rollout.item(&self.now(), &item)?;
        thread.history.push(item);
        Ok(())
    }

    fn record_message(
        &mut self,
        thread: &mut Thread,
        role: Role,
        text: &str,
    ) -> Result<(), AgentError> {
        let id = self.next_message_id();
        self.record(thread, HistoryItem::message(id, role, text))
    }

    fn record_contexts(
        &mut self,
        thread: &mut Thread,
        contexts: &[String],
    ) -> Result<(), AgentError> {
        for context in contexts {
            self.record_message(thread, Role::Developer, context)?;
        }
        Ok(())
    }

    fn rollout_event(&self, thread: &Thread, payload: Value) -> Result<(), AgentError> {
        thread.rollout.event(&self.now(), payload)
    }

    fn end_turn(&mut self, thread: &Thread, turn_id: &str, end: TurnEnd) -> Result<(), AgentError> {
        // Every end here completes the turn normally, as in Codex (only an interrupt, which
        // the agent does not model, aborts one); the reason stays in the timeline.
        if let TurnEnd::Failed { message } = &end {
            self.rollout_event(thread, json!({"type": "error", "message": message}))?;
        }
        let payload = json!({
            "type": "task_complete",
            "turn_id": turn_id,
            "last_agent_message": last_agent_message(&end),
        });
        self.rollout_event(thread, payload)?;
        self.timeline.push(TimelineEntry::TurnEnd(TurnEndRecord {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            end,
        }));
        Ok(())
    }

    fn warn(&mut self, thread: &Thread, turn_id: &str, text: &str) -> Result<(), AgentError> {
        self.rollout_event(thread, json!({"type": "warning", "message": text}))?;
        self.timeline.push(TimelineEntry::Warning {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            text: text.to_owned(),
        });
        Ok(())
    }

    async fn run_turn(&mut self, thread: &mut Thread, turn: &TurnSpec) -> Result<(), AgentError> {
        let mut queue = PromptQueue::new(&turn.queued);
        let end = self
            .turn(thread, &turn.turn_id, &turn.prompt, &mut queue)
            .await?;
        queue.check_drained(&turn.turn_id)?;
        let completed = match &end {
            TurnEnd::Completed {
                last_assistant_message,
            } => Some(last_assistant_message.clone()),
            _ => None,
        };
        self.end_turn(thread, &turn.turn_id, end)?;
        // Legacy notify: after each completed turn (a codex Stop hook that stopped the turn
        // ends it otherwise, so notify is skipped then).
        if let Some(last) = completed {
            self.notify(thread, &turn.turn_id, last).await;
        }
        Ok(())
    }

    /// One turn, start to end; returns how it ended.
    async fn turn(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        prompt: &str,
        queue: &mut PromptQueue,
    ) -> Result<TurnEnd, AgentError> {
        self.rollout_event(thread, json!({"type": "task_started", "turn_id": turn_id}))?;
        thread.inputs.clear();
        if self.compact_before_next_turn && thread.child.is_none() {
            self.compact_before_next_turn = false;
            if let Some(aborted) = self.compact(thread, turn_id, Compaction::Auto).await? {
                return Ok(aborted);
            }
        }
        // SessionStart (root) / SubagentStart (child), pending until the first turn.
        if let Some(child) = thread.child.as_mut().filter(|c| c.start_pending) {
            child.start_pending = false;
            let identity = child.identity.clone();
            let payload = EventPayload::SubagentStart {
                agent_id: identity.agent_id,
                agent_type: identity.agent_type,
            };
            let outcome = self
                .hooks(thread, turn_id, payload, Vec::new(), None)
                .await?;
            self.record_contexts(thread, &outcome.additional_contexts)?;
        } else if self.pending_session_start(thread, turn_id).await? {
            return Ok(TurnEnd::StoppedBySessionStart);
        }
        if !self.submit_prompt(thread, turn_id, prompt).await? {
            return Ok(TurnEnd::BlockedByUserPromptSubmit);
        }

        let mut stop_hook_active = false;
        loop {
            // Top of the iteration: a SessionStart left pending by a mid-turn compaction,
            // then the queued prompts that arrived.
            if self.pending_session_start(thread, turn_id).await? {
                return Ok(TurnEnd::StoppedBySessionStart);
            }
            match self.take_queued(thread, turn_id, queue).await? {
                QueuedRound::Accepted => {}
                QueuedRound::Requeued => continue,
                QueuedRound::Blocked => return Ok(TurnEnd::BlockedByUserPromptSubmit),
            }
            // Lifecycle Stop's `prompt`: the last input message of the final request.
            let last_input = last_user_message(&thread.history);
            let sampled = self.sample(thread, turn_id, "sampling", None).await?;
            queue.answered();
            let mut calls = Vec::new();
            let mut last_message = None;
            for item in &sampled.items {
                if let HistoryItem::Message {
                    role: Role::Assistant,
                    parts,
                    ..
                } = item
                {
                    last_message = Some(parts.join(""));
                }
                if let Some(call) = ParsedCall::from_item(item) {
                    calls.push(call);
                }
                self.record(thread, item.clone())?;
            }
            // Items are handled as they arrive: a failed or cut stream's calls still run.
            for call in &calls {
                self.handle_call(thread, turn_id, call).await?;
            }
            if let Some(message) = sampled.failure() {
                return Ok(TurnEnd::Failed { message });
            }
            let follow_up = !calls.is_empty() || queue.has_pending_input();
            let over_limit = matches!(
                (self.spec.auto_compact_token_limit, sampled.total_tokens),
                (Some(limit), Some(total)) if total >= limit
            );
            if over_limit && thread.child.is_none() {
                if follow_up {
                    if let Some(aborted) = self.compact(thread, turn_id, Compaction::Auto).await? {
                        return Ok(aborted);
                    }
                } else {
                    self.compact_before_next_turn = true;
                }
            }
            if follow_up {
                continue;
            }
            if self.lifecycle.is_some() {
                // Lifecycle Stop (root thread; a subagent's end is the parent's
                // SubagentStop): logged, never fatal, even an abort.
                if thread.child.is_none() {
                    let fields = LifecycleFields {
                        prompt: last_input,
                        last_assistant_message: last_message.clone(),
                        ..LifecycleFields::default()
                    };
                    self.lifecycle_run(thread, Some(turn_id), LifecycleEvent::Stop(fields))
                        .await;
                }
                return Ok(TurnEnd::Completed {
                    last_assistant_message: last_message,
                });
            }
            // Stop / SubagentStop.
            let payload = match &thread.child {
                None => EventPayload::Stop {
                    stop_hook_active,
                    last_assistant_message: last_message.clone(),
                },
                Some(child) => EventPayload::SubagentStop {
                    agent_transcript_path: Some(thread.transcript()),
                    stop_hook_active,
                    agent_id: child.identity.agent_id.clone(),
                    agent_type: child.identity.agent_type.clone(),
                    last_assistant_message: last_message.clone(),
                },
            };
            let outcome = self
                .hooks(thread, turn_id, payload, Vec::new(), None)
                .await?;
            if outcome.should_stop {
                return Ok(TurnEnd::StoppedByStopHook {
                    stop_reason: outcome.stop_reason,
                    last_assistant_message: last_message,
                });
            }
            if outcome.should_block {
                if outcome.continuation_fragments.is_empty() {
                    self.warn(
                        thread,
                        turn_id,
                        "Stop hook requested continuation without a prompt; ignoring the block.",
                    )?;
                } else {
                    self.hook_prompts += 1;
                    let parts = outcome
                        .continuation_fragments
                        .iter()
                        .map(|f| hook_prompt_fragment(&f.hook_run_id, &f.text))
                        .collect();
                    let item = HistoryItem::Message {
                        id: Some(format!("hook-prompt-{}", self.hook_prompts)),
                        role: Role::User,
                        parts,
                    };
                    self.record(thread, item)?;
                    stop_hook_active = true;
                    continue;
                }
            }
            return Ok(TurnEnd::Completed {
                last_assistant_message: last_message,
            });
        }
    }

    /// Fires SessionStart if one is pending (root thread), recording its contexts.
    /// `true`: a hook stopped, the turn ends.
    async fn pending_session_start(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
    ) -> Result<bool, AgentError> {
        let Some(source) = thread.pending_start.take() else {
            return Ok(false);
        };
        let payload = EventPayload::SessionStart { source };
        let outcome = self
            .hooks(thread, turn_id, payload, Vec::new(), None)
            .await?;
        self.record_contexts(thread, &outcome.additional_contexts)?;
        Ok(outcome.should_stop)
    }

    /// Takes the queued prompts that arrived (Codex's pending input), each checked by
    /// UserPromptSubmit with this turn's id, until one is blocked; the rest go back on the
    /// queue. Then records the accepted prompts with their contexts, then the blocked
    /// prompt's contexts.
    async fn take_queued(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        queue: &mut PromptQueue,
    ) -> Result<QueuedRound, AgentError> {
        if !queue.has_pending_input() {
            return Ok(QueuedRound::Accepted);
        }
        let mut accepted = Vec::new();
        let mut blocked = None;
        while let Some(prompt) = queue.arrived.pop_front() {
            let outcome = self.prompt_hooks(thread, turn_id, &prompt).await?;
            if outcome.should_stop {
                blocked = Some(outcome.additional_contexts);
                break;
            }
            accepted.push((prompt, outcome.additional_contexts));
        }
        let any_accepted = !accepted.is_empty();
        for (prompt, contexts) in accepted {
            self.record_message(thread, Role::User, &prompt)?;
            thread.inputs.push(prompt.clone());
            self.record_contexts(thread, &contexts)?;
        }
        let Some(contexts) = blocked else {
            return Ok(QueuedRound::Accepted);
        };
        self.record_contexts(thread, &contexts)?;
        Ok(if any_accepted {
            QueuedRound::Accepted
        } else if queue.has_pending_input() {
            QueuedRound::Requeued
        } else {
            QueuedRound::Blocked
        })
    }

    async fn prompt_hooks(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        prompt: &str,
    ) -> Result<EventOutcome, AgentError> {
        let payload = EventPayload::UserPromptSubmit {
            prompt: prompt.to_owned(),
        };
        self.hooks(thread, turn_id, payload, Vec::new(), None).await
    }

    /// UserPromptSubmit, then the prompt and contexts. `false`: blocked (contexts kept).
    /// Lifecycle: the hook gets the turn's text inputs joined; it never blocks (an abort
    /// is logged). Queued prompts ([`Agent::take_queued`]) fire no lifecycle hook.
    async fn submit_prompt(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        prompt: &str,
    ) -> Result<bool, AgentError> {
        if self.lifecycle.is_some() {
            let fields = LifecycleFields {
                prompt: joined_prompt(&[prompt]),
                ..LifecycleFields::default()
            };
            let event = LifecycleEvent::UserPromptSubmit(fields);
            self.lifecycle_run(thread, Some(turn_id), event).await;
            self.record_message(thread, Role::User, prompt)?;
            thread.inputs.push(prompt.to_owned());
            return Ok(true);
        }
        let outcome = self.prompt_hooks(thread, turn_id, prompt).await?;
        if outcome.should_stop {
            self.record_contexts(thread, &outcome.additional_contexts)?;
            return Ok(false);
        }
        self.record_message(thread, Role::User, prompt)?;
        thread.inputs.push(prompt.to_owned());
        self.record_contexts(thread, &outcome.additional_contexts)?;
        Ok(true)
    }

    /// The Responses-API request body, keyed as responses-wire.md's observed requests
    /// (`reasoning` and `text` carry Codex's defaults; `client_metadata` names the thread
    /// and turn, deterministic). No `<environment_context>` message is sent.
    fn request_body(&self, thread: &Thread, turn_id: &str, extra: Option<&HistoryItem>) -> Value {
        let mut input = vec![HistoryItem::Message {
            id: None,
            role: Role::Developer,
            parts: vec![self.spec.base_instructions.clone()],
        }
        .to_wire(false)];
        input.extend(thread.history.iter().map(|i| i.to_wire(false)));
        if let Some(extra) = extra {
            input.push(extra.to_wire(false));
        }
        json!({
            "model": self.spec.model,
            "input": input,
            "tools": tool_definitions(&self.mcp_tools),
            "tool_choice": "auto",
            "parallel_tool_calls": true,
            "reasoning": {"effort": "medium", "summary": "auto"},
            "store": false,
            "stream": true,
            "include": [],
            "prompt_cache_key": thread.thread_id,
            "text": {"verbosity": "medium"},
            "client_metadata": {"thread_id": thread.thread_id, "turn_id": turn_id},
        })
    }

    /// Sends one request with the whole history and reads the SSE answer.
    async fn sample(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        purpose: &str,
        extra: Option<&HistoryItem>,
    ) -> Result<Sampled, AgentError> {
        let body = self.request_body(thread, turn_id, extra);
        self.requests_sent += 1;
        let index = self.requests_sent;
        let input = compact_input(&body);
        self.timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index,
                thread_id: thread.thread_id.clone(),
                turn_id: turn_id.to_owned(),
                purpose: purpose.to_owned(),
                input: input.clone(),
                output: Vec::new(),
            }));
        let slot = self.timeline.len() - 1;
        let url = format!(
            "{}/responses",
            self.endpoints.model_base_url.trim_end_matches('/')
        );
        let http_err = |e: reqwest::Error| AgentError::Http {
            index,
            message: format!("POST {url}: {e}"),
        };
        let response = self
            .http
            .post(&url)
            .header("accept", "text/event-stream")
            .header("authorization", "Bearer hooktape")
            .header("session_id", &thread.thread_id)
            .header("x-codex-thread-id", &thread.thread_id)
            .header("x-codex-turn-id", turn_id)
            .json(&body)
            .send()
            .await
            .map_err(http_err)?;
        let status = response.status();
        let exhausted = response.headers().contains_key(SCRIPT_EXHAUSTED_HEADER);
        let text = response.text().await.map_err(http_err)?;
        if exhausted {
            return Err(AgentError::ScriptOverrun {
                index,
                thread_id: thread.thread_id.clone(),
                turn_id: turn_id.to_owned(),
                request: indent(&input),
                script: text,
            });
        }
        if !status.is_success() {
            return Err(AgentError::Http {
                index,
                message: format!("status {status}: {text}"),
            });
        }
        let sampled = parse_sse(&text).map_err(|message| AgentError::Stream { index, message })?;
        if let Some(TimelineEntry::ModelRequest(record)) = self.timeline.get_mut(slot) {
            record.output = sampled
                .items
                .iter()
                .map(|i| compact_line(&i.to_wire(false)))
                .chain(sampled.failure().map(|m| format!("failed: {m}")))
                .collect();
        }
        Ok(sampled)
    }

    async fn handle_call(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        call: &ParsedCall,
    ) -> Result<(), AgentError> {
        let tool_err = |message: String| AgentError::Tool {
            call_id: call.call_id.clone(),
            message,
        };
        let scripted = self.calls.get(&call.call_id).cloned().ok_or_else(|| {
            tool_err("the model made a call the script does not define".to_owned())
        })?;
        let kind = classify(call).map_err(tool_err)?;
        let mut record = ToolCallRecord {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            call_id: call.call_id.clone(),
            name: call.name.clone(),
            hook_tool_name: None,
            asked_user: false,
            executed: false,
            disposition: String::new(),
            output_to_model: String::new(),
        };
        // Lifecycle: PreToolUse before every call the agent dispatches (not an unknown
        // tool); exit 2 aborts it, and the model gets the abort text instead.
        let lifecycle_call = (self.lifecycle.is_some() && !matches!(kind, ToolKind::Unsupported))
            .then(|| lifecycle_tool_call(turn_id, call));
        let mut aborted = None;
        if let Some(tc) = &lifecycle_call {
            record.hook_tool_name = Some(tc.tool_name.clone());
            let pre = LifecycleEvent::PreToolUse(tc.clone());
            if let Some(run) = self.lifecycle_run(thread, Some(turn_id), pre).await {
                aborted = run.tool_abort_message();
            }
        }
        let hooked_exit = match &kind {
            ToolKind::Hooked(_) | ToolKind::WriteStdin { .. } => Some(scripted.result.exit_code),
            _ => None,
        };
        let started = self.env.clock.now_unix_secs();
        let output = match kind {
            _ if aborted.is_some() => {
                record.disposition = "aborted_by_pre_tool_use".to_owned();
                aborted.clone().unwrap_or_default()
            }
            ToolKind::Plan => {
                record.executed = true;
                record.disposition = "no_hooks".to_owned();
                "Plan updated".to_owned()
            }
            ToolKind::Unsupported => {
                record.disposition = "unsupported".to_owned();
                format!("unsupported call: {}", call.name)
            }
            ToolKind::WriteStdin { session_id } => {
                self.write_stdin(thread, turn_id, session_id, &scripted.result, &mut record)
                    .await?
            }
            ToolKind::SpawnAgent => {
                let ToolSpec::SpawnAgent(child) = &scripted.tool else {
                    return Err(tool_err(
                        "spawn_agent call without a scripted child".to_owned(),
                    ));
                };
                record.executed = true;
                record.disposition = "subagent".to_owned();
                // Lifecycle: SubagentStart / SubagentStop around the spawn, in the parent.
                let fields = LifecycleFields {
                    prompt: Some(child.message.clone()),
                    tool_use_id: Some(call.call_id.clone()),
                    tool_input: Some(ToolInput::Function {
                        arguments: call.payload.clone(),
                    }),
                    ..LifecycleFields::default()
                };
                let start = LifecycleEvent::SubagentStart(fields.clone());
                self.lifecycle_run(thread, Some(turn_id), start).await;
                let output = self.run_child(thread, child).await?;
                let stop = LifecycleEvent::SubagentStop(LifecycleFields {
                    subagent_id: Some(child.agent_id.clone()),
                    ..fields
                });
                self.lifecycle_run(thread, Some(turn_id), stop).await;
                output
            }
            ToolKind::Hooked(tool) => {
                record.hook_tool_name = Some(tool.tool_name.clone());
                self.hooked_call(thread, turn_id, call, &scripted.result, tool, &mut record)
                    .await?
            }
        };
        if let Some(tc) = lifecycle_call {
            record.hook_tool_name = Some(tc.tool_name.clone());
            // Lifecycle: PostToolUse after every call, executed or not; never aborts. The
            // duration is measured with the injected clock (0 under a fixed clock).
            let elapsed = self.env.clock.now_unix_secs().saturating_sub(started);
            let result = ToolCallResult {
                executed: record.executed,
                success: record.executed && hooked_exit.is_none_or(|code| code == 0),
                duration_ms: u64::try_from(elapsed).unwrap_or(0).saturating_mul(1000),
                output_preview: output.clone(),
            };
            let post = LifecycleEvent::PostToolUse(tc, result);
            self.lifecycle_run(thread, Some(turn_id), post).await;
        }
        record.output_to_model = output.clone();
        self.record(thread, call.output_item(output))?;
        self.timeline.push(TimelineEntry::ToolCall(record));
        Ok(())
    }

    /// PreToolUse → PermissionRequest (when asked) → execution → PostToolUse; returns the
    /// output the model gets.
    async fn hooked_call(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        call: &ParsedCall,
        result: &ToolResult,
        tool: HookedCall,
        record: &mut ToolCallRecord,
    ) -> Result<String, AgentError> {
        let pre = EventPayload::PreToolUse {
            tool_name: tool.tool_name.clone(),
            tool_input: tool.tool_input.clone(),
            tool_use_id: call.call_id.clone(),
        };
        let outcome = self
            .hooks(thread, turn_id, pre, tool.aliases.clone(), None)
            .await?;
        if outcome.should_block {
            record.disposition = "blocked_by_pre_tool_use".to_owned();
            let reason = outcome.block_reason.unwrap_or_default();
            return Ok(blocked_text(&tool.tool_name, &tool.tool_input, &reason));
        }

        let asks = match self.spec.approval_policy {
            ApprovalPolicy::Never => false,
            ApprovalPolicy::Untrusted => !tool.known_safe,
            ApprovalPolicy::OnRequest | ApprovalPolicy::OnFailure => result.needs_approval,
        };
        // What the user approved for the session is not asked of them again; a remembered
        // MCP tool is not asked of its hooks either.
        let remembered = !tool.approval_keys.is_empty()
            && tool
                .approval_keys
                .iter()
                .all(|k| thread.remembered.contains(k));
        if asks && !(remembered && tool.kind == HookedKind::Mcp) {
            let suffix = call.call_id.clone();
            if let Some(denied) = self
                .approval(thread, turn_id, &tool, suffix, remembered, result, record)
                .await?
            {
                return Ok(denied);
            }
        }
        let mut retried = false;
        if result.sandbox_denied {
            // The sandboxed attempt was denied. Under `never` that is final; otherwise the
            // agent asks to retry without the sandbox (run id `{call_id}:retry`); a patch's
            // retry is asked even when its files were approved for the session.
            if self.spec.approval_policy == ApprovalPolicy::Never {
                record.executed = true;
                record.disposition = "denied_by_sandbox".to_owned();
                let code = if result.exit_code == 0 {
                    1
                } else {
                    result.exit_code
                };
                return Ok(match tool.kind {
                    HookedKind::Bash => format!("Exit code: {code}\nOutput:\n{}", result.output),
                    HookedKind::ApplyPatch | HookedKind::Mcp => result.output.clone(),
                });
            }
            let suffix = format!("{}:retry", call.call_id);
            let skip_user = remembered && tool.kind != HookedKind::ApplyPatch;
            if let Some(denied) = self
                .approval(thread, turn_id, &tool, suffix, skip_user, result, record)
                .await?
            {
                return Ok(denied);
            }
            retried = true;
        }

        record.executed = true;
        let mut denial = None;
        for approval in &result.run_approvals {
            if let Some(by) = self
                .run_approval(thread, turn_id, &tool, approval, record)
                .await?
            {
                denial = Some(format!("{}_denied_by_{by}", approval.access.kind()));
                break;
            }
        }
        let (exit_code, output) = match denial {
            Some(disposition) => {
                record.disposition = disposition;
                let denied = result.when_denied.clone().unwrap_or_default();
                (denied.exit_code, denied.output)
            }
            None if result.running => {
                // A unified exec process still running: its session stays open for
                // `write_stdin`; PostToolUse waits until the process exits.
                record.disposition = if retried {
                    "session_running_without_sandbox"
                } else {
                    "session_running"
                }
                .to_owned();
                let id = thread.exec.open(tool);
                return Ok(running_text(id, &result.output));
            }
            None => {
                record.disposition = if retried {
                    "executed_without_sandbox"
                } else {
                    "executed"
                }
                .to_owned();
                (result.exit_code, result.output.clone())
            }
        };
        self.finish(thread, turn_id, &tool, exit_code, output).await
    }

    /// A finished execution: the output the model gets and, after a success, PostToolUse
    /// (for `session`'s call), whose contexts are recorded and whose verdict replaces the
    /// output.
    async fn finish(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        session: &HookedCall,
        exit_code: i32,
        raw_output: String,
    ) -> Result<String, AgentError> {
        let success = exit_code == 0;
        let (tool_response, mut output) = match session.kind {
            HookedKind::Mcp => {
                let v = mcp_result(&raw_output, !success);
                let text = v.to_string();
                (v, text)
            }
            HookedKind::Bash if !success => (
                Value::String(raw_output.clone()),
                format!("Exit code: {exit_code}\nOutput:\n{raw_output}"),
            ),
            HookedKind::Bash | HookedKind::ApplyPatch => {
                (Value::String(raw_output.clone()), raw_output)
            }
        };
        if success {
            let post = EventPayload::PostToolUse {
                tool_name: session.tool_name.clone(),
                tool_input: session.tool_input.clone(),
                tool_response,
                tool_use_id: session.call_id.clone(),
            };
            let outcome = self
                .hooks(thread, turn_id, post, session.aliases.clone(), None)
                .await?;
            self.record_contexts(thread, &outcome.additional_contexts)?;
            if outcome.should_stop {
                output = outcome
                    .feedback_message
                    .or(outcome.stop_reason)
                    .unwrap_or_else(|| "PostToolUse hook stopped execution".to_owned());
            } else if let Some(feedback) = outcome.feedback_message {
                output = feedback;
            }
        }
        Ok(output)
    }

    /// `write_stdin` to a unified exec session: no PreToolUse or PermissionRequest. While
    /// the process runs the model gets its output; once it exits, the session closes and
    /// the exit is finished as the starting `exec_command` call's (PostToolUse with that
    /// call's id and command after a success).
    async fn write_stdin(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        session_id: i64,
        result: &ToolResult,
        record: &mut ToolCallRecord,
    ) -> Result<String, AgentError> {
        if !thread.exec.open.contains_key(&session_id) {
            record.disposition = "unknown_session".to_owned();
            return Ok(format!(
                "write_stdin failed: Unknown session id {session_id}"
            ));
        }
        record.executed = true;
        if result.running {
            record.disposition = "session_running".to_owned();
            return Ok(running_text(session_id, &result.output));
        }
        let Some(session) = thread.exec.open.remove(&session_id) else {
            unreachable!("session {session_id} was found open just above");
        };
        record.disposition = "session_exited".to_owned();
        record.hook_tool_name = Some(session.tool_name.clone());
        self.finish(
            thread,
            turn_id,
            &session,
            result.exit_code,
            result.output.clone(),
        )
        .await
    }

    /// An approval the running command asks for: PermissionRequest (run-id suffix = its
    /// approval id), then the user; under policy `never` it is denied unasked. `Some(by)`:
    /// denied, by `permission_request`, `user` or `policy`.
    async fn run_approval(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        tool: &HookedCall,
        approval: &RunApproval,
        record: &mut ToolCallRecord,
    ) -> Result<Option<&'static str>, AgentError> {
        if self.spec.approval_policy == ApprovalPolicy::Never {
            return Ok(Some("policy"));
        }
        let tool_input = match &approval.access {
            RunAccess::Network { target } => {
                tool.bash_permission_input(Some(format!("network-access {target}")))
            }
            RunAccess::Execve { argv } => json!({"command": shell_join(argv)}),
        };
        let payload = EventPayload::PermissionRequest {
            tool_name: tool.tool_name.clone(),
            tool_input,
        };
        let outcome = self
            .hooks(
                thread,
                turn_id,
                payload,
                tool.aliases.clone(),
                Some(approval.approval_id.clone()),
            )
            .await?;
        Ok(match outcome.permission {
            Some(PermissionDecision::Allow) => None,
            Some(PermissionDecision::Deny { .. }) => Some("permission_request"),
            None => {
                record.asked_user = true;
                (approval.user_decision == UserDecision::Deny).then_some("user")
            }
        })
    }

    /// One approval: PermissionRequest (run-id suffix `suffix`), then, if the hooks give no
    /// verdict, the user — unless `remembered` (the user approved this for the session).
    /// `Some(output)`: denied, the model gets `output`.
    #[allow(clippy::too_many_arguments)]
    async fn approval(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        tool: &HookedCall,
        suffix: String,
        remembered: bool,
        result: &ToolResult,
        record: &mut ToolCallRecord,
    ) -> Result<Option<String>, AgentError> {
        let tool_input = match tool.kind {
            HookedKind::Bash => tool.bash_permission_input(tool.justification.clone()),
            HookedKind::ApplyPatch | HookedKind::Mcp => tool.tool_input.clone(),
        };
        let payload = EventPayload::PermissionRequest {
            tool_name: tool.tool_name.clone(),
            tool_input,
        };
        let outcome = self
            .hooks(thread, turn_id, payload, tool.aliases.clone(), Some(suffix))
            .await?;
        match outcome.permission {
            Some(PermissionDecision::Allow) => Ok(None),
            Some(PermissionDecision::Deny { message }) => {
                record.disposition = "denied_by_permission_request".to_owned();
                Ok(Some(message))
            }
            None if remembered => Ok(None),
            None => {
                record.asked_user = true;
                match result.user_decision {
                    UserDecision::Deny => {
                        record.disposition = "denied_by_user".to_owned();
                        Ok(Some(format!("{} rejected by user", tool.tool_name)))
                    }
                    UserDecision::ApproveForSession => {
                        thread.remembered.extend(tool.approval_keys.iter().cloned());
                        Ok(None)
                    }
                    UserDecision::Approve => Ok(None),
                }
            }
        }
    }

    /// Plays a thread-spawned subagent's one turn; returns its last message.
    async fn run_child(
        &mut self,
        parent: &Thread,
        child: &ChildSpec,
    ) -> Result<String, AgentError> {
        let meta = json!({
            "id": child.agent_id,
            "timestamp": self.now(),
            "cwd": self.spec.cwd,
            "originator": "hooktape",
            "model": self.spec.model,
            "parent_thread_id": parent.thread_id,
            "agent_type": child.agent_type,
        });
        let rollout = Rollout::create(&self.env.sessions_dir, &child.agent_id, meta, &self.now())?;
        let mut thread = Thread {
            thread_id: child.agent_id.clone(),
            rollout,
            history: Vec::new(),
            pending_start: None,
            inputs: Vec::new(),
            exec: ExecSessions::default(),
            remembered: BTreeSet::new(),
            child: Some(ChildInfo {
                identity: AgentIdentity {
                    agent_id: child.agent_id.clone(),
                    agent_type: child.agent_type.clone(),
                },
                parent_transcript: parent.transcript(),
                start_pending: true,
            }),
        };
        let mut queue = PromptQueue::default();
        let end =
            Box::pin(self.turn(&mut thread, &child.turn_id, &child.message, &mut queue)).await?;
        let last = last_agent_message(&end).unwrap_or_default();
        self.end_turn(&thread, &child.turn_id, end)?;
        Ok(last)
    }

    /// PreCompact → compaction request → history replaced → PostCompact → SessionStart
    /// `compact` pending. `Some(end)`: aborted, the turn ends so. A manual compaction's
    /// script must match what PreCompact does: a summary is scripted exactly when it is
    /// not stopped (either mismatch would shift the model's FIFO, so it is an error).
    async fn compact(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        compaction: Compaction,
    ) -> Result<Option<TurnEnd>, AgentError> {
        let (trigger, summary_scripted) = match compaction {
            Compaction::Auto => (CompactTrigger::Auto, true),
            Compaction::Manual { summary_scripted } => (CompactTrigger::Manual, summary_scripted),
        };
        if matches!(trigger, CompactTrigger::Auto) {
            // Lifecycle: PreCompact during automatic compaction only; logged.
            let fields = LifecycleFields {
                prompt: Some(COMPACTION_PROMPT.to_owned()),
                ..LifecycleFields::default()
            };
            self.lifecycle_run(thread, Some(turn_id), LifecycleEvent::PreCompact(fields))
                .await;
        }
        let outcome = self
            .hooks(
                thread,
                turn_id,
                EventPayload::PreCompact { trigger },
                Vec::new(),
                None,
            )
            .await?;
        if outcome.should_stop {
            if matches!(
                compaction,
                Compaction::Manual {
                    summary_scripted: true
                }
            ) {
                return Err(AgentError::SummaryNeverRequested {
                    turn_id: turn_id.to_owned(),
                });
            }
            return Ok(Some(TurnEnd::CompactionAborted {
                event: "PreCompact".to_owned(),
                reason: outcome
                    .stop_reason
                    .unwrap_or_else(|| "PreCompact hook stopped execution".to_owned()),
            }));
        }
        if !summary_scripted {
            return Err(AgentError::CompactionNotStopped {
                turn_id: turn_id.to_owned(),
            });
        }
        let prompt = HistoryItem::Message {
            id: None,
            role: Role::User,
            parts: vec![COMPACTION_PROMPT.to_owned()],
        };
        let sampled = self
            .sample(thread, turn_id, "compaction", Some(&prompt))
            .await?;
        if let Some(message) = sampled.failure() {
            return Ok(Some(TurnEnd::Failed { message }));
        }
        let summary: Vec<String> = sampled
            .items
            .iter()
            .filter_map(|i| match i {
                HistoryItem::Message {
                    role: Role::Assistant,
                    parts,
                    ..
                } => Some(parts.join("")),
                _ => None,
            })
            .collect();
        let mut replacement: Vec<HistoryItem> = thread
            .history
            .iter()
            .filter(|i| {
                matches!(
                    i,
                    HistoryItem::Message {
                        role: Role::User,
                        ..
                    }
                )
            })
            .cloned()
            .collect();
        let id = self.next_message_id();
        replacement.push(HistoryItem::message(id, Role::User, summary.join("\n")));
        let wire: Vec<Value> = replacement.iter().map(|i| i.to_wire(true)).collect();
        thread.rollout.append(
            &self.now(),
            "compacted",
            json!({"message": summary.join("\n"), "replacement_history": wire}),
        )?;
        thread.history = replacement;
        let outcome = self
            .hooks(
                thread,
                turn_id,
                EventPayload::PostCompact { trigger },
                Vec::new(),
                None,
            )
            .await?;
        // SessionStart `compact` becomes pending unless PostCompact stopped (the turn ends
        // here) or a `startup`/`resume` start is still pending (it is the one that fires).
        if thread.child.is_none() && !outcome.should_stop && thread.pending_start.is_none() {
            thread.pending_start = Some(SessionStartSource::Compact);
        }
        if outcome.should_stop {
            return Ok(Some(TurnEnd::CompactionAborted {
                event: "PostCompact".to_owned(),
                reason: outcome
                    .stop_reason
                    .unwrap_or_else(|| "PostCompact hook stopped execution".to_owned()),
            }));
        }
        Ok(None)
    }
}

/// The text of the last user message of `history` (what the next request ends with).
fn last_user_message(history: &[HistoryItem]) -> Option<String> {
    history.iter().rev().find_map(|item| match item {
        HistoryItem::Message {
            role: Role::User,
            parts,
            ..
        } => Some(parts.join("")),
        _ => None,
    })
}

/// The assistant's last message as the turn reports it (`task_complete`, a child's output).
fn last_agent_message(end: &TurnEnd) -> Option<String> {
    match end {
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

/// Which compaction runs: automatic (its summary is the next scripted response of the
/// turn) or a manual `/compact` step, which may script no summary (a PreCompact stop).
#[derive(Debug, Clone, Copy)]
enum Compaction {
    Auto,
    Manual { summary_scripted: bool },
}

/// What the model gets from an exec call whose process is still running.
fn running_text(session_id: i64, output: &str) -> String {
    format!("Process running with session ID {session_id}\nOutput:\n{output}")
}

/// Output item types the agent understands; any other (`reasoning`, `web_search_call`, …)
/// is skipped, as Codex does with items it does not act on.
const KNOWN_OUTPUT_ITEMS: [&str; 4] = [
    "message",
    "function_call",
    "custom_tool_call",
    "local_shell_call",
];

/// Parses a Responses-API SSE body: output items from `response.output_item.done` (unknown
/// item types skipped), usage from `response.completed`; `response.failed` gives the failure
/// message; a stream with neither is `disconnected`. The items received before a failure
/// are kept. Errors: event data that is not JSON, a known item that does not parse.
pub fn parse_sse(text: &str) -> Result<Sampled, String> {
    let mut items = Vec::new();
    let mut total_tokens = None;
    let mut finished = false;
    let mut failed = None;
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let data: String = block
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("\n");
        if data.is_empty() {
            continue;
        }
        let event: Value = serde_json::from_str(&data)
            .map_err(|e| format!("event data is not JSON ({e}): {data}"))?;
        match event.get("type").and_then(Value::as_str) {
            Some("response.output_item.done") => {
                let item = event
                    .get("item")
                    .ok_or_else(|| format!("output_item.done without item: {data}"))?;
                let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
                if !KNOWN_OUTPUT_ITEMS.contains(&kind) {
                    continue;
                }
                items.push(
                    HistoryItem::from_wire(item)
                        .ok_or_else(|| format!("unknown output item: {item}"))?,
                );
            }
            Some("response.completed") => {
                finished = true;
                total_tokens = event
                    .pointer("/response/usage/total_tokens")
                    .and_then(Value::as_u64);
            }
            Some("response.failed") => {
                finished = true;
                failed = Some(
                    event
                        .pointer("/response/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("response failed")
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    Ok(Sampled {
        items,
        total_tokens,
        failed,
        disconnected: !finished,
    })
}
