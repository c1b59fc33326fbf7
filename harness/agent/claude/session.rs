//! The `claude` session's turn loop: SessionStart, each prompt (UserPromptSubmit, sampling
//! rounds, Stop and its feedback), SessionEnd; each event's runs recorded as they happen.
//! A round of tool calls is `round.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::names::{effort, reminder, VERSION};
use super::tool_stats::ToolStats;
use super::tools::{self, FileState};
use super::transcript::Transcript;
use super::wire::{compact_messages, parse_sse, request_body, text_of, tool_uses, Block};
use crate::agent::error::AgentError;
use crate::agent::model_server::SCRIPT_EXHAUSTED_HEADER;
use crate::agent::recording::{
    ClaudeEventRecord, ClaudeNotRunRecord, ClaudeRunRecord, ModelRequestRecord, RequestPurpose,
    TimelineEntry, TurnEnd, TurnEndRecord,
};
use crate::agent::spec::{SessionSpec, Step, ToolCallSpec};
use crate::engine::claude::parse::ClaudeExit;
use crate::engine::claude::{ClaudeEngine, ClaudeEvent, ClaudeEventRun};

/// How a round of calls ended the turn early.
pub(super) struct Halt {
    pub(super) event: ClaudeEvent,
    pub(super) reason: Option<String>,
}

pub(super) struct Session<'a> {
    pub(super) spec: &'a SessionSpec,
    pub(super) engine: &'a ClaudeEngine,
    pub(super) cwd: PathBuf,
    pub(super) home: PathBuf,
    pub(super) transcript_path: String,
    pub(super) transcript: Transcript,
    pub(super) http: reqwest::Client,
    pub(super) url: String,
    pub(super) messages: Vec<Value>,
    pub(super) timeline: Vec<TimelineEntry>,
    pub(super) requests: usize,
    pub(super) files: FileState,
    pub(super) calls: BTreeMap<String, ToolCallSpec>,
    pub(super) prompt_id: Option<String>,
    pub(super) turn_id: String,
    /// A SessionStart handler ran (Claude Code then holds a message, its attachment).
    pub(super) start_ran: bool,
    /// The subagent whose loop runs now: `(agent_id, agent_type)`, named by its hooks.
    pub(super) agent: Option<(String, String)>,
    /// The current turn's prompt (the classifier's transcript quotes it).
    pub(super) prompt: String,
    /// What `asyncRewake` handlers that exited 2 wake the model with once the turn ends.
    pub(super) rewakes: Vec<String>,
}

impl Session<'_> {
    pub(super) async fn run(&mut self) -> Result<(), AgentError> {
        let source = self.spec.start_source.as_str();
        let start = self.session_start(source).await;
        let mut pending: Vec<String> = start.iter().map(|t| reminder(t)).collect();
        for step in &self.spec.steps {
            self.step(step, &mut pending).await?;
            self.drop_rewakes();
        }
        self.session_end().await;
        Ok(())
    }

    /// One prompt turn or `/compact`; `pending` holds what the next prompt's message opens
    /// with (hook texts, the compaction's lines).
    async fn step(&mut self, step: &Step, pending: &mut Vec<String>) -> Result<(), AgentError> {
        let turn = match step {
            Step::Turn(turn) => turn,
            Step::Compact {
                turn_id,
                summary,
                instructions,
            } => {
                self.begin(turn_id);
                let next = self
                    .compact(summary.is_some(), instructions.as_deref())
                    .await?;
                pending.extend(next);
                return Ok(());
            }
            Step::Resume | Step::Fork { .. } => {
                return Err(AgentError::InvalidSpec(
                    "the claude dialect plays prompt turns and compactions only".to_owned(),
                ))
            }
        };
        self.begin(&turn.turn_id);
        self.prompt = turn.prompt.clone();
        let (blocked, contexts) = self.user_prompt(&turn.prompt).await;
        if let Some(text) = blocked {
            self.warn(text);
            self.end(TurnEnd::BlockedByUserPromptSubmit);
            return Ok(());
        }
        let mut content: Vec<Value> = std::mem::take(pending)
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
        self.turn().await
    }

    /// A step's ids: its turn id, which is also the prompt id its hooks see.
    fn begin(&mut self, turn_id: &str) {
        self.turn_id = turn_id.to_owned();
        self.prompt_id = Some(turn_id.to_owned());
    }

    /// asyncRewake wake-ups still pending when a turn ended otherwise than by Stop letting
    /// it finish: hooktape does not deliver them (how Claude Code would is not observed).
    pub(super) fn drop_rewakes(&mut self) {
        for text in std::mem::take(&mut self.rewakes) {
            self.warn(format!(
                "an asyncRewake wake-up was not delivered (the turn did not end by Stop letting it finish): {text:?}"
            ));
        }
    }

    pub(super) fn end(&mut self, end: TurnEnd) {
        self.timeline.push(TimelineEntry::TurnEnd(TurnEndRecord {
            thread_id: self.spec.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            end,
        }));
    }

    pub(super) fn warn(&mut self, text: String) {
        self.timeline.push(TimelineEntry::Warning {
            thread_id: self.spec.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            text,
        });
    }

    /// A user message of hook reminders only: sent to the model, but no transcript line
    /// (Claude Code writes such texts as `attachment` lines, which hooktape does not write).
    pub(super) fn push_reminders(&mut self, content: Vec<Value>) {
        self.messages
            .push(json!({"role": "user", "content": content}));
    }

    pub(super) fn push_user(&mut self, content: Vec<Value>) -> Result<(), AgentError> {
        let message = json!({"role": "user", "content": content});
        self.transcript.message(&message)?;
        self.messages.push(message);
        Ok(())
    }

    /// The fields every event after the first prompt starts with.
    pub(super) fn common(&self, event: ClaudeEvent, with_mode: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("session_id".into(), json!(self.spec.thread_id));
        m.insert("transcript_path".into(), json!(self.transcript_path));
        m.insert("cwd".into(), json!(self.spec.cwd));
        if let Some(p) = &self.prompt_id {
            m.insert("prompt_id".into(), json!(p));
        }
        if with_mode {
            m.insert(
                "permission_mode".into(),
                json!(self.spec.permission_mode.as_str()),
            );
            if let (Some(level), true) = (
                effort(&self.spec.model),
                event != ClaudeEvent::UserPromptSubmit,
            ) {
                m.insert("effort".into(), json!({ "level": level }));
            }
        }
        if let Some((id, kind)) = &self.agent {
            m.insert("agent_id".into(), json!(id));
            m.insert("agent_type".into(), json!(kind));
        }
        m.insert("hook_event_name".into(), json!(event.name()));
        m
    }

    pub(super) fn hook_env(&self, event: ClaudeEvent) -> Vec<(String, String)> {
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
        if let (Some(level), false) = (
            effort(&self.spec.model),
            matches!(
                event,
                ClaudeEvent::SessionStart | ClaudeEvent::UserPromptSubmit | ClaudeEvent::SessionEnd
            ),
        ) {
            env.push(("CLAUDE_EFFORT".to_owned(), level.to_owned()));
        }
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
    pub(super) async fn fire(
        &mut self,
        event: ClaudeEvent,
        input: Map<String, Value>,
    ) -> ClaudeEventRun {
        let env = self.hook_env(event);
        let run = self.engine.run(event, &input, &self.cwd, &env).await;
        let hook_name = match (&run.subject, event.is_tool_event()) {
            (Some(tool), true) => format!("{event}:{tool}"),
            _ => event.to_string(),
        };
        let woken: Vec<String> = run
            .runs
            .iter()
            .filter(|r| r.rewake && r.exit == ClaudeExit::Code(2))
            .map(|r| {
                format!(
                    "<task-notification>\n<summary>Stop hook feedback</summary>\n</task-notification>\n<system-reminder>\nStop hook blocking error from command \"{hook_name}\": {}\n</system-reminder>",
                    r.stderr
                )
            })
            .collect();
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
                        // A background run decides nothing (an asyncRewake's wake-up is an effect).
                        decision: (!r.is_async)
                            .then(|| decision(event, &r.judgement))
                            .flatten(),
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
        for text in woken {
            self.effect(format!(
                "asyncRewake exit 2: once the turn ends the model is woken with {text:?}"
            ));
            self.rewakes.push(text);
        }
        run
    }

    /// Says what the session did with the last recorded event's verdict.
    pub(super) fn effect(&mut self, text: String) {
        if let Some(TimelineEntry::ClaudeHooks(r)) = self.timeline.last_mut() {
            r.effect.push(text);
        }
    }

    /// SessionStart `source` (`startup`; `compact` after a compaction, with the model):
    /// the texts the next prompt carries.
    pub(super) async fn session_start(&mut self, source: &str) -> Vec<String> {
        let mut input = self.common(ClaudeEvent::SessionStart, false);
        input.insert("source".into(), json!(source));
        if source == "compact" {
            input.insert("model".into(), json!(self.spec.model));
        }
        let run = self.fire(ClaudeEvent::SessionStart, input).await;
        self.start_ran |= !run.runs.is_empty();
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
        let next = if source == "compact" { "next" } else { "first" };
        for t in &texts {
            self.effect(format!("context for the {next} prompt: {t:?}"));
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
        let body = request_body(
            &self.spec.model,
            &self.spec.base_instructions,
            &self.messages,
        );
        let purpose = match self.agent {
            Some(_) => RequestPurpose::Subagent,
            None => RequestPurpose::Sampling,
        };
        let (blocks, stop) = self.request(&body, purpose).await?;
        let message = json!({"role": "assistant", "content": blocks_wire(&blocks)});
        self.transcript.message(&message)?;
        self.messages.push(message);
        Ok((blocks, stop))
    }

    /// Sends one request and records it with its answer.
    pub(super) async fn request(
        &mut self,
        body: &Value,
        purpose: RequestPurpose,
    ) -> Result<(Vec<Block>, String), AgentError> {
        let (index, text) = self.send(body).await?;
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
        self.record_request(index, purpose, body, blocks_wire(&blocks));
        Ok((blocks, stop))
    }

    /// POSTs `body` to the scripted model: the request's 1-based index and the answer's
    /// body (an error past the script or on any status but success).
    pub(super) async fn send(&mut self, body: &Value) -> Result<(usize, String), AgentError> {
        self.requests += 1;
        let index = self.requests;
        let http = |message: String| AgentError::Http { index, message };
        let response = self
            .http
            .post(&self.url)
            .header("x-api-key", "hooktape")
            .header("anthropic-version", "2023-06-01")
            .header("x-claude-code-session-id", &self.spec.thread_id)
            .json(body)
            .send()
            .await
            .map_err(|e| http(e.to_string()))?;
        let exhausted = response.headers().contains_key(SCRIPT_EXHAUSTED_HEADER);
        let status = response.status();
        let text = response.text().await.map_err(|e| http(e.to_string()))?;
        if exhausted || !status.is_success() {
            return Err(http(format!("{status}: {text}")));
        }
        Ok((index, text))
    }

    /// Records request `index` (its messages, one line a block) and the answer's blocks.
    pub(super) fn record_request(
        &mut self,
        index: usize,
        purpose: RequestPurpose,
        body: &Value,
        answer: Vec<Value>,
    ) {
        self.timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index,
                thread_id: self.spec.thread_id.clone(),
                turn_id: self.turn_id.clone(),
                purpose,
                input: compact_messages(body),
                output: compact_messages(
                    &json!({"messages": [{"role": "assistant", "content": answer}]}),
                ),
            }));
    }

    async fn turn(&mut self) -> Result<(), AgentError> {
        let mut active = false;
        loop {
            match self.work(active, None).await? {
                WorkEnd::Done(last) => {
                    self.end(TurnEnd::Completed {
                        last_assistant_message: Some(last),
                    });
                    // A background hook's exit 2 (`asyncRewake`) starts the model again,
                    // without UserPromptSubmit (observed).
                    if self.rewakes.is_empty() {
                        return Ok(());
                    }
                    let content = std::mem::take(&mut self.rewakes)
                        .into_iter()
                        .map(|t| json!({"type": "text", "text": t}))
                        .collect();
                    self.push_user(content)?;
                    // Its own prompt id; its Stop reads as after a Stop block.
                    self.prompt_id = Some(format!("{}-rewake", self.turn_id));
                    active = true;
                }
                WorkEnd::Stopped { reason, last } => {
                    self.end(TurnEnd::StoppedByStopHook {
                        stop_reason: reason,
                        last_assistant_message: Some(last),
                    });
                    return Ok(());
                }
                WorkEnd::Halted(halt) => {
                    self.end(TurnEnd::StoppedByHook {
                        event: halt.event.to_string(),
                        reason: halt.reason,
                    });
                    return Ok(());
                }
            }
        }
    }

    /// The model at work, a turn's or a subagent's: requests and rounds of calls until Stop
    /// (SubagentStop in a subagent) lets it end. `active`: the first Stop runs as after a
    /// block. A subagent's calls are counted into `stats`.
    pub(super) async fn work(
        &mut self,
        mut active: bool,
        mut stats: Option<&mut ToolStats>,
    ) -> Result<WorkEnd, AgentError> {
        let mut blocks_in_a_row = 0;
        loop {
            let (blocks, _) = self.sample().await?;
            let uses = tool_uses(&blocks);
            if uses.is_empty() {
                let last = text_of(&blocks);
                let may_continue = blocks_in_a_row < MAX_STOP_CONTINUATIONS;
                match self.stop(active, may_continue, &last).await {
                    StopNext::End => return Ok(WorkEnd::Done(last)),
                    StopNext::Halt(reason) => return Ok(WorkEnd::Stopped { reason, last }),
                    StopNext::Continue { text, reminders } => {
                        let content = vec![json!({"type": "text", "text": text})];
                        if reminders {
                            self.push_reminders(content);
                        } else {
                            self.push_user(content)?;
                        }
                        active = true;
                        blocks_in_a_row += 1;
                    }
                }
                continue;
            }
            if let Some(stats) = stats.as_deref_mut() {
                stats.count(&uses);
            }
            if let Some(halt) = self.round(uses).await? {
                return Ok(WorkEnd::Halted(halt));
            }
            // The model went back to work: Stop blocks count anew (observed).
            blocks_in_a_row = 0;
        }
    }

    async fn session_end(&mut self) {
        let mut input = self.common(ClaudeEvent::SessionEnd, false);
        input.insert("reason".into(), json!(self.spec.end_reason));
        self.turn_id = String::new();
        self.fire(ClaudeEvent::SessionEnd, input).await;
    }
}

/// Stop blocks Claude Code 2.1.197 follows in a row: the ninth ends the turn, without a
/// word (9 Stop runs, 9 requests; observed).
pub(super) const MAX_STOP_CONTINUATIONS: usize = 8;

/// What Stop decided.
pub(super) enum StopNext {
    End,
    Halt(Option<String>),
    /// The model is sampled again with `text`; `reminders`: it is hook reminders only.
    Continue {
        text: String,
        reminders: bool,
    },
}

/// How the model's work ended.
pub(super) enum WorkEnd {
    /// Stop let it end: its last text.
    Done(String),
    /// A Stop hook said `continue: false`.
    Stopped {
        reason: Option<String>,
        last: String,
    },
    /// A hook ended the session during a round of calls.
    Halted(Halt),
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
            | ClaudeEvent::SubagentStop
            | ClaudeEvent::PreCompact
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
