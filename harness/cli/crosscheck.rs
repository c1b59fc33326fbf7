//! `hooktape crosscheck [SCENARIO…]`: plays each scenario through the mock and through the
//! real Codex CLI, and prints per scenario the aspects that differ; the last line is
//! `crosscheck: N scenarios, A agree, D differ, S skipped`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use futures::StreamExt as _;

use super::out::outln;
use super::style::Style;
use super::{EXIT_BAD_INPUT, EXIT_FAILED};
use crate::crosscheck::{self, aspects::Difference, isolation, Checked, Verdict};

#[derive(Debug, Args)]
#[command(
    after_help = "The real CLI runs in a network namespace that has only loopback \
(entered with unshare(CLONE_NEWNET): root or user namespaces). Where that is not possible \
crosscheck refuses, unless --allow-network is given. The real CLI gets a temporary HOME and \
CODEX_HOME, a dummy key and the scenario's environment; nothing of the user's.\n\n\
Exit status: 0 when every played scenario agrees; 1 when one differs or a backend could not \
play it; 2 on bad input."
)]
pub struct CrosscheckArgs {
    /// Scenario files or folders (default: the repository's scenarios folder).
    pub files: Vec<PathBuf>,
    /// The real Codex CLI (default: $CODEX_BIN, else the pinned one under agents/codex/,
    /// else `codex` on PATH).
    #[arg(long, value_name = "BIN")]
    pub codex: Option<PathBuf>,
    /// Scenarios played at once (each real run is one `codex app-server`, ~150 MB).
    #[arg(long, short = 'j', default_value_t = 2)]
    pub jobs: usize,
    /// Run the real CLI even where no loopback-only network namespace can be made. It may
    /// then reach the network.
    #[arg(long)]
    pub allow_network: bool,
    /// Write both sides of each played scenario, as compared, to DIR/<name>.mock.txt and
    /// DIR/<name>.real.txt.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Play `codex-4e30281` scenarios too (skipped by default): how Codex at 4e30281, which
    /// they pin, differs from the real CLI.
    #[arg(long)]
    pub drift: bool,
    /// The real agent: `codex` (the default; plays `codex`-dialect scenarios) or `claude`
    /// (the real Claude Code CLI; plays `claude`-dialect scenarios).
    #[arg(long, value_enum, default_value_t = Agent::Codex)]
    pub agent: Agent,
    /// The real Claude Code CLI for `--agent claude` (default: $CLAUDE_BIN, else the pinned
    /// one under agents/claude/, else `claude` on PATH).
    #[arg(long, value_name = "BIN")]
    pub claude: Option<PathBuf>,
}

/// Which real agent crosscheck plays the scenarios through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    Codex,
    Claude,
}

/// The real agent binary to run: the flag, else the environment variable `env`, else the
/// first of `pinned` (paths under the repository root) that exists, else `name` on PATH.
fn agent_bin(flag: Option<PathBuf>, env: &str, pinned: &[&str], name: &str) -> PathBuf {
    if let Some(bin) = flag.or_else(|| std::env::var_os(env).map(PathBuf::from)) {
        return bin;
    }
    let root = std::env::current_dir()
        .ok()
        .and_then(|d| crate::scenario::Repo::discover(&d).ok().flatten())
        .map(|r| r.root);
    root.and_then(|root| pinned.iter().map(|p| root.join(p)).find(|p| p.exists()))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The real Codex: `--codex`, `$CODEX_BIN`, the pinned native binary (or its npm wrapper)
/// under `agents/codex/`, else `codex`.
fn codex_bin(flag: Option<PathBuf>) -> PathBuf {
    agent_bin(
        flag,
        "CODEX_BIN",
        &[
            "agents/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
            "agents/codex/node_modules/.bin/codex",
        ],
        "codex",
    )
}

/// The real Claude Code: `--claude`, `$CLAUDE_BIN`, the pinned native binary under
/// `agents/claude/`, else `claude`.
fn claude_bin(flag: Option<PathBuf>) -> PathBuf {
    agent_bin(flag, "CLAUDE_BIN", &[crosscheck::claude::PINNED], "claude")
}

/// `hooktape mcp-standin SCRIPT`: serves the script until stdin closes.
pub fn mcp_standin(script: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(script).with_context(|| format!("reading {}", script.display()))?;
    let script: crate::crosscheck::mcp_standin::StandinScript = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a stand-in script", script.display()))?;
    crate::crosscheck::mcp_standin::serve(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: CrosscheckArgs) -> anyhow::Result<ExitCode> {
    let scenarios: Vec<(String, crate::scenario::Scenario)> =
        match super::check::load(&super::check::default_paths(args.files)) {
            Ok(loaded) => loaded.into_iter().map(|(case, s)| (case.name, s)).collect(),
            Err(code) => return Ok(code),
        };
    // Before any thread exists: every thread and child after this inherits the namespace.
    match isolation::enter() {
        Ok(seen) => outln!("isolation: a network namespace with {}", seen.join(", ")),
        Err(e) if args.allow_network => {
            eprintln!(
                "warning: not isolated ({e}); --allow-network: the real CLI may reach the network"
            );
        }
        Err(e) => {
            eprintln!(
                "error: cannot isolate the real CLI from the network: {e}\n\
                 (run as root or with user namespaces, or pass --allow-network)"
            );
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    }
    let agent = args.agent;
    let bin = match agent {
        Agent::Codex => codex_bin(args.codex),
        Agent::Claude => claude_bin(args.claude),
    };
    let version = match agent {
        Agent::Codex => crosscheck::real::version(&bin),
        Agent::Claude => crosscheck::claude::version(&bin),
    }
    .unwrap_or_else(|e| format!("unknown ({e})"));
    outln!("real CLI: {version} ({})", bin.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let st = Style::stdout();
    let jobs = args.jobs.max(1);
    let drift = args.drift;
    let (mut agree, mut differ, mut skipped) = (0usize, 0usize, Vec::new());
    let total = scenarios.len();
    runtime.block_on(async {
        let bin = &bin;
        let mut results =
            futures::stream::iter(scenarios.iter().map(|(name, scenario)| async move {
                let checked = match agent {
                    Agent::Codex => crosscheck::check(bin, scenario, drift).await,
                    Agent::Claude => crosscheck::claude::check(bin, scenario).await,
                };
                (name.clone(), checked)
            }))
            .buffered(jobs);
        while let Some((name, checked)) = results.next().await {
            if let (Some(dir), Some((mock, real))) = (&args.keep, &checked.sides) {
                let base = dir.join(&name);
                let written = base
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(base.with_extension("mock.txt"), mock.render()))
                    .and_then(|()| std::fs::write(base.with_extension("real.txt"), real.render()));
                if let Err(e) = written {
                    eprintln!("warning: cannot write {}: {e}", base.display());
                }
            }
            match &checked.verdict {
                Verdict::Agree => {
                    agree += 1;
                    outln!("{} {name} {}", st.green("AGREE "), costs(&checked));
                }
                Verdict::Differ(differences) => {
                    differ += 1;
                    outln!("{} {name} {}", st.red("DIFFER"), costs(&checked));
                    for d in differences {
                        outln!("{}", difference(d));
                    }
                }
                Verdict::Failed(e) => {
                    differ += 1;
                    outln!("{} {name}: {e}", st.red("FAILED"));
                }
                Verdict::Skipped(reason) => {
                    outln!("{} {name}: {reason}", st.yellow("SKIP  "));
                    skipped.push((name, reason.clone()));
                }
            }
        }
    });
    if !skipped.is_empty() {
        outln!("\nskipped ({}):", skipped.len());
        for (name, reason) in &skipped {
            outln!("  {name}: {reason}");
        }
    }
    outln!(
        "crosscheck: {total} scenarios, {agree} agree, {differ} differ, {} skipped",
        skipped.len()
    );
    Ok(if differ > 0 {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `(mock 0.04 s · real 1.21 s, 152 MB)`.
fn costs(c: &Checked) -> String {
    let memory = c
        .real_peak_kb
        .map(|kb| format!(", {} MB", kb / 1024))
        .unwrap_or_default();
    format!(
        "({}; mock {:.2} s · real {:.2} s{memory})",
        c.compared,
        c.mock_wall.as_secs_f64(),
        c.real_wall.as_secs_f64()
    )
}

/// One differing aspect: its name, then a unified diff mock → real.
fn difference(d: &Difference) -> String {
    let mut out = format!("  {}:", d.aspect);
    if !d.mock.contains('\n') && !d.real.contains('\n') {
        out += &format!("\n    - mock: {}\n    + real: {}", d.mock, d.real);
        return out;
    }
    let diff = similar::TextDiff::from_lines(&d.mock, &d.real);
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => " ",
        };
        out += &format!("\n    {sign} {}", change.value().trim_end_matches('\n'));
    }
    out
}
