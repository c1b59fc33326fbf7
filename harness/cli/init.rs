//! `hooktape init [DIR]`: a starter layout in a user's repository — `hooktape.toml`, one
//! scenario that runs the repository's own hooks, and a GitHub Actions workflow.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::out::outln;
use super::EXIT_BAD_INPUT;
use crate::scenario::template;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository root (default: the current directory).
    pub dir: Option<PathBuf>,
    /// The git URL `cargo install --git` takes hooktape from in the CI workflow (default: the
    /// repository variable `HOOKTAPE_GIT_URL` of your GitHub repository).
    #[arg(long)]
    pub git: Option<String>,
}

/// The folders `init` configures.
const SCENARIOS: &str = "hooktape/scenarios";
const GOLDENS: &str = "hooktape/goldens";
const EXAMPLE: &str = "hooktape/scenarios/repo_hooks.toml";
const WORKFLOW: &str = ".github/workflows/hooktape.yml";

pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    if !dir.is_dir() {
        eprintln!("error: {}: not a folder", dir.display());
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    let files = [
        (crate::scenario::repo::CONFIG_FILE, config()),
        (EXAMPLE, example(&dir)),
        (WORKFLOW, workflow(args.git.as_deref())),
    ];
    let existing: Vec<&str> = files
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| *p)
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: {} already exist(s) in {}; nothing was written",
            existing.join(", "),
            dir.display()
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        outln!("wrote {rel}");
    }
    std::fs::create_dir_all(dir.join(GOLDENS))
        .with_context(|| format!("cannot create {GOLDENS}"))?;
    outln!();
    outln!("next, from {}:", dir.display());
    outln!("  hooktape run repo_hooks      # play the example; read its timeline");
    outln!("  hooktape bless repo_hooks    # write its golden; read it, then commit it");
    outln!("  hooktape check               # what CI runs: fails with a diff when a hook changes");
    if args.git.is_none() {
        outln!(
            "CI: set the repository variable HOOKTAPE_GIT_URL to the git URL of hooktape, or run `hooktape init --git URL`."
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn config() -> String {
    format!(
        "# hooktape: regression tests for this repository's coding-agent hooks.\n\
         # Paths in scenarios (`[[files]] from`, `[[layers]] file`) are relative to this folder.\n\
         scenarios = \"{SCENARIOS}\"\n\
         goldens = \"{GOLDENS}\"\n\
         \n\
         # Filters applied to every recording before it becomes a golden, as insta's:\n\
         # [[filters]]\n\
         # regex = 'Installed \\d+ packages? in \\d+m?s'\n\
         # replacement = 'Installed <N> package(s) in <TIME>'\n"
    )
}

/// The example scenario: the repository's `.codex/` hooks when it has them; else its Claude
/// Code hooks (`.claude/settings.json`) in the `claude` dialect.
fn example(dir: &Path) -> String {
    if template::repository_hooks_file(dir).is_none() && dir.join(".claude/settings.json").is_file()
    {
        return claude_example(dir);
    }
    let layers = match template::repository_hooks_file(dir) {
        Some(file) => template::repository_hook_layers(dir, file),
        None => "# No .codex/hooks.json or .codex/config.toml was found: this layer is an\n\
             # example. Point `file` at your hooks file (relative to the repository root).\n\
             [[layers]]\n\
             kind = \"project\"\n\
             [layers.hooks]\n\
             PreToolUse = [{ matcher = \"Bash\", hooks = [{ type = \"command\", command = \"cat >/dev/null\" }] }]\n"
            .to_owned(),
    };
    format!(
        "description = \"The repository's hooks on a prompt, a shell command and the final answer\"\n\
         \n\
         {layers}\n\
         [[turns]]\n\
         prompt = \"List the files, then stop\"\n\
         [[turns.responses]]\n\
         calls = [{{ exec = \"ls\" }}]             # the model runs `ls` with exec_command (hooks see Bash)\n\
         [turns.results.call-1]\n\
         output = \"README.md\\n\"                   # what the tool prints (scripted)\n\
         [[turns.responses]]\n\
         message = \"Done.\"\n"
    )
}

/// The example for a repository whose hooks are Claude Code's.
fn claude_example(dir: &Path) -> String {
    let mut layers = String::from(
        "[[layers]]                       # the repository's own file, read as Claude Code reads it\n\
         kind = \"project\"\n\
         file = \".claude/settings.json\"\n",
    );
    if dir.join(".claude/settings.local.json").is_file() {
        layers += "\n[[layers]]\nkind = \"local\"\nfile = \".claude/settings.local.json\"\n";
    }
    if dir.join(".claude/hooks").is_dir() {
        layers += "\n[[files]]                        # the hook scripts, copied at every run\nfrom = \".claude/hooks\"\n";
    }
    format!(
        "description = \"The repository's Claude Code hooks on a prompt, a shell command, a file write and the final answer\"\n\
         \n\
         [session]\n\
         dialect = \"claude\"                # Claude Code 2.1.197 (-p, bypassPermissions)\n\
         \n\
         {layers}\n\
         [[turns]]\n\
         prompt = \"List the files, write the notes, then stop\"\n\
         [[turns.responses]]\n\
         calls = [{{ exec = \"ls\", description = \"List files\" }}]   # Bash: its output is scripted\n\
         [turns.results.call-1]\n\
         output = \"README.md\\n\"\n\
         [[turns.responses]]\n\
         calls = [{{ write = \"NOTES.md\", content = \"# Notes\\n\" }}]  # Write: really written in the workspace\n\
         [[turns.responses]]\n\
         message = \"Done.\"\n"
    )
}

fn workflow(git: Option<&str>) -> String {
    let url = git.map_or_else(|| "${{ vars.HOOKTAPE_GIT_URL }}".to_owned(), str::to_owned);
    format!(
        "# Regression tests for this repository's agent hooks (hooktape).\n\
         name: hooks\n\
         on: [push, pull_request]\n\
         jobs:\n\
         \x20 hooktape:\n\
         \x20   runs-on: ubuntu-latest\n\
         \x20   steps:\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20     - run: cargo install --locked --git {url} hooktape\n\
         \x20     # CI=true: goldens are never written; a changed hook fails with its diff.\n\
         \x20     - run: hooktape check --junit hooktape-junit.xml\n\
         \x20       env:\n\
         \x20         CI: \"true\"\n"
    )
}
