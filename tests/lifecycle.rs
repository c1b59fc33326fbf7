//! The lifecycle-branch dialect and the legacy notify hook, engine side
//! (`spec/lifecycle-branch.md`): payload wire shapes for every event, the `[hooks]` argv
//! table, the result rules with real `sh` hooks, and notify's JSON argument.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use hooktape::engine::clock::FixedClock;
use hooktape::engine::config::{ConfigLayer, DiscoveryInput, TomlSource};
use hooktape::engine::lifecycle::{
    discover_notify, AgentTurn, LifecycleConfig, LifecycleContext, LifecycleEngine, LifecycleEvent,
    LifecycleEventName, LifecycleFields, LifecycleHookKey, LifecyclePayload, LifecycleResult,
    LifecycleRun, SandboxPermissions, ShellParams, ToolCall, ToolCallResult, ToolInput, ToolKind,
    ABORT_CONTINUING_LOG,
};
use hooktape::engine::outcome::{Entry, EntryKind, HandlerExit, RunStatus};
use hooktape::engine::runner::RunnerConfig;
use hooktape::engine::summary::HookSource;
use hooktape::engine::wire::lifecycle::{legacy_notification_json, payload_json};
use hooktape::engine::{Dialect, HookEvent};

/// 2025-01-01T00:00:00Z
const T0: i64 = 1_735_689_600;

// ---------------------------------------------------------------- payload shapes

fn full_context() -> LifecycleContext {
    LifecycleContext {
        session_id: "sess-1".into(),
        transcript_path: Some("/w/rollout.jsonl".into()),
        cwd: "/w".into(),
        client: Some("codex-tui".into()),
    }
}

fn bare_context() -> LifecycleContext {
    LifecycleContext {
        session_id: "sess-1".into(),
        transcript_path: None,
        cwd: "/w".into(),
        client: None,
    }
}

fn function_input(arguments: &str) -> ToolInput {
    ToolInput::Function {
        arguments: arguments.into(),
    }
}

fn shell_call() -> ToolCall {
    ToolCall {
        turn_id: "turn-1".into(),
        call_id: "call_1".into(),
        tool_name: "local_shell".into(),
        tool_kind: ToolKind::LocalShell,
        tool_input: ToolInput::LocalShell(ShellParams {
            command: vec!["ls".into(), "-la".into()],
            workdir: Some("/w".into()),
            timeout_ms: Some(1000),
            sandbox_permissions: SandboxPermissions::UseDefault,
            additional_permissions: None,
            justification: None,
            prefix_rule: None,
        }),
        mutating: Some(true),
        sandbox: Some("none".into()),
        sandbox_policy: Some("danger-full-access".into()),
    }
}

fn bare_call(tool_input: ToolInput) -> ToolCall {
    ToolCall {
        turn_id: "turn-1".into(),
        call_id: "call_2".into(),
        tool_name: "apply_patch".into(),
        tool_kind: tool_input.kind(),
        tool_input,
        mutating: None,
        sandbox: None,
        sandbox_policy: None,
    }
}

fn top_keys(json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

/// Serialises `payload` at T0 and compares it with `expected` key for key, in order, then
/// byte for byte.
#[track_caller]
fn assert_payload(payload: &LifecyclePayload, expected: &str) {
    let actual = payload_json(payload, T0).unwrap();
    assert_eq!(
        top_keys(&actual),
        top_keys(expected),
        "top-level keys and order"
    );
    assert_eq!(actual, expected);
}

const CTX: &str = r#""session_id":"sess-1","transcript_path":"/w/rollout.jsonl","cwd":"/w","client":"codex-tui","triggered_at":"2025-01-01T00:00:00Z""#;
const BARE_CTX: &str = r#""session_id":"sess-1","cwd":"/w","triggered_at":"2025-01-01T00:00:00Z""#;

#[test]
fn every_lifecycle_event_payload_matches_the_spec_shape() {
    // The seven lifecycle events, with every optional field absent: only the context and
    // `hook_event_name`; transcript_path and client omitted too.
    type Ctor = fn(LifecycleFields) -> LifecycleEvent;
    let lifecycle: [(Ctor, &str); 7] = [
        (LifecycleEvent::SessionStart, "SessionStart"),
        (LifecycleEvent::UserPromptSubmit, "UserPromptSubmit"),
        (LifecycleEvent::Stop, "Stop"),
        (LifecycleEvent::PreCompact, "PreCompact"),
        (LifecycleEvent::SessionEnd, "SessionEnd"),
        (LifecycleEvent::SubagentStart, "SubagentStart"),
        (LifecycleEvent::SubagentStop, "SubagentStop"),
    ];
    for (ctor, name) in lifecycle {
        let payload = LifecyclePayload::new(bare_context(), ctor(LifecycleFields::default()));
        assert_payload(
            &payload,
            &format!(r#"{{{BARE_CTX},"hook_event_name":"{name}"}}"#),
        );
    }

    // Every lifecycle field present, in the spec's order.
    let all = LifecycleFields {
        previous_session_id: Some("sess-0".into()),
        prompt: Some("p".into()),
        last_assistant_message: Some("m".into()),
        tool_use_id: Some("call_9".into()),
        tool_input: Some(function_input(r#"{"x":1}"#)),
        subagent_id: Some("thr-2".into()),
        metadata: Some(BTreeMap::from([
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned()),
        ])),
    };
    for (ctor, name) in lifecycle {
        assert_payload(
            &LifecyclePayload::new(full_context(), ctor(all.clone())),
            &format!(
                r#"{{{CTX},"hook_event_name":"{name}","previous_session_id":"sess-0","prompt":"p","last_assistant_message":"m","tool_use_id":"call_9","tool_input":{{"input_type":"function","arguments":"{{\"x\":1}}"}},"subagent_id":"thr-2","metadata":{{"a":"1","b":"2"}}}}"#
            ),
        );
    }

    // What the agent sends for each, per "What the agent does with them".
    let cases = [
        (
            LifecycleEvent::SessionStart(LifecycleFields {
                previous_session_id: Some("sess-0".into()),
                ..Default::default()
            }),
            r#""hook_event_name":"SessionStart","previous_session_id":"sess-0""#,
        ),
        (
            LifecycleEvent::UserPromptSubmit(LifecycleFields {
                prompt: Some("fix it\nplease".into()),
                ..Default::default()
            }),
            r#""hook_event_name":"UserPromptSubmit","prompt":"fix it\nplease""#,
        ),
        (
            LifecycleEvent::Stop(LifecycleFields {
                prompt: Some("fix it".into()),
                last_assistant_message: Some("done".into()),
                ..Default::default()
            }),
            r#""hook_event_name":"Stop","prompt":"fix it","last_assistant_message":"done""#,
        ),
        (
            LifecycleEvent::PreCompact(LifecycleFields {
                prompt: Some("summarise".into()),
                ..Default::default()
            }),
            r#""hook_event_name":"PreCompact","prompt":"summarise""#,
        ),
        (
            LifecycleEvent::SubagentStart(LifecycleFields {
                prompt: Some("look".into()),
                tool_use_id: Some("call_s".into()),
                tool_input: Some(function_input(r#"{"message":"look"}"#)),
                ..Default::default()
            }),
            r#""hook_event_name":"SubagentStart","prompt":"look","tool_use_id":"call_s","tool_input":{"input_type":"function","arguments":"{\"message\":\"look\"}"}"#,
        ),
        (
            LifecycleEvent::SubagentStop(LifecycleFields {
                prompt: Some("look".into()),
                tool_use_id: Some("call_s".into()),
                tool_input: Some(function_input("{}")),
                subagent_id: Some("thr-sub".into()),
                ..Default::default()
            }),
            r#""hook_event_name":"SubagentStop","prompt":"look","tool_use_id":"call_s","tool_input":{"input_type":"function","arguments":"{}"},"subagent_id":"thr-sub""#,
        ),
        (
            LifecycleEvent::SessionEnd(LifecycleFields::default()),
            r#""hook_event_name":"SessionEnd""#,
        ),
    ];
    for (event, rest) in cases {
        assert_payload(
            &LifecyclePayload::new(full_context(), event),
            &format!("{{{CTX},{rest}}}"),
        );
    }
}

#[test]
fn tool_event_payloads_match_the_spec_shape() {
    // PreToolUse, local_shell, everything known.
    assert_payload(
        &LifecyclePayload::new(full_context(), LifecycleEvent::PreToolUse(shell_call())),
        &format!(
            r#"{{{CTX},"hook_event_name":"PreToolUse","turn_id":"turn-1","call_id":"call_1","tool_name":"local_shell","tool_kind":"local_shell","tool_input":{{"input_type":"local_shell","params":{{"command":["ls","-la"],"workdir":"/w","timeout_ms":1000,"sandbox_permissions":"use_default","justification":null,"prefix_rule":null}}}},"mutating":true,"sandbox":"none","sandbox_policy":"danger-full-access"}}"#
        ),
    );
    // PreToolUse, custom input, mutating/sandbox/sandbox_policy unknown: omitted.
    assert_payload(
        &LifecyclePayload::new(
            bare_context(),
            LifecycleEvent::PreToolUse(bare_call(ToolInput::Custom {
                input: "*** Begin Patch".into(),
            })),
        ),
        &format!(
            r#"{{{BARE_CTX},"hook_event_name":"PreToolUse","turn_id":"turn-1","call_id":"call_2","tool_name":"apply_patch","tool_kind":"custom","tool_input":{{"input_type":"custom","input":"*** Begin Patch"}}}}"#
        ),
    );
    // PostToolUse: the same plus executed, success, duration_ms, output_preview.
    let result = ToolCallResult {
        executed: true,
        success: false,
        duration_ms: 12,
        output_preview: "exit 1".into(),
    };
    assert_payload(
        &LifecyclePayload::new(
            full_context(),
            LifecycleEvent::PostToolUse(shell_call(), result.clone()),
        ),
        &format!(
            r#"{{{CTX},"hook_event_name":"PostToolUse","turn_id":"turn-1","call_id":"call_1","tool_name":"local_shell","tool_kind":"local_shell","tool_input":{{"input_type":"local_shell","params":{{"command":["ls","-la"],"workdir":"/w","timeout_ms":1000,"sandbox_permissions":"use_default","justification":null,"prefix_rule":null}}}},"mutating":true,"sandbox":"none","sandbox_policy":"danger-full-access","executed":true,"success":false,"duration_ms":12,"output_preview":"exit 1"}}"#
        ),
    );
    assert_payload(
        &LifecyclePayload::new(
            bare_context(),
            LifecycleEvent::PostToolUse(bare_call(function_input(r#"{"cmd":"ls"}"#)), result),
        ),
        &format!(
            r#"{{{BARE_CTX},"hook_event_name":"PostToolUse","turn_id":"turn-1","call_id":"call_2","tool_name":"apply_patch","tool_kind":"function","tool_input":{{"input_type":"function","arguments":"{{\"cmd\":\"ls\"}}"}},"executed":true,"success":false,"duration_ms":12,"output_preview":"exit 1"}}"#
        ),
    );
    // The shell params with everything set (escalation, justification, prefix rule).
    let mut escalated = shell_call();
    escalated.tool_input = ToolInput::LocalShell(ShellParams {
        command: vec!["rm".into(), "x".into()],
        workdir: None,
        timeout_ms: None,
        sandbox_permissions: SandboxPermissions::RequireEscalated,
        additional_permissions: None,
        justification: Some("cleanup".into()),
        prefix_rule: Some(vec!["rm".into()]),
    });
    let json = payload_json(
        &LifecyclePayload::new(bare_context(), LifecycleEvent::PreToolUse(escalated)),
        T0,
    )
    .unwrap();
    assert!(
        json.contains(r#""tool_input":{"input_type":"local_shell","params":{"command":["rm","x"],"workdir":null,"timeout_ms":null,"sandbox_permissions":"require_escalated","justification":"cleanup","prefix_rule":["rm"]}}"#),
        "{json}"
    );
    // MCP calls carry their own tag.
    let mcp = bare_call(ToolInput::Mcp {
        server: "docs".into(),
        tool: "search".into(),
        arguments: "{}".into(),
    });
    assert_eq!(mcp.tool_kind, ToolKind::Mcp);
    let json = payload_json(
        &LifecyclePayload::new(bare_context(), LifecycleEvent::PreToolUse(mcp)),
        T0,
    )
    .unwrap();
    assert!(
        json.contains(r#""tool_kind":"mcp","tool_input":{"input_type":"mcp","server":"docs","tool":"search","arguments":"{}"}}"#),
        "{json}"
    );
}

#[test]
fn after_agent_payload_and_legacy_notify_json_match_the_spec_shape() {
    let turn = AgentTurn {
        thread_id: "thr-1".into(),
        turn_id: "turn-1".into(),
        input_messages: vec!["hi".into(), "there".into()],
        last_assistant_message: Some("done".into()),
    };
    assert_payload(
        &LifecyclePayload::new(full_context(), LifecycleEvent::AfterAgent(turn.clone())),
        &format!(
            r#"{{{CTX},"hook_event_name":"AfterAgent","thread_id":"thr-1","turn_id":"turn-1","input_messages":["hi","there"],"last_assistant_message":"done"}}"#
        ),
    );
    let silent = AgentTurn {
        last_assistant_message: None,
        ..turn.clone()
    };
    assert_payload(
        &LifecyclePayload::new(bare_context(), LifecycleEvent::AfterAgent(silent.clone())),
        &format!(
            r#"{{{BARE_CTX},"hook_event_name":"AfterAgent","thread_id":"thr-1","turn_id":"turn-1","input_messages":["hi","there"],"last_assistant_message":null}}"#
        ),
    );

    assert_eq!(
        legacy_notification_json(&turn, "/w", Some("codex-tui")).unwrap(),
        r#"{"type":"agent-turn-complete","thread-id":"thr-1","turn-id":"turn-1","cwd":"/w","client":"codex-tui","input-messages":["hi","there"],"last-assistant-message":"done"}"#
    );
    assert_eq!(
        legacy_notification_json(&silent, "/w", None).unwrap(),
        r#"{"type":"agent-turn-complete","thread-id":"thr-1","turn-id":"turn-1","cwd":"/w","input-messages":["hi","there"],"last-assistant-message":null}"#
    );
}

#[test]
fn triggered_at_is_rfc3339_whole_seconds_utc_from_the_clock() {
    let payload = LifecyclePayload::new(
        bare_context(),
        LifecycleEvent::SessionEnd(LifecycleFields::default()),
    );
    let json = payload_json(&payload, 1_709_251_199).unwrap();
    assert!(
        json.contains(r#""triggered_at":"2024-02-29T23:59:59Z""#),
        "{json}"
    );
}

// ---------------------------------------------------------------- config

fn config(text: &str) -> Result<LifecycleConfig, String> {
    LifecycleConfig::from_toml_str("/home/.codex/config.toml", text, HookSource::User)
        .map_err(|e| e.to_string())
}

#[test]
fn turn_start_is_a_config_error_naming_the_key_with_file_line_and_column() {
    let err =
        config("model = \"gpt-5\"\n\n[hooks]\nstop = [\"s\"]\nturn_start = [\"x\"]\n").unwrap_err();
    assert_eq!(
        err,
        "/home/.codex/config.toml:5:1: unknown field `turn_start`, expected one of \
         `session_start`, `user_prompt_submit`, `pre_tool_use`, `post_tool_use`, `stop`, \
         `pre_compact`, `session_end`, `subagent_start`, `subagent_stop`"
    );
    // The older names are not aliases either.
    for old in ["turn_end", "compaction", "subagent_end"] {
        let err = config(&format!("[hooks]\n{old} = [\"x\"]\n")).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "/home/.codex/config.toml:2:1: unknown field `{old}`, expected one of"
            )),
            "{err}"
        );
    }
    // The codex dialect's event table is not the lifecycle table.
    let err = config("[[hooks.PreToolUse]]\nhooks = []\n").unwrap_err();
    assert!(err.contains("unknown field `PreToolUse`"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_is_an_error_with_its_position() {
    let err = config("[hooks]\npre_tool_use = \"./hook.sh\"\n").unwrap_err();
    assert_eq!(
        err,
        "/home/.codex/config.toml:2:16: invalid type: string \"./hook.sh\", expected a sequence"
    );
    let err = config("notify = 3\n").unwrap_err();
    assert!(
        err.starts_with("/home/.codex/config.toml:1:10: invalid type: integer `3`"),
        "{err}"
    );
}

#[test]
fn empty_argv_or_empty_program_registers_nothing() {
    let cfg = config(
        "notify = []\n[hooks]\npre_tool_use = []\nstop = [\"\", \"arg\"]\nsession_end = [\"end.sh\"]\n",
    )
    .unwrap();
    assert_eq!(cfg.hooks.len(), 1);
    assert_eq!(cfg.hooks[0].key, LifecycleHookKey::SessionEnd);
    assert_eq!(cfg.hooks[0].name(), "session_end");
    assert_eq!(cfg.hooks[0].display_order, 0);
    assert!(cfg.hook(LifecycleHookKey::PreToolUse).is_none());
    assert!(cfg.hook(LifecycleHookKey::Stop).is_none());
    assert!(cfg.notify.is_none());
    assert!(config("notify = [\"\"]\n").unwrap().notify.is_none());
    assert_eq!(config("").unwrap(), LifecycleConfig::default());
}

fn layer(source: HookSource, path: &str, text: &str) -> ConfigLayer {
    ConfigLayer {
        source,
        json_files: Vec::new(),
        config_toml: Some(TomlSource::Inline {
            path: path.into(),
            text: text.into(),
        }),
        enabled: true,
    }
}

#[test]
fn layers_merge_key_by_key_and_higher_layers_win() {
    let input = DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: Vec::new(),
        layers: vec![
            layer(
                HookSource::User,
                "/u/config.toml",
                "notify = [\"n-user\"]\n[hooks]\npre_tool_use = [\"u-pre\"]\nstop = [\"u-stop\"]\nsession_start = [\"u-start\"]\n",
            ),
            layer(
                HookSource::Project,
                "/p/config.toml",
                "[hooks]\nstop = [\"p-stop\"]\nsession_start = []\n",
            ),
            ConfigLayer {
                enabled: false,
                ..layer(HookSource::Project, "/x/config.toml", "[hooks]\nturn_start = [\"x\"]\n")
            },
        ],
    };
    let cfg = LifecycleConfig::discover(&input).unwrap();
    let engine = LifecycleEngine::discover(
        &input,
        RunnerConfig::default(),
        Arc::new(FixedClock::new(T0)),
    )
    .unwrap();
    assert_eq!(engine.config(), &cfg);
    let shown: Vec<(&str, &str, &str, i64)> = cfg
        .hooks
        .iter()
        .map(|h| {
            (
                h.name(),
                h.argv[0].as_str(),
                h.source_path.as_str(),
                h.display_order,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("pre_tool_use", "u-pre", "/u/config.toml", 0),
            ("stop", "p-stop", "/p/config.toml", 1),
        ]
    );
    assert_eq!(cfg.hooks[1].source, HookSource::Project);
    let notify = cfg.notify.unwrap();
    assert_eq!(
        (notify.argv, notify.source_path),
        (vec!["n-user".to_owned()], "/u/config.toml".to_owned())
    );
}

#[test]
fn codex_dialect_reads_notify_beside_its_own_hooks_table() {
    let input = DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: Vec::new(),
        layers: vec![layer(
            HookSource::User,
            "/u/config.toml",
            "notify = [\"notify.sh\", \"--flag\"]\n[[hooks.PreToolUse]]\nhooks = [{ type = \"command\", command = \"x\" }]\n",
        )],
    };
    let notify = discover_notify(&input).unwrap().unwrap();
    assert_eq!(notify.argv, ["notify.sh", "--flag"]);
    assert_eq!(Dialect::default(), Dialect::Codex);
    assert_eq!(
        serde_json::to_string(&Dialect::Lifecycle).unwrap(),
        "\"lifecycle\""
    );
}

// ---------------------------------------------------------------- running real hooks

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Result<Self> {
        Ok(Workspace {
            dir: tempfile::tempdir()?,
        })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cwd(&self) -> String {
        self.path().display().to_string()
    }

    /// Writes an executable `sh` script.
    fn script(&self, name: &str, body: &str) -> Result<String> {
        let path = self.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n"))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        Ok(path.display().to_string())
    }

    fn read(&self, name: &str) -> Result<String> {
        std::fs::read_to_string(self.path().join(name)).with_context(|| format!("reading {name}"))
    }

    fn engine(&self, config_text: &str) -> Result<LifecycleEngine> {
        let cfg = LifecycleConfig::from_toml_str(
            &self.path().join("config.toml").display().to_string(),
            config_text,
            HookSource::User,
        )?;
        Ok(LifecycleEngine::new(
            cfg,
            RunnerConfig::default(),
            Arc::new(FixedClock::new(T0)),
        ))
    }

    fn context(&self) -> LifecycleContext {
        LifecycleContext {
            session_id: "sess-1".into(),
            transcript_path: None,
            cwd: self.cwd(),
            client: None,
        }
    }
}

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

/// A payload for every configurable event, fields as the agent would set them.
fn payload_for(key: LifecycleHookKey, ctx: LifecycleContext) -> LifecyclePayload {
    let fields = LifecycleFields::default;
    let event = match key {
        LifecycleHookKey::SessionStart => LifecycleEvent::SessionStart(fields()),
        LifecycleHookKey::UserPromptSubmit => LifecycleEvent::UserPromptSubmit(fields()),
        LifecycleHookKey::PreToolUse => LifecycleEvent::PreToolUse(shell_call()),
        LifecycleHookKey::PostToolUse => LifecycleEvent::PostToolUse(
            shell_call(),
            ToolCallResult {
                executed: true,
                success: true,
                duration_ms: 5,
                output_preview: "ok".into(),
            },
        ),
        LifecycleHookKey::Stop => LifecycleEvent::Stop(fields()),
        LifecycleHookKey::PreCompact => LifecycleEvent::PreCompact(fields()),
        LifecycleHookKey::SessionEnd => LifecycleEvent::SessionEnd(fields()),
        LifecycleHookKey::SubagentStart => LifecycleEvent::SubagentStart(fields()),
        LifecycleHookKey::SubagentStop => LifecycleEvent::SubagentStop(fields()),
    };
    LifecyclePayload::new(ctx, event)
}

#[tokio::test]
async fn hook_runs_argv_directly_with_the_payload_on_stdin() -> Result<()> {
    let ws = Workspace::new()?;
    let hook = ws.script(
        "record.sh",
        "cat > stdin.json\nprintf '%s\\n' \"$@\" > args.txt\necho 'stdout is discarded'\n",
    )?;
    let engine = ws.engine(&format!(
        "[hooks]\npre_tool_use = [{}, \"pre_tool_use\", \"$HOME and spaces\"]\n",
        toml_str(&hook)
    ))?;
    let payload = payload_for(LifecycleHookKey::PreToolUse, ws.context());
    let preview = engine.preview(&payload).context("preview")?;
    assert_eq!(preview.status, RunStatus::Running);

    let run = engine.run(&payload).await.context("a hook is configured")?;
    assert_eq!(run.result, LifecycleResult::Success);
    assert_eq!(run.exit, HandlerExit::Code { code: 0 });
    assert_eq!(ws.read("stdin.json")?, run.stdin);
    assert_eq!(run.stdin, payload_json(&payload, T0)?);
    assert!(run
        .stdin
        .contains(r#""triggered_at":"2025-01-01T00:00:00Z""#));
    // No shell: `$HOME` reaches the hook unexpanded, spaces stay in one argument.
    assert_eq!(ws.read("args.txt")?, "pre_tool_use\n$HOME and spaces\n");

    let config_path = ws.path().join("config.toml").display().to_string();
    let s = &run.summary;
    assert_eq!(s.id, format!("pre_tool_use:0:{config_path}:call_1"));
    assert_eq!(preview.id, s.id);
    assert_eq!(s.event, HookEvent::PreToolUse);
    assert_eq!(
        (s.status, s.entries.as_slice()),
        (RunStatus::Completed, &[][..])
    );
    assert_eq!((s.started_at, s.completed_at), (T0, Some(T0)));
    assert_eq!(s.source_path, config_path);
    assert_eq!(run.name(), "pre_tool_use");
    assert_eq!(run.tool_abort_message(), None);

    // Nothing configured for an event: nothing runs.
    let stop = payload_for(LifecycleHookKey::Stop, ws.context());
    assert!(engine.preview(&stop).is_none());
    assert!(engine.run(&stop).await.is_none());
    Ok(())
}

#[tokio::test]
async fn exit_2_aborts_pre_tool_use_user_prompt_submit_stop_and_subagent_stop_only() -> Result<()> {
    let ws = Workspace::new()?;
    let hook = ws.script("deny.sh", "echo 'no way' >&2\nexit 2")?;
    let table: String = LifecycleHookKey::ALL
        .iter()
        .map(|k| format!("{k} = [{}]\n", toml_str(&hook)))
        .collect();
    let engine = ws.engine(&format!("[hooks]\n{table}"))?;
    let mut aborted = Vec::new();
    for key in LifecycleHookKey::ALL {
        let run = engine
            .run(&payload_for(key, ws.context()))
            .await
            .context("configured")?;
        assert_eq!(run.result.error(), Some("no way"), "{key}");
        if run.result.is_abort() {
            aborted.push(key.as_str());
            assert_eq!(run.summary.status, RunStatus::Blocked, "{key}");
        } else {
            assert_eq!(run.summary.status, RunStatus::Failed, "{key}");
        }
        assert_eq!(
            run.summary.entries,
            [Entry::new(EntryKind::Error, "no way")]
        );
        if key == LifecycleHookKey::PreToolUse {
            assert_eq!(
                run.tool_abort_message().as_deref(),
                Some("pre_tool_use hook 'pre_tool_use' failed and aborted operation: no way")
            );
        }
        if key == LifecycleHookKey::PostToolUse {
            assert_eq!(
                run.tool_abort_message(),
                None,
                "exit 2 never aborts PostToolUse"
            );
        }
    }
    assert_eq!(
        aborted,
        [
            "user_prompt_submit",
            "pre_tool_use",
            "stop",
            "subagent_stop"
        ]
    );
    assert_eq!(
        ABORT_CONTINUING_LOG,
        "lifecycle hook failed with abort; continuing"
    );
    Ok(())
}

#[tokio::test]
async fn failure_text_is_trimmed_stderr_or_the_status_code() -> Result<()> {
    let ws = Workspace::new()?;
    let noisy = ws.script("noisy.sh", "printf '  boom\\n\\n' >&2\necho out\nexit 1")?;
    let quiet = ws.script("quiet.sh", "echo 'only stdout'\nexit 3")?;
    let quiet2 = ws.script("quiet2.sh", "exit 2")?;
    let engine = ws.engine(&format!(
        "[hooks]\nsession_start = [{}]\nstop = [{}]\npre_tool_use = [{}]\n",
        toml_str(&noisy),
        toml_str(&quiet),
        toml_str(&quiet2)
    ))?;
    let start = run_key(&engine, &ws, LifecycleHookKey::SessionStart).await?;
    assert_eq!(
        start.result,
        LifecycleResult::FailedContinue {
            error: "boom".into()
        }
    );
    let stop = run_key(&engine, &ws, LifecycleHookKey::Stop).await?;
    assert_eq!(
        stop.result,
        LifecycleResult::FailedContinue {
            error: "hook exited with status code 3".into()
        }
    );
    let pre = run_key(&engine, &ws, LifecycleHookKey::PreToolUse).await?;
    assert_eq!(
        pre.result,
        LifecycleResult::FailedAbort {
            error: "hook exited with status code 2".into()
        }
    );
    Ok(())
}

/// Runs the hook configured for `key` with the agent-like payload; it must be configured.
async fn run_key(
    engine: &LifecycleEngine,
    ws: &Workspace,
    key: LifecycleHookKey,
) -> Result<LifecycleRun> {
    engine
        .run(&payload_for(key, ws.context()))
        .await
        .with_context(|| format!("no hook configured for {key}"))
}

#[tokio::test]
async fn killed_unspawnable_and_timed_out_hooks_fail_and_continue() -> Result<()> {
    let ws = Workspace::new()?;
    let killed = ws.script("killed.sh", "echo dying >&2\nkill -9 $$")?;
    let slow = ws.script("slow.sh", "sleep 30")?;
    let missing = ws.path().join("missing.sh").display().to_string();
    let engine = ws
        .engine(&format!(
            "[hooks]\nuser_prompt_submit = [{}]\npre_tool_use = [{}]\nstop = [{}]\n",
            toml_str(&killed),
            toml_str(&missing),
            toml_str(&slow)
        ))?
        .with_timeout(Duration::from_secs(1));

    let run = run_key(&engine, &ws, LifecycleHookKey::UserPromptSubmit).await?;
    assert!(
        matches!(run.exit, HandlerExit::Signal { .. }),
        "{:?}",
        run.exit
    );
    assert_eq!(
        run.result,
        LifecycleResult::FailedContinue {
            error: "hook terminated without a status code".into()
        }
    );

    let run = run_key(&engine, &ws, LifecycleHookKey::PreToolUse).await?;
    assert!(matches!(run.exit, HandlerExit::RunnerError { .. }));
    assert!(!run.result.is_abort());
    assert!(
        run.result
            .error()
            .is_some_and(|e| e.contains("No such file or directory")),
        "{:?}",
        run.result
    );
    assert_eq!(run.summary.status, RunStatus::Failed);

    let run = run_key(&engine, &ws, LifecycleHookKey::Stop).await?;
    assert_eq!(
        run.result,
        LifecycleResult::FailedContinue {
            error: "hook timed out after 1s".into()
        }
    );
    Ok(())
}

#[tokio::test]
async fn notify_gets_the_json_as_its_last_argument_not_on_stdin() -> Result<()> {
    let ws = Workspace::new()?;
    let notify = ws.script(
        "notify.sh",
        "cat > stdin.txt\nprintf '%s' \"$#\" > argc.txt\nprintf '%s' \"$1\" > first.txt\nfor a in \"$@\"; do last=$a; done\nprintf '%s' \"$last\" > last.txt",
    )?;
    // The same `notify` key in both dialects.
    let text = format!("notify = [{}, \"--from-hooktape\"]\n", toml_str(&notify));
    let turn = AgentTurn {
        thread_id: "thr-1".into(),
        turn_id: "turn-1".into(),
        input_messages: vec!["fix it".into(), "it's \"quoted\"\nand multi-line".into()],
        last_assistant_message: Some("done".into()),
    };
    let expected = legacy_notification_json(&turn, &ws.cwd(), None)?;

    let engine = ws.engine(&text)?;
    let run = engine
        .notify(&turn, &ws.cwd(), None)
        .await
        .context("notify configured")?;
    assert_eq!(run.result, LifecycleResult::Success);
    assert_eq!(run.json, expected);
    assert_eq!(
        run.argv,
        [notify.clone(), "--from-hooktape".into(), expected.clone()]
    );
    assert_eq!(ws.read("argc.txt")?, "2");
    assert_eq!(ws.read("first.txt")?, "--from-hooktape");
    assert_eq!(ws.read("last.txt")?, expected);
    assert_eq!(ws.read("stdin.txt")?, "");
    let parsed: serde_json::Value = serde_json::from_str(&ws.read("last.txt")?)?;
    assert_eq!(parsed["type"], "agent-turn-complete");
    assert_eq!(
        parsed["input-messages"][1],
        "it's \"quoted\"\nand multi-line"
    );

    // Codex dialect: the top-level notify beside a hooks.json-style table.
    let input = DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: Vec::new(),
        layers: vec![layer(
            HookSource::User,
            "/u/config.toml",
            &format!("{text}[[hooks.Stop]]\nhooks = []\n"),
        )],
    };
    let hook = discover_notify(&input)?.context("notify configured")?;
    std::fs::remove_file(ws.path().join("last.txt"))?;
    let run = hooktape::engine::lifecycle::run_notify(
        &RunnerConfig::default(),
        &hook,
        &turn,
        &ws.cwd(),
        Some("codex-tui"),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(run.result, LifecycleResult::Success);
    assert_eq!(
        ws.read("last.txt")?,
        legacy_notification_json(&turn, &ws.cwd(), Some("codex-tui"))?
    );

    // A failing notify is a recorded failure, never an abort.
    let failing = ws.script("fail.sh", "exit 2")?;
    let engine = ws.engine(&format!("notify = [{}]\n", toml_str(&failing)))?;
    let run = engine
        .notify(&turn, &ws.cwd(), None)
        .await
        .context("configured")?;
    assert_eq!(
        run.result,
        LifecycleResult::FailedContinue {
            error: "hook exited with status code 2".into()
        }
    );
    assert!(!LifecycleEventName::AfterAgent.exit_2_aborts());
    Ok(())
}

#[test]
fn config_files_on_disk_name_their_path_in_errors_and_a_missing_file_is_empty() -> Result<()> {
    let ws = Workspace::new()?;
    let path = ws.path().join("config.toml");
    let on_disk = |path: &Path| DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: Vec::new(),
        layers: vec![ConfigLayer {
            source: HookSource::User,
            json_files: Vec::new(),
            config_toml: Some(TomlSource::File(path.to_path_buf())),
            enabled: true,
        }],
    };
    assert_eq!(
        LifecycleConfig::discover(&on_disk(&path))?,
        LifecycleConfig::default()
    );
    std::fs::write(&path, "[hooks]\n  stop = [\"ok\"]\n  turn_end = [\"x\"]\n")?;
    let err = LifecycleConfig::discover(&on_disk(&path))
        .err()
        .context("turn_end must be rejected")?;
    assert!(
        err.to_string().starts_with(&format!(
            "{}:3:3: unknown field `turn_end`, expected one of `session_start`",
            path.display()
        )),
        "{err}"
    );
    std::fs::write(&path, "[hooks]\nstop = [\"ok\"\n")?;
    let err = LifecycleConfig::discover(&on_disk(&path))
        .err()
        .context("broken TOML must be rejected")?;
    assert_eq!(
        err.to_string(),
        format!("{}:3:1: invalid array; expected `]`", path.display())
    );
    Ok(())
}

proptest::proptest! {
    /// The result rules, for any event, exit code and stderr bytes: success iff exit 0,
    /// abort iff exit 2 on one of the four aborting events, and the failure text is the
    /// trimmed (lossy UTF-8) stderr or the status-code sentence.
    #[test]
    fn judge_follows_the_result_rules(
        event in proptest::sample::select(LifecycleEventName::ALL.to_vec()),
        code in proptest::prop_oneof![proptest::num::i32::ANY, 0..4],
        stderr in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
    ) {
        let result = hooktape::engine::lifecycle::judge(event, &HandlerExit::Code { code }, &stderr);
        proptest::prop_assert_eq!(result.is_success(), code == 0);
        proptest::prop_assert_eq!(result.is_abort(), code == 2 && event.exit_2_aborts());
        if code != 0 {
            let text = String::from_utf8_lossy(&stderr).trim().to_owned();
            let expected = if text.is_empty() {
                format!("hook exited with status code {code}")
            } else {
                text
            };
            proptest::prop_assert_eq!(result.error(), Some(expected.as_str()));
        }
    }
}
