//! The `claude` dialect's session: Claude Code 2.1.197 in `-p` mode (permission mode
//! `bypassPermissions`) as far as hooks are concerned, over the Anthropic Messages API.
//!
//! Claude Code's loop is its own shape, so it has its own file rather than a hook-points
//! implementation of the Codex loop: every call of a response is checked before it runs
//! (PreToolUse), then PostToolUse or PostToolUseFailure, then one PostToolBatch for the
//! round; hook texts reach the model as `<system-reminder>` blocks in the next user message
//! or inside tool results; Stop feedback is a plain user message; a `continue: false` on a
//! tool event ends the session after the round. It shares the engine's runner, the scripted
//! model server, the [`Recording`] and everything above it (normalising, goldens,
//! crosscheck). The texts are the real CLI's (`docs/claude-dialect.md`).

pub(crate) mod tools;
pub(crate) mod transcript;
pub mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::error::AgentError;
use super::model_server::{start_servers_rendered, Servers, SCRIPT_EXHAUSTED_HEADER};
use super::recording::{
    ClaudeEventRecord, ClaudeNotRunRecord, ClaudeRunRecord, Disposition, ModelRequestRecord,
    Recording, RequestPurpose, TimelineEntry, ToolCallRecord, TurnEnd, TurnEndRecord,
};
use super::spec::{SessionSpec, Step, ToolCallSpec};
use super::state::AgentEnv;
use crate::engine::claude::parse::{ClaudeExit, ClaudeVerdict, Permission};
use crate::engine::claude::{ClaudeEngine, ClaudeEvent, ClaudeEventRun};
use tools::{FileState, ToolRun};
use transcript::Transcript;
use wire::{compact_messages, parse_sse, request_body, Block};

/// The permission mode hooktape's Claude Code session runs in (as crosscheck runs the real
/// CLI): every tool runs unless a hook refuses it.
pub const PERMISSION_MODE: &str = "bypassPermissions";

/// Claude Code's version, as its environment and transcript name it.
pub const VERSION: &str = "2.1.197";

/// `<system-reminder>` around a hook text.
fn reminder(text: &str) -> String {
    format!("<system-reminder>\n{text}\n</system-reminder>")
}

/// The folder of a session's transcript under `<HOME>/.claude/projects`: the cwd with every
/// `/` and `_` made `-`.
pub fn project_slug(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Plays `spec` (dialect `claude`) through `engine`; `env.sessions_dir` is
/// `<HOME>/.claude/projects`.
pub async fn play(
    spec: &SessionSpec,
    engine: &ClaudeEngine,
    env: &AgentEnv,
) -> Result<Recording, AgentError> {
    let model = spec.model.clone();
    let (server, _sink) =
        start_servers_rendered(&spec.model_script(), Servers::from_env(), &|i, r| {
            wire::sse_body(i, &model, r)
        })
        .await;
    let cwd = PathBuf::from(&spec.cwd);
    let transcript_path = env
        .sessions_dir
        .join(project_slug(&spec.cwd))
        .join(format!("{}.jsonl", spec.thread_id));
    let home = env
        .sessions_dir
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let transcript = Transcript::create(&transcript_path, spec, env.clock.clone())?;
    let mut session = Session {
        spec,
        engine,
        cwd,
        home,
        transcript_path: transcript_path.display().to_string(),
        transcript,
        http: reqwest::Client::new(),
        url: format!("{}/messages?beta=true", server.base_url()),
        messages: Vec::new(),
        timeline: Vec::new(),
        requests: 0,
        files: FileState::default(),
        calls: spec.calls_by_id(),
        prompt_id: None,
        turn_id: String::new(),
    };
    session.run().await?;
    let unused = server.unused();
    let raw_requests = server.requests();
    let recording = Recording {
        dialect: spec.dialect,
        thread_id: spec.thread_id.clone(),
        transcript_path: session.transcript_path.clone(),
        discovery_warnings: engine.config().warnings.clone(),
        start_error: None,
        skipped_hooks: Vec::new(),
        timeline: std::mem::take(&mut session.timeline),
        transcript: session.transcript.lines()?,
        analytics: Vec::new(),
        raw_requests,
    };
    if !unused.is_empty() {
        let last_request = recording
            .raw_requests
            .last()
            .map(|r| {
                compact_messages(r)
                    .iter()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_else(|| "  (none)".to_owned());
        return Err(AgentError::UnusedResponses {
            unused,
            sent: recording.raw_requests.len(),
            last_request,
            ended_early: recording.ended_early(),
            recording: Box::new(recording),
        });
    }
    Ok(recording)
}

/// How a round of calls ended the turn early.
struct Halt {
    event: ClaudeEvent,
    reason: Option<String>,
}

struct Session<'a> {
    spec: &'a SessionSpec,
    engine: &'a ClaudeEngine,
    cwd: PathBuf,
    home: PathBuf,
    transcript_path: String,
    transcript: Transcript,
    http: reqwest::Client,
    url: String,
    messages: Vec<Value>,
    timeline: Vec<TimelineEntry>,
    requests: usize,
    files: FileState,
    calls: BTreeMap<String, ToolCallSpec>,
    prompt_id: Option<String>,
    turn_id: String,
}

impl Session<'_> {
    async fn run(&mut self) -> Result<(), AgentError> {
        let start = self.session_start().await;
        let mut pending: Vec<String> = start.iter().map(|t| reminder(t)).collect();
        for step in &self.spec.steps {
            let Step::Turn(turn) = step else {
                return Err(AgentError::InvalidSpec(
                    "the claude dialect plays prompt turns only".to_owned(),
                ));
            };
            self.turn_id = turn.turn_id.clone();
            self.prompt_id = Some(turn.turn_id.clone());
            let (blocked, contexts) = self.user_prompt(&turn.prompt).await;
            if let Some(text) = blocked {
                self.warn(text);
                self.end(TurnEnd::BlockedByUserPromptSubmit);
                continue;
            }
            let mut content: Vec<Value> = std::mem::take(&mut pending)
                .into_iter()
                .map(|t| json!({"type": "text", "text": t}))
                .collect();
            // The last UserPromptSubmit text ends with a newline of its own (as 2.1.197 sends).
            let n = contexts.len();
            for (i, c) in contexts.iter().enumerate() {
                let end = if i + 1 == n { "\n" } else { "" };
                content.push(json!({"type": "text", "text": format!("{}{end}", reminder(c))}));
            }
            content.push(json!({"type": "text", "text": turn.prompt}));
            self.push_user(content)?;
            self.turn().await?;
        }
        self.session_end().await;
        Ok(())
    }

    fn end(&mut self, end: TurnEnd) {
        self.timeline.push(TimelineEntry::TurnEnd(TurnEndRecord {
            thread_id: self.spec.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            end,
        }));
    }

    fn warn(&mut self, text: String) {
        self.timeline.push(TimelineEntry::Warning {
            thread_id: self.spec.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            text,
        });
    }

    fn push_user(&mut self, content: Vec<Value>) -> Result<(), AgentError> {
        let message = json!({"role": "user", "content": content});
        self.transcript.message(&message)?;
        self.messages.push(message);
        Ok(())
    }

    /// The fields every event after the first prompt starts with.
    fn common(&self, event: ClaudeEvent, with_mode: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("session_id".into(), json!(self.spec.thread_id));
        m.insert("transcript_path".into(), json!(self.transcript_path));
        m.insert("cwd".into(), json!(self.spec.cwd));
        if let Some(p) = &self.prompt_id {
            m.insert("prompt_id".into(), json!(p));
        }
        if with_mode {
            m.insert("permission_mode".into(), json!(PERMISSION_MODE));
        }
        m.insert("hook_event_name".into(), json!(event.name()));
        m
    }

    fn hook_env(&self, event: ClaudeEvent) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "AI_AGENT".to_owned(),
                format!("claude-code_{}_harness", VERSION.replace('.', "-")),
            ),
            ("COREPACK_ENABLE_AUTO_PIN".to_owned(), "0".to_owned()),
            (
                "NoDefaultCurrentDirectoryInExePath".to_owned(),
                "1".to_owned(),
            ),
            ("CLAUDECODE".to_owned(), "1".to_owned()),
            ("CLAUDE_CODE_CHILD_SESSION".to_owned(), "1".to_owned()),
            ("CLAUDE_CODE_ENTRYPOINT".to_owned(), "sdk-cli".to_owned()),
            (
                "CLAUDE_CODE_SESSION_ID".to_owned(),
                self.spec.thread_id.clone(),
            ),
            ("CLAUDE_PROJECT_DIR".to_owned(), self.spec.cwd.clone()),
        ];
        if event == ClaudeEvent::SessionStart {
            let file = self
                .home
                .join(".claude/session-env")
                .join(&self.spec.thread_id)
                .join("sessionstart-hook-0.sh");
            env.push(("CLAUDE_ENV_FILE".to_owned(), file.display().to_string()));
        }
        env
    }

    /// Runs `event` and records it (when any handler was selected).
    async fn fire(&mut self, event: ClaudeEvent, input: Map<String, Value>) -> ClaudeEventRun {
        let env = self.hook_env(event);
        let run = self.engine.run(event, &input, &self.cwd, &env).await;
        if !run.runs.is_empty() || !run.not_run.is_empty() {
            let record = ClaudeEventRecord {
                event,
                thread_id: self.spec.thread_id.clone(),
                turn_id: self.turn_id.clone(),
                subject: run.subject.clone(),
                runs: run
                    .runs
                    .iter()
                    .map(|r| ClaudeRunRecord {
                        command: r.command.clone(),
                        source: r.source.as_str().to_owned(),
                        stdin: r.stdin.clone(),
                        exit: match &r.exit {
                            ClaudeExit::Code(c) => format!("exit code {c}"),
                            ClaudeExit::TimedOut => "timed out".to_owned(),
                            ClaudeExit::Failed(why) => why.clone(),
                        },
                        stdout: r.stdout.clone(),
                        stderr: r.stderr.clone(),
                        outcome: r.judgement.outcome,
                        rejected: r.judgement.rejected.clone(),
                        decision: decision(event, &r.judgement),
                        ignored_keys: r
                            .judgement
                            .answer
                            .as_ref()
                            .map(|a| a.ignored.clone())
                            .unwrap_or_default(),
                        background: r.is_async,
                        duration: r.duration,
                    })
                    .collect(),
                not_run: run
                    .not_run
                    .iter()
                    .map(|n| ClaudeNotRunRecord {
                        command: n.command.clone(),
                        why: n.why.clone(),
                    })
                    .collect(),
                effect: Vec::new(),
            };
            self.timeline
                .push(TimelineEntry::ClaudeHooks(Box::new(record)));
        }
        run
    }

    /// Says what the session did with the last recorded event's verdict.
    fn effect(&mut self, text: String) {
        if let Some(TimelineEntry::ClaudeHooks(r)) = self.timeline.last_mut() {
            r.effect.push(text);
        }
    }

    async fn session_start(&mut self) -> Vec<String> {
        let mut input = self.common(ClaudeEvent::SessionStart, false);
        input.insert("source".into(), json!(self.spec.start_source.as_str()));
        let run = self.fire(ClaudeEvent::SessionStart, input).await;
        let source = self.spec.start_source.as_str();
        let mut texts: Vec<String> = run
            .verdict
            .plain
            .iter()
            .map(|p| format!("SessionStart:{source} hook success: {p}"))
            .collect();
        texts.extend(
            run.verdict
                .contexts
                .iter()
                .map(|c| format!("SessionStart hook additional context: {c}")),
        );
        for t in &texts {
            self.effect(format!("context for the first prompt: {t:?}"));
        }
        texts
    }

    /// UserPromptSubmit: `(Some(why), _)` when the prompt is blocked; else its contexts.
    async fn user_prompt(&mut self, prompt: &str) -> (Option<String>, Vec<String>) {
        let mut input = self.common(ClaudeEvent::UserPromptSubmit, true);
        input.insert("prompt".into(), json!(prompt));
        let run = self.fire(ClaudeEvent::UserPromptSubmit, input).await;
        let v = &run.verdict;
        let reason = v
            .blocking
            .iter()
            .map(|(cmd, stderr)| format!("[{cmd}]: {stderr}"))
            .chain(v.blocks.iter().map(|(_, r)| r.clone().unwrap_or_default()))
            .next();
        if let Some(reason) = reason {
            let text = format!(
                "UserPromptSubmit operation blocked by hook:\n{reason}\n\nOriginal prompt: {prompt}"
            );
            self.effect("prompt blocked: no model request".to_owned());
            return (Some(text), Vec::new());
        }
        if let Some(stop) = &v.stop {
            let text = format!(
                "Operation stopped by hook: {}",
                stop.clone().unwrap_or_default()
            );
            self.effect("prompt stopped (continue: false): no model request".to_owned());
            return (Some(text), Vec::new());
        }
        let mut texts: Vec<String> = v
            .plain
            .iter()
            .map(|p| format!("UserPromptSubmit hook success: {p}"))
            .collect();
        texts.extend(
            v.contexts
                .iter()
                .map(|c| format!("UserPromptSubmit hook additional context: {c}")),
        );
        for t in &texts {
            self.effect(format!("context with the prompt: {t:?}"));
        }
        (None, texts)
    }

    async fn sample(&mut self) -> Result<(Vec<Block>, String), AgentError> {
        self.requests += 1;
        let index = self.requests;
        let body = request_body(
            &self.spec.model,
            &self.spec.base_instructions,
            &self.messages,
        );
        let response = self
            .http
            .post(&self.url)
            .header("x-api-key", "hooktape")
            .header("anthropic-version", "2023-06-01")
            .header("x-claude-code-session-id", &self.spec.thread_id)
            .json(&body)
            .send()
            .await
            .map_err(|e| AgentError::Http {
                index,
                message: e.to_string(),
            })?;
        let exhausted = response.headers().contains_key(SCRIPT_EXHAUSTED_HEADER);
        let status = response.status();
        let text = response.text().await.map_err(|e| AgentError::Http {
            index,
            message: e.to_string(),
        })?;
        if exhausted || !status.is_success() {
            return Err(AgentError::Http {
                index,
                message: format!("{status}: {text}"),
            });
        }
        let (blocks, stop) =
            parse_sse(&text).map_err(|message| AgentError::Stream { index, message })?;
        let blocks: Vec<Block> = blocks
            .into_iter()
            .map(|b| match b {
                Block::ToolUse { id, name, input } => {
                    let input = tools::parsed_input(&name, &input);
                    Block::ToolUse { id, name, input }
                }
                text => text,
            })
            .collect();
        self.timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index,
                thread_id: self.spec.thread_id.clone(),
                turn_id: self.turn_id.clone(),
                purpose: RequestPurpose::Sampling,
                input: compact_messages(&body),
                output: compact_messages(
                    &json!({"messages": [{"role": "assistant", "content": blocks_wire(&blocks)}]}),
                ),
            }));
        let message = json!({"role": "assistant", "content": blocks_wire(&blocks)});
        self.transcript.message(&message)?;
        self.messages.push(message);
        Ok((blocks, stop))
    }

    async fn turn(&mut self) -> Result<(), AgentError> {
        let mut stop_hook_active = false;
        loop {
            let (blocks, _) = self.sample().await?;
            let uses: Vec<(String, String, Value)> = blocks
                .iter()
                .filter_map(|b| match b {
                    Block::ToolUse { id, name, input } => {
                        Some((id.clone(), name.clone(), input.clone()))
                    }
                    Block::Text(_) => None,
                })
                .collect();
            if uses.is_empty() {
                let last: Vec<&str> = blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Text(t) => Some(t.as_str()),
                        Block::ToolUse { .. } => None,
                    })
                    .collect();
                let last = last.join("\n");
                match self.stop(stop_hook_active, &last).await {
                    StopNext::End => {
                        self.end(TurnEnd::Completed {
                            last_assistant_message: Some(last),
                        });
                        return Ok(());
                    }
                    StopNext::Halt(reason) => {
                        self.end(TurnEnd::StoppedByStopHook {
                            stop_reason: reason,
                            last_assistant_message: Some(last),
                        });
                        return Ok(());
                    }
                    StopNext::Continue(text) => {
                        self.push_user(vec![json!({"type": "text", "text": text})])?;
                        stop_hook_active = true;
                    }
                }
                continue;
            }
            if let Some(halt) = self.round(uses).await? {
                self.end(TurnEnd::StoppedByHook {
                    event: halt.event.to_string(),
                    reason: halt.reason,
                });
                return Ok(());
            }
        }
    }

    /// One response's calls, then PostToolBatch; the tool results as the next user message.
    async fn round(
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
            let (is_error, text) =
                if let Some(ToolRun::Invalid(text)) = tools::validate(&name, &input, &self.files) {
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
                        input = updated.clone();
                    }
                    match refusal(&name, &pre) {
                        Refused::Deferred => {
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
                        Refused::Yes(text) => {
                            self.effect(format!("call refused: {text:?}"));
                            record.disposition = Disposition::BlockedByPreToolUse;
                            (true, text)
                        }
                        Refused::No => {
                            record.executed = true;
                            match tools::run(
                                &name,
                                &input,
                                raw_path.as_deref(),
                                &scripted,
                                &mut self.files,
                            ) {
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
                                        Some(out) => out,
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
            record.output_to_model = text.clone();
            self.timeline.push(TimelineEntry::ToolCall(record));
            let mut result = json!({"type": "tool_result", "tool_use_id": id, "content": text});
            if is_error {
                result["is_error"] = json!(true);
            }
            content.push(result);
            content.extend(
                reminders
                    .into_iter()
                    .map(|r| json!({"type": "text", "text": r})),
            );
            batch.push(json!({"tool_name": name, "tool_input": raw, "tool_use_id": id, "tool_response": text}));
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
            if let Some(result) = last_result {
                let mut text = result["content"].as_str().unwrap_or("").to_owned();
                for c in &v.contexts {
                    text.push_str(&format!(
                        "\n\n{}",
                        reminder(&format!("PostToolBatch hook additional context: {c}"))
                    ));
                }
                result["content"] = json!(text);
            }
            self.effect("context appended to the last tool result".to_owned());
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

    async fn stop(&mut self, active: bool, last: &str) -> StopNext {
        let mut input = self.common(ClaudeEvent::Stop, true);
        input.insert("stop_hook_active".into(), json!(active));
        input.insert("last_assistant_message".into(), json!(last));
        input.insert("background_tasks".into(), json!([]));
        input.insert("session_crons".into(), json!([]));
        let v = self.fire(ClaudeEvent::Stop, input).await.verdict;
        if let Some(reason) = v.stop {
            self.effect("the turn ends (continue: false)".to_owned());
            return StopNext::Halt(reason);
        }
        let mut feedback: Vec<String> = v
            .blocking
            .iter()
            .map(|(cmd, stderr)| format!("[{cmd}]: {stderr}"))
            .collect();
        feedback.extend(v.blocks.iter().map(|(_, r)| r.clone().unwrap_or_default()));
        if !feedback.is_empty() {
            let text = format!("Stop hook feedback:\n{}", feedback.join("\n"));
            self.effect(format!("the turn goes on: {text:?}"));
            return StopNext::Continue(text);
        }
        if !v.contexts.is_empty() {
            let text = v
                .contexts
                .iter()
                .map(|c| reminder(&format!("Stop hook additional context: {c}")))
                .collect::<Vec<_>>()
                .join("\n");
            self.effect(format!("the turn goes on: {text:?}"));
            return StopNext::Continue(text);
        }
        StopNext::End
    }

    async fn session_end(&mut self) {
        let mut input = self.common(ClaudeEvent::SessionEnd, false);
        input.insert("reason".into(), json!(self.spec.end_reason));
        self.turn_id = String::new();
        self.fire(ClaudeEvent::SessionEnd, input).await;
    }
}

enum StopNext {
    End,
    Halt(Option<String>),
    Continue(String),
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
        Some((Permission::Deny | Permission::Ask, reason)) => Refused::Yes(
            reason
                .clone()
                .unwrap_or_else(|| format!("Hook PreToolUse:{tool} denied this tool")),
        ),
        Some((Permission::Defer, _)) => Refused::Deferred,
        _ => Refused::No,
    }
}

/// What one run decided on its own, in words.
fn decision(
    event: ClaudeEvent,
    j: &crate::engine::claude::parse::ClaudeJudgement,
) -> Option<String> {
    use crate::engine::claude::parse::Permission;
    // Exit 2 blocks only where Claude Code reads it as a block; elsewhere (SessionStart,
    // SessionEnd, …) it is an error shown to the user.
    let exit2_blocks = matches!(
        event,
        ClaudeEvent::PreToolUse
            | ClaudeEvent::UserPromptSubmit
            | ClaudeEvent::PostToolUse
            | ClaudeEvent::PostToolUseFailure
            | ClaudeEvent::PostToolBatch
            | ClaudeEvent::Stop
    );
    if let (Some(_), false) = (&j.blocking, exit2_blocks) {
        return None;
    }
    if let Some(stderr) = &j.blocking {
        let denied = j.answer.as_ref().and_then(|a| match &a.permission {
            Some((Permission::Deny, r)) => Some(r.clone().unwrap_or_default()),
            _ => None,
        });
        return Some(match denied {
            Some(reason) if !reason.is_empty() => format!("denies: {reason}"),
            Some(_) => "denies (no reason)".to_owned(),
            None => format!("blocks (exit 2): {}", stderr.trim_end()),
        });
    }
    let a = j.answer.as_ref()?;
    if let Some(stop) = &a.stop {
        return Some(format!("stops: {}", stop.clone().unwrap_or_default()));
    }
    if let Some(block) = &a.block {
        return Some(format!("blocks: {}", block.clone().unwrap_or_default()));
    }
    let reason = |r: &Option<String>| match r.as_deref() {
        Some(r) if !r.is_empty() => format!(": {r}"),
        _ => " (no reason)".to_owned(),
    };
    match &a.permission {
        Some((Permission::Deny, r)) => Some(format!("denies{}", reason(r))),
        Some((Permission::Ask, r)) => Some(format!("asks{}", reason(r))),
        Some((Permission::Defer, _)) => Some("defers".to_owned()),
        Some((Permission::Allow, _)) => Some("allows".to_owned()),
        None => None,
    }
}

fn blocks_wire(blocks: &[Block]) -> Vec<Value> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Text(t) => json!({"type": "text", "text": t}),
            Block::ToolUse { id, name, input } => {
                json!({"type": "tool_use", "id": id, "name": name, "input": input})
            }
        })
        .collect()
}
