//! The bot's HTTP listener on `LISTEN_ADDR`: `GET /healthz` in every mode and, in webhook mode,
//! the endpoint Telegram posts updates to (SPEC §8, §10).
//!
//! A webhook update is answered 200 only once it is stored in the inbox: Telegram retries
//! anything else, so a crash or a database outage never loses it. A missing or wrong
//! `X-Telegram-Bot-Api-Secret-Token` is refused with 401 before anything is read or stored.

use adapters_telegram::RawUpdate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use domain::ids::UpdateId;
use domain::ports::{Inbox, InboxEntry, Outbox};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// The header Telegram puts the webhook's `secret_token` in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

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
        router = router.route(&w.path, post(receive_update));
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

/// Serves `router` on `listener` until `stop` fires.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(error = %e, "the HTTP listener failed");
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

async fn receive_update(
    State(state): State<HttpState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(secret) = state.secret.as_deref() else {
        return StatusCode::NOT_FOUND;
    };
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, secret.as_bytes()) {
        tracing::warn!("webhook call with a missing or wrong secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
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
