//! Why a session could not be played as scripted.

use std::path::Path;

use thiserror::Error;

use super::recording::Recording;

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
