//! Comparing the payloads a replay sent to hooks with those a real session's hooks received
//! (a capture: one JSON payload per line, as `hooktape record`'s hooks append them).
//! Per event, in order; after normalising what differs by nature between a real machine and
//! a workspace: `transcript_path`, a model request's `request_id`, and the session's cwd
//! (made `.` on both sides, also inside commands). Pure.

use std::collections::BTreeMap;

use serde_json::Value;

/// The outcome of a payload check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PayloadCheck {
    /// Payloads equal after normalisation, per event.
    pub equal: BTreeMap<String, usize>,
    /// One entry per payload that differs or has no counterpart, with a diff.
    pub differences: Vec<String>,
    /// Captured payloads of events the replay's engine does not know (a later Codex's
    /// `PreModelRequest`, …), per event: listed, not compared.
    pub unmodelled: BTreeMap<String, usize>,
    /// Replayed payloads of a model-request event the capture holds none of (a capture made
    /// before hooktape recorded those events), per event: listed, not compared.
    pub uncaptured: BTreeMap<String, usize>,
}

/// A `config.toml` with a handler on every event the engine knows that reads its payload and
/// prints nothing, so a replay records every payload a capture would have.
pub fn every_event_config() -> String {
    let mut text = String::new();
    for event in crate::engine::HookEvent::EVERY {
        text += &format!(
            "[[hooks.{0}]]
[[hooks.{0}.hooks]]
type = \"command\"
command = \"cat >/dev/null\"
",
            event.config_name()
        );
    }
    text
}

impl PayloadCheck {
    pub fn passed(&self) -> bool {
        self.differences.is_empty()
    }
}

fn rewrite_strings(v: &mut Value, f: &dyn Fn(&str) -> String) {
    match v {
        Value::String(s) => *s = f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_strings(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| rewrite_strings(x, f)),
        _ => {}
    }
}

/// One payload, normalised: `transcript_path` as `<TRANSCRIPT>`, the payload's own `cwd`
/// (and `root`, e.g. `<PROJECT>`) as `.` wherever it appears.
fn normalise(mut v: Value, root: Option<&str>) -> Value {
    let cwd = v.get("cwd").and_then(Value::as_str).map(str::to_owned);
    let prefixes: Vec<String> = cwd.into_iter().chain(root.map(str::to_owned)).collect();
    rewrite_strings(&mut v, &|s: &str| {
        let mut out = s.to_owned();
        for p in prefixes.iter().filter(|p| p.len() > 1) {
            out = out.replace(&format!("{p}/"), "./").replace(p.as_str(), ".");
        }
        out
    });
    if let Some(o) = v.as_object_mut() {
        if o.contains_key("transcript_path") {
            o.insert(
                "transcript_path".into(),
                Value::String("<TRANSCRIPT>".into()),
            );
        }
        // A model request's id is Codex's own (the mock numbers its requests).
        if o.contains_key("request_id") {
            o.insert("request_id".into(), Value::String("<REQUEST_ID>".into()));
        }
    }
    v
}

fn by_event(payloads: Vec<Value>) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in payloads {
        let event = p
            .get("hook_event_name")
            .and_then(Value::as_str)
            .unwrap_or("(no hook_event_name)")
            .to_owned();
        out.entry(event).or_default().push(p);
    }
    out
}

/// Parses a capture file: one JSON object per non-empty line.
pub fn parse_capture(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("line {}: not a JSON payload: {e}", i + 1))
        })
        .collect()
}

/// Compares captured payloads with replayed ones (`replay_root`: the placeholder the
/// replay's workspace paths carry, e.g. `<PROJECT>`).
pub fn compare(captured: Vec<Value>, replayed: Vec<Value>, replay_root: &str) -> PayloadCheck {
    let captured = by_event(captured.into_iter().map(|v| normalise(v, None)).collect());
    let replayed = by_event(
        replayed
            .into_iter()
            .map(|v| normalise(v, Some(replay_root)))
            .collect(),
    );
    let mut check = PayloadCheck::default();
    let events: std::collections::BTreeSet<&String> =
        captured.keys().chain(replayed.keys()).collect();
    for event in events {
        if crate::engine::HookEvent::from_config_name(event).is_none() {
            let n = captured.get(event).map_or(0, Vec::len);
            check.unmodelled.insert(event.clone(), n);
            continue;
        }
        let real = captured.get(event).map(Vec::as_slice).unwrap_or(&[]);
        let mock = replayed.get(event).map(Vec::as_slice).unwrap_or(&[]);
        let model_request = crate::engine::HookEvent::from_config_name(event)
            .is_some_and(|e| crate::engine::HookEvent::MODEL_REQUEST.contains(&e));
        if model_request && real.is_empty() {
            check.uncaptured.insert(event.clone(), mock.len());
            continue;
        }
        for i in 0..real.len().max(mock.len()) {
            match (real.get(i), mock.get(i)) {
                (Some(a), Some(b)) if a == b => *check.equal.entry(event.clone()).or_default() += 1,
                (Some(a), Some(b)) => {
                    let (a, b) = (pretty(a), pretty(b));
                    let diff = similar::TextDiff::from_lines(&a, &b)
                        .unified_diff()
                        .header("captured", "replayed")
                        .to_string();
                    check
                        .differences
                        .push(format!("{event} #{}: the payloads differ\n{diff}", i + 1));
                }
                (Some(a), None) => check.differences.push(format!(
                    "{event} #{}: captured, but the replay sent no such payload:\n{}",
                    i + 1,
                    pretty(a)
                )),
                (None, Some(b)) => check.differences.push(format!(
                    "{event} #{}: replayed, but the capture has no such payload:\n{}",
                    i + 1,
                    pretty(b)
                )),
                (None, None) => {}
            }
        }
    }
    check
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_normalised_and_differences_named() {
        let real = vec![
            json!({"hook_event_name":"PreToolUse","cwd":"/home/u/repo","transcript_path":"/home/u/.codex/sessions/x.jsonl","tool_input":{"command":"cat /home/u/repo/a"}}),
            json!({"hook_event_name":"Stop","cwd":"/home/u/repo","stop_hook_active":false}),
        ];
        let mock = vec![
            json!({"hook_event_name":"PreToolUse","cwd":"<PROJECT>","transcript_path":"<CODEX_HOME>/sessions/r.jsonl","tool_input":{"command":"cat ./a"}}),
            json!({"hook_event_name":"Stop","cwd":"<PROJECT>","stop_hook_active":true}),
        ];
        let check = compare(real, mock, "<PROJECT>");
        assert_eq!(check.equal.get("PreToolUse"), Some(&1));
        assert_eq!(check.differences.len(), 1, "{:?}", check.differences);
        assert!(check.differences[0].starts_with("Stop #1: the payloads differ"));
        assert!(
            check.differences[0].contains("-  \"stop_hook_active\": false"),
            "{}",
            check.differences[0]
        );
    }
}
