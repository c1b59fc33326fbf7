//! The mock agent: plays a [`spec::SessionSpec`] through an [`crate::engine::Engine`] the
//! way Codex's turn loop does where hooks are concerned, sampling a scripted model over
//! HTTP, and returns a [`recording::Recording`].
//!
//! Takes plain Rust values only; knows nothing of scenario files, goldens or insta.

pub mod recording;
pub mod spec;

pub use recording::Recording;
pub use spec::SessionSpec;
