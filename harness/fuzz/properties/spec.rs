//! The spec's texts and per-event rules, written out (not read back from the parser).

use super::*;

// ---- the spec's texts and rules, per event ----

/// "hook returned invalid … JSON output", per event.
pub fn spec_invalid_json_text(event: HookEvent) -> &'static str {
    match event {
        HookEvent::PreToolUse => "hook returned invalid pre-tool-use JSON output",
        HookEvent::PermissionRequest => "hook returned invalid permission-request JSON output",
        HookEvent::PostToolUse => "hook returned invalid post-tool-use JSON output",
        HookEvent::SessionStart => "hook returned invalid session start JSON output",
        HookEvent::UserPromptSubmit => "hook returned invalid user prompt submit JSON output",
        HookEvent::Stop => "hook returned invalid stop hook JSON output",
        HookEvent::PreCompact => "hook returned invalid PreCompact hook JSON output",
        HookEvent::PostCompact => "hook returned invalid PostCompact hook JSON output",
        HookEvent::SubagentStart => "hook returned invalid subagent start JSON output",
        HookEvent::SubagentStop => "hook returned invalid subagent stop hook JSON output",
        HookEvent::SessionEnd => "hook returned invalid SessionEnd hook JSON output",
        HookEvent::PreModelRequest => "hook returned invalid PreModelRequest hook JSON output",
        HookEvent::PostModelRequest => "hook returned invalid PostModelRequest hook JSON output",
        HookEvent::Interrupt => "hook returned invalid interrupt hook JSON output",
    }
}

/// The error of exit 2 with blank stderr, per event.
pub fn spec_exit_two_blank_text(event: HookEvent) -> &'static str {
    match event {
        HookEvent::PreToolUse => {
            "PreToolUse hook exited with code 2 but did not write a blocking reason to stderr"
        }
        HookEvent::PermissionRequest => {
            "PermissionRequest hook exited with code 2 but did not write a denial reason to stderr"
        }
        HookEvent::PostToolUse => {
            "PostToolUse hook exited with code 2 but did not write feedback to stderr"
        }
        HookEvent::UserPromptSubmit => {
            "UserPromptSubmit hook exited with code 2 but did not write a blocking reason to stderr"
        }
        HookEvent::Stop => {
            "Stop hook exited with code 2 but did not write a continuation prompt to stderr"
        }
        HookEvent::SubagentStop => {
            "SubagentStop hook exited with code 2 but did not write a continuation prompt to stderr"
        }
        HookEvent::SessionStart
        | HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SubagentStart
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => "hook exited with code 2",
    }
}

/// What exit-0 stdout that is not the event's JSON object ("plain text") does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecPlainText {
    /// Becomes a `context` entry and model context (trimmed).
    Context,
    /// Ignored: `completed`, no entries.
    Ignored,
    /// `failed` with the invalid-JSON text.
    Invalid,
}

pub fn spec_plain_text_rule(event: HookEvent) -> SpecPlainText {
    match event {
        HookEvent::SessionStart | HookEvent::UserPromptSubmit | HookEvent::SubagentStart => {
            SpecPlainText::Context
        }
        HookEvent::Stop | HookEvent::SubagentStop => SpecPlainText::Invalid,
        HookEvent::PreToolUse
        | HookEvent::PermissionRequest
        | HookEvent::PostToolUse
        | HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => SpecPlainText::Ignored,
    }
}

/// The error when the process ended without an exit code.
pub fn spec_no_status_text(event: HookEvent) -> &'static str {
    match event {
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd => {
            "hook process terminated without an exit code"
        }
        _ => "hook exited without a status code",
    }
}

/// Whether a non-zero exit reports the trimmed stderr (when not blank) as its error.
pub(super) fn spec_stderr_is_error(event: HookEvent) -> bool {
    matches!(
        event,
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd
    )
}

/// Whether exit 2 with non-blank stderr means something for the event.
pub(super) fn spec_exit_two_has_meaning(event: HookEvent) -> bool {
    matches!(
        event,
        HookEvent::PreToolUse
            | HookEvent::PermissionRequest
            | HookEvent::PostToolUse
            | HookEvent::UserPromptSubmit
            | HookEvent::Stop
            | HookEvent::SubagentStop
    )
}

pub(super) fn deserializes<T: DeserializeOwned>(value: &Value) -> bool {
    T::deserialize(value).is_ok()
}

/// Whether the event's wire struct accepts this JSON object (unknown keys, wrong types and
/// `null` booleans are rejected).
pub fn wire_accepts(event: HookEvent, value: &Value) -> bool {
    if !value.is_object() {
        return false;
    }
    match event {
        HookEvent::PreToolUse => deserializes::<PreToolUseOutputWire>(value),
        HookEvent::PermissionRequest => deserializes::<PermissionRequestOutputWire>(value),
        HookEvent::PostToolUse => deserializes::<PostToolUseOutputWire>(value),
        HookEvent::SessionStart => deserializes::<SessionStartOutputWire>(value),
        HookEvent::UserPromptSubmit => deserializes::<UserPromptSubmitOutputWire>(value),
        HookEvent::Stop | HookEvent::SubagentStop => deserializes::<StopOutputWire>(value),
        HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => deserializes::<UniversalOutputWire>(value),
        HookEvent::SubagentStart => deserializes::<SubagentStartOutputWire>(value),
    }
}
