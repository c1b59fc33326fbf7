//! Discovery: reads `hooks.json` and `[hooks]` in `config.toml` for each config layer, and the
//! managed requirements' `[hooks]`, into an ordered list of handlers plus warnings whose texts
//! are those of the reference engine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::dialect::Dialect;
use super::event::{HookEvent, MatcherInput};
use super::matcher::Matcher;
use super::summary::HookSource;
use super::trust;

pub const DEFAULT_TIMEOUT_SECS: u64 = 600;

// ---- config file shapes (names matter: serde quotes them in error messages) ----

#[derive(Debug, Default, Deserialize)]
struct HooksFile {
    #[serde(default)]
    hooks: HookEventsToml,
}

/// `hooks.json` as Codex 0.171 reads it: `description` and `hooks` only; any other top-level
/// key drops the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HooksFile0171 {
    #[serde(default)]
    #[allow(dead_code)] // read to be allowed, never used
    description: Option<String>,
    #[serde(default)]
    hooks: HookEventsToml,
}

/// The events table of `hooks.json`, `[hooks]` in config.toml and managed requirements.
/// Unknown events and extra keys are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct HookEventsToml {
    #[serde(rename = "PreToolUse", default)]
    pre_tool_use: Vec<MatcherGroup>,
    #[serde(rename = "PermissionRequest", default)]
    permission_request: Vec<MatcherGroup>,
    #[serde(rename = "PostToolUse", default)]
    post_tool_use: Vec<MatcherGroup>,
    #[serde(rename = "SessionStart", default)]
    session_start: Vec<MatcherGroup>,
    #[serde(rename = "UserPromptSubmit", default)]
    user_prompt_submit: Vec<MatcherGroup>,
    #[serde(rename = "Stop", default)]
    stop: Vec<MatcherGroup>,
    #[serde(rename = "PreCompact", default)]
    pre_compact: Vec<MatcherGroup>,
    #[serde(rename = "PostCompact", default)]
    post_compact: Vec<MatcherGroup>,
    #[serde(rename = "SubagentStart", default)]
    subagent_start: Vec<MatcherGroup>,
    #[serde(rename = "SubagentStop", default)]
    subagent_stop: Vec<MatcherGroup>,
    #[serde(rename = "SessionEnd", default)]
    session_end: Vec<MatcherGroup>,
    /// Codex 0.171 only (4e30281's discovery never reads these two).
    #[serde(rename = "PreModelRequest", default)]
    pre_model_request: Vec<MatcherGroup>,
    #[serde(rename = "PostModelRequest", default)]
    post_model_request: Vec<MatcherGroup>,
    #[serde(rename = "Interrupt", default)]
    interrupt: Vec<MatcherGroup>,
}

impl HookEventsToml {
    fn groups(&self, event: HookEvent) -> &[MatcherGroup] {
        match event {
            HookEvent::PreToolUse => &self.pre_tool_use,
            HookEvent::PermissionRequest => &self.permission_request,
            HookEvent::PostToolUse => &self.post_tool_use,
            HookEvent::SessionStart => &self.session_start,
            HookEvent::UserPromptSubmit => &self.user_prompt_submit,
            HookEvent::Stop => &self.stop,
            HookEvent::PreCompact => &self.pre_compact,
            HookEvent::PostCompact => &self.post_compact,
            HookEvent::SubagentStart => &self.subagent_start,
            HookEvent::SubagentStop => &self.subagent_stop,
            HookEvent::SessionEnd => &self.session_end,
            HookEvent::PreModelRequest => &self.pre_model_request,
            HookEvent::PostModelRequest => &self.post_model_request,
            HookEvent::Interrupt => &self.interrupt,
        }
    }

    fn is_empty(&self) -> bool {
        HookEvent::EVERY.iter().all(|e| self.groups(*e).is_empty())
    }
}

#[derive(Debug, Deserialize)]
struct MatcherGroup {
    #[serde(default)]
    matcher: Option<String>,
    #[serde(default)]
    hooks: Vec<HookHandlerConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum HookHandlerConfig {
    #[serde(rename = "command")]
    Command {
        command: String,
        #[serde(default, rename = "timeout")]
        timeout_sec: Option<u64>,
        #[serde(default, rename = "async")]
        is_async: bool,
        #[serde(default, rename = "statusMessage")]
        status_message: Option<String>,
        /// 0.171's per-handler spill limit (spec §4); also part of the trust hash.
        #[serde(default, rename = "additionalContextLimit")]
        additional_context_limit: Option<u64>,
    },
    /// Codex 0.171 (spec §3.2): calls `tool` on the session's MCP server `server`.
    #[serde(rename = "mcp_tool")]
    McpTool {
        server: String,
        tool: String,
        #[serde(default, deserialize_with = "toml_representable")]
        input: Option<serde_json::Map<String, serde_json::Value>>,
        #[serde(default, rename = "timeout")]
        timeout_sec: Option<u64>,
        #[serde(default, rename = "statusMessage")]
        status_message: Option<String>,
    },
    #[serde(rename = "prompt")]
    Prompt {},
    #[serde(rename = "agent")]
    Agent {},
}

/// The handler types 4e30281 knows, read only to reject `mcp_tool` as 4e30281 does.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum HookHandlerType4e30281 {
    #[serde(rename = "command")]
    Command {},
    #[serde(rename = "prompt")]
    Prompt {},
    #[serde(rename = "agent")]
    Agent {},
}

#[derive(Debug, Deserialize)]
struct HooksFile4e30281 {
    #[serde(default)]
    #[allow(dead_code)] // read for its error only
    hooks: BTreeMap<String, Vec<MatcherGroup4e30281>>,
}

#[derive(Debug, Deserialize)]
struct MatcherGroup4e30281 {
    #[serde(default)]
    #[allow(dead_code)] // read for its error only
    hooks: Vec<HookHandlerType4e30281>,
}

/// An MCP hook's `input` must be an object TOML can hold: no `null` anywhere (spec §3.2).
fn toml_representable<'de, D>(
    de: D,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    fn has_null(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Null => true,
            serde_json::Value::Array(a) => a.iter().any(has_null),
            serde_json::Value::Object(o) => o.values().any(has_null),
            _ => false,
        }
    }
    let input = Option::<serde_json::Map<String, serde_json::Value>>::deserialize(de)?;
    if input.as_ref().is_some_and(|m| m.values().any(has_null)) {
        return Err(serde::de::Error::custom(
            "MCP hook input must be representable as TOML",
        ));
    }
    Ok(input)
}

/// Managed requirements' `[hooks]`: the managed dirs plus the event arrays flattened in.
#[derive(Debug, Default, Deserialize)]
struct ManagedHooksToml {
    #[serde(default)]
    managed_dir: Option<PathBuf>,
    #[serde(default)]
    windows_managed_dir: Option<PathBuf>,
    #[serde(flatten)]
    events: HookEventsToml,
}

mod sources;
mod trust_state;

use trust_state::{hooks_state, StateEntry};
pub use trust_state::{HookTrust, SkippedHandler, TrustStatus, BYPASS_WARNING};

// ---- discovery input ----

/// Where a layer's `config.toml` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TomlSource {
    /// A file on disk (it may not exist).
    File(PathBuf),
    /// Inline text under a synthetic path, e.g. `/<session-flags>/config.toml`.
    Inline { path: String, text: String },
}

impl TomlSource {
    /// How the source is named in warnings, errors and run ids.
    pub fn display_path(&self) -> String {
        match self {
            TomlSource::File(p) => p.display().to_string(),
            TomlSource::Inline { path, .. } => path.clone(),
        }
    }
}

/// One config layer, lowest precedence first in [`DiscoveryInput::layers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLayer {
    pub source: HookSource,
    /// JSON hooks files of the layer, read in order: `hooks.json` in the layer folder, or a
    /// Claude Code `settings.json` (same shape; its other keys are ignored).
    pub json_files: Vec<PathBuf>,
    pub config_toml: Option<TomlSource>,
    /// A disabled layer (an untrusted project) loads nothing and warns nothing.
    pub enabled: bool,
}

/// Managed requirements (requirements.toml / MDM) carrying a `[hooks]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedRequirements {
    /// How the source is named in warnings (e.g. the requirements file path).
    pub name: String,
    pub source: HookSource,
    /// The full requirements TOML text.
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryInput {
    pub managed: Vec<ManagedRequirements>,
    pub layers: Vec<ConfigLayer>,
    /// How Codex 0.171's hook trust applies (ignored by the other dialects).
    pub trust: HookTrust,
    /// Codex 0.171: the enabled plugins whose hooks load after the config layers.
    pub plugins: Vec<PluginHooks>,
}

/// One enabled plugin, as discovery needs it (spec §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginHooks {
    /// `<plugin>@<marketplace>`.
    pub id: String,
    /// The plugin's folder (`PLUGIN_ROOT`); its hooks are `hooks/hooks.json` there.
    pub root: PathBuf,
    /// `<CODEX_HOME>/plugins/data/<plugin>-<marketplace>` (`PLUGIN_DATA`).
    pub data: PathBuf,
}

/// What a plugin's handler carries beyond a command handler's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginContext {
    /// `<plugin>@<marketplace>`, the start of its trust key.
    pub id: String,
    /// `PLUGIN_ROOT`, `CLAUDE_PLUGIN_ROOT`, `PLUGIN_DATA`, `CLAUDE_PLUGIN_DATA`.
    pub env: Vec<(String, String)>,
}

impl PluginHooks {
    /// The four variables Codex gives a plugin's hooks, and substitutes as `${NAME}`.
    pub fn env(&self) -> Vec<(String, String)> {
        let root = self.root.display().to_string();
        let data = self.data.display().to_string();
        vec![
            ("PLUGIN_ROOT".to_owned(), root.clone()),
            ("CLAUDE_PLUGIN_ROOT".to_owned(), root),
            ("PLUGIN_DATA".to_owned(), data.clone()),
            ("CLAUDE_PLUGIN_DATA".to_owned(), data),
        ]
    }
}

/// `${NAME}` of exactly the plugin variables replaced in `command`; anything else stays for
/// the shell (spec §5).
pub fn substitute_plugin_vars(command: &str, env: &[(String, String)]) -> String {
    env.iter().fold(command.to_owned(), |c, (name, value)| {
        c.replace(&format!("${{{name}}}"), value)
    })
}

impl DiscoveryInput {
    /// One enabled layer of `source` whose only hooks file is the JSON file at `path` (no
    /// config.toml, no managed requirements): what a single hook run needs.
    pub fn single_json(source: HookSource, path: PathBuf) -> Self {
        DiscoveryInput {
            trust: Default::default(),
            plugins: Vec::new(),
            managed: Vec::new(),
            layers: vec![ConfigLayer {
                source,
                json_files: vec![path],
                config_toml: None,
                enabled: true,
            }],
        }
    }
}

/// One runnable handler, as discovered.
#[derive(Debug, Clone)]
pub struct ConfiguredHandler {
    pub event: HookEvent,
    pub matcher: Matcher,
    pub matcher_text: Option<String>,
    pub command: String,
    pub timeout_secs: u64,
    pub status_message: Option<String>,
    pub source_path: String,
    pub source: HookSource,
    pub display_order: i64,
    pub is_managed: bool,
    /// `async: true` (Codex 0.171): runs in the background, no notifications, no control
    /// effect; contexts and system messages are delivered at the next boundary.
    pub is_async: bool,
    /// An `mcp_tool` handler's call (then `command` is only its label, `mcp_tool server/tool`).
    pub mcp: Option<McpTarget>,
    /// A plugin's handler: its environment (and `command` has its `${VAR}`s substituted).
    pub plugin: Option<PluginContext>,
    /// Codex 0.171's `additionalContextLimit` in tokens (2500 when absent, 0: never spill);
    /// `None` where the event cannot add context or the dialect does not spill.
    pub context_limit: Option<u64>,
}

/// What an `mcp_tool` handler calls (spec §3.2).
#[derive(Debug, Clone, PartialEq)]
pub struct McpTarget {
    pub server: String,
    pub tool: String,
    /// The arguments template (`{}` when absent); `${a.b}` strings take stdin values.
    pub input: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub handlers: Vec<ConfiguredHandler>,
    pub warnings: Vec<String>,
    /// Handlers hook trust keeps from running (the `codex` dialect only).
    pub skipped: Vec<SkippedHandler>,
    /// 0.171: the session cannot start (`failed to load required managed hooks: …`).
    pub start_error: Option<String>,
}

/// Runs discovery as Codex at 4e30281 does (the conformance vectors' engine).
pub fn discover(input: &DiscoveryInput) -> Discovered {
    discover_as(input, Dialect::Codex4e30281)
}

/// The order events are discovered in, which gives the display order: 4e30281's, or
/// 0.171's (`hooks/list` order, spec/codex-current.md §5).
pub fn event_order(dialect: Dialect) -> &'static [HookEvent] {
    const CURRENT: [HookEvent; 14] = [
        HookEvent::PreModelRequest,
        HookEvent::PostModelRequest,
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::PreCompact,
        HookEvent::PostCompact,
        HookEvent::SessionStart,
        HookEvent::SessionEnd,
        HookEvent::UserPromptSubmit,
        HookEvent::SubagentStart,
        HookEvent::SubagentStop,
        HookEvent::Stop,
        HookEvent::Interrupt,
    ];
    if dialect.is_current() {
        &CURRENT
    } else {
        &HookEvent::ALL
    }
}

/// Runs discovery as `dialect`'s Codex does. Never fails: every problem becomes a warning,
/// as in the reference engine.
pub fn discover_as(input: &DiscoveryInput, dialect: Dialect) -> Discovered {
    let mut d = Discovery {
        dialect,
        trust: input.trust,
        state: hooks_state(input),
        ..Discovery::default()
    };
    if !hooks_feature_enabled(input) {
        return Discovered::default();
    }
    if dialect.is_current() && input.trust == HookTrust::Bypass {
        d.warnings.push(BYPASS_WARNING.to_owned());
    }
    for managed in &input.managed {
        d.managed(managed);
    }
    // 0.171: requirements may allow managed hooks only (spec §5).
    let managed_only = dialect.is_current() && input.managed.iter().any(allows_managed_only);
    if !managed_only {
        for layer in input.layers.iter().filter(|l| l.enabled) {
            d.layer(layer);
        }
        if dialect.is_current() {
            for plugin in &input.plugins {
                d.plugin(plugin);
            }
        }
    }
    Discovered {
        handlers: d.handlers,
        warnings: d.warnings,
        skipped: d.skipped,
        start_error: (!d.managed_errors.is_empty()).then(|| {
            format!(
                "failed to load required managed hooks: {}",
                d.managed_errors.join("; ")
            )
        }),
    }
}

/// `allow_managed_hooks_only = true` in managed requirements (top level or in `[hooks]`).
fn allows_managed_only(req: &ManagedRequirements) -> bool {
    let Ok(table) = req.text.parse::<toml::Table>() else {
        return false;
    };
    let flag = |t: &toml::Table| {
        t.get("allow_managed_hooks_only")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false)
    };
    flag(&table)
        || table
            .get("hooks")
            .and_then(toml::Value::as_table)
            .is_some_and(flag)
}

/// `[features] codex_hooks` (or its later name `hooks`), highest-precedence layer wins;
/// default on.
fn hooks_feature_enabled(input: &DiscoveryInput) -> bool {
    let mut enabled = true;
    for layer in input.layers.iter().filter(|l| l.enabled) {
        let Some(text) = layer.config_toml.as_ref().and_then(read_toml_text) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        let features = value.get("features").and_then(toml::Value::as_table);
        if let Some(flag) = features.and_then(|f| f.get("codex_hooks").or_else(|| f.get("hooks"))) {
            if let Some(b) = flag.as_bool() {
                enabled = b;
            }
        }
    }
    enabled
}

fn read_toml_text(source: &TomlSource) -> Option<String> {
    match source {
        TomlSource::File(path) => std::fs::read_to_string(path).ok(),
        TomlSource::Inline { text, .. } => Some(text.clone()),
    }
}

#[derive(Default)]
struct Discovery {
    dialect: Dialect,
    trust: HookTrust,
    state: BTreeMap<String, StateEntry>,
    handlers: Vec<ConfiguredHandler>,
    warnings: Vec<String>,
    skipped: Vec<SkippedHandler>,
    next_order: i64,
    /// The plugin whose hooks are being read.
    plugin: Option<PluginHooks>,
    /// 0.171: why managed handlers that must load could not (the session cannot start).
    managed_errors: Vec<String>,
}

impl Discovery {
    /// A handler or group that cannot load: a warning, except that 0.171 refuses to start
    /// a session whose managed hooks cannot all load (spec §5).
    fn unloadable(&mut self, is_managed: bool, text: String) {
        if is_managed && self.dialect.is_current() {
            self.managed_errors.push(text);
        } else {
            self.warnings.push(text);
        }
    }

    /// A handler's effective timeout: its own or the default, at least 1 s. In Codex 0.171
    /// SessionEnd and Interrupt default to 1 s and are clamped to 3 s, with a warning.
    fn timeout(&mut self, event: HookEvent, configured: Option<u64>, path: &str) -> u64 {
        if self.dialect.is_current()
            && matches!(event, HookEvent::SessionEnd | HookEvent::Interrupt)
        {
            let t = configured.unwrap_or(1).max(1);
            if t > 3 {
                self.warnings.push(format!(
                    "clamping {} hook timeout to 3s in {path}",
                    event.config_name()
                ));
                return 3;
            }
            return t;
        }
        configured.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1)
    }

    fn events(
        &mut self,
        events: &HookEventsToml,
        path: &str,
        source: HookSource,
        is_managed: bool,
    ) {
        for &event in event_order(self.dialect) {
            for (g, group) in events.groups(event).iter().enumerate() {
                let matcher = if event.matcher_input() == MatcherInput::Ignored {
                    Matcher::All
                } else {
                    match Matcher::compile(group.matcher.as_deref()) {
                        Ok(m) => m,
                        Err(err) => {
                            let shown = group.matcher.as_deref().unwrap_or_default();
                            self.unloadable(
                                is_managed,
                                format!("invalid matcher {shown:?} in {path}: {err}"),
                            );
                            continue;
                        }
                    }
                };
                let context_event = matches!(
                    event,
                    HookEvent::PreToolUse
                        | HookEvent::PostToolUse
                        | HookEvent::SessionStart
                        | HookEvent::UserPromptSubmit
                        | HookEvent::SubagentStart
                );
                for (h, handler) in group.hooks.iter().enumerate() {
                    match handler {
                        // 4e30281 skips async handlers; 0.171 runs them (spec §3.1).
                        HookHandlerConfig::Command { is_async: true, .. }
                            if !self.dialect.is_current() =>
                        {
                            self.warnings.push(format!(
                                "skipping async hook in {path}: async hooks are not supported yet"
                            ))
                        }
                        HookHandlerConfig::Command { command, .. } if command.trim().is_empty() => self
                            .unloadable(is_managed, format!("skipping empty hook command in {path}")),
                        HookHandlerConfig::Command {
                            command,
                            timeout_sec,
                            status_message,
                            is_async,
                            additional_context_limit,
                        } => {
                            let timeout_secs = self.timeout(event, *timeout_sec, path);
                            if self.dialect.is_current()
                                && additional_context_limit.is_some()
                                && !context_event
                            {
                                self.warnings.push(format!(
                                    "ignoring additionalContextLimit for {} hook in {path}: this event cannot emit additionalContext",
                                    event.config_name()
                                ));
                            }
                            if *is_async && event == HookEvent::SessionEnd {
                                self.warnings.push(format!(
                                    "running async SessionEnd hook synchronously in {path}"
                                ));
                            }
                            let configured = ConfiguredHandler {
                                // SessionEnd ignores `async` (spec §2.9).
                                is_async: *is_async && event != HookEvent::SessionEnd,
                                event,
                                matcher: matcher.clone(),
                                matcher_text: group.matcher.clone(),
                                command: match &self.plugin {
                                    Some(p) => substitute_plugin_vars(command, &p.env()),
                                    None => command.clone(),
                                },
                                timeout_secs,
                                status_message: status_message.clone(),
                                source_path: path.to_owned(),
                                source,
                                display_order: self.next_order,
                                is_managed,
                                mcp: None,
                                plugin: self.plugin.as_ref().map(|p| PluginContext {
                                    id: p.id.clone(),
                                    env: p.env(),
                                }),
                                context_limit: (self.dialect.is_current() && context_event).then(
                                    || {
                                        additional_context_limit
                                            .unwrap_or(crate::engine::spill::DEFAULT_LIMIT)
                                    },
                                ),
                            };
                            self.next_order += 1;
                            self.admit(event, group, g, h, handler, configured);
                        }
                        HookHandlerConfig::McpTool { .. } if event == HookEvent::SessionEnd => {
                            self.unloadable(is_managed, format!(
                                "skipping MCP tool hook in {path}: SessionEnd MCP hooks are not supported"
                            ))
                        }
                        HookHandlerConfig::McpTool { server, tool, .. }
                            if server.trim().is_empty() || tool.trim().is_empty() =>
                        {
                            self.unloadable(is_managed, format!(
                                "skipping MCP tool hook in {path}: server and tool must not be empty"
                            ))
                        }
                        HookHandlerConfig::McpTool {
                            server,
                            tool,
                            input,
                            timeout_sec,
                            status_message,
                        } => {
                            let configured = ConfiguredHandler {
                                event,
                                matcher: matcher.clone(),
                                matcher_text: group.matcher.clone(),
                                command: format!("mcp_tool {server}/{tool}"),
                                timeout_secs: timeout_sec.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1),
                                status_message: status_message.clone(),
                                source_path: path.to_owned(),
                                source,
                                display_order: self.next_order,
                                is_managed,
                                is_async: false,
                                plugin: self.plugin.as_ref().map(|p| PluginContext {
                                    id: p.id.clone(),
                                    env: p.env(),
                                }),
                                mcp: Some(McpTarget {
                                    server: server.clone(),
                                    tool: tool.clone(),
                                    input: input.clone().unwrap_or_default(),
                                }),
                                // MCP hooks always spill at the default (spec §4).
                                context_limit: context_event
                                    .then_some(crate::engine::spill::DEFAULT_LIMIT),
                            };
                            self.next_order += 1;
                            self.admit(event, group, g, h, handler, configured);
                        }
                        HookHandlerConfig::Prompt {} => self.unloadable(is_managed, format!(
                            "skipping prompt hook in {path}: prompt hooks are not supported yet"
                        )),
                        HookHandlerConfig::Agent {} => self.unloadable(is_managed, format!(
                            "skipping agent hook in {path}: agent hooks are not supported yet"
                        )),
                    }
                }
            }
        }
    }
}
