//! Serde shapes that cross a boundary: hook stdin and stdout, run summaries in their v1 and
//! v2 spellings, the `hook/started` / `hook/completed` notifications, and the
//! `codex_hook_run` analytics event. Domain types convert into these; none doubles as one.

pub mod input;
pub mod lifecycle;
pub mod output;

use serde::Serialize;

use super::event::HookScope;
use super::outcome::{Entry, RunStatus};
use super::summary::{ExecutionMode, HandlerType, HookRunSummary, HookSource};

/// `HookRunSummary` in protocol v1 (snake_case keys and values).
#[derive(Debug, Clone, Serialize)]
pub struct HookRunSummaryV1 {
    pub id: String,
    pub event_name: &'static str,
    pub handler_type: HandlerType,
    pub execution_mode: ExecutionMode,
    pub scope: HookScope,
    pub source_path: String,
    pub source: &'static str,
    pub display_order: i64,
    pub status: RunStatus,
    pub status_message: Option<String>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub entries: Vec<Entry>,
}

impl From<&HookRunSummary> for HookRunSummaryV1 {
    fn from(s: &HookRunSummary) -> Self {
        HookRunSummaryV1 {
            id: s.id.clone(),
            event_name: s.event.v1_name(),
            handler_type: s.handler_type,
            execution_mode: s.execution_mode,
            scope: s.scope,
            source_path: s.source_path.clone(),
            source: s.source.snake(),
            display_order: s.display_order,
            status: s.status,
            status_message: s.status_message.clone(),
            started_at: s.started_at,
            completed_at: s.completed_at,
            duration_ms: s.duration_ms,
            entries: s.entries.clone(),
        }
    }
}

/// `HookRunSummary` in the app-server v2 protocol (camelCase keys, camelCase event and source).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookRunSummaryV2 {
    pub id: String,
    pub event_name: &'static str,
    pub handler_type: &'static str,
    pub execution_mode: ExecutionMode,
    pub scope: HookScope,
    pub source_path: String,
    pub source: &'static str,
    pub display_order: i64,
    pub status: RunStatus,
    pub status_message: Option<String>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub entries: Vec<Entry>,
}

impl From<&HookRunSummary> for HookRunSummaryV2 {
    fn from(s: &HookRunSummary) -> Self {
        HookRunSummaryV2 {
            id: s.id.clone(),
            event_name: s.event.v2_name(),
            handler_type: s.handler_type.camel(),
            execution_mode: s.execution_mode,
            scope: s.scope,
            source_path: s.source_path.clone(),
            source: s.source.camel(),
            display_order: s.display_order,
            status: s.status,
            status_message: s.status_message.clone(),
            started_at: s.started_at,
            completed_at: s.completed_at,
            duration_ms: s.duration_ms,
            entries: s.entries.clone(),
        }
    }
}

/// Which of the two app-server notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NotificationMethod {
    #[serde(rename = "hook/started")]
    Started,
    #[serde(rename = "hook/completed")]
    Completed,
}

impl NotificationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationMethod::Started => "hook/started",
            NotificationMethod::Completed => "hook/completed",
        }
    }
}

/// `hook/started` and `hook/completed` params (v2): `{threadId, turnId, run}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookNotificationV2 {
    pub thread_id: String,
    pub turn_id: Option<String>,
    pub run: HookRunSummaryV2,
}

/// The `codex_hook_run` analytics event.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct HookRunAnalyticsEvent {
    pub event_type: String,
    pub event_params: HookRunAnalyticsParams,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct HookRunAnalyticsParams {
    pub thread_id: Option<String>,
    pub turn_id: Option<String>,
    pub model_slug: Option<String>,
    pub hook_name: Option<String>,
    pub hook_source: Option<String>,
    pub status: Option<String>,
    /// 0.171 (spec §11): the originator, e.g. the client's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_client_id: Option<String>,
    /// 0.171: `command`, `mcp_tool`, `prompt` or `agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler_type: Option<String>,
    /// 0.171: `sync` or `async`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<String>,
}

impl HookRunAnalyticsEvent {
    /// Builds the event for one completed run; `running` is reported as `failed`.
    pub fn for_run(summary: &HookRunSummary, thread_id: &str, turn_id: &str, model: &str) -> Self {
        let status = match summary.status {
            RunStatus::Running => RunStatus::Failed,
            other => other,
        };
        HookRunAnalyticsEvent {
            event_type: "codex_hook_run".to_owned(),
            event_params: HookRunAnalyticsParams {
                thread_id: Some(thread_id.to_owned()),
                turn_id: Some(turn_id.to_owned()),
                model_slug: Some(model.to_owned()),
                hook_name: Some(summary.event.config_name().to_owned()),
                hook_source: Some(summary.source.snake().to_owned()),
                status: Some(status.as_str().to_owned()),
                product_client_id: None,
                handler_type: None,
                execution_mode: None,
            },
        }
    }

    /// Adds the fields 0.171 sends beside 4e30281's (spec §11).
    pub fn with_current_fields(mut self, summary: &HookRunSummary, originator: &str) -> Self {
        self.event_params.product_client_id = Some(originator.to_owned());
        self.event_params.handler_type = Some(summary.handler_type.snake().to_owned());
        self.event_params.execution_mode = Some(summary.execution_mode.as_str().to_owned());
        self
    }
}

/// The batch body POSTed to the analytics endpoint.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AnalyticsBatch {
    pub events: Vec<HookRunAnalyticsEvent>,
}

impl HookSource {
    /// Maps any accepted spelling (snake or camel) back to the source.
    pub fn parse_any(name: &str) -> Option<HookSource> {
        HookSource::ALL
            .into_iter()
            .find(|s| s.snake() == name || s.camel() == name)
    }
}
