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
use crate::agent::recording::RequestPurpose;
use crate::agent::spec::{Classifier, ModelResponse, OutputItem};
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

/// The classifier's scripted answers, in the order `script`'s calls come: `(summary, JSON
/// body)` as `model` answers.
pub(super) fn classifier_answers(script: &[ModelResponse], model: &str) -> Vec<(String, String)> {
    let calls = script
        .iter()
        .flat_map(|r| &r.output)
        .filter_map(|item| match item {
            OutputItem::Call(call) => Some(call),
            OutputItem::Message { .. } => None,
        });
    let texts = calls.flat_map(|call| {
        let answers = call.result.classifier.as_ref().map(stage_answers);
        answers
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(stage, text)| {
                let summary = format!("classifier stage {} on {}: {text}", stage + 1, call.call_id);
                (summary, text)
            })
    });
    texts
        .enumerate()
        .map(|(i, (summary, text))| (summary, super::wire::json_body(i + 1, model, &text)))
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
    /// Classifies the call `tool` (`input` as hooks see it) with the turn's prompt, in
    /// Claude Code's two stages; `Some(reason)` when denied. Called only for calls the
    /// scenario scripts a verdict for.
    pub(super) async fn classify(
        &mut self,
        tool: &str,
        input: &Value,
    ) -> Result<Option<String>, AgentError> {
        let action = format!("{tool} {}", action_text(input));
        for (stage, max_tokens) in [(1, 64), (2, 8192)] {
            let body = json!({
                "model": self.spec.model,
                "max_tokens": max_tokens,
                "system": [{"type": "text", "text": "(Claude Code's auto-mode classifier instructions)"}],
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "<transcript>\n"},
                    {"type": "text", "text": format!("User: {}\n", self.prompt)},
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
        let (index, text) = self.send(body).await?;
        let answer =
            parse_json_text(&text).map_err(|message| AgentError::Stream { index, message })?;
        let blocks = vec![json!({"type": "text", "text": answer})];
        self.record_request(index, RequestPurpose::Classifier, body, blocks);
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
