//! The properties the hook-output parser, aggregation and matchers must keep. Each is a
//! named function returning `Err(message)` with what went wrong; `tests/properties.rs`
//! calls them through proptest and `hooktape fuzz` runs the parser ones at full speed.
//!
//! The expected texts and per-event rules here are written out from the spec
//! (`spec/codex-hooks.md` §2.2–2.8 and §9, `spec/codex-extra-events.md`, ARCHITECTURE.md for
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
        | HookEvent::SessionEnd => "hook exited with code 2",
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
        | HookEvent::SessionEnd => SpecPlainText::Ignored,
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
fn spec_stderr_is_error(event: HookEvent) -> bool {
    matches!(
        event,
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd
    )
}

/// Whether exit 2 with non-blank stderr means something for the event.
fn spec_exit_two_has_meaning(event: HookEvent) -> bool {
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

fn deserializes<T: DeserializeOwned>(value: &Value) -> bool {
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
        HookEvent::PreCompact | HookEvent::PostCompact | HookEvent::SessionEnd => {
            deserializes::<UniversalOutputWire>(value)
        }
        HookEvent::SubagentStart => deserializes::<SubagentStartOutputWire>(value),
    }
}

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
        HandlerExit::RunnerError { message } => {
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

// ---- aggregation ----

/// `aggregation_ignores_completion_order`: handlers finish in `completion` order (a
/// permutation of declaration indices); the engine joins results back in declaration order,
/// and the aggregate equals the declaration-order aggregate and follows the spec's
/// declaration-order rules (first block reason, contexts and fragments in order, first
/// non-null stop reason).
pub fn aggregation_ignores_completion_order(
    event: HookEvent,
    outcomes: &[HandlerOutcome],
    completion: &[usize],
) -> PropertyResult {
    let run_ids: Vec<String> = (0..outcomes.len()).map(|i| format!("run-{i}")).collect();
    let declared: Vec<Contribution<'_>> = outcomes
        .iter()
        .zip(&run_ids)
        .map(|(o, id)| Contribution {
            run_id: id,
            outcome: o,
        })
        .collect();
    let expected = aggregate(event, &declared);
    // Results as they arrive, each tagged with its declaration index, then joined back.
    let mut arrived: Vec<(usize, &HandlerOutcome)> =
        completion.iter().map(|&i| (i, &outcomes[i])).collect();
    arrived.sort_by_key(|(i, _)| *i);
    let joined: Vec<Contribution<'_>> = arrived
        .iter()
        .map(|(i, o)| Contribution {
            run_id: &run_ids[*i],
            outcome: o,
        })
        .collect();
    let actual = aggregate(event, &joined);
    if actual != expected {
        return Err(format!(
            "completion order {completion:?} changed the aggregate\n  declaration order: {expected:?}\n  joined:            {actual:?}"
        ));
    }
    spec_aggregate_rules(event, outcomes, &run_ids, &expected)
}

/// The declaration-order rules of the spec, checked on an aggregate.
pub fn spec_aggregate_rules(
    event: HookEvent,
    outcomes: &[HandlerOutcome],
    run_ids: &[String],
    agg: &EventOutcome,
) -> PropertyResult {
    let effects: Vec<&Effect> = outcomes.iter().map(|o| &o.effect).collect();
    let contexts: Vec<String> = effects
        .iter()
        .flat_map(|e| e.additional_contexts.iter().cloned())
        .collect();
    if agg.additional_contexts != contexts {
        return Err(format!(
            "contexts must be concatenated in declaration order: expected {contexts:?}, got {:?}",
            agg.additional_contexts
        ));
    }
    let should_stop = effects.iter().any(|e| e.should_stop);
    if agg.should_stop != should_stop {
        return Err(format!(
            "should_stop must be any handler's: expected {should_stop}"
        ));
    }
    let stop_reason = effects.iter().find_map(|e| e.stop_reason.clone());
    if agg.stop_reason != stop_reason {
        return Err(format!(
            "stop_reason must be the first non-null in declaration order: expected {stop_reason:?}, got {:?}",
            agg.stop_reason
        ));
    }
    match event {
        HookEvent::PreToolUse => {
            let first = effects.iter().find(|e| e.should_block);
            let expected = (first.is_some(), first.and_then(|e| e.block_reason.clone()));
            if (agg.should_block, agg.block_reason.clone()) != expected {
                return Err(format!(
                    "PreToolUse blocks if any handler does, with the first blocking reason: expected {expected:?}, got ({}, {:?})",
                    agg.should_block, agg.block_reason
                ));
            }
        }
        HookEvent::PermissionRequest => {
            let decisions: Vec<&PermissionDecision> = effects
                .iter()
                .filter_map(|e| e.permission.as_ref())
                .collect();
            let expected = decisions
                .iter()
                .find(|d| matches!(d, PermissionDecision::Deny { .. }))
                .or(decisions.first())
                .map(|d| (*d).clone());
            if agg.permission != expected {
                return Err(format!(
                    "the first deny wins, else the first allow: expected {expected:?}, got {:?}",
                    agg.permission
                ));
            }
        }
        HookEvent::PostToolUse => {
            let feedback: Vec<&str> = effects
                .iter()
                .filter_map(|e| e.feedback.as_deref())
                .collect();
            let expected = (!feedback.is_empty()).then(|| feedback.join("\n\n"));
            if agg.feedback_message != expected {
                return Err(format!(
                    "feedback is joined with a blank line in declaration order: expected {expected:?}, got {:?}",
                    agg.feedback_message
                ));
            }
        }
        HookEvent::Stop | HookEvent::SubagentStop => {
            let blocking: Vec<(usize, &&Effect)> = effects
                .iter()
                .enumerate()
                .filter(|(_, e)| e.should_block)
                .collect();
            let should_block = !should_stop && !blocking.is_empty();
            let fragments: Vec<(String, String)> = if should_block {
                blocking
                    .iter()
                    .filter_map(|(i, e)| e.block_reason.clone().map(|r| (r, run_ids[*i].clone())))
                    .collect()
            } else {
                Vec::new()
            };
            let got: Vec<(String, String)> = agg
                .continuation_fragments
                .iter()
                .map(|f| (f.text.clone(), f.hook_run_id.clone()))
                .collect();
            if agg.should_block != should_block || got != fragments {
                return Err(format!(
                    "stop-like: block unless any stops, one fragment per blocking handler in declaration order: expected block={should_block} {fragments:?}, got block={} {got:?}",
                    agg.should_block
                ));
            }
        }
        _ => {
            if agg.should_block || agg.permission.is_some() || agg.feedback_message.is_some() {
                return Err(format!(
                    "{event} never blocks, decides or gives feedback; got {agg:?}"
                ));
            }
        }
    }
    Ok(())
}

// ---- matchers ----

/// `matcher_exact_set_or_regex`: a matcher of `[A-Za-z0-9_|]` only matches exactly one of
/// its `|` names; any other (compiling) matcher is an unanchored regex search.
pub fn matcher_exact_set_or_regex(matcher: &str, subject: &str) -> PropertyResult {
    let compiled = match Matcher::compile(Some(matcher)) {
        Ok(m) => m,
        Err(err) if is_exact_set(matcher) || matcher == "*" => {
            return Err(format!("{matcher:?} must always compile: {err}"));
        }
        Err(_) => return Ok(()), // an invalid regex is a discovery warning, tested elsewhere
    };
    let expected = if matcher == "*" {
        true
    } else if matcher
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
    {
        matcher.split('|').any(|name| name == subject)
    } else {
        regex::Regex::new(matcher)
            .map(|re| re.is_match(subject))
            .unwrap_or(false)
    };
    let got = compiled.matches(subject);
    if got != expected {
        return Err(format!(
            "matcher {matcher:?} on {subject:?}: expected {expected}, got {got}"
        ));
    }
    Ok(())
}

/// `matcher_all_forms_match_everything`: omitted, `""` and `"*"` match any subject.
pub fn matcher_all_forms_match_everything(subject: &str) -> PropertyResult {
    for form in [None, Some(""), Some("*")] {
        let matches = Matcher::compile(form)
            .map(|m| m.matches(subject))
            .unwrap_or(false);
        if !matches {
            return Err(format!("matcher {form:?} must match {subject:?}"));
        }
    }
    Ok(())
}
