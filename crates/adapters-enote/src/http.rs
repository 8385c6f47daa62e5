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
//!
//! 1C answers 500 for a query it dislikes (a quoted literal against a numeric field); that is
//! deterministic, so retrying would only triple the wait before the caller's fallback.

use crate::error::{EnoteError, Secrets, truncate};
use percent_encoding::percent_decode_str;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use std::time::Duration;

/// How much of an unexpected body goes into logs and error texts.
pub(crate) const FRAGMENT_LEN: usize = 300;

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
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
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
