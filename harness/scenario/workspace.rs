//! A fresh temp workspace per run: fake HOME and CODEX_HOME, a project dir with `.codex/`, a
//! system layer dir, a managed hooks dir, a tmp dir, and the scenario's files. It yields the
//! engine's [`DiscoveryInput`] and the hook environment, built from an allowlist.
//!
//! ```text
//! <root>/home/            HOME
//! <root>/home/.codex/     CODEX_HOME, the user layer
//! <root>/project/         the project; `.codex/` is the project layer
//! <root>/system/          the system layer (/etc/codex), requirements.toml
//! <root>/managed/         managed_dir of managed requirements
//! <root>/tmp/             TMPDIR
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{FileContent, FileRoot, LayerKind, LayerSource, Scenario};
use crate::engine::config::{ConfigLayer, DiscoveryInput, ManagedRequirements, TomlSource};
use crate::engine::exec_guard;
use crate::engine::runner::HookEnv;
use crate::engine::summary::HookSource;
use crate::engine::Dialect;

/// Variables passed through from the harness environment (plus every `LC_*`).
pub const ENV_ALLOWLIST: [&str; 4] = ["PATH", "LANG", "TERM", "USER"];

/// Synthetic source path of the session-flags layer (the reference engine's).
pub const SESSION_FLAGS_PATH: &str = "/<session-flags>/config.toml";

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("cannot create the workspace: {0}")]
    Create(#[source] std::io::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("plugin `{plugin}`: {path}: expected a JSON object with a string `name` ({why})")]
    PluginManifest {
        plugin: String,
        path: PathBuf,
        why: String,
    },
    #[error("{scenario}: two `{kind}` layers both give a {what}; merge them into one")]
    DuplicateLayerFile {
        scenario: String,
        kind: &'static str,
        what: &'static str,
    },
}

/// A materialised workspace. The directory is removed when this is dropped.
#[derive(Debug)]
pub struct Workspace {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub codex_home: PathBuf,
    pub project: PathBuf,
    pub system: PathBuf,
    pub managed: PathBuf,
    pub tmp: PathBuf,
    /// The session cwd (inside the project).
    pub cwd: PathBuf,
    discovery: DiscoveryInput,
    env: Vec<(OsString, OsString)>,
}

impl Workspace {
    /// Builds a fresh workspace for `scenario` under the system temp dir.
    pub fn materialise(scenario: &Scenario) -> Result<Workspace, WorkspaceError> {
        let dir = tempfile::Builder::new()
            .prefix("hooktape-")
            .tempdir()
            .map_err(WorkspaceError::Create)?;
        // Canonical, so hook-reported paths (`pwd -P`) match what we normalise.
        let root = dir.path().canonicalize().map_err(WorkspaceError::Create)?;
        let home = root.join("home");
        let codex_home = home.join(".codex");
        let project = root.join("project");
        let system = root.join("system");
        let managed = root.join("managed");
        let tmp = root.join("tmp");
        let cwd = if scenario.session.cwd.as_os_str().is_empty() {
            project.clone()
        } else {
            project.join(&scenario.session.cwd)
        };
        for d in [
            &codex_home,
            &project.join(".codex"),
            &system,
            &managed,
            &tmp,
            &cwd,
        ] {
            std::fs::create_dir_all(d).map_err(|source| WorkspaceError::Write {
                path: d.clone(),
                source,
            })?;
        }
        let mut ws = Workspace {
            _dir: dir,
            root,
            home,
            codex_home,
            project,
            system,
            managed,
            tmp,
            cwd,
            discovery: DiscoveryInput::default(),
            env: Vec::new(),
        };
        for f in &scenario.files {
            let base = match f.root {
                FileRoot::Project => &ws.project,
                FileRoot::Home => &ws.home,
                FileRoot::Workspace => &ws.root,
            };
            let dest = base.join(&f.path);
            match &f.content {
                FileContent::Inline { text, executable } => write_file(&dest, text, *executable)?,
                FileContent::Copy(from) => copy_tree(from, &dest)?,
            }
        }
        ws.discovery = ws.layers(scenario)?;
        ws.env = ws.build_env(scenario);
        Ok(ws)
    }

    /// What discovery reads: the layers of the scenario, written into this workspace.
    pub fn discovery_input(&self) -> &DiscoveryInput {
        &self.discovery
    }

    /// The tmp dir as it would read on a machine whose temp dir is `/tmp`: same shape and,
    /// there, the same length. A spilled preview's budget counts the file's path (spec §4);
    /// counting this one keeps goldens the same wherever the workspace lives.
    pub fn reference_tmp(&self) -> String {
        let name = self.root.file_name().unwrap_or_default().to_string_lossy();
        format!("/tmp/{name}/tmp")
    }

    /// The hook environment: the allowlist, HOME/CODEX_HOME/TMPDIR/SHELL pointing into the
    /// workspace, then the scenario's own variables. Nothing else is inherited.
    pub fn hook_env(&self) -> HookEnv {
        HookEnv::Exactly(self.env.clone())
    }

    /// Path prefixes and the placeholders that replace them, most specific first.
    pub fn placeholders(&self) -> Vec<(PathBuf, &'static str)> {
        vec![
            (self.codex_home.clone(), "<CODEX_HOME>"),
            (self.home.clone(), "<HOME>"),
            (self.project.clone(), "<PROJECT>"),
            (self.system.clone(), "<SYSTEM>"),
            (self.managed.clone(), "<MANAGED>"),
            (self.tmp.clone(), "<TMP>"),
            (self.root.clone(), "<WORKSPACE>"),
        ]
    }

    fn build_env(&self, scenario: &Scenario) -> Vec<(OsString, OsString)> {
        let mut env: BTreeMap<OsString, OsString> = std::env::vars_os()
            .filter(|(k, _)| {
                k.to_str()
                    .is_some_and(|k| ENV_ALLOWLIST.contains(&k) || k.starts_with("LC_"))
            })
            .collect();
        let fixed = [
            ("HOME", self.home.as_os_str()),
            ("CODEX_HOME", self.codex_home.as_os_str()),
            ("TMPDIR", self.tmp.as_os_str()),
            ("SHELL", Path::new("/bin/sh").as_os_str()),
        ];
        for (k, v) in fixed {
            env.insert(k.into(), v.to_owned());
        }
        env.entry("PATH".into())
            .or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".into());
        for (k, v) in &scenario.env {
            env.insert(k.into(), self.expand(v).into());
        }
        env.into_iter().collect()
    }

    /// `${PROJECT}`, `${HOME}`, `${CODEX_HOME}` in an `[env]` value, as this workspace's
    /// paths (the loader rejects any other `${…}`).
    pub fn expand(&self, value: &str) -> String {
        value
            .replace("${PROJECT}", &self.project.display().to_string())
            .replace("${CODEX_HOME}", &self.codex_home.display().to_string())
            .replace("${HOME}", &self.home.display().to_string())
    }

    fn layers(&self, scenario: &Scenario) -> Result<DiscoveryInput, WorkspaceError> {
        let mut input = DiscoveryInput {
            trust: scenario.session.hook_trust,
            ..DiscoveryInput::default()
        };
        for (name, marketplace) in &scenario.plugins {
            let data = self
                .codex_home
                .join("plugins/data")
                .join(format!("{name}-{marketplace}"));
            std::fs::create_dir_all(&data).map_err(|source| WorkspaceError::Write {
                path: data.clone(),
                source,
            })?;
            input.plugins.push(crate::engine::config::PluginHooks {
                id: format!("{name}@{marketplace}"),
                root: self
                    .codex_home
                    .join("plugins/cache")
                    .join(marketplace)
                    .join(name),
                data,
            });
        }
        let order = [
            LayerKind::System,
            LayerKind::User,
            LayerKind::Project,
            LayerKind::SessionFlags,
        ];
        for kind in order {
            let of_kind: Vec<_> = scenario.layers.iter().filter(|l| l.kind == kind).collect();
            if of_kind.is_empty() {
                // Codex reads a layer folder's `hooks.json` and `config.toml` wherever they
                // are: a folder that received them from `[[files]]` (e.g. `from = ".codex"`)
                // is a layer even when the scenario declares none.
                if let Some(layer) = self.undeclared_layer(kind) {
                    input.layers.push(layer);
                }
                continue;
            }
            let (folder, source) = match kind {
                LayerKind::System => (Some(self.system.clone()), HookSource::System),
                LayerKind::User => (Some(self.codex_home.clone()), HookSource::User),
                LayerKind::Project => (Some(self.project.join(".codex")), HookSource::Project),
                _ => (None, HookSource::SessionFlags),
            };
            let mut layer = ConfigLayer {
                source,
                json_files: Vec::new(),
                config_toml: None,
                enabled: of_kind.iter().all(|l| l.trusted),
            };
            let dup = |what| WorkspaceError::DuplicateLayerFile {
                scenario: scenario.path.display().to_string(),
                kind: kind_name(kind),
                what,
            };
            let mut hooks_json = None;
            let mut settings_json = None;
            for l in &of_kind {
                match (&l.source, &folder) {
                    (LayerSource::HooksJson(text), Some(folder)) => {
                        if hooks_json.replace(text).is_some() {
                            return Err(dup("hooks.json"));
                        }
                        write_file(&folder.join("hooks.json"), text, false)?;
                    }
                    (LayerSource::SettingsJson(text), Some(folder)) => {
                        if settings_json.replace(text).is_some() {
                            return Err(dup("settings.json"));
                        }
                        write_file(&folder.join("settings.json"), text, false)?;
                    }
                    (LayerSource::ConfigToml(text), Some(folder)) => {
                        if layer.config_toml.is_some() {
                            return Err(dup("config.toml"));
                        }
                        let path = folder.join("config.toml");
                        write_file(&path, &self.trust_paths(scenario, text), false)?;
                        layer.config_toml = Some(TomlSource::File(path));
                    }
                    (LayerSource::ConfigToml(text), None) => {
                        if layer.config_toml.is_some() {
                            return Err(dup("config.toml"));
                        }
                        layer.config_toml = Some(TomlSource::Inline {
                            path: SESSION_FLAGS_PATH.to_owned(),
                            text: self.trust_paths(scenario, text),
                        });
                    }
                    // The loader only accepts config_toml for session flags and keeps
                    // requirements on managed layers, which are not in `order`.
                    _ => {}
                }
            }
            if let Some(folder) = &folder {
                if hooks_json.is_some() || folder.join("hooks.json").is_file() {
                    layer.json_files.push(folder.join("hooks.json"));
                }
                if settings_json.is_some() {
                    layer.json_files.push(folder.join("settings.json"));
                }
                if layer.config_toml.is_none() {
                    layer.config_toml = Some(TomlSource::File(folder.join("config.toml")));
                }
            }
            input.layers.push(layer);
        }
        for (i, l) in scenario
            .layers
            .iter()
            .filter(|l| l.kind == LayerKind::Managed)
            .enumerate()
        {
            if let LayerSource::Requirements(text) = &l.source {
                let name = if i == 0 {
                    "requirements.toml".to_owned()
                } else {
                    format!("requirements-{}.toml", i + 1)
                };
                let path = self.system.join(name);
                let text = with_managed_dir(text, &self.managed);
                write_file(&path, &text, false)?;
                input.managed.push(ManagedRequirements {
                    name: path.display().to_string(),
                    source: HookSource::System,
                    text,
                });
            }
        }
        Ok(input)
    }
}

impl Workspace {
    /// A layer folder that holds a `hooks.json` or `config.toml` only because `[[files]]`
    /// put it there.
    /// A config layer's text as the workspace holds it in the `codex` dialect: a
    /// `[hooks.state]` key names the absolute path of the file that declares the hook, so
    /// the repository's root (what `hooktape trust` prints) and `${PROJECT}` stand for the
    /// project folder here. Other dialects have no hook trust and keep the text as written.
    fn trust_paths(&self, scenario: &Scenario, text: &str) -> String {
        if scenario.session.dialect != Dialect::Codex {
            return text.to_owned();
        }
        let project = self.project.display().to_string();
        let root = scenario.repo.root.display().to_string();
        text.replace("${PROJECT}", &project)
            .replace(&format!("{root}/"), &format!("{project}/"))
    }

    /// The `claude` dialect's settings files, lowest precedence first: each declared layer
    /// written where Claude Code reads it (user `<HOME>/.claude/settings.json`, project
    /// `.claude/settings.json`, local `.claude/settings.local.json`, `--settings`
    /// `<workspace>/flag-settings.json`, managed `<workspace>/managed/managed-settings.json`);
    /// a file `[[files]]` put there is read as well, as Claude Code would.
    pub fn claude_settings(
        &self,
        scenario: &Scenario,
    ) -> Result<Vec<crate::engine::claude::SettingsFile>, WorkspaceError> {
        use crate::engine::claude::{SettingsFile, SettingsSource};
        let places = [
            (
                LayerKind::User,
                SettingsSource::User,
                self.home.join(".claude/settings.json"),
            ),
            (
                LayerKind::Project,
                SettingsSource::Project,
                self.project.join(".claude/settings.json"),
            ),
            (
                LayerKind::Local,
                SettingsSource::Local,
                self.project.join(".claude/settings.local.json"),
            ),
            (
                LayerKind::SessionFlags,
                SettingsSource::Flag,
                self.root.join("flag-settings.json"),
            ),
            (
                LayerKind::Managed,
                SettingsSource::Managed,
                self.managed.join("managed-settings.json"),
            ),
        ];
        let mut files = Vec::new();
        for (kind, source, path) in places {
            let mut declared = scenario.layers.iter().filter(|l| l.kind == kind);
            if let Some(layer) = declared.next() {
                if declared.next().is_some() {
                    return Err(WorkspaceError::DuplicateLayerFile {
                        scenario: scenario.path.display().to_string(),
                        kind: kind_name(kind),
                        what: "settings.json",
                    });
                }
                if let LayerSource::HooksJson(text) | LayerSource::SettingsJson(text) =
                    &layer.source
                {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|source| WorkspaceError::Write {
                            path: dir.to_path_buf(),
                            source,
                        })?;
                    }
                    write_file(&path, text, false)?;
                }
            }
            let text = std::fs::read_to_string(&path).ok();
            files.push(SettingsFile {
                source,
                path,
                text,
                plugin: None,
            });
        }
        for (name, _) in &scenario.plugins {
            // Where a bad manifest is to be mended: the repository folder the plugin is
            // copied from (`from`), when it is one.
            let rel = Path::new(CLAUDE_PLUGINS).join(name);
            let from = scenario.files.iter().find_map(|f| match &f.content {
                FileContent::Copy(from) if f.root == FileRoot::Home && f.path == rel => {
                    Some(from.as_path())
                }
                _ => None,
            });
            files.push(self.claude_plugin(name, from)?);
        }
        Ok(files)
    }

    /// The folder of the `claude` dialect's plugin `name` (`--plugin-dir` takes it).
    pub fn claude_plugin_root(&self, name: &str) -> PathBuf {
        self.home.join(CLAUDE_PLUGINS).join(name)
    }

    /// A `[[plugins]]` entry as `--plugin-dir <HOME>/plugins/<name>` loads it: its
    /// `hooks/hooks.json` (the files put it there), a `.claude-plugin/plugin.json` naming
    /// it when the folder has none, and its data folder, which Claude Code creates at start.
    fn claude_plugin(
        &self,
        name: &str,
        from: Option<&Path>,
    ) -> Result<crate::engine::claude::SettingsFile, WorkspaceError> {
        use crate::engine::claude::{Plugin, SettingsFile, SettingsSource};
        let root = self.claude_plugin_root(name);
        let path = root.join("hooks/hooks.json");
        let mkdir = |dir: &Path| {
            std::fs::create_dir_all(dir).map_err(|source| WorkspaceError::Write {
                path: dir.to_path_buf(),
                source,
            })
        };
        let manifest = root.join(Plugin::MANIFEST);
        let name = if manifest.exists() {
            // A repository's own manifest names the plugin (Claude Code reads it likewise);
            // the loader checked it, but the folder is copied anew at every run.
            let bad = |why: String| WorkspaceError::PluginManifest {
                plugin: name.to_owned(),
                path: from.map_or_else(|| manifest.clone(), |from| from.join(Plugin::MANIFEST)),
                why,
            };
            let text = std::fs::read_to_string(&manifest).map_err(|e| bad(e.to_string()))?;
            Plugin::manifest_name(&text).map_err(bad)?
        } else {
            let text = serde_json::json!({ "name": name, "version": "0.0.0" });
            write_file(&manifest, &format!("{text}\n"), false)?;
            name.to_owned()
        };
        let data = self
            .home
            .join(".claude/plugins/data")
            .join(format!("{name}-inline"));
        mkdir(&data)?;
        Ok(SettingsFile {
            source: SettingsSource::Plugin,
            text: std::fs::read_to_string(&path).ok(),
            path,
            plugin: Some(Plugin { name, root, data }),
        })
    }

    fn undeclared_layer(&self, kind: LayerKind) -> Option<ConfigLayer> {
        let (folder, source) = match kind {
            LayerKind::System => (self.system.clone(), HookSource::System),
            LayerKind::User => (self.codex_home.clone(), HookSource::User),
            LayerKind::Project => (self.project.join(".codex"), HookSource::Project),
            _ => return None,
        };
        let json = folder.join("hooks.json");
        let toml = folder.join("config.toml");
        if !json.is_file() && !toml.is_file() {
            return None;
        }
        Some(ConfigLayer {
            source,
            json_files: if json.is_file() {
                vec![json]
            } else {
                Vec::new()
            },
            config_toml: Some(TomlSource::File(toml)),
            enabled: true,
        })
    }
}

/// Copies a repository file, or a folder's whole tree (`.git` folders skipped; symbolic
/// links followed), keeping permission bits.
fn copy_tree(from: &Path, to: &Path) -> Result<(), WorkspaceError> {
    let wrap = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WorkspaceError::Write { path, source }
    };
    let meta = std::fs::metadata(from).map_err(wrap(from))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(wrap(to))?;
        let mut entries: Vec<_> = std::fs::read_dir(from)
            .map_err(wrap(from))?
            .collect::<Result<_, _>>()
            .map_err(wrap(from))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.file_name() == ".git" {
                continue;
            }
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(wrap(parent))?;
        }
        exec_guard::copy_file(from, to).map_err(wrap(to))
    }
}

fn kind_name(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::System => "system",
        LayerKind::User => "user",
        LayerKind::Project => "project",
        LayerKind::SessionFlags => "session_flags",
        LayerKind::Managed => "managed",
        LayerKind::Local => "local",
    }
}

/// Where, under the home folder, the `claude` dialect's plugins are put
/// (`[[plugins]] name = "x"` is `<HOME>/plugins/x`).
pub const CLAUDE_PLUGINS: &str = "plugins";

/// Sets `[hooks] managed_dir` to the workspace's managed dir unless the text names one
/// (or is not valid TOML, which discovery then reports as the reference engine does).
fn with_managed_dir(text: &str, managed: &Path) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return text.to_owned();
    };
    let Some(toml::Value::Table(hooks)) = table.get_mut("hooks") else {
        return text.to_owned();
    };
    if hooks.contains_key("managed_dir") || hooks.contains_key("windows_managed_dir") {
        return text.to_owned();
    }
    hooks.insert(
        "managed_dir".to_owned(),
        toml::Value::String(managed.display().to_string()),
    );
    toml::to_string(&table).unwrap_or_else(|_| text.to_owned())
}

fn write_file(path: &Path, content: &str, executable: bool) -> Result<(), WorkspaceError> {
    let wrap = |source| WorkspaceError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(wrap)?;
    }
    exec_guard::write_file(path, content.as_bytes(), executable.then_some(0o755)).map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const TEXT: &str = r##"
description = "d"
env = { GREETING = "hi" }

[[layers]]
kind = "project"
[layers.hooks]
Stop = [{ hooks = [{ type = "command", command = "./.codex/stop.sh" }] }]

[[layers]]
kind = "session_flags"
config_toml = "[features]\ncodex_hooks = true\n"

[[layers]]
kind = "managed"
requirements = "[hooks]\n"

[[files]]
path = ".codex/stop.sh"
content = "#!/bin/sh\necho ok\n"

[[turns]]
prompt = "p"
"##;

    #[test]
    fn materialises_layers_files_and_env() {
        let s = load_str(Path::new("x.toml"), TEXT).unwrap();
        let ws = Workspace::materialise(&s).unwrap();
        let script = ws.project.join(".codex/stop.sh");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111);
        let input = ws.discovery_input();
        assert_eq!(input.layers.len(), 2);
        assert_eq!(input.layers[0].source, HookSource::Project);
        assert_eq!(
            input.layers[0].json_files,
            vec![ws.project.join(".codex/hooks.json")]
        );
        assert!(matches!(
            &input.layers[1].config_toml,
            Some(TomlSource::Inline { path, .. }) if path == SESSION_FLAGS_PATH
        ));
        assert!(input.managed[0]
            .text
            .contains(&ws.managed.display().to_string()));

        let HookEnv::Exactly(env) = ws.hook_env() else {
            panic!("env must be built");
        };
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("HOME"), Some(ws.home.clone().into()));
        assert_eq!(get("CODEX_HOME"), Some(ws.codex_home.clone().into()));
        assert_eq!(get("GREETING"), Some("hi".into()));
        assert!(env
            .iter()
            .all(|(k, _)| k != "GITHUB_TOKEN" && k != "FAKE_API_KEY" && k != "CARGO"));
    }
}
