//! Loading the `claude` dialect's tool calls: `exec` (Bash), `write`, `edit`, `read` and
//! `tool`, each as the `tool_use` block Claude Code's model sends.

use super::*;

use crate::agent::claude::{AGENT_TYPES, AUTO_MODE_MODELS};

impl Validator<'_> {
    /// `[session] permission_mode`: the `claude` dialect's, `bypassPermissions` or `auto`.
    pub(super) fn permission_mode(
        &self,
        session: &crate::scenario::model::SessionFile,
    ) -> Result<crate::agent::spec::PermissionMode, ScenarioError> {
        use crate::agent::spec::PermissionMode;
        if session.dialect == Dialect::Claude {
            let codex_only = [
                (
                    "approval_policy",
                    session.approval_policy.as_ref().map(|a| a.span()),
                ),
                (
                    "auto_compact_tokens",
                    session.auto_compact_tokens.as_ref().map(|t| t.span()),
                ),
            ];
            if let Some((key, Some(span))) = codex_only.into_iter().find(|(_, s)| s.is_some()) {
                return self.err(
                    span,
                    format!("`{key}` is Codex's; the `claude` dialect plays `claude -p` in permission mode `bypassPermissions` or `auto` (`permission_mode`), compacting only on `/compact`"),
                );
            }
            if let Some(source) = &session.start_source {
                if *source.get_ref() != SessionStartSource::Startup {
                    return self.err(
                        source.span(),
                        "the `claude` dialect starts a new `claude -p` session: SessionStart `startup` (a `compact` step fires SessionStart `compact`)",
                    );
                }
            }
        }
        let Some(mode) = &session.permission_mode else {
            return Ok(PermissionMode::BypassPermissions);
        };
        if session.dialect != Dialect::Claude {
            return self.err(
                mode.span(),
                format!("`permission_mode` is Claude Code's (the `claude` dialect); this scenario's dialect is `{}`", session.dialect.as_str()),
            );
        }
        if *mode.get_ref() == PermissionMode::Auto {
            let model = session
                .model
                .as_deref()
                .unwrap_or(crate::scenario::DEFAULT_CLAUDE_MODEL);
            if !AUTO_MODE_MODELS.contains(&model) {
                return self.err(
                    mode.span(),
                    format!("`permission_mode = \"auto\"` with model `{model}`: Claude Code 2.1.197 turns auto mode off for it (and falls back to `default`); set `model = \"claude-sonnet-4-6\"`"),
                );
            }
        }
        Ok(*mode.get_ref())
    }

    /// A result's `classifier`: `allow` or `block` (with `classifier_reason`), auto mode only.
    pub(super) fn classifier(
        &self,
        id: &str,
        verdict: Option<Spanned<String>>,
        reason: Option<Spanned<String>>,
    ) -> Result<Option<crate::agent::spec::Classifier>, ScenarioError> {
        let Some(verdict) = verdict else {
            if let Some(r) = reason {
                return self.err(
                    r.span(),
                    format!("result of call `{id}`: `classifier_reason` goes with `classifier = \"block\"`"),
                );
            }
            return Ok(None);
        };
        if !self.auto_mode {
            return self.err(
                verdict.span(),
                format!("result of call `{id}`: `classifier` is Claude Code's auto mode; set `[session] permission_mode = \"auto\"` (the `claude` dialect)"),
            );
        }
        let block = match verdict.get_ref().as_str() {
            "allow" => false,
            "block" => true,
            other => {
                return self.err(
                    verdict.span(),
                    format!("result of call `{id}`: expected `classifier = \"allow\"` or `\"block\"`, found {other:?}"),
                )
            }
        };
        if !block && reason.is_some() {
            return self.err(
                verdict.span(),
                format!(
                    "result of call `{id}`: `classifier_reason` goes with `classifier = \"block\"`"
                ),
            );
        }
        Ok(Some(crate::agent::spec::Classifier {
            block,
            reason: reason.map(Spanned::into_inner),
        }))
    }

    /// A Claude Code `Agent` call (`spawn = "<subagent_type>"`, `message` its prompt,
    /// `description`, `agent_id`, and `responses`: the subagent's model answers).
    pub(super) fn claude_agent(
        &self,
        c: ToolCallFile,
        id: &str,
        span: Range<usize>,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<ToolSpec, ScenarioError> {
        let agent_type = c.spawn.clone().unwrap_or_default();
        let others = [
            ("exec", c.exec.is_some()),
            ("write", c.write.is_some()),
            ("edit", c.edit.is_some()),
            ("read", c.read.is_some()),
            ("tool", c.tool.is_some()),
            ("content", c.content.is_some()),
            ("old_string", c.old_string.is_some()),
            ("new_string", c.new_string.is_some()),
            ("replace_all", c.replace_all.is_some()),
            ("arguments", c.arguments.is_some()),
            ("shell", c.shell.is_some()),
            ("shell_command", c.shell_command.is_some()),
            ("apply_patch", c.apply_patch.is_some()),
            ("justification", c.justification.is_some()),
            ("mcp", c.mcp.is_some()),
            ("write_stdin", c.write_stdin.is_some()),
            ("chars", c.chars.is_some()),
            ("update_plan", c.update_plan.is_some()),
            ("local_shell", c.local_shell.is_some()),
        ];
        if let Some((key, _)) = others.iter().find(|(_, given)| *given) {
            return self.err(
                span,
                format!("`{key}` in call `{id}`, a `spawn` (Agent) call: it takes `message`, `description`, `agent_id` and `responses`"),
            );
        }
        if !AGENT_TYPES.contains(&agent_type.as_str()) {
            return self.err(
                span,
                format!(
                    "`spawn = {agent_type:?}` in call `{id}`: expected one of Claude Code's subagent types: {}",
                    AGENT_TYPES.join(", ")
                ),
            );
        }
        let Some(message) = c.message.clone().filter(|m| !m.trim().is_empty()) else {
            return self.err(
                span,
                format!("a `spawn` call (`{id}`) needs `message`: the subagent's task (the Agent tool's `prompt`)"),
            );
        };
        if c.responses.is_empty() {
            return self.err(
                span,
                format!("a `spawn` call (`{id}`) needs `responses`: the subagent's own model answers, at least its last message"),
            );
        }
        let n = ids.next_agent();
        let responses = self.child_responses(c.responses, span, ids, call_ids, results)?;
        Ok(ToolSpec::SpawnAgent(ChildSpec {
            agent_id: c.agent_id.unwrap_or_else(|| format!("a{n:016x}")),
            agent_type,
            turn_id: format!("agent-turn-{n}"),
            message,
            responses,
            description: c.description.unwrap_or_default(),
        }))
    }

    /// A Claude Code tool call: `exec` (`Bash`), `write`, `edit`, `read` or `tool` with JSON
    /// `arguments`; any Codex-only key is an error.
    pub(super) fn claude_tool(
        &self,
        c: &ToolCallFile,
        id: &str,
        span: Range<usize>,
    ) -> Result<ToolSpec, ScenarioError> {
        let kinds: Vec<&str> = [
            c.exec.as_ref().map(|_| "exec"),
            c.write.as_ref().map(|_| "write"),
            c.edit.as_ref().map(|_| "edit"),
            c.read.as_ref().map(|_| "read"),
            c.tool.as_ref().map(|_| "tool"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let codex: Vec<&str> = [
            c.shell.as_ref().map(|_| "shell"),
            c.shell_command.as_ref().map(|_| "shell_command"),
            c.local_shell.as_ref().map(|_| "local_shell"),
            c.apply_patch.as_ref().map(|_| "apply_patch"),
            c.mcp.as_ref().map(|_| "mcp"),
            c.write_stdin.as_ref().map(|_| "write_stdin"),
            c.update_plan.as_ref().map(|_| "update_plan"),
            c.justification.as_ref().map(|_| "justification"),
            c.chars.as_ref().map(|_| "chars"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(key) = codex.first() {
            return self.err(
                span,
                format!("`{key}` in call `{id}` is a Codex tool; the `claude` dialect's calls are `exec` (Bash), `write`, `edit`, `read`, `spawn` (Agent) or `tool`"),
            );
        }
        if kinds.len() != 1 {
            return self.err(
                span,
                format!(
                    "expected exactly one of `exec`, `write`, `edit`, `read`, `tool` in call `{id}`, found {}",
                    if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") }
                ),
            );
        }
        let kind = kinds[0];
        let owned = [
            ("content", c.content.is_some(), "write"),
            ("old_string", c.old_string.is_some(), "edit"),
            ("new_string", c.new_string.is_some(), "edit"),
            ("replace_all", c.replace_all.is_some(), "edit"),
            ("description", c.description.is_some(), "exec"),
            ("arguments", c.arguments.is_some(), "tool"),
            ("message", c.message.is_some(), "spawn"),
            ("agent_id", c.agent_id.is_some(), "spawn"),
            ("responses", !c.responses.is_empty(), "spawn"),
        ];
        if let Some((key, _, owner)) = owned
            .iter()
            .find(|(_, given, owner)| *given && *owner != kind)
        {
            return self.err(
                span,
                format!(
                    "`{key}` in call `{id}`, a `{kind}` call: `{key}` belongs to `{owner}` calls"
                ),
            );
        }
        for path in [&c.write, &c.edit, &c.read].into_iter().flatten() {
            let p = std::path::Path::new(path);
            let escapes = p.is_absolute()
                || p.components()
                    .any(|part| matches!(part, std::path::Component::ParentDir));
            if path.is_empty() || escapes {
                return self.err(
                    span,
                    format!("the path {path:?} of call `{id}`: expected a path relative to the workspace, without `..` (the session may not touch files outside it)"),
                );
            }
        }
        let mut input = serde_json::Map::new();
        let tool = match kind {
            "exec" => {
                input.insert("command".into(), c.exec.clone().unwrap_or_default().into());
                if let Some(d) = &c.description {
                    input.insert("description".into(), d.clone().into());
                }
                "Bash"
            }
            "write" => {
                input.insert(
                    "file_path".into(),
                    c.write.clone().unwrap_or_default().into(),
                );
                input.insert(
                    "content".into(),
                    c.content.clone().unwrap_or_default().into(),
                );
                "Write"
            }
            "edit" => {
                let (Some(old), Some(new)) = (&c.old_string, &c.new_string) else {
                    return self.err(
                        span,
                        format!("an `edit` call (`{id}`) needs `old_string` and `new_string`"),
                    );
                };
                input.insert(
                    "file_path".into(),
                    c.edit.clone().unwrap_or_default().into(),
                );
                input.insert("old_string".into(), old.clone().into());
                input.insert("new_string".into(), new.clone().into());
                if let Some(all) = c.replace_all {
                    input.insert("replace_all".into(), all.into());
                }
                "Edit"
            }
            "read" => {
                input.insert(
                    "file_path".into(),
                    c.read.clone().unwrap_or_default().into(),
                );
                "Read"
            }
            _ => {
                let text = c.arguments.clone().unwrap_or_else(|| "{}".to_owned());
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(serde_json::Value::Object(map)) => input = map,
                    _ => {
                        return self.err(
                            span,
                            format!("`arguments` of call `{id}`: expected a JSON object (the tool's input), found {text:?}"),
                        )
                    }
                }
                c.tool.as_deref().unwrap_or_default()
            }
        };
        Ok(ToolSpec::Claude {
            tool: tool.to_owned(),
            input: serde_json::Value::Object(input),
        })
    }
}
