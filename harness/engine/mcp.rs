//! Codex 0.171's `mcp_tool` handlers (spec §3.2) against scripted MCP servers: the `input`
//! template filled from the hook's input ([`fill`], pure), the call answered by the
//! scenario's script ([`ScriptedMcp`]), and the answer turned into what a command hook's
//! exit and stdout would be.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

/// What one scripted MCP tool answers: its `text` content items and `isError`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct McpAnswer {
    pub texts: Vec<String>,
    pub is_error: bool,
}

/// The session's MCP servers as a scenario scripts them: server → tool → answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptedMcp {
    pub servers: BTreeMap<String, BTreeMap<String, McpAnswer>>,
}

impl ScriptedMcp {
    /// The call's result as Codex reports it: the text items joined with `\n`, or the
    /// error entry of a failed run.
    pub fn call(&self, server: &str, tool: &str) -> Result<String, String> {
        let Some(tools) = self.servers.get(server) else {
            return Err(format!("unknown MCP server '{server}'"));
        };
        // The server answers an unknown tool with an error; Codex reports the call failed.
        let Some(answer) = tools.get(tool) else {
            return Err(format!("tool call failed for `{server}/{tool}`"));
        };
        let text = answer.texts.join("\n");
        if answer.is_error {
            return Err(format!("MCP tool returned an error: {text}"));
        }
        Ok(text)
    }
}

fn placeholder() -> Option<&'static Regex> {
    static RE: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$\{([^{}]+)\}").ok())
        .as_ref()
}

/// Fills `input` from the hook's input object: a string that is exactly one `${a.b}` takes
/// the value at that path (type kept); inside a longer string it takes the value's text
/// (strings raw, others as compact JSON). Keys and non-strings are copied. A missing path is
/// the run's error.
pub fn fill(input: &Map<String, Value>, hook_input: &Value) -> Result<Value, String> {
    fill_value(&Value::Object(input.clone()), hook_input)
}

fn fill_value(v: &Value, hook_input: &Value) -> Result<Value, String> {
    match v {
        Value::String(s) => fill_string(s, hook_input),
        Value::Array(a) => a
            .iter()
            .map(|x| fill_value(x, hook_input))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(o) => o
            .iter()
            .map(|(k, x)| Ok((k.clone(), fill_value(x, hook_input)?)))
            .collect::<Result<Map<_, _>, String>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

fn lookup<'a>(path: &str, hook_input: &'a Value) -> Result<&'a Value, String> {
    path.split('.')
        .try_fold(hook_input, |v, key| v.get(key).filter(|_| v.is_object()))
        .ok_or_else(|| format!("hook input placeholder `${{{path}}}` was not found"))
}

fn fill_string(s: &str, hook_input: &Value) -> Result<Value, String> {
    let Some(re) = placeholder() else {
        return Ok(Value::String(s.to_owned()));
    };
    if let Some(c) = re.captures(s) {
        if c.get(0).is_some_and(|m| m.as_str() == s) {
            return lookup(&c[1], hook_input).cloned();
        }
    }
    let mut out = String::new();
    let mut last = 0;
    for c in re.captures_iter(s) {
        let Some(m) = c.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        match lookup(&c[1], hook_input)? {
            Value::String(text) => out.push_str(text),
            other => out.push_str(&other.to_string()),
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn whole_placeholders_keep_their_type_embedded_ones_become_text() {
        let hook = json!({"tool_name": "Bash", "tool_input": {"command": "ls", "n": 2}});
        let filled = fill(
            &input(json!({
                "args": "${tool_input}",
                "n": "${tool_input.n}",
                "line": "run ${tool_input.command} (${tool_input.n}) via ${tool_name}",
                "list": ["${tool_name}", 3, true],
                "${tool_name}": "keys stay"
            })),
            &hook,
        )
        .unwrap();
        assert_eq!(
            filled,
            json!({
                "args": {"command": "ls", "n": 2},
                "n": 2,
                "line": "run ls (2) via Bash",
                "list": ["Bash", 3, true],
                "${tool_name}": "keys stay"
            })
        );
    }

    #[test]
    fn a_missing_path_fails_the_run() {
        let err = fill(&input(json!({"x": "${nope.deeper}"})), &json!({})).unwrap_err();
        assert_eq!(err, "hook input placeholder `${nope.deeper}` was not found");
        assert_eq!(
            fill(&input(json!({"x": "${}"})), &json!({})).unwrap(),
            json!({"x": "${}"})
        );
    }

    #[test]
    fn answers_and_errors_read_as_codex_reports_them() {
        let mut mcp = ScriptedMcp::default();
        mcp.servers.entry("guard".into()).or_default().insert(
            "check".into(),
            McpAnswer {
                texts: vec!["one".into(), "two".into()],
                is_error: false,
            },
        );
        mcp.servers.entry("guard".into()).or_default().insert(
            "broken".into(),
            McpAnswer {
                texts: vec!["boom".into()],
                is_error: true,
            },
        );
        assert_eq!(mcp.call("guard", "check"), Ok("one\ntwo".into()));
        assert_eq!(
            mcp.call("guard", "broken"),
            Err("MCP tool returned an error: boom".into())
        );
        assert_eq!(
            mcp.call("nosuch", "x"),
            Err("unknown MCP server 'nosuch'".into())
        );
        assert_eq!(
            mcp.call("guard", "x"),
            Err("tool call failed for `guard/x`".into())
        );
    }
}
