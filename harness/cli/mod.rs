//! The command line: argument parsing and dispatch only. Each subcommand lives in its own
//! file and calls down into `replay`, `conformance` or `engine`.

mod bench;
mod bless;
mod check;
mod conformance;
mod crosscheck;
mod fuzz;
mod import;
mod init;
mod new;
mod out;
mod port;
mod probe;
mod record;
mod run;
mod schema;
mod style;
mod trust;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for bad input (unreadable or malformed files, bad arguments).
/// `hooktape --version`: the harness and the dialects it plays.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ndialects: codex = Codex 0.171.0 (the default), codex-4e30281 = Codex at upstream commit \
     4e30281, lifecycle = Codex's lifecycle branch, claude = Claude Code 2.1.197"
);

pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a mismatch or a failing check.
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "hooktape",
    version,
    long_version = LONG_VERSION,
    about = "Record-and-replay test harness for coding-agent lifecycle hooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Conformance vectors recorded from the real Codex engine.
    #[command(subcommand)]
    Conformance(conformance::ConformanceCommand),
    Crosscheck(crosscheck::CrosscheckArgs),
    /// Play scenarios under two dialects and report, per hook, what behaves differently.
    Port(port::PortArgs),
    /// Fuzz the hook-output parsers against their properties, in-process, with shrinking.
    Fuzz(fuzz::FuzzArgs),
    /// Run one command as the single hook of an event through the real engine, no agent.
    Probe(Box<probe::ProbeArgs>),
    /// Measure what the harness costs against the floor of spawning the hook.
    Bench(bench::BenchArgs),
    /// Play scenarios and print each session's timeline.
    Run(run::RunArgs),
    /// Replay scenarios and compare them with their goldens (exit 1 on a mismatch).
    Check(check::CheckArgs),
    /// Replay scenarios and write their goldens (refused when CI is set).
    Bless(bless::BlessArgs),
    /// Write a commented starter scenario for one event.
    New(new::NewArgs),
    /// Turn a real Codex session (a rollout file) into a scenario.
    Import(Box<import::ImportArgs>),
    /// Capture every hook payload of real sessions (`--stop` undoes it).
    Record(record::RecordArgs),
    /// Print the config.toml entries that make Codex 0.171+ trust a repository's hooks.
    Trust(trust::TrustArgs),
    /// Set up a repository: hooktape.toml, an example scenario running its own hooks, a CI
    /// workflow.
    Init(init::InitArgs),
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Serve a scripted MCP server on stdio: crosscheck's stand-in, which the real CLI runs.
    #[command(hide = true, name = "mcp-standin")]
    McpStandin {
        /// The server's script (JSON, written by crosscheck).
        script: std::path::PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(cmd) => conformance::run(cmd),
        Command::Crosscheck(args) => crosscheck::run(args),
        Command::Port(args) => port::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Probe(args) => probe::run(*args),
        Command::Bench(args) => bench::run(args),
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Bless(args) => bless::run(args),
        Command::New(args) => new::run(args),
        Command::Init(args) => init::run(args),
        Command::Import(args) => import::run(*args),
        Command::Record(args) => record::run(args),
        Command::Trust(args) => trust::run(args),
        Command::Schema => schema::run(),
        Command::McpStandin { script } => crosscheck::mcp_standin(&script),
    };
    match result {
        Ok(code) => code,
        // A closed stdout (`hooktape … | head`) ends the command quietly, as for other tools.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The repository of `dir` (default: the current directory): the folder holding
/// `hooktape.toml`, else the nearest with `.git`, else `dir` itself. `Err(code)`: its
/// `hooktape.toml` does not load (reported).
fn repository_root(
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<Result<std::path::PathBuf, ExitCode>> {
    use anyhow::Context as _;
    let start = match dir {
        Some(d) => d,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    Ok(match crate::scenario::Repo::discover(&start) {
        Ok(Some(repo)) => Ok(repo.root),
        Ok(None) => Ok(crate::scenario::repo::absolute(&start)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_BAD_INPUT))
        }
    })
}
