//! `hooktape record`: capture hooks in a repository's Codex config. One handler per event
//! appends the payload it receives (one JSON line) to `.hooktape/captures/payloads.jsonl`;
//! it prints nothing and exits 0, so it changes nothing the agent does. The original
//! `.codex/hooks.json` (or its absence) is kept under `.hooktape/record/`, and
//! `record --stop` puts it back byte for byte.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// Where `record` keeps what `--stop` restores.
pub const STATE_DIR: &str = ".hooktape/record";
/// Where the captured payloads go.
pub const CAPTURE_FILE: &str = ".hooktape/captures/payloads.jsonl";
/// The hooks file capture handlers are added to.
pub const HOOKS_FILE: &str = ".codex/hooks.json";

/// Every event a capture handler is installed for: Codex's, current ones included (an older
/// Codex ignores the names it does not know).
pub const EVENTS: [&str; 14] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "Stop",
    "PreCompact",
    "PostCompact",
    "SubagentStart",
    "SubagentStop",
    "SessionEnd",
    "PreModelRequest",
    "PostModelRequest",
    "Interrupt",
];

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    State(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecordError + '_ {
    move |source| RecordError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What `start` installed.
#[derive(Debug, Clone)]
pub struct Installed {
    pub hooks_file: PathBuf,
    pub capture: PathBuf,
    /// Whether `hooks.json` was created (it did not exist).
    pub created: bool,
    /// `config.toml` lines that make Codex (0.171 and later) trust the repository's hooks
    /// (the capture handlers included) and the project.
    pub trust: String,
}

/// The shell command of a capture handler.
pub fn capture_command(capture: &Path) -> String {
    let path = capture.display().to_string().replace('\'', r"'\''");
    format!("{{ cat; echo; }} >> '{path}'")
}

/// Installs the capture handlers into `root`'s `.codex/hooks.json`.
pub fn start(root: &Path) -> Result<Installed, RecordError> {
    let state = root.join(STATE_DIR);
    if state.exists() {
        return Err(RecordError::State(format!(
            "a recording is already installed in {} ({} exists); run `hooktape record --stop` first",
            root.display(),
            state.display()
        )));
    }
    let hooks_file = root.join(HOOKS_FILE);
    let capture = root.join(CAPTURE_FILE);
    let original = match std::fs::read(&hooks_file) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&hooks_file)(e)),
    };
    let mut doc: Value = match &original {
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| {
            RecordError::State(format!(
                "{}: not valid JSON ({e}); fix it before recording",
                hooks_file.display()
            ))
        })?,
        None => json!({"hooks": {}}),
    };
    let Some(hooks) = doc.as_object_mut().and_then(|o| {
        o.entry("hooks")
            .or_insert_with(|| json!({}))
            .as_object_mut()
    }) else {
        return Err(RecordError::State(format!(
            "{}: expected an object with a `hooks` object",
            hooks_file.display()
        )));
    };
    let command = capture_command(&capture);
    for event in EVENTS {
        let groups = hooks.entry(event).or_insert_with(|| json!([]));
        let Some(groups) = groups.as_array_mut() else {
            return Err(RecordError::State(format!(
                "{}: `hooks.{event}` is not an array",
                hooks_file.display()
            )));
        };
        groups.push(json!({"hooks": [{"type": "command", "command": command}]}));
    }
    std::fs::create_dir_all(&state).map_err(io(&state))?;
    match &original {
        Some(bytes) => {
            let backup = state.join("hooks.json.orig");
            std::fs::write(&backup, bytes).map_err(io(&backup))?;
        }
        None => {
            let marker = state.join("hooks.json.absent");
            std::fs::write(&marker, "").map_err(io(&marker))?;
        }
    }
    if let Some(dir) = capture.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    if let Some(dir) = hooks_file.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    // A serde_json::Value always serialises.
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    std::fs::write(&hooks_file, text).map_err(io(&hooks_file))?;
    // Every handler of the repository's hooks files, the capture handlers included.
    let trust = crate::trust::config_text(root).map_err(RecordError::State)?;
    Ok(Installed {
        hooks_file,
        capture,
        created: original.is_none(),
        trust,
    })
}

/// Puts `.codex/hooks.json` back as it was before `start` (byte for byte, or removed when
/// there was none) and forgets the recording. The captures stay.
pub fn stop(root: &Path) -> Result<PathBuf, RecordError> {
    let state = root.join(STATE_DIR);
    let hooks_file = root.join(HOOKS_FILE);
    let backup = state.join("hooks.json.orig");
    let absent = state.join("hooks.json.absent");
    if backup.is_file() {
        let bytes = std::fs::read(&backup).map_err(io(&backup))?;
        std::fs::write(&hooks_file, bytes).map_err(io(&hooks_file))?;
    } else if absent.is_file() {
        match std::fs::remove_file(&hooks_file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&hooks_file)(e)),
        }
    } else {
        return Err(RecordError::State(format!(
            "no recording is installed in {} (no {})",
            root.display(),
            state.display()
        )));
    }
    std::fs::remove_dir_all(&state).map_err(io(&state))?;
    Ok(hooks_file)
}
