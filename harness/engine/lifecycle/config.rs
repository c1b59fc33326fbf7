//! Lifecycle-dialect configuration: the `[hooks]` argv table of `config.toml` and the legacy
//! top-level `notify = [argv…]`.
//!
//! Unlike the codex dialect's discovery (where every problem is a warning), a bad lifecycle
//! `[hooks]` table is a config error, as it was for the branch: the table denies unknown
//! fields, so `turn_start = [...]` fails with a message naming `turn_start`. Errors carry the
//! file path and the line:column of the offending key or value.
//!
//! Layers: each enabled layer's `config.toml`, lowest precedence first, merged key by key (a
//! higher layer's value for a key replaces a lower one's, as Codex merges config tables;
//! arrays are replaced, not appended). JSON hooks files and managed requirements belong to the
//! codex dialect and are not read.

use std::path::Path;

use serde::Deserialize;

use crate::engine::config::{DiscoveryInput, TomlSource};
use crate::engine::summary::HookSource;

use super::event::LifecycleHookKey;

/// A lifecycle config error: where, and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleConfigError {
    #[error("{path}: cannot read config: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Bad TOML or a bad `[hooks]` / `notify` value; `line`/`column` are 1-based.
    #[error("{path}{}: {message}", location(*line, *column))]
    Parse {
        path: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

// ---- config.toml shapes ----

/// The top level of `config.toml` as the lifecycle dialect reads it; every other key of the
/// file is someone else's and is ignored.
#[derive(Debug, Default, Deserialize)]
struct LifecycleConfigToml {
    #[serde(default)]
    hooks: Option<LifecycleHooksToml>,
    #[serde(default)]
    notify: Option<Vec<String>>,
}

/// The top level as the codex dialect reads it for `notify` alone (its `[hooks]` is the
/// event table, read by [`crate::engine::config`]).
#[derive(Debug, Default, Deserialize)]
struct NotifyOnlyToml {
    #[serde(default)]
    notify: Option<Vec<String>>,
}

/// The lifecycle `[hooks]` table: one argv per event, nothing else.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleHooksToml {
    session_start: Option<Vec<String>>,
    user_prompt_submit: Option<Vec<String>>,
    pre_tool_use: Option<Vec<String>>,
    post_tool_use: Option<Vec<String>>,
    stop: Option<Vec<String>>,
    pre_compact: Option<Vec<String>>,
    session_end: Option<Vec<String>>,
    subagent_start: Option<Vec<String>>,
    subagent_stop: Option<Vec<String>>,
}

impl LifecycleHooksToml {
    fn take(&mut self, key: LifecycleHookKey) -> Option<Vec<String>> {
        match key {
            LifecycleHookKey::SessionStart => self.session_start.take(),
            LifecycleHookKey::UserPromptSubmit => self.user_prompt_submit.take(),
            LifecycleHookKey::PreToolUse => self.pre_tool_use.take(),
            LifecycleHookKey::PostToolUse => self.post_tool_use.take(),
            LifecycleHookKey::Stop => self.stop.take(),
            LifecycleHookKey::PreCompact => self.pre_compact.take(),
            LifecycleHookKey::SessionEnd => self.session_end.take(),
            LifecycleHookKey::SubagentStart => self.subagent_start.take(),
            LifecycleHookKey::SubagentStop => self.subagent_stop.take(),
        }
    }
}

// ---- domain ----

/// One registered lifecycle hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleHook {
    pub key: LifecycleHookKey,
    /// The command and its arguments, run directly (no shell); never empty, first element
    /// never empty.
    pub argv: Vec<String>,
    /// The `config.toml` that set this key (the highest layer that has it).
    pub source_path: String,
    pub source: HookSource,
    /// Position among the registered hooks, in [`LifecycleHookKey::ALL`] order, from 0.
    pub display_order: i64,
}

impl LifecycleHook {
    /// The hook's name in results and messages: its config key.
    pub fn name(&self) -> &'static str {
        self.key.as_str()
    }
}

/// The legacy `notify = [argv…]` hook (both dialects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyHook {
    /// The command and its arguments; the notification JSON is appended as the last one.
    pub argv: Vec<String>,
    pub source_path: String,
    pub source: HookSource,
}

/// Everything the lifecycle dialect configures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleConfig {
    /// Registered hooks, in display order (at most one per key).
    pub hooks: Vec<LifecycleHook>,
    pub notify: Option<NotifyHook>,
}

/// An argv registers a hook only when it is non-empty and its program is non-empty.
fn registers(argv: &[String]) -> bool {
    argv.first().is_some_and(|p| !p.is_empty())
}

impl LifecycleConfig {
    /// Reads the `config.toml` of every enabled layer of `input` (lowest precedence first),
    /// merging key by key. A missing file contributes nothing.
    pub fn discover(input: &DiscoveryInput) -> Result<Self, LifecycleConfigError> {
        let mut merged: Vec<(LifecycleHookKey, Vec<String>, String, HookSource)> = Vec::new();
        let mut notify: Option<NotifyHook> = None;
        for layer in input.layers.iter().filter(|l| l.enabled) {
            let Some(source) = &layer.config_toml else {
                continue;
            };
            let Some(text) = read_source(source)? else {
                continue;
            };
            let path = source.display_path();
            let mut file: LifecycleConfigToml = parse_toml(&path, &text)?;
            if let Some(hooks) = file.hooks.as_mut() {
                for key in LifecycleHookKey::ALL {
                    if let Some(argv) = hooks.take(key) {
                        merged.retain(|(k, ..)| *k != key);
                        merged.push((key, argv, path.clone(), layer.source));
                    }
                }
            }
            if let Some(argv) = file.notify.take() {
                notify = Some(NotifyHook {
                    argv,
                    source_path: path.clone(),
                    source: layer.source,
                });
            }
        }
        merged.sort_by_key(|(k, ..)| *k);
        let hooks = merged
            .into_iter()
            .filter(|(_, argv, ..)| registers(argv))
            .zip(0_i64..)
            .map(
                |((key, argv, source_path, source), display_order)| LifecycleHook {
                    key,
                    argv,
                    source_path,
                    source,
                    display_order,
                },
            )
            .collect();
        Ok(LifecycleConfig {
            hooks,
            notify: notify.filter(|n| registers(&n.argv)),
        })
    }

    /// One `config.toml` text as a single layer of `source`, named `path` in errors and run ids.
    pub fn from_toml_str(
        path: &str,
        text: &str,
        source: HookSource,
    ) -> Result<Self, LifecycleConfigError> {
        LifecycleConfig::discover(&DiscoveryInput {
            trust: Default::default(),
            plugins: Vec::new(),
            managed: Vec::new(),
            layers: vec![crate::engine::config::ConfigLayer {
                source,
                json_files: Vec::new(),
                config_toml: Some(TomlSource::Inline {
                    path: path.to_owned(),
                    text: text.to_owned(),
                }),
                enabled: true,
            }],
        })
    }

    /// The hook registered for `key`, if any.
    pub fn hook(&self, key: LifecycleHookKey) -> Option<&LifecycleHook> {
        self.hooks.iter().find(|h| h.key == key)
    }
}

/// The legacy `notify` hook for the codex dialect: the top-level `notify` of the enabled
/// layers' `config.toml` (highest layer wins); `[hooks]` is not looked at here.
pub fn discover_notify(input: &DiscoveryInput) -> Result<Option<NotifyHook>, LifecycleConfigError> {
    let mut notify = None;
    for layer in input.layers.iter().filter(|l| l.enabled) {
        let Some(source) = &layer.config_toml else {
            continue;
        };
        let Some(text) = read_source(source)? else {
            continue;
        };
        let path = source.display_path();
        let file: NotifyOnlyToml = parse_toml(&path, &text)?;
        if let Some(argv) = file.notify {
            notify = Some(NotifyHook {
                argv,
                source_path: path,
                source: layer.source,
            });
        }
    }
    Ok(notify.filter(|n| registers(&n.argv)))
}

fn read_source(source: &TomlSource) -> Result<Option<String>, LifecycleConfigError> {
    match source {
        TomlSource::Inline { text, .. } => Ok(Some(text.clone())),
        TomlSource::File(path) => read_file(path),
    }
}

fn read_file(path: &Path) -> Result<Option<String>, LifecycleConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LifecycleConfigError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
) -> Result<T, LifecycleConfigError> {
    toml::from_str(text).map_err(|err| {
        let (line, column) = match err.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        LifecycleConfigError::Parse {
            path: path.to_owned(),
            line,
            column,
            // toml puts details on further lines; keep the error on one line.
            message: err
                .message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\n[hooks]\nturn_start = []\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, text.find("turn_start").unwrap()), (3, 1));
        assert_eq!(line_col(text, text.find("[]").unwrap()), (3, 14));
    }

    #[test]
    fn every_key_registers_in_fixed_order() {
        let text = LifecycleHookKey::ALL
            .iter()
            .rev()
            .map(|k| format!("{k} = [\"hook\", \"{k}\"]\n"))
            .collect::<String>();
        let cfg = LifecycleConfig::from_toml_str(
            "/c.toml",
            &format!("[hooks]\n{text}"),
            HookSource::User,
        )
        .unwrap();
        let keys: Vec<_> = cfg.hooks.iter().map(|h| h.key).collect();
        assert_eq!(keys, LifecycleHookKey::ALL);
        for (i, h) in cfg.hooks.iter().enumerate() {
            assert_eq!(h.display_order, i as i64);
            assert_eq!(h.argv, ["hook", h.name()]);
        }
    }
}
