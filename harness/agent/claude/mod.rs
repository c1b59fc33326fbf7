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

mod auto;
mod compact;
mod names;
mod round;
mod session;
mod stop;
mod subagent;
mod tool_stats;
pub(crate) mod tools;
pub(crate) mod transcript;
pub mod wire;

use std::path::{Path, PathBuf};

use super::error::AgentError;
use super::model_server::{start_servers_with_side, AnalyticsSink, ScriptedModel, Servers};
use super::recording::Recording;
use super::spec::{PermissionMode, SessionSpec};
use super::state::AgentEnv;
use crate::engine::claude::ClaudeEngine;
pub use names::{compaction_prompt_of, project_slug, AGENT_TYPES, AUTO_MODE_MODELS, VERSION};
use session::Session;
use tools::FileState;
use transcript::Transcript;
use wire::compact_messages;

/// The scripted model (Messages-API streams) and analytics sink of a `claude` session; in
/// auto mode, requests that do not stream (the classifier's) take their own answers.
pub async fn start_model(spec: &SessionSpec, mode: Servers) -> (ScriptedModel, AnalyticsSink) {
    let script = spec.model_script();
    let side = (spec.permission_mode == PermissionMode::Auto)
        .then(|| auto::classifier_answers(&script, &spec.model));
    start_servers_with_side(&script, side, mode, &|i, r| {
        wire::sse_body(i, &spec.model, r)
    })
    .await
}

/// Plays `spec` (dialect `claude`) through `engine`; `env.sessions_dir` is
/// `<HOME>/.claude/projects`.
pub async fn play(
    spec: &SessionSpec,
    engine: &ClaudeEngine,
    env: &AgentEnv,
) -> Result<Recording, AgentError> {
    let (server, _sink) = start_model(spec, Servers::from_env()).await;
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
        start_ran: false,
        agent: None,
        prompt: String::new(),
        rewakes: Vec::new(),
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
