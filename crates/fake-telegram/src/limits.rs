//! Rate limits and injected faults. Both are off by default; tests and benchmarks switch them on
//! to see whether the bot stays within Telegram's budget and survives a misbehaving network.
//!
//! Limits are sliding windows like Telegram's (exact values are unpublished): overall sends per
//! second, per private chat per second, per group per minute (a forum is one chat, so all its
//! topics share it). Exceeding one answers 429 with `retry_after`; sending again to the same
//! scope before that time ran out is counted as a violation — the number a well-behaved bot keeps
//! at zero.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// The rate limits the fake enforces on the bot, as Telegram does (429 with `retry_after`);
/// `None` switches a limit off. Not to be confused with the bot's own limiter settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnforcedLimits {
    /// Sends per second over all chats.
    pub global_per_sec: Option<u32>,
    /// Sends per second into one private chat.
    pub private_per_sec: Option<u32>,
    /// Sends per minute into one group (all topics of a forum together).
    pub group_per_min: Option<u32>,
}

impl EnforcedLimits {
    /// No limits (the default).
    pub fn off() -> Self {
        Self::default()
    }

    /// Telegram's published figures: 30/s overall, 1/s per private chat, 20/min per group.
    pub fn telegram() -> Self {
        Self {
            global_per_sec: Some(30),
            private_per_sec: Some(1),
            group_per_min: Some(20),
        }
    }
}

/// A failure the fake can answer instead of (or after) doing the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An error envelope; the call is not performed.
    Api {
        /// HTTP status and `error_code`.
        code: u16,
        /// The `description`, e.g. "Forbidden: bot was blocked by the user".
        description: String,
        /// `parameters.retry_after`, for 429.
        retry_after: Option<u16>,
    },
    /// 500 `{"ok":false,"error_code":500,"description":"Internal Server Error"}`; not performed.
    InternalServerError,
    /// 502 with nginx's HTML page (what a proxy in front of Telegram answers); not performed.
    BadGatewayHtml,
    /// The call IS performed, but the 200 body is cut in half (not valid JSON).
    TruncatedJson,
    /// The call IS performed, but the connection is closed without any response.
    DropResponse,
}

impl Failure {
    /// 403 "Forbidden: bot was blocked by the user".
    pub fn blocked() -> Self {
        Self::api(403, "Forbidden: bot was blocked by the user")
    }

    /// 429 "Too Many Requests: retry after N" with `retry_after = N`.
    pub fn too_many_requests(retry_after: u16) -> Self {
        Self::Api {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// 400 "Bad Request: message thread not found".
    pub fn thread_not_found() -> Self {
        Self::api(400, "Bad Request: message thread not found")
    }

    /// Any error envelope without parameters.
    pub fn api(code: u16, description: impl Into<String>) -> Self {
        Self::Api {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// A short name for the call log.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Api { code, .. } => format!("api {code}"),
            Self::InternalServerError => "500".into(),
            Self::BadGatewayHtml => "502 html".into(),
            Self::TruncatedJson => "truncated json".into(),
            Self::DropResponse => "dropped response".into(),
        }
    }

    /// Whether the call is still performed (the failure only hits the response).
    pub(crate) fn performs(&self) -> bool {
        matches!(self, Self::TruncatedJson | Self::DropResponse)
    }
}

/// Random faults, drawn from a seeded generator so a run is reproducible. Each ratio is the
/// fraction (0.0–1.0) of calls to `methods` that get that fault; one draw per call.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// The generator's seed.
    pub seed: u64,
    /// The methods faults apply to; empty = the sending methods (see [`SEND_METHODS`]).
    pub methods: Vec<String>,
    /// 500 Internal Server Error (not performed).
    pub internal_error: f64,
    /// 502 with an HTML body (not performed).
    pub bad_gateway_html: f64,
    /// Performed, body truncated.
    pub truncated_json: f64,
    /// 429 with `too_many_requests_retry_after` (not performed).
    pub too_many_requests: f64,
    /// The `retry_after` of injected 429s.
    pub too_many_requests_retry_after: u16,
    /// Performed, connection closed without a response.
    pub drop_response: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            seed: 1,
            methods: Vec::new(),
            internal_error: 0.0,
            bad_gateway_html: 0.0,
            truncated_json: 0.0,
            too_many_requests: 0.0,
            too_many_requests_retry_after: 1,
            drop_response: 0.0,
        }
    }
}

/// The methods that send or change messages: they are rate limited and, by default, faulted.
pub const SEND_METHODS: [&str; 12] = [
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "copyMessage",
    "copyMessages",
    "forwardMessage",
    "forwardMessages",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "createForumTopic",
    "editForumTopic",
];

/// splitmix64: tiny, seeded, good enough for choosing faults.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Faults {
    pub(crate) fn applies_to(&self, method: &str) -> bool {
        if self.methods.is_empty() {
            SEND_METHODS.contains(&method)
        } else {
            self.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
        }
    }

    /// One draw: which fault (if any) this call gets.
    pub(crate) fn draw(&self, rng: &mut Rng) -> Option<Failure> {
        let r = rng.next_f64();
        let mut edge = 0.0;
        let table = [
            (self.internal_error, Failure::InternalServerError),
            (self.bad_gateway_html, Failure::BadGatewayHtml),
            (self.truncated_json, Failure::TruncatedJson),
            (
                self.too_many_requests,
                Failure::too_many_requests(self.too_many_requests_retry_after),
            ),
            (self.drop_response, Failure::DropResponse),
        ];
        for (ratio, failure) in table {
            edge += ratio.max(0.0);
            if r < edge {
                return Some(failure);
            }
        }
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    Global,
    Chat(i64),
}

/// The answer of the limiter for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    /// 429; `violation` when the bot had already been told to wait and did not.
    Limited {
        retry_after: u16,
        violation: bool,
    },
}

/// Sliding windows and the `retry_after` deadlines announced per scope.
#[derive(Debug, Default)]
pub(crate) struct RateState {
    windows: HashMap<Scope, VecDeque<Instant>>,
    penalties: HashMap<Scope, Instant>,
}

fn secs_until(now: Instant, at: Instant) -> u16 {
    let d = at.saturating_duration_since(now).as_secs_f64().ceil();
    (d as u16).max(1)
}

impl RateState {
    /// Remembers a `retry_after` announced for a chat (an injected 429).
    pub fn penalize(&mut self, chat: Option<i64>, until: Instant) {
        let scope = chat.map_or(Scope::Global, Scope::Chat);
        self.penalties.insert(scope, until);
    }

    /// Checks (and on success takes) `n` slots for a send into `chat`.
    pub fn check(
        &mut self,
        limits: &EnforcedLimits,
        chat: Option<i64>,
        private: bool,
        n: u32,
        now: Instant,
    ) -> Verdict {
        let mut scopes: Vec<(Scope, u32, Duration)> = Vec::new();
        if let Some(max) = limits.global_per_sec {
            scopes.push((Scope::Global, max, Duration::from_secs(1)));
        }
        if let Some(chat) = chat {
            let per_chat = if private {
                limits.private_per_sec.map(|m| (m, Duration::from_secs(1)))
            } else {
                limits.group_per_min.map(|m| (m, Duration::from_secs(60)))
            };
            if let Some((max, len)) = per_chat {
                scopes.push((Scope::Chat(chat), max, len));
            }
        }
        // Still inside an announced retry_after (by a limit or an injected 429): a violation,
        // answered with the time left — whether or not a limit is configured for the scope.
        let mut penalized = vec![Scope::Global];
        penalized.extend(chat.map(Scope::Chat));
        for scope in &penalized {
            if let Some(until) = self.penalties.get(scope)
                && *until > now
            {
                return Verdict::Limited {
                    retry_after: secs_until(now, *until),
                    violation: true,
                };
            }
        }
        for (scope, max, len) in &scopes {
            let w = self.windows.entry(*scope).or_default();
            while w.front().is_some_and(|t| *t + *len <= now) {
                w.pop_front();
            }
            let n = n.max(1) as usize;
            if w.len() + n > *max as usize {
                // The slot that frees last among the ones we need.
                let idx = (w.len() + n)
                    .saturating_sub(*max as usize + 1)
                    .min(w.len().saturating_sub(1));
                let free_at = w.get(idx).map_or(now + *len, |t| *t + *len);
                let retry_after = secs_until(now, free_at);
                self.penalties
                    .insert(*scope, now + Duration::from_secs(u64::from(retry_after)));
                return Verdict::Limited {
                    retry_after,
                    violation: false,
                };
            }
        }
        for (scope, _, _) in &scopes {
            let w = self.windows.entry(*scope).or_default();
            for _ in 0..n.max(1) {
                w.push_back(now);
            }
        }
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_budget_is_shared_and_retry_after_is_announced() {
        let limits = EnforcedLimits {
            group_per_min: Some(3),
            ..EnforcedLimits::off()
        };
        let mut rs = RateState::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(rs.check(&limits, Some(-100), false, 1, t0), Verdict::Pass);
        }
        let Verdict::Limited {
            retry_after,
            violation,
        } = rs.check(&limits, Some(-100), false, 1, t0)
        else {
            panic!("expected 429")
        };
        assert_eq!((retry_after, violation), (60, false));
        // Trying again too early is a violation.
        let v = rs.check(&limits, Some(-100), false, 1, t0 + Duration::from_secs(10));
        assert_eq!(
            v,
            Verdict::Limited {
                retry_after: 50,
                violation: true
            }
        );
        // After the window, fine again.
        assert_eq!(
            rs.check(&limits, Some(-100), false, 1, t0 + Duration::from_secs(61)),
            Verdict::Pass
        );
        // Other chats are not affected.
        assert_eq!(rs.check(&limits, Some(-200), false, 1, t0), Verdict::Pass);
    }

    #[test]
    fn faults_are_deterministic() {
        let f = Faults {
            internal_error: 0.5,
            ..Faults::default()
        };
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..20)
                .map(|_| f.draw(&mut rng).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert!(draw(7).iter().any(|b| *b) && draw(7).iter().any(|b| !*b));
    }
}
