//! Matchers: omitted, `""` or `"*"` match everything; a matcher made only of
//! `[A-Za-z0-9_|]` is a set of exact names separated by `|`; anything else is an
//! unanchored Rust regex.

use regex::Regex;

#[derive(Debug, Clone)]
pub enum Matcher {
    All,
    Exact(Vec<String>),
    Regex(Regex),
}

impl Matcher {
    /// Compiles a configured matcher. The error is the regex crate's message, which the
    /// discovery warning quotes as is.
    pub fn compile(matcher: Option<&str>) -> Result<Matcher, regex::Error> {
        match matcher {
            None | Some("") | Some("*") => Ok(Matcher::All),
            Some(m) if is_exact_set(m) => {
                Ok(Matcher::Exact(m.split('|').map(str::to_owned).collect()))
            }
            Some(m) => Regex::new(m).map(Matcher::Regex),
        }
    }

    /// True when any subject (canonical name first, then aliases) matches. A handler is
    /// selected once however many subjects match.
    pub fn matches_any<S: AsRef<str>>(&self, subjects: &[S]) -> bool {
        subjects.iter().any(|s| self.matches(s.as_ref()))
    }

    pub fn matches(&self, subject: &str) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Exact(names) => names.iter().any(|n| n == subject),
            Matcher::Regex(re) => re.is_match(subject),
        }
    }
}

/// Only letters, digits, `_` and `|`: exact names, no regex.
pub fn is_exact_set(matcher: &str) -> bool {
    !matcher.is_empty()
        && matcher
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: Option<&str>) -> Matcher {
        Matcher::compile(s).expect("valid matcher")
    }

    #[test]
    fn omitted_empty_and_star_match_everything() {
        for matcher in [None, Some(""), Some("*")] {
            assert!(m(matcher).matches("Bash"));
            assert!(m(matcher).matches("mcp__x__y"));
        }
    }

    #[test]
    fn letters_only_is_exact_with_pipe_alternatives() {
        assert!(m(Some("Bash")).matches("Bash"));
        assert!(!m(Some("Bash")).matches("BashOutput"));
        assert!(m(Some("Edit|Write")).matches("Write"));
        assert!(!m(Some("art")).matches("startup"));
        assert!(!m(Some("mcp__memory")).matches("mcp__memory__x"));
        assert!(!m(Some("|")).matches("Bash"));
        assert!(m(Some("Bash|")).matches("Bash"));
    }

    #[test]
    fn anything_else_is_an_unanchored_regex() {
        assert!(m(Some("^Bash")).matches("BashOutput"));
        assert!(m(Some("mcp__.*__write.*")).matches("mcp__fs__write_file"));
        assert!(m(Some("^Write$")).matches_any(&["apply_patch", "Write", "Edit"]));
        assert!(!m(Some(" Bash")).matches("Bash"));
    }

    #[test]
    fn invalid_regexes_are_rejected() {
        for bad in ["[", "(Bash", "*Bash", "**"] {
            assert!(Matcher::compile(Some(bad)).is_err(), "{bad}");
        }
    }
}
