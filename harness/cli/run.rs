//! `hooktape run SCENARIO…`: plays scenarios and prints each session as a timeline
//! (coloured on a terminal), or the normalised recordings as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::agent::recording::{Recording, TimelineEntry};
use crate::engine::lifecycle::LifecycleResult;
use crate::engine::outcome::{EntryKind, HandlerExit, RunStatus};
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
                    "scenario": name, "ok": true,
                    "recording": replay::typed::to_json(&replayed.recording),
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
                            doc["recording"] = replay::typed::to_json(partial);
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

/// One line per thing that happened, grouped by turn.
pub fn timeline(name: &str, description: &str, rec: &Recording, st: Style, wide: bool) -> String {
    let mut out = format!(
        "{} {}\n",
        st.bold(name),
        st.dim(&format!("— {description}"))
    );
    for w in &rec.discovery_warnings {
        let what = if w == crate::engine::config::BYPASS_WARNING {
            "⚠ hook trust bypassed:"
        } else {
            "⚠ discovery warning:"
        };
        out += &format!("  {} {}\n", st.yellow(what), w);
    }
    if !rec.skipped_hooks.is_empty() {
        out += &format!(
            "  {} {} handler(s); `hooktape trust` prints the [hooks.state] entries that trust them\n",
            st.yellow("⚠ hook trust: Codex skips, without a word,"),
            rec.skipped_hooks.len()
        );
    }
    let mut turn = String::new();
    for e in &rec.timeline {
        let (thread_id, turn_id) = place(e);
        let t = format!("{thread_id} {turn_id}");
        if t != turn {
            let header = match turn_id {
                // Lifecycle SessionStart fires before any turn.
                "" => "session".to_owned(),
                id => format!("turn {id}"),
            };
            out += &format!("{}\n", st.bold(&header));
            turn = t;
        }
        let line = match e {
            TimelineEntry::Hooks(r) => {
                let skipped = r.skipped.iter().map(|sk| {
                    format!(
                        "{} {}",
                        if wide {
                            sk.command.clone()
                        } else {
                            shorten(&sk.command, 60)
                        },
                        st.yellow(&format!("not run ({})", sk.status.as_str()))
                    )
                });
                let runs: Vec<String> = skipped
                    .chain(r.runs.iter().map(|run| {
                        let status = run.status.as_str();
                        let painted = match run.status {
                            RunStatus::Completed => st.green(status),
                            RunStatus::Blocked | RunStatus::Stopped => st.yellow(status),
                            _ => st.red(status),
                        };
                        // The completed summary's entries: what the hook said.
                        let entries: Vec<String> = r
                            .completed
                            .iter()
                            .find(|c| c.run.id == run.run_id)
                            .map(|c| {
                                c.run
                                    .entries
                                    .iter()
                                    .map(|en| format!("{}: {:?}", entry_kind(en.kind), en.text))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let said = if entries.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", st.dim(&entries.join(", ")))
                        };
                        let quiet = run.status == RunStatus::Completed;
                        let command = if wide || !quiet {
                            run.command.clone()
                        } else {
                            shorten(&run.command, 60)
                        };
                        let mut line = format!("{command} {painted}{said}");
                        if !quiet {
                            line += &failure_details(&run.exit, &run.stderr, st);
                        }
                        line
                    }))
                    .collect();
                format!(
                    "{}\n      {}",
                    st.magenta(&format!("⚑ {}", r.event.config_name())),
                    runs.join("\n      ")
                )
            }
            TimelineEntry::ModelRequest(r) => {
                let last = r.input.last().map(String::as_str).unwrap_or_default();
                let mut line = format!(
                    "{} {}",
                    st.blue(&format!("→ model #{}", r.index)),
                    st.dim(&format!("…{}", last.replace('\n', "\\n")))
                );
                for answer in &r.output {
                    line += &format!(
                        "\n      {} {}",
                        st.blue("←"),
                        st.dim(&shorten(&answer.replace('\n', "\\n"), 100))
                    );
                }
                line
            }
            TimelineEntry::ToolCall(r) => format!(
                "{} {} {}",
                st.cyan(&format!("⚙ {} {}", r.name, r.call_id)),
                r.disposition,
                st.dim(&format!("→ {:?}", r.output_to_model))
            ),
            TimelineEntry::ClaudeHooks(r) => {
                let mut lines = vec![st.magenta(&format!(
                    "⚑ {}{}",
                    r.event,
                    r.subject
                        .as_ref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ))];
                for n in &r.not_run {
                    let cmd = if wide {
                        n.command.clone()
                    } else {
                        shorten(&n.command, 60)
                    };
                    lines.push(format!(
                        "{cmd} {}",
                        st.yellow(&format!("not run: {}", n.why))
                    ));
                }
                for run in &r.runs {
                    let cmd = if wide {
                        run.command.clone()
                    } else {
                        shorten(&run.command, 60)
                    };
                    let outcome = serde_json::to_value(run.outcome).unwrap_or_default();
                    let outcome = outcome.as_str().unwrap_or_default();
                    let painted = match run.outcome {
                        crate::engine::claude::parse::ClaudeOutcome::Success => st.green(outcome),
                        _ => st.yellow(outcome),
                    };
                    lines.push(format!("{cmd} {painted} ({})", run.exit));
                }
                for e in &r.effect {
                    lines.push(format!("→ {e}"));
                }
                lines.join("\n      ")
            }
            TimelineEntry::LifecycleHook(r) => {
                let argv = r.argv.join(" ");
                format!(
                    "{}\n      {} {}",
                    st.magenta(&format!("⚑ {} ({})", r.event, r.name)),
                    if wide {
                        argv.clone()
                    } else {
                        shorten(&argv, 60)
                    },
                    verdict(&r.result, r.log.as_deref(), st)
                )
            }
            TimelineEntry::Notify(r) => {
                // Notify's last argument is the JSON: shown as `<json>`.
                let mut words: Vec<String> = r.argv[..r.argv.len().saturating_sub(1)].to_vec();
                words.push("<json>".to_owned());
                let argv = words.join(" ");
                format!(
                    "{}\n      {} {}",
                    st.magenta("✉ notify"),
                    if wide {
                        argv.clone()
                    } else {
                        shorten(&argv, 60)
                    },
                    verdict(&r.result, None, st)
                )
            }
            TimelineEntry::Warning { text, .. } => format!("{} {}", st.yellow("warning"), text),
            TimelineEntry::TurnEnd(r) => {
                let end = serde_json::to_value(&r.end).unwrap_or_default();
                let how = end.get("how").and_then(|h| h.as_str()).unwrap_or_default();
                st.bold(&format!("■ turn ended: {how}"))
            }
        };
        out += &format!("  {line}\n");
    }
    out
}

/// The thread and turn an entry belongs to (`""`: before any turn).
fn place(e: &TimelineEntry) -> (&str, &str) {
    match e {
        TimelineEntry::Hooks(r) => (&r.thread_id, &r.turn_id),
        TimelineEntry::ClaudeHooks(r) => (&r.thread_id, &r.turn_id),
        TimelineEntry::LifecycleHook(r) => (&r.thread_id, r.turn_id.as_deref().unwrap_or("")),
        TimelineEntry::Notify(r) => (&r.thread_id, &r.turn_id),
        TimelineEntry::ModelRequest(r) => (&r.thread_id, &r.turn_id),
        TimelineEntry::ToolCall(r) => (&r.thread_id, &r.turn_id),
        TimelineEntry::Warning {
            thread_id, turn_id, ..
        } => (thread_id, turn_id),
        TimelineEntry::TurnEnd(r) => (&r.thread_id, &r.turn_id),
    }
}

fn entry_kind(kind: EntryKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A lifecycle or notify run's result, painted, with its error and what the agent logged.
fn verdict(result: &LifecycleResult, log: Option<&str>, st: Style) -> String {
    let (name, error) = match result {
        LifecycleResult::Success => ("success", None),
        LifecycleResult::FailedContinue { error } => ("failed_continue", Some(error)),
        LifecycleResult::FailedAbort { error } => ("failed_abort", Some(error)),
    };
    let painted = match result {
        LifecycleResult::Success => st.green(name),
        LifecycleResult::FailedAbort { .. } => st.yellow(name),
        LifecycleResult::FailedContinue { .. } => st.red(name),
    };
    let mut said: Vec<String> = Vec::new();
    if let Some(error) = error {
        said.push(format!("error: {error:?}"));
    }
    if let Some(log) = log {
        said.push(format!("logged: {log:?}"));
    }
    if said.is_empty() {
        painted
    } else {
        format!("{painted} {}", st.dim(&said.join(", ")))
    }
}

/// Under a failed or blocking hook: how it exited and the tail of its stderr.
fn failure_details(exit: &HandlerExit, stderr: &str, st: Style) -> String {
    let exit = match exit {
        HandlerExit::Code { code } => format!("exit code {code}"),
        HandlerExit::Signal { signal: Some(s) } => format!("killed by signal {s}"),
        HandlerExit::Signal { signal: None } => "killed by a signal".to_owned(),
        HandlerExit::RunnerError { message } => format!("no exit status: {message}"),
        HandlerExit::OutputHeldOpen { .. } => exit.held_open_text().unwrap_or_default(),
    };
    let mut out = format!("\n        {}", st.dim(&exit));
    let stderr = stderr.trim_end();
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
