//! The turn loop (Codex §2.3–2.8 where hooks are concerned): SessionStart pending until the
//! next round, UserPromptSubmit before the prompt is recorded, sampling until no follow-up,
//! each call through its hooks and the tool pipeline ([`super::pipeline`]), Stop with
//! continuation prompts, queued prompts, compaction, subagents, resume, SessionEnd.
//!
//! Plain control flow over four values the loop owns: the [`HookPoints`] of the session's
//! dialect, a [`ModelClient`], the [`Recorder`] and the threads. It never asks which
//! dialect it plays.

use serde_json::json;

use super::client::{request_body, ModelClient, Reply, Request};
use super::compaction::Compaction;
use super::error::{indent, AgentError};
use super::history::{compact_input, compact_line, HistoryItem, Role};
use super::hook_points::{At, CallReport, HookPoints, StopVerdict};
use super::recorder::Recorder;
use super::recording::{Disposition, Recording, RequestPurpose, ToolCallRecord, TurnEnd};
use super::spec::{ChildSpec, Step, ToolSpec, TurnSpec};
use super::sse::{parse_sse, Sampled};
use super::state::Agent;
use super::thread::{ChildInfo, ExecSessions, PromptQueue, QueuedRound, Thread};
use super::tools::{ParsedCall, ToolKind};
use super::transcript::Rollout;
use crate::engine::request::{AgentIdentity, SessionStartSource};

pub use super::client::COMPACTION_PROMPT;

pub use super::toolset::xml_escape;

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

impl<'a, H: HookPoints, M: ModelClient> Agent<'a, H, M> {
    /// Plays every step, then closes the session (SessionEnd).
    pub(crate) async fn run(mut self) -> Result<Recording, AgentError> {
        self.play().await
    }

    /// [`Agent::run`], leaving the agent (its hook points and client) to look at.
    pub(crate) async fn play(&mut self) -> Result<Recording, AgentError> {
        let spec = self.spec;
        if let Some(error) = self.hooks.start_error() {
            // The thread never starts: no rollout, no hook, no request.
            return Ok(Recording {
                dialect: spec.dialect,
                thread_id: spec.thread_id.clone(),
                transcript_path: String::new(),
                discovery_warnings: self.hooks.discovery_warnings(),
                start_error: Some(error),
                skipped_hooks: self.hooks.skipped_hooks(),
                timeline: Vec::new(),
                transcript: Vec::new(),
                analytics: Vec::new(),
                raw_requests: Vec::new(),
            });
        }
        let meta = self.session_meta(&spec.thread_id, None);
        let rollout = Rollout::create(
            &self.env.sessions_dir,
            &spec.thread_id,
            meta,
            &self.rec.now(),
        )?;
        let mut thread = self.new_thread(&spec.thread_id, rollout, None);
        thread.pending_start = Some(spec.start_source);
        let at = At {
            thread: &thread,
            turn_id: "",
        };
        self.hooks.session_configured(&mut self.rec, at).await;
        // Empty until the first turn: validate() rejects empty turn ids, so "" means none.
        let mut last_turn = String::new();
        // The threads a fork left behind (still loaded), oldest first.
        let mut forked_from: Vec<Thread> = Vec::new();
        for step in &spec.steps {
            match step {
                Step::Turn(turn) => {
                    last_turn = turn.turn_id.clone();
                    self.run_turn(&mut thread, turn).await?;
                }
                Step::Compact {
                    turn_id, summary, ..
                } => {
                    last_turn = turn_id.clone();
                    self.rec
                        .event(&thread, json!({"type": "task_started", "turn_id": turn_id}))?;
                    let manual = Compaction::Manual {
                        summary_scripted: summary.is_some(),
                    };
                    let end = self
                        .compact(&mut thread, turn_id, manual)
                        .await?
                        .unwrap_or(TurnEnd::Compacted);
                    self.rec.turn_end(&thread, turn_id, end)?;
                }
                Step::Resume => {
                    let at = At {
                        thread: &thread,
                        turn_id: &last_turn,
                    };
                    self.hooks.session_end(&mut self.rec, at).await?;
                    let rollout = Rollout::open(thread.rollout.path().to_path_buf());
                    thread.history = rollout.read_history()?;
                    thread.rollout = rollout;
                    thread.pending_start = Some(SessionStartSource::Resume);
                    // The closed session's processes and remembered approvals are gone; a
                    // resumed one starts anew.
                    thread.exec = ExecSessions::default();
                    thread.remembered.clear();
                    let at = At {
                        thread: &thread,
                        turn_id: "",
                    };
                    self.hooks.session_configured(&mut self.rec, at).await;
                }
                Step::Fork { thread_id } => {
                    let fork = self.fork(&thread, thread_id)?;
                    forked_from.push(std::mem::replace(&mut thread, fork));
                    last_turn = String::new();
                }
            }
        }
        // The threads forks left behind close first (observed on 0.171: their SessionEnd
        // runs before the fork's, and the client hears nothing of it).
        for parent in &forked_from {
            let at = At {
                thread: parent,
                turn_id: "",
            };
            self.hooks.session_end_unfollowed(&mut self.rec, at).await?;
        }
        let at = At {
            thread: &thread,
            turn_id: &last_turn,
        };
        self.hooks.session_end(&mut self.rec, at).await?;
        Ok(Recording {
            dialect: self.spec.dialect,
            thread_id: spec.thread_id.clone(),
            transcript_path: thread.transcript(),
            discovery_warnings: self.hooks.discovery_warnings(),
            start_error: None,
            skipped_hooks: self.hooks.skipped_hooks(),
            timeline: std::mem::replace(&mut self.rec, Recorder::new(self.env.clock.clone()))
                .into_timeline(),
            transcript: thread.rollout.lines()?,
            analytics: Vec::new(),
            raw_requests: Vec::new(),
        })
    }

    async fn run_turn(&mut self, thread: &mut Thread, turn: &TurnSpec) -> Result<(), AgentError> {
        let mut queue = PromptQueue::new(&turn.queued);
        let end = self
            .turn(
                thread,
                &turn.turn_id,
                &turn.prompt,
                &mut queue,
                turn.interrupt_after,
            )
            .await?;
        queue.check_drained(&turn.turn_id)?;
        let completed = match &end {
            TurnEnd::Completed {
                last_assistant_message,
            } => Some(last_assistant_message.clone()),
            _ => None,
        };
        self.rec.turn_end(thread, &turn.turn_id, end)?;
        // Legacy notify: after each completed turn (a codex Stop hook that stopped the turn
        // ends it otherwise, so notify is skipped then).
        if let Some(last) = completed {
            let at = At {
                thread,
                turn_id: &turn.turn_id,
            };
            self.hooks.turn_completed(&mut self.rec, at, last).await;
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
        interrupt_after: Option<usize>,
    ) -> Result<TurnEnd, AgentError> {
        self.rec
            .event(thread, json!({"type": "task_started", "turn_id": turn_id}))?;
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
            let at = At { thread, turn_id };
            let verdict = self.hooks.subagent_start(&mut self.rec, at).await?;
            self.rec.contexts(thread, &verdict.contexts)?;
        } else if self.pending_session_start(thread, turn_id).await? {
            return Ok(TurnEnd::StoppedBySessionStart);
        }
        if !self.submit_prompt(thread, turn_id, prompt).await? {
            return Ok(TurnEnd::BlockedByUserPromptSubmit);
        }

        let mut stop_hook_active = false;
        let mut follow_up_round = false;
        let mut answered = 0usize;
        loop {
            // After a response with follow-up work, what async hooks said since comes after
            // that step's tool outputs, before the next request (spec §3.1).
            if follow_up_round {
                self.deliver_deferred(thread, turn_id)?;
            }
            follow_up_round = true;
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
            // The lifecycle's Stop `prompt`: the last input message of the final request.
            let last_input = last_user_message(&thread.history);
            let sampled = self
                .sample(thread, turn_id, RequestPurpose::Sampling, None)
                .await?;
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
                self.rec.item(thread, item.clone())?;
            }
            // Items are handled as they arrive: a failed or cut stream's calls still run.
            for call in &calls {
                self.handle_call(thread, turn_id, call).await?;
            }
            answered += 1;
            if interrupt_after == Some(answered) {
                let at = At { thread, turn_id };
                self.hooks.interrupt(&mut self.rec, at).await?;
                return Ok(TurnEnd::Interrupted);
            }
            if let Some(message) = sampled.failure() {
                return Ok(TurnEnd::Failed { message });
            }
            // Context an async hook left is follow-up work too: Codex samples again with it
            // (OBSERVED through crosscheck).
            let follow_up = !calls.is_empty()
                || queue.has_pending_input()
                || self.hooks.deferred_contexts_pending();
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
            let at = At { thread, turn_id };
            let verdict = self
                .hooks
                .stop(
                    &mut self.rec,
                    at,
                    stop_hook_active,
                    last_message.clone(),
                    last_input,
                )
                .await?;
            match verdict {
                StopVerdict::Stopped { reason } => {
                    return Ok(TurnEnd::StoppedByStopHook {
                        stop_reason: reason,
                        last_assistant_message: last_message,
                    })
                }
                StopVerdict::Continue(fragments) => {
                    let parts = fragments
                        .iter()
                        .map(|f| self.tools.hook_prompt(&f.hook_run_id, &f.text))
                        .collect();
                    let item = HistoryItem::Message {
                        id: Some(self.rec.next_hook_prompt_id()),
                        role: Role::User,
                        parts,
                    };
                    self.rec.item(thread, item)?;
                    stop_hook_active = true;
                    continue;
                }
                StopVerdict::BlockedWithoutPrompt => {
                    self.rec.warning(
                        thread,
                        turn_id,
                        "Stop hook requested continuation without a prompt; ignoring the block.",
                    )?;
                }
                StopVerdict::Complete => {}
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
        let at = At { thread, turn_id };
        let verdict = self.hooks.session_start(&mut self.rec, at, source).await?;
        self.rec.contexts(thread, &verdict.contexts)?;
        Ok(verdict.stop.is_some())
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
            let at = At { thread, turn_id };
            let verdict = self
                .hooks
                .user_prompt(&mut self.rec, at, &prompt, true)
                .await?;
            if verdict.blocked {
                blocked = Some(verdict.contexts);
                break;
            }
            accepted.push((prompt, verdict.contexts));
        }
        let any_accepted = !accepted.is_empty();
        for (prompt, contexts) in accepted {
            self.rec.message(thread, Role::User, &prompt)?;
            thread.inputs.push(prompt.clone());
            self.rec.contexts(thread, &contexts)?;
        }
        let Some(contexts) = blocked else {
            return Ok(QueuedRound::Accepted);
        };
        self.rec.contexts(thread, &contexts)?;
        Ok(if any_accepted {
            QueuedRound::Accepted
        } else if queue.has_pending_input() {
            QueuedRound::Requeued
        } else {
            QueuedRound::Blocked
        })
    }

    /// UserPromptSubmit, then the prompt and contexts. `false`: blocked (contexts kept).
    async fn submit_prompt(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        prompt: &str,
    ) -> Result<bool, AgentError> {
        // What async hooks said since the last boundary comes before the next prompt.
        self.deliver_deferred(thread, turn_id)?;
        let at = At { thread, turn_id };
        let verdict = self
            .hooks
            .user_prompt(&mut self.rec, at, prompt, false)
            .await?;
        if verdict.blocked {
            self.rec.contexts(thread, &verdict.contexts)?;
            return Ok(false);
        }
        self.rec.message(thread, Role::User, prompt)?;
        thread.inputs.push(prompt.to_owned());
        self.rec.contexts(thread, &verdict.contexts)?;
        Ok(true)
    }

    /// Sends one request with the whole history and reads the SSE answer; both are
    /// recorded.
    pub(super) async fn sample(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        purpose: RequestPurpose,
        extra: Option<&HistoryItem>,
    ) -> Result<Sampled, AgentError> {
        let body = request_body(
            self.spec,
            &thread.thread_id,
            turn_id,
            &thread.history,
            extra,
            &self.mcp_tools,
        );
        let input = compact_input(&body);
        let info = crate::engine::request::ModelRequestInfo {
            kind: match purpose {
                RequestPurpose::Compaction => "foreground_compaction",
                _ => "sampling",
            }
            .to_owned(),
            request_id: format!("model-request-{}", self.rec.requests_sent() + 1),
            attempt_number: 1,
            thread_id: thread.thread_id.clone(),
        };
        self.hooks
            .pre_model_request(&mut self.rec, At { thread, turn_id }, &info)
            .await?;
        let index = self
            .rec
            .request_sent(&thread.thread_id, turn_id, purpose, input.clone());
        let request = Request {
            thread_id: &thread.thread_id,
            turn_id,
            body: &body,
        };
        let text = match self.model.send(request).await {
            Err(message) => return Err(AgentError::Http { index, message }),
            Ok(Reply::ScriptExhausted(script)) => {
                return Err(AgentError::ScriptOverrun {
                    index,
                    thread_id: thread.thread_id.clone(),
                    turn_id: turn_id.to_owned(),
                    request: indent(&input),
                    script,
                })
            }
            Ok(Reply::Status { status, text }) => {
                return Err(AgentError::Http {
                    index,
                    message: format!("status {status}: {text}"),
                })
            }
            Ok(Reply::Stream(text)) => text,
        };
        let sampled = parse_sse(&text).map_err(|message| AgentError::Stream { index, message })?;
        let outcome = crate::engine::request::ModelRequestOutcome {
            error: sampled.failure(),
            token_usage: sampled.token_usage.clone(),
            response_id: sampled.response_id.clone(),
        };
        self.hooks
            .post_model_request(&mut self.rec, At { thread, turn_id }, &info, &outcome)
            .await?;
        let output = sampled
            .items
            .iter()
            .map(|i| compact_line(&i.to_wire(false)))
            .chain(sampled.failure().map(|m| format!("failed: {m}")))
            .collect();
        self.rec.request_answered(index, output);
        Ok(sampled)
    }

    /// Records what `async` hooks left: each context a developer message, each
    /// `systemMessage` a warning.
    fn deliver_deferred(&mut self, thread: &mut Thread, turn_id: &str) -> Result<(), AgentError> {
        let deferred = self.hooks.take_deferred();
        self.rec.contexts(thread, &deferred.contexts)?;
        for text in &deferred.warnings {
            self.rec.warning(thread, turn_id, text)?;
        }
        Ok(())
    }

    /// One call the model made: its hooks, the pipeline, the output item the model gets.
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
        let kind = self.tools.classify(call).map_err(tool_err)?;
        let mut record = ToolCallRecord {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            call_id: call.call_id.clone(),
            name: call.name.clone(),
            hook_tool_name: None,
            asked_user: false,
            executed: false,
            disposition: Disposition::Undecided,
            output_to_model: String::new(),
        };
        self.rec.tool_call_started(record.clone());
        let dialect_name = self.hooks.call_hook_name(turn_id, call, &kind);
        let dispatched = !matches!(kind, ToolKind::Unsupported);
        let hooked_exit = match &kind {
            ToolKind::Hooked(_) | ToolKind::WriteStdin { .. } => Some(scripted.result.exit_code),
            _ => None,
        };
        let at = At { thread, turn_id };
        let verdict = self
            .hooks
            .pre_tool_use(&mut self.rec, at, call, &kind)
            .await?;
        self.rec.contexts(thread, &verdict.contexts)?;
        let mut kind = kind;
        let mut refusal = verdict.refusal;
        if let (None, Some(input), ToolKind::Hooked(tool)) =
            (&refusal, verdict.updated_input, &mut kind)
        {
            if let Err(output) = super::tools::rewrite(tool, input) {
                refusal = Some(super::hook_points::Refusal {
                    disposition: Disposition::InvalidArguments,
                    output,
                });
            }
        }
        if refusal.is_none() && matches!(kind, ToolKind::Hooked(_)) {
            refusal = self
                .tools
                .argument_refusal(call)
                .map(|output| super::hook_points::Refusal {
                    disposition: Disposition::InvalidArguments,
                    output,
                });
        }
        let started = self.rec.now_unix_secs();
        let output = match (refusal, kind) {
            (Some(refusal), kind) => {
                if let ToolKind::Hooked(tool) = &kind {
                    record.hook_tool_name = Some(tool.tool_name.clone());
                }
                record.disposition = refusal.disposition;
                refusal.output
            }
            (None, ToolKind::Plan) => {
                record.executed = true;
                record.disposition = Disposition::NoHooks;
                "Plan updated".to_owned()
            }
            (None, ToolKind::Unsupported) => {
                record.disposition = Disposition::Unsupported;
                format!("unsupported call: {}", call.name)
            }
            (None, ToolKind::WriteStdin { session_id }) => {
                self.write_stdin(thread, turn_id, session_id, &scripted.result, &mut record)
                    .await?
            }
            (None, ToolKind::SpawnAgent) => {
                let ToolSpec::SpawnAgent(child) = &scripted.tool else {
                    return Err(tool_err(
                        "spawn_agent call without a scripted child".to_owned(),
                    ));
                };
                record.executed = true;
                record.disposition = Disposition::Subagent;
                let at = At { thread, turn_id };
                self.hooks
                    .spawn_started(&mut self.rec, at, call, child)
                    .await;
                let output = self.run_child(thread, child).await?;
                let at = At { thread, turn_id };
                self.hooks
                    .spawn_finished(&mut self.rec, at, call, child)
                    .await;
                output
            }
            (None, ToolKind::Hooked(tool)) => {
                record.hook_tool_name = Some(tool.tool_name.clone());
                self.hooked_call(thread, turn_id, call, &scripted.result, tool, &mut record)
                    .await?
            }
        };
        if dispatched {
            // The injected clock measures the call (0 under a fixed clock).
            let elapsed = self.rec.now_unix_secs().saturating_sub(started);
            let report = CallReport {
                executed: record.executed,
                success: record.executed && hooked_exit.is_none_or(|code| code == 0),
                duration_ms: u64::try_from(elapsed).unwrap_or(0).saturating_mul(1000),
                output: output.clone(),
            };
            let at = At { thread, turn_id };
            self.hooks.call_done(&mut self.rec, at, call, report).await;
        }
        if let Some(name) = dialect_name {
            record.hook_tool_name = Some(name);
        }
        record.output_to_model = output.clone();
        self.rec.item(thread, call.output_item(output))?;
        self.rec.tool_call_finished(record);
        Ok(())
    }

    /// Plays a thread-spawned subagent's one turn; returns its last message.
    async fn run_child(
        &mut self,
        parent: &Thread,
        child: &ChildSpec,
    ) -> Result<String, AgentError> {
        let meta = json!({
            "id": child.agent_id,
            "timestamp": self.rec.now(),
            "cwd": self.spec.cwd,
            "originator": super::spec::ORIGINATOR,
            "model": self.spec.model,
            "parent_thread_id": parent.thread_id,
            "agent_type": child.agent_type,
        });
        let rollout = Rollout::create(
            &self.env.sessions_dir,
            &child.agent_id,
            meta,
            &self.rec.now(),
        )?;
        let info = ChildInfo {
            identity: AgentIdentity {
                agent_id: child.agent_id.clone(),
                agent_type: child.agent_type.clone(),
            },
            parent_transcript: parent.transcript(),
            start_pending: true,
        };
        let mut thread = self.new_thread(&child.agent_id, rollout, Some(info));
        let mut queue = PromptQueue::default();
        let end = Box::pin(self.turn(
            &mut thread,
            &child.turn_id,
            &child.message,
            &mut queue,
            None,
        ))
        .await?;
        let last = end.last_agent_message().unwrap_or_default();
        self.rec.turn_end(&thread, &child.turn_id, end)?;
        Ok(last)
    }
}
