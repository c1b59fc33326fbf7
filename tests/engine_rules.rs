//! Every per-event rule and error text of spec/codex-hooks.md §2 (and codex-extra-events.md),
//! pinned through the pure parser, and every discovery warning text, pinned through discovery.

use std::path::Path;

use anyhow::{ensure, Result};
use hooktape::engine::config::{
    discover, ConfigLayer, DiscoveryInput, ManagedRequirements, TomlSource,
};
use hooktape::engine::outcome::{Entry, EntryKind, HandlerExit, PermissionDecision};
use hooktape::engine::parse::parse_output;
use hooktape::engine::summary::HookSource;
use hooktape::engine::{HookEvent, RawOutput, RunStatus};

use EntryKind::{Context as C, Error as E, Feedback as F, Stop as S, Warning as W};
use HookEvent::*;
use RunStatus::{Blocked, Completed, Failed, Stopped};

struct Case {
    event: HookEvent,
    code: Option<i32>,
    stdout: &'static str,
    stderr: &'static str,
    status: RunStatus,
    entries: &'static [(EntryKind, &'static str)],
}

const fn ok(
    event: HookEvent,
    stdout: &'static str,
    status: RunStatus,
    entries: &'static [(EntryKind, &'static str)],
) -> Case {
    Case {
        event,
        code: Some(0),
        stdout,
        stderr: "",
        status,
        entries,
    }
}

const fn exit(
    event: HookEvent,
    code: i32,
    stderr: &'static str,
    status: RunStatus,
    entries: &'static [(EntryKind, &'static str)],
) -> Case {
    Case {
        event,
        code: Some(code),
        stdout: "{\"decision\":\"block\",\"reason\":\"stdout is ignored\"}",
        stderr,
        status,
        entries,
    }
}

const CASES: &[Case] = &[
    // ---- PreToolUse (§2.3) ----
    ok(PreToolUse, r#"{"continue":false}"#, Failed, &[(E, "PreToolUse hook returned unsupported continue:false")]),
    ok(PreToolUse, r#"{"stopReason":"x"}"#, Failed, &[(E, "PreToolUse hook returned unsupported stopReason")]),
    ok(PreToolUse, r#"{"suppressOutput":true}"#, Failed, &[(E, "PreToolUse hook returned unsupported suppressOutput")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","updatedInput":{}}}"#, Failed, &[(E, "PreToolUse hook returned unsupported updatedInput")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"ctx"}}"#, Failed, &[(E, "PreToolUse hook returned unsupported additionalContext")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}"#, Failed, &[(E, "PreToolUse hook returned unsupported permissionDecision:allow")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}}"#, Failed, &[(E, "PreToolUse hook returned unsupported permissionDecision:ask")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"  "}}"#, Failed, &[(E, "PreToolUse hook returned permissionDecision:deny without a non-empty permissionDecisionReason")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecisionReason":"why"}}"#, Failed, &[(E, "PreToolUse hook returned permissionDecisionReason without permissionDecision")]),
    ok(PreToolUse, r#"{"decision":"approve"}"#, Failed, &[(E, "PreToolUse hook returned unsupported decision:approve")]),
    ok(PreToolUse, r#"{"decision":"block"}"#, Failed, &[(E, "PreToolUse hook returned decision:block without a non-empty reason")]),
    ok(PreToolUse, r#"{"reason":"why"}"#, Failed, &[(E, "PreToolUse hook returned reason without decision")]),
    ok(PreToolUse, r#"{"hookSpecificOutput":{"hookEventName":"Stop","permissionDecision":"deny","permissionDecisionReason":" no "}}"#, Blocked, &[(F, "no")]),
    ok(PreToolUse, r#"{"systemMessage":"hi","decision":"block","reason":" nope "}"#, Blocked, &[(W, "hi"), (F, "nope")]),
    ok(PreToolUse, r#"{"decision":"block","reason":"r","hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":""}}"#, Completed, &[]),
    ok(PreToolUse, "plain text is ignored", Completed, &[]),
    ok(PreToolUse, r#"{"decision":"#, Failed, &[(E, "hook returned invalid pre-tool-use JSON output")]),
    ok(PreToolUse, r#"{"permission":"allow"}"#, Failed, &[(E, "hook returned invalid pre-tool-use JSON output")]),
    exit(PreToolUse, 2, " denied \n", Blocked, &[(F, "denied")]),
    exit(PreToolUse, 2, "  ", Failed, &[(E, "PreToolUse hook exited with code 2 but did not write a blocking reason to stderr")]),
    // ---- PermissionRequest (§2.4) ----
    ok(PermissionRequest, r#"{"continue":false}"#, Failed, &[(E, "PermissionRequest hook returned unsupported continue:false")]),
    ok(PermissionRequest, r#"{"stopReason":"s"}"#, Failed, &[(E, "PermissionRequest hook returned unsupported stopReason")]),
    ok(PermissionRequest, r#"{"suppressOutput":true}"#, Failed, &[(E, "PermissionRequest hook returned unsupported suppressOutput")]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow","updatedInput":{}}}}"#, Failed, &[(E, "PermissionRequest hook returned unsupported updatedInput")]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow","updatedPermissions":[]}}}"#, Failed, &[(E, "PermissionRequest hook returned unsupported updatedPermissions")]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","interrupt":true}}}"#, Failed, &[(E, "PermissionRequest hook returned unsupported interrupt:true")]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}"#, Completed, &[]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny"}}}"#, Blocked, &[(F, "PermissionRequest hook denied approval")]),
    ok(PermissionRequest, r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":" no way "}}}"#, Blocked, &[(F, "no way")]),
    ok(PermissionRequest, "[]", Failed, &[(E, "hook returned invalid permission-request JSON output")]),
    exit(PermissionRequest, 2, "not here", Blocked, &[(F, "not here")]),
    exit(PermissionRequest, 2, "", Failed, &[(E, "PermissionRequest hook exited with code 2 but did not write a denial reason to stderr")]),
    // ---- PostToolUse (§2.5) ----
    ok(PostToolUse, r#"{"suppressOutput":true}"#, Failed, &[(E, "PostToolUse hook returned unsupported suppressOutput")]),
    ok(PostToolUse, r#"{"hookSpecificOutput":{"hookEventName":"PostToolUse","updatedMCPToolOutput":{}}}"#, Failed, &[(E, "PostToolUse hook returned unsupported updatedMCPToolOutput")]),
    ok(PostToolUse, r#"{"decision":"block","reason":" "}"#, Failed, &[(E, "PostToolUse hook returned decision:block without a non-empty reason")]),
    ok(PostToolUse, r#"{"reason":"r"}"#, Failed, &[(E, "PostToolUse hook returned reason without decision")]),
    ok(PostToolUse, r#"{"decision":"block","reason":" kept as is "}"#, Blocked, &[(F, " kept as is ")]),
    ok(PostToolUse, r#"{"continue":false}"#, Stopped, &[(S, "PostToolUse hook stopped execution")]),
    ok(PostToolUse, r#"{"continue":false,"stopReason":"halt","hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"ctx"}}"#, Stopped, &[(C, "ctx"), (S, "halt")]),
    ok(PostToolUse, r#"{"continue":false,"suppressOutput":true,"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"dropped"}}"#, Stopped, &[(S, "PostToolUse hook stopped execution")]),
    ok(PostToolUse, "plain text is ignored", Completed, &[]),
    ok(PostToolUse, "{oops", Failed, &[(E, "hook returned invalid post-tool-use JSON output")]),
    exit(PostToolUse, 2, "look again", Completed, &[(F, "look again")]),
    exit(PostToolUse, 2, "\n", Failed, &[(E, "PostToolUse hook exited with code 2 but did not write feedback to stderr")]),
    // ---- SessionStart (§2.6) ----
    ok(SessionStart, "  plain context  ", Completed, &[(C, "plain context")]),
    ok(SessionStart, "null", Completed, &[(C, "null")]),
    ok(SessionStart, "\u{feff}{}", Completed, &[(C, "\u{feff}{}")]),
    ok(SessionStart, r#"{"continue":false,"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"ctx"}}"#, Stopped, &[(C, "ctx")]),
    ok(SessionStart, r#"{"continue":false,"stopReason":"   "}"#, Stopped, &[(S, "   ")]),
    ok(SessionStart, r#"{"decision":null}"#, Failed, &[(E, "hook returned invalid session start JSON output")]),
    exit(SessionStart, 2, "stderr is not special", Failed, &[(E, "hook exited with code 2")]),
    // ---- UserPromptSubmit (§2.7) ----
    ok(UserPromptSubmit, r#"{"decision":"block","reason":"no","hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"ctx"}}"#, Blocked, &[(C, "ctx"), (F, "no")]),
    ok(UserPromptSubmit, r#"{"decision":"block","hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"dropped"}}"#, Failed, &[(E, "UserPromptSubmit hook returned decision:block without a non-empty reason")]),
    ok(UserPromptSubmit, r#"{"reason":"ignored without decision"}"#, Completed, &[]),
    ok(UserPromptSubmit, "{\"hookSpecificOutput\":{\"hookEventName\":\"UserPromptSubmit\",\"systemMessage\":\"nested\"}}", Failed, &[(E, "hook returned invalid user prompt submit JSON output")]),
    ok(UserPromptSubmit, "remember the style guide", Completed, &[(C, "remember the style guide")]),
    exit(UserPromptSubmit, 2, "secret in prompt", Blocked, &[(F, "secret in prompt")]),
    exit(UserPromptSubmit, 2, "", Failed, &[(E, "UserPromptSubmit hook exited with code 2 but did not write a blocking reason to stderr")]),
    // ---- Stop (§2.8) ----
    ok(Stop, r#"{"decision":"block","reason":" keep going "}"#, Blocked, &[(F, "keep going")]),
    ok(Stop, r#"{"decision":"block","reason":""}"#, Failed, &[(E, "Stop hook returned decision:block without a non-empty reason")]),
    ok(Stop, r#"{"continue":false,"decision":"block","reason":"r"}"#, Stopped, &[]),
    ok(Stop, "not json", Failed, &[(E, "hook returned invalid stop hook JSON output")]),
    ok(Stop, r#"{"hookSpecificOutput":{"hookEventName":"Stop"}}"#, Failed, &[(E, "hook returned invalid stop hook JSON output")]),
    exit(Stop, 2, "continue with tests", Blocked, &[(F, "continue with tests")]),
    exit(Stop, 2, "   ", Failed, &[(E, "Stop hook exited with code 2 but did not write a continuation prompt to stderr")]),
    // ---- exit codes shared by all events (§2.2) ----
    exit(Stop, 1, "boom", Failed, &[(E, "hook exited with code 1")]),
    exit(PreToolUse, 127, "sh: nope: not found", Failed, &[(E, "hook exited with code 127")]),
    // ---- later events (codex-extra-events.md) ----
    ok(PreCompact, r#"{"continue":false}"#, Stopped, &[(S, "PreCompact hook stopped execution")]),
    ok(PostCompact, r#"{"continue":false,"stopReason":"later"}"#, Stopped, &[(S, "later")]),
    ok(PreCompact, r#"{"decision":"block","reason":"r"}"#, Failed, &[(E, "hook returned invalid PreCompact hook JSON output")]),
    ok(PostCompact, "[1]", Failed, &[(E, "hook returned invalid PostCompact hook JSON output")]),
    ok(PreCompact, "plain text is ignored", Completed, &[]),
    exit(PreCompact, 2, " uses stderr ", Failed, &[(E, "uses stderr")]),
    exit(PostCompact, 3, "", Failed, &[(E, "hook exited with code 3")]),
    ok(SubagentStart, "plain context", Completed, &[(C, "plain context")]),
    ok(SubagentStart, r#"{"continue":false,"hookSpecificOutput":{"hookEventName":"SubagentStart","additionalContext":"c"}}"#, Completed, &[(C, "c")]),
    ok(SubagentStart, r#"{"hookSpecificOutput":{"hookEventName":"SessionStart"}}"#, Failed, &[(E, "hook returned invalid subagent start JSON output")]),
    exit(SubagentStart, 2, "ignored", Failed, &[(E, "hook exited with code 2")]),
    ok(SubagentStop, r#"{"decision":"block"}"#, Failed, &[(E, "SubagentStop hook returned decision:block without a non-empty reason")]),
    ok(SubagentStop, "plain", Failed, &[(E, "hook returned invalid subagent stop hook JSON output")]),
    ok(SubagentStop, r#"{"decision":"block","reason":"more"}"#, Blocked, &[(F, "more")]),
    exit(SubagentStop, 2, "", Failed, &[(E, "SubagentStop hook exited with code 2 but did not write a continuation prompt to stderr")]),
    ok(SessionEnd, r#"{"systemMessage":"bye","continue":false}"#, Completed, &[(W, "bye")]),
    ok(SessionEnd, "{", Failed, &[(E, "hook returned invalid SessionEnd hook JSON output")]),
    exit(SessionEnd, 1, "cleanup failed", Failed, &[(E, "cleanup failed")]),
];

#[test]
fn every_per_event_rule_and_error_text() -> Result<()> {
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let raw = RawOutput {
            exit: match case.code {
                Some(code) => HandlerExit::Code { code },
                None => HandlerExit::Signal { signal: Some(9) },
            },
            stdout: case.stdout.as_bytes().to_vec(),
            stderr: case.stderr.as_bytes().to_vec(),
        };
        let got = parse_output(case.event, &raw);
        let want: Vec<Entry> = case
            .entries
            .iter()
            .map(|(k, t)| Entry::new(*k, *t))
            .collect();
        if got.status != case.status || got.entries != want {
            failures.push(format!(
                "case {i} {} code {:?} stdout {:?} stderr {:?}:\n    want {:?} {:?}\n    got  {:?} {:?}",
                case.event, case.code, case.stdout, case.stderr, case.status, want, got.status, got.entries
            ));
        }
        // Fail open: a failed handler never blocks, denies or stops.
        if got.status == Failed {
            let e = &got.effect;
            ensure!(
                !e.should_block
                    && !e.should_stop
                    && !matches!(e.permission, Some(PermissionDecision::Deny { .. })),
                "case {i}: a failed handler must fail open"
            );
        }
    }
    ensure!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    Ok(())
}

#[test]
fn no_status_code_and_runner_errors() {
    let killed = RawOutput {
        exit: HandlerExit::Signal { signal: Some(9) },
        stdout: vec![],
        stderr: vec![],
    };
    for event in HookEvent::ALL {
        let want = match event {
            PreCompact | PostCompact | SessionEnd => "hook process terminated without an exit code",
            _ => "hook exited without a status code",
        };
        let got = parse_output(event, &killed);
        assert_eq!(
            (got.status, got.entries),
            (Failed, vec![Entry::new(E, want)]),
            "{event}"
        );
    }
    let timed_out = RawOutput {
        exit: HandlerExit::RunnerError {
            message: "hook timed out after 1s".into(),
        },
        stdout: b"{\"decision\":\"block\",\"reason\":\"late\"}".to_vec(),
        stderr: vec![],
    };
    let got = parse_output(Stop, &timed_out);
    assert_eq!(
        (got.status, got.entries),
        (Failed, vec![Entry::new(E, "hook timed out after 1s")])
    );
}

// ---- discovery warnings (§3) ----

fn user_layer(dir: &Path, toml: Option<&str>) -> ConfigLayer {
    ConfigLayer {
        source: HookSource::User,
        json_files: vec![dir.join("hooks.json")],
        config_toml: toml.map(|text| TomlSource::Inline {
            path: format!("{}/config.toml", dir.display()),
            text: text.into(),
        }),
        enabled: true,
    }
}

fn warnings_for(hooks_json: Option<&str>, toml: Option<&str>) -> Result<(Vec<String>, String)> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().to_path_buf();
    if let Some(text) = hooks_json {
        std::fs::write(dir.join("hooks.json"), text)?;
    }
    let d = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![],
        layers: vec![user_layer(&dir, toml)],
    });
    let shown = dir.display().to_string();
    Ok((
        d.warnings
            .iter()
            .map(|w| w.replace(&shown, "<DIR>"))
            .collect(),
        shown,
    ))
}

const CMD: &str = r#"{"type":"command","command":"true"}"#;

#[test]
fn every_discovery_warning_text() -> Result<()> {
    let json = |handler: &str| format!(r#"{{"hooks":{{"Stop":[{{"hooks":[{handler}]}}]}}}}"#);
    let cases: Vec<(Option<String>, Option<&str>, Vec<&str>)> = vec![
        (Some(json(r#"{"type":"command","command":"true","async":true}"#)), None,
            vec!["skipping async hook in <DIR>/hooks.json: async hooks are not supported yet"]),
        (Some(json(r#"{"type":"command","command":"  "}"#)), None, vec!["skipping empty hook command in <DIR>/hooks.json"]),
        (Some(json(r#"{"type":"prompt"}"#)), None, vec!["skipping prompt hook in <DIR>/hooks.json: prompt hooks are not supported yet"]),
        (Some(json(r#"{"type":"agent"}"#)), None, vec!["skipping agent hook in <DIR>/hooks.json: agent hooks are not supported yet"]),
        (Some(json(r#"{"type":"script"}"#)), None,
            vec!["failed to parse hooks config <DIR>/hooks.json: unknown variant `script`, expected one of `command`, `prompt`, `agent` at line 1 column 44"]),
        (Some(r#"{"hooks": null}"#.into()), None,
            vec!["failed to parse hooks config <DIR>/hooks.json: invalid type: null, expected struct HookEventsToml at line 1 column 14"]),
        (Some(format!(r#"{{"hooks":{{"PreToolUse":[{{"matcher":"[","hooks":[{CMD}]}}]}}}}"#)), None,
            vec!["invalid matcher \"[\" in <DIR>/hooks.json: regex parse error:\n    [\n    ^\nerror: unclosed character class"]),
        // UserPromptSubmit and Stop never validate matchers.
        (Some(format!(r#"{{"hooks":{{"Stop":[{{"matcher":"[","hooks":[{CMD}]}}]}}}}"#)), None, vec![]),
        // No wrapper, unknown events, extra keys: silently nothing.
        (Some(format!(r#"{{"Stop":[{{"hooks":[{CMD}]}}]}}"#)), None, vec![]),
        (Some(json(CMD)), Some("[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = \"command\"\ncommand = \"true\"\n"),
            vec!["loading hooks from both <DIR>/hooks.json and <DIR>/config.toml; prefer a single representation for this layer"]),
    ];
    for (json_text, toml, want) in cases {
        let (got, _) = warnings_for(json_text.as_deref(), toml)?;
        ensure!(
            got == want,
            "hooks.json {json_text:?} / toml {toml:?}:\n want {want:?}\n got  {got:?}"
        );
    }
    // TOML parse errors quote the toml crate's message after the reference prefix.
    let (got, _) = warnings_for(None, Some("[hooks]\nStop = 3\n"))?;
    ensure!(
        got.len() == 1 && got[0].starts_with("failed to parse TOML hooks in <DIR>/config.toml: "),
        "{got:?}"
    );
    // A hooks.json that cannot be read (a directory) is a read warning.
    let tmp = tempfile::tempdir()?;
    std::fs::create_dir(tmp.path().join("hooks.json"))?;
    let d = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![],
        layers: vec![user_layer(tmp.path(), None)],
    });
    let prefix = format!(
        "failed to read hooks config {}/hooks.json: ",
        tmp.path().display()
    );
    ensure!(
        d.warnings.len() == 1 && d.warnings[0].starts_with(&prefix),
        "{:?}",
        d.warnings
    );
    Ok(())
}

#[test]
fn managed_hook_directory_warnings() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "")?;
    let stop = "[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = \"command\"\ncommand = \"true\"\n";
    let cases = [
        (String::new(), "skipping managed hooks from /etc/codex/requirements.toml: no managed hook directory is configured for this platform".to_owned()),
        ("managed_dir = \"relative/dir\"\n".to_owned(), "skipping managed hooks from /etc/codex/requirements.toml: managed hook directory relative/dir is not absolute".to_owned()),
        (format!("managed_dir = \"{}/missing\"\n", tmp.path().display()), format!("skipping managed hooks from /etc/codex/requirements.toml: managed hook directory {}/missing does not exist", tmp.path().display())),
        (format!("managed_dir = \"{}\"\n", file.display()), format!("skipping managed hooks from /etc/codex/requirements.toml: managed hook directory {} is not a directory", file.display())),
    ];
    for (dir_line, want) in cases {
        let text = format!("[hooks]\n{dir_line}{}", stop);
        let d = discover(&DiscoveryInput {
            trust: Default::default(),
            plugins: Vec::new(),
            managed: vec![ManagedRequirements {
                name: "/etc/codex/requirements.toml".into(),
                source: HookSource::Mdm,
                text,
            }],
            layers: vec![],
        });
        ensure!(
            d.warnings == vec![want.clone()],
            "want {want:?}\n got {:?}",
            d.warnings
        );
        ensure!(d.handlers.is_empty());
    }
    // A valid managed dir loads, with the dir as source path, managed, before every layer.
    let text = format!(
        "[hooks]\nmanaged_dir = \"{}\"\n{stop}",
        tmp.path().display()
    );
    let d = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![ManagedRequirements {
            name: "req".into(),
            source: HookSource::Mdm,
            text,
        }],
        layers: vec![],
    });
    ensure!(d.warnings.is_empty(), "{:?}", d.warnings);
    ensure!(
        d.handlers.len() == 1
            && d.handlers[0].is_managed
            && d.handlers[0].source_path == tmp.path().display().to_string()
    );
    Ok(())
}

#[test]
fn untrusted_project_layers_load_nothing_and_display_order_is_global() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let (user, project) = (tmp.path().join("user"), tmp.path().join("project"));
    for dir in [&user, &project] {
        std::fs::create_dir(dir)?;
        // Declared Stop first, PreToolUse second: display order follows the fixed event order.
        std::fs::write(
            dir.join("hooks.json"),
            format!(
                r#"{{"hooks":{{"Stop":[{{"hooks":[{CMD}]}}],"PreToolUse":[{{"hooks":[{CMD},{CMD}]}}]}}}}"#
            ),
        )?;
    }
    let layer = |dir: &Path, source, enabled| ConfigLayer {
        source,
        json_files: vec![dir.join("hooks.json")],
        config_toml: None,
        enabled,
    };
    let untrusted = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![],
        layers: vec![
            layer(&user, HookSource::User, true),
            layer(&project, HookSource::Project, false),
        ],
    });
    ensure!(untrusted.handlers.len() == 3 && untrusted.warnings.is_empty());
    let trusted = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![],
        layers: vec![
            layer(&user, HookSource::User, true),
            layer(&project, HookSource::Project, true),
        ],
    });
    let order: Vec<(i64, HookEvent, HookSource)> = trusted
        .handlers
        .iter()
        .map(|h| (h.display_order, h.event, h.source))
        .collect();
    ensure!(
        order
            == vec![
                (0, PreToolUse, HookSource::User),
                (1, PreToolUse, HookSource::User),
                (2, Stop, HookSource::User),
                (3, PreToolUse, HookSource::Project),
                (4, PreToolUse, HookSource::Project),
                (5, Stop, HookSource::Project),
            ],
        "{order:?}"
    );
    // `[features] codex_hooks = false` disables everything, warnings included.
    let off = discover(&DiscoveryInput {
        trust: Default::default(),
        plugins: Vec::new(),
        managed: vec![],
        layers: vec![ConfigLayer {
            config_toml: Some(TomlSource::Inline {
                path: "/x/config.toml".into(),
                text: "[features]\ncodex_hooks = false\n".into(),
            }),
            ..layer(&user, HookSource::User, true)
        }],
    });
    ensure!(off.handlers.is_empty() && off.warnings.is_empty());
    Ok(())
}

/// Codex 0.171's model-request events (spec/codex-current.md §2.11): whatever they print
/// is ignored; a non-zero exit fails with the trimmed stderr, or with no entry at all.
#[test]
fn model_request_output_is_ignored_and_failures_are_only_reported() -> Result<()> {
    use hooktape::engine::parse::parse_output_as;
    use hooktape::engine::Dialect;
    let raw = |code: Option<i32>, stdout: &str, stderr: &str| RawOutput {
        exit: match code {
            Some(code) => HandlerExit::Code { code },
            None => HandlerExit::Signal { signal: Some(9) },
        },
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    };
    for event in [PreModelRequest, PostModelRequest] {
        for stdout in [
            r#"{"decision":"block","reason":"no"}"#,
            r#"{"continue":false}"#,
            "{",
            "plain text",
        ] {
            let out = parse_output_as(Dialect::Codex, event, &raw(Some(0), stdout, ""));
            ensure!(
                out.status == Completed && out.entries.is_empty(),
                "{event} {stdout}: {out:?}"
            );
            ensure!(
                !out.effect.should_block && !out.effect.should_stop,
                "{event}: {out:?}"
            );
        }
        let out = parse_output_as(Dialect::Codex, event, &raw(Some(3), "", "  boom \n"));
        ensure!(out.status == Failed, "{out:?}");
        ensure!(out.entries == vec![Entry::new(E, "boom")], "{out:?}");
        for blank in [raw(Some(2), "", " \n"), raw(None, "", "")] {
            let out = parse_output_as(Dialect::Codex, event, &blank);
            ensure!(out.status == Failed && out.entries.is_empty(), "{out:?}");
        }
    }
    Ok(())
}

/// An `async: true` handler (Codex 0.171, spec/codex-current.md §3.1) has no control effect:
/// a deny, a block, `continue:false` are dropped; contexts, warnings and errors are kept;
/// exit 2 is a plain failure.
#[test]
fn an_async_handler_keeps_only_contexts_warnings_and_errors() -> Result<()> {
    use hooktape::engine::parse::parse_async_output;
    let ok = |stdout: &str| RawOutput {
        exit: HandlerExit::Code { code: 0 },
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
    };
    let deny = ok(
        r#"{"systemMessage":"note","hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no","additionalContext":"ctx"}}"#,
    );
    let out = parse_async_output(PreToolUse, &deny);
    ensure!(out.status == Completed, "{out:?}");
    ensure!(
        out.entries == vec![Entry::new(W, "note"), Entry::new(C, "ctx")],
        "{out:?}"
    );
    ensure!(
        !out.effect.should_block && out.effect.additional_contexts == ["ctx"],
        "{out:?}"
    );
    for (event, stdout) in [
        (Stop, r#"{"decision":"block","reason":"again"}"#),
        (PostToolUse, r#"{"continue":false,"stopReason":"halt"}"#),
        (UserPromptSubmit, r#"{"decision":"block","reason":"no"}"#),
    ] {
        let out = parse_async_output(event, &ok(stdout));
        ensure!(
            out.status == Completed && out.entries.is_empty(),
            "{event}: {out:?}"
        );
        ensure!(
            !out.effect.should_block && !out.effect.should_stop && out.effect.feedback.is_none(),
            "{event}: {out:?}"
        );
    }
    let two = RawOutput {
        exit: HandlerExit::Code { code: 2 },
        stdout: Vec::new(),
        stderr: b"blocked?".to_vec(),
    };
    let out = parse_async_output(Stop, &two);
    ensure!(
        out.status == Failed && out.entries == vec![Entry::new(E, "hook exited with code 2")],
        "{out:?}"
    );
    Ok(())
}

/// Codex 0.171's Interrupt (spec/codex-current.md §2.10): only `systemMessage` is accepted;
/// other JSON is invalid, plain text is non-JSON; a non-zero exit fails with its code.
#[test]
fn interrupt_accepts_only_a_system_message() -> Result<()> {
    use hooktape::engine::parse::parse_output_as;
    use hooktape::engine::Dialect;
    let raw = |code: i32, stdout: &str| RawOutput {
        exit: HandlerExit::Code { code },
        stdout: stdout.as_bytes().to_vec(),
        stderr: b"ignored".to_vec(),
    };
    let cases: [(i32, &str, RunStatus, Vec<Entry>); 7] = [
        (0, "", Completed, vec![]),
        (0, "{}", Completed, vec![]),
        (
            0,
            r#"{"systemMessage":"saved"}"#,
            Completed,
            vec![Entry::new(W, "saved")],
        ),
        (
            0,
            r#"{"continue":false}"#,
            Failed,
            vec![Entry::new(
                E,
                "hook returned invalid interrupt hook JSON output",
            )],
        ),
        (
            0,
            "{oops",
            Failed,
            vec![Entry::new(
                E,
                "hook returned invalid interrupt hook JSON output",
            )],
        ),
        (
            0,
            "done",
            Failed,
            vec![Entry::new(E, "Interrupt hook returned non-JSON stdout")],
        ),
        (
            2,
            "",
            Failed,
            vec![Entry::new(E, "hook exited with code 2")],
        ),
    ];
    for (code, stdout, status, entries) in cases {
        let out = parse_output_as(Dialect::Codex, Interrupt, &raw(code, stdout));
        ensure!(
            out.status == status && out.entries == entries,
            "{stdout:?}: {out:?}"
        );
        ensure!(
            !out.effect.should_stop && !out.effect.should_block,
            "{out:?}"
        );
    }
    Ok(())
}

#[test]
fn mcp_tool_handlers_are_0171s_and_4e30281_drops_their_file() -> Result<()> {
    use hooktape::engine::config::discover_as;
    use hooktape::engine::Dialect;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let warnings = |text: &str, dialect: Dialect| -> Result<(Vec<String>, usize)> {
        std::fs::write(dir.join("hooks.json"), text)?;
        let d = discover_as(
            &DiscoveryInput {
                trust: Default::default(),
                plugins: Vec::new(),
                managed: vec![],
                layers: vec![user_layer(dir, None)],
            },
            dialect,
        );
        let shown = dir.display().to_string();
        Ok((
            d.warnings
                .iter()
                .map(|w| w.replace(&shown, "<DIR>"))
                .collect(),
            d.handlers.len(),
        ))
    };
    let mcp = r#"{"hooks":{"Stop":[{"hooks":[{"type":"mcp_tool","server":"s","tool":"t","input":{"n":1}}]}]}}"#;
    ensure!(warnings(mcp, Dialect::Codex)? == (vec![], 1));
    let (got, n) = warnings(mcp, Dialect::Codex4e30281)?;
    ensure!(
        n == 0
            && got
                == ["failed to parse hooks config <DIR>/hooks.json: unknown variant `mcp_tool`, expected one of `command`, `prompt`, `agent` at line 1 column 46"],
        "{got:?}"
    );
    let cases = [
        (
            r#"{"hooks":{"SessionEnd":[{"hooks":[{"type":"mcp_tool","server":"s","tool":"t"}]}]}}"#,
            "skipping MCP tool hook in <DIR>/hooks.json: SessionEnd MCP hooks are not supported",
        ),
        (
            r#"{"hooks":{"Stop":[{"hooks":[{"type":"mcp_tool","server":" ","tool":"t"}]}]}}"#,
            "skipping MCP tool hook in <DIR>/hooks.json: server and tool must not be empty",
        ),
        (
            r#"{"hooks":{"Stop":[{"hooks":[{"type":"mcp_tool","server":"s","tool":"t","input":{"a":[null]}}]}]}}"#,
            "failed to parse hooks config <DIR>/hooks.json: MCP hook input must be representable as TOML at line 1 column",
        ),
    ];
    for (text, want) in cases {
        let (got, n) = warnings(text, Dialect::Codex)?;
        ensure!(
            n == 0 && got.len() == 1 && got[0].starts_with(want),
            "{text}: {got:?}"
        );
    }
    Ok(())
}
