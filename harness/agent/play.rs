//! Playing a session: validating the spec, starting the scripted model and analytics sink,
//! choosing the dialect's hook points (the one place the dialect is decided), running the
//! turn loop, and checking that the script was used up and the protocol kept.

use super::toolset::ToolSet;
use std::collections::BTreeSet;
use std::path::Path;

use super::client::HttpModel;
use super::error::{indent, AgentError};
use super::history;
use super::hook_points::{codex::CodexHooks, lifecycle::LifecycleHooks};
use super::model_server::{start_servers, Servers};
use super::protocol::protocol_violations;
use super::recording::Recording;
use super::spec::{self, SessionSpec};
use super::state::Endpoints;
use super::state::{Agent, AgentEnv};
use super::tools;
use crate::engine::lifecycle::{LifecycleEngine, NotifyHook};
use crate::engine::{Dialect, Engine};

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
    /// The claude dialect's engine (`settings.json` hooks).
    pub claude: Option<&'a crate::engine::claude::ClaudeEngine>,
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

    /// The claude dialect's engine.
    pub fn claude(engine: &'a crate::engine::claude::ClaudeEngine) -> Self {
        Hooks {
            claude: Some(engine),
            ..Hooks::default()
        }
    }

    /// Replaces the notify hook.
    pub fn with_notify(mut self, notify: Option<&'a NotifyHook>) -> Self {
        self.notify = notify;
        self
    }
}

/// Checks that `hooks` has the engine of the spec's dialect.
pub fn validate_hooks(spec: &SessionSpec, hooks: &Hooks<'_>) -> Result<(), AgentError> {
    let present = match spec.dialect {
        Dialect::Codex | Dialect::Codex4e30281 => hooks.codex.is_some(),
        Dialect::Lifecycle => hooks.lifecycle.is_some(),
        Dialect::Claude => hooks.claude.is_some(),
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
                    "turn {}: queued prompt {:?} has `after_request = 0`; requests count from 1",
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
    if let (Dialect::Claude, Some(engine)) = (spec.dialect, hooks.claude) {
        // Claude Code's loop is its own (see `claude`): the dialect is decided here too.
        return super::claude::play(spec, engine, env).await;
    }
    let (model, sink) = start_servers(&spec.model_script(), Servers::from_env()).await;
    let endpoints = Endpoints {
        model_base_url: model.base_url(),
        analytics_base_url: Some(sink.base_url()),
    };
    let http = reqwest::Client::new();
    let client = HttpModel {
        http: http.clone(),
        base_url: endpoints.model_base_url,
    };
    let analytics = endpoints.analytics_base_url.map(|url| (http, url));
    // The one place the dialect is decided: its hook points drive the whole session.
    let mut recording = match (spec.dialect, hooks.codex, hooks.lifecycle) {
        (Dialect::Codex | Dialect::Codex4e30281, Some(engine), _) => {
            let points = CodexHooks {
                engine,
                notify: hooks.notify,
                spec,
                analytics,
                deferred: std::sync::Mutex::default(),
            };
            Agent::new(spec, points, ToolSet::of(spec.dialect), client, env)
                .run()
                .await?
        }
        (Dialect::Lifecycle, _, Some(engine)) => {
            let points = LifecycleHooks {
                engine,
                notify: hooks.notify,
                spec,
            };
            Agent::new(spec, points, ToolSet::Codex4e30281, client, env)
                .run()
                .await?
        }
        // `validate_hooks` above checked that the dialect's engine is there.
        _ => {
            return Err(AgentError::InvalidSpec(
                "no engine for the session's dialect".to_owned(),
            ))
        }
    };
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
