//! A handler's `if` rule: one permission-rule string such as `Bash(git *)`, `Edit(*.ts)` or
//! `Write`, evaluated on tool events only. hooktape's reading (pure):
//!
//! - `Tool` alone applies to every call of that tool;
//! - `Bash(pattern)`: each subcommand of the command (split at `&&`, `||`, `;` and `|`, a
//!   leading `VAR=value` dropped) is matched against the pattern, where `*` stands for any
//!   text and a trailing `:*` for "this prefix"; the rule applies when any subcommand matches;
//! - `Edit(glob)`, `Write(glob)`, `Read(glob)`: `tool_input.file_path` against the glob
//!   (`**` any text, `*` any text without `/`), either whole or by its file name;
//! - anything hooktape cannot read applies (Claude Code fails open on what it cannot parse).

use regex::Regex;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct PermissionRule {
    tool: String,
    pattern: Option<String>,
}

impl PermissionRule {
    pub fn parse(rule: &str) -> PermissionRule {
        let rule = rule.trim();
        match rule.find('(') {
            Some(open) if rule.ends_with(')') => PermissionRule {
                tool: rule[..open].trim().to_owned(),
                pattern: Some(rule[open + 1..rule.len() - 1].to_owned()),
            },
            _ => PermissionRule {
                tool: rule.to_owned(),
                pattern: None,
            },
        }
    }

    /// Whether the rule applies to a call of `tool` with `input`.
    pub fn applies(&self, tool: &str, input: &Value) -> bool {
        if self.tool != tool {
            return false;
        }
        let Some(pattern) = &self.pattern else {
            return true;
        };
        match tool {
            "Bash" => {
                let Some(command) = input.get("command").and_then(Value::as_str) else {
                    return true;
                };
                let Some(re) = wildcard(pattern) else {
                    return true;
                };
                subcommands(command).iter().any(|c| re.is_match(c))
            }
            _ => {
                let Some(path) = input.get("file_path").and_then(Value::as_str) else {
                    return true;
                };
                let Some(re) = glob(pattern) else { return true };
                let name = path.rsplit('/').next().unwrap_or(path);
                re.is_match(path) || re.is_match(name)
            }
        }
    }
}

fn wildcard(pattern: &str) -> Option<Regex> {
    let pattern = pattern
        .strip_suffix(":*")
        .map_or_else(|| pattern.to_owned(), |prefix| format!("{prefix}*"));
    let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
    Regex::new(&format!("^{}$", body.join(".*"))).ok()
}

fn glob(pattern: &str) -> Option<Regex> {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '*' {
            if chars.peek() == Some(&'*') {
                chars.next();
                re.push_str(".*");
            } else {
                re.push_str("[^/]*");
            }
        } else {
            re.push_str(&regex::escape(&c.to_string()));
        }
    }
    re.push('$');
    Regex::new(&re).ok()
}

fn subcommands(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in command
        .split("&&")
        .flat_map(|p| p.split("||"))
        .flat_map(|p| p.split([';', '|']))
    {
        let words: Vec<&str> = part.split_whitespace().collect();
        let start = words
            .iter()
            .position(|w| !w.contains('=') || w.starts_with('='))
            .unwrap_or(words.len());
        let rest = words[start..].join(" ");
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::PermissionRule;
    use serde_json::json;

    #[test]
    fn bash_rules_match_any_subcommand() {
        let r = PermissionRule::parse("Bash(git *)");
        assert!(r.applies("Bash", &json!({"command":"git status"})));
        assert!(r.applies("Bash", &json!({"command":"cd x && GIT_DIR=y git push"})));
        assert!(!r.applies("Bash", &json!({"command":"ls"})));
        assert!(!r.applies("Write", &json!({"file_path":"/a"})));
        assert!(PermissionRule::parse("Bash(npm run:*)")
            .applies("Bash", &json!({"command":"npm run test"})));
    }

    #[test]
    fn file_rules_match_the_path_or_its_name() {
        let r = PermissionRule::parse("Edit(*.ts)");
        assert!(r.applies("Edit", &json!({"file_path":"/p/src/a.ts"})));
        assert!(!r.applies("Edit", &json!({"file_path":"/p/src/a.rs"})));
        assert!(PermissionRule::parse("Write").applies("Write", &json!({})));
    }
}
