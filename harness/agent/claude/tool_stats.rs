//! A subagent's calls, counted as the `toolStats` of its Agent call's `tool_response`.

use serde_json::{json, Value};

/// A subagent's calls as an Agent call's `toolStats` counts them.
#[derive(Debug, Default)]
pub(super) struct ToolStats {
    read: usize,
    bash: usize,
    edit: usize,
    other: usize,
    lines_added: usize,
    lines_removed: usize,
}

impl ToolStats {
    /// Counts one response's calls. Lines count from the call as the model made it,
    /// refused or not (a refused Write of "KEY=1\n" adds 2, as observed).
    pub(super) fn count(&mut self, uses: &[(String, String, Value)]) {
        for (_, name, input) in uses {
            let lines = |key: &str| {
                input
                    .get(key)
                    .and_then(Value::as_str)
                    .map_or(0, |t| t.split('\n').count())
            };
            match name.as_str() {
                "Read" => self.read += 1,
                "Bash" => self.bash += 1,
                "Write" => {
                    self.edit += 1;
                    self.lines_added += lines("content");
                }
                "Edit" => {
                    self.edit += 1;
                    self.lines_added += lines("new_string");
                    self.lines_removed += lines("old_string");
                }
                _ => self.other += 1,
            }
        }
    }

    /// The calls made.
    pub(super) fn uses(&self) -> usize {
        self.read + self.bash + self.edit + self.other
    }

    /// `toolStats`, present once the subagent made a call.
    pub(super) fn json(&self) -> Option<Value> {
        (self.uses() > 0).then(|| {
            json!({
                "readCount": self.read,
                "searchCount": 0,
                "bashCount": self.bash,
                "editFileCount": self.edit,
                "linesAdded": self.lines_added,
                "linesRemoved": self.lines_removed,
                "otherToolCount": self.other,
            })
        })
    }
}
