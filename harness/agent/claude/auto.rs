//! Claude Code's auto mode (`--permission-mode auto`): after PreToolUse, a classifier
//! model judges the calls the scenario scripts a verdict for (Claude Code skips read-only
//! commands and edits in the cwd; which calls it classifies is the scenario's to say, and
//! crosscheck's to confirm). Stage 1 (`max_tokens` 64, stop `</block>`) answers
//! `<block>no</block>` to allow; a `yes` goes to stage 2, whose `yes` denies with its
//! `<reason>`. A denial fires PermissionDenied and refuses the call with Claude Code's
//! words; `retry: true` adds a line the model reads.

use serde_json::{json, Value};

use super::session::Session;
use super::wire::parse_json_text;
use crate::agent::error::AgentError;
use crate::agent::model_server::SCRIPT_EXHAUSTED_HEADER;
use crate::agent::recording::{ModelRequestRecord, RequestPurpose, TimelineEntry};
use crate::agent::spec::{Classifier, ModelResponse, OutputItem, SessionSpec};
use crate::engine::claude::ClaudeEvent;

/// The line a `retry: true` from PermissionDenied adds after the refused call's result.
pub(super) const RETRY_TEXT: &str =
    "The PermissionDenied hook indicated you may retry this tool call.";

/// What a denied call's result says (2.1.197 names Bash whatever the tool).
pub(super) fn denial_text(reason: &str) -> String {
    format!(
        "Permission for this action was denied by the Claude Code auto mode classifier. Reason: {reason}. If you have other tasks that don't depend on this action, continue working on those. IMPORTANT: You *may* attempt to accomplish this action using other tools that might naturally be used to accomplish this goal, e.g. using head instead of cat. But you *should not* attempt to work around this denial in malicious ways, e.g. do not use your ability to run tests to execute non-test actions. You should only try to work around this restriction in reasonable ways that do not attempt to bypass the intent behind this denial. If you believe this capability is essential to complete the user's request, STOP and explain to the user what you were trying to do and why you need this permission. Let the user decide how to proceed. To allow this type of action in the future, the user can add a Bash permission rule to their settings."
    )
}

/// The classifier's scripted answers, in the order the calls come: `(summary, JSON body)`.
pub fn classifier_answers(spec: &SessionSpec) -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let push = |responses: &[ModelResponse], texts: &mut Vec<(String, String)>| {
        for r in responses {
            for item in &r.output {
                let OutputItem::Call(call) = item else {
                    continue;
                };
                let Some(c) = &call.result.classifier else {
                    continue;
                };
                for (stage, text) in stage_answers(c).into_iter().enumerate() {
                    let summary =
                        format!("classifier stage {} on {}: {text}", stage + 1, call.call_id);
                    texts.push((summary, text));
                }
            }
        }
    };
    push(&spec.model_script(), &mut texts);
    texts
        .into_iter()
        .enumerate()
        .map(|(i, (summary, text))| (summary, super::wire::json_body(i + 1, &spec.model, &text)))
        .collect()
}

/// Stage 1's answer, and stage 2's when stage 1 blocks.
fn stage_answers(c: &Classifier) -> Vec<String> {
    if !c.block {
        return vec!["<block>no</block>".to_owned()];
    }
    let text = match &c.reason {
        Some(r) => format!("<block>yes</block><reason>{r}</reason>"),
        None => "<block>yes</block>".to_owned(),
    };
    vec![text.clone(), text]
}

/// What a classifier answer says: `Some(reason)` blocks.
fn verdict(text: &str) -> Option<String> {
    if !text.contains("<block>yes") {
        return None;
    }
    let reason = text
        .split_once("<reason>")
        .and_then(|(_, rest)| rest.split_once("</reason>"))
        .map(|(r, _)| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    Some(reason.unwrap_or_else(|| "No reason provided".to_owned()))
}

impl Session<'_> {
    /// Classifies the call `tool` (`input` as hooks see it); `Some(reason)` when denied.
    /// Called only for calls the scenario scripts a verdict for.
    pub(super) async fn classify(
        &mut self,
        tool: &str,
        input: &Value,
        prompt: &str,
    ) -> Result<Option<String>, AgentError> {
        let action = format!("{tool} {}", action_text(input));
        for (stage, max_tokens) in [(1, 64), (2, 8192)] {
            let body = json!({
                "model": self.spec.model,
                "max_tokens": max_tokens,
                "system": [{"type": "text", "text": "(Claude Code's auto-mode classifier instructions)"}],
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "<transcript>\n"},
                    {"type": "text", "text": format!("User: {prompt}\n")},
                    {"type": "text", "text": format!("{action}\n")},
                    {"type": "text", "text": "</transcript>\n"},
                    {"type": "text", "text": format!("(stage {stage})")},
                ]}],
            });
            let text = self.post_json(&body).await?;
            match verdict(&text) {
                None => return Ok(None),
                Some(reason) if stage == 2 => return Ok(Some(reason)),
                Some(_) => {}
            }
        }
        Ok(None)
    }

    async fn post_json(&mut self, body: &Value) -> Result<String, AgentError> {
        self.requests += 1;
        let index = self.requests;
        let http = |message: String| AgentError::Http { index, message };
        let response = self
            .http
            .post(&self.url)
            .header("x-api-key", "hooktape")
            .header("anthropic-version", "2023-06-01")
            .json(body)
            .send()
            .await
            .map_err(|e| http(e.to_string()))?;
        let exhausted = response.headers().contains_key(SCRIPT_EXHAUSTED_HEADER);
        let status = response.status();
        let text = response.text().await.map_err(|e| http(e.to_string()))?;
        if exhausted || !status.is_success() {
            return Err(http(format!("{status}: {text}")));
        }
        let answer =
            parse_json_text(&text).map_err(|message| AgentError::Stream { index, message })?;
        let input = body["messages"][0]["content"]
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .map(|b| {
                        format!(
                            "user: text {}",
                            Value::String(b["text"].as_str().unwrap_or("").to_owned())
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index,
                thread_id: self.spec.thread_id.clone(),
                turn_id: self.turn_id.clone(),
                purpose: RequestPurpose::Classifier,
                input,
                output: vec![format!("assistant: text {}", Value::String(answer.clone()))],
            }));
        Ok(answer)
    }

    /// PermissionDenied for a denied call: whether a hook said the model may retry.
    pub(super) async fn permission_denied(
        &mut self,
        tool: &str,
        id: &str,
        input: &Value,
        reason: &str,
    ) -> bool {
        let mut payload = self.common(ClaudeEvent::PermissionDenied, true);
        payload.insert("tool_name".into(), json!(tool));
        payload.insert("tool_input".into(), input.clone());
        payload.insert("tool_use_id".into(), json!(id));
        payload.insert("reason".into(), json!(reason));
        let retry = self
            .fire(ClaudeEvent::PermissionDenied, payload)
            .await
            .verdict
            .retry;
        if retry {
            self.effect(format!("the model reads: {RETRY_TEXT:?}"));
        }
        retry
    }
}

/// A call's input as the classifier's transcript shows it: Bash its command, a file tool
/// its path (and a Write its content).
fn action_text(input: &Value) -> String {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_owned);
    match (s("command"), s("file_path"), s("content")) {
        (Some(c), _, _) => c,
        (None, Some(p), Some(c)) => format!("{p}: {c}"),
        (None, Some(p), None) => p,
        _ => input.to_string(),
    }
}
