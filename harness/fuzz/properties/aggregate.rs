//! Properties of aggregation (declaration order, not completion order) and matchers.

use super::*;

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
