//! The mock agent against real `sh` hooks in temp dirs, a scripted model and an analytics
//! sink on loopback: the behaviours of codex-hooks.md §6 "Integration", adapted to scripted
//! tools (the scenario suite under `scenarios/` pins the per-tool variants: local_shell,
//! exec_command, config.toml hooks, aliases). `agent::play` fails any session whose
//! requests break the protocol (`protocol_violations`), so every test checks it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{ensure, Context, Result};
use hooktape::agent::recording::{Recording, TurnEnd};
use hooktape::agent::spec::{
    ChildSpec, DeniedRun, ModelResponse, QueuedPrompt, RunAccess, RunApproval, SessionSpec, Step,
    ToolCallSpec, ToolResult, ToolSpec, TurnSpec, Usage, UserDecision,
};
use hooktape::agent::sse::{parse_sse, STREAM_DISCONNECTED};
use hooktape::agent::{play, AgentEnv, AgentError};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::DiscoveryInput;
use hooktape::engine::request::ApprovalPolicy;
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{Engine, HookEvent};
use serde_json::{json, Value};
use tempfile::TempDir;

/// A workspace: a user layer with `hooks.json`, hook scripts, a project cwd, a sessions dir.
struct Fixture {
    dir: TempDir,
    engine: Engine,
    env: AgentEnv,
}

impl Fixture {
    /// `hooks`: the `"hooks"` object; `scripts`: (file name, sh body). Each script gets
    /// `$LOG` = `<dir>/log.jsonl` exported by a preamble, and appends its stdin there.
    fn new(hooks: Value, scripts: &[(&str, &str)]) -> Result<Fixture> {
        let dir = tempfile::tempdir()?;
        let home = dir.path().join("codex_home");
        std::fs::create_dir_all(&home)?;
        std::fs::create_dir_all(dir.path().join("project"))?;
        for (name, body) in scripts {
            let text = format!(
                "#!/bin/sh\nLOG='{}'\ninput=$(cat)\nprintf '%s\\n' \"$input\" >> \"$LOG\"\n{body}\n",
                dir.path().join("log.jsonl").display()
            );
            std::fs::write(dir.path().join(name), text)?;
        }
        let hooks_json = home.join("hooks.json");
        std::fs::write(&hooks_json, json!({ "hooks": hooks }).to_string())?;
        let input = DiscoveryInput::single_json(HookSource::User, hooks_json);
        let clock = Arc::new(FixedClock::new(1_700_000_000));
        let engine = Engine::discover(&input, RunnerConfig::default(), clock.clone());
        let env = AgentEnv {
            sessions_dir: home.join("sessions"),
            clock,
        };
        Ok(Fixture { dir, engine, env })
    }

    fn cmd(&self, script: &str) -> String {
        format!("sh {}", self.dir.path().join(script).display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spec(&self, steps: Vec<Step>) -> SessionSpec {
        SessionSpec {
            permission_mode: Default::default(),
            thread_id: "thread-1".to_owned(),
            model: "gpt-test".to_owned(),
            cwd: self.dir.path().join("project").display().to_string(),
            approval_policy: ApprovalPolicy::OnRequest,
            base_instructions: "base instructions".to_owned(),
            start_source: hooktape::engine::request::SessionStartSource::Startup,
            auto_compact_token_limit: None,
            end_reason: "exit".to_owned(),
            dialect: hooktape::engine::Dialect::Codex4e30281,
            steps,
        }
    }

    /// Every hook stdin logged, parsed, in order.
    fn log(&self) -> Result<Vec<Value>> {
        let path = self.path("log.jsonl");
        if !path.exists() {
            return Ok(Vec::new());
        }
        std::fs::read_to_string(&path)?
            .lines()
            .map(|l| serde_json::from_str(l).with_context(|| format!("log line {l}")))
            .collect()
    }

    fn log_of(&self, event: &str) -> Result<Vec<Value>> {
        Ok(self
            .log()?
            .into_iter()
            .filter(|v| v["hook_event_name"] == event)
            .collect())
    }

    /// Plays `spec`; `play` itself fails on a request that breaks the protocol.
    async fn play(&self, spec: &SessionSpec) -> Result<Recording> {
        Ok(play(spec, &self.engine, &self.env).await?)
    }
}

fn handler(command: String) -> Value {
    json!({"hooks": [{"type": "command", "command": command}]})
}

fn matcher(m: &str, command: String) -> Value {
    json!({"matcher": m, "hooks": [{"type": "command", "command": command}]})
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

fn call(id: &str, tool: ToolSpec, result: ToolResult) -> ToolCallSpec {
    ToolCallSpec {
        call_id: id.to_owned(),
        tool,
        result,
    }
}

fn shell(argv: &[&str]) -> ToolSpec {
    ToolSpec::Shell {
        argv: argv.iter().map(|a| (*a).to_owned()).collect(),
        justification: None,
    }
}

fn requests(r: &Recording) -> Vec<Vec<String>> {
    r.model_requests().map(|m| m.input.clone()).collect()
}

fn tool_output(r: &Recording, call_id: &str) -> Option<String> {
    r.tool_calls()
        .find(|c| c.call_id == call_id)
        .map(|c| c.output_to_model.clone())
}

/// A call result that needs approval up front, answered `decision` if the user is asked.
fn asks_user(decision: UserDecision) -> ToolResult {
    ToolResult {
        output: "ok".to_owned(),
        needs_approval: true,
        user_decision: decision,
        ..ToolResult::default()
    }
}

/// Each call's (id, whether the user was asked, disposition), in order.
fn approvals_seen(r: &Recording) -> Vec<(&str, bool, &str)> {
    r.tool_calls()
        .map(|c| (c.call_id.as_str(), c.asked_user, c.disposition.as_str()))
        .collect()
}

fn has_line(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

const STOP_BLOCK_TWICE: &str = r#"n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0.count"
if [ $n -le 2 ]; then printf '{"decision":"block","reason":"keep going %s"}' $n; fi"#;

#[tokio::test]
async fn stop_hook_can_block_twice_in_the_same_turn() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", STOP_BLOCK_TWICE)?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hello",
        vec![
            ModelResponse::message("first"),
            ModelResponse::message("second"),
            ModelResponse::message("third"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 3);
    let stops = fx.log_of("Stop")?;
    let active: Vec<&Value> = stops.iter().map(|s| &s["stop_hook_active"]).collect();
    assert_eq!(active, [&json!(false), &json!(true), &json!(true)]);
    assert!(stops.iter().all(|s| s["turn_id"] == "turn-1"));
    let run_id = format!("stop:0:{}", fx.path("codex_home/hooks.json").display());
    let frag = |n: u32| {
        format!("user: <hook_prompt hook_run_id=\"{run_id}\">keep going {n}</hook_prompt>")
    };
    assert!(has_line(&reqs[1], &frag(1)), "{:#?}", reqs[1]);
    assert!(!has_line(&reqs[1], &frag(2)));
    assert!(
        has_line(&reqs[2], &frag(1)) && has_line(&reqs[2], &frag(2)),
        "{:#?}",
        reqs[2]
    );
    let last = r.turn_ends().last().context("turn end")?;
    assert_eq!(
        last.end,
        TurnEnd::Completed {
            last_assistant_message: Some("third".to_owned())
        }
    );
    // Both continuation prompts are in the rollout, as user messages with deterministic ids.
    let prompts: Vec<&Value> = r
        .transcript
        .iter()
        .filter(|l| l["type"] == "response_item" && l["payload"]["role"] == "user")
        .filter(|l| {
            l["payload"]["content"][0]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("<hook_prompt"))
        })
        .collect();
    assert_eq!(prompts.len(), 2);
    assert_eq!(prompts[0]["payload"]["id"], "hook-prompt-1");
    assert_eq!(prompts[1]["payload"]["id"], "hook-prompt-2");
    Ok(())
}

const UPS_BLOCK: &str = r#"case "$input" in
  *blocked*|*forbidden*) printf '{"decision":"block","reason":"no","hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"context from blocked prompt"}}' ;;
  *) printf '{"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"ok context"}}' ;;
esac"#;

#[tokio::test]
async fn blocked_user_prompt_context_reaches_next_turn_and_prompt_never_does() -> Result<()> {
    let fx = self_fixture("UserPromptSubmit", None, "ups.sh", UPS_BLOCK)?;
    let spec = fx.spec(vec![
        turn("turn-1", "do the forbidden thing", vec![]),
        turn("turn-2", "hello", vec![ModelResponse::message("hi")]),
    ]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 1);
    assert!(
        !reqs[0].iter().any(|l| l.contains("forbidden thing")),
        "{:#?}",
        reqs[0]
    );
    assert!(has_line(&reqs[0], "developer: context from blocked prompt"));
    // The accepted prompt comes first, then its context.
    let user = reqs[0]
        .iter()
        .position(|l| l == "user: hello")
        .context("prompt")?;
    assert_eq!(reqs[0][user + 1], "developer: ok context");
    let ups = fx.log_of("UserPromptSubmit")?;
    assert_eq!(ups.len(), 2);
    assert_eq!(ups[0]["turn_id"], "turn-1");
    assert_eq!(ups[1]["turn_id"], "turn-2");
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(ends[0], &TurnEnd::BlockedByUserPromptSubmit);
    Ok(())
}

/// A fixture with one handler for `event` (optional matcher) running `script`.
fn self_fixture(event: &str, m: Option<&str>, script: &str, body: &str) -> Result<Fixture> {
    multi_fixture(&[(event, m, script, body)])
}

/// A fixture with one handler per entry: (event, matcher, script name, sh body).
fn multi_fixture(entries: &[(&str, Option<&str>, &str, &str)]) -> Result<Fixture> {
    // Scripts live in the fixture dir, which is only known once it exists: create it with
    // the scripts first, then rewrite hooks.json and rediscover.
    let scripts: Vec<(&str, &str)> = entries.iter().map(|(_, _, s, b)| (*s, *b)).collect();
    let fx = Fixture::new(json!({}), &scripts)?;
    let mut hooks = serde_json::Map::new();
    for (event, m, script, _) in entries {
        let group = match m {
            Some(m) => matcher(m, fx.cmd(script)),
            None => handler(fx.cmd(script)),
        };
        hooks
            .entry(event.to_string())
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .context("array")?
            .push(group);
    }
    rediscover(fx, Value::Object(hooks))
}

fn rediscover(fx: Fixture, hooks: Value) -> Result<Fixture> {
    let hooks_json = fx.path("codex_home/hooks.json");
    std::fs::write(&hooks_json, json!({ "hooks": hooks }).to_string())?;
    let input = DiscoveryInput::single_json(HookSource::User, hooks_json);
    let clock = Arc::new(FixedClock::new(1_700_000_000));
    let engine = Engine::discover(&input, RunnerConfig::default(), clock);
    assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
    Ok(Fixture { engine, ..fx })
}

#[tokio::test]
async fn blocked_queued_prompt_does_not_strand_an_earlier_accepted_one() -> Result<()> {
    let fx = self_fixture("UserPromptSubmit", None, "ups.sh", UPS_BLOCK)?;
    let spec = fx.spec(vec![Step::Turn(TurnSpec {
        turn_id: "turn-1".to_owned(),
        prompt: "start".to_owned(),
        queued: vec![
            QueuedPrompt {
                after_request: 1,
                prompt: "accepted follow-up".to_owned(),
            },
            QueuedPrompt {
                after_request: 1,
                prompt: "blocked follow-up".to_owned(),
            },
        ],
        responses: vec![ModelResponse::message("one"), ModelResponse::message("two")],
        interrupt_after: None,
    })]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 2);
    assert!(
        has_line(&reqs[1], "user: accepted follow-up"),
        "{:#?}",
        reqs[1]
    );
    assert!(!reqs[1].iter().any(|l| l.contains("blocked follow-up")));
    assert!(has_line(&reqs[1], "developer: context from blocked prompt"));
    let ups = fx.log_of("UserPromptSubmit")?;
    assert_eq!(ups.len(), 3);
    assert!(ups.iter().all(|u| u["turn_id"] == "turn-1"));
    Ok(())
}

#[tokio::test]
async fn pre_tool_use_deny_skips_execution_with_the_exact_text() -> Result<()> {
    let body = r#"printf '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"blocked by pre hook"}}'"#;
    let fx = self_fixture("PreToolUse", Some("Bash"), "pre.sh", body)?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "make a file",
        vec![
            ModelResponse::calls(vec![call(
                "call-1",
                shell(&["touch", "my marker"]),
                ToolResult::ok("done"),
            )]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let text =
        "Command blocked by PreToolUse hook: blocked by pre hook. Command: touch 'my marker'";
    let tool = r.tool_calls().next().context("tool call")?;
    assert!(!tool.executed);
    assert_eq!(tool.disposition, "blocked_by_pre_tool_use");
    assert_eq!(tool.output_to_model, text);
    let reqs = requests(&r);
    assert!(has_line(
        &reqs[1],
        &format!("function_call_output(call-1): {text}")
    ));
    let pre = fx.log_of("PreToolUse")?;
    assert_eq!(pre[0]["tool_name"], "Bash");
    assert_eq!(
        pre[0]["tool_input"],
        json!({"command": "touch 'my marker'"})
    );
    assert_eq!(pre[0]["tool_use_id"], "call-1");
    // transcript_path exists when the hook runs and names the rollout.
    assert_eq!(pre[0]["transcript_path"], json!(r.transcript_path));
    assert!(Path::new(&r.transcript_path).exists());
    Ok(())
}

#[tokio::test]
async fn post_tool_use_block_and_continue_false_replace_output_and_turn_goes_on() -> Result<()> {
    let body = r#"case "$input" in
  *'"tool_use_id":"call-1"'*) printf '{"decision":"block","reason":"post reason","hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"post context"}}' ;;
  *) printf '{"continue":false,"stopReason":"post stop"}' ;;
esac"#;
    let fx = self_fixture("PostToolUse", Some("Bash"), "post.sh", body)?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "run things",
        vec![
            ModelResponse::calls(vec![
                call(
                    "call-1",
                    shell(&["echo", "one"]),
                    ToolResult::ok("post-tool-output"),
                ),
                call(
                    "call-2",
                    ToolSpec::ShellCommand {
                        command: "echo two".to_owned(),
                        justification: None,
                    },
                    ToolResult::ok("two"),
                ),
            ]),
            ModelResponse::message("finished"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(tool_output(&r, "call-1").as_deref(), Some("post reason"));
    assert_eq!(tool_output(&r, "call-2").as_deref(), Some("post stop"));
    assert!(r.tool_calls().all(|c| c.executed));
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 2, "the follow-up request still happens");
    let ctx = reqs[1]
        .iter()
        .position(|l| l == "developer: post context")
        .context("context")?;
    let out = reqs[1]
        .iter()
        .position(|l| l == "function_call_output(call-1): post reason")
        .context("output")?;
    assert!(ctx < out, "context precedes the tool output");
    let post = fx.log_of("PostToolUse")?;
    assert_eq!(post[0]["tool_response"], "post-tool-output");
    assert_eq!(post[1]["tool_input"], json!({"command": "echo two"}));
    Ok(())
}

#[tokio::test]
async fn post_tool_use_skipped_after_failed_execution() -> Result<()> {
    let fx = self_fixture("PostToolUse", None, "post.sh", "true")?;
    let failing = ToolResult {
        exit_code: 1,
        output: "boom".to_owned(),
        ..ToolResult::default()
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "fail",
        vec![
            ModelResponse::calls(vec![call("call-1", shell(&["false"]), failing)]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert!(fx.log_of("PostToolUse")?.is_empty());
    assert_eq!(
        tool_output(&r, "call-1").as_deref(),
        Some("Exit code: 1\nOutput:\nboom")
    );
    Ok(())
}

#[tokio::test]
async fn permission_request_allow_runs_without_asking() -> Result<()> {
    let body = r#"printf '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'"#;
    let fx = self_fixture("PermissionRequest", Some("Bash"), "perm.sh", body)?;
    let needs = ToolResult {
        output: "ran".to_owned(),
        needs_approval: true,
        user_decision: hooktape::agent::spec::UserDecision::Deny,
        ..ToolResult::default()
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "go",
        vec![
            ModelResponse::calls(vec![
                call(
                    "call-1",
                    ToolSpec::ExecCommand {
                        cmd: "rm -rf build".to_owned(),
                        justification: Some("clean the build".to_owned()),
                    },
                    needs.clone(),
                ),
                call(
                    "call-2",
                    shell(&["ls"]),
                    ToolResult::ok("no approval needed"),
                ),
            ]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let tool = r.tool_calls().next().context("tool")?;
    assert!(tool.executed && !tool.asked_user);
    assert_eq!(tool.output_to_model, "ran");
    let perm = fx.log_of("PermissionRequest")?;
    assert_eq!(perm.len(), 1, "only the call that needs approval asks");
    assert!(perm[0].get("tool_use_id").is_none());
    assert_eq!(
        perm[0]["tool_input"],
        json!({"command": "rm -rf build", "description": "clean the build"})
    );
    let run = r
        .hook_runs()
        .find(|h| h.run_id.starts_with("permission-request"))
        .context("run")?;
    assert!(run.run_id.ends_with(":call-1"), "{}", run.run_id);
    Ok(())
}

#[tokio::test]
async fn permission_request_without_verdict_falls_back_to_the_user() -> Result<()> {
    let fx = self_fixture("PermissionRequest", None, "perm.sh", "true")?;
    let denied = ToolResult {
        output: "never".to_owned(),
        needs_approval: true,
        user_decision: hooktape::agent::spec::UserDecision::Deny,
        ..ToolResult::default()
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "go",
        vec![
            ModelResponse::calls(vec![call("call-1", shell(&["rm", "x"]), denied)]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    // The hook ran and gave no verdict; only then was the user asked.
    let perm = fx.log_of("PermissionRequest")?;
    assert_eq!(perm.len(), 1);
    assert_eq!(perm[0]["tool_input"]["command"], "rm x");
    let run = r
        .hook_runs()
        .find(|h| h.run_id.starts_with("permission-request"))
        .context("run")?;
    assert_eq!(run.status.as_str(), "completed");
    let tool = r.tool_calls().next().context("tool")?;
    assert!(tool.asked_user && !tool.executed);
    assert_eq!(tool.disposition, "denied_by_user");
    assert_eq!(tool.output_to_model, "Bash rejected by user");
    Ok(())
}

#[tokio::test]
async fn pre_tool_use_mcp_matcher_blocks_mcp_tool() -> Result<()> {
    let body = "echo 'no mcp today' >&2; exit 2";
    let fx = self_fixture("PreToolUse", Some("mcp__rmcp__.*"), "pre.sh", body)?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "echo via mcp",
        vec![
            ModelResponse::calls(vec![
                call(
                    "call-1",
                    ToolSpec::Mcp {
                        server: "rmcp".to_owned(),
                        tool: "echo".to_owned(),
                        arguments: r#"{"message":"hi"}"#.to_owned(),
                    },
                    ToolResult::ok("hi"),
                ),
                call("call-2", shell(&["ls"]), ToolResult::ok("files")),
            ]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(
        tool_output(&r, "call-1").as_deref(),
        Some("Tool call blocked by PreToolUse hook: no mcp today. Tool: mcp__rmcp__echo")
    );
    assert_eq!(tool_output(&r, "call-2").as_deref(), Some("files"));
    let pre = fx.log_of("PreToolUse")?;
    assert_eq!(pre.len(), 1, "Bash does not match mcp__rmcp__.*");
    assert_eq!(pre[0]["tool_input"], json!({"message": "hi"}));
    Ok(())
}

#[tokio::test]
async fn post_tool_use_sees_mcp_call_tool_result() -> Result<()> {
    let fx = self_fixture("PostToolUse", Some("mcp__.*"), "post.sh", "true")?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "echo",
        vec![
            ModelResponse::calls(vec![call(
                "call-1",
                ToolSpec::Mcp {
                    server: "rmcp".to_owned(),
                    tool: "echo".to_owned(),
                    arguments: "  ".to_owned(),
                },
                ToolResult::ok("echoed"),
            )]),
            ModelResponse::message("ok"),
        ],
    )]);
    fx.play(&spec).await?;
    let post = fx.log_of("PostToolUse")?;
    assert_eq!(post[0]["tool_input"], json!({}));
    assert_eq!(
        post[0]["tool_response"],
        json!({"content": [{"type": "text", "text": "echoed"}], "structuredContent": null, "isError": false})
    );
    Ok(())
}

#[tokio::test]
async fn write_matcher_matches_apply_patch() -> Result<()> {
    let body = r#"printf '{"decision":"block","reason":"no writes"}'"#;
    let fx = self_fixture("PreToolUse", Some("^Write$"), "pre.sh", body)?;
    let patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch";
    let spec = fx.spec(vec![turn(
        "turn-1",
        "write a file",
        vec![
            ModelResponse::calls(vec![call(
                "call-1",
                ToolSpec::ApplyPatch {
                    patch: patch.to_owned(),
                },
                ToolResult::ok("Success"),
            )]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let pre = fx.log_of("PreToolUse")?;
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["tool_name"], "apply_patch");
    assert_eq!(pre[0]["tool_input"], json!({"command": patch}));
    assert_eq!(
        tool_output(&r, "call-1"),
        Some(format!(
            "Command blocked by PreToolUse hook: no writes. Command: {patch}"
        ))
    );
    let reqs = requests(&r);
    assert!(reqs[1]
        .iter()
        .any(|l| l.starts_with("custom_tool_call_output(call-1): Command blocked")));
    Ok(())
}

#[tokio::test]
async fn plan_and_unknown_tools_fire_no_hooks() -> Result<()> {
    let fx = multi_fixture(&[
        ("PreToolUse", Some("*"), "pre.sh", "true"),
        ("PostToolUse", None, "post.sh", "true"),
    ])?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "plan",
        vec![
            ModelResponse::calls(vec![
                call(
                    "call-1",
                    ToolSpec::UpdatePlan {
                        arguments: r#"{"plan":[{"step":"a","status":"pending"}]}"#.to_owned(),
                    },
                    ToolResult::default(),
                ),
                call(
                    "call-2",
                    ToolSpec::Other {
                        tool_name: "view_image".to_owned(),
                        arguments: String::new(),
                    },
                    ToolResult::default(),
                ),
            ]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert!(fx.log()?.is_empty(), "{:?}", fx.log()?);
    assert_eq!(tool_output(&r, "call-1").as_deref(), Some("Plan updated"));
    assert_eq!(
        tool_output(&r, "call-2").as_deref(),
        Some("unsupported call: view_image")
    );
    Ok(())
}

#[tokio::test]
async fn resumed_thread_keeps_the_stop_continuation_prompt() -> Result<()> {
    let body = r#"case "$input" in *'"stop_hook_active":false'*) printf '{"decision":"block","reason":"one more & check"}' ;; esac"#;
    let fx = multi_fixture(&[
        ("Stop", None, "stop.sh", body),
        ("SessionStart", None, "start.sh", "true"),
        ("SessionEnd", None, "end.sh", "true"),
    ])?;
    let spec = fx.spec(vec![
        turn(
            "turn-1",
            "hello",
            vec![ModelResponse::message("a"), ModelResponse::message("b")],
        ),
        Step::Resume,
        turn(
            "turn-2",
            "again",
            vec![ModelResponse::message("c"), ModelResponse::message("d")],
        ),
    ]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 4);
    let prompt = reqs[1]
        .iter()
        .find(|l| l.contains("<hook_prompt"))
        .context("prompt")?;
    assert!(
        prompt.ends_with(">one more &amp; check</hook_prompt>"),
        "{prompt}"
    );
    assert!(has_line(&reqs[2], prompt), "{:#?}", reqs[2]);
    let sources: Vec<Value> = fx
        .log_of("SessionStart")?
        .iter()
        .map(|s| s["source"].clone())
        .collect();
    assert_eq!(sources, [json!("startup"), json!("resume")]);
    assert_eq!(
        fx.log_of("SessionEnd")?.len(),
        2,
        "closing for resume and at the end"
    );
    Ok(())
}

#[tokio::test]
async fn session_start_sees_an_existing_transcript_file() -> Result<()> {
    let body = r#"path=$(printf '%s' "$input" | sed 's/.*"transcript_path":"\([^"]*\)".*/\1/')
if [ -f "$path" ]; then echo "transcript exists"; else echo "transcript missing"; fi"#;
    let fx = self_fixture("SessionStart", Some("startup"), "start.sh", body)?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![ModelResponse::message("hello")],
    )]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert!(
        has_line(&reqs[0], "developer: transcript exists"),
        "{:#?}",
        reqs[0]
    );
    let start = &fx.log_of("SessionStart")?[0];
    assert!(start.get("turn_id").is_none());
    assert_eq!(start["transcript_path"], json!(r.transcript_path));
    assert_eq!(r.transcript[0]["type"], "session_meta");
    Ok(())
}

#[tokio::test]
async fn session_start_stop_ends_the_turn_before_the_prompt() -> Result<()> {
    let fx = multi_fixture(&[
        (
            "SessionStart",
            None,
            "start.sh",
            r#"printf '{"continue":false,"stopReason":"not today"}'"#,
        ),
        ("UserPromptSubmit", None, "ups.sh", "true"),
    ])?;
    let spec = fx.spec(vec![
        turn("turn-1", "hi", vec![]),
        turn("turn-2", "hi again", vec![ModelResponse::message("hello")]),
    ]);
    let r = fx.play(&spec).await?;
    let ups = fx.log_of("UserPromptSubmit")?;
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0]["turn_id"], "turn-2");
    assert_eq!(
        r.turn_ends().next().map(|t| &t.end),
        Some(&TurnEnd::StoppedBySessionStart)
    );
    assert_eq!(fx.log_of("SessionStart")?.len(), 1, "consumed once");
    Ok(())
}

#[tokio::test]
async fn manual_compaction_fires_pre_and_post_compact() -> Result<()> {
    let fx = multi_fixture(&[
        ("PreCompact", Some("manual"), "pre.sh", "true"),
        ("PostCompact", None, "post.sh", "true"),
        ("SessionStart", None, "start.sh", "true"),
    ])?;
    let spec = fx.spec(vec![
        turn("turn-1", "hello", vec![ModelResponse::message("hi")]),
        Step::Compact {
            turn_id: "turn-2".to_owned(),
            summary: Some(ModelResponse::message("SUMMARY of it all")),
            instructions: None,
        },
        turn("turn-3", "continue", vec![ModelResponse::message("ok")]),
    ]);
    let r = fx.play(&spec).await?;
    let pre = fx.log_of("PreCompact")?;
    let post = fx.log_of("PostCompact")?;
    assert_eq!((pre.len(), post.len()), (1, 1));
    assert_eq!(pre[0]["trigger"], "manual");
    assert_eq!(pre[0]["turn_id"], "turn-2");
    assert!(pre[0].get("permission_mode").is_none());
    let purposes: Vec<&str> = r.model_requests().map(|m| m.purpose.as_str()).collect();
    assert_eq!(purposes, ["sampling", "compaction", "sampling"]);
    let reqs = requests(&r);
    assert!(has_line(&reqs[2], "user: SUMMARY of it all"));
    assert!(!has_line(&reqs[2], "assistant: hi"), "history replaced");
    let sources: Vec<Value> = fx
        .log_of("SessionStart")?
        .iter()
        .map(|s| s["source"].clone())
        .collect();
    assert_eq!(sources, [json!("startup"), json!("compact")]);
    // Every event's position in the hook log: PreCompact before PostCompact.
    let names: Vec<Value> = fx
        .log()?
        .iter()
        .map(|v| v["hook_event_name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("SessionStart"),
            json!("PreCompact"),
            json!("PostCompact"),
            json!("SessionStart")
        ]
    );
    Ok(())
}

#[tokio::test]
async fn auto_compaction_and_pre_compact_stop() -> Result<()> {
    let body = r#"n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0.count"
if [ $n -ge 2 ]; then printf '{"continue":false,"stopReason":"no more compaction"}'; fi"#;
    let fx = multi_fixture(&[
        ("PreCompact", Some("auto"), "pre.sh", body),
        ("PostCompact", None, "post.sh", "true"),
    ])?;
    let big = Some(Usage {
        input_tokens: 900,
        output_tokens: 100,
        total_tokens: 1000,
    });
    let mut spec = fx.spec(vec![
        turn(
            "turn-1",
            "hello",
            vec![
                ModelResponse {
                    usage: big,
                    ..ModelResponse::calls(vec![call(
                        "call-1",
                        shell(&["ls"]),
                        ToolResult::ok("a"),
                    )])
                },
                ModelResponse::message("summary one"),
                ModelResponse {
                    usage: big,
                    ..ModelResponse::calls(vec![call(
                        "call-2",
                        shell(&["ls"]),
                        ToolResult::ok("b"),
                    )])
                },
            ],
        ),
        turn("turn-2", "after", vec![ModelResponse::message("fine")]),
    ]);
    spec.auto_compact_token_limit = Some(500);
    let r = fx.play(&spec).await?;
    let pre = fx.log_of("PreCompact")?;
    assert_eq!(pre.len(), 2);
    assert!(pre.iter().all(|p| p["trigger"] == "auto"));
    assert_eq!(
        fx.log_of("PostCompact")?.len(),
        1,
        "no PostCompact when PreCompact stops"
    );
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(
        ends[0],
        &TurnEnd::CompactionAborted {
            event: "PreCompact".to_owned(),
            reason: "no more compaction".to_owned()
        }
    );
    Ok(())
}

#[tokio::test]
async fn subagent_fires_subagent_start_and_stop_with_identity() -> Result<()> {
    let start = r#"printf '{"hookSpecificOutput":{"hookEventName":"SubagentStart","additionalContext":"child context"}}'"#;
    let fx = multi_fixture(&[
        ("SubagentStart", Some("explorer"), "sub_start.sh", start),
        ("SubagentStop", None, "sub_stop.sh", "true"),
        ("PreToolUse", None, "pre.sh", "true"),
        ("Stop", None, "stop.sh", "true"),
        ("SessionStart", None, "start.sh", "true"),
    ])?;
    let child = ChildSpec {
        description: String::new(),
        agent_id: "child-1".to_owned(),
        agent_type: "explorer".to_owned(),
        turn_id: "child-turn-1".to_owned(),
        message: "explore the repo".to_owned(),
        responses: vec![
            ModelResponse::calls(vec![call("call-c1", shell(&["ls"]), ToolResult::ok("src"))]),
            ModelResponse::message("child done"),
        ],
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "delegate",
        vec![
            ModelResponse::calls(vec![call(
                "call-1",
                ToolSpec::SpawnAgent(child),
                ToolResult::default(),
            )]),
            ModelResponse::message("parent done"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(tool_output(&r, "call-1").as_deref(), Some("child done"));
    let sub_start = fx.log_of("SubagentStart")?;
    assert_eq!(sub_start.len(), 1);
    assert_eq!(sub_start[0]["agent_id"], "child-1");
    assert_eq!(sub_start[0]["agent_type"], "explorer");
    let pre = fx.log_of("PreToolUse")?;
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["agent_id"], "child-1");
    assert_eq!(pre[0]["agent_type"], "explorer");
    let sub_stop = fx.log_of("SubagentStop")?;
    assert_eq!(sub_stop.len(), 1);
    assert_eq!(sub_stop[0]["last_assistant_message"], "child done");
    assert_eq!(sub_stop[0]["transcript_path"], json!(r.transcript_path));
    assert_ne!(
        sub_stop[0]["agent_transcript_path"],
        json!(r.transcript_path)
    );
    assert_eq!(fx.log_of("Stop")?.len(), 1, "Stop only for the root turn");
    assert_eq!(
        fx.log_of("SessionStart")?.len(),
        1,
        "no SessionStart for the child"
    );
    let reqs: Vec<_> = r.model_requests().collect();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[1].thread_id, "child-1");
    assert_eq!(
        reqs[1].input,
        [
            "developer: base instructions",
            "developer: child context",
            "user: explore the repo"
        ]
    );
    assert_eq!(r.raw_requests[1]["prompt_cache_key"], "child-1");
    Ok(())
}

#[tokio::test]
async fn analytics_received_equal_completed_runs_in_order() -> Result<()> {
    let fx = multi_fixture(&[
        ("SessionStart", None, "start.sh", "true"),
        ("UserPromptSubmit", None, "ups.sh", "true"),
        (
            "PreToolUse",
            None,
            "pre.sh",
            r#"printf '{"decision":"block","reason":"no"}'"#,
        ),
        ("Stop", None, "stop.sh", "exit 3"),
    ])?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![
            ModelResponse::calls(vec![call("call-1", shell(&["ls"]), ToolResult::ok("x"))]),
            ModelResponse::message("bye"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let expected: Vec<(String, String)> = r
        .hook_runs()
        .map(|h| {
            (
                h.run_id.split(':').next().unwrap_or("").to_owned(),
                h.status.as_str().to_owned(),
            )
        })
        .collect();
    let got: Vec<(String, String)> = r
        .analytics
        .iter()
        .map(|a| {
            (
                a.event_params.hook_name.clone().unwrap_or_default(),
                a.event_params.status.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("SessionStart".to_owned(), "completed".to_owned()),
            ("UserPromptSubmit".to_owned(), "completed".to_owned()),
            ("PreToolUse".to_owned(), "blocked".to_owned()),
            ("Stop".to_owned(), "failed".to_owned()),
        ]
    );
    assert_eq!(expected.len(), got.len());
    assert!(expected.iter().zip(&got).all(|(e, g)| e.1 == g.1));
    assert!(r.analytics.iter().all(|a| a.event_type == "codex_hook_run"
        && a.event_params.thread_id.as_deref() == Some("thread-1")
        && a.event_params.turn_id.as_deref() == Some("turn-1")
        && a.event_params.model_slug.as_deref() == Some("gpt-test")
        && a.event_params.hook_source.as_deref() == Some("user")));
    Ok(())
}

#[tokio::test]
async fn hook_notifications_pair_per_handler_in_declaration_order_not_finishing_order() -> Result<()>
{
    // a.sh finishes last: `hook/completed` still follows declaration order (a, b), one per
    // `hook/started`, each with its run's final status.
    let fx = multi_fixture(&[
        ("UserPromptSubmit", None, "a.sh", "sleep 0.2"),
        ("UserPromptSubmit", None, "b.sh", "true"),
    ])?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![ModelResponse::message("ok")],
    )]);
    let r = fx.play(&spec).await?;
    let ev = r.hook_events().next().context("event")?;
    // The notifications as they go on the wire.
    let started: Vec<Value> = ev.started.iter().map(|n| n.wire()).collect();
    let completed: Vec<Value> = ev.completed.iter().map(|n| n.wire()).collect();
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|n| n["params"]["run"]["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert!(started
        .iter()
        .all(|n| n["method"] == "hook/started" && n["params"]["run"]["status"] == "running"));
    assert!(completed
        .iter()
        .all(|n| n["method"] == "hook/completed" && n["params"]["run"]["status"] == "completed"));
    assert_eq!(ids(&started), ids(&completed));
    let orders: Vec<i64> = started
        .iter()
        .map(|n| n["params"]["run"]["displayOrder"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(orders, [0, 1]);
    assert_eq!(started[0]["params"]["threadId"], "thread-1");
    assert_eq!(started[0]["params"]["turnId"], "turn-1");
    assert_eq!(
        completed[0]["params"]["run"]["eventName"],
        "userPromptSubmit"
    );
    Ok(())
}

#[tokio::test]
async fn script_overrun_shows_the_request_and_the_script() -> Result<()> {
    let fx = self_fixture(
        "Stop",
        None,
        "stop.sh",
        r#"printf '{"decision":"block","reason":"again"}'"#,
    )?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hello",
        vec![ModelResponse::message("only answer")],
    )]);
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert!(
        matches!(err, AgentError::ScriptOverrun { index: 2, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("model request 2 (thread thread-1, turn turn-1)"),
        "{text}"
    );
    assert!(text.contains("  user: hello\n"), "{text}");
    assert!(text.contains("<hook_prompt"), "{text}");
    assert!(
        text.contains("all 1 scripted responses were used:\n  [1] resp-1: message \"only answer\""),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn unused_responses_are_an_error_showing_what_was_left() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", "true")?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hello",
        vec![
            ModelResponse::message("answer"),
            ModelResponse::calls(vec![call("call-9", shell(&["ls"]), ToolResult::ok(""))]),
        ],
    )]);
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    let text = err.to_string();
    assert!(
        text.contains(
            "1 scripted model response(s) were never requested:\n  [2] resp-2: call shell(call-9)"
        ),
        "{text}"
    );
    assert!(
        text.contains("the last one was:\n  developer: base instructions\n  user: hello"),
        "{text}"
    );
    Ok(())
}

#[path = "support/schemas.rs"]
mod schemas;

/// How `instance` breaks the published schema at `relative` (empty: it matches).
fn schema_errors(relative: &str, instance: &Value) -> Result<Vec<String>> {
    let schema = schemas::load(relative).map_err(anyhow::Error::msg)?;
    let validator = schemas::validator(&schema).map_err(anyhow::Error::msg)?;
    Ok(schemas::errors(&validator, instance))
}

#[tokio::test]
async fn notifications_and_hook_inputs_match_the_published_schemas() -> Result<()> {
    let allow = r#"printf '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'"#;
    let fx = multi_fixture(&[
        ("SessionStart", None, "start.sh", "echo started"),
        ("UserPromptSubmit", None, "ups.sh", "true"),
        ("PreToolUse", None, "pre.sh", "true"),
        ("PermissionRequest", None, "perm.sh", allow),
        (
            "PostToolUse",
            None,
            "post.sh",
            "echo '{\"systemMessage\":\"seen\"}'",
        ),
        ("Stop", None, "stop.sh", "true"),
    ])?;
    let needs = ToolResult {
        output: "ok".to_owned(),
        needs_approval: true,
        ..ToolResult::default()
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![
            ModelResponse::calls(vec![
                call("call-1", shell(&["ls", "-la"]), needs.clone()),
                call(
                    "call-2",
                    ToolSpec::ApplyPatch {
                        patch: "*** Begin Patch\n*** End Patch".to_owned(),
                    },
                    needs,
                ),
            ]),
            ModelResponse::message("done"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let started = "app-server/HookStartedNotification.json";
    let completed = "app-server/HookCompletedNotification.json";
    let mut checked = 0;
    for ev in r.hook_events() {
        for n in ev.started.iter().map(|n| n.wire()) {
            let errors = schema_errors(started, &n["params"])?;
            ensure!(errors.is_empty(), "{}: {errors:?}\n{n:#}", ev.event);
            checked += 1;
        }
        for n in ev.completed.iter().map(|n| n.wire()) {
            let errors = schema_errors(completed, &n["params"])?;
            ensure!(errors.is_empty(), "{}: {errors:?}\n{n:#}", ev.event);
            checked += 1;
        }
    }
    // SessionStart, UPS, 2×Pre, 2×Permission, 2×Post, Stop: 9 runs, started + completed.
    assert_eq!(checked, 18);
    let inputs = fx.log()?;
    assert_eq!(inputs.len(), 9);
    for input in &inputs {
        let name = input["hook_event_name"].as_str().unwrap_or("");
        let event = HookEvent::REFERENCE
            .into_iter()
            .find(|e| e.to_string() == name)
            .with_context(|| format!("unexpected event {name}"))?;
        let file = format!("hooks/{}.command.input.schema.json", event.run_id_label());
        let errors = schema_errors(&file, input)?;
        ensure!(errors.is_empty(), "{name}: {errors:?}\n{input:#}");
    }
    Ok(())
}

#[tokio::test]
async fn failed_stream_ends_the_turn_without_stop() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", "true")?;
    let spec = fx.spec(vec![
        turn(
            "turn-1",
            "hello",
            vec![ModelResponse {
                failed: Some("rate limited".to_owned()),
                ..ModelResponse::default()
            }],
        ),
        turn("turn-2", "again", vec![ModelResponse::message("fine")]),
    ]);
    let r = fx.play(&spec).await?;
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(
        ends[0],
        &TurnEnd::Failed {
            message: "rate limited".to_owned()
        }
    );
    let stops = fx.log_of("Stop")?;
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["turn_id"], "turn-2");
    let outputs: Vec<Vec<String>> = r.model_requests().map(|m| m.output.clone()).collect();
    assert_eq!(
        outputs,
        [
            vec!["failed: rate limited".to_owned()],
            vec!["assistant: fine".to_owned()]
        ]
    );
    Ok(())
}

#[tokio::test]
async fn local_shell_and_exec_command_are_bash_with_joined_or_raw_commands() -> Result<()> {
    let fx = self_fixture("PreToolUse", Some("Bash"), "pre.sh", "true")?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "run",
        vec![
            ModelResponse::calls(vec![
                call(
                    "call-1",
                    ToolSpec::LocalShell {
                        argv: vec!["echo".to_owned(), "a b".to_owned()],
                    },
                    ToolResult::ok("a b"),
                ),
                call(
                    "call-2",
                    ToolSpec::ExecCommand {
                        cmd: "echo 'x' | wc -c".to_owned(),
                        justification: None,
                    },
                    ToolResult::ok("2"),
                ),
            ]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let pre = fx.log_of("PreToolUse")?;
    let commands: Vec<&Value> = pre.iter().map(|p| &p["tool_input"]["command"]).collect();
    assert_eq!(commands, [&json!("echo 'a b'"), &json!("echo 'x' | wc -c")]);
    assert!(pre.iter().all(|p| p["tool_name"] == "Bash"));
    let reqs = requests(&r);
    assert!(
        has_line(&reqs[1], "local_shell_call(call-1): [\"echo\",\"a b\"]"),
        "{:#?}",
        reqs[1]
    );
    assert!(has_line(&reqs[1], "function_call_output(call-1): a b"));
    Ok(())
}

/// Replaces the fixture dir and every `durationMs` so two runs can be compared.
fn normalised(r: &Recording, dir: &Path) -> Result<String> {
    let text = serde_json::to_string_pretty(r)?.replace(&dir.display().to_string(), "<DIR>");
    let mut v: Value = serde_json::from_str(&text)?;
    fn scrub(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if let Some(d) = m.get_mut("durationMs") {
                    if !d.is_null() {
                        *d = json!("<MS>");
                    }
                }
                m.values_mut().for_each(scrub);
            }
            Value::Array(a) => a.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    scrub(&mut v);
    Ok(serde_json::to_string_pretty(&v)?)
}

#[tokio::test]
async fn two_runs_in_different_dirs_record_the_same_session() -> Result<()> {
    let mut texts = Vec::new();
    for _ in 0..2 {
        let fx = multi_fixture(&[
            ("SessionStart", None, "start.sh", "echo hello context"),
            ("Stop", None, "stop.sh", STOP_BLOCK_TWICE),
            ("PostToolUse", None, "post.sh", "true"),
        ])?;
        let spec = fx.spec(vec![turn(
            "turn-1",
            "hi",
            vec![
                ModelResponse::calls(vec![call("call-1", shell(&["ls"]), ToolResult::ok("x"))]),
                ModelResponse::message("a"),
                ModelResponse::message("b"),
                ModelResponse::message("c"),
            ],
        )]);
        let r = fx.play(&spec).await?;
        texts.push(normalised(&r, fx.dir.path())?);
    }
    assert_eq!(texts[0], texts[1]);
    assert!(!texts[0].contains("/tmp/"), "{}", texts[0]);
    Ok(())
}

#[tokio::test]
async fn invalid_specs_are_clear_errors() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", "true")?;
    let mut spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![ModelResponse::calls(vec![
            call("dup", shell(&["ls"]), ToolResult::ok("")),
            call("dup", shell(&["ls"]), ToolResult::ok("")),
        ])],
    )]);
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert_eq!(
        err.to_string(),
        "invalid session spec: call_id \"dup\" is used by two calls"
    );
    spec.cwd = "relative/dir".to_owned();
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert_eq!(
        err.to_string(),
        "invalid session spec: cwd \"relative/dir\" is not an existing absolute directory"
    );
    Ok(())
}

#[tokio::test]
async fn subagent_stop_block_continues_the_child() -> Result<()> {
    let body = r#"case "$input" in *'"stop_hook_active":false'*) printf '{"decision":"block","reason":"verify first"}' ;; esac"#;
    let fx = self_fixture("SubagentStop", Some("worker"), "sub_stop.sh", body)?;
    let child = ChildSpec {
        description: String::new(),
        agent_id: "child-7".to_owned(),
        agent_type: "worker".to_owned(),
        turn_id: "child-turn".to_owned(),
        message: "do it".to_owned(),
        responses: vec![
            ModelResponse::message("draft"),
            ModelResponse::message("verified"),
        ],
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "delegate",
        vec![
            ModelResponse::calls(vec![call(
                "call-1",
                ToolSpec::SpawnAgent(child),
                ToolResult::default(),
            )]),
            ModelResponse::message("done"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(tool_output(&r, "call-1").as_deref(), Some("verified"));
    let stops = fx.log_of("SubagentStop")?;
    let active: Vec<&Value> = stops.iter().map(|s| &s["stop_hook_active"]).collect();
    assert_eq!(active, [&json!(false), &json!(true)]);
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 4);
    assert!(reqs[2].last().is_some_and(|l| l
        .starts_with("user: <hook_prompt hook_run_id=\"subagent-stop:0:")
        && l.ends_with(">verify first</hook_prompt>")));
    Ok(())
}

// ---- Fidelity fixes (review of the mock agent) ----

fn big_usage() -> Option<Usage> {
    Some(Usage {
        input_tokens: 900,
        output_tokens: 100,
        total_tokens: 1000,
    })
}

fn event_names(fx: &Fixture) -> Result<Vec<String>> {
    Ok(fx
        .log()?
        .iter()
        .map(|v| v["hook_event_name"].as_str().unwrap_or("?").to_owned())
        .collect())
}

/// `event_msg` payloads of the rollout with the given `type`.
fn rollout_events<'r>(r: &'r Recording, kind: &str) -> Vec<&'r Value> {
    r.transcript
        .iter()
        .filter(|l| l["type"] == "event_msg" && l["payload"]["type"] == kind)
        .map(|l| &l["payload"])
        .collect()
}

/// (source, turn id) of each SessionStart that ran: the source from the hook's stdin, the
/// turn from the recording (SessionStart's stdin has no `turn_id`).
fn session_starts(r: &Recording) -> Result<Vec<(String, String)>> {
    r.hook_events()
        .filter(|e| e.event.config_name() == "SessionStart")
        .map(|e| {
            let stdin: Value = serde_json::from_str(&e.runs.first().context("a run")?.stdin)?;
            let source = stdin["source"].as_str().context("source")?.to_owned();
            Ok((source, e.turn_id.clone()))
        })
        .collect()
}

#[tokio::test]
async fn cut_or_failed_stream_still_dispatches_its_calls_then_fails_without_stop() -> Result<()> {
    let fx = multi_fixture(&[
        ("Stop", None, "stop.sh", "true"),
        ("PreToolUse", Some("Bash"), "pre.sh", "true"),
    ])?;
    let spec = fx.spec(vec![
        turn(
            "turn-1",
            "hello",
            vec![ModelResponse {
                disconnect: true,
                ..ModelResponse::calls(vec![call("call-1", shell(&["ls"]), ToolResult::ok("a"))])
            }],
        ),
        turn(
            "turn-2",
            "again",
            vec![ModelResponse {
                failed: Some("overloaded".to_owned()),
                ..ModelResponse::calls(vec![call("call-2", shell(&["pwd"]), ToolResult::ok("/"))])
            }],
        ),
        turn("turn-3", "last", vec![ModelResponse::message("fine")]),
    ]);
    let r = fx.play(&spec).await?;
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(
        ends,
        [
            &TurnEnd::Failed {
                message: STREAM_DISCONNECTED.to_owned()
            },
            &TurnEnd::Failed {
                message: "overloaded".to_owned()
            },
            &TurnEnd::Completed {
                last_assistant_message: Some("fine".to_owned())
            },
        ]
    );
    // Both calls went through PreToolUse and ran; their outputs are in the next request.
    let pre: Vec<Value> = fx
        .log_of("PreToolUse")?
        .iter()
        .map(|p| p["tool_use_id"].clone())
        .collect();
    assert_eq!(pre, [json!("call-1"), json!("call-2")]);
    assert_eq!(tool_output(&r, "call-1").as_deref(), Some("a"));
    assert_eq!(tool_output(&r, "call-2").as_deref(), Some("/"));
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[2].iter().any(|l| l.contains("call-1")),
        "{:#?}",
        reqs[2]
    );
    // Stop runs for turn-3 only.
    let stops = fx.log_of("Stop")?;
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["turn_id"], "turn-3");
    let outputs: Vec<Vec<String>> = r.model_requests().map(|m| m.output.clone()).collect();
    assert_eq!(
        outputs[0].last().map(String::as_str),
        Some("failed: stream disconnected before completion")
    );
    // The rollout: an error event, then a normal turn completion.
    let errors: Vec<&Value> = rollout_events(&r, "error");
    assert_eq!(
        errors
            .iter()
            .map(|e| e["message"].clone())
            .collect::<Vec<_>>(),
        [json!(STREAM_DISCONNECTED), json!("overloaded")]
    );
    assert_eq!(rollout_events(&r, "task_complete").len(), 3);
    Ok(())
}

#[tokio::test]
async fn mid_turn_compaction_fires_session_start_compact_in_the_same_turn() -> Result<()> {
    let start = r#"case "$input" in
  *'"source":"compact"'*) printf '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"after compact"}}' ;;
esac"#;
    let fx = multi_fixture(&[
        ("SessionStart", None, "start.sh", start),
        ("PreCompact", None, "pre.sh", "true"),
    ])?;
    let mut spec = fx.spec(vec![
        turn(
            "turn-1",
            "hello",
            vec![
                ModelResponse {
                    usage: big_usage(),
                    ..ModelResponse::calls(vec![call(
                        "call-1",
                        shell(&["ls"]),
                        ToolResult::ok("a"),
                    )])
                },
                ModelResponse::message("the summary"),
                ModelResponse::message("done"),
            ],
        ),
        turn("turn-2", "next", vec![ModelResponse::message("ok")]),
    ]);
    spec.auto_compact_token_limit = Some(500);
    let r = fx.play(&spec).await?;
    assert_eq!(
        session_starts(&r)?,
        [
            ("startup".to_owned(), "turn-1".to_owned()),
            ("compact".to_owned(), "turn-1".to_owned())
        ]
    );
    let purposes: Vec<&str> = r.model_requests().map(|m| m.purpose.as_str()).collect();
    assert_eq!(purposes, ["sampling", "compaction", "sampling", "sampling"]);
    let reqs = requests(&r);
    assert!(
        has_line(&reqs[2], "developer: after compact"),
        "{:#?}",
        reqs[2]
    );
    Ok(())
}

#[tokio::test]
async fn queued_prompt_is_taken_after_compaction_and_session_start() -> Result<()> {
    let fx = multi_fixture(&[
        ("UserPromptSubmit", None, "ups.sh", UPS_BLOCK),
        ("PreCompact", None, "pre.sh", "true"),
        ("SessionStart", None, "start.sh", "true"),
        ("Stop", None, "stop.sh", "true"),
    ])?;
    let mut spec = fx.spec(vec![Step::Turn(TurnSpec {
        turn_id: "turn-1".to_owned(),
        prompt: "start".to_owned(),
        queued: vec![QueuedPrompt {
            after_request: 1,
            prompt: "more please".to_owned(),
        }],
        // The first answer needs no tool: the arrived prompt alone makes the follow-up.
        responses: vec![
            ModelResponse {
                usage: big_usage(),
                ..ModelResponse::message("one")
            },
            ModelResponse::message("the summary"),
            ModelResponse::message("two"),
        ],
        interrupt_after: None,
    })]);
    spec.auto_compact_token_limit = Some(500);
    let r = fx.play(&spec).await?;
    assert_eq!(
        event_names(&fx)?,
        [
            "SessionStart",
            "UserPromptSubmit",
            "PreCompact",
            "SessionStart",
            "UserPromptSubmit",
            "Stop"
        ]
    );
    let ups = fx.log_of("UserPromptSubmit")?;
    assert!(ups.iter().all(|u| u["turn_id"] == "turn-1"));
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 3);
    // The queued prompt comes after the compaction summary, then its context.
    let at = reqs[2]
        .iter()
        .position(|l| l == "user: more please")
        .context("queued prompt sent")?;
    assert!(reqs[2][..at].iter().any(|l| l == "user: the summary"));
    assert_eq!(reqs[2][at + 1], "developer: ok context");
    Ok(())
}

#[tokio::test]
async fn blocked_queued_prompt_alone_ends_the_turn_without_stop() -> Result<()> {
    let fx = multi_fixture(&[
        ("UserPromptSubmit", None, "ups.sh", UPS_BLOCK),
        ("Stop", None, "stop.sh", "true"),
    ])?;
    let spec = fx.spec(vec![
        Step::Turn(TurnSpec {
            turn_id: "turn-1".to_owned(),
            prompt: "start".to_owned(),
            queued: vec![QueuedPrompt {
                after_request: 1,
                prompt: "blocked follow-up".to_owned(),
            }],
            responses: vec![ModelResponse::message("one")],
            interrupt_after: None,
        }),
        turn("turn-2", "next", vec![ModelResponse::message("two")]),
    ]);
    let r = fx.play(&spec).await?;
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(ends[0], &TurnEnd::BlockedByUserPromptSubmit);
    let stops = fx.log_of("Stop")?;
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["turn_id"], "turn-2");
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 2);
    assert!(has_line(&reqs[1], "developer: context from blocked prompt"));
    assert!(!reqs[1].iter().any(|l| l.contains("blocked follow-up")));
    Ok(())
}

#[tokio::test]
async fn a_block_requeues_the_rest_for_the_next_round() -> Result<()> {
    let fx = self_fixture("UserPromptSubmit", None, "ups.sh", UPS_BLOCK)?;
    let spec = fx.spec(vec![Step::Turn(TurnSpec {
        turn_id: "turn-1".to_owned(),
        prompt: "start".to_owned(),
        queued: vec![
            QueuedPrompt {
                after_request: 1,
                prompt: "blocked follow-up".to_owned(),
            },
            QueuedPrompt {
                after_request: 1,
                prompt: "accepted follow-up".to_owned(),
            },
        ],
        responses: vec![ModelResponse::message("one"), ModelResponse::message("two")],
        interrupt_after: None,
    })]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 2);
    let tail: Vec<&str> = reqs[1]
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "developer: context from blocked prompt",
            "user: accepted follow-up",
            "developer: ok context"
        ]
    );
    let prompts: Vec<Value> = fx
        .log_of("UserPromptSubmit")?
        .iter()
        .map(|u| u["prompt"].clone())
        .collect();
    assert_eq!(
        prompts,
        [
            json!("start"),
            json!("blocked follow-up"),
            json!("accepted follow-up")
        ]
    );
    Ok(())
}

#[tokio::test]
async fn prompt_queued_after_a_stop_continuation_is_delivered() -> Result<()> {
    let stop = r#"case "$input" in *'"stop_hook_active":false'*) printf '{"decision":"block","reason":"check again"}' ;; esac"#;
    let fx = multi_fixture(&[
        ("Stop", None, "stop.sh", stop),
        ("UserPromptSubmit", None, "ups.sh", "true"),
    ])?;
    let spec = fx.spec(vec![Step::Turn(TurnSpec {
        turn_id: "turn-1".to_owned(),
        prompt: "start".to_owned(),
        queued: vec![QueuedPrompt {
            after_request: 2,
            prompt: "and one more thing".to_owned(),
        }],
        responses: vec![
            ModelResponse::message("one"),
            ModelResponse::message("two"),
            ModelResponse::message("three"),
        ],
        interrupt_after: None,
    })]);
    let r = fx.play(&spec).await?;
    let reqs = requests(&r);
    assert_eq!(reqs.len(), 3);
    assert!(has_line(&reqs[2], "user: and one more thing"));
    // Stop after request 1 (blocks) and after request 3; request 2 had pending input.
    let active: Vec<Value> = fx
        .log_of("Stop")?
        .iter()
        .map(|s| s["stop_hook_active"].clone())
        .collect();
    assert_eq!(active, [json!(false), json!(true)]);
    assert_eq!(fx.log_of("UserPromptSubmit")?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn every_non_interrupt_turn_end_completes_normally_in_the_rollout() -> Result<()> {
    let stop = r#"printf '{"continue":false,"stopReason":"enough"}'"#;
    let fx = multi_fixture(&[
        ("UserPromptSubmit", None, "ups.sh", UPS_BLOCK),
        ("Stop", None, "stop.sh", stop),
    ])?;
    let spec = fx.spec(vec![
        turn("turn-1", "forbidden", vec![]),
        turn("turn-2", "hello", vec![ModelResponse::message("hi there")]),
    ]);
    let r = fx.play(&spec).await?;
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(
        ends,
        [
            &TurnEnd::BlockedByUserPromptSubmit,
            &TurnEnd::StoppedByStopHook {
                stop_reason: Some("enough".to_owned()),
                last_assistant_message: Some("hi there".to_owned())
            }
        ]
    );
    assert!(rollout_events(&r, "turn_aborted").is_empty());
    let complete: Vec<(Value, Value)> = rollout_events(&r, "task_complete")
        .iter()
        .map(|e| (e["turn_id"].clone(), e["last_agent_message"].clone()))
        .collect();
    assert_eq!(
        complete,
        [
            (json!("turn-1"), Value::Null),
            (json!("turn-2"), json!("hi there"))
        ]
    );
    Ok(())
}

#[tokio::test]
async fn thread_ids_are_unique_and_rollouts_never_overwritten() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", "true")?;
    let child = |id: &str| ChildSpec {
        description: String::new(),
        agent_id: id.to_owned(),
        agent_type: "worker".to_owned(),
        turn_id: "child-turn".to_owned(),
        message: "do it".to_owned(),
        responses: vec![ModelResponse::message("done")],
    };
    let spawning = |ids: &[&str]| {
        fx.spec(vec![turn(
            "turn-1",
            "delegate",
            vec![
                ModelResponse::calls(
                    ids.iter()
                        .enumerate()
                        .map(|(i, id)| {
                            call(
                                &format!("call-{i}"),
                                ToolSpec::SpawnAgent(child(id)),
                                ToolResult::default(),
                            )
                        })
                        .collect(),
                ),
                ModelResponse::message("ok"),
            ],
        )])
    };
    for (ids, message) in [
        (
            &["thread-1"][..],
            "invalid session spec: call \"call-0\" spawns agent_id \"thread-1\", a thread id already in use (each thread needs its own id and rollout)",
        ),
        (
            &["child-a", "child-a"][..],
            "invalid session spec: call \"call-1\" spawns agent_id \"child-a\", a thread id already in use (each thread needs its own id and rollout)",
        ),
    ] {
        let err = play(&spawning(ids), &fx.engine, &fx.env)
            .await
            .err()
            .context("must fail")?;
        assert_eq!(err.to_string(), message);
    }
    // The same thread played twice into one sessions dir: the second is refused.
    let spec = spawning(&["child-a"]);
    fx.play(&spec).await?;
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert!(matches!(err, AgentError::RolloutExists { .. }), "{err}");
    assert!(err.to_string().contains("rollout-thread-1.jsonl"), "{err}");
    Ok(())
}

#[test]
fn parse_sse_skips_unknown_output_items() -> Result<()> {
    let body = [
        r#"{"type":"response.created","response":{"id":"r1"}}"#,
        r#"{"type":"response.output_item.done","item":{"type":"reasoning","summary":[]}}"#,
        r#"{"type":"response.output_item.done","item":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"}]}}"#,
        r#"{"type":"response.output_item.done","item":{"type":"web_search_call","status":"completed"}}"#,
        r#"{"type":"response.completed","response":{"id":"r1"}}"#,
    ]
    .iter()
    .map(|d| format!("data: {d}\n\n"))
    .collect::<String>();
    let sampled = parse_sse(&body).map_err(anyhow::Error::msg)?;
    assert_eq!(sampled.items.len(), 1);
    assert!(!sampled.disconnected && sampled.failure().is_none());
    // A known item that does not parse is still an error.
    let bad =
        "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\"}}\n\n";
    assert!(parse_sse(bad).is_err());
    Ok(())
}

#[tokio::test]
async fn compaction_keeps_a_pending_startup_and_a_post_compact_stop_leaves_none() -> Result<()> {
    let post = r#"n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0.count"
if [ $n -ge 2 ]; then printf '{"continue":false,"stopReason":"halt"}'; fi"#;
    let fx = multi_fixture(&[
        ("SessionStart", None, "start.sh", "true"),
        ("PostCompact", None, "post.sh", post),
    ])?;
    let compact = |id: &str| Step::Compact {
        turn_id: id.to_owned(),
        summary: Some(ModelResponse::message("summary")),
        instructions: None,
    };
    let spec = fx.spec(vec![
        compact("turn-1"),
        turn("turn-2", "hello", vec![ModelResponse::message("hi")]),
        compact("turn-3"),
        turn("turn-4", "again", vec![ModelResponse::message("hi")]),
    ]);
    let r = fx.play(&spec).await?;
    assert_eq!(
        session_starts(&r)?,
        [("startup".to_owned(), "turn-2".to_owned())]
    );
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert_eq!(
        ends[2],
        &TurnEnd::CompactionAborted {
            event: "PostCompact".to_owned(),
            reason: "halt".to_owned()
        }
    );
    Ok(())
}

#[tokio::test]
async fn session_end_without_a_turn_has_a_null_turn_id() -> Result<()> {
    let fx = self_fixture("SessionEnd", None, "end.sh", "true")?;
    let spec = fx.spec(vec![]);
    let r = fx.play(&spec).await?;
    let event = r.hook_events().next().context("SessionEnd ran")?;
    assert_eq!(event.event.config_name(), "SessionEnd");
    for n in event
        .started
        .iter()
        .chain(&event.completed)
        .map(|n| n.wire())
    {
        assert_eq!(n["params"]["turnId"], Value::Null, "{n}");
    }
    assert_eq!(r.analytics.len(), 1);
    assert_eq!(r.analytics[0].event_params.turn_id, None);
    assert!(fx.log_of("SessionEnd")?[0].get("turn_id").is_none());
    Ok(())
}

#[tokio::test]
async fn request_body_has_the_observed_keys() -> Result<()> {
    let fx = self_fixture("Stop", None, "stop.sh", "true")?;
    let spec = fx.spec(vec![turn(
        "turn-1",
        "hi",
        vec![ModelResponse::message("yo")],
    )]);
    let r = fx.play(&spec).await?;
    let body = r.raw_requests.first().context("a request")?;
    assert!(body["reasoning"].is_object(), "{body}");
    assert!(body["text"].is_object(), "{body}");
    assert_eq!(
        body["client_metadata"],
        json!({"thread_id": "thread-1", "turn_id": "turn-1"})
    );
    assert!(body.get("instructions").is_none());
    assert_eq!(body["prompt_cache_key"], "thread-1");
    Ok(())
}

#[tokio::test]
async fn sandbox_denial_asks_to_retry_with_the_retry_run_id() -> Result<()> {
    let body = r#"printf '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'"#;
    let fx = multi_fixture(&[
        ("PermissionRequest", Some("Bash"), "perm.sh", body),
        ("PostToolUse", Some("Bash"), "post.sh", "true"),
    ])?;
    let denied = ToolResult {
        output: "built".to_owned(),
        sandbox_denied: true,
        ..ToolResult::default()
    };
    let script = |policy: ApprovalPolicy| {
        let mut spec = fx.spec(vec![turn(
            "turn-1",
            "go",
            vec![
                ModelResponse::calls(vec![
                    call("call-1", shell(&["make"]), denied.clone()),
                    call("call-2", shell(&["ls"]), ToolResult::ok("plain")),
                ]),
                ModelResponse::message("ok"),
            ],
        )]);
        spec.approval_policy = policy;
        spec
    };
    let r = fx.play(&script(ApprovalPolicy::OnFailure)).await?;
    let perm: Vec<&String> = r
        .hook_runs()
        .filter(|h| h.run_id.starts_with("permission-request"))
        .map(|h| &h.run_id)
        .collect();
    assert_eq!(perm.len(), 1, "only the denied call asks: {perm:?}");
    assert!(perm[0].ends_with(":call-1:retry"), "{}", perm[0]);
    let tool = r.tool_calls().next().context("tool")?;
    assert_eq!(tool.disposition, "executed_without_sandbox");
    assert_eq!(tool.output_to_model, "built");
    assert_eq!(fx.log_of("PostToolUse")?.len(), 2);

    // Under `never` the denial is final: no approval, no PostToolUse, a failed output.
    let fx = multi_fixture(&[
        ("PermissionRequest", Some("Bash"), "perm.sh", body),
        ("PostToolUse", Some("Bash"), "post.sh", "true"),
    ])?;
    let r = fx.play(&script(ApprovalPolicy::Never)).await?;
    assert!(fx.log_of("PermissionRequest")?.is_empty());
    let tool = r.tool_calls().next().context("tool")?;
    assert_eq!(tool.disposition, "denied_by_sandbox");
    assert_eq!(tool.output_to_model, "Exit code: 1\nOutput:\nbuilt");
    let post: Vec<Value> = fx
        .log_of("PostToolUse")?
        .iter()
        .map(|p| p["tool_use_id"].clone())
        .collect();
    assert_eq!(post, [json!("call-2")]);
    Ok(())
}

/// An execve escalation the user would approve.
fn execve(argv: &[&str], approval_id: &str) -> RunApproval {
    RunApproval {
        access: RunAccess::Execve {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
        },
        approval_id: approval_id.to_owned(),
        user_decision: UserDecision::Approve,
    }
}

const NETWORK_TARGET: &str = "http://codex-network-test.invalid:80";

fn network(approval_id: &str, user_decision: UserDecision) -> RunApproval {
    RunApproval {
        access: RunAccess::Network {
            target: NETWORK_TARGET.to_owned(),
        },
        approval_id: approval_id.to_owned(),
        user_decision,
    }
}

#[tokio::test]
async fn permission_request_allows_network_access_without_asking() -> Result<()> {
    // §6 permission_request_hook_allows_network_approval_without_prompt: a command that
    // needs no approval up front (policy on-failure) reaches for a host outside the
    // allowlist; the hook allows the network approval, nobody is asked, the command runs.
    let allow = r#"printf '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'"#;
    let fx = multi_fixture(&[
        ("PermissionRequest", Some("^Bash$"), "perm.sh", allow),
        ("PostToolUse", Some("Bash"), "post.sh", "true"),
    ])?;
    let command = "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://codex-network-test.invalid').read())\"";
    let result = ToolResult {
        output: "OK:fetched".to_owned(),
        run_approvals: vec![network("guardian-approval-1", UserDecision::Deny)],
        ..ToolResult::default()
    };
    let mut spec = fx.spec(vec![turn(
        "turn-1",
        "fetch it",
        vec![
            ModelResponse::calls(vec![call(
                "permissionrequest-network-approval",
                ToolSpec::ShellCommand {
                    command: command.to_owned(),
                    justification: None,
                },
                result,
            )]),
            ModelResponse::message("permission request hook allowed network access"),
        ],
    )]);
    spec.approval_policy = ApprovalPolicy::OnFailure;
    let r = fx.play(&spec).await?;
    let perm = fx.log_of("PermissionRequest")?;
    assert_eq!(perm.len(), 1, "{perm:#?}");
    assert_eq!(perm[0]["tool_name"], "Bash");
    assert!(perm[0].get("tool_use_id").is_none());
    assert_eq!(
        perm[0]["tool_input"],
        json!({"command": command, "description": format!("network-access {NETWORK_TARGET}")})
    );
    let run = r
        .hook_runs()
        .find(|h| h.run_id.starts_with("permission-request"))
        .context("run")?;
    assert!(
        run.run_id.ends_with(":guardian-approval-1"),
        "{}",
        run.run_id
    );
    let tool = r.tool_calls().next().context("tool")?;
    // The user would have denied: nobody asked them (no ExecApprovalRequest analogue).
    assert!(tool.executed && !tool.asked_user, "{tool:?}");
    assert_eq!(tool.disposition, "executed");
    assert_eq!(tool.output_to_model, "OK:fetched");
    assert_eq!(fx.log_of("PostToolUse")?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn denied_run_approvals_fail_the_command_with_its_scripted_outcome() -> Result<()> {
    // A network approval no hook decides falls to the user, who denies it; a hook denies
    // an execve escalation; under `never` nothing is asked and both are denied. A denial
    // makes the command yield `when_denied`, a failure, so PostToolUse does not run.
    let perm = r#"case "$input" in
  *'"git push'*) printf '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"no pushing"}}}' ;;
esac"#;
    let entries = [
        ("PermissionRequest", Some("Bash"), "perm.sh", perm),
        ("PostToolUse", Some("Bash"), "post.sh", "true"),
    ];
    let denied = DeniedRun {
        exit_code: 7,
        output: "connection refused\n".to_owned(),
    };
    let script = |fx: &Fixture, policy: ApprovalPolicy| {
        let mut spec = fx.spec(vec![turn(
            "turn-1",
            "sync",
            vec![
                ModelResponse::calls(vec![
                    call(
                        "call-1",
                        shell(&["curl", "http://codex-network-test.invalid"]),
                        ToolResult {
                            output: "page".to_owned(),
                            run_approvals: vec![network("net-1", UserDecision::Deny)],
                            when_denied: Some(denied.clone()),
                            ..ToolResult::default()
                        },
                    ),
                    call(
                        "call-2",
                        ToolSpec::ExecCommand {
                            cmd: "./release.sh".to_owned(),
                            justification: None,
                        },
                        ToolResult {
                            output: "released".to_owned(),
                            run_approvals: vec![
                                execve(&["git", "tag", "v1 rc"], "exec-1"),
                                execve(&["git", "push"], "exec-2"),
                                network("net-never-asked", UserDecision::Approve),
                            ],
                            ..ToolResult::default()
                        },
                    ),
                ]),
                ModelResponse::message("done"),
            ],
        )]);
        spec.approval_policy = policy;
        spec
    };
    let fx = multi_fixture(&entries)?;
    let r = fx.play(&script(&fx, ApprovalPolicy::OnRequest)).await?;
    let inputs: Vec<Value> = fx
        .log_of("PermissionRequest")?
        .iter()
        .map(|p| p["tool_input"].clone())
        .collect();
    assert_eq!(
        inputs,
        [
            json!({"command": "curl http://codex-network-test.invalid", "description": format!("network-access {NETWORK_TARGET}")}),
            json!({"command": "git tag 'v1 rc'"}),
            json!({"command": "git push"}),
        ],
        "the first denial ends the asking: net-never-asked is not asked"
    );
    let suffixes: Vec<String> = r
        .hook_runs()
        .filter(|h| h.run_id.starts_with("permission-request"))
        .map(|h| h.run_id.rsplit(':').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(suffixes, ["net-1", "exec-1", "exec-2"]);
    let calls: Vec<_> = r.tool_calls().collect();
    assert_eq!(calls[0].disposition, "network_denied_by_user");
    assert!(calls[0].asked_user && calls[0].executed);
    assert_eq!(
        calls[0].output_to_model,
        "Exit code: 7\nOutput:\nconnection refused\n"
    );
    assert_eq!(calls[1].disposition, "execve_denied_by_permission_request");
    assert!(calls[1].asked_user, "exec-1 had no verdict and was asked");
    assert_eq!(calls[1].output_to_model, "Exit code: 1\nOutput:\n");
    assert!(fx.log_of("PostToolUse")?.is_empty());

    let fx = multi_fixture(&entries)?;
    let r = fx.play(&script(&fx, ApprovalPolicy::Never)).await?;
    assert!(fx.log_of("PermissionRequest")?.is_empty());
    let dispositions: Vec<&str> = r.tool_calls().map(|c| c.disposition.as_str()).collect();
    assert_eq!(
        dispositions,
        ["network_denied_by_policy", "execve_denied_by_policy"]
    );
    assert!(r.tool_calls().all(|c| !c.asked_user));
    Ok(())
}

const LOG_PRE_BLOCK_POST: &str = r#"case "$input" in
  *'"PostToolUse"'*) printf '{"decision":"block","reason":"blocked by session post hook"}' ;;
esac"#;

#[tokio::test]
async fn post_tool_use_blocks_when_an_exec_session_completes_via_write_stdin() -> Result<()> {
    // §6 post_tool_use_blocks_when_exec_session_completes_via_write_stdin: exec_command
    // leaves its process running (session 1000); write_stdin never fires PreToolUse; when
    // the process exits with a poll, PostToolUse fires with the exec_command's call id and
    // command and the final output, and its block replaces the write_stdin output.
    let fx = multi_fixture(&[
        ("PreToolUse", None, "pre.sh", "true"),
        ("PostToolUse", None, "post.sh", LOG_PRE_BLOCK_POST),
    ])?;
    let command = "sleep 1; printf session-post-hook-output";
    let spec = fx.spec(vec![turn(
        "turn-1",
        "run the exec command session with post hook",
        vec![
            ModelResponse::calls(vec![call(
                "posttooluse-exec-session-start",
                ToolSpec::ExecCommand {
                    cmd: command.to_owned(),
                    justification: None,
                },
                ToolResult {
                    running: true,
                    ..ToolResult::default()
                },
            )]),
            ModelResponse::calls(vec![call(
                "posttooluse-exec-session-poll",
                ToolSpec::WriteStdin {
                    session_id: 1000,
                    chars: String::new(),
                },
                ToolResult::ok("session-post-hook-output"),
            )]),
            ModelResponse::message("session post hook observed"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(requests(&r).len(), 3);
    assert_eq!(
        tool_output(&r, "posttooluse-exec-session-start").as_deref(),
        Some("Process running with session ID 1000\nOutput:\n")
    );
    assert_eq!(
        tool_output(&r, "posttooluse-exec-session-poll").as_deref(),
        Some("blocked by session post hook")
    );
    let pre = fx.log_of("PreToolUse")?;
    assert_eq!(pre.len(), 1, "write_stdin fires no PreToolUse");
    assert_eq!(pre[0]["tool_use_id"], "posttooluse-exec-session-start");
    assert_eq!(pre[0]["tool_input"]["command"], command);
    let post = fx.log_of("PostToolUse")?;
    assert_eq!(post.len(), 1, "PostToolUse only once the process exits");
    assert_eq!(post[0]["tool_name"], "Bash");
    assert_eq!(post[0]["tool_use_id"], "posttooluse-exec-session-start");
    assert_eq!(post[0]["tool_input"]["command"], command);
    assert_eq!(post[0]["tool_response"], "session-post-hook-output");
    let dispositions: Vec<&str> = r.tool_calls().map(|c| c.disposition.as_str()).collect();
    assert_eq!(dispositions, ["session_running", "session_exited"]);
    // The model sent write_stdin with the session id it was given.
    let poll = r.raw_requests[2]["input"]
        .as_array()
        .context("input")?
        .iter()
        .find(|i| i["type"] == "function_call" && i["name"] == "write_stdin")
        .context("write_stdin call")?
        .clone();
    let args: Value = serde_json::from_str(poll["arguments"].as_str().context("arguments")?)?;
    assert_eq!(args, json!({"session_id": 1000, "chars": ""}));
    Ok(())
}

#[tokio::test]
async fn exec_sessions_number_per_thread_and_close_once_exited() -> Result<()> {
    // Two running sessions (1000, 1001); a poll that leaves 1001 running; 1000 exits with
    // a failure (no PostToolUse); 1001 then exits; a write to 1000 after it closed, and to
    // an id never opened, get the unknown-session text; a blocked exec_command opens none.
    let deny = r#"case "$input" in *never-runs*) printf '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no"}}' ;; esac"#;
    let fx = multi_fixture(&[
        ("PreToolUse", Some("Bash"), "pre.sh", deny),
        ("PostToolUse", Some("Bash"), "post.sh", "true"),
    ])?;
    let exec = |id: &str, cmd: &str| {
        call(
            id,
            ToolSpec::ExecCommand {
                cmd: cmd.to_owned(),
                justification: None,
            },
            ToolResult {
                running: true,
                output: format!("{cmd} started\n"),
                ..ToolResult::default()
            },
        )
    };
    let write = |id: &str, session_id: i64, result: ToolResult| {
        call(
            id,
            ToolSpec::WriteStdin {
                session_id,
                chars: "y\n".to_owned(),
            },
            result,
        )
    };
    let spec = fx.spec(vec![turn(
        "turn-1",
        "go",
        vec![
            ModelResponse::calls(vec![
                exec("start-a", "./a"),
                exec("start-b", "./b"),
                exec("start-c", "./never-runs"),
            ]),
            ModelResponse::calls(vec![
                write(
                    "poll-b",
                    1001,
                    ToolResult {
                        running: true,
                        output: "b waiting\n".to_owned(),
                        ..ToolResult::default()
                    },
                ),
                write(
                    "end-a",
                    1000,
                    ToolResult {
                        exit_code: 3,
                        output: "a failed\n".to_owned(),
                        ..ToolResult::default()
                    },
                ),
                write("end-b", 1001, ToolResult::ok("b done\n")),
                write("late-a", 1000, ToolResult::ok("unused")),
                write("never-c", 1002, ToolResult::ok("unused")),
                // Every session has exited: the next one reuses 1000.
                exec("start-d", "./d"),
            ]),
            ModelResponse::message("ok"),
        ],
    )]);
    let r = fx.play(&spec).await?;
    let outputs: Vec<(&str, &str, &str)> = r
        .tool_calls()
        .map(|c| {
            (
                c.call_id.as_str(),
                c.disposition.as_str(),
                c.output_to_model.as_str(),
            )
        })
        .collect();
    assert_eq!(
        outputs,
        [
            (
                "start-a",
                "session_running",
                "Process running with session ID 1000\nOutput:\n./a started\n"
            ),
            (
                "start-b",
                "session_running",
                "Process running with session ID 1001\nOutput:\n./b started\n"
            ),
            (
                "start-c",
                "blocked_by_pre_tool_use",
                "Command blocked by PreToolUse hook: no. Command: ./never-runs"
            ),
            (
                "poll-b",
                "session_running",
                "Process running with session ID 1001\nOutput:\nb waiting\n"
            ),
            (
                "end-a",
                "session_exited",
                "Exit code: 3\nOutput:\na failed\n"
            ),
            ("end-b", "session_exited", "b done\n"),
            (
                "late-a",
                "unknown_session",
                "write_stdin failed: Unknown session id 1000"
            ),
            (
                "never-c",
                "unknown_session",
                "write_stdin failed: Unknown session id 1002"
            ),
            (
                "start-d",
                "session_running",
                "Process running with session ID 1000\nOutput:\n./d started\n"
            ),
        ]
    );
    let post: Vec<Value> = fx
        .log_of("PostToolUse")?
        .iter()
        .map(|p| {
            json!([
                p["tool_use_id"],
                p["tool_input"]["command"],
                p["tool_response"]
            ])
        })
        .collect();
    assert_eq!(post, [json!(["start-b", "./b", "b done\n"])]);
    assert_eq!(
        fx.log_of("PreToolUse")?.len(),
        4,
        "one per exec_command only"
    );
    Ok(())
}

#[tokio::test]
async fn untrusted_asks_for_every_command_but_the_known_safe_ones() -> Result<()> {
    let fx = self_fixture("PermissionRequest", Some("*"), "perm.sh", "true")?;
    let calls = vec![
        call("safe-ls", shell(&["ls", "-la"]), ToolResult::ok("a\n")),
        call(
            "safe-script",
            ToolSpec::ShellCommand {
                command: "git status && grep -n todo notes.txt | head -5".to_owned(),
                justification: None,
            },
            ToolResult::ok(""),
        ),
        call(
            "unsafe-find",
            ToolSpec::ExecCommand {
                cmd: "find . -name '*.tmp' -delete".to_owned(),
                justification: None,
            },
            ToolResult::ok(""),
        ),
        call("unsafe-make", shell(&["make"]), ToolResult::ok("")),
        call(
            "patch",
            ToolSpec::ApplyPatch {
                patch: "*** Begin Patch\n*** End Patch".to_owned(),
            },
            ToolResult::ok(""),
        ),
    ];
    let mut spec = fx.spec(vec![turn(
        "turn-1",
        "look around",
        vec![ModelResponse::calls(calls), ModelResponse::message("ok")],
    )]);
    spec.approval_policy = ApprovalPolicy::Untrusted;
    let r = fx.play(&spec).await?;
    let asked: Vec<Value> = fx
        .log_of("PermissionRequest")?
        .iter()
        .map(|p| json!([p["tool_name"], p["tool_input"]["command"]]))
        .collect();
    assert_eq!(
        asked,
        [
            json!(["Bash", "find . -name '*.tmp' -delete"]),
            json!(["Bash", "make"]),
            json!(["apply_patch", "*** Begin Patch\n*** End Patch"]),
        ]
    );
    let asked_user: Vec<(&str, bool)> = r
        .tool_calls()
        .map(|c| (c.call_id.as_str(), c.asked_user))
        .collect();
    assert_eq!(
        asked_user,
        [
            ("safe-ls", false),
            ("safe-script", false),
            ("unsafe-find", true),
            ("unsafe-make", true),
            ("patch", true),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_manual_compaction_stopped_by_pre_compact_needs_no_scripted_summary() -> Result<()> {
    let stop = r#"printf '{"continue":false,"stopReason":"not now"}'"#;
    let fx = multi_fixture(&[
        ("PreCompact", None, "pre.sh", stop),
        ("PostCompact", None, "post.sh", "true"),
    ])?;
    let stopped = |summary: Option<ModelResponse>| {
        fx.spec(vec![
            turn("turn-1", "hello", vec![ModelResponse::message("hi")]),
            Step::Compact {
                turn_id: "turn-2".to_owned(),
                summary,
                instructions: None,
            },
            turn("turn-3", "again", vec![ModelResponse::message("ok")]),
        ])
    };
    let r = fx.play(&stopped(None)).await?;
    let purposes: Vec<&str> = r.model_requests().map(|m| m.purpose.as_str()).collect();
    assert_eq!(purposes, ["sampling", "sampling"]);
    assert!(has_line(&requests(&r)[1], "assistant: hi"), "history kept");
    assert!(fx.log_of("PostCompact")?.is_empty());
    let ends: Vec<&TurnEnd> = r.turn_ends().map(|t| &t.end).collect();
    assert!(
        matches!(ends[1], TurnEnd::CompactionAborted { event, reason } if event == "PreCompact" && reason == "not now"),
        "{ends:?}"
    );
    // A summary scripted for a compaction that never asks for it is left unused: an error.
    let fx = multi_fixture(&[
        ("PreCompact", None, "pre.sh", stop),
        ("PostCompact", None, "post.sh", "true"),
    ])?;
    let err = play(
        &stopped(Some(ModelResponse::message("unused summary"))),
        &fx.engine,
        &fx.env,
    )
    .await
    .err()
    .context("an unused summary must fail the session")?;
    assert!(
        matches!(&err, AgentError::SummaryNeverRequested { turn_id } if turn_id == "turn-2"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn approve_for_session_is_not_asked_of_the_user_again() -> Result<()> {
    // The user approves `make`, an MCP tool and a patch of a.txt for the session. Later
    // approvals of the same command, tool or files are not asked of the user (each scripted
    // user would deny): Bash and apply_patch still run PermissionRequest first; the MCP tool
    // skips it too. Anything else is asked as usual.
    let fx = self_fixture("PermissionRequest", Some("*"), "perm.sh", "true")?;
    let mcp = || ToolSpec::Mcp {
        server: "db".to_owned(),
        tool: "query".to_owned(),
        arguments: "{}".to_owned(),
    };
    let patch = |body: &str| ToolSpec::ApplyPatch {
        patch: format!("*** Begin Patch\n{body}\n*** End Patch"),
    };
    let calls = vec![
        call(
            "make-1",
            shell(&["make"]),
            asks_user(UserDecision::ApproveForSession),
        ),
        call("make-2", shell(&["make"]), asks_user(UserDecision::Deny)),
        call(
            "install",
            shell(&["make", "install"]),
            asks_user(UserDecision::Deny),
        ),
        call("mcp-1", mcp(), asks_user(UserDecision::ApproveForSession)),
        call("mcp-2", mcp(), asks_user(UserDecision::Deny)),
        call(
            "add-a",
            patch("*** Add File: a.txt\n+a"),
            asks_user(UserDecision::ApproveForSession),
        ),
        call(
            "edit-a",
            patch("*** Update File: a.txt\n+b"),
            asks_user(UserDecision::Deny),
        ),
        call(
            "edit-a-add-b",
            patch("*** Update File: a.txt\n+c\n*** Add File: b.txt\n+b"),
            asks_user(UserDecision::Deny),
        ),
    ];
    let spec = fx.spec(vec![turn(
        "turn-1",
        "build",
        vec![ModelResponse::calls(calls), ModelResponse::message("ok")],
    )]);
    let r = fx.play(&spec).await?;
    assert_eq!(
        approvals_seen(&r),
        [
            ("make-1", true, "executed"),
            ("make-2", false, "executed"),
            ("install", true, "denied_by_user"),
            ("mcp-1", true, "executed"),
            ("mcp-2", false, "executed"),
            ("add-a", true, "executed"),
            ("edit-a", false, "executed"),
            ("edit-a-add-b", true, "denied_by_user"),
        ]
    );
    let suffixes: Vec<String> = r
        .hook_runs()
        .map(|h| h.run_id.rsplit(':').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        suffixes,
        ["make-1", "make-2", "install", "mcp-1", "add-a", "edit-a", "edit-a-add-b"],
        "PermissionRequest runs for every Bash and apply_patch approval, not for the remembered MCP tool"
    );
    Ok(())
}

#[tokio::test]
async fn session_approvals_are_per_tool_family_per_thread_and_forgotten_on_resume() -> Result<()> {
    // `make` approved for the session through `shell` covers only that argv:
    // `shell_command "make"` runs `bash -lc make` (another argv) and `exec_command "make"`
    // is in the unified exec cache, so both are asked. A subagent does not inherit the
    // parent's approvals, and a resumed session starts with none.
    let fx = self_fixture("PermissionRequest", Some("*"), "perm.sh", "true")?;
    let make = || shell(&["make"]);
    let child = ChildSpec {
        description: String::new(),
        agent_id: "agent-1".to_owned(),
        agent_type: "worker".to_owned(),
        turn_id: "agent-turn-1".to_owned(),
        message: "build".to_owned(),
        responses: vec![
            ModelResponse::calls(vec![call(
                "child-make",
                make(),
                asks_user(UserDecision::Deny),
            )]),
            ModelResponse::message("child done"),
        ],
    };
    let spec = fx.spec(vec![
        turn(
            "turn-1",
            "build",
            vec![
                ModelResponse::calls(vec![
                    call("make-1", make(), asks_user(UserDecision::ApproveForSession)),
                    call("make-2", make(), asks_user(UserDecision::Deny)),
                    call(
                        "make-sc",
                        ToolSpec::ShellCommand {
                            command: "make".to_owned(),
                            justification: None,
                        },
                        asks_user(UserDecision::Deny),
                    ),
                    call(
                        "make-exec",
                        ToolSpec::ExecCommand {
                            cmd: "make".to_owned(),
                            justification: None,
                        },
                        asks_user(UserDecision::Deny),
                    ),
                    call("spawn", ToolSpec::SpawnAgent(child), ToolResult::default()),
                ]),
                ModelResponse::message("ok"),
            ],
        ),
        Step::Resume,
        turn(
            "turn-2",
            "again",
            vec![
                ModelResponse::calls(vec![call("make-3", make(), asks_user(UserDecision::Deny))]),
                ModelResponse::message("ok"),
            ],
        ),
    ]);
    let r = fx.play(&spec).await?;
    assert_eq!(
        approvals_seen(&r),
        [
            ("make-1", true, "executed"),
            ("make-2", false, "executed"),
            ("make-sc", true, "denied_by_user"),
            ("make-exec", true, "denied_by_user"),
            // A call is recorded when it starts: the spawn before its child's calls.
            ("spawn", false, "subagent"),
            ("child-make", true, "denied_by_user"),
            ("make-3", true, "denied_by_user"),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_manual_compaction_without_summary_that_is_not_stopped_is_an_error() -> Result<()> {
    let fx = self_fixture("PostCompact", None, "post.sh", "true")?;
    let spec = fx.spec(vec![
        Step::Compact {
            turn_id: "turn-1".to_owned(),
            summary: None,
            instructions: None,
        },
        turn("turn-2", "hello", vec![ModelResponse::message("hi")]),
    ]);
    let err = play(&spec, &fx.engine, &fx.env)
        .await
        .err()
        .context("must fail")?;
    assert!(
        matches!(&err, AgentError::CompactionNotStopped { turn_id } if turn_id == "turn-1"),
        "{err}"
    );
    assert!(err.to_string().contains("script the summary"), "{err}");
    Ok(())
}
