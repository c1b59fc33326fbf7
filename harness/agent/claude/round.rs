//! One round of tool calls, as Claude Code plays it: each call checked by its tool, then
//! PreToolUse (a refusal, contexts, a rewrite, a stop), the tool, PostToolUse or
//! PostToolUseFailure; then one PostToolBatch for the round, whose block ends the session.

use serde_json::{json, Value};

use super::auto::{denial_text, RETRY_TEXT};
use super::names::reminder;
use super::session::{Halt, Session};
use super::subagent::has_tool;
use super::tools::{self, ToolRun};
use crate::agent::error::AgentError;
use crate::agent::recording::{Disposition, TimelineEntry, ToolCallRecord};
use crate::agent::spec::{PermissionMode, ToolSpec};
use crate::engine::claude::parse::{ClaudeVerdict, Permission};
use crate::engine::claude::ClaudeEvent;

impl Session<'_> {
    /// One response's calls, then PostToolBatch; the tool results as the next user message.
    pub(super) async fn round(
        &mut self,
        uses: Vec<(String, String, Value)>,
    ) -> Result<Option<Halt>, AgentError> {
        let mut content: Vec<Value> = Vec::new();
        let mut batch: Vec<Value> = Vec::new();
        let mut halt: Option<Halt> = None;
        for (id, name, raw) in uses {
            let scripted = self
                .calls
                .get(&id)
                .map(|c| c.result.clone())
                .unwrap_or_default();
            let child = match self.calls.get(&id).map(|c| &c.tool) {
                Some(ToolSpec::SpawnAgent(child)) if name == "Agent" => Some(child.clone()),
                _ => None,
            };
            let mut blocks: Option<Value> = None;
            let mut classified = false;
            let raw_path = raw
                .get("file_path")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut input = tools::hook_input(&name, &raw, &self.cwd);
            let mut reminders: Vec<String> = Vec::new();
            let mut record = ToolCallRecord {
                thread_id: self.spec.thread_id.clone(),
                turn_id: self.turn_id.clone(),
                call_id: id.clone(),
                name: name.clone(),
                hook_tool_name: Some(name.clone()),
                asked_user: false,
                executed: false,
                disposition: Disposition::Executed,
                output_to_model: String::new(),
            };
            let not_enabled = match &self.agent {
                Some((_, kind)) if tools::TOOLS.contains(&name.as_str()) => !has_tool(kind, &name),
                _ => false,
            };
            let invalid = if not_enabled {
                Some(ToolRun::Invalid(format!("<tool_use_error>Error: No such tool available: {name}. {name} exists but is not enabled in this context. Use one of the available tools instead.</tool_use_error>")))
            } else {
                tools::validate(&name, &input, &self.files, &self.cwd)
            };
            let (is_error, text) =
                if let Some(ToolRun::Invalid(text)) = invalid {
                    record.disposition = Disposition::InvalidArguments;
                    (true, text)
                } else {
                    let pre = self.pre_tool_use(&name, &id, &input).await;
                    reminders.extend(pre.contexts.iter().map(|c| {
                        reminder(&format!("PreToolUse:{name} hook additional context: {c}"))
                    }));
                    if let Some(stop) = pre.stop.clone() {
                        halt.get_or_insert(Halt {
                            event: ClaudeEvent::PreToolUse,
                            reason: stop,
                        });
                    }
                    if let Some(updated) = &pre.updated_input {
                        self.effect(format!("input replaced: {updated}"));
                        input = tools::hook_input(&name, updated, &self.cwd);
                    }
                    let refused = refusal(&name, &pre);
                    // Auto mode: the classifier judges a call PreToolUse let through.
                    classified = self.spec.permission_mode == PermissionMode::Auto
                        && matches!(refused, Refused::No)
                        && child.is_none()
                        && scripted.classifier.is_some();
                    let denied = if classified {
                        self.classify(&name, &input).await?
                    } else {
                        None
                    };
                    match (refused, denied) {
                        (Refused::No, Some(reason)) => {
                            self.effect(format!("the classifier denies: {reason:?}"));
                            record.disposition = Disposition::DeniedByClassifier;
                            if self.permission_denied(&name, &id, &input, &reason).await {
                                reminders.push(RETRY_TEXT.to_owned());
                            }
                            (true, denial_text(&reason))
                        }
                        (Refused::Deferred, _) => {
                            self.effect("deferred: the session ends (tool_deferred)".to_owned());
                            self.timeline.push(TimelineEntry::ToolCall(ToolCallRecord {
                                disposition: Disposition::BlockedByPreToolUse,
                                ..record
                            }));
                            return Ok(Some(Halt {
                                event: ClaudeEvent::PreToolUse,
                                reason: Some("tool_deferred".to_owned()),
                            }));
                        }
                        (Refused::Yes(text), _) => {
                            self.effect(format!("call refused: {text:?}"));
                            record.disposition = Disposition::BlockedByPreToolUse;
                            (true, text)
                        }
                        (Refused::No, None) => {
                            record.executed = true;
                            let run = match child.as_ref() {
                                // An Agent call: its subagent (whose round may spawn again:
                                // boxed); the result is blocks, not text.
                                Some(c) => {
                                    let (text, content, response) =
                                        Box::pin(self.agent_call(c)).await?;
                                    blocks = Some(content);
                                    ToolRun::Succeeded { text, response }
                                }
                                None => tools::run(
                                    &name,
                                    &input,
                                    raw_path.as_deref(),
                                    &scripted,
                                    &mut self.files,
                                    &self.cwd,
                                ),
                            };
                            match run {
                                ToolRun::Succeeded { text, response } => {
                                    let post = self
                                        .post(
                                            ClaudeEvent::PostToolUse,
                                            &name,
                                            &id,
                                            &input,
                                            ("tool_response", response),
                                        )
                                        .await;
                                    reminders.extend(post.1);
                                    if let Some(stop) = post.2 {
                                        halt.get_or_insert(Halt {
                                            event: ClaudeEvent::PostToolUse,
                                            reason: stop,
                                        });
                                    }
                                    let text = match post.0 {
                                        Some(out) => {
                                            blocks = None;
                                            out
                                        }
                                        None => text,
                                    };
                                    (false, text)
                                }
                                ToolRun::Failed { error } => {
                                    let post = self
                                        .post(
                                            ClaudeEvent::PostToolUseFailure,
                                            &name,
                                            &id,
                                            &input,
                                            ("error", json!(error)),
                                        )
                                        .await;
                                    reminders.extend(post.1);
                                    if let Some(stop) = post.2 {
                                        halt.get_or_insert(Halt {
                                            event: ClaudeEvent::PostToolUseFailure,
                                            reason: stop,
                                        });
                                    }
                                    (true, error)
                                }
                                ToolRun::Invalid(text) => (true, text),
                            }
                        }
                    }
                };
            // A verdict no classifier request asked for would answer the next call's.
            if scripted.classifier.is_some() && !classified {
                return Err(AgentError::InvalidSpec(format!(
                    "call {id} scripts a `classifier` verdict, but it never reaches the classifier (refused before it, or not a call Claude Code classifies); remove `classifier`"
                )));
            }
            record.output_to_model = text.clone();
            self.timeline.push(TimelineEntry::ToolCall(record));
            let model_content = blocks.unwrap_or_else(|| json!(text));
            let mut result =
                json!({"type": "tool_result", "tool_use_id": id, "content": model_content});
            if is_error {
                result["is_error"] = json!(true);
            }
            content.push(result);
            content.extend(
                reminders
                    .into_iter()
                    .map(|r| json!({"type": "text", "text": r})),
            );
            batch.push(json!({"tool_name": name, "tool_input": raw, "tool_use_id": id, "tool_response": model_content}));
        }
        let mut input = self.common(ClaudeEvent::PostToolBatch, true);
        input.insert("tool_calls".into(), Value::Array(batch));
        let run = self.fire(ClaudeEvent::PostToolBatch, input).await;
        let v = run.verdict;
        if !v.contexts.is_empty() {
            let last_result = content
                .iter_mut()
                .rev()
                .find(|b| b["type"] == "tool_result");
            let reminders = v
                .contexts
                .iter()
                .map(|c| reminder(&format!("PostToolBatch hook additional context: {c}")));
            let effect = match last_result.map(|r| &mut r["content"]) {
                Some(Value::String(text)) => {
                    for r in reminders {
                        text.push_str(&format!("\n\n{r}"));
                    }
                    "context appended to the last tool result"
                }
                // An Agent result is blocks: Claude Code sends the context as text blocks
                // of the message instead (crosscheck: context_after_a_subagent).
                _ => {
                    content.extend(reminders.map(|r| json!({"type": "text", "text": r})));
                    "context added after the last tool result (its content is blocks)"
                }
            };
            self.effect(effect.to_owned());
        }
        if !v.blocking.is_empty() || !v.blocks.is_empty() || v.stop.is_some() {
            self.effect("the session stops after this round (hook_stopped)".to_owned());
            let reason = v
                .blocks
                .first()
                .and_then(|(_, r)| r.clone())
                .or_else(|| v.blocking.first().map(|(_, s)| s.clone()))
                .or_else(|| v.stop.clone().flatten());
            halt.get_or_insert(Halt {
                event: ClaudeEvent::PostToolBatch,
                reason,
            });
        }
        // A subagent's first round: Claude Code appends its agent list to the last tool
        // result, trimmed (crosscheck leaves the list out; the trim shows).
        if self.agent.is_some() && self.messages.len() == 2 {
            let last = content
                .iter_mut()
                .rev()
                .find(|b| b["type"] == "tool_result");
            if let Some(Value::String(text)) = last.and_then(|r| r.get_mut("content")) {
                *text = text.trim_end().to_owned();
            }
        }
        if halt.is_none() {
            self.push_user(content)?;
        } else {
            let message = json!({"role": "user", "content": content});
            self.transcript.message(&message)?;
        }
        Ok(halt)
    }

    async fn pre_tool_use(&mut self, name: &str, id: &str, input: &Value) -> ClaudeVerdict {
        let mut payload = self.common(ClaudeEvent::PreToolUse, true);
        payload.insert("tool_name".into(), json!(name));
        payload.insert("tool_input".into(), input.clone());
        payload.insert("tool_use_id".into(), json!(id));
        self.fire(ClaudeEvent::PreToolUse, payload).await.verdict
    }

    /// PostToolUse or PostToolUseFailure: (replaced output, reminders, stop).
    async fn post(
        &mut self,
        event: ClaudeEvent,
        name: &str,
        id: &str,
        input: &Value,
        (key, value): (&str, Value),
    ) -> (Option<String>, Vec<String>, Option<Option<String>>) {
        let mut payload = self.common(event, true);
        payload.insert("tool_name".into(), json!(name));
        payload.insert("tool_input".into(), input.clone());
        if event == ClaudeEvent::PostToolUse {
            payload.insert(key.into(), value);
            payload.insert("tool_use_id".into(), json!(id));
        } else {
            payload.insert("tool_use_id".into(), json!(id));
            payload.insert(key.into(), value);
            payload.insert("is_interrupt".into(), json!(false));
        }
        payload.insert("duration_ms".into(), json!(0));
        let v = self.fire(event, payload).await.verdict;
        let mut reminders: Vec<String> = v
            .contexts
            .iter()
            .map(|c| reminder(&format!("{event}:{name} hook additional context: {c}")))
            .collect();
        for (cmd, stderr) in &v.blocking {
            reminders.push(reminder(&format!(
                "{event}:{name} hook blocking error from command: \"{cmd}\": [{cmd}]: {stderr}"
            )));
        }
        for (cmd, reason) in &v.blocks {
            reminders.push(reminder(&format!(
                "{event}:{name} hook blocking error from command: \"{cmd}\": {}",
                reason.clone().unwrap_or_default()
            )));
        }
        for r in &reminders {
            self.effect(format!("reminder to the model: {r:?}"));
        }
        let replaced = v.updated_output.as_ref().map(|o| match o.get("stdout") {
            Some(Value::String(s)) => s.clone(),
            _ => match o {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        });
        if let Some(r) = &replaced {
            self.effect(format!("output replaced: {r:?}"));
        }
        if v.stop.is_some() {
            self.effect("continue: false: the session stops after this round".to_owned());
        }
        (replaced, reminders, v.stop.clone())
    }
}

enum Refused {
    No,
    Yes(String),
    Deferred,
}

/// What PreToolUse's verdict does to a call: an exit 2 refuses with the hook's stderr; a
/// deny or an ask (`-p` asks no one) with the reason; a defer ends the session.
fn refusal(tool: &str, v: &ClaudeVerdict) -> Refused {
    if let Some((cmd, stderr)) = v.blocking.first() {
        return Refused::Yes(format!("PreToolUse:{tool} hook error: [{cmd}]: {stderr}"));
    }
    match &v.permission {
        Some((Permission::Deny, reason)) => Refused::Yes(
            reason
                .clone()
                .unwrap_or_else(|| format!("Hook PreToolUse:{tool} denied this tool")),
        ),
        Some((Permission::Ask, reason)) => Refused::Yes(reason.clone().unwrap_or_else(|| {
            format!("Hook PreToolUse:{tool} asked for confirmation for this tool")
        })),
        Some((Permission::Defer, _)) => Refused::Deferred,
        _ => Refused::No,
    }
}
