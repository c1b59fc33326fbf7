//! Runs conformance vectors (`data/conformance/*.jsonl`) through the engine and reports, for
//! each, an `actual` value shaped exactly like the vector's `expected`.
//!
//! Sits beside `replay`: it imports only the engine. Each vector gets a fresh temp directory
//! registered as one user config layer, with the vector's `hooks.json` text written verbatim
//! and each handler's stdout/stderr bytes in `h{i}.out` / `h{i}.err`, as the vectors were
//! recorded.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::engine::clock::SystemClock;
use crate::engine::config::{ConfigLayer, DiscoveryInput, TomlSource};
use crate::engine::outcome::{EventOutcome, PermissionDecision};
use crate::engine::request::{
    EventPayload, HookContext, HookRequest, PermissionMode, SessionStartSource,
};
use crate::engine::runner::RunnerConfig;
use crate::engine::summary::HookRunSummary;
use crate::engine::wire::HookRunSummaryV1;
use crate::engine::{Engine, HookEvent};

/// The session id used for every vector; shown as `<SESSION_ID>`.
const SESSION_ID: &str = "5e55104e-0000-4000-8000-00000000c0de";

#[derive(Debug, Error)]
pub enum ConformanceError {
    #[error("{file}:{line}: not a JSON object: {source}")]
    Json {
        file: String,
        line: usize,
        source: serde_json::Error,
    },
    #[error("{file}:{line}: {message}")]
    Vector {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One vector, as read from its file.
#[derive(Debug, Clone)]
pub struct Vector {
    pub id: String,
    pub line: usize,
    pub raw: Value,
}

impl Vector {
    pub fn expected(&self) -> Option<&Value> {
        self.raw.get("expected")
    }
}

/// Reads a JSONL vectors file; blank lines are skipped, anything else must be an object
/// with a string `id`.
pub fn load_vectors(path: &Path) -> Result<Vec<Vector>, ConformanceError> {
    let text = std::fs::read_to_string(path)?;
    let file = path.display().to_string();
    let mut vectors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let raw: Value = serde_json::from_str(line).map_err(|source| ConformanceError::Json {
            file: file.clone(),
            line: i + 1,
            source,
        })?;
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ConformanceError::Vector {
                file: file.clone(),
                line: i + 1,
                message: "expected a string \"id\"".to_owned(),
            })?
            .to_owned();
        vectors.push(Vector {
            id,
            line: i + 1,
            raw,
        });
    }
    Ok(vectors)
}

fn str_field<'a>(v: &'a Value, key: &str, default: &'a str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or(default)
}

fn bytes_field(handler: &Value, key: &str) -> Result<Vec<u8>, String> {
    if let Some(hex) = handler.get(format!("{key}_hex")).and_then(Value::as_str) {
        return decode_hex(hex).ok_or_else(|| format!("{key}_hex is not hex"));
    }
    Ok(str_field(handler, key, "").as_bytes().to_vec())
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Builds the request a vector describes, with its defaults.
fn request_for(v: &Value, event: HookEvent, dir: &str) -> Result<HookRequest, String> {
    let tool_name = str_field(v, "tool_name", "Bash").to_owned();
    let tool_input = v
        .get("tool_input")
        .cloned()
        .unwrap_or_else(|| json!({"command": "echo hi"}));
    let permission_mode = PermissionMode::parse(str_field(v, "permission_mode", "default"))
        .ok_or("unknown permission_mode")?;
    let context = HookContext {
        session_id: SESSION_ID.to_owned(),
        turn_id: str_field(v, "turn_id", "turn-1").to_owned(),
        transcript_path: None,
        cwd: dir.to_owned(),
        model: "gpt-test".to_owned(),
        permission_mode,
        agent: None,
    };
    let payload = match event {
        HookEvent::PreToolUse => EventPayload::PreToolUse {
            tool_name,
            tool_input,
            tool_use_id: str_field(v, "tool_use_id", "call-1").to_owned(),
        },
        HookEvent::PermissionRequest => EventPayload::PermissionRequest {
            tool_name,
            tool_input,
        },
        HookEvent::PostToolUse => EventPayload::PostToolUse {
            tool_name,
            tool_input,
            tool_response: v
                .get("tool_response")
                .cloned()
                .unwrap_or_else(|| json!("hi\n")),
            tool_use_id: str_field(v, "tool_use_id", "call-1").to_owned(),
        },
        HookEvent::SessionStart => EventPayload::SessionStart {
            source: serde_json::from_value::<SessionStartSource>(json!(str_field(
                v, "source", "startup"
            )))
            .map_err(|e| format!("source: {e}"))?,
        },
        HookEvent::UserPromptSubmit => EventPayload::UserPromptSubmit {
            prompt: str_field(v, "prompt", "hello").to_owned(),
        },
        HookEvent::Stop => EventPayload::Stop {
            stop_hook_active: v
                .get("stop_hook_active")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_assistant_message: v
                .get("last_assistant_message")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        other => return Err(format!("event {other} has no conformance vectors")),
    };
    let mut request = HookRequest::new(context, payload);
    request.matcher_aliases = v
        .get("matcher_aliases")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if event == HookEvent::PermissionRequest {
        request.run_id_suffix = Some(str_field(v, "run_id_suffix", "call-1").to_owned());
    }
    Ok(request)
}

/// The `outcome` object of `expected`, for this event.
pub fn outcome_json(event: HookEvent, o: &EventOutcome) -> Value {
    match event {
        HookEvent::PreToolUse => {
            json!({"should_block": o.should_block, "block_reason": o.block_reason})
        }
        HookEvent::PermissionRequest => json!({"decision": match &o.permission {
            None => Value::Null,
            Some(PermissionDecision::Allow) => json!({"behavior": "allow"}),
            Some(PermissionDecision::Deny { message }) => json!({"behavior": "deny", "message": message}),
        }}),
        HookEvent::PostToolUse => json!({
            "should_stop": o.should_stop,
            "stop_reason": o.stop_reason,
            "additional_contexts": o.additional_contexts,
            "feedback_message": o.feedback_message,
        }),
        HookEvent::Stop | HookEvent::SubagentStop => json!({
            "should_stop": o.should_stop,
            "stop_reason": o.stop_reason,
            "should_block": o.should_block,
            "block_reason": o.block_reason,
            "continuation_fragments": o.continuation_fragments,
        }),
        _ => json!({
            "should_stop": o.should_stop,
            "stop_reason": o.stop_reason,
            "additional_contexts": o.additional_contexts,
        }),
    }
}

fn completed_run_json(summary: &HookRunSummary, turn_id: &str) -> Value {
    let mut v = serde_json::to_value(HookRunSummaryV1::from(summary)).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.shift_remove("started_at");
        m.shift_remove("completed_at");
        m.shift_remove("duration_ms");
        m.insert("turn_id".to_owned(), json!(turn_id));
    }
    v
}

/// Runs one vector and returns its `actual` value.
pub async fn run_vector(vector: &Vector) -> Result<Value, String> {
    let v = &vector.raw;
    let event = HookEvent::from_config_name(str_field(v, "event", ""))
        .ok_or_else(|| format!("{}: unknown event", vector.id))?;
    let tmp = tempfile::Builder::new()
        .prefix("hooktape-vector-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let dir_path = tmp.path().canonicalize().map_err(|e| e.to_string())?;
    let dir = dir_path.display().to_string();
    let handlers = v
        .get("handlers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, h) in handlers.iter().enumerate() {
        std::fs::write(
            dir_path.join(format!("h{i}.out")),
            bytes_field(h, "stdout")?,
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(
            dir_path.join(format!("h{i}.err")),
            bytes_field(h, "stderr")?,
        )
        .map_err(|e| e.to_string())?;
    }
    let hooks_json = str_field(v, "hooks_json", "").replace("<DIR>", &dir);
    let hooks_path = dir_path.join("hooks.json");
    std::fs::write(&hooks_path, hooks_json).map_err(|e| e.to_string())?;
    let toml_path = dir_path.join("config.toml");
    std::fs::write(&toml_path, "").map_err(|e| e.to_string())?;

    let input = DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: Vec::new(),
        layers: vec![ConfigLayer {
            source: crate::engine::summary::HookSource::User,
            json_files: vec![hooks_path],
            config_toml: Some(TomlSource::File(toml_path)),
            enabled: true,
        }],
    };
    let engine = Engine::discover(&input, RunnerConfig::default(), Arc::new(SystemClock));
    let request = request_for(v, event, &dir)?;
    let preview: Vec<Value> = engine
        .preview(&request)
        .iter()
        .map(|s| {
            json!({"id": s.id, "status": s.status, "display_order": s.display_order, "status_message": s.status_message})
        })
        .collect();
    let run = engine.run(&request).await;
    let runs: Vec<Value> = run
        .runs
        .iter()
        .map(|r| completed_run_json(&r.summary, &request.context.turn_id))
        .collect();
    let stdin_by_handler: Vec<Value> = (0..handlers.len())
        .map(|i| {
            std::fs::read(dir_path.join(format!("h{i}.stdin")))
                .map(|b| Value::String(String::from_utf8_lossy(&b).into_owned()))
                .unwrap_or(Value::Null)
        })
        .collect();
    let actual = json!({
        "warnings": engine.warnings(),
        "preview": preview,
        "runs": runs,
        "outcome": outcome_json(event, &run.outcome),
        "stdin_by_handler": stdin_by_handler,
    });
    // Placeholders: the temp dir and the session id, exactly as the vectors spell them.
    let text = actual
        .to_string()
        .replace(&dir, "<DIR>")
        .replace(SESSION_ID, "<SESSION_ID>");
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A readable account of where `actual` differs from `expected` (empty when equal).
pub fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into("", expected, actual, &mut out);
    out
}

fn diff_into(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: Vec<&String> = e
                .keys()
                .chain(a.keys().filter(|k| !e.contains_key(*k)))
                .collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (e.get(k), a.get(k)) {
                    (Some(ev), Some(av)) => diff_into(&p, ev, av, out),
                    (Some(ev), None) => out.push(format!("{p}: expected {ev}, missing")),
                    (None, Some(av)) => out.push(format!("{p}: unexpected {av}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_into(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// The `{"id": …, "actual": …}` line printed for one vector.
pub fn report_line(id: &str, actual: &Value) -> String {
    let mut m = Map::new();
    m.insert("id".to_owned(), json!(id));
    m.insert("actual".to_owned(), actual.clone());
    Value::Object(m).to_string()
}
