//! The scenario suite: one trial per file under `scenarios/`, named by its path
//! (`stop/block_twice`), comparing the replayed session with its golden through insta.
//!
//! `cargo test --test scenarios -- stop/` filters; `CI=true` never writes a golden;
//! `INSTA_UPDATE=always` (or `hooktape bless`) updates them, `cargo insta review` reviews.
//!
//! Each trial also checks the stdin every hook received against the input schema Codex
//! publishes for its event, so no golden can pin a payload Codex would not send: the
//! `codex` dialect against 0.171.0's (`data/schemas/codex-0.171/hooks/`, every event), with
//! each `hook/started` and `hook/completed` notification against its app-server schema;
//! `codex-4e30281` against the reference commit's (`data/schemas/codex-4e30281/hooks/`),
//! widened by exactly what later upstream added and codex-extra-events.md records:
//! SessionStart source `compact`, and optional `agent_id` / `agent_type` on a subagent's
//! hook inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

use hooktape::agent::Recording;
use hooktape::engine::{Dialect, HookEvent};
use hooktape::replay::{self, Case};

fn main() {
    if replay::in_ci() {
        // CI never writes a golden, whatever INSTA_UPDATE says (set before any thread starts).
        std::env::set_var("INSTA_UPDATE", "no");
        std::env::remove_var("INSTA_FORCE_PASS");
    }
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trials = match replay::collect(&[root.join("scenarios")]) {
        Ok(cases) => cases
            .into_iter()
            .map(|case| Trial::test(case.name.clone(), move || run(case)))
            .collect(),
        Err(err) => vec![Trial::test("scenarios", move || {
            Err(err.to_string().into())
        })],
    };
    libtest_mimic::run(&args, trials).exit();
}

#[path = "support/schemas.rs"]
mod schemas;

/// Compiled validators: hook stdin by event, then the two notifications.
struct Validators {
    stdin: BTreeMap<String, jsonschema::Validator>,
    notifications: Option<(jsonschema::Validator, jsonschema::Validator)>,
}

/// The published schemas a dialect's payloads must meet, compiled once per dialect.
fn validators(dialect: Dialect) -> &'static Result<Validators, String> {
    static REFERENCE: OnceLock<Result<Validators, String>> = OnceLock::new();
    static CURRENT: OnceLock<Result<Validators, String>> = OnceLock::new();
    if dialect.is_current() {
        CURRENT.get_or_init(|| {
            // Every event 0.171 publishes a stdin schema for (not the model-request events).
            let stdin = HookEvent::ALL
                .iter()
                .chain(&[HookEvent::Interrupt])
                .map(|&event| {
                    let schema = schemas::load_from(
                        "codex-0.171",
                        &format!("hooks/{}.command.input.schema.json", event.run_id_label()),
                    )?;
                    Ok((event.to_string(), schemas::validator(&schema)?))
                })
                .collect::<Result<_, String>>()?;
            let started = schemas::validator(&schemas::load_from(
                "codex-0.171",
                "app-server/HookStartedNotification.json",
            )?)?;
            let completed = schemas::validator(&schemas::load_from(
                "codex-0.171",
                "app-server/HookCompletedNotification.json",
            )?)?;
            Ok(Validators {
                stdin,
                notifications: Some((started, completed)),
            })
        })
    } else {
        REFERENCE.get_or_init(|| {
            let stdin = HookEvent::REFERENCE
                .iter()
                .map(|&event| {
                    let mut schema = schemas::hook(event, "input")?;
                    widen_for_later_events(event, &mut schema);
                    Ok((event.to_string(), schemas::validator(&schema)?))
                })
                .collect::<Result<_, String>>()?;
            Ok(Validators {
                stdin,
                notifications: None,
            })
        })
    }
}

/// The later upstream additions of codex-extra-events.md ("Other"): SessionStart gains
/// source `compact`; normal events inside a thread-spawned subagent carry `agent_id` and
/// `agent_type` (omitted for the root agent, so they stay optional).
fn widen_for_later_events(event: HookEvent, schema: &mut Value) {
    let Some(properties) = schema["properties"].as_object_mut() else {
        return;
    };
    if event == HookEvent::SessionStart {
        if let Some(sources) = properties
            .get_mut("source")
            .and_then(|s| s["enum"].as_array_mut())
        {
            sources.push("compact".into());
        }
    } else {
        for key in ["agent_id", "agent_type"] {
            properties.insert(key.to_owned(), serde_json::json!({"type": "string"}));
        }
    }
}

/// Every codex-dialect hook stdin and notification of the recording that breaks its
/// published schema.
fn schema_violations(recording: &Recording) -> Result<Vec<String>, Failed> {
    if recording.dialect == Dialect::Lifecycle {
        return Ok(Vec::new());
    }
    let validators = validators(recording.dialect)
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))?;
    let mut violations = Vec::new();
    for entry in recording.hook_events() {
        if let Some(validator) = validators.stdin.get(entry.event.config_name()) {
            for run in &entry.runs {
                let stdin: Value = serde_json::from_str(&run.stdin)
                    .map_err(|e| Failed::from(format!("{}: stdin is not JSON: {e}", run.run_id)))?;
                violations.extend(
                    schemas::errors(validator, &stdin)
                        .into_iter()
                        .map(|e| format!("{}: {e}", run.run_id)),
                );
            }
        }
        if let Some((started, completed)) = &validators.notifications {
            for (validator, notices) in [(started, &entry.started), (completed, &entry.completed)] {
                for notice in notices {
                    let wire = notice.wire();
                    violations.extend(
                        schemas::errors(validator, &wire["params"])
                            .into_iter()
                            .map(|e| format!("{} {}: {e}", wire["method"], notice.run.id)),
                    );
                }
            }
        }
    }
    Ok(violations)
}

fn run(case: Case) -> Result<(), Failed> {
    let replayed =
        replay::replay_file_blocking(&case.file).map_err(|e| Failed::from(e.to_string()))?;
    let violations = schema_violations(&replayed.recording)?;
    if !violations.is_empty() {
        return Err(format!(
            "hook stdin that breaks the published input schema:\n  {}",
            violations.join("\n  ")
        )
        .into());
    }
    let snapshot_dir: PathBuf = case
        .golden
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Failed::from("golden path has no parent"))?;
    let snapshot_name = case
        .golden
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Failed::from("golden path has no name"))?
        .to_owned();
    // One judge for `cargo test` and `hooktape check`: hooktape's own comparison. insta runs
    // only on a mismatch, to print its diff and leave a `.snap.new` for `cargo insta review`
    // (`tests/cli.rs` proves insta agrees with the comparison on headers and line ends).
    let verdict = replay::compare(&case, &replayed).map_err(|e| Failed::from(e.to_string()))?;
    let ours = match verdict {
        replay::Verdict::Match => return Ok(()),
        replay::Verdict::Missing => format!(
            "no golden at {}; create it with `hooktape bless {}`",
            case.golden.display(),
            case.name
        ),
        replay::Verdict::Mismatch(diff) => diff,
    };
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshot_dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(&case.input_file);
    settings.set_description(replayed.scenario.description.clone());
    settings.set_omit_expression(true);
    // insta prints its diff and panics on a mismatch (writing `.snap.new` unless CI).
    let text = replayed.text.clone();
    let insta_result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(snapshot_name, text))
    }));
    let _ = insta_result;
    Err(ours.into())
}
