//! Loading `[[plugins]]`: a plugin's hooks (or its copied folder) as a workspace file, and
//! its `(name, marketplace)`.

use super::*;

impl Validator<'_> {
    /// A `[[plugins]]` entry: `(name, marketplace)` and the file entry that puts its hooks
    /// (or its copied folder) at `<CODEX_HOME>/plugins/cache/<marketplace>/<name>` (codex) or
    /// `<HOME>/plugins/<name>` (claude, marketplace `inline`).
    pub(super) fn plugin(
        &self,
        p: &Spanned<PluginFile>,
        dialect: Dialect,
    ) -> Result<((String, String), FileSpec), ScenarioError> {
        let f = p.get_ref();
        let claude = dialect == Dialect::Claude;
        if !dialect.is_current() && !claude {
            return self.err(
                p.span(),
                format!(
                    "plugin hooks are Codex 0.171's (the `codex` dialect) and Claude Code's (`claude`); this scenario's dialect is `{}`",
                    dialect.as_str()
                ),
            );
        }
        if claude && f.marketplace.is_some() {
            return self.err(
                p.span(),
                "`marketplace`: a `claude` plugin is loaded with `--plugin-dir` (source `<name>@inline`), not from a marketplace",
            );
        }
        let name = f.name.get_ref().clone();
        let marketplace = match (&f.marketplace, claude) {
            (_, true) => "inline".to_owned(),
            (Some(m), false) => m.clone(),
            (None, false) => "local".to_owned(),
        };
        let bad = |s: &str| s.is_empty() || s.contains(['/', '@', '\\']) || s == "." || s == "..";
        if bad(&name) || bad(&marketplace) {
            return self.err(
                f.name.span(),
                "expected a plugin `name` and `marketplace` without `/`, `@` or `\\`",
            );
        }
        let root = if claude {
            PathBuf::from(crate::scenario::workspace::CLAUDE_PLUGINS).join(&name)
        } else {
            PathBuf::from(".codex/plugins/cache")
                .join(&marketplace)
                .join(&name)
        };
        let content = match (&f.hooks, &f.from) {
            (Some(hooks), None) => {
                let events = if claude {
                    self.claude_hooks(hooks)?
                } else {
                    self.inline_hooks(hooks, dialect)?
                };
                let doc = serde_json::json!({ "hooks": events });
                FileContent::Inline {
                    // A serde_json::Value always serialises.
                    text: serde_json::to_string_pretty(&doc).unwrap_or_default(),
                    executable: false,
                }
            }
            (None, Some(from)) => {
                let rel = self.repo_path(from, "`from`")?;
                let full = self.repo.root.join(&rel);
                if !full.is_dir() {
                    return self.err(
                        from.span(),
                        format!(
                            "expected the plugin's folder in the repository at {:?} (relative to its root {}), found none",
                            from.get_ref(),
                            self.repo.root.display()
                        ),
                    );
                }
                // A claude plugin folder's own manifest names the plugin: checked here, with
                // the position of `from`, as well as where the run reads it.
                let manifest = full.join(crate::engine::claude::Plugin::MANIFEST);
                if claude && manifest.exists() {
                    let named = std::fs::read_to_string(&manifest)
                        .map_err(|e| e.to_string())
                        .and_then(|text| crate::engine::claude::Plugin::manifest_name(&text));
                    if let Err(why) = named {
                        return self.err(
                            from.span(),
                            format!(
                                "plugin `{name}`: {}: expected a JSON object with a string `name` ({why})",
                                manifest.display()
                            ),
                        );
                    }
                }
                return Ok((
                    (name, marketplace),
                    FileSpec {
                        root: FileRoot::Home,
                        path: root,
                        content: FileContent::Copy(full),
                    },
                ));
            }
            _ => {
                return self.err(
                    p.span(),
                    "expected exactly one of `hooks` (the plugin's hooks/hooks.json, inline) and `from` (its folder in the repository)",
                )
            }
        };
        Ok((
            (name, marketplace),
            FileSpec {
                root: FileRoot::Home,
                path: root.join("hooks/hooks.json"),
                content,
            },
        ))
    }
}
