//! Loading: TOML text -> [`ScenarioFile`] (syntax, unknown keys, wrong types) -> validated
//! [`Scenario`] (semantic checks). Every error names `file:line:col` and what was expected;
//! loading never panics.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml::Spanned;

use super::model::{
    CompactFile, FileRoot, LayerFile, LayerKind, ResponseFile, RunApprovalFile, ScenarioFile,
    ToolCallFile, ToolResultFile, TurnFile, UserDecisionFile, WorkspaceFile,
};
use super::model::{HookGroupFile, HookHandlerFile};
use super::repo::{check_filter, Repo, RepoError};
use super::{
    FileContent, FileSpec, Layer, LayerSource, Scenario, Session, DEFAULT_MODEL, DEFAULT_THREAD_ID,
    ENV_VARIABLES,
};
use crate::agent::spec::{
    ChildSpec, DeniedRun, ModelResponse, OutputItem, QueuedPrompt, RunAccess, RunApproval, Step,
    ToolCallSpec, ToolResult, ToolSpec, TurnSpec, Usage, UserDecision,
};
use crate::agent::tools::result_problem;
use crate::engine::config::{ConfigLayer, DiscoveryInput, TomlSource};
use crate::engine::event::HookEvent;
use crate::engine::lifecycle::{discover_notify, LifecycleConfig, LifecycleConfigError};
use crate::engine::request::SessionStartSource;
use crate::engine::summary::HookSource;
use crate::engine::Dialect;

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{path}: cannot read scenario: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The repository's `hooktape.toml` does not load.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A problem at a position in the file.
    #[error("{path}:{line}:{col}: {message}")]
    Invalid {
        path: String,
        line: usize,
        col: usize,
        message: String,
    },
}

impl ScenarioError {
    fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let (line, col) = line_col(text, span.map_or(0, |s| s.start));
        ScenarioError::Invalid {
            path: path.display().to_string(),
            line,
            col,
            message: message.into(),
        }
    }
}

/// Where a layer's `config.toml` text came from.
enum ConfigAt<'a> {
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

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// A relative path without `..` or a root, with `.` components dropped; `None` otherwise.
pub(crate) fn plain_relative(s: &str) -> Option<PathBuf> {
    let p = Path::new(s);
    let ok = !p.has_root()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    ok.then(|| {
        p.components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect()
    })
}

/// Reads and validates a scenario file of the repository it lives in ([`Repo::for_scenario`]).
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.display().to_string(),
        source,
    })?;
    load_str(path, &text)
}

/// Validates scenario text; `path` names it in errors and finds its repository, whose root
/// anchors the paths of repository files (`[[files]] from`, `[[layers]] file`).
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let repo = Repo::for_scenario(path)?;
    load_in(&repo, path, text)
}

/// Validates scenario text as a scenario of `repo`.
pub fn load_in(repo: &Repo, path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = toml::from_str(text)
        .map_err(|err| ScenarioError::at(path, text, err.span(), err.message().trim()))?;
    Validator { path, text, repo }.scenario(file)
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    repo: &'a Repo,
}

impl Validator<'_> {
    fn err<T>(&self, span: Range<usize>, message: impl Into<String>) -> Result<T, ScenarioError> {
        Err(ScenarioError::at(self.path, self.text, Some(span), message))
    }

    fn scenario(&self, file: ScenarioFile) -> Result<Scenario, ScenarioError> {
        let description = file.description.get_ref().trim();
        if description.is_empty() || description.contains('\n') {
            return self.err(
                file.description.span(),
                "expected a one-line, non-empty `description`",
            );
        }
        let cwd = match &file.session.cwd {
            Some(cwd) => self.relative_path(cwd, "session `cwd`")?,
            None => PathBuf::new(),
        };
        if let Some(cap) = &file.session.output_cap {
            if *cap.get_ref() == 0 {
                return self.err(
                    cap.span(),
                    "expected `output_cap` of at least 1 byte (0 would drop every byte of output)",
                );
            }
        }
        let session = Session {
            model: file
                .session
                .model
                .clone()
                .unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            approval_policy: file.session.approval_policy.unwrap_or_default(),
            cwd,
            dialect: file.session.dialect,
            thread_id: file
                .session
                .thread_id
                .clone()
                .unwrap_or_else(|| DEFAULT_THREAD_ID.to_owned()),
            start_source: file
                .session
                .start_source
                .unwrap_or(SessionStartSource::Startup),
            auto_compact_tokens: file.session.auto_compact_tokens,
            end_reason: file
                .session
                .end_reason
                .clone()
                .unwrap_or_else(|| "exit".to_owned()),
            instructions: file.session.instructions.clone(),
            output_cap: file.session.output_cap.as_ref().map(|c| *c.get_ref()),
        };
        let layers = file
            .layers
            .iter()
            .map(|l| self.layer(l, session.dialect))
            .collect::<Result<Vec<_>, _>>()?;
        let mut files: Vec<FileSpec> = Vec::new();
        for entry in &file.files {
            let f = entry.get_ref();
            let spec = self.workspace_file(f, entry.span())?;
            if files
                .iter()
                .any(|o| o.root == spec.root && o.path == spec.path)
            {
                return self.err(
                    f.path.as_ref().or(f.from.as_ref()).map_or(entry.span(), Spanned::span),
                    format!(
                        "workspace file {:?} (root `{}`) is already given by an earlier `[[files]]` entry; expected each path once",
                        spec.path.display().to_string(),
                        root_name(spec.root)
                    ),
                );
            }
            files.push(spec);
        }
        let mut env = BTreeMap::new();
        for (key, value) in file.env {
            let name = key.get_ref();
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return self.err(
                    key.span(),
                    format!("expected an environment variable name without `=`, found {name:?}"),
                );
            }
            self.env_value(&value)?;
            env.insert(key.into_inner(), value.into_inner());
        }
        let mut filters = self.repo.filters.clone();
        for f in &file.filters {
            match check_filter(f) {
                Ok(filter) => filters.push(filter),
                Err(message) => return self.err(f.regex.span(), message),
            }
        }
        let mut expect_warnings = Vec::new();
        for w in &file.expect_warnings {
            if w.get_ref().trim().is_empty() {
                return self.err(
                    w.span(),
                    "expected the text of a discovery warning, found an empty string",
                );
            }
            expect_warnings.push(w.get_ref().clone());
        }
        let turns_span = file.turns.span();
        let turn_files = file.turns.into_inner();
        if turn_files.is_empty() {
            return self.err(
                turns_span,
                "expected at least one `[[turns]]` with a `prompt`",
            );
        }
        let mut ids = Ids::default();
        let mut steps = Vec::new();
        for t in turn_files {
            self.step(t, &mut ids, &mut steps)?;
        }
        Ok(Scenario {
            path: self.path.to_path_buf(),
            description: description.to_owned(),
            session,
            layers,
            files,
            env,
            steps,
            repo_root: self.repo.root.clone(),
            filters,
            expect_warnings,
        })
    }

    /// `${NAME}` in an `[env]` value must name a workspace path.
    fn env_value(&self, value: &Spanned<String>) -> Result<(), ScenarioError> {
        let mut rest = value.get_ref().as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return self.err(value.span(), "unclosed `${` in an `[env]` value; expected `${PROJECT}`, `${HOME}` or `${CODEX_HOME}`");
            };
            let name = &after[..end];
            if !ENV_VARIABLES.contains(&name) {
                return self.err(
                    value.span(),
                    format!("unknown variable `${{{name}}}` in an `[env]` value; expected `${{PROJECT}}`, `${{HOME}}` or `${{CODEX_HOME}}`"),
                );
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }

    /// A relative path without `..` or a root.
    fn relative_path(&self, s: &Spanned<String>, what: &str) -> Result<PathBuf, ScenarioError> {
        let p = Path::new(s.get_ref().as_str());
        if p.has_root() {
            return self.err(
                s.span(),
                format!(
                    "expected a relative path for {what}, found an absolute one: {:?}",
                    s.get_ref()
                ),
            );
        }
        let ok = p
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !ok {
            return self.err(
                s.span(),
                format!(
                    "expected a relative path without `..` for {what}, found {:?}",
                    s.get_ref()
                ),
            );
        }
        Ok(p.components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect())
    }

    fn layer(&self, l: &LayerFile, dialect: Dialect) -> Result<Layer, ScenarioError> {
        let kind = *l.kind.get_ref();
        let span = l.kind.span();
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
            let mut events = serde_json::Map::new();
            for (name, groups) in hooks {
                let groups = self.hook_groups(groups)?;
                if HookEvent::from_config_name(name.get_ref()).is_none() {
                    let known: Vec<&str> = HookEvent::ALL.iter().map(|e| e.config_name()).collect();
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

    /// Checks a layer's `config.toml` as the session's dialect will read it: in the
    /// lifecycle dialect the `[hooks]` argv table (unknown keys are errors) and `notify`; in
    /// the codex dialect `notify` only (a file that is not TOML at all is left to the
    /// engine, which reports it as a discovery warning). Inline errors point into the
    /// scenario file at the offending key.
    fn check_config_toml(
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
            Dialect::Lifecycle => {
                LifecycleConfig::from_toml_str(&name, text, HookSource::User).map(|_| ())
            }
            Dialect::Codex => {
                if toml::from_str::<toml::Table>(text).is_err() {
                    return Ok(());
                }
                discover_notify(&DiscoveryInput {
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
            Dialect::Codex => "`notify` of `config.toml`",
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

    /// An event's inline groups as `hooks.json` values, after the checks Codex's reading
    /// would otherwise turn into a warning (or, for an unknown key, silence).
    fn hook_groups(
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

    fn hook_handler(
        &self,
        h: &Spanned<HookHandlerFile>,
    ) -> Result<serde_json::Value, ScenarioError> {
        let handler = h.get_ref();
        let kind = handler.kind.get_ref().as_str();
        if !matches!(kind, "command" | "prompt" | "agent") {
            return self.err(
                handler.kind.span(),
                format!("unknown handler type `{kind}`, expected `command` (Codex also knows `prompt` and `agent`, which it skips with a warning)"),
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
            (
                "statusMessage",
                handler.status_message.clone().map(Into::into),
            ),
            ("prompt", handler.prompt.clone().map(Into::into)),
            ("model", handler.model.clone().map(Into::into)),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                out.insert(key.into(), v);
            }
        }
        Ok(out.into())
    }

    /// Inline `hooks` on a managed layer: a requirements file with that `[hooks]` table.
    fn managed_from_hooks(
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

    fn layer_file(
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

    /// A path naming a repository file: relative to the root, without `..`.
    fn repo_path(&self, s: &Spanned<String>, what: &str) -> Result<PathBuf, ScenarioError> {
        match plain_relative(s.get_ref()) {
            Some(p) => Ok(p),
            None => self.err(
                s.span(),
                format!(
                    "expected {what} relative to the repository root ({}), without `..`, found {:?}",
                    self.repo.root.display(),
                    s.get_ref()
                ),
            ),
        }
    }

    fn workspace_file(
        &self,
        f: &WorkspaceFile,
        entry: Range<usize>,
    ) -> Result<FileSpec, ScenarioError> {
        let (path_span, path) =
            match (&f.path, &f.from, &f.content) {
                (_, Some(_), Some(_)) => return self.err(
                    f.from.as_ref().map_or(0..0, Spanned::span),
                    "expected one of `content` and `from` in this `[[files]]` entry, found both",
                ),
                (Some(p), _, _) => (p.span(), self.relative_path(p, "a workspace file")?),
                (None, Some(from), None) => (from.span(), self.repo_path(from, "`from`")?),
                (None, None, _) => return self.err(
                    entry,
                    "a `[[files]]` entry without `path`: expected `path` and `content`, or `from`",
                ),
            };
        if path.as_os_str().is_empty() {
            return self.err(path_span, "expected a file path, found an empty one");
        }
        let content = match (&f.from, &f.content) {
            (Some(from), None) => {
                if f.executable.is_some() {
                    return self.err(
                        from.span(),
                        "`executable` applies to `content`; a file copied with `from` keeps its own mode",
                    );
                }
                let rel = self.repo_path(from, "`from`")?;
                let full = self.repo.root.join(&rel);
                if !full.exists() {
                    return self.err(
                        from.span(),
                        format!(
                            "expected a file or folder of the repository at {:?} (relative to its root {}), found nothing",
                            from.get_ref(),
                            self.repo.root.display()
                        ),
                    );
                }
                FileContent::Copy(full)
            }
            (None, Some(text)) => FileContent::Inline {
                executable: f.executable.unwrap_or_else(|| {
                    text.starts_with("#!")
                        || path.extension().is_some_and(|e| e == "sh" || e == "py")
                }),
                text: text.clone(),
            },
            _ => {
                return self.err(
                    entry,
                    "missing field `content`: expected `content` (the file's text) or `from` (a repository file to copy)",
                )
            }
        };
        Ok(FileSpec {
            root: f.root,
            path,
            content,
        })
    }

    fn step(
        &self,
        t: Spanned<TurnFile>,
        ids: &mut Ids,
        steps: &mut Vec<Step>,
    ) -> Result<(), ScenarioError> {
        let span = t.span();
        let t = t.into_inner();
        if t.resume {
            steps.push(Step::Resume);
        }
        if let Some(compact) = t.compact {
            let summary = match compact.get_ref() {
                CompactFile::Summary(text) => Some(ModelResponse::message(text.clone())),
                CompactFile::Stopped(true) => None,
                CompactFile::Stopped(false) => {
                    return self.err(
                        compact.span(),
                        "expected `compact = \"<the summary the model answers>\"`, or `compact = true` when a PreCompact hook stops the compaction before its request",
                    )
                }
            };
            if t.prompt.is_some() || !t.responses.is_empty() || !t.queued.is_empty() {
                return self.err(
                    span,
                    "a `compact` step takes only `id` (and `resume`); put the prompt in the next `[[turns]]`",
                );
            }
            ids.turns += 1;
            let turn_id = self.turn_id(t.id, span, ids)?;
            steps.push(Step::Compact { turn_id, summary });
            return Ok(());
        }
        let Some(prompt) = t.prompt else {
            if t.resume && t.responses.is_empty() && t.queued.is_empty() && t.results.is_empty() {
                return Ok(());
            }
            return self.err(
                span,
                "missing `prompt`: a `[[turns]]` entry needs `prompt = \"...\"` (or `compact`, or `resume = true` alone)",
            );
        };
        if prompt.get_ref().trim().is_empty() {
            return self.err(
                prompt.span(),
                "expected a non-empty `prompt` (the user's message that starts the turn)",
            );
        }
        let prompt = prompt.into_inner();
        ids.turns += 1;
        let turn_id = self.turn_id(t.id, span, ids)?;
        let mut results = t.results;
        let mut call_ids = BTreeSet::new();
        let responses = t
            .responses
            .into_iter()
            .map(|r| self.response(r, ids, &mut call_ids, &mut results))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some((id, _)) = results.into_iter().next() {
            let known: Vec<&str> = call_ids.iter().map(String::as_str).collect();
            return self.err(
                id.span(),
                format!(
                    "tool result for unknown call id `{}`; this turn's calls are: {}",
                    id.get_ref(),
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        let mut queued = Vec::new();
        for q in t.queued {
            let q_span = q.span();
            let q = q.into_inner();
            let after_request = q.after_request.unwrap_or(1);
            if after_request > responses.len() {
                return self.err(
                    q_span,
                    format!(
                        "queued prompt {:?} waits for request {after_request}, but turn `{turn_id}` scripts only {} response(s); expected `after_request` between 0 and {}",
                        q.prompt,
                        responses.len(),
                        responses.len()
                    ),
                );
            }
            queued.push(QueuedPrompt {
                after_request,
                prompt: q.prompt,
            });
        }
        steps.push(Step::Turn(TurnSpec {
            turn_id,
            prompt,
            queued,
            responses,
        }));
        Ok(())
    }

    /// The step's turn id (given or `turn-N`), unique in the scenario.
    fn turn_id(
        &self,
        id: Option<Spanned<String>>,
        step_span: Range<usize>,
        ids: &mut Ids,
    ) -> Result<String, ScenarioError> {
        let (id, span) = match id {
            Some(id) => {
                let span = id.span();
                (id.into_inner(), span)
            }
            None => (format!("turn-{}", ids.turns), step_span),
        };
        if id.is_empty() {
            return self.err(span, "expected a non-empty turn `id`");
        }
        if !ids.turn_ids.insert(id.clone()) {
            return self.err(
                span,
                format!(
                    "turn id `{id}` is already used by an earlier step; expected unique turn ids"
                ),
            );
        }
        Ok(id)
    }

    fn response(
        &self,
        r: ResponseFile,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<ModelResponse, ScenarioError> {
        let mut output: Vec<OutputItem> = r
            .message
            .into_iter()
            .chain(r.messages)
            .map(|text| OutputItem::Message { text })
            .collect();
        for c in r.calls {
            output.push(OutputItem::Call(self.call(c, ids, call_ids, results)?));
        }
        Ok(ModelResponse {
            id: None,
            output,
            usage: r.tokens.map(|t| Usage {
                input_tokens: t,
                output_tokens: 0,
                total_tokens: t,
            }),
            failed: r.failed,
            disconnect: r.disconnect,
        })
    }

    fn call(
        &self,
        c: Spanned<ToolCallFile>,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<ToolCallSpec, ScenarioError> {
        let span = c.span();
        let c = c.into_inner();
        ids.calls += 1;
        let id = match c.id {
            Some(id) => {
                if id.get_ref().is_empty() {
                    return self.err(id.span(), "expected a non-empty call `id`");
                }
                if !ids.all_calls.insert(id.get_ref().clone()) {
                    return self.err(
                        id.span(),
                        format!(
                            "call id `{}` is already used by another call; call ids must be unique",
                            id.get_ref()
                        ),
                    );
                }
                id.into_inner()
            }
            None => {
                let id = format!("call-{}", ids.calls);
                ids.all_calls.insert(id.clone());
                id
            }
        };
        call_ids.insert(id.clone());
        let kinds: Vec<&str> = [
            c.shell.as_ref().map(|_| "shell"),
            c.shell_command.as_ref().map(|_| "shell_command"),
            c.exec.as_ref().map(|_| "exec"),
            c.local_shell.as_ref().map(|_| "local_shell"),
            c.apply_patch.as_ref().map(|_| "apply_patch"),
            c.mcp.as_ref().map(|_| "mcp"),
            c.write_stdin.as_ref().map(|_| "write_stdin"),
            c.update_plan.as_ref().map(|_| "update_plan"),
            c.spawn.as_ref().map(|_| "spawn"),
            c.tool.as_ref().map(|_| "tool"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if kinds.len() != 1 {
            return self.err(
                span.clone(),
                format!(
                    "expected exactly one of `shell`, `shell_command`, `exec`, `local_shell`, \
                     `apply_patch`, `mcp`, `write_stdin`, `update_plan`, `spawn`, `tool` in call `{id}`, found {}",
                    if kinds.is_empty() {
                        "none".to_owned()
                    } else {
                        kinds.join(", ")
                    }
                ),
            );
        }
        let arguments = c.arguments.clone().unwrap_or_default();
        let tool = if let Some(argv) = c.shell {
            ToolSpec::Shell {
                argv,
                justification: c.justification,
            }
        } else if let Some(command) = c.shell_command {
            ToolSpec::ShellCommand {
                command,
                justification: c.justification,
            }
        } else if let Some(cmd) = c.exec {
            ToolSpec::ExecCommand {
                cmd,
                justification: c.justification,
            }
        } else if let Some(argv) = c.local_shell {
            ToolSpec::LocalShell { argv }
        } else if let Some(patch) = c.apply_patch {
            ToolSpec::ApplyPatch { patch }
        } else if let Some(name) = c.mcp {
            let Some((server, tool)) = name.split_once('/') else {
                return self.err(
                    span,
                    format!("expected `mcp = \"server/tool\"` in call `{id}`, found {name:?}"),
                );
            };
            ToolSpec::Mcp {
                server: server.to_owned(),
                tool: tool.to_owned(),
                arguments,
            }
        } else if let Some(session_id) = c.write_stdin {
            ToolSpec::WriteStdin {
                session_id,
                chars: c.chars.unwrap_or_default(),
            }
        } else if c.update_plan.is_some() {
            ToolSpec::UpdatePlan { arguments }
        } else if let Some(agent_type) = c.spawn {
            ids.agents += 1;
            let mut child_calls = BTreeSet::new();
            let responses = c
                .responses
                .into_iter()
                .map(|r| self.response(r, ids, &mut child_calls, results))
                .collect::<Result<Vec<_>, _>>()?;
            call_ids.extend(child_calls);
            ToolSpec::SpawnAgent(ChildSpec {
                agent_id: c
                    .agent_id
                    .unwrap_or_else(|| format!("agent-{}", ids.agents)),
                agent_type,
                turn_id: format!("agent-turn-{}", ids.agents),
                message: c.message.unwrap_or_default(),
                responses,
            })
        } else if let Some(tool_name) = c.tool {
            ToolSpec::Other {
                tool_name,
                arguments,
            }
        } else {
            // `kinds.len() == 1` above guarantees one branch matched.
            return self.err(span, "call has no tool");
        };
        let key = results.keys().find(|k| k.get_ref() == &id).cloned();
        let result = match key.and_then(|k| results.remove(&k).map(|r| (k, r))) {
            Some((key, r)) => {
                let result = ToolResult {
                    exit_code: r.exit_code,
                    output: r.output,
                    needs_approval: r.needs_approval,
                    user_decision: user_decision(r.user_decision),
                    sandbox_denied: r.sandbox_denied,
                    run_approvals: self.run_approvals(&id, r.run_approvals, ids)?,
                    when_denied: r.when_denied.map(|d| DeniedRun {
                        exit_code: d.exit_code.unwrap_or(DeniedRun::default().exit_code),
                        output: d.output,
                    }),
                    running: r.running,
                };
                if let Some(problem) = result_problem(&tool, &result) {
                    return self.err(key.span(), format!("result of call `{id}`: {problem}"));
                }
                result
            }
            None => ToolResult::default(),
        };
        Ok(ToolCallSpec {
            call_id: id,
            tool,
            result,
        })
    }

    fn run_approvals(
        &self,
        call_id: &str,
        approvals: Vec<Spanned<RunApprovalFile>>,
        ids: &mut Ids,
    ) -> Result<Vec<RunApproval>, ScenarioError> {
        let mut counts = BTreeMap::<&str, usize>::new();
        approvals
            .into_iter()
            .map(|a| {
                let span = a.span();
                let a = a.into_inner();
                let access = match (a.network, a.execve) {
                    (Some(target), None) if !target.contains("://") => {
                        return self.err(
                            span,
                            format!("expected a `scheme://host:port` target in `network` of a run approval of call `{call_id}`, found {target:?}"),
                        )
                    }
                    (None, Some(argv)) if argv.is_empty() => {
                        return self.err(
                            span,
                            format!("expected a non-empty argv in `execve` of a run approval of call `{call_id}`"),
                        )
                    }
                    (Some(target), None) => RunAccess::Network { target },
                    (None, Some(argv)) => RunAccess::Execve { argv },
                    _ => {
                        return self.err(
                            span,
                            format!(
                                "expected exactly one of `network` (a `scheme://host:port` target) or `execve` (an argv) in a run approval of call `{call_id}`"
                            ),
                        )
                    }
                };
                let kind = access.kind();
                let n = counts.entry(kind).or_default();
                *n += 1;
                let approval_id = a
                    .approval_id
                    .unwrap_or_else(|| format!("{call_id}:{kind}-{n}"));
                if approval_id.is_empty() || !ids.approval_ids.insert(approval_id.clone()) {
                    return self.err(
                        span,
                        format!("approval id {approval_id:?} of a run approval of call `{call_id}` is empty or already used; expected a unique id (it names the PermissionRequest run)"),
                    );
                }
                Ok(RunApproval {
                    access,
                    approval_id,
                    user_decision: user_decision(a.user_decision),
                })
            })
            .collect()
    }
}

fn user_decision(d: Option<UserDecisionFile>) -> UserDecision {
    match d {
        Some(UserDecisionFile::Deny) => UserDecision::Deny,
        Some(UserDecisionFile::ApproveForSession) => UserDecision::ApproveForSession,
        Some(UserDecisionFile::Approve) | None => UserDecision::Approve,
    }
}

#[derive(Default)]
struct Ids {
    turns: usize,
    calls: usize,
    agents: usize,
    all_calls: BTreeSet<String>,
    turn_ids: BTreeSet<String>,
    approval_ids: BTreeSet<String>,
}

fn root_name(root: FileRoot) -> &'static str {
    match root {
        FileRoot::Project => "project",
        FileRoot::Home => "home",
        FileRoot::Workspace => "workspace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Scenario, ScenarioError> {
        load_str(Path::new("s.toml"), text)
    }

    #[test]
    fn minimal_scenario_gets_defaults() {
        let s = load("description = \"d\"\n[[turns]]\nprompt = \"hi\"\n[[turns.responses]]\nmessage = \"ok\"\n")
            .unwrap();
        assert_eq!(s.session.model, DEFAULT_MODEL);
        let Step::Turn(turn) = &s.steps[0] else {
            panic!("a turn")
        };
        assert_eq!(turn.turn_id, "turn-1");
        assert_eq!(turn.responses[0], ModelResponse::message("ok"));
    }

    #[test]
    fn lifecycle_config_errors_point_into_the_scenario() {
        let head = "description = \"d\"\n[session]\ndialect = \"lifecycle\"\n[[layers]]\nkind = \"user\"\n";
        let tail = "\n[[turns]]\nprompt = \"p\"\n";
        // A multi-line literal: the key's own line and column.
        let text = format!("{head}config_toml = '''\n[hooks]\nturn_start = []\n'''{tail}");
        let err = load(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:8:1: lifecycle `config.toml`: unknown field `turn_start`"),
            "{err}"
        );
        // A basic string without escapes that matter: still exact.
        let text = format!("{head}config_toml = \"hooks = 1\"{tail}");
        let err = load(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:6:24: lifecycle `config.toml`: invalid type"),
            "{err}"
        );
        // With escapes the text differs from the file: the value's start plus the inner position.
        let text = format!("{head}config_toml = \"[hooks]\\nturn_start = []\"{tail}");
        let err = load(&text).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "s.toml:6:15: lifecycle `config.toml`: config_toml:2:1: unknown field `turn_start`"
            ),
            "{err}"
        );
        // The codex dialect reads the same table without complaint (unknown events are
        // ignored there), but checks `notify`.
        let codex = text.replace("dialect = \"lifecycle\"", "dialect = \"codex\"");
        assert!(load(&codex).is_ok());
        let bad_notify = format!(
            "{}config_toml = \"notify = 3\"{tail}",
            head.replace("lifecycle", "codex")
        );
        let err = load(&bad_notify).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:6:25: `notify` of `config.toml`: invalid type"),
            "{err}"
        );
        // A config.toml that is not TOML at all is left to the codex engine's warnings.
        let broken = format!(
            "{}config_toml = \"[[\"{tail}",
            head.replace("lifecycle", "codex")
        );
        assert!(load(&broken).is_ok());
    }

    #[test]
    fn unknown_key_has_position() {
        let err = load("description = \"d\"\nbogus = 1\n[[turns]]\nprompt = \"p\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("s.toml:2:1: unknown field `bogus`"),
            "{text}"
        );
    }

    #[test]
    fn call_ids_are_generated_and_results_checked() {
        let s = load(
            "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\n\
             calls = [{ shell = [\"ls\"] }, { exec = \"ls\", id = \"x\" }]\n\
             [turns.results.call-1]\noutput = \"o\"\n",
        )
        .unwrap();
        let Step::Turn(turn) = &s.steps[0] else {
            panic!("a turn")
        };
        let calls: Vec<&ToolCallSpec> = turn.responses[0]
            .output
            .iter()
            .filter_map(|o| match o {
                OutputItem::Call(c) => Some(c),
                OutputItem::Message { .. } => None,
            })
            .collect();
        assert_eq!(calls[0].call_id, "call-1");
        assert_eq!(calls[0].result.output, "o");
        assert_eq!(calls[1].call_id, "x");

        let err = load(
            "description = \"d\"\n[[turns]]\nprompt = \"p\"\n[[turns.responses]]\n\
             calls = [{ shell = [\"ls\"] }]\n[turns.results.call-9]\noutput = \"o\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("s.toml:6:"), "{err}");
        assert!(
            err.to_string().contains("unknown call id `call-9`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_event_in_inline_hooks() {
        let err = load(
            "description = \"d\"\n[[layers]]\nkind = \"user\"\n[layers.hooks]\nStp = []\n\
             [[turns]]\nprompt = \"p\"\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("s.toml:5:1: unknown hook event `Stp`"),
            "{err}"
        );
    }

    proptest::proptest! {
        /// Loading never panics, whatever the text (arbitrary, or a valid file cut anywhere).
        #[test]
        fn loading_never_panics(text in "\\PC{0,200}", cut in 0usize..400) {
            let _ = load(&text);
            let valid = "description = \"d\"\n[[layers]]\nkind = \"user\"\n[layers.hooks]\n\
                Stop = [{ hooks = [{ type = \"command\", command = \"x\" }] }]\n[[turns]]\n\
                prompt = \"p\"\n[[turns.responses]]\ncalls = [{ shell = [\"ls\"] }]\n\
                [turns.results.call-1]\noutput = \"o\"\n";
            let cut = valid.char_indices().map(|(i, _)| i).find(|i| *i >= cut).unwrap_or(valid.len());
            let _ = load(&valid[..cut]);
            let _ = load(&format!("{}{}", &valid[..cut], text));
        }
    }

    #[test]
    fn managed_inline_hooks_become_requirements() {
        let s = load(
            "description = \"d\"\n[[layers]]\nkind = \"managed\"\n[layers.hooks]\n\
             Stop = [{ hooks = [{ type = \"command\", command = \"x\" }] }]\n\
             [[turns]]\nprompt = \"p\"\n",
        )
        .unwrap();
        let LayerSource::Requirements(text) = &s.layers[0].source else {
            panic!("requirements expected");
        };
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(
            table["hooks"]["Stop"][0]["hooks"][0]["command"].as_str(),
            Some("x")
        );
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_col("ab", 1), (1, 2));
    }
}
