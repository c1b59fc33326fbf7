//! Reading a Codex rollout (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`, or the one
//! hooktape's mock agent writes): the session's meta, then its turns — the user's prompt, the
//! model's answers (one per sampling request: messages and tool calls) and what each tool
//! returned. Pure: text in, [`Session`] out. What the rollout holds that a scenario cannot
//! script becomes a [`Dropped`] note, never a silent drop.

use serde_json::Value;

/// One imported session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    pub thread_id: Option<String>,
    pub cli_version: Option<String>,
    pub originator: Option<String>,
    /// The session's working directory as the rollout names it (absolute, the user's).
    pub cwd: Option<String>,
    pub model: Option<String>,
    pub approval_policy: Option<String>,
    pub turns: Vec<Turn>,
    /// Notes on what was left out, each with the rollout line it came from.
    pub dropped: Vec<Dropped>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    pub turn_id: Option<String>,
    /// The session was reopened before this turn (`codex exec resume`, a new process):
    /// the rollout shows `thread_settings_applied` between the previous turn's end and
    /// this turn's start.
    pub resumed: bool,
    pub prompt: Option<String>,
    pub responses: Vec<Response>,
    /// Tool results by call id, in the order they were recorded.
    pub results: Vec<(String, ToolOutput)>,
}

/// One sampling request's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub messages: Vec<String>,
    pub calls: Vec<Call>,
}

/// A tool call as the model made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub call_id: String,
    pub tool: CallTool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallTool {
    /// `exec_command` `{"cmd": …}`.
    Exec(String),
    /// `shell` `{"command": [argv]}`.
    Shell(Vec<String>),
    /// `shell_command` `{"command": "…"}`.
    ShellCommand(String),
    /// `local_shell_call` with its argv.
    LocalShell(Vec<String>),
    /// `apply_patch` (custom tool or function) with the patch text.
    ApplyPatch(String),
    /// `write_stdin` `{"session_id": N, "chars": "…"}`.
    WriteStdin { session_id: i64, chars: String },
    /// `update_plan`.
    UpdatePlan(String),
    /// `mcp__server__tool` with raw arguments.
    Mcp {
        server_tool: String,
        arguments: String,
    },
    /// Any other function by name, with raw arguments.
    Other { name: String, arguments: String },
}

/// What a tool returned, as the model saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// The tool ran: its output (unwrapped from Codex's `Exit code` / `Output:` framing) and
    /// exit code; `running` when the process was left running (a unified exec session).
    Ran {
        output: String,
        exit_code: i32,
        running: bool,
    },
    /// The text shows the call never ran because of a hook or an approval (a blocked
    /// PreToolUse, a denial): the replay decides that again, so nothing is scripted.
    NotRun(String),
}

/// Something in the rollout the scenario does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// 1-based rollout line.
    pub line: usize,
    pub what: String,
}

/// Reads rollout text. Errors name the line: text that is not JSON Lines of rollout records.
pub fn parse(text: &str) -> Result<Session, String> {
    let mut s = Session::default();
    let mut current: Option<Turn> = None;
    // Whether the last item of the current turn was model output (a new answer starts after
    // any input: a prompt, a tool output, a hook's message).
    let mut in_answer = false;
    // A turn ended, and settings were applied before the next one began: a new process.
    let mut ended = false;
    let mut reopened = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value =
            serde_json::from_str(line).map_err(|e| format!("line {n}: not JSON: {e}"))?;
        let kind = record.get("type").and_then(Value::as_str).unwrap_or("");
        let payload = record.get("payload").cloned().unwrap_or(Value::Null);
        match kind {
            "session_meta" => {
                // Real Codex nests the meta under `meta` in some versions.
                let meta = payload.get("meta").unwrap_or(&payload);
                s.thread_id = str_at(meta, "id").or(s.thread_id);
                s.cli_version = str_at(meta, "cli_version").or(s.cli_version);
                s.originator = str_at(meta, "originator").or(s.originator);
                s.cwd = str_at(meta, "cwd").or(s.cwd);
                s.model = str_at(meta, "model").or(s.model);
                s.approval_policy = str_at(meta, "approval_policy").or(s.approval_policy);
            }
            "turn_context" => {
                s.model = str_at(&payload, "model").or(s.model);
                s.approval_policy = str_at(&payload, "approval_policy").or(s.approval_policy);
                s.cwd = s.cwd.or(str_at(&payload, "cwd"));
            }
            "event_msg" => match payload.get("type").and_then(Value::as_str) {
                Some("task_started") => {
                    if let Some(t) = current.take() {
                        s.turns.push(t);
                    }
                    current = Some(Turn {
                        turn_id: str_at(&payload, "turn_id"),
                        resumed: reopened,
                        ..Turn::default()
                    });
                    in_answer = false;
                    (ended, reopened) = (false, false);
                }
                Some("task_complete") | Some("turn_aborted") => {
                    if let Some(t) = current.take() {
                        s.turns.push(t);
                    }
                    ended = true;
                }
                Some("thread_settings_applied") if ended => reopened = true,
                _ => {}
            },
            "compacted" => s.dropped.push(Dropped {
                line: n,
                what: "a compaction (script it with a `compact = \"…\"` step)".to_owned(),
            }),
            "response_item" => {
                let turn = current.get_or_insert_with(Turn::default);
                item(&payload, n, turn, &mut in_answer, &mut s.dropped);
            }
            _ => {}
        }
    }
    if let Some(t) = current.take() {
        s.turns.push(t);
    }
    s.turns
        .retain(|t| t.prompt.is_some() || !t.responses.is_empty());
    Ok(s)
}

fn str_at(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The text parts of a message's content, and whether it holds anything but text.
fn message_text(item: &Value) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut other = Vec::new();
    for part in item
        .get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        match part.get("type").and_then(Value::as_str) {
            Some("input_text" | "output_text" | "text") => {
                let t = part.get("text").and_then(Value::as_str).unwrap_or("");
                // Codex frames an attached image with `<image name=… path=…>` … `</image>`
                // text parts; they go with the image.
                if !(t.starts_with("<image name=") || t == "</image>") {
                    text += t;
                }
            }
            Some(t) => other.push(t.to_owned()),
            None => other.push("unknown content".to_owned()),
        }
    }
    (text, other)
}

/// User messages Codex writes itself (not the user's prompt).
fn synthetic_user_message(text: &str) -> bool {
    let t = text.trim_start();
    [
        "<environment_context>",
        "<user_instructions>",
        "<INSTRUCTIONS>",
        "# AGENTS.md",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

fn item(
    payload: &Value,
    line: usize,
    turn: &mut Turn,
    in_answer: &mut bool,
    dropped: &mut Vec<Dropped>,
) {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or("");
    let answer = |turn: &mut Turn, in_answer: &mut bool| {
        if !*in_answer || turn.responses.is_empty() {
            turn.responses.push(Response::default());
        }
        *in_answer = true;
    };
    match kind {
        "message" => {
            let role = payload.get("role").and_then(Value::as_str).unwrap_or("");
            let (text, other) = message_text(payload);
            match role {
                "assistant" => {
                    answer(turn, in_answer);
                    if let Some(r) = turn.responses.last_mut() {
                        r.messages.push(text);
                    }
                }
                "user" => {
                    *in_answer = false;
                    for o in &other {
                        dropped.push(Dropped {
                            line,
                            what: format!("a `{o}` part of a user message (only text is scripted)"),
                        });
                    }
                    if text.trim_start().starts_with("<hook_prompt")
                        || synthetic_user_message(&text)
                    {
                        // A hook's continuation prompt or Codex's own context: the replay
                        // produces it again.
                    } else if turn.prompt.is_none() {
                        turn.prompt = Some(text);
                    } else {
                        dropped.push(Dropped {
                            line,
                            what: format!(
                                "a second user message in the turn (a prompt typed while it ran; script it as `queued`): {:?}",
                                shorten(&text)
                            ),
                        });
                    }
                }
                // Developer messages: instructions and hook contexts, which the replay adds.
                _ => *in_answer = false,
            }
        }
        "function_call" | "custom_tool_call" | "local_shell_call" => {
            answer(turn, in_answer);
            match call(payload) {
                Ok(c) => {
                    if let Some(r) = turn.responses.last_mut() {
                        r.calls.push(c);
                    }
                }
                Err(what) => dropped.push(Dropped { line, what }),
            }
        }
        "function_call_output" | "custom_tool_call_output" => {
            *in_answer = false;
            let call_id = str_at(payload, "call_id").unwrap_or_default();
            let text = match payload.get("output") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Object(o)) => o
                    .get("content")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| Value::Object(o.clone()).to_string()),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            turn.results.push((call_id, unwrap_output(&text)));
        }
        "reasoning" => {}
        other => dropped.push(Dropped {
            line,
            what: format!("a `{other}` item (the scenario format has no such output)"),
        }),
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn args_json(payload: &Value) -> Value {
    payload
        .get("arguments")
        .and_then(Value::as_str)
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or(Value::Null)
}

fn call(payload: &Value) -> Result<Call, String> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or("");
    let call_id = str_at(payload, "call_id")
        .or_else(|| str_at(payload, "id"))
        .ok_or_else(|| format!("a `{kind}` without a call id"))?;
    let name = str_at(payload, "name").unwrap_or_default();
    let raw_args = str_at(payload, "arguments").unwrap_or_default();
    let args = args_json(payload);
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let tool = match (kind, name.as_str()) {
        ("local_shell_call", _) => CallTool::LocalShell(
            payload
                .pointer("/action/command")
                .and_then(strings)
                .ok_or("a `local_shell_call` without an argv")?,
        ),
        ("custom_tool_call", "apply_patch") => {
            CallTool::ApplyPatch(str_at(payload, "input").unwrap_or_default())
        }
        ("custom_tool_call", n) => {
            return Err(format!(
                "a call to the freeform tool `{n}` (only `apply_patch` is scripted)"
            ))
        }
        (_, "exec_command") => CallTool::Exec(
            args.get("cmd")
                .and_then(Value::as_str)
                .ok_or("an `exec_command` call without `cmd`")?
                .to_owned(),
        ),
        (_, "shell") => CallTool::Shell(
            args.get("command")
                .and_then(strings)
                .ok_or("a `shell` call without an argv `command`")?,
        ),
        (_, "shell_command") => CallTool::ShellCommand(
            args.get("command")
                .and_then(Value::as_str)
                .ok_or("a `shell_command` call without `command`")?
                .to_owned(),
        ),
        (_, "apply_patch") => CallTool::ApplyPatch(
            args.get("input")
                .and_then(Value::as_str)
                .unwrap_or(&raw_args)
                .to_owned(),
        ),
        (_, "write_stdin") => CallTool::WriteStdin {
            session_id: args
                .get("session_id")
                .and_then(Value::as_i64)
                .ok_or("a `write_stdin` call without `session_id`")?,
            chars: args
                .get("chars")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        },
        (_, "update_plan") => CallTool::UpdatePlan(raw_args),
        (_, n) if n.starts_with("mcp__") => {
            let rest = &n["mcp__".len()..];
            match rest.split_once("__") {
                Some((server, tool)) => CallTool::Mcp {
                    server_tool: format!("{server}/{tool}"),
                    arguments: raw_args,
                },
                None => CallTool::Other {
                    name: n.to_owned(),
                    arguments: raw_args,
                },
            }
        }
        (_, n) => CallTool::Other {
            name: n.to_owned(),
            arguments: raw_args,
        },
    };
    Ok(Call { call_id, tool })
}

/// Codex's framing of a tool's output, taken apart: `Exit code: N` (or `Process exited with
/// code N`), `Wall time: …`, `Chunk ID: …`, `Original token count: …`, then `Output:` and
/// the output; `Process running with session ID N`. Texts that say the tool never ran
/// (blocked by a hook, rejected) are [`ToolOutput::NotRun`].
pub fn unwrap_output(text: &str) -> ToolOutput {
    let not_run = [
        "Command blocked by PreToolUse hook:",
        "Tool call blocked by PreToolUse hook:",
        "exec_command failed:",
    ];
    if not_run.iter().any(|p| text.starts_with(p)) || text.ends_with("rejected by user") {
        return ToolOutput::NotRun(text.to_owned());
    }
    let Some((header, output)) = text
        .split_once("\nOutput:\n")
        .or_else(|| text.strip_suffix("\nOutput:").map(|h| (h, "")))
    else {
        return ToolOutput::Ran {
            output: text.to_owned(),
            exit_code: 0,
            running: false,
        };
    };
    let mut exit_code = 0;
    let mut running = false;
    for line in header.lines() {
        let line = line.trim();
        if let Some(code) = line
            .strip_prefix("Exit code: ")
            .or_else(|| line.strip_prefix("Process exited with code "))
        {
            exit_code = code.trim().parse().unwrap_or(exit_code);
        } else if line.starts_with("Process running with session ID ") {
            running = true;
        }
    }
    ToolOutput::Ran {
        output: output.to_owned(),
        exit_code,
        running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_unwrapped() {
        assert_eq!(
            unwrap_output("Chunk ID: ab\nWall time: 0.0 seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nhello\n"),
            ToolOutput::Ran { output: "hello\n".into(), exit_code: 0, running: false }
        );
        assert_eq!(
            unwrap_output("Exit code: 3\nOutput:\nboom"),
            ToolOutput::Ran {
                output: "boom".into(),
                exit_code: 3,
                running: false
            }
        );
        assert_eq!(
            unwrap_output("Process running with session ID 1000\nOutput:\n"),
            ToolOutput::Ran {
                output: String::new(),
                exit_code: 0,
                running: true
            }
        );
        assert!(matches!(
            unwrap_output("Command blocked by PreToolUse hook: no. Command: rm -rf x"),
            ToolOutput::NotRun(_)
        ));
        assert_eq!(
            unwrap_output("plain"),
            ToolOutput::Ran {
                output: "plain".into(),
                exit_code: 0,
                running: false
            }
        );
    }

    #[test]
    fn turns_answers_and_drops() {
        let text = [
            r#"{"type":"session_meta","payload":{"id":"t1","cwd":"/home/u/repo","cli_version":"0.171.0"}}"#,
            r#"{"type":"turn_context","payload":{"model":"m","approval_policy":"never"}}"#,
            r#"{"type":"event_msg","payload":{"type":"task_started","turn_id":"a"}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>x</environment_context>"}]}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:"}]}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"developer","content":[{"type":"input_text","text":"ctx"}]}}"#,
            r#"{"type":"response_item","payload":{"type":"reasoning","summary":[]}}"#,
            r#"{"type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"ls\"}","call_id":"c1"}}"#,
            r#"{"type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"Exit code: 0\nOutput:\nx"}}"#,
            r#"{"type":"response_item","payload":{"type":"web_search_call","status":"completed"}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}}"#,
            r#"{"type":"event_msg","payload":{"type":"task_complete","turn_id":"a"}}"#,
        ]
        .join("\n");
        let s = parse(&text).unwrap();
        assert_eq!(s.thread_id.as_deref(), Some("t1"));
        assert_eq!(s.cli_version.as_deref(), Some("0.171.0"));
        assert_eq!(s.model.as_deref(), Some("m"));
        assert_eq!(s.turns.len(), 1);
        let t = &s.turns[0];
        assert_eq!(t.turn_id.as_deref(), Some("a"));
        assert_eq!(t.prompt.as_deref(), Some("hi"));
        assert_eq!(t.responses.len(), 2, "{:?}", t.responses);
        assert_eq!(t.responses[0].calls[0].tool, CallTool::Exec("ls".into()));
        assert_eq!(t.responses[1].messages, vec!["done".to_owned()]);
        let lines: Vec<usize> = s.dropped.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![5, 10], "{:?}", s.dropped);
        assert!(s.dropped[0].what.contains("input_image"));
        assert!(parse("{").unwrap_err().starts_with("line 1: not JSON"));
    }
}
