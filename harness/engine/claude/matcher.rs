//! Claude Code's matchers (2.1.195 and later): omitted, `""` or `"*"` match everything; a
//! matcher made only of `[A-Za-z0-9_ ,|-]` is a list of exact names separated by `|` or `,`
//! (spaces around them allowed); anything else is an unanchored regex. Claude Code evaluates
//! that regex as JavaScript's `RegExp`; hooktape uses Rust's `regex`, which agrees on
//! everything but lookaround and backreferences (those fail to compile, with a discovery
//! warning, and the handler never runs).

use regex::Regex;

#[derive(Debug, Clone)]
pub enum ClaudeMatcher {
    All,
    Exact(Vec<String>),
    Regex(Regex),
}

impl ClaudeMatcher {
    pub fn compile(matcher: Option<&str>) -> Result<ClaudeMatcher, regex::Error> {
        match matcher {
            None | Some("") | Some("*") => Ok(ClaudeMatcher::All),
            Some(m) if is_exact_list(m) => Ok(ClaudeMatcher::Exact(
                m.split(['|', ','])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )),
            Some(m) => Regex::new(m).map(ClaudeMatcher::Regex),
        }
    }

    pub fn matches(&self, subject: &str) -> bool {
        match self {
            ClaudeMatcher::All => true,
            ClaudeMatcher::Exact(names) => names.iter().any(|n| n == subject),
            ClaudeMatcher::Regex(re) => re.is_match(subject),
        }
    }
}

/// Only letters, digits, `_`, space, `-`, `,` and `|`: exact names.
pub fn is_exact_list(matcher: &str) -> bool {
    !matcher.trim().is_empty()
        && matcher
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '-' | ',' | '|'))
}

#[cfg(test)]
mod tests {
    use super::ClaudeMatcher;

    fn m(s: &str) -> ClaudeMatcher {
        ClaudeMatcher::compile(Some(s)).unwrap()
    }

    #[test]
    fn lists_are_exact_and_take_commas_and_spaces() {
        let w = m("Write|Edit");
        assert!(w.matches("Write") && w.matches("Edit") && !w.matches("NotebookEdit"));
        assert!(!w.matches("apply_patch"));
        let c = m("Bash, PowerShell");
        assert!(c.matches("Bash") && c.matches("PowerShell"));
        assert!(m("code-reviewer").matches("code-reviewer"));
        assert!(!m("code-reviewer").matches("senior-code-reviewer"));
    }

    #[test]
    fn other_matchers_are_unanchored_regexes() {
        assert!(m("Edit.*").matches("NotebookEdit"));
        assert!(!m("^Edit$").matches("NotebookEdit"));
        assert!(m("mcp__memory__.*").matches("mcp__memory__create"));
        assert!(!m("mcp__memory").matches("mcp__memory__create"));
        assert!(ClaudeMatcher::compile(Some("(?=x)")).is_err());
    }

    #[test]
    fn star_empty_and_omitted_match_all() {
        for s in [None, Some(""), Some("*")] {
            assert!(ClaudeMatcher::compile(s).unwrap().matches("anything"));
        }
    }
}
