//! What can go wrong talking to Enote, before it is translated to the domain's
//! [`DirectoryError`] at the port boundary.

use domain::ports::DirectoryError;

/// A failed Enote call. `endpoint` is `GET scheme://host/path`: no query, no user info.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EnoteError {
    /// No such contract or owner (an empty list, `null`, or only deleted cards).
    #[error("not found")]
    NotFound,
    /// 401/403.
    #[error("{endpoint}: HTTP {status}, credentials refused")]
    Unauthorized { endpoint: String, status: u16 },
    /// 1C's own error document (`odata.error`) with a 400 or 5xx: the server is up and says our
    /// request is wrong (e.g. a quoted literal against a numeric field).
    #[error("{endpoint}: HTTP {status}, 1C OData error {code}: {message}")]
    OData {
        endpoint: String,
        status: u16,
        code: String,
        message: String,
    },
    /// Timeout, connection failure, 5xx or proxy page, after the retries.
    #[error("{endpoint}: {reason}")]
    Unavailable { endpoint: String, reason: String },
    /// An answer we cannot read.
    #[error("{endpoint}: {reason}")]
    BadResponse { endpoint: String, reason: String },
}

impl EnoteError {
    /// Replaces every occurrence of a secret in the texts. Texts are built from our own words,
    /// status lines and truncated body fragments, none of which should hold a secret; this is the
    /// belt to those braces (a proxy echoing headers, a misconfigured URL).
    pub(crate) fn scrubbed(self, secrets: &Secrets) -> Self {
        let s = |t: String| secrets.scrub(&t);
        match self {
            Self::NotFound => Self::NotFound,
            Self::Unauthorized { endpoint, status } => Self::Unauthorized {
                endpoint: s(endpoint),
                status,
            },
            Self::OData {
                endpoint,
                status,
                code,
                message,
            } => Self::OData {
                endpoint: s(endpoint),
                status,
                code: s(code),
                message: s(message),
            },
            Self::Unavailable { endpoint, reason } => Self::Unavailable {
                endpoint: s(endpoint),
                reason: s(reason),
            },
            Self::BadResponse { endpoint, reason } => Self::BadResponse {
                endpoint: s(endpoint),
                reason: s(reason),
            },
        }
    }
}

impl From<EnoteError> for DirectoryError {
    fn from(e: EnoteError) -> Self {
        match e {
            EnoteError::NotFound => DirectoryError::NotFound,
            EnoteError::Unauthorized { .. } => DirectoryError::Unauthorized,
            // 1C understood the request and rejected it: retrying or "try later" would not help,
            // so staff are told to call the administrator.
            e @ EnoteError::OData { .. } => DirectoryError::BadResponse(e.to_string()),
            e @ EnoteError::Unavailable { .. } => DirectoryError::Unavailable(e.to_string()),
            e @ EnoteError::BadResponse { .. } => DirectoryError::BadResponse(e.to_string()),
        }
    }
}

/// The secret values to keep out of texts: password, API key, and the basic-auth token.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    pub(crate) fn new(values: impl IntoIterator<Item = String>) -> Self {
        Self(values.into_iter().filter(|v| !v.is_empty()).collect())
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.0 {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }
}

/// At most `max` characters of `text`, for logs and error texts.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_replaces_every_secret() {
        let s = Secrets::new(["pa55".to_owned(), String::new(), "k3y".to_owned()]);
        assert_eq!(
            s.scrub("a pa55 b k3y pa55"),
            "a <redacted> b <redacted> <redacted>"
        );
        assert_eq!(s.scrub("nothing"), "nothing");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("Барсік", 3), "Бар…");
        assert_eq!(truncate("Рекс", 4), "Рекс");
    }

    #[test]
    fn mapping_to_the_domain() {
        let ep = || "GET http://h/x".to_owned();
        assert_eq!(
            DirectoryError::from(EnoteError::NotFound),
            DirectoryError::NotFound
        );
        assert_eq!(
            DirectoryError::from(EnoteError::Unauthorized {
                endpoint: ep(),
                status: 403
            }),
            DirectoryError::Unauthorized
        );
        assert!(matches!(
            DirectoryError::from(EnoteError::OData {
                endpoint: ep(),
                status: 500,
                code: "-1".into(),
                message: "x".into()
            }),
            DirectoryError::BadResponse(_)
        ));
        assert!(matches!(
            DirectoryError::from(EnoteError::Unavailable {
                endpoint: ep(),
                reason: "HTTP 503".into()
            }),
            DirectoryError::Unavailable(t) if t.contains("HTTP 503")
        ));
    }
}
