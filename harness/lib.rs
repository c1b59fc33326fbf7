//! hooktape: a record-and-replay test harness for coding-agent lifecycle hooks.
//!
//! Layers, imports pointing down only: `cli` → `replay` → `scenario` → `agent` → `engine`.
//! `conformance`, `bench`, `fuzz`, `probe` and `import` sit beside `replay` (`import` writes
//! scenarios and replays them); `fuzz` and `probe` use only
//! the engine.

pub mod agent;
pub mod bench;
pub mod cli;
pub mod conformance;
pub mod crosscheck;
pub mod engine;
pub mod fuzz;
pub mod import;
pub mod port;
pub mod probe;
pub mod replay;
pub mod scenario;
pub mod trust;
