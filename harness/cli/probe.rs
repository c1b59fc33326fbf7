//! `hooktape probe --event EVENT [event options] [--timeout S] [--format json] -- COMMAND…`:
//! one hook run through the real engine, no agent.

use super::out::{out, outln};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::engine::request::PermissionMode;
use crate::engine::HookEvent;
use crate::fuzz::repro::shell_quote;
use crate::probe::{
    payload, probe, report_json, report_text, request, ContextOptions, PayloadOptions,
    SummaryVersion,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Summary {
    V1,
    V2,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The event (any spelling: Stop, pre_tool_use, preToolUse, pre-tool-use).
    #[arg(long)]
    event: String,
    /// Tool events: the tool name [default: Bash].
    #[arg(long)]
    tool_name: Option<String>,
    /// Tool events: the tool input, as JSON [default: {"command":"echo hi"}].
    #[arg(long)]
    tool_input: Option<String>,
    /// PostToolUse: the tool response, as JSON [default: "hi\n"].
    #[arg(long)]
    tool_response: Option<String>,
    /// PreToolUse, PostToolUse: the call id [default: call-1].
    #[arg(long)]
    tool_use_id: Option<String>,
    /// UserPromptSubmit: the prompt [default: hello].
    #[arg(long)]
    prompt: Option<String>,
    /// SessionStart: startup, resume, clear or compact [default: startup].
    #[arg(long)]
    source: Option<String>,
    /// Stop, SubagentStop: set stop_hook_active.
    #[arg(long)]
    stop_hook_active: bool,
    /// Stop, SubagentStop: last_assistant_message [default: null].
    #[arg(long)]
    last_assistant_message: Option<String>,
    /// PreCompact, PostCompact: manual or auto [default: manual].
    #[arg(long)]
    trigger: Option<String>,
    /// SubagentStart, SubagentStop: agent id [default: agent-1].
    #[arg(long)]
    agent_id: Option<String>,
    /// SubagentStart, SubagentStop: agent type [default: default].
    #[arg(long)]
    agent_type: Option<String>,
    /// SessionEnd: the reason [default: other].
    #[arg(long)]
    reason: Option<String>,
    /// default or bypassPermissions [default: default].
    #[arg(long)]
    permission_mode: Option<String>,
    /// The model slug [default: gpt-test].
    #[arg(long)]
    model: Option<String>,
    /// The turn id [default: turn-1].
    #[arg(long)]
    turn_id: Option<String>,
    /// The session id [default: a fixed UUID].
    #[arg(long)]
    session_id: Option<String>,
    /// transcript_path [default: null].
    #[arg(long)]
    transcript_path: Option<String>,
    /// The hook's working directory and `cwd` [default: the current directory].
    #[arg(long)]
    cwd: Option<PathBuf>,
    /// Handler timeout in seconds (at least 1) [default: 600].
    #[arg(long)]
    timeout: Option<u64>,
    /// text, or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Summary spelling: v2 (hook/completed) or v1.
    #[arg(long, value_enum, default_value = "v2")]
    summary: Summary,
    /// The hook command and its arguments, run through `sh -c` as one quoted command line.
    #[arg(last = true, required = true, num_args = 1..)]
    command: Vec<String>,
}

fn json_arg(option: &str, text: &Option<String>) -> anyhow::Result<Option<Value>> {
    text.as_deref()
        .map(|t| {
            serde_json::from_str(t).with_context(|| format!("--{option}: expected JSON, got {t:?}"))
        })
        .transpose()
}

pub fn run(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let Some(event) = HookEvent::parse_any(&args.event) else {
        bail!(
            "--event: expected one of {}, got {:?}",
            HookEvent::ALL.map(|e| e.config_name()).join(", "),
            args.event
        );
    };
    if args.timeout == Some(0) {
        bail!("--timeout: expected at least 1 second, got 0");
    }
    let options = PayloadOptions {
        tool_name: args.tool_name,
        tool_input: json_arg("tool-input", &args.tool_input)?,
        tool_response: json_arg("tool-response", &args.tool_response)?,
        tool_use_id: args.tool_use_id,
        prompt: args.prompt,
        source: args.source,
        stop_hook_active: args.stop_hook_active,
        last_assistant_message: args.last_assistant_message,
        trigger: args.trigger,
        agent_id: args.agent_id,
        agent_type: args.agent_type,
        reason: args.reason,
    };
    let payload = payload(event, &options)?;
    let cwd = match args.cwd {
        Some(dir) => dir,
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let cwd = cwd
        .canonicalize()
        .with_context(|| format!("--cwd: {} is not a directory", cwd.display()))?;
    let mut context = ContextOptions::defaults(&cwd);
    if let Some(mode) = args.permission_mode {
        context.permission_mode = PermissionMode::parse(&mode).with_context(|| {
            format!("--permission-mode: expected default or bypassPermissions, got {mode:?}")
        })?;
    }
    if let Some(model) = args.model {
        context.model = model;
    }
    if let Some(turn) = args.turn_id {
        context.turn_id = turn;
    }
    if let Some(session) = args.session_id {
        context.session_id = session;
    }
    context.transcript_path = args.transcript_path;
    let command = args
        .command
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    let request = request(&context, payload);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let report = runtime.block_on(probe(request, &command, args.timeout))?;
    let version = match args.summary {
        Summary::V1 => SummaryVersion::V1,
        Summary::V2 => SummaryVersion::V2,
    };
    match args.format {
        Format::Json => outln!("{}", report_json(&report, version)),
        Format::Text => out!("{}", report_text(&report, version)),
    }
    Ok(ExitCode::SUCCESS)
}
