//! A JSON-RPC client of `codex app-server` over stdio (newline-delimited JSON): requests
//! with ids, the server's notifications kept in order, and the server's own requests
//! (approvals) answered by a callback.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::CrosscheckError;

/// How long one request or one turn may take before the real run is given up.
pub const TURN_TIMEOUT: Duration = Duration::from_secs(60);

pub struct AppServer {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
    /// Every notification received, in order.
    pub notifications: Vec<Value>,
}

impl AppServer {
    /// Starts `BIN app-server` in `cwd` with exactly `env`.
    pub fn start(
        bin: &Path,
        cwd: &Path,
        env: &[(String, String)],
    ) -> Result<AppServer, CrosscheckError> {
        let mut child = Command::new(bin)
            .arg("app-server")
            .current_dir(cwd)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                CrosscheckError::Real(format!("cannot start {} app-server: {e}", bin.display()))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(CrosscheckError::Real(
                "app-server without stdio pipes".to_owned(),
            ));
        };
        Ok(AppServer {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
            next_id: 1,
            notifications: Vec::new(),
        })
    }

    async fn send(&mut self, message: &Value) -> Result<(), CrosscheckError> {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| CrosscheckError::Real(format!("writing to app-server: {e}")))
    }

    async fn next_message(&mut self) -> Result<Value, CrosscheckError> {
        loop {
            let line = tokio::time::timeout(TURN_TIMEOUT, self.lines.next_line())
                .await
                .map_err(|_| {
                    CrosscheckError::Real(format!(
                        "app-server silent for {}s",
                        TURN_TIMEOUT.as_secs()
                    ))
                })?
                .map_err(|e| CrosscheckError::Real(format!("reading app-server: {e}")))?
                .ok_or_else(|| CrosscheckError::Real("app-server exited".to_owned()))?;
            if line.trim().is_empty() {
                continue;
            }
            return serde_json::from_str(&line).map_err(|e| {
                CrosscheckError::Real(format!("app-server sent non-JSON ({e}): {line}"))
            });
        }
    }

    /// Handles one incoming message: a notification is kept, a server request answered.
    async fn dispatch(
        &mut self,
        message: Value,
        answer: &mut dyn FnMut(&str, &Value) -> Value,
    ) -> Result<Option<Value>, CrosscheckError> {
        match (message.get("id"), message.get("method")) {
            (Some(id), Some(method)) => {
                let method = method.as_str().unwrap_or_default().to_owned();
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                let result = answer(&method, &params);
                let reply = if result.is_null() {
                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("hooktape does not answer {method}")}})
                } else {
                    json!({"jsonrpc": "2.0", "id": id, "result": result})
                };
                self.send(&reply).await?;
                self.notifications
                    .push(json!({"method": method, "params": params, "request": true}));
                Ok(None)
            }
            (Some(_), None) => Ok(Some(message)),
            (None, Some(_)) => {
                self.notifications.push(message);
                Ok(None)
            }
            (None, None) => Ok(None),
        }
    }

    /// Sends a request and waits for its response (answering what comes meanwhile).
    pub async fn request(
        &mut self,
        method: &str,
        params: Value,
        answer: &mut dyn FnMut(&str, &Value) -> Value,
    ) -> Result<Value, CrosscheckError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await?;
        loop {
            let message = self.next_message().await?;
            if let Some(response) = self.dispatch(message, answer).await? {
                if response.get("id").and_then(Value::as_u64) == Some(id) {
                    if let Some(error) = response.get("error") {
                        return Err(CrosscheckError::Real(format!("{method}: {error}")));
                    }
                    return Ok(response.get("result").cloned().unwrap_or(Value::Null));
                }
            }
        }
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str) -> Result<(), CrosscheckError> {
        self.send(&json!({"jsonrpc": "2.0", "method": method}))
            .await
    }

    /// Waits for a notification `method` whose params satisfy `done`.
    pub async fn wait_for(
        &mut self,
        method: &str,
        done: &dyn Fn(&Value) -> bool,
        answer: &mut dyn FnMut(&str, &Value) -> Value,
    ) -> Result<Value, CrosscheckError> {
        loop {
            let message = self.next_message().await?;
            let hit = message.get("method").and_then(Value::as_str) == Some(method)
                && message.get("id").is_none()
                && done(message.get("params").unwrap_or(&Value::Null));
            let kept = message.clone();
            self.dispatch(message, answer).await?;
            if hit {
                return Ok(kept);
            }
        }
    }

    /// The server's peak resident memory so far (`VmHWM`, kB).
    pub fn peak_kb(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Closes stdin (the server ends its threads: SessionEnd runs), waits for it to exit and
    /// gives back every notification it sent.
    pub async fn shutdown(mut self) -> Vec<Value> {
        drop(self.stdin);
        // What it still prints is read and kept, until it exits.
        while let Ok(Ok(Some(line))) =
            tokio::time::timeout(Duration::from_secs(10), self.lines.next_line()).await
        {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if v.get("id").is_none() && v.get("method").is_some() {
                    self.notifications.push(v);
                }
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        self.notifications
    }
}
