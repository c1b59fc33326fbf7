//! `hooktape new NAME --event EVENT`: writes a commented starter scenario for one event.

use super::out::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::engine::event::HookEvent;
use crate::scenario::template;

use super::EXIT_BAD_INPUT;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Scenario name (file stem), e.g. `blocks_rm`.
    pub name: String,
    /// The hook event it exercises (PascalCase, e.g. `PreToolUse`).
    #[arg(long)]
    pub event: String,
    /// The scenarios folder (default: the repository's, from `hooktape.toml`, else
    /// `scenarios`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let Some(event) = HookEvent::from_config_name(&args.event) else {
        let known: Vec<&str> = HookEvent::ALL.iter().map(|e| e.config_name()).collect();
        eprintln!(
            "error: unknown event `{}`, expected one of {}",
            args.event,
            known.join(", ")
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    };
    let valid = !args.name.is_empty()
        && args
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        eprintln!(
            "error: scenario name `{}`: expected letters, digits, `_` or `-`",
            args.name
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    let dir = args.dir.unwrap_or_else(|| {
        super::check::default_paths(Vec::new())
            .pop()
            .unwrap_or_else(|| PathBuf::from("scenarios"))
    });
    let path = dir
        .join(template::event_folder(event))
        .join(format!("{}.toml", args.name));
    if path.exists() {
        eprintln!("error: {} already exists", path.display());
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, template::starter(&args.name, event))
        .with_context(|| format!("cannot write {}", path.display()))?;
    outln!("wrote {}", path.display());
    outln!(
        "next: hooktape run {0}   then   hooktape bless {0}",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
