//! The rollout transcript: one JSONL file per thread, `rollout-<thread>.jsonl`, appended as
//! the session goes: a `session_meta` line, `response_item` lines (history items, with
//! message ids), `event_msg` lines, and `compacted` lines carrying the replacement history.
//! Resume reads the history back from it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::error::AgentError;
use super::history::HistoryItem;

#[derive(Debug, Clone)]
pub struct Rollout {
    path: PathBuf,
}

impl Rollout {
    /// The rollout path of `thread_id` under `dir`.
    pub fn path_for(dir: &Path, thread_id: &str) -> PathBuf {
        dir.join(format!("rollout-{thread_id}.jsonl"))
    }

    /// Creates the file (and its directory) with the session meta line, so it exists
    /// before any hook runs. An existing rollout is never overwritten:
    /// [`AgentError::RolloutExists`].
    pub fn create(
        dir: &Path,
        thread_id: &str,
        meta: Value,
        timestamp: &str,
    ) -> Result<Rollout, AgentError> {
        std::fs::create_dir_all(dir).map_err(|e| AgentError::io(dir, e))?;
        let rollout = Rollout {
            path: Rollout::path_for(dir, thread_id),
        };
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&rollout.path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => AgentError::RolloutExists {
                    path: rollout.path.display().to_string(),
                    thread_id: thread_id.to_owned(),
                },
                _ => AgentError::io(&rollout.path, e),
            })?;
        rollout.append(timestamp, "session_meta", meta)?;
        Ok(rollout)
    }

    /// Opens an existing rollout (resume).
    pub fn open(path: PathBuf) -> Rollout {
        Rollout { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, timestamp: &str, kind: &str, payload: Value) -> Result<(), AgentError> {
        let line = json!({"timestamp": timestamp, "type": kind, "payload": payload});
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| AgentError::io(&self.path, e))?;
        write_line(&mut file, &line).map_err(|e| AgentError::io(&self.path, e))
    }

    pub fn item(&self, timestamp: &str, item: &HistoryItem) -> Result<(), AgentError> {
        self.append(timestamp, "response_item", item.to_wire(true))
    }

    pub fn event(&self, timestamp: &str, payload: Value) -> Result<(), AgentError> {
        self.append(timestamp, "event_msg", payload)
    }

    /// Every line, parsed.
    pub fn lines(&self) -> Result<Vec<Value>, AgentError> {
        let text =
            std::fs::read_to_string(&self.path).map_err(|e| AgentError::io(&self.path, e))?;
        jsonl(&self.path, &text)
    }

    /// The history the rollout holds: `response_item`s in order, a `compacted` line
    /// replacing everything before it with its `replacement_history`.
    pub fn read_history(&self) -> Result<Vec<HistoryItem>, AgentError> {
        let mut history = Vec::new();
        for (i, line) in self.lines()?.iter().enumerate() {
            let bad = |message: &str| AgentError::Transcript {
                path: self.path.display().to_string(),
                line: i + 1,
                message: message.to_owned(),
            };
            match line.get("type").and_then(Value::as_str) {
                Some("response_item") => {
                    let payload = line
                        .get("payload")
                        .ok_or_else(|| bad("response_item without payload"))?;
                    history.push(
                        HistoryItem::from_wire(payload)
                            .ok_or_else(|| bad("unknown response item"))?,
                    );
                }
                Some("compacted") => {
                    let items = line
                        .pointer("/payload/replacement_history")
                        .and_then(Value::as_array)
                        .ok_or_else(|| bad("compacted line without replacement_history"))?;
                    history = items
                        .iter()
                        .map(|v| {
                            HistoryItem::from_wire(v)
                                .ok_or_else(|| bad("unknown item in replacement_history"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                _ => {}
            }
        }
        Ok(history)
    }
}

/// RFC 3339 UTC text for Unix seconds (the rollout's `timestamp`).
pub use crate::engine::clock::rfc3339_utc as rfc3339;

/// Appends `value` and a newline in one `write`: a hook reading the file (an async one may
/// read while the agent writes) never sees half a line, and a line costs one syscall, not
/// one per formatter fragment as `writeln!` on a `File` does.
pub(crate) fn write_line(file: &mut std::fs::File, value: &Value) -> std::io::Result<()> {
    let mut bytes = value.to_string().into_bytes();
    bytes.push(b'\n');
    file.write_all(&bytes)
}

/// The lines of a JSONL file's `text` (blank lines skipped), each parsed; a bad line is an
/// error naming `path` and its line number.
pub(crate) fn jsonl(path: &std::path::Path, text: &str) -> Result<Vec<Value>, AgentError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| AgentError::Transcript {
                path: path.display().to_string(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{jsonl, rfc3339, write_line};
    use serde_json::json;

    #[test]
    fn formats_unix_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn write_line_appends_one_whole_line_per_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        let first = json!({"type": "a", "text": "line\nbreak \"quoted\""});
        let second = json!([1, {"b": null}]);
        write_line(&mut file, &first).unwrap();
        write_line(&mut file, &second).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches('\n').count(), 2, "{text}");
        assert!(text.ends_with('\n'));
        assert_eq!(jsonl(&path, &text).unwrap(), vec![first, second]);
    }
}
