//! The codex dialect's hook points: the engine's events at Codex's points (SessionStart
//! pending until a round, UserPromptSubmit per prompt, PreToolUse / PermissionRequest /
//! PostToolUse around hooked tools, Stop with continuations, compaction, SessionEnd), each
//! run recorded with its `hook/started` and `hook/completed` notifications and posted as a
//! `codex_hook_run` analytics batch; the legacy `notify` after a completed turn.

use serde_json::Value;

use super::{
    At, CallReport, HookPoints, PostVerdict, PreToolVerdict, PromptVerdict, Refusal, StartVerdict,
    StopVerdict,
};
use crate::agent::error::AgentError;
use crate::agent::model_server::ANALYTICS_PATH;
use crate::agent::recorder::Recorder;
use crate::agent::recording::{
    EventRunRecord, HookNotice, HookRunRecord, McpCallRecord, SkippedHookRecord, TimelineEntry,
};
use crate::agent::spec::{ChildSpec, SessionSpec, ORIGINATOR};
use crate::agent::tools::{blocked_text, HookedCall, HookedKind, ParsedCall, ToolKind};
use crate::engine::config::DEFAULT_TIMEOUT_SECS;
use crate::engine::hooks::Deferred;
use crate::engine::lifecycle::NotifyHook;
use crate::engine::outcome::{EventOutcome, PermissionDecision};
use crate::engine::request::{
    CompactTrigger, EventPayload, HookContext, HookRequest, PermissionMode, SessionStartSource,
};
use crate::engine::summary::ExecutionMode;
use crate::engine::summary::HookRunSummary;
use crate::engine::wire::{AnalyticsBatch, HookRunAnalyticsEvent, NotificationMethod};
use crate::engine::Engine;

pub(crate) struct CodexHooks<'a> {
    pub engine: &'a Engine,
    pub notify: Option<&'a NotifyHook>,
    pub spec: &'a SessionSpec,
    /// Where `codex_hook_run` batches are posted; `None`: nowhere.
    pub analytics: Option<(reqwest::Client, String)>,
    /// What `async` runs left for the next boundary.
    pub deferred: std::sync::Mutex<Deferred>,
}

fn notice(
    method: NotificationMethod,
    thread_id: &str,
    turn_id: Option<&str>,
    run: &HookRunSummary,
) -> HookNotice {
    HookNotice {
        method,
        thread_id: thread_id.to_owned(),
        turn_id: turn_id.map(str::to_owned),
        run: run.clone(),
    }
}

impl CodexHooks<'_> {
    fn context(&self, at: At<'_>) -> HookContext {
        HookContext {
            session_id: at.thread.thread_id.clone(),
            turn_id: at.turn_id.to_owned(),
            transcript_path: Some(at.thread.transcript()),
            cwd: self.spec.cwd.clone(),
            model: self.spec.model.clone(),
            permission_mode: PermissionMode::from_policy(self.spec.approval_policy),
            agent: at.thread.child.as_ref().map(|c| c.identity.clone()),
        }
    }

    /// Runs one event's hooks: `hook/started` for each selected handler, the runs,
    /// `hook/completed` for each; records it and posts the analytics batch.
    async fn run(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        payload: EventPayload,
        aliases: Vec<String>,
        run_id_suffix: Option<String>,
        followed: bool,
    ) -> Result<EventOutcome, AgentError> {
        let thread = at.thread;
        let mut context = self.context(at);
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
        let wire_turn = Some(at.turn_id).filter(|t| !t.is_empty());
        let started: Vec<HookNotice> = self
            .engine
            .preview(&request)
            .iter()
            .filter(|_| followed)
            .map(|s| notice(NotificationMethod::Started, &thread.thread_id, wire_turn, s))
            .collect();
        let run = self.engine.run(&request).await;
        if run.runs.is_empty() && run.skipped.is_empty() {
            return Ok(run.outcome);
        }
        if !run.deferred.is_empty() {
            if let Ok(mut pending) = self.deferred.lock() {
                pending.append(run.deferred.clone());
            }
        }
        // An async run sends no notification (spec §3.1).
        let completed: Vec<HookNotice> = run
            .runs
            .iter()
            .filter(|r| followed && r.summary.execution_mode == ExecutionMode::Sync)
            .map(|r| {
                notice(
                    NotificationMethod::Completed,
                    &thread.thread_id,
                    wire_turn,
                    &r.summary,
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
                    at.turn_id,
                    &self.spec.model,
                );
                event.event_params.turn_id = wire_turn.map(str::to_owned);
                if self.spec.dialect.is_current() {
                    event = event.with_current_fields(&r.summary, ORIGINATOR);
                }
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
                status: r.summary.status,
                background: r.summary.execution_mode == ExecutionMode::Async,
                mcp: r.mcp.as_ref().map(|c| McpCallRecord {
                    server: c.server.clone(),
                    tool: c.tool.clone(),
                    arguments: c.arguments.clone(),
                }),
                duration: r.duration,
            })
            .collect();
        rec.push(TimelineEntry::Hooks(EventRunRecord {
            event: run.event,
            thread_id: thread.thread_id.clone(),
            turn_id: at.turn_id.to_owned(),
            agent_id: thread.child.as_ref().map(|c| c.identity.agent_id.clone()),
            started,
            runs,
            completed,
            skipped: run.skipped.iter().map(SkippedHookRecord::of).collect(),
        }));
        if !analytics.is_empty() {
            self.post_analytics(analytics).await?;
        }
        Ok(run.outcome)
    }

    async fn post_analytics(&self, events: Vec<HookRunAnalyticsEvent>) -> Result<(), AgentError> {
        let Some((http, base)) = &self.analytics else {
            return Ok(());
        };
        let url = format!("{}{ANALYTICS_PATH}", base.trim_end_matches('/'));
        let response = http
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

    /// SessionEnd's payload: Codex 0.171 always says `other` (spec/codex-current.md §2.9).
    fn session_end_payload(&self) -> EventPayload {
        EventPayload::SessionEnd {
            reason: if self.spec.dialect.is_current() {
                "other".to_owned()
            } else {
                self.spec.end_reason.clone()
            },
        }
    }

    async fn event(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        payload: EventPayload,
    ) -> Result<EventOutcome, AgentError> {
        self.run(rec, at, payload, Vec::new(), None, true).await
    }
}

fn start_verdict(outcome: EventOutcome) -> StartVerdict {
    StartVerdict {
        contexts: outcome.additional_contexts,
        stop: outcome.should_stop.then_some(outcome.stop_reason),
    }
}

impl HookPoints for CodexHooks<'_> {
    fn start_error(&self) -> Option<String> {
        self.engine.start_error().map(str::to_owned)
    }

    fn discovery_warnings(&self) -> Vec<String> {
        self.engine.warnings().to_vec()
    }

    fn deferred_contexts_pending(&self) -> bool {
        self.deferred
            .lock()
            .map(|d| !d.contexts.is_empty())
            .unwrap_or(false)
    }

    fn take_deferred(&self) -> Deferred {
        self.deferred
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    fn skipped_hooks(&self) -> Vec<SkippedHookRecord> {
        self.engine
            .skipped()
            .iter()
            .map(SkippedHookRecord::of)
            .collect()
    }

    async fn session_configured(&self, _rec: &mut Recorder, _at: At<'_>) {}

    async fn session_start(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        source: SessionStartSource,
    ) -> Result<StartVerdict, AgentError> {
        let outcome = self
            .event(rec, at, EventPayload::SessionStart { source })
            .await?;
        Ok(start_verdict(outcome))
    }

    async fn subagent_start(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
    ) -> Result<StartVerdict, AgentError> {
        let Some(child) = &at.thread.child else {
            return Ok(StartVerdict::default());
        };
        let identity = child.identity.clone();
        let payload = EventPayload::SubagentStart {
            agent_id: identity.agent_id,
            agent_type: identity.agent_type,
        };
        let outcome = self.event(rec, at, payload).await?;
        // SubagentStart cannot stop the child: only its contexts count.
        Ok(StartVerdict {
            contexts: outcome.additional_contexts,
            stop: None,
        })
    }

    async fn user_prompt(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        prompt: &str,
        _queued: bool,
    ) -> Result<PromptVerdict, AgentError> {
        let payload = EventPayload::UserPromptSubmit {
            prompt: prompt.to_owned(),
        };
        let outcome = self.event(rec, at, payload).await?;
        Ok(PromptVerdict {
            blocked: outcome.should_stop,
            contexts: outcome.additional_contexts,
        })
    }

    async fn stop(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        stop_hook_active: bool,
        last_message: Option<String>,
        _last_input: Option<String>,
    ) -> Result<StopVerdict, AgentError> {
        let payload = match &at.thread.child {
            None => EventPayload::Stop {
                stop_hook_active,
                last_assistant_message: last_message,
            },
            Some(child) => EventPayload::SubagentStop {
                agent_transcript_path: Some(at.thread.transcript()),
                stop_hook_active,
                agent_id: child.identity.agent_id.clone(),
                agent_type: child.identity.agent_type.clone(),
                last_assistant_message: last_message,
            },
        };
        let outcome = self.event(rec, at, payload).await?;
        Ok(if outcome.should_stop {
            StopVerdict::Stopped {
                reason: outcome.stop_reason,
            }
        } else if !outcome.should_block {
            StopVerdict::Complete
        } else if outcome.continuation_fragments.is_empty() {
            StopVerdict::BlockedWithoutPrompt
        } else {
            StopVerdict::Continue(outcome.continuation_fragments)
        })
    }

    fn call_hook_name(
        &self,
        _turn_id: &str,
        _call: &ParsedCall,
        _kind: &ToolKind,
    ) -> Option<String> {
        None
    }

    async fn pre_tool_use(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        kind: &ToolKind,
    ) -> Result<PreToolVerdict, AgentError> {
        // Only hooked tools fire PreToolUse (not `write_stdin`, plans, spawns or unknown tools).
        let ToolKind::Hooked(tool) = kind else {
            return Ok(None.into());
        };
        let pre = EventPayload::PreToolUse {
            tool_name: tool.tool_name.clone(),
            tool_input: tool.tool_input.clone(),
            tool_use_id: call.call_id.clone(),
        };
        let outcome = self
            .run(rec, at, pre, tool.aliases.clone(), None, true)
            .await?;
        let refusal = outcome.should_block.then(|| Refusal {
            disposition: crate::agent::recording::Disposition::BlockedByPreToolUse,
            output: blocked_text(
                &tool.tool_name,
                &tool.tool_input,
                &outcome.block_reason.clone().unwrap_or_default(),
            ),
        });
        Ok(PreToolVerdict {
            refusal,
            contexts: outcome.additional_contexts,
            updated_input: outcome.updated_input,
        })
    }

    async fn permission_request(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        tool: &HookedCall,
        tool_input: Value,
        suffix: String,
    ) -> Result<Option<PermissionDecision>, AgentError> {
        let mut tool_input = tool_input;
        // 0.171 gives PermissionRequest the patch without its final newline (spec §2.4).
        if self.spec.dialect.is_current() && tool.kind == HookedKind::ApplyPatch {
            if let Some(patch) = tool_input.get("command").and_then(Value::as_str) {
                let trimmed = patch.strip_suffix('\n').unwrap_or(patch).to_owned();
                tool_input["command"] = Value::String(trimmed);
            }
        }
        let payload = EventPayload::PermissionRequest {
            tool_name: tool.tool_name.clone(),
            tool_input,
        };
        let outcome = self
            .run(rec, at, payload, tool.aliases.clone(), Some(suffix), true)
            .await?;
        Ok(outcome.permission)
    }

    async fn post_tool_use(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        call: &HookedCall,
        tool_response: Value,
    ) -> Result<PostVerdict, AgentError> {
        let post = EventPayload::PostToolUse {
            tool_name: call.tool_name.clone(),
            tool_input: call.tool_input.clone(),
            tool_response,
            tool_use_id: call.call_id.clone(),
        };
        let outcome = self
            .run(rec, at, post, call.aliases.clone(), None, true)
            .await?;
        let replace_output = if outcome.should_stop {
            Some(
                outcome
                    .feedback_message
                    .or(outcome.stop_reason)
                    .unwrap_or_else(|| "PostToolUse hook stopped execution".to_owned()),
            )
        } else {
            outcome.feedback_message
        };
        Ok(PostVerdict {
            contexts: outcome.additional_contexts,
            replace_output,
        })
    }

    async fn call_done(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _call: &ParsedCall,
        _report: CallReport,
    ) {
    }

    async fn spawn_started(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _call: &ParsedCall,
        _child: &ChildSpec,
    ) {
    }

    async fn spawn_finished(
        &self,
        _rec: &mut Recorder,
        _at: At<'_>,
        _call: &ParsedCall,
        _child: &ChildSpec,
    ) {
    }

    async fn pre_compact(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        let outcome = self
            .event(rec, at, EventPayload::PreCompact { trigger })
            .await?;
        Ok(start_verdict(outcome))
    }

    async fn post_compact(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        let outcome = self
            .event(rec, at, EventPayload::PostCompact { trigger })
            .await?;
        Ok(start_verdict(outcome))
    }

    async fn turn_completed(&self, rec: &mut Recorder, at: At<'_>, last_message: Option<String>) {
        if let Some(hook) = self.notify {
            let timeout = std::time::Duration::from_secs(DEFAULT_TIMEOUT_SECS);
            super::lifecycle::notify(
                rec,
                self.engine.runner(),
                timeout,
                hook,
                self.spec,
                at,
                last_message,
            )
            .await;
        }
    }

    async fn session_end(&self, rec: &mut Recorder, at: At<'_>) -> Result<(), AgentError> {
        let payload = self.session_end_payload();
        self.event(rec, at, payload).await.map(|_| ())
    }

    async fn session_end_unfollowed(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
    ) -> Result<(), AgentError> {
        let payload = self.session_end_payload();
        self.run(rec, at, payload, Vec::new(), None, false)
            .await
            .map(|_| ())
    }

    async fn interrupt(&self, rec: &mut Recorder, at: At<'_>) -> Result<(), AgentError> {
        self.event(rec, at, EventPayload::Interrupt)
            .await
            .map(|_| ())
    }

    async fn pre_model_request(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        request: &crate::engine::request::ModelRequestInfo,
    ) -> Result<(), AgentError> {
        let payload = EventPayload::PreModelRequest(request.clone());
        self.event(rec, at, payload).await.map(|_| ())
    }

    async fn post_model_request(
        &self,
        rec: &mut Recorder,
        at: At<'_>,
        request: &crate::engine::request::ModelRequestInfo,
        outcome: &crate::engine::request::ModelRequestOutcome,
    ) -> Result<(), AgentError> {
        let payload = EventPayload::PostModelRequest {
            request: request.clone(),
            outcome: outcome.clone(),
        };
        self.event(rec, at, payload).await.map(|_| ())
    }
}
