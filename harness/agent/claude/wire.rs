//! The Anthropic Messages API as the `claude` dialect's agent speaks it: the request body,
//! the SSE stream a scripted response becomes (the writer) and the stream read back (the
//! parser), side by side; and the one-line form of a message block for recordings.

use serde_json::{json, Value};

use crate::agent::spec::{ModelResponse, OutputItem, ToolSpec};

/// One content block the model answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

/// The `tool_use` blocks of an answer: `(id, name, input)`.
pub(crate) fn tool_uses(blocks: &[Block]) -> Vec<(String, String, Value)> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.clone(), name.clone(), input.clone())),
            Block::Text(_) => None,
        })
        .collect()
}

/// The text blocks of an answer, joined by newlines.
pub(crate) fn text_of(blocks: &[Block]) -> String {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text(t) => Some(t.as_str()),
            Block::ToolUse { .. } => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The request body: the model, the system prompt, the tools Claude Code offers (names
/// only: hooktape's script decides the calls), the whole history, streaming.
pub(crate) fn request_body(model: &str, system: &str, messages: &[Value]) -> Value {
    let tools: Vec<Value> = ["Bash", "Edit", "Read", "Write"]
        .iter()
        .map(|name| json!({"name": name, "input_schema": {"type": "object"}}))
        .collect();
    json!({
        "model": model,
        "max_tokens": 32000,
        "system": [{"type": "text", "text": system}],
        "messages": messages,
        "tools": tools,
        "stream": true,
    })
}

/// The token counts every scripted answer reports (input, output).
pub(crate) const RESPONSE_TOKENS: (u64, u64) = (10, 5);

fn event(out: &mut String, data: &Value) {
    let kind = data.get("type").and_then(Value::as_str).unwrap_or("");
    out.push_str(&format!("event: {kind}\ndata: {data}\n\n"));
}

/// The SSE stream of scripted response `index` (1-based): `message_start`, each block's
/// start, delta and stop, `message_delta` with the stop reason, `message_stop`.
pub fn sse_body(index: usize, model: &str, response: &ModelResponse) -> String {
    let id = response
        .id
        .clone()
        .unwrap_or_else(|| format!("msg_hooktape_{index:02}"));
    let mut out = String::new();
    event(
        &mut out,
        &json!({"type": "message_start", "message": {"id": id, "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": RESPONSE_TOKENS.0, "output_tokens": 1}}}),
    );
    let mut calls = false;
    for (i, item) in response.output.iter().enumerate() {
        match item {
            OutputItem::Message { text } => {
                event(
                    &mut out,
                    &json!({"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}}),
                );
                event(
                    &mut out,
                    &json!({"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": text}}),
                );
            }
            OutputItem::Call(call) => {
                calls = true;
                let (name, input) = tool_use(&call.tool);
                event(
                    &mut out,
                    &json!({"type": "content_block_start", "index": i, "content_block": {"type": "tool_use", "id": call.call_id, "name": name, "input": {}}}),
                );
                event(
                    &mut out,
                    &json!({"type": "content_block_delta", "index": i, "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
                );
            }
        }
        event(&mut out, &json!({"type": "content_block_stop", "index": i}));
    }
    let stop = if calls { "tool_use" } else { "end_turn" };
    event(
        &mut out,
        &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": RESPONSE_TOKENS.1}}),
    );
    event(&mut out, &json!({"type": "message_stop"}));
    out
}

/// A scripted call as a `tool_use` block's name and input.
pub(crate) fn tool_use(tool: &ToolSpec) -> (String, Value) {
    match tool {
        ToolSpec::Claude { tool, input } => (tool.clone(), input.clone()),
        ToolSpec::SpawnAgent(child) => (
            "Agent".to_owned(),
            json!({"description": child.description, "prompt": child.message, "subagent_type": child.agent_type}),
        ),
        other => (crate::agent::tools::model_name(other), json!({})),
    }
}

/// A non-streamed Messages answer of one text block (the classifier's).
pub fn json_body(index: usize, model: &str, text: &str) -> String {
    json!({
        "id": format!("msg_hooktape_classifier_{index:02}"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": RESPONSE_TOKENS.0, "output_tokens": RESPONSE_TOKENS.1},
    })
    .to_string()
}

/// The text of a non-streamed Messages answer.
pub(crate) fn parse_json_text(body: &str) -> Result<String, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| "no `content` array".to_owned())?;
    Ok(blocks
        .iter()
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(""))
}

/// Reads a Messages SSE stream back into its blocks and stop reason.
pub(crate) fn parse_sse(text: &str) -> Result<(Vec<Block>, String), String> {
    let mut blocks: Vec<(Block, String)> = Vec::new();
    let mut stop = String::new();
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        let v: Value =
            serde_json::from_str(data).map_err(|e| format!("bad SSE data ({e}): {data}"))?;
        match v.get("type").and_then(Value::as_str) {
            Some("content_block_start") => {
                let b = &v["content_block"];
                let block = match b["type"].as_str() {
                    Some("tool_use") => Block::ToolUse {
                        id: b["id"].as_str().unwrap_or("").to_owned(),
                        name: b["name"].as_str().unwrap_or("").to_owned(),
                        input: json!({}),
                    },
                    _ => Block::Text(String::new()),
                };
                blocks.push((block, String::new()));
            }
            Some("content_block_delta") => {
                let Some((block, json_text)) = blocks.last_mut() else {
                    return Err("a delta before any block".to_owned());
                };
                match (block, v["delta"]["type"].as_str()) {
                    (Block::Text(t), Some("text_delta")) => {
                        t.push_str(v["delta"]["text"].as_str().unwrap_or(""))
                    }
                    (Block::ToolUse { .. }, Some("input_json_delta")) => {
                        json_text.push_str(v["delta"]["partial_json"].as_str().unwrap_or(""))
                    }
                    _ => return Err(format!("unexpected delta: {data}")),
                }
            }
            Some("message_delta") => {
                stop = v["delta"]["stop_reason"].as_str().unwrap_or("").to_owned();
            }
            _ => {}
        }
    }
    let blocks = blocks
        .into_iter()
        .map(|(block, json_text)| match block {
            Block::ToolUse { id, name, .. } => {
                let input = if json_text.is_empty() {
                    Ok(json!({}))
                } else {
                    serde_json::from_str(&json_text)
                        .map_err(|e| format!("tool_use {id}: input is not JSON ({e})"))
                };
                input.map(|input| Block::ToolUse { id, name, input })
            }
            text => Ok(text),
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((blocks, stop))
}

/// One line per content block of a request's messages, for recordings:
/// `user: text "…"`, `assistant: tool_use Bash(id) {…}`, `user: tool_result(id) error "…"`.
pub fn compact_messages(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return out;
    };
    for m in messages {
        let role = m["role"].as_str().unwrap_or("?");
        let Some(content) = m["content"].as_array() else {
            out.push(format!(
                "{role}: text {}",
                quoted(m["content"].as_str().unwrap_or(""))
            ));
            continue;
        };
        for b in content {
            let line = match b["type"].as_str() {
                Some("text") => format!("text {}", quoted(b["text"].as_str().unwrap_or(""))),
                Some("tool_use") => format!(
                    "tool_use {}({}) {}",
                    b["name"].as_str().unwrap_or(""),
                    b["id"].as_str().unwrap_or(""),
                    b["input"]
                ),
                Some("tool_result") => format!(
                    "tool_result({}){} {}",
                    b["tool_use_id"].as_str().unwrap_or(""),
                    if b["is_error"] == Value::Bool(true) {
                        " error"
                    } else {
                        ""
                    },
                    match &b["content"] {
                        // An Agent call's result: its text blocks.
                        Value::Array(blocks) => blocks
                            .iter()
                            .map(|t| format!("text {}", quoted(t["text"].as_str().unwrap_or(""))))
                            .collect::<Vec<_>>()
                            .join(" + "),
                        other => quoted(other.as_str().unwrap_or("")),
                    }
                ),
                _ => b.to_string(),
            };
            out.push(format!("{role}: {line}"));
        }
    }
    out
}

fn quoted(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::spec::{ToolCallSpec, ToolResult};

    #[test]
    fn the_writer_and_the_parser_agree() {
        let response = ModelResponse {
            output: vec![
                OutputItem::Message {
                    text: "on it".into(),
                },
                OutputItem::Call(ToolCallSpec {
                    call_id: "toolu_1".into(),
                    tool: ToolSpec::Claude {
                        tool: "Bash".into(),
                        input: json!({"command": "ls"}),
                    },
                    result: ToolResult::default(),
                }),
            ],
            ..ModelResponse::default()
        };
        let (blocks, stop) = parse_sse(&sse_body(1, "m", &response)).unwrap();
        assert_eq!(stop, "tool_use");
        assert_eq!(
            blocks,
            [
                Block::Text("on it".into()),
                Block::ToolUse {
                    id: "toolu_1".into(),
                    name: "Bash".into(),
                    input: json!({"command": "ls"})
                }
            ]
        );
        let (_, stop) = parse_sse(&sse_body(2, "m", &ModelResponse::message("done"))).unwrap();
        assert_eq!(stop, "end_turn");
    }
}
