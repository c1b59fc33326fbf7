//! What `hooktape port` reports: findings per hook, and a scenario's report as text.

use serde::Serialize;

use crate::engine::Dialect;

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Replay(String),
}

/// How much a finding matters to a hook's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The hook blocks in the `from` agent and fails open in the `to` agent.
    FailsOpen,
    /// The hook blocks only in the `to` agent.
    BlocksOnlyInTarget,
    /// The hook never runs in the `to` agent.
    NeverRuns,
    /// It runs, but something it relies on differs.
    Differs,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::FailsOpen => "FAILS OPEN",
            Severity::BlocksOnlyInTarget => "BLOCKS ONLY IN TARGET",
            Severity::NeverRuns => "NEVER RUNS",
            Severity::Differs => "DIFFERS",
        }
    }
}

/// One difference that matters to a hook's author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The hook's command as written.
    pub hook: String,
    /// Where it is declared: file, event, group and handler.
    pub declared: String,
    pub event: String,
    /// The call the runs were for (`call-1 Write → apply_patch`), if a tool event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// What happened in the `from` agent.
    pub from: String,
    /// What happened in the `to` agent.
    pub to: String,
    /// Why they differ.
    pub why: String,
    /// What the hook's author can do.
    pub fix: String,
}

/// One scenario's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub from: Dialect,
    pub to: Dialect,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether a hook that blocks in one dialect fails open in the other.
    pub fn fails_open(&self) -> bool {
        self.findings.iter().any(|f| {
            matches!(
                f.severity,
                Severity::FailsOpen | Severity::BlocksOnlyInTarget
            )
        })
    }

    /// The report as text.
    pub fn render(&self) -> String {
        let mut out = format!("port: {} ({} -> {})\n", self.scenario, self.from, self.to);
        if self.findings.is_empty() {
            out += "  every hook behaves the same\n";
        }
        for f in &self.findings {
            out += &format!("\n  {} {} `{}`\n", f.severity.label(), f.event, f.hook);
            out += &format!("    declared: {}\n", f.declared);
            if let Some(call) = &f.call {
                out += &format!("    call:     {call}\n");
            }
            let one_line = |t: &str| t.replace('\n', "\\n");
            out += &format!(
                "    {:<9} {}\n",
                format!("{}:", self.from),
                one_line(&f.from)
            );
            out += &format!("    {:<9} {}\n", format!("{}:", self.to), one_line(&f.to));
            out += &format!("    why:      {}\n", f.why);
            out += &format!("    fix:      {}\n", f.fix);
        }
        let open = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::FailsOpen)
            .count();
        out += &format!(
            "\nport: {} finding(s), {open} hook run(s) that block in {} fail open in {}\n",
            self.findings.len(),
            self.from,
            self.to
        );
        out
    }
}
