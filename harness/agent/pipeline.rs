//! The tool pipeline of a hooked call (Bash tools, `apply_patch`, MCP): approval (hooks,
//! then the user) → sandbox retry → approvals the running command asks for → execution →
//! PostToolUse; and `write_stdin` to an open unified exec session.

use serde_json::json;

use super::client::ModelClient;
use super::error::AgentError;
use super::hook_points::{At, HookPoints};
use super::recording::{DeniedBy, Disposition, ToolCallRecord};
use super::spec::{RunAccess, RunApproval, ToolResult, UserDecision};
use super::state::Agent;
use super::thread::Thread;
use super::tools::{shell_join, HookedCall, HookedKind, ParsedCall};
use super::toolset::Rejection;
use crate::engine::outcome::PermissionDecision;
use crate::engine::request::ApprovalPolicy;

impl<H: HookPoints, M: ModelClient> Agent<'_, H, M> {
    /// Approval → sandbox retry → run approvals → execution → PostToolUse, for a call its
    /// PreToolUse let through; returns the output the model gets.
    pub(super) async fn hooked_call(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        call: &ParsedCall,
        result: &ToolResult,
        tool: HookedCall,
        record: &mut ToolCallRecord,
    ) -> Result<String, AgentError> {
        let policy = self.spec.approval_policy;
        let asks = match policy {
            ApprovalPolicy::Never => false,
            // 0.171 asks for every exec_command, known-safe or not (OBSERVED: crosscheck).
            ApprovalPolicy::Untrusted => {
                !tool.known_safe
                    || (self.tools == super::toolset::ToolSet::Codex0171
                        && tool.kind == HookedKind::Bash)
            }
            ApprovalPolicy::OnRequest | ApprovalPolicy::OnFailure => result.needs_approval,
        };
        // What the user approved for the session is not asked of them again; a remembered
        // MCP tool is not asked of its hooks either.
        let remembered = !tool.approval_keys.is_empty()
            && tool
                .approval_keys
                .iter()
                .all(|k| thread.remembered.contains(k));
        if asks && !(remembered && tool.kind == HookedKind::Mcp) {
            let suffix = call.call_id.clone();
            if let Some(denied) = self
                .approval(thread, turn_id, &tool, suffix, remembered, result, record)
                .await?
            {
                return Ok(denied);
            }
        }
        let mut retried = false;
        if result.sandbox_denied {
            // The sandboxed attempt was denied. Under `never` that is final; otherwise the
            // agent asks to retry without the sandbox (run id `{call_id}:retry`); a patch's
            // retry is asked even when its files were approved for the session.
            if policy == ApprovalPolicy::Never {
                record.executed = true;
                record.disposition = Disposition::DeniedBySandbox;
                let code = if result.exit_code == 0 {
                    1
                } else {
                    result.exit_code
                };
                return Ok(match tool.kind {
                    HookedKind::Bash => format!("Exit code: {code}\nOutput:\n{}", result.output),
                    HookedKind::ApplyPatch | HookedKind::Mcp => result.output.clone(),
                });
            }
            let suffix = format!("{}:retry", call.call_id);
            let skip_user = remembered && tool.kind != HookedKind::ApplyPatch;
            if let Some(denied) = self
                .approval(thread, turn_id, &tool, suffix, skip_user, result, record)
                .await?
            {
                return Ok(denied);
            }
            retried = true;
        }

        record.executed = true;
        let mut denial = None;
        for approval in &result.run_approvals {
            if let Some(by) = self
                .run_approval(thread, turn_id, &tool, approval, record)
                .await?
            {
                let network = matches!(approval.access, RunAccess::Network { .. });
                denial = Some(Disposition::run_access_denied(network, by));
                break;
            }
        }
        let (exit_code, output) = match denial {
            Some(disposition) => {
                record.disposition = disposition;
                let denied = result.when_denied.clone().unwrap_or_default();
                (denied.exit_code, denied.output)
            }
            None if result.running => {
                // A unified exec process still running: its session stays open for
                // `write_stdin`; PostToolUse waits until the process exits.
                record.disposition = if retried {
                    Disposition::SessionRunningWithoutSandbox
                } else {
                    Disposition::SessionRunning
                };
                let call_id = tool.call_id.clone();
                let id = thread.exec.open(tool);
                return Ok(self.tools.running(&call_id, id, &result.output));
            }
            None => {
                record.disposition = if retried {
                    Disposition::ExecutedWithoutSandbox
                } else {
                    Disposition::Executed
                };
                (result.exit_code, result.output.clone())
            }
        };
        self.finish(thread, turn_id, &tool, exit_code, output).await
    }

    /// A finished execution: the output the model gets and, after a success, PostToolUse
    /// (for `session`'s call), whose contexts are recorded and whose verdict replaces the
    /// output.
    async fn finish(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        session: &HookedCall,
        exit_code: i32,
        raw_output: String,
    ) -> Result<String, AgentError> {
        // Codex 0.171 runs PostToolUse after a failed command too (OBSERVED: crosscheck).
        let post = exit_code == 0
            || (self.tools == super::toolset::ToolSet::Codex0171
                && session.kind == HookedKind::Bash);
        let (tool_response, mut output) = self.tools.finished(session, exit_code, &raw_output);
        if post {
            let at = At { thread, turn_id };
            let verdict = self
                .hooks
                .post_tool_use(&mut self.rec, at, session, tool_response)
                .await?;
            self.rec.contexts(thread, &verdict.contexts)?;
            if let Some(replacement) = verdict.replace_output {
                output = replacement;
            }
        }
        Ok(output)
    }

    /// `write_stdin` to a unified exec session: no PreToolUse or PermissionRequest. While
    /// the process runs the model gets its output; once it exits, the session closes and
    /// the exit is finished as the starting `exec_command` call's (PostToolUse with that
    /// call's id and command after a success).
    pub(super) async fn write_stdin(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        session_id: i64,
        result: &ToolResult,
        record: &mut ToolCallRecord,
    ) -> Result<String, AgentError> {
        if !thread.exec.open.contains_key(&session_id) {
            record.disposition = Disposition::UnknownSession;
            return Ok(format!(
                "write_stdin failed: Unknown session id {session_id}"
            ));
        }
        record.executed = true;
        if result.running {
            record.disposition = Disposition::SessionRunning;
            let call_id = thread
                .exec
                .open
                .get(&session_id)
                .map(|s| s.call_id.clone())
                .unwrap_or_default();
            return Ok(self.tools.running(&call_id, session_id, &result.output));
        }
        let Some(session) = thread.exec.open.remove(&session_id) else {
            unreachable!("session {session_id} was found open just above");
        };
        record.disposition = Disposition::SessionExited;
        record.hook_tool_name = Some(session.tool_name.clone());
        self.finish(
            thread,
            turn_id,
            &session,
            result.exit_code,
            result.output.clone(),
        )
        .await
    }

    /// An approval the running command asks for: PermissionRequest (run-id suffix = its
    /// approval id), then the user; under policy `never` it is denied unasked. `Some(by)`:
    /// denied, and by whom.
    async fn run_approval(
        &mut self,
        thread: &Thread,
        turn_id: &str,
        tool: &HookedCall,
        approval: &RunApproval,
        record: &mut ToolCallRecord,
    ) -> Result<Option<DeniedBy>, AgentError> {
        if self.spec.approval_policy == ApprovalPolicy::Never {
            return Ok(Some(DeniedBy::Policy));
        }
        let tool_input = match &approval.access {
            RunAccess::Network { target } => {
                tool.bash_permission_input(Some(format!("network-access {target}")))
            }
            RunAccess::Execve { argv } => json!({"command": shell_join(argv)}),
        };
        let at = At { thread, turn_id };
        let decision = self
            .hooks
            .permission_request(
                &mut self.rec,
                at,
                tool,
                tool_input,
                approval.approval_id.clone(),
            )
            .await?;
        Ok(match decision {
            Some(PermissionDecision::Allow) => None,
            Some(PermissionDecision::Deny { .. }) => Some(DeniedBy::PermissionRequest),
            None => {
                record.asked_user = true;
                (approval.user_decision == UserDecision::Deny).then_some(DeniedBy::User)
            }
        })
    }

    /// One approval: PermissionRequest (run-id suffix `suffix`), then, if the hooks give no
    /// verdict, the user — unless `remembered` (the user approved this for the session).
    /// `Some(output)`: denied, the model gets `output`.
    #[allow(clippy::too_many_arguments)]
    async fn approval(
        &mut self,
        thread: &mut Thread,
        turn_id: &str,
        tool: &HookedCall,
        suffix: String,
        remembered: bool,
        result: &ToolResult,
        record: &mut ToolCallRecord,
    ) -> Result<Option<String>, AgentError> {
        let tool_input = match tool.kind {
            HookedKind::Bash => tool.bash_permission_input(tool.justification.clone()),
            HookedKind::ApplyPatch | HookedKind::Mcp => tool.tool_input.clone(),
        };
        let at = At { thread, turn_id };
        let decision = self
            .hooks
            .permission_request(&mut self.rec, at, tool, tool_input, suffix)
            .await?;
        match decision {
            Some(PermissionDecision::Allow) => Ok(None),
            Some(PermissionDecision::Deny { message }) => {
                record.disposition = Disposition::DeniedByPermissionRequest;
                Ok(Some(self.tools.rejected(tool, Rejection::Hook(message))))
            }
            None if remembered => Ok(None),
            None => {
                record.asked_user = true;
                match result.user_decision {
                    UserDecision::Deny => {
                        record.disposition = Disposition::DeniedByUser;
                        Ok(Some(self.tools.rejected(tool, Rejection::User)))
                    }
                    UserDecision::ApproveForSession => {
                        thread.remembered.extend(tool.approval_keys.iter().cloned());
                        Ok(None)
                    }
                    UserDecision::Approve => Ok(None),
                }
            }
        }
    }
}
