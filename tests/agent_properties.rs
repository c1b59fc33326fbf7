//! Agent-level properties: random hook behaviours (generated hook results replayed by real
//! `sh` hooks) in a scripted two-turn session keep the agent's invariants. A denied tool
//! never runs; `stop_hook_active` is false on a turn's first Stop and true after a
//! continuation; analytics count the completed runs; every tool output follows its call.
//! At most 6 cases (fewer with `PROPTEST_CASES`): each plays a whole session.

use std::sync::Arc;

use hooktape::agent::spec::{
    ModelResponse, SessionSpec, Step, ToolCallSpec, ToolResult, ToolSpec, TurnSpec, UserDecision,
};
use hooktape::agent::{play, AgentEnv};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::DiscoveryInput;
use hooktape::engine::outcome::{HandlerExit, PermissionDecision};
use hooktape::engine::parse::parse_output;
use hooktape::engine::request::{ApprovalPolicy, SessionStartSource};
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{Engine, HookEvent};
use hooktape::fuzz::repro::reproduction;
use hooktape::fuzz::strategies::{parser_case, ParserCase};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    let mut c = ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/agent_properties.txt",
        ))),
        ..ProptestConfig::default()
    };
    c.cases = c.cases.min(6);
    c
}

/// A hook result a real `sh` hook can produce (no runner error).
fn runnable(event: HookEvent) -> impl Strategy<Value = ParserCase> {
    parser_case(event).prop_filter("a real hook can end like this", |c| {
        !matches!(c.exit, HandlerExit::RunnerError { .. })
            && !matches!(c.exit, HandlerExit::Code { code } if !(0..=255).contains(&code))
    })
}

#[derive(Debug, Clone)]
struct Behaviours {
    pre: ParserCase,
    permission: ParserCase,
    post: ParserCase,
    stop: ParserCase,
    /// Per turn: whether the tool call asks for approval.
    needs_approval: [bool; 2],
}

fn behaviours() -> impl Strategy<Value = Behaviours> {
    (
        runnable(HookEvent::PreToolUse),
        runnable(HookEvent::PermissionRequest),
        runnable(HookEvent::PostToolUse),
        runnable(HookEvent::Stop),
        any::<[bool; 2]>(),
    )
        .prop_map(|(pre, permission, post, stop, needs_approval)| Behaviours {
            pre,
            permission,
            post,
            stop,
            needs_approval,
        })
}

/// A hook that logs its stdin to `log` then replays `case`; `only_first_stop` makes it do
/// nothing once `stop_hook_active` is true (a Stop hook must, or the turn never ends).
fn hook(case: &ParserCase, log: &str, only_first_stop: bool) -> Result<Value, TestCaseError> {
    let repro = reproduction(case).ok_or_else(|| TestCaseError::reject("not reproducible"))?;
    let guard = if only_first_stop {
        "case \"$input\" in *'\"stop_hook_active\":true'*) exit 0;; esac; "
    } else {
        ""
    };
    Ok(
        json!({"hooks": [{"type": "command", "timeout": 10, "command": format!(
            "input=$(cat); printf '%s\\n' \"$input\" >> '{log}'; {guard}{}", repro.command
        )}]}),
    )
}

fn stop_blocks(case: &ParserCase) -> bool {
    let o = parse_output(HookEvent::Stop, &case.raw());
    o.effect.should_block && !o.effect.should_stop
}

fn stop_stops(case: &ParserCase) -> bool {
    parse_output(HookEvent::Stop, &case.raw())
        .effect
        .should_stop
}

fn read_log(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn check_session(b: &Behaviours) -> Result<(), TestCaseError> {
    let fail = |e: &dyn std::fmt::Display| TestCaseError::fail(e.to_string());
    let dir = tempfile::tempdir().map_err(|e| fail(&e))?;
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).map_err(|e| fail(&e))?;
    let log = |name: &str| dir.path().join(name).display().to_string();
    let hooks = json!({
        "PreToolUse": [hook(&b.pre, &log("pre.jsonl"), false)?],
        "PermissionRequest": [hook(&b.permission, &log("permission.jsonl"), false)?],
        "PostToolUse": [hook(&b.post, &log("post.jsonl"), false)?],
        "Stop": [hook(&b.stop, &log("stop.jsonl"), true)?],
    });
    let hooks_path = dir.path().join("hooks.json");
    std::fs::write(&hooks_path, json!({ "hooks": hooks }).to_string()).map_err(|e| fail(&e))?;
    let input = DiscoveryInput::single_json(HookSource::User, hooks_path);
    let clock = Arc::new(FixedClock::new(1_700_000_000));
    let engine = Engine::discover(&input, RunnerConfig::default(), clock.clone());
    let env = AgentEnv {
        sessions_dir: dir.path().join("sessions"),
        clock,
    };
    let blocks = stop_blocks(&b.stop);
    let turns: Vec<Step> = (0..2)
        .map(|t| {
            let call = ToolCallSpec {
                call_id: format!("call-{t}"),
                tool: ToolSpec::ShellCommand {
                    command: "echo hi".to_owned(),
                    justification: None,
                },
                result: ToolResult {
                    exit_code: 0,
                    output: "hi\n".to_owned(),
                    needs_approval: b.needs_approval[t],
                    user_decision: UserDecision::Approve,
                    ..ToolResult::default()
                },
            };
            let mut responses = vec![
                ModelResponse::calls(vec![call]),
                ModelResponse::message("done"),
            ];
            if blocks {
                responses.push(ModelResponse::message("done, checked"));
            }
            Step::Turn(TurnSpec {
                turn_id: format!("turn-{t}"),
                prompt: "fix it".to_owned(),
                queued: Vec::new(),
                responses,
                interrupt_after: None,
            })
        })
        .collect();
    let spec = SessionSpec {
        permission_mode: Default::default(),
        thread_id: "thread-1".to_owned(),
        model: "gpt-test".to_owned(),
        cwd: project.display().to_string(),
        approval_policy: ApprovalPolicy::OnRequest,
        base_instructions: "base".to_owned(),
        start_source: SessionStartSource::Startup,
        auto_compact_token_limit: None,
        end_reason: "exit".to_owned(),
        dialect: hooktape::engine::Dialect::Codex4e30281,
        steps: turns,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(&e))?;
    let recording = runtime
        .block_on(play(&spec, &engine, &env))
        .map_err(|e| fail(&format!("the session did not play: {e}")))?;

    // `play` failed above on any request that breaks the protocol.
    prop_assert_eq!(recording.tool_calls().count(), 2, "one tool call per turn");

    // A denied tool never runs (and an allowed one does).
    let pre_blocks = parse_output(HookEvent::PreToolUse, &b.pre.raw())
        .effect
        .should_block;
    let denied_by_permission = matches!(
        parse_output(HookEvent::PermissionRequest, &b.permission.raw())
            .effect
            .permission,
        Some(PermissionDecision::Deny { .. })
    );
    for call in recording.tool_calls() {
        let t: usize = call
            .call_id
            .trim_start_matches("call-")
            .parse()
            .unwrap_or(0);
        let denied = pre_blocks || (b.needs_approval[t] && denied_by_permission);
        prop_assert_eq!(
            call.executed,
            !denied,
            "{}: PreToolUse blocks {}, approval asked {}, PermissionRequest denies {}",
            call.call_id,
            pre_blocks,
            b.needs_approval[t],
            denied_by_permission
        );
    }

    // stop_hook_active: false on each turn's first Stop, true after a continuation.
    let stops: Vec<(String, bool)> = read_log(&dir.path().join("stop.jsonl"))
        .iter()
        .map(|v| {
            (
                v["turn_id"].as_str().unwrap_or_default().to_owned(),
                v["stop_hook_active"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let mut expected = Vec::new();
    for t in 0..2 {
        expected.push((format!("turn-{t}"), false));
        if blocks {
            expected.push((format!("turn-{t}"), true));
        }
    }
    prop_assert_eq!(
        &stops,
        &expected,
        "Stop runs (turn, stop_hook_active); the Stop hook blocks: {}, stops: {}",
        blocks,
        stop_stops(&b.stop)
    );

    // Analytics: one codex_hook_run event per completed run, in the same order.
    let runs: Vec<(String, String)> = recording
        .hook_events()
        .flat_map(|e| {
            e.runs.iter().map(move |r| {
                (
                    e.event.config_name().to_owned(),
                    r.status.as_str().to_owned(),
                )
            })
        })
        .collect();
    let analytics: Vec<(String, String)> = recording
        .analytics
        .iter()
        .map(|a| {
            (
                a.event_params.hook_name.clone().unwrap_or_default(),
                a.event_params.status.clone().unwrap_or_default(),
            )
        })
        .collect();
    prop_assert_eq!(
        runs.len(),
        analytics.len(),
        "runs {:?} vs analytics {:?}",
        runs,
        analytics
    );
    let mut sorted_runs = runs.clone();
    let mut sorted_analytics = analytics.clone();
    sorted_runs.sort();
    sorted_analytics.sort();
    prop_assert_eq!(sorted_runs, sorted_analytics);

    // Every tool output follows its call, in every request the agent sent.
    for (r, body) in recording.raw_requests.iter().enumerate() {
        let items = body["input"].as_array().cloned().unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let kind = item["type"].as_str().unwrap_or_default();
            if kind.ends_with("_output") {
                let call_id = &item["call_id"];
                let call_at = items.iter().position(|c| {
                    c["call_id"] == *call_id
                        && !c["type"].as_str().unwrap_or("").ends_with("_output")
                });
                prop_assert!(
                    call_at.is_some_and(|c| c < i),
                    "request {}: {} for {} does not follow its call",
                    r + 1,
                    kind,
                    call_id
                );
            }
        }
    }
    Ok(())
}

/// Driven by `TestRunner::new` rather than `proptest!`: the macro re-applies
/// `PROPTEST_CASES` over the config, which would lift the cap on whole sessions.
#[test]
fn random_hooks_keep_the_agent_invariants() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    if let Err(err) = runner.run(&behaviours(), |b| check_session(&b)) {
        panic!("{err}");
    }
}
