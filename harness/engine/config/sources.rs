//! Reading each source of hooks: managed requirements, config layers (`hooks.json`,
//! `[hooks]` in `config.toml`) and, in 0.171, plugins.

use std::path::Path;

use super::*;

impl Discovery {
    /// A plugin's `hooks/hooks.json` (spec §5): source `plugin`, its variables in the
    /// environment and substituted in commands, trust keys `<id>:hooks/hooks.json:…`.
    pub(super) fn plugin(&mut self, plugin: &PluginHooks) {
        let path = plugin.root.join("hooks").join("hooks.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return,
            Err(err) => {
                self.warnings.push(format!(
                    "failed to read plugin hooks config {}: {err}",
                    path.display()
                ));
                return;
            }
        };
        match serde_json::from_str::<HooksFile0171>(&text) {
            Ok(file) => {
                self.plugin = Some(plugin.clone());
                self.events(
                    &file.hooks,
                    &path.display().to_string(),
                    HookSource::Plugin,
                    false,
                );
                self.plugin = None;
            }
            Err(err) => self.warnings.push(format!(
                "failed to parse plugin hooks config {}: {err}",
                path.display()
            )),
        }
    }

    pub(super) fn managed(&mut self, req: &ManagedRequirements) {
        let table: toml::Table = match req.text.parse() {
            Ok(t) => t,
            Err(err) => {
                self.warnings
                    .push(format!("failed to parse TOML hooks in {}: {err}", req.name));
                return;
            }
        };
        let Some(hooks) = table.get("hooks") else {
            return;
        };
        let managed: ManagedHooksToml = match hooks.clone().try_into() {
            Ok(m) => m,
            Err(err) => {
                self.warnings
                    .push(format!("failed to parse TOML hooks in {}: {err}", req.name));
                return;
            }
        };
        let skip = |why: String| format!("skipping managed hooks from {}: {why}", req.name);
        let dir = if cfg!(windows) {
            managed.windows_managed_dir.clone()
        } else {
            managed.managed_dir.clone()
        };
        let Some(dir) = dir else {
            self.warnings.push(skip(
                "no managed hook directory is configured for this platform".to_owned(),
            ));
            return;
        };
        let shown = dir.display();
        if !dir.is_absolute() {
            self.warnings.push(skip(format!(
                "managed hook directory {shown} is not absolute"
            )));
            return;
        }
        if !dir.exists() {
            self.warnings.push(skip(format!(
                "managed hook directory {shown} does not exist"
            )));
            return;
        }
        if !dir.is_dir() {
            self.warnings.push(skip(format!(
                "managed hook directory {shown} is not a directory"
            )));
            return;
        }
        self.events(
            &managed.events,
            &dir.display().to_string(),
            req.source,
            true,
        );
    }

    pub(super) fn layer(&mut self, layer: &ConfigLayer) {
        let mut loaded_json: Option<String> = None;
        for json in &layer.json_files {
            if let Some(events) = self.read_json(json) {
                if !events.is_empty() {
                    loaded_json = Some(json.display().to_string());
                }
                self.events(&events, &json.display().to_string(), layer.source, false);
            }
        }
        if let Some(toml_source) = &layer.config_toml {
            if let Some(events) = self.read_toml(toml_source) {
                let toml_path = toml_source.display_path();
                if let (Some(json_path), false) = (&loaded_json, events.is_empty()) {
                    self.warnings.push(format!(
                        "loading hooks from both {json_path} and {toml_path}; prefer a single representation for this layer"
                    ));
                }
                self.events(&events, &toml_path, layer.source, false);
            }
        }
    }

    pub(super) fn read_json(&mut self, path: &Path) -> Option<HookEventsToml> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
            Err(err) => {
                self.warnings.push(format!(
                    "failed to read hooks config {}: {err}",
                    path.display()
                ));
                return None;
            }
        };
        // Only a `hooks.json` has 0.171's strict top level (a Claude Code `settings.json`
        // layer keeps its other keys).
        let strict = path.file_name().is_some_and(|n| n == "hooks.json");
        let parsed = if self.dialect.is_current() && strict {
            serde_json::from_str::<HooksFile0171>(&text).map(|f| f.hooks)
        } else {
            // 4e30281 knows no `mcp_tool`: an unknown handler type gets its error (and its
            // list of the types it knows).
            let legacy = match self.dialect.is_current() {
                true => Ok(()),
                false => serde_json::from_str::<HooksFile4e30281>(&text)
                    .map(drop)
                    .or_else(|e| match e.to_string().contains("unknown variant") {
                        true => Err(e),
                        false => Ok(()),
                    }),
            };
            legacy.and_then(|()| serde_json::from_str::<HooksFile>(&text).map(|f| f.hooks))
        };
        match parsed {
            Ok(hooks) => Some(hooks),
            Err(err) => {
                self.warnings.push(format!(
                    "failed to parse hooks config {}: {err}",
                    path.display()
                ));
                None
            }
        }
    }

    pub(super) fn read_toml(&mut self, source: &TomlSource) -> Option<HookEventsToml> {
        let text = read_toml_text(source)?;
        let path = source.display_path();
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(err) => {
                self.warnings
                    .push(format!("failed to parse TOML hooks in {path}: {err}"));
                return None;
            }
        };
        let hooks = table.get("hooks")?;
        let legacy = match self.dialect.is_current() {
            true => Ok(()),
            false => hooks
                .clone()
                .try_into::<BTreeMap<String, Vec<MatcherGroup4e30281>>>()
                .map(drop)
                .or_else(|e| match e.to_string().contains("unknown variant") {
                    true => Err(e),
                    false => Ok(()),
                }),
        };
        let parsed = legacy.and_then(|()| hooks.clone().try_into::<HookEventsToml>());
        match parsed {
            Ok(events) => Some(events),
            Err(err) => {
                self.warnings
                    .push(format!("failed to parse TOML hooks in {path}: {err}"));
                None
            }
        }
    }
}
