//! What crosscheck compares, taken from either backend's run and made comparable (pure):
//! hook stdin payloads per handler, run statuses and entries per run id, what each model
//! request carried (hook contexts, `<hook_prompt>` fragments, tool outputs and rejection
//! texts), and warnings. Ids, paths and times are normalised; runs are grouped by run id,
//! so hooks that ran concurrently compare equal whatever order they finished in.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

/// One backend's side of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aspects {
    /// `Event `command``, then each payload (pretty JSON, wire key order) in run order.
    pub payloads: BTreeMap<String, Vec<String>>,
    /// Run id → `status` and entries of each of its completed runs, in order.
    pub runs: BTreeMap<String, Vec<String>>,
    /// Each model request's items, framework items (base instructions, environment and
    /// permission blocks) left out.
    pub requests: Vec<Vec<String>>,
    /// The conversation as the rollout persisted it: each `response_item` in order, framework
    /// items left out as for requests.
    pub rollout: Vec<String>,
    /// Warnings the agent surfaced.
    pub warnings: Vec<String>,
}

impl Aspects {
    /// Every aspect as text, for a reader (`crosscheck --keep`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (key, payloads) in &self.payloads {
            out += &format!("== payloads {key}\n");
            for p in payloads {
                out += p;
                out.push('\n');
            }
        }
        for (id, runs) in &self.runs {
            for run in runs {
                out += &format!("== run {id}: {run}\n");
            }
        }
        for (i, request) in self.requests.iter().enumerate() {
            out += &format!("== model request #{}\n", i + 1);
            for line in request {
                out += line;
                out.push('\n');
            }
        }
        out += "== rollout items\n";
        for line in &self.rollout {
            out += line;
            out.push('\n');
        }
        for w in &self.warnings {
            out += &format!("== warning: {w}\n");
        }
        out
    }
}

/// One aspect that differs: its name and both sides as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub aspect: String,
    pub mock: String,
    pub real: String,
}

/// Texts that differ from run to run on the real CLI (tool-output wrapper fields).
pub fn volatile(text: &str) -> String {
    static PATTERNS: std::sync::OnceLock<Vec<(Regex, &'static str)>> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r"Chunk ID: [0-9a-f]+", "Chunk ID: <ID>"),
            (r"Wall time: [0-9.]+ seconds", "Wall time: <DURATION>"),
            (r"Original token count: [0-9]+", "Original token count: <N>"),
            // A spilled hook text's file is named by a random UUID (spec §4).
            (
                r"hook_outputs/([^/\s]+)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.txt",
                "hook_outputs/$1/<UUID>.txt",
            ),
        ]
        .into_iter()
        // Constant, valid patterns.
        .filter_map(|(p, r)| Regex::new(p).ok().map(|re| (re, r)))
        .collect()
    });
    let mut out = text.to_owned();
    for (re, replacement) in patterns {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out
}

/// Whether a request line is the agent's own framing rather than something a hook or the
/// script put there: base instructions, environment context, permission and skills blocks.
pub fn is_framework(line: &str) -> bool {
    let Some((role, text)) = line.split_once(": ") else {
        return false;
    };
    match role {
        "developer" => text.starts_with("You are ") || text.starts_with('<'),
        "user" => text.starts_with('<') && !text.starts_with("<hook_prompt"),
        _ => false,
    }
}

/// The rollout's `response_item`s as compact lines (framework items left out), each line
/// through `text` first.
pub fn rollout_items(lines: &[Value], text: &dyn Fn(&str) -> String) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.get("type").and_then(Value::as_str) == Some("response_item"))
        .filter_map(|l| l.get("payload"))
        .map(|item| volatile(&text(&crate::agent::history::compact_line(item))))
        .filter(|l| !is_framework(l))
        .collect()
}

/// Pretty JSON of a payload, keys in wire order.
pub fn payload_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// One completed run summary (v2 wire form) as `status` plus its entries.
pub fn run_text(run: &Value) -> String {
    let status = run.get("status").and_then(Value::as_str).unwrap_or("?");
    let entries: Vec<String> = run
        .get("entries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}: {}",
                e.get("kind").and_then(Value::as_str).unwrap_or("?"),
                e.get("text").and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    if entries.is_empty() {
        status.to_owned()
    } else {
        format!("{status} ({})", entries.join("; "))
    }
}

/// Every aspect where `mock` and `real` differ.
pub fn compare(mock: &Aspects, real: &Aspects) -> Vec<Difference> {
    let mut out = Vec::new();
    // Hooks of parallel tool calls run concurrently in the real CLI: a handler's payloads
    // are compared as a set, in a fixed order.
    let in_order = |m: &BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
        m.iter()
            .map(|(k, v)| {
                let mut v = v.clone();
                v.sort();
                (k.clone(), v)
            })
            .collect()
    };
    keyed(
        &mut out,
        "payloads",
        &in_order(&mock.payloads),
        &in_order(&real.payloads),
    );
    keyed(&mut out, "run", &mock.runs, &real.runs);
    let n = mock.requests.len().max(real.requests.len());
    for i in 0..n {
        let a = mock.requests.get(i).map(|r| r.join("\n"));
        let b = real.requests.get(i).map(|r| r.join("\n"));
        if a != b {
            out.push(Difference {
                aspect: format!("model request #{}", i + 1),
                mock: a.unwrap_or_else(|| "(not sent)".to_owned()),
                real: b.unwrap_or_else(|| "(not sent)".to_owned()),
            });
        }
    }
    if mock.rollout != real.rollout {
        out.push(Difference {
            aspect: "rollout items".to_owned(),
            mock: mock.rollout.join("\n"),
            real: real.rollout.join("\n"),
        });
    }
    // Crosscheck rewrites each hooks file (to capture stdin), so a parse error's position
    // in it is the rewritten file's.
    let positionless = |ws: &[String]| -> Vec<String> {
        static AT: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
        let at = AT.get_or_init(|| regex::Regex::new(r" at line \d+ column \d+").ok());
        ws.iter()
            .map(|w| match at {
                Some(re) => re.replace_all(w, " at line <N> column <N>").into_owned(),
                None => w.clone(),
            })
            .collect()
    };
    if positionless(&mock.warnings) != positionless(&real.warnings) {
        out.push(Difference {
            aspect: "warnings".to_owned(),
            mock: mock.warnings.join("\n"),
            real: real.warnings.join("\n"),
        });
    }
    out
}

fn keyed(
    out: &mut Vec<Difference>,
    what: &str,
    mock: &BTreeMap<String, Vec<String>>,
    real: &BTreeMap<String, Vec<String>>,
) {
    let keys: std::collections::BTreeSet<&String> = mock.keys().chain(real.keys()).collect();
    for key in keys {
        let a = mock.get(key);
        let b = real.get(key);
        if a != b {
            let show = |v: Option<&Vec<String>>| match v {
                None => "(never ran)".to_owned(),
                Some(items) => items.join("\n"),
            };
            out.push(Difference {
                aspect: format!("{what} {key}"),
                mock: show(a),
                real: show(b),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_lines_are_told_from_hook_lines() {
        assert!(is_framework("developer: You are Codex, a coding agent"));
        assert!(is_framework("developer: <permissions instructions>x"));
        assert!(is_framework("user: <environment_context>\n  <cwd>/x</cwd>"));
        assert!(!is_framework("developer: ctx from ups"));
        assert!(!is_framework(
            "user: <hook_prompt hook_run_id=\"stop:0:x\">keep going</hook_prompt>"
        ));
        assert!(!is_framework("function_call_output(call-1): ok"));
    }

    #[test]
    fn a_status_difference_names_the_run_and_both_texts() {
        let mut mock = Aspects::default();
        let mut real = Aspects::default();
        mock.runs
            .insert("post-tool-use:0:x".into(), vec!["completed".into()]);
        real.runs.insert(
            "post-tool-use:0:x".into(),
            vec!["blocked (feedback: no)".into()],
        );
        let d = compare(&mock, &real);
        assert_eq!(
            d,
            [Difference {
                aspect: "run post-tool-use:0:x".into(),
                mock: "completed".into(),
                real: "blocked (feedback: no)".into()
            }]
        );
    }

    #[test]
    fn volatile_wrapper_fields_are_normalised() {
        assert_eq!(
            volatile("Chunk ID: 55af77\nWall time: 0.0012 seconds\nOriginal token count: 2\n"),
            "Chunk ID: <ID>\nWall time: <DURATION>\nOriginal token count: <N>\n"
        );
    }
}
