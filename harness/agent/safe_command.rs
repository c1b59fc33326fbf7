//! Codex's "known safe command" rule: under approval policy `untrusted` the agent runs a
//! command it knows to be read-only without asking, so no PermissionRequest hook fires for
//! it. This is `is_known_safe_command` (`codex-rs/shell-command/src/command_safety/
//! is_safe_command.rs`, with the git helpers of `is_dangerous_command.rs`) as it stands
//! at the reference commit. Pure: no process is spawned and nothing is looked up on disk.
//!
//! A command is safe when its argv is one of:
//! - a plain read-only program, named bare or by a path (only the file name counts):
//!   `cat cd cut echo expr false grep head id ls nl paste pwd rev seq stat tail tr true
//!   uname uniq wc which whoami`, plus `numfmt` and `tac` (Codex allows those two on Linux
//!   only; here always, so that a result never depends on the host);
//! - `base64` with no argument starting with `-o` nor any `--output` / `--output=…`;
//! - `find` with none of `-exec -execdir -ok -okdir -delete -fls -fprint -fprint0 -fprintf`;
//! - `rg` with none of `--search-zip -z --pre[=…] --hostname-bin[=…]`;
//! - `sed -n N[,M]p [file]` (at most four words);
//! - `git status|log|diff|show [args]` and `git branch` that only lists (no argument, or
//!   only `--list -l --show-current -a --all -r --remotes -v -vv --verbose --format=…`),
//!   where no argument anywhere is a config / repository / helper override (`-c…`,
//!   `--config-env`, `--exec-path`, `--git-dir`, `--namespace`, `--super-prefix`,
//!   `--work-tree`, split or `=` forms), none after the subcommand is `--output[=…]`,
//!   `--ext-diff`, `--textconv`, `--exec[=…]` or `--paginate`; the subcommand is the first
//!   word that is not an option, skipping the value of `-C`.
//!   At the reference commit `git -C <dir>` and a global `-p` / `--paginate` before the
//!   subcommand are still accepted (later upstream asks for them, and later still for every
//!   git command);
//! - `bash|zsh|sh -lc|-c <script>` (the shell named bare or by its usual system path) whose
//!   script is one or more plain commands joined by `&&`, `||`, `;` or `|`, each of them
//!   safe by the rules above. This is also how Codex runs a `shell_command` / `exec_command`
//!   string, hence [`is_known_safe_script`].
//!
//! Upstream reads the script with tree-sitter-bash; this module uses a small tokenizer
//! (`plain_commands`) that accepts a subset of what that parser accepts, so where the two
//! differ the answer here is "not safe" (the agent asks). A script is read only if it is
//! made of words and the four operators, where a word is unquoted ASCII letters, digits
//! and `- _ . / , : = + @ %`, single-quoted text, or double-quoted text without `$`, a
//! backtick or a backslash, glued together. A command's first word must be unquoted, with
//! no `=` (an assignment). Anything else is refused, including what tree-sitter would
//! accept as a plain word: unquoted globs `* ? [ ]`, braces, `~`, `#`, `!`, backslashes
//! and non-ASCII text; an unquoted newline (a separator upstream) other than at either end
//! of the script; and a shell named by any other path (`/tmp/bash`). Upstream's rules for
//! PowerShell on Windows are not modelled.

use std::iter::Peekable;
use std::path::Path;
use std::str::Chars;

/// Whether Codex would run `argv` without asking under approval policy `untrusted`.
pub fn is_known_safe_argv(argv: &[String]) -> bool {
    // Upstream first renames every word `zsh` to `bash`; no rule below tells the two apart,
    // so that step has nothing to do here.
    if is_safe_to_call_with_exec(argv) {
        return true;
    }
    match argv {
        [shell, flag, script] if is_shell(shell) && matches!(flag.as_str(), "-lc" | "-c") => {
            is_known_safe_script(script)
        }
        _ => false,
    }
}

/// Whether Codex would run the shell script `script` (a `shell_command` `command`, an
/// `exec_command` `cmd`: Codex runs those as `<shell> -lc <script>`) without asking under
/// approval policy `untrusted`.
pub fn is_known_safe_script(script: &str) -> bool {
    plain_commands(script).is_some_and(|commands| {
        !commands.is_empty() && commands.iter().all(|argv| is_safe_to_call_with_exec(argv))
    })
}

/// The shells whose `-lc` / `-c` script is looked into: exact names and system paths only.
fn is_shell(program: &str) -> bool {
    matches!(
        program,
        "bash"
            | "/bin/bash"
            | "/usr/bin/bash"
            | "/usr/local/bin/bash"
            | "/opt/homebrew/bin/bash"
            | "zsh"
            | "/bin/zsh"
            | "/usr/bin/zsh"
            | "/usr/local/bin/zsh"
            | "/opt/homebrew/bin/zsh"
            | "sh"
            | "/bin/sh"
            | "/usr/bin/sh"
    )
}

/// Upstream's `is_safe_to_call_with_exec`: one argv, no shell involved.
fn is_safe_to_call_with_exec(argv: &[String]) -> bool {
    let Some(program) = argv.first() else {
        return false;
    };
    let Some(name) = Path::new(program)
        .file_name()
        .and_then(|name| name.to_str())
    else {
        return false;
    };
    match name {
        "cat" | "cd" | "cut" | "echo" | "expr" | "false" | "grep" | "head" | "id" | "ls" | "nl"
        | "paste" | "pwd" | "rev" | "seq" | "stat" | "tail" | "tr" | "true" | "uname" | "uniq"
        | "wc" | "which" | "whoami" | "numfmt" | "tac" => true,
        "base64" => !argv[1..].iter().any(|arg| {
            // `-o`, `-oFILE`, `--output FILE`, `--output=FILE` write a file.
            arg.starts_with("-o") || arg == "--output" || arg.starts_with("--output=")
        }),
        "find" => !argv.iter().any(|arg| {
            matches!(
                arg.as_str(),
                // Run a command.
                "-exec" | "-execdir" | "-ok" | "-okdir"
                // Delete the files found.
                | "-delete"
                // Write the names found to a file.
                | "-fls" | "-fprint" | "-fprint0" | "-fprintf"
            )
        }),
        "rg" => !argv.iter().any(|arg| {
            // `--pre` and `--hostname-bin` run a command; `-z` runs decompressors.
            matches!(arg.as_str(), "--search-zip" | "-z")
                || ["--pre", "--hostname-bin"].iter().any(|option| {
                    arg == option
                        || arg
                            .strip_prefix(option)
                            .is_some_and(|rest| rest.starts_with('='))
                })
        }),
        "sed" => {
            argv.len() <= 4
                && argv.get(1).is_some_and(|arg| arg == "-n")
                && argv.get(2).is_some_and(|arg| is_sed_print_range(arg))
        }
        "git" => is_safe_git(argv),
        _ => false,
    }
}

/// `N` + `p` or `N,M` + `p`, digits only.
fn is_sed_print_range(arg: &str) -> bool {
    let Some(range) = arg.strip_suffix('p') else {
        return false;
    };
    let is_number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match range.split_once(',') {
        None => is_number(range),
        Some((first, last)) => is_number(first) && is_number(last),
    }
}

fn is_safe_git(argv: &[String]) -> bool {
    if argv[1..]
        .iter()
        .any(|arg| git_global_option_requires_prompt(arg))
    {
        return false;
    }
    let Some((index, subcommand)) = find_git_subcommand(argv) else {
        return false;
    };
    let args = &argv[index + 1..];
    match subcommand {
        "status" | "log" | "diff" | "show" => git_args_are_read_only(args),
        "branch" => git_args_are_read_only(args) && git_branch_only_lists(args),
        _ => false,
    }
}

/// Options that point git at other config, another repository or other helpers.
fn git_global_option_requires_prompt(arg: &str) -> bool {
    matches!(
        arg,
        "-c" | "--config-env"
            | "--exec-path"
            | "--git-dir"
            | "--namespace"
            | "--super-prefix"
            | "--work-tree"
    ) || (arg.starts_with("-c") && arg.len() > 2)
        || [
            "--config-env=",
            "--exec-path=",
            "--git-dir=",
            "--namespace=",
            "--super-prefix=",
            "--work-tree=",
        ]
        .iter()
        .any(|prefix| arg.starts_with(prefix))
}

/// The index and name of git's subcommand (the first word that is not an option nor an
/// option's value) when it is one of the read-only ones.
fn find_git_subcommand(argv: &[String]) -> Option<(usize, &str)> {
    let mut skip_value = false;
    for (index, arg) in argv.iter().enumerate().skip(1) {
        if skip_value {
            skip_value = false;
            continue;
        }
        // `-C <dir>` is the one global option taking a value that can reach here: every
        // other one was refused by `git_global_option_requires_prompt` first.
        if arg == "-C" {
            skip_value = true;
            continue;
        }
        if arg.starts_with('-') {
            // Options, `--`, and `-C<dir>` / `-c<config>` / `--git-dir=<dir>` ….
            continue;
        }
        return matches!(arg.as_str(), "status" | "log" | "diff" | "show" | "branch")
            .then_some((index, arg.as_str()));
    }
    None
}

/// No argument writes a file or runs a program.
fn git_args_are_read_only(args: &[String]) -> bool {
    !args.iter().any(|arg| {
        matches!(
            arg.as_str(),
            "--output" | "--ext-diff" | "--textconv" | "--exec" | "--paginate"
        ) || arg.starts_with("--output=")
            || arg.starts_with("--exec=")
    })
}

/// `git branch` lists, and does not create, rename or delete.
fn git_branch_only_lists(args: &[String]) -> bool {
    args.is_empty()
        || args.iter().all(|arg| {
            matches!(
                arg.as_str(),
                "--list"
                    | "-l"
                    | "--show-current"
                    | "-a"
                    | "--all"
                    | "-r"
                    | "--remotes"
                    | "-v"
                    | "-vv"
                    | "--verbose"
            ) || arg.starts_with("--format=")
        })
}

/// The argv of each command of `script` when the script is only plain words joined by
/// `&&`, `||`, `;` and `|` (see the module documentation for what a plain word is); `None`
/// for anything else. An empty script gives no command. A final `;` is allowed, as in the
/// shell; an empty command anywhere else is not.
fn plain_commands(script: &str) -> Option<Vec<Vec<String>>> {
    let script = script.trim_matches(|c| matches!(c, ' ' | '\t' | '\n'));
    let mut chars = script.chars().peekable();
    let mut commands = Vec::new();
    let mut command: Vec<String> = Vec::new();
    let mut last_operator = None;
    loop {
        while chars.next_if(|&c| c == ' ' || c == '\t').is_some() {}
        let Some(&c) = chars.peek() else {
            break;
        };
        if matches!(c, '&' | '|' | ';') {
            chars.next();
            let operator = match (c, chars.peek()) {
                ('&', Some('&')) | ('|', Some('|')) => {
                    chars.next();
                    c
                }
                ('&', _) | ('|', Some('&')) | (';', Some(';' | '&')) => return None,
                _ => c,
            };
            if command.is_empty() {
                return None;
            }
            commands.push(std::mem::take(&mut command));
            last_operator = Some(operator);
        } else {
            let first = command.is_empty();
            command.push(plain_word(&mut chars, first)?);
        }
    }
    if command.is_empty() {
        // Nothing may follow `&&`, `||` or `|`; `;` may end the script.
        if last_operator.is_some_and(|operator| operator != ';') {
            return None;
        }
    } else {
        commands.push(command);
    }
    Some(commands)
}

/// Unquoted characters a plain word may hold. `=` is excluded at the start of a word (zsh
/// expands `=cmd`) and anywhere in a command's first word (an assignment).
fn is_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '=' | '+' | '@' | '%')
}

/// Reads one word (the text up to a blank or an operator): unquoted runs, '…' and "…"
/// glued together, with the quotes removed. `None` when it is not plain.
fn plain_word(chars: &mut Peekable<Chars<'_>>, command_name: bool) -> Option<String> {
    let mut word = String::new();
    let mut parts = 0;
    let mut quoted = false;
    let mut in_unquoted_run = false;
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '&' | '|' | ';' => break,
            '\'' | '"' => {
                chars.next();
                parts += 1;
                quoted = true;
                in_unquoted_run = false;
                // Single quotes take anything; double quotes refuse what would expand.
                loop {
                    match chars.next()? {
                        close if close == c => break,
                        '$' | '`' | '\\' if c == '"' => return None,
                        inner => word.push(inner),
                    }
                }
            }
            c if is_plain_char(c) => {
                if word.is_empty() && parts == 0 && c == '=' {
                    return None;
                }
                chars.next();
                if !in_unquoted_run {
                    parts += 1;
                    in_unquoted_run = true;
                }
                word.push(c);
            }
            _ => return None,
        }
    }
    if command_name && (quoted || parts != 1 || word.contains('=')) {
        return None;
    }
    if parts > 1 && word.is_empty() {
        return None;
    }
    Some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    /// `(argv, safe)`. Rows marked "upstream" are the cases of upstream's own tests
    /// (is_safe_command.rs and bash.rs at the reference commit); "conservative" rows are
    /// where this module asks although upstream may not.
    const CASES: &[(&[&str], bool)] = &[
        // upstream: known_safe_examples
        (&["ls"], true),
        (&["git", "status"], true),
        (&["git", "branch"], true),
        (&["git", "branch", "--show-current"], true),
        (&["base64"], true),
        (&["sed", "-n", "1,5p", "file.txt"], true),
        (&["nl", "-nrz", "Cargo.toml"], true),
        (&["find", ".", "-name", "file.txt"], true),
        (&["numfmt", "1000"], true),
        (&["tac", "Cargo.toml"], true),
        // upstream: git branch mutations, global options, first positional
        (&["git", "branch", "-d", "feature"], false),
        (&["git", "branch", "new-branch"], false),
        (&["git", "-C", ".", "branch", "--show-current"], true),
        (&["git", "-C", ".", "branch", "-d", "feature"], false),
        (&["bash", "-lc", "git -C . branch -d feature"], false),
        (&["git", "checkout", "status"], false),
        // upstream: output and config-override flags
        (
            &["git", "log", "--output=/tmp/git-log-out-test", "-n", "1"],
            false,
        ),
        (
            &["git", "diff", "--output", "/tmp/git-diff-out-test"],
            false,
        ),
        (
            &["git", "show", "--output=/tmp/git-show-out-test", "HEAD"],
            false,
        ),
        (&["git", "-c", "core.pager=cat", "log", "-n", "1"], false),
        (&["git", "-ccore.pager=cat", "status"], false),
        // upstream: repository / helper overrides
        (&["git", "--git-dir=.evil-git", "diff"], false),
        (&["git", "--work-tree", "/tmp", "status"], false),
        (&["bash", "-lc", "git --exec-path=/tmp/x log"], false),
        // upstream: unknown or partial
        (&["cargo", "check"], false),
        (&["foo"], false),
        (&["git", "fetch"], false),
        (&["sed", "-n", "xp", "file.txt"], false),
        // upstream: find
        (
            &["find", ".", "-name", "file.txt", "-exec", "rm", "{}", ";"],
            false,
        ),
        (
            &[
                "find", ".", "-name", "*.py", "-execdir", "python3", "{}", ";",
            ],
            false,
        ),
        (
            &["find", ".", "-name", "file.txt", "-ok", "rm", "{}", ";"],
            false,
        ),
        (
            &["find", ".", "-name", "*.py", "-okdir", "python3", "{}", ";"],
            false,
        ),
        (&["find", ".", "-delete", "-name", "file.txt"], false),
        (&["find", ".", "-fls", "/etc/passwd"], false),
        (&["find", ".", "-fprint", "/etc/passwd"], false),
        (&["find", ".", "-fprint0", "/etc/passwd"], false),
        (
            &["find", ".", "-fprintf", "/root/suid.txt", "%#m %u %p\n"],
            false,
        ),
        // upstream: base64
        (&["base64", "-o", "out.bin"], false),
        (&["base64", "--output", "out.bin"], false),
        (&["base64", "--output=out.bin"], false),
        (&["base64", "-ob64.txt"], false),
        // upstream: ripgrep
        (&["rg", "Cargo.toml", "-n"], true),
        (&["rg", "--search-zip", "files"], false),
        (&["rg", "-z", "files"], false),
        (&["rg", "--pre", "pwned", "files"], false),
        (&["rg", "--pre=pwned", "files"], false),
        (&["rg", "--hostname-bin", "pwned", "files"], false),
        (&["rg", "--hostname-bin=pwned", "files"], false),
        // upstream: zsh and bash -lc
        (&["zsh", "-lc", "ls"], true),
        (&["bash", "-lc", "ls"], true),
        (&["bash", "-lc", "ls -1"], true),
        (&["bash", "-lc", "grep -R \"Cargo.toml\" -n"], true),
        (&["bash", "-lc", "sed -n 1,5p file.txt"], true),
        (&["bash", "-lc", "sed -n '1,5p' file.txt"], true),
        (&["bash", "-lc", "find . -name file.txt"], true),
        (&["bash", "-lc", "grep -R \"Cargo.toml\" -n || true"], true),
        (&["bash", "-lc", "ls && pwd"], true),
        (&["bash", "-lc", "echo 'hi' ; ls"], true),
        (&["bash", "-lc", "ls | wc -l"], true),
        (&["bash", "-lc", "git status"], true),
        (&["bash", "-lc", "git", "status"], false),
        (&["bash", "-lc", "'git status'"], false),
        (&["bash", "-lc", "find . -name file.txt -delete"], false),
        (&["bash", "-lc", "ls && rm -rf /"], false),
        (&["bash", "-lc", "(ls)"], false),
        (&["bash", "-lc", "ls || (pwd && echo hi)"], false),
        (&["bash", "-lc", "ls > out.txt"], false),
        // upstream (bash.rs): what the script parser accepts and refuses
        (&["bash", "-lc", "ls && pwd; echo 'hi there' | wc -l"], true),
        (&["bash", "-lc", "echo hi & echo bye"], false),
        (&["bash", "-lc", "echo $(pwd)"], false),
        (&["bash", "-lc", "echo `pwd`"], false),
        (&["bash", "-lc", "echo $HOME"], false),
        (&["bash", "-lc", "echo \"hi ${USER}\""], false),
        (&["bash", "-lc", "FOO=bar ls"], false),
        (&["bash", "-lc", "ls &&"], false),
        (&["bash", "-lc", "&& ls"], false),
        (&["bash", "-lc", "ls ;; pwd"], false),
        (&["bash", "-lc", "ls | | wc"], false),
        (&["bash", "-lc", "echo 123 456"], true),
        (&["bash", "-lc", "echo \"line1\nline2\""], true),
        (&["bash", "-lc", "echo \"/usr\"'/'\"local\"/bin"], true),
        (&["bash", "-lc", "rg -n \"foo\" -g\"*.py\""], true),
        (&["bash", "-lc", "grep -n 'pattern' -g'*.txt'"], true),
        (&["bash", "-lc", "rg -g\"$VAR\" pattern"], false),
        (&["bash", "-lc", "rg -g\"$(pwd)\" pattern"], false),
        // wrappers: shell names and flags
        (&["bash", "-c", "ls"], true),
        (&["sh", "-c", "cat README.md"], true),
        (&["/bin/zsh", "-lc", "pwd"], true),
        (&["bash", "-x", "ls"], false),
        (&["bash", "-lc", ""], false),
        (&["bash", "-lc", "ls;"], true),
        (&["bash", "-lc", "  ls -la\n"], true),
        // by file name, as upstream
        (&["/usr/bin/cat", "Cargo.toml"], true),
        // git details at the reference commit
        (&["git", "log", "-p", "-1"], true),
        (&["git", "-p", "status"], true),
        (&["git", "log", "-c"], false),
        (&["git", "diff", "--ext-diff"], false),
        (&["git", "show", "--textconv", "HEAD"], false),
        (&["git", "log", "--paginate"], false),
        (&["git", "branch", "-a", "-v"], true),
        (&["git", "branch", "--format=%(refname)"], true),
        (&["git", "branch", "-D", "feature"], false),
        (&["git"], false),
        // sed shapes
        (&["sed", "-n", "10p"], true),
        (&["sed", "-n", "1,5p", "a", "b"], false),
        (&["sed", "-n", "1,2,3p", "file"], false),
        (&["sed", "-i", "1p", "file"], false),
        (&["sed", "-n", "p", "file"], false),
        // conservative: the tokenizer refuses what tree-sitter may accept
        (&["bash", "-lc", "ls *.rs"], false),
        (&["bash", "-lc", "cat ~/.bashrc"], false),
        (&["bash", "-lc", "ls\npwd"], false),
        (&["bash", "-lc", "cat a\\ b"], false),
        (&["bash", "-lc", "ls # note"], false),
        (&["bash", "-lc", "echo \"a\\\"b\""], false),
        (&["/tmp/bash", "-lc", "ls"], false),
        // refused upstream too
        (&["bash", "-lc", "\"ls\""], false),
        (&["bash", "-lc", "ls |& wc"], false),
        (&["bash", "-lc", "ls 2>&1"], false),
        (&["bash", "-lc", "ls 'unterminated"], false),
        (&["bash", "-lc", "echo {a,b}"], false),
        (&["bash", "-lc", "! ls"], false),
        (&["bash", "-lc", "ls & "], false),
    ];

    #[test]
    fn known_safe_table() {
        assert!(CASES.len() >= 40);
        let mut wrong = Vec::new();
        for (argv, safe) in CASES {
            if is_known_safe_argv(&v(argv)) != *safe {
                wrong.push(format!("{argv:?}: expected safe={safe}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(!is_known_safe_argv(&[]));
    }

    /// A `bash -lc` row says the same of its script alone.
    #[test]
    fn script_agrees_with_bash_lc() {
        for (argv, safe) in CASES {
            if let [shell, flag, script] = argv {
                if *shell == "bash" && *flag == "-lc" {
                    assert_eq!(is_known_safe_script(script), *safe, "{script:?}");
                }
            }
        }
    }

    #[test]
    fn tokenizer_splits_words_and_operators() {
        assert_eq!(
            plain_commands("ls && pwd; echo 'hi there' | wc -l"),
            Some(vec![
                v(&["ls"]),
                v(&["pwd"]),
                v(&["echo", "hi there"]),
                v(&["wc", "-l"]),
            ])
        );
        assert_eq!(
            plain_commands("rg -n \"foo\" -g\"*.py\"||true"),
            Some(vec![v(&["rg", "-n", "foo", "-g*.py"]), v(&["true"])])
        );
        assert_eq!(
            plain_commands("grep '' file"),
            Some(vec![v(&["grep", "", "file"])])
        );
        assert_eq!(plain_commands(""), Some(Vec::new()));
        assert_eq!(plain_commands("echo ''\"\""), None);
        assert_eq!(plain_commands("echo =ls"), None);
        assert_eq!(plain_commands("echo a=b"), Some(vec![v(&["echo", "a=b"])]));
        assert_eq!(plain_commands("; ls"), None);
    }
}
