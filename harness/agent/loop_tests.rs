//! The turn loop alone: a fake [`HookPoints`] whose verdicts the test sets and that logs
//! every point it is asked about, and a canned [`ModelClient`] serving scripted SSE bodies.
//! No process is spawned and nothing goes over HTTP; only the rollout is a real file.

use super::toolset::ToolSet;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::{json, Value};

use super::client::{ModelClient, Reply, Request};
use super::error::AgentError;
use super::hook_points::{
    At, CallReport, HookPoints, PostVerdict, PreToolVerdict, PromptVerdict, Refusal, StartVerdict,
    StopVerdict,
};
use super::model_server::sse_body;
use super::recorder::Recorder;
use super::recording::{Recording, TimelineEntry, TurnEnd};
use super::spec::{ChildSpec, ModelResponse, SessionSpec};
use super::state::Agent;
use super::state::AgentEnv;
use super::tools::{HookedCall, ParsedCall, ToolKind};
use crate::engine::clock::FixedClock;
use crate::engine::outcome::{ContinuationFragment, PermissionDecision};
use crate::engine::request::{CompactTrigger, SessionStartSource};

/// Hook points whose verdicts are set by the test; every point asked is logged.
#[derive(Default)]
struct FakeHooks {
    log: RefCell<Vec<String>>,
    stops: RefCell<VecDeque<StopVerdict>>,
    block_prompt: bool,
    refuse_calls: bool,
    stop_pre_compact: bool,
}

impl FakeHooks {
    fn note(&self, at: At<'_>, what: String) {
        self.log.borrow_mut().push(format!("{} {what}", at.turn_id));
    }
}

impl HookPoints for FakeHooks {
    fn discovery_warnings(&self) -> Vec<String> {
        Vec::new()
    }
    async fn session_configured(&self, _rec: &mut Recorder, at: At<'_>) {
        self.note(at, "configured".into());
    }
    async fn session_start(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        source: SessionStartSource,
    ) -> Result<StartVerdict, AgentError> {
        self.note(at, format!("session_start {source:?}"));
        Ok(StartVerdict {
            contexts: vec!["start context".into()],
            stop: None,
        })
    }
    async fn subagent_start(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
    ) -> Result<StartVerdict, AgentError> {
        self.note(at, "subagent_start".into());
        Ok(StartVerdict::default())
    }
    async fn user_prompt(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        prompt: &str,
        queued: bool,
    ) -> Result<PromptVerdict, AgentError> {
        self.note(at, format!("user_prompt {prompt:?} queued={queued}"));
        Ok(PromptVerdict {
            blocked: self.block_prompt,
            contexts: vec!["prompt context".into()],
        })
    }
    async fn stop(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        active: bool,
        last: Option<String>,
        _input: Option<String>,
    ) -> Result<StopVerdict, AgentError> {
        self.note(at, format!("stop active={active} last={last:?}"));
        Ok(self
            .stops
            .borrow_mut()
            .pop_front()
            .unwrap_or(StopVerdict::Complete))
    }
    fn call_hook_name(
        &self,
        _turn_id: &str,
        _call: &ParsedCall,
        _kind: &ToolKind,
    ) -> Option<String> {
        None
    }
    async fn pre_tool_use(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        _kind: &ToolKind,
    ) -> Result<PreToolVerdict, AgentError> {
        self.note(at, format!("pre_tool_use {}", call.call_id));
        Ok(self
            .refuse_calls
            .then(|| Refusal {
                disposition: super::recording::Disposition::BlockedByPreToolUse,
                output: "refused".into(),
            })
            .into())
    }
    async fn permission_request(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        tool: &HookedCall,
        _input: Value,
        suffix: String,
    ) -> Result<Option<PermissionDecision>, AgentError> {
        self.note(
            at,
            format!("permission_request {} {suffix}", tool.tool_name),
        );
        Ok(None)
    }
    async fn post_tool_use(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        call: &HookedCall,
        response: Value,
    ) -> Result<PostVerdict, AgentError> {
        self.note(at, format!("post_tool_use {} {response}", call.call_id));
        Ok(PostVerdict {
            contexts: Vec::new(),
            replace_output: Some("replaced by post".into()),
        })
    }
    async fn call_done(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        call: &ParsedCall,
        report: CallReport,
    ) {
        self.note(
            at,
            format!("call_done {} executed={}", call.call_id, report.executed),
        );
    }
    async fn spawn_started(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        _call: &ParsedCall,
        child: &ChildSpec,
    ) {
        self.note(at, format!("spawn_started {}", child.agent_id));
    }
    async fn spawn_finished(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        _call: &ParsedCall,
        child: &ChildSpec,
    ) {
        self.note(at, format!("spawn_finished {}", child.agent_id));
    }
    async fn pre_compact(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        self.note(at, format!("pre_compact {trigger:?}"));
        Ok(StartVerdict {
            contexts: Vec::new(),
            stop: self.stop_pre_compact.then(|| Some("no".into())),
        })
    }
    async fn post_compact(
        &self,
        _rec: &mut Recorder,
        at: At<'_>,
        trigger: CompactTrigger,
    ) -> Result<StartVerdict, AgentError> {
        self.note(at, format!("post_compact {trigger:?}"));
        Ok(StartVerdict::default())
    }
    async fn turn_completed(&self, _rec: &mut Recorder, at: At<'_>, _last: Option<String>) {
        self.note(at, "turn_completed".into());
    }
    async fn session_end(&self, _rec: &mut Recorder, at: At<'_>) -> Result<(), AgentError> {
        self.note(at, "session_end".into());
        Ok(())
    }
}

/// Serves scripted responses as SSE bodies, in order, and keeps the request bodies.
struct Canned {
    responses: RefCell<VecDeque<ModelResponse>>,
    sent: RefCell<Vec<Value>>,
}

impl ModelClient for Canned {
    async fn send(&self, request: Request<'_>) -> Result<Reply, String> {
        self.sent.borrow_mut().push(request.body.clone());
        let index = self.sent.borrow().len();
        Ok(match self.responses.borrow_mut().pop_front() {
            Some(r) => Reply::Stream(sse_body(index, &r)),
            None => Reply::ScriptExhausted("nothing left".into()),
        })
    }
}

struct Played {
    result: Result<Recording, AgentError>,
    log: Vec<String>,
    sent: Vec<Value>,
}

/// Plays `steps` (the spec's JSON) through `hooks`; the canned model serves the spec's script.
fn play(hooks: FakeHooks, steps: Value) -> Played {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec: SessionSpec = serde_json::from_value(json!({
        "thread_id": "t", "model": "m", "cwd": dir.path().display().to_string(), "steps": steps,
    }))
    .expect("spec");
    let model = Canned {
        responses: RefCell::new(spec.model_script().into_iter().collect()),
        sent: RefCell::new(Vec::new()),
    };
    let env = AgentEnv {
        sessions_dir: dir.path().join("sessions"),
        clock: Arc::new(FixedClock::new(0)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut agent = Agent::new(&spec, hooks, ToolSet::Codex4e30281, model, &env);
    let result = runtime.block_on(agent.play());
    Played {
        result,
        log: agent.hooks.log.into_inner(),
        sent: agent.model.sent.into_inner(),
    }
}

fn turn(prompt: &str, responses: Value) -> Value {
    json!([{"kind": "turn", "turn_id": "u1", "prompt": prompt, "responses": responses}])
}

fn message(text: &str) -> Value {
    json!({"output": [{"type": "message", "text": text}]})
}

fn last_input(body: &Value) -> String {
    body["input"]
        .as_array()
        .and_then(|i| i.last())
        .map(Value::to_string)
        .unwrap_or_default()
}

#[test]
fn a_stop_that_continues_samples_again_with_the_hook_prompt() {
    let hooks = FakeHooks::default();
    hooks
        .stops
        .borrow_mut()
        .push_back(StopVerdict::Continue(vec![ContinuationFragment {
            text: "not yet".into(),
            hook_run_id: "stop:0".into(),
        }]));
    let played = play(
        hooks,
        turn("go", json!([message("first"), message("second")])),
    );
    let recording = played.result.expect("plays");
    assert_eq!(played.sent.len(), 2);
    assert!(last_input(&played.sent[1])
        .contains(r#"<hook_prompt hook_run_id=\"stop:0\">not yet</hook_prompt>"#));
    assert_eq!(
        played.log,
        [
            " configured",
            "u1 session_start Startup",
            "u1 user_prompt \"go\" queued=false",
            "u1 stop active=false last=Some(\"first\")",
            "u1 stop active=true last=Some(\"second\")",
            "u1 turn_completed",
            "u1 session_end",
        ]
    );
    assert!(matches!(
        recording.turn_ends().last().map(|t| &t.end),
        Some(TurnEnd::Completed { last_assistant_message: Some(m) }) if m == "second"
    ));
    // The start and prompt contexts reach the first request after the prompt.
    let first = played.sent[0]["input"].to_string();
    assert!(
        first.find("start context") < first.find("\"go\"")
            && first.find("\"go\"") < first.find("prompt context"),
        "{first}"
    );
}

#[test]
fn a_blocked_prompt_sends_nothing_and_ends_the_turn() {
    let hooks = FakeHooks {
        block_prompt: true,
        ..FakeHooks::default()
    };
    let played = play(hooks, turn("secret", json!([])));
    let recording = played.result.expect("plays");
    assert!(played.sent.is_empty());
    assert!(matches!(
        recording.turn_ends().last().map(|t| &t.end),
        Some(TurnEnd::BlockedByUserPromptSubmit)
    ));
    assert!(
        !played.log.iter().any(|l| l.contains("stop")),
        "{:?}",
        played.log
    );
}

#[test]
fn a_refused_call_never_runs_and_the_model_gets_the_refusal() {
    let hooks = FakeHooks {
        refuse_calls: true,
        ..FakeHooks::default()
    };
    let call = json!({"output": [{"type": "call", "call_id": "c1", "tool": {"name": "exec_command", "cmd": "rm -rf /"}}]});
    let played = play(hooks, turn("clean", json!([call, message("ok")])));
    let recording = played.result.expect("plays");
    let tool = recording.tool_calls().next().expect("one call");
    assert!(
        !tool.executed
            && tool.disposition == "blocked_by_pre_tool_use"
            && tool.output_to_model == "refused"
    );
    assert!(last_input(&played.sent[1]).contains("\"output\":\"refused\""));
    assert!(
        !played.log.iter().any(|l| l.contains("post_tool_use")),
        "{:?}",
        played.log
    );
}

#[test]
fn an_executed_call_goes_through_post_tool_use_which_may_replace_its_output() {
    let call = json!({"output": [{"type": "call", "call_id": "c1", "tool": {"name": "exec_command", "cmd": "ls"}, "result": {"output": "a b"}}]});
    let played = play(
        FakeHooks::default(),
        turn("list", json!([call, message("ok")])),
    );
    let recording = played.result.expect("plays");
    assert!(
        played
            .log
            .iter()
            .any(|l| l == "u1 post_tool_use c1 \"a b\""),
        "{:?}",
        played.log
    );
    assert_eq!(
        recording
            .tool_calls()
            .next()
            .map(|t| t.output_to_model.as_str()),
        Some("replaced by post")
    );
    let entries = recording
        .timeline
        .iter()
        .filter(|e| matches!(e, TimelineEntry::ModelRequest(_)))
        .count();
    assert_eq!(entries, 2);
}

#[test]
fn a_manual_compaction_stopped_by_pre_compact_sends_no_request() {
    let hooks = FakeHooks {
        stop_pre_compact: true,
        ..FakeHooks::default()
    };
    let steps = json!([{"kind": "compact", "turn_id": "k1"}]);
    let played = play(hooks, steps);
    let recording = played.result.expect("plays");
    assert!(played.sent.is_empty());
    assert!(matches!(
        recording.turn_ends().last().map(|t| &t.end),
        Some(TurnEnd::CompactionAborted { event, reason }) if event == "PreCompact" && reason == "no"
    ));
}

#[test]
fn a_script_too_short_is_an_overrun_naming_the_request() {
    let played = play(FakeHooks::default(), turn("go", json!([])));
    let err = played.result.expect_err("overrun");
    assert!(
        matches!(err, AgentError::ScriptOverrun { index: 1, .. }),
        "{err}"
    );
}
