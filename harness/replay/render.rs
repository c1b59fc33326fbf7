//! Renders a normalised recording as the golden text: the story of the session, turn by
//! turn, in reading order. A model request shows what the model was sent and what it
//! answered; a tool call comes before the hooks it ran, with what became of it; each hook
//! run shows its command, stdin (pretty JSON in wire key order), exit, output and its
//! completed summary once (the `hook/started` preview only where it says something else).
//! Times and durations are never shown, only whether they are set. Analytics are shown
//! with sorted keys.

use std::fmt::Write as _;

use serde_json::Value;

use crate::agent::recording::{
    EventRunRecord, HookNotice, HookRunRecord, LifecycleRunRecord, NotifyRecord, Recording,
    TimelineEntry,
};
use crate::engine::lifecycle::LifecycleResult;
use crate::engine::outcome::{HandlerExit, RunStatus};
use crate::engine::summary::HookRunSummary;
use crate::engine::wire::HookRunSummaryV2;

/// Renders the normalised recording.
pub fn render(description: &str, rec: &Recording) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {description}");
    let _ = writeln!(out, "dialect: {} ({})", rec.dialect, rec.dialect.version());
    let _ = writeln!(out, "thread: {}", rec.thread_id);
    if rec.transcript_path.is_empty() {
        let _ = writeln!(out, "transcript: none");
    } else {
        let _ = writeln!(out, "transcript: {}", rec.transcript_path);
    }
    if rec.discovery_warnings.is_empty() {
        let _ = writeln!(out, "discovery warnings: none");
    } else {
        let _ = writeln!(out, "discovery warnings:");
        for w in &rec.discovery_warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    if !rec.skipped_hooks.is_empty() {
        let _ = writeln!(
            out,
            "hooks not run (hook trust; Codex skips them without a word):"
        );
        for s in &rec.skipped_hooks {
            let _ = writeln!(
                out,
                "  - {} {}: {}\n    [hooks.state.{}] trusted_hash = \"{}\"",
                s.status.as_str(),
                s.event.config_name(),
                s.command,
                toml::Value::String(s.key.clone()),
                s.current_hash
            );
        }
    }

    if let Some(error) = &rec.start_error {
        let _ = writeln!(
            out,
            "\nsession failed to start (thread/start is refused; nothing ran):\n  {error}"
        );
    }

    let mut current_turn: Option<String> = None;
    for entry in &rec.timeline {
        let label = section(rec, entry);
        if current_turn.as_deref() != Some(label.as_str()) {
            let _ = writeln!(out, "\n== {label} ==");
            current_turn = Some(label);
        }
        match entry {
            TimelineEntry::Hooks(r) => hooks(&mut out, r),
            TimelineEntry::ClaudeHooks(r) => claude_hooks(&mut out, r),
            TimelineEntry::LifecycleHook(r) => lifecycle_hook(&mut out, r),
            TimelineEntry::Notify(r) => notify(&mut out, r),
            TimelineEntry::ModelRequest(r) => {
                let _ = writeln!(
                    out,
                    "\n-> model request #{} ({})",
                    r.index,
                    r.purpose.as_str()
                );
                // One item per line: newlines and other control characters are shown
                // escaped (a golden stays plain text whatever a hook printed).
                for line in &r.input {
                    let _ = writeln!(out, "   | {}", escape_controls(line));
                }
                if r.output.is_empty() {
                    let _ = writeln!(out, "   <- (no answer)");
                }
                for line in &r.output {
                    let _ = writeln!(out, "   <- {}", escape_controls(line));
                }
            }
            TimelineEntry::ToolCall(r) => {
                let hook_name = r
                    .hook_tool_name
                    .as_ref()
                    .map(|n| format!(" (hooks see {n})"))
                    .unwrap_or_else(|| " (no hooks)".to_owned());
                let _ = writeln!(
                    out,
                    "\n-> tool call {} {}{}: {}{}",
                    r.call_id,
                    r.name,
                    hook_name,
                    r.disposition,
                    if r.asked_user { ", user was asked" } else { "" }
                );
                block(&mut out, "   output to model", &r.output_to_model);
            }
            TimelineEntry::Warning { text, .. } => {
                let _ = writeln!(out, "\n-> warning: {}", escape_controls(text));
            }
            TimelineEntry::TurnEnd(r) => {
                let end = serde_json::to_value(&r.end).unwrap_or(Value::Null);
                let how = end.get("how").and_then(Value::as_str).unwrap_or_default();
                let rest: Vec<String> = end
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| *k != "how")
                            .map(|(k, v)| format!("{k}: {}", compact(v)))
                            .collect()
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "\n-> turn ended: {how}{}",
                    if rest.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", rest.join(", "))
                    }
                );
            }
        }
    }

    let _ = writeln!(out, "\n== transcript ==");
    for line in &rec.transcript {
        let _ = writeln!(out, "{}", compact(line));
    }
    if rec.dialect == crate::engine::Dialect::Claude {
        // hooktape's Claude Code sends no analytics (the real one runs with it off).
        return out;
    }
    let _ = writeln!(out, "\n== analytics ==");
    if rec.analytics.is_empty() {
        let _ = writeln!(out, "none");
    }
    for e in &rec.analytics {
        let v = serde_json::to_value(e).unwrap_or(Value::Null);
        let _ = writeln!(out, "{}", compact(&sorted(&v)));
    }
    out
}

/// The section an entry belongs to: its turn (and thread, in a subagent), the session's
/// start before any turn, or its end.
fn section(rec: &Recording, entry: &TimelineEntry) -> String {
    let (thread, turn) = match entry {
        TimelineEntry::Hooks(r) => {
            if r.event == crate::engine::event::HookEvent::SessionEnd {
                // Thread-scoped: it belongs to no turn.
                return "session end".to_owned();
            }
            (r.thread_id.as_str(), r.turn_id.as_str())
        }
        TimelineEntry::LifecycleHook(r) => {
            if r.event == "SessionEnd" {
                return "session end".to_owned();
            }
            match &r.turn_id {
                Some(turn) => (r.thread_id.as_str(), turn.as_str()),
                // Lifecycle SessionStart fires when the session is configured, before any turn.
                None => return "session start".to_owned(),
            }
        }
        TimelineEntry::ClaudeHooks(r) => match r.event {
            crate::engine::claude::ClaudeEvent::SessionEnd => return "session end".to_owned(),
            _ if r.turn_id.is_empty() => return "session start".to_owned(),
            _ => (r.thread_id.as_str(), r.turn_id.as_str()),
        },
        TimelineEntry::Notify(r) => (r.thread_id.as_str(), r.turn_id.as_str()),
        TimelineEntry::ModelRequest(r) => (r.thread_id.as_str(), r.turn_id.as_str()),
        TimelineEntry::ToolCall(r) => (r.thread_id.as_str(), r.turn_id.as_str()),
        TimelineEntry::Warning {
            thread_id, turn_id, ..
        } => (thread_id.as_str(), turn_id.as_str()),
        TimelineEntry::TurnEnd(r) => (r.thread_id.as_str(), r.turn_id.as_str()),
    };
    if thread == rec.thread_id || thread.is_empty() {
        format!("turn {turn}")
    } else {
        format!("turn {turn} (thread {thread})")
    }
}

fn hooks(out: &mut String, entry: &EventRunRecord) {
    let agent = entry
        .agent_id
        .as_ref()
        .map(|a| format!(" in subagent {a}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n-> hooks {}{agent}: {} run(s)",
        entry.event.config_name(),
        entry.runs.len()
    );
    for s in &entry.skipped {
        let _ = writeln!(out, "   - not run ({}): {}", s.status.as_str(), s.command);
    }
    for run in &entry.runs {
        let completed = entry.completed.iter().find(|c| c.run.id == run.run_id);
        let started = entry.started.iter().find(|c| c.run.id == run.run_id);
        hook_run(out, run, started, completed);
    }
    // A handler previewed as started that never completed: its notification in full.
    for started in &entry.started {
        if !entry.runs.iter().any(|r| r.run_id == started.run.id) {
            let _ = writeln!(out, "   started, never run: {}", compact(&started.wire()));
        }
    }
}

/// One Claude Code event: the matcher's subject, each run (its layer, stdin, exit, output,
/// the keys Claude Code ignored), the handlers that did not run, and what the session did.
fn claude_hooks(out: &mut String, entry: &crate::agent::recording::ClaudeEventRecord) {
    let subject = entry
        .subject
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n-> hooks {}{subject}: {} run(s)",
        entry.event,
        entry.runs.len()
    );
    for n in &entry.not_run {
        let _ = writeln!(out, "   - not run: {}: {}", n.command, n.why);
    }
    for run in &entry.runs {
        let outcome = serde_json::to_value(run.outcome).unwrap_or(Value::Null);
        let _ = writeln!(
            out,
            "   * [{}] {}: {}{}",
            run.source,
            run.command,
            outcome.as_str().unwrap_or_default(),
            if run.background {
                " (async: decides nothing)"
            } else {
                ""
            }
        );
        stdin(out, "     stdin", &run.stdin);
        let _ = writeln!(out, "     exit: {}", run.exit);
        block(out, "     stdout", &run.stdout);
        block(out, "     stderr", &run.stderr);
        if let Some(d) = &run.decision {
            let _ = writeln!(out, "     decides: {}", escape_controls(d));
        }
        if let Some(why) = &run.rejected {
            block(out, "     refused (reported as exit code 1)", why);
        }
        if !run.ignored_keys.is_empty() {
            let _ = writeln!(
                out,
                "     ignored by Claude Code: {}",
                run.ignored_keys.join(", ")
            );
        }
    }
    for e in &entry.effect {
        let _ = writeln!(out, "   => {}", escape_controls(e));
    }
}

fn hook_run(
    out: &mut String,
    run: &HookRunRecord,
    started: Option<&HookNotice>,
    completed: Option<&HookNotice>,
) {
    let _ = writeln!(out, "   * {} [{}]", run.run_id, run.status.as_str());
    if let Some(call) = &run.mcp {
        // An `mcp_tool` run: the call it made and the tool's answer, in place of a process.
        let _ = writeln!(out, "     mcp_tool: {}/{}", call.server, call.tool);
        match &call.arguments {
            Some(args) => {
                let _ = writeln!(out, "     arguments: {}", compact(args));
            }
            None => {
                let _ = writeln!(out, "     arguments: not sent");
            }
        }
        stdin(out, "     input", &run.stdin);
        match &run.exit {
            HandlerExit::RunnerError { message } => {
                let _ = writeln!(out, "     error: {message}");
            }
            _ => block(out, "     answer", &run.stdout),
        }
    } else {
        let _ = writeln!(out, "     command: {}", run.command);
        stdin(out, "     stdin", &run.stdin);
        let _ = writeln!(out, "     exit: {}", exit(&run.exit));
        block(out, "     stdout", &run.stdout);
        block(out, "     stderr", &run.stderr);
    }
    for (key, n) in [
        ("stdout_dropped", run.stdout_dropped),
        ("stderr_dropped", run.stderr_dropped),
    ] {
        if n > 0 {
            let _ = writeln!(out, "     {key}: {n} bytes");
        }
    }
    match completed {
        Some(done) => {
            if done.run.status != run.status {
                let _ = writeln!(
                    out,
                    "     completed status: {} (the run says {})",
                    done.run.status.as_str(),
                    run.status.as_str()
                );
            }
            summary(out, "     ", &done.run);
            if let Some(started) = started {
                started_differences(out, &started.run, &done.run);
            } else {
                let _ = writeln!(out, "     started: (no hook/started)");
            }
        }
        None => {
            if run.background {
                let _ = writeln!(
                    out,
                    "     async: no hook/started or hook/completed; no control effect, contexts and systemMessage wait for the next boundary"
                );
            } else {
                let _ = writeln!(out, "     completed: (no hook/completed)");
            }
        }
    }
}

/// The completed summary, once: what the run's header and exit do not already say. Times
/// and durations only when one is missing.
fn summary(out: &mut String, pad: &str, s: &HookRunSummary) {
    let wire = serde_json::to_value(HookRunSummaryV2::from(s)).unwrap_or(Value::Null);
    let field = |k: &str| match wire.get(k) {
        Some(Value::String(v)) => v.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "{pad}summary: {} {} {}, scope {}, {} {} #{}",
        field("eventName"),
        field("handlerType"),
        field("executionMode"),
        field("scope"),
        field("source"),
        field("sourcePath"),
        field("displayOrder"),
    );
    if let Some(message) = &s.status_message {
        let _ = writeln!(out, "{pad}statusMessage: {message:?}");
    }
    if s.status != RunStatus::Running && (s.completed_at.is_none() || s.duration_ms.is_none()) {
        let _ = writeln!(
            out,
            "{pad}completedAt: {}, durationMs: {}",
            if s.completed_at.is_some() {
                "<TIME>"
            } else {
                "null"
            },
            if s.duration_ms.is_some() {
                "<DURATION>"
            } else {
                "null"
            }
        );
    }
    if s.entries.is_empty() {
        let _ = writeln!(out, "{pad}entries: none");
    } else {
        let _ = writeln!(out, "{pad}entries:");
        for e in &s.entries {
            let kind = serde_json::to_value(e.kind).unwrap_or(Value::Null);
            let _ = writeln!(
                out,
                "{pad}  - {}: {}",
                kind.as_str().unwrap_or_default(),
                escape_controls(&e.text)
            );
        }
    }
}

/// What `hook/started` said that a preview does not: a preview is the completed summary
/// `running`, with no completion time, duration or entries.
fn started_differences(out: &mut String, started: &HookRunSummary, done: &HookRunSummary) {
    let expected = HookRunSummary {
        status: RunStatus::Running,
        completed_at: None,
        duration_ms: None,
        entries: Vec::new(),
        ..done.clone()
    };
    if *started == expected {
        return;
    }
    let a = serde_json::to_value(HookRunSummaryV2::from(started)).unwrap_or(Value::Null);
    let b = serde_json::to_value(HookRunSummaryV2::from(&expected)).unwrap_or(Value::Null);
    let mut differing = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, v) in a {
            if b.get(k) != Some(v) {
                differing.push(format!("{k}: {}", compact(v)));
            }
        }
    }
    let _ = writeln!(out, "     started said: {}", differing.join(", "));
}

fn stdin(out: &mut String, label: &str, text: &str) {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => indent(out, &format!("{label}: "), &pretty(&v)),
        Err(_) => block(out, label, text),
    }
}

/// `0`, `signal 9`, `no exit status: <why>`.
fn exit(e: &HandlerExit) -> String {
    match e {
        HandlerExit::Code { code } => code.to_string(),
        HandlerExit::Signal { signal: Some(s) } => format!("signal {s}"),
        HandlerExit::Signal { signal: None } => "signal (unknown)".to_owned(),
        HandlerExit::RunnerError { message } => format!("no exit status: {message}"),
        HandlerExit::OutputHeldOpen { .. } => e.held_open_text().unwrap_or_default(),
    }
}

fn result(r: &LifecycleResult) -> &'static str {
    match r {
        LifecycleResult::Success => "success",
        LifecycleResult::FailedContinue { .. } => "failed_continue",
        LifecycleResult::FailedAbort { .. } => "failed_abort",
    }
}

fn result_error(r: &LifecycleResult) -> Option<&str> {
    match r {
        LifecycleResult::Success => None,
        LifecycleResult::FailedContinue { error } | LifecycleResult::FailedAbort { error } => {
            Some(error)
        }
    }
}

/// One lifecycle-dialect run: argv (no shell), the flat stdin payload, exit, stderr (stdout is
/// discarded by the dialect), the result, what the agent logged, the completed summary.
fn lifecycle_hook(out: &mut String, entry: &LifecycleRunRecord) {
    let agent = entry
        .agent_id
        .as_ref()
        .map(|a| format!(" in subagent {a}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n-> lifecycle hook {} ({}){agent}: {}",
        entry.event,
        entry.name,
        result(&entry.result)
    );
    let _ = writeln!(
        out,
        "   argv: {}",
        serde_json::to_string(&entry.argv).unwrap_or_default()
    );
    stdin(out, "   stdin", &entry.stdin);
    let _ = writeln!(out, "   exit: {}", exit(&entry.exit));
    block(out, "   stderr", &entry.stderr);
    if entry.stderr_dropped > 0 {
        let _ = writeln!(out, "   stderr_dropped: {} bytes", entry.stderr_dropped);
    }
    if let Some(error) = result_error(&entry.result) {
        let _ = writeln!(out, "   error: {error:?}");
    }
    if let Some(log) = &entry.log {
        let _ = writeln!(out, "   agent logged: {log}");
    }
    let _ = writeln!(
        out,
        "   run: {} [{}]",
        entry.summary.id,
        entry.summary.status.as_str()
    );
    summary(out, "   ", &entry.summary);
}

/// One legacy notify run: the configured argv, then the JSON it got as its last argument.
fn notify(out: &mut String, entry: &NotifyRecord) {
    let _ = writeln!(out, "\n-> notify: {}", result(&entry.result));
    let configured = &entry.argv[..entry.argv.len().saturating_sub(1)];
    let _ = writeln!(
        out,
        "   argv: {} + the JSON",
        serde_json::to_string(configured).unwrap_or_default()
    );
    match serde_json::from_str::<Value>(&entry.json) {
        Ok(v) => indent(out, "   last argument: ", &pretty(&v)),
        Err(_) => block(out, "   last argument", &entry.json),
    }
    let _ = writeln!(out, "   source: {}", entry.source_path);
    let _ = writeln!(out, "   exit: {}", exit(&entry.exit));
    block(out, "   stderr", &entry.stderr);
    if let Some(error) = result_error(&entry.result) {
        let _ = writeln!(out, "   error: {error:?}");
    }
}

/// A possibly multi-line text, shown as `label: (empty)`, `label: text` or an indented block.
/// Text with control characters other than newline and tab (CR, NUL, ESC…) is shown as one
/// escaped string, so line ends like CRLF stay visible in the golden.
fn block(out: &mut String, label: &str, text: &str) {
    let escaped = text.contains(|c: char| c.is_control() && c != '\n' && c != '\t');
    if text.is_empty() {
        let _ = writeln!(out, "{label}: (empty)");
    } else if escaped
        || !text.contains('\n')
        || (text.ends_with('\n') && text.matches('\n').count() == 1)
    {
        let _ = writeln!(out, "{label}: {:?}", text);
    } else {
        let _ = writeln!(out, "{label}: |");
        let pad = " ".repeat(label.len() - label.trim_start().len() + 2);
        for line in text.lines() {
            let _ = writeln!(out, "{pad}{line}");
        }
        if !text.ends_with('\n') {
            let _ = writeln!(out, "{pad}(no trailing newline)");
        }
    }
}

/// `\n`, `\r` and other control characters (tab aside) written as escapes.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn indent(out: &mut String, first: &str, text: &str) {
    let pad = " ".repeat(first.len());
    for (i, line) in text.lines().enumerate() {
        let _ = writeln!(out, "{}{line}", if i == 0 { first } else { &pad });
    }
}

fn compact(v: &Value) -> String {
    v.to_string()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A copy with object keys sorted (where key order carries no meaning).
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
