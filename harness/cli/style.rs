//! Terminal styling: ANSI colours when the stream is a terminal (and `NO_COLOR` is unset),
//! plain text otherwise.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    pub fn stdout() -> Style {
        Style {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn blue(self, t: &str) -> String {
        self.paint("34", t)
    }
    pub fn magenta(self, t: &str) -> String {
        self.paint("35", t)
    }
    pub fn cyan(self, t: &str) -> String {
        self.paint("36", t)
    }

    /// A unified diff with `-`/`+` lines coloured.
    pub fn diff(self, diff: &str) -> String {
        diff.lines()
            .map(|l| {
                if l.starts_with("+++") || l.starts_with("---") {
                    self.bold(l)
                } else if l.starts_with('+') {
                    self.green(l)
                } else if l.starts_with('-') {
                    self.red(l)
                } else if l.starts_with("@@") {
                    self.cyan(l)
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
