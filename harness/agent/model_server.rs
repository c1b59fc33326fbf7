//! The test side of the wire: a scripted Responses-API model and an analytics sink, both
//! real HTTP servers on loopback (wiremock).
//!
//! [`ScriptedModel`] holds one SSE body per expected request (FIFO) and captures every
//! request body. A request beyond the script gets a `500` whose body says what the script
//! had; [`ScriptedModel::unused`] lists responses nobody asked for.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::spec::{ModelResponse, OutputItem};
use super::sse::response_id;
pub use super::sse::sse_body;
use super::tools::model_name;
use crate::engine::wire::{AnalyticsBatch, HookRunAnalyticsEvent};

/// Header set on the `500` answering a request beyond the script.
pub const SCRIPT_EXHAUSTED_HEADER: &str = "x-hooktape-script-exhausted";

/// The path the analytics client posts to (under the analytics base URL).
pub const ANALYTICS_PATH: &str = "/codex/analytics-events/events";

/// One scripted response, ready to serve.
#[derive(Debug, Clone)]
struct Scripted {
    summary: String,
    body: String,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Scripted>,
    total: usize,
    served: Vec<String>,
    requests: Vec<Value>,
    /// Answers to requests that do not stream (Claude Code's auto-mode classifier), JSON
    /// bodies in order; `None`: every request takes the next scripted stream.
    side: Option<VecDeque<Scripted>>,
}

#[derive(Clone)]
struct ScriptResponder(Arc<Mutex<State>>);

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A poisoned lock only means another responder thread panicked mid-push; the data is
    // still a valid list, so keep serving.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the scripted model answers a request: the next SSE body, or (past the script) why
/// not, flagged with [`SCRIPT_EXHAUSTED_HEADER`].
enum Answer {
    Stream(String),
    Json(String),
    Exhausted(String),
}

fn answer(state: &Mutex<State>, request_body: &[u8]) -> Answer {
    let mut state = lock(state);
    let body: Value = serde_json::from_slice(request_body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(request_body).into_owned()));
    let streams = body.get("stream") == Some(&Value::Bool(true));
    state.requests.push(body);
    if !streams {
        let n = state.requests.len();
        if let Some(side) = state.side.as_mut() {
            return match side.pop_front() {
                Some(next) => {
                    state.served.push(next.summary.clone());
                    Answer::Json(next.body)
                }
                None => Answer::Exhausted(format!(
                    "request {n} does not stream, and the script has no answer left for a request that does not stream"
                )),
            };
        }
    }
    match state.queue.pop_front() {
        Some(next) => {
            state.served.push(next.summary.clone());
            Answer::Stream(next.body)
        }
        None => {
            let mut text = format!(
                "the model script has no response for request {}: all {} scripted responses were used:",
                state.requests.len(),
                state.total
            );
            for line in &state.served {
                text.push_str("\n  ");
                text.push_str(line);
            }
            Answer::Exhausted(text)
        }
    }
}

impl Respond for ScriptResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match answer(&self.0, &request.body) {
            Answer::Stream(body) => ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_raw(body, "text/event-stream"),
            Answer::Json(body) => ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_raw(body, "application/json"),
            Answer::Exhausted(text) => ResponseTemplate::new(500)
                .insert_header(SCRIPT_EXHAUSTED_HEADER, "1")
                .set_body_string(text),
        }
    }
}

/// How sessions get their model server and analytics sink. Shared (the default): one HTTP
/// server per process, which routes `/s/{route}/…` to each session's script and sink, so a
/// session starts no server. Per session: two servers of its own (the measured baseline of
/// `hooktape bench`; `HOOKTAPE_SERVERS=per-session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Servers {
    Shared,
    PerSession,
}

impl Servers {
    /// From `HOOKTAPE_SERVERS` (`per-session`), read once; shared otherwise.
    pub fn from_env() -> Servers {
        static MODE: std::sync::OnceLock<Servers> = std::sync::OnceLock::new();
        *MODE.get_or_init(|| match std::env::var("HOOKTAPE_SERVERS").as_deref() {
            Ok("per-session") => Servers::PerSession,
            _ => Servers::Shared,
        })
    }
}

/// What one session's routes hold: its script and what its sink received.
#[derive(Default)]
struct Route {
    model: Arc<Mutex<State>>,
    analytics: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// The process's shared server and its routes: a plain HTTP/1.1 server on loopback, on a
/// thread of its own (so any runtime's sessions can use it), keeping nothing but the routes
/// (a mock server's journal would grow with every request of the process).
struct Hub {
    base_url: String,
    routes: Mutex<std::collections::HashMap<u64, Route>>,
    next: std::sync::atomic::AtomicU64,
}

static HUB: std::sync::OnceLock<Result<Hub, String>> = std::sync::OnceLock::new();

fn lock_routes(hub: &Hub) -> MutexGuard<'_, std::collections::HashMap<u64, Route>> {
    hub.routes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn hub() -> Result<&'static Hub, String> {
    HUB.get_or_init(|| {
        let failed = |e: std::io::Error| format!("cannot start the shared model server: {e}");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(failed)?;
        listener.set_nonblocking(true).map_err(failed)?;
        let addr = listener.local_addr().map_err(failed)?;
        // The server reports whether it started before any session relies on it.
        let (ready, started) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("hooktape-servers".into())
            .spawn(move || serve(listener, ready))
            .map_err(failed)?;
        started
            .recv()
            .unwrap_or_else(|_| Err("the shared model server's thread ended".to_owned()))?;
        Ok(Hub {
            base_url: format!("http://{addr}"),
            routes: Mutex::new(std::collections::HashMap::new()),
            next: std::sync::atomic::AtomicU64::new(1),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The server loop: one task per connection (HTTP/1.1 keep-alive), each request routed.
/// Sends on `ready` whether it could start.
fn serve(listener: std::net::TcpListener, ready: std::sync::mpsc::Sender<Result<(), String>>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot start the shared model server: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(format!("cannot start the shared model server: {e}")));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // A passing failure (out of descriptors, an aborted connection): the server
                // goes on accepting; the session whose connection failed sees the error.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    continue;
                }
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request| async move {
                    Ok::<_, std::convert::Infallible>(route(request).await)
                });
                // A connection the client drops mid-request ends here; nothing to report.
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

type HttpReply = hyper::Response<http_body_util::Full<bytes::Bytes>>;

fn reply(status: u16, headers: &[(&str, &str)], body: String) -> HttpReply {
    let mut builder = hyper::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap_or_else(|_| hyper::Response::new(http_body_util::Full::default()))
}

/// Routes `POST /s/{route}/v1/responses` and `POST /s/{route}{ANALYTICS_PATH}`.
async fn route(request: hyper::Request<hyper::body::Incoming>) -> HttpReply {
    use http_body_util::BodyExt as _;
    let path = request.uri().path().to_owned();
    if request.method() != hyper::Method::POST {
        return reply(
            405,
            &[],
            format!("{} {path}: only POST is served", request.method()),
        );
    }
    let body = match request.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return reply(400, &[], format!("cannot read the request body: {e}")),
    };
    let parsed = path
        .strip_prefix("/s/")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(id, rest)| Some((id.parse::<u64>().ok()?, format!("/{rest}"))));
    let (Some((id, rest)), Some(Ok(hub))) = (parsed, HUB.get()) else {
        return reply(404, &[], format!("no route for {path}"));
    };
    let (model, analytics) = match lock_routes(hub).get(&id) {
        Some(route) => (route.model.clone(), route.analytics.clone()),
        None => {
            return reply(
                404,
                &[],
                format!("route {id} is closed (its session ended)"),
            )
        }
    };
    match rest.as_str() {
        "/v1/responses" | "/v1/messages" => match answer(&model, &body) {
            Answer::Stream(sse) => reply(200, &[("content-type", "text/event-stream")], sse),
            Answer::Json(json) => reply(200, &[("content-type", "application/json")], json),
            Answer::Exhausted(text) => reply(500, &[(SCRIPT_EXHAUSTED_HEADER, "1")], text),
        },
        ANALYTICS_PATH => {
            lock_bodies(&analytics).push(body.to_vec());
            reply(200, &[], String::new())
        }
        _ => reply(404, &[], format!("no route for {path}")),
    }
}

fn lock_bodies(b: &Mutex<Vec<Vec<u8>>>) -> MutexGuard<'_, Vec<Vec<u8>>> {
    b.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A session's routes on the shared server; closed when dropped.
struct RouteGuard(u64);

impl Drop for RouteGuard {
    fn drop(&mut self) {
        if let Some(Ok(hub)) = HUB.get() {
            lock_routes(hub).remove(&self.0);
        }
    }
}

/// A scripted model speaking the Responses API (SSE) at `{base_url}/responses`, on the
/// shared server or a server of its own.
pub struct ScriptedModel {
    base_url: String,
    state: Arc<Mutex<State>>,
    _server: Option<MockServer>,
    _route: Option<Arc<RouteGuard>>,
}

/// The scripted model and the analytics sink of one session.
pub async fn start_servers(
    responses: &[ModelResponse],
    mode: Servers,
) -> (ScriptedModel, AnalyticsSink) {
    start_servers_with_side(responses, None, mode, &sse_body).await
}

/// [`start_servers`] with each response's body rendered by `render` (1-based index; the
/// `claude` dialect's Messages-API stream: the model answers `POST …/v1/responses` and
/// `POST …/v1/messages` alike, from the one script), and, with `side`, requests that do
/// not stream answered by its answers (`(summary, JSON body)`, in order) instead of the
/// script's next stream.
pub async fn start_servers_with_side(
    responses: &[ModelResponse],
    side: Option<Vec<(String, String)>>,
    mode: Servers,
    render: &(dyn Fn(usize, &ModelResponse) -> String + Sync),
) -> (ScriptedModel, AnalyticsSink) {
    let mut state = State::new(responses, render);
    if let Some(answers) = side {
        state.with_side(answers);
    }
    let state = Arc::new(Mutex::new(state));
    // Without a loopback port for a shared server, each session starts its own.
    let shared = match mode {
        Servers::Shared => hub().ok(),
        Servers::PerSession => None,
    };
    match shared {
        None => (
            ScriptedModel::own(state).await,
            AnalyticsSink::start().await,
        ),
        Some(hub) => {
            let id = hub.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let analytics = Arc::new(Mutex::new(Vec::new()));
            lock_routes(hub).insert(
                id,
                Route {
                    model: state.clone(),
                    analytics: analytics.clone(),
                },
            );
            let guard = Arc::new(RouteGuard(id));
            let base = format!("{}/s/{id}", hub.base_url);
            (
                ScriptedModel {
                    base_url: format!("{base}/v1"),
                    state,
                    _server: None,
                    _route: Some(guard.clone()),
                },
                AnalyticsSink {
                    base_url: base,
                    bodies: analytics,
                    _server: None,
                    _route: Some(guard),
                },
            )
        }
    }
}

impl State {
    /// Requests that do not stream take `answers` (`(summary, JSON body)`), in order; they
    /// count among the scripted responses.
    fn with_side(&mut self, answers: Vec<(String, String)>) {
        self.total += answers.len();
        self.side = Some(
            answers
                .into_iter()
                .map(|(summary, body)| Scripted { summary, body })
                .collect(),
        );
    }

    fn new(
        responses: &[ModelResponse],
        render: &(dyn Fn(usize, &ModelResponse) -> String + Sync),
    ) -> State {
        let queue: VecDeque<Scripted> = responses
            .iter()
            .enumerate()
            .map(|(i, r)| Scripted {
                summary: describe_response(i + 1, r),
                body: render(i + 1, r),
            })
            .collect();
        State {
            total: queue.len(),
            queue,
            ..State::default()
        }
    }
}

impl ScriptedModel {
    /// Starts a server of its own serving `responses` in order, one per request.
    pub async fn start(responses: &[ModelResponse]) -> ScriptedModel {
        ScriptedModel::own(Arc::new(Mutex::new(State::new(responses, &sse_body)))).await
    }

    async fn own(state: Arc<Mutex<State>>) -> ScriptedModel {
        let server = MockServer::start().await;
        for route in ["/v1/responses", "/v1/messages"] {
            Mock::given(method("POST"))
                .and(path(route))
                .respond_with(ScriptResponder(state.clone()))
                .mount(&server)
                .await;
        }
        ScriptedModel {
            base_url: format!("{}/v1", server.uri()),
            state,
            _server: Some(server),
            _route: None,
        }
    }

    /// The base URL the agent posts `/responses` under (ends in `/v1`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every request body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.state).requests.clone()
    }

    /// The scripted responses never served, described.
    pub fn unused(&self) -> Vec<String> {
        let state = lock(&self.state);
        state
            .queue
            .iter()
            .chain(state.side.iter().flatten())
            .map(|s| s.summary.clone())
            .collect()
    }
}

/// One line describing a scripted response, e.g. `[2] resp-2: message "done"`.
pub fn describe_response(index: usize, response: &ModelResponse) -> String {
    let id = response_id(index, response);
    let mut parts: Vec<String> = response
        .output
        .iter()
        .map(|item| match item {
            OutputItem::Message { text } => format!("message {text:?}"),
            OutputItem::Call(call) => format!("call {}({})", model_name(&call.tool), call.call_id),
        })
        .collect();
    if let Some(message) = &response.failed {
        parts.push(format!("failed {message:?}"));
    }
    if response.disconnect {
        parts.push("disconnect".to_owned());
    }
    if parts.is_empty() {
        parts.push("(no output)".to_owned());
    }
    format!("[{index}] {id}: {}", parts.join(", "))
}

/// An analytics endpoint on loopback: accepts `{"events":[…]}` batches at
/// `{base_url}/codex/analytics-events/events` and reports what it received.
pub struct AnalyticsSink {
    base_url: String,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    _server: Option<MockServer>,
    _route: Option<Arc<RouteGuard>>,
}

/// Keeps each batch body it receives.
struct SinkResponder(Arc<Mutex<Vec<Vec<u8>>>>);

impl Respond for SinkResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        lock_bodies(&self.0).push(request.body.clone());
        ResponseTemplate::new(200)
    }
}

impl AnalyticsSink {
    /// A sink on a server of its own.
    pub async fn start() -> AnalyticsSink {
        let server = MockServer::start().await;
        let bodies = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .and(path(ANALYTICS_PATH))
            .respond_with(SinkResponder(bodies.clone()))
            .mount(&server)
            .await;
        AnalyticsSink {
            base_url: server.uri(),
            bodies,
            _server: Some(server),
            _route: None,
        }
    }

    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every event received, batch after batch, in arrival order. A body that is not a
    /// batch is an error naming it.
    pub async fn received(&self) -> Result<Vec<HookRunAnalyticsEvent>, String> {
        let bodies = lock_bodies(&self.bodies).clone();
        let mut events = Vec::new();
        for body in bodies {
            let batch: AnalyticsBatch = serde_json::from_slice(&body).map_err(|e| {
                format!(
                    "analytics sink received a body that is not {{\"events\":[…]}}: {e}: {}",
                    String::from_utf8_lossy(&body)
                )
            })?;
            events.extend(batch.events);
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unstreamed_requests_take_the_side_answers_and_an_exhausted_script_counts_them() {
        let script = [ModelResponse::message("hello")];
        let mut state = State::new(&script, &|i, _| format!("stream {i}"));
        state.with_side(vec![(
            "classifier 1: allow".to_owned(),
            "{\"verdict\":\"allow\"}".to_owned(),
        )]);
        let state = Mutex::new(state);
        let plain = br#"{"messages":[]}"#;
        let streamed = br#"{"stream":true}"#;
        assert!(matches!(answer(&state, plain), Answer::Json(b) if b == "{\"verdict\":\"allow\"}"));
        assert!(matches!(answer(&state, streamed), Answer::Stream(b) if b == "stream 1"));
        let Answer::Exhausted(side) = answer(&state, plain) else {
            panic!("the side queue is empty")
        };
        assert_eq!(
            side,
            "request 3 does not stream, and the script has no answer left for a request that does not stream"
        );
        let Answer::Exhausted(stream) = answer(&state, streamed) else {
            panic!("the script is used up")
        };
        assert!(
            stream.starts_with(
                "the model script has no response for request 4: all 2 scripted responses were used:\n  "
            ) && stream.contains("classifier 1: allow"),
            "{stream}"
        );
    }
}
