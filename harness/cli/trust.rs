//! `hooktape trust [DIR]`: the `config.toml` entries that make Codex (0.171 and later) run a
//! repository's hooks (see `crate::trust`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::out::outln;
use super::EXIT_BAD_INPUT;

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The repository (default: the one of the current directory).
    pub dir: Option<PathBuf>,
}

pub fn run(args: TrustArgs) -> anyhow::Result<ExitCode> {
    let root = match super::repository_root(args.dir)? {
        Ok(root) => root,
        Err(code) => return Ok(code),
    };
    match crate::trust::config_text(&root) {
        Ok(text) => {
            outln!(
                "# Paste into $CODEX_HOME/config.toml (usually ~/.codex/config.toml). Codex 0.171"
            );
            outln!("# and later skip an untrusted or changed hook without a word; run this again after");
            outln!("# any change to a hook's command, matcher, timeout or status message.");
            for line in text.lines() {
                outln!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(EXIT_BAD_INPUT))
        }
    }
}
