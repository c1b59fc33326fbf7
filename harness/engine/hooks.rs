//! The engine: selects the handlers of a request, previews them, runs them concurrently and
//! aggregates their outcomes in declaration order.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::aggregate::{aggregate, Contribution};
use super::clock::Clock;
use super::config::{discover_as, ConfiguredHandler, Discovered, DiscoveryInput, SkippedHandler};
use super::dialect::Dialect;
use super::event::HookEvent;
use super::mcp::{fill, ScriptedMcp};
use super::outcome::{EventOutcome, HandlerExit, RawOutput, RunStatus};
use super::parse::{parse_async_output, parse_output_as};
use super::request::HookRequest;
use super::runner::{run_command, CommandRun, HookEnv, Invocation, RunnerConfig};
use super::spill::{Spiller, DEFAULT_LIMIT};
use super::summary::{ExecutionMode, HandlerType, HookRunSummary};
use super::wire::input::stdin_text_as;

/// One handler's completed run, with everything a recording needs.
#[derive(Debug, Clone)]
pub struct HandlerRun {
    pub summary: HookRunSummary,
    pub command: String,
    /// The exact stdin text the hook received.
    pub stdin: String,
    pub exit: HandlerExit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    /// An `mcp_tool` run: what it called (then `exit` 0 and `stdout` are the tool's answer,
    /// or `exit` is the error Codex reports).
    pub mcp: Option<McpCall>,
    /// The command's real wall time (spawn to reaped), at full resolution; the summary's
    /// `duration_ms` is the same, rounded down to milliseconds.
    pub duration: Duration,
}

/// The call an `mcp_tool` handler made.
#[derive(Debug, Clone, PartialEq)]
pub struct McpCall {
    pub server: String,
    pub tool: String,
    /// The filled `input`; `None` when nothing was sent (filling failed, or no such server).
    pub arguments: Option<serde_json::Value>,
}

/// All runs of one event and their aggregated outcome.
#[derive(Debug, Clone)]
pub struct EventRun {
    pub event: HookEvent,
    pub runs: Vec<HandlerRun>,
    pub outcome: EventOutcome,
    /// Handlers the request selects that hook trust kept from running (Codex says nothing).
    pub skipped: Vec<SkippedHandler>,
    /// What the `async` runs leave for the next boundary, in declaration order.
    pub deferred: Deferred,
}

/// What `async` hooks deliver later (Codex 0.171, spec §3.1): contexts, as developer
/// messages, and each `systemMessage` as a warning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deferred {
    pub contexts: Vec<String>,
    pub warnings: Vec<String>,
}

impl Deferred {
    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty() && self.warnings.is_empty()
    }

    pub fn append(&mut self, other: Deferred) {
        self.contexts.extend(other.contexts);
        self.warnings.extend(other.warnings);
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    dialect: Dialect,
    handlers: Vec<ConfiguredHandler>,
    warnings: Vec<String>,
    skipped: Vec<SkippedHandler>,
    start_error: Option<String>,
    runner: RunnerConfig,
    clock: Arc<dyn Clock>,
    /// Where long texts are spilled (the `codex` dialect); by default the system temp dir.
    spiller: Spiller,
    /// The MCP servers `mcp_tool` handlers call (scripted).
    mcp: ScriptedMcp,
}

impl Engine {
    pub fn new(discovered: Discovered, runner: RunnerConfig, clock: Arc<dyn Clock>) -> Self {
        Engine {
            dialect: Dialect::Codex4e30281,
            handlers: discovered.handlers,
            warnings: discovered.warnings,
            skipped: discovered.skipped,
            start_error: discovered.start_error,
            runner,
            clock,
            spiller: {
                let tmp = std::env::temp_dir();
                Spiller::new(&tmp, &tmp.display().to_string())
            },
            mcp: ScriptedMcp::default(),
        }
    }

    /// The MCP servers and tools `mcp_tool` handlers may call.
    pub fn with_mcp(mut self, mcp: ScriptedMcp) -> Self {
        self.mcp = mcp;
        self
    }

    /// Spill long hook texts (the `codex` dialect, spec §4) with this spiller rather than
    /// into the system temp dir.
    pub fn with_spiller(mut self, spiller: Spiller) -> Self {
        self.spiller = spiller;
        self
    }

    /// Discovers the handlers of `input` as Codex at 4e30281 does (the conformance vectors'
    /// engine) and builds an engine over them.
    pub fn discover(input: &DiscoveryInput, runner: RunnerConfig, clock: Arc<dyn Clock>) -> Self {
        Engine::discover_as(Dialect::Codex4e30281, input, runner, clock)
    }

    /// Discovers the handlers of `input` as `dialect`'s Codex does; the engine then runs and
    /// parses them by that Codex's rules.
    pub fn discover_as(
        dialect: Dialect,
        input: &DiscoveryInput,
        runner: RunnerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Engine {
            dialect,
            ..Engine::new(discover_as(input, dialect), runner, clock)
        }
    }

    /// The Codex whose rules this engine follows.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Discovery warnings, in order.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn handlers(&self) -> &[ConfiguredHandler] {
        &self.handlers
    }

    /// Why a session with these hooks cannot start (0.171: managed hooks that cannot load).
    pub fn start_error(&self) -> Option<&str> {
        self.start_error.as_deref()
    }

    /// Handlers hook trust keeps from running, in declaration order.
    pub fn skipped(&self) -> &[SkippedHandler] {
        &self.skipped
    }

    pub fn runner(&self) -> &RunnerConfig {
        &self.runner
    }

    /// The handlers a request selects, in declaration (display) order; each at most once.
    pub fn select(&self, request: &HookRequest) -> Vec<&ConfiguredHandler> {
        self.handlers
            .iter()
            .filter(|h| Engine::selects(request, h))
            .collect()
    }

    /// The skipped handlers the request would have selected.
    pub fn select_skipped(&self, request: &HookRequest) -> Vec<SkippedHandler> {
        self.skipped
            .iter()
            .filter(|s| Engine::selects(request, &s.handler))
            .cloned()
            .collect()
    }

    fn selects(request: &HookRequest, handler: &ConfiguredHandler) -> bool {
        if handler.event != request.event() {
            return false;
        }
        match request.payload.matcher_subject() {
            None => true,
            Some(mut subjects) => {
                subjects.extend(request.matcher_aliases.iter().map(String::as_str));
                handler.matcher.matches_any(&subjects)
            }
        }
    }

    pub fn run_id(handler: &ConfiguredHandler, request: &HookRequest) -> String {
        let base = format!(
            "{}:{}:{}",
            handler.event.run_id_label(),
            handler.display_order,
            handler.source_path
        );
        match request.run_id_suffix() {
            Some(suffix) => format!("{base}:{suffix}"),
            None => base,
        }
    }

    fn summary(
        &self,
        handler: &ConfiguredHandler,
        request: &HookRequest,
        started_at: i64,
    ) -> HookRunSummary {
        HookRunSummary {
            id: Engine::run_id(handler, request),
            event: handler.event,
            handler_type: if handler.mcp.is_some() {
                HandlerType::McpTool
            } else {
                HandlerType::Command
            },
            execution_mode: if handler.is_async {
                ExecutionMode::Async
            } else {
                ExecutionMode::Sync
            },
            scope: handler.event.scope(),
            source_path: handler.source_path.clone(),
            source: handler.source,
            display_order: handler.display_order,
            status: RunStatus::Running,
            status_message: handler.status_message.clone(),
            started_at,
            completed_at: None,
            duration_ms: None,
            entries: Vec::new(),
        }
    }

    /// The `running` summaries, one per selected sync handler, as `hook/started` carries
    /// them (an async run sends no notification).
    pub fn preview(&self, request: &HookRequest) -> Vec<HookRunSummary> {
        let now = self.clock.now_unix_secs();
        self.select(request)
            .into_iter()
            .filter(|h| !h.is_async)
            .map(|h| self.summary(h, request, now))
            .collect()
    }

    /// An `mcp_tool` handler's call, as the process run it stands for: exit 0 and the
    /// answer's text on stdout, or the error Codex reports (spec §3.2). Instant: the servers
    /// are scripted.
    fn call_mcp(
        &self,
        target: &crate::engine::config::McpTarget,
        stdin: &[u8],
    ) -> (CommandRun, Option<McpCall>) {
        let hook_input: serde_json::Value =
            serde_json::from_slice(stdin).unwrap_or(serde_json::Value::Null);
        let filled = fill(&target.input, &hook_input);
        let answer = filled
            .clone()
            .and_then(|_| self.mcp.call(&target.server, &target.tool));
        let (exit, stdout) = match answer {
            Ok(text) => (HandlerExit::Code { code: 0 }, text.into_bytes()),
            Err(message) => (HandlerExit::RunnerError { message }, Vec::new()),
        };
        let run = CommandRun {
            exit,
            stdout,
            stderr: Vec::new(),
            stdout_dropped: 0,
            stderr_dropped: 0,
            duration: Duration::ZERO,
        };
        // Nothing is sent to a server the session does not have.
        let known = self.mcp.servers.contains_key(&target.server);
        let call = McpCall {
            server: target.server.clone(),
            tool: target.tool.clone(),
            arguments: filled.ok().filter(|_| known),
        };
        (run, Some(call))
    }

    /// The runner for `handler`: the engine's, plus a plugin's variables for its hooks.
    fn runner_for(&self, handler: &ConfiguredHandler) -> std::borrow::Cow<'_, RunnerConfig> {
        let Some(plugin) = &handler.plugin else {
            return std::borrow::Cow::Borrowed(&self.runner);
        };
        let mut runner = self.runner.clone();
        let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = match &runner.env {
            HookEnv::Exactly(vars) => vars.clone(),
            HookEnv::Inherit => std::env::vars_os().collect(),
        };
        for (name, value) in &plugin.env {
            vars.retain(|(n, _)| n.as_os_str() != name.as_str());
            vars.push((name.into(), value.into()));
        }
        runner.env = HookEnv::Exactly(vars);
        std::borrow::Cow::Owned(runner)
    }

    /// `text` as the model sees it under `limit` (spec §4), spilled into the thread's folder.
    fn spill(&self, text: &str, limit: u64, request: &HookRequest) -> String {
        self.spiller.spill(text, limit, &request.context.session_id)
    }

    /// Runs every selected handler concurrently, then parses and aggregates in declaration order.
    pub async fn run(&self, request: &HookRequest) -> EventRun {
        let event = request.event();
        let stdin = stdin_text_as(self.dialect, request);
        let cwd = PathBuf::from(&request.context.cwd);
        let selected = self.select(request);
        let futures = selected.iter().map(|h| {
            let stdin = stdin.as_bytes();
            let cwd = cwd.as_path();
            async move {
                let started_at = self.clock.now_unix_secs();
                if let Some(target) = &h.mcp {
                    return (started_at, self.call_mcp(target, stdin));
                }
                let runner = self.runner_for(h);
                let run = run_command(
                    &runner,
                    Invocation::Shell(&h.command),
                    cwd,
                    stdin,
                    Duration::from_secs(h.timeout_secs),
                    h.timeout_secs,
                )
                .await;
                (started_at, (run, None))
            }
        });
        let results: Vec<(i64, (CommandRun, Option<McpCall>))> =
            futures::future::join_all(futures).await;
        let mut runs = Vec::with_capacity(results.len());
        let mut outcomes = Vec::with_capacity(results.len());
        for (handler, (started_at, (run, mcp))) in selected.iter().zip(results) {
            let raw = RawOutput {
                exit: run.exit.clone(),
                stdout: run.stdout,
                stderr: run.stderr,
            };
            let mut outcome = if handler.is_async {
                parse_async_output(event, &raw)
            } else {
                parse_output_as(self.dialect, event, &raw)
            };
            // The summary keeps the whole text; the model gets the spilled one.
            let entries = outcome.entries.clone();
            if let Some(limit) = handler.context_limit {
                for text in &mut outcome.effect.additional_contexts {
                    *text = self.spill(text, limit, request);
                }
            }
            let mut summary = self.summary(handler, request, started_at);
            summary.status = outcome.status;
            summary.entries = entries;
            summary.completed_at = Some(self.clock.now_unix_secs());
            summary.duration_ms = Some(i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX));
            runs.push(HandlerRun {
                summary,
                command: handler.command.clone(),
                stdin: stdin.clone(),
                exit: raw.exit,
                stdout: raw.stdout,
                stderr: raw.stderr,
                stdout_dropped: run.stdout_dropped,
                stderr_dropped: run.stderr_dropped,
                mcp,
                duration: run.duration,
            });
            outcomes.push(outcome);
        }
        // Async runs have no control effect: they are left out of the aggregate, and what
        // they said waits for the next boundary. The mock awaits them with the others, so a
        // golden never depends on when one finishes.
        let mut deferred = Deferred::default();
        for (handler, outcome) in selected.iter().zip(&outcomes) {
            if handler.is_async {
                deferred
                    .contexts
                    .extend(outcome.effect.additional_contexts.iter().cloned());
                deferred.warnings.extend(
                    outcome
                        .entries
                        .iter()
                        .filter(|e| e.kind == crate::engine::outcome::EntryKind::Warning)
                        .map(|e| e.text.clone()),
                );
            }
        }
        let contributions: Vec<Contribution<'_>> = runs
            .iter()
            .zip(&outcomes)
            .zip(&selected)
            .filter(|(_, h)| !h.is_async)
            .map(|((r, o), _)| Contribution {
                run_id: &r.summary.id,
                outcome: o,
            })
            .collect();
        let mut outcome = aggregate(event, &contributions);
        if self.dialect.is_current() {
            if let Some(feedback) = &mut outcome.feedback_message {
                *feedback = self.spill(feedback, DEFAULT_LIMIT, request);
            }
            for fragment in &mut outcome.continuation_fragments {
                fragment.text = self.spill(&fragment.text, DEFAULT_LIMIT, request);
            }
        }
        EventRun {
            event,
            runs,
            outcome,
            skipped: self.select_skipped(request),
            deferred,
        }
    }
}
