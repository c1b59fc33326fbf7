//! The mock agent: plays a [`spec::SessionSpec`] through an [`crate::engine::Engine`] the
//! way Codex's turn loop does where hooks are concerned, sampling a scripted model over
//! HTTP, and returns a [`recording::Recording`].
//!
//! Takes plain Rust values only; knows nothing of scenario files, goldens or insta.
//!
//! - [`play`] is the whole thing: starts a [`model_server::ScriptedModel`] loaded with the
//!   spec's responses and an [`model_server::AnalyticsSink`], plays the session, checks
//!   that every scripted response was used, and fills the recording's analytics with what
//!   the sink received.
//! - [`play_with`] is the same over [`Hooks`]: the engine of each dialect the caller has
//!   (the spec's `dialect` picks which one runs) and the legacy `notify` hook.
//! - [`session::Agent`] plays against endpoints you provide.

pub mod history;
pub mod model_server;
pub mod protocol;
pub mod recording;
pub mod safe_command;
pub mod session;
pub mod spec;
pub mod tools;
pub mod transcript;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use crate::engine::clock::Clock;
use crate::engine::lifecycle::{LifecycleEngine, NotifyHook};
use crate::engine::{Dialect, Engine};

pub use model_server::{AnalyticsSink, ScriptedModel};
pub use protocol::protocol_violations;
pub use recording::Recording;
pub use session::{Agent, Endpoints};
pub use spec::SessionSpec;

/// Where and when the session runs.
#[derive(Debug, Clone)]
pub struct AgentEnv {
    /// Directory of the rollout files (e.g. `<codex_home>/sessions`).
    pub sessions_dir: PathBuf,
    /// The clock behind rollout timestamps (use the engine's clock).
    pub clock: Arc<dyn Clock>,
}

/// The hooks a session can run: one engine per dialect (only the spec's dialect's engine
/// runs; the other is never touched) and the legacy `notify`, run after every completed
/// turn in either dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hooks<'a> {
    /// The codex dialect's engine (`hooks.json` / `[hooks]` event tables).
    pub codex: Option<&'a Engine>,
    /// The lifecycle dialect's engine (`[hooks]` argv table).
    pub lifecycle: Option<&'a LifecycleEngine>,
    /// The legacy `notify = [argv…]` hook.
    pub notify: Option<&'a NotifyHook>,
}

impl<'a> Hooks<'a> {
    /// The codex dialect's engine, no notify (see [`crate::engine::lifecycle::discover_notify`]).
    pub fn codex(engine: &'a Engine) -> Self {
        Hooks {
            codex: Some(engine),
            ..Hooks::default()
        }
    }

    /// The lifecycle dialect's engine, with the `notify` of its config.
    pub fn lifecycle(engine: &'a LifecycleEngine) -> Self {
        Hooks {
            lifecycle: Some(engine),
            notify: engine.config().notify.as_ref(),
            ..Hooks::default()
        }
    }

    /// Replaces the notify hook.
    pub fn with_notify(mut self, notify: Option<&'a NotifyHook>) -> Self {
        self.notify = notify;
        self
    }
}

#[derive(Debug, Error)]
pub enum AgentError {
    #[error("invalid session spec: {0}")]
    InvalidSpec(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Transcript {
        path: String,
        line: usize,
        message: String,
    },
    #[error("model request {index} failed: {message}")]
    Http { index: usize, message: String },
    #[error("model stream of request {index}: {message}")]
    Stream { index: usize, message: String },
    #[error(
        "the agent sent model request {index} (thread {thread_id}, turn {turn_id}) but the script has no response left.\nrequest sent:\n{request}\n{script}"
    )]
    ScriptOverrun {
        index: usize,
        thread_id: String,
        turn_id: String,
        /// The request's input, one compact line per item, indented.
        request: String,
        /// What the model server says the script had.
        script: String,
    },
    #[error(
        "{count} scripted model response(s) were never requested:\n{unused}\n{why}the agent sent {sent} request(s); the last one was:\n{last_request}",
        count = unused.len(),
        unused = indent(unused),
        why = ended_early.as_ref().map(|w| format!("{w}\n")).unwrap_or_default()
    )]
    UnusedResponses {
        unused: Vec<String>,
        sent: usize,
        last_request: String,
        /// Which hook ended a turn before its responses were asked for, if one did.
        ended_early: Option<String>,
        /// The session as played up to the end.
        recording: Box<Recording>,
    },
    #[error("tool call {call_id}: {message}")]
    Tool { call_id: String, message: String },
    /// The agent's own requests broke the protocol: a harness bug, never a golden.
    #[error("the agent sent requests that break the protocol:\n{}", indent(.0))]
    ProtocolViolations(Vec<String>),
    #[error("turn {turn_id}: PreCompact stopped the manual compaction before its request, so the summary scripted for it would answer the next request instead; script this compaction without a summary")]
    SummaryNeverRequested { turn_id: String },
    #[error("turn {turn_id}: the manual compaction has no scripted summary, but no PreCompact hook stopped it, so its request would take the next step's response as the summary; script the summary")]
    CompactionNotStopped { turn_id: String },
    #[error("queued prompt {prompt:?} of turn {turn_id} was never delivered: it waits for request {after} but the turn made {made}")]
    QueuedNeverDelivered {
        turn_id: String,
        prompt: String,
        after: usize,
        made: usize,
    },
    #[error(
        "queued prompt {prompt:?} of turn {turn_id} arrived but the turn ended before it was taken"
    )]
    QueuedNotTaken { turn_id: String, prompt: String },
    #[error("{path}: a rollout for thread {thread_id:?} already exists; it is never overwritten (use a fresh sessions dir, or a Resume step)")]
    RolloutExists { path: String, thread_id: String },
    #[error("analytics: {0}")]
    Analytics(String),
}

impl AgentError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> AgentError {
        AgentError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

pub(crate) fn indent(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks that `hooks` has the engine of the spec's dialect.
pub fn validate_hooks(spec: &SessionSpec, hooks: &Hooks<'_>) -> Result<(), AgentError> {
    let present = match spec.dialect {
        Dialect::Codex => hooks.codex.is_some(),
        Dialect::Lifecycle => hooks.lifecycle.is_some(),
    };
    if present {
        Ok(())
    } else {
        Err(AgentError::InvalidSpec(format!(
            "the session's dialect is `{}` but no {} engine was given",
            spec.dialect, spec.dialect
        )))
    }
}

/// Checks what the agent cannot play: a cwd that is not an existing absolute directory
/// (hooks run there), empty turn ids, empty or duplicate call ids, a thread id used twice
/// (a child's `agent_id` equal to the session's thread id or to another child's), queued
/// prompts waiting for request 0, a response both `failed` and `disconnect`,
/// `sandbox_denied` on a tool that does not run sandboxed, `run_approvals` (or
/// `when_denied`) on a tool that runs no command, and `running` anywhere but `exec_command`
/// and `write_stdin` or with an exit code.
pub fn validate(spec: &SessionSpec) -> Result<(), AgentError> {
    let invalid = |message: String| Err(AgentError::InvalidSpec(message));
    for step in &spec.steps {
        match step {
            spec::Step::Turn(spec::TurnSpec { turn_id, .. })
            | spec::Step::Compact { turn_id, .. }
                if turn_id.is_empty() =>
            {
                return invalid("a step has an empty turn_id".to_owned());
            }
            _ => {}
        }
    }
    let mut threads = BTreeSet::from([spec.thread_id.clone()]);
    for (index, response) in spec.model_script().iter().enumerate() {
        if response.failed.is_some() && response.disconnect {
            return invalid(format!(
                "model response {} is both `failed` and `disconnect`; a stream ends one way",
                index + 1
            ));
        }
        for item in &response.output {
            let spec::OutputItem::Call(call) = item else {
                continue;
            };
            if let Some(problem) = tools::result_problem(&call.tool, &call.result) {
                return invalid(format!("call {:?}: {problem}", call.call_id));
            }
            if let spec::ToolSpec::SpawnAgent(child) = &call.tool {
                if child.turn_id.is_empty() {
                    return invalid(format!("child {:?} has an empty turn_id", child.agent_id));
                }
                if !threads.insert(child.agent_id.clone()) {
                    return invalid(format!(
                        "call {:?} spawns agent_id {:?}, a thread id already in use (each thread needs its own id and rollout)",
                        call.call_id, child.agent_id
                    ));
                }
            }
        }
    }
    let cwd = Path::new(&spec.cwd);
    if !cwd.is_absolute() || !cwd.is_dir() {
        return Err(AgentError::InvalidSpec(format!(
            "cwd {:?} is not an existing absolute directory",
            spec.cwd
        )));
    }
    for step in &spec.steps {
        if let spec::Step::Turn(turn) = step {
            if let Some(q) = turn.queued.iter().find(|q| q.after_request == 0) {
                return Err(AgentError::InvalidSpec(format!(
                    "turn {}: queued prompt {:?} has after_request 0; requests count from 1",
                    turn.turn_id, q.prompt
                )));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for response in spec.model_script() {
        for item in &response.output {
            if let spec::OutputItem::Call(call) = item {
                if call.call_id.is_empty() {
                    return Err(AgentError::InvalidSpec(format!(
                        "a {} call has an empty call_id",
                        tools::model_name(&call.tool)
                    )));
                }
                if !seen.insert(call.call_id.clone()) {
                    return Err(AgentError::InvalidSpec(format!(
                        "call_id {:?} is used by two calls",
                        call.call_id
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Plays `spec` (codex dialect, no notify) against a fresh scripted model and analytics
/// sink on loopback.
pub async fn play(
    spec: &SessionSpec,
    engine: &Engine,
    env: &AgentEnv,
) -> Result<Recording, AgentError> {
    play_with(spec, Hooks::codex(engine), env).await
}

/// Plays `spec` through `hooks` (the engine of `spec.dialect` must be there) against a
/// fresh scripted model and analytics sink on loopback.
pub async fn play_with(
    spec: &SessionSpec,
    hooks: Hooks<'_>,
    env: &AgentEnv,
) -> Result<Recording, AgentError> {
    validate(spec)?;
    validate_hooks(spec, &hooks)?;
    let model = ScriptedModel::start(&spec.model_script()).await;
    let sink = AnalyticsSink::start().await;
    let endpoints = Endpoints {
        model_base_url: model.base_url(),
        analytics_base_url: Some(sink.base_url()),
    };
    let mut recording = Agent::new(spec, hooks, env, endpoints)?.run().await?;
    let requests = model.requests();
    let unused = model.unused();
    if !unused.is_empty() {
        let last_request = requests
            .last()
            .map(|r| indent(&history::compact_input(r)))
            .unwrap_or_else(|| "  (none)".to_owned());
        return Err(AgentError::UnusedResponses {
            unused,
            sent: requests.len(),
            last_request,
            ended_early: recording.ended_early(),
            recording: Box::new(recording),
        });
    }
    let violations = protocol_violations(&requests);
    if !violations.is_empty() {
        return Err(AgentError::ProtocolViolations(violations));
    }
    recording.analytics = sink.received().await.map_err(AgentError::Analytics)?;
    recording.raw_requests = requests;
    Ok(recording)
}
