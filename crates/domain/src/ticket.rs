//! Tickets (appeals): one per client conversation, `open` → `closed` → `open` again by
//! `/reopen` (docs/product-rules.md: appeals). At most one open ticket per client; the
//! repository enforces that.

use crate::ids::{ThreadId, TicketId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ticket's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketStatus {
    /// Waiting for, or in, a conversation.
    Open,
    /// Done; the next client message opens a new ticket.
    Closed,
}

impl TicketStatus {
    /// The value in `tickets.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Closed => "closed",
        }
    }
}

/// Who handles a ticket (`tickets.assigned_to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assignee {
    /// A staff member known by id (a reply to their message, or the sender).
    Staff {
        /// Their Telegram id.
        id: UserId,
        /// How to show them: @username or first name.
        name: String,
    },
    /// A staff member named by @username (the Bot API cannot resolve it to an id).
    Username(String),
}

impl Assignee {
    /// The stored form: the numeric id, or `@username`.
    pub fn stored(&self) -> String {
        match self {
            Assignee::Staff { id, .. } => id.to_string(),
            Assignee::Username(u) => format!("@{u}"),
        }
    }

    /// Reads the stored form back; anything else is kept as a name.
    pub fn from_stored(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        if let Some(u) = raw.strip_prefix('@') {
            return Some(Assignee::Username(u.to_owned()));
        }
        match raw.parse::<i64>().ok().and_then(|n| UserId::new(n).ok()) {
            Some(id) => Some(Assignee::Staff {
                id,
                name: id.to_string(),
            }),
            None => Some(Assignee::Username(raw.to_owned())),
        }
    }
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignee::Staff { name, .. } => f.write_str(name),
            Assignee::Username(u) => write!(f, "@{u}"),
        }
    }
}

/// A Telegram @username as staff type it after `/assign`: up to 32 of `A-Z a-z 0-9 _`, which
/// is what Telegram allows (and what fits the stored `assigned_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// Why a typed @username is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    /// Empty, or longer than 32 characters.
    #[error("a username has 1 to 32 characters, this one has {0}")]
    Length(usize),
    /// A character other than `A-Z a-z 0-9 _`.
    #[error("a username has only latin letters, digits and _")]
    Character,
}

impl Username {
    /// How long a username can be (Telegram's limit is 32; short collectible ones exist).
    pub const LENGTH: std::ops::RangeInclusive<usize> = 1..=32;

    /// Checks a typed username (without its `@`).
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let raw = raw.trim().trim_start_matches('@');
        let len = raw.chars().count();
        if !Self::LENGTH.contains(&len) {
            return Err(UsernameError::Length(len));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(UsernameError::Character);
        }
        Ok(Self(raw.to_owned()))
    }
}

impl From<Username> for String {
    fn from(u: Username) -> Self {
        u.0
    }
}

/// One appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Row id.
    pub id: TicketId,
    /// The client.
    pub client: UserId,
    /// The topic the appeal lives in.
    pub thread: Option<ThreadId>,
    /// State.
    pub status: TicketStatus,
    /// Label at opening time.
    pub label: Option<String>,
    /// Who handles it.
    pub assigned_to: Option<Assignee>,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Closed at (the last close).
    pub closed_at: Option<DateTime<Utc>>,
    /// When staff's first message reached the client.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Since when the client waits for an answer: their first message after the last staff
    /// answer; `None` while nothing waits.
    pub waiting_since: Option<DateTime<Utc>>,
    /// The client's last message.
    pub last_client_message_at: Option<DateTime<Utc>>,
    /// The last staff answer that reached the client.
    pub last_staff_message_at: Option<DateTime<Utc>>,
    /// How it was taken, once assigned.
    pub taken_via: Option<TakenVia>,
    /// First-response reminders sent for the current wait (0, 1 or 2).
    pub reminders_sent: u8,
    /// When the client was told the clinic is closed (once per appeal).
    pub away_sent_at: Option<DateTime<Utc>>,
    /// The client's rating of the help, once they gave one (one per appeal).
    pub rating: Option<Rating>,
    /// When the client rated it.
    pub rated_at: Option<DateTime<Utc>>,
}

/// A client's rating of an appeal's help: 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    /// The scale.
    pub const SCALE: std::ops::RangeInclusive<u8> = 1..=5;
    /// Ratings up to this one are low: the assignee is called to look.
    pub const LOW: u8 = 3;

    /// A rating, if `n` is on the scale.
    pub fn new(n: u8) -> Option<Self> {
        Self::SCALE.contains(&n).then_some(Self(n))
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether it calls for the assignee's attention.
    pub fn is_low(self) -> bool {
        self.0 <= Self::LOW
    }
}

/// How an appeal got its assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TakenVia {
    /// A staff member pressed "🙋 Взяти".
    Button,
    /// `/assign`.
    Command,
}

impl TakenVia {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            TakenVia::Button => "button",
            TakenVia::Command => "command",
        }
    }

    /// Reads the stored form back; anything else is unknown.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw.trim() {
            "button" => Some(TakenVia::Button),
            "command" => Some(TakenVia::Command),
            _ => None,
        }
    }
}

/// What `/close` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseOutcome {
    /// It was open and is closed now.
    Closed,
    /// It was closed already: nothing changed.
    AlreadyClosed,
}

/// What `/reopen` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReopenOutcome {
    /// It was closed and is open now.
    Reopened,
    /// It was open already: nothing changed.
    AlreadyOpen,
}

impl Ticket {
    /// Whether the ticket is open.
    pub fn is_open(&self) -> bool {
        self.status == TicketStatus::Open
    }

    /// Closes an open ticket; closing a closed one changes nothing.
    pub fn close(&mut self, now: DateTime<Utc>) -> CloseOutcome {
        match self.status {
            TicketStatus::Closed => CloseOutcome::AlreadyClosed,
            TicketStatus::Open => {
                self.status = TicketStatus::Closed;
                self.closed_at = Some(now);
                CloseOutcome::Closed
            }
        }
    }

    /// Reopens a closed ticket; reopening an open one changes nothing.
    pub fn reopen(&mut self) -> ReopenOutcome {
        match self.status {
            TicketStatus::Open => ReopenOutcome::AlreadyOpen,
            TicketStatus::Closed => {
                self.status = TicketStatus::Open;
                ReopenOutcome::Reopened
            }
        }
    }

    /// Records the first staff answer that reached the client; later ones change nothing.
    /// Returns whether this was the first.
    pub fn record_response(&mut self, now: DateTime<Utc>) -> bool {
        if self.first_response_at.is_some() {
            return false;
        }
        self.first_response_at = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ticket() -> Ticket {
        Ticket {
            id: TicketId::new(1).unwrap(),
            client: UserId::new(10).unwrap(),
            thread: Some(ThreadId::new(5).unwrap()),
            status: TicketStatus::Open,
            label: None,
            assigned_to: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap(),
            closed_at: None,
            first_response_at: None,
            waiting_since: None,
            last_client_message_at: None,
            last_staff_message_at: None,
            taken_via: None,
            reminders_sent: 0,
            away_sent_at: None,
            rating: None,
            rated_at: None,
        }
    }

    #[test]
    fn close_then_close_again_is_a_no_op() {
        let mut t = ticket();
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 11, 0, 0).unwrap();
        assert_eq!(t.close(at), CloseOutcome::Closed);
        assert_eq!(t.closed_at, Some(at));
        let later = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(t.close(later), CloseOutcome::AlreadyClosed);
        assert_eq!(
            t.closed_at,
            Some(at),
            "a second close must not move closed_at"
        );
    }

    #[test]
    fn reopen_cycle() {
        let mut t = ticket();
        assert_eq!(t.reopen(), ReopenOutcome::AlreadyOpen);
        t.close(Utc::now());
        assert_eq!(t.reopen(), ReopenOutcome::Reopened);
        assert!(t.is_open());
    }

    #[test]
    fn first_response_is_set_once() {
        let mut t = ticket();
        let first = Utc.with_ymd_and_hms(2026, 1, 1, 10, 5, 0).unwrap();
        assert!(t.record_response(first));
        assert!(!t.record_response(Utc::now()));
        assert_eq!(t.first_response_at, Some(first));
    }

    #[test]
    fn ratings_are_one_to_five_and_three_or_less_is_low() {
        assert_eq!(Rating::new(0), None);
        assert_eq!(Rating::new(6), None);
        assert!(Rating::new(1).unwrap().is_low());
        assert!(Rating::new(3).unwrap().is_low());
        assert!(!Rating::new(4).unwrap().is_low());
        assert_eq!(Rating::new(5).map(Rating::get), Some(5));
    }

    #[test]
    fn assignee_round_trips_through_its_stored_form() {
        let staff = Assignee::Staff {
            id: UserId::new(8_100_000_000).unwrap(),
            name: "@marta".into(),
        };
        assert_eq!(staff.stored(), "8100000000");
        assert!(matches!(
            Assignee::from_stored("8100000000"),
            Some(Assignee::Staff { id, .. }) if id.get() == 8_100_000_000
        ));
        assert_eq!(
            Assignee::from_stored("@ivan"),
            Some(Assignee::Username("ivan".into()))
        );
        assert_eq!(Assignee::from_stored("  "), None);
        assert_eq!(
            Assignee::from_stored("Марта"),
            Some(Assignee::Username("Марта".into()))
        );
    }
}
