//! A scenario as the other agent would play it: the same hooks object in the other agent's
//! file, each call as the other agent's model would make it.

use serde_json::Value;

use super::report::{Finding, PortError, Severity};
use crate::agent::claude::AGENT_TYPES;
use crate::agent::spec::{ChildSpec, ModelResponse, OutputItem, Step, ToolResult, ToolSpec};
use crate::engine::Dialect;
use crate::scenario::{FileContent, LayerKind, LayerSource, Scenario};

/// `scenario` as the `to` agent would play it; findings for what cannot come along.
pub fn translate(scenario: &Scenario, to: Dialect) -> Result<(Scenario, Vec<Finding>), PortError> {
    let from = scenario.session.dialect;
    let mut findings = Vec::new();
    let mut out = scenario.clone();
    out.session.dialect = to;
    out.expect_warnings = Vec::new();
    out.plugins = Vec::new();
    for (name, _) in &scenario.plugins {
        findings.push(Finding {
            severity: Severity::NeverRuns,
            hook: format!("(every hook of plugin `{name}`)"),
            declared: format!("the plugin `{name}`"),
            event: "*".to_owned(),
            call: None,
            from: "loaded".to_owned(),
            to: "not played".to_owned(),
            why: format!(
                "{from} and {to} install plugins differently (Claude Code: `--plugin-dir` or a \
                 marketplace with `.claude-plugin/plugin.json`; Codex: \
                 `$CODEX_HOME/plugins/cache/<marketplace>/<name>`); port does not move them"
            ),
            fix: format!("package `{name}` for {to} and test it in a {to}-dialect scenario"),
        });
    }
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
            // Codex names a subagent `agent-<n>`; its type (a role) carries over as it is.
            let mut n = 0;
            out.steps = map_calls(
                &scenario.steps,
                scenario,
                |tool, result| claude_to_codex(tool, result, scenario),
                &mut |child| {
                    n += 1;
                    ChildSpec {
                        agent_id: format!("agent-{n}"),
                        turn_id: format!("agent-turn-{n}"),
                        description: String::new(),
                        ..child.clone()
                    }
                },
            )?;
        }
        (Dialect::Codex | Dialect::Codex4e30281, Dialect::Claude) => {
            out.session.model = crate::scenario::DEFAULT_CLAUDE_MODEL.to_owned();
            out.session.end_reason = "other".to_owned();
            out.layers = Vec::new();
            for layer in &scenario.layers {
                let LayerSource::HooksJson(text) = &layer.source else {
                    findings.push(Finding {
                        severity: Severity::NeverRuns,
                        hook: "(every hook of the layer)".to_owned(),
                        declared: format!(
                            "the {:?} layer's {}",
                            layer.kind,
                            match layer.source {
                                LayerSource::ConfigToml(_) => "config.toml",
                                LayerSource::Requirements(_) => "managed requirements",
                                _ => "settings.json",
                            }
                        ),
                        event: "*".to_owned(),
                        call: None,
                        from: "loaded".to_owned(),
                        to: "not read".to_owned(),
                        why: format!("{to} reads hooks from settings.json only"),
                        fix: "declare the hooks in .claude/settings.json".to_owned(),
                    });
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
            // Claude Code names a subagent `a<16 hex digits>` and offers a fixed set of types:
            // a Codex role that is none of them plays as `general-purpose`.
            let mut n = 0;
            let mut retyped = Vec::new();
            out.steps = map_calls(&scenario.steps, scenario, codex_to_claude, &mut |child| {
                n += 1;
                let known = AGENT_TYPES.contains(&child.agent_type.as_str());
                if !known && !retyped.contains(&child.agent_type) {
                    retyped.push(child.agent_type.clone());
                }
                ChildSpec {
                    agent_id: format!("a{n:016x}"),
                    turn_id: format!("agent-turn-{n}"),
                    agent_type: if known {
                        child.agent_type.clone()
                    } else {
                        "general-purpose".to_owned()
                    },
                    description: child.agent_type.clone(),
                    ..child.clone()
                }
            })?;
            for role in retyped {
                findings.push(Finding {
                    severity: Severity::Differs,
                    hook: "(every hook that reads `agent_type` or matches it)".to_owned(),
                    declared: format!("the spawn role `{role}`"),
                    event: "SubagentStart, SubagentStop".to_owned(),
                    call: None,
                    from: format!("agent_type `{role}`"),
                    to: "agent_type `general-purpose`".to_owned(),
                    why: format!(
                        "Claude Code's Agent tool offers the subagent types {} only",
                        AGENT_TYPES.join(", ")
                    ),
                    fix: format!(
                        "match the Claude Code type the hook means, or both (`{role}|general-purpose`)"
                    ),
                });
            }
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
    spawn: &mut dyn FnMut(&ChildSpec) -> ChildSpec,
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
        t.responses = map_responses(&t.responses, &f, spawn)?;
        out.push(Step::Turn(t));
    }
    Ok(out)
}

/// `responses` with each call as the other agent makes it; a spawn as `spawn` makes it
/// (before its children, so they are numbered after it), and a subagent's own calls too.
fn map_responses(
    responses: &[ModelResponse],
    f: &impl Fn(&ToolSpec, &ToolResult) -> Result<(ToolSpec, ToolResult), PortError>,
    spawn: &mut dyn FnMut(&ChildSpec) -> ChildSpec,
) -> Result<Vec<ModelResponse>, PortError> {
    responses
        .iter()
        .map(|r| {
            let output = r
                .output
                .iter()
                .map(|item| match item {
                    OutputItem::Call(c) => {
                        let mut c = c.clone();
                        if let ToolSpec::SpawnAgent(child) = &c.tool {
                            let mut ported = spawn(child);
                            ported.responses = map_responses(&child.responses, f, spawn)?;
                            c.tool = ToolSpec::SpawnAgent(ported);
                        } else {
                            let (tool, result) = f(&c.tool, &c.result)?;
                            c.tool = tool;
                            c.result = result;
                        }
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
        .collect()
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
