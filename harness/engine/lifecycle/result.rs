//! The lifecycle dialect's result rules, as pure functions: how one hook process ended
//! (exit status and stderr; stdout is discarded) decides success, failure that continues, or
//! failure that aborts. Also the texts the agent shows for aborts.

use crate::engine::outcome::{Entry, EntryKind, HandlerExit, RunStatus};

use super::event::{LifecycleEventName, LifecycleHookKey};

/// What the agent logs when a UserPromptSubmit (or any never-fatal event's) hook aborts.
pub const ABORT_CONTINUING_LOG: &str = "lifecycle hook failed with abort; continuing";

/// A killed hook's failure text.
pub const TERMINATED_WITHOUT_STATUS: &str = "hook terminated without a status code";

/// The outcome of one lifecycle hook run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum LifecycleResult {
    /// Exit 0.
    Success,
    /// Any failure the operation continues past.
    FailedContinue { error: String },
    /// Exit code 2 on PreToolUse, UserPromptSubmit, Stop or SubagentStop.
    FailedAbort { error: String },
}

impl LifecycleResult {
    pub fn is_success(&self) -> bool {
        matches!(self, LifecycleResult::Success)
    }

    pub fn is_abort(&self) -> bool {
        matches!(self, LifecycleResult::FailedAbort { .. })
    }

    /// The failure text, if the hook failed.
    pub fn error(&self) -> Option<&str> {
        match self {
            LifecycleResult::Success => None,
            LifecycleResult::FailedContinue { error } | LifecycleResult::FailedAbort { error } => {
                Some(error)
            }
        }
    }

    /// The run status of the recorded summary: `completed`, `failed`, or `blocked` (abort).
    pub fn status(&self) -> RunStatus {
        match self {
            LifecycleResult::Success => RunStatus::Completed,
            LifecycleResult::FailedContinue { .. } => RunStatus::Failed,
            LifecycleResult::FailedAbort { .. } => RunStatus::Blocked,
        }
    }

    /// The summary entries: one `error` entry with the failure text, none on success.
    pub fn entries(&self) -> Vec<Entry> {
        self.error()
            .map(|e| vec![Entry::new(EntryKind::Error, e)])
            .unwrap_or_default()
    }
}

/// The failure text of a non-zero exit: the trimmed stderr, or when that is empty
/// `hook exited with status code {N}`.
pub fn exit_failure_text(code: i32, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        format!("hook exited with status code {code}")
    } else {
        trimmed.to_owned()
    }
}

/// Judges one run. Pure: no process, file or clock.
///
/// - exit 0 → success;
/// - non-zero exit → failure with [`exit_failure_text`]; exit 2 aborts on the events where
///   [`LifecycleEventName::exit_2_aborts`], every other failure continues;
/// - killed (no status code) → failure `hook terminated without a status code`, continue;
/// - runner error (spawn failure, stdin write failure, timeout) → failure with the runner's
///   text, continue.
pub fn judge(event: LifecycleEventName, exit: &HandlerExit, stderr: &[u8]) -> LifecycleResult {
    match exit {
        HandlerExit::Code { code: 0 } => LifecycleResult::Success,
        HandlerExit::Code { code } => {
            let error = exit_failure_text(*code, stderr);
            if *code == 2 && event.exit_2_aborts() {
                LifecycleResult::FailedAbort { error }
            } else {
                LifecycleResult::FailedContinue { error }
            }
        }
        HandlerExit::Signal { .. } => LifecycleResult::FailedContinue {
            error: TERMINATED_WITHOUT_STATUS.to_owned(),
        },
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            LifecycleResult::FailedContinue {
                error: message.clone(),
            }
        }
    }
}

/// The failure text when the payload cannot be serialised (the hook is not run).
pub fn serialise_failure_text(err: &dyn std::fmt::Display) -> String {
    format!("failed to serialize hook payload: {err}")
}

/// The text a tool call fails with when its `pre_tool_use` / `post_tool_use` hook aborts:
/// `{key} hook '{name}' failed and aborted operation: {error}`.
pub fn tool_abort_message(key: LifecycleHookKey, name: &str, error: &str) -> String {
    format!(
        "{} hook '{name}' failed and aborted operation: {error}",
        key.as_str()
    )
}

/// `pre_tool_use hook '{name}' failed and aborted operation: {error}`.
pub fn pre_tool_use_abort_message(name: &str, error: &str) -> String {
    tool_abort_message(LifecycleHookKey::PreToolUse, name, error)
}

/// `post_tool_use hook '{name}' failed and aborted operation: {error}` (a command hook never
/// aborts PostToolUse; the text exists for completeness).
pub fn post_tool_use_abort_message(name: &str, error: &str) -> String {
    tool_abort_message(LifecycleHookKey::PostToolUse, name, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(code: i32) -> HandlerExit {
        HandlerExit::Code { code }
    }

    #[test]
    fn exit_zero_is_success_whatever_stderr_says() {
        for event in LifecycleEventName::ALL {
            assert_eq!(judge(event, &code(0), b"noise"), LifecycleResult::Success);
        }
    }

    #[test]
    fn non_zero_exit_uses_trimmed_stderr_or_the_status_code() {
        let r = judge(
            LifecycleEventName::SessionStart,
            &code(1),
            b"  bad thing\n\n",
        );
        assert_eq!(
            r,
            LifecycleResult::FailedContinue {
                error: "bad thing".into()
            }
        );
        let r = judge(LifecycleEventName::SessionStart, &code(7), b" \n\t");
        assert_eq!(r.error(), Some("hook exited with status code 7"));
        assert_eq!(r.status(), RunStatus::Failed);
    }

    #[test]
    fn exit_two_aborts_only_on_the_four_events() {
        for event in LifecycleEventName::ALL {
            let r = judge(event, &code(2), b"");
            assert_eq!(r.is_abort(), event.exit_2_aborts(), "{event}");
            assert_eq!(r.error(), Some("hook exited with status code 2"));
            // any other non-zero code never aborts
            assert!(!judge(event, &code(3), b"x").is_abort());
        }
        let r = judge(LifecycleEventName::PreToolUse, &code(2), b"denied\n");
        assert_eq!(r.status(), RunStatus::Blocked);
        assert_eq!(r.entries(), vec![Entry::new(EntryKind::Error, "denied")]);
    }

    #[test]
    fn killed_and_runner_errors_continue() {
        let r = judge(
            LifecycleEventName::PreToolUse,
            &HandlerExit::Signal { signal: Some(9) },
            b"partial",
        );
        assert_eq!(
            r,
            LifecycleResult::FailedContinue {
                error: TERMINATED_WITHOUT_STATUS.into()
            }
        );
        let r = judge(
            LifecycleEventName::Stop,
            &HandlerExit::RunnerError {
                message: "No such file or directory (os error 2)".into(),
            },
            b"",
        );
        assert!(!r.is_abort());
        assert_eq!(r.error(), Some("No such file or directory (os error 2)"));
    }

    #[test]
    fn an_unserialisable_payload_is_a_failure_that_continues() {
        let err =
            serde_json::to_string(&std::collections::HashMap::from([((1, 2), 3)])).unwrap_err();
        let message = serialise_failure_text(&err);
        assert_eq!(
            message,
            "failed to serialize hook payload: key must be a string"
        );
        let r = judge(
            LifecycleEventName::PreToolUse,
            &HandlerExit::RunnerError { message },
            b"",
        );
        assert_eq!(r.status(), RunStatus::Failed);
        assert!(!r.is_abort());
    }

    #[test]
    fn abort_texts() {
        assert_eq!(
            pre_tool_use_abort_message("pre_tool_use", "denied"),
            "pre_tool_use hook 'pre_tool_use' failed and aborted operation: denied"
        );
        assert_eq!(
            post_tool_use_abort_message("post_tool_use", "x"),
            "post_tool_use hook 'post_tool_use' failed and aborted operation: x"
        );
        assert_eq!(
            ABORT_CONTINUING_LOG,
            "lifecycle hook failed with abort; continuing"
        );
    }
}
