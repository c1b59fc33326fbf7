//! `hooktape port SCENARIO… --from DIALECT --to DIALECT`: each scenario played under both
//! dialects, and a report per hook of what would behave differently (`port.rs`). Exit 1
//! when a hook that blocks in one dialect fails open in the other.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::out::outln;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};
use crate::engine::Dialect;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every hook behaves alike where it matters; 1 when a \
hook that blocks in one dialect fails open (or blocks only) in the other; 2 on bad input."
)]
pub struct PortArgs {
    /// Scenario files or folders (their dialect must be `--from`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The dialect the scenarios are written in (`claude`, `codex`, `codex-4e30281`).
    #[arg(long, value_parser = parse_dialect)]
    pub from: Dialect,
    /// The dialect to port them to.
    #[arg(long, value_parser = parse_dialect)]
    pub to: Dialect,
    /// `text` (default) or `json` (one array of reports, for CI).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    Dialect::ALL
        .into_iter()
        .find(|d| d.as_str() == s)
        .ok_or_else(|| {
            let known: Vec<&str> = Dialect::ALL.iter().map(|d| d.as_str()).collect();
            format!(
                "unknown dialect `{s}`, expected one of {}",
                known.join(", ")
            )
        })
}

pub fn run(args: PortArgs) -> anyhow::Result<ExitCode> {
    let scenarios = match super::check::load(&args.files) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    for (case, s) in &scenarios {
        if s.session.dialect != args.from {
            eprintln!(
                "error: {} is a `{}` scenario, not `{}` (--from)",
                case.name, s.session.dialect, args.from
            );
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut reports = Vec::new();
    for (case, scenario) in &scenarios {
        match runtime.block_on(crate::port::port(scenario, args.to)) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {}: {e}", case.name);
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        }
    }
    if args.format == "json" {
        outln!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            outln!("{}", r.render());
        }
    }
    Ok(if reports.iter().any(|r| r.fails_open()) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
