//! The hook engine: config discovery, matchers, the command runner, per-event output
//! parsing (pure), aggregation, run summaries and their wire shapes. Imports nothing above it.

pub mod aggregate;
pub mod claude;
pub mod clock;
pub mod config;
pub mod dialect;
pub mod event;
pub mod exec_guard;
pub mod hooks;
pub mod lifecycle;
pub mod matcher;
pub mod mcp;
pub mod outcome;
pub mod parse;
mod proctree;
pub mod request;
pub mod runner;
pub mod spill;
pub mod summary;
pub mod trust;
pub mod wire;

pub use dialect::Dialect;
pub use event::HookEvent;
pub use hooks::{Engine, EventRun, HandlerRun};
pub use outcome::{EventOutcome, HandlerExit, HandlerOutcome, RawOutput, RunStatus};
pub use request::{EventPayload, HookContext, HookRequest};
