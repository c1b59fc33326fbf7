//! Compaction: PreCompact → the compaction request → history replaced by the user messages
//! and the summary → PostCompact → SessionStart `compact` pending.

use serde_json::json;

use super::client::ModelClient;
use super::error::AgentError;
use super::history::{HistoryItem, Role};
use super::hook_points::{At, HookPoints};
use super::recording::{RequestPurpose, TurnEnd};
use super::state::Agent;
use super::thread::Thread;
use crate::engine::request::{CompactTrigger, SessionStartSource};

/// Which compaction runs: automatic (its summary is the next scripted response of the
/// turn) or a manual `/compact` step, which may script no summary (a PreCompact stop).
#[derive(Debug, Clone, Copy)]
pub(super) enum Compaction {
    Auto,
    Manual { summary_scripted: bool },
}

impl<H: HookPoints, M: ModelClient> Agent<'_, H, M> {
    /// PreCompact → compaction request → history replaced → PostCompact → SessionStart
    /// `compact` pending. `Some(end)`: aborted, the turn ends so. A manual compaction's
    /// script must match what PreCompact does: a summary is scripted exactly when it is
    /// not stopped (either mismatch would shift the model's FIFO, so it is an error).
    pub(super) async fn compact(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        compaction: Compaction,
    ) -> Result<Option<TurnEnd>, AgentError> {
        let (trigger, summary_scripted) = match compaction {
            Compaction::Auto => (CompactTrigger::Auto, true),
            Compaction::Manual { summary_scripted } => (CompactTrigger::Manual, summary_scripted),
        };
        let at = At { thread, turn_id };
        let verdict = self.hooks.pre_compact(&mut self.rec, at, trigger).await?;
        if let Some(reason) = verdict.stop {
            if matches!(
                compaction,
                Compaction::Manual {
                    summary_scripted: true
                }
            ) {
                return Err(AgentError::SummaryNeverRequested {
                    turn_id: turn_id.to_owned(),
                });
            }
            return Ok(Some(TurnEnd::CompactionAborted {
                event: "PreCompact".to_owned(),
                reason: reason.unwrap_or_else(|| "PreCompact hook stopped execution".to_owned()),
            }));
        }
        if !summary_scripted {
            return Err(AgentError::CompactionNotStopped {
                turn_id: turn_id.to_owned(),
            });
        }
        let prompt = HistoryItem::Message {
            id: None,
            role: Role::User,
            parts: vec![self.tools.compaction_prompt().to_owned()],
        };
        let sampled = self
            .sample(thread, turn_id, RequestPurpose::Compaction, Some(&prompt))
            .await?;
        if let Some(message) = sampled.failure() {
            return Ok(Some(TurnEnd::Failed { message }));
        }
        let summary: Vec<String> = sampled
            .items
            .iter()
            .filter_map(|i| match i {
                HistoryItem::Message {
                    role: Role::Assistant,
                    parts,
                    ..
                } => Some(parts.join("")),
                _ => None,
            })
            .collect();
        let mut replacement: Vec<HistoryItem> = thread
            .history
            .iter()
            .filter(|i| {
                matches!(
                    i,
                    HistoryItem::Message {
                        role: Role::User,
                        ..
                    }
                )
            })
            .cloned()
            .collect();
        let id = self.rec.next_message_id();
        replacement.push(HistoryItem::message(
            id,
            Role::User,
            self.tools.summary_message(&summary.join("\n")),
        ));
        // Codex 0.171 keeps the compaction's answer in the rollout before the compacted line.
        if self.tools == super::toolset::ToolSet::Codex0171 {
            for item in &sampled.items {
                if matches!(
                    item,
                    HistoryItem::Message {
                        role: Role::Assistant,
                        ..
                    }
                ) {
                    thread.rollout.item(&self.rec.now(), item)?;
                }
            }
        }
        let wire: Vec<serde_json::Value> = replacement.iter().map(|i| i.to_wire(true)).collect();
        thread.rollout.append(
            &self.rec.now(),
            "compacted",
            json!({"message": summary.join("\n"), "replacement_history": wire}),
        )?;
        thread.history = replacement;
        let at = At { thread, turn_id };
        let verdict = self.hooks.post_compact(&mut self.rec, at, trigger).await?;
        // SessionStart `compact` becomes pending unless PostCompact stopped (the turn ends
        // here) or a `startup`/`resume` start is still pending (it is the one that fires).
        // Codex 0.171 leaves it pending after a PostCompact stop too (OBSERVED: crosscheck).
        let stopped = verdict.stop.is_some() && self.tools != super::toolset::ToolSet::Codex0171;
        if thread.child.is_none() && !stopped && thread.pending_start.is_none() {
            thread.pending_start = Some(SessionStartSource::Compact);
        }
        if let Some(reason) = verdict.stop {
            return Ok(Some(TurnEnd::CompactionAborted {
                event: "PostCompact".to_owned(),
                reason: reason.unwrap_or_else(|| "PostCompact hook stopped execution".to_owned()),
            }));
        }
        Ok(None)
    }
}
