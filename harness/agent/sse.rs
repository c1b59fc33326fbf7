//! The Responses API's server-sent events, both ways: [`sse_body`] writes the stream of a
//! scripted response (the scripted model serves it), [`parse_sse`] reads a stream into what
//! the agent acts on ([`Sampled`]).

use serde_json::{json, Value};

use super::history::HistoryItem;
use super::spec::{ModelResponse, OutputItem};
use super::tools::call_item;

/// What one sampling request returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sampled {
    /// The output items received, in order (also those before a failure).
    pub items: Vec<HistoryItem>,
    pub total_tokens: Option<u64>,
    /// `response.completed`'s usage, as Codex 0.171 gives it to PostModelRequest hooks.
    pub token_usage: Option<Value>,
    /// The response's id (`response.completed` or `response.failed`).
    pub response_id: Option<String>,
    /// `response.failed`'s message.
    pub failed: Option<String>,
    /// The stream ended with neither `response.completed` nor `response.failed`.
    pub disconnected: bool,
}

/// Codex's error text for a stream that ends without `response.completed`.
pub const STREAM_DISCONNECTED: &str = "stream disconnected before completion";

impl Sampled {
    /// Why the stream failed, if it did: `response.failed`'s message or
    /// [`STREAM_DISCONNECTED`].
    pub fn failure(&self) -> Option<String> {
        match (&self.failed, self.disconnected) {
            (Some(message), _) => Some(message.clone()),
            (None, true) => Some(STREAM_DISCONNECTED.to_owned()),
            (None, false) => None,
        }
    }
}

/// Output item types the agent understands; any other (`reasoning`, `web_search_call`, …)
/// is skipped, as Codex does with items it does not act on.
const KNOWN_OUTPUT_ITEMS: [&str; 4] = [
    "message",
    "function_call",
    "custom_tool_call",
    "local_shell_call",
];

/// Parses a Responses-API SSE body: output items from `response.output_item.done` (unknown
/// item types skipped), usage from `response.completed`; `response.failed` gives the failure
/// message; a stream with neither is `disconnected`. The items received before a failure
/// are kept. Errors: event data that is not JSON, a known item that does not parse.
pub fn parse_sse(text: &str) -> Result<Sampled, String> {
    let mut items = Vec::new();
    let mut total_tokens = None;
    let mut token_usage = None;
    let mut response_id = None;
    let mut finished = false;
    let mut failed = None;
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let data: String = block
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("\n");
        if data.is_empty() {
            continue;
        }
        let event: Value = serde_json::from_str(&data)
            .map_err(|e| format!("event data is not JSON ({e}): {data}"))?;
        match event.get("type").and_then(Value::as_str) {
            Some("response.output_item.done") => {
                let item = event
                    .get("item")
                    .ok_or_else(|| format!("output_item.done without item: {data}"))?;
                let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
                if !KNOWN_OUTPUT_ITEMS.contains(&kind) {
                    continue;
                }
                items.push(
                    HistoryItem::from_wire(item)
                        .ok_or_else(|| format!("unknown output item: {item}"))?,
                );
            }
            Some("response.completed") => {
                finished = true;
                total_tokens = event
                    .pointer("/response/usage/total_tokens")
                    .and_then(Value::as_u64);
                token_usage = event.pointer("/response/usage").map(|u| {
                    let n = |p: &str| u.pointer(p).and_then(Value::as_u64).unwrap_or(0);
                    json!({
                        "input_tokens": n("/input_tokens"),
                        "cached_input_tokens": n("/input_tokens_details/cached_tokens"),
                        "cache_write_input_tokens": 0,
                        "output_tokens": n("/output_tokens"),
                        "reasoning_output_tokens": n("/output_tokens_details/reasoning_tokens"),
                        "total_tokens": n("/total_tokens"),
                    })
                });
                response_id = event
                    .pointer("/response/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            Some("response.failed") => {
                finished = true;
                response_id = event
                    .pointer("/response/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                failed = Some(
                    event
                        .pointer("/response/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("response failed")
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    Ok(Sampled {
        items,
        total_tokens,
        token_usage,
        response_id,
        failed,
        disconnected: !finished,
    })
}

pub(crate) fn response_id(index: usize, response: &ModelResponse) -> String {
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
