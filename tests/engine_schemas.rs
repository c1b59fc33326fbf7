//! The engine's wire output checked against the JSON Schemas Codex publishes: the stdin each
//! hook actually received (`schemas/codex/hooks/*.input.schema.json`), and every preview and
//! completed summary wrapped as a `hook/started` / `hook/completed` v2 notification
//! (`schemas/codex/app-server/`).

use std::path::Path;
use std::sync::Arc;

use anyhow::{ensure, Context, Result};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::DiscoveryInput;
use hooktape::engine::request::{PermissionMode, SessionStartSource};
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::{HookRunSummary, HookSource};
use hooktape::engine::wire::{HookNotificationV2, HookRunSummaryV2};
use hooktape::engine::{Engine, EventPayload, HookContext, HookEvent, HookRequest, RunStatus};
use serde_json::{json, Value};

#[path = "support/schemas.rs"]
mod schemas;

/// The published schema at `relative`, compiled.
fn validator(relative: &str) -> Result<jsonschema::Validator> {
    let schema = schemas::load(relative).map_err(anyhow::Error::msg)?;
    schemas::validator(&schema).map_err(anyhow::Error::msg)
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) -> Result<()> {
    let errors = schemas::errors(validator, instance);
    ensure!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}\n{instance:#}",
        errors.join("\n")
    );
    Ok(())
}

fn request(event: HookEvent, dir: &Path, policy_bypass: bool) -> HookRequest {
    let context = HookContext {
        session_id: "thread-1".into(),
        turn_id: "turn-1".into(),
        transcript_path: Some(dir.join("rollout.jsonl").display().to_string()),
        cwd: dir.display().to_string(),
        model: "gpt-test".into(),
        permission_mode: if policy_bypass {
            PermissionMode::BypassPermissions
        } else {
            PermissionMode::Default
        },
        agent: None,
    };
    let payload = match event {
        HookEvent::PreToolUse => EventPayload::PreToolUse {
            tool_name: "Bash".into(),
            tool_input: json!({"command": "rm -rf build"}),
            tool_use_id: "call-1".into(),
        },
        HookEvent::PermissionRequest => EventPayload::PermissionRequest {
            tool_name: "Bash".into(),
            tool_input: json!({"command": "rm -rf build", "description": "clean"}),
        },
        HookEvent::PostToolUse => EventPayload::PostToolUse {
            tool_name: "mcp__rmcp__echo".into(),
            tool_input: json!({"message": "hi"}),
            tool_response: json!({"content": [{"type": "text", "text": "hi"}], "structuredContent": null, "isError": false}),
            tool_use_id: "call-2".into(),
        },
        HookEvent::SessionStart => EventPayload::SessionStart {
            source: SessionStartSource::Resume,
        },
        HookEvent::UserPromptSubmit => EventPayload::UserPromptSubmit {
            prompt: "hello".into(),
        },
        HookEvent::Stop => EventPayload::Stop {
            stop_hook_active: true,
            last_assistant_message: Some("done".into()),
        },
        other => panic!("no reference payload for {other}"),
    };
    let mut request = HookRequest::new(context, payload);
    if event == HookEvent::PermissionRequest {
        request.run_id_suffix = Some("call-1".into());
    }
    request
}

/// Hooks that end in every status: completed (empty), failed (exit 1), blocked/stopped where
/// the event allows, each saving the stdin it received.
fn handlers_for(event: HookEvent, dir: &Path) -> Vec<String> {
    let save = |i: usize| format!("cat > '{}/stdin{i}.json'", dir.display());
    let mut outputs = vec![
        "true".to_owned(),
        "exit 1".to_owned(),
        "echo '{\"systemMessage\":\"note\"}'".to_owned(),
    ];
    outputs.push(match event {
        HookEvent::PreToolUse | HookEvent::PermissionRequest | HookEvent::Stop => {
            "echo no >&2; exit 2".to_owned()
        }
        HookEvent::PostToolUse => "echo '{\"decision\":\"block\",\"reason\":\"r\"}'".to_owned(),
        HookEvent::SessionStart | HookEvent::UserPromptSubmit => {
            "echo '{\"continue\":false,\"stopReason\":\"s\"}'".to_owned()
        }
        _ => "true".to_owned(),
    });
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, out)| format!("{}; {out}", save(i)))
        .collect()
}

#[tokio::test]
async fn every_reference_event_payload_and_summary_matches_the_published_schemas() -> Result<()> {
    let started_schema = validator("app-server/HookStartedNotification.json")?;
    let completed_schema = validator("app-server/HookCompletedNotification.json")?;
    let mut statuses_seen = std::collections::BTreeSet::new();
    for event in HookEvent::REFERENCE {
        for bypass in [false, true] {
            let tmp = tempfile::tempdir()?;
            let dir = tmp.path().canonicalize()?;
            let handlers: Vec<Value> = handlers_for(event, &dir)
                .into_iter()
                .map(|command| json!({"hooks": [{"type": "command", "command": command, "statusMessage": "checking"}]}))
                .collect();
            let hooks_json = json!({"hooks": {event.config_name(): handlers}});
            std::fs::write(dir.join("hooks.json"), hooks_json.to_string())?;
            let input = DiscoveryInput::single_json(HookSource::Project, dir.join("hooks.json"));
            let engine = Engine::discover(
                &input,
                RunnerConfig::default(),
                Arc::new(FixedClock::new(1_700_000_000)),
            );
            ensure!(engine.warnings().is_empty(), "{:?}", engine.warnings());
            let req = request(event, &dir, bypass);
            let preview = engine.preview(&req);
            ensure!(
                preview.len() == 4,
                "{event}: expected 4 handlers, got {}",
                preview.len()
            );
            for summary in &preview {
                ensure!(summary.status == RunStatus::Running);
                assert_valid(
                    &started_schema,
                    &notification(summary)?,
                    &format!("{event} hook/started"),
                )?;
            }
            let run = engine.run(&req).await;
            let input_schema =
                schemas::validator(&schemas::hook(event, "input").map_err(anyhow::Error::msg)?)
                    .map_err(anyhow::Error::msg)?;
            for (i, handler_run) in run.runs.iter().enumerate() {
                statuses_seen.insert(handler_run.summary.status.as_str());
                assert_valid(
                    &completed_schema,
                    &notification(&handler_run.summary)?,
                    &format!("{event} hook/completed"),
                )?;
                // What the hook really received on stdin.
                let received = std::fs::read_to_string(dir.join(format!("stdin{i}.json")))?;
                let stdin: Value = serde_json::from_str(&received)?;
                assert_valid(&input_schema, &stdin, &format!("{event} stdin"))?;
                ensure!(
                    received == handler_run.stdin,
                    "recorded stdin differs from what the hook read"
                );
                ensure!(
                    stdin.get("turn_id").is_some() == (event != HookEvent::SessionStart),
                    "{event}: turn_id must be absent for SessionStart only"
                );
                let mode = if bypass {
                    "bypassPermissions"
                } else {
                    "default"
                };
                ensure!(stdin["permission_mode"] == mode);
            }
        }
    }
    let expected: std::collections::BTreeSet<&str> = ["blocked", "completed", "failed", "stopped"]
        .into_iter()
        .collect();
    ensure!(
        statuses_seen == expected,
        "statuses covered: {statuses_seen:?}"
    );
    Ok(())
}

fn notification(summary: &HookRunSummary) -> Result<Value> {
    Ok(serde_json::to_value(HookNotificationV2 {
        thread_id: "thread-1".into(),
        turn_id: Some("turn-1".into()),
        run: HookRunSummaryV2::from(summary),
    })?)
}

#[test]
fn every_source_spelling_is_in_the_v2_schema() -> Result<()> {
    let schema =
        schemas::load("app-server/HookCompletedNotification.json").map_err(anyhow::Error::msg)?;
    let allowed = schema["definitions"]["HookSource"]["enum"]
        .as_array()
        .context("HookSource enum")?
        .clone();
    for source in HookSource::ALL {
        ensure!(
            allowed.contains(&json!(source.camel())),
            "{} missing",
            source.camel()
        );
    }
    ensure!(allowed.len() == HookSource::ALL.len());
    Ok(())
}

#[test]
fn the_schemas_reject_what_the_engine_must_not_send() -> Result<()> {
    let schema = validator("hooks/pre-tool-use.command.input.schema.json")?;
    let good = json!({"session_id": "t", "turn_id": "u", "transcript_path": null, "cwd": "/w",
        "hook_event_name": "PreToolUse", "model": "m", "permission_mode": "default",
        "tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "c"});
    assert_valid(&schema, &good, "baseline payload")?;
    let mut extra = good.clone();
    extra["approval_attempt"] = json!(1);
    ensure!(!schema.is_valid(&extra), "an unknown key must be rejected");
    let mut missing = good.clone();
    missing.as_object_mut().context("object")?.remove("turn_id");
    ensure!(
        !schema.is_valid(&missing),
        "a missing turn_id must be rejected"
    );
    let completed = validator("app-server/HookCompletedNotification.json")?;
    ensure!(!completed.is_valid(&json!({"threadId": "t", "run": {"id": "x"}})));
    Ok(())
}
