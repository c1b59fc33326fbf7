//! The hooks files as the real CLI reads them in a crosscheck: every command handler wrapped
//! so that its stdin is kept (`tee -p -a FILE | eval 'COMMAND'`).

use std::path::Path;

use serde_json::Value;

use super::real::{io, Handler};
use super::CrosscheckError;

/// Wraps every command handler of `file` so that its stdin is appended to a capture file
/// (`tee -p -a FILE | eval 'COMMAND'`: the hook reads what tee passes on, its exit status
/// is the pipeline's); returns the file's `hooks` object as written.
pub(super) fn wrap_hooks_json(
    file: &Path,
    capture: &Path,
    handlers: &mut Vec<Handler>,
) -> Result<Wrapped, CrosscheckError> {
    let text = std::fs::read_to_string(file).map_err(|e| io(file, e))?;
    let Ok(mut doc) = serde_json::from_str::<Value>(&text) else {
        // Left as it is: the real CLI reports it as the mock does.
        return Ok(Wrapped::default());
    };
    let original = doc.get("hooks").cloned().unwrap_or(Value::Null);
    if let Some(hooks) = doc.get_mut("hooks") {
        wrap(hooks, capture, handlers);
    }
    let out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    std::fs::write(file, out).map_err(|e| io(file, e))?;
    Ok(Wrapped {
        hooks: doc.get("hooks").cloned().unwrap_or(Value::Null),
        original,
    })
}

/// A `hooks` object as the real CLI reads it (every command wrapped) and as written.
#[derive(Debug, Default)]
pub(super) struct Wrapped {
    pub(super) hooks: Value,
    pub(super) original: Value,
}

/// The same for the `[hooks]` table of a `config.toml`; `None`: it has none (or is not
/// TOML, which the real CLI then reports).
pub(super) fn wrap_config_toml(
    file: &Path,
    capture: &Path,
    handlers: &mut Vec<Handler>,
) -> Result<Option<Wrapped>, CrosscheckError> {
    let text = std::fs::read_to_string(file).map_err(|e| io(file, e))?;
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return Ok(None);
    };
    let Some(hooks) = table.get("hooks") else {
        return Ok(None);
    };
    let mut hooks = serde_json::to_value(hooks).unwrap_or(Value::Null);
    let original = hooks.clone();
    wrap(&mut hooks, capture, handlers);
    let Ok(back) = toml::Value::try_from(&hooks) else {
        return Ok(None);
    };
    table.insert("hooks".into(), back);
    let out = toml::to_string(&table)
        .map_err(|e| CrosscheckError::Real(format!("writing {}: {e}", file.display())))?;
    std::fs::write(file, out).map_err(|e| io(file, e))?;
    Ok(Some(Wrapped { hooks, original }))
}

/// Wraps the command handlers of one `hooks` object in place.
pub(super) fn wrap(hooks: &mut Value, capture: &Path, handlers: &mut Vec<Handler>) {
    if let Some(events) = hooks.as_object_mut() {
        for (event, groups) in events.iter_mut() {
            for group in groups.as_array_mut().into_iter().flatten() {
                for handler in group
                    .get_mut("hooks")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if handler.get("type").and_then(Value::as_str) != Some("command") {
                        continue;
                    }
                    let Some(command) = handler.get("command").and_then(Value::as_str) else {
                        continue;
                    };
                    // Codex skips a blank command; wrapped, it would not be blank.
                    if command.trim().is_empty() {
                        continue;
                    }
                    let path = capture.join(format!("{}.json", handlers.len()));
                    // `eval` of the command, single-quoted: whatever it is (empty, a
                    // comment, unbalanced), the shell parses it exactly as it would alone.
                    let wrapped = format!(
                        "tee -p -a '{}' | eval '{}'",
                        path.display(),
                        command.replace('\'', "'\\''")
                    );
                    handlers.push(Handler {
                        event: event.clone(),
                        command: command.to_owned(),
                        capture: path,
                        mcp: None,
                        is_async: handler.get("async") == Some(&Value::Bool(true)),
                    });
                    handler["command"] = Value::String(wrapped);
                }
            }
        }
    }
}
