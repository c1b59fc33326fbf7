//! Pure hook-output parsing: `(event, exit, stdout, stderr) -> HandlerOutcome`.
//!
//! Nothing here spawns, reads files or looks at a clock, so every rule can be tested and
//! fuzzed without a process. The rules are those of `spec/codex-hooks.md` sections 2.2 to 2.8
//! (the six reference events, refined by its section 9 and the conformance vectors) and of
//! `spec/codex-extra-events.md` (PreCompact, PostCompact, SubagentStart, SubagentStop).
//! SessionEnd has no Codex rule; its rules are written down in docs/behaviour.md.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::dialect::Dialect;
use super::event::HookEvent;
use super::outcome::{
    Effect, Entry, EntryKind, HandlerExit, HandlerOutcome, PermissionDecision, RawOutput, RunStatus,
};
use super::wire::output::{
    BlockDecisionWire, PermissionBehaviorWire, PermissionDecisionWire, PermissionRequestOutputWire,
    PostToolUseOutputWire, PreToolUseDecisionWire, PreToolUseOutputWire, SessionStartOutputWire,
    StopOutputWire, SubagentStartOutputWire, UniversalOutputWire, UserPromptSubmitOutputWire,
};

/// Default stop entry texts of the compact events.
pub const PRE_COMPACT_STOPPED: &str = "PreCompact hook stopped execution";
pub const POST_COMPACT_STOPPED: &str = "PostCompact hook stopped execution";
pub const POST_TOOL_USE_STOPPED: &str = "PostToolUse hook stopped execution";
pub const PERMISSION_DENIED_DEFAULT: &str = "PermissionRequest hook denied approval";

mod current;

pub use current::{parse_async_output, parse_output_as};

/// Parses one handler's result by Codex 4e30281's rules. Pure and total: never panics,
/// whatever the bytes.
pub fn parse_output(event: HookEvent, raw: &RawOutput) -> HandlerOutcome {
    match &raw.exit {
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            HandlerOutcome::failed(message.clone())
        }
        HandlerExit::Signal { .. } => HandlerOutcome::failed(no_status_text(event)),
        HandlerExit::Code { code: 0 } => parse_stdout(event, &String::from_utf8_lossy(&raw.stdout)),
        HandlerExit::Code { code: 2 } => exit_two(event, &String::from_utf8_lossy(&raw.stderr)),
        HandlerExit::Code { code } => {
            other_exit(event, *code, &String::from_utf8_lossy(&raw.stderr))
        }
    }
}

/// The error text for a process that ended without an exit code.
pub fn no_status_text(event: HookEvent) -> &'static str {
    match event {
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd => {
            "hook process terminated without an exit code"
        }
        _ => "hook exited without a status code",
    }
}

/// The kind word of the "hook returned invalid … JSON output" error.
pub fn invalid_json_text(event: HookEvent) -> &'static str {
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
        // Codex 0.171 ignores their output: never invalid.
        HookEvent::PreModelRequest => "hook returned invalid PreModelRequest hook JSON output",
        HookEvent::PostModelRequest => "hook returned invalid PostModelRequest hook JSON output",
        HookEvent::Interrupt => "hook returned invalid interrupt hook JSON output",
    }
}

/// The error text for exit code 2 with nothing on stderr, for events that give exit 2 a meaning.
pub fn exit_two_without_stderr_text(event: HookEvent) -> Option<&'static str> {
    Some(match event {
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
        _ => return None,
    })
}

/// Whether a non-zero exit of this event uses the trimmed stderr as its error text
/// (the later compact events, and SessionEnd with them).
fn stderr_is_error_text(event: HookEvent) -> bool {
    matches!(
        event,
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd
    )
}

fn other_exit(event: HookEvent, code: i32, stderr: &str) -> HandlerOutcome {
    let trimmed = stderr.trim();
    if stderr_is_error_text(event) && !trimmed.is_empty() {
        return HandlerOutcome::failed(trimmed);
    }
    HandlerOutcome::failed(format!("hook exited with code {code}"))
}

fn exit_two(event: HookEvent, stderr: &str) -> HandlerOutcome {
    let Some(missing) = exit_two_without_stderr_text(event) else {
        return other_exit(event, 2, stderr);
    };
    let reason = stderr.trim();
    if reason.is_empty() {
        return HandlerOutcome::failed(missing);
    }
    let feedback = vec![Entry::new(EntryKind::Feedback, reason)];
    let mut effect = Effect::default();
    let status = match event {
        HookEvent::PreToolUse | HookEvent::Stop | HookEvent::SubagentStop => {
            effect.should_block = true;
            effect.block_reason = Some(reason.to_owned());
            RunStatus::Blocked
        }
        HookEvent::PermissionRequest => {
            effect.permission = Some(PermissionDecision::Deny {
                message: reason.to_owned(),
            });
            RunStatus::Blocked
        }
        HookEvent::PostToolUse => {
            effect.feedback = Some(reason.to_owned());
            RunStatus::Completed
        }
        HookEvent::UserPromptSubmit => {
            effect.should_stop = true;
            effect.stop_reason = Some(reason.to_owned());
            RunStatus::Blocked
        }
        // exit_two_without_stderr_text returned None for every other event.
        _ => return other_exit(event, 2, stderr),
    };
    HandlerOutcome {
        status,
        entries: feedback,
        effect,
    }
}

/// How stdout that did not parse as the event's object is treated.
enum PlainText {
    Context,
    Ignored,
    Invalid,
}

fn plain_text_rule(event: HookEvent) -> PlainText {
    match event {
        HookEvent::SessionStart | HookEvent::UserPromptSubmit | HookEvent::SubagentStart => {
            PlainText::Context
        }
        HookEvent::Stop | HookEvent::SubagentStop => PlainText::Invalid,
        _ => PlainText::Ignored,
    }
}

/// Result of reading exit-0 stdout as the event's output object.
enum Read<T> {
    Empty,
    Parsed(T),
    Invalid,
    PlainText(String),
}

fn read_output<T: DeserializeOwned>(stdout: &str) -> Read<T> {
    let trimmed = stdout.trim();
    if trimmed.is_empty() {
        return Read::Empty;
    }
    let looks_like_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    // Going through `Value` first makes the last of duplicate keys win, as in the reference.
    let parsed = serde_json::from_str::<Value>(trimmed)
        .ok()
        .filter(Value::is_object)
        .and_then(|value| serde_json::from_value::<T>(value).ok());
    match parsed {
        Some(output) => Read::Parsed(output),
        None if looks_like_json => Read::Invalid,
        None => Read::PlainText(trimmed.to_owned()),
    }
}

fn parse_stdout(event: HookEvent, stdout: &str) -> HandlerOutcome {
    match event {
        HookEvent::PreToolUse => with_output(event, stdout, pre_tool_use),
        HookEvent::PermissionRequest => with_output(event, stdout, permission_request),
        HookEvent::PostToolUse => with_output(event, stdout, post_tool_use),
        HookEvent::SessionStart => with_output(event, stdout, session_start),
        HookEvent::UserPromptSubmit => with_output(event, stdout, user_prompt_submit),
        HookEvent::Stop | HookEvent::SubagentStop => {
            with_output(event, stdout, |o| stop_like(event, o))
        }
        HookEvent::PreCompact | HookEvent::PostCompact => {
            with_output(event, stdout, |o| compact(event, o))
        }
        HookEvent::SubagentStart => with_output(event, stdout, subagent_start),
        HookEvent::SessionEnd => with_output(event, stdout, session_end),
        // Output ignored (Codex 0.171; `parse_output_as` routes them before this).
        HookEvent::PreModelRequest | HookEvent::PostModelRequest | HookEvent::Interrupt => {
            HandlerOutcome::completed()
        }
    }
}

fn with_output<T: DeserializeOwned>(
    event: HookEvent,
    stdout: &str,
    apply: impl FnOnce(T) -> HandlerOutcome,
) -> HandlerOutcome {
    match read_output::<T>(stdout) {
        Read::Empty => HandlerOutcome::completed(),
        Read::Parsed(output) => apply(output),
        Read::Invalid => HandlerOutcome::failed(invalid_json_text(event)),
        Read::PlainText(text) => match plain_text_rule(event) {
            PlainText::Context => HandlerOutcome {
                status: RunStatus::Completed,
                entries: vec![Entry::new(EntryKind::Context, text.clone())],
                effect: Effect {
                    additional_contexts: vec![text],
                    ..Effect::default()
                },
            },
            PlainText::Ignored => HandlerOutcome::completed(),
            PlainText::Invalid => HandlerOutcome::failed(invalid_json_text(event)),
        },
    }
}

fn is_blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Starts an outcome's entries with the `systemMessage` warning, if any.
fn warning_entries(system_message: &Option<String>) -> Vec<Entry> {
    system_message
        .iter()
        .map(|m| Entry::new(EntryKind::Warning, m.clone()))
        .collect()
}

fn fail_with(mut entries: Vec<Entry>, text: String) -> HandlerOutcome {
    entries.push(Entry::new(EntryKind::Error, text));
    HandlerOutcome {
        status: RunStatus::Failed,
        entries,
        effect: Effect::default(),
    }
}

fn pre_tool_use(o: PreToolUseOutputWire) -> HandlerOutcome {
    let entries = warning_entries(&o.system_message);
    let unsupported = |what: &str| format!("PreToolUse hook returned unsupported {what}");
    if let Some(text) = pre_tool_use_universal(&o) {
        return fail_with(entries, text);
    }
    let specific = o.hook_specific_output.filter(|s| {
        s.permission_decision.is_some()
            || s.permission_decision_reason.is_some()
            || s.updated_input.is_some()
            || s.additional_context.is_some()
    });
    let reason = if let Some(s) = specific {
        if s.updated_input.is_some() {
            return fail_with(entries, unsupported("updatedInput"));
        }
        if !is_blank(&s.additional_context) {
            return fail_with(entries, unsupported("additionalContext"));
        }
        match s.permission_decision {
            Some(PermissionDecisionWire::Allow) => {
                return fail_with(entries, unsupported("permissionDecision:allow"))
            }
            Some(PermissionDecisionWire::Ask) => {
                return fail_with(entries, unsupported("permissionDecision:ask"))
            }
            Some(PermissionDecisionWire::Deny) if is_blank(&s.permission_decision_reason) => {
                return fail_with(
                    entries,
                    "PreToolUse hook returned permissionDecision:deny without a non-empty permissionDecisionReason"
                        .to_owned(),
                );
            }
            Some(PermissionDecisionWire::Deny) => s.permission_decision_reason,
            None if s.permission_decision_reason.is_some() => {
                return fail_with(
                    entries,
                    "PreToolUse hook returned permissionDecisionReason without permissionDecision"
                        .to_owned(),
                );
            }
            None => None,
        }
    } else {
        match legacy_pre_tool_use(o.decision.as_ref(), o.reason) {
            Ok(reason) => reason,
            Err(text) => return fail_with(entries, text),
        }
    };
    block_or_complete(entries, reason.map(|r| r.trim().to_owned()))
}

/// The universal fields PreToolUse rejects (both Codex versions): the error text, if any.
fn pre_tool_use_universal(o: &PreToolUseOutputWire) -> Option<String> {
    let unsupported = |what: &str| Some(format!("PreToolUse hook returned unsupported {what}"));
    if !o.continue_processing {
        return unsupported("continue:false");
    }
    if o.stop_reason.is_some() {
        return unsupported("stopReason");
    }
    if o.suppress_output {
        return unsupported("suppressOutput");
    }
    None
}

/// PreToolUse's legacy branch (`decision` / `reason`, both Codex versions): the block
/// reason, or the error text.
fn legacy_pre_tool_use(
    decision: Option<&PreToolUseDecisionWire>,
    reason: Option<String>,
) -> Result<Option<String>, String> {
    match decision {
        Some(PreToolUseDecisionWire::Approve) => {
            Err("PreToolUse hook returned unsupported decision:approve".to_owned())
        }
        Some(PreToolUseDecisionWire::Block) if is_blank(&reason) => {
            Err("PreToolUse hook returned decision:block without a non-empty reason".to_owned())
        }
        Some(PreToolUseDecisionWire::Block) => Ok(reason),
        None if reason.is_some() => {
            Err("PreToolUse hook returned reason without decision".to_owned())
        }
        None => Ok(None),
    }
}

fn block_or_complete(mut entries: Vec<Entry>, reason: Option<String>) -> HandlerOutcome {
    match reason {
        Some(reason) => {
            entries.push(Entry::new(EntryKind::Feedback, reason.clone()));
            HandlerOutcome {
                status: RunStatus::Blocked,
                entries,
                effect: Effect {
                    should_block: true,
                    block_reason: Some(reason),
                    ..Effect::default()
                },
            }
        }
        None => HandlerOutcome {
            status: RunStatus::Completed,
            entries,
            effect: Effect::default(),
        },
    }
}

fn permission_request(o: PermissionRequestOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let unsupported = |what: &str| format!("PermissionRequest hook returned unsupported {what}");
    if !o.continue_processing {
        return fail_with(entries, unsupported("continue:false"));
    }
    if o.stop_reason.is_some() {
        return fail_with(entries, unsupported("stopReason"));
    }
    if o.suppress_output {
        return fail_with(entries, unsupported("suppressOutput"));
    }
    let Some(decision) = o.hook_specific_output.and_then(|s| s.decision) else {
        return HandlerOutcome {
            status: RunStatus::Completed,
            entries,
            effect: Effect::default(),
        };
    };
    if decision.updated_input.is_some() {
        return fail_with(entries, unsupported("updatedInput"));
    }
    if decision.updated_permissions.is_some() {
        return fail_with(entries, unsupported("updatedPermissions"));
    }
    if decision.interrupt {
        return fail_with(entries, unsupported("interrupt:true"));
    }
    match decision.behavior {
        PermissionBehaviorWire::Allow => HandlerOutcome {
            status: RunStatus::Completed,
            entries,
            effect: Effect {
                permission: Some(PermissionDecision::Allow),
                ..Effect::default()
            },
        },
        PermissionBehaviorWire::Deny => {
            let message = decision
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .unwrap_or(PERMISSION_DENIED_DEFAULT)
                .to_owned();
            entries.push(Entry::new(EntryKind::Feedback, message.clone()));
            HandlerOutcome {
                status: RunStatus::Blocked,
                entries,
                effect: Effect {
                    permission: Some(PermissionDecision::Deny { message }),
                    ..Effect::default()
                },
            }
        }
    }
}

fn post_tool_use(o: PostToolUseOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let mut effect = Effect::default();
    let (additional_context, updated_mcp) = match o.hook_specific_output {
        Some(s) => (s.additional_context, s.updated_mcp_tool_output),
        None => (None, None),
    };
    let blocks = o.decision == Some(BlockDecisionWire::Block);
    let invalid = if o.suppress_output {
        Some("PostToolUse hook returned unsupported suppressOutput")
    } else if updated_mcp.is_some() {
        Some("PostToolUse hook returned unsupported updatedMCPToolOutput")
    } else if blocks && is_blank(&o.reason) {
        Some("PostToolUse hook returned decision:block without a non-empty reason")
    } else if !blocks && o.reason.is_some() && o.continue_processing {
        Some("PostToolUse hook returned reason without decision")
    } else {
        None
    };
    if invalid.is_none() {
        if let Some(context) = additional_context {
            entries.push(Entry::new(EntryKind::Context, context.clone()));
            effect.additional_contexts.push(context);
        }
    }
    let status = if !o.continue_processing {
        let stop_text = o
            .stop_reason
            .clone()
            .unwrap_or_else(|| POST_TOOL_USE_STOPPED.to_owned());
        entries.push(Entry::new(EntryKind::Stop, stop_text.clone()));
        effect.should_stop = true;
        effect.stop_reason = o.stop_reason;
        effect.feedback = Some(
            o.reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .unwrap_or(stop_text),
        );
        RunStatus::Stopped
    } else if let Some(invalid) = invalid {
        return fail_with(entries, invalid.to_owned());
    } else if blocks {
        let reason = o.reason.unwrap_or_default();
        entries.push(Entry::new(EntryKind::Feedback, reason.clone()));
        effect.feedback = Some(reason);
        RunStatus::Blocked
    } else {
        RunStatus::Completed
    };
    HandlerOutcome {
        status,
        entries,
        effect,
    }
}

fn session_start(o: SessionStartOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let mut effect = Effect::default();
    if let Some(context) = o.hook_specific_output.and_then(|s| s.additional_context) {
        entries.push(Entry::new(EntryKind::Context, context.clone()));
        effect.additional_contexts.push(context);
    }
    let status = if o.continue_processing {
        RunStatus::Completed
    } else {
        stop_entry(&mut entries, &o.stop_reason);
        effect.should_stop = true;
        effect.stop_reason = o.stop_reason;
        RunStatus::Stopped
    };
    HandlerOutcome {
        status,
        entries,
        effect,
    }
}

fn stop_entry(entries: &mut Vec<Entry>, stop_reason: &Option<String>) {
    if let Some(reason) = stop_reason {
        entries.push(Entry::new(EntryKind::Stop, reason.clone()));
    }
}

fn user_prompt_submit(o: UserPromptSubmitOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let mut effect = Effect::default();
    let blocks = o.decision == Some(BlockDecisionWire::Block);
    let invalid_block = blocks && is_blank(&o.reason);
    if !invalid_block {
        if let Some(context) = o.hook_specific_output.and_then(|s| s.additional_context) {
            entries.push(Entry::new(EntryKind::Context, context.clone()));
            effect.additional_contexts.push(context);
        }
    }
    let status = if !o.continue_processing {
        stop_entry(&mut entries, &o.stop_reason);
        effect.should_stop = true;
        effect.stop_reason = o.stop_reason;
        RunStatus::Stopped
    } else if invalid_block {
        return fail_with(
            entries,
            "UserPromptSubmit hook returned decision:block without a non-empty reason".to_owned(),
        );
    } else if blocks {
        let reason = o.reason.unwrap_or_default();
        entries.push(Entry::new(EntryKind::Feedback, reason.clone()));
        effect.should_stop = true;
        effect.stop_reason = Some(reason);
        RunStatus::Blocked
    } else {
        RunStatus::Completed
    };
    HandlerOutcome {
        status,
        entries,
        effect,
    }
}

fn stop_like(event: HookEvent, o: StopOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let mut effect = Effect::default();
    let blocks = o.decision == Some(BlockDecisionWire::Block);
    if !o.continue_processing {
        stop_entry(&mut entries, &o.stop_reason);
        effect.should_stop = true;
        effect.stop_reason = o.stop_reason;
        return HandlerOutcome {
            status: RunStatus::Stopped,
            entries,
            effect,
        };
    }
    if blocks && is_blank(&o.reason) {
        return fail_with(
            entries,
            format!("{event} hook returned decision:block without a non-empty reason"),
        );
    }
    let reason = if blocks {
        o.reason.map(|r| r.trim().to_owned())
    } else {
        None
    };
    block_or_complete(entries, reason)
}

fn compact(event: HookEvent, o: UniversalOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    if o.continue_processing {
        return HandlerOutcome {
            status: RunStatus::Completed,
            entries,
            effect: Effect::default(),
        };
    }
    let default = if event == HookEvent::PreCompact {
        PRE_COMPACT_STOPPED
    } else {
        POST_COMPACT_STOPPED
    };
    let text = o.stop_reason.clone().unwrap_or_else(|| default.to_owned());
    entries.push(Entry::new(EntryKind::Stop, text));
    HandlerOutcome {
        status: RunStatus::Stopped,
        entries,
        effect: Effect {
            should_stop: true,
            stop_reason: o.stop_reason,
            ..Effect::default()
        },
    }
}

fn subagent_start(o: SubagentStartOutputWire) -> HandlerOutcome {
    let mut entries = warning_entries(&o.system_message);
    let mut effect = Effect::default();
    if let Some(context) = o.hook_specific_output.and_then(|s| s.additional_context) {
        entries.push(Entry::new(EntryKind::Context, context.clone()));
        effect.additional_contexts.push(context);
    }
    HandlerOutcome {
        status: RunStatus::Completed,
        entries,
        effect,
    }
}

/// SessionEnd cannot block or stop the end of a session (Claude Code's contract); its
/// output may only carry a `systemMessage` warning.
fn session_end(o: UniversalOutputWire) -> HandlerOutcome {
    HandlerOutcome {
        status: RunStatus::Completed,
        entries: warning_entries(&o.system_message),
        effect: Effect::default(),
    }
}
