//! A subagent, as Claude Code 2.1.197 runs one for an `Agent` call: SubagentStart (its
//! contexts open the subagent's first message), the subagent's own loop over the same
//! model (its tool calls fire the tool events with `agent_id` and `agent_type`), and
//! SubagentStop where the main loop has Stop; its last text goes back to the parent.

use std::path::Path;

use serde_json::{json, Value};

use super::names::reminder;
use super::session::{Session, WorkEnd};
use super::tool_stats::ToolStats;
use super::wire::RESPONSE_TOKENS;

use crate::agent::error::AgentError;
use crate::agent::spec::ChildSpec;
use crate::engine::claude::ClaudeEvent;

/// What a subagent gives back to its parent.
struct SubagentOutcome {
    /// Its last text.
    pub(super) text: String,
    /// Its calls, counted.
    pub(super) stats: ToolStats,
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

    /// Runs an Agent call's subagent: (the text recorded, the tool_result's blocks, the
    /// `tool_response` PostToolUse sees).
    pub(super) async fn agent_call(
        &mut self,
        child: &ChildSpec,
    ) -> Result<(String, Value, Value), AgentError> {
        let out = self.subagent(child).await?;
        let (input, output) = RESPONSE_TOKENS;
        let tokens = input + output;
        let id = &child.agent_id;
        let uses = out.stats.uses();
        let mut texts = vec![out.text.clone()];
        // Explore and Plan are one-shot agents: no footer to continue them (observed for
        // Plan).
        if !matches!(child.agent_type.as_str(), "Explore" | "Plan") {
            texts.push(format!(
                "agentId: {id} (use SendMessage with to: '{id}', summary: '<5-10 word recap>' to continue this agent)\n<usage>subagent_tokens: {tokens}\ntool_uses: {uses}\nduration_ms: 0</usage>"
            ));
        }
        let content: Vec<Value> = texts
            .iter()
            .map(|t| json!({"type": "text", "text": t}))
            .collect();
        let mut response = json!({
            "status": "completed",
            "prompt": child.message,
            "agentId": id,
            "agentType": child.agent_type,
            "content": [{"type": "text", "text": out.text}],
            "resolvedModel": self.spec.model,
            "totalDurationMs": 0,
            "totalTokens": tokens,
            "totalToolUseCount": uses,
            "usage": {
                "input_tokens": input,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": output,
                "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
                "service_tier": "standard",
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                "inference_geo": "",
                "iterations": [],
                "speed": "standard",
            },
        });
        if let Some(stats) = out.stats.json() {
            response["toolStats"] = stats;
        }
        Ok((texts.join("\n\n"), Value::Array(content), response))
    }

    /// Runs `child` to its end and restores the parent's loop.
    async fn subagent(&mut self, child: &ChildSpec) -> Result<SubagentOutcome, AgentError> {
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
