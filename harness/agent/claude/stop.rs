//! Stop and SubagentStop, once the model answered without a tool: whether the turn (or the
//! subagent) ends, stops, or goes on with the hooks' feedback.

use serde_json::json;

use super::names::reminder;
use super::session::{Session, StopNext, MAX_STOP_CONTINUATIONS};
use crate::engine::claude::ClaudeEvent;

impl Session<'_> {
    /// Stop, once the model answered without a tool. `may_continue` is false after
    /// [`MAX_STOP_CONTINUATIONS`] blocks in a row: a block then ends the turn as if allowed.
    /// In a subagent's loop it is SubagentStop, with the subagent's transcript.
    pub(super) async fn stop(&mut self, active: bool, may_continue: bool, last: &str) -> StopNext {
        let (event, agent_transcript) = match &self.agent {
            Some((id, _)) => (
                ClaudeEvent::SubagentStop,
                Some(self.agent_transcript_path(id)),
            ),
            None => (ClaudeEvent::Stop, None),
        };
        let mut input = self.common(event, true);
        input.insert("stop_hook_active".into(), json!(active));
        if let Some(path) = agent_transcript {
            input.insert("agent_transcript_path".into(), json!(path));
        }
        input.insert("last_assistant_message".into(), json!(last));
        input.insert("background_tasks".into(), json!([]));
        input.insert("session_crons".into(), json!([]));
        let v = self.fire(event, input).await.verdict;
        if let Some(reason) = v.stop {
            self.effect("the turn ends (continue: false)".to_owned());
            return StopNext::Halt(reason);
        }
        let mut feedback: Vec<String> = v
            .blocking
            .iter()
            .map(|(cmd, stderr)| format!("[{cmd}]: {stderr}"))
            .collect();
        feedback.extend(v.blocks.iter().map(|(_, r)| r.clone().unwrap_or_default()));
        let (text, reminders) = if !feedback.is_empty() {
            (
                format!("Stop hook feedback:\n{}", feedback.join("\n")),
                false,
            )
        } else if !v.contexts.is_empty() {
            let text = v
                .contexts
                .iter()
                .map(|c| reminder(&format!("Stop hook additional context: {c}")))
                .collect::<Vec<_>>()
                .join("\n");
            (text, true)
        } else {
            return StopNext::End;
        };
        if !may_continue {
            self.effect(format!(
                "Stop blocked {} times in a row: the turn ends anyway, without a word",
                MAX_STOP_CONTINUATIONS + 1
            ));
            return StopNext::End;
        }
        let who = if self.agent.is_some() {
            "the subagent"
        } else {
            "the turn"
        };
        self.effect(format!("{who} goes on: {text:?}"));
        StopNext::Continue { text, reminders }
    }
}
