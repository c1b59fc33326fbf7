//! A thread's state while it plays (the root session or a subagent): its rollout and
//! history, its pending SessionStart, its open unified exec sessions and the approvals the
//! user gave for the session; and a turn's queue of typed-ahead prompts.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::error::AgentError;
use super::history::HistoryItem;
use super::spec::QueuedPrompt;
use super::tools::HookedCall;
use super::transcript::Rollout;
use crate::engine::request::{AgentIdentity, SessionStartSource};

/// A child thread's identity and where its parent's transcript is.
#[derive(Debug, Clone)]
pub(crate) struct ChildInfo {
    pub(crate) identity: AgentIdentity,
    pub(crate) parent_transcript: String,
    pub(crate) start_pending: bool,
}

/// One thread: the root session or a subagent.
pub(crate) struct Thread {
    pub(crate) thread_id: String,
    pub(crate) rollout: Rollout,
    pub(crate) history: Vec<HistoryItem>,
    pub(crate) pending_start: Option<SessionStartSource>,
    pub(crate) child: Option<ChildInfo>,
    /// The user inputs accepted in the current turn (notify's `input-messages`).
    pub(crate) inputs: Vec<String>,
    /// The thread's open unified exec sessions.
    pub(crate) exec: ExecSessions,
    /// What the user approved for the rest of this session (`HookedCall::approval_keys`): Codex keeps
    /// it in memory, so a resumed session and each subagent start with none.
    pub(crate) remembered: BTreeSet<String>,
}

/// A thread's unified exec sessions: processes an `exec_command` left running, addressed
/// by `write_stdin`, each with the call that started it. Ids are allocated as Codex's deterministic (test-mode) allocator does:
/// one above the largest open id, 1000 when none is open, so an exited session's id is
/// reused. (Codex's production ids are random; a script needs them known.)
#[derive(Debug, Default)]
pub(crate) struct ExecSessions {
    pub(crate) open: BTreeMap<i64, HookedCall>,
}

impl ExecSessions {
    const FIRST_ID: i64 = 1000;

    pub(crate) fn open(&mut self, session: HookedCall) -> i64 {
        let id = self
            .open
            .keys()
            .next_back()
            .map_or(Self::FIRST_ID, |last| last + 1);
        self.open.insert(id, session);
        id
    }
}

impl Thread {
    pub(crate) fn transcript(&self) -> String {
        self.rollout.path().display().to_string()
    }
}

/// A turn's queued prompts: those still waiting to arrive, then those that arrived and
/// wait to be taken at the top of the next loop iteration (Codex's pending input).
#[derive(Debug, Default)]
pub(crate) struct PromptQueue {
    waiting: Vec<QueuedPrompt>,
    pub(crate) arrived: VecDeque<String>,
    /// Sampling requests answered in this turn.
    made: usize,
}

impl PromptQueue {
    pub(crate) fn new(queued: &[QueuedPrompt]) -> PromptQueue {
        PromptQueue {
            waiting: queued.to_vec(),
            ..PromptQueue::default()
        }
    }

    /// One more request was answered: prompts waiting for it arrive, in spec order.
    pub(crate) fn answered(&mut self) {
        self.made += 1;
        let made = self.made;
        let (arrived, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition::<Vec<_>, _>(|q| q.after_request <= made);
        self.waiting = waiting;
        self.arrived.extend(arrived.into_iter().map(|q| q.prompt));
    }

    pub(crate) fn has_pending_input(&self) -> bool {
        !self.arrived.is_empty()
    }

    /// At the real end of a turn: a prompt that never arrived, or arrived and was never
    /// taken, is a script error.
    pub(crate) fn check_drained(&self, turn_id: &str) -> Result<(), AgentError> {
        if let Some(q) = self.waiting.first() {
            return Err(AgentError::QueuedNeverDelivered {
                turn_id: turn_id.to_owned(),
                prompt: q.prompt.clone(),
                after: q.after_request,
                made: self.made,
            });
        }
        if let Some(prompt) = self.arrived.front() {
            return Err(AgentError::QueuedNotTaken {
                turn_id: turn_id.to_owned(),
                prompt: prompt.clone(),
            });
        }
        Ok(())
    }
}

/// What taking the pending queued prompts came to.
pub(crate) enum QueuedRound {
    /// At least one prompt was accepted (or there was nothing to take): sample.
    Accepted,
    /// Nothing accepted, a block put the rest back: take them again.
    Requeued,
    /// Nothing accepted, nothing left: the turn ends.
    Blocked,
}
