//! `hooktape record [--dir REPO]` installs capture hooks into the repository's Codex config;
//! `hooktape record --stop` restores the config byte for byte (see `crate::import::record`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::import::record;

use super::out::outln;
use super::EXIT_BAD_INPUT;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Agent {
    Codex,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The agent whose config gets the capture hooks.
    #[arg(long, value_enum, default_value_t = Agent::Codex)]
    pub agent: Agent,
    /// The repository (default: the one of the current directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Remove the capture hooks: the config is restored byte for byte.
    #[arg(long)]
    pub stop: bool,
}

pub fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let root = match super::repository_root(args.dir)? {
        Ok(root) => root,
        Err(code) => return Ok(code),
    };
    if args.stop {
        return Ok(match record::stop(&root) {
            Ok(file) => {
                outln!(
                    "restored {} as it was before `hooktape record`",
                    file.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
        });
    }
    let installed = match record::start(&root) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    outln!(
        "{} {}: a capture hook on every event appends each payload to {}",
        if installed.created {
            "created"
        } else {
            "updated"
        },
        installed.hooks_file.display(),
        installed.capture.display()
    );
    outln!();
    outln!("Codex 0.171 and later run a project's hooks only when the project and each hook are");
    outln!("trusted. Add this to $CODEX_HOME/config.toml (usually ~/.codex/config.toml):");
    outln!();
    for line in installed.trust.lines() {
        outln!("  {line}");
    }
    outln!();
    outln!("Then use Codex as usual. Afterwards:");
    outln!(
        "  hooktape record --stop          # restores {} byte for byte",
        installed.hooks_file.display()
    );
    outln!(
        "  hooktape import ROLLOUT --check-payloads {}",
        installed.capture.display()
    );
    Ok(ExitCode::SUCCESS)
}
