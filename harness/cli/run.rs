//! `hooktape run SCENARIO…`: plays scenarios and prints each session as a timeline
//! (coloured on a terminal), or the normalised recordings as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use crate::replay;

use super::out::{out, outln};
use super::style::Style;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable timeline.
    Timeline,
    /// One JSON array, an object per scenario: `{"scenario", "ok", "recording"}` or
    /// `{"scenario", "ok": false, "error", "recording"?}` (the recording up to the failure).
    Json,
    /// The same objects, one per line (JSON Lines).
    Jsonl,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every session played as scripted; 1 when one \
failed (the script ran out of responses or left some unused, a discovery warning the \
scenario does not expect, a protocol violation); 2 on bad input (a scenario that does \
not load, a path that is not a scenario)."
)]
pub struct RunArgs {
    /// Scenario files, folders, or names as `check` prints them (`stop/block_twice`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Timeline)]
    pub format: Format,
    /// Do not shorten hook commands in the timeline (failed and blocking hooks always show
    /// theirs whole).
    #[arg(long)]
    pub wide: bool,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let files = match super::check::resolve(&args.files) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let mut loaded = Vec::new();
    for file in &files {
        match crate::scenario::load_file(file) {
            Ok(s) => loaded.push((file.clone(), s)),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        }
    }
    let results = replay::replay_all(loaded, 1, |_| {})?;
    let style = Style::stdout();
    let mut failed = false;
    let mut bad_input = false;
    let mut documents = Vec::new();
    for (file, result) in results {
        let name = file.display().to_string();
        match result {
            Ok(replayed) => match args.format {
                Format::Json | Format::Jsonl => documents.push(json!({
                    "scenario": name, "ok": true, "recording": replayed.recording,
                })),
                Format::Timeline => out!(
                    "{}",
                    timeline(
                        &name,
                        &replayed.scenario.description,
                        &replayed.recording,
                        style,
                        args.wide
                    )
                ),
            },
            Err(e) => {
                failed = true;
                bad_input |= e.is_bad_input();
                match args.format {
                    Format::Json | Format::Jsonl => {
                        let mut doc =
                            json!({"scenario": name, "ok": false, "error": e.to_string()});
                        if let Some(partial) = e.partial_recording() {
                            doc["recording"] = partial.clone();
                        }
                        documents.push(doc);
                    }
                    Format::Timeline => {
                        if let Some(partial) = e.partial_recording() {
                            out!(
                                "{}",
                                timeline(
                                    &name,
                                    "the session up to where it failed",
                                    partial,
                                    style,
                                    args.wide
                                )
                            );
                        }
                    }
                }
                eprintln!("error: {e}");
            }
        }
    }
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&documents)?),
        Format::Jsonl => {
            for d in &documents {
                outln!("{}", serde_json::to_string(d)?);
            }
        }
        Format::Timeline => {}
    }
    Ok(if bad_input {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// One line per thing that happened, grouped by turn.
pub fn timeline(name: &str, description: &str, rec: &Value, st: Style, wide: bool) -> String {
    let mut out = format!(
        "{} {}\n",
        st.bold(name),
        st.dim(&format!("— {description}"))
    );
    for w in rec
        .get("discovery_warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out += &format!(
            "  {} {}\n",
            st.yellow("⚠ discovery warning (Codex skips what it names):"),
            w.as_str().unwrap_or_default()
        );
    }
    let mut turn = String::new();
    for e in rec
        .get("timeline")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = format!("{} {}", str_of(e, "thread_id"), str_of(e, "turn_id"));
        if t != turn {
            let header = match str_of(e, "turn_id") {
                // Lifecycle SessionStart fires before any turn.
                "" => "session".to_owned(),
                id => format!("turn {id}"),
            };
            out += &format!("{}\n", st.bold(&header));
            turn = t;
        }
        let line = match str_of(e, "kind") {
            "hooks" => {
                let completed = e.get("completed").and_then(Value::as_array);
                let runs: Vec<String> = e
                    .get("runs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, r)| {
                        let status = str_of(r, "status");
                        let painted = match status {
                            "completed" => st.green(status),
                            "blocked" | "stopped" => st.yellow(status),
                            _ => st.red(status),
                        };
                        // The completed summary's entries: what the hook said.
                        let entries: Vec<String> = completed
                            .and_then(|c| c.get(i))
                            .and_then(|c| c.pointer("/params/run/entries"))
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .map(|en| format!("{}: {:?}", str_of(en, "kind"), str_of(en, "text")))
                            .collect();
                        let said = if entries.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", st.dim(&entries.join(", ")))
                        };
                        let quiet = status == "completed";
                        let command = str_of(r, "command");
                        let command = if wide || !quiet {
                            command.to_owned()
                        } else {
                            shorten(command, 60)
                        };
                        let mut line = format!("{command} {painted}{said}");
                        if !quiet {
                            line += &failure_details(r, st);
                        }
                        line
                    })
                    .collect();
                format!(
                    "{}\n      {}",
                    st.magenta(&format!("⚑ {}", str_of(e, "event"))),
                    runs.join("\n      ")
                )
            }
            "model_request" => {
                let last = e
                    .get("input")
                    .and_then(Value::as_array)
                    .and_then(|i| i.last())
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                format!(
                    "{} {}",
                    st.blue(&format!(
                        "→ model #{}",
                        e.get("index").map(Value::to_string).unwrap_or_default()
                    )),
                    st.dim(&format!("…{}", last.replace('\n', "\\n")))
                )
            }
            "tool_call" => format!(
                "{} {} {}",
                st.cyan(&format!("⚙ {} {}", str_of(e, "name"), str_of(e, "call_id"))),
                str_of(e, "disposition"),
                st.dim(&format!("→ {:?}", str_of(e, "output_to_model")))
            ),
            "lifecycle_hook" | "notify" => {
                let result = e.get("result").cloned().unwrap_or(Value::Null);
                let verdict = str_of(&result, "result");
                let painted = match verdict {
                    "success" => st.green(verdict),
                    "failed_abort" => st.yellow(verdict),
                    _ => st.red(verdict),
                };
                let mut said: Vec<String> = Vec::new();
                if let Some(error) = result.get("error").and_then(Value::as_str) {
                    said.push(format!("error: {error:?}"));
                }
                if let Some(log) = e.get("log").and_then(Value::as_str) {
                    said.push(format!("logged: {log:?}"));
                }
                let said = if said.is_empty() {
                    String::new()
                } else {
                    format!(" {}", st.dim(&said.join(", ")))
                };
                let argv = e
                    .get("argv")
                    .and_then(Value::as_array)
                    .map(|a| {
                        // Notify's last argument is the JSON: shown as `<json>`.
                        let n = if str_of(e, "kind") == "notify" {
                            a.len().saturating_sub(1)
                        } else {
                            a.len()
                        };
                        let mut words: Vec<String> = a[..n]
                            .iter()
                            .map(|w| w.as_str().unwrap_or_default().to_owned())
                            .collect();
                        if n < a.len() {
                            words.push("<json>".to_owned());
                        }
                        words.join(" ")
                    })
                    .unwrap_or_default();
                let title = if str_of(e, "kind") == "notify" {
                    "✉ notify".to_owned()
                } else {
                    format!("⚑ {} ({})", str_of(e, "event"), str_of(e, "name"))
                };
                format!(
                    "{}
      {} {painted}{said}",
                    st.magenta(&title),
                    if wide {
                        argv.clone()
                    } else {
                        shorten(&argv, 60)
                    }
                )
            }
            "warning" => format!("{} {}", st.yellow("warning"), str_of(e, "text")),
            "turn_end" => {
                let end = e.get("end").cloned().unwrap_or(Value::Null);
                st.bold(&format!("■ turn ended: {}", str_of(&end, "how")))
            }
            other => other.to_owned(),
        };
        out += &format!("  {line}\n");
    }
    out
}

/// Under a failed or blocking hook: how it exited and the tail of its stderr.
fn failure_details(run: &Value, st: Style) -> String {
    let exit = match run.get("exit") {
        Some(e) if e["kind"] == "code" => format!("exit code {}", e["code"]),
        Some(e) if e["kind"] == "signal" => format!("killed by signal {}", e["signal"]),
        Some(e) if e["kind"] == "runner_error" => format!("not run: {}", str_of(e, "message")),
        _ => "no exit status".to_owned(),
    };
    let mut out = format!("\n        {}", st.dim(&exit));
    let stderr = str_of(run, "stderr").trim_end();
    if !stderr.is_empty() {
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = &lines[lines.len().saturating_sub(STDERR_TAIL)..];
        if lines.len() > tail.len() {
            out += &format!(
                "\n        {}",
                st.dim(&format!(
                    "stderr (last {} of {} lines):",
                    tail.len(),
                    lines.len()
                ))
            );
        } else {
            out += &format!("\n        {}", st.dim("stderr:"));
        }
        for l in tail {
            out += &format!("\n        {} {l}", st.dim("│"));
        }
    }
    out
}

/// Lines of a failed hook's stderr the timeline shows.
const STDERR_TAIL: usize = 8;

/// At most `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
