//! Which scenarios the real Codex CLI can play, and why not the others: a scenario is
//! skipped when it needs something only the mock can script (a made-up tool result, a
//! sandbox, a subagent's private script, a layer outside the workspace), with the reason a
//! user reads.

use crate::agent::spec::{OutputItem, SessionSpec, Step, ToolSpec};
use crate::engine::request::ApprovalPolicy;
use crate::engine::Dialect;
use crate::scenario::{LayerKind, Scenario};

/// Why a scenario cannot be played through the real CLI, or `None`: it can.
/// `drift`: `codex-4e30281` scenarios are played too (else skipped).
pub fn skip_reason(scenario: &Scenario, spec: &SessionSpec, drift: bool) -> Option<String> {
    if scenario.session.dialect == Dialect::Claude {
        return Some("the `claude` dialect is Claude Code's, not Codex's".to_owned());
    }
    if scenario.session.dialect == Dialect::Lifecycle {
        return Some("the `lifecycle` dialect is not a Codex release".to_owned());
    }
    if scenario.session.dialect == Dialect::Codex4e30281 && !drift {
        return Some(
            "dialect `codex-4e30281`: it pins Codex at upstream 4e30281, not the 0.171.0 binary (`--drift` plays it to show the drift)"
                .to_owned(),
        );
    }
    if scenario.session.auto_compact_tokens.is_some() {
        return Some(
            "automatic compaction: 0.171 decides when from its own token estimate (before a turn too), which a script cannot time"
                .to_owned(),
        );
    }
    if scenario.session.start_source != crate::engine::request::SessionStartSource::Startup {
        return Some(format!(
            "SessionStart source `{}`: the app-server starts a thread as `startup`",
            scenario.session.start_source.as_str()
        ));
    }
    if scenario.session.output_cap.is_some() {
        return Some(
            "`output_cap` is hooktape's own limit on captured output; Codex has none".to_owned(),
        );
    }
    if spec.approval_policy == ApprovalPolicy::OnFailure {
        return Some("approval policy `on-failure`: Codex 0.171 refuses it".to_owned());
    }
    for layer in &scenario.layers {
        match layer.kind {
            LayerKind::System | LayerKind::Managed => {
                return Some(format!(
                    "a {:?} layer: the real CLI reads it from /etc/codex, outside the workspace",
                    layer.kind
                ))
            }
            LayerKind::SessionFlags => {
                return Some(
                    "a session-flags layer (`-c`): not passed to the real CLI yet".to_owned(),
                )
            }
            LayerKind::Local => {
                return Some("a `local` layer belongs to the claude dialect".to_owned())
            }
            LayerKind::Project if !layer.trusted => {
                return Some(
                    "an untrusted project: 0.171's app-server still reads its hooks files (spec/codex-current.md §5), which `codex exec` and the mock do not".to_owned(),
                )
            }
            LayerKind::User | LayerKind::Project => {}
        }
    }
    if !scenario.plugins.is_empty() {
        return Some(
            "plugin hooks: crosscheck runs the real CLI with plugins off (their loading is not isolated yet); these rules come from the upstream source".to_owned(),
        );
    }
    if spec.steps.iter().any(|s| matches!(s, Step::Resume)) {
        return Some(
            "a resume: the app-server resumes a loaded thread without ending it (no SessionEnd), unlike a new CLI process".to_owned(),
        );
    }
    for step in &spec.steps {
        let Step::Turn(turn) = step else { continue };
        if turn.interrupt_after.is_some() {
            return Some(
                "an interrupt: crosscheck cannot yet time `turn/interrupt` against a scripted request"
                    .to_owned(),
            );
        }
        if !turn.queued.is_empty() {
            return Some(
                "a queued prompt: its place between requests cannot be timed on the real CLI"
                    .to_owned(),
            );
        }
        for response in &turn.responses {
            for item in &response.output {
                let OutputItem::Call(call) = item else {
                    continue;
                };
                let r = &call.result;
                match &call.tool {
                    ToolSpec::SpawnAgent(_) => {
                        return Some(
                            "a subagent: its scripted answers cannot be routed to the real child thread"
                                .to_owned(),
                        )
                    }
                    ToolSpec::Mcp { .. } => {
                        return Some("an MCP tool call by the model: its results are scripted per call, which the stand-in MCP server does not serve".to_owned())
                    }
                    ToolSpec::WriteStdin { .. } => {
                        return Some(
                            "write_stdin to a scripted session id: the real ids are not scripted"
                                .to_owned(),
                        )
                    }
                    _ => {}
                }
                if r.needs_approval && spec.approval_policy == ApprovalPolicy::OnRequest {
                    return Some(format!(
                        "call {}: a scripted approval prompt under `on-request` (the real CLI asks only when its sandbox requires it; under `untrusted` it asks for every command)",
                        call.call_id
                    ));
                }
                if r.sandbox_denied {
                    return Some(format!(
                        "call {}: a scripted sandbox denial (the real sandbox decides)",
                        call.call_id
                    ));
                }
                if !r.run_approvals.is_empty() || r.when_denied.is_some() {
                    return Some(format!(
                        "call {}: scripted network/execve approvals (only a real proxy raises them)",
                        call.call_id
                    ));
                }
                if r.running {
                    return Some(format!(
                        "call {}: a process scripted to keep running",
                        call.call_id
                    ));
                }
            }
        }
    }
    super::standins::plan(spec).err()
}
