//! The HTTP side: `/{bot<token>}/{method}` like api.telegram.org (JSON body, form body,
//! multipart/form-data with file parts, or query string), the `{"ok":…}` envelope, long-polled
//! getUpdates, injected faults (including closing the connection without any answer), webhook
//! delivery, file downloads at `/file/bot<token>/<file_path>`, and a small control API under
//! `/_fake/…` for humans and benchmarks. Every call to `/bot…/…` is logged, whatever its answer
//! (a method the fake does not model is answered 404 "Not Found", as Telegram does).

use crate::inject::NewContent;
use crate::limits::{Failure, SEND_METHODS, Verdict};
use crate::methods::{self, ApiError, Params, Upload};
use crate::state::{CallRecord, State, TgUser, unix_now};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::DefaultBodyLimit;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::serve::{IncomingStream, Listener};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// State shared by the server, the webhook sender and every [`crate::FakeTelegram`] clone.
pub(crate) struct Shared {
    pub token: String,
    pub state: Mutex<State>,
    /// Bumped on every change; waiters (long polls, `wait_until`) watch it.
    pub changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test closure must not take the fake down with it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.lock())
    }

    pub fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        out
    }
}

// ---- a listener whose connections a handler can cut ----

/// Per-connection info: the peer and a switch that makes the connection fail on its next I/O,
/// so the response is never sent (the "lost response" of chaos tests).
#[derive(Clone, Debug)]
pub(crate) struct ConnAddr {
    // The peer, kept for debugging sessions (`{:?}` of a connection); nothing reads it.
    #[allow(dead_code)]
    remote: SocketAddr,
    kill: Arc<AtomicBool>,
}

pub(crate) struct KillableListener(TcpListener);

pub(crate) struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "fake: response dropped")
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let kill = Arc::new(AtomicBool::new(false));
                    return (
                        KillableStream {
                            inner: stream,
                            kill: kill.clone(),
                        },
                        ConnAddr { remote, kill },
                    );
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnAddr {
            remote: self.0.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnAddr {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// Binds and serves; returns the bound address, the shutdown trigger and the server task.
pub(crate) async fn serve(
    addr: SocketAddr,
    shared: Arc<Shared>,
) -> io::Result<(SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = router(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(
            KillableListener(listener),
            app.into_make_service_with_connect_info::<ConnAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        let _ = server.await;
    });
    tokio::spawn(deliver_webhooks(shared));
    Ok((local, tx, task))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_fake/client/text", post(ctl_client_text))
        .route("/_fake/staff/text", post(ctl_staff_text))
        .route("/_fake/press", post(ctl_press))
        .route("/_fake/raw", post(ctl_raw))
        .route("/_fake/block", post(ctl_block))
        .route("/_fake/limits", post(ctl_limits))
        .route("/_fake/messages", get(ctl_messages))
        .route("/_fake/topics", get(ctl_topics))
        .route("/_fake/calls", get(ctl_calls))
        .route("/_fake/stats", get(ctl_stats))
        .route("/_fake/files", get(ctl_files))
        .route("/_fake/files/{file_id}", get(ctl_file))
        .route("/file/{bot}/{*path}", get(download))
        .route("/{bot}/{method}", any(api))
        .fallback(not_found)
        // Uploads up to Telegram's 50 MB (answered 413 above that, in the envelope).
        .layer(DefaultBodyLimit::max(methods::MAX_UPLOAD + 4 * 1024 * 1024))
        .with_state(shared)
}

// ---- the Bot API ----

fn envelope(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, &json!({"ok": true, "result": v})),
        Err(e) => json_response(
            StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST),
            &e.to_json(),
        ),
    }
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n";

/// Percent-decoding of `application/x-www-form-urlencoded` text.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_urlencoded(s: &str, into: &mut Map<String, Value>) {
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        into.insert(url_decode(k), Value::String(url_decode(v)));
    }
}

/// Query string and body (JSON, form or multipart) merged; the body wins. A multipart part
/// with a `filename` is a file; other parts are plain values.
fn parse_params(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Result<Params, ApiError> {
    let mut p = Params::default();
    if let Some(q) = uri.query() {
        parse_urlencoded(q, &mut p.values);
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lower = ctype.to_ascii_lowercase();
    if lower.starts_with("multipart/form-data") {
        let parts = crate::upload::parse_multipart(ctype, body)
            .map_err(|e| ApiError::bad(format!("can't parse multipart/form-data: {e}")))?;
        for part in parts {
            if part.file_name.is_some() {
                p.files.insert(
                    part.name,
                    Upload {
                        file_name: part.file_name,
                        content_type: part.content_type,
                        bytes: part.data,
                    },
                );
            } else {
                let value = String::from_utf8_lossy(&part.data).into_owned();
                p.values.insert(part.name, Value::String(value));
            }
        }
        return Ok(p);
    }
    let text = std::str::from_utf8(body).map_err(|_| ApiError::bad("request body is not UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(p);
    }
    if lower.starts_with("application/x-www-form-urlencoded") {
        parse_urlencoded(text, &mut p.values);
    } else {
        // JSON (frankenstein always sends application/json).
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => p.values.extend(o),
            _ => return Err(ApiError::bad("can't parse JSON object")),
        }
    }
    Ok(p)
}

/// How the HTTP answer is shaped once the work is done (or refused).
enum Answer {
    Envelope(Result<Value, ApiError>),
    BadGatewayHtml,
    Truncated(Value),
    Drop,
}

fn answer(a: Answer, conn: &ConnAddr) -> Response {
    match a {
        Answer::Envelope(r) => envelope(r),
        Answer::BadGatewayHtml => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            BAD_GATEWAY_HTML,
        )
            .into_response(),
        Answer::Truncated(v) => {
            let body = json!({"ok": true, "result": v}).to_string();
            let cut = body.len() / 2;
            let cut = (0..=cut)
                .rev()
                .find(|i| body.is_char_boundary(*i))
                .unwrap_or(0);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body[..cut].to_owned(),
            )
                .into_response()
        }
        Answer::Drop => {
            // The next write on this connection fails: no status line ever reaches the client.
            conn.kill.store(true, Ordering::SeqCst);
            (StatusCode::OK, Body::empty()).into_response()
        }
    }
}

fn failure_answer(f: &Failure) -> Answer {
    match f {
        Failure::Api {
            code,
            description,
            retry_after,
        } => Answer::Envelope(Err(ApiError {
            code: *code,
            description: description.clone(),
            retry_after: *retry_after,
        })),
        Failure::InternalServerError => {
            Answer::Envelope(Err(ApiError::new(500, "Internal Server Error")))
        }
        Failure::BadGatewayHtml => Answer::BadGatewayHtml,
        // Only reached for getUpdates' pre-check; performing kinds are applied after the work.
        Failure::TruncatedJson | Failure::DropResponse => {
            Answer::Envelope(Err(ApiError::new(500, "Internal Server Error")))
        }
    }
}

fn take_failure(s: &mut State, method: &str) -> Option<Failure> {
    if let Some(f) = s
        .one_shots
        .get_mut(method)
        .and_then(std::collections::VecDeque::pop_front)
    {
        return Some(f);
    }
    if s.knobs.faults.applies_to(method) {
        let faults = s.knobs.faults.clone();
        return faults.draw(&mut s.rng);
    }
    None
}

fn record<'s>(
    s: &'s mut State,
    method: &str,
    p: &Params,
    at: Duration,
    result: &Result<Value, ApiError>,
    fault: Option<&Failure>,
) -> &'s mut CallRecord {
    let (chat_id, thread_id, _) = methods::target(method, p);
    let seq = s.calls.len() as u64 + 1;
    let (ok, error_code, description) = match (result, fault) {
        (_, Some(f)) if !f.performs() => {
            let code = match f {
                Failure::Api { code, .. } => *code,
                Failure::BadGatewayHtml => 502,
                _ => 500,
            };
            let desc = match f {
                Failure::Api { description, .. } => description.clone(),
                Failure::BadGatewayHtml => "Bad Gateway (HTML)".into(),
                _ => "Internal Server Error".into(),
            };
            (false, Some(code), Some(desc))
        }
        (Ok(_), _) => (true, None, None),
        (Err(e), _) => (false, Some(e.code), Some(e.description.clone())),
    };
    s.calls.push(CallRecord {
        seq,
        method: method.to_owned(),
        chat_id,
        thread_id,
        at,
        ok,
        error_code,
        description,
        fault: fault.map(Failure::label),
        violation: false,
        message_ids: Vec::new(),
    });
    let last = s.calls.len() - 1;
    &mut s.calls[last]
}

/// One non-getUpdates call, under the lock: faults, limits, the work, the log.
fn perform(s: &mut State, method: &str, p: &Params) -> Answer {
    let at = s.elapsed();
    let now = Instant::now();
    let (chat, _, n) = methods::target(method, p);
    let fault = take_failure(s, method);
    if let Some(f) = &fault
        && !f.performs()
    {
        if let Failure::Api {
            code: 429,
            retry_after: Some(r),
            ..
        } = f
        {
            s.rate
                .penalize(chat, now + Duration::from_secs(u64::from(*r)));
        }
        record(s, method, p, at, &Err(ApiError::new(0, "")), Some(f));
        return failure_answer(f);
    }
    if SEND_METHODS.contains(&method) {
        let private = chat.is_some_and(|c| s.is_private(c));
        let limits = s.knobs.limits;
        if let Verdict::Limited {
            retry_after,
            violation,
        } = s.rate.check(&limits, chat, private, n, now)
        {
            s.rate_limited += 1;
            if violation {
                s.violations += 1;
            }
            let err = Err(ApiError::too_many(retry_after));
            record(s, method, p, at, &err, None).violation = violation;
            return Answer::Envelope(err);
        }
    }
    let (result, created) = methods::dispatch(s, method, p);
    record(s, method, p, at, &result, fault.as_ref()).message_ids = created;
    match (fault, result) {
        (Some(Failure::TruncatedJson), Ok(v)) => Answer::Truncated(v),
        (Some(Failure::DropResponse), _) => Answer::Drop,
        (_, r) => Answer::Envelope(r),
    }
}

async fn api(
    AxState(sh): AxState<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnAddr>,
    Path((bot, method)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !bot.starts_with("bot") {
        // Not an API path (e.g. an unknown `/_fake/…` route): not a call.
        return envelope(Err(ApiError::new(404, "Not Found")));
    }
    let parsed = parse_params(&uri, &headers, &body);
    if bot.strip_prefix("bot") != Some(sh.token.as_str()) {
        return refuse(&sh, &method, parsed, ApiError::new(401, "Unauthorized"));
    }
    let Some(method) = methods::canonical(&method) else {
        return refuse(&sh, &method, parsed, ApiError::new(404, "Not Found"));
    };
    let params = match parsed {
        Ok(p) => p,
        Err(e) => return refuse(&sh, method, Ok(Params::default()), e),
    };
    let delay = sh.read(|s| s.knobs.delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if method == "getUpdates" {
        return answer(get_updates(&sh, &params).await, &conn);
    }
    let a = sh.write(|s| perform(s, method, &params));
    answer(a, &conn)
}

/// Answers a call refused before any work (wrong token, unknown method, unreadable body), and
/// logs it like any other call.
fn refuse(sh: &Shared, method: &str, params: Result<Params, ApiError>, err: ApiError) -> Response {
    let params = params.unwrap_or_default();
    let result = Err(err);
    sh.write(|s| {
        let at = s.elapsed();
        record(s, method, &params, at, &result, None);
    });
    envelope(result)
}

/// Paths that match no route. One shaped like an API call (`/bot<token>/<method>/…`) is logged
/// as a call of that method; anything else is just 404.
async fn not_found(AxState(sh): AxState<Arc<Shared>>, uri: Uri) -> Response {
    let mut segments = uri.path().trim_start_matches('/').splitn(2, '/');
    let first = segments.next().unwrap_or_default();
    let rest = segments.next().unwrap_or_default();
    let err = ApiError::new(404, "Not Found");
    if first.starts_with("bot") {
        return refuse(&sh, rest, Ok(Params::default()), err);
    }
    envelope(Err(err))
}

/// `GET /file/bot<token>/<file_path>`: an uploaded file's bytes, as Telegram serves downloads.
/// Files of injected messages have no bytes (404).
async fn download(
    AxState(sh): AxState<Arc<Shared>>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    if bot.strip_prefix("bot") != Some(sh.token.as_str()) {
        return envelope(Err(ApiError::new(401, "Unauthorized")));
    }
    let file = sh.read(|s| {
        s.files
            .values()
            .find(|f| f.file_path == path)
            .and_then(|f| Some((f.bytes.clone()?, f.mime_type.clone())))
    });
    match file {
        Some((bytes, mime)) => file_response(&bytes, mime.as_deref()),
        None => envelope(Err(ApiError::new(404, "Not Found"))),
    }
}

fn file_response(bytes: &[u8], mime: Option<&str>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            mime.unwrap_or("application/octet-stream").to_owned(),
        )],
        bytes.to_vec(),
    )
        .into_response()
}

const WEBHOOK_CONFLICT: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const POLL_CONFLICT: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

/// Confirms by `offset`, then returns what is there, or waits up to `timeout` seconds for it.
/// A newer getUpdates ends a waiting one with 409, as Telegram does.
async fn get_updates(sh: &Arc<Shared>, p: &Params) -> Answer {
    const METHOD: &str = "getUpdates";
    let started = Instant::now();
    let parsed = (|| -> Result<_, ApiError> {
        let offset = p.int("offset")?;
        let limit = p.int("limit")?.unwrap_or(100).clamp(1, 100) as usize;
        let timeout = p.int("timeout")?.unwrap_or(0).clamp(0, 3600) as u64;
        let allowed = methods::allowed_list(p)?;
        Ok((offset, limit, timeout, allowed))
    })();
    let (offset, limit, timeout, allowed) = match parsed {
        Ok(v) => v,
        Err(e) => {
            let r = Err(e);
            sh.write(|s| {
                let at = s.elapsed();
                record(s, METHOD, p, at, &r, None);
            });
            return Answer::Envelope(r);
        }
    };
    let start = sh.write(|s| {
        let at = s.elapsed();
        let fault = take_failure(s, METHOD);
        if let Some(f) = &fault
            && !f.performs()
        {
            record(s, METHOD, p, at, &Err(ApiError::new(0, "")), Some(f));
            return Err(failure_answer(f));
        }
        if s.webhook.is_some() {
            let r = Err(ApiError::new(409, WEBHOOK_CONFLICT));
            record(s, METHOD, p, at, &r, None);
            return Err(Answer::Envelope(r));
        }
        s.poll_generation += 1;
        if let Some(a) = allowed {
            s.allowed_updates = Some(a);
        }
        match offset {
            Some(o) if o < 0 => {
                let keep = usize::try_from(o.unsigned_abs()).unwrap_or(usize::MAX);
                while s.updates.len() > keep {
                    s.updates.pop_front();
                }
            }
            Some(o) => {
                while s.updates.front().is_some_and(|u| u.id < o) {
                    let done = s.updates.pop_front().expect("a front");
                    s.confirmed.push_back(done);
                    if s.confirmed.len() > crate::state::CONFIRMED_KEPT {
                        s.confirmed.pop_front();
                    }
                }
                s.updates.retain(|u| u.id >= o);
            }
            None => {}
        }
        Ok((s.poll_generation, at, fault))
    });
    let (generation, at, fault) = match start {
        Ok(v) => v,
        Err(a) => return a,
    };
    let deadline = started + Duration::from_secs(timeout);
    let mut rx = sh.changed.subscribe();
    let result = loop {
        rx.borrow_and_update();
        let batch = sh.read(|s| {
            if s.poll_generation != generation {
                return Err(ApiError::new(409, POLL_CONFLICT));
            }
            let batch: Vec<Value> = s
                .updates
                .iter()
                .take(limit)
                .map(|u| u.json.clone())
                .collect();
            Ok((batch, s.stopping))
        });
        match batch {
            Err(e) => break Err(e),
            Ok((b, stopping)) if !b.is_empty() || stopping => break Ok(b),
            Ok(_) => {}
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            break Ok(Vec::new());
        }
    };
    let result = result.map(Value::Array);
    sh.write(|s| {
        record(s, METHOD, p, at, &result, fault.as_ref());
        // For benchmarks: when each update was first handed out (see `State::served_at`).
        if let Ok(Value::Array(batch)) = &result {
            let now = s.elapsed();
            for id in batch.iter().filter_map(|u| u["update_id"].as_i64()) {
                s.served.entry(id).or_insert(now);
                *s.served_times.entry(id).or_insert(0) += 1;
            }
        }
    });
    match (fault, result) {
        (Some(Failure::TruncatedJson), Ok(v)) => Answer::Truncated(v),
        (Some(Failure::DropResponse), _) => Answer::Drop,
        (_, r) => Answer::Envelope(r),
    }
}

/// Sends queued updates to the webhook one at a time, with the secret header; a non-2xx answer
/// or a network error is retried with backoff (Telegram retries too), recording the error.
async fn deliver_webhooks(sh: Arc<Shared>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(_) => return,
    };
    let mut rx = sh.changed.subscribe();
    let mut backoff = Duration::from_millis(100);
    loop {
        rx.borrow_and_update();
        let next = sh.read(|s| {
            if s.stopping {
                return Err(());
            }
            let Some(w) = &s.webhook else { return Ok(None) };
            Ok(s.updates
                .front()
                .map(|u| (u.id, u.json.clone(), w.url.clone(), w.secret_token.clone())))
        });
        let Ok(next) = next else { return };
        let Some((id, json, url, secret)) = next else {
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        };
        let mut req = client.post(&url).json(&json);
        if let Some(t) = &secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", t);
        }
        let outcome = match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("Wrong response from the webhook: {}", r.status())),
            Err(e) => Err(format!("Connection failed: {}", e.without_url())),
        };
        match outcome {
            Ok(()) => {
                backoff = Duration::from_millis(100);
                sh.write(|s| s.updates.retain(|u| u.id != id));
            }
            Err(msg) => {
                sh.write(|s| {
                    if let Some(w) = &mut s.webhook {
                        w.last_error = Some((unix_now(), msg));
                    }
                });
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

// ---- the control API (/_fake/…) ----

#[derive(Deserialize)]
struct PersonBody {
    user_id: u64,
    first_name: Option<String>,
    username: Option<String>,
}

impl PersonBody {
    fn user(&self, default_name: &str) -> TgUser {
        let mut u = TgUser::new(
            self.user_id,
            self.first_name
                .clone()
                .unwrap_or_else(|| default_name.to_owned()),
        );
        u.username.clone_from(&self.username);
        u
    }
}

#[derive(Deserialize)]
struct TextBody {
    #[serde(flatten)]
    person: PersonBody,
    text: String,
    thread_id: Option<i32>,
    reply_to: Option<i32>,
}

fn ctl(result: Result<impl serde::Serialize, String>) -> Response {
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": e}))).into_response(),
    }
}

async fn ctl_client_text(
    AxState(sh): AxState<Arc<Shared>>,
    axum::Json(b): axum::Json<TextBody>,
) -> Response {
    let user = b.person.user("Client");
    ctl(sh.write(|s| s.inject_private(&user, &NewContent::Text(b.text), b.reply_to, None)))
}

async fn ctl_staff_text(
    AxState(sh): AxState<Arc<Shared>>,
    axum::Json(b): axum::Json<TextBody>,
) -> Response {
    let user = b.person.user("Staff");
    ctl(sh.write(|s| s.inject_group(&user, b.thread_id, &NewContent::Text(b.text), b.reply_to)))
}

#[derive(Deserialize)]
struct PressBody {
    #[serde(flatten)]
    person: PersonBody,
    chat_id: i64,
    message_id: i32,
    data: String,
}

async fn ctl_press(
    AxState(sh): AxState<Arc<Shared>>,
    axum::Json(b): axum::Json<PressBody>,
) -> Response {
    let user = b.person.user("Staff");
    ctl(sh.write(|s| s.inject_callback(&user, b.chat_id, b.message_id, &b.data)))
}

async fn ctl_raw(AxState(sh): AxState<Arc<Shared>>, axum::Json(v): axum::Json<Value>) -> Response {
    ctl(Ok::<_, String>(
        json!({"update_id": sh.write(|s| s.inject_raw(v))}),
    ))
}

#[derive(Deserialize)]
struct BlockBody {
    user_id: u64,
    blocked: bool,
}

async fn ctl_block(
    AxState(sh): AxState<Arc<Shared>>,
    axum::Json(b): axum::Json<BlockBody>,
) -> Response {
    ctl(Ok::<_, String>(
        json!({"update_id": sh.write(|s| s.set_blocked(b.user_id, b.blocked))}),
    ))
}

#[derive(Deserialize)]
struct LimitsBody {
    global_per_sec: Option<u32>,
    private_per_sec: Option<u32>,
    group_per_min: Option<u32>,
}

async fn ctl_limits(
    AxState(sh): AxState<Arc<Shared>>,
    axum::Json(b): axum::Json<LimitsBody>,
) -> Response {
    let limits = crate::limits::EnforcedLimits {
        global_per_sec: b.global_per_sec,
        private_per_sec: b.private_per_sec,
        group_per_min: b.group_per_min,
    };
    sh.write(|s| s.knobs.limits = limits);
    ctl(Ok::<_, String>(json!(true)))
}

#[derive(Deserialize)]
struct MessagesQuery {
    chat_id: Option<i64>,
    /// A topic id, or `general`.
    thread_id: Option<String>,
}

async fn ctl_messages(
    AxState(sh): AxState<Arc<Shared>>,
    Query(q): Query<MessagesQuery>,
) -> Response {
    let list = sh.read(|s| {
        let chat = q.chat_id.unwrap_or(s.group_id);
        let thread = match q.thread_id.as_deref() {
            None => None,
            Some("general") => Some(None),
            Some(t) => Some(t.parse::<i32>().ok()),
        };
        s.messages(chat)
            .into_iter()
            .filter(|m| thread.is_none_or(|t| m.thread_id == t))
            .cloned()
            .collect::<Vec<_>>()
    });
    ctl(Ok::<_, String>(list))
}

async fn ctl_topics(AxState(sh): AxState<Arc<Shared>>) -> Response {
    ctl(Ok::<_, String>(sh.read(|s| {
        s.topics().into_iter().cloned().collect::<Vec<_>>()
    })))
}

async fn ctl_calls(AxState(sh): AxState<Arc<Shared>>) -> Response {
    ctl(Ok::<_, String>(sh.read(|s| s.calls().to_vec())))
}

/// Every known file's metadata (uploads and the files of injected messages).
async fn ctl_files(AxState(sh): AxState<Arc<Shared>>) -> Response {
    ctl(Ok::<_, String>(sh.read(|s| {
        s.files().into_iter().cloned().collect::<Vec<_>>()
    })))
}

/// An uploaded file's bytes by `file_id` (any size of an uploaded photo serves the upload).
async fn ctl_file(AxState(sh): AxState<Arc<Shared>>, Path(file_id): Path<String>) -> Response {
    let file = sh.read(|s| {
        s.file(&file_id)
            .map(|f| (f.bytes.clone(), f.mime_type.clone()))
    });
    match file {
        Some((Some(bytes), mime)) => file_response(&bytes, mime.as_deref()),
        Some((None, _)) => ctl(Err::<(), _>(format!(
            "file {file_id} belongs to an injected message: it has no bytes"
        ))),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": format!("no file {file_id}")})),
        )
            .into_response(),
    }
}

async fn ctl_stats(AxState(sh): AxState<Arc<Shared>>) -> Response {
    ctl(Ok::<_, String>(sh.read(|s| {
        json!({
            "calls": s.calls.len(),
            "failed_calls": s.calls.iter().filter(|c| !c.ok).count(),
            "rate_limited": s.rate_limited,
            "violations": s.violations,
            "pending_updates": s.updates.len(),
            "topics": s.topics.len(),
            "messages": s.chats.values().map(|c| c.messages.len()).sum::<usize>(),
            "group_messages": s.messages(s.group_id).len(),
        })
    })))
}
