//! `/compact [instructions]` as Claude Code 2.1.197 plays it in a stream-json session: its
//! own turn, with no UserPromptSubmit and no Stop. PreCompact (trigger `manual`) may block
//! it; otherwise the summary request (the history without its last assistant message, an
//! instructions block added to the last user message), SessionStart `compact`, PostCompact;
//! the history becomes the summary message and the kept assistant message, and the next
//! prompt carries the command and what the hooks said.

use serde_json::{json, Value};

use super::names::{
    compact_command, compaction_prompt, reminder, summary_message, LOCAL_COMMAND_CAVEAT,
};
use super::session::Session;
use super::wire::{request_body, text_of};
use crate::agent::error::AgentError;
use crate::agent::recording::{RequestPurpose, TurnEnd};
use crate::engine::claude::parse::ClaudeExit;
use crate::engine::claude::{ClaudeEvent, ClaudeEventRun};

impl Session<'_> {
    /// Plays one `/compact`; returns the blocks the next prompt's message starts with.
    /// `expects_request`: the scenario scripted a summary (else it expects none).
    pub(super) async fn compact(
        &mut self,
        expects_request: bool,
        instructions: Option<&str>,
    ) -> Result<Vec<String>, AgentError> {
        let args = instructions.unwrap_or_default();
        let command = [LOCAL_COMMAND_CAVEAT.to_owned(), compact_command(args)];
        // On the paths without a summary request, a scripted summary would be taken by the
        // next prompt's request: an error.
        let turn = self.turn_id.clone();
        let unexpected = |why: &str| {
            AgentError::InvalidSpec(format!(
                "turn {turn}: {why}, so no summary request is sent; write `compact = true`"
            ))
        };
        // With no message at all (not even a SessionStart hook's), Claude Code refuses
        // before any hook.
        if self.messages.is_empty() && !self.start_ran {
            if expects_request {
                return Err(unexpected("there is no message to compact"));
            }
            // Said on stderr, and not as a warning.
            return Ok(self.failed(
                &command,
                "/compact",
                "Error: No messages to compact".to_owned(),
                Said::Stderr,
            ));
        }
        let mut input = self.common(ClaudeEvent::PreCompact, false);
        input.insert("trigger".into(), json!("manual"));
        input.insert("custom_instructions".into(), json!(instructions));
        let pre = self.fire(ClaudeEvent::PreCompact, input).await;
        let blockers = blockers(&pre);
        if !blockers.is_empty() {
            if expects_request {
                return Err(unexpected("a PreCompact hook blocks this compaction"));
            }
            let text = format!(
                "Compaction blocked by PreCompact hook: {}",
                blockers.join("\n")
            );
            self.effect("the compaction is skipped: no summary request".to_owned());
            return Ok(self.failed(
                &command,
                ClaudeEvent::PreCompact.name(),
                text,
                Said::Warning,
            ));
        }
        if self.messages.is_empty() {
            if expects_request {
                return Err(unexpected(
                    "there is nothing but a SessionStart hook's output to compact",
                ));
            }
            self.effect("nothing to compact: no summary request".to_owned());
            return Ok(self.failed(
                &command,
                "/compact",
                "Not enough messages to compact.".to_owned(),
                Said::Warning,
            ));
        }
        if !expects_request {
            return Err(AgentError::InvalidSpec(format!(
                "turn {}: `compact = true` says no summary request is sent, but this compaction sends one; script the summary (`compact = \"…\"`)",
                self.turn_id
            )));
        }
        // The summary request: the history without a trailing assistant message (kept as
        // it is after the summary), the instructions added to the last user message.
        let mut history = self.messages.clone();
        let kept = match history.last() {
            Some(m) if m.get("role").and_then(Value::as_str) == Some("assistant") => history.pop(),
            _ => None,
        };
        let additional: Vec<String> = instructions
            .filter(|i| !i.is_empty())
            .map(str::to_owned)
            .into_iter()
            .chain((!pre.verdict.plain.is_empty()).then(|| pre.verdict.plain.join("\n")))
            .collect();
        let additional = (!additional.is_empty()).then(|| additional.join("\n\n"));
        let block = json!({"type": "text", "text": compaction_prompt(additional.as_deref())});
        // Every message's content is blocks, and the history is not empty here (its last
        // message, once an assistant's is set aside, is the user's).
        match history.last_mut().and_then(|m| m.get_mut("content")) {
            Some(Value::Array(content)) => content.push(block),
            _ => history.push(json!({"role": "user", "content": [block]})),
        }
        let body = request_body(&self.spec.model, &self.spec.base_instructions, &history);
        let (blocks, _) = self.request(&body, RequestPurpose::Compaction).await?;
        let reply = text_of(&blocks);
        let start = self.session_start("compact").await;
        let mut input = self.common(ClaudeEvent::PostCompact, false);
        input.insert("trigger".into(), json!("manual"));
        input.insert("compact_summary".into(), json!(reply));
        let post = self.fire(ClaudeEvent::PostCompact, input).await;
        // The history is now the summary and the kept message.
        let summary = summary_message(&reply, &self.transcript_path);
        let message = json!({"role": "user", "content": [{"type": "text", "text": summary}]});
        self.transcript.message(&message)?;
        self.messages = vec![message];
        self.messages.extend(kept);
        let lines: Vec<String> = display(&pre).into_iter().chain(display(&post)).collect();
        let stdout = format!("Compacted {}", lines.join("\n"));
        self.effect(format!("the next prompt carries: {stdout:?}"));
        self.end(TurnEnd::Compacted);
        Ok(start
            .iter()
            .map(|t| format!("{}\n", reminder(t)))
            .chain(command)
            .chain([format!(
                "<local-command-stdout>{stdout}</local-command-stdout>\n"
            )])
            .collect())
    }

    /// A compaction that did not happen: the end of the turn, the warning if `said` is one,
    /// and what the next prompt carries.
    fn failed(&mut self, command: &[String], event: &str, text: String, said: Said) -> Vec<String> {
        let stream = match said {
            Said::Warning => {
                self.warn(text.clone());
                "stdout"
            }
            Said::Stderr => "stderr",
        };
        self.end(TurnEnd::CompactionAborted {
            event: event.to_owned(),
            reason: text.clone(),
        });
        command
            .iter()
            .cloned()
            .chain([format!(
                "<local-command-{stream}>{text}</local-command-{stream}>\n"
            )])
            .collect()
    }
}

/// How Claude Code tells the user that `/compact` did nothing.
enum Said {
    /// A warning, and the text as the command's stdout.
    Warning,
    /// The text as the command's stderr only.
    Stderr,
}

/// PreCompact's blockers as Claude Code quotes them: `[cmd]` and `: ` the trimmed text of
/// an exit 2 (stderr) or a `decision: "block"` (its reason), when there is one.
fn blockers(run: &ClaudeEventRun) -> Vec<String> {
    let v = &run.verdict;
    v.blocking
        .iter()
        .map(|(cmd, text)| (cmd, Some(text.as_str())))
        .chain(v.blocks.iter().map(|(cmd, r)| (cmd, r.as_deref())))
        .map(
            |(cmd, text)| match text.map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => format!("[{cmd}]: {t}"),
                None => format!("[{cmd}]"),
            },
        )
        .collect()
}

/// One line per synchronous run, as the `Compacted` message lists them.
fn display(run: &ClaudeEventRun) -> Vec<String> {
    run.runs
        .iter()
        .filter(|r| !r.is_async)
        .map(|r| {
            let event = run.event.name();
            let cmd = &r.command;
            if matches!(r.exit, ClaudeExit::Code(0)) {
                match r.stdout.trim() {
                    "" => format!("{event} [{cmd}] completed successfully"),
                    out => format!("{event} [{cmd}] completed successfully: {out}"),
                }
            } else {
                let out = match r.stderr.trim() {
                    "" => r.stdout.trim(),
                    err => err,
                };
                format!("{event} [{cmd}] failed: {out}")
            }
        })
        .collect()
}
