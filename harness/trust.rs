//! `hooktape trust`: the `[hooks.state]` entries that make Codex (0.171 and later) run a
//! repository's hooks — an untrusted or modified one is skipped with no message at all (a
//! project's hooks also need the project trusted). The key and hash are
//! [`crate::engine::trust`]'s. Pure, but for reading the repository's files.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::engine::trust::{command_hash, key, mcp_hash};

/// One `[hooks.state]` entry, or a handler that has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Trusted {
        key: String,
        hash: String,
    },
    /// A handler this cannot trust (not a command handler), with why.
    Skipped {
        key: String,
        why: String,
    },
}

/// The entries of every handler of a `hooks` object (`hooks.json`'s, or `[hooks]` of a
/// config.toml as JSON) declared in the file at `source` (absolute).
pub fn entries(source: &Path, hooks: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    let Some(events) = hooks.as_object() else {
        return out;
    };
    for (event, groups) in events {
        let Some(groups) = groups.as_array() else {
            continue;
        };
        for (g, group) in groups.iter().enumerate() {
            let matcher = group.get("matcher").and_then(Value::as_str);
            let handlers = group.get("hooks").and_then(Value::as_array);
            for (h, handler) in handlers.into_iter().flatten().enumerate() {
                let key = key(&source.display().to_string(), event, g, h);
                let kind = handler.get("type").and_then(Value::as_str).unwrap_or("");
                let hash = match kind {
                    "command" => command_hash(event, matcher, handler),
                    "mcp_tool" => mcp_hash(event, matcher, handler),
                    _ => None,
                };
                out.push(match hash {
                    Some(hash) => Entry::Trusted { key, hash },
                    None => Entry::Skipped {
                        key,
                        why: format!(
                            "a `{kind}` handler (only command and mcp_tool handlers are printed)"
                        ),
                    },
                });
            }
        }
    }
    out
}

/// The hooks files of a repository's `.codex/` that Codex reads, each with its `hooks`.
pub fn repository_sources(root: &Path) -> Result<Vec<(PathBuf, Value)>, String> {
    let codex = root.join(".codex");
    let mut out = Vec::new();
    let json = codex.join("hooks.json");
    if json.is_file() {
        let text =
            std::fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not valid JSON: {e}", json.display()))?;
        out.push((json, doc.get("hooks").cloned().unwrap_or(Value::Null)));
    }
    let toml_path = codex.join("config.toml");
    if toml_path.is_file() {
        let text = std::fs::read_to_string(&toml_path)
            .map_err(|e| format!("{}: {e}", toml_path.display()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: not valid TOML: {e}", toml_path.display()))?;
        if let Some(hooks) = table.get("hooks") {
            let hooks =
                serde_json::to_value(hooks).map_err(|e| format!("{}: {e}", toml_path.display()))?;
            out.push((toml_path, hooks));
        }
    }
    Ok(out)
}

/// The `config.toml` text that trusts every command handler of the repository at `root`
/// (and the project), with a comment for each handler it cannot trust.
pub fn config_text(root: &Path) -> Result<String, String> {
    let sources = repository_sources(root)?;
    if sources.is_empty() {
        return Err(format!(
            "no hooks in {} (.codex/hooks.json or [hooks] of .codex/config.toml)",
            root.display()
        ));
    }
    let mut text = String::new();
    for (source, hooks) in &sources {
        for entry in entries(source, hooks) {
            match entry {
                Entry::Trusted { key, hash } => {
                    text += &format!(
                        "[hooks.state.{}]\ntrusted_hash = \"{hash}\"\n",
                        toml::Value::String(key)
                    );
                }
                Entry::Skipped { key, why } => text += &format!("# not trusted: {key}: {why}\n"),
            }
        }
    }
    text += &format!(
        "[projects.{}]\ntrust_level = \"trusted\"\n",
        toml::Value::String(root.display().to_string())
    );
    Ok(text)
}
