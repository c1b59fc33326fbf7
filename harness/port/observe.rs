//! What each hook run did in a played session, whichever the dialect, and what the
//! scenario declares (where each handler is, its keys, the scripts' text).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::agent::recording::{Recording, TimelineEntry};
use crate::engine::claude::ClaudeEvent;
use crate::engine::outcome::RunStatus;
use crate::engine::{Dialect, HookEvent};
use crate::scenario::{FileContent, LayerKind, LayerSource, Scenario};

/// What one hook run did, whichever the dialect.
#[derive(Debug, Clone)]
pub(super) struct Obs {
    pub(super) event: String,
    pub(super) command: String,
    pub(super) call: Option<String>,
    pub(super) tool_name: Option<String>,
    pub(super) input_keys: Vec<String>,
    pub(super) blocks: bool,
    /// In words: `blocks (exit 2): …`, `failed: …`, `exit code 0, decided nothing`.
    pub(super) what: String,
    /// The hook process's exit code, when it exited.
    pub(super) exit: Option<i32>,
}

/// Where each handler is declared, by command: `file: Event[group].hooks[index]`.
pub(super) fn declarations(scenario: &Scenario) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for layer in &scenario.layers {
        let (text, file) = match (&layer.source, layer.kind) {
            (LayerSource::SettingsJson(t), LayerKind::User) => (t, "~/.claude/settings.json"),
            (LayerSource::SettingsJson(t), LayerKind::Project) => (t, ".claude/settings.json"),
            (LayerSource::SettingsJson(t), LayerKind::Local) => (t, ".claude/settings.local.json"),
            (LayerSource::SettingsJson(t), _) => (t, "settings.json"),
            (LayerSource::HooksJson(t), LayerKind::User) => (t, "$CODEX_HOME/hooks.json"),
            (LayerSource::HooksJson(t), _) => (t, ".codex/hooks.json"),
            _ => continue,
        };
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let Some(events) = doc.get("hooks").and_then(Value::as_object) else {
            continue;
        };
        for (event, groups) in events {
            for (g, group) in groups.as_array().into_iter().flatten().enumerate() {
                let handlers = group.get("hooks").and_then(Value::as_array);
                for (i, h) in handlers.into_iter().flatten().enumerate() {
                    if let Some(cmd) = h.get("command").and_then(Value::as_str) {
                        out.entry(format!("{event} {cmd}"))
                            .or_insert_with(|| format!("{file}: {event}[{g}].hooks[{i}]"));
                    }
                }
            }
        }
    }
    out
}

/// Keys of each handler object, by `Event command`.
pub(super) fn handler_keys(scenario: &Scenario) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for layer in &scenario.layers {
        let (LayerSource::SettingsJson(text) | LayerSource::HooksJson(text)) = &layer.source else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        for (event, groups) in doc
            .get("hooks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for group in groups.as_array().into_iter().flatten() {
                for h in group
                    .get("hooks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(cmd), Some(obj)) =
                        (h.get("command").and_then(Value::as_str), h.as_object())
                    {
                        out.insert(format!("{event} {cmd}"), obj.keys().cloned().collect());
                    }
                }
            }
        }
    }
    out
}

/// The text of every workspace file a scenario writes or copies, for what hooks read.
pub(super) fn script_texts(scenario: &Scenario) -> String {
    let mut out = String::new();
    for f in &scenario.files {
        match &f.content {
            FileContent::Inline { text, .. } => out += text,
            FileContent::Copy(path) => {
                if let Ok(t) = std::fs::read_to_string(path) {
                    out += &t;
                }
            }
        }
    }
    out
}

fn stdin_info(stdin: &str) -> (Option<String>, Option<String>, Vec<String>) {
    let Ok(v) = serde_json::from_str::<Value>(stdin) else {
        return (None, None, Vec::new());
    };
    let call = v
        .get("tool_use_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let tool = v
        .get("tool_name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let keys = v
        .get("tool_input")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    (call, tool, keys)
}

/// Every hook run of a recording, either dialect.
pub(super) fn observations(rec: &Recording) -> Vec<Obs> {
    let mut out = Vec::new();
    for entry in &rec.timeline {
        match entry {
            TimelineEntry::ClaudeHooks(r) => {
                for run in &r.runs {
                    let (call, tool_name, input_keys) = stdin_info(&run.stdin);
                    let blocks = run.decision.as_deref().is_some_and(|d| {
                        ["blocks", "denies", "asks", "stops", "defers"]
                            .iter()
                            .any(|p| d.starts_with(p))
                    });
                    let what = match (&run.decision, &run.rejected) {
                        (_, Some(why)) => format!("refused output: {why}"),
                        (Some(d), None) => d.clone(),
                        (None, None) => format!("{}, decided nothing", run.exit),
                    };
                    out.push(Obs {
                        event: r.event.to_string(),
                        command: run.command.clone(),
                        call,
                        tool_name,
                        input_keys,
                        blocks,
                        what,
                        exit: run
                            .exit
                            .strip_prefix("exit code ")
                            .and_then(|c| c.parse().ok()),
                    });
                }
            }
            TimelineEntry::Hooks(r) => {
                for run in &r.runs {
                    let (call, tool_name, input_keys) = stdin_info(&run.stdin);
                    let entries: Vec<String> = r
                        .completed
                        .iter()
                        .find(|c| c.run.id == run.run_id)
                        .map(|c| {
                            c.run
                                .entries
                                .iter()
                                .map(|e| e.text.clone())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    let blocks = matches!(run.status, RunStatus::Blocked | RunStatus::Stopped);
                    let what = match run.status {
                        RunStatus::Completed if entries.is_empty() => {
                            "completed, decided nothing".to_owned()
                        }
                        status => format!("{}: {}", status.as_str(), entries.join("; ")),
                    };
                    out.push(Obs {
                        event: r.event.config_name().to_owned(),
                        command: run.command.clone(),
                        call,
                        tool_name,
                        input_keys,
                        blocks,
                        what,
                        exit: match run.exit {
                            crate::engine::outcome::HandlerExit::Code { code } => Some(code),
                            _ => None,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether `dialect` has an event of this name.
pub(super) fn has_event(dialect: Dialect, event: &str) -> bool {
    match dialect {
        Dialect::Claude => ClaudeEvent::from_name(event).is_some_and(ClaudeEvent::is_fired),
        _ => HookEvent::from_config_name(event).is_some(),
    }
}
