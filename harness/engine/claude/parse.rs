//! Claude Code's output contract, pure: one handler's exit and output judged
//! ([`judge`]), then one event's handlers folded in declaration order ([`fold`]). No process,
//! file or clock.
//!
//! What the real 2.1.197 did (`docs/claude-dialect.md` has the runs):
//! - stdout whose first non-blank character is `{` and that parses as a JSON object is the
//!   hook's answer, **whatever the exit code** (`exit 1` with a JSON deny denies); any other
//!   stdout is plain text (context for SessionStart and UserPromptSubmit on exit 0);
//! - exit 2 is a blocking error with stderr as its text (`No stderr output` when empty); a
//!   JSON deny on the same run gives its own reason instead;
//! - any other exit, a timeout or a failure to start decides nothing (fail open).

use serde_json::{Map, Value};

use super::event::ClaudeEvent;

/// How a handler's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaudeExit {
    Code(i32),
    /// Killed at its timeout: `cancelled`, no decision.
    TimedOut,
    /// Could not run, or was killed by a signal (the text says which).
    Failed(String),
}

/// `hook_response.outcome` in stream-json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaudeOutcome {
    Success,
    Error,
    Cancelled,
}

/// PreToolUse's `permissionDecision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Allow,
    Ask,
    Defer,
    Deny,
}

/// The JSON answer of one hook, as far as Claude Code reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaudeAnswer {
    /// `continue: false` (with `stopReason`): Claude stops after this event.
    pub stop: Option<Option<String>>,
    pub suppress_output: bool,
    pub system_message: Option<String>,
    /// Top-level `decision: "block"` with its `reason` (UserPromptSubmit, PostToolUse,
    /// PostToolUseFailure, PostToolBatch, Stop, SubagentStop; legacy on PreToolUse).
    pub block: Option<Option<String>>,
    /// PreToolUse `permissionDecision` (or the legacy top-level `approve`/`block`), reason.
    pub permission: Option<(Permission, Option<String>)>,
    pub updated_input: Option<Value>,
    pub additional_context: Option<String>,
    /// PostToolUse `updatedToolOutput`: replaces the tool's output (its `stdout` for Bash).
    pub updated_output: Option<Value>,
    /// PermissionDenied `retry: true`: the model is told it may retry the call.
    pub retry: bool,
    /// Keys present that this event does not read (Claude Code ignores them silently).
    pub ignored: Vec<String>,
}

/// One handler judged.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaudeJudgement {
    pub outcome: ClaudeOutcome,
    /// Exit 0 with stdout that is not a JSON object: the text (trimmed).
    pub plain: Option<String>,
    pub answer: Option<ClaudeAnswer>,
    /// Exit 2: stderr, the blocking error.
    pub blocking: Option<String>,
    /// Another failure: what Claude Code shows the user (stderr, or why it could not run).
    pub error: Option<String>,
    /// The output was refused as a whole (Claude Code reports the run as an error with exit
    /// code 1): why.
    pub rejected: Option<String>,
}

impl ClaudeJudgement {
    /// The exit code stream-json's `hook_response` reports: 1 for a refused output.
    pub fn reported_exit(&self, exit: &ClaudeExit) -> Option<i32> {
        match exit {
            ClaudeExit::Code(_) if self.rejected.is_some() => Some(1),
            ClaudeExit::Code(c) => Some(*c),
            _ => None,
        }
    }
}

/// Judges one handler's run.
pub fn judge(event: ClaudeEvent, exit: &ClaudeExit, stdout: &str, stderr: &str) -> ClaudeJudgement {
    let mut j = ClaudeJudgement {
        outcome: ClaudeOutcome::Success,
        plain: None,
        answer: None,
        blocking: None,
        error: None,
        rejected: None,
    };
    if let ClaudeExit::Code(code) = exit {
        let trimmed = stdout.trim();
        if trimmed.starts_with('{') {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) {
                let named = map
                    .get("hookSpecificOutput")
                    .and_then(|s| s.get("hookEventName"))
                    .and_then(Value::as_str);
                match named {
                    Some(name) if name != event.name() => {
                        let pretty = serde_json::to_string_pretty(&Value::Object(map.clone()))
                            .unwrap_or_default();
                        j.rejected = Some(format!(
                            "Failed to run: Hook returned incorrect event name: expected '{}' but got '{name}'. Full stdout: {pretty}",
                            event.name()
                        ));
                        j.outcome = ClaudeOutcome::Error;
                        return j;
                    }
                    _ => j.answer = Some(read_answer(event, &map)),
                }
            }
        }
        if j.answer.is_none() && *code == 0 && !trimmed.is_empty() {
            j.plain = Some(trimmed.to_owned());
        }
    }
    match exit {
        ClaudeExit::Code(0) => {}
        ClaudeExit::Code(2) => {
            j.outcome = ClaudeOutcome::Error;
            j.blocking = Some(if stderr.is_empty() {
                "No stderr output".to_owned()
            } else {
                stderr.to_owned()
            });
        }
        ClaudeExit::Code(_) => {
            j.outcome = ClaudeOutcome::Error;
            j.error = Some(stderr.to_owned());
        }
        ClaudeExit::TimedOut => {
            j.outcome = ClaudeOutcome::Cancelled;
        }
        ClaudeExit::Failed(why) => {
            j.outcome = ClaudeOutcome::Error;
            j.error = Some(why.clone());
        }
    }
    j
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn read_answer(event: ClaudeEvent, map: &Map<String, Value>) -> ClaudeAnswer {
    let mut a = ClaudeAnswer::default();
    let mut read = vec!["continue", "stopReason", "suppressOutput", "systemMessage"];
    if map.get("continue") == Some(&Value::Bool(false)) {
        a.stop = Some(string(map, "stopReason"));
    }
    a.suppress_output = map.get("suppressOutput") == Some(&Value::Bool(true));
    a.system_message = string(map, "systemMessage");
    let top_decision = string(map, "decision");
    let reason = string(map, "reason");
    match event {
        ClaudeEvent::PreToolUse => {
            read.extend(["decision", "reason", "hookSpecificOutput"]);
            // The legacy top-level decision: `approve` allows, `block` denies.
            match top_decision.as_deref() {
                Some("approve") => a.permission = Some((Permission::Allow, reason.clone())),
                Some("block") => a.permission = Some((Permission::Deny, reason.clone())),
                _ => {}
            }
        }
        ClaudeEvent::UserPromptSubmit
        | ClaudeEvent::PostToolUse
        | ClaudeEvent::PostToolUseFailure
        | ClaudeEvent::PostToolBatch
        | ClaudeEvent::Stop
        | ClaudeEvent::SubagentStop
        | ClaudeEvent::PreCompact => {
            read.extend(["decision", "reason", "hookSpecificOutput"]);
            if top_decision.as_deref() == Some("block") {
                a.block = Some(reason.clone());
            }
        }
        _ => read.push("hookSpecificOutput"),
    }
    if let Some(Value::Object(specific)) = map.get("hookSpecificOutput") {
        // Read only when it names this event, as Claude Code does.
        if specific.get("hookEventName").and_then(Value::as_str) == Some(event.name()) {
            if event == ClaudeEvent::PreToolUse {
                let decision = match specific.get("permissionDecision").and_then(Value::as_str) {
                    Some("allow") => Some(Permission::Allow),
                    Some("deny") => Some(Permission::Deny),
                    Some("ask") => Some(Permission::Ask),
                    Some("defer") => Some(Permission::Defer),
                    _ => None,
                };
                if let Some(d) = decision {
                    a.permission = Some((d, string(specific, "permissionDecisionReason")));
                }
                a.updated_input = specific
                    .get("updatedInput")
                    .filter(|v| v.is_object())
                    .cloned();
            }
            if event == ClaudeEvent::PostToolUse {
                a.updated_output = specific.get("updatedToolOutput").cloned();
            }
            if event == ClaudeEvent::PermissionDenied {
                a.retry = specific.get("retry") == Some(&Value::Bool(true));
            }
            a.additional_context = string(specific, "additionalContext");
        }
    }
    a.ignored = map
        .keys()
        .filter(|k| !read.contains(&k.as_str()))
        .cloned()
        .collect();
    a
}

/// What one event's handlers said together, folded in declaration order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaudeVerdict {
    /// Exit-2 errors: (command, stderr).
    pub blocking: Vec<(String, String)>,
    /// JSON `decision: "block"`s: (command, reason; `None` without one).
    pub blocks: Vec<(String, Option<String>)>,
    /// PreToolUse: the strongest decision (deny > defer > ask > allow) and its reason.
    pub permission: Option<(Permission, Option<String>)>,
    /// The last `updatedInput` (2.1.197 applies it with or without `allow`).
    pub updated_input: Option<Value>,
    /// PostToolUse: the last `updatedToolOutput`.
    pub updated_output: Option<Value>,
    /// JSON `additionalContext`s, in order.
    pub contexts: Vec<String>,
    /// Plain stdout of exit-0 runs, in order.
    pub plain: Vec<String>,
    /// `continue: false`: the first stop reason.
    pub stop: Option<Option<String>>,
    pub system_messages: Vec<String>,
    /// PermissionDenied: a handler said `retry: true`.
    pub retry: bool,
}

/// Folds the judgements of one event's handlers (declaration order) with their commands.
pub fn fold<'a>(runs: impl IntoIterator<Item = (&'a str, &'a ClaudeJudgement)>) -> ClaudeVerdict {
    let mut v = ClaudeVerdict::default();
    for (command, j) in runs {
        let json_denies = j.answer.as_ref().is_some_and(|a| {
            matches!(a.permission, Some((Permission::Deny, _))) || a.block.is_some()
        });
        if let (Some(stderr), false) = (&j.blocking, json_denies) {
            v.blocking.push((command.to_owned(), stderr.clone()));
        }
        if let Some(text) = &j.plain {
            v.plain.push(text.clone());
        }
        let Some(a) = &j.answer else { continue };
        if let Some(block) = &a.block {
            v.blocks.push((command.to_owned(), block.clone()));
        }
        if let Some((p, reason)) = &a.permission {
            let stronger = v.permission.as_ref().is_none_or(|(q, _)| p > q);
            if stronger {
                v.permission = Some((*p, reason.clone()));
            }
        }
        if a.updated_input.is_some() {
            v.updated_input = a.updated_input.clone();
        }
        if a.updated_output.is_some() {
            v.updated_output = a.updated_output.clone();
        }
        if let Some(c) = &a.additional_context {
            v.contexts.push(c.clone());
        }
        if v.stop.is_none() {
            v.stop = a.stop.clone();
        }
        if let Some(m) = &a.system_message {
            v.system_messages.push(m.clone());
        }
        v.retry |= a.retry;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(event: ClaudeEvent, stdout: &str) -> ClaudeJudgement {
        judge(event, &ClaudeExit::Code(0), stdout, "")
    }

    #[test]
    fn exit_two_blocks_with_stderr_unless_its_json_denies() {
        let j = judge(
            ClaudeEvent::PreToolUse,
            &ClaudeExit::Code(2),
            r#"{"decision":"approve"}"#,
            "no\n",
        );
        assert_eq!(j.blocking.as_deref(), Some("no\n"));
        assert_eq!(j.outcome, ClaudeOutcome::Error);
        assert_eq!(
            fold([("c", &j)]).blocking,
            [("c".to_owned(), "no\n".to_owned())]
        );
        let deny = judge(
            ClaudeEvent::PreToolUse,
            &ClaudeExit::Code(2),
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"R"}}"#,
            "E2",
        );
        let v = fold([("c", &deny)]);
        assert!(v.blocking.is_empty());
        assert_eq!(v.permission, Some((Permission::Deny, Some("R".into()))));
        let silent = judge(ClaudeEvent::PreToolUse, &ClaudeExit::Code(2), "", "");
        assert_eq!(silent.blocking.as_deref(), Some("No stderr output"));
    }

    #[test]
    fn json_decides_on_exit_one_too() {
        let j = judge(
            ClaudeEvent::PreToolUse,
            &ClaudeExit::Code(1),
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"R"}}"#,
            "",
        );
        assert_eq!(
            fold([("c", &j)]).permission,
            Some((Permission::Deny, Some("R".into())))
        );
    }

    #[test]
    fn other_exits_and_timeouts_decide_nothing() {
        let j = judge(ClaudeEvent::PreToolUse, &ClaudeExit::Code(1), "", "oops");
        assert_eq!((j.blocking, j.error.as_deref()), (None, Some("oops")));
        let t = judge(ClaudeEvent::Stop, &ClaudeExit::TimedOut, "", "");
        assert_eq!(t.outcome, ClaudeOutcome::Cancelled);
    }

    #[test]
    fn pre_tool_use_reads_ask_deny_and_updated_input_and_lists_ignored_keys() {
        let j = ok(
            ClaudeEvent::PreToolUse,
            r#"{"metrics":{},"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"sure?"}}"#,
        );
        let a = j.answer.unwrap();
        assert_eq!(a.permission, Some((Permission::Ask, Some("sure?".into()))));
        assert_eq!(a.ignored, ["metrics"]);
        let allow = ok(
            ClaudeEvent::PreToolUse,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","updatedInput":{"command":"echo hi"}}}"#,
        );
        let v = fold([("a", &allow)]);
        assert_eq!(
            v.updated_input,
            Some(serde_json::json!({"command":"echo hi"}))
        );
    }

    #[test]
    fn deny_beats_defer_ask_and_allow_whatever_the_order() {
        let allow = ok(
            ClaudeEvent::PreToolUse,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}"#,
        );
        let deny = ok(
            ClaudeEvent::PreToolUse,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny"}}"#,
        );
        let ask = ok(
            ClaudeEvent::PreToolUse,
            r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}}"#,
        );
        let v = fold([("a", &deny), ("b", &allow), ("c", &ask)]);
        assert_eq!(v.permission, Some((Permission::Deny, None)));
    }

    #[test]
    fn plain_text_and_invalid_json_are_plain_output() {
        assert_eq!(
            ok(ClaudeEvent::Stop, "done\n").plain.as_deref(),
            Some("done")
        );
        assert_eq!(
            ok(ClaudeEvent::Stop, "{not json").plain.as_deref(),
            Some("{not json")
        );
        let wrong_event = ok(
            ClaudeEvent::PostToolUse,
            r#"{"decision":"block","hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"x"}}"#,
        );
        assert_eq!(wrong_event.answer, None, "the whole answer is refused");
        assert_eq!(wrong_event.outcome, ClaudeOutcome::Error);
        assert_eq!(wrong_event.reported_exit(&ClaudeExit::Code(0)), Some(1));
        assert!(wrong_event.rejected.unwrap().starts_with(
            "Failed to run: Hook returned incorrect event name: expected 'PostToolUse' but got 'PreToolUse'. Full stdout: {\n"
        ));
    }

    #[test]
    fn stop_blocks_and_continue_false() {
        let j = ok(
            ClaudeEvent::Stop,
            r#"{"decision":"block","reason":"keep going"}"#,
        );
        assert_eq!(
            j.answer.as_ref().unwrap().block,
            Some(Some("keep going".into()))
        );
        let c = ok(
            ClaudeEvent::Stop,
            r#"{"continue":false,"stopReason":"halt"}"#,
        );
        assert_eq!(fold([("x", &c)]).stop, Some(Some("halt".into())));
    }
}
