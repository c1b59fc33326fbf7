//! Turns a (shrunk) case into things a person can run: a `sh` command that prints the same
//! bytes and ends the same way, a ready-to-paste `hooktape probe …` command, and a
//! `hooks.json` handler using `printf`.

use serde_json::json;

use super::strategies::ParserCase;
use crate::engine::{HandlerExit, HookEvent};

/// Quotes one word for a POSIX shell (left bare when it is plainly safe).
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A single-quoted `printf` format that prints exactly `bytes`: printable ASCII as is,
/// `%` and `\` escaped, everything else (quotes, controls, non-ASCII, a leading `-`) as
/// three-digit octal escapes, which POSIX `printf` understands.
pub fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('\'');
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b'-' if i == 0 => out.push_str("\\055"),
            b'\'' => out.push_str("\\047"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('\'');
    out
}

/// Seconds in "hook timed out after Ns".
fn timed_out_secs(message: &str) -> Option<u64> {
    message
        .strip_prefix("hook timed out after ")?
        .strip_suffix('s')?
        .parse()
        .ok()
}

/// How a case can be reproduced by a real hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reproduction {
    /// The `sh` command of the handler.
    pub command: String,
    /// The handler timeout to set, when the case is a timeout.
    pub timeout_secs: Option<u64>,
}

/// A `sh` command that writes the case's stdout and stderr and ends like it; `None` for a
/// runner error no command can cause (a spawn or stdin write failure).
pub fn reproduction(case: &ParserCase) -> Option<Reproduction> {
    let mut parts = Vec::new();
    if !case.stdout.is_empty() {
        parts.push(format!("printf {}", printf_format(&case.stdout)));
    }
    if !case.stderr.is_empty() {
        parts.push(format!("printf {} >&2", printf_format(&case.stderr)));
    }
    let mut timeout_secs = None;
    match &case.exit {
        HandlerExit::Code { code } => parts.push(format!("exit {}", code.rem_euclid(256))),
        HandlerExit::Signal { signal } => {
            parts.push(format!("kill -{} $$", signal.unwrap_or(9)));
        }
        HandlerExit::RunnerError { message } | HandlerExit::OutputHeldOpen { message, .. } => {
            let secs = timed_out_secs(message)?;
            timeout_secs = Some(secs);
            parts.push(format!("sleep {}", secs + 2));
        }
    }
    Some(Reproduction {
        command: parts.join("; "),
        timeout_secs,
    })
}

/// Whether the real hook's exit code matches the case's (a code outside 0..=255 wraps).
pub fn exit_code_wraps(case: &ParserCase) -> bool {
    matches!(case.exit, HandlerExit::Code { code } if !(0..=255).contains(&code))
}

/// `hooktape probe --event E [--timeout N] -- sh -c '…'`.
pub fn probe_command(event: HookEvent, repro: &Reproduction) -> String {
    let mut out = format!("hooktape probe --event {}", event.config_name());
    if let Some(secs) = repro.timeout_secs {
        out.push_str(&format!(" --timeout {secs}"));
    }
    out.push_str(&format!(" -- sh -c {}", shell_quote(&repro.command)));
    out
}

/// A `hooks.json` with one handler reproducing the case.
pub fn hooks_json(event: HookEvent, repro: &Reproduction) -> String {
    let mut handler = json!({"type": "command", "command": repro.command});
    if let Some(secs) = repro.timeout_secs {
        handler["timeout"] = json!(secs);
    }
    let mut events = serde_json::Map::new();
    events.insert(
        event.config_name().to_owned(),
        json!([{ "hooks": [handler] }]),
    );
    serde_json::to_string_pretty(&json!({ "hooks": events })).unwrap_or_default()
}

/// A scenario file (the `scenarios/*.toml` format) reproducing the case: one user layer
/// with the handler and one turn that fires the event.
pub fn scenario_snippet(event: HookEvent, repro: &Reproduction) -> String {
    let command = toml::Value::String(repro.command.clone());
    let timeout = repro
        .timeout_secs
        .map(|s| format!(", timeout = {s}"))
        .unwrap_or_default();
    // The fuzzed rules are Codex 4e30281's (the conformance vectors' engine).
    let session = if event == HookEvent::PermissionRequest {
        "[session]\ndialect = \"codex-4e30281\"\napproval_policy = \"on-request\"\n\n"
    } else {
        "[session]\ndialect = \"codex-4e30281\"\n\n"
    };
    let mut out = format!(
        "description = \"hooktape fuzz: {event} reproduction\"\n\n{session}[[layers]]\nkind = \"user\"\n[layers.hooks]\n{event} = [{{ hooks = [{{ type = \"command\", command = {command}{timeout} }}] }}]\n\n[[turns]]\nprompt = \"hello\"\n[[turns.responses]]\n"
    );
    let turn = match event {
        HookEvent::PreToolUse | HookEvent::PostToolUse => {
            "calls = [{ shell = [\"ls\"] }]\n[turns.results.call-1]\noutput = \"src\\n\"\n[[turns.responses]]\nmessage = \"done\"\n"
        }
        HookEvent::PermissionRequest => {
            "calls = [{ shell = [\"ls\"] }]\n[turns.results.call-1]\noutput = \"src\\n\"\nneeds_approval = true\n[[turns.responses]]\nmessage = \"done\"\n"
        }
        HookEvent::SubagentStart | HookEvent::SubagentStop => {
            "calls = [{ spawn = \"explorer\", message = \"List src/\", responses = [{ message = \"src/ has main.rs.\" }] }]\n[[turns.responses]]\nmessage = \"done\"\n"
        }
        HookEvent::PreCompact | HookEvent::PostCompact => {
            "message = \"done\"\n\n[[turns]]\ncompact = \"Summary of the session.\"\n"
        }
        HookEvent::SessionStart
        | HookEvent::UserPromptSubmit
        | HookEvent::Stop
        | HookEvent::SessionEnd
        | HookEvent::PreModelRequest
        | HookEvent::PostModelRequest
        | HookEvent::Interrupt => "message = \"done\"\n",
    };
    out.push_str(turn);
    if matches!(event, HookEvent::Stop | HookEvent::SubagentStop) {
        out.push_str(
            "# a blocking hook makes the model answer again: add a response per continuation\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_format_escapes_what_the_shell_or_printf_would_eat() {
        assert_eq!(printf_format(b"ok"), "'ok'");
        assert_eq!(printf_format(b"-a%b\\c'"), "'\\055a%%b\\\\c\\047'");
        assert_eq!(printf_format(&[0, 0xff, b'\n']), "'\\000\\377\\012'");
    }

    #[test]
    fn the_scenario_snippet_is_toml_with_the_command() {
        let repro = Reproduction {
            command: "printf '{\"a\":1}'; exit 0".to_owned(),
            timeout_secs: None,
        };
        let text = scenario_snippet(HookEvent::Stop, &repro);
        let value: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(
            value["layers"][0]["hooks"]["Stop"][0]["hooks"][0]["command"].as_str(),
            Some(repro.command.as_str())
        );
        assert_eq!(value["turns"][0]["prompt"].as_str(), Some("hello"));
    }

    #[test]
    fn shell_quote_leaves_safe_words_bare() {
        assert_eq!(shell_quote("Stop"), "Stop");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
