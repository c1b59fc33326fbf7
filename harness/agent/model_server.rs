//! The test side of the wire: a scripted Responses-API model and an analytics sink, both
//! real HTTP servers on loopback (wiremock).
//!
//! [`ScriptedModel`] holds one SSE body per expected request (FIFO) and captures every
//! request body. A request beyond the script gets a `500` whose body says what the script
//! had; [`ScriptedModel::unused`] lists responses nobody asked for.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::history::HistoryItem;
use super::spec::{ModelResponse, OutputItem};
use super::tools::{call_item, model_name};
use crate::engine::wire::{AnalyticsBatch, HookRunAnalyticsEvent};

/// Header set on the `500` answering a request beyond the script.
pub const SCRIPT_EXHAUSTED_HEADER: &str = "x-hooktape-script-exhausted";

/// The path the analytics client posts to (under the analytics base URL).
pub const ANALYTICS_PATH: &str = "/codex/analytics-events/events";

/// One scripted response, ready to serve.
#[derive(Debug, Clone)]
struct Scripted {
    summary: String,
    body: String,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Scripted>,
    total: usize,
    served: Vec<String>,
    requests: Vec<Value>,
}

#[derive(Clone)]
struct ScriptResponder(Arc<Mutex<State>>);

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A poisoned lock only means another responder thread panicked mid-push; the data is
    // still a valid list, so keep serving.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Respond for ScriptResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.0);
        let body = serde_json::from_slice(&request.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
        state.requests.push(body);
        match state.queue.pop_front() {
            Some(next) => {
                state.served.push(next.summary.clone());
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/event-stream")
                    .set_body_raw(next.body, "text/event-stream")
            }
            None => {
                let mut text = format!(
                    "the model script has no response for request {}: all {} scripted responses were used:",
                    state.requests.len(),
                    state.total
                );
                for line in &state.served {
                    text.push_str("\n  ");
                    text.push_str(line);
                }
                ResponseTemplate::new(500)
                    .insert_header(SCRIPT_EXHAUSTED_HEADER, "1")
                    .set_body_string(text)
            }
        }
    }
}

/// A scripted model server speaking the Responses API (SSE) at `{uri}/v1/responses`.
pub struct ScriptedModel {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl ScriptedModel {
    /// Starts a server serving `responses` in order, one per request.
    pub async fn start(responses: &[ModelResponse]) -> ScriptedModel {
        let queue: VecDeque<Scripted> = responses
            .iter()
            .enumerate()
            .map(|(i, r)| Scripted {
                summary: describe_response(i + 1, r),
                body: sse_body(i + 1, r),
            })
            .collect();
        let state = Arc::new(Mutex::new(State {
            total: queue.len(),
            queue,
            ..State::default()
        }));
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/responses"))
            .respond_with(ScriptResponder(state.clone()))
            .mount(&server)
            .await;
        ScriptedModel { server, state }
    }

    /// The base URL the agent posts `/responses` under (ends in `/v1`).
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    /// Every request body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.state).requests.clone()
    }

    /// The scripted responses never served, described.
    pub fn unused(&self) -> Vec<String> {
        let state = lock(&self.state);
        state.queue.iter().map(|s| s.summary.clone()).collect()
    }
}

/// One line describing a scripted response, e.g. `[2] resp-2: message "done"`.
pub fn describe_response(index: usize, response: &ModelResponse) -> String {
    let id = response_id(index, response);
    let mut parts: Vec<String> = response
        .output
        .iter()
        .map(|item| match item {
            OutputItem::Message { text } => format!("message {text:?}"),
            OutputItem::Call(call) => format!("call {}({})", model_name(&call.tool), call.call_id),
        })
        .collect();
    if let Some(message) = &response.failed {
        parts.push(format!("failed {message:?}"));
    }
    if response.disconnect {
        parts.push("disconnect".to_owned());
    }
    if parts.is_empty() {
        parts.push("(no output)".to_owned());
    }
    format!("[{index}] {id}: {}", parts.join(", "))
}

fn response_id(index: usize, response: &ModelResponse) -> String {
    response
        .id
        .clone()
        .unwrap_or_else(|| format!("resp-{index}"))
}

fn sse_event(out: &mut String, data: &Value) {
    let kind = data.get("type").and_then(Value::as_str).unwrap_or("");
    out.push_str(&format!("event: {kind}\ndata: {data}\n\n"));
}

/// The SSE stream for one scripted response: `response.created`, one
/// `response.output_item.done` per item, then `response.completed` (with usage),
/// `response.failed`, or nothing at all (`disconnect`).
pub fn sse_body(index: usize, response: &ModelResponse) -> String {
    let id = response_id(index, response);
    let mut out = String::new();
    sse_event(
        &mut out,
        &json!({"type": "response.created", "response": {"id": id}}),
    );
    for (i, item) in response.output.iter().enumerate() {
        let wire = match item {
            OutputItem::Message { text } => {
                let mut v = HistoryItem::message(
                    format!("{id}-msg-{i}"),
                    super::history::Role::Assistant,
                    text.clone(),
                )
                .to_wire(true);
                if let Some(m) = v.as_object_mut() {
                    m.insert("status".into(), "completed".into());
                }
                v
            }
            OutputItem::Call(call) => call_item(&call.call_id, &call.tool).to_wire(false),
        };
        sse_event(
            &mut out,
            &json!({"type": "response.output_item.done", "output_index": i, "item": wire}),
        );
    }
    match &response.failed {
        Some(message) => sse_event(
            &mut out,
            &json!({"type": "response.failed", "response": {"id": id, "status": "failed", "error": {"code": "server_error", "message": message}}}),
        ),
        None if response.disconnect => {}
        None => {
            let mut completed = json!({"id": id, "object": "response", "status": "completed"});
            if let (Some(usage), Some(m)) = (&response.usage, completed.as_object_mut()) {
                m.insert(
                    "usage".into(),
                    json!({
                        "input_tokens": usage.input_tokens,
                        "input_tokens_details": {"cached_tokens": 0},
                        "output_tokens": usage.output_tokens,
                        "output_tokens_details": {"reasoning_tokens": 0},
                        "total_tokens": usage.total_tokens,
                    }),
                );
            }
            sse_event(
                &mut out,
                &json!({"type": "response.completed", "response": completed}),
            );
        }
    }
    out
}

/// An analytics endpoint on loopback: accepts `{"events":[…]}` batches at
/// `{base_url}/codex/analytics-events/events` and reports what it received.
pub struct AnalyticsSink {
    server: MockServer,
}

impl AnalyticsSink {
    pub async fn start() -> AnalyticsSink {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(ANALYTICS_PATH))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        AnalyticsSink { server }
    }

    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// Every event received, batch after batch, in arrival order. A body that is not a
    /// batch is an error naming it.
    pub async fn received(&self) -> Result<Vec<HookRunAnalyticsEvent>, String> {
        let requests = self.server.received_requests().await.unwrap_or_default();
        let mut events = Vec::new();
        for request in requests {
            let batch: AnalyticsBatch = serde_json::from_slice(&request.body).map_err(|e| {
                format!(
                    "analytics sink received a body that is not {{\"events\":[…]}}: {e}: {}",
                    String::from_utf8_lossy(&request.body)
                )
            })?;
            events.extend(batch.events);
        }
        Ok(events)
    }
}
