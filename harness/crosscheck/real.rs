//! The real Codex CLI as a backend: the scenario's workspace, with a `config.toml` that
//! points the model provider at the scenario's scripted model and trusts the scenario's
//! hooks as Codex 0.171 expects (`[hooks.state]` hashes, project trust), played through
//! `codex app-server`. Every hook command is wrapped so its stdin is kept (`tee`), which is
//! how the payloads are observed; run summaries come from `hook/started` / `hook/completed`,
//! model requests from the scripted model server, the transcript from the rollout file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::app_server::AppServer;
use super::wrap::{wrap_config_toml, wrap_hooks_json, Wrapped};
use super::CrosscheckError;
use crate::agent::history::compact_input;
use crate::agent::recording::{ModelRequestRecord, RequestPurpose, TimelineEntry};
use crate::agent::spec::{OutputItem, SessionSpec, Step, UserDecision};
use crate::agent::{Recording, ScriptedModel};
use crate::engine::config::HookTrust;
use crate::engine::request::ApprovalPolicy;
use crate::scenario::{LayerKind, Scenario, Workspace};

/// One handler as the real CLI runs it: where its stdin is kept.
#[derive(Debug, Clone)]
pub struct Handler {
    /// PascalCase event name as configured.
    pub event: String,
    /// The command as the scenario wrote it.
    pub command: String,
    /// The file `tee` appends each run's stdin to (an MCP tool's stand-in: each call's
    /// arguments).
    pub capture: PathBuf,
    /// A stand-in MCP tool (`server`, `tool`) rather than a command handler.
    pub mcp: Option<(String, String)>,
    /// An `async` handler: Codex runs it in the background.
    pub is_async: bool,
}

/// What the real CLI did with one scenario.
pub struct RealRun {
    /// Model requests (from the scripted model server) and the rollout lines; the hook runs
    /// are in `notifications`.
    pub recording: Recording,
    /// Every app-server notification, in order (server requests marked `"request": true`).
    pub notifications: Vec<Value>,
    /// Each handler's stdin payloads, in the order it ran.
    pub payloads: Vec<(Handler, Vec<Value>)>,
    /// The real thread id and turn ids, in order (to map onto the scenario's).
    pub thread_id: String,
    /// The ids of the threads `thread/fork` made, in order.
    pub fork_ids: Vec<String>,
    /// The rollout paths of the root thread and of each fork, in that order.
    pub rollouts: Vec<String>,
    pub turn_ids: Vec<String>,
    /// Path replacements that make the real run's texts comparable with the mock's.
    pub workspace: Workspace,
    /// Scripted responses the real CLI never asked for.
    pub unused: Vec<String>,
    pub wall: Duration,
    /// The app-server's peak resident memory (kB), the highest of its processes.
    pub peak_kb: Option<u64>,
}

/// `codex --version`'s first line.
pub fn version(bin: &Path) -> Result<String, CrosscheckError> {
    let out = std::process::Command::new(bin)
        .arg("--version")
        .output()
        .map_err(|e| CrosscheckError::Real(format!("{} --version: {e}", bin.display())))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Plays `scenario` through `BIN app-server`.
pub async fn play(bin: &Path, scenario: &Scenario) -> Result<RealRun, CrosscheckError> {
    let started = Instant::now();
    let ws = Workspace::materialise(scenario)
        .map_err(|e| CrosscheckError::Input(format!("{}: {e}", scenario.path.display())))?;
    let spec = scenario.session_spec(&ws);
    let capture = ws.root.join("hooktape-capture");
    std::fs::create_dir_all(&capture).map_err(|e| io(&capture, e))?;
    let mut handlers = Vec::new();
    let mut sources = Vec::new();
    let project_trusted = scenario
        .layers
        .iter()
        .filter(|l| l.kind == LayerKind::Project)
        .all(|l| l.trusted);
    for (dir, trusted) in [
        (ws.codex_home.clone(), true),
        (ws.project.join(".codex"), project_trusted),
    ] {
        let file = dir.join("hooks.json");
        if file.is_file() {
            let hooks = wrap_hooks_json(&file, &capture, &mut handlers)?;
            // An untrusted project's hooks are not trusted either: nobody who has not
            // trusted the project would have trusted them.
            if trusted {
                sources.push((file, hooks));
            }
        }
        let file = dir.join("config.toml");
        if file.is_file() {
            if let Some(hooks) = wrap_config_toml(&file, &capture, &mut handlers)? {
                if trusted {
                    sources.push((file, hooks));
                }
            }
        }
    }
    let model = ScriptedModel::start(&spec.model_script()).await;
    let catalog = match model_entry(bin) {
        Some(entry) => {
            let mut entry = entry.clone();
            entry["slug"] = Value::String(spec.model.clone());
            let path = ws.root.join("model_catalog.json");
            std::fs::write(&path, json!({"models": [entry]}).to_string())
                .map_err(|e| io(&path, e))?;
            Some(path)
        }
        None => None,
    };
    let standins = ws.root.join("hooktape-standins");
    let plan = super::standins::plan(&spec).map_err(CrosscheckError::Input)?;
    super::standins::write(&standins, &plan).map_err(|e| io(&standins, e))?;
    let mcp_servers = write_standins(&ws, scenario, &capture, &mut handlers)?;
    write_config(
        &ws,
        scenario,
        &standins,
        &model.base_url(),
        &sources,
        project_trusted,
        catalog.as_deref(),
    )?;
    if !mcp_servers.is_empty() {
        let path = ws.codex_home.join("config.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let mut table: toml::Table = text.parse().map_err(|e| {
            CrosscheckError::Real(format!("{}: not valid TOML: {e}", path.display()))
        })?;
        table.insert("mcp_servers".into(), mcp_servers.into());
        let out = toml::to_string(&table)
            .map_err(|e| CrosscheckError::Real(format!("writing {}: {e}", path.display())))?;
        std::fs::write(&path, out).map_err(|e| io(&path, e))?;
    }

    let mut env: Vec<(String, String)> = match ws.hook_env() {
        crate::engine::runner::HookEnv::Exactly(vars) => vars
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        crate::engine::runner::HookEnv::Inherit => Vec::new(),
    };
    env.retain(|(k, _)| k != "OPENAI_API_KEY");
    // No key of any kind: the scripted provider needs none, and hooks see Codex's
    // environment, which is then the scenario's.

    let decisions = decisions(&spec);
    let mut answer = move |method: &str, params: &Value| -> Value {
        if !method.ends_with("/requestApproval") {
            return Value::Null;
        }
        let item = params
            .get("itemId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let decision = match decisions.get(item) {
            Some(UserDecision::Approve) => "accept",
            Some(UserDecision::ApproveForSession) => "acceptForSession",
            Some(UserDecision::Deny) | None => "decline",
        };
        json!({"decision": decision})
    };

    let mut server = AppServer::start(bin, &ws.cwd, &env)?;
    let mut notifications = Vec::new();
    let mut peak_kb = None;
    handshake(&mut server, &mut answer).await?;
    let policy = match spec.approval_policy {
        ApprovalPolicy::Untrusted => "untrusted",
        ApprovalPolicy::OnRequest | ApprovalPolicy::OnFailure => "on-request",
        ApprovalPolicy::Never => "never",
    };
    let thread = server
        .request(
            "thread/start",
            {
                let mut params = json!({
                    "cwd": ws.cwd.display().to_string(),
                    "approvalPolicy": policy,
                    "sandbox": "danger-full-access",
                    "model": spec.model,
                });
                if scenario.session.hook_trust == HookTrust::Bypass {
                    params["config"] = json!({"bypass_hook_trust": true});
                }
                params
            },
            &mut answer,
        )
        .await?;
    let mut thread_id = thread
        .pointer("/thread/id")
        .and_then(Value::as_str)
        .ok_or_else(|| CrosscheckError::Real(format!("thread/start answered {thread}")))?
        .to_owned();
    let mut rollout = thread
        .pointer("/thread/path")
        .and_then(Value::as_str)
        .map(PathBuf::from);
    let mut fork_ids = Vec::new();
    let root_id = thread_id.clone();
    let root_rollout = rollout
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut fork_rollouts = Vec::new();
    let mut turn_ids = Vec::new();
    for step in &spec.steps {
        match step {
            Step::Turn(turn) => {
                let started = server
                    .request(
                        "turn/start",
                        json!({"threadId": thread_id, "input": [{"type": "text", "text": turn.prompt}]}),
                        &mut answer,
                    )
                    .await?;
                let id = started
                    .pointer("/turn/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                turn_ids.push(id.clone());
                wait_turn(&mut server, &id, &mut answer).await?;
            }
            Step::Compact { .. } => {
                server
                    .request(
                        "thread/compact/start",
                        json!({"threadId": thread_id}),
                        &mut answer,
                    )
                    .await?;
                let done = server
                    .wait_for("turn/completed", &|_| true, &mut answer)
                    .await?;
                if let Some(id) = done.pointer("/params/turn/id").and_then(Value::as_str) {
                    turn_ids.push(id.to_owned());
                }
            }
            Step::Resume => {
                peak_kb = peak_kb.max(server.peak_kb());
                notifications.extend(server.shutdown().await);
                server = AppServer::start(bin, &ws.cwd, &env)?;
                handshake(&mut server, &mut answer).await?;
                server
                    .request("thread/resume", json!({"threadId": thread_id}), &mut answer)
                    .await?;
            }
            Step::Fork { .. } => {
                let forked = server
                    .request("thread/fork", json!({"threadId": thread_id}), &mut answer)
                    .await?;
                thread_id = forked
                    .pointer("/thread/id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| CrosscheckError::Real(format!("thread/fork answered {forked}")))?
                    .to_owned();
                rollout = forked
                    .pointer("/thread/path")
                    .and_then(Value::as_str)
                    .map(PathBuf::from);
                fork_ids.push(thread_id.clone());
                fork_rollouts.push(
                    rollout
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                );
            }
        }
    }
    // Background (`async`) hooks the last turn started may still be starting; the real
    // Codex drops those still running when the session ends, so give them time to land
    // (their captures unchanged for 300 ms, at most 3 s), before the rollout is read.
    if handlers.iter().any(|h| h.is_async) {
        settle(&handlers).await;
    }
    // The rollout is read before the thread is archived (archiving moves the file); SessionEnd
    // adds no rollout item.
    let rollout_text = rollout
        .as_ref()
        .map(|path| std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or_default();
    // The session ends: archiving the thread runs SessionEnd with its notifications (at a
    // plain shutdown the hooks run but their notifications are never delivered).
    server
        .request(
            "thread/archive",
            json!({"threadId": thread_id}),
            &mut answer,
        )
        .await?;
    peak_kb = peak_kb.max(server.peak_kb());
    notifications.extend(server.shutdown().await);

    let mut payloads = Vec::new();
    for handler in handlers {
        let text = std::fs::read_to_string(&handler.capture).unwrap_or_default();
        let values: Vec<Value> = serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map_while(Result::ok)
            .collect();
        payloads.push((handler, values));
    }
    let mut recording = Recording {
        dialect: spec.dialect,
        thread_id: thread_id.clone(),
        transcript_path: rollout
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        discovery_warnings: Vec::new(),
        start_error: None,
        skipped_hooks: Vec::new(),
        timeline: Vec::new(),
        transcript: Vec::new(),
        analytics: Vec::new(),
        raw_requests: model.requests(),
    };
    for (i, body) in recording.raw_requests.iter().enumerate() {
        let compaction = body
            .get("tools")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty);
        recording
            .timeline
            .push(TimelineEntry::ModelRequest(ModelRequestRecord {
                index: i + 1,
                thread_id: thread_id.clone(),
                turn_id: String::new(),
                purpose: if compaction {
                    RequestPurpose::Compaction
                } else {
                    RequestPurpose::Sampling
                },
                input: compact_input(body),
                output: Vec::new(),
            }));
    }
    recording.transcript = rollout_text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(RealRun {
        recording,
        notifications,
        payloads,
        thread_id: root_id,
        fork_ids,
        rollouts: std::iter::once(root_rollout).chain(fork_rollouts).collect(),
        turn_ids,
        workspace: ws,
        unused: model.unused(),
        wall: started.elapsed(),
        peak_kb,
    })
}

/// Waits until no `async` handler's capture has grown for 300 ms (at most 3 s): only those
/// can still be starting.
async fn settle(handlers: &[Handler]) {
    let sizes = || -> Vec<u64> {
        handlers
            .iter()
            .filter(|h| h.is_async)
            .map(|h| std::fs::metadata(&h.capture).map(|m| m.len()).unwrap_or(0))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let mut last = sizes();
    let mut stable_since = std::time::Instant::now();
    while std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = sizes();
        if now != last {
            last = now;
            stable_since = std::time::Instant::now();
        } else if stable_since.elapsed() >= std::time::Duration::from_millis(300) {
            return;
        }
    }
}

async fn handshake(
    server: &mut AppServer,
    answer: &mut dyn FnMut(&str, &Value) -> Value,
) -> Result<(), CrosscheckError> {
    server
        .request(
            "initialize",
            json!({"clientInfo": {"name": "hooktape", "version": env!("CARGO_PKG_VERSION")},
                   "capabilities": {"experimentalApi": true}}),
            answer,
        )
        .await?;
    server.notify("initialized").await
}

async fn wait_turn(
    server: &mut AppServer,
    turn_id: &str,
    answer: &mut dyn FnMut(&str, &Value) -> Value,
) -> Result<(), CrosscheckError> {
    let id = turn_id.to_owned();
    server
        .wait_for(
            "turn/completed",
            &move |p| p.pointer("/turn/id").and_then(Value::as_str) == Some(id.as_str()),
            answer,
        )
        .await
        .map(|_| ())
}

/// The user's scripted answer to each call that asks for approval, by call id.
fn decisions(spec: &SessionSpec) -> BTreeMap<String, UserDecision> {
    let mut out = BTreeMap::new();
    for step in &spec.steps {
        let Step::Turn(turn) = step else { continue };
        for response in &turn.responses {
            for item in &response.output {
                if let OutputItem::Call(call) = item {
                    out.insert(call.call_id.clone(), call.result.user_decision);
                }
            }
        }
    }
    out
}

/// One stand-in MCP server per scripted server (`hooktape mcp-standin SCRIPT`), each tool
/// logging its calls' arguments beside the hooks' captures; returns the `[mcp_servers]`
/// table that points the real CLI at them.
fn write_standins(
    ws: &Workspace,
    scenario: &Scenario,
    capture: &Path,
    handlers: &mut Vec<Handler>,
) -> Result<toml::Table, CrosscheckError> {
    let mut servers = toml::Table::new();
    if scenario.mcp.servers.is_empty() {
        return Ok(servers);
    }
    let exe = std::env::current_exe()
        .map_err(|e| CrosscheckError::Real(format!("cannot find hooktape's own binary: {e}")))?;
    let dir = ws.root.join("hooktape-mcp");
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    for (i, (server, tools)) in scenario.mcp.servers.iter().enumerate() {
        let mut script = super::mcp_standin::StandinScript::default();
        for (j, (tool, answer)) in tools.iter().enumerate() {
            let log = capture.join(format!("mcp-{i}-{j}.json"));
            handlers.push(Handler {
                event: String::new(),
                command: format!("{server}/{tool}"),
                capture: log.clone(),
                mcp: Some((server.clone(), tool.clone())),
                is_async: false,
            });
            script.tools.insert(
                tool.clone(),
                super::mcp_standin::StandinTool {
                    text: answer.texts.join("\n"),
                    is_error: answer.is_error,
                    log: Some(log),
                },
            );
        }
        let path = dir.join(format!("server-{i}.json"));
        let text = serde_json::to_string(&script).unwrap_or_default();
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        let mut entry = toml::Table::new();
        entry.insert("command".into(), exe.display().to_string().into());
        entry.insert(
            "args".into(),
            toml::Value::Array(vec![
                "mcp-standin".into(),
                path.display().to_string().into(),
            ]),
        );
        servers.insert(server.clone(), entry.into());
    }
    Ok(servers)
}

/// The user `config.toml`: the scenario's own, plus the scripted model provider, plugins,
/// update checks and analytics off, and the trust Codex 0.171 needs for each handler (and
/// for the project, when the scenario's project layer is trusted).
fn write_config(
    ws: &Workspace,
    scenario: &Scenario,
    standins: &Path,
    base_url: &str,
    sources: &[(PathBuf, Wrapped)],
    project_trusted: bool,
    catalog: Option<&Path>,
) -> Result<(), CrosscheckError> {
    let auto_compact_tokens = scenario.session.auto_compact_tokens;
    let trust = scenario.session.hook_trust;
    let path = ws.codex_home.join("config.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| CrosscheckError::Input(format!("{}: not valid TOML: {e}", path.display())))?;
    let provider: toml::Table = toml::toml! {
        name = "scripted"
        wire_api = "responses"
        requires_openai_auth = false
        supports_websockets = false
        request_max_retries = 0
        stream_max_retries = 0
    };
    let mut provider = provider;
    provider.insert("base_url".into(), base_url.into());
    table.insert("model_provider".into(), "mock".into());
    if let Some(catalog) = catalog {
        table.insert(
            "model_catalog_json".into(),
            catalog.display().to_string().into(),
        );
    }
    table.insert("check_for_update_on_startup".into(), false.into());
    if let Some(tokens) = auto_compact_tokens {
        table.insert(
            "model_auto_compact_token_limit".into(),
            i64::try_from(tokens).unwrap_or(i64::MAX).into(),
        );
    }
    // The commands the model runs find the stand-ins first; hooks keep the scenario's PATH.
    let path_var = std::env::var("PATH").unwrap_or_default();
    let mut set = toml::Table::new();
    set.insert(
        "PATH".into(),
        format!("{}:{path_var}", standins.display()).into(),
    );
    let mut policy = toml::Table::new();
    policy.insert("set".into(), set.into());
    table.insert("shell_environment_policy".into(), policy.into());
    let mut providers = toml::Table::new();
    providers.insert("mock".into(), provider.into());
    table.insert("model_providers".into(), providers.into());
    table.insert("analytics".into(), toml::toml! { enabled = false }.into());
    let features = table
        .entry("features")
        .or_insert_with(|| toml::Table::new().into());
    if let Some(f) = features.as_table_mut() {
        f.insert("plugins".into(), false.into());
    }
    // The real CLI runs the wrapped commands, whose hashes differ from the ones written: a
    // handler the scenario trusts (every one, unless trust is read from its config) gets
    // its wrapped hash; an untrusted or modified one keeps what the config says.
    let hooks = table
        .entry("hooks")
        .or_insert_with(|| toml::Table::new().into());
    let Some(hooks) = hooks.as_table_mut() else {
        return Err(CrosscheckError::Input(format!(
            "{}: `hooks` is not a table",
            path.display()
        )));
    };
    let state = hooks
        .entry("state")
        .or_insert_with(|| toml::Table::new().into());
    let Some(state) = state.as_table_mut() else {
        return Err(CrosscheckError::Input(format!(
            "{}: `hooks.state` is not a table",
            path.display()
        )));
    };
    for (source, wrapped) in sources {
        let originals: BTreeMap<String, String> = crate::trust::entries(source, &wrapped.original)
            .into_iter()
            .filter_map(|e| match e {
                crate::trust::Entry::Trusted { key, hash } => Some((key, hash)),
                crate::trust::Entry::Skipped { .. } => None,
            })
            .collect();
        for entry in crate::trust::entries(source, &wrapped.hooks) {
            let crate::trust::Entry::Trusted { key, hash } = entry else {
                continue;
            };
            let e = state
                .entry(key.clone())
                .or_insert_with(|| toml::Table::new().into());
            let Some(e) = e.as_table_mut() else {
                continue;
            };
            let written = e.get("trusted_hash").and_then(toml::Value::as_str);
            let trusted = match trust {
                HookTrust::Trusted => true,
                HookTrust::Config | HookTrust::Bypass => {
                    written.is_some() && written == originals.get(&key).map(String::as_str)
                }
            };
            if trusted {
                e.insert("trusted_hash".into(), hash.into());
            }
        }
    }
    if project_trusted {
        let mut project = toml::Table::new();
        project.insert("trust_level".into(), "trusted".into());
        let projects = table
            .entry("projects")
            .or_insert_with(|| toml::Table::new().into());
        if let Some(p) = projects.as_table_mut() {
            p.insert(ws.project.display().to_string(), project.into());
        }
    }
    let out = toml::to_string(&table)
        .map_err(|e| CrosscheckError::Real(format!("writing {}: {e}", path.display())))?;
    std::fs::write(&path, out).map_err(|e| io(&path, e))
}

/// A model entry of the catalog the CLI carries in its binary (`{"models": [...]}`), the one
/// for `gpt-5.5` else the first: given to the scenario's model slug, it makes the real CLI
/// offer the tools it offers a real model (`apply_patch` among them) and stops the "model
/// metadata not found" warning. Read once per binary.
fn model_entry(bin: &Path) -> Option<&'static Value> {
    static ENTRY: std::sync::OnceLock<Option<Value>> = std::sync::OnceLock::new();
    ENTRY
        .get_or_init(|| {
            let bytes = std::fs::read(bin).ok()?;
            let marker = b"{\n  \"models\": [";
            let mut from = 0;
            while let Some(at) = bytes[from..]
                .windows(marker.len())
                .position(|w| w == marker)
                .map(|i| from + i)
            {
                let mut values =
                    serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<Value>();
                if let Some(Ok(doc)) = values.next() {
                    let models = doc.get("models").and_then(Value::as_array)?;
                    let entry = models
                        .iter()
                        .find(|m| m.get("slug").and_then(Value::as_str) == Some("gpt-5.5"))
                        .or_else(|| models.first())?;
                    let mut entry = entry.clone();
                    // The scripted model speaks the plain Responses wire.
                    if entry.get("use_responses_lite").is_some() {
                        entry["use_responses_lite"] = Value::Bool(false);
                    }
                    return Some(entry);
                }
                from = at + 1;
            }
            None
        })
        .as_ref()
}

pub(super) fn io(path: &Path, e: std::io::Error) -> CrosscheckError {
    CrosscheckError::Real(format!("{}: {e}", path.display()))
}
