//! `hooktape run FILE…`: plays scenarios and prints each session as a timeline (coloured on a
//! terminal), or with `--format json` the normalised recording.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::replay;
use crate::scenario;

use super::style::Style;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable timeline.
    Timeline,
    /// The normalised recording as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Timeline)]
    pub format: Format,
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut loaded = Vec::new();
    for file in &args.files {
        match scenario::load_file(file) {
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
    for (file, result) in results {
        match result {
            Ok(replayed) => match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&replayed.recording)?),
                Format::Timeline => {
                    print!(
                        "{}",
                        timeline(&file.display().to_string(), &replayed, style)
                    )
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// One line per thing that happened, grouped by turn.
pub fn timeline(name: &str, replayed: &replay::Replayed, st: Style) -> String {
    let rec = &replayed.recording;
    let mut out = format!(
        "{} {}\n",
        st.bold(name),
        st.dim(&format!("— {}", replayed.scenario.description))
    );
    for w in rec
        .get("discovery_warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out += &format!(
            "  {} {}\n",
            st.yellow("warning"),
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
            out += &format!("{}\n", st.bold(&format!("turn {}", str_of(e, "turn_id"))));
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
                        format!("{} {painted}{said}", shorten(str_of(r, "command"), 60))
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
