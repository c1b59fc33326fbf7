//! The lifecycle-branch dialect (`spec/lifecycle-branch.md`) and the legacy `notify` hook, as
//! data and small functions over the shared runner and summaries:
//!
//! - [`config`]: the `[hooks]` argv table (`deny_unknown_fields`) and `notify = [argv…]`;
//! - [`event`]: the nine config keys and ten payload event names;
//! - [`payload`]: the payload's domain types (wire shapes in [`crate::engine::wire::lifecycle`]);
//! - [`result`]: the pure result rules and the abort texts;
//! - [`run`]: running a hook (argv, payload on stdin) or notify (JSON as the last argument).

pub mod config;
pub mod event;
pub mod payload;
pub mod result;
pub mod run;

pub use config::{
    discover_notify, LifecycleConfig, LifecycleConfigError, LifecycleHook, NotifyHook,
};
pub use event::{LifecycleEventName, LifecycleHookKey};
pub use payload::{
    joined_prompt, AgentTurn, LifecycleContext, LifecycleEvent, LifecycleFields, LifecyclePayload,
    SandboxPermissions, ShellParams, ToolCall, ToolCallResult, ToolInput, ToolKind,
};
pub use result::{
    judge, post_tool_use_abort_message, pre_tool_use_abort_message, tool_abort_message,
    LifecycleResult, ABORT_CONTINUING_LOG,
};
pub use run::{run_notify, LifecycleEngine, LifecycleRun, NotifyRun};
