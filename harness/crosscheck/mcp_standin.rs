//! A stand-in MCP server for the real CLI: crosscheck configures one per scripted server of a
//! scenario (`[mcp_servers.<name>] command = <hooktape> args = ["mcp-standin", <script>]`), and
//! the real Codex's `mcp_tool` hooks call it as the mock calls the script. It speaks MCP's
//! stdio transport (one JSON-RPC message per line): `initialize`, `tools/list`, `tools/call`,
//! `ping`; every tool answers every call with its scripted text.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One scripted server as the stand-in reads it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StandinScript {
    /// tool → (text, is_error).
    pub tools: BTreeMap<String, StandinTool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct StandinTool {
    pub text: String,
    pub is_error: bool,
    /// Where each call's `arguments` are appended (one JSON value per line).
    #[serde(default)]
    pub log: Option<std::path::PathBuf>,
}

/// The answer to one JSON-RPC message, or `None` for a notification.
pub fn answer(script: &StandinScript, message: &Value) -> Option<Value> {
    let id = message.get("id")?.clone();
    let method = message.get("method").and_then(Value::as_str).unwrap_or("");
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    let result = match method {
        "initialize" => Ok(json!({
            "protocolVersion": params
                .get("protocolVersion")
                .cloned()
                .unwrap_or_else(|| json!("2025-06-18")),
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "hooktape-standin", "version": env!("CARGO_PKG_VERSION")},
        })),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({
            "tools": script.tools.keys().map(|name| json!({
                "name": name,
                "description": "a hooktape stand-in tool",
                "inputSchema": {"type": "object"},
            })).collect::<Vec<_>>(),
        })),
        "tools/call" => {
            let name = params.get("name").and_then(Value::as_str).unwrap_or("");
            match script.tools.get(name) {
                Some(tool) => Ok(json!({
                    "content": [{"type": "text", "text": tool.text}],
                    "isError": tool.is_error,
                })),
                None => Err((-32602, format!("unknown tool: {name}"))),
            }
        }
        other => Err((-32601, format!("method not found: {other}"))),
    };
    Some(match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        }
    })
}

/// Appends a `tools/call`'s arguments to its tool's log, if it has one.
fn log_call(script: &StandinScript, message: &Value) {
    if message.get("method").and_then(Value::as_str) != Some("tools/call") {
        return;
    }
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    let name = params.get("name").and_then(Value::as_str).unwrap_or("");
    let Some(log) = script.tools.get(name).and_then(|t| t.log.as_ref()) else {
        return;
    };
    let arguments = params
        .get("arguments")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        // A lost line shows as a missing payload in the comparison.
        let _ = writeln!(file, "{arguments}");
    }
}

/// Serves `script` on stdin/stdout until stdin closes.
pub fn serve(script: &StandinScript) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        log_call(script, &message);
        if let Some(reply) = answer(script, &message) {
            writeln!(stdout, "{reply}")?;
            stdout.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_handshake_the_list_and_calls() {
        let mut script = StandinScript::default();
        script.tools.insert(
            "check".into(),
            StandinTool {
                text: "ok".into(),
                is_error: false,
                log: None,
            },
        );
        let init = answer(
            &script,
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}),
        )
        .unwrap();
        assert_eq!(init["result"]["protocolVersion"], "2025-03-26");
        assert!(answer(
            &script,
            &json!({"jsonrpc":"2.0","method":"notifications/initialized"})
        )
        .is_none());
        let list = answer(
            &script,
            &json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
        )
        .unwrap();
        assert_eq!(list["result"]["tools"][0]["name"], "check");
        let call = answer(
            &script,
            &json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check","arguments":{}}}),
        )
        .unwrap();
        assert_eq!(call["result"]["content"][0]["text"], "ok");
        assert_eq!(call["result"]["isError"], false);
        let unknown = answer(
            &script,
            &json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}}),
        )
        .unwrap();
        assert_eq!(unknown["error"]["code"], -32602);
    }
}
