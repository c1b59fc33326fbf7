//! Stand-ins: each `exec_command` call's scripted result reproduced on the real CLI. For every
//! program a scripted command runs, a shell script of the same name in a folder put first on
//! the PATH the real CLI's commands see (`shell_environment_policy`, never the hooks' PATH)
//! prints the scripted output and exits with the scripted code for the arguments the script
//! gives it (a program scripted once answers any arguments so, as the mock does for a
//! command a PreToolUse `updatedInput` rewrote). A command no stand-in can reproduce (a shell
//! builtin, a path, quoting, a pipeline) runs for real when the scenario scripts nothing for
//! it (what it prints is then compared), and makes the scenario a skip otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use crate::agent::spec::{OutputItem, SessionSpec, ToolResult, ToolSpec};

/// Words a shell runs itself: a program of that name on the PATH would never run.
const BUILTINS: [&str; 52] = [
    ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen",
    "complete", "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit",
    "export", "false", "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let",
    "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readonly", "return",
    "set", "shift", "shopt", "source", "test", "times", "trap", "true", "type", "umask",
];

/// Per program, the scripted `(arguments, result)` of each call that runs it.
pub type StandIns = BTreeMap<String, Vec<(String, ToolResult)>>;

/// The stand-ins a scenario's `exec_command` calls need, or why the real CLI cannot give the
/// scripted results.
pub fn plan(spec: &SessionSpec) -> Result<StandIns, String> {
    let mut out = StandIns::new();
    // Every response, subagents' included.
    for response in spec.model_script() {
        for item in &response.output {
            let OutputItem::Call(call) = item else {
                continue;
            };
            let cmd = match &call.tool {
                ToolSpec::ExecCommand { cmd, .. } => cmd.as_str(),
                // Claude Code's Bash (the `claude` dialect).
                ToolSpec::Claude { tool, input } if tool == "Bash" => {
                    input.get("command").and_then(|c| c.as_str()).unwrap_or("")
                }
                _ => continue,
            };
            let Some((program, args)) = simple_command(cmd) else {
                // Nothing scripted: the real CLI runs it, and what it prints is compared.
                if call.result == ToolResult::default() {
                    continue;
                }
                return Err(format!(
                    "call {}: `{cmd}` is not one program with plain arguments, so no stand-in can give its scripted result",
                    call.call_id
                ));
            };
            let calls = out.entry(program.to_owned()).or_default();
            match calls.iter().find(|(a, _)| *a == args) {
                Some((_, earlier)) if earlier != &call.result => {
                    return Err(format!(
                        "call {}: `{cmd}` is scripted twice with different results",
                        call.call_id
                    ))
                }
                Some(_) => {}
                None => calls.push((args, call.result.clone())),
            }
        }
    }
    Ok(out)
}

/// `(program, arguments joined by one space)` of a command that is one program name (no
/// path, not a builtin) followed by plain words; `None` otherwise.
fn simple_command(cmd: &str) -> Option<(&str, String)> {
    let plain = |w: &str| {
        !w.is_empty()
            && w.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '_' | '.' | '/' | ',' | '=' | '+' | '@' | '%' | ':')
            })
    };
    let mut words = cmd.split_whitespace();
    let program = words.next()?;
    let args: Vec<&str> = words.collect();
    if program.contains('/') || BUILTINS.contains(&program) || !plain(program) {
        return None;
    }
    if !args.iter().all(|w| plain(w)) {
        return None;
    }
    Some((program, args.join(" ")))
}

/// Writes one script per program into `dir`.
pub fn write(dir: &Path, standins: &StandIns) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir)?;
    for (program, calls) in standins {
        let mut script = String::from(
            "#!/bin/sh\n# hooktape crosscheck: the scenario's scripted results\ncase \"$*\" in\n",
        );
        for (args, result) in calls {
            script += &format!(
                "  {})\n    printf '%s' {}\n    exit {}\n    ;;\n",
                quote(args),
                quote(&result.output),
                result.exit_code.rem_euclid(256)
            );
        }
        if let [(_, only)] = calls.as_slice() {
            script += &format!(
                "  *)\n    printf '%s' {}\n    exit {}\n    ;;\n",
                quote(&only.output),
                only.exit_code.rem_euclid(256)
            );
        }
        script += &format!(
            "esac\necho \"hooktape crosscheck: no scripted result for {program} $*\" >&2\nexit 127\n"
        );
        let path = dir.join(program);
        std::fs::write(&path, script)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// A single-quoted shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_commands_only() {
        assert_eq!(simple_command("ls"), Some(("ls", String::new())));
        assert_eq!(
            simple_command("rm -rf  build"),
            Some(("rm", "-rf build".to_owned()))
        );
        for cmd in [
            "pwd",
            "echo hi",
            "/bin/ls",
            "ls | head",
            "git status && git diff",
            "printf 'x' > f",
            "cat $HOME/x",
        ] {
            assert_eq!(simple_command(cmd), None, "{cmd}");
        }
    }

    #[test]
    fn a_stand_in_prints_the_scripted_output_and_exits_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let mut standins = StandIns::new();
        standins.insert(
            "npm".to_owned(),
            vec![(
                "install".to_owned(),
                ToolResult {
                    output: "added 3 packages\nit's done".to_owned(),
                    exit_code: 3,
                    ..ToolResult::default()
                },
            )],
        );
        write(dir.path(), &standins).unwrap();
        let out = std::process::Command::new(dir.path().join("npm"))
            .arg("install")
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"added 3 packages\nit's done");
        assert_eq!(out.status.code(), Some(3));
        // Scripted once: any arguments (a rewritten command) get the same result.
        let out = std::process::Command::new(dir.path().join("npm"))
            .arg("test")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        standins
            .get_mut("npm")
            .unwrap()
            .push(("ci".to_owned(), ToolResult::default()));
        write(dir.path(), &standins).unwrap();
        let out = std::process::Command::new(dir.path().join("npm"))
            .arg("test")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(127));
    }
}
