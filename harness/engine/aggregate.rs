//! Per-event aggregation of handler outcomes, always in declaration order
//! (never in the order handlers finished).

use super::event::HookEvent;
use super::outcome::{ContinuationFragment, EventOutcome, HandlerOutcome, PermissionDecision};

/// One handler's contribution: its run id and its parsed outcome.
pub struct Contribution<'a> {
    pub run_id: &'a str,
    pub outcome: &'a HandlerOutcome,
}

/// Folds the handlers' outcomes (in declaration order) into the event's outcome.
pub fn aggregate(event: HookEvent, contributions: &[Contribution<'_>]) -> EventOutcome {
    let mut out = EventOutcome::default();
    let effects = contributions.iter().map(|c| &c.outcome.effect);
    for effect in effects.clone() {
        out.additional_contexts
            .extend(effect.additional_contexts.iter().cloned());
        out.should_stop |= effect.should_stop;
        if out.stop_reason.is_none() {
            out.stop_reason.clone_from(&effect.stop_reason);
        }
    }
    match event {
        HookEvent::PreToolUse => {
            out.should_block = effects.clone().any(|e| e.should_block);
            out.block_reason = effects
                .clone()
                .find(|e| e.should_block)
                .and_then(|e| e.block_reason.clone());
            // Codex 0.171 takes the rewrite of the handler that finished last; the last in
            // declaration order stands for it (goldens must not depend on timing).
            if !out.should_block {
                out.updated_input = effects
                    .clone()
                    .filter_map(|e| e.updated_input.clone())
                    .next_back();
            }
        }
        HookEvent::PermissionRequest => {
            let decisions = effects.clone().filter_map(|e| e.permission.as_ref());
            out.permission = decisions
                .clone()
                .find(|d| matches!(d, PermissionDecision::Deny { .. }))
                .or_else(|| decisions.clone().next())
                .cloned();
        }
        HookEvent::PostToolUse => {
            let feedback: Vec<&str> = effects
                .clone()
                .filter_map(|e| e.feedback.as_deref())
                .collect();
            if !feedback.is_empty() {
                out.feedback_message = Some(feedback.join("\n\n"));
            }
        }
        HookEvent::Stop | HookEvent::SubagentStop => {
            let blocking: Vec<&Contribution<'_>> = contributions
                .iter()
                .filter(|c| c.outcome.effect.should_block)
                .collect();
            if !out.should_stop && !blocking.is_empty() {
                out.should_block = true;
                let reasons: Vec<&str> = blocking
                    .iter()
                    .filter_map(|c| c.outcome.effect.block_reason.as_deref())
                    .collect();
                out.block_reason = Some(reasons.join("\n\n"));
                out.continuation_fragments =
                    blocking
                        .iter()
                        .filter_map(|c| {
                            c.outcome.effect.block_reason.as_ref().map(|text| {
                                ContinuationFragment {
                                    text: text.clone(),
                                    hook_run_id: c.run_id.to_owned(),
                                }
                            })
                        })
                        .collect();
            }
        }
        HookEvent::SessionStart
        | HookEvent::UserPromptSubmit
        | HookEvent::PreCompact
        | HookEvent::PostCompact
        | HookEvent::SubagentStart
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => {}
    }
    out
}
