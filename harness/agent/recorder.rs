//! The recorder: the session's timeline in the order things happened, the ids the agent
//! hands out (message ids, hook-prompt ids, request indexes), and every rollout line, each
//! stamped by the injected clock. A model request is recorded when it is sent and its answer
//! added by its index.

use std::sync::Arc;

use serde_json::{json, Value};

use super::error::AgentError;
use super::history::{HistoryItem, Role};
use super::recording::{
    ModelRequestRecord, RequestPurpose, TimelineEntry, ToolCallRecord, TurnEnd, TurnEndRecord,
};
use super::thread::Thread;
use super::transcript::rfc3339;
use crate::engine::clock::Clock;

pub(crate) struct Recorder {
    clock: Arc<dyn Clock>,
    timeline: Vec<TimelineEntry>,
    requests_sent: usize,
    messages: usize,
    hook_prompts: usize,
}

impl Recorder {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Recorder {
        Recorder {
            clock,
            timeline: Vec::new(),
            requests_sent: 0,
            messages: 0,
            hook_prompts: 0,
        }
    }

    pub(crate) fn now(&self) -> String {
        rfc3339(self.clock.now_unix_secs())
    }

    pub(crate) fn now_unix_secs(&self) -> i64 {
        self.clock.now_unix_secs()
    }

    pub(crate) fn push(&mut self, entry: TimelineEntry) {
        self.timeline.push(entry);
    }

    pub(crate) fn into_timeline(self) -> Vec<TimelineEntry> {
        self.timeline
    }

    pub(crate) fn next_message_id(&mut self) -> String {
        self.messages += 1;
        format!("msg-{}", self.messages)
    }

    pub(crate) fn next_hook_prompt_id(&mut self) -> String {
        self.hook_prompts += 1;
        format!("hook-prompt-{}", self.hook_prompts)
    }

    /// A model request as it is sent; returns its 1-based index.
    /// How many model requests were sent so far.
    pub(crate) fn requests_sent(&self) -> usize {
        self.requests_sent
    }

    pub(crate) fn request_sent(
        &mut self,
        thread_id: &str,
        turn_id: &str,
        purpose: RequestPurpose,
        input: Vec<String>,
    ) -> usize {
        self.requests_sent += 1;
        let index = self.requests_sent;
        self.timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index,
                thread_id: thread_id.to_owned(),
                turn_id: turn_id.to_owned(),
                purpose,
                input,
                output: Vec::new(),
            }));
        index
    }

    /// The answer of request `index`.
    pub(crate) fn request_answered(&mut self, index: usize, output: Vec<String>) {
        let record = self.timeline.iter_mut().rev().find_map(|e| match e {
            TimelineEntry::ModelRequest(r) if r.index == index => Some(r),
            _ => None,
        });
        if let Some(record) = record {
            record.output = output;
        }
    }

    /// A tool call as it starts (undecided): it takes its place in the timeline before the
    /// hooks it runs.
    pub(crate) fn tool_call_started(&mut self, record: ToolCallRecord) {
        self.timeline.push(TimelineEntry::ToolCall(record));
    }

    /// What became of the call `record.call_id` of its thread: replaces the started entry.
    pub(crate) fn tool_call_finished(&mut self, record: ToolCallRecord) {
        let entry = self.timeline.iter_mut().rev().find_map(|e| match e {
            TimelineEntry::ToolCall(r)
                if r.call_id == record.call_id && r.thread_id == record.thread_id =>
            {
                Some(r)
            }
            _ => None,
        });
        match entry {
            Some(started) => *started = record,
            // Every call is started before it finishes; should one not be, it is still
            // recorded rather than lost.
            None => self.timeline.push(TimelineEntry::ToolCall(record)),
        }
    }

    /// Appends `item` to the thread's history and rollout.
    pub(crate) fn item(&self, thread: &mut Thread, item: HistoryItem) -> Result<(), AgentError> {
        thread.rollout.item(&self.now(), &item)?;
        thread.history.push(item);
        Ok(())
    }

    pub(crate) fn message(
        &mut self,
        thread: &mut Thread,
        role: Role,
        text: &str,
    ) -> Result<(), AgentError> {
        let id = self.next_message_id();
        self.item(thread, HistoryItem::message(id, role, text))
    }

    /// Hook contexts: one developer message each.
    pub(crate) fn contexts(
        &mut self,
        thread: &mut Thread,
        contexts: &[String],
    ) -> Result<(), AgentError> {
        for context in contexts {
            self.message(thread, Role::Developer, context)?;
        }
        Ok(())
    }

    pub(crate) fn event(&self, thread: &Thread, payload: Value) -> Result<(), AgentError> {
        thread.rollout.event(&self.now(), payload)
    }

    /// How a turn ended: the rollout's `task_complete` (after an `error` for a failed turn)
    /// and the timeline's turn end. Every end completes the turn normally, as in Codex (only
    /// an interrupt, which the agent does not model, aborts one).
    pub(crate) fn turn_end(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        end: TurnEnd,
    ) -> Result<(), AgentError> {
        if let TurnEnd::Failed { message } = &end {
            self.event(thread, json!({"type": "error", "message": message}))?;
        }
        let payload = if end == TurnEnd::Interrupted {
            json!({"type": "turn_aborted", "turn_id": turn_id, "reason": "interrupted"})
        } else {
            json!({
                "type": "task_complete",
                "turn_id": turn_id,
                "last_agent_message": end.last_agent_message(),
            })
        };
        self.event(thread, payload)?;
        self.timeline.push(TimelineEntry::TurnEnd(TurnEndRecord {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            end,
        }));
        Ok(())
    }

    pub(crate) fn warning(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        text: &str,
    ) -> Result<(), AgentError> {
        self.event(thread, json!({"type": "warning", "message": text}))?;
        self.timeline.push(TimelineEntry::Warning {
            thread_id: thread.thread_id.clone(),
            turn_id: turn_id.to_owned(),
            text: text.to_owned(),
        });
        Ok(())
    }
}
