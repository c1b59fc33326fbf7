//! Conversation history: the domain items the agent records, and their Responses-API wire
//! shape (request `input` items, SSE output items, rollout `response_item` payloads).

use serde_json::{json, Map, Value};

/// Who a message is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Developer,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    fn parse(text: &str) -> Option<Role> {
        match text {
            "developer" | "system" => Some(Role::Developer),
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            _ => None,
        }
    }
}

/// One history item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryItem {
    /// A message; `id` is deterministic (kept in the rollout, not sent to the model).
    Message {
        id: Option<String>,
        role: Role,
        parts: Vec<String>,
    },
    FunctionCall {
        name: String,
        arguments: String,
        call_id: String,
    },
    CustomToolCall {
        name: String,
        input: String,
        call_id: String,
    },
    LocalShellCall {
        call_id: String,
        argv: Vec<String>,
    },
    FunctionCallOutput {
        call_id: String,
        output: String,
    },
    CustomToolCallOutput {
        call_id: String,
        output: String,
    },
}

impl HistoryItem {
    pub fn message(id: impl Into<String>, role: Role, text: impl Into<String>) -> Self {
        HistoryItem::Message {
            id: Some(id.into()),
            role,
            parts: vec![text.into()],
        }
    }

    /// The wire item; `with_id` adds message ids (rollout), requests omit them (`store:false`).
    pub fn to_wire(&self, with_id: bool) -> Value {
        match self {
            HistoryItem::Message { id, role, parts } => {
                let kind = if *role == Role::Assistant {
                    "output_text"
                } else {
                    "input_text"
                };
                let content: Vec<Value> = parts
                    .iter()
                    .map(|t| json!({"type": kind, "text": t}))
                    .collect();
                let mut m = Map::new();
                m.insert("type".into(), "message".into());
                if let (true, Some(id)) = (with_id, id) {
                    m.insert("id".into(), id.clone().into());
                }
                m.insert("role".into(), role.as_str().into());
                m.insert("content".into(), content.into());
                Value::Object(m)
            }
            HistoryItem::FunctionCall {
                name,
                arguments,
                call_id,
            } => {
                json!({"type": "function_call", "name": name, "arguments": arguments, "call_id": call_id})
            }
            HistoryItem::CustomToolCall {
                name,
                input,
                call_id,
            } => {
                json!({"type": "custom_tool_call", "name": name, "input": input, "call_id": call_id})
            }
            HistoryItem::LocalShellCall { call_id, argv } => json!({
                "type": "local_shell_call",
                "call_id": call_id,
                "status": "completed",
                "action": {"type": "exec", "command": argv},
            }),
            HistoryItem::FunctionCallOutput { call_id, output } => {
                json!({"type": "function_call_output", "call_id": call_id, "output": output})
            }
            HistoryItem::CustomToolCallOutput { call_id, output } => {
                json!({"type": "custom_tool_call_output", "call_id": call_id, "output": output})
            }
        }
    }

    /// Reads a wire item back (SSE output items, rollout lines). `None`: not an item we know.
    pub fn from_wire(v: &Value) -> Option<HistoryItem> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        match v.get("type")?.as_str()? {
            "message" => {
                let role = Role::parse(v.get("role")?.as_str()?)?;
                let parts = v
                    .get("content")?
                    .as_array()?
                    .iter()
                    .filter_map(|c| c.get("text").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                Some(HistoryItem::Message {
                    id: s("id"),
                    role,
                    parts,
                })
            }
            "function_call" => Some(HistoryItem::FunctionCall {
                name: s("name")?,
                arguments: s("arguments").unwrap_or_default(),
                call_id: s("call_id").unwrap_or_default(),
            }),
            "custom_tool_call" => Some(HistoryItem::CustomToolCall {
                name: s("name")?,
                input: s("input").unwrap_or_default(),
                call_id: s("call_id").unwrap_or_default(),
            }),
            "local_shell_call" => Some(HistoryItem::LocalShellCall {
                call_id: s("call_id").unwrap_or_default(),
                argv: v
                    .pointer("/action/command")?
                    .as_array()?
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
            }),
            "function_call_output" => Some(HistoryItem::FunctionCallOutput {
                call_id: s("call_id")?,
                output: output_text(v.get("output")?),
            }),
            "custom_tool_call_output" => Some(HistoryItem::CustomToolCallOutput {
                call_id: s("call_id")?,
                output: output_text(v.get("output")?),
            }),
            _ => None,
        }
    }
}

fn output_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One compact readable line for a wire input item, e.g. `user: hello`,
/// `function_call shell(call-1): {"command":["ls"]}`, `function_call_output(call-1): ok`.
pub fn compact_line(v: &Value) -> String {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    match v.get("type").and_then(Value::as_str).unwrap_or("?") {
        "message" => {
            let parts: Vec<&str> = v
                .get("content")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .filter_map(|p| p.get("text").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            format!("{}: {}", s("role"), parts.join(" | "))
        }
        "function_call" => format!(
            "function_call {}({}): {}",
            s("name"),
            s("call_id"),
            s("arguments")
        ),
        "custom_tool_call" => format!(
            "custom_tool_call {}({}): {}",
            s("name"),
            s("call_id"),
            s("input")
        ),
        "local_shell_call" => format!(
            "local_shell_call({}): {}",
            s("call_id"),
            v.pointer("/action/command")
                .map(Value::to_string)
                .unwrap_or_default()
        ),
        kind @ ("function_call_output" | "custom_tool_call_output") => format!(
            "{kind}({}): {}",
            s("call_id"),
            v.get("output").map(output_text).unwrap_or_default()
        ),
        other => format!("{other}: {v}"),
    }
}

/// The compact form of a whole request body's `input`.
pub fn compact_input(body: &Value) -> Vec<String> {
    body.get("input")
        .and_then(Value::as_array)
        .map(|items| items.iter().map(compact_line).collect())
        .unwrap_or_default()
}
