//! A subagent, as Claude Code 2.1.197 runs one for an `Agent` call: SubagentStart (its
//! contexts open the subagent's first message), the subagent's own loop over the same
//! model (its tool calls fire the tool events with `agent_id` and `agent_type`), and
//! SubagentStop where the main loop has Stop; its last text goes back to the parent.

use std::path::Path;

use serde_json::{json, Value};

use super::names::reminder;
use super::session::{Session, WorkEnd};

use crate::agent::error::AgentError;
use crate::agent::spec::ChildSpec;
use crate::engine::claude::ClaudeEvent;

/// What a subagent gives back to its parent.
pub(super) struct SubagentOutcome {
    /// Its last text.
    pub(super) text: String,
    /// Its calls, counted.
    pub(super) stats: ToolStats,
}

/// A subagent's calls as an Agent call's `toolStats` counts them.
#[derive(Debug, Default)]
pub(super) struct ToolStats {
    read: usize,
    bash: usize,
    edit: usize,
    other: usize,
    lines_added: usize,
    lines_removed: usize,
}

impl ToolStats {
    /// Counts one response's calls. Lines count from the call as the model made it,
    /// refused or not (a refused Write of "KEY=1\n" adds 2, as observed).
    pub(super) fn count(&mut self, uses: &[(String, String, Value)]) {
        for (_, name, input) in uses {
            let lines = |key: &str| {
                input
                    .get(key)
                    .and_then(Value::as_str)
                    .map_or(0, |t| t.split('\n').count())
            };
            match name.as_str() {
                "Read" => self.read += 1,
                "Bash" => self.bash += 1,
                "Write" => {
                    self.edit += 1;
                    self.lines_added += lines("content");
                }
                "Edit" => {
                    self.edit += 1;
                    self.lines_added += lines("new_string");
                    self.lines_removed += lines("old_string");
                }
                _ => self.other += 1,
            }
        }
    }

    /// The calls made.
    pub(super) fn uses(&self) -> usize {
        self.read + self.bash + self.edit + self.other
    }

    /// `toolStats`, present once the subagent made a call.
    pub(super) fn json(&self) -> Option<Value> {
        (self.uses() > 0).then(|| {
            json!({
                "readCount": self.read,
                "searchCount": 0,
                "bashCount": self.bash,
                "editFileCount": self.edit,
                "linesAdded": self.lines_added,
                "linesRemoved": self.lines_removed,
                "otherToolCount": self.other,
            })
        })
    }
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
        let mut stats = ToolStats::default();
        let text = match self.work(false, Some(&mut stats)).await? {
            WorkEnd::Done(last) | WorkEnd::Stopped { last, .. } => last,
            WorkEnd::Halted(_) => {
                self.effect("a hook stopped the subagent: its parent goes on".to_owned());
                String::new()
            }
        };
        Ok(SubagentOutcome { text, stats })
    }
}
