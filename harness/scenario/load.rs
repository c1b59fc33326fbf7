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
use super::model::{HookGroupFile, HookHandlerFile, PluginFile};
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
    load_file_in(&Repo::for_scenario(path)?, path)
}

/// Reads and validates a scenario file of `repo` (known already: a suite's scenarios share
/// one repository, whose `hooktape.toml` is then read once).
pub fn load_file_in(repo: &Repo, path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.display().to_string(),
        source,
    })?;
    load_in(repo, path, &text)
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
    let dialect = file.session.dialect;
    let auto_mode = file
        .session
        .permission_mode
        .as_ref()
        .is_some_and(|m| *m.get_ref() == crate::agent::spec::PermissionMode::Auto);
    Validator {
        path,
        text,
        repo,
        dialect,
        auto_mode,
    }
    .scenario(file)
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    repo: &'a Repo,
    /// The scenario's dialect (which tools a call may name).
    dialect: Dialect,
    /// Claude Code's auto mode (calls' `classifier` verdicts are played).
    auto_mode: bool,
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
        if let Some(trust) = &file.session.hook_trust {
            if file.session.dialect != Dialect::Codex {
                return self.err(
                    trust.span(),
                    format!(
                        "`hook_trust` applies to the `codex` dialect only (hook trust came with Codex 0.171); this scenario's dialect is `{}`",
                        file.session.dialect.as_str()
                    ),
                );
            }
        }
        if let Some(shell) = &file.session.shell {
            let text = shell.get_ref();
            if file.session.dialect == Dialect::Lifecycle {
                return self.err(
                    shell.span(),
                    "`shell` applies to the codex dialects: lifecycle hooks are argv commands, run without a shell",
                );
            }
            if text.trim().is_empty() || text.contains(char::is_whitespace) {
                return self.err(
                    shell.span(),
                    "expected `shell` to name one program (`bash`, `/bin/zsh`), run as `<shell> -c <command>`",
                );
            }
        }
        if let Some(source) = &file.session.start_source {
            if *source.get_ref() == SessionStartSource::Fork {
                return self.err(
                    source.span(),
                    "a session cannot start as a fork; put `fork = true` on the turn that plays in the forked thread",
                );
            }
        }
        let session = Session {
            model: file
                .session
                .model
                .clone()
                .unwrap_or_else(|| match file.session.dialect {
                    Dialect::Claude => super::DEFAULT_CLAUDE_MODEL.to_owned(),
                    _ => DEFAULT_MODEL.to_owned(),
                }),
            approval_policy: file
                .session
                .approval_policy
                .as_ref()
                .map(|a| *a.get_ref())
                .unwrap_or_default(),
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
                .as_ref()
                .map(|s| *s.get_ref())
                .unwrap_or(SessionStartSource::Startup),
            auto_compact_tokens: file
                .session
                .auto_compact_tokens
                .as_ref()
                .map(|t| *t.get_ref()),
            end_reason: file.session.end_reason.clone().unwrap_or_else(|| {
                match file.session.dialect {
                    // What `claude -p` sends when its session ends.
                    Dialect::Claude => "other".to_owned(),
                    _ => "exit".to_owned(),
                }
            }),
            instructions: file.session.instructions.clone(),
            output_cap: file.session.output_cap.as_ref().map(|c| *c.get_ref()),
            shell: file.session.shell.as_ref().map(|s| s.get_ref().clone()),
            hook_trust: file
                .session
                .hook_trust
                .as_ref()
                .map(|t| *t.get_ref())
                .unwrap_or_default(),
            permission_mode: self.permission_mode(&file.session)?,
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
        let mut plugins = Vec::new();
        for p in &file.plugins {
            let (plugin, spec) = self.plugin(p, session.dialect)?;
            if plugins.contains(&plugin) {
                return self.err(
                    p.span(),
                    "this plugin is already enabled by an earlier `[[plugins]]` entry",
                );
            }
            plugins.push(plugin);
            files.push(spec);
        }
        let mut mcp = crate::engine::mcp::ScriptedMcp::default();
        for (server, spec) in &file.mcp_servers {
            let tools = mcp.servers.entry(server.clone()).or_default();
            for (tool, answer) in &spec.tools {
                tools.insert(
                    tool.clone(),
                    crate::engine::mcp::McpAnswer {
                        texts: vec![answer.text.clone()],
                        is_error: answer.is_error,
                    },
                );
            }
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
            repo: self.repo.clone(),
            filters,
            expect_warnings,
            mcp,
            plugins,
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
}

mod claude;
mod layers;
mod plugins;
mod steps;

use steps::Ids;

fn root_name(root: FileRoot) -> &'static str {
    match root {
        FileRoot::Project => "project",
        FileRoot::Home => "home",
        FileRoot::Workspace => "workspace",
    }
}

#[cfg(test)]
mod tests;
