//! Running lifecycle hooks and the legacy notify: the shared process runner with a direct
//! argv (no shell), the payload on stdin (notify: as the last argument), stdout discarded,
//! stderr captured, then the pure [`judge`] and a recordable result.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::clock::Clock;
use crate::engine::config::{DiscoveryInput, DEFAULT_TIMEOUT_SECS};
use crate::engine::outcome::HandlerExit;
use crate::engine::runner::{run_command, CommandRun, Invocation, RunnerConfig};
use crate::engine::summary::{ExecutionMode, HandlerType, HookRunSummary};
use crate::engine::wire::lifecycle::{legacy_notification_json, payload_json};

use super::config::{LifecycleConfig, LifecycleConfigError, LifecycleHook, NotifyHook};
use super::event::{LifecycleEventName, LifecycleHookKey};
use super::payload::{AgentTurn, LifecyclePayload};
use super::result::{judge, serialise_failure_text, tool_abort_message, LifecycleResult};

/// One lifecycle hook's completed run.
#[derive(Debug, Clone)]
pub struct LifecycleRun {
    /// The recordable summary: status `completed` / `failed` / `blocked` (abort), one `error`
    /// entry with the failure text, run id `{key}:{display_order}:{source_path}[:{call_id}]`.
    pub summary: HookRunSummary,
    pub result: LifecycleResult,
    /// The hook's config key; its name is `key.as_str()`.
    pub key: LifecycleHookKey,
    pub argv: Vec<String>,
    /// The exact stdin text (empty when the payload could not be serialised).
    pub stdin: String,
    pub exit: HandlerExit,
    pub stderr: Vec<u8>,
    pub stderr_dropped: u64,
}

impl LifecycleRun {
    /// The hook's name in results and messages (its config key).
    pub fn name(&self) -> &'static str {
        self.key.as_str()
    }

    /// For an aborted `pre_tool_use` / `post_tool_use` run, the text the tool call fails
    /// with: `{key} hook '{name}' failed and aborted operation: {error}`.
    pub fn tool_abort_message(&self) -> Option<String> {
        match (&self.result, self.key) {
            (
                LifecycleResult::FailedAbort { error },
                LifecycleHookKey::PreToolUse | LifecycleHookKey::PostToolUse,
            ) => Some(tool_abort_message(self.key, self.name(), error)),
            _ => None,
        }
    }
}

/// One legacy notify run (fire and forget for the agent; awaited here so it can be recorded).
#[derive(Debug, Clone)]
pub struct NotifyRun {
    /// The full argv the process got: the configured argv plus the JSON.
    pub argv: Vec<String>,
    /// The notification JSON (the last argument).
    pub json: String,
    pub source_path: String,
    pub exit: HandlerExit,
    pub stderr: Vec<u8>,
    /// Judged as `AfterAgent`: it never aborts.
    pub result: LifecycleResult,
}

/// The lifecycle dialect's engine: the configured hooks, the runner and the clock.
#[derive(Debug, Clone)]
pub struct LifecycleEngine {
    config: LifecycleConfig,
    runner: RunnerConfig,
    clock: Arc<dyn Clock>,
    timeout: Duration,
}

impl LifecycleEngine {
    /// An engine over `config`. Hooks are killed (with their process group) after
    /// [`DEFAULT_TIMEOUT_SECS`] unless [`LifecycleEngine::with_timeout`] says otherwise; the
    /// runner's shell setting is unused (lifecycle hooks run without a shell).
    pub fn new(config: LifecycleConfig, runner: RunnerConfig, clock: Arc<dyn Clock>) -> Self {
        LifecycleEngine {
            config,
            runner,
            clock,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        }
    }

    /// Reads the lifecycle config of `input` (see [`LifecycleConfig::discover`]) and builds an
    /// engine over it; a bad `[hooks]` table or `notify` is an error.
    pub fn discover(
        input: &DiscoveryInput,
        runner: RunnerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LifecycleConfigError> {
        Ok(LifecycleEngine::new(
            LifecycleConfig::discover(input)?,
            RunnerConfig {
                output_eof_completes: false,
                ..runner
            },
            clock,
        ))
    }

    /// Sets the per-hook timeout; at least one second, as in the codex dialect.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_secs(1));
        self
    }

    pub fn config(&self) -> &LifecycleConfig {
        &self.config
    }

    /// The runner settings (the agent runs the legacy notify with them).
    pub fn runner(&self) -> &RunnerConfig {
        &self.runner
    }

    /// The per-hook timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The hook configured for `event` (`None` for AfterAgent and for unset keys).
    pub fn hook_for(&self, event: LifecycleEventName) -> Option<&LifecycleHook> {
        event.key().and_then(|k| self.config.hook(k))
    }

    /// The `running` summary of the hook `payload` would run, for `hook/started`.
    pub fn preview(&self, payload: &LifecyclePayload) -> Option<HookRunSummary> {
        let hook = self.hook_for(payload.name())?;
        Some(running_summary(hook, payload, self.clock.now_unix_secs()))
    }

    /// Runs the hook configured for `payload`'s event, if any. Never fails: every problem is
    /// a [`LifecycleResult`] failure.
    pub async fn run(&self, payload: &LifecyclePayload) -> Option<LifecycleRun> {
        let hook = self.hook_for(payload.name())?;
        let started_at = self.clock.now_unix_secs();
        let mut summary = running_summary(hook, payload, started_at);
        let (stdin, command) = match payload_json(payload, started_at) {
            Ok(json) => {
                let run = run_command(
                    &self.runner,
                    Invocation::Argv(&hook.argv),
                    Path::new(&payload.context.cwd),
                    json.as_bytes(),
                    self.timeout,
                    self.timeout.as_secs(),
                )
                .await;
                (json, run)
            }
            Err(err) => (String::new(), not_run(serialise_failure_text(&err))),
        };
        let result = judge(payload.name(), &command.exit, &command.stderr);
        summary.status = result.status();
        summary.entries = result.entries();
        summary.completed_at = Some(self.clock.now_unix_secs());
        summary.duration_ms = Some(i64::try_from(command.duration.as_millis()).unwrap_or(i64::MAX));
        Some(LifecycleRun {
            summary,
            result,
            key: hook.key,
            argv: hook.argv.clone(),
            stdin,
            exit: command.exit,
            stderr: command.stderr,
            stderr_dropped: command.stderr_dropped,
        })
    }

    /// Runs the configured legacy notify for a completed turn, if any.
    pub async fn notify(
        &self,
        turn: &AgentTurn,
        cwd: &str,
        client: Option<&str>,
    ) -> Option<NotifyRun> {
        let hook = self.config.notify.as_ref()?;
        Some(run_notify(&self.runner, hook, turn, cwd, client, self.timeout).await)
    }
}

fn running_summary(hook: &LifecycleHook, payload: &LifecyclePayload, now: i64) -> HookRunSummary {
    let event = hook.key.hook_event();
    HookRunSummary {
        id: run_id(hook, payload.event.call_id()),
        event,
        handler_type: HandlerType::Command,
        execution_mode: ExecutionMode::Sync,
        scope: event.scope(),
        source_path: hook.source_path.clone(),
        source: hook.source,
        display_order: hook.display_order,
        status: crate::engine::outcome::RunStatus::Running,
        status_message: None,
        started_at: now,
        completed_at: None,
        duration_ms: None,
        entries: Vec::new(),
    }
}

/// `{key}:{display_order}:{source_path}`, plus `:{call_id}` for tool events (as the codex
/// dialect's run ids carry the tool use id), e.g. `pre_tool_use:0:/home/.codex/config.toml:call_1`.
pub fn run_id(hook: &LifecycleHook, call_id: Option<&str>) -> String {
    let base = format!("{}:{}:{}", hook.key, hook.display_order, hook.source_path);
    match call_id {
        Some(id) => format!("{base}:{id}"),
        None => base,
    }
}

fn not_run(message: String) -> CommandRun {
    CommandRun {
        exit: HandlerExit::RunnerError { message },
        stdout: Vec::new(),
        stderr: Vec::new(),
        stdout_dropped: 0,
        stderr_dropped: 0,
        duration: Duration::ZERO,
    }
}

/// Runs the legacy notify hook: `hook.argv` plus the `agent-turn-complete` JSON as the last
/// argument, nothing on stdin, in `cwd`. Usable by both dialects.
pub async fn run_notify(
    runner: &RunnerConfig,
    hook: &NotifyHook,
    turn: &AgentTurn,
    cwd: &str,
    client: Option<&str>,
    timeout: Duration,
) -> NotifyRun {
    let (json, command, argv) = match legacy_notification_json(turn, cwd, client) {
        Ok(json) => {
            let mut argv = hook.argv.clone();
            argv.push(json.clone());
            let run = run_command(
                runner,
                Invocation::Argv(&argv),
                Path::new(cwd),
                b"",
                timeout,
                timeout.as_secs(),
            )
            .await;
            (json, run, argv)
        }
        Err(err) => (
            String::new(),
            not_run(serialise_failure_text(&err)),
            hook.argv.clone(),
        ),
    };
    let result = judge(
        LifecycleEventName::AfterAgent,
        &command.exit,
        &command.stderr,
    );
    NotifyRun {
        argv,
        json,
        source_path: hook.source_path.clone(),
        exit: command.exit,
        stderr: command.stderr,
        result,
    }
}
