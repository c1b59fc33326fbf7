//! Names and texts of Claude Code 2.1.197 that several parts of the session use.

/// The permission mode hooktape's Claude Code session runs in (as crosscheck runs the real
/// CLI): every tool runs unless a hook refuses it.
pub const PERMISSION_MODE: &str = "bypassPermissions";

/// Claude Code's version, as its environment and transcript name it.
pub const VERSION: &str = "2.1.197";

/// `<system-reminder>` around a hook text.
pub(crate) fn reminder(text: &str) -> String {
    format!("<system-reminder>\n{text}\n</system-reminder>")
}

/// The folder of a session's transcript under `<HOME>/.claude/projects`: the cwd with every
/// character but letters and digits made `-`.
pub fn project_slug(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
