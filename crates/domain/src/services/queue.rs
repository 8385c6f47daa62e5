//! `/queue` (docs/product-rules.md: the staff's side): the open appeals at a glance, for a
//! staff member in General or in any topic — who waits for an answer and how long, who was
//! answered and when, who has taken what, and a link to each topic. The rules (order, how a
//! wait is rounded, the topic link, the cap on lines) are pure functions over the appeals and
//! the time; the sentences are in [`crate::texts`].

use super::{DeskError, SupportDesk};
use crate::ids::{GroupId, ThreadId};
use crate::label::Label;
use crate::ports::store::OpenAppeal;
use crate::texts;
use crate::ticket::Assignee;
use chrono::{DateTime, Utc};

/// At most this many appeals are listed; the rest are counted ("…і ще N"). Fifty short lines
/// still read on a phone, and fit two Telegram messages at worst.
pub const MAX_QUEUE_LINES: usize = 50;

/// A span of time as staff read it in the queue: minutes under an hour, hours and minutes
/// under a day, whole days after that. Always rounded down: "waits 7 min" until the 8th.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elapsed {
    /// Under an hour (0 = under a minute).
    Minutes(i64),
    /// At least an hour, under a day.
    Hours {
        /// Whole hours, 1–23.
        hours: i64,
        /// The minutes beyond them, 0–59.
        minutes: i64,
    },
    /// A day or more.
    Days(i64),
}

impl Elapsed {
    /// The time from `since` to `now`; an instant after `now` (clocks disagree) counts as none.
    pub fn between(since: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let minutes = (now - since).num_minutes().max(0);
        match minutes {
            m if m < 60 => Elapsed::Minutes(m),
            m if m < 24 * 60 => Elapsed::Hours {
                hours: m / 60,
                minutes: m % 60,
            },
            m => Elapsed::Days(m / (24 * 60)),
        }
    }
}

/// Where an open appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The client waits for an answer, this long (since their first unanswered message).
    Waiting(Elapsed),
    /// Nobody waits: the last answer reached the client this long ago (`None`: no answer is
    /// known, e.g. an appeal reopened by staff or one from the original bot).
    Answered(Option<Elapsed>),
}

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// The client's label.
    pub label: Label,
    /// The topic's link (`None`: the client has no topic now).
    pub link: Option<String>,
    /// Waiting or answered, and how long.
    pub standing: Standing,
    /// Who has taken it.
    pub assignee: Option<Assignee>,
}

/// The queue as `/queue` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueView {
    /// How many appeals are open.
    pub open: usize,
    /// How many of them wait for an answer.
    pub waiting: usize,
    /// The listed ones, in order: those waiting (longest first), then the answered ones (most
    /// recent activity first); at most [`MAX_QUEUE_LINES`].
    pub lines: Vec<QueueLine>,
    /// How many more are open but not listed.
    pub more: usize,
}

/// A link that opens the topic in Telegram: `https://t.me/c/<group id without -100>/<thread>`.
/// `None` for a group id without the `-100` of a supergroup (a forum always has it).
pub fn topic_link(group: GroupId, thread: ThreadId) -> Option<String> {
    let internal = group.get().to_string();
    let internal = internal.strip_prefix("-100")?;
    (!internal.is_empty()).then(|| format!("https://t.me/c/{internal}/{thread}"))
}

/// Orders the open appeals and says where each stands at `now`.
pub fn queue_view(mut appeals: Vec<OpenAppeal>, group: GroupId, now: DateTime<Utc>) -> QueueView {
    // Waiting ones first, the longest wait first; then the answered ones, the most recently
    // active first. The ticket id breaks ties, so the order never flickers between calls.
    appeals.sort_by(|a, b| {
        let (a, b) = (&a.ticket, &b.ticket);
        match (a.waiting_since, b.waiting_since) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => last_activity(b).cmp(&last_activity(a)),
        }
        .then(a.id.cmp(&b.id))
    });
    let open = appeals.len();
    let waiting = appeals
        .iter()
        .filter(|a| a.ticket.waiting_since.is_some())
        .count();
    let lines = appeals
        .into_iter()
        .take(MAX_QUEUE_LINES)
        .map(|a| QueueLine {
            link: a.thread.and_then(|t| topic_link(group, t)),
            standing: match a.ticket.waiting_since {
                Some(since) => Standing::Waiting(Elapsed::between(since, now)),
                None => Standing::Answered(
                    a.ticket
                        .last_staff_message_at
                        .map(|at| Elapsed::between(at, now)),
                ),
            },
            assignee: a.ticket.assigned_to,
            label: a.label,
        })
        .collect::<Vec<_>>();
    QueueView {
        open,
        waiting,
        more: open - lines.len(),
        lines,
    }
}

/// The latest thing that happened in an appeal.
fn last_activity(t: &crate::ticket::Ticket) -> DateTime<Utc> {
    [t.last_staff_message_at, t.last_client_message_at]
        .into_iter()
        .flatten()
        .fold(t.created_at, DateTime::max)
}

impl SupportDesk {
    /// The answer to `/queue`: the open appeals as they stand now.
    pub(super) async fn queue(&self) -> Result<String, DeskError> {
        let appeals = self.ports.tickets.open_appeals().await?;
        let view = queue_view(appeals, self.settings.group, self.ports.clock.now());
        Ok(texts::queue(&view))
    }
}
