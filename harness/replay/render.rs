//! Renders a normalised recording as the golden text: the story of the session, turn by
//! turn, with the full data in reading order. Hook stdin and notifications are pretty JSON
//! (stdin keeps its wire key order); analytics are shown with sorted keys.

use std::fmt::Write as _;

use serde_json::Value;

/// Renders the normalised recording (`Recording` serialised, then normalised).
pub fn render(description: &str, rec: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {description}");
    let _ = writeln!(out, "thread: {}", s(rec, "thread_id"));
    let _ = writeln!(out, "transcript: {}", s(rec, "transcript_path"));
    let warnings = arr(rec, "discovery_warnings");
    if warnings.is_empty() {
        let _ = writeln!(out, "discovery warnings: none");
    } else {
        let _ = writeln!(out, "discovery warnings:");
        for w in warnings {
            let _ = writeln!(out, "  - {}", w.as_str().unwrap_or_default());
        }
    }

    let mut current_turn: Option<String> = None;
    for entry in arr(rec, "timeline") {
        let turn = s(entry, "turn_id");
        let thread = s(entry, "thread_id");
        let label = if s(entry, "event") == "SessionEnd" {
            // Thread-scoped: it belongs to no turn.
            "session end".to_owned()
        } else if turn.is_empty()
            && entry.get("kind").and_then(Value::as_str) == Some("lifecycle_hook")
        {
            // Lifecycle SessionStart fires when the session is configured, before any turn.
            "session start".to_owned()
        } else if thread == s(rec, "thread_id") || thread.is_empty() {
            format!("turn {turn}")
        } else {
            format!("turn {turn} (thread {thread})")
        };
        if current_turn.as_deref() != Some(label.as_str()) {
            let _ = writeln!(out, "\n== {label} ==");
            current_turn = Some(label);
        }
        match s(entry, "kind").as_str() {
            "hooks" => hooks(&mut out, entry),
            "lifecycle_hook" => lifecycle_hook(&mut out, entry),
            "notify" => notify(&mut out, entry),
            "model_request" => {
                let _ = writeln!(
                    out,
                    "\n-> model request #{} ({})",
                    entry.get("index").map(Value::to_string).unwrap_or_default(),
                    s(entry, "purpose")
                );
                for line in arr(entry, "input") {
                    // One item per line: newlines and other control characters are shown
                    // escaped (a golden stays plain text whatever a hook printed).
                    let text = line.as_str().unwrap_or_default();
                    let _ = writeln!(out, "   | {}", escape_controls(text));
                }
            }
            "tool_call" => {
                let hook_name = entry
                    .get("hook_tool_name")
                    .and_then(Value::as_str)
                    .map(|n| format!(" (hooks see {n})"))
                    .unwrap_or_else(|| " (no hooks)".to_owned());
                let _ = writeln!(
                    out,
                    "\n-> tool call {} {}{}: {}{}",
                    s(entry, "call_id"),
                    s(entry, "name"),
                    hook_name,
                    s(entry, "disposition"),
                    if entry.get("asked_user").and_then(Value::as_bool) == Some(true) {
                        ", user was asked"
                    } else {
                        ""
                    }
                );
                block(&mut out, "   output to model", &s(entry, "output_to_model"));
            }
            "warning" => {
                let _ = writeln!(out, "\n-> warning: {}", s(entry, "text"));
            }
            "turn_end" => {
                let end = entry.get("end").cloned().unwrap_or(Value::Null);
                let how = s(&end, "how");
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
            other => {
                let _ = writeln!(out, "\n-> {other}: {}", compact(entry));
            }
        }
    }

    let _ = writeln!(out, "\n== transcript ==");
    for line in arr(rec, "transcript") {
        let _ = writeln!(out, "{}", compact(line));
    }
    let _ = writeln!(out, "\n== analytics ==");
    let events = arr(rec, "analytics");
    if events.is_empty() {
        let _ = writeln!(out, "none");
    }
    for e in events {
        let _ = writeln!(out, "{}", compact(&sorted(e)));
    }
    out
}

fn hooks(out: &mut String, entry: &Value) {
    let agent = entry
        .get("agent_id")
        .and_then(Value::as_str)
        .map(|a| format!(" in subagent {a}"))
        .unwrap_or_default();
    let runs = arr(entry, "runs");
    let _ = writeln!(
        out,
        "\n-> hooks {}{agent}: {} run(s)",
        s(entry, "event"),
        runs.len()
    );
    // `hook/started` comes first (all handlers), as the agent emits it.
    for started in arr(entry, "started") {
        let _ = writeln!(out, "   started: {}", compact(started));
    }
    let completed = arr(entry, "completed");
    for (i, run) in runs.iter().enumerate() {
        let _ = writeln!(out, "   * {} [{}]", s(run, "run_id"), s(run, "status"));
        let _ = writeln!(out, "     command: {}", s(run, "command"));
        let stdin = s(run, "stdin");
        match serde_json::from_str::<Value>(&stdin) {
            Ok(v) => indent(out, "     stdin: ", &pretty(&v)),
            Err(_) => block(out, "     stdin", &stdin),
        }
        let _ = writeln!(
            out,
            "     exit: {}",
            run.get("exit").map(compact).unwrap_or_default()
        );
        block(out, "     stdout", &s(run, "stdout"));
        block(out, "     stderr", &s(run, "stderr"));
        for key in ["stdout_dropped", "stderr_dropped"] {
            if let Some(n) = run.get(key).and_then(Value::as_u64).filter(|n| *n > 0) {
                let _ = writeln!(out, "     {key}: {n} bytes");
            }
        }
        if let Some(done) = completed.get(i) {
            let run_summary = done.pointer("/params/run").unwrap_or(done);
            indent(out, "     completed: ", &pretty(run_summary));
        }
    }
}

/// One lifecycle-dialect run: argv (no shell), the flat stdin payload, exit, stderr (stdout is
/// discarded by the dialect), the result, what the agent logged, the completed summary.
fn lifecycle_hook(out: &mut String, entry: &Value) {
    let agent = entry
        .get("agent_id")
        .and_then(Value::as_str)
        .map(|a| format!(" in subagent {a}"))
        .unwrap_or_default();
    let result = entry.get("result").cloned().unwrap_or(Value::Null);
    let _ = writeln!(
        out,
        "\n-> lifecycle hook {} ({}){agent}: {}",
        s(entry, "event"),
        s(entry, "name"),
        s(&result, "result")
    );
    let _ = writeln!(
        out,
        "   argv: {}",
        entry.get("argv").map(compact).unwrap_or_default()
    );
    let stdin = s(entry, "stdin");
    match serde_json::from_str::<Value>(&stdin) {
        Ok(v) => indent(out, "   stdin: ", &pretty(&v)),
        Err(_) => block(out, "   stdin", &stdin),
    }
    let _ = writeln!(
        out,
        "   exit: {}",
        entry.get("exit").map(compact).unwrap_or_default()
    );
    block(out, "   stderr", &s(entry, "stderr"));
    if let Some(n) = entry
        .get("stderr_dropped")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
    {
        let _ = writeln!(out, "   stderr_dropped: {n} bytes");
    }
    if let Some(error) = result.get("error").and_then(Value::as_str) {
        let _ = writeln!(out, "   error: {error:?}");
    }
    if let Some(log) = entry.get("log").and_then(Value::as_str) {
        let _ = writeln!(out, "   agent logged: {log}");
    }
    if let Some(summary) = entry.get("summary") {
        indent(out, "   summary: ", &pretty(summary));
    }
}

/// One legacy notify run: the configured argv, then the JSON it got as its last argument.
fn notify(out: &mut String, entry: &Value) {
    let result = entry.get("result").cloned().unwrap_or(Value::Null);
    let _ = writeln!(out, "\n-> notify: {}", s(&result, "result"));
    let argv = arr(entry, "argv");
    let configured = &argv[..argv.len().saturating_sub(1)];
    let _ = writeln!(
        out,
        "   argv: {} + the JSON",
        compact(&Value::Array(configured.to_vec()))
    );
    let json = s(entry, "json");
    match serde_json::from_str::<Value>(&json) {
        Ok(v) => indent(out, "   last argument: ", &pretty(&v)),
        Err(_) => block(out, "   last argument", &json),
    }
    let _ = writeln!(out, "   source: {}", s(entry, "source_path"));
    let _ = writeln!(
        out,
        "   exit: {}",
        entry.get("exit").map(compact).unwrap_or_default()
    );
    block(out, "   stderr", &s(entry, "stderr"));
    if let Some(error) = result.get("error").and_then(Value::as_str) {
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

fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
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
