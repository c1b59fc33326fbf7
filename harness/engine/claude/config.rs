//! Claude Code's settings files as its hook engine reads them: the `hooks` object of each
//! `settings.json` layer (user, project, local, `--settings`, managed), merged in that order,
//! none replacing another. A file that is not JSON, an unknown event name or a malformed
//! entry is skipped with a warning and loses nothing else (2.1.101, 2.1.122).

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::event::ClaudeEvent;
use super::matcher::ClaudeMatcher;

/// Where a settings file sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsSource {
    /// `~/.claude/settings.json`.
    User,
    /// `<project>/.claude/settings.json`.
    Project,
    /// `<project>/.claude/settings.local.json`.
    Local,
    /// `--settings FILE`.
    Flag,
    /// `managed-settings.json` (`/etc/claude-code/` on Linux).
    Managed,
    /// A plugin's `hooks/hooks.json` (`--plugin-dir`).
    Plugin,
}

impl SettingsSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SettingsSource::User => "user",
            SettingsSource::Project => "project",
            SettingsSource::Local => "local",
            SettingsSource::Flag => "flag",
            SettingsSource::Managed => "managed",
            SettingsSource::Plugin => "plugin",
        }
    }
}

/// One settings file to read: its layer, its path and its text (`None`: absent).
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub source: SettingsSource,
    pub path: PathBuf,
    pub text: Option<String>,
    /// The plugin the file belongs to (`source` is then [`SettingsSource::Plugin`]).
    pub plugin: Option<Plugin>,
}

/// A plugin loaded with `--plugin-dir`: its hooks run with `CLAUDE_PLUGIN_ROOT` (the folder
/// as given) and `CLAUDE_PLUGIN_DATA` (`~/.claude/plugins/data/<name>-inline`, which Claude
/// Code creates before any hook runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    pub name: String,
    pub root: PathBuf,
    pub data: PathBuf,
}

impl Plugin {
    /// Where a plugin folder's manifest is, relative to the folder.
    pub const MANIFEST: &'static str = ".claude-plugin/plugin.json";

    /// The plugin's name from its manifest's text: a JSON object with a string `name`
    /// (Claude Code names the plugin, and its data folder, by it). Pure.
    pub fn manifest_name(text: &str) -> Result<String, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        doc.get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "no string `name`".to_owned())
    }

    /// The variables a plugin's hooks get beside the others.
    pub fn env(&self) -> [(String, String); 2] {
        [
            (
                "CLAUDE_PLUGIN_ROOT".to_owned(),
                self.root.display().to_string(),
            ),
            (
                "CLAUDE_PLUGIN_DATA".to_owned(),
                self.data.display().to_string(),
            ),
        ]
    }
}

/// What a handler is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaudeHandlerKind {
    /// `sh -c <command>`.
    Command(String),
    /// `http`, `mcp_tool`, `prompt` or `agent`: read and listed; hooktape does not play them.
    Other(String),
}

/// One handler, where it was declared and what it says.
#[derive(Debug, Clone)]
pub struct ClaudeHandler {
    pub event: ClaudeEvent,
    pub source: SettingsSource,
    pub path: PathBuf,
    pub group: usize,
    pub index: usize,
    pub matcher_text: Option<String>,
    pub matcher: ClaudeMatcher,
    pub kind: ClaudeHandlerKind,
    /// Seconds; `None`: Claude Code's default (600).
    pub timeout: Option<u64>,
    pub is_async: bool,
    /// `asyncRewake`: in the background, and an exit 2 wakes the model once the turn ends.
    pub rewake: bool,
    /// The plugin that declared it.
    pub plugin: Option<Plugin>,
    /// The handler-level permission rule (`Bash(git *)`), tool events only.
    pub if_rule: Option<String>,
    pub status_message: Option<String>,
}

impl ClaudeHandler {
    /// The command, for `command` handlers.
    pub fn command(&self) -> Option<&str> {
        match &self.kind {
            ClaudeHandlerKind::Command(c) => Some(c),
            ClaudeHandlerKind::Other(_) => None,
        }
    }
}

/// Default handler timeout of Claude Code 2.1.197, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 600;

/// Every handler of every layer, in layer then declaration order, and the warnings.
#[derive(Debug, Clone, Default)]
pub struct ClaudeConfig {
    pub handlers: Vec<ClaudeHandler>,
    pub warnings: Vec<String>,
    /// `disableAllHooks: true` in the layer that decides: no hook runs.
    pub all_disabled: bool,
}

impl ClaudeConfig {
    /// Reads `files` (lowest precedence first: user, project, local, flag, managed).
    pub fn read(files: &[SettingsFile]) -> ClaudeConfig {
        let mut config = ClaudeConfig::default();
        let mut disable: Option<(SettingsSource, bool)> = None;
        let mut managed_only = false;
        let mut per_file = Vec::new();
        for file in files {
            let Some(text) = &file.text else { continue };
            let shown = file.path.display();
            let root: Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    config
                        .warnings
                        .push(format!("{shown}: not valid JSON, skipped: {e}"));
                    continue;
                }
            };
            let Some(root) = root.as_object() else {
                config
                    .warnings
                    .push(format!("{shown}: not a JSON object, skipped"));
                continue;
            };
            if let Some(Value::Bool(b)) = root.get("disableAllHooks") {
                // A later (higher) layer decides; non-managed layers cannot disable managed hooks.
                disable = Some((file.source, *b));
            }
            if file.source == SettingsSource::Managed
                && root.get("allowManagedHooksOnly") == Some(&Value::Bool(true))
            {
                managed_only = true;
            }
            let mut handlers = Vec::new();
            match root.get("hooks") {
                None => {}
                Some(Value::Object(events)) => {
                    read_events(file, events, &mut handlers, &mut config.warnings)
                }
                Some(_) => config
                    .warnings
                    .push(format!("{shown}: `hooks` is not an object, skipped")),
            }
            per_file.push((file.source, handlers));
        }
        for (source, handlers) in per_file {
            if managed_only && source != SettingsSource::Managed {
                continue;
            }
            config.handlers.extend(handlers);
        }
        if let Some((source, true)) = disable {
            config.all_disabled = true;
            if source != SettingsSource::Managed {
                config
                    .handlers
                    .retain(|h| h.source == SettingsSource::Managed);
                config.all_disabled = false;
                if config.handlers.is_empty() {
                    config.all_disabled = true;
                }
            }
        }
        config
    }

    /// The handlers declared for `event`, in order.
    pub fn for_event(&self, event: ClaudeEvent) -> impl Iterator<Item = &ClaudeHandler> {
        self.handlers.iter().filter(move |h| h.event == event)
    }
}

fn read_events(
    file: &SettingsFile,
    events: &Map<String, Value>,
    out: &mut Vec<ClaudeHandler>,
    warnings: &mut Vec<String>,
) {
    let shown = file.path.display();
    for (name, groups) in events {
        let Some(event) = ClaudeEvent::from_name(name) else {
            warnings.push(format!("{shown}: unknown hook event `{name}`, skipped"));
            continue;
        };
        let Some(groups) = groups.as_array() else {
            warnings.push(format!("{shown}: hooks.{name} is not an array, skipped"));
            continue;
        };
        for (g, group) in groups.iter().enumerate() {
            let Some(group) = group.as_object() else {
                warnings.push(format!(
                    "{shown}: hooks.{name}[{g}] is not an object, skipped"
                ));
                continue;
            };
            let matcher_text = match group.get("matcher") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    warnings.push(format!(
                        "{shown}: hooks.{name}[{g}].matcher is not a string ({other}), skipped"
                    ));
                    continue;
                }
            };
            // Events without matcher support ignore it.
            let effective = if event.matcher_field().is_some() {
                matcher_text.as_deref()
            } else {
                None
            };
            let matcher = match ClaudeMatcher::compile(effective) {
                Ok(m) => m,
                Err(e) => {
                    warnings.push(format!(
                        "{shown}: hooks.{name}[{g}].matcher is not a valid regex, its hooks never run: {e}"
                    ));
                    continue;
                }
            };
            let Some(handlers) = group.get("hooks").and_then(Value::as_array) else {
                warnings.push(format!(
                    "{shown}: hooks.{name}[{g}] has no `hooks` array, skipped"
                ));
                continue;
            };
            for (i, handler) in handlers.iter().enumerate() {
                match read_handler(handler) {
                    Ok(h) => out.push(ClaudeHandler {
                        event,
                        source: file.source,
                        path: file.path.clone(),
                        group: g,
                        index: i,
                        matcher_text: matcher_text.clone(),
                        matcher: matcher.clone(),
                        kind: h.kind,
                        timeout: h.timeout,
                        is_async: h.is_async,
                        rewake: h.rewake,
                        plugin: file.plugin.clone(),
                        if_rule: h.if_rule,
                        status_message: h.status_message,
                    }),
                    Err(why) => warnings.push(format!(
                        "{shown}: hooks.{name}[{g}].hooks[{i}] {why}, skipped"
                    )),
                }
            }
        }
    }
}

struct ReadHandler {
    kind: ClaudeHandlerKind,
    timeout: Option<u64>,
    is_async: bool,
    rewake: bool,
    if_rule: Option<String>,
    status_message: Option<String>,
}

fn read_handler(handler: &Value) -> Result<ReadHandler, String> {
    let Some(h) = handler.as_object() else {
        return Err("is not an object".to_owned());
    };
    let kind = match h.get("type").and_then(Value::as_str) {
        Some("command") => match h.get("command").and_then(Value::as_str) {
            Some(c) => ClaudeHandlerKind::Command(c.to_owned()),
            None => return Err("(`command`) has no `command` string".to_owned()),
        },
        Some(t @ ("http" | "mcp_tool" | "prompt" | "agent")) => {
            ClaudeHandlerKind::Other(t.to_owned())
        }
        Some(t) => return Err(format!("has unknown type `{t}`")),
        None => return Err("has no `type`".to_owned()),
    };
    let timeout = match h.get("timeout") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(t) if t > 0.0 => Some(t.ceil() as u64),
            _ => {
                return Err(format!(
                    "has a `timeout` that is not a positive number ({v})"
                ))
            }
        },
    };
    let flag = |key: &str| h.get(key).and_then(Value::as_bool).unwrap_or(false);
    Ok(ReadHandler {
        kind,
        timeout,
        is_async: flag("async") || flag("asyncRewake"),
        rewake: flag("asyncRewake"),
        if_rule: h.get("if").and_then(Value::as_str).map(str::to_owned),
        status_message: h
            .get("statusMessage")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_names_its_plugin_or_says_why_not() {
        assert_eq!(
            Plugin::manifest_name(r#"{"name": "house-rules", "version": "1.0.0"}"#),
            Ok("house-rules".to_owned())
        );
        assert_eq!(
            Plugin::manifest_name(r#"{"name": 3}"#),
            Err("no string `name`".to_owned())
        );
        assert_eq!(
            Plugin::manifest_name("[]"),
            Err("no string `name`".to_owned())
        );
        let err = Plugin::manifest_name("{name").unwrap_err();
        assert!(err.contains("line 1 column 2"), "{err}");
    }

    fn file(source: SettingsSource, text: &str) -> SettingsFile {
        SettingsFile {
            source,
            path: PathBuf::from(format!("/{}/settings.json", source.as_str())),
            text: Some(text.to_owned()),
            plugin: None,
        }
    }

    #[test]
    fn layers_merge_in_order_and_bad_parts_are_skipped_with_warnings() {
        let config = ClaudeConfig::read(&[
            file(
                SettingsSource::User,
                r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"u"}]}]}}"#,
            ),
            file(
                SettingsSource::Project,
                r#"{"hooks":{"PreToolUse":[{"matcher":"Write|Edit","hooks":[{"type":"command","command":"p","timeout":5},{"type":"cmd"}]}],"Bogus":[]}}"#,
            ),
            file(SettingsSource::Local, "{not json"),
        ]);
        let cmds: Vec<_> = config.handlers.iter().filter_map(|h| h.command()).collect();
        assert_eq!(cmds, ["u", "p"]);
        assert_eq!(config.handlers[1].timeout, Some(5));
        assert_eq!(config.warnings.len(), 3, "{:?}", config.warnings);
        assert!(
            config.warnings[0].contains("unknown type `cmd`")
                || config.warnings[0].contains("Bogus")
        );
    }

    #[test]
    fn disable_all_hooks_from_a_user_layer_spares_managed_hooks() {
        let config = ClaudeConfig::read(&[
            file(
                SettingsSource::User,
                r#"{"disableAllHooks":true,"hooks":{"Stop":[{"hooks":[{"type":"command","command":"u"}]}]}}"#,
            ),
            file(
                SettingsSource::Managed,
                r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"m"}]}]}}"#,
            ),
        ]);
        let cmds: Vec<_> = config.handlers.iter().filter_map(|h| h.command()).collect();
        assert_eq!(cmds, ["m"]);
        assert!(!config.all_disabled);
    }
}
