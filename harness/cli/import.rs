//! `hooktape import ROLLOUT`: a real Codex session as a scenario (see `crate::import`), and
//! `--check-payloads CAPTURE`: the scenario replayed, its hook payloads compared with the
//! captured ones.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::import::{self, capture, Options};
use crate::replay;
use crate::scenario::Repo;

use super::out::outln;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 written (and, with --check-payloads, every payload \
equal); 1 some payload differs or the replay failed; 2 bad input."
)]
pub struct ImportArgs {
    /// A Codex rollout file (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`).
    pub rollout: PathBuf,
    /// The scenario to write (default: `<scenarios>/imported/<session id>.toml`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The turns to keep: `N` or `A..B` (1-based, inclusive). Default: all.
    #[arg(long)]
    pub turns: Option<String>,
    /// The hooks file of the project layer, relative to the repository root (default:
    /// `.codex/hooks.json`, else `.codex/config.toml`).
    #[arg(long)]
    pub hooks_from: Option<PathBuf>,
    /// Replay the scenario and compare every hook payload with this capture (one JSON
    /// payload per line, as `hooktape record` writes them).
    #[arg(long)]
    pub check_payloads: Option<PathBuf>,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    pub force: bool,
}

fn turns(arg: &str) -> Option<(usize, usize)> {
    match arg.split_once("..") {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let n = arg.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let bad = |m: String| {
        eprintln!("error: {m}");
        Ok(ExitCode::from(EXIT_BAD_INPUT))
    };
    let text = match std::fs::read_to_string(&args.rollout) {
        Ok(t) => t,
        Err(e) => return bad(format!("{}: cannot read: {e}", args.rollout.display())),
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let repo = match Repo::discover(&cwd) {
        Ok(Some(r)) => r,
        Ok(None) => Repo::unconfigured(&cwd),
        Err(e) => return bad(e.to_string()),
    };
    let range = match args.turns.as_deref().map(|t| (t, turns(t))) {
        Some((t, None)) => return bad(format!("--turns {t}: expected N or A..B")),
        Some((_, r)) => r,
        None => None,
    };
    let session_hint = crate::import::rollout::parse(&text)
        .ok()
        .and_then(|s| s.thread_id)
        .unwrap_or_else(|| "session".to_owned());
    let out = args.out.clone().unwrap_or_else(|| {
        repo.scenarios
            .join("imported")
            .join(format!("{session_hint}.toml"))
    });
    if out.exists() && !args.force {
        return bad(format!(
            "{} exists; pass --force to overwrite it",
            out.display()
        ));
    }
    let options = Options {
        turns: range,
        hooks_from: args.hooks_from.clone(),
        out: out.clone(),
    };
    let imported = match import::import(&text, &args.rollout.display().to_string(), &repo, &options)
    {
        Ok(i) => i,
        Err(e) => return bad(e.to_string()),
    };
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&out, &imported.text)
        .with_context(|| format!("cannot write {}", out.display()))?;
    outln!(
        "wrote {} ({} turn(s), {} warning(s))",
        out.display(),
        imported.session.turns.len(),
        imported.warnings.len()
    );
    let Some(capture_path) = &args.check_payloads else {
        outln!(
            "next: hooktape run {0}   then   hooktape bless {0}",
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    };
    check_payloads(&out, capture_path)
}

/// Replays `scenario` and compares its hook payloads with the capture.
pub fn check_payloads(scenario: &Path, capture_path: &Path) -> anyhow::Result<ExitCode> {
    let captured = match std::fs::read_to_string(capture_path)
        .map_err(|e| e.to_string())
        .and_then(|t| capture::parse_capture(&t))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}: {e}", capture_path.display());
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let mut loaded = match crate::scenario::load_file(scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    // The capture saw every event (its handler is on all of them); so does the replay, with a
    // handler that reads its payload and prints nothing on every event, in the session-flags
    // layer (last in display order: the scenario's own hooks keep their run ids).
    if loaded
        .layers
        .iter()
        .any(|l| l.kind == crate::scenario::LayerKind::SessionFlags)
    {
        eprintln!(
            "error: {}: --check-payloads adds a `session_flags` layer, and the scenario has one",
            scenario.display()
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    loaded.layers.push(crate::scenario::Layer {
        kind: crate::scenario::LayerKind::SessionFlags,
        trusted: true,
        source: crate::scenario::LayerSource::ConfigToml(capture::every_event_config()),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let replayed = match runtime.block_on(replay::replay(&loaded)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the imported scenario does not replay: {e}");
            return Ok(ExitCode::from(if e.is_bad_input() {
                EXIT_BAD_INPUT
            } else {
                EXIT_FAILED
            }));
        }
    };
    let payloads: Vec<serde_json::Value> = replayed
        .recording
        .hook_runs()
        // The added capture handlers' runs only: the scenario's own hooks saw the same
        // payloads, and the real session's capture had one handler per event too.
        .filter(|r| {
            r.run_id
                .contains(crate::scenario::workspace::SESSION_FLAGS_PATH)
        })
        .filter_map(|r| serde_json::from_str(&r.stdin).ok())
        .collect();
    let check = capture::compare(captured, payloads, "<PROJECT>");
    for d in &check.differences {
        outln!("{d}");
    }
    for (event, n) in &check.unmodelled {
        outln!(
            "{event}: {n} captured payload(s) of an event the dialect does not have (not compared)"
        );
    }
    for (event, n) in &check.uncaptured {
        outln!(
            "{event}: {n} replayed payload(s), none captured (a capture made before hooktape recorded {event}; not compared)"
        );
    }
    let equal: usize = check.equal.values().sum();
    let per_event: Vec<String> = check
        .equal
        .iter()
        .map(|(e, n)| format!("{e} {n}"))
        .collect();
    outln!(
        "payloads: {equal} equal ({}), {} differ",
        per_event.join(", "),
        check.differences.len()
    );
    Ok(if check.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}
