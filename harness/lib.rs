//! hooktape: a record-and-replay test harness for coding-agent lifecycle hooks.
//!
//! Layers, imports pointing down only: `cli` → `replay` → `scenario` → `agent` → `engine`.
//! `conformance` and `bench` sit beside `replay`.

pub mod agent;
pub mod bench;
pub mod cli;
pub mod conformance;
pub mod engine;
pub mod replay;
pub mod scenario;
