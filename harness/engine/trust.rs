//! Codex's hook trust (0.171 and later), the pure part: a handler's trust key
//! `<absolute source path>:<snake_event>:<group>:<handler>` and its hash, `sha256:` + the hex
//! SHA-256 of the compact, key-sorted JSON of the handler's identity
//! (spec/codex-current.md §6). Discovery applies it; `crate::trust` prints the entries that
//! trust a repository.

use serde_json::{json, Map, Value};
use sha2::Digest as _;

/// Events whose matcher Codex ignores (and leaves out of the hash).
const NO_MATCHER: [&str; 5] = [
    "UserPromptSubmit",
    "Stop",
    "Interrupt",
    "PreModelRequest",
    "PostModelRequest",
];

/// Events that may add context (an `additionalContextLimit` counts for them only).
const CONTEXT_EVENTS: [&str; 6] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "SubagentStart",
    "PostCompact",
];

/// The default `additionalContextLimit` (left out of the hash).
const DEFAULT_CONTEXT_LIMIT: u64 = 2500;

/// `PreToolUse` → `pre_tool_use`.
pub fn snake_event(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The timeout Codex hashes: as configured with 0 → 1; absent → 600 (SessionEnd and
/// Interrupt: 1, and at most 3).
pub fn effective_timeout(event: &str, timeout: Option<u64>) -> u64 {
    let short = matches!(event, "SessionEnd" | "Interrupt");
    match (timeout, short) {
        (None, true) => 1,
        (None, false) => 600,
        (Some(t), true) => t.clamp(1, 3),
        (Some(t), false) => t.max(1),
    }
}

/// Compact JSON with object keys sorted, recursively (non-ASCII unescaped).
pub fn sorted_compact(v: &Value) -> String {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), sorted_compact(&o[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(sorted_compact).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The trust hash of one command handler of `event` in a group with `matcher`.
pub fn command_hash(event: &str, matcher: Option<&str>, handler: &Value) -> Option<String> {
    let command = handler.get("command")?.as_str()?;
    let mut normalized = Map::new();
    normalized.insert("type".into(), "command".into());
    normalized.insert("command".into(), command.into());
    let timeout = handler.get("timeout").and_then(Value::as_u64);
    normalized.insert("timeout".into(), effective_timeout(event, timeout).into());
    let is_async = handler
        .get("async")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    normalized.insert("async".into(), is_async.into());
    if let Some(m) = handler.get("statusMessage").filter(|m| !m.is_null()) {
        normalized.insert("statusMessage".into(), m.clone());
    }
    if let Some(limit) = handler
        .get("additionalContextLimit")
        .and_then(Value::as_u64)
    {
        if limit != DEFAULT_CONTEXT_LIMIT && CONTEXT_EVENTS.contains(&event) {
            normalized.insert("additionalContextLimit".into(), limit.into());
        }
    }
    Some(identity_hash(event, matcher, normalized))
}

/// The trust hash of one `mcp_tool` handler: `input` defaults to `{}`, the timeout to 600
/// (at least 1), and every number inside `input` is hashed as
/// `{"$serde_json::private::Number": "<number>"}` (spec §6).
pub fn mcp_hash(event: &str, matcher: Option<&str>, handler: &Value) -> Option<String> {
    fn numbers_wrapped(v: &Value) -> Value {
        match v {
            Value::Number(n) => json!({"$serde_json::private::Number": n.to_string()}),
            Value::Array(a) => Value::Array(a.iter().map(numbers_wrapped).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), numbers_wrapped(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let mut normalized = Map::new();
    normalized.insert("type".into(), "mcp_tool".into());
    normalized.insert("server".into(), handler.get("server")?.as_str()?.into());
    normalized.insert("tool".into(), handler.get("tool")?.as_str()?.into());
    let input = handler.get("input").cloned().unwrap_or_else(|| json!({}));
    normalized.insert("input".into(), numbers_wrapped(&input));
    let timeout = handler
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(600);
    normalized.insert("timeout".into(), timeout.max(1).into());
    if let Some(m) = handler.get("statusMessage").filter(|m| !m.is_null()) {
        normalized.insert("statusMessage".into(), m.clone());
    }
    Some(identity_hash(event, matcher, normalized))
}

fn identity_hash(event: &str, matcher: Option<&str>, normalized: Map<String, Value>) -> String {
    let mut identity =
        json!({"event_name": snake_event(event), "hooks": [Value::Object(normalized)]});
    if let (Some(m), false) = (matcher, NO_MATCHER.contains(&event)) {
        identity["matcher"] = m.into();
    }
    let text = sorted_compact(&identity);
    format!("sha256:{:x}", sha2::Sha256::digest(text.as_bytes()))
}

/// The key of handler `handler` of group `group` of `event` declared in the file at `source`.
pub fn key(source: &str, event: &str, group: usize, handler: usize) -> String {
    format!("{source}:{}:{group}:{handler}", snake_event(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_rules() {
        assert_eq!(snake_event("PreToolUse"), "pre_tool_use");
        assert_eq!(snake_event("PostModelRequest"), "post_model_request");
        assert_eq!(effective_timeout("Stop", None), 600);
        assert_eq!(effective_timeout("Stop", Some(0)), 1);
        assert_eq!(effective_timeout("SessionEnd", None), 1);
        assert_eq!(effective_timeout("SessionEnd", Some(30)), 3);
        assert_eq!(
            sorted_compact(&json!({"b": 1, "a": [{"z": true, "y": "é\"y"}]})),
            r#"{"a":[{"y":"é\"y","z":true}],"b":1}"#
        );
        // The matcher of a matcher-less event is left out of the identity.
        let h = json!({"type": "command", "command": "x"});
        assert_eq!(
            command_hash("Stop", Some("*"), &h),
            command_hash("Stop", None, &h)
        );
        assert_ne!(
            command_hash("PreToolUse", Some("*"), &h),
            command_hash("PreToolUse", None, &h)
        );
    }
}
