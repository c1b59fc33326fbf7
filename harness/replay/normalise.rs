//! Normalisation, done on the recording's data (a `serde_json::Value` tree), not on the
//! rendered text: workspace paths become placeholders (`<PROJECT>`, `<HOME>`, ...), loopback
//! server addresses become `<MODEL_SERVER>`-style placeholders, and every time and duration
//! field becomes `<TIME>` / `<DURATION>`. What remains is byte-identical from run to run.

use std::path::PathBuf;

use regex::Regex;
use serde_json::Value;

/// Keys whose values are wall-clock times.
const TIME_KEYS: [&str; 8] = [
    "started_at",
    "completed_at",
    "startedAt",
    "completedAt",
    "triggered_at",
    "triggeredAt",
    "timestamp",
    "created_at",
];
/// Keys whose values are measured durations.
const DURATION_KEYS: [&str; 3] = ["duration_ms", "durationMs", "elapsed_ms"];

/// What to replace, built from one workspace.
#[derive(Debug, Clone)]
pub struct Normaliser {
    /// (prefix, placeholder), most specific first.
    paths: Vec<(String, &'static str)>,
    loopback: Regex,
}

impl Normaliser {
    /// `paths`: workspace prefixes and their placeholders, most specific first.
    pub fn new(paths: Vec<(PathBuf, &'static str)>) -> Self {
        let mut paths: Vec<(String, &'static str)> = paths
            .into_iter()
            .map(|(p, ph)| (p.display().to_string(), ph))
            .filter(|(p, _)| !p.is_empty())
            .collect();
        // Longest first, so `<CODEX_HOME>` wins over `<HOME>` whatever the caller's order.
        paths.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Normaliser {
            paths,
            // A constant, valid pattern: this cannot fail.
            loopback: Regex::new(r"(?:127\.0\.0\.1|localhost|\[::1\]):\d+")
                .expect("constant regex"),
        }
    }

    /// Replaces paths and loopback addresses in one string.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (prefix, placeholder) in &self.paths {
            if out.contains(prefix.as_str()) {
                out = out.replace(prefix.as_str(), placeholder);
            }
        }
        self.loopback.replace_all(&out, "<LOOPBACK>").into_owned()
    }

    /// Normalises a whole value tree in place.
    pub fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if v.is_null() {
                        continue;
                    }
                    if TIME_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<TIME>".to_owned());
                    } else if DURATION_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<DURATION>".to_owned());
                    } else {
                        self.value(v);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_paths_times_durations_and_ports() {
        let n = Normaliser::new(vec![
            (PathBuf::from("/tmp/ws"), "<WORKSPACE>"),
            (PathBuf::from("/tmp/ws/home"), "<HOME>"),
            (PathBuf::from("/tmp/ws/home/.codex"), "<CODEX_HOME>"),
        ]);
        let mut v = json!({
            "cwd": "/tmp/ws/project",
            "stdin": "{\"transcript_path\":\"/tmp/ws/home/.codex/sessions/x.jsonl\"}",
            "run": {"startedAt": 17, "durationMs": 3, "completedAt": null},
            "url": "http://127.0.0.1:41234/v1",
            "h": "/tmp/ws/home/file",
        });
        n.value(&mut v);
        assert_eq!(
            v,
            json!({
                "cwd": "<WORKSPACE>/project",
                "stdin": "{\"transcript_path\":\"<CODEX_HOME>/sessions/x.jsonl\"}",
                "run": {"startedAt": "<TIME>", "durationMs": "<DURATION>", "completedAt": null},
                "url": "http://<LOOPBACK>/v1",
                "h": "<HOME>/file",
            })
        );
    }
}
