//! The session's transcript as Claude Code 2.1.197 writes it
//! (`<HOME>/.claude/projects/<cwd slug>/<session>.jsonl`, one JSON object per line): a
//! `user` line per prompt (its text as a string), an `assistant` line per response, a `user`
//! line per round of tool results; hook texts are not written as messages (Claude Code
//! keeps them as `attachment` lines, which hooktape omits). Ids are counters.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::agent::error::AgentError;
use crate::agent::spec::SessionSpec;
use crate::engine::clock::{rfc3339_utc, Clock};

pub(crate) struct Transcript {
    path: PathBuf,
    session_id: String,
    cwd: String,
    model: String,
    clock: Arc<dyn Clock>,
    last_uuid: Option<String>,
    count: usize,
    /// A subagent's transcript: its agent id (lines are `isSidechain` and name it).
    agent_id: Option<String>,
}

fn io(path: &Path, source: std::io::Error) -> AgentError {
    AgentError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Transcript {
    /// Creates the folder; the file appears with the first line (as Claude Code's does).
    pub(crate) fn create(
        path: &Path,
        spec: &SessionSpec,
        clock: Arc<dyn Clock>,
    ) -> Result<Transcript, AgentError> {
        Transcript {
            path: path.to_path_buf(),
            session_id: spec.thread_id.clone(),
            cwd: spec.cwd.clone(),
            model: spec.model.clone(),
            clock,
            last_uuid: None,
            count: 0,
            agent_id: None,
        }
        .with_folder()
    }

    /// A subagent's transcript at `path`, written as the session's is.
    pub(crate) fn sidechain(&self, path: &Path, agent_id: &str) -> Result<Transcript, AgentError> {
        Transcript {
            path: path.to_path_buf(),
            clock: self.clock.clone(),
            last_uuid: None,
            count: 0,
            agent_id: Some(agent_id.to_owned()),
            session_id: self.session_id.clone(),
            cwd: self.cwd.clone(),
            model: self.model.clone(),
        }
        .with_folder()
    }

    fn with_folder(self) -> Result<Transcript, AgentError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        Ok(self)
    }

    /// Appends the line of one message (`{"role", "content"}`).
    pub(crate) fn message(&mut self, message: &Value) -> Result<(), AgentError> {
        self.count += 1;
        let uuid = format!("00000000-0000-4000-8000-{:012}", self.count);
        let role = message["role"].as_str().unwrap_or("user");
        let mut line = Map::new();
        line.insert("parentUuid".into(), json!(self.last_uuid));
        line.insert("isSidechain".into(), json!(self.agent_id.is_some()));
        if let Some(id) = &self.agent_id {
            line.insert("agentId".into(), json!(id));
        }
        if role == "assistant" {
            line.insert(
                "message".into(),
                json!({
                    "id": format!("msg_hooktape_{:02}", self.count),
                    "type": "message",
                    "role": "assistant",
                    "model": self.model,
                    "content": message["content"],
                }),
            );
            line.insert("type".into(), json!("assistant"));
        } else {
            let blocks: Vec<Value> = message["content"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|b| {
                            !b["text"]
                                .as_str()
                                .is_some_and(|t| t.starts_with("<system-reminder>"))
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let content = match blocks.as_slice() {
                [one] if one["type"] == "text" => one["text"].clone(),
                _ => Value::Array(blocks),
            };
            line.insert("type".into(), json!("user"));
            line.insert(
                "message".into(),
                json!({"role": "user", "content": content}),
            );
        }
        line.insert("uuid".into(), json!(uuid));
        line.insert(
            "timestamp".into(),
            json!(rfc3339_utc(self.clock.now_unix_secs())),
        );
        line.insert("userType".into(), json!("external"));
        line.insert("entrypoint".into(), json!("sdk-cli"));
        line.insert("cwd".into(), json!(self.cwd));
        line.insert("sessionId".into(), json!(self.session_id));
        line.insert("version".into(), json!(super::names::VERSION));
        self.last_uuid = Some(uuid);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| io(&self.path, e))?;
        crate::agent::transcript::write_line(&mut file, &Value::Object(line))
            .map_err(|e| io(&self.path, e))
    }

    /// Every line written, read back.
    pub(crate) fn lines(&self) -> Result<Vec<Value>, AgentError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path, e)),
        };
        crate::agent::transcript::jsonl(&self.path, &text)
    }
}
