//! Which hook design a session runs: a value the agent and scenario carry, not a fork of the
//! engine. Each dialect is data plus small functions over the shared runner and summaries.

use serde::{Deserialize, Serialize};

/// The hook dialect of a session.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Codex's `hooks.json` / `[hooks]` event-table engine (`spec/codex-hooks.md`), the reference.
    #[default]
    Codex,
    /// Codex's earlier lifecycle branch (`spec/lifecycle-branch.md`): one argv command per event
    /// in `[hooks]` of `config.toml`, a flat JSON payload on stdin, exit code 2 as the only abort.
    Lifecycle,
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Codex, Dialect::Lifecycle];

    /// The serde spelling (`codex`, `lifecycle`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Codex => "codex",
            Dialect::Lifecycle => "lifecycle",
        }
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
        assert!(serde_json::from_str::<Dialect>("\"claude\"").is_err());
    }
}
