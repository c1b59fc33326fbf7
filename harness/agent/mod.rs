//! The mock agent: plays a [`spec::SessionSpec`] through an [`crate::engine::Engine`] the
//! way Codex's turn loop does where hooks are concerned, sampling a scripted model over
//! HTTP, and returns a [`recording::Recording`].
//!
//! Takes plain Rust values only; knows nothing of scenario files, goldens or insta.
//!
//! - [`play`] is the whole thing: starts a [`model_server::ScriptedModel`] loaded with the
//!   spec's responses and an [`model_server::AnalyticsSink`], plays the session, checks
//!   that every scripted response was used, and fills the recording's analytics with what
//!   the sink received.
//! - [`play_with`] is the same over [`Hooks`]: the engine of each dialect the caller has
//!   (the spec's `dialect` picks which one runs) and the legacy `notify` hook.
//! - [`claude::play`] is the `claude` dialect's own session (Claude Code's loop and the
//!   Messages API), which `play_with` hands a `claude` spec to.
//! - [`session::Agent`] is the turn loop over a [`client::ModelClient`], the
//!   [`hook_points::HookPoints`] of one dialect, a [`recorder::Recorder`] and the tool
//!   pipeline.

pub mod claude;
pub(crate) mod client;
mod compaction;
mod error;
pub mod history;
pub(crate) mod hook_points;
#[cfg(test)]
mod loop_tests;
pub mod model_server;
mod pipeline;
mod play;
pub mod protocol;
pub(crate) mod recorder;
pub mod recording;
pub mod safe_command;
pub mod session;
pub mod spec;
pub mod sse;
mod state;
pub(crate) mod thread;
pub mod tools;
mod toolset;
pub mod transcript;

pub use error::AgentError;
pub use model_server::{AnalyticsSink, ScriptedModel};
pub use play::{play, play_with, validate, validate_hooks, Hooks};
pub use protocol::protocol_violations;
pub use recording::Recording;
pub use spec::SessionSpec;
pub use state::AgentEnv;
pub use state::Endpoints;
