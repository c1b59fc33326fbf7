//! Tools: how a scripted call looks on the wire, how hooks see it (`tool_name`,
//! `tool_input`, matcher aliases), and the texts the model gets back.

use serde_json::{json, Value};

use super::history::HistoryItem;
use super::safe_command::{is_known_safe_argv, is_known_safe_script};
use super::spec::{ChildSpec, RunAccess, ToolResult, ToolSpec};
use crate::engine::lifecycle::{ShellParams, ToolCall, ToolInput};

/// Joins argv into one shell command line, quoting each word that needs it, exactly as
/// Codex does (`shlex::try_join`: `it's` becomes `"it's"`).
pub fn shell_join(argv: &[String]) -> String {
    // The `shlex` crate is what Codex joins argv with; a word it cannot quote (a NUL byte)
    // falls back to a plain space join, as there.
    shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "))
}

/// The model-visible tool name of a call.
pub fn model_name(tool: &ToolSpec) -> String {
    match tool {
        ToolSpec::Shell { .. } => "shell".to_owned(),
        ToolSpec::ShellCommand { .. } => "shell_command".to_owned(),
        ToolSpec::LocalShell { .. } => "local_shell".to_owned(),
        ToolSpec::ExecCommand { .. } => "exec_command".to_owned(),
        ToolSpec::ApplyPatch { .. } => "apply_patch".to_owned(),
        ToolSpec::Mcp { server, tool, .. } => format!("mcp__{server}__{tool}"),
        ToolSpec::WriteStdin { .. } => "write_stdin".to_owned(),
        ToolSpec::UpdatePlan { .. } => "update_plan".to_owned(),
        ToolSpec::SpawnAgent(_) => "spawn_agent".to_owned(),
        ToolSpec::Other { tool_name, .. } => tool_name.clone(),
        ToolSpec::Claude { tool, .. } => tool.clone(),
    }
}

/// Whether the tool runs a command (Bash to hooks): the shell tools and `exec_command`.
pub fn runs_command(tool: &ToolSpec) -> bool {
    matches!(
        tool,
        ToolSpec::Shell { .. }
            | ToolSpec::ShellCommand { .. }
            | ToolSpec::LocalShell { .. }
            | ToolSpec::ExecCommand { .. }
    )
}

/// What `result` says that `tool` cannot do, if anything: the one list of these rules, for
/// [`super::validate`] and the scenario loader alike.
pub fn result_problem(tool: &ToolSpec, result: &ToolResult) -> Option<String> {
    let name = model_name(tool);
    let leaves_running = matches!(
        tool,
        ToolSpec::ExecCommand { .. } | ToolSpec::WriteStdin { .. }
    );
    if result.running && !leaves_running {
        return Some(format!(
            "`running` is set, but only `exec_command` and `write_stdin` leave a process running ({name} does not)"
        ));
    }
    if result.running && result.exit_code != 0 {
        return Some(format!(
            "`running` with `exit_code = {}`; a running process has no exit code yet",
            result.exit_code
        ));
    }
    if result.sandbox_denied && !runs_sandboxed(tool) {
        return Some(format!(
            "`sandbox_denied` is set, but {name} does not run in the sandbox (the shell tools, `exec_command` and `apply_patch` do)"
        ));
    }
    if result.run_approvals.is_empty() {
        return result.when_denied.is_some().then(|| {
            "`when_denied` is set without `run_approvals` that could be denied".to_owned()
        });
    }
    if !runs_command(tool) {
        return Some(format!(
            "`run_approvals` are set, but {name} runs no command that could ask while running (the shell tools and `exec_command` do)"
        ));
    }
    if result.running
        && result
            .when_denied
            .as_ref()
            .is_some_and(|d| d.exit_code == 0)
    {
        return Some(
            "`running` with `when_denied.exit_code = 0`: a denied run approval ends the process, so it cannot also keep running"
                .to_owned(),
        );
    }
    result.run_approvals.iter().find_map(|a| match &a.access {
        _ if a.approval_id.is_empty() => {
            Some("a run approval has an empty `approval_id`".to_owned())
        }
        RunAccess::Execve { argv } if argv.is_empty() => {
            Some("an `execve` run approval has an empty argv".to_owned())
        }
        _ => None,
    })
}

/// Whether the tool runs in the sandbox (and so can be denied by it): the shell tools and
/// `apply_patch`.
pub fn runs_sandboxed(tool: &ToolSpec) -> bool {
    runs_command(tool) || matches!(tool, ToolSpec::ApplyPatch { .. })
}

fn with_justification(mut v: Value, justification: &Option<String>) -> String {
    if let (Some(j), Some(m)) = (justification, v.as_object_mut()) {
        m.insert("justification".into(), j.clone().into());
    }
    v.to_string()
}

fn raw_or_empty_object(arguments: &str) -> String {
    if arguments.trim().is_empty() {
        "{}".to_owned()
    } else {
        arguments.to_owned()
    }
}

/// The output item the scripted model emits for a call.
pub fn call_item(call_id: &str, tool: &ToolSpec) -> HistoryItem {
    let function = |arguments: String| HistoryItem::FunctionCall {
        name: model_name(tool),
        arguments,
        call_id: call_id.to_owned(),
    };
    match tool {
        ToolSpec::Shell {
            argv,
            justification,
        } => function(with_justification(json!({"command": argv}), justification)),
        ToolSpec::ShellCommand {
            command,
            justification,
        } => function(with_justification(
            json!({"command": command}),
            justification,
        )),
        ToolSpec::ExecCommand { cmd, justification } => {
            function(with_justification(json!({"cmd": cmd}), justification))
        }
        ToolSpec::LocalShell { argv } => HistoryItem::LocalShellCall {
            call_id: call_id.to_owned(),
            argv: argv.clone(),
        },
        ToolSpec::ApplyPatch { patch } => HistoryItem::CustomToolCall {
            name: "apply_patch".to_owned(),
            input: patch.clone(),
            call_id: call_id.to_owned(),
        },
        ToolSpec::WriteStdin { session_id, chars } => {
            function(json!({"session_id": session_id, "chars": chars}).to_string())
        }
        ToolSpec::Mcp { arguments, .. }
        | ToolSpec::UpdatePlan { arguments }
        | ToolSpec::Other { arguments, .. } => function(raw_or_empty_object(arguments)),
        ToolSpec::Claude { input, .. } => function(input.to_string()),
        ToolSpec::SpawnAgent(ChildSpec {
            agent_type,
            message,
            ..
        }) => function(json!({"agent_type": agent_type, "message": message}).to_string()),
    }
}

/// A call as the agent parsed it from the model's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCall {
    pub call_id: String,
    pub name: String,
    /// Freeform input (custom tools) or JSON arguments text (function calls).
    pub payload: String,
    /// argv of a `local_shell_call`.
    pub argv: Option<Vec<String>>,
    pub custom: bool,
}

impl ParsedCall {
    pub fn from_item(item: &HistoryItem) -> Option<ParsedCall> {
        match item {
            HistoryItem::FunctionCall {
                name,
                arguments,
                call_id,
            } => Some(ParsedCall {
                call_id: call_id.clone(),
                name: name.clone(),
                payload: arguments.clone(),
                argv: None,
                custom: false,
            }),
            HistoryItem::CustomToolCall {
                name,
                input,
                call_id,
            } => Some(ParsedCall {
                call_id: call_id.clone(),
                name: name.clone(),
                payload: input.clone(),
                argv: None,
                custom: true,
            }),
            HistoryItem::LocalShellCall { call_id, argv } => Some(ParsedCall {
                call_id: call_id.clone(),
                name: "local_shell".to_owned(),
                payload: String::new(),
                argv: Some(argv.clone()),
                custom: false,
            }),
            _ => None,
        }
    }

    /// The output item carrying `output` back to the model.
    pub fn output_item(&self, output: String) -> HistoryItem {
        if self.custom {
            HistoryItem::CustomToolCallOutput {
                call_id: self.call_id.clone(),
                output,
            }
        } else {
            HistoryItem::FunctionCallOutput {
                call_id: self.call_id.clone(),
                output,
            }
        }
    }
}

/// Which family a call belongs to, as far as hooks are concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolKind {
    /// Fires tool hooks.
    Hooked(HookedCall),
    /// `write_stdin` to unified exec session `session_id`: no PreToolUse or
    /// PermissionRequest; PostToolUse for the starting call once the process exits.
    WriteStdin { session_id: i64 },
    /// `update_plan`: handled, no hooks.
    Plan,
    /// `spawn_agent`.
    SpawnAgent,
    /// Anything else: `unsupported call: <name>`, no hooks.
    Unsupported,
}

/// A call that fires tool hooks, as they see it, with what the approval flow needs; also
/// what an open unified exec session keeps of the call that started it (its PostToolUse
/// comes when the process exits). Built once, by [`classify`], from the parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct HookedCall {
    pub call_id: String,
    /// The canonical name hooks see (`Bash`, `apply_patch`, `mcp__s__t`).
    pub tool_name: String,
    pub tool_input: Value,
    /// Matcher aliases (`Write`, `Edit` for `apply_patch`).
    pub aliases: Vec<String>,
    /// The justification (Bash PermissionRequest `description`).
    pub justification: Option<String>,
    pub kind: HookedKind,
    /// Codex runs it unasked under approval policy `untrusted`: a shell command known to
    /// be read-only (see [`super::safe_command`]).
    pub known_safe: bool,
    /// What a session approval remembers of it, keyed as Codex caches approvals: a shell
    /// tool by its argv (`shell_command` runs as `bash -lc <command>`), a unified exec
    /// command by its text, in their own caches (an approval of one never covers the
    /// other); each file a patch touches (none parsed: nothing is remembered); an MCP tool
    /// by name.
    pub approval_keys: Vec<String>,
}

impl HookedCall {
    /// The Bash PermissionRequest `tool_input`: the command, and a description if any.
    pub fn bash_permission_input(&self, description: Option<String>) -> Value {
        let mut input =
            json!({"command": self.tool_input.get("command").cloned().unwrap_or(Value::Null)});
        if let (Some(d), Some(m)) = (description, input.as_object_mut()) {
            m.insert("description".into(), d.into());
        }
        input
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookedKind {
    Bash,
    ApplyPatch,
    Mcp,
}

/// Applies a PreToolUse `allow` + `updatedInput` rewrite (Codex 0.171, spec/codex-current.md
/// §2.3.1): `Bash` and `apply_patch` take only a string `command`; other tools take the
/// whole object. `Err`: the text the model gets instead of running the tool.
pub fn rewrite(tool: &mut HookedCall, input: Value) -> Result<(), String> {
    match tool.kind {
        HookedKind::Bash | HookedKind::ApplyPatch => {
            let Some(command) = input.get("command").and_then(Value::as_str) else {
                return Err("hook returned updatedInput without string field `command`".to_owned());
            };
            tool.tool_input["command"] = Value::String(command.to_owned());
            Ok(())
        }
        HookedKind::Mcp => {
            tool.tool_input = input;
            Ok(())
        }
    }
}

/// Classifies a parsed call. Errors are argument texts the agent cannot read.
pub fn classify(call: &ParsedCall) -> Result<ToolKind, String> {
    let args = || -> Result<Value, String> {
        serde_json::from_str(&call.payload).map_err(|e| {
            format!(
                "arguments of {} call {} are not JSON: {e}",
                call.name, call.call_id
            )
        })
    };
    let justification = |v: &Value| {
        v.get("justification")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let hooked = |tool_name: &str, tool_input: Value, kind: HookedKind| HookedCall {
        call_id: call.call_id.clone(),
        tool_name: tool_name.to_owned(),
        tool_input,
        aliases: Vec::new(),
        justification: None,
        kind,
        known_safe: false,
        approval_keys: Vec::new(),
    };
    // A shell-family call: how hooks see its command, and how Codex judges and caches it.
    let bash = |command: String, justification: Option<String>, known_safe: bool, key: String| {
        ToolKind::Hooked(HookedCall {
            justification,
            known_safe,
            approval_keys: vec![key],
            ..hooked("Bash", json!({ "command": command }), HookedKind::Bash)
        })
    };
    let argv_key = |argv: &[String]| format!("shell:{}", json!(argv));
    Ok(match call.name.as_str() {
        "local_shell" => {
            let argv = call.argv.as_deref().unwrap_or(&[]);
            bash(
                shell_join(argv),
                None,
                is_known_safe_argv(argv),
                argv_key(argv),
            )
        }
        "shell" => {
            let v = args()?;
            let words = v
                .get("command")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("shell call {}: `command` is not an array", call.call_id))?;
            let argv: Vec<String> = words
                .iter()
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
                .collect();
            // A word that is not a string is no command Codex could judge safe.
            let known_safe = words.iter().all(Value::is_string) && is_known_safe_argv(&argv);
            bash(
                shell_join(&argv),
                justification(&v),
                known_safe,
                argv_key(&argv),
            )
        }
        "shell_command" | "exec_command" => {
            let v = args()?;
            let unified = call.name == "exec_command";
            let key = if unified { "cmd" } else { "command" };
            let command = v.get(key).and_then(Value::as_str).ok_or_else(|| {
                format!(
                    "{} call {}: `{key}` is not a string",
                    call.name, call.call_id
                )
            })?;
            // Both run as `bash -lc <command>`; the caches differ.
            let cache_key = if unified {
                format!("unified_exec:{command}")
            } else {
                argv_key(&["bash".to_owned(), "-lc".to_owned(), command.to_owned()])
            };
            let known_safe = is_known_safe_script(command);
            bash(command.to_owned(), justification(&v), known_safe, cache_key)
        }
        "apply_patch" => ToolKind::Hooked(HookedCall {
            aliases: vec!["Write".to_owned(), "Edit".to_owned()],
            approval_keys: patch_files(&call.payload)
                .map(|path| format!("patch:{path}"))
                .collect(),
            ..hooked(
                "apply_patch",
                json!({ "command": call.payload }),
                HookedKind::ApplyPatch,
            )
        }),
        "write_stdin" => {
            let v = args()?;
            let session_id = v.get("session_id").and_then(Value::as_i64).ok_or_else(|| {
                format!(
                    "write_stdin call {}: `session_id` is not an integer",
                    call.call_id
                )
            })?;
            ToolKind::WriteStdin { session_id }
        }
        "update_plan" => ToolKind::Plan,
        "spawn_agent" => ToolKind::SpawnAgent,
        name if is_mcp_name(name) => ToolKind::Hooked(HookedCall {
            approval_keys: vec![format!("mcp:{name}")],
            ..hooked(name, mcp_input(&call.payload), HookedKind::Mcp)
        }),
        _ => ToolKind::Unsupported,
    })
}

/// The files a patch touches: its `*** Add/Update/Delete File:` and `*** Move to:` paths.
fn patch_files(patch: &str) -> impl Iterator<Item = &str> {
    patch.lines().filter_map(|line| {
        [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ]
        .iter()
        .find_map(|prefix| line.strip_prefix(prefix))
        .map(str::trim)
    })
}

fn is_mcp_name(name: &str) -> bool {
    mcp_parts(name).is_some()
}

/// How a lifecycle-dialect PreToolUse / PostToolUse payload describes a call: the
/// model-visible tool name; `tool_input` tagged by the call's wire form (`custom` for a
/// freeform call, `local_shell` with its argv, `mcp` for an MCP tool, else `function` with
/// the arguments text as sent). `mutating`, `sandbox` and `sandbox_policy` are not known to
/// the mock agent and are omitted.
pub fn lifecycle_tool_call(turn_id: &str, call: &ParsedCall) -> ToolCall {
    let tool_input = if call.custom {
        ToolInput::Custom {
            input: call.payload.clone(),
        }
    } else if let Some(argv) = &call.argv {
        ToolInput::LocalShell(ShellParams {
            command: argv.clone(),
            ..ShellParams::default()
        })
    } else if let Some((server, tool)) = mcp_parts(&call.name) {
        ToolInput::Mcp {
            server: server.to_owned(),
            tool: tool.to_owned(),
            arguments: call.payload.clone(),
        }
    } else {
        ToolInput::Function {
            arguments: call.payload.clone(),
        }
    };
    ToolCall {
        turn_id: turn_id.to_owned(),
        call_id: call.call_id.clone(),
        tool_name: call.name.clone(),
        tool_kind: tool_input.kind(),
        tool_input,
        mutating: None,
        sandbox: None,
        sandbox_policy: None,
    }
}

/// `(server, tool)` of an `mcp__{server}__{tool}` name.
fn mcp_parts(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix("mcp__")
        .and_then(|rest| rest.split_once("__"))
        .filter(|(server, tool)| !server.is_empty() && !tool.is_empty())
}

/// MCP `tool_input`: parsed JSON arguments; blank → `{}`; unparseable → the raw string.
pub fn mcp_input(arguments: &str) -> Value {
    if arguments.trim().is_empty() {
        return json!({});
    }
    serde_json::from_str(arguments).unwrap_or_else(|_| Value::String(arguments.to_owned()))
}

/// The serialized MCP `CallToolResult` for a scripted result.
pub fn mcp_result(output: &str, is_error: bool) -> Value {
    json!({
        "content": [{"type": "text", "text": output}],
        "structuredContent": null,
        "isError": is_error,
    })
}

/// The text the model gets when PreToolUse blocks a call.
pub fn blocked_text(tool_name: &str, tool_input: &Value, reason: &str) -> String {
    match (tool_name, tool_input.get("command").and_then(Value::as_str)) {
        ("Bash" | "apply_patch", Some(command)) => {
            format!("Command blocked by PreToolUse hook: {reason}. Command: {command}")
        }
        _ => format!("Tool call blocked by PreToolUse hook: {reason}. Tool: {tool_name}"),
    }
}

/// The tool definitions sent with every request (`tools`).
pub fn tool_definitions(mcp_tools: &[String]) -> Value {
    let function = |name: &str, description: &str, parameters: Value| json!({"type": "function", "name": name, "description": description, "strict": false, "parameters": parameters});
    let mut tools = vec![
        function(
            "shell",
            "Runs a command (argv).",
            json!({"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}, "justification": {"type": "string"}}, "required": ["command"]}),
        ),
        function(
            "shell_command",
            "Runs a shell command line.",
            json!({"type": "object", "properties": {"command": {"type": "string"}, "justification": {"type": "string"}}, "required": ["command"]}),
        ),
        function(
            "exec_command",
            "Runs a command in a PTY.",
            json!({"type": "object", "properties": {"cmd": {"type": "string"}, "justification": {"type": "string"}}, "required": ["cmd"]}),
        ),
        function(
            "write_stdin",
            "Writes to a running exec_command session (empty chars: poll its output).",
            json!({"type": "object", "properties": {"session_id": {"type": "integer"}, "chars": {"type": "string"}}, "required": ["session_id"]}),
        ),
        json!({"type": "custom", "name": "apply_patch", "description": "Edits files with a patch.", "format": {"type": "text"}}),
        json!({"type": "local_shell"}),
        function(
            "update_plan",
            "Updates the task plan.",
            json!({"type": "object", "properties": {"plan": {"type": "array"}}}),
        ),
        function(
            "spawn_agent",
            "Spawns a subagent.",
            json!({"type": "object", "properties": {"agent_type": {"type": "string"}, "message": {"type": "string"}}, "required": ["message"]}),
        ),
    ];
    for name in mcp_tools {
        tools.push(function(name, "MCP tool.", json!({"type": "object"})));
    }
    Value::Array(tools)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn shell_join_quotes_only_what_needs_it() {
        assert_eq!(
            shell_join(&v(&["ls", "-la", "/tmp/x.txt"])),
            "ls -la /tmp/x.txt"
        );
        assert_eq!(shell_join(&v(&["echo", "a b", ""])), "echo 'a b' ''");
        assert_eq!(shell_join(&v(&["echo", "it's"])), "echo \"it's\"");
        assert_eq!(
            shell_join(&v(&["sh", "-c", "x=$HOME; echo $x"])),
            "sh -c 'x=$HOME; echo $x'"
        );
    }

    #[test]
    fn mcp_input_rules() {
        assert_eq!(mcp_input("  "), json!({}));
        assert_eq!(mcp_input(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(mcp_input("not json"), json!("not json"));
    }

    #[test]
    fn mcp_names() {
        assert!(is_mcp_name("mcp__rmcp__echo"));
        assert!(!is_mcp_name("mcp__rmcp"));
        assert!(!is_mcp_name("mcp____x"));
    }

    #[test]
    fn blocked_texts() {
        assert_eq!(
            blocked_text("Bash", &json!({"command": "rm -rf /"}), "no"),
            "Command blocked by PreToolUse hook: no. Command: rm -rf /"
        );
        assert_eq!(
            blocked_text("mcp__rmcp__echo", &json!({"x": 1}), "no"),
            "Tool call blocked by PreToolUse hook: no. Tool: mcp__rmcp__echo"
        );
    }
}
