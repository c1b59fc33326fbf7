//! Hook trust in discovery (Codex 0.171, spec/codex-current.md §6): the modes a scenario
//! chooses, the statuses of a skipped handler, `[hooks.state]` read from the config layers,
//! and the judgement of one handler.

use super::*;

/// How hook trust (spec/codex-current.md §6) decides which handlers of the `codex` dialect
/// run. Managed handlers always run; `enabled = false` in `[hooks.state]` always disables.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HookTrust {
    /// Every handler runs as if its current hash were in `[hooks.state]` (what pasting
    /// `hooktape trust`'s output into the user's config gives).
    #[default]
    Trusted,
    /// As Codex decides: `[hooks.state."<key>"] trusted_hash` of the config layers must equal
    /// the handler's current hash; an untrusted or modified handler is skipped.
    Config,
    /// `--dangerously-bypass-hook-trust`: untrusted and modified handlers run, with Codex's
    /// warning.
    Bypass,
}

impl HookTrust {
    pub fn as_str(self) -> &'static str {
        match self {
            HookTrust::Trusted => "trusted",
            HookTrust::Config => "config",
            HookTrust::Bypass => "bypass",
        }
    }
}

/// Codex's warning when trust is bypassed (app-server `configWarning`).
pub const BYPASS_WARNING: &str = "`--dangerously-bypass-hook-trust` is enabled. Enabled hooks may run without review for this invocation.";

/// Why a handler that discovery read does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustStatus {
    /// No `trusted_hash` for its key.
    Untrusted,
    /// A `trusted_hash` that is not its current hash (the handler changed since).
    Modified,
    /// `enabled = false`.
    Disabled,
}

impl TrustStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustStatus::Untrusted => "untrusted",
            TrustStatus::Modified => "modified",
            TrustStatus::Disabled => "disabled",
        }
    }
}

/// A handler Codex skips without a word; hooktape shows it.
#[derive(Debug, Clone)]
pub struct SkippedHandler {
    pub handler: ConfiguredHandler,
    pub status: TrustStatus,
    /// Its `[hooks.state]` key.
    pub key: String,
    /// The hash that would trust it.
    pub current_hash: String,
}

/// One `[hooks.state]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct StateEntry {
    trusted_hash: Option<String>,
    enabled: Option<bool>,
}

/// `[hooks.state]` of the enabled layers' `config.toml`, a higher layer's entry replacing a
/// lower one's key by key. A malformed entry is ignored (discovery reports the file).
pub(super) fn hooks_state(input: &DiscoveryInput) -> BTreeMap<String, StateEntry> {
    let mut state = BTreeMap::new();
    for layer in input.layers.iter().filter(|l| l.enabled) {
        let Some(text) = layer.config_toml.as_ref().and_then(read_toml_text) else {
            continue;
        };
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        let entries = value
            .get("hooks")
            .and_then(|h| h.get("state"))
            .and_then(toml::Value::as_table);
        for (key, entry) in entries.into_iter().flatten() {
            let e: &mut StateEntry = state.entry(key.clone()).or_default();
            if let Some(hash) = entry.get("trusted_hash").and_then(toml::Value::as_str) {
                e.trusted_hash = Some(hash.to_owned());
            }
            if let Some(enabled) = entry.get("enabled").and_then(toml::Value::as_bool) {
                e.enabled = Some(enabled);
            }
        }
    }
    state
}

impl Discovery {
    /// Why trust keeps a command handler from running, if it does (the `codex` dialect;
    /// spec/codex-current.md §6): disabled always; untrusted or modified unless trust is
    /// assumed or bypassed. Managed handlers always run.
    /// Adds `configured` to the handlers that run, or to those hook trust keeps out.
    pub(super) fn admit(
        &mut self,
        event: HookEvent,
        group: &MatcherGroup,
        g: usize,
        h: usize,
        handler: &HookHandlerConfig,
        configured: ConfiguredHandler,
    ) {
        match self.trust_skip(event, group, g, h, handler, &configured) {
            None => self.handlers.push(configured),
            Some((status, key, current_hash)) => self.skipped.push(SkippedHandler {
                handler: configured,
                status,
                key,
                current_hash,
            }),
        }
    }

    pub(super) fn trust_skip(
        &self,
        event: HookEvent,
        group: &MatcherGroup,
        g: usize,
        h: usize,
        handler: &HookHandlerConfig,
        configured: &ConfiguredHandler,
    ) -> Option<(TrustStatus, String, String)> {
        if !self.dialect.is_current() || configured.is_managed {
            return None;
        }
        let name = event.config_name();
        let matcher = group.matcher.as_deref();
        let current = match handler {
            HookHandlerConfig::Command {
                command,
                timeout_sec,
                is_async,
                status_message,
                additional_context_limit,
            } => {
                let mut written =
                    serde_json::json!({"type": "command", "command": command, "async": is_async});
                if let Some(t) = timeout_sec {
                    written["timeout"] = (*t).into();
                }
                if let Some(m) = status_message {
                    written["statusMessage"] = m.clone().into();
                }
                if let Some(l) = additional_context_limit {
                    written["additionalContextLimit"] = (*l).into();
                }
                trust::command_hash(name, matcher, &written)?
            }
            HookHandlerConfig::McpTool {
                server,
                tool,
                input,
                timeout_sec,
                status_message,
            } => {
                let mut written =
                    serde_json::json!({"type": "mcp_tool", "server": server, "tool": tool});
                if let Some(i) = input {
                    written["input"] = serde_json::Value::Object(i.clone());
                }
                if let Some(t) = timeout_sec {
                    written["timeout"] = (*t).into();
                }
                if let Some(m) = status_message {
                    written["statusMessage"] = m.clone().into();
                }
                trust::mcp_hash(name, matcher, &written)?
            }
            _ => return None,
        };
        // A plugin's key names the plugin and the file inside it (spec §5).
        let source = match &configured.plugin {
            Some(p) => format!("{}:hooks/hooks.json", p.id),
            None => configured.source_path.clone(),
        };
        let key = trust::key(&source, name, g, h);
        let entry = self.state.get(&key).cloned().unwrap_or_default();
        let status = if entry.enabled == Some(false) {
            TrustStatus::Disabled
        } else {
            let judged = match &entry.trusted_hash {
                None => TrustStatus::Untrusted,
                Some(hash) if *hash == current => return None,
                Some(_) => TrustStatus::Modified,
            };
            if self.trust != HookTrust::Config {
                return None;
            }
            judged
        };
        Some((status, key, current))
    }
}
