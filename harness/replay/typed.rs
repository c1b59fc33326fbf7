//! Normalisation of a typed [`Recording`]: the same [`Normaliser`] applied to every text the
//! recording holds (paths, addresses, the user's filters), and every time and duration of a
//! run summary set to 0 — the printers never show a time or a duration, only `<TIME>` and
//! `<DURATION>` where one is set. The result is still a `Recording`.

use serde_json::Value;

use super::normalise::Normaliser;
use crate::agent::recording::{HookNotice, Recording, SkippedHookRecord, TimelineEntry};
use crate::engine::lifecycle::LifecycleResult;
use crate::engine::outcome::HandlerExit;
use crate::engine::summary::HookRunSummary;

/// A normalised copy of `rec`: byte-identical from run to run once printed.
pub fn normalised(rec: &Recording, n: &Normaliser) -> Recording {
    let t = |s: &String| n.text(s);
    let texts = |v: &[String]| v.iter().map(|s| n.text(s)).collect::<Vec<_>>();
    let mut out = rec.clone();
    out.thread_id = t(&rec.thread_id);
    out.transcript_path = t(&rec.transcript_path);
    out.discovery_warnings = texts(&rec.discovery_warnings);
    out.start_error = rec.start_error.as_ref().map(t);
    let skipped = |s: &mut SkippedHookRecord| {
        s.key = n.text(&s.key);
        s.command = n.text(&s.command);
    };
    out.skipped_hooks.iter_mut().for_each(skipped);
    for entry in &mut out.timeline {
        match entry {
            TimelineEntry::Hooks(r) => {
                r.skipped.iter_mut().for_each(skipped);
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.agent_id = r.agent_id.as_ref().map(t);
                r.started.iter_mut().for_each(|x| notice(x, n));
                r.completed.iter_mut().for_each(|x| notice(x, n));
                for run in &mut r.runs {
                    run.run_id = t(&run.run_id);
                    run.command = t(&run.command);
                    run.stdin = t(&run.stdin);
                    run.stdout = t(&run.stdout);
                    run.stderr = t(&run.stderr);
                    if let Some(call) = &mut run.mcp {
                        call.server = t(&call.server);
                        call.tool = t(&call.tool);
                        if let Some(args) = &mut call.arguments {
                            n.value(args);
                        }
                    }
                    exit(&mut run.exit, n);
                    run.duration = std::time::Duration::ZERO;
                }
            }
            TimelineEntry::ClaudeHooks(r) => {
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.subject = r.subject.as_ref().map(t);
                for run in &mut r.runs {
                    run.command = t(&run.command);
                    run.stdin = t(&run.stdin);
                    run.stdout = t(&run.stdout);
                    run.stderr = t(&run.stderr);
                    run.exit = t(&run.exit);
                    run.rejected = run.rejected.as_ref().map(t);
                    run.decision = run.decision.as_ref().map(t);
                    run.duration = std::time::Duration::ZERO;
                }
                for n in &mut r.not_run {
                    n.command = t(&n.command);
                    n.why = t(&n.why);
                }
                r.effect = texts(&r.effect);
            }
            TimelineEntry::LifecycleHook(r) => {
                r.event = t(&r.event);
                r.name = t(&r.name);
                r.thread_id = t(&r.thread_id);
                r.turn_id = r.turn_id.as_ref().map(t);
                r.agent_id = r.agent_id.as_ref().map(t);
                r.argv = texts(&r.argv);
                r.stdin = t(&r.stdin);
                r.stderr = t(&r.stderr);
                exit(&mut r.exit, n);
                result(&mut r.result, n);
                r.log = r.log.as_ref().map(t);
                summary(&mut r.summary, n);
            }
            TimelineEntry::Notify(r) => {
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.argv = texts(&r.argv);
                r.json = t(&r.json);
                r.source_path = t(&r.source_path);
                r.stderr = t(&r.stderr);
                exit(&mut r.exit, n);
                result(&mut r.result, n);
            }
            TimelineEntry::ModelRequest(r) => {
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.input = texts(&r.input);
                r.output = texts(&r.output);
            }
            TimelineEntry::ToolCall(r) => {
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.call_id = t(&r.call_id);
                r.name = t(&r.name);
                r.hook_tool_name = r.hook_tool_name.as_ref().map(t);
                r.output_to_model = t(&r.output_to_model);
            }
            TimelineEntry::Warning {
                thread_id,
                turn_id,
                text,
            } => {
                *thread_id = t(thread_id);
                *turn_id = t(turn_id);
                *text = t(text);
            }
            TimelineEntry::TurnEnd(r) => {
                r.thread_id = t(&r.thread_id);
                r.turn_id = t(&r.turn_id);
                r.end = match serde_json::to_value(&r.end)
                    .map(|mut v| {
                        n.value(&mut v);
                        v
                    })
                    .and_then(serde_json::from_value)
                {
                    Ok(end) => end,
                    // A turn end is texts and tags only: it always round-trips.
                    Err(_) => r.end.clone(),
                };
            }
        }
    }
    out.transcript.iter_mut().for_each(|line| n.value(line));
    for event in &mut out.analytics {
        let p = &mut event.event_params;
        for field in [
            &mut p.thread_id,
            &mut p.turn_id,
            &mut p.model_slug,
            &mut p.hook_name,
            &mut p.hook_source,
            &mut p.status,
        ] {
            *field = field.as_ref().map(t);
        }
    }
    out.raw_requests.iter_mut().for_each(|body| n.value(body));
    out
}

fn notice(x: &mut HookNotice, n: &Normaliser) {
    x.thread_id = n.text(&x.thread_id);
    x.turn_id = x.turn_id.as_ref().map(|s| n.text(s));
    summary(&mut x.run, n);
}

fn summary(s: &mut HookRunSummary, n: &Normaliser) {
    s.id = n.text(&s.id);
    s.source_path = n.text(&s.source_path);
    s.status_message = s.status_message.as_ref().map(|m| n.text(m));
    for entry in &mut s.entries {
        entry.text = n.text(&entry.text);
    }
    s.started_at = 0;
    s.completed_at = s.completed_at.map(|_| 0);
    s.duration_ms = s.duration_ms.map(|_| 0);
}

fn exit(e: &mut HandlerExit, n: &Normaliser) {
    if let HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } = e {
        *message = n.text(message);
    }
}

fn result(r: &mut LifecycleResult, n: &Normaliser) {
    match r {
        LifecycleResult::Success => {}
        LifecycleResult::FailedContinue { error } | LifecycleResult::FailedAbort { error } => {
            *error = n.text(error);
        }
    }
}

/// The recording as JSON data (what `run --format json` prints and the schema checks read):
/// its serde form with every time and duration key, set or not zero, shown as `<TIME>` /
/// `<DURATION>`.
pub fn to_json(rec: &Recording) -> Value {
    let mut value = serde_json::to_value(rec).unwrap_or(Value::Null);
    Normaliser::times(&mut value);
    value
}
