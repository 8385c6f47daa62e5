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
    /// A 2xx answer bigger than the bot reads; the rest of it was never read.
    #[error("{endpoint}: the answer is larger than {}; not read", size(*limit))]
    TooLarge { endpoint: String, limit: usize },
}

/// `8 MiB`, `1 KiB`, `100 bytes`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// Why a body is not what we expected, for the error text: not JSON at all (a proxy page, an
/// answer cut short), or JSON of another shape (a changed API, a wrong endpoint). The two point
/// the administrator at different causes.
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => format!("unexpected shape: {e}"),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("not JSON: {e}")
        }
        serde_json::error::Category::Io => e.to_string(),
    }
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
            Self::TooLarge { endpoint, limit } => Self::TooLarge {
                endpoint: s(endpoint),
                limit,
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
            // Enote answers, but with something no lookup can use: the administrator's case.
            e @ EnoteError::TooLarge { .. } => DirectoryError::BadResponse(e.to_string()),
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
    fn json_problems_tell_not_json_from_an_unexpected_shape() {
        #[derive(Debug, serde::Deserialize)]
        struct List {
            #[allow(dead_code)]
            value: Vec<u32>,
        }
        let problem = |body: &str| json_problem(&serde_json::from_str::<List>(body).unwrap_err());
        for shape in [r#"{"value": 5}"#, r#"{"items": []}"#, "[1, 2]", "null"] {
            assert!(
                problem(shape).starts_with("unexpected shape: "),
                "{shape}: {}",
                problem(shape)
            );
        }
        for garbage in ["<html>502</html>", r#"{"value": [1, 2"#, ""] {
            assert!(
                problem(garbage).starts_with("not JSON: "),
                "{garbage}: {}",
                problem(garbage)
            );
        }
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
        assert_eq!(
            DirectoryError::from(EnoteError::TooLarge {
                endpoint: ep(),
                limit: 8 * 1024 * 1024
            }),
            DirectoryError::BadResponse(
                "GET http://h/x: the answer is larger than 8 MiB; not read".into()
            )
        );
        assert!(matches!(
            DirectoryError::from(EnoteError::Unavailable {
                endpoint: ep(),
                reason: "HTTP 503".into()
            }),
            DirectoryError::Unavailable(t) if t.contains("HTTP 503")
        ));
    }
}
