//! Normalisation, done on the recording's data (a `serde_json::Value` tree), not on the
//! rendered text: workspace paths become placeholders (`<PROJECT>`, `<HOME>`, ...), loopback
//! server addresses become `<MODEL_SERVER>`-style placeholders, and every time and duration
//! field becomes `<TIME>` / `<DURATION>`. What remains is byte-identical from run to run.

#[cfg(test)]
use std::path::Path;
use std::path::PathBuf;

use regex::Regex;
use serde_json::Value;

/// Keys whose values are wall-clock times.
const TIME_KEYS: [&str; 8] = [
    "started_at",
    "completed_at",
    "startedAt",
    "completedAt",
    "triggered_at",
    "triggeredAt",
    "timestamp",
    "created_at",
];
/// Keys whose values are measured durations.
const DURATION_KEYS: [&str; 3] = ["duration_ms", "durationMs", "elapsed_ms"];

/// What to replace, built from one workspace.
#[derive(Debug, Clone)]
pub struct Normaliser {
    /// (prefix, placeholder), most specific first.
    paths: Vec<(String, &'static str)>,
    loopback: Regex,
    /// Absolute paths that may name a program of this machine (see [`Normaliser::programs`]).
    program: Regex,
    /// Whether to rewrite program paths (`<BIN>/name`).
    programs: bool,
    /// The user's filters, applied last, in order.
    filters: Vec<(Regex, String)>,
    /// Exact texts replaced before anything else.
    exact: Vec<(String, &'static str)>,
}

static LOOPBACK: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
static PROGRAM: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();

/// A constant pattern, compiled once per process (a clone shares the compiled program).
fn constant(cell: &'static std::sync::OnceLock<Regex>, pattern: &str) -> Regex {
    cell.get_or_init(|| {
        // Constant, valid patterns: this cannot fail.
        Regex::new(pattern).expect("constant regex")
    })
    .clone()
}

/// Placeholders of machine folders (not the workspace's or the repository's): a program
/// under them is still a machine's program.
const MACHINE_PLACEHOLDERS: [&str; 2] = ["<HOST_HOME>", "<SYSTMP>"];

/// Paths that are the same on every machine and stay as they are.
const PORTABLE_PROGRAMS: [&str; 1] = ["/bin/sh"];

impl Normaliser {
    /// `paths`: workspace prefixes and their placeholders, most specific first.
    pub fn new(paths: Vec<(PathBuf, &'static str)>) -> Self {
        let mut paths: Vec<(String, &'static str)> = paths
            .into_iter()
            .map(|(p, ph)| (p.display().to_string(), ph))
            .filter(|(p, _)| !p.is_empty())
            .collect();
        // Longest first, so `<CODEX_HOME>` wins over `<HOME>` whatever the caller's order.
        paths.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Normaliser {
            paths,
            loopback: constant(&LOOPBACK, r"(?:127\.0\.0\.1|localhost|\[::1\]):\d+"),
            program: constant(
                &PROGRAM,
                r"(?:^|[^A-Za-z0-9_.<>~/-])(/(?:[A-Za-z0-9_.+@-]+/)*[A-Za-z0-9_.+@-]+)",
            ),
            programs: false,
            filters: Vec::new(),
            exact: Vec::new(),
        }
    }

    /// Also rewrites the absolute path of any program of this machine a hook prints
    /// (`/usr/bin/python3`, `/root/.pyenv/versions/3.11.7/bin/python3.11`) as
    /// `<BIN>/python3`: interpreters live in different places on different machines.
    /// A path counts when it names an existing executable file outside the workspace;
    /// `/bin/sh` is the same everywhere and stays.
    pub fn with_programs(mut self) -> Self {
        self.programs = true;
        self
    }

    /// Replaces this exact text (e.g. the harness's `PATH`, which hooks inherit) first.
    pub fn with_exact(mut self, text: Option<String>, placeholder: &'static str) -> Self {
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            self.exact.push((t, placeholder));
        }
        self
    }

    /// Adds filters (a checked pattern and its replacement), applied after everything else.
    pub fn with_filters<'a>(
        mut self,
        filters: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, regex::Error> {
        for (pattern, replacement) in filters {
            self.filters
                .push((Regex::new(pattern)?, replacement.to_owned()));
        }
        Ok(self)
    }

    /// Replaces paths and loopback addresses in one string, then applies the filters.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (text, placeholder) in &self.exact {
            if out.contains(text.as_str()) {
                out = out.replace(text.as_str(), placeholder);
            }
        }
        if self.programs {
            out = self.program_paths(&out);
        }
        for (prefix, placeholder) in &self.paths {
            if out.contains(prefix.as_str()) {
                out = replace_path(&out, prefix, placeholder);
            }
        }
        let mut out = self.loopback.replace_all(&out, "<LOOPBACK>").into_owned();
        for (regex, replacement) in &self.filters {
            if let std::borrow::Cow::Owned(o) = regex.replace_all(&out, replacement.as_str()) {
                out = o;
            }
        }
        out
    }

    fn program_paths(&self, s: &str) -> String {
        if !s.contains('/') {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for caps in self.program.captures_iter(s) {
            let Some(m) = caps.get(1) else { continue };
            let path = m.as_str();
            // A program of the workspace or the repository keeps its place: its path becomes
            // `<PROJECT>/…` or `<REPO>/…` below.
            let in_workspace = self
                .paths
                .iter()
                .filter(|(_, ph)| !MACHINE_PLACEHOLDERS.contains(ph))
                .any(|(p, _)| {
                    path.strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                });
            if in_workspace || PORTABLE_PROGRAMS.contains(&path) || !is_program(path) {
                continue;
            }
            let name = path.rsplit('/').next().unwrap_or(path);
            out.push_str(&s[last..m.start()]);
            out.push_str("<BIN>/");
            out.push_str(name);
            last = m.end();
        }
        out.push_str(&s[last..]);
        out
    }

    /// Normalises a whole value tree in place.
    /// Only the time and duration keys of `v`, set ones shown as `<TIME>` / `<DURATION>`
    /// (texts untouched: they are normalised already).
    pub fn times(v: &mut Value) {
        match v {
            Value::Array(items) => items.iter_mut().for_each(Self::times),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if v.is_null() {
                        continue;
                    }
                    if TIME_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<TIME>".to_owned());
                    } else if DURATION_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<DURATION>".to_owned());
                    } else {
                        Self::times(v);
                    }
                }
            }
            Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    pub fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if v.is_null() {
                        continue;
                    }
                    if TIME_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<TIME>".to_owned());
                    } else if DURATION_KEYS.contains(&k.as_str()) {
                        *v = Value::String("<DURATION>".to_owned());
                    } else {
                        self.value(v);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Replaces `prefix` where it is a whole path or a path's leading components: the
/// character after it must not continue a file name (`/root` in `/root/x`, not in `/rootfs`).
fn replace_path(s: &str, prefix: &str, placeholder: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find(prefix) {
        let after = &rest[i + prefix.len()..];
        let prev = rest[..i].chars().next_back().or(before);
        // Not the tail of a longer path (`/var/tmp` for `/tmp`)…
        let starts = !prev.is_some_and(|c| is_name_char(c) || c == '/');
        // …and not the head of a longer name (`/rootfs` for `/root`); a `.` ending a
        // sentence (`in /work/main.`) is not part of the name.
        let mut next = after.chars();
        let ends = match next.next() {
            None => true,
            Some('.') => !next.next().is_some_and(is_name_char),
            Some(c) => !is_name_char(c),
        };
        out.push_str(&rest[..i]);
        out.push_str(if starts && ends { placeholder } else { prefix });
        before = prefix.chars().next_back();
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A character that continues a file name.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '@')
}

/// An existing regular file with an executable bit.
fn is_program(path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_paths_times_durations_and_ports() {
        let n = Normaliser::new(vec![
            (PathBuf::from("/tmp/ws"), "<WORKSPACE>"),
            (PathBuf::from("/tmp/ws/home"), "<HOME>"),
            (PathBuf::from("/tmp/ws/home/.codex"), "<CODEX_HOME>"),
        ]);
        let mut v = json!({
            "cwd": "/tmp/ws/project",
            "stdin": "{\"transcript_path\":\"/tmp/ws/home/.codex/sessions/x.jsonl\"}",
            "run": {"startedAt": 17, "durationMs": 3, "completedAt": null},
            "url": "http://127.0.0.1:41234/v1",
            "h": "/tmp/ws/home/file",
        });
        n.value(&mut v);
        assert_eq!(
            v,
            json!({
                "cwd": "<WORKSPACE>/project",
                "stdin": "{\"transcript_path\":\"<CODEX_HOME>/sessions/x.jsonl\"}",
                "run": {"startedAt": "<TIME>", "durationMs": "<DURATION>", "completedAt": null},
                "url": "http://<LOOPBACK>/v1",
                "h": "<HOME>/file",
            })
        );
    }

    #[test]
    fn program_paths_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().canonicalize().unwrap();
        let script = ws.join("hook.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let env = Path::new("/usr/bin/env");
        let n = Normaliser::new(vec![(ws.clone(), "<WORKSPACE>")])
            .with_programs()
            .with_filters([(r"took \d+ms", "took <MS>")])
            .unwrap();
        let text = format!(
            "python at {} ran {} via /bin/sh; /no/such/prog; took 17ms",
            env.display(),
            script.display()
        );
        assert_eq!(
            n.text(&text),
            "python at <BIN>/env ran <WORKSPACE>/hook.sh via /bin/sh; /no/such/prog; took <MS>"
        );
        let m = Normaliser::new(vec![
            (PathBuf::from("/tmp"), "<SYSTMP>"),
            (PathBuf::from("/work/main"), "<REPO>"),
        ]);
        assert_eq!(
            m.text("/var/tmp/x /tmp/y /tmpfs in /work/main. /work/main.rs /work/main-2 \"/tmp\""),
            "/var/tmp/x <SYSTMP>/y /tmpfs in <REPO>. /work/main.rs /work/main-2 \"<SYSTMP>\""
        );
    }
}
