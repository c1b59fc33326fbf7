//! Loading a scenario's steps: turns, compactions, resumes, the model's responses, tool
//! calls and their scripted results, mapped onto the agent's spec.

use super::*;

impl Validator<'_> {
    pub(super) fn step(
        &self,
        t: Spanned<TurnFile>,
        ids: &mut Ids,
        steps: &mut Vec<Step>,
    ) -> Result<(), ScenarioError> {
        let span = t.span();
        let t = t.into_inner();
        if self.dialect == Dialect::Claude {
            let unsupported = [
                ("resume", t.resume),
                ("fork", t.fork),
                ("queued", !t.queued.is_empty()),
                ("interrupt_after", t.interrupt_after.is_some()),
            ];
            if let Some((key, _)) = unsupported.iter().find(|(_, given)| *given) {
                return self.err(
                    span,
                    format!("`{key}`: not played by the `claude` dialect (prompt turns and `/compact` of Claude Code's `-p` session, whose responses are messages and tool calls)"),
                );
            }
        }
        if t.resume {
            steps.push(Step::Resume);
        }
        if t.fork {
            if t.resume {
                return self.err(span, "a step takes `resume` or `fork`, not both");
            }
            if self.dialect == Dialect::Lifecycle {
                return self.err(
                    span,
                    "`fork` is Codex's `thread/fork`; the `lifecycle` dialect has no forks",
                );
            }
            ids.forks += 1;
            steps.push(Step::Fork {
                thread_id: format!("00000000-0000-4000-9000-{:012}", ids.forks),
            });
        }
        if let Some(i) = &t.compact_instructions {
            if self.dialect != Dialect::Claude || t.compact.is_none() {
                return self.err(
                    i.span(),
                    "`compact_instructions` are the arguments of Claude Code's `/compact <instructions>`: a `compact` step of the `claude` dialect takes them (Codex's `/compact` takes none)",
                );
            }
        }
        if let Some(compact) = t.compact {
            let summary = match compact.get_ref() {
                CompactFile::Summary(text) => Some(ModelResponse::message(text.clone())),
                CompactFile::Stopped(true) => None,
                CompactFile::Stopped(false) => {
                    return self.err(
                        compact.span(),
                        "expected `compact = \"<the summary the model answers>\"`, or `compact = true` when no summary request is sent (a PreCompact hook stops the compaction, or there is nothing to compact)",
                    )
                }
            };
            if t.prompt.is_some()
                || !t.responses.is_empty()
                || !t.queued.is_empty()
                || !t.results.is_empty()
                || t.interrupt_after.is_some()
            {
                return self.err(
                    span,
                    "a `compact` step takes only `id` (and `resume`); put the prompt in the next `[[turns]]`",
                );
            }
            ids.turns += 1;
            let turn_id = self.turn_id(t.id, span, ids)?;
            steps.push(Step::Compact {
                turn_id,
                summary,
                instructions: t.compact_instructions.map(Spanned::into_inner),
            });
            return Ok(());
        }
        let Some(prompt) = t.prompt else {
            if t.resume && t.responses.is_empty() && t.queued.is_empty() && t.results.is_empty() {
                return Ok(());
            }
            return self.err(
                span,
                "missing `prompt`: a `[[turns]]` entry needs `prompt = \"...\"` (or `compact`, or `resume = true` alone)",
            );
        };
        if prompt.get_ref().trim().is_empty() {
            return self.err(
                prompt.span(),
                "expected a non-empty `prompt` (the user's message that starts the turn)",
            );
        }
        let prompt = prompt.into_inner();
        ids.turns += 1;
        let turn_id = self.turn_id(t.id, span.clone(), ids)?;
        let mut results = t.results;
        let mut call_ids = BTreeSet::new();
        let responses = t
            .responses
            .into_iter()
            .map(|r| self.response(r, span.clone(), ids, &mut call_ids, &mut results))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some((id, _)) = results.into_iter().next() {
            let known: Vec<&str> = call_ids.iter().map(String::as_str).collect();
            return self.err(
                id.span(),
                format!(
                    "tool result for unknown call id `{}`; this turn's calls are: {}",
                    id.get_ref(),
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        let interrupt_after = match t.interrupt_after {
            None => None,
            Some(n) if *n.get_ref() >= 1 && *n.get_ref() == responses.len() => Some(*n.get_ref()),
            Some(n) => {
                return self.err(
                    n.span(),
                    format!(
                        "`interrupt_after = {}`: turn `{turn_id}` scripts {} response(s); the interrupt comes once that many requests were answered, so expected `interrupt_after = {}` (and at least 1)",
                        n.get_ref(),
                        responses.len(),
                        responses.len().max(1)
                    ),
                )
            }
        };
        let mut queued = Vec::new();
        for q in t.queued {
            let q_span = q.span();
            let q = q.into_inner();
            let after_request = q.after_request.unwrap_or(1);
            if after_request == 0 {
                return self.err(
                    q_span,
                    format!(
                        "queued prompt {:?} has `after_request = 0`; requests count from 1, expected `after_request` between 1 and {}",
                        q.prompt,
                        responses.len()
                    ),
                );
            }
            if responses.is_empty() {
                return self.err(
                    q_span,
                    format!(
                        "queued prompt {:?}: turn `{turn_id}` scripts no model response, so no request is answered and nothing typed can arrive; script the responses",
                        q.prompt
                    ),
                );
            }
            if after_request > responses.len() {
                return self.err(
                    q_span,
                    format!(
                        "queued prompt {:?} waits for request {after_request}, but turn `{turn_id}` scripts only {} response(s); expected `after_request` between 1 and {}",
                        q.prompt,
                        responses.len(),
                        responses.len()
                    ),
                );
            }
            queued.push(QueuedPrompt {
                after_request,
                prompt: q.prompt,
            });
        }
        steps.push(Step::Turn(TurnSpec {
            turn_id,
            prompt,
            queued,
            responses,
            interrupt_after,
        }));
        Ok(())
    }

    /// The step's turn id (given or `turn-N`), unique in the scenario.
    pub(super) fn turn_id(
        &self,
        id: Option<Spanned<String>>,
        step_span: Range<usize>,
        ids: &mut Ids,
    ) -> Result<String, ScenarioError> {
        let (id, span) = match id {
            Some(id) => {
                let span = id.span();
                (id.into_inner(), span)
            }
            None => (format!("turn-{}", ids.turns), step_span),
        };
        if id.is_empty() {
            return self.err(span, "expected a non-empty turn `id`");
        }
        if !ids.turn_ids.insert(id.clone()) {
            return self.err(
                span,
                format!(
                    "turn id `{id}` is already used by an earlier step; expected unique turn ids"
                ),
            );
        }
        Ok(id)
    }

    /// One scripted model answer; `span` is what holds it (its turn, or the spawn call of
    /// a subagent's answer), where an error points.
    pub(super) fn response(
        &self,
        r: ResponseFile,
        span: Range<usize>,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<ModelResponse, ScenarioError> {
        if self.dialect == Dialect::Claude {
            let unplayed = [
                ("tokens", r.tokens.is_some()),
                ("failed", r.failed.is_some()),
                ("disconnect", r.disconnect),
            ];
            if let Some((key, _)) = unplayed.iter().find(|(_, given)| *given) {
                return self.err(
                    span,
                    format!("`{key}` in a response: not played by the `claude` dialect (its responses are messages and tool calls)"),
                );
            }
        }
        let mut output: Vec<OutputItem> = r
            .message
            .into_iter()
            .chain(r.messages)
            .map(|text| OutputItem::Message { text })
            .collect();
        for c in r.calls {
            output.push(OutputItem::Call(self.call(c, ids, call_ids, results)?));
        }
        Ok(ModelResponse {
            id: None,
            output,
            usage: r.tokens.map(|t| Usage {
                input_tokens: t,
                output_tokens: 0,
                total_tokens: t,
            }),
            failed: r.failed,
            disconnect: r.disconnect,
        })
    }

    /// A subagent's responses; their calls' ids join the turn's.
    pub(super) fn child_responses(
        &self,
        responses: Vec<ResponseFile>,
        span: Range<usize>,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<Vec<ModelResponse>, ScenarioError> {
        responses
            .into_iter()
            .map(|r| self.response(r, span.clone(), ids, call_ids, results))
            .collect()
    }

    pub(super) fn call(
        &self,
        c: Spanned<ToolCallFile>,
        ids: &mut Ids,
        call_ids: &mut BTreeSet<String>,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
    ) -> Result<ToolCallSpec, ScenarioError> {
        let span = c.span();
        let c = c.into_inner();
        ids.calls += 1;
        let id = match c.id.clone() {
            Some(id) => {
                if id.get_ref().is_empty() {
                    return self.err(id.span(), "expected a non-empty call `id`");
                }
                if !ids.all_calls.insert(id.get_ref().clone()) {
                    return self.err(
                        id.span(),
                        format!(
                            "call id `{}` is already used by another call; call ids must be unique",
                            id.get_ref()
                        ),
                    );
                }
                id.into_inner()
            }
            None => {
                let id = format!("call-{}", ids.calls);
                ids.all_calls.insert(id.clone());
                id
            }
        };
        call_ids.insert(id.clone());
        if self.dialect == Dialect::Claude {
            let tool = match &c.spawn {
                Some(_) => self.claude_agent(c, &id, span.clone(), ids, call_ids, results)?,
                None => self.claude_tool(&c, &id, span.clone())?,
            };
            let result = self.take_result(&id, &tool, results, ids)?;
            return Ok(ToolCallSpec {
                call_id: id,
                tool,
                result,
            });
        }
        let claude_keys: Vec<&str> = [
            c.write.as_ref().map(|_| "write"),
            c.edit.as_ref().map(|_| "edit"),
            c.read.as_ref().map(|_| "read"),
            c.content.as_ref().map(|_| "content"),
            c.old_string.as_ref().map(|_| "old_string"),
            c.new_string.as_ref().map(|_| "new_string"),
            c.replace_all.as_ref().map(|_| "replace_all"),
            c.description.as_ref().map(|_| "description"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(key) = claude_keys.first() {
            return self.err(
                span,
                format!("`{key}` in call `{id}`: it belongs to the `claude` dialect's tools (Codex writes files with `apply_patch`)"),
            );
        }
        let kinds: Vec<&str> = [
            c.shell.as_ref().map(|_| "shell"),
            c.shell_command.as_ref().map(|_| "shell_command"),
            c.exec.as_ref().map(|_| "exec"),
            c.local_shell.as_ref().map(|_| "local_shell"),
            c.apply_patch.as_ref().map(|_| "apply_patch"),
            c.mcp.as_ref().map(|_| "mcp"),
            c.write_stdin.as_ref().map(|_| "write_stdin"),
            c.update_plan.as_ref().map(|_| "update_plan"),
            c.spawn.as_ref().map(|_| "spawn"),
            c.tool.as_ref().map(|_| "tool"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if kinds.len() != 1 {
            return self.err(
                span.clone(),
                format!(
                    "expected exactly one of `shell`, `shell_command`, `exec`, `local_shell`, \
                     `apply_patch`, `mcp`, `write_stdin`, `update_plan`, `spawn`, `tool` in call `{id}`, found {}",
                    if kinds.is_empty() {
                        "none".to_owned()
                    } else {
                        kinds.join(", ")
                    }
                ),
            );
        }
        // Keys that belong to another tool are errors, never dropped.
        let kind = kinds[0];
        if self.dialect.is_current()
            && matches!(
                kind,
                "shell" | "shell_command" | "local_shell" | "update_plan"
            )
        {
            let name = if kind == "local_shell" {
                "local_shell"
            } else {
                kind
            };
            return self.err(
                span,
                format!(
                    "call `{id}`: `{name}` is not a tool Codex 0.171.0 offers (the real CLI answers \
                     `unsupported call: {name}` and runs no hook); it offers `exec` (exec_command), \
                     `write_stdin`, `apply_patch`, `mcp`, `spawn` and other function tools (`tool`) \
                     — or pin the scenario with `dialect = \"codex-4e30281\"` under `[session]`"
                ),
            );
        }
        let extra: Vec<&str> = [
            (
                "arguments",
                c.arguments.is_some(),
                &["mcp", "update_plan", "tool"][..],
            ),
            (
                "justification",
                c.justification.is_some(),
                &["shell", "shell_command", "exec"][..],
            ),
            ("chars", c.chars.is_some(), &["write_stdin"][..]),
            ("message", c.message.is_some(), &["spawn"][..]),
            ("agent_id", c.agent_id.is_some(), &["spawn"][..]),
            ("responses", !c.responses.is_empty(), &["spawn"][..]),
        ]
        .into_iter()
        .filter(|(_, given, allowed)| *given && !allowed.contains(&kind))
        .map(|(key, _, _)| key)
        .collect();
        if let Some(key) = extra.first() {
            let owners = match *key {
                "arguments" => "`mcp`, `update_plan` and `tool` calls",
                "justification" => "`shell`, `shell_command` and `exec` calls",
                "chars" => "`write_stdin` calls",
                _ => "`spawn` calls",
            };
            return self.err(
                span,
                format!("`{key}` in call `{id}`, a `{kind}` call: `{key}` belongs to {owners}"),
            );
        }
        let arguments = c.arguments.clone().unwrap_or_default();
        let tool = if let Some(argv) = c.shell {
            ToolSpec::Shell {
                argv,
                justification: c.justification,
            }
        } else if let Some(command) = c.shell_command {
            ToolSpec::ShellCommand {
                command,
                justification: c.justification,
            }
        } else if let Some(cmd) = c.exec {
            ToolSpec::ExecCommand {
                cmd,
                justification: c.justification,
            }
        } else if let Some(argv) = c.local_shell {
            ToolSpec::LocalShell { argv }
        } else if let Some(patch) = c.apply_patch {
            ToolSpec::ApplyPatch { patch }
        } else if let Some(name) = c.mcp {
            let Some((server, tool)) = name.split_once('/') else {
                return self.err(
                    span,
                    format!("expected `mcp = \"server/tool\"` in call `{id}`, found {name:?}"),
                );
            };
            ToolSpec::Mcp {
                server: server.to_owned(),
                tool: tool.to_owned(),
                arguments,
            }
        } else if let Some(session_id) = c.write_stdin {
            ToolSpec::WriteStdin {
                session_id,
                chars: c.chars.unwrap_or_default(),
            }
        } else if c.update_plan.is_some() {
            ToolSpec::UpdatePlan { arguments }
        } else if let Some(agent_type) = c.spawn {
            // Numbered before its children, so a nested spawn gets a number of its own.
            let n = ids.next_agent();
            let responses =
                self.child_responses(c.responses, span.clone(), ids, call_ids, results)?;
            ToolSpec::SpawnAgent(ChildSpec {
                agent_id: c.agent_id.unwrap_or_else(|| format!("agent-{n}")),
                agent_type,
                turn_id: format!("agent-turn-{n}"),
                message: c.message.unwrap_or_default(),
                responses,
                description: String::new(),
            })
        } else if let Some(tool_name) = c.tool {
            ToolSpec::Other {
                tool_name,
                arguments,
            }
        } else {
            // `kinds.len() == 1` above guarantees one branch matched.
            return self.err(span, "call has no tool");
        };
        let result = self.take_result(&id, &tool, results, ids)?;
        Ok(ToolCallSpec {
            call_id: id,
            tool,
            result,
        })
    }

    /// The scripted result of call `id` (taken from the turn's `results`), checked.
    fn take_result(
        &self,
        id: &str,
        tool: &ToolSpec,
        results: &mut BTreeMap<Spanned<String>, ToolResultFile>,
        ids: &mut Ids,
    ) -> Result<ToolResult, ScenarioError> {
        let key = results.keys().find(|k| k.get_ref() == id).cloned();
        let result = match key.and_then(|k| results.remove(&k).map(|r| (k, r))) {
            Some((key, r)) => {
                let result = ToolResult {
                    exit_code: r.exit_code,
                    output: r.output,
                    needs_approval: r.needs_approval,
                    user_decision: user_decision(r.user_decision),
                    sandbox_denied: r.sandbox_denied,
                    run_approvals: self.run_approvals(id, r.run_approvals, ids)?,
                    when_denied: r.when_denied.map(|d| DeniedRun {
                        exit_code: d.exit_code.unwrap_or(DeniedRun::default().exit_code),
                        output: d.output,
                    }),
                    running: r.running,
                    classifier: self.classifier(id, r.classifier, r.classifier_reason)?,
                };
                if let Some(problem) = result_problem(tool, &result) {
                    return self.err(key.span(), format!("result of call `{id}`: {problem}"));
                }
                result
            }
            None => ToolResult::default(),
        };
        Ok(result)
    }

    pub(super) fn run_approvals(
        &self,
        call_id: &str,
        approvals: Vec<Spanned<RunApprovalFile>>,
        ids: &mut Ids,
    ) -> Result<Vec<RunApproval>, ScenarioError> {
        let mut counts = BTreeMap::<&str, usize>::new();
        approvals
            .into_iter()
            .map(|a| {
                let span = a.span();
                let a = a.into_inner();
                let access = match (a.network, a.execve) {
                    (Some(target), None) if !target.contains("://") => {
                        return self.err(
                            span,
                            format!("expected a `scheme://host:port` target in `network` of a run approval of call `{call_id}`, found {target:?}"),
                        )
                    }
                    (None, Some(argv)) if argv.is_empty() => {
                        return self.err(
                            span,
                            format!("expected a non-empty argv in `execve` of a run approval of call `{call_id}`"),
                        )
                    }
                    (Some(target), None) => RunAccess::Network { target },
                    (None, Some(argv)) => RunAccess::Execve { argv },
                    _ => {
                        return self.err(
                            span,
                            format!(
                                "expected exactly one of `network` (a `scheme://host:port` target) or `execve` (an argv) in a run approval of call `{call_id}`"
                            ),
                        )
                    }
                };
                let kind = access.kind();
                let n = counts.entry(kind).or_default();
                *n += 1;
                let approval_id = a
                    .approval_id
                    .unwrap_or_else(|| format!("{call_id}:{kind}-{n}"));
                if approval_id.is_empty() || !ids.approval_ids.insert(approval_id.clone()) {
                    return self.err(
                        span,
                        format!("approval id {approval_id:?} of a run approval of call `{call_id}` is empty or already used; expected a unique id (it names the PermissionRequest run)"),
                    );
                }
                Ok(RunApproval {
                    access,
                    approval_id,
                    user_decision: user_decision(a.user_decision),
                })
            })
            .collect()
    }
}

pub(super) fn user_decision(d: Option<UserDecisionFile>) -> UserDecision {
    match d {
        Some(UserDecisionFile::Deny) => UserDecision::Deny,
        Some(UserDecisionFile::ApproveForSession) => UserDecision::ApproveForSession,
        Some(UserDecisionFile::Approve) | None => UserDecision::Approve,
    }
}

impl Ids {
    /// The next subagent's number (1-based, across the scenario).
    pub(super) fn next_agent(&mut self) -> usize {
        self.agents += 1;
        self.agents
    }
}

#[derive(Default)]
pub(super) struct Ids {
    turns: usize,
    calls: usize,
    agents: usize,
    forks: usize,
    all_calls: BTreeSet<String>,
    turn_ids: BTreeSet<String>,
    approval_ids: BTreeSet<String>,
}
