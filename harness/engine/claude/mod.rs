//! The `claude` dialect: Claude Code 2.1.197's command hooks (`spec/claude-hooks.md`,
//! checked against the real CLI, `spec/claude-code-offline.md`). Its own events, settings
//! layers, matchers, `if` rules and output contract, over the shared runner.

pub mod config;
pub mod event;
pub mod matcher;
pub mod parse;
pub mod rule;
pub mod run;

pub use config::{ClaudeConfig, Plugin, SettingsFile, SettingsSource};
pub use event::ClaudeEvent;
pub use run::{ClaudeEngine, ClaudeEventRun, ClaudeRun};
