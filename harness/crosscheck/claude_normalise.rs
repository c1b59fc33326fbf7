//! How `crosscheck --agent claude` makes both sides comparable: ids, durations, Claude
//! Code's own reminders and its compaction instructions, each reduced to one form.

use regex::Regex;
use serde_json::Value;

/// What stands for session ids, prompt ids, subagent ids and durations on both sides.
pub(super) fn ids(text: &str, session: &str, seen: &Seen) -> String {
    let mut out = text.replace(session, "<SESSION>");
    for (i, p) in seen.prompts.iter().enumerate() {
        out = out.replace(&format!("\"{p}\""), &format!("\"<PROMPT-{}>\"", i + 1));
    }
    for (i, a) in seen.agents.iter().enumerate() {
        out = out.replace(a.as_str(), &format!("<AGENT-{}>", i + 1));
    }
    // `duration_ms: 12` (an Agent result's usage) and `"duration_ms": 12` or
    // `"totalDurationMs": 12` (JSON).
    static DURATION: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    match DURATION.get_or_init(|| Regex::new(r#"(duration_ms|totalDurationMs)("?): \d+"#).ok()) {
        Some(re) => re.replace_all(&out, "$1$2: <N>").into_owned(),
        None => out,
    }
}

/// The prompt and subagent ids of a side, each in order of first appearance.
#[derive(Default, Debug, PartialEq)]
pub(super) struct Seen {
    pub(super) prompts: Vec<String>,
    pub(super) agents: Vec<String>,
}

/// The ids `requests` (a side's model requests, in the order they were sent, as text) and
/// `stdins` (its hook payloads) name. Subagents are numbered first by their results
/// (`agentId: …` in an Agent result), which both sides send in the same order whatever hook
/// saw them, then as the payloads name them.
pub(super) fn seen_ids<'a>(
    requests: impl Iterator<Item = &'a str>,
    stdins: impl Iterator<Item = &'a str>,
) -> Seen {
    let mut out = Seen::default();
    static AGENT_ID: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    if let Some(re) = AGENT_ID.get_or_init(|| Regex::new(r"agentId: ([0-9a-z]+)").ok()) {
        for text in requests {
            for c in re.captures_iter(text) {
                let id = c[1].to_owned();
                if !out.agents.contains(&id) {
                    out.agents.push(id);
                }
            }
        }
    }
    let values: Vec<Value> = stdins
        .filter_map(|s| serde_json::from_str::<Value>(s).ok())
        .collect();
    // Subagents are numbered in the order they start (one handler's payloads are in order;
    // the real side's are gathered handler by handler), then by first appearance.
    let starts = values
        .iter()
        .filter(|v| v.get("hook_event_name").and_then(Value::as_str) == Some("SubagentStart"));
    for v in starts.chain(values.iter()) {
        for (key, list) in [
            ("prompt_id", &mut out.prompts),
            ("agent_id", &mut out.agents),
        ] {
            let id = v.get(key).and_then(Value::as_str).map(str::to_owned);
            if let Some(id) = id.filter(|id| !id.is_empty() && !list.contains(id)) {
                list.push(id);
            }
        }
    }
    out
}

/// Whether a reminder's text (after `<system-reminder>\n`) is a hook's: every hook text
/// opens with its event's name.
fn by_hook(reminder: &str) -> bool {
    crate::engine::claude::ClaudeEvent::ALL
        .iter()
        .any(|e| reminder.starts_with(e.name()))
}

/// A request's lines without Claude Code's own reminders (agent list, skills, date): a
/// reminder stays when it opens with a hook event's name, as every hook text does.
pub(super) fn hook_lines(lines: Vec<String>) -> Vec<String> {
    const OPEN: &str = "user: text \"<system-reminder>\\n";
    lines
        .into_iter()
        .filter(|l| match l.strip_prefix(OPEN) {
            None => true,
            Some(rest) => by_hook(rest),
        })
        .collect()
}

/// Events whose runs stream-json does not report: compared by their payloads only.
pub(super) const UNREPORTED: [crate::engine::claude::ClaudeEvent; 3] = [
    crate::engine::claude::ClaudeEvent::SessionEnd,
    crate::engine::claude::ClaudeEvent::PreCompact,
    crate::engine::claude::ClaudeEvent::PostCompact,
];

/// A request body with the compaction instructions block in hooktape's short form.
pub(super) fn reduced(body: &Value) -> Value {
    let mut body = body.clone();
    let messages = body.get_mut("messages").and_then(Value::as_array_mut);
    let blocks = messages
        .into_iter()
        .flatten()
        .filter_map(|m| m.get_mut("content").and_then(Value::as_array_mut))
        .flatten();
    for block in blocks {
        if let Some(text) = block.get("text").and_then(Value::as_str) {
            if let Some(short) = crate::agent::claude::compaction_prompt_of(text) {
                block["text"] = Value::String(short);
            }
        }
        // Claude Code appends its own reminders (a subagent's agent list) to a tool result.
        if block.get("type").and_then(Value::as_str) == Some("tool_result") {
            if let Some(text) = block.get("content").and_then(Value::as_str) {
                block["content"] = Value::String(without_own_reminders(text));
            }
        }
    }
    body
}

/// `text` without the `\n\n<system-reminder>` parts appended to it that no hook wrote.
fn without_own_reminders(text: &str) -> String {
    const OPEN: &str = "\n\n<system-reminder>\n";
    let mut parts = text.split(OPEN);
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        if by_hook(part) {
            out.push_str(OPEN);
            out.push_str(part);
        }
    }
    out
}

pub(super) fn run_line(outcome: &str, exit: &str) -> String {
    format!("{outcome} ({exit})")
}

#[cfg(test)]
mod tests {
    use super::{ids, seen_ids, Seen};

    #[test]
    fn subagents_are_numbered_by_their_results_whatever_order_the_payloads_come_in() {
        // Agent results reach the model in the order the subagents ended; payloads are
        // gathered handler by handler, here the second agent's first.
        let requests = [
            r#"user: tool_result(call-1) text "done" + text "agentId: aaa1 (use SendMessage …)""#,
            r#"user: tool_result(call-2) text "done" + text "agentId: bbb2 (use SendMessage …)""#,
        ];
        let stdins = [
            r#"{"hook_event_name":"PreToolUse","agent_id":"bbb2","prompt_id":"p1"}"#,
            r#"{"hook_event_name":"SubagentStop","agent_id":"aaa1","prompt_id":"p1"}"#,
            r#"{"hook_event_name":"SubagentStop","agent_id":"ccc3","prompt_id":"p2"}"#,
        ];
        let seen = seen_ids(requests.into_iter(), stdins.into_iter());
        assert_eq!(
            seen,
            Seen {
                prompts: vec!["p1".into(), "p2".into()],
                // `ccc3` never reached a request: numbered after, by the payloads.
                agents: vec!["aaa1".into(), "bbb2".into(), "ccc3".into()],
            }
        );
        assert_eq!(
            ids(stdins[0], "session-1", &seen),
            r#"{"hook_event_name":"PreToolUse","agent_id":"<AGENT-2>","prompt_id":"<PROMPT-1>"}"#
        );
    }

    #[test]
    fn durations_read_the_same_on_both_sides() {
        let text = r#"<usage>tool_uses: 0
duration_ms: 1234</usage> {"duration_ms": 7, "totalDurationMs": 8, "tokens": 9}"#;
        assert_eq!(
            ids(text, "session-1", &Seen::default()),
            r#"<usage>tool_uses: 0
duration_ms: <N></usage> {"duration_ms": <N>, "totalDurationMs": <N>, "tokens": 9}"#
        );
    }

    #[test]
    fn without_results_subagents_are_numbered_as_they_start() {
        let stdins = [
            r#"{"hook_event_name":"PreToolUse","agent_id":"bbb2"}"#,
            r#"{"hook_event_name":"SubagentStart","agent_id":"aaa1"}"#,
            r#"{"hook_event_name":"SubagentStart","agent_id":"bbb2"}"#,
        ];
        let seen = seen_ids(std::iter::empty(), stdins.into_iter());
        assert_eq!(seen.agents, ["aaa1", "bbb2"]);
        assert!(seen.prompts.is_empty());
    }
}
