//! The agent's state: the session it plays and the values its turn loop owns — the
//! dialect's hook points, the model client, the recorder — plus where and when it runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use super::error::AgentError;
use super::recorder::Recorder;
use super::spec::{SessionSpec, ToolCallSpec, ToolSpec};
use super::thread::{ChildInfo, ExecSessions, Thread};
use super::tools::model_name;
use super::toolset::ToolSet;
use super::transcript::Rollout;
use crate::engine::clock::Clock;
use crate::engine::request::SessionStartSource;

/// Where and when the session runs.
#[derive(Debug, Clone)]
pub struct AgentEnv {
    /// Directory of the rollout files (e.g. `<codex_home>/sessions`).
    pub sessions_dir: PathBuf,
    /// The clock behind rollout timestamps (use the engine's clock).
    pub clock: Arc<dyn Clock>,
}

/// Where the agent sends model requests and analytics.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Base URL ending in `/v1`; requests go to `{base}/responses`.
    pub model_base_url: String,
    /// Analytics base; batches go to `{base}/codex/analytics-events/events`. `None`: no analytics.
    pub analytics_base_url: Option<String>,
}

/// Plays one session.
pub(crate) struct Agent<'a, H, M> {
    pub(super) spec: &'a SessionSpec,
    pub(super) hooks: H,
    /// The release's tools and the texts they give the model (chosen with the hooks).
    pub(super) tools: ToolSet,
    pub(super) model: M,
    pub(super) env: &'a AgentEnv,
    pub(super) rec: Recorder,
    pub(super) calls: BTreeMap<String, ToolCallSpec>,
    pub(super) mcp_tools: Vec<String>,
    /// An automatic compaction deferred to the start of the next turn.
    pub(super) compact_before_next_turn: bool,
}

impl<'a, H, M> Agent<'a, H, M> {
    pub(crate) fn new(
        spec: &'a SessionSpec,
        hooks: H,
        tools: ToolSet,
        model: M,
        env: &'a AgentEnv,
    ) -> Self {
        let calls = spec.calls_by_id();
        let mut mcp_tools: Vec<String> = calls
            .values()
            .filter(|c| matches!(c.tool, ToolSpec::Mcp { .. }))
            .map(|c| model_name(&c.tool))
            .collect();
        mcp_tools.sort();
        mcp_tools.dedup();
        Agent {
            spec,
            hooks,
            tools,
            model,
            env,
            rec: Recorder::new(env.clock.clone()),
            calls,
            mcp_tools,
            compact_before_next_turn: false,
        }
    }

    pub(super) fn new_thread(
        &self,
        thread_id: &str,
        rollout: Rollout,
        child: Option<ChildInfo>,
    ) -> Thread {
        Thread {
            thread_id: thread_id.to_owned(),
            rollout,
            history: Vec::new(),
            pending_start: None,
            child,
            inputs: Vec::new(),
            exec: ExecSessions::default(),
            remembered: BTreeSet::new(),
        }
    }
}

impl<H, M> Agent<'_, H, M> {
    /// A fork of `parent` (app-server `thread/fork`): a new thread with `parent`'s history
    /// and a rollout of its own whose `session_meta` names the parent; SessionStart `fork`
    /// pending.
    /// The `session_meta` payload of a session's thread (the root, or a fork of `forked_from`).
    pub(super) fn session_meta(&self, thread_id: &str, forked_from: Option<&str>) -> Value {
        let spec = self.spec;
        let mut meta = serde_json::Map::new();
        meta.insert("id".into(), thread_id.into());
        if let Some(parent) = forked_from {
            meta.insert("forked_from_id".into(), parent.into());
        }
        let rest = json!({
            "timestamp": self.rec.now(),
            "cwd": spec.cwd,
            "originator": super::spec::ORIGINATOR,
            "model": spec.model,
            "approval_policy": spec.approval_policy,
            "instructions": spec.base_instructions,
        });
        if let Value::Object(rest) = rest {
            meta.extend(rest);
        }
        Value::Object(meta)
    }

    pub(super) fn fork(&mut self, parent: &Thread, thread_id: &str) -> Result<Thread, AgentError> {
        let spec = self.spec;
        let meta = self.session_meta(thread_id, Some(&parent.thread_id));
        // Only a reference to the parent: 0.171 copies none of its items into the fork's
        // rollout (a hook that reads `transcript_path` sees the fork's own turns).
        let rollout = Rollout::create(&self.env.sessions_dir, thread_id, meta, &self.rec.now())?;
        let mut fork = self.new_thread(thread_id, rollout, None);
        fork.history = parent.history.clone();
        fork.pending_start = Some(if spec.dialect.is_current() {
            SessionStartSource::Fork
        } else {
            SessionStartSource::Startup
        });
        Ok(fork)
    }
}
