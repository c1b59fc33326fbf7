//! The tools a Codex release offers and the texts the model gets from them: chosen once per
//! session from its dialect (in [`super::play_with`]), like the hook points. Codex at
//! 4e30281 runs `shell`, `shell_command`, `local_shell`, `exec_command`, `apply_patch`,
//! `update_plan`; Codex 0.171 offers the `exec_command` family (`shell`, `shell_command`
//! and `update_plan` answer `unsupported call: <name>`), wraps outputs in an envelope
//! (`Chunk ID`, `Wall time`, `Process exited with code`, `Original token count`) and words
//! rejections as its process layer does (`spec/codex-current.md` §8).

use serde_json::Value;

use super::tools::{classify, mcp_result, HookedCall, HookedKind, ParsedCall, ToolKind};
use crate::engine::Dialect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolSet {
    /// Codex at upstream 4e30281 (and the lifecycle branch).
    Codex4e30281,
    /// Codex 0.171.0.
    Codex0171,
}

/// Who refused an approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// A PermissionRequest hook denied, with its message.
    Hook(String),
    /// The user declined.
    User,
}

/// Codex 0.171's compaction prompt (OBSERVED through crosscheck).
const COMPACTION_PROMPT_0171: &str = "You are performing a CONTEXT CHECKPOINT COMPACTION. Create a handoff summary for another LLM that will resume the task.

Include:
- Current progress and key decisions made
- Important context, constraints, or user preferences
- What remains to be done (clear next steps)
- Any critical data, examples, or references needed to continue

Be concise, structured, and focused on helping the next LLM seamlessly continue the work.
";

/// What precedes the summary in the history Codex 0.171 keeps after compaction.
const SUMMARY_PREFIX_0171: &str = "Another language model started to solve this problem and produced a summary of its thinking process. You also have access to the state of the tools that were used by that language model. Use this to build on the work that has already been done and avoid duplicating work. Here is the summary produced by the other language model, use the information in this summary to assist with your own analysis:";

/// 0.171's answer to an `exec_command` with a `justification` but no `sandbox_permissions`
/// (OBSERVED through crosscheck); no hook fires.
const JUSTIFICATION_NEEDS_PERMISSIONS: &str = "`justification` requires an explicit `sandbox_permissions`; use `sandbox_permissions: \"require_escalated\"` for unsandboxed execution, or omit `justification`.";

/// XML-escapes `&`, `<`, `>`, `"` and `'` (as Codex does in a `<hook_prompt>`).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One `<hook_prompt>` fragment, as Codex at 4e30281 writes it.
fn hook_prompt_fragment(hook_run_id: &str, text: &str) -> String {
    format!(
        "<hook_prompt hook_run_id=\"{}\">{}</hook_prompt>",
        xml_escape(hook_run_id),
        xml_escape(text)
    )
}

/// One `<hook_prompt>` fragment as Codex 0.171 writes it: quotes in the text are kept
/// (OBSERVED through crosscheck).
fn hook_prompt_fragment_0171(hook_run_id: &str, text: &str) -> String {
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<hook_prompt hook_run_id=\"{}\">{text}</hook_prompt>",
        xml_escape(hook_run_id)
    )
}

impl ToolSet {
    /// One `<hook_prompt>` fragment as this release writes it.
    pub(crate) fn hook_prompt(self, hook_run_id: &str, text: &str) -> String {
        match self {
            ToolSet::Codex4e30281 => hook_prompt_fragment(hook_run_id, text),
            ToolSet::Codex0171 => hook_prompt_fragment_0171(hook_run_id, text),
        }
    }

    /// The user message that asks the model for a compaction summary.
    pub(crate) fn compaction_prompt(self) -> &'static str {
        match self {
            ToolSet::Codex4e30281 => super::client::COMPACTION_PROMPT,
            ToolSet::Codex0171 => COMPACTION_PROMPT_0171,
        }
    }

    /// The user message that carries the summary into the compacted history.
    pub(crate) fn summary_message(self, summary: &str) -> String {
        match self {
            ToolSet::Codex4e30281 => summary.to_owned(),
            ToolSet::Codex0171 => format!("{SUMMARY_PREFIX_0171}\n{summary}"),
        }
    }

    pub(crate) fn of(dialect: Dialect) -> ToolSet {
        if dialect.is_current() {
            ToolSet::Codex0171
        } else {
            ToolSet::Codex4e30281
        }
    }

    /// What a call is, in this release.
    pub(crate) fn classify(self, call: &ParsedCall) -> Result<ToolKind, String> {
        if self == ToolSet::Codex0171
            && matches!(
                call.name.as_str(),
                "shell" | "shell_command" | "update_plan" | "local_shell"
            )
        {
            return Ok(ToolKind::Unsupported);
        }
        classify(call)
    }

    /// What the model gets for a call this release refuses for its arguments once
    /// PreToolUse let it through (0.171: an `exec_command` with a `justification` but no
    /// `sandbox_permissions`; OBSERVED through crosscheck: PreToolUse runs first).
    pub(crate) fn argument_refusal(self, call: &ParsedCall) -> Option<String> {
        if self != ToolSet::Codex0171 || call.name != "exec_command" {
            return None;
        }
        let args: Value = serde_json::from_str(&call.payload).unwrap_or(Value::Null);
        (args.get("justification").is_some() && args.get("sandbox_permissions").is_none())
            .then(|| JUSTIFICATION_NEEDS_PERMISSIONS.to_owned())
    }

    /// A finished execution: `(tool_response for PostToolUse, what the model gets)`.
    pub(crate) fn finished(
        self,
        call: &HookedCall,
        exit_code: i32,
        raw_output: &str,
    ) -> (Value, String) {
        let success = exit_code == 0;
        match (self, call.kind) {
            (_, HookedKind::Mcp) => {
                let v = mcp_result(raw_output, !success);
                let text = v.to_string();
                (v, text)
            }
            (ToolSet::Codex4e30281, HookedKind::Bash) if !success => (
                Value::String(raw_output.to_owned()),
                format!("Exit code: {exit_code}\nOutput:\n{raw_output}"),
            ),
            (ToolSet::Codex4e30281, HookedKind::Bash | HookedKind::ApplyPatch) => {
                (Value::String(raw_output.to_owned()), raw_output.to_owned())
            }
            (ToolSet::Codex0171, HookedKind::Bash) => (
                Value::String(raw_output.to_owned()),
                format!(
                    "{}Process exited with code {exit_code}\nOriginal token count: {}\nOutput:\n{raw_output}",
                    exec_head(&call.call_id),
                    token_count(raw_output)
                ),
            ),
            (ToolSet::Codex0171, HookedKind::ApplyPatch) => {
                // No scripted output: what 0.171 prints after applying the patch.
                let applied;
                let raw_output = if success && raw_output.is_empty() {
                    applied = patch_summary(call.tool_input["command"].as_str().unwrap_or(""));
                    applied.as_str()
                } else {
                    raw_output
                };
                let text =
                    format!("Exit code: {exit_code}\nWall time: 0 seconds\nOutput:\n{raw_output}");
                (Value::String(text.clone()), text)
            }
        }
    }

    /// An exec process still running (its unified exec session stays open).
    pub(crate) fn running(self, call_id: &str, session_id: i64, output: &str) -> String {
        match self {
            ToolSet::Codex4e30281 => {
                format!("Process running with session ID {session_id}\nOutput:\n{output}")
            }
            ToolSet::Codex0171 => format!(
                "{}Process running with session ID {session_id}\nOriginal token count: {}\nOutput:\n{output}",
                exec_head(call_id),
                token_count(output)
            ),
        }
    }

    /// What the model gets for a call whose approval was refused.
    pub(crate) fn rejected(self, call: &HookedCall, by: Rejection) -> String {
        match (self, call.kind, by) {
            (ToolSet::Codex0171, HookedKind::Bash, by) => {
                let reason = match by {
                    Rejection::Hook(message) => message,
                    Rejection::User => "rejected by user".to_owned(),
                };
                // Rust's debug quoting, twice: inside `Rejected(…)`, then the whole message.
                let inner = format!("Rejected({reason:?})");
                format!("exec_command failed: CreateProcess {{ message: {inner:?} }}")
            }
            (ToolSet::Codex0171, HookedKind::ApplyPatch, Rejection::User) => {
                "patch rejected by user".to_owned()
            }
            (_, _, Rejection::Hook(message)) => message,
            (_, _, Rejection::User) => format!("{} rejected by user", call.tool_name),
        }
    }
}

/// The head of an `exec_command` output: a chunk id (6 hex digits; Codex draws them at
/// random, hooktape derives them from the call id so a golden stays the same) and the wall
/// time, 0 under the replay's fixed clock.
fn exec_head(call_id: &str) -> String {
    // FNV-1a, folded to 24 bits.
    let hash = call_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "Chunk ID: {:06x}\nWall time: 0.0000 seconds\n",
        (hash ^ (hash >> 24) ^ (hash >> 48)) & 0xff_ffff
    )
}

/// `apply_patch`'s report of a patch it applied: `Success. Updated the following files:` and
/// one `A`/`M`/`D <path>` line per file (OBSERVED through crosscheck).
fn patch_summary(patch: &str) -> String {
    let mut out = String::from("Success. Updated the following files:\n");
    for line in patch.lines() {
        for (header, letter) in [
            ("*** Add File: ", 'A'),
            ("*** Update File: ", 'M'),
            ("*** Delete File: ", 'D'),
        ] {
            if let Some(path) = line.strip_prefix(header) {
                out += &format!("{letter} {}\n", path.trim());
            }
        }
    }
    out
}

/// Codex's token estimate of a text: its UTF-8 bytes / 4, rounded up.
fn token_count(text: &str) -> usize {
    text.len().div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bash() -> HookedCall {
        HookedCall {
            call_id: "call-1".to_owned(),
            tool_name: "Bash".to_owned(),
            tool_input: json!({"command": "echo hello"}),
            aliases: Vec::new(),
            justification: None,
            kind: HookedKind::Bash,
            known_safe: false,
            approval_keys: Vec::new(),
        }
    }

    #[test]
    fn exec_command_output_is_wrapped_as_0_171_wraps_it() {
        let (response, text) = ToolSet::Codex0171.finished(&bash(), 0, "hello\n");
        assert_eq!(response, json!("hello\n"));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Chunk ID: ") && lines[0].len() == "Chunk ID: ".len() + 6);
        assert_eq!(
            &lines[1..],
            [
                "Wall time: 0.0000 seconds",
                "Process exited with code 0",
                "Original token count: 2",
                "Output:",
                "hello"
            ]
        );
    }

    #[test]
    fn a_denial_is_quoted_twice_as_rust_debug_strings() {
        // spec/codex-current.md §8.3, p15 R7.
        let text = ToolSet::Codex0171.rejected(
            &bash(),
            Rejection::Hook("say \"hi\"\nline2 \\ tab\tend é".to_owned()),
        );
        assert_eq!(
            text,
            r#"exec_command failed: CreateProcess { message: "Rejected(\"say \\\"hi\\\"\\nline2 \\\\ tab\\tend é\")" }"#
        );
        assert_eq!(
            ToolSet::Codex0171.rejected(&bash(), Rejection::User),
            r#"exec_command failed: CreateProcess { message: "Rejected(\"rejected by user\")" }"#
        );
        assert_eq!(
            ToolSet::Codex4e30281.rejected(&bash(), Rejection::User),
            "Bash rejected by user"
        );
    }
}
