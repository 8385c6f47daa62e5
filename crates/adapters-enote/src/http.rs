//! One GET to Enote: timeout, retries, and what each status means.
//!
//! # Status policy
//! | answer | outcome | retried |
//! |---|---|---|
//! | 2xx | the body | — |
//! | 401, 403 | `Unauthorized` | no |
//! | 400 or 5xx **with** a readable `odata.error` document | `OData` (1C rejected the query) | no |
//! | 5xx without it (HTML proxy page, empty body, …) | `Unavailable` | yes |
//! | timeout, connection failure | `Unavailable` | yes |
//! | 408, 429 | `Unavailable` | no (4xx) |
//! | other 3xx/4xx (404: wrong URL; redirects are not followed) | `BadResponse` | no |
//! | 2xx larger than [`MAX_BODY_BYTES`] | `TooLarge` | no |
//!
//! 1C answers 500 for a query it dislikes (a quoted literal against a numeric field); that is
//! deterministic, so retrying would only triple the wait before the caller's fallback.
//!
//! Bodies are read chunk by chunk up to a cap and never beyond, so a misbehaving Enote (or
//! something posing as it) cannot make the bot hold more than the cap in memory per call.

use crate::error::{EnoteError, Secrets, truncate};
use percent_encoding::percent_decode_str;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use std::time::Duration;

/// How much of an unexpected body goes into logs and error texts.
pub(crate) const FRAGMENT_LEN: usize = 300;

/// The largest answer read. A card list or a client is a few kilobytes; megabytes mean a
/// filter was ignored or the URL points at something else, and the lookup cannot use them.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How much of a refusal (non-2xx) is read: 1C's error document and a log fragment fit.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// How a request proves who we are.
pub(crate) enum Auth<'a> {
    /// OData: HTTP basic auth.
    Basic { user: &'a str, pass: &'a str },
    /// hs/api/v2: the `apikey` header (built once, marked sensitive).
    ApiKey(&'a HeaderValue),
}

/// The shared HTTP client with the retry policy.
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) secrets: Secrets,
}

/// The outcome of one attempt.
enum Attempt {
    Done(Result<Vec<u8>, EnoteError>),
    /// Worth another try; the text says why.
    Retry(String),
}

impl Http {
    /// GETs `url`, retrying timeouts, connection failures and 5xx (see the module docs).
    pub(crate) async fn get(&self, url: &Url, auth: &Auth<'_>) -> Result<Vec<u8>, EnoteError> {
        let endpoint = endpoint(url);
        let mut retries = 0;
        loop {
            match self.attempt(url, auth, &endpoint).await {
                Attempt::Done(result) => return result.map_err(|e| e.scrubbed(&self.secrets)),
                Attempt::Retry(reason) if retries < self.max_retries => {
                    retries += 1;
                    tracing::warn!(%endpoint, %reason, retry = retries, "Enote request failed; retrying");
                    tokio::time::sleep(self.backoff * retries).await;
                }
                Attempt::Retry(reason) => {
                    let attempts = retries + 1;
                    let err = EnoteError::Unavailable {
                        endpoint,
                        reason: format!("{reason} ({attempts} attempts)"),
                    };
                    return Err(err.scrubbed(&self.secrets));
                }
            }
        }
    }

    async fn attempt(&self, url: &Url, auth: &Auth<'_>, endpoint: &str) -> Attempt {
        let mut request = self
            .client
            .get(url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        request = match auth {
            // reqwest marks the Authorization header sensitive.
            Auth::Basic { user, pass } => request.basic_auth(user, Some(pass)),
            Auth::ApiKey(key) => request.header("apikey", (*key).clone()),
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(e, endpoint),
        };
        let status = response.status();
        let cap = if status.is_success() {
            MAX_BODY_BYTES
        } else {
            MAX_ERROR_BODY_BYTES
        };
        let body = match read_capped(response, cap).await {
            Ok(Capped::Whole(body)) => body,
            // The head of a refusal is enough to tell what it is.
            Ok(Capped::Cut(head)) if !status.is_success() => head,
            Ok(Capped::Cut(_)) => {
                tracing::warn!(%endpoint, limit = cap, "Enote answered more than the bot reads");
                return Attempt::Done(Err(EnoteError::TooLarge {
                    endpoint: endpoint.to_owned(),
                    limit: cap,
                }));
            }
            Err(e) => return self.transport_failure(e, endpoint),
        };
        classify(status, body, endpoint, &self.secrets)
    }

    fn transport_failure(&self, e: reqwest::Error, endpoint: &str) -> Attempt {
        if e.is_timeout() {
            return Attempt::Retry(format!("no answer within {:?}", self.timeout));
        }
        let connect = e.is_connect();
        let text = error_chain(e);
        if connect {
            Attempt::Retry(format!("cannot connect: {text}"))
        } else {
            Attempt::Done(Err(EnoteError::Unavailable {
                endpoint: endpoint.to_owned(),
                reason: format!("request failed: {text}"),
            }))
        }
    }
}

/// A body read up to a cap.
#[derive(Debug, PartialEq, Eq)]
enum Capped {
    /// All of it.
    Whole(Vec<u8>),
    /// There was more (by its `Content-Length`, or as it came); this is what was read before
    /// stopping, possibly nothing. The rest stays unread: the connection is dropped.
    Cut(Vec<u8>),
}

/// Reads at most `cap` bytes of `response`'s body, chunk by chunk.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> reqwest::Result<Capped> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Ok(Capped::Cut(Vec::new()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok(Capped::Cut(body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Capped::Whole(body))
}

fn classify(status: StatusCode, body: Vec<u8>, endpoint: &str, secrets: &Secrets) -> Attempt {
    if status.is_success() {
        return Attempt::Done(Ok(body));
    }
    let endpoint = endpoint.to_owned();
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return Attempt::Done(Err(EnoteError::Unauthorized {
            endpoint,
            status: status.as_u16(),
        }));
    }
    if (status == StatusCode::BAD_REQUEST || status.is_server_error())
        && let Some(err) = odata_error(&body)
    {
        tracing::warn!(%endpoint, status = status.as_u16(), code = %err.code, message = %secrets.scrub(&err.message), "1C OData error");
        return Attempt::Done(Err(EnoteError::OData {
            endpoint,
            status: status.as_u16(),
            code: err.code,
            message: err.message,
        }));
    }
    let fragment = secrets.scrub(&truncate(&String::from_utf8_lossy(&body), FRAGMENT_LEN));
    let line = format!(
        "HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let line = line.trim_end().to_owned();
    if status.is_server_error() {
        tracing::warn!(%endpoint, %fragment, "Enote answered {line}");
        return Attempt::Retry(line);
    }
    tracing::warn!(%endpoint, %fragment, "Enote answered {line}");
    if matches!(
        status,
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
    ) {
        return Attempt::Done(Err(EnoteError::Unavailable {
            endpoint,
            reason: line,
        }));
    }
    let hint = if status.is_redirection() {
        " (redirects are not followed: set the final address in ENOTE_ODATA_URL / ENOTE_API_URL)"
    } else if status == StatusCode::NOT_FOUND {
        " (check ENOTE_ODATA_URL / ENOTE_API_URL)"
    } else {
        ""
    };
    Attempt::Done(Err(EnoteError::BadResponse {
        endpoint,
        reason: format!("{line}{hint}"),
    }))
}

/// 1C's error document: `{"odata.error":{"code":"-1","message":{"lang":"ru","value":"…"}}}`.
struct ODataError {
    code: String,
    message: String,
}

fn odata_error(body: &[u8]) -> Option<ODataError> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(rename = "odata.error")]
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(default)]
        code: serde_json::Value,
        #[serde(default)]
        message: serde_json::Value,
    }
    let doc: Doc = serde_json::from_slice(body).ok()?;
    let code = match doc.error.code {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let message = match &doc.error.message {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => m
            .get("value")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    Some(ODataError {
        code,
        message: truncate(&message, FRAGMENT_LEN),
    })
}

/// `GET https://host/base/odata/standard.odata/Catalog_Карточки`: what we called, readable,
/// without the query (contract numbers, ids) or any user info.
pub(crate) fn endpoint(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = percent_decode_str(url.path()).decode_utf8_lossy();
    format!("GET {}://{host}{port}{path}", url.scheme())
}

/// The error and its causes, one line, without the URL reqwest attaches.
fn error_chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ports::DirectoryError;

    fn done_err(a: Attempt) -> EnoteError {
        match a {
            Attempt::Done(Err(e)) => e,
            Attempt::Done(Ok(_)) => panic!("expected an error, got a body"),
            Attempt::Retry(r) => panic!("expected a final error, got a retry: {r}"),
        }
    }

    #[test]
    fn odata_error_document_is_not_retried() {
        let body = include_bytes!("../fixtures/odata-error-500.json").to_vec();
        for status in [400, 500] {
            let e = done_err(classify(
                StatusCode::from_u16(status).unwrap(),
                body.clone(),
                "GET x",
                &Secrets::default(),
            ));
            assert!(
                matches!(&e, EnoteError::OData { code, message, .. } if code == "-1" && message.starts_with("Произошла")),
                "{e:?}"
            );
        }
    }

    #[test]
    fn server_errors_without_odata_error_are_retried() {
        for (status, body) in [
            (500, "".as_bytes()),
            (502, b"<html>Bad Gateway</html>"),
            (503, b"{\"error\":\"x\"}"),
        ] {
            let a = classify(
                StatusCode::from_u16(status).unwrap(),
                body.to_vec(),
                "GET x",
                &Secrets::default(),
            );
            assert!(
                matches!(&a, Attempt::Retry(r) if r.starts_with(&format!("HTTP {status}"))),
                "{status}"
            );
        }
    }

    #[test]
    fn client_errors_are_final() {
        assert!(matches!(
            done_err(classify(
                StatusCode::UNAUTHORIZED,
                vec![],
                "GET x",
                &Secrets::default()
            )),
            EnoteError::Unauthorized { status: 401, .. }
        ));
        assert!(matches!(
            done_err(classify(
                StatusCode::NOT_FOUND,
                vec![],
                "GET x",
                &Secrets::default()
            )),
            EnoteError::BadResponse { .. }
        ));
        assert!(matches!(
            done_err(classify(StatusCode::MOVED_PERMANENTLY, vec![], "GET x", &Secrets::default())),
            EnoteError::BadResponse { reason, .. } if reason.contains("redirects")
        ));
        assert!(matches!(
            done_err(classify(
                StatusCode::TOO_MANY_REQUESTS,
                vec![],
                "GET x",
                &Secrets::default()
            )),
            EnoteError::Unavailable { .. }
        ));
    }

    /// The real directory against `base` (OData and hs/api under it), retrying quickly.
    fn directory(base: &str) -> crate::EnoteDirectory {
        let mut config = crate::EnoteConfig::new(
            format!("{base}/odata/standard.odata"),
            "bot",
            "Pa55-S3cret",
            format!("{base}/hs/api/v2"),
            "K3y-S3cret",
        );
        config.timeout = Duration::from_secs(10);
        config.retry_backoff = Duration::from_millis(5);
        crate::EnoteDirectory::new(config).expect("valid config")
    }

    #[tokio::test]
    async fn an_answer_over_the_cap_is_refused_once_and_one_at_the_cap_is_read() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
        let server = MockServer::start().await;
        let answer = |len: usize| {
            let mut body = br#"{"value": []}"#.to_vec();
            body.resize(len, b' ');
            ResponseTemplate::new(200).set_body_raw(body, "application/json")
        };
        Mock::given(any())
            .respond_with(answer(MAX_BODY_BYTES))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(answer(MAX_BODY_BYTES + 1))
            .mount(&server)
            .await;
        let dir = directory(&server.uri());
        dir.ping()
            .await
            .expect("an answer of exactly the cap is read");
        let err = dir.ping().await.unwrap_err();
        assert!(
            matches!(&err, DirectoryError::BadResponse(t)
                if t.ends_with("the answer is larger than 8 MiB; not read")),
            "{err:?}"
        );
        let requests = server.received_requests().await.unwrap().len();
        assert_eq!(requests, 2, "a too large answer is not asked for again");
    }

    #[tokio::test]
    async fn an_endless_answer_is_cut_off_at_the_cap() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // An answer without Content-Length that never ends: only reading stops it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let written = Arc::new(AtomicUsize::new(0));
        let server = tokio::spawn({
            let written = written.clone();
            async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                socket.write_all(head.as_bytes()).await.unwrap();
                socket.write_all(b"d\r\n{\"value\": []}\r\n").await.unwrap();
                let mut chunk = b"10000\r\n".to_vec();
                chunk.extend(std::iter::repeat_n(b' ', 0x10000));
                chunk.extend_from_slice(b"\r\n");
                // Until the client hangs up.
                while socket.write_all(&chunk).await.is_ok() {
                    written.fetch_add(0x10000, Ordering::Relaxed);
                }
            }
        });
        let dir = directory(&format!("http://{addr}"));
        let err = dir.ping().await.unwrap_err();
        assert!(
            matches!(&err, DirectoryError::BadResponse(t) if t.contains("larger than 8 MiB")),
            "{err:?}"
        );
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the client hung up after the cap")
            .unwrap();
        // What the sockets' buffers held on top of the cap, and nothing like the whole answer.
        let sent = written.load(Ordering::Relaxed);
        assert!(sent >= MAX_BODY_BYTES, "{sent}");
        assert!(sent < MAX_BODY_BYTES + 32 * 1024 * 1024, "{sent}");
    }

    #[tokio::test]
    async fn an_answer_of_another_shape_is_named_so_and_not_called_not_json() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
        for (body, expected) in [
            (r#"{"value": 5}"#, "unexpected shape"),
            (r#"{"odata.metadata": "x"}"#, "unexpected shape"),
            (r#"{"value": [ this is not"#, "not JSON"),
        ] {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
                .mount(&server)
                .await;
            let err = directory(&server.uri()).ping().await.unwrap_err();
            assert!(
                matches!(&err, DirectoryError::BadResponse(t) if t.contains(&format!(": {expected}: "))),
                "{body}: {err:?}"
            );
        }
    }

    #[test]
    fn endpoint_drops_query_and_user_info() {
        let url = Url::parse(
            "https://u:p@h.example:8443/base/odata/standard.odata/Catalog_%D0%9A%D0%B0%D1%80%D1%82%D0%BE%D1%87%D0%BA%D0%B8?$filter=x&apikey=k",
        )
        .unwrap();
        assert_eq!(
            endpoint(&url),
            "GET https://h.example:8443/base/odata/standard.odata/Catalog_Карточки"
        );
    }
}
