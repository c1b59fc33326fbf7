//! The properties the hook-output parser, aggregation and matchers must keep. Each is a
//! named function returning `Err(message)` with what went wrong; `tests/properties.rs`
//! calls them through proptest and `hooktape fuzz` runs the parser ones at full speed.
//!
//! The expected texts and per-event rules here are written out from the spec
//! (`spec/codex-hooks.md` §2.2–2.8 and §9, `spec/codex-extra-events.md`, docs/behaviour.md for
//! SessionEnd), not read back from the parser, so a parser that drifts is caught.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::strategies::{ParserCase, StdoutKind};
use crate::engine::aggregate::{aggregate, Contribution};
use crate::engine::matcher::{is_exact_set, Matcher};
use crate::engine::outcome::{
    Effect, EntryKind, EventOutcome, HandlerExit, HandlerOutcome, PermissionDecision, RunStatus,
};
use crate::engine::parse::parse_output;
use crate::engine::wire::output::{
    PermissionRequestOutputWire, PostToolUseOutputWire, PreToolUseOutputWire,
    SessionStartOutputWire, StopOutputWire, SubagentStartOutputWire, UniversalOutputWire,
    UserPromptSubmitOutputWire,
};
use crate::engine::HookEvent;

/// A property's verdict: `Err` carries a message saying what was expected and what came.
pub type PropertyResult = Result<(), String>;

/// A property of one parse: the event, the generated case and the parser's outcome.
pub struct ParserProperty {
    pub name: &'static str,
    pub check: fn(HookEvent, &ParserCase, &Observed) -> PropertyResult,
}

/// A failed parser property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyFailure {
    pub property: &'static str,
    pub message: String,
}

impl std::fmt::Display for PropertyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.property, self.message)
    }
}

/// Name of the property checked by [`check_parser_case`] before all others.
pub const NEVER_PANICS: &str = "parsing_never_panics";

/// Every property of a single parse, in the order they are checked (after
/// [`NEVER_PANICS`]).
pub const PARSER_PROPERTIES: &[ParserProperty] = &[
    ParserProperty {
        name: "status_and_entries_agree",
        check: status_and_entries_agree,
    },
    ParserProperty {
        name: "failed_handler_fails_open",
        check: failed_handler_fails_open,
    },
    ParserProperty {
        name: "surrounding_whitespace_changes_nothing",
        check: surrounding_whitespace_changes_nothing,
    },
    ParserProperty {
        name: "exit_two_with_blank_stderr_fails",
        check: exit_two_with_blank_stderr_fails,
    },
    ParserProperty {
        name: "block_without_reason_fails",
        check: block_without_reason_fails,
    },
    ParserProperty {
        name: "invalid_json_and_plain_text_rules",
        check: invalid_json_and_plain_text_rules,
    },
    ParserProperty {
        name: "schema_valid_output_is_accepted",
        check: schema_valid_output_is_accepted,
    },
    ParserProperty {
        name: "exit_status_rules",
        check: exit_status_rules,
    },
];

/// Names of all parser properties, [`NEVER_PANICS`] first.
pub fn parser_property_names() -> Vec<&'static str> {
    std::iter::once(NEVER_PANICS)
        .chain(PARSER_PROPERTIES.iter().map(|p| p.name))
        .collect()
}

/// The parser's outcome for a case, with what the properties' oracles read off stdout
/// computed once: on exit 0, the trimmed (lossy UTF-8) stdout and its JSON value.
#[derive(Debug, Clone)]
pub struct Observed {
    pub outcome: HandlerOutcome,
    pub trimmed_stdout: String,
    pub stdout_json: Option<Value>,
}

impl Observed {
    pub fn new(case: &ParserCase, outcome: HandlerOutcome) -> Self {
        let (trimmed_stdout, stdout_json) = if case.exit == (HandlerExit::Code { code: 0 }) {
            let text = lossy(&case.stdout);
            let trimmed = text.trim();
            let json = if trimmed.is_empty() {
                None
            } else {
                serde_json::from_str::<Value>(trimmed).ok()
            };
            (trimmed.to_owned(), json)
        } else {
            (String::new(), None)
        };
        Observed {
            outcome,
            trimmed_stdout,
            stdout_json,
        }
    }
}

/// Parses `case` (catching a panic) and checks every parser property on the outcome.
pub fn check_parser_case(event: HookEvent, case: &ParserCase) -> Result<(), PropertyFailure> {
    let outcome = parse_without_panic(event, case).map_err(|message| PropertyFailure {
        property: NEVER_PANICS,
        message,
    })?;
    let observed = Observed::new(case, outcome);
    for property in PARSER_PROPERTIES {
        (property.check)(event, case, &observed).map_err(|message| PropertyFailure {
            property: property.name,
            message,
        })?;
    }
    Ok(())
}

/// `parsing_never_panics`: the parser returns an outcome for any input.
pub fn parse_without_panic(event: HookEvent, case: &ParserCase) -> Result<HandlerOutcome, String> {
    let raw = case.raw();
    catch_unwind(AssertUnwindSafe(|| parse_output(event, &raw))).map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string panic payload".to_owned());
        format!("parse_output panicked: {text}")
    })
}

mod aggregate;
mod spec;

pub use aggregate::*;
pub use spec::*;

fn is_blank_text(text: &str) -> bool {
    text.trim().is_empty()
}

/// A JSON string field that is missing, `null` or blank.
fn blank_field(object: &Value, key: &str) -> bool {
    match object.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => is_blank_text(s),
        Some(_) => false,
    }
}

fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn describe(outcome: &HandlerOutcome) -> String {
    format!(
        "status {}, entries {:?}, effect {:?}",
        outcome.status.as_str(),
        outcome.entries,
        outcome.effect
    )
}

fn expect_failed_with(outcome: &HandlerOutcome, text: &str, why: &str) -> PropertyResult {
    if *outcome == HandlerOutcome::failed(text) {
        Ok(())
    } else {
        Err(format!(
            "{why}: expected failed with the single error {text:?}, got {}",
            describe(outcome)
        ))
    }
}

// ---- parser properties ----

/// `status_and_entries_agree`: the status, the entries and the effect tell one story.
/// Failed ⇒ exactly one error entry, last; blocked ⇒ a feedback entry and something that
/// blocks, denies, stops or replaces output; stopped ⇒ should_stop; warnings come first;
/// context entries are exactly the additional contexts.
pub fn status_and_entries_agree(
    event: HookEvent,
    _case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    let entries = &outcome.entries;
    let effect = &outcome.effect;
    let count = |kind: EntryKind| entries.iter().filter(|e| e.kind == kind).count();
    let fail = |what: &str| Err(format!("{what}; got {}", describe(outcome)));
    match outcome.status {
        RunStatus::Running => return fail("a parsed run is never `running`"),
        RunStatus::Failed => {
            if entries.last().map(|e| e.kind) != Some(EntryKind::Error)
                || count(EntryKind::Error) != 1
            {
                return fail("failed ⇒ exactly one error entry, and it is the last");
            }
        }
        RunStatus::Blocked => {
            if count(EntryKind::Feedback) == 0 {
                return fail("blocked ⇒ a feedback entry");
            }
            let blocks = effect.should_block
                || matches!(effect.permission, Some(PermissionDecision::Deny { .. }))
                || effect.should_stop
                || (event == HookEvent::PostToolUse && effect.feedback.is_some());
            if !blocks {
                return fail(
                    "blocked ⇒ the effect blocks, denies, stops or replaces the tool output",
                );
            }
        }
        RunStatus::Stopped => {
            if !effect.should_stop {
                return fail("stopped ⇒ should_stop");
            }
        }
        RunStatus::Completed => {
            if effect.should_block || effect.should_stop {
                return fail("completed ⇒ neither blocks nor stops");
            }
            if matches!(effect.permission, Some(PermissionDecision::Deny { .. })) {
                return fail("completed ⇒ no deny");
            }
        }
    }
    if outcome.status != RunStatus::Failed && count(EntryKind::Error) != 0 {
        return fail("only a failed run has an error entry");
    }
    if effect.should_block && outcome.status != RunStatus::Blocked {
        return fail("should_block ⇒ blocked");
    }
    if effect.should_stop
        && outcome.status != RunStatus::Stopped
        && !(outcome.status == RunStatus::Blocked && event == HookEvent::UserPromptSubmit)
    {
        return fail("should_stop ⇒ stopped (or a blocked UserPromptSubmit)");
    }
    if count(EntryKind::Stop) > 0 && outcome.status != RunStatus::Stopped {
        return fail("a stop entry ⇒ stopped");
    }
    if let Some(reason) = &effect.block_reason {
        if !entries
            .iter()
            .any(|e| e.kind == EntryKind::Feedback && &e.text == reason)
        {
            return fail("the block reason is a feedback entry");
        }
    }
    if let Some(PermissionDecision::Deny { message }) = &effect.permission {
        if !entries
            .iter()
            .any(|e| e.kind == EntryKind::Feedback && &e.text == message)
        {
            return fail("the deny message is a feedback entry");
        }
    }
    let first_other = entries
        .iter()
        .position(|e| e.kind != EntryKind::Warning)
        .unwrap_or(entries.len());
    if entries[first_other..]
        .iter()
        .any(|e| e.kind == EntryKind::Warning)
    {
        return fail("warning entries come first");
    }
    let contexts: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Context)
        .map(|e| e.text.as_str())
        .collect();
    let additional: Vec<&str> = effect
        .additional_contexts
        .iter()
        .map(String::as_str)
        .collect();
    if contexts != additional {
        return fail("context entries are exactly the additional contexts, in order");
    }
    Ok(())
}

/// `failed_handler_fails_open`: a failed handler never blocks, denies, stops, injects
/// context or replaces tool output.
pub fn failed_handler_fails_open(
    _event: HookEvent,
    _case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if outcome.status == RunStatus::Failed && outcome.effect != Effect::default() {
        return Err(format!(
            "a failed handler must fail open (empty effect); got {}",
            describe(outcome)
        ));
    }
    Ok(())
}

/// `surrounding_whitespace_changes_nothing`: wrapping stdout and stderr in whitespace
/// (NBSP included; never a BOM) gives the same outcome.
pub fn surrounding_whitespace_changes_nothing(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if case.stdout_pad == Default::default() && case.stderr_pad == Default::default() {
        return Ok(());
    }
    let padded = parse_output(event, &case.padded_raw());
    if padded != *outcome {
        return Err(format!(
            "padding stdout with {:?}…{:?} and stderr with {:?}…{:?} changed the outcome\n  plain:  {}\n  padded: {}",
            case.stdout_pad.before,
            case.stdout_pad.after,
            case.stderr_pad.before,
            case.stderr_pad.after,
            describe(outcome),
            describe(&padded)
        ));
    }
    Ok(())
}

/// `exit_two_with_blank_stderr_fails`: exit 2 with empty or whitespace stderr is `failed`
/// with the event's exact text, and never blocks.
pub fn exit_two_with_blank_stderr_fails(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if case.exit != (HandlerExit::Code { code: 2 }) || !is_blank_text(&lossy(&case.stderr)) {
        return Ok(());
    }
    expect_failed_with(
        outcome,
        spec_exit_two_blank_text(event),
        "exit 2 with blank stderr",
    )
}

/// Whether exit-0 stdout asks to block or deny (PreToolUse `permissionDecision:deny`, or a
/// legacy/stop-like `decision:block`) without a non-blank reason, with `continue` not false.
/// PermissionRequest is not concerned: its deny has a default message.
pub fn asks_block_without_reason(event: HookEvent, value: &Value) -> bool {
    if !value.is_object() || value.get("continue") == Some(&Value::Bool(false)) {
        return false;
    }
    if event == HookEvent::PermissionRequest {
        return false;
    }
    if event == HookEvent::PreToolUse {
        if let Some(specific) = value.get("hookSpecificOutput").filter(|s| s.is_object()) {
            let used = [
                "permissionDecision",
                "permissionDecisionReason",
                "updatedInput",
                "additionalContext",
            ]
            .iter()
            .any(|k| !matches!(specific.get(*k), None | Some(Value::Null)));
            if used {
                return specific.get("permissionDecision") == Some(&Value::from("deny"))
                    && blank_field(specific, "permissionDecisionReason");
            }
        }
    }
    value.get("decision") == Some(&Value::from("block")) && blank_field(value, "reason")
}

/// `block_without_reason_fails`: a block or deny with a missing or blank reason is `failed`
/// and never blocks.
pub fn block_without_reason_fails(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if case.exit != (HandlerExit::Code { code: 0 }) {
        return Ok(());
    }
    let Some(value) = &observed.stdout_json else {
        return Ok(());
    };
    if !asks_block_without_reason(event, value) {
        return Ok(());
    }
    let blocks = outcome.effect.should_block
        || outcome.effect.should_stop
        || outcome.effect.permission.is_some()
        || outcome.effect.feedback.is_some();
    if outcome.status != RunStatus::Failed || blocks {
        return Err(format!(
            "a block/deny without a non-empty reason must be failed and never block; got {}",
            describe(outcome)
        ));
    }
    Ok(())
}

/// `invalid_json_and_plain_text_rules`: on exit 0, blank stdout completes with nothing;
/// stdout that is not the event's object fails with the event's "invalid … JSON output"
/// text when it looks like JSON (`{` or `[` after trimming), else follows the event's
/// plain-text rule; an accepted object never gets the invalid-JSON error.
pub fn invalid_json_and_plain_text_rules(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if case.exit != (HandlerExit::Code { code: 0 }) {
        return Ok(());
    }
    let trimmed = observed.trimmed_stdout.as_str();
    let invalid = spec_invalid_json_text(event);
    if trimmed.is_empty() {
        if *outcome != HandlerOutcome::completed() {
            return Err(format!(
                "blank stdout must complete with no entries; got {}",
                describe(outcome)
            ));
        }
        return Ok(());
    }
    let accepted = observed
        .stdout_json
        .as_ref()
        .is_some_and(|v| wire_accepts(event, v));
    if accepted {
        if outcome.entries.iter().any(|e| e.text == invalid) {
            return Err(format!(
                "an accepted {event} object must not get {invalid:?}; got {}",
                describe(outcome)
            ));
        }
        return Ok(());
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return expect_failed_with(outcome, invalid, "JSON-looking output the event rejects");
    }
    match spec_plain_text_rule(event) {
        SpecPlainText::Invalid => expect_failed_with(outcome, invalid, "plain text"),
        SpecPlainText::Ignored => {
            if *outcome == HandlerOutcome::completed() {
                Ok(())
            } else {
                Err(format!(
                    "plain text is ignored for {event} (completed, no entries); got {}",
                    describe(outcome)
                ))
            }
        }
        SpecPlainText::Context => {
            let ok = outcome.status == RunStatus::Completed
                && outcome.entries.len() == 1
                && outcome.entries[0].kind == EntryKind::Context
                && outcome.entries[0].text == trimmed
                && outcome.effect
                    == Effect {
                        additional_contexts: vec![trimmed.to_owned()],
                        ..Effect::default()
                    };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "plain text becomes the single context {trimmed:?} for {event}; got {}",
                    describe(outcome)
                ))
            }
        }
    }
}

/// `schema_valid_output_is_accepted`: exit 0 with an object valid under the event's schema
/// never gets the invalid-JSON error.
pub fn schema_valid_output_is_accepted(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    if case.stdout_kind != StdoutKind::SchemaValid || case.exit != (HandlerExit::Code { code: 0 }) {
        return Ok(());
    }
    let invalid = spec_invalid_json_text(event);
    if outcome.entries.iter().any(|e| e.text == invalid) {
        return Err(format!(
            "schema-valid output got {invalid:?}: {}",
            describe(outcome)
        ));
    }
    Ok(())
}

/// `exit_status_rules`: a runner error fails with its own text; no exit code fails with
/// the event's text; a non-zero code other than a meaningful exit 2 fails with
/// `hook exited with code N` (or the trimmed stderr where the event reports it); stdout
/// is ignored on every non-zero exit.
pub fn exit_status_rules(
    event: HookEvent,
    case: &ParserCase,
    observed: &Observed,
) -> PropertyResult {
    let outcome = &observed.outcome;
    let stderr = lossy(&case.stderr);
    let stderr = stderr.trim();
    match &case.exit {
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            expect_failed_with(outcome, message, "a runner error")
        }
        HandlerExit::Signal { .. } => {
            expect_failed_with(outcome, spec_no_status_text(event), "no exit code")
        }
        HandlerExit::Code { code: 0 } => Ok(()),
        HandlerExit::Code { code: 2 } if spec_exit_two_has_meaning(event) => {
            if stderr.is_empty() {
                return Ok(()); // exit_two_with_blank_stderr_fails
            }
            let feedback_is_stderr = outcome.entries.len() == 1
                && outcome.entries[0].kind == EntryKind::Feedback
                && outcome.entries[0].text == stderr;
            let status_ok = match event {
                HookEvent::PostToolUse => {
                    outcome.status == RunStatus::Completed
                        && outcome.effect.feedback.as_deref() == Some(stderr)
                }
                _ => outcome.status == RunStatus::Blocked,
            };
            if feedback_is_stderr && status_ok {
                Ok(())
            } else {
                Err(format!(
                    "exit 2 with stderr {stderr:?} must give that feedback ({}); got {}",
                    if event == HookEvent::PostToolUse {
                        "completed, feedback to the model"
                    } else {
                        "blocked"
                    },
                    describe(outcome)
                ))
            }
        }
        HandlerExit::Code { code } => {
            let text = if spec_stderr_is_error(event) && !stderr.is_empty() {
                stderr.to_owned()
            } else {
                format!("hook exited with code {code}")
            };
            expect_failed_with(outcome, &text, "a non-zero exit")
        }
    }
}
