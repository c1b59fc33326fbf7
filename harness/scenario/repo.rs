//! The repository a scenario belongs to: its root (the folder holding `hooktape.toml`, else
//! the nearest ancestor with `.git`), where its scenarios and goldens live, and the filters
//! every replay of it applies. Every path a scenario gives for a repository file (`[[files]]
//! from`, `[[layers]] file`) is relative to this root, so a scenario moved between folders
//! keeps working.
//!
//! ```toml
//! # hooktape.toml
//! scenarios = "tests/hooks/scenarios"   # default "scenarios"
//! goldens = "tests/hooks/goldens"       # default "goldens"
//!
//! [[filters]]                           # applied to every recording, as insta's filters
//! regex = 'Installed \d+ packages? in \d+ms'
//! replacement = 'Installed <N> package(s) in <MS>'
//! ```

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// The configuration file at a repository's root.
pub const CONFIG_FILE: &str = "hooktape.toml";

/// `hooktape.toml`, as written.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoFile {
    /// The folder of scenario files, relative to the root. Default `scenarios`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub scenarios: Option<Spanned<String>>,
    /// The folder of goldens (mirroring the scenarios' folders), relative to the root.
    /// Default `goldens`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub goldens: Option<Spanned<String>>,
    /// Filters applied to every scenario's recording before it is rendered.
    #[serde(default)]
    pub filters: Vec<FilterFile>,
}

/// One filter: every match of `regex` in any recorded string becomes `replacement`
/// (`$1`, `${name}` refer to groups, as in the `regex` crate).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterFile {
    #[schemars(with = "String")]
    pub regex: Spanned<String>,
    pub replacement: String,
}

/// A checked filter: the pattern compiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub regex: String,
    pub replacement: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{col}: {message}")]
    Invalid {
        path: String,
        line: usize,
        col: usize,
        message: String,
    },
}

/// Where a repository's scenarios, goldens and shared filters are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// Absolute, canonical.
    pub root: PathBuf,
    /// The `hooktape.toml` that configured it, if any.
    pub config: Option<PathBuf>,
    /// Absolute.
    pub scenarios: PathBuf,
    /// Absolute.
    pub goldens: PathBuf,
    pub filters: Vec<Filter>,
}

impl Repo {
    /// The repository of a path (a scenario file, a folder, the current directory): the
    /// nearest ancestor holding `hooktape.toml`, else the nearest with `.git`. `None` when
    /// there is neither.
    pub fn discover(start: &Path) -> Result<Option<Repo>, RepoError> {
        let start = absolute(start);
        for dir in start.ancestors() {
            let config = dir.join(CONFIG_FILE);
            if config.is_file() {
                return Repo::load(dir, &config).map(Some);
            }
            // A `hooktape.toml` above the git root belongs to another project.
            if dir.join(".git").exists() {
                return Ok(Some(Repo::unconfigured(dir)));
            }
        }
        Ok(None)
    }

    /// The repository of a scenario file: [`Repo::discover`] from its folder, else (a
    /// scenario outside any repository) the folder above its nearest `scenarios/` ancestor,
    /// else its own folder.
    pub fn for_scenario(file: &Path) -> Result<Repo, RepoError> {
        let file = absolute(file);
        let dir = file.parent().unwrap_or(Path::new("/"));
        if let Some(repo) = Repo::discover(dir)? {
            return Ok(repo);
        }
        let root = dir
            .ancestors()
            .find(|d| d.file_name().is_some_and(|n| n == "scenarios"))
            .and_then(Path::parent)
            .unwrap_or(dir);
        Ok(Repo::unconfigured(root))
    }

    /// A repository without `hooktape.toml`: default folders, no filters.
    pub fn unconfigured(root: &Path) -> Repo {
        let root = absolute(root);
        Repo {
            scenarios: root.join("scenarios"),
            goldens: root.join("goldens"),
            root,
            config: None,
            filters: Vec::new(),
        }
    }

    /// Reads `config` (the `hooktape.toml` of `root`).
    pub fn load(root: &Path, config: &Path) -> Result<Repo, RepoError> {
        let text = std::fs::read_to_string(config).map_err(|source| RepoError::Read {
            path: config.display().to_string(),
            source,
        })?;
        Repo::from_str(root, config, &text)
    }

    /// Parses `hooktape.toml` text; `config` names it in errors.
    pub fn from_str(root: &Path, config: &Path, text: &str) -> Result<Repo, RepoError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, col) = super::load::line_col(text, span.map_or(0, |s| s.start));
            RepoError::Invalid {
                path: config.display().to_string(),
                line,
                col,
                message,
            }
        };
        let file: RepoFile =
            toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_owned()))?;
        let root = absolute(root);
        let folder = |value: &Option<Spanned<String>>, default: &str| {
            match value {
            None => Ok(root.join(default)),
            Some(v) => match super::load::plain_relative(v.get_ref()) {
                Some(rel) if !rel.as_os_str().is_empty() => Ok(root.join(rel)),
                _ => Err(at(
                    Some(v.span()),
                    format!(
                        "expected a folder relative to the repository root, without `..`, found {:?}",
                        v.get_ref()
                    ),
                )),
            },
        }
        };
        let scenarios = folder(&file.scenarios, "scenarios")?;
        let goldens = folder(&file.goldens, "goldens")?;
        let filters = file
            .filters
            .iter()
            .map(|f| check_filter(f).map_err(|message| at(Some(f.regex.span()), message)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Repo {
            root,
            config: Some(config.to_path_buf()),
            scenarios,
            goldens,
            filters,
        })
    }
}

/// Compiles a filter's pattern; the error says what was wrong.
pub fn check_filter(f: &FilterFile) -> Result<Filter, String> {
    match regex::Regex::new(f.regex.get_ref()) {
        Ok(_) => Ok(Filter {
            regex: f.regex.get_ref().clone(),
            replacement: f.replacement.clone(),
        }),
        Err(e) => Err(format!("expected a regular expression: {e}")),
    }
}

/// `path` made absolute against the current directory, and canonical when it exists.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    if let Ok(canonical) = joined.canonicalize() {
        return canonical;
    }
    // A file that does not exist yet: its folder made canonical.
    match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map(|p| p.join(name))
            .unwrap_or(joined),
        _ => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_config_else_git_else_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let deep = root.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(Repo::discover(&deep).unwrap(), None);
        std::fs::create_dir(root.join("a/.git")).unwrap();
        let repo = Repo::discover(&deep).unwrap().unwrap();
        assert_eq!(repo.root, root.join("a"));
        assert_eq!(repo.scenarios, root.join("a/scenarios"));
        std::fs::write(root.join("hooktape.toml"), "goldens = \"elsewhere\"\n").unwrap();
        assert_eq!(
            Repo::discover(&deep).unwrap().unwrap().config,
            None,
            "a hooktape.toml above the git root is another project's"
        );
        std::fs::write(
            root.join("a/b/hooktape.toml"),
            "scenarios = \"hooks/s\"\ngoldens = \"hooks/g\"\n[[filters]]\nregex = '\\d+ms'\nreplacement = '<MS>'\n",
        )
        .unwrap();
        let repo = Repo::discover(&deep).unwrap().unwrap();
        assert_eq!(repo.root, root.join("a/b"));
        assert_eq!(repo.scenarios, root.join("a/b/hooks/s"));
        assert_eq!(repo.goldens, root.join("a/b/hooks/g"));
        assert_eq!(repo.filters[0].replacement, "<MS>");
    }

    #[test]
    fn config_errors_have_positions() {
        let root = Path::new("/r");
        let cfg = Path::new("/r/hooktape.toml");
        let err = Repo::from_str(root, cfg, "scenario = \"x\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/r/hooktape.toml:1:1: unknown field `scenario`"),
            "{err}"
        );
        let err = Repo::from_str(root, cfg, "goldens = \"../g\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/r/hooktape.toml:1:11: expected a folder"),
            "{err}"
        );
        let err =
            Repo::from_str(root, cfg, "[[filters]]\nregex = '('\nreplacement = ''\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/r/hooktape.toml:2:9: expected a regular expression"),
            "{err}"
        );
    }
}
