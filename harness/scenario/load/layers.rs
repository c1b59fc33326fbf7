//! Loading a scenario's hook layers: inline `hooks` (checked strictly), verbatim texts,
//! repository files; lifecycle `config.toml` checked with positions.

use super::*;

/// Where a layer's `config.toml` text came from.
pub(super) enum ConfigAt<'a> {
    /// `config_toml = "…"`: the string value's span in the scenario file.
    Inline(Range<usize>),
    /// `file = "…"`.
    File(&'a Spanned<String>),
}

/// The scenario-file byte offset of (line, column) inside the string value at `span`, when
/// the value's characters are written verbatim (a literal string, or a basic string
/// without escapes); `None` otherwise.
fn inline_offset(
    file_text: &str,
    span: Range<usize>,
    value: &str,
    (line, col): (usize, usize),
) -> Option<usize> {
    let raw = file_text.get(span.clone())?;
    let delimiter = ["'''", "\"\"\"", "'", "\""]
        .into_iter()
        .find(|d| raw.starts_with(d))?;
    let mut start = span.start + delimiter.len();
    if delimiter.len() == 3 {
        // A newline right after the opening delimiter is not part of the value.
        let rest = file_text.get(start..)?;
        start += if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        };
    }
    if !file_text.get(start..)?.starts_with(value) {
        return None;
    }
    let line_start: usize = value
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let in_line: usize = value
        .get(line_start..)?
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    Some(start + line_start + in_line)
}

impl Validator<'_> {
    pub(super) fn layer(&self, l: &LayerFile, dialect: Dialect) -> Result<Layer, ScenarioError> {
        let kind = *l.kind.get_ref();
        let span = l.kind.span();
        if dialect == Dialect::Claude {
            return self.claude_layer(l);
        }
        if kind == LayerKind::Local {
            return self.err(
                span,
                "a `local` layer (`.claude/settings.local.json`) belongs to the `claude` dialect",
            );
        }
        if l.settings_json.is_some() {
            return self.err(
                span,
                "`settings_json` belongs to the `claude` dialect; Codex reads `hooks_json`, `config_toml` or a settings.json `file`",
            );
        }
        let given: Vec<&str> = [
            l.hooks.as_ref().map(|_| "hooks"),
            l.hooks_json.as_ref().map(|_| "hooks_json"),
            l.config_toml.as_ref().map(|_| "config_toml"),
            l.file.as_ref().map(|_| "file"),
            l.requirements.as_ref().map(|_| "requirements"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() != 1 {
            return self.err(
                span,
                format!(
                    "expected exactly one of `hooks`, `hooks_json`, `config_toml`, `file`, \
                     `requirements` in this layer, found {}",
                    if given.is_empty() {
                        "none".to_owned()
                    } else {
                        given.join(", ")
                    }
                ),
            );
        }
        if l.trusted.is_some() && kind != LayerKind::Project {
            return self.err(span, "`trusted` applies to `project` layers only");
        }
        let source = if let Some(hooks) = &l.hooks {
            let events = self.inline_hooks(hooks, dialect)?;
            let doc = serde_json::json!({ "hooks": events });
            // A serde_json::Value always serialises.
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            match kind {
                LayerKind::Managed => self.managed_from_hooks(&doc, span.clone())?,
                LayerKind::SessionFlags => {
                    return self.err(
                        span,
                        "a `session_flags` layer takes `config_toml` (hooks.json has no session-flags form)",
                    )
                }
                _ => LayerSource::HooksJson(text + "\n"),
            }
        } else if let Some(text) = &l.hooks_json {
            LayerSource::HooksJson(text.clone())
        } else if let Some(text) = &l.config_toml {
            self.check_config_toml(dialect, text.get_ref(), ConfigAt::Inline(text.span()))?;
            LayerSource::ConfigToml(text.get_ref().clone())
        } else if let Some(text) = &l.requirements {
            LayerSource::Requirements(text.clone())
        } else if let Some(file) = &l.file {
            let source = self.layer_file(kind, file)?;
            if let LayerSource::ConfigToml(text) = &source {
                self.check_config_toml(dialect, text, ConfigAt::File(file))?;
            }
            source
        } else {
            // `given.len() == 1` above guarantees one source is present.
            return self.err(span, "layer has no source");
        };
        let fits = match (&source, kind) {
            (LayerSource::Requirements(_), k) => k == LayerKind::Managed,
            (_, LayerKind::Managed) => false,
            (LayerSource::ConfigToml(_), _) => true,
            (_, LayerKind::SessionFlags) => false,
            _ => true,
        };
        if !fits {
            return self.err(
                span,
                match kind {
                    LayerKind::Managed => {
                        "a `managed` layer takes `requirements`, `hooks` or a requirements `file`"
                    }
                    LayerKind::SessionFlags => "a `session_flags` layer takes `config_toml`",
                    _ => "`requirements` belongs to a `managed` layer",
                },
            );
        }
        Ok(Layer {
            kind,
            trusted: l.trusted.unwrap_or(true),
            source,
        })
    }

    /// A `claude` layer: one `settings.json`, from inline `hooks` (events and handlers
    /// checked as Claude Code names them), `settings_json` verbatim or a repository `file`.
    fn claude_layer(&self, l: &LayerFile) -> Result<Layer, ScenarioError> {
        let kind = *l.kind.get_ref();
        let span = l.kind.span();
        let given: Vec<&str> = [
            l.hooks.as_ref().map(|_| "hooks"),
            l.settings_json.as_ref().map(|_| "settings_json"),
            l.file.as_ref().map(|_| "file"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let codex_only: Vec<&str> = [
            l.hooks_json.as_ref().map(|_| "hooks_json"),
            l.config_toml.as_ref().map(|_| "config_toml"),
            l.requirements.as_ref().map(|_| "requirements"),
            l.trusted.map(|_| "trusted"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !codex_only.is_empty() {
            return self.err(
                span,
                format!(
                    "{} belong(s) to the Codex dialects; a `claude` layer is one settings.json: give `hooks`, `settings_json` or `file`",
                    codex_only.join(", ")
                ),
            );
        }
        if given.len() != 1 {
            return self.err(
                span,
                format!(
                    "expected exactly one of `hooks`, `settings_json`, `file` in this layer, found {}",
                    if given.is_empty() { "none".to_owned() } else { given.join(", ") }
                ),
            );
        }
        if kind == LayerKind::System {
            return self.err(
                span,
                "Claude Code has no `system` layer: use `user`, `project`, `local`, `session_flags` (--settings) or `managed`",
            );
        }
        let text = if let Some(hooks) = &l.hooks {
            let doc = serde_json::json!({ "hooks": self.claude_hooks(hooks)? });
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        } else if let Some(text) = &l.settings_json {
            text.clone()
        } else if let Some(file) = &l.file {
            let rel = self.repo_path(file, "a layer `file`")?;
            match std::fs::read_to_string(self.repo.root.join(&rel)) {
                Ok(t) => t,
                Err(e) => {
                    return self.err(
                        file.span(),
                        format!(
                            "cannot read layer file {:?} (relative to the repository root {}): {e}",
                            file.get_ref(),
                            self.repo.root.display()
                        ),
                    )
                }
            }
        } else {
            return self.err(span, "layer has no source");
        };
        Ok(Layer {
            kind,
            trusted: true,
            source: LayerSource::SettingsJson(text),
        })
    }

    /// Inline Claude Code hooks (`[layers.hooks]`, a plugin's `hooks`): each event name
    /// checked, each group as Claude Code reads it.
    pub(super) fn claude_hooks(
        &self,
        hooks: &BTreeMap<Spanned<String>, Spanned<Vec<HookGroupFile>>>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ScenarioError> {
        let mut events = serde_json::Map::new();
        for (name, groups) in hooks {
            if crate::engine::claude::ClaudeEvent::from_name(name.get_ref()).is_none() {
                let known: Vec<&str> = crate::engine::claude::ClaudeEvent::ALL
                    .iter()
                    .map(|e| e.name())
                    .collect();
                return self.err(
                    name.span(),
                    format!(
                        "unknown Claude Code hook event `{}`, expected one of {}",
                        name.get_ref(),
                        known.join(", ")
                    ),
                );
            }
            events.insert(name.get_ref().clone(), self.hook_groups(groups)?);
        }
        Ok(events)
    }

    /// Checks a layer's `config.toml` as the session's dialect will read it: in the
    /// lifecycle dialect the `[hooks]` argv table (unknown keys are errors) and `notify`; in
    /// the codex dialect `notify` only (a file that is not TOML at all is left to the
    /// engine, which reports it as a discovery warning). Inline errors point into the
    /// scenario file at the offending key.
    pub(super) fn check_config_toml(
        &self,
        dialect: Dialect,
        text: &str,
        at: ConfigAt<'_>,
    ) -> Result<(), ScenarioError> {
        let name = match &at {
            ConfigAt::Inline(_) => "config_toml".to_owned(),
            ConfigAt::File(file) => file.get_ref().clone(),
        };
        let result = match dialect {
            // A `claude` layer has no config.toml (`claude_layer` refuses it).
            Dialect::Claude => return Ok(()),
            Dialect::Lifecycle => {
                LifecycleConfig::from_toml_str(&name, text, HookSource::User).map(|_| ())
            }
            Dialect::Codex | Dialect::Codex4e30281 => {
                if toml::from_str::<toml::Table>(text).is_err() {
                    return Ok(());
                }
                discover_notify(&DiscoveryInput {
                    trust: Default::default(),
                    plugins: Vec::new(),
                    managed: Vec::new(),
                    layers: vec![ConfigLayer {
                        source: HookSource::User,
                        json_files: Vec::new(),
                        config_toml: Some(TomlSource::Inline {
                            path: name.clone(),
                            text: text.to_owned(),
                        }),
                        enabled: true,
                    }],
                })
                .map(|_| ())
            }
        };
        let Err(err) = result else {
            return Ok(());
        };
        let what = match dialect {
            Dialect::Lifecycle => "lifecycle `config.toml`",
            Dialect::Codex | Dialect::Codex4e30281 | Dialect::Claude => "`notify` of `config.toml`",
        };
        match (&at, &err) {
            (
                ConfigAt::Inline(span),
                LifecycleConfigError::Parse {
                    line: Some(line),
                    column,
                    message,
                    ..
                },
            ) => {
                let inner = (*line, column.unwrap_or(1));
                match inline_offset(self.text, span.clone(), text, inner) {
                    Some(offset) => self.err(offset..offset, format!("{what}: {message}")),
                    None => self.err(
                        span.clone(),
                        format!("{what}: {name}:{}:{}: {message}", inner.0, inner.1),
                    ),
                }
            }
            (ConfigAt::Inline(span), _) => self.err(span.clone(), format!("{what}: {err}")),
            (ConfigAt::File(file), _) => self.err(file.span(), format!("{what}: {err}")),
        }
    }

    /// An inline `hooks` table as the `hooks` object of a `hooks.json`, every event and
    /// handler checked.
    pub(super) fn inline_hooks(
        &self,
        hooks: &BTreeMap<Spanned<String>, Spanned<Vec<HookGroupFile>>>,
        dialect: Dialect,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ScenarioError> {
        let mut events = serde_json::Map::new();
        for (name, groups) in hooks {
            let groups = self.hook_groups(groups)?;
            let event = HookEvent::from_config_name(name.get_ref());
            if let Some(e) = event.filter(|e| HookEvent::MODEL_REQUEST.contains(e)) {
                if !dialect.is_current() {
                    return self.err(
                        name.span(),
                        format!(
                            "`{e}` is an event of Codex 0.171 (the `codex` dialect); this scenario's dialect `{}` never runs it",
                            dialect.as_str()
                        ),
                    );
                }
            }
            if event.is_none() {
                let known: Vec<&str> = HookEvent::EVERY.iter().map(|e| e.config_name()).collect();
                return self.err(
                    name.span(),
                    format!(
                        "unknown hook event `{}`, expected one of {}",
                        name.get_ref(),
                        known.join(", ")
                    ),
                );
            }
            events.insert(name.get_ref().clone(), groups);
        }
        Ok(events)
    }

    /// An event's inline groups as `hooks.json` values, after the checks Codex's reading
    /// would otherwise turn into a warning (or, for an unknown key, silence).
    pub(super) fn hook_groups(
        &self,
        groups: &Spanned<Vec<HookGroupFile>>,
    ) -> Result<serde_json::Value, ScenarioError> {
        let mut out = Vec::new();
        for g in groups.get_ref() {
            if g.hooks.is_empty() {
                return self.err(
                    groups.span(),
                    "expected at least one handler in `hooks` of this group",
                );
            }
            let mut handlers = Vec::new();
            for h in &g.hooks {
                handlers.push(self.hook_handler(h)?);
            }
            let mut group = serde_json::Map::new();
            if let Some(m) = &g.matcher {
                group.insert("matcher".into(), m.clone().into());
            }
            group.insert("hooks".into(), handlers.into());
            out.push(serde_json::Value::Object(group));
        }
        Ok(out.into())
    }

    pub(super) fn hook_handler(
        &self,
        h: &Spanned<HookHandlerFile>,
    ) -> Result<serde_json::Value, ScenarioError> {
        let handler = h.get_ref();
        let kind = handler.kind.get_ref().as_str();
        if !matches!(kind, "command" | "mcp_tool" | "prompt" | "agent") {
            return self.err(
                handler.kind.span(),
                format!("unknown handler type `{kind}`, expected `command` or `mcp_tool` (Codex also knows `prompt` and `agent`, which it skips with a warning)"),
            );
        }
        let mcp_keys =
            handler.server.is_some() || handler.tool.is_some() || handler.input.is_some();
        if kind == "mcp_tool" {
            if handler.command.is_some() {
                return self.err(
                    h.span(),
                    "an `mcp_tool` handler takes `server`, `tool` and `input`, not `command`",
                );
            }
            let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
            if blank(&handler.server) || blank(&handler.tool) {
                return self.err(
                    h.span(),
                    "an `mcp_tool` handler needs a non-blank `server` and `tool` (Codex skips it with a warning otherwise)",
                );
            }
        } else if mcp_keys {
            return self.err(
                h.span(),
                format!("`server`, `tool` and `input` belong to `mcp_tool` handlers, not `{kind}`"),
            );
        }
        match (kind, &handler.command) {
            ("command", None) => {
                return self.err(
                    h.span(),
                    "a `command` handler needs `command`, the shell command to run",
                )
            }
            ("command", Some(c)) if c.trim().is_empty() => {
                return self.err(
                    h.span(),
                    "expected a non-blank `command` (Codex skips a blank one with a warning)",
                )
            }
            ("prompt" | "agent", Some(_)) => {
                return self.err(
                    h.span(),
                    format!("a `{kind}` handler takes `prompt`, not `command`"),
                )
            }
            _ => {}
        }
        let mut out = serde_json::Map::new();
        out.insert("type".into(), kind.into());
        let optional = [
            ("command", handler.command.clone().map(Into::into)),
            ("timeout", handler.timeout.map(Into::into)),
            ("async", handler.is_async.map(Into::into)),
            ("asyncRewake", handler.async_rewake.map(Into::into)),
            (
                "statusMessage",
                handler.status_message.clone().map(Into::into),
            ),
            (
                "additionalContextLimit",
                handler.additional_context_limit.map(Into::into),
            ),
            ("server", handler.server.clone().map(Into::into)),
            ("tool", handler.tool.clone().map(Into::into)),
            (
                "input",
                handler
                    .input
                    .as_ref()
                    .and_then(|t| serde_json::to_value(t).ok()),
            ),
            ("prompt", handler.prompt.clone().map(Into::into)),
            ("model", handler.model.clone().map(Into::into)),
            ("if", handler.if_rule.clone().map(Into::into)),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                out.insert(key.into(), v);
            }
        }
        Ok(out.into())
    }

    /// Inline `hooks` on a managed layer: a requirements file with that `[hooks]` table.
    pub(super) fn managed_from_hooks(
        &self,
        doc: &serde_json::Value,
        span: Range<usize>,
    ) -> Result<LayerSource, ScenarioError> {
        let hooks = doc.get("hooks").cloned().unwrap_or_default();
        let text = toml::Value::try_from(serde_json::json!({ "hooks": hooks }))
            .and_then(|t| toml::to_string(&t))
            .map_err(|e| e.to_string());
        match text {
            Ok(text) => Ok(LayerSource::Requirements(text)),
            Err(e) => self.err(
                span,
                format!("these managed `hooks` cannot be written as requirements TOML: {e}"),
            ),
        }
    }

    pub(super) fn layer_file(
        &self,
        kind: LayerKind,
        file: &Spanned<String>,
    ) -> Result<LayerSource, ScenarioError> {
        let rel = self.repo_path(file, "a layer `file`")?;
        let full = self.repo.root.join(&rel);
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) => {
                return self.err(
                    file.span(),
                    format!(
                        "cannot read layer file {:?} (relative to the repository root {}): {e}",
                        file.get_ref(),
                        self.repo.root.display()
                    ),
                )
            }
        };
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        Ok(match (kind, name) {
            (LayerKind::Managed, _) => LayerSource::Requirements(text),
            (_, "settings.json" | "settings.local.json") => LayerSource::SettingsJson(text),
            (_, n) if n.ends_with(".json") => LayerSource::HooksJson(text),
            (_, n) if n.ends_with(".toml") => LayerSource::ConfigToml(text),
            _ => {
                return self.err(
                    file.span(),
                    format!(
                    "expected a `.json` (hooks.json, settings.json) or `.toml` file, found {:?}",
                    file.get_ref()
                ),
                )
            }
        })
    }
}
