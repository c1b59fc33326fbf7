//! Fuzzing the pure hook-output parser: proptest strategies for what a hook may do
//! ([`strategies`]), the properties every parse must keep ([`properties`]), an in-process
//! runner with a seeded RNG and shrinking ([`runner`]; its fast direct generator and greedy
//! shrinker in [`fast`]) and the reproduction of a shrunk
//! failure as a `hooktape probe` command and a `hooks.json` handler ([`repro`]).
//!
//! Sits beside `replay` and `conformance`: it imports only the engine. Used by
//! `tests/properties.rs` (through proptest's macros) and by `hooktape fuzz`.

pub mod fast;
pub mod properties;
pub mod repro;
pub mod runner;
pub mod strategies;
