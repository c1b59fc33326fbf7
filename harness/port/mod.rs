//! `hooktape port`: one scenario played under two dialects (each with its own tool names,
//! payloads and wire), and what would behave differently for each hook, in the words a hook
//! author needs: a block in one that fails open in the other (and the rule that makes it
//! fail), keys one agent ignores or rejects, tool names and input keys a hook relies on that
//! the other never sends, events that never fire, environment variables and transcript
//! formats the other agent does not give.
//!
//! The scenario is translated, not rewritten by hand: the same hooks object is read from the
//! other agent's file (`.claude/settings.json` ↔ `.codex/hooks.json`), and each call becomes
//! the call the other agent's model would make for it (Claude's `Bash` ↔ Codex's
//! `exec_command`, `Write`/`Edit` → `apply_patch`, `Read` → `exec_command` `cat`).

mod observe;
mod report;
mod translate;

use std::collections::BTreeMap;

use crate::agent::recording::Recording;
use crate::agent::spec::{ModelResponse, OutputItem, Step, ToolCallSpec, ToolSpec};
use crate::engine::Dialect;
use crate::replay;
use crate::scenario::Scenario;
use observe::{declarations, handler_keys, has_event, observations, script_texts, Obs};
pub use report::{Finding, PortError, Report, Severity};
pub use translate::translate;

/// Plays `scenario` (of dialect `from`) and its translation to `to`, and compares.
pub async fn port(scenario: &Scenario, to: Dialect) -> Result<Report, PortError> {
    let from = scenario.session.dialect;
    let (target, mut findings) = translate(scenario, to)?;
    let a = replay::replay_any_warnings(scenario)
        .await
        .map_err(|e| PortError::Replay(format!("{from}: {e}")))?;
    let (b, flow) = play_target(&target).await?;
    if let Some(flow) = flow {
        findings.push(Finding {
            severity: Severity::Differs,
            hook: "(the session)".to_owned(),
            declared: "the scenario's script".to_owned(),
            event: "*".to_owned(),
            call: None,
            from: "the script is used up exactly".to_owned(),
            to: flow,
            why: format!("hooks end (or do not end) the session at other points in {to}"),
            fix: "see the findings above: a hook that stops the session in one agent goes on in the other".to_owned(),
        });
    }
    let decl = declarations(scenario);
    let keys = handler_keys(scenario);
    let scripts = script_texts(scenario);
    let mine = observations(&a.recording);
    let theirs = observations(&b);
    // Whether the target's session got as far as a run: its call was made, or (no call) the
    // event ran at all there.
    let target_calls: Vec<&str> = b.tool_calls().map(|c| c.call_id.as_str()).collect();
    // A subagent event happened in the target when it spawned one, whether or not a hook's
    // matcher selected the subagent's type.
    let target_types = agent_types(&target.steps);
    let subagent_event = |o: &Obs| matches!(o.event.as_str(), "SubagentStart" | "SubagentStop");
    let reached = |o: &Obs| match &o.call {
        Some(id) => target_calls.contains(&id.as_str()),
        None => {
            theirs.iter().any(|t| t.event == o.event)
                || (subagent_event(o) && !target_types.is_empty())
        }
    };
    let declared = |o: &Obs| {
        decl.get(&format!("{} {}", o.event, o.command))
            .cloned()
            .unwrap_or_else(|| "(inline)".to_owned())
    };
    let call_names: BTreeMap<String, (String, String)> =
        calls(&scenario.steps, scenario.session.dialect)
            .into_iter()
            .zip(calls(&target.steps, target.session.dialect))
            .map(|((id, a), (_, b))| (id, (a, b)))
            .collect();
    let call_text = |id: &Option<String>| {
        id.as_ref().map(|id| match call_names.get(id) {
            Some((a, b)) => format!("{id} {a} → {b}"),
            None => id.clone(),
        })
    };
    let mut seen_never = Vec::new();
    // Runs of the same hook, event and call pair up in order (a Stop hook runs once per
    // stop, with no call).
    let mut occurrence: BTreeMap<(String, String, Option<String>), usize> = BTreeMap::new();
    for o in &mine {
        let key = (o.event.clone(), o.command.clone(), o.call.clone());
        let nth = *occurrence.entry(key).and_modify(|n| *n += 1).or_insert(0);
        let same = theirs
            .iter()
            .filter(|t| t.event == o.event && t.command == o.command && t.call == o.call)
            .nth(nth);
        let any_event = theirs
            .iter()
            .any(|t| t.event == o.event && t.command == o.command);
        match same {
            None if !has_event(to, &o.event) => {
                if seen_never.contains(&(o.event.clone(), o.command.clone())) {
                    continue;
                }
                seen_never.push((o.event.clone(), o.command.clone()));
                findings.push(Finding {
                    severity: if o.blocks { Severity::FailsOpen } else { Severity::NeverRuns },
                    hook: o.command.clone(),
                    declared: declared(o),
                    event: o.event.clone(),
                    call: call_text(&o.call),
                    from: o.what.clone(),
                    to: "never runs".to_owned(),
                    why: format!("{to} has no {} event; its discovery drops the entry without a warning", o.event),
                    fix: format!("move the check to an event {to} fires (PreToolUse / PostToolUse / Stop), or accept that it does not run there"),
                });
            }
            None if !reached(o) => {
                findings.push(Finding {
                    severity: Severity::Differs,
                    hook: o.command.clone(),
                    declared: declared(o),
                    event: o.event.clone(),
                    call: call_text(&o.call),
                    from: o.what.clone(),
                    to: "never reached".to_owned(),
                    why: format!(
                        "the {to} session ended before this point (see the session's finding)"
                    ),
                    fix: "fix what ends the session early first".to_owned(),
                });
            }
            None => {
                let tool = call_names
                    .get(o.call.as_deref().unwrap_or(""))
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default();
                findings.push(Finding {
                    severity: if o.blocks {
                        Severity::FailsOpen
                    } else {
                        Severity::NeverRuns
                    },
                    hook: o.command.clone(),
                    declared: declared(o),
                    event: o.event.clone(),
                    call: call_text(&o.call),
                    from: o.what.clone(),
                    to: if o.call.is_some() {
                        "not run for this call"
                    } else {
                        "not run"
                    }
                    .to_owned(),
                    why: if subagent_event(o) {
                        format!(
                            "its matcher does not select the subagent type {to} spawns (`{}`)",
                            target_types.join("`, `")
                        )
                    } else if tool == "spawn_agent" || tool == "Agent" {
                        format!("{to} fires no {} for its subagent call `{tool}`: a subagent's start and end are SubagentStart and SubagentStop there", o.event)
                    } else if any_event {
                        format!("its matcher does not select the call {to} makes (`{tool}`)")
                    } else {
                        format!("its matcher selects nothing {to} sends (here `{tool}`)")
                    },
                    fix: if subagent_event(o) {
                        format!(
                            "add {to}'s subagent type to the matcher (`{}`)",
                            target_types.join("|")
                        )
                    } else if tool == "spawn_agent" || tool == "Agent" {
                        format!("check subagents with SubagentStart / SubagentStop hooks in {to}")
                    } else {
                        format!(
                            "add {to}'s tool name to the matcher (`{}`)",
                            tool.split_whitespace().next().unwrap_or("")
                        )
                    },
                });
            }
            Some(t) => {
                if o.blocks != t.blocks {
                    let missing: Vec<&String> = o
                        .input_keys
                        .iter()
                        .filter(|k| !t.input_keys.contains(k))
                        .collect();
                    let mut why = if t.what.starts_with("failed") {
                        format!("{to} rejects what the hook printed and fails the run, and a failed run decides nothing")
                    } else if !missing.is_empty() {
                        format!(
                            "{to} sends tool `{}` with input keys {:?}; the hook reads keys {to} never sends: {}",
                            t.tool_name.clone().unwrap_or_default(),
                            t.input_keys,
                            missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    } else if o.exit != t.exit {
                        format!(
                            "the hook itself exited {} under {from} and {} under {to}: it read another input or environment (see the findings on scripts)",
                            o.exit.map_or("-".to_owned(), |c| c.to_string()),
                            t.exit.map_or("-".to_owned(), |c| c.to_string())
                        )
                    } else {
                        format!("the same output means something else in {to}")
                    };
                    if o.blocks && t.what.contains("decided nothing") && missing.is_empty() {
                        why = format!("{to} reads the same output as no decision ({})", t.what);
                    }
                    findings.push(Finding {
                        severity: if o.blocks {
                            Severity::FailsOpen
                        } else {
                            Severity::BlocksOnlyInTarget
                        },
                        hook: o.command.clone(),
                        declared: declared(o),
                        event: o.event.clone(),
                        call: call_text(&o.call),
                        from: o.what.clone(),
                        to: t.what.clone(),
                        why,
                        fix: if o.exit != t.exit && !t.what.starts_with("failed") {
                            format!("make the script work with what {to} gives it (the payload's `cwd` rather than $CLAUDE_PROJECT_DIR; {to}'s tool names and input keys)")
                        } else {
                            fix_for(&t.what, &missing, to)
                        },
                    });
                } else if o.tool_name != t.tool_name || o.input_keys != t.input_keys {
                    let missing: Vec<&String> = o
                        .input_keys
                        .iter()
                        .filter(|k| !t.input_keys.contains(k))
                        .collect();
                    if !missing.is_empty() {
                        findings.push(Finding {
                            severity: Severity::Differs,
                            hook: o.command.clone(),
                            declared: declared(o),
                            event: o.event.clone(),
                            call: call_text(&o.call),
                            from: format!("tool `{}` {:?}", o.tool_name.clone().unwrap_or_default(), o.input_keys),
                            to: format!("tool `{}` {:?}", t.tool_name.clone().unwrap_or_default(), t.input_keys),
                            why: format!("input keys {to} never sends: {}", missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")),
                            fix: "read the keys each agent sends for its tool, or match on tool names per agent".to_owned(),
                        });
                    }
                }
            }
        }
    }
    // Handler keys the target ignores.
    if to != Dialect::Claude {
        for (key, handler) in &keys {
            for k in handler {
                if matches!(
                    k.as_str(),
                    "if" | "asyncRewake" | "once" | "shell" | "args" | "continueOnBlock"
                ) {
                    let (event, command) = key.split_once(' ').unwrap_or((key.as_str(), ""));
                    findings.push(Finding {
                        severity: Severity::Differs,
                        hook: command.to_owned(),
                        declared: decl.get(key).cloned().unwrap_or_default(),
                        event: event.to_owned(),
                        call: None,
                        from: format!("`{k}` is read"),
                        to: format!("`{k}` is ignored"),
                        why: format!("{to} does not know the handler key `{k}`: a gated handler runs on every call its matcher selects"),
                        fix: format!("do the `{k}` check inside the script, so it holds in both agents"),
                    });
                }
            }
        }
    }
    // Environment and transcript the scripts rely on.
    if from == Dialect::Claude && to != Dialect::Claude {
        for var in [
            "CLAUDE_PROJECT_DIR",
            "CLAUDE_ENV_FILE",
            "CLAUDE_CODE_SESSION_ID",
            "CLAUDECODE",
        ] {
            if scripts.contains(var) || decl.keys().any(|k| k.contains(var)) {
                findings.push(Finding {
                    severity: Severity::Differs,
                    hook: "(scripts)".to_owned(),
                    declared: "the scenario's files".to_owned(),
                    event: "*".to_owned(),
                    call: None,
                    from: format!("${var} is set"),
                    to: format!("${var} is not set"),
                    why: format!("{to} does not give hooks ${var}"),
                    fix: "fall back to the payload's `cwd` (or `git rev-parse --show-toplevel`) when it is unset".to_owned(),
                });
            }
        }
    }
    if scripts.contains("transcript_path") && from != to {
        findings.push(Finding {
            severity: Severity::Differs,
            hook: "(scripts)".to_owned(),
            declared: "the scenario's files".to_owned(),
            event: "*".to_owned(),
            call: None,
            from: match from {
                Dialect::Claude => "Claude Code JSONL: `type` user/assistant, `message.content`".to_owned(),
                _ => "Codex rollout: `type` response_item/event_msg, `payload`".to_owned(),
            },
            to: match to {
                Dialect::Claude => "Claude Code JSONL: `type` user/assistant, `message.content`".to_owned(),
                _ => "Codex rollout: `type` response_item/event_msg, `payload`".to_owned(),
            },
            why: "a hook reads transcript_path; the two agents write different transcript formats".to_owned(),
            fix: "prefer the payload's own fields (`last_assistant_message`, `prompt`) or parse both formats".to_owned(),
        });
    }
    Ok(Report {
        scenario: scenario.path.display().to_string(),
        from,
        to,
        findings,
    })
}

/// Plays the translated scenario. Where its flow differs (the target agent asks for an
/// answer the script does not have, or stops before using them all), plays what it can and
/// says how the flow differed.
async fn play_target(target: &Scenario) -> Result<(Recording, Option<String>), PortError> {
    let to = target.session.dialect;
    match replay::replay_any_warnings(target).await {
        Ok(r) => Ok((r.recording, None)),
        Err(e) => {
            if let Some(partial) = e.partial_recording() {
                return Ok((
                    partial.clone(),
                    Some(format!(
                        "stops before using every scripted answer ({})",
                        partial
                            .ended_early()
                            .unwrap_or_else(|| "the script ran long".to_owned())
                    )),
                ));
            }
            if !e.to_string().contains("no response left") {
                return Err(PortError::Replay(format!("{to}: {e}")));
            }
            // The session goes on where the source's stopped: give it one more answer.
            let mut longer = target.clone();
            if let Some(Step::Turn(t)) = longer
                .steps
                .iter_mut()
                .rev()
                .find(|s| matches!(s, Step::Turn(_)))
            {
                t.responses.push(ModelResponse::message(
                    "(hooktape port: an answer the scenario does not script)",
                ));
            }
            match replay::replay_any_warnings(&longer).await {
                Ok(r) => Ok((
                    r.recording,
                    Some("goes on past the script's end (one more model request)".to_owned()),
                )),
                Err(e2) => match e2.partial_recording() {
                    Some(p) => Ok((
                        p.clone(),
                        Some(format!("goes on past the script's end ({e})")),
                    )),
                    None => Err(PortError::Replay(format!("{to}: {e2}"))),
                },
            }
        }
    }
}

fn fix_for(to_what: &str, missing: &[&String], to: Dialect) -> String {
    if to_what.contains("unsupported") || to_what.starts_with("failed") {
        return format!("print only what {to} accepts for this event (see docs/hook-output.md), e.g. `permissionDecision: \"deny\"` with a reason");
    }
    if !missing.is_empty() {
        return format!(
            "read the input {to} sends too (Codex's apply_patch carries the patch in `command`; its file names follow `*** Add File:` / `*** Update File:`)"
        );
    }
    format!("give {to} a decision it honours: a deny with a reason, or exit 2 with stderr")
}

/// Each call of the steps as `(id, name)`.
/// Every call of `steps` in order, a subagent's own calls right after the call that starts
/// it.
fn each_call(steps: &[Step], f: &mut impl FnMut(&ToolCallSpec)) {
    fn walk(responses: &[ModelResponse], f: &mut impl FnMut(&ToolCallSpec)) {
        for c in responses
            .iter()
            .flat_map(|r| &r.output)
            .filter_map(|item| match item {
                OutputItem::Call(c) => Some(c),
                OutputItem::Message { .. } => None,
            })
        {
            f(c);
            if let ToolSpec::SpawnAgent(child) = &c.tool {
                walk(&child.responses, f);
            }
        }
    }
    for step in steps {
        if let Step::Turn(t) = step {
            walk(&t.responses, f);
        }
    }
}

/// Each call's id and tool name as `dialect`'s model names it.
fn calls(steps: &[Step], dialect: Dialect) -> Vec<(String, String)> {
    let mut out = Vec::new();
    each_call(steps, &mut |c| {
        let name = match dialect {
            Dialect::Claude => crate::agent::claude::wire::tool_use(&c.tool).0,
            _ => crate::agent::tools::model_name(&c.tool),
        };
        out.push((c.call_id.clone(), name));
    });
    out
}

/// The subagent types `steps` spawn, each once, in order.
fn agent_types(steps: &[Step]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    each_call(steps, &mut |c| {
        if let ToolSpec::SpawnAgent(child) = &c.tool {
            if !out.contains(&child.agent_type) {
                out.push(child.agent_type.clone());
            }
        }
    });
    out
}
