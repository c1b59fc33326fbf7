//! Which hook design a session runs: a value the agent and scenario carry, not a fork of the
//! engine. Each dialect is data plus small functions over the shared runner and summaries.

use serde::{Deserialize, Serialize};

/// The hook dialect of a session.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Dialect {
    /// Codex as released: npm `@openai/codex` 0.171.0 (`spec/codex-current.md`, the delta
    /// from 4e30281). The default.
    #[default]
    #[serde(rename = "codex")]
    Codex,
    /// Codex at upstream commit 4e30281 (`spec/codex-hooks.md`, `codex-extra-events.md`):
    /// the engine the public conformance vectors were recorded from.
    #[serde(rename = "codex-4e30281")]
    Codex4e30281,
    /// Codex's earlier lifecycle branch (`spec/lifecycle-branch.md`): one argv command per event
    /// in `[hooks]` of `config.toml`, a flat JSON payload on stdin, exit code 2 as the only abort.
    #[serde(rename = "lifecycle")]
    Lifecycle,
    /// Claude Code 2.1.197 (npm `@anthropic-ai/claude-code`, `spec/claude-hooks.md`): the
    /// `hooks` of its `settings.json` layers, its events, tools and output contract, and the
    /// Anthropic Messages API on the model side.
    #[serde(rename = "claude")]
    Claude,
}

impl Dialect {
    pub const ALL: [Dialect; 4] = [
        Dialect::Codex,
        Dialect::Codex4e30281,
        Dialect::Lifecycle,
        Dialect::Claude,
    ];

    /// The serde spelling (`codex`, `codex-4e30281`, `lifecycle`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Codex => "codex",
            Dialect::Codex4e30281 => "codex-4e30281",
            Dialect::Lifecycle => "lifecycle",
            Dialect::Claude => "claude",
        }
    }

    /// What the dialect reproduces, as a golden header and `--version` name it.
    pub fn version(self) -> &'static str {
        match self {
            Dialect::Codex => "Codex 0.171.0",
            Dialect::Codex4e30281 => "Codex at upstream commit 4e30281",
            Dialect::Lifecycle => "Codex's lifecycle branch",
            Dialect::Claude => "Claude Code 2.1.197",
        }
    }

    /// A dialect of the `hooks.json` / `[hooks]` event-table engine (either Codex).
    pub fn is_codex(self) -> bool {
        matches!(self, Dialect::Codex | Dialect::Codex4e30281)
    }

    /// Codex 0.171 rules (trust, the exec_command tool set, the 14 events, …).
    pub fn is_current(self) -> bool {
        self == Dialect::Codex
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn serde_spelling_is_snake_case_and_codex_is_default() {
        assert_eq!(Dialect::default(), Dialect::Codex);
        for d in Dialect::ALL {
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            let back: Dialect = serde_json::from_str(&json).unwrap();
            assert_eq!(back, d);
        }
        assert!(serde_json::from_str::<Dialect>("\"claude-code\"").is_err());
    }
}
