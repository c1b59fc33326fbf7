//! Names and texts of Claude Code 2.1.197 that several parts of the session use.

/// The subagent types Claude Code 2.1.197 offers the `Agent` tool in `-p` mode.
pub const AGENT_TYPES: [&str; 5] = [
    "general-purpose",
    "Explore",
    "Plan",
    "claude",
    "statusline-setup",
];

/// Models with which Claude Code 2.1.197 keeps auto mode on (with `claude-sonnet-4-5` it
/// falls back to `default` without a word). Only this one is played: its hooks' payloads
/// carry `effort` (observed).
pub const AUTO_MODE_MODELS: [&str; 1] = ["claude-sonnet-4-6"];

/// The effort level Claude Code gives `model`'s hooks (`effort` in the payloads of the
/// events of a turn's loop, `CLAUDE_EFFORT`), if any: `claude-sonnet-4-5` has none,
/// `claude-sonnet-4-6` (the auto-mode model) `high` (both observed).
pub(crate) fn effort(model: &str) -> Option<&'static str> {
    AUTO_MODE_MODELS.contains(&model).then_some("high")
}

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

/// How the instructions block of a compaction request opens (the last block of its last
/// user message); crosscheck knows the real request by it.
pub const COMPACT_OPEN: &str = "CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.";

/// The instructions block hooktape sends with a compaction request. Claude Code's own is
/// about 6,000 characters of summary instructions; hooktape stands one line in for them and
/// keeps what hooks change: `Additional Instructions:` (the `/compact` arguments, then
/// PreCompact's output) and the closing reminder. [`compaction_prompt_of`] reduces the real
/// block to this form.
pub fn compaction_prompt(additional: Option<&str>) -> String {
    let extra = additional
        .map(|a| format!("Additional Instructions:\n{a}\n\n"))
        .unwrap_or_default();
    format!("{COMPACT_OPEN}\n\n(Claude Code's instructions for an <analysis> and a <summary> of the conversation)\n\n\n{extra}{COMPACT_REMINDER}")
}

const COMPACT_REMINDER: &str = "REMINDER: Do NOT call any tools. Respond with plain text only — an <analysis> block followed by a <summary> block. Tool calls will be rejected and you will fail the task.";

/// A real compaction instructions block in [`compaction_prompt`]'s form; `None` for any
/// other text.
pub fn compaction_prompt_of(text: &str) -> Option<String> {
    if !text.starts_with(COMPACT_OPEN) {
        return None;
    }
    let tail = ["\n\n\nAdditional Instructions:\n", "\n\n\nREMINDER:"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()?;
    let rest = &text[tail + 3..];
    let additional = rest
        .strip_prefix("Additional Instructions:\n")
        .and_then(|r| r.rfind("\n\nREMINDER:").map(|end| &r[..end]));
    Some(compaction_prompt(additional))
}

/// The user message that stands for the conversation after a compaction.
pub fn summary_message(reply: &str, transcript_path: &str) -> String {
    format!(
        "This session is being continued from a previous conversation that ran out of context. The summary below covers the earlier portion of the conversation.\n\n{}\n\nIf you need specific details from before compaction (like exact code snippets, error messages, or content you generated), read the full transcript at: {transcript_path}\nContinue the conversation from where it left off without asking the user any further questions. Resume directly — do not acknowledge the summary, do not recap what was happening, do not preface with \"I'll continue\" or similar. Pick up the last task as if the break never happened.",
        formatted_summary(reply)
    )
}

/// The model's summary as Claude Code keeps it: `<analysis>` dropped, `<summary>X</summary>`
/// made `Summary:\nX`, runs of blank lines made one, trimmed.
fn formatted_summary(reply: &str) -> String {
    let mut text = reply.to_owned();
    if let (Some(a), Some(b)) = (text.find("<analysis>"), text.find("</analysis>")) {
        if a < b {
            text.replace_range(a..b + "</analysis>".len(), "");
        }
    }
    if let (Some(a), Some(b)) = (text.find("<summary>"), text.find("</summary>")) {
        if a < b {
            let inner = text[a + "<summary>".len()..b].trim().to_owned();
            text.replace_range(a..b + "</summary>".len(), &format!("Summary:\n{inner}"));
        }
    }
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_owned()
}

/// What a local command's messages open with in the next request.
pub const LOCAL_COMMAND_CAVEAT: &str = "<local-command-caveat>Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.</local-command-caveat>\n";

/// `/compact [args]` as the next request shows it.
pub fn compact_command(args: &str) -> String {
    format!("<command-name>/compact</command-name>\n            <command-message>compact</command-message>\n            <command-args>{args}</command-args>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_instructions_block_reduces_to_hooktapes() {
        let real = format!("{COMPACT_OPEN}\n\nYour task is to create a detailed summary…\n</example>\n\n\nAdditional Instructions:\nfocus on X\n\nPRE_OUT\n\n{COMPACT_REMINDER}");
        assert_eq!(
            compaction_prompt_of(&real).as_deref(),
            Some(compaction_prompt(Some("focus on X\n\nPRE_OUT")).as_str())
        );
        let bare = format!("{COMPACT_OPEN}\n\nYour task…\n</example>\n\n\n{COMPACT_REMINDER}");
        assert_eq!(compaction_prompt_of(&bare), Some(compaction_prompt(None)));
        assert_eq!(compaction_prompt_of("hello"), None);
        // hooktape's own block is a fixed point.
        let own = compaction_prompt(Some("a"));
        assert_eq!(compaction_prompt_of(&own), Some(own.clone()));
    }

    #[test]
    fn a_summary_keeps_its_summary_and_drops_its_analysis() {
        assert_eq!(
            formatted_summary(
                "<analysis>\nA\n</analysis>\n\n<summary>\n1. Intent:\n   SUM\n</summary>"
            ),
            "Summary:\n1. Intent:\n   SUM"
        );
        assert_eq!(formatted_summary("SUMMARY TEXT"), "SUMMARY TEXT");
    }
}
