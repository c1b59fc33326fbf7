//! Running one Claude Code event: select the handlers whose matcher (and `if` rule) apply,
//! drop duplicates, run them all at once through the shared runner with the payload on
//! stdin, judge each ([`super::parse::judge`]) and fold them in declaration order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::engine::outcome::HandlerExit;
use crate::engine::runner::{run_command, timeout_message, HookEnv, Invocation, RunnerConfig};

use super::config::{
    ClaudeConfig, ClaudeHandler, ClaudeHandlerKind, SettingsSource, DEFAULT_TIMEOUT_SECS,
};
use super::event::ClaudeEvent;
use super::parse::{fold, judge, ClaudeExit, ClaudeJudgement, ClaudeVerdict};
use super::rule::PermissionRule;

/// One handler's run.
#[derive(Debug, Clone)]
pub struct ClaudeRun {
    pub command: String,
    pub source: SettingsSource,
    pub path: PathBuf,
    pub matcher: Option<String>,
    pub is_async: bool,
    /// `asyncRewake`: an exit 2 wakes the model once the turn ends.
    pub rewake: bool,
    /// The exact stdin (compact JSON and a newline).
    pub stdin: String,
    pub exit: ClaudeExit,
    pub stdout: String,
    pub stderr: String,
    pub judgement: ClaudeJudgement,
    pub duration: Duration,
}

/// A selected handler that did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun {
    pub command: String,
    pub why: String,
}

/// One event's runs.
#[derive(Debug, Clone)]
pub struct ClaudeEventRun {
    pub event: ClaudeEvent,
    /// What the matcher was compared with (`Bash`, `startup`, …).
    pub subject: Option<String>,
    /// The handlers that ran, in declaration order (async ones too: their output decides
    /// nothing).
    pub runs: Vec<ClaudeRun>,
    pub not_run: Vec<NotRun>,
    /// The synchronous runs folded.
    pub verdict: ClaudeVerdict,
}

/// The `claude` dialect's engine: the settings' handlers, the runner and the environment
/// Claude Code gives hooks.
#[derive(Debug, Clone)]
pub struct ClaudeEngine {
    config: ClaudeConfig,
    runner: RunnerConfig,
}

impl ClaudeEngine {
    pub fn new(config: ClaudeConfig, runner: RunnerConfig) -> Self {
        ClaudeEngine { config, runner }
    }

    pub fn config(&self) -> &ClaudeConfig {
        &self.config
    }

    /// Whether any handler is declared for `event`.
    pub fn has_handlers(&self, event: ClaudeEvent) -> bool {
        !self.config.all_disabled && self.config.for_event(event).next().is_some()
    }

    /// The handlers `input` selects for `event`, duplicates dropped, with those that are
    /// declared but do not run (an `if` rule, a handler type hooktape does not play).
    pub fn select<'a>(
        &'a self,
        event: ClaudeEvent,
        input: &Map<String, Value>,
    ) -> (Vec<&'a ClaudeHandler>, Vec<NotRun>) {
        let mut selected: Vec<&ClaudeHandler> = Vec::new();
        let mut not_run = Vec::new();
        if self.config.all_disabled {
            return (selected, not_run);
        }
        let subject = event
            .matcher_field()
            .and_then(|f| input.get(f))
            .and_then(Value::as_str)
            .unwrap_or("");
        for h in self.config.for_event(event) {
            if !h.matcher.matches(subject) {
                continue;
            }
            let shown = h.command().unwrap_or("").to_owned();
            if let ClaudeHandlerKind::Other(kind) = &h.kind {
                not_run.push(NotRun {
                    command: shown,
                    why: format!("a `{kind}` handler: hooktape plays command handlers only"),
                });
                continue;
            }
            if let Some(rule) = &h.if_rule {
                if !event.is_tool_event() {
                    not_run.push(NotRun {
                        command: shown,
                        why: format!("`if: {rule}` on {event}, which has no tool: never runs"),
                    });
                    continue;
                }
                let tool = input.get("tool_name").and_then(Value::as_str).unwrap_or("");
                let tool_input = input.get("tool_input").cloned().unwrap_or(Value::Null);
                if !PermissionRule::parse(rule).applies(tool, &tool_input) {
                    not_run.push(NotRun {
                        command: shown,
                        why: format!("`if: {rule}` does not apply"),
                    });
                    continue;
                }
            }
            // Identical handlers declared twice run once; each plugin's copy is its own
            // (the same `${CLAUDE_PLUGIN_ROOT}/…` text is another command in each plugin).
            if selected
                .iter()
                .any(|s| s.kind == h.kind && s.plugin == h.plugin)
            {
                continue;
            }
            selected.push(h);
        }
        (selected, not_run)
    }

    /// Runs `event` with `input` (the stdin object, in wire key order) in `cwd`, each hook
    /// with `env` added to the runner's environment.
    pub async fn run(
        &self,
        event: ClaudeEvent,
        input: &Map<String, Value>,
        cwd: &Path,
        env: &[(String, String)],
    ) -> ClaudeEventRun {
        let subject = event
            .matcher_field()
            .and_then(|f| input.get(f))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let (selected, not_run) = self.select(event, input);
        let mut stdin = Value::Object(input.clone()).to_string();
        stdin.push('\n');
        let runner = self.runner_with(env);
        let futures = selected.iter().map(|h| {
            // A plugin's hooks also get its root and data folders; the others share one.
            let runner = match &h.plugin {
                Some(plugin) => {
                    let mut vars = env.to_vec();
                    vars.extend(plugin.env());
                    std::borrow::Cow::Owned(self.runner_with(&vars))
                }
                None => std::borrow::Cow::Borrowed(&runner),
            };
            let stdin = &stdin;
            async move {
                let runner = runner.as_ref();
                let command = h.command().unwrap_or("").to_owned();
                let secs = h.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1);
                let run = run_command(
                    runner,
                    Invocation::Shell(&command),
                    cwd,
                    stdin.as_bytes(),
                    Duration::from_secs(secs),
                    secs,
                )
                .await;
                let exit = match &run.exit {
                    HandlerExit::Code { code } => ClaudeExit::Code(*code),
                    HandlerExit::RunnerError { message } if *message == timeout_message(secs) => {
                        ClaudeExit::TimedOut
                    }
                    HandlerExit::OutputHeldOpen { .. } => ClaudeExit::TimedOut,
                    HandlerExit::RunnerError { message } => ClaudeExit::Failed(message.clone()),
                    HandlerExit::Signal { signal } => ClaudeExit::Failed(match signal {
                        Some(s) => format!("killed by signal {s}"),
                        None => "killed by a signal".to_owned(),
                    }),
                };
                let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
                let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
                let judgement = judge(event, &exit, &stdout, &stderr);
                ClaudeRun {
                    command,
                    source: h.source,
                    path: h.path.clone(),
                    matcher: h.matcher_text.clone(),
                    is_async: h.is_async,
                    rewake: h.rewake,
                    stdin: stdin.clone(),
                    exit,
                    stdout,
                    stderr,
                    judgement,
                    duration: run.duration,
                }
            }
        });
        let runs = futures::future::join_all(futures).await;
        let verdict = fold(
            runs.iter()
                .filter(|r| !r.is_async)
                .map(|r| (r.command.as_str(), &r.judgement)),
        );
        ClaudeEventRun {
            event,
            subject,
            runs,
            not_run,
            verdict,
        }
    }

    fn runner_with(&self, env: &[(String, String)]) -> RunnerConfig {
        let mut runner = self.runner.clone();
        match &mut runner.env {
            HookEnv::Exactly(vars) => {
                for (k, v) in env {
                    vars.retain(|(name, _)| name != k.as_str());
                    vars.push((k.into(), v.into()));
                }
            }
            HookEnv::Inherit => {
                let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> =
                    std::env::vars_os().collect();
                for (k, v) in env {
                    vars.retain(|(name, _)| name != k.as_str());
                    vars.push((k.into(), v.into()));
                }
                runner.env = HookEnv::Exactly(vars);
            }
        }
        runner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::claude::config::SettingsFile;
    use serde_json::json;

    fn engine(settings: &str) -> ClaudeEngine {
        let config = ClaudeConfig::read(&[SettingsFile {
            source: SettingsSource::Project,
            path: PathBuf::from("/p/.claude/settings.json"),
            text: Some(settings.to_owned()),
            plugin: None,
        }]);
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        ClaudeEngine::new(config, RunnerConfig::default())
    }

    #[tokio::test]
    async fn a_write_guard_blocks_with_exit_two_runs_once_and_sees_its_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            r#"{"hooks":{"PreToolUse":[
                {"matcher":"Write|Edit","hooks":[
                    {"type":"command","command":"cat > got.json; echo \"no writes: $CLAUDE_PROJECT_DIR\" >&2; exit 2"},
                    {"type":"command","command":"cat > got.json; echo \"no writes: $CLAUDE_PROJECT_DIR\" >&2; exit 2"},
                    {"type":"command","command":"echo never","if":"Bash(git *)"}]},
                {"matcher":"Bash","hooks":[{"type":"command","command":"echo bash-only"}]}]}}"#,
        );
        let mut input = Map::new();
        input.insert("session_id".into(), json!("s"));
        input.insert("hook_event_name".into(), json!("PreToolUse"));
        input.insert("tool_name".into(), json!("Write"));
        input.insert(
            "tool_input".into(),
            json!({"file_path": "/p/a", "content": "x"}),
        );
        let run = e
            .run(
                ClaudeEvent::PreToolUse,
                &input,
                dir.path(),
                &[("CLAUDE_PROJECT_DIR".to_owned(), "/proj".to_owned())],
            )
            .await;
        assert_eq!(run.runs.len(), 1, "the duplicate runs once");
        assert_eq!(run.not_run.len(), 1);
        assert!(run.not_run[0].why.contains("does not apply"));
        assert_eq!(
            run.verdict.blocking,
            [(run.runs[0].command.clone(), "no writes: /proj\n".to_owned())]
        );
        let got = std::fs::read_to_string(dir.path().join("got.json")).unwrap();
        assert_eq!(
            got,
            "{\"session_id\":\"s\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Write\",\"tool_input\":{\"file_path\":\"/p/a\",\"content\":\"x\"}}\n"
        );
    }

    #[tokio::test]
    async fn a_timeout_is_cancelled_and_decides_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"sleep 5; echo '{\"decision\":\"block\"}'","timeout":1}]}]}}"#,
        );
        let run = e.run(ClaudeEvent::Stop, &Map::new(), dir.path(), &[]).await;
        assert_eq!(run.runs[0].exit, ClaudeExit::TimedOut);
        assert!(run.verdict.blocks.is_empty());
    }
}
