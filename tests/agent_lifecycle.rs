//! The mock agent in the lifecycle dialect and with the legacy `notify` hook, against real
//! `sh` hooks in temp dirs and a scripted model on loopback (`spec/lifecycle-branch.md`,
//! "What the agent does with them"). The cross-dialect tests play the same hook under both
//! dialects and pin the exact texts the model sees.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use hooktape::agent::recording::{Recording, TurnEnd};
use hooktape::agent::spec::{
    ChildSpec, ModelResponse, SessionSpec, Step, ToolCallSpec, ToolResult, ToolSpec, TurnSpec,
    Usage,
};
use hooktape::agent::{play, play_with, AgentEnv, AgentError, Hooks};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::{ConfigLayer, DiscoveryInput, TomlSource};
use hooktape::engine::lifecycle::{discover_notify, LifecycleEngine, LifecycleResult};
use hooktape::engine::request::ApprovalPolicy;
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{Dialect, Engine};
use serde_json::{json, Value};
use tempfile::TempDir;

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000;

/// Each script appends its stdin (one line) to `log.jsonl`, then runs its body.
const PREAMBLE: &str =
    "input=$(cat)\nprintf '%s\\n' \"$input\" >> \"$(dirname \"$0\")/log.jsonl\"\n";

/// A hook that denies everything: exit 2 with a reason on stderr.
const DENY: &str = "echo 'denied by policy' >&2\nexit 2";

/// The notify program: appends its argument count and last argument to `notify.log`.
const NOTIFY: &str =
    "for last; do :; done\nprintf '%s %s\\n' \"$#\" \"$last\" >> \"$(dirname \"$0\")/notify.log\"";

/// A workspace with one user layer (`hooks.json` and `config.toml`, `{DIR}` replaced by the
/// fixture dir), hook scripts, a project cwd and a sessions dir; both dialects' engines and
/// the `notify` discovered from it.
struct Fixture {
    dir: TempDir,
    codex: Engine,
    lifecycle: LifecycleEngine,
    notify: Option<hooktape::engine::lifecycle::NotifyHook>,
    env: AgentEnv,
}

impl Fixture {
    fn new(hooks_json: &str, config_toml: &str, scripts: &[(&str, &str)]) -> Result<Fixture> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().display().to_string();
        let home = dir.path().join("codex_home");
        std::fs::create_dir_all(&home)?;
        std::fs::create_dir_all(dir.path().join("project"))?;
        for (name, body) in scripts {
            let text = if *name == "notify.sh" {
                format!("#!/bin/sh\n{body}\n")
            } else {
                format!("#!/bin/sh\n{PREAMBLE}{body}\n")
            };
            std::fs::write(dir.path().join(name), text)?;
        }
        std::fs::write(home.join("hooks.json"), hooks_json.replace("{DIR}", &root))?;
        std::fs::write(
            home.join("config.toml"),
            config_toml.replace("{DIR}", &root),
        )?;
        let input = DiscoveryInput {
            trust: Default::default(),
            plugins: Vec::new(),
            managed: Vec::new(),
            layers: vec![ConfigLayer {
                source: HookSource::User,
                json_files: vec![home.join("hooks.json")],
                config_toml: Some(TomlSource::File(home.join("config.toml"))),
                enabled: true,
            }],
        };
        let clock = Arc::new(FixedClock::new(NOW));
        let codex = Engine::discover(&input, RunnerConfig::default(), clock.clone());
        let lifecycle = LifecycleEngine::discover(&input, RunnerConfig::default(), clock.clone())?;
        let notify = discover_notify(&input)?;
        let env = AgentEnv {
            sessions_dir: home.join("sessions"),
            clock,
        };
        Ok(Fixture {
            dir,
            codex,
            lifecycle,
            notify,
            env,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spec(&self, dialect: Dialect, steps: Vec<Step>) -> SessionSpec {
        SessionSpec {
            permission_mode: Default::default(),
            thread_id: "thread-1".to_owned(),
            model: "gpt-test".to_owned(),
            cwd: self.path("project").display().to_string(),
            approval_policy: ApprovalPolicy::Never,
            base_instructions: "base instructions".to_owned(),
            start_source: hooktape::engine::request::SessionStartSource::Startup,
            auto_compact_token_limit: None,
            end_reason: "exit".to_owned(),
            dialect,
            steps,
        }
    }

    /// Plays with every engine and the notify available; the spec's dialect picks. Each
    /// play starts from an empty sessions dir (a rollout is never overwritten).
    async fn play(&self, spec: &SessionSpec) -> Result<Recording> {
        if self.env.sessions_dir.exists() {
            std::fs::remove_dir_all(&self.env.sessions_dir)?;
        }
        let hooks = Hooks {
            codex: Some(&self.codex),
            lifecycle: Some(&self.lifecycle),
            notify: self.notify.as_ref(),
            claude: None,
        };
        // `play_with` fails on a request that breaks the protocol.
        Ok(play_with(spec, hooks, &self.env).await?)
    }

    /// Every hook stdin logged, parsed, in order.
    fn log(&self) -> Result<Vec<Value>> {
        read_lines(&self.path("log.jsonl"))?
            .iter()
            .map(|l| serde_json::from_str(l).with_context(|| format!("log line {l}")))
            .collect()
    }

    /// `(argument count, last argument parsed)` of every notify run.
    fn notify_log(&self) -> Result<Vec<(usize, Value)>> {
        read_lines(&self.path("notify.log"))?
            .iter()
            .map(|l| {
                let (n, json) = l.split_once(' ').context("notify line")?;
                Ok((n.parse()?, serde_json::from_str(json)?))
            })
            .collect()
    }
}

fn read_lines(path: &std::path::Path) -> Result<Vec<String>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::to_owned)
        .collect())
}

fn turn(id: &str, prompt: &str, responses: Vec<ModelResponse>) -> Step {
    Step::Turn(TurnSpec {
        turn_id: id.to_owned(),
        prompt: prompt.to_owned(),
        queued: Vec::new(),
        responses,
        interrupt_after: None,
    })
}

fn shell_call(id: &str, argv: &[&str], output: &str) -> ToolCallSpec {
    ToolCallSpec {
        call_id: id.to_owned(),
        tool: ToolSpec::Shell {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            justification: None,
        },
        result: ToolResult::ok(output),
    }
}

fn requests(r: &Recording) -> Vec<Vec<String>> {
    r.model_requests().map(|m| m.input.clone()).collect()
}

fn tool_output(r: &Recording, call_id: &str) -> Result<String> {
    r.tool_calls()
        .find(|c| c.call_id == call_id)
        .map(|c| c.output_to_model.clone())
        .with_context(|| format!("no tool call {call_id}"))
}

fn events(r: &Recording) -> Vec<String> {
    r.lifecycle_runs().map(|l| l.event.clone()).collect()
}

fn hooks_json(event: &str, script: &str) -> String {
    json!({"hooks": {event: [{"hooks": [{"type": "command", "command": format!("sh {{DIR}}/{script}")}]}]}})
        .to_string()
}

/// A turn that runs `rm -rf build` and then answers.
fn rm_turn() -> Step {
    turn(
        "turn-1",
        "clean up",
        vec![
            ModelResponse::calls(vec![shell_call(
                "call-1",
                &["rm", "-rf", "build"],
                "removed",
            )]),
            ModelResponse::message("done"),
        ],
    )
}

#[tokio::test]
async fn the_same_deny_everything_hook_blocks_a_tool_under_both_dialects() -> Result<()> {
    let fx = Fixture::new(
        &hooks_json("PreToolUse", "deny.sh"),
        "[hooks]\npre_tool_use = [\"sh\", \"{DIR}/deny.sh\"]\n",
        &[("deny.sh", DENY)],
    )?;
    let expected = [
        (
            Dialect::Codex4e30281,
            "Command blocked by PreToolUse hook: denied by policy. Command: rm -rf build",
            "blocked_by_pre_tool_use",
        ),
        (
            Dialect::Lifecycle,
            "pre_tool_use hook 'pre_tool_use' failed and aborted operation: denied by policy",
            "aborted_by_pre_tool_use",
        ),
    ];
    for (dialect, text, disposition) in expected {
        let r = fx.play(&fx.spec(dialect, vec![rm_turn()])).await?;
        assert_eq!(tool_output(&r, "call-1")?, text, "{dialect}");
        let call = r.tool_calls().next().context("call")?;
        assert!(!call.executed, "{dialect}: the tool must not run");
        assert_eq!(call.disposition, disposition);
        // The model sees exactly that text as the call's output.
        let reqs = requests(&r);
        assert_eq!(reqs.len(), 2);
        let line = format!("function_call_output(call-1): {text}");
        assert!(reqs[1].contains(&line), "{dialect}: {:#?}", reqs[1]);
    }
    // Each dialect ran its own engine only: codex recorded hooks.json runs and no
    // lifecycle runs; lifecycle the reverse.
    let codex = fx
        .play(&fx.spec(Dialect::Codex4e30281, vec![rm_turn()]))
        .await?;
    assert_eq!(codex.hook_runs().count(), 1);
    assert_eq!(codex.lifecycle_runs().count(), 0);
    let life = fx
        .play(&fx.spec(Dialect::Lifecycle, vec![rm_turn()]))
        .await?;
    assert_eq!(life.hook_runs().count(), 0);
    assert!(
        life.analytics.is_empty(),
        "lifecycle runs send no analytics"
    );
    let pre = life.lifecycle_runs().next().context("pre_tool_use run")?;
    assert_eq!(pre.name, "pre_tool_use");
    assert_eq!(
        pre.argv,
        ["sh", &format!("{}/deny.sh", fx.dir.path().display())]
    );
    assert_eq!(pre.stderr, "denied by policy\n");
    assert_eq!(
        pre.result,
        LifecycleResult::FailedAbort {
            error: "denied by policy".to_owned()
        }
    );
    assert_eq!(pre.summary.status, hooktape::engine::RunStatus::Blocked);
    assert_eq!(pre.summary.event.v2_name(), "preToolUse");
    assert_eq!(
        pre.summary.id,
        format!(
            "pre_tool_use:0:{}:call-1",
            fx.path("codex_home/config.toml").display()
        )
    );
    assert_eq!(pre.log, None, "a tool abort is acted on, not logged");
    Ok(())
}

#[tokio::test]
async fn user_prompt_submit_exit_2_blocks_under_codex_and_only_logs_under_lifecycle() -> Result<()>
{
    let fx = Fixture::new(
        &hooks_json("UserPromptSubmit", "deny.sh"),
        "[hooks]\nuser_prompt_submit = [\"sh\", \"{DIR}/deny.sh\"]\n",
        &[("deny.sh", DENY)],
    )?;
    let codex = fx
        .play(&fx.spec(Dialect::Codex4e30281, vec![turn("turn-1", "hello", vec![])]))
        .await?;
    assert_eq!(requests(&codex).len(), 0, "codex: the prompt is never sent");
    let end = &codex.turn_ends().next().context("turn end")?.end;
    assert_eq!(end, &TurnEnd::BlockedByUserPromptSubmit);

    let life = fx
        .play(&fx.spec(
            Dialect::Lifecycle,
            vec![turn("turn-1", "hello", vec![ModelResponse::message("hi")])],
        ))
        .await?;
    let reqs = requests(&life);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].last().map(String::as_str), Some("user: hello"));
    let ups = life.lifecycle_runs().next().context("ups run")?;
    assert_eq!(ups.event, "UserPromptSubmit");
    assert!(ups.result.is_abort());
    assert_eq!(
        ups.log.as_deref(),
        Some("lifecycle hook failed with abort; continuing")
    );
    let payload: Value = serde_json::from_str(&ups.stdin)?;
    assert_eq!(payload["prompt"], "hello");
    assert_eq!(payload["triggered_at"], "2023-11-14T22:13:20Z");
    let end = &life.turn_ends().next().context("turn end")?.end;
    assert!(matches!(end, TurnEnd::Completed { .. }), "{end:?}");
    Ok(())
}

#[tokio::test]
async fn notify_gets_the_json_as_its_last_argument_in_both_dialects() -> Result<()> {
    let fx = Fixture::new(
        "{}",
        "notify = [\"sh\", \"{DIR}/notify.sh\", \"--flag\"]\n",
        &[("notify.sh", NOTIFY)],
    )?;
    let steps = || {
        vec![
            turn("turn-1", "first", vec![ModelResponse::message("one")]),
            turn("turn-2", "second", vec![ModelResponse::message("two")]),
        ]
    };
    // Legacy `notify` is Codex's (every Codex dialect); Claude Code has none.
    for dialect in Dialect::ALL.into_iter().filter(|d| *d != Dialect::Claude) {
        let _ = std::fs::remove_file(fx.path("notify.log"));
        let r = fx.play(&fx.spec(dialect, steps())).await?;
        let log = fx.notify_log()?;
        assert_eq!(log.len(), 2, "{dialect}: once per completed turn");
        let cwd = fx.path("project").display().to_string();
        for (i, (argc, json)) in log.iter().enumerate() {
            // `--flag` then the JSON: two arguments after the script name.
            assert_eq!(*argc, 2, "{dialect}");
            let n = i + 1;
            let words = ["", "first", "second"];
            let answers = ["", "one", "two"];
            assert_eq!(
                json,
                &json!({
                    "type": "agent-turn-complete",
                    "thread-id": "thread-1",
                    "turn-id": format!("turn-{n}"),
                    "cwd": cwd,
                    "input-messages": [words[n]],
                    "last-assistant-message": answers[n],
                }),
                "{dialect}"
            );
        }
        let runs: Vec<_> = r.notify_runs().collect();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].argv.last(), Some(&runs[0].json));
        assert_eq!(runs[0].result, LifecycleResult::Success);
        // Notify comes after the turn's end.
        let kinds: Vec<&str> = r
            .timeline
            .iter()
            .filter_map(|e| match e {
                hooktape::agent::recording::TimelineEntry::TurnEnd(_) => Some("end"),
                hooktape::agent::recording::TimelineEntry::Notify(_) => Some("notify"),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["end", "notify", "end", "notify"]);
    }
    Ok(())
}

#[tokio::test]
async fn codex_notify_is_skipped_when_stop_ends_the_turn() -> Result<()> {
    let fx = Fixture::new(
        &hooks_json("Stop", "stop.sh"),
        "notify = [\"sh\", \"{DIR}/notify.sh\"]\n",
        &[
            (
                "stop.sh",
                "printf '{\"continue\":false,\"stopReason\":\"halt\"}'",
            ),
            ("notify.sh", NOTIFY),
        ],
    )?;
    let r = fx
        .play(&fx.spec(
            Dialect::Codex4e30281,
            vec![turn("turn-1", "hi", vec![ModelResponse::message("one")])],
        ))
        .await?;
    let end = &r.turn_ends().next().context("turn end")?.end;
    assert!(matches!(end, TurnEnd::StoppedByStopHook { .. }), "{end:?}");
    assert_eq!(r.notify_runs().count(), 0);
    assert!(fx.notify_log()?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_failing_notify_changes_nothing() -> Result<()> {
    let fx = Fixture::new(
        "{}",
        "notify = [\"sh\", \"-c\", \"echo boom >&2; exit 2\", \"notify\"]\n",
        &[],
    )?;
    let r = fx
        .play(&fx.spec(
            Dialect::Lifecycle,
            vec![
                turn("turn-1", "a", vec![ModelResponse::message("one")]),
                turn("turn-2", "b", vec![ModelResponse::message("two")]),
            ],
        ))
        .await?;
    let runs: Vec<_> = r.notify_runs().collect();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0].result,
        LifecycleResult::FailedContinue {
            error: "boom".to_owned()
        },
        "AfterAgent never aborts"
    );
    assert_eq!(requests(&r).len(), 2);
    Ok(())
}

/// Every lifecycle key logs its payload; `pre_compact` fails (exit 1), `stop` aborts
/// (exit 2) — both only logged.
fn every_event_config() -> String {
    let keys = [
        ("session_start", "ok.sh"),
        ("user_prompt_submit", "ok.sh"),
        ("pre_tool_use", "ok.sh"),
        ("post_tool_use", "ok.sh"),
        ("stop", "abort.sh"),
        ("pre_compact", "fail.sh"),
        ("session_end", "ok.sh"),
        ("subagent_start", "ok.sh"),
        ("subagent_stop", "ok.sh"),
    ];
    let mut text = "[hooks]\n".to_owned();
    for (key, script) in keys {
        text.push_str(&format!(
            "{key} = [\"sh\", \"{{DIR}}/{script}\", \"{key}\"]\n"
        ));
    }
    text
}

#[tokio::test]
async fn lifecycle_fires_every_event_at_its_point_with_its_fields() -> Result<()> {
    let fx = Fixture::new(
        // hooks.json is there too, but the lifecycle dialect never reads it.
        &hooks_json("Stop", "ok.sh"),
        &every_event_config(),
        &[
            ("ok.sh", "exit 0"),
            ("fail.sh", "echo 'compaction hook broke' >&2\nexit 1"),
            ("abort.sh", "exit 2"),
        ],
    )?;
    let child = ChildSpec {
        description: String::new(),
        agent_id: "child-1".to_owned(),
        agent_type: "worker".to_owned(),
        turn_id: "child-turn-1".to_owned(),
        message: "count files".to_owned(),
        responses: vec![
            ModelResponse::calls(vec![shell_call("call-c", &["ls"], "a b")]),
            ModelResponse::message("2 files"),
        ],
    };
    let mut spec = fx.spec(
        Dialect::Lifecycle,
        vec![turn(
            "turn-1",
            "go",
            vec![
                ModelResponse::calls(vec![ToolCallSpec {
                    call_id: "call-spawn".to_owned(),
                    tool: ToolSpec::SpawnAgent(child),
                    result: ToolResult::default(),
                }]),
                ModelResponse {
                    usage: Some(Usage {
                        input_tokens: 90,
                        output_tokens: 10,
                        total_tokens: 100,
                    }),
                    ..ModelResponse::calls(vec![shell_call("call-1", &["echo", "hi"], "hi")])
                },
                ModelResponse::message("summary of work"),
                ModelResponse::message("all done"),
            ],
        )],
    );
    spec.auto_compact_token_limit = Some(100);
    let r = fx.play(&spec).await?;
    assert_eq!(
        events(&r),
        [
            "SessionStart",
            "UserPromptSubmit",
            "PreToolUse",
            "SubagentStart",
            "UserPromptSubmit",
            "PreToolUse",
            "PostToolUse",
            "SubagentStop",
            "PostToolUse",
            "PreToolUse",
            "PostToolUse",
            "PreCompact",
            "Stop",
            "SessionEnd",
        ]
    );
    assert_eq!(r.hook_runs().count(), 0, "hooks.json is not read");
    assert!(r.discovery_warnings.is_empty());
    let log = fx.log()?;
    assert_eq!(log.len(), 14, "every run got its payload on stdin");
    let transcript = r.transcript_path.clone();
    for p in &log {
        assert_eq!(p["triggered_at"], "2023-11-14T22:13:20Z");
        assert!(p.get("client").is_none());
    }
    // SessionStart: context only.
    assert_eq!(
        log[0],
        json!({"session_id": "thread-1", "transcript_path": transcript,
               "cwd": fx.path("project").display().to_string(),
               "triggered_at": "2023-11-14T22:13:20Z", "hook_event_name": "SessionStart"})
    );
    assert_eq!(log[1]["prompt"], "go");
    // PreToolUse of the spawn call, then SubagentStart with the spawn's fields.
    assert_eq!(log[2]["tool_name"], "spawn_agent");
    assert_eq!(log[2]["tool_kind"], "function");
    let spawn_args = r#"{"agent_type":"worker","message":"count files"}"#;
    assert_eq!(
        log[3],
        json!({"session_id": "thread-1", "transcript_path": transcript,
               "cwd": fx.path("project").display().to_string(),
               "triggered_at": "2023-11-14T22:13:20Z", "hook_event_name": "SubagentStart",
               "prompt": "count files", "tool_use_id": "call-spawn",
               "tool_input": {"input_type": "function", "arguments": spawn_args}})
    );
    // Inside the child: its own session id.
    assert_eq!(log[4]["session_id"], "child-1");
    assert_eq!(log[4]["prompt"], "count files");
    assert_eq!(log[6]["session_id"], "child-1");
    assert_eq!(log[6]["output_preview"], "a b");
    assert_eq!(log[7]["subagent_id"], "child-1");
    assert_eq!(log[7]["tool_use_id"], "call-spawn");
    assert_eq!(log[7]["session_id"], "thread-1");
    // PostToolUse of the spawn: the child's last message is the output.
    assert_eq!(log[8]["output_preview"], "2 files");
    // The shell call, with the deterministic duration.
    assert_eq!(
        log[10]["tool_input"],
        json!({"input_type": "function", "arguments": r#"{"command":["echo","hi"]}"#})
    );
    assert_eq!(log[10]["executed"], true);
    assert_eq!(log[10]["success"], true);
    assert_eq!(log[10]["duration_ms"], 0);
    assert_eq!(log[10]["turn_id"], "turn-1");
    assert_eq!(log[10]["call_id"], "call-1");
    // PreCompact during the automatic compaction, with the compaction prompt.
    assert_eq!(
        log[11]["prompt"],
        hooktape::agent::session::COMPACTION_PROMPT
    );
    // Stop: the last input message of the final request and the final answer.
    // (after the compaction the history is the user messages plus the summary)
    assert_eq!(log[12]["prompt"], "summary of work");
    assert_eq!(log[12]["last_assistant_message"], "all done");
    assert_eq!(log[13]["hook_event_name"], "SessionEnd");
    // Failures and aborts are logged; the turn completes anyway.
    let runs: Vec<_> = r.lifecycle_runs().collect();
    assert_eq!(
        runs[11].result,
        LifecycleResult::FailedContinue {
            error: "compaction hook broke".to_owned()
        }
    );
    assert_eq!(runs[11].log, None);
    assert_eq!(
        runs[12].result,
        LifecycleResult::FailedAbort {
            error: "hook exited with status code 2".to_owned()
        }
    );
    assert_eq!(
        runs[12].log.as_deref(),
        Some("lifecycle hook failed with abort; continuing")
    );
    assert_eq!(runs[0].turn_id, None, "SessionStart fires before any turn");
    assert_eq!(runs[4].agent_id.as_deref(), Some("child-1"));
    assert_eq!(
        runs[0].argv,
        [
            "sh".to_owned(),
            format!("{}/ok.sh", fx.dir.path().display()),
            "session_start".to_owned()
        ]
    );
    let end = &r.turn_ends().last().context("turn end")?.end;
    assert_eq!(
        end,
        &TurnEnd::Completed {
            last_assistant_message: Some("all done".to_owned())
        }
    );
    Ok(())
}

#[tokio::test]
async fn lifecycle_resume_ends_and_restarts_the_session_and_skips_manual_compaction() -> Result<()>
{
    let fx = Fixture::new(
        "{}",
        &every_event_config(),
        &[
            ("ok.sh", "exit 0"),
            ("abort.sh", "exit 0"),
            ("fail.sh", "exit 0"),
        ],
    )?;
    let spec = fx.spec(
        Dialect::Lifecycle,
        vec![
            turn("turn-1", "a", vec![ModelResponse::message("one")]),
            Step::Compact {
                turn_id: "turn-2".to_owned(),
                summary: Some(ModelResponse::message("summary")),
                instructions: None,
            },
            Step::Resume,
            turn("turn-3", "b", vec![ModelResponse::message("two")]),
        ],
    );
    let r = fx.play(&spec).await?;
    assert_eq!(
        events(&r),
        [
            "SessionStart",
            "UserPromptSubmit",
            "Stop",
            "SessionEnd",
            "SessionStart",
            "UserPromptSubmit",
            "Stop",
            "SessionEnd",
        ]
    );
    // The resumed turn's request holds the history read back from the rollout: the
    // compacted history (turn-1's prompt and the summary, not its answer), then turn-3.
    let reqs = requests(&r);
    assert_eq!(
        reqs[2],
        [
            "developer: base instructions",
            "user: a",
            "user: summary",
            "user: b"
        ],
        "{:#?}",
        reqs[2]
    );
    Ok(())
}

#[tokio::test]
async fn lifecycle_tool_kinds_and_a_failed_tool() -> Result<()> {
    let fx = Fixture::new(
        "{}",
        "[hooks]\npre_tool_use = [\"sh\", \"{DIR}/ok.sh\"]\npost_tool_use = [\"sh\", \"{DIR}/post.sh\"]\n",
        &[("ok.sh", "exit 0"), ("post.sh", "exit 2")],
    )?;
    let call = |id: &str, tool: ToolSpec, result: ToolResult| ToolCallSpec {
        call_id: id.to_owned(),
        tool,
        result,
    };
    let spec = fx.spec(
        Dialect::Lifecycle,
        vec![turn(
            "turn-1",
            "edit",
            vec![
                ModelResponse::calls(vec![
                    call(
                        "call-p",
                        ToolSpec::ApplyPatch {
                            patch: "*** Begin Patch\n*** End Patch".to_owned(),
                        },
                        ToolResult::ok("Done!"),
                    ),
                    call(
                        "call-l",
                        ToolSpec::LocalShell {
                            argv: vec!["ls".to_owned(), "-la".to_owned()],
                        },
                        ToolResult {
                            exit_code: 1,
                            output: "no such dir".to_owned(),
                            ..ToolResult::default()
                        },
                    ),
                    call(
                        "call-m",
                        ToolSpec::Mcp {
                            server: "rmcp".to_owned(),
                            tool: "echo".to_owned(),
                            arguments: r#"{"x":1}"#.to_owned(),
                        },
                        ToolResult::ok("echoed"),
                    ),
                ]),
                ModelResponse::message("ok"),
            ],
        )],
    );
    let r = fx.play(&spec).await?;
    let log = fx.log()?;
    let posts: Vec<&Value> = log
        .iter()
        .filter(|p| p["hook_event_name"] == "PostToolUse")
        .collect();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[0]["tool_kind"], "custom");
    assert_eq!(
        posts[0]["tool_input"],
        json!({"input_type": "custom", "input": "*** Begin Patch\n*** End Patch"})
    );
    assert_eq!(posts[1]["tool_kind"], "local_shell");
    assert_eq!(
        posts[1]["tool_input"],
        json!({"input_type": "local_shell", "params": {"command": ["ls", "-la"], "workdir": null,
               "timeout_ms": null, "sandbox_permissions": "use_default",
               "justification": null, "prefix_rule": null}})
    );
    assert_eq!(posts[1]["executed"], true);
    assert_eq!(posts[1]["success"], false);
    assert_eq!(
        posts[1]["output_preview"],
        "Exit code: 1\nOutput:\nno such dir"
    );
    assert_eq!(posts[2]["tool_name"], "mcp__rmcp__echo");
    assert_eq!(
        posts[2]["tool_input"],
        json!({"input_type": "mcp", "server": "rmcp", "tool": "echo", "arguments": "{\"x\":1}"})
    );
    // PostToolUse exit 2 is not an abort: logged as a failure, the output is untouched.
    for run in r.lifecycle_runs().filter(|l| l.event == "PostToolUse") {
        assert_eq!(
            run.result,
            LifecycleResult::FailedContinue {
                error: "hook exited with status code 2".to_owned()
            }
        );
        assert_eq!(run.log, None);
    }
    assert_eq!(tool_output(&r, "call-p")?, "Done!");
    Ok(())
}

#[tokio::test]
async fn a_lifecycle_spec_needs_a_lifecycle_engine() -> Result<()> {
    let fx = Fixture::new("{}", "", &[])?;
    let spec = fx.spec(
        Dialect::Lifecycle,
        vec![turn("turn-1", "a", vec![ModelResponse::message("one")])],
    );
    let err = play(&spec, &fx.codex, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert!(
        matches!(&err, AgentError::InvalidSpec(m) if m == "the session's dialect is `lifecycle` but no lifecycle engine was given"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn lifecycle_recordings_are_deterministic_across_workspaces() -> Result<()> {
    let mut texts = Vec::new();
    for _ in 0..2 {
        let fx = Fixture::new(
            "{}",
            &every_event_config(),
            &[
                ("ok.sh", "exit 0"),
                ("fail.sh", "exit 1"),
                ("abort.sh", "exit 2"),
            ],
        )?;
        let r = fx
            .play(&fx.spec(Dialect::Lifecycle, vec![rm_turn()]))
            .await?;
        let mut value = serde_json::to_value(&r)?;
        strip_durations(&mut value);
        let root = fx.dir.path().display().to_string();
        texts.push(value.to_string().replace(&root, "<DIR>"));
    }
    assert_eq!(texts[0], texts[1]);
    Ok(())
}

/// The run summaries' measured `durationMs` is the only timing in a recording.
fn strip_durations(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("durationMs") {
                map.insert("durationMs".to_owned(), Value::Null);
            }
            map.values_mut().for_each(strip_durations);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_durations),
        _ => {}
    }
}
