//! The bot's HTTP listener on `LISTEN_ADDR`: `GET /healthz` in every mode and, in webhook mode,
//! the endpoint Telegram posts updates to.
//!
//! A webhook update is answered 200 only once it is stored in the inbox: Telegram retries
//! anything else, so a crash or a database outage never loses it. A missing or wrong
//! `X-Telegram-Bot-Api-Secret-Token` is refused with 401 before the body is read, and a body
//! over [`MAX_UPDATE_BYTES`] with 413.
//!
//! The listener may face the internet (webhook mode), so no client can hold it: the request
//! head must arrive within [`ListenerLimits::header_timeout`] (also what an idle kept-alive
//! connection gets), a whole request is cut off with 408 after
//! [`ListenerLimits::request_timeout`], and connections beyond
//! [`ListenerLimits::max_connections`] are closed as soon as they are accepted.

use adapters_telegram::RawUpdate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use domain::ids::UpdateId;
use domain::ports::{Inbox, InboxEntry, Outbox};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The header Telegram puts the webhook's `secret_token` in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The largest webhook body taken. An update is a few kilobytes (a 4,096-character text with
/// its entities stays far below 100 KB); the cap only stops a caller from making the bot buffer
/// whatever it sends.
pub const MAX_UPDATE_BYTES: usize = 1024 * 1024;

/// What the listener allows its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// How long a client may take to send a request's head (line and headers), and how long a
    /// kept-alive connection may sit idle before its next request.
    pub header_timeout: Duration,
    /// How long one request may take from its head to the answer, reading the body included;
    /// past it the answer is 408.
    pub request_timeout: Duration,
    /// How many connections may be open at once; more are closed at once.
    pub max_connections: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        Self {
            // Telegram and a health probe send their whole request at once: seconds are
            // plenty, and a slow-drip client is let go soon.
            header_timeout: Duration::from_secs(10),
            // Storing an update may wait for the database (its acquire timeout is 15 s).
            request_timeout: Duration::from_secs(30),
            // Telegram opens at most 100 (40 by default) webhook connections.
            max_connections: 256,
        }
    }
}

/// What the loops report for `/healthz`.
#[derive(Debug, Default)]
pub struct Vitals {
    // Unix milliseconds; 0 = none yet. Atomics: written on every update, read rarely.
    last_update_ms: AtomicI64,
}

impl Vitals {
    /// An update arrived now.
    pub fn update_received(&self) {
        self.last_update_ms
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// When the last update arrived.
    pub fn last_update(&self) -> Option<DateTime<Utc>> {
        match self.last_update_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => DateTime::from_timestamp_millis(ms),
        }
    }
}

/// The webhook endpoint, when the bot runs in webhook mode.
#[derive(Clone)]
pub struct Webhook {
    /// The path of `WEBHOOK_URL` (a reverse proxy passes it through).
    pub path: String,
    /// `WEBHOOK_SECRET`.
    pub secret: String,
}

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    /// Where webhook updates go.
    pub inbox: Arc<dyn Inbox>,
    /// For the queue depth (and, by answering, the database's health).
    pub outbox: Arc<dyn Outbox>,
    /// Last update time.
    pub vitals: Arc<Vitals>,
    /// Wakes the handler loop when a webhook update was stored.
    pub wake_handler: Arc<Notify>,
    /// `"polling"` or `"webhook"`.
    pub mode: &'static str,
    /// The webhook's secret, when in webhook mode.
    pub secret: Option<String>,
}

/// The routes: `/healthz`, and the webhook path when given.
pub fn router(state: HttpState, webhook: Option<&Webhook>) -> Router {
    let mut router = Router::new().route("/healthz", get(healthz));
    if let Some(w) = webhook {
        // The last layer is the outermost: the secret is checked before the body limit, and
        // both before the handler reads the body.
        let endpoint = post(receive_update)
            .layer(RequestBodyLimitLayer::new(MAX_UPDATE_BYTES))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                require_secret,
            ));
        router = router.route(&w.path, endpoint);
    }
    router.with_state(state)
}

/// The path part of `WEBHOOK_URL` (`/` when it has none).
pub fn webhook_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("/", |i| &after_scheme[i..])
        .split(['?', '#'])
        .next()
        .unwrap_or("/");
    if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    }
}

/// Serves `router` on `listener` within `limits` until `stop` fires; then lets requests in
/// flight finish (for at most the request timeout).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ListenerLimits,
    mut stop: watch::Receiver<bool>,
) {
    let app = router.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    // A flood of refusals must not flood the log too: one warning a minute at most, with the
    // count since the last.
    let mut refused = 0u64;
    let mut last_warning: Option<tokio::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: accepting again at once would spin.
                tracing::warn!(error = %e, "the HTTP listener cannot accept a connection");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => continue,
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            refused += 1;
            if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    limit = limits.max_connections,
                    refused,
                    "too many connections to the HTTP listener; closing new ones"
                );
                last_warning = Some(tokio::time::Instant::now());
                refused = 0;
            }
            continue;
        };
        let conn =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A header timeout or a client gone away: nothing to act on.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.request_timeout) => {
            tracing::debug!("HTTP connections still open at shutdown are dropped");
        }
    }
}

async fn healthz(State(state): State<HttpState>) -> Response {
    let last_update = state.vitals.last_update().map(|t| t.to_rfc3339());
    match state.outbox.depth().await {
        Ok(depth) => Json(json!({
            "status": "ok",
            "mode": state.mode,
            "database": "ok",
            "outbox_depth": depth,
            "last_update_at": last_update,
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "unavailable",
                    "mode": state.mode,
                    "database": "unavailable",
                    "last_update_at": last_update,
                })),
            )
                .into_response()
        }
    }
}

/// Compares without an early exit, so the answer time tells nothing about the secret.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Refuses a webhook call without the right secret before anything reads its body: a stranger
/// cannot make the bot take in (or wait for) what it sends.
async fn require_secret(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let Some(secret) = state.secret.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = request
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, secret.as_bytes()) {
        tracing::warn!("webhook call with a missing or wrong secret token refused");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(request).await
}

async fn receive_update(State(state): State<HttpState>, body: Bytes) -> StatusCode {
    let Some(update) = serde_json::from_slice::<Value>(&body)
        .ok()
        .as_ref()
        .and_then(RawUpdate::from_value)
    else {
        // Telegram never sends this; retrying would not help either.
        tracing::warn!(bytes = body.len(), "webhook body is not an update; dropped");
        return StatusCode::BAD_REQUEST;
    };
    state.vitals.update_received();
    // Webhook mode has no offset of its own: keep whatever polling left.
    let offset = match state.inbox.offset().await {
        Ok(o) => o.unwrap_or(0),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the inbox; Telegram will retry");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    let entry = InboxEntry {
        update: UpdateId(update.update_id),
        chat: update.chat_id,
        payload: update.json,
    };
    match state.inbox.store_batch(vec![entry], offset).await {
        Ok(_) => {
            state.wake_handler.notify_one();
            StatusCode::OK
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot store a webhook update; Telegram will retry");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_path_is_taken_from_the_url() {
        for (url, path) in [
            ("https://bot.example.com/tg/hook", "/tg/hook"),
            ("https://bot.example.com/tg/hook?x=1", "/tg/hook"),
            ("https://bot.example.com", "/"),
            ("https://bot.example.com/", "/"),
            ("http://127.0.0.1:8443/webhook", "/webhook"),
        ] {
            assert_eq!(webhook_path(url), path, "{url}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
        assert!(!same_secret(b"", b"abc"));
    }
}
