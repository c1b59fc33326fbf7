//! hooktape: a record-and-replay test harness for coding-agent lifecycle hooks.
//!
//! Layers, imports pointing down only: `cli` → `replay` → `scenario` → `agent` → `engine`.
//! `conformance` sits beside `replay` and uses only the engine.

pub mod agent;
pub mod cli;
pub mod conformance;
pub mod engine;
pub mod replay;
pub mod scenario;
