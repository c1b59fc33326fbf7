//! The model client: the Responses-API request body the agent sends, and sending it. The
//! loop talks to a [`ModelClient`]; [`HttpModel`] posts to a server (the scripted model on
//! loopback); tests use a canned client. Reading the answer is [`super::sse::parse_sse`].

use serde_json::{json, Value};

use super::history::{HistoryItem, Role};
use super::model_server::SCRIPT_EXHAUSTED_HEADER;
use super::spec::SessionSpec;
use super::tools::tool_definitions;

/// The user message a compaction request ends with.
pub const COMPACTION_PROMPT: &str =
    "Summarize the conversation so far so that the work can continue from the summary alone.";

/// One request: whose it is and its body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub thread_id: &'a str,
    pub turn_id: &'a str,
    pub body: &'a Value,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// A successful response: the SSE text.
    Stream(String),
    /// The scripted model had no response left; its explanation.
    ScriptExhausted(String),
    /// Another HTTP status, with the body.
    Status { status: String, text: String },
}

/// Where sampling requests go.
#[allow(async_fn_in_trait)] // used with concrete clients only, never as `dyn`
pub(crate) trait ModelClient {
    /// Sends one request. `Err`: it could not be sent or read (the text says why).
    async fn send(&self, request: Request<'_>) -> Result<Reply, String>;
}

/// A Responses-API server over HTTP: `POST {base}/responses`.
pub(crate) struct HttpModel {
    pub http: reqwest::Client,
    /// Ends in `/v1`.
    pub base_url: String,
}

impl ModelClient for HttpModel {
    async fn send(&self, request: Request<'_>) -> Result<Reply, String> {
        let url = format!("{}/responses", self.base_url.trim_end_matches('/'));
        let response = self
            .http
            .post(&url)
            .header("accept", "text/event-stream")
            .header("authorization", "Bearer hooktape")
            .header("session_id", request.thread_id)
            .header("x-codex-thread-id", request.thread_id)
            .header("x-codex-turn-id", request.turn_id)
            .json(request.body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status();
        let exhausted = response.headers().contains_key(SCRIPT_EXHAUSTED_HEADER);
        let text = response
            .text()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        Ok(if exhausted {
            Reply::ScriptExhausted(text)
        } else if status.is_success() {
            Reply::Stream(text)
        } else {
            Reply::Status {
                status: status.to_string(),
                text,
            }
        })
    }
}

/// The Responses-API request body, keyed as Codex's observed requests (`reasoning` and `text`
/// carry Codex's defaults; `client_metadata` names the thread and turn, deterministic): the
/// base instructions as the first developer message, the whole history, then `extra` (a
/// compaction's prompt). No `<environment_context>` message is sent.
pub(crate) fn request_body(
    spec: &SessionSpec,
    thread_id: &str,
    turn_id: &str,
    history: &[HistoryItem],
    extra: Option<&HistoryItem>,
    mcp_tools: &[String],
) -> Value {
    let mut input = vec![HistoryItem::Message {
        id: None,
        role: Role::Developer,
        parts: vec![spec.base_instructions.clone()],
    }
    .to_wire(false)];
    input.extend(history.iter().map(|i| i.to_wire(false)));
    if let Some(extra) = extra {
        input.push(extra.to_wire(false));
    }
    json!({
        "model": spec.model,
        "input": input,
        "tools": tool_definitions(mcp_tools),
        "tool_choice": "auto",
        "parallel_tool_calls": true,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": false,
        "stream": true,
        "include": [],
        "prompt_cache_key": thread_id,
        "text": {"verbosity": "medium"},
        "client_metadata": {"thread_id": thread_id, "turn_id": turn_id},
    })
}
