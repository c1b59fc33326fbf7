//! The JSON Schemas Codex publishes (`data/schemas/codex-4e30281/` and `codex-0.171/`, vendored in the repository), for the test binaries
//! that check payloads against them (include with
//! `#[path = "support/schemas.rs"] mod schemas;`).

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use hooktape::engine::HookEvent;
use serde_json::Value;

/// The published schema at `relative` (e.g. `app-server/HookStartedNotification.json`).
pub fn load(relative: &str) -> Result<Value, String> {
    load_from("codex-4e30281", relative)
}

/// The schema at `relative` of one published set (`codex-4e30281`, `codex-0.171`).
pub fn load_from(set: &str, relative: &str) -> Result<Value, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/schemas")
        .join(set)
        .join(relative);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A reference event's hook schema: `side` is `input` (stdin) or `output` (stdout).
pub fn hook(event: HookEvent, side: &str) -> Result<Value, String> {
    load(&format!(
        "hooks/{}.command.{side}.schema.json",
        event.run_id_label()
    ))
}

pub fn validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(schema).map_err(|e| format!("not a schema: {e}"))
}

/// Every way `instance` breaks `validator`, one line each (`… at /path`); empty = valid.
pub fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}
