//! Codex 0.171's output rules where they differ from 4e30281's (spec/codex-current.md):
//! PreToolUse (`additionalContext`, `updatedInput`), PostToolUse exit 2, SessionEnd,
//! Interrupt, the model-request events and `async` handlers. Pure and total.

use serde_json::Value;

use super::*;

/// Parses one handler's result by `dialect`'s rules: 4e30281's, or Codex 0.171's where they
/// differ (PreToolUse, PostToolUse exit 2, SessionEnd, Interrupt, the model-request events).
/// Pure and total.
pub fn parse_output_as(dialect: Dialect, event: HookEvent, raw: &RawOutput) -> HandlerOutcome {
    if !dialect.is_current() {
        return parse_output(event, raw);
    }
    if HookEvent::MODEL_REQUEST.contains(&event) {
        return model_request(raw);
    }
    if event == HookEvent::Interrupt {
        return interrupt(raw);
    }
    match (event, &raw.exit) {
        (HookEvent::SessionEnd, HandlerExit::Code { code: 0 }) => HandlerOutcome {
            status: RunStatus::Completed,
            entries: Vec::new(),
            effect: Effect::default(),
        },
        (HookEvent::SessionEnd, HandlerExit::Code { code }) => {
            let stderr = String::from_utf8_lossy(&raw.stderr);
            let trimmed = stderr.trim();
            HandlerOutcome::failed(if trimmed.is_empty() {
                format!("hook exited with code {code}")
            } else {
                trimmed.to_owned()
            })
        }
        (HookEvent::PreToolUse, HandlerExit::Code { code: 0 }) => with_output(
            event,
            &String::from_utf8_lossy(&raw.stdout),
            pre_tool_use_0171,
        ),
        (HookEvent::PostToolUse, HandlerExit::Code { code: 2 }) => {
            let mut outcome = parse_output(event, raw);
            if outcome.effect.feedback.is_some() {
                outcome.status = RunStatus::Blocked;
            }
            outcome
        }
        _ => parse_output(event, raw),
    }
}

/// An `async: true` handler's result (Codex 0.171, spec/codex-current.md §3.1): no control
/// effect at all — only its contexts, `systemMessage` and errors are kept; exit 2 is a plain
/// failure.
pub fn parse_async_output(event: HookEvent, raw: &RawOutput) -> HandlerOutcome {
    if raw.exit == (HandlerExit::Code { code: 2 }) {
        return HandlerOutcome::failed("hook exited with code 2");
    }
    let parsed = parse_output_as(Dialect::Codex, event, raw);
    let entries: Vec<Entry> = parsed
        .entries
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                EntryKind::Warning | EntryKind::Context | EntryKind::Error
            )
        })
        .collect();
    HandlerOutcome {
        status: if parsed.status == RunStatus::Failed {
            RunStatus::Failed
        } else {
            RunStatus::Completed
        },
        entries,
        effect: Effect {
            additional_contexts: parsed.effect.additional_contexts,
            ..Effect::default()
        },
    }
}

/// Interrupt (Codex 0.171, spec/codex-current.md §2.10): only `systemMessage` is accepted;
/// any other JSON fails as invalid, plain text as non-JSON; a non-zero exit fails with its
/// code (stderr ignored).
fn interrupt(raw: &RawOutput) -> HandlerOutcome {
    match &raw.exit {
        HandlerExit::Code { code: 0 } => {}
        HandlerExit::Code { code } => {
            return HandlerOutcome::failed(format!("hook exited with code {code}"))
        }
        HandlerExit::Signal { .. } => {
            return HandlerOutcome::failed("hook exited without a status code")
        }
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            return HandlerOutcome::failed(message.clone())
        }
    }
    let stdout = String::from_utf8_lossy(&raw.stdout);
    let text = stdout.trim();
    if text.is_empty() {
        return HandlerOutcome::completed();
    }
    if !(text.starts_with('{') || text.starts_with('[')) {
        return HandlerOutcome::failed("Interrupt hook returned non-JSON stdout");
    }
    let invalid = || HandlerOutcome::failed("hook returned invalid interrupt hook JSON output");
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return invalid();
    };
    match (map.len(), map.get("systemMessage")) {
        (0, _) => HandlerOutcome::completed(),
        (1, Some(Value::String(message))) => HandlerOutcome {
            status: RunStatus::Completed,
            entries: vec![Entry::new(EntryKind::Warning, message.clone())],
            effect: Effect::default(),
        },
        _ => invalid(),
    }
}

/// PreModelRequest/PostModelRequest (Codex 0.171, spec/codex-current.md §2.11): output is
/// ignored; a non-zero exit fails with the trimmed stderr as its one entry, or none when
/// stderr is blank (a kill too).
fn model_request(raw: &RawOutput) -> HandlerOutcome {
    let failed_quietly = || HandlerOutcome {
        status: RunStatus::Failed,
        entries: Vec::new(),
        effect: Effect::default(),
    };
    match &raw.exit {
        HandlerExit::Code { code: 0 } => HandlerOutcome::completed(),
        HandlerExit::Code { .. } => {
            let stderr = String::from_utf8_lossy(&raw.stderr);
            match stderr.trim() {
                "" => failed_quietly(),
                text => HandlerOutcome::failed(text.to_owned()),
            }
        }
        HandlerExit::Signal { .. } => failed_quietly(),
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            HandlerOutcome::failed(message.clone())
        }
    }
}

/// PreToolUse stdout by Codex 0.171's rules (spec/codex-current.md §2.3): `additionalContext`
/// is accepted (a `context` entry, kept when the output blocks) and no longer switches to the
/// hook-specific branch; `allow` + `updatedInput` rewrites the call.
fn pre_tool_use_0171(o: PreToolUseOutputWire) -> HandlerOutcome {
    let base = warning_entries(&o.system_message);
    let unsupported = |what: &str| format!("PreToolUse hook returned unsupported {what}");
    if let Some(text) = pre_tool_use_universal(&o) {
        return fail_with(base, text);
    }
    let context = o
        .hook_specific_output
        .as_ref()
        .and_then(|s| s.additional_context.clone());
    let specific = o.hook_specific_output.filter(|s| {
        s.permission_decision.is_some()
            || s.permission_decision_reason.is_some()
            || s.updated_input.is_some()
    });
    let mut updated_input = None;
    let reason = if let Some(s) = specific {
        match (s.permission_decision, s.updated_input) {
            (Some(PermissionDecisionWire::Allow), Some(input)) => {
                updated_input = Some(input);
                None
            }
            (_, Some(_)) => {
                return fail_with(
                    base,
                    "PreToolUse hook returned updatedInput without permissionDecision:allow"
                        .to_owned(),
                )
            }
            (Some(PermissionDecisionWire::Allow), None) => {
                return fail_with(base, unsupported("permissionDecision:allow"))
            }
            (Some(PermissionDecisionWire::Ask), None) => {
                return fail_with(base, unsupported("permissionDecision:ask"))
            }
            (Some(PermissionDecisionWire::Deny), None)
                if is_blank(&s.permission_decision_reason) =>
            {
                return fail_with(
                    base,
                    "PreToolUse hook returned permissionDecision:deny without a non-empty permissionDecisionReason"
                        .to_owned(),
                );
            }
            (Some(PermissionDecisionWire::Deny), None) => s.permission_decision_reason,
            (None, None) => {
                return fail_with(
                    base,
                    "PreToolUse hook returned permissionDecisionReason without permissionDecision"
                        .to_owned(),
                );
            }
        }
    } else {
        match legacy_pre_tool_use(o.decision.as_ref(), o.reason) {
            Ok(reason) => reason,
            Err(text) => return fail_with(base, text),
        }
    };
    let mut entries = base;
    if let Some(c) = &context {
        entries.push(Entry::new(EntryKind::Context, c.clone()));
    }
    let mut outcome = block_or_complete(entries, reason.map(|r| r.trim().to_owned()));
    outcome.effect.additional_contexts = context.into_iter().collect();
    outcome.effect.updated_input = updated_input;
    outcome
}
