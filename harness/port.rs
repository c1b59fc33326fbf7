//! `hooktape port`: one scenario played under two dialects (each with its own tool names,
//! payloads and wire), and what would behave differently for each hook, in the words a hook
//! author needs: a block in one that fails open in the other (and the rule that makes it
//! fail), keys one agent ignores or rejects, tool names and input keys a hook relies on that
//! the other never sends, events that never fire, environment variables and transcript
//! formats the other agent does not give.
//!
//! The scenario is translated, not rewritten by hand: the same hooks object is read from the
//! other agent's file (`.claude/settings.json` ↔ `.codex/hooks.json`), and each call becomes
//! the call the other agent's model would make for it (Claude's `Bash` ↔ Codex's
//! `exec_command`, `Write`/`Edit` → `apply_patch`, `Read` → `exec_command` `cat`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::agent::recording::{Recording, TimelineEntry};
use crate::agent::spec::{ModelResponse, OutputItem, Step, ToolResult, ToolSpec};
use crate::engine::claude::ClaudeEvent;
use crate::engine::outcome::RunStatus;
use crate::engine::{Dialect, HookEvent};
use crate::replay;
use crate::scenario::{FileContent, LayerKind, LayerSource, Scenario};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Replay(String),
}

/// How much a finding matters to a hook's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The hook blocks in the `from` agent and fails open in the `to` agent.
    FailsOpen,
    /// The hook blocks only in the `to` agent.
    BlocksOnlyInTarget,
    /// The hook never runs in the `to` agent.
    NeverRuns,
    /// It runs, but something it relies on differs.
    Differs,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::FailsOpen => "FAILS OPEN",
            Severity::BlocksOnlyInTarget => "BLOCKS ONLY IN TARGET",
            Severity::NeverRuns => "NEVER RUNS",
            Severity::Differs => "DIFFERS",
        }
    }
}

/// One difference that matters to a hook's author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The hook's command as written.
    pub hook: String,
    /// Where it is declared: file, event, group and handler.
    pub declared: String,
    pub event: String,
    /// The call the runs were for (`call-1 Write → apply_patch`), if a tool event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// What happened in the `from` agent.
    pub from: String,
    /// What happened in the `to` agent.
    pub to: String,
    /// Why they differ.
    pub why: String,
    /// What the hook's author can do.
    pub fix: String,
}

/// One scenario's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub from: Dialect,
    pub to: Dialect,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether a hook that blocks in one dialect fails open in the other.
    pub fn fails_open(&self) -> bool {
        self.findings.iter().any(|f| {
            matches!(
                f.severity,
                Severity::FailsOpen | Severity::BlocksOnlyInTarget
            )
        })
    }

    /// The report as text.
    pub fn render(&self) -> String {
        let mut out = format!("port: {} ({} -> {})\n", self.scenario, self.from, self.to);
        if self.findings.is_empty() {
            out += "  every hook behaves the same\n";
        }
        for f in &self.findings {
            out += &format!("\n  {} {} `{}`\n", f.severity.label(), f.event, f.hook);
            out += &format!("    declared: {}\n", f.declared);
            if let Some(call) = &f.call {
                out += &format!("    call:     {call}\n");
            }
            let one_line = |t: &str| t.replace('\n', "\\n");
            out += &format!(
                "    {:<9} {}\n",
                format!("{}:", self.from),
                one_line(&f.from)
            );
            out += &format!("    {:<9} {}\n", format!("{}:", self.to), one_line(&f.to));
            out += &format!("    why:      {}\n", f.why);
            out += &format!("    fix:      {}\n", f.fix);
        }
        let open = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::FailsOpen)
            .count();
        out += &format!(
            "\nport: {} finding(s), {open} hook run(s) that block in {} fail open in {}\n",
            self.findings.len(),
            self.from,
            self.to
        );
        out
    }
}

/// What one hook run did, whichever the dialect.
#[derive(Debug, Clone)]
struct Obs {
    event: String,
    command: String,
    call: Option<String>,
    tool_name: Option<String>,
    input_keys: Vec<String>,
    blocks: bool,
    /// In words: `blocks (exit 2): …`, `failed: …`, `exit code 0, decided nothing`.
    what: String,
}

/// Where each handler is declared, by command: `file: Event[group].hooks[index]`.
fn declarations(scenario: &Scenario) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for layer in &scenario.layers {
        let (text, file) = match (&layer.source, layer.kind) {
            (LayerSource::SettingsJson(t), LayerKind::User) => (t, "~/.claude/settings.json"),
            (LayerSource::SettingsJson(t), LayerKind::Project) => (t, ".claude/settings.json"),
            (LayerSource::SettingsJson(t), LayerKind::Local) => (t, ".claude/settings.local.json"),
            (LayerSource::SettingsJson(t), _) => (t, "settings.json"),
            (LayerSource::HooksJson(t), LayerKind::User) => (t, "$CODEX_HOME/hooks.json"),
            (LayerSource::HooksJson(t), _) => (t, ".codex/hooks.json"),
            _ => continue,
        };
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let Some(events) = doc.get("hooks").and_then(Value::as_object) else {
            continue;
        };
        for (event, groups) in events {
            for (g, group) in groups.as_array().into_iter().flatten().enumerate() {
                let handlers = group.get("hooks").and_then(Value::as_array);
                for (i, h) in handlers.into_iter().flatten().enumerate() {
                    if let Some(cmd) = h.get("command").and_then(Value::as_str) {
                        out.entry(format!("{event} {cmd}"))
                            .or_insert_with(|| format!("{file}: {event}[{g}].hooks[{i}]"));
                    }
                }
            }
        }
    }
    out
}

/// Keys of each handler object, by `Event command`.
fn handler_keys(scenario: &Scenario) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for layer in &scenario.layers {
        let (LayerSource::SettingsJson(text) | LayerSource::HooksJson(text)) = &layer.source else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        for (event, groups) in doc
            .get("hooks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for group in groups.as_array().into_iter().flatten() {
                for h in group
                    .get("hooks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(cmd), Some(obj)) =
                        (h.get("command").and_then(Value::as_str), h.as_object())
                    {
                        out.insert(format!("{event} {cmd}"), obj.keys().cloned().collect());
                    }
                }
            }
        }
    }
    out
}

/// The text of every workspace file a scenario writes or copies, for what hooks read.
fn script_texts(scenario: &Scenario) -> String {
    let mut out = String::new();
    for f in &scenario.files {
        match &f.content {
            FileContent::Inline { text, .. } => out += text,
            FileContent::Copy(path) => {
                if let Ok(t) = std::fs::read_to_string(path) {
                    out += &t;
                }
            }
        }
    }
    out
}

fn stdin_info(stdin: &str) -> (Option<String>, Option<String>, Vec<String>) {
    let Ok(v) = serde_json::from_str::<Value>(stdin) else {
        return (None, None, Vec::new());
    };
    let call = v
        .get("tool_use_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let tool = v
        .get("tool_name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let keys = v
        .get("tool_input")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    (call, tool, keys)
}

/// Every hook run of a recording, either dialect.
fn observations(rec: &Recording) -> Vec<Obs> {
    let mut out = Vec::new();
    for entry in &rec.timeline {
        match entry {
            TimelineEntry::ClaudeHooks(r) => {
                for run in &r.runs {
                    let (call, tool_name, input_keys) = stdin_info(&run.stdin);
                    let blocks = run.decision.as_deref().is_some_and(|d| {
                        ["blocks", "denies", "asks", "stops", "defers"]
                            .iter()
                            .any(|p| d.starts_with(p))
                    });
                    let what = match (&run.decision, &run.rejected) {
                        (_, Some(why)) => format!("refused output: {why}"),
                        (Some(d), None) => d.clone(),
                        (None, None) => format!("{}, decided nothing", run.exit),
                    };
                    out.push(Obs {
                        event: r.event.to_string(),
                        command: run.command.clone(),
                        call,
                        tool_name,
                        input_keys,
                        blocks,
                        what,
                    });
                }
            }
            TimelineEntry::Hooks(r) => {
                for run in &r.runs {
                    let (call, tool_name, input_keys) = stdin_info(&run.stdin);
                    let entries: Vec<String> = r
                        .completed
                        .iter()
                        .find(|c| c.run.id == run.run_id)
                        .map(|c| {
                            c.run
                                .entries
                                .iter()
                                .map(|e| e.text.clone())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    let blocks = matches!(run.status, RunStatus::Blocked | RunStatus::Stopped);
                    let what = match run.status {
                        RunStatus::Completed if entries.is_empty() => {
                            "completed, decided nothing".to_owned()
                        }
                        status => format!("{}: {}", status.as_str(), entries.join("; ")),
                    };
                    out.push(Obs {
                        event: r.event.config_name().to_owned(),
                        command: run.command.clone(),
                        call,
                        tool_name,
                        input_keys,
                        blocks,
                        what,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether `dialect` has an event of this name.
fn has_event(dialect: Dialect, event: &str) -> bool {
    match dialect {
        Dialect::Claude => ClaudeEvent::from_name(event).is_some_and(ClaudeEvent::is_fired),
        _ => HookEvent::from_config_name(event).is_some(),
    }
}

/// Plays `scenario` (of dialect `from`) and its translation to `to`, and compares.
pub async fn port(scenario: &Scenario, to: Dialect) -> Result<Report, PortError> {
    let from = scenario.session.dialect;
    let (target, mut findings) = translate(scenario, to)?;
    let a = replay::replay_any_warnings(scenario)
        .await
        .map_err(|e| PortError::Replay(format!("{from}: {e}")))?;
    let (b, flow) = play_target(&target).await?;
    if let Some(flow) = flow {
        findings.push(Finding {
            severity: Severity::Differs,
            hook: "(the session)".to_owned(),
            declared: "the scenario's script".to_owned(),
            event: "*".to_owned(),
            call: None,
            from: "the script is used up exactly".to_owned(),
            to: flow,
            why: format!("hooks end (or do not end) the session at other points in {to}"),
            fix: "see the findings above: a hook that stops the session in one agent goes on in the other".to_owned(),
        });
    }
    let decl = declarations(scenario);
    let keys = handler_keys(scenario);
    let scripts = script_texts(scenario);
    let mine = observations(&a.recording);
    let theirs = observations(&b);
    let declared = |o: &Obs| {
        decl.get(&format!("{} {}", o.event, o.command))
            .cloned()
            .unwrap_or_else(|| "(inline)".to_owned())
    };
    let call_names: BTreeMap<String, (String, String)> = calls(&scenario.steps)
        .into_iter()
        .zip(calls(&target.steps))
        .map(|((id, a), (_, b))| (id, (a, b)))
        .collect();
    let call_text = |id: &Option<String>| {
        id.as_ref().map(|id| match call_names.get(id) {
            Some((a, b)) => format!("{id} {a} → {b}"),
            None => id.clone(),
        })
    };
    let mut seen_never = Vec::new();
    // Runs of the same hook, event and call pair up in order (a Stop hook runs once per
    // stop, with no call).
    let mut occurrence: BTreeMap<(String, String, Option<String>), usize> = BTreeMap::new();
    for o in &mine {
        let key = (o.event.clone(), o.command.clone(), o.call.clone());
        let nth = *occurrence.entry(key).and_modify(|n| *n += 1).or_insert(0);
        let same = theirs
            .iter()
            .filter(|t| t.event == o.event && t.command == o.command && t.call == o.call)
            .nth(nth);
        let any_event = theirs
            .iter()
            .any(|t| t.event == o.event && t.command == o.command);
        match same {
            None if !has_event(to, &o.event) => {
                if seen_never.contains(&(o.event.clone(), o.command.clone())) {
                    continue;
                }
                seen_never.push((o.event.clone(), o.command.clone()));
                findings.push(Finding {
                    severity: if o.blocks { Severity::FailsOpen } else { Severity::NeverRuns },
                    hook: o.command.clone(),
                    declared: declared(o),
                    event: o.event.clone(),
                    call: call_text(&o.call),
                    from: o.what.clone(),
                    to: "never runs".to_owned(),
                    why: format!("{to} has no {} event; its discovery drops the entry without a warning", o.event),
                    fix: format!("move the check to an event {to} fires (PreToolUse / PostToolUse / Stop), or accept that it does not run there"),
                });
            }
            None => {
                let tool = call_names
                    .get(o.call.as_deref().unwrap_or(""))
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default();
                findings.push(Finding {
                    severity: if o.blocks {
                        Severity::FailsOpen
                    } else {
                        Severity::NeverRuns
                    },
                    hook: o.command.clone(),
                    declared: declared(o),
                    event: o.event.clone(),
                    call: call_text(&o.call),
                    from: o.what.clone(),
                    to: "not run for this call".to_owned(),
                    why: if any_event {
                        format!("its matcher does not select the call {to} makes (`{tool}`)")
                    } else {
                        format!("its matcher selects nothing {to} sends (here `{tool}`)")
                    },
                    fix: format!(
                        "add {to}'s tool name to the matcher (`{}`)",
                        tool.split_whitespace().next().unwrap_or("")
                    ),
                });
            }
            Some(t) => {
                if o.blocks != t.blocks {
                    let missing: Vec<&String> = o
                        .input_keys
                        .iter()
                        .filter(|k| !t.input_keys.contains(k))
                        .collect();
                    let mut why = if t.what.starts_with("failed") {
                        format!("{to} rejects what the hook printed and fails the run, and a failed run decides nothing")
                    } else if !missing.is_empty() {
                        format!(
                            "{to} sends tool `{}` with input keys {:?}; the hook reads keys {to} never sends: {}",
                            t.tool_name.clone().unwrap_or_default(),
                            t.input_keys,
                            missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    } else {
                        format!("the same output means something else in {to}")
                    };
                    if o.blocks && t.what.contains("decided nothing") && missing.is_empty() {
                        why = format!("{to} reads the same output as no decision ({})", t.what);
                    }
                    findings.push(Finding {
                        severity: if o.blocks {
                            Severity::FailsOpen
                        } else {
                            Severity::BlocksOnlyInTarget
                        },
                        hook: o.command.clone(),
                        declared: declared(o),
                        event: o.event.clone(),
                        call: call_text(&o.call),
                        from: o.what.clone(),
                        to: t.what.clone(),
                        why,
                        fix: fix_for(&t.what, &missing, to),
                    });
                } else if o.tool_name != t.tool_name || o.input_keys != t.input_keys {
                    let missing: Vec<&String> = o
                        .input_keys
                        .iter()
                        .filter(|k| !t.input_keys.contains(k))
                        .collect();
                    if !missing.is_empty() {
                        findings.push(Finding {
                            severity: Severity::Differs,
                            hook: o.command.clone(),
                            declared: declared(o),
                            event: o.event.clone(),
                            call: call_text(&o.call),
                            from: format!("tool `{}` {:?}", o.tool_name.clone().unwrap_or_default(), o.input_keys),
                            to: format!("tool `{}` {:?}", t.tool_name.clone().unwrap_or_default(), t.input_keys),
                            why: format!("input keys {to} never sends: {}", missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")),
                            fix: "read the keys each agent sends for its tool, or match on tool names per agent".to_owned(),
                        });
                    }
                }
            }
        }
    }
    // Handler keys the target ignores.
    if to != Dialect::Claude {
        for (key, handler) in &keys {
            for k in handler {
                if matches!(
                    k.as_str(),
                    "if" | "asyncRewake" | "once" | "shell" | "args" | "continueOnBlock"
                ) {
                    let (event, command) = key.split_once(' ').unwrap_or((key.as_str(), ""));
                    findings.push(Finding {
                        severity: Severity::Differs,
                        hook: command.to_owned(),
                        declared: decl.get(key).cloned().unwrap_or_default(),
                        event: event.to_owned(),
                        call: None,
                        from: format!("`{k}` is read"),
                        to: format!("`{k}` is ignored"),
                        why: format!("{to} does not know the handler key `{k}`: a gated handler runs on every call its matcher selects"),
                        fix: format!("do the `{k}` check inside the script, so it holds in both agents"),
                    });
                }
            }
        }
    }
    // Environment and transcript the scripts rely on.
    if from == Dialect::Claude && to != Dialect::Claude {
        for var in [
            "CLAUDE_PROJECT_DIR",
            "CLAUDE_ENV_FILE",
            "CLAUDE_CODE_SESSION_ID",
            "CLAUDECODE",
        ] {
            if scripts.contains(var) || decl.keys().any(|k| k.contains(var)) {
                findings.push(Finding {
                    severity: Severity::Differs,
                    hook: "(scripts)".to_owned(),
                    declared: "the scenario's files".to_owned(),
                    event: "*".to_owned(),
                    call: None,
                    from: format!("${var} is set"),
                    to: format!("${var} is not set"),
                    why: format!("{to} does not give hooks ${var}"),
                    fix: "fall back to the payload's `cwd` (or `git rev-parse --show-toplevel`) when it is unset".to_owned(),
                });
            }
        }
    }
    if scripts.contains("transcript_path") && from != to {
        findings.push(Finding {
            severity: Severity::Differs,
            hook: "(scripts)".to_owned(),
            declared: "the scenario's files".to_owned(),
            event: "*".to_owned(),
            call: None,
            from: match from {
                Dialect::Claude => "Claude Code JSONL: `type` user/assistant, `message.content`".to_owned(),
                _ => "Codex rollout: `type` response_item/event_msg, `payload`".to_owned(),
            },
            to: match to {
                Dialect::Claude => "Claude Code JSONL: `type` user/assistant, `message.content`".to_owned(),
                _ => "Codex rollout: `type` response_item/event_msg, `payload`".to_owned(),
            },
            why: "a hook reads transcript_path; the two agents write different transcript formats".to_owned(),
            fix: "prefer the payload's own fields (`last_assistant_message`, `prompt`) or parse both formats".to_owned(),
        });
    }
    Ok(Report {
        scenario: scenario.path.display().to_string(),
        from,
        to,
        findings,
    })
}

/// Plays the translated scenario. Where its flow differs (the target agent asks for an
/// answer the script does not have, or stops before using them all), plays what it can and
/// says how the flow differed.
async fn play_target(target: &Scenario) -> Result<(Recording, Option<String>), PortError> {
    let to = target.session.dialect;
    match replay::replay_any_warnings(target).await {
        Ok(r) => Ok((r.recording, None)),
        Err(e) => {
            if let Some(partial) = e.partial_recording() {
                return Ok((
                    partial.clone(),
                    Some(format!("stops before using every scripted answer ({e})")),
                ));
            }
            if !e.to_string().contains("no response left") {
                return Err(PortError::Replay(format!("{to}: {e}")));
            }
            // The session goes on where the source's stopped: give it one more answer.
            let mut longer = target.clone();
            if let Some(Step::Turn(t)) = longer
                .steps
                .iter_mut()
                .rev()
                .find(|s| matches!(s, Step::Turn(_)))
            {
                t.responses.push(ModelResponse::message(
                    "(hooktape port: an answer the scenario does not script)",
                ));
            }
            match replay::replay_any_warnings(&longer).await {
                Ok(r) => Ok((
                    r.recording,
                    Some("goes on past the script's end (one more model request)".to_owned()),
                )),
                Err(e2) => match e2.partial_recording() {
                    Some(p) => Ok((
                        p.clone(),
                        Some(format!("goes on past the script's end ({e})")),
                    )),
                    None => Err(PortError::Replay(format!("{to}: {e2}"))),
                },
            }
        }
    }
}

fn fix_for(to_what: &str, missing: &[&String], to: Dialect) -> String {
    if to_what.contains("unsupported") || to_what.starts_with("failed") {
        return format!("print only what {to} accepts for this event (see docs/hook-output.md), e.g. `permissionDecision: \"deny\"` with a reason");
    }
    if !missing.is_empty() {
        return format!(
            "read the input {to} sends too (Codex's apply_patch carries the patch in `command`; its file names follow `*** Add File:` / `*** Update File:`)"
        );
    }
    format!("give {to} a decision it honours: a deny with a reason, or exit 2 with stderr")
}

/// Each call of the steps as `(id, name)`.
fn calls(steps: &[Step]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for step in steps {
        let Step::Turn(t) = step else { continue };
        for r in &t.responses {
            for item in &r.output {
                if let OutputItem::Call(c) = item {
                    out.push((c.call_id.clone(), crate::agent::tools::model_name(&c.tool)));
                }
            }
        }
    }
    out
}

/// `scenario` as the `to` agent would play it; findings for what cannot come along.
pub fn translate(scenario: &Scenario, to: Dialect) -> Result<(Scenario, Vec<Finding>), PortError> {
    let from = scenario.session.dialect;
    let mut findings = Vec::new();
    let mut out = scenario.clone();
    out.session.dialect = to;
    out.expect_warnings = Vec::new();
    match (from, to) {
        (Dialect::Claude, Dialect::Codex | Dialect::Codex4e30281) => {
            out.session.model = crate::scenario::DEFAULT_MODEL.to_owned();
            out.session.end_reason = "exit".to_owned();
            out.layers = Vec::new();
            for layer in &scenario.layers {
                let LayerSource::SettingsJson(text) = &layer.source else {
                    continue;
                };
                let kind = match layer.kind {
                    LayerKind::User => LayerKind::User,
                    LayerKind::Project => LayerKind::Project,
                    other => {
                        findings.push(Finding {
                            severity: Severity::NeverRuns,
                            hook: "(every hook of the layer)".to_owned(),
                            declared: format!("the {other:?} settings layer"),
                            event: "*".to_owned(),
                            call: None,
                            from: "loaded".to_owned(),
                            to: "not read".to_owned(),
                            why: format!("{to} has no such settings layer"),
                            fix: "declare the hooks in .codex/hooks.json or $CODEX_HOME/hooks.json"
                                .to_owned(),
                        });
                        continue;
                    }
                };
                out.layers.push(crate::scenario::Layer {
                    kind,
                    trusted: true,
                    source: LayerSource::HooksJson(text.clone()),
                });
            }
            out.steps = map_calls(&scenario.steps, scenario, |tool, result| {
                claude_to_codex(tool, result, scenario)
            })?;
        }
        (Dialect::Codex | Dialect::Codex4e30281, Dialect::Claude) => {
            out.session.model = crate::scenario::DEFAULT_CLAUDE_MODEL.to_owned();
            out.session.end_reason = "other".to_owned();
            out.layers = Vec::new();
            for layer in &scenario.layers {
                let LayerSource::HooksJson(text) = &layer.source else {
                    continue;
                };
                out.layers.push(crate::scenario::Layer {
                    kind: if layer.kind == LayerKind::User {
                        LayerKind::User
                    } else {
                        LayerKind::Project
                    },
                    trusted: true,
                    source: LayerSource::SettingsJson(text.clone()),
                });
            }
            out.steps = map_calls(&scenario.steps, scenario, |tool, result| {
                codex_to_claude(tool, result)
            })?;
        }
        _ => {
            return Err(PortError::Unsupported(format!(
                "port plays `claude` ↔ `codex` (or `codex-4e30281`); not {from} -> {to}"
            )))
        }
    }
    Ok((out, findings))
}

fn map_calls(
    steps: &[Step],
    scenario: &Scenario,
    f: impl Fn(&ToolSpec, &ToolResult) -> Result<(ToolSpec, ToolResult), PortError>,
) -> Result<Vec<Step>, PortError> {
    let mut out = Vec::new();
    for step in steps {
        let Step::Turn(t) = step else {
            return Err(PortError::Unsupported(format!(
                "{}: port plays prompt turns only",
                scenario.path.display()
            )));
        };
        let mut t = t.clone();
        t.responses = t
            .responses
            .iter()
            .map(|r| {
                let output = r
                    .output
                    .iter()
                    .map(|item| match item {
                        OutputItem::Call(c) => {
                            let (tool, result) = f(&c.tool, &c.result)?;
                            let mut c = c.clone();
                            c.tool = tool;
                            c.result = result;
                            Ok(OutputItem::Call(c))
                        }
                        other => Ok(other.clone()),
                    })
                    .collect::<Result<Vec<_>, PortError>>()?;
                Ok(ModelResponse {
                    output,
                    ..r.clone()
                })
            })
            .collect::<Result<Vec<_>, PortError>>()?;
        out.push(Step::Turn(t));
    }
    Ok(out)
}

fn input_str(input: &Value, key: &str) -> String {
    input
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn file_text(scenario: &Scenario, path: &str) -> Option<String> {
    scenario.files.iter().find_map(|f| match &f.content {
        FileContent::Inline { text, .. } if f.path == std::path::Path::new(path) => {
            Some(text.clone())
        }
        _ => None,
    })
}

fn claude_to_codex(
    tool: &ToolSpec,
    result: &ToolResult,
    scenario: &Scenario,
) -> Result<(ToolSpec, ToolResult), PortError> {
    let ToolSpec::Claude { tool, input } = tool else {
        return Ok((tool.clone(), result.clone()));
    };
    let plus = |text: &str| -> String { text.lines().map(|l| format!("+{l}\n")).collect() };
    Ok(match tool.as_str() {
        "Bash" => (
            ToolSpec::ExecCommand {
                cmd: input_str(input, "command"),
                justification: None,
            },
            result.clone(),
        ),
        "Write" => (
            ToolSpec::ApplyPatch {
                patch: format!(
                    "*** Begin Patch\n*** Add File: {}\n{}*** End Patch",
                    input_str(input, "file_path"),
                    plus(&input_str(input, "content"))
                ),
            },
            ToolResult::default(),
        ),
        "Edit" => (
            ToolSpec::ApplyPatch {
                patch: format!(
                    "*** Begin Patch\n*** Update File: {}\n@@\n{}{}*** End Patch",
                    input_str(input, "file_path"),
                    input_str(input, "old_string")
                        .lines()
                        .map(|l| format!("-{l}\n"))
                        .collect::<String>(),
                    plus(&input_str(input, "new_string"))
                ),
            },
            ToolResult::default(),
        ),
        "Read" => {
            let path = input_str(input, "file_path");
            (
                ToolSpec::ExecCommand {
                    cmd: format!("cat {path}"),
                    justification: None,
                },
                ToolResult::ok(file_text(scenario, &path).unwrap_or_default()),
            )
        }
        other => (
            ToolSpec::Other {
                tool_name: other.to_owned(),
                arguments: input.to_string(),
            },
            result.clone(),
        ),
    })
}

fn codex_to_claude(
    tool: &ToolSpec,
    result: &ToolResult,
) -> Result<(ToolSpec, ToolResult), PortError> {
    let claude = |name: &str, input: Value| ToolSpec::Claude {
        tool: name.to_owned(),
        input,
    };
    Ok(match tool {
        ToolSpec::ExecCommand { cmd, .. } | ToolSpec::ShellCommand { command: cmd, .. } => (
            claude("Bash", serde_json::json!({"command": cmd})),
            result.clone(),
        ),
        ToolSpec::Shell { argv, .. } | ToolSpec::LocalShell { argv } => (
            claude("Bash", serde_json::json!({"command": argv.join(" ")})),
            result.clone(),
        ),
        ToolSpec::ApplyPatch { patch } => {
            let add = patch
                .lines()
                .find_map(|l| l.strip_prefix("*** Add File: "))
                .map(str::to_owned);
            let Some(path) = add else {
                return Err(PortError::Unsupported(
                    "an apply_patch that updates a file: port translates `*** Add File` patches only".to_owned(),
                ));
            };
            let content: String = patch
                .lines()
                .filter_map(|l| l.strip_prefix('+'))
                .map(|l| format!("{l}\n"))
                .collect();
            (
                claude(
                    "Write",
                    serde_json::json!({"file_path": path, "content": content}),
                ),
                ToolResult::default(),
            )
        }
        other => {
            return Err(PortError::Unsupported(format!(
                "a `{}` call has no Claude Code counterpart",
                crate::agent::tools::model_name(other)
            )))
        }
    })
}
