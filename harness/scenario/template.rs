//! The commented starter scenario `hooktape new NAME --event EVENT` writes: one hook on that
//! event (a script that echoes its payload to stderr and allows everything) and the turns
//! that make the event fire. It runs as written; the author edits from there.

use crate::engine::event::HookEvent;

/// The folder a scenario of this event goes in: `scenarios/<folder>/NAME.toml`.
pub fn event_folder(event: HookEvent) -> String {
    let name = event.config_name();
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// The starter scenario text for `event`.
pub fn starter(name: &str, event: HookEvent) -> String {
    let ev = event.config_name();
    let matcher = match event {
        HookEvent::PreToolUse | HookEvent::PermissionRequest | HookEvent::PostToolUse => {
            "matcher = \"Bash\", "
        }
        _ => "",
    };
    let turns = match event {
        HookEvent::PreToolUse | HookEvent::PostToolUse | HookEvent::PermissionRequest => {
            let approval = if event == HookEvent::PermissionRequest {
                "\n# `needs_approval`: the agent would ask the user, so PermissionRequest fires.\nneeds_approval = true"
            } else {
                ""
            };
            format!(
                r#"[[turns]]
prompt = "List the files"

# One entry per sampling request, in order. This one runs a command with the
# exec_command tool (hooks see it as `Bash`); its id defaults to `call-1`.
[[turns.responses]]
calls = [{{ exec = "ls -la" }}]

# What the tool returns when it runs (keyed by call id). Omitted: empty success.
[turns.results.call-1]
output = "README.md\n"{approval}

# After the tool output, the model answers and the turn ends.
[[turns.responses]]
message = "There is a README."
"#
            )
        }
        HookEvent::PreCompact | HookEvent::PostCompact => r#"[[turns]]
prompt = "Start working"
[[turns.responses]]
message = "Working on it."

# A manual compaction (`/compact`): its own turn; the text is the model's summary.
[[turns]]
compact = "Summary: the user asked to start working."
"#
        .to_owned(),
        HookEvent::SubagentStart | HookEvent::SubagentStop => r#"[[turns]]
prompt = "Ask a helper to look around"

# `spawn` starts a subagent of that type; `responses` are the subagent's own answers.
[[turns.responses]]
calls = [{ spawn = "explorer", message = "Look around", responses = [{ message = "Nothing unusual." }] }]

[[turns.responses]]
message = "The helper found nothing unusual."
"#
        .to_owned(),
        _ => r#"[[turns]]
prompt = "Say hello"

# One entry per sampling request, in order.
[[turns.responses]]
message = "Hello!"
"#
        .to_owned(),
    };
    format!(
        r##"# {name}: a hooktape scenario (format: scenario.schema.json at the repo root).
# Run it:    hooktape run <this file>
# Golden:    hooktape bless <this file>, then review goldens/…/{name}.snap
description = "{ev} hook sees its payload and allows (edit me)"

# The session defaults: model "gpt-5-codex", approval_policy "on-request", cwd = project,
# dialect "codex" ("lifecycle": argv hooks in a layer's config_toml `[hooks]` table).
[session]
approval_policy = "on-request"

# Hook layers: kind = system | user | project | session_flags | managed. Inline `hooks` is the
# `hooks` object of hooks.json written as TOML; or give hooks_json / config_toml / file.
[[layers]]
kind = "project"
[layers.hooks]
{ev} = [{{ {matcher}hooks = [{{ type = "command", command = "./.codex/hooks/{file}.sh" }}] }}]

# Files written into the workspace (under the project unless root = "home"/"workspace").
# Scripts (`#!` or .sh) are made executable. Hooks run with a minimal environment:
# PATH, LANG, TERM, USER, HOME/CODEX_HOME/TMPDIR inside the workspace, plus [env].
[[files]]
path = ".codex/hooks/{file}.sh"
content = '''
#!/bin/sh
# Echo the payload to stderr (shown in the golden) and print nothing: allow.
cat >&2
'''

{turns}"##,
        file = event_folder(event),
    )
}

/// The repository's own hooks file as Codex reads it, relative to `root`:
/// `.codex/hooks.json`, else `.codex/config.toml` (its `[hooks]`).
pub fn repository_hooks_file(root: &std::path::Path) -> Option<&'static str> {
    [".codex/hooks.json", ".codex/config.toml"]
        .into_iter()
        .find(|f| root.join(f).is_file())
}

/// The scenario entries that run the repository's hooks file `file` (relative to `root`): a
/// project layer reading it as Codex does, and the scripts of `.codex/` copied at every run.
pub fn repository_hook_layers(root: &std::path::Path, file: &str) -> String {
    let file = toml::Value::String(file.replace('\\', "/"));
    let mut out = format!(
        "# The repository's own hooks, read exactly as Codex reads them.\n\
         [[layers]]\n\
         kind = \"project\"\n\
         file = {file}\n"
    );
    if root.join(".codex").is_dir() {
        out +=
            "\n# The scripts the hooks run, copied from the repository at every run: a change to\n\
                # them changes the golden. Add a `[[files]] from = …` for scripts kept elsewhere.\n\
                [[files]]\n\
                from = \".codex\"\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_starter_loads() {
        for event in HookEvent::ALL {
            let text = starter("x", event);
            crate::scenario::load_str(Path::new("x.toml"), &text)
                .unwrap_or_else(|e| panic!("{event:?}: {e}\n{text}"));
        }
        assert_eq!(event_folder(HookEvent::PreToolUse), "pre_tool_use");
    }
}
