//! A subagent, as Claude Code 2.1.197 runs one for an `Agent` call: SubagentStart (its
//! contexts open the subagent's first message), the subagent's own loop over the same
//! model (its tool calls fire the tool events with `agent_id` and `agent_type`), and
//! SubagentStop where the main loop has Stop; its last text goes back to the parent.

use std::path::Path;

use serde_json::{json, Value};

use super::names::reminder;
use super::session::{Session, StopNext, MAX_STOP_CONTINUATIONS};
use super::wire::{self, text_of};
use crate::agent::error::AgentError;
use crate::agent::spec::ChildSpec;
use crate::engine::claude::ClaudeEvent;

/// What a subagent gives back to its parent.
pub(super) struct SubagentOutcome {
    /// Its last text.
    pub(super) text: String,
    /// The tool calls it made.
    pub(super) tool_uses: usize,
    /// Its calls per kind, as `toolStats` counts them (`None`: it made none).
    pub(super) stats: Option<Value>,
}

/// Whether a subagent of `agent_type` has `tool` (2.1.197's agent list: `Explore` and `Plan`
/// have all but Agent, Artifact, ExitPlanMode, Edit, Write and NotebookEdit;
/// `statusline-setup` has Read and Edit; the others have every tool).
pub(super) fn has_tool(agent_type: &str, tool: &str) -> bool {
    match agent_type {
        "Explore" | "Plan" => !matches!(
            tool,
            "Agent" | "Artifact" | "ExitPlanMode" | "Edit" | "Write" | "NotebookEdit"
        ),
        "statusline-setup" => matches!(tool, "Read" | "Edit"),
        _ => true,
    }
}

/// The token counts of one scripted response (`wire::sse_body` reports 10 in, 5 out).
pub(super) const RESPONSE_TOKENS: (u64, u64) = (10, 5);

impl Session<'_> {
    /// `<transcript dir>/<session>/subagents/agent-<id>.jsonl`.
    pub(super) fn agent_transcript_path(&self, agent_id: &str) -> String {
        let main = Path::new(&self.transcript_path);
        main.parent()
            .unwrap_or(Path::new(""))
            .join(&self.spec.thread_id)
            .join("subagents")
            .join(format!("agent-{agent_id}.jsonl"))
            .display()
            .to_string()
    }

    /// Runs `child` to its end and restores the parent's loop.
    pub(super) async fn subagent(
        &mut self,
        child: &ChildSpec,
    ) -> Result<SubagentOutcome, AgentError> {
        let path = self.agent_transcript_path(&child.agent_id);
        let sidechain = self
            .transcript
            .sidechain(Path::new(&path), &child.agent_id)?;
        let parent_transcript = std::mem::replace(&mut self.transcript, sidechain);
        let parent_messages = std::mem::take(&mut self.messages);
        let parent_agent = self
            .agent
            .replace((child.agent_id.clone(), child.agent_type.clone()));
        let outcome = self.subagent_loop(child).await;
        self.agent = parent_agent;
        self.messages = parent_messages;
        self.transcript = parent_transcript;
        outcome
    }

    async fn subagent_loop(&mut self, child: &ChildSpec) -> Result<SubagentOutcome, AgentError> {
        let input = self.common(ClaudeEvent::SubagentStart, false);
        let run = self.fire(ClaudeEvent::SubagentStart, input).await;
        let mut content: Vec<Value> = run
            .verdict
            .contexts
            .iter()
            .map(|c| {
                let text = reminder(&format!("SubagentStart hook additional context: {c}"));
                json!({"type": "text", "text": text})
            })
            .collect();
        if !content.is_empty() {
            self.effect("context for the subagent's first message".to_owned());
        }
        content.push(json!({"type": "text", "text": child.message}));
        self.push_user(content)?;
        let mut tool_uses = 0;
        let mut counts = [0usize; 6];
        let mut active = false;
        let mut blocks_in_a_row = 0;
        loop {
            let (blocks, _) = self.sample().await?;
            let uses = wire::tool_uses(&blocks);
            if uses.is_empty() {
                let last = text_of(&blocks);
                let may_continue = blocks_in_a_row < MAX_STOP_CONTINUATIONS;
                match self.stop(active, may_continue, &last).await {
                    StopNext::Continue(text) => {
                        self.push_user(vec![json!({"type": "text", "text": text})])?;
                        active = true;
                        blocks_in_a_row += 1;
                        continue;
                    }
                    StopNext::End | StopNext::Halt(_) => {
                        return Ok(SubagentOutcome {
                            text: last,
                            tool_uses,
                            stats: (tool_uses > 0).then(|| stats(counts)),
                        })
                    }
                }
            }
            tool_uses += uses.len();
            for (_, name, input) in &uses {
                let i = match name.as_str() {
                    "Read" => 0,
                    "Bash" => 1,
                    "Write" | "Edit" => 2,
                    _ => 3,
                };
                counts[i] += 1;
                // Lines count from the call as the model made it, refused or not (a
                // refused Write of "KEY=1\n" adds 2, as observed).
                let lines = |key: &str| {
                    input
                        .get(key)
                        .and_then(Value::as_str)
                        .map_or(0, |t| t.split('\n').count())
                };
                match name.as_str() {
                    "Write" => counts[4] += lines("content"),
                    "Edit" => {
                        counts[4] += lines("new_string");
                        counts[5] += lines("old_string");
                    }
                    _ => {}
                }
            }
            // Back to work: Stop blocks count anew, as in the main loop.
            blocks_in_a_row = 0;
            if self.round(uses).await?.is_some() {
                self.effect("a hook stopped the subagent: its parent goes on".to_owned());
                return Ok(SubagentOutcome {
                    text: String::new(),
                    tool_uses,
                    stats: Some(stats(counts)),
                });
            }
        }
    }
}

/// `toolStats` of an Agent call's `tool_response`.
fn stats([read, bash, edit, other, added, removed]: [usize; 6]) -> Value {
    json!({
        "readCount": read,
        "searchCount": 0,
        "bashCount": bash,
        "editFileCount": edit,
        "linesAdded": added,
        "linesRemoved": removed,
        "otherToolCount": other,
    })
}
