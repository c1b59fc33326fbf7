//! `hooktape import`: a real agent session (a Codex rollout) turned into a scenario that
//! replays it against the repository's hooks — the prompts as turns, the model's answers as
//! scripted responses, the tools' outputs as scripted results, the repository's hooks as
//! layers. Secrets it recognises are redacted and the user's paths become the workspace's;
//! what it cannot carry over is a comment in the scenario and a warning, never a silent drop.
//!
//! [`capture`] compares the payloads a replay sends to hooks with those a real session's
//! hooks received (`import --check-payloads`); [`record`] installs and removes the capture
//! hooks (`hooktape record`).

pub mod capture;
pub mod record;
pub mod rollout;

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::scenario::Repo;
use rollout::{CallTool, Session, ToolOutput};

/// What to import and where the hooks come from.
#[derive(Debug, Clone)]
pub struct Options {
    /// 1-based turns to keep (inclusive); `None`: all.
    pub turns: Option<(usize, usize)>,
    /// The hooks file to use as the project layer, relative to the repository root (default:
    /// the repository's `.codex/hooks.json`, else `.codex/config.toml`, if any).
    pub hooks_from: Option<PathBuf>,
    /// Where the scenario will be written (its description and `load` check use it).
    pub out: PathBuf,
}

/// An imported scenario.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario file's text (it loads).
    pub text: String,
    /// What was left out or changed, one line each (also comments in the text).
    pub warnings: Vec<String>,
    pub session: Session,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Rollout { path: String, message: String },
    #[error("{0}")]
    Input(String),
    /// The scenario written does not load: a bug of the importer, shown with the text.
    #[error("the imported scenario does not load ({0}); please report this with the rollout")]
    Invalid(String),
}

/// Secrets recognised in imported text, replaced by `<REDACTED>` (a key's name is kept).
fn secret_patterns() -> Vec<(Regex, &'static str)> {
    let patterns = [
        (r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}", "<REDACTED>"),
        (r"gh[pousr]_[A-Za-z0-9]{20,}", "<REDACTED>"),
        (r"github_pat_[A-Za-z0-9_]{20,}", "<REDACTED>"),
        (r"xox[abprs]-[A-Za-z0-9-]{10,}", "<REDACTED>"),
        (r"AKIA[0-9A-Z]{16}", "<REDACTED>"),
        (r"(?i)(bearer\s+)[A-Za-z0-9._~+/-]{16,}=*", "${1}<REDACTED>"),
        (
            r#"(?i)((?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|passwd)["']?\s*[:=]\s*["']?)[^\s"',;<]{6,}"#,
            "${1}<REDACTED>",
        ),
    ];
    patterns
        .into_iter()
        // Constant, valid patterns.
        .map(|(p, r)| (Regex::new(p).expect("constant regex"), r))
        .collect()
}

/// Rewrites the strings taken from a rollout: secrets redacted, the session's cwd made
/// relative to the project, the user's home as `~`. Counts the redactions.
struct Scrubber {
    secrets: Vec<(Regex, &'static str)>,
    cwd: Option<String>,
    home: Option<String>,
    redacted: usize,
}

impl Scrubber {
    fn text(&mut self, s: &str) -> String {
        let mut out = s.to_owned();
        for (re, with) in &self.secrets {
            let n = re.find_iter(&out).count();
            if n > 0 {
                self.redacted += n;
                out = re.replace_all(&out, *with).into_owned();
            }
        }
        if let Some(cwd) = self.cwd.as_deref().filter(|c| c.len() > 1) {
            out = out.replace(&format!("{cwd}/"), "./").replace(cwd, ".");
        }
        if let Some(home) = self.home.as_deref().filter(|h| h.len() > 1) {
            out = out.replace(home, "~");
        }
        out
    }
}

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Imports rollout text as a scenario of `repo`.
pub fn import(
    rollout_text: &str,
    rollout_name: &str,
    repo: &Repo,
    options: &Options,
) -> Result<Imported, ImportError> {
    let session = rollout::parse(rollout_text).map_err(|message| ImportError::Rollout {
        path: rollout_name.to_owned(),
        message,
    })?;
    if session.turns.is_empty() {
        return Err(ImportError::Rollout {
            path: rollout_name.to_owned(),
            message: "no turn with a prompt or a model answer".to_owned(),
        });
    }
    // The rollout by its file name: a scenario never holds a path of the user's machine.
    let file_name = Path::new(rollout_name).file_name().map_or_else(
        || rollout_name.to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut warnings: Vec<String> = session
        .dropped
        .iter()
        .map(|d| format!("{file_name}:{}: not imported: {}", d.line, d.what))
        .collect();
    let mut scrub = Scrubber {
        secrets: secret_patterns(),
        cwd: session.cwd.clone(),
        home: std::env::var("HOME").ok(),
        redacted: 0,
    };
    let count = session.turns.len();
    let (first, last) = options.turns.unwrap_or((1, count));
    if first == 0 || first > last || last > count {
        return Err(ImportError::Input(format!(
            "--turns {first}..{last}: the rollout has turns 1..{count}"
        )));
    }
    let turns = &session.turns[first - 1..last];

    let mut body = String::new();
    let cli = session.cli_version.as_deref().unwrap_or("unknown version");
    let thread = session.thread_id.as_deref().unwrap_or("unknown");
    let first_prompt = turns
        .iter()
        .find_map(|t| t.prompt.as_deref())
        .map(|p| scrub.text(p))
        .unwrap_or_default();
    let first_line: String = first_prompt
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    body += &format!(
        "description = {}\n",
        q(&format!(
            "Imported from Codex {cli} session {thread}: {first_line}"
        ))
    );
    body += "\n[session]\n";
    if let Some(id) = &session.thread_id {
        body += &format!("thread_id = {}\n", q(id));
    }
    if let Some(model) = &session.model {
        body += &format!("model = {}\n", q(model));
    }
    match session.approval_policy.as_deref() {
        Some(p @ ("untrusted" | "on-failure" | "on-request" | "never")) => {
            body += &format!("approval_policy = {}\n", q(p));
        }
        Some(other) => warnings.push(format!(
            "approval policy {other:?} has no scenario equivalent; the scenario uses `on-request`"
        )),
        None => {}
    }
    body += &hooks_section(repo, options, &mut warnings)?;

    for (offset, turn) in turns.iter().enumerate() {
        let n = first + offset;
        body += "\n[[turns]]\n";
        if let Some(id) = &turn.turn_id {
            body += &format!("id = {}\n", q(id));
        }
        if turn.resumed && offset > 0 {
            warnings.push(format!(
                "turn {n} is scripted as a resume: the rollout shows the session reopened before it (settings applied between the turns)"
            ));
            body += "resume = true\n";
        }
        let prompt = match &turn.prompt {
            Some(p) => scrub.text(p),
            None => {
                warnings.push(format!(
                    "turn {n} has no user prompt in the rollout; a placeholder prompt is scripted"
                ));
                "(no prompt in the rollout)".to_owned()
            }
        };
        body += &format!("prompt = {}\n", q(&prompt));
        for response in &turn.responses {
            body += "[[turns.responses]]\n";
            if !response.messages.is_empty() {
                let msgs: Vec<String> = response
                    .messages
                    .iter()
                    .map(|m| q(&scrub.text(m)))
                    .collect();
                body += &format!("messages = [{}]\n", msgs.join(", "));
            }
            if !response.calls.is_empty() {
                body += "calls = [\n";
                for c in &response.calls {
                    body += &format!(
                        "  {{ id = {}, {} }},\n",
                        q(&c.call_id),
                        call_fields(&c.tool, &mut scrub)
                    );
                }
                body += "]\n";
            }
            if response.messages.is_empty() && response.calls.is_empty() {
                body += "messages = []\n";
            }
        }
        for (call_id, output) in &turn.results {
            match output {
                ToolOutput::Ran {
                    output,
                    exit_code,
                    running,
                } => {
                    body += &format!("[turns.results.{}]\n", q(call_id));
                    body += &format!("output = {}\n", q(&scrub.text(output)));
                    if *exit_code != 0 {
                        body += &format!("exit_code = {exit_code}\n");
                    }
                    if *running {
                        body += "running = true\n";
                    }
                }
                ToolOutput::NotRun(text) => {
                    body += &format!(
                        "# {call_id} did not run in the real session; the replay decides again. The model saw:\n#   {}\n",
                        scrub.text(text).replace('\n', "\n#   ")
                    );
                }
            }
        }
    }
    if scrub.redacted > 0 {
        warnings.push(format!(
            "{} secret(s) redacted as <REDACTED>; check the scenario before you commit it",
            scrub.redacted
        ));
    }
    let mut text = format!(
        "# Imported by `hooktape import` from {file_name}.\n# Codex {cli}, session {thread}, turns {first}..{last} of {count}.\n"
    );
    for w in &warnings {
        text += &format!("# warning: {w}\n");
    }
    text += "\n";
    text += &body;
    crate::scenario::load::load_in(repo, &options.out, &text)
        .map_err(|e| ImportError::Invalid(format!("{e}\n{text}")))?;
    Ok(Imported {
        text,
        warnings,
        session,
    })
}

/// The `[session]`-independent hook layers: the repository's own hooks.
fn hooks_section(
    repo: &Repo,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Result<String, ImportError> {
    let chosen = match &options.hooks_from {
        Some(p) => {
            let rel =
                crate::scenario::load::plain_relative(&p.to_string_lossy()).ok_or_else(|| {
                    ImportError::Input(format!(
                        "--hooks-from {}: expected a path relative to the repository root {}",
                        p.display(),
                        repo.root.display()
                    ))
                })?;
            if !repo.root.join(&rel).is_file() {
                return Err(ImportError::Input(format!(
                    "--hooks-from {}: no such file under the repository root {}",
                    p.display(),
                    repo.root.display()
                )));
            }
            Some(rel)
        }
        None => crate::scenario::template::repository_hooks_file(&repo.root).map(PathBuf::from),
    };
    let Some(file) = chosen else {
        warnings.push(
            "no hooks found (.codex/hooks.json or .codex/config.toml); add a `[[layers]]` entry, or pass --hooks-from"
                .to_owned(),
        );
        return Ok(String::new());
    };
    Ok(format!(
        "\n{}",
        crate::scenario::template::repository_hook_layers(&repo.root, &file.to_string_lossy())
    ))
}

/// The scenario keys of one call.
fn call_fields(tool: &CallTool, scrub: &mut Scrubber) -> String {
    let list = |v: &[String], scrub: &mut Scrubber| {
        let items: Vec<String> = v.iter().map(|s| q(&scrub.text(s))).collect();
        format!("[{}]", items.join(", "))
    };
    match tool {
        CallTool::Exec(cmd) => format!("exec = {}", q(&scrub.text(cmd))),
        CallTool::Shell(argv) => format!("shell = {}", list(argv, scrub)),
        CallTool::ShellCommand(cmd) => format!("shell_command = {}", q(&scrub.text(cmd))),
        CallTool::LocalShell(argv) => format!("local_shell = {}", list(argv, scrub)),
        CallTool::ApplyPatch(patch) => format!("apply_patch = {}", q(&scrub.text(patch))),
        CallTool::WriteStdin { session_id, chars } => {
            format!(
                "write_stdin = {session_id}, chars = {}",
                q(&scrub.text(chars))
            )
        }
        CallTool::UpdatePlan(args) => format!("update_plan = true, arguments = {}", q(args)),
        CallTool::Mcp {
            server_tool,
            arguments,
        } => format!(
            "mcp = {}, arguments = {}",
            q(server_tool),
            q(&scrub.text(arguments))
        ),
        CallTool::Other { name, arguments } => format!(
            "tool = {}, arguments = {}",
            q(name),
            q(&scrub.text(arguments))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(dir: &Path) -> Repo {
        Repo::unconfigured(dir)
    }

    #[test]
    fn secrets_and_paths_are_scrubbed() {
        let mut s = Scrubber {
            secrets: secret_patterns(),
            cwd: Some("/home/u/repo".into()),
            home: Some("/home/u".into()),
            redacted: 0,
        };
        assert_eq!(
            s.text("cat /home/u/repo/src/a.rs; export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuv; ls /home/u/x"),
            "cat ./src/a.rs; export OPENAI_API_KEY=<REDACTED>; ls ~/x"
        );
        assert_eq!(
            s.text("Authorization: Bearer abcdefghijklmnop1234"),
            "Authorization: Bearer <REDACTED>"
        );
        assert_eq!(
            s.text("token ghp_abcdefghijklmnopqrstuvwxyz12"),
            "token <REDACTED>"
        );
        assert_eq!(s.redacted, 3);
    }

    #[test]
    fn an_image_input_becomes_a_warning_and_a_comment() {
        let dir = tempfile::tempdir().unwrap();
        let text = [
            r#"{"type":"session_meta","payload":{"id":"t1","cwd":"/w","cli_version":"0.171.0"}}"#,
            r#"{"type":"event_msg","payload":{"type":"task_started","turn_id":"a"}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AA"},{"type":"input_text","text":"describe"}]}}"#,
            r#"{"type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"a cat"}]}}"#,
            r#"{"type":"event_msg","payload":{"type":"task_complete","turn_id":"a"}}"#,
        ]
        .join("\n");
        let out = dir.path().join("scenarios/imported.toml");
        let imported = import(
            &text,
            "rollout.jsonl",
            &repo(dir.path()),
            &Options {
                turns: None,
                hooks_from: None,
                out,
            },
        )
        .unwrap();
        assert!(
            imported
                .warnings
                .iter()
                .any(|w| w.contains("rollout.jsonl:3: not imported: a `input_image` part")),
            "{:?}",
            imported.warnings
        );
        assert!(
            imported
                .text
                .contains("# warning: rollout.jsonl:3: not imported: a `input_image` part"),
            "{}",
            imported.text
        );
        assert!(
            imported.text.contains("prompt = \"describe\""),
            "{}",
            imported.text
        );
    }
}
