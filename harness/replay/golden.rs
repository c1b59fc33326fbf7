//! Goldens: insta snapshot files (`goldens/<scenario path without .toml>.snap`) with the
//! scenario's description and input file in the header, so `cargo insta review` works on
//! them. Writes are atomic (temp file + rename) and refused when `CI` is set.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The `source:` header of every golden: the test that asserts it.
pub const SNAPSHOT_SOURCE: &str = "tests/scenarios.rs";

#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    #[error("refusing to write {0}: CI is set (goldens are never written in CI)")]
    InCi(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// insta reads a golden without its `---` header as empty: neither `check` nor
    /// `cargo test` can pass it.
    #[error("{0}: the golden has lost its `---` header, so insta reads it as empty; restore the header or rewrite the golden with `hooktape bless`")]
    NoHeader(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether this process runs in CI (`CI` set to anything but `""`, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The scenario's name: its path under the scenarios root without `.toml`, with `/`.
pub fn scenario_name(scenarios_root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(scenarios_root).unwrap_or(file);
    let rel = rel.with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `goldens/<name>.snap`.
pub fn golden_path(goldens_root: &Path, name: &str) -> PathBuf {
    goldens_root.join(format!("{name}.snap"))
}

/// The snapshot file text insta reads: YAML header, then the contents.
pub fn snapshot_text(description: &str, input_file: &str, contents: &str) -> String {
    format!(
        "---\nsource: {SNAPSHOT_SOURCE}\ndescription: {}\ninput_file: {}\n---\n{}\n",
        yaml_str(description),
        yaml_str(input_file),
        contents.trim_end()
    )
}

/// A YAML scalar as insta's emitter writes it: plain unless it needs quotes, then a
/// double-quoted string with JSON-compatible escapes. Matching insta byte for byte means a
/// golden accepted with `cargo insta review` equals one written by `hooktape bless`.
fn yaml_str(s: &str) -> String {
    let needs_quotes = s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || s.starts_with("0x")
        || s.contains(|c: char| {
            matches!(
                c,
                ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
            ) || (c.is_ascii_control()
                && c != '\x07'
                && c != '\x08'
                && c != '\x0b'
                && c != '\x0c'
                && c != '\x1b'
                && c != '\x7f')
        })
        || [
            "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE",
            "false", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ]
        .contains(&s)
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok();
    if needs_quotes {
        // Serialising a &str cannot fail.
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    } else {
        s.to_owned()
    }
}

/// The contents of a snapshot file (after its header), as insta reads them: line ends
/// normalised to `\n`, trailing whitespace trimmed; a file without its `---` header has no
/// contents (insta reads it as an empty snapshot). `check` and `cargo test` both judge a
/// golden by this one function (`tests/repository.rs` holds insta to the same verdicts).
pub fn snapshot_contents(file_text: &str) -> String {
    let text = file_text.replace("\r\n", "\n");
    let body = match text.strip_prefix("---\n") {
        Some(rest) => match rest.find("\n---\n") {
            Some(end) => &rest[end + 5..],
            None => "",
        },
        None => "",
    };
    body.trim_end().to_owned()
}

/// Whether a golden file lacks the header insta needs.
pub fn lacks_header(file_text: &str) -> bool {
    let text = file_text.replace("\r\n", "\n");
    !text
        .strip_prefix("---\n")
        .is_some_and(|rest| rest.contains("\n---\n"))
}

/// Whether a replay's text matches a golden file's text: [`snapshot_contents`] then the one
/// comparison, [`diff`] (what `check` and `cargo test` use through `replay::compare`).
pub fn matches(file_text: &str, actual: &str) -> bool {
    diff("", "", &snapshot_contents(file_text), actual).is_none()
}

/// Reads a golden's contents; `Ok(None)` if it does not exist yet.
pub fn read(path: &Path) -> Result<Option<String>, GoldenError> {
    match std::fs::read_to_string(path) {
        Ok(text) if lacks_header(&text) && !text.trim().is_empty() => {
            Err(GoldenError::NoHeader(path.to_path_buf()))
        }
        Ok(text) => Ok(Some(snapshot_contents(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(GoldenError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Suffix of a golden's temporary file while it is written: `.<name>.snap.<random>.tmp`
/// beside the golden. Dot-prefixed and not ending in `.snap`/`.snap.new`, so neither
/// `hooktape check` nor `cargo insta` reads it; a later write of the same golden removes
/// one left behind by a killed `bless`.
pub const TEMP_SUFFIX: &str = ".tmp";

fn temp_prefix(file_name: &str) -> String {
    format!(".{file_name}.")
}

/// Whether `file_name` is the temporary file of a golden named `golden_name` (both bare
/// file names).
pub fn is_temp_of(file_name: &str, golden_name: &str) -> bool {
    file_name.len() > temp_prefix(golden_name).len() + TEMP_SUFFIX.len()
        && file_name.starts_with(&temp_prefix(golden_name))
        && file_name.ends_with(TEMP_SUFFIX)
}

/// Writes a golden atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over the golden. A process killed at any point leaves the golden either
/// complete and old or complete and new. Refused in CI.
pub fn write(path: &Path, text: &str) -> Result<(), GoldenError> {
    if in_ci() {
        return Err(GoldenError::InCi(path.to_path_buf()));
    }
    let wrap = |source| GoldenError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::create_dir_all(dir).map_err(wrap)?;
    remove_stale_temps(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(&name))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(wrap)?;
    tmp.write_all(text.as_bytes()).map_err(wrap)?;
    tmp.as_file().sync_all().map_err(wrap)?;
    tmp.persist(path).map_err(|e| wrap(e.error))?;
    Ok(())
}

/// Removes the temporary files of the golden at `path` left by a killed writer (best
/// effort: a file that cannot be removed is harmless, nothing reads it).
pub fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let golden_name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if is_temp_of(&e.file_name().to_string_lossy(), &golden_name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The files insta keeps for a golden awaiting review: `<name>.snap.new` and
/// `.<name>.snap.pending-snap` beside it.
pub fn pending_paths(golden: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (golden.parent(), golden.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    vec![
        dir.join(format!("{name}.new")),
        dir.join(format!(".{name}.pending-snap")),
        dir.join(format!("{name}.pending-snap")),
    ]
}

/// Removes insta's pending files of `golden` (best effort: one that cannot be removed is
/// reported by the next `cargo insta` run).
pub fn remove_pending(golden: &Path) {
    for p in pending_paths(golden) {
        let _ = std::fs::remove_file(p);
    }
}

/// A unified diff (golden → actual) naming the golden file (`golden_file`, as the user
/// would open it) and the scenario, or `None` when they match: the same text once line ends
/// are `\n` and trailing whitespace is dropped. `golden` is a golden's contents
/// ([`snapshot_contents`]).
pub fn diff(golden_file: &str, name: &str, golden: &str, actual: &str) -> Option<String> {
    let actual = actual.replace("\r\n", "\n");
    let (golden, actual) = (golden.trim_end(), actual.trim_end());
    if golden == actual {
        return None;
    }
    let (golden, actual) = (format!("{golden}\n"), format!("{actual}\n"));
    let diff = similar::TextDiff::from_lines(&golden, &actual);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(golden_file, &format!("{name} (actual)"))
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip_and_diff() {
        let text = snapshot_text("a \"d\"", "scenarios/x/y.toml", "line1\nline2\n\n");
        assert!(text.starts_with("---\nsource: tests/scenarios.rs\ndescription: \"a \\\"d\\\"\"\n"));
        assert!(
            text.contains("\ninput_file: scenarios/x/y.toml\n---\n"),
            "{text}"
        );
        assert_eq!(yaml_str("plain words"), "plain words");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(snapshot_contents(&text), "line1\nline2");
        assert!(diff("goldens/x/y.snap", "x/y", "a\nb", "a\nb\n").is_none());
        let d = diff("goldens/x/y.snap", "x/y", "a\nb\n", "a\nc\n").unwrap();
        assert!(d.contains("-b\n+c"), "{d}");
        assert!(d.contains("goldens/x/y.snap"), "{d}");
    }

    #[test]
    fn writes_replace_the_golden_and_clean_stale_temps() {
        let dir = tempfile::tempdir().unwrap();
        let golden = dir.path().join("x/y.snap");
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        let stale = dir.path().join("x/.y.snap.abc123.tmp");
        let other = dir.path().join("x/.z.snap.abc123.tmp");
        std::fs::write(&stale, "half a golden").unwrap();
        std::fs::write(&other, "another golden's").unwrap();
        if in_ci() {
            return;
        }
        write(&golden, "old\n").unwrap();
        write(&golden, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&golden).unwrap(), "new\n");
        assert!(!stale.exists(), "the stale temp of this golden is removed");
        assert!(
            other.exists(),
            "another golden's temp is not this write's business"
        );
        let left: Vec<_> = std::fs::read_dir(golden.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(is_temp_of(".y.snap.Xa1b2c.tmp", "y.snap"));
        assert!(!is_temp_of("y.snap", "y.snap"));
        assert!(!is_temp_of(".y.snap.tmp", "y.snap"));
        assert!(!is_temp_of(".y.snap.new", "y.snap"));
    }

    #[test]
    fn names_from_paths() {
        assert_eq!(
            scenario_name(
                Path::new("scenarios"),
                Path::new("scenarios/stop/block_twice.toml")
            ),
            "stop/block_twice"
        );
    }
}
