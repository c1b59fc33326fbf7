//! Claude Code's tools as the `claude` session plays them: `Bash` yields its scripted
//! result; `Write`, `Edit` and `Read` really work on the workspace's files (a hook that
//! formats or checks the written file sees it), with Claude Code's texts, its
//! `tool_response` shapes and its "read before you write" rule; any other tool yields its
//! scripted output. What each looks like was recorded from the real 2.1.197
//! (`docs/claude-dialect.md`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::agent::spec::ToolResult;

/// How one call went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolRun {
    /// Refused before PreToolUse (an input Claude Code's tool rejects): only PostToolBatch
    /// sees it. The text is the `<tool_use_error>` the model gets.
    Invalid(String),
    /// It ran and succeeded: PostToolUse gets `response`, the model `text`.
    Succeeded { text: String, response: Value },
    /// It ran and failed: PostToolUseFailure gets `error`, the model the same text.
    Failed { error: String },
}

/// The files read or written so far (Claude Code refuses to change a file it has not read).
#[derive(Debug, Default)]
pub(crate) struct FileState {
    known: BTreeSet<PathBuf>,
}

const STATE_NOTE: &str = "(file state is current in your context — no need to Read it back)";

fn absolute(cwd: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// The input as Claude Code keeps it once its tool parsed it: `Edit`'s `replace_all`
/// default (false) set before the model's keys, as a JavaScript spread of the defaults does.
/// The history, the transcript and PostToolBatch carry this form.
pub(crate) fn parsed_input(tool: &str, raw: &Value) -> Value {
    match (tool, raw.as_object()) {
        ("Edit", Some(map)) => {
            let mut out = Map::new();
            out.insert(
                "replace_all".into(),
                map.get("replace_all")
                    .cloned()
                    .unwrap_or(Value::Bool(false)),
            );
            for (k, v) in map {
                if k != "replace_all" {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
        _ => raw.clone(),
    }
}

/// The input hooks see: file paths made absolute; Edit's keys in its schema order with
/// `replace_all` defaulted. The model's history keeps the raw input.
pub(crate) fn hook_input(tool: &str, raw: &Value, cwd: &Path) -> Value {
    let Some(map) = raw.as_object() else {
        return raw.clone();
    };
    let mut out = map.clone();
    if let Some(path) = map.get("file_path").and_then(Value::as_str) {
        out.insert(
            "file_path".into(),
            Value::String(absolute(cwd, path).display().to_string()),
        );
    }
    if tool == "Edit" {
        let mut ordered = Map::new();
        for key in ["file_path", "old_string", "new_string"] {
            if let Some(v) = out.remove(key) {
                ordered.insert(key.into(), v);
            }
        }
        let replace_all = out.remove("replace_all").unwrap_or(Value::Bool(false));
        ordered.insert("replace_all".into(), replace_all);
        ordered.extend(out);
        return Value::Object(ordered);
    }
    Value::Object(out)
}

/// The path lexically resolved (`.` and `..` folded) when it lies inside the workspace;
/// `None` when it leaves it. hooktape never lets a scenario's tool (or a hook's
/// `updatedInput`) touch a file outside its workspace, where the real CLI would.
fn confined(cwd: &Path, path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in absolute(cwd, &path.display().to_string()).components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.starts_with(cwd).then_some(out)
}

fn outside(path: &Path) -> ToolRun {
    ToolRun::Failed {
        error: format!(
            "hooktape refuses to touch {}: it lies outside the scenario's workspace",
            path.display()
        ),
    }
}

fn tool_error(text: &str) -> ToolRun {
    ToolRun::Invalid(format!("<tool_use_error>{text}</tool_use_error>"))
}

/// The tools Claude Code 2.1.197 offers in a `-p` session (the request's `tools`).
pub const TOOLS: [&str; 24] = [
    "Agent",
    "Bash",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EnterWorktree",
    "ExitWorktree",
    "NotebookEdit",
    "Read",
    "ReportFindings",
    "ScheduleWakeup",
    "SendMessage",
    "Skill",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskOutput",
    "TaskStop",
    "TaskUpdate",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
];

/// Checks the call as Claude Code's tool does before any hook: a tool it does not offer
/// (`MultiEdit`, `Glob`, `Grep`), a file to change that was not read, a string to replace
/// that is not there.
pub(crate) fn validate(
    tool: &str,
    input: &Value,
    state: &FileState,
    cwd: &Path,
) -> Option<ToolRun> {
    if !TOOLS.contains(&tool) {
        return Some(tool_error(&format!(
            "Error: No such tool available: {tool}"
        )));
    }
    // A path outside the workspace is not Claude Code's refusal but hooktape's: hooks see
    // the call, and `run` refuses it as a failed tool.
    let path = file_path(tool, input, cwd).ok()?;
    match (tool, path) {
        ("Write", Some(path)) if path.exists() && !state.known.contains(&path) => Some(tool_error(
            "File has not been read yet. Read it first before writing to it.",
        )),
        ("Edit", Some(path)) => {
            let old = input
                .get("old_string")
                .and_then(Value::as_str)
                .unwrap_or("");
            if input.get("new_string").and_then(Value::as_str) == Some(old) {
                return Some(tool_error(
                    "No changes to make: old_string and new_string are exactly the same.",
                ));
            }
            if !state.known.contains(&path) {
                return Some(tool_error(
                    "File has not been read yet. Read it first before writing to it.",
                ));
            }
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            let matches = content.matches(old).count();
            let all = input.get("replace_all") == Some(&Value::Bool(true));
            if matches == 0 {
                return Some(tool_error(&format!(
                    "String to replace not found in file.\nString: {old}"
                )));
            }
            (matches > 1 && !all).then(|| {
                tool_error(&format!(
                    "Found {matches} matches of the string to replace, but replace_all is false. To replace all occurrences, set replace_all to true. To replace only one occurrence, please provide more context to uniquely identify the instance.\nString: {old}"
                ))
            })
        }
        ("Read", Some(path)) if !path.exists() => Some(tool_error(&format!(
            "File does not exist. Note: your current working directory is {}.",
            path.parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ))),
        _ => None,
    }
}

/// The file a `Write`, `Edit` or `Read` call names, confined to the workspace.
fn file_path(tool: &str, input: &Value, cwd: &Path) -> Result<Option<PathBuf>, ToolRun> {
    let Some(raw) = input.get("file_path").and_then(Value::as_str) else {
        return Ok(None);
    };
    if !matches!(tool, "Write" | "Edit" | "Read") {
        return Ok(Some(PathBuf::from(raw)));
    }
    confined(cwd, Path::new(raw))
        .map(Some)
        .ok_or_else(|| outside(Path::new(raw)))
}

/// Runs a validated call. `input` is what hooks saw (absolute paths); `raw_path` the path as
/// the model wrote it (Claude Code's texts quote it).
pub(crate) fn run(
    tool: &str,
    input: &Value,
    raw_path: Option<&str>,
    result: &ToolResult,
    state: &mut FileState,
    cwd: &Path,
) -> ToolRun {
    let path = match file_path(tool, input, cwd) {
        Ok(path) => path,
        Err(refused) => return refused,
    };
    let shown = raw_path.unwrap_or_default();
    match (tool, path) {
        ("Write", Some(path)) => {
            let content = input.get("content").and_then(Value::as_str).unwrap_or("");
            let original = std::fs::read_to_string(&path).ok();
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&path, content) {
                return ToolRun::Failed {
                    error: format!("cannot write {shown}: {e}"),
                };
            }
            state.known.insert(path);
            let (kind, text) = match &original {
                None => (
                    "create",
                    format!("File created successfully at: {shown} {STATE_NOTE}"),
                ),
                Some(_) => (
                    "update",
                    format!("The file {shown} has been updated successfully. {STATE_NOTE}"),
                ),
            };
            ToolRun::Succeeded {
                text,
                response: json!({
                    "type": kind,
                    "filePath": shown,
                    "content": content,
                    "structuredPatch": original.as_deref().map_or_else(|| json!([]), |o| patch(o, content)),
                    "originalFile": original,
                    "userModified": false,
                }),
            }
        }
        ("Edit", Some(path)) => {
            let old = input
                .get("old_string")
                .and_then(Value::as_str)
                .unwrap_or("");
            let new = input
                .get("new_string")
                .and_then(Value::as_str)
                .unwrap_or("");
            let all = input.get("replace_all") == Some(&Value::Bool(true));
            let original = std::fs::read_to_string(&path).unwrap_or_default();
            let updated = if all {
                original.replace(old, new)
            } else {
                original.replacen(old, new, 1)
            };
            if let Err(e) = std::fs::write(&path, &updated) {
                return ToolRun::Failed {
                    error: format!("cannot write {shown}: {e}"),
                };
            }
            ToolRun::Succeeded {
                text: if all {
                    format!("The file {shown} has been updated. All occurrences were successfully replaced. {STATE_NOTE}")
                } else {
                    format!("The file {shown} has been updated successfully. {STATE_NOTE}")
                },
                response: json!({
                    "filePath": shown,
                    "oldString": old,
                    "newString": new,
                    "originalFile": original,
                    "structuredPatch": patch(&original, &updated),
                    "userModified": false,
                    "replaceAll": all,
                }),
            }
        }
        ("Read", Some(path)) => {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            state.known.insert(path);
            let lines: Vec<&str> = content.split('\n').collect();
            let numbered: Vec<String> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| format!("{}\t{l}", i + 1))
                .collect();
            ToolRun::Succeeded {
                text: numbered.join("\n"),
                response: json!({
                    "type": "text",
                    "file": {
                        "filePath": shown,
                        "content": content,
                        "numLines": lines.len(),
                        "startLine": 1,
                        "totalLines": lines.len(),
                    }
                }),
            }
        }
        ("Bash", _) => {
            let output = result.output.trim_end_matches('\n').to_owned();
            if result.exit_code == 0 {
                // What the model reads when the command printed nothing (real, 2.1.197).
                let text = if output.is_empty() {
                    "(Bash completed with no output)".to_owned()
                } else {
                    output.clone()
                };
                ToolRun::Succeeded {
                    text,
                    response: json!({
                        "stdout": output,
                        "stderr": "",
                        "interrupted": false,
                        "isImage": false,
                        "noOutputExpected": false,
                    }),
                }
            } else {
                ToolRun::Failed {
                    error: format!("Exit code {}\n{output}", result.exit_code),
                }
            }
        }
        _ => {
            if result.exit_code == 0 {
                ToolRun::Succeeded {
                    text: result.output.clone(),
                    response: Value::String(result.output.clone()),
                }
            } else {
                ToolRun::Failed {
                    error: result.output.clone(),
                }
            }
        }
    }
}

/// A `structuredPatch`: the changed hunks with three lines of context, as Claude Code
/// reports them.
fn patch(old: &str, new: &str) -> Value {
    let diff = similar::TextDiff::from_lines(old, new);
    let hunks: Vec<Value> = diff
        .grouped_ops(3)
        .iter()
        .map(|group| {
            let (first, last) = (&group[0], &group[group.len() - 1]);
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let mut lines = Vec::new();
            for op in group {
                for change in diff.iter_changes(op) {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => '-',
                        similar::ChangeTag::Insert => '+',
                        similar::ChangeTag::Equal => ' ',
                    };
                    lines.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
                }
            }
            json!({
                "oldStart": old_range.start + 1,
                "oldLines": old_range.len(),
                "newStart": new_range.start + 1,
                "newLines": new_range.len(),
                "lines": lines,
            })
        })
        .collect();
    Value::Array(hunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_edit_as_the_real_cli_reports_them() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        let mut state = FileState::default();
        let write = hook_input(
            "Write",
            &json!({"file_path": "a.txt", "content": "hello\n"}),
            cwd,
        );
        assert_eq!(
            write["file_path"],
            json!(cwd.join("a.txt").display().to_string())
        );
        assert_eq!(validate("Write", &write, &state, cwd), None);
        let ToolRun::Succeeded { text, response } = run(
            "Write",
            &write,
            Some("a.txt"),
            &ToolResult::default(),
            &mut state,
            cwd,
        ) else {
            panic!("write failed")
        };
        assert_eq!(
            text,
            format!("File created successfully at: a.txt {STATE_NOTE}")
        );
        assert_eq!(response["type"], "create");
        let read = hook_input("Read", &json!({"file_path": "a.txt"}), cwd);
        let ToolRun::Succeeded { text, .. } = run(
            "Read",
            &read,
            Some("a.txt"),
            &ToolResult::default(),
            &mut state,
            cwd,
        ) else {
            panic!("read failed")
        };
        assert_eq!(text, "1\thello\n2\t");
        let edit = hook_input(
            "Edit",
            &json!({"replace_all": false, "file_path": "a.txt", "old_string": "hello", "new_string": "bye"}),
            cwd,
        );
        let keys: Vec<&String> = edit.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["file_path", "old_string", "new_string", "replace_all"]
        );
        let ToolRun::Succeeded { response, .. } = run(
            "Edit",
            &edit,
            Some("a.txt"),
            &ToolResult::default(),
            &mut state,
            cwd,
        ) else {
            panic!("edit failed")
        };
        assert_eq!(
            response["structuredPatch"],
            json!([{"oldStart":1,"oldLines":1,"newStart":1,"newLines":1,"lines":["-hello","+bye"]}])
        );
        assert_eq!(std::fs::read_to_string(cwd.join("a.txt")).unwrap(), "bye\n");
    }

    #[test]
    fn changing_an_unread_file_is_refused_before_any_hook() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "x\n").unwrap();
        let input = hook_input(
            "Edit",
            &json!({"file_path": "b.txt", "old_string": "x", "new_string": "y"}),
            dir.path(),
        );
        assert_eq!(
            validate("Edit", &input, &FileState::default(), dir.path()),
            Some(ToolRun::Invalid("<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>".into()))
        );
    }

    #[test]
    fn no_path_leaves_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("ws");
        std::fs::create_dir(&cwd).unwrap();
        let mut state = FileState::default();
        for path in [
            "../escape.txt",
            "sub/../../escape.txt",
            "/tmp/hooktape-escape.txt",
        ] {
            let input = hook_input("Write", &json!({"file_path": path, "content": "x"}), &cwd);
            let ran = run(
                "Write",
                &input,
                Some(path),
                &ToolResult::default(),
                &mut state,
                &cwd,
            );
            assert!(
                matches!(&ran, ToolRun::Failed { error } if error.contains("outside the scenario's workspace")),
                "{path}: {ran:?}"
            );
        }
        assert!(!dir.path().join("escape.txt").exists());
        let inside = hook_input(
            "Write",
            &json!({"file_path": "sub/../ok.txt", "content": "x"}),
            &cwd,
        );
        let ran = run(
            "Write",
            &inside,
            Some("ok.txt"),
            &ToolResult::default(),
            &mut state,
            &cwd,
        );
        assert!(matches!(ran, ToolRun::Succeeded { .. }), "{ran:?}");
        assert!(cwd.join("ok.txt").exists());
    }
}
