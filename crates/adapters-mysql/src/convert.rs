//! Rows ↔ domain types, at the boundary.
//!
//! Rows may come from the original bot, so reading is defensive and never panics:
//! - a value that makes the row meaningless (a non-positive Telegram id, an unknown ticket
//!   status or message direction, our own JSON that does not decode) is
//!   [`StoreError::Corrupt`];
//! - a free-text field the original stored without our checks (a phone that does not
//!   normalize, an over-long label, a malformed owner key) is dropped or trimmed with a
//!   warning, so that one odd legacy value does not make a client unreachable forever.

use crate::entities::{former_topics, messages, pending_links, pp_clients, tickets};
use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use domain::client::{Client, ClientLink};
use domain::contract::ContractNumber;
use domain::enote_link::{LinkState, PendingLink};
use domain::ids::{GroupId, MessageId, PendingLinkId, ThreadId, TicketId, UserId};
use domain::label::{Label, MAX_LABEL_CHARS};
use domain::message::{Direction, MediaKind, MessageRecord};
use domain::outbound::Queue;
use domain::owner::OwnerKey;
use domain::phone::Phone;
use domain::ports::{FormerTopic, StoreError};
use domain::ticket::{Assignee, Rating, TakenVia, Ticket, TicketStatus};

/// A UTC instant as stored: whole seconds, because MySQL's `DATETIME` keeps whole seconds and
/// both backends must read back what they were given.
pub(crate) fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(0).naive_utc()
}

/// Like [`to_db`] but rounded up: a "not before" must never become earlier (a `retry_after`
/// honoured half a second early is another 429).
pub(crate) fn to_db_ceil(t: DateTime<Utc>) -> NaiveDateTime {
    let floor = t.trunc_subsecs(0);
    if floor == t {
        floor.naive_utc()
    } else {
        (floor + TimeDelta::seconds(1)).naive_utc()
    }
}

pub(crate) fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn corrupt(table: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}: {what}"))
}

fn user(table: &str, v: i64) -> Result<UserId, StoreError> {
    UserId::new(v).map_err(|e| corrupt(table, e))
}

fn thread(table: &str, v: i64) -> Result<ThreadId, StoreError> {
    ThreadId::new(v).map_err(|e| corrupt(table, e))
}

fn message_id(table: &str, v: Option<i64>) -> Result<Option<MessageId>, StoreError> {
    v.map(|v| MessageId::new(v).map_err(|e| corrupt(table, e)))
        .transpose()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A stored label: trimmed and cut to Telegram's limit if the original stored a longer one.
fn label(client: i64, raw: Option<String>) -> Option<Label> {
    let raw = non_empty(raw)?;
    let cut: String = raw.chars().take(MAX_LABEL_CHARS).collect();
    if cut.len() != raw.len() {
        tracing::warn!(client, "stored label longer than 128 characters: shortened");
    }
    Label::new(&cut).ok()
}

fn phone(client: i64, field: &str, raw: Option<String>) -> Option<Phone> {
    let raw = non_empty(raw)?;
    match Phone::parse(&raw) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(client, field, error = %e, "stored phone ignored");
            None
        }
    }
}

pub(crate) fn client(row: pp_clients::Model) -> Result<Client, StoreError> {
    let t = "pp_clients";
    let id = user(t, row.telegram_id)?;
    let raw_id = row.telegram_id;
    let link = match non_empty(row.owner_ref_key) {
        None => None,
        Some(key) => match OwnerKey::parse(&key) {
            Ok(owner_key) => Some(ClientLink {
                owner_key,
                owner_name: non_empty(row.owner_name_enote),
                owner_phone: phone(raw_id, "owner_phone_enote", row.owner_phone_enote),
                contract: non_empty(row.linked_contract_number)
                    .and_then(|c| ContractNumber::parse(&c).ok()),
                linked_by: row.linked_by.and_then(|v| UserId::new(v).ok()),
                linked_at: row.linked_at.map(from_db),
            }),
            Err(e) => {
                tracing::warn!(client = raw_id, error = %e, "stored owner_ref_key ignored");
                None
            }
        },
    };
    let total_closed = u32::try_from(row.total_closed.unwrap_or(0))
        .map_err(|_| corrupt(t, format!("negative total_closed for {raw_id}")))?;
    Ok(Client {
        id,
        username: non_empty(row.username),
        first_name: non_empty(row.first_name),
        last_name: non_empty(row.last_name),
        phone: phone(raw_id, "phone", row.phone),
        phone_confirmed: row.phone_confirmed.is_some_and(|v| v != 0),
        label: label(raw_id, row.label),
        total_closed,
        thread: row.thread_id.map(|v| thread(t, v)).transpose()?,
        topic_group: row
            .topic_group_id
            .map(|v| {
                GroupId::new(v).map_err(|_| corrupt(t, format!("topic_group_id {v} for {raw_id}")))
            })
            .transpose()?,
        link,
        last_phone_prompt_at: row.last_phone_prompt_at.map(from_db),
        blocked: row.blocked,
    })
}

pub(crate) const OPEN: &str = "open";
pub(crate) const CLOSED: &str = "closed";

pub(crate) fn ticket(row: tickets::Model) -> Result<Ticket, StoreError> {
    let t = "tickets";
    let status = match row.status.trim().to_ascii_lowercase().as_str() {
        OPEN => TicketStatus::Open,
        CLOSED => TicketStatus::Closed,
        other => {
            return Err(corrupt(
                t,
                format!("ticket {} has status {other:?}", row.id),
            ));
        }
    };
    // The original may have written 0 for "no topic yet".
    let thread_id = match row.thread_id {
        Some(v) if v > 0 => Some(thread(t, v)?),
        _ => None,
    };
    let created_at = row
        .created_at
        .or(row.updated_at)
        .map(from_db)
        .unwrap_or(DateTime::UNIX_EPOCH);
    Ok(Ticket {
        id: TicketId::new(row.id).map_err(|e| corrupt(t, e))?,
        client: user(t, row.client_user_id)?,
        thread: thread_id,
        status,
        label: non_empty(row.label),
        assigned_to: row.assigned_to.as_deref().and_then(Assignee::from_stored),
        created_at,
        closed_at: row.closed_at.map(from_db),
        first_response_at: row.first_response_at.map(from_db),
        waiting_since: row.waiting_since.map(from_db),
        last_client_message_at: row.last_client_message_at.map(from_db),
        last_staff_message_at: row.last_staff_message_at.map(from_db),
        taken_via: row.taken_via.as_deref().and_then(TakenVia::from_stored),
        reminders_sent: u8::try_from(row.reminders_sent.clamp(0, 2)).unwrap_or(0),
        away_sent_at: row.away_sent_at.map(from_db),
        // Only the bot writes it, 1 to 5; anything else is read as no rating.
        rating: row
            .rating
            .and_then(|r| u8::try_from(r).ok())
            .and_then(Rating::new),
        rated_at: row.rated_at.map(from_db),
    })
}

pub(crate) fn direction(raw: &str) -> Option<Direction> {
    match raw.trim() {
        "client_to_staff" => Some(Direction::ClientToStaff),
        "staff_to_client" => Some(Direction::StaffToClient),
        _ => None,
    }
}

pub(crate) fn media(raw: Option<&str>) -> MediaKind {
    match raw.map(str::trim) {
        None | Some("") | Some("text") => MediaKind::Text,
        Some("photo") => MediaKind::Photo,
        Some("video") => MediaKind::Video,
        Some("document") => MediaKind::Document,
        Some("voice") => MediaKind::Voice,
        Some("audio") => MediaKind::Audio,
        Some("video_note") => MediaKind::VideoNote,
        Some("sticker") => MediaKind::Sticker,
        Some("animation") => MediaKind::Animation,
        Some("location") => MediaKind::Location,
        Some("contact") => MediaKind::Contact,
        Some(_) => MediaKind::Other,
    }
}

pub(crate) fn message(row: messages::Model) -> Result<MessageRecord, StoreError> {
    let t = "messages";
    let client = row
        .client_user_id
        .ok_or_else(|| corrupt(t, format!("message {} has no client", row.id)))?;
    Ok(MessageRecord {
        ticket: TicketId::new(row.ticket_id).map_err(|e| corrupt(t, e))?,
        client: user(t, client)?,
        direction: direction(&row.direction).ok_or_else(|| {
            corrupt(
                t,
                format!("message {} has direction {:?}", row.id, row.direction),
            )
        })?,
        client_message_id: message_id(t, row.client_message_id)?,
        group_message_id: message_id(t, row.group_message_id)?,
        text: row.text,
        media: media(row.media.as_deref()),
    })
}

pub(crate) fn pending_link(row: pending_links::Model) -> Result<PendingLink, StoreError> {
    let t = "pending_links";
    let state: LinkState = serde_json::from_str(&row.state)
        .map_err(|e| corrupt(t, format!("link {} state: {e}", row.id)))?;
    Ok(PendingLink {
        id: PendingLinkId::new(row.id).map_err(|e| corrupt(t, e))?,
        thread: thread(t, row.thread_id)?,
        client: user(t, row.client_user_id)?,
        initiator: user(t, row.initiator_id)?,
        state,
        expires_at: from_db(row.expires_at),
    })
}

/// A `former_topics` row.
pub(crate) fn former_topic(row: former_topics::Model) -> Result<FormerTopic, StoreError> {
    Ok(FormerTopic {
        client: user("former_topics", row.client_user_id)?,
        hinted_at: row.hinted_at.map(from_db),
    })
}

/// How an outbox queue is stored in `outbox.destination`, by Telegram's sign convention:
/// a client's private chat is their user id (positive), the group outside topics is the
/// group's chat id (negative, `-100…`), and a client's topic is the negated user id — negative
/// like the group it belongs to, but never the group's id (supergroup ids are `-100` followed
/// by ten digits or more; user ids stay far below that). Entries queued by an earlier version,
/// which put every group action under the group's id, read back as the `Group` queue.
pub(crate) fn queue_key(queue: Queue, group: GroupId) -> i64 {
    match queue {
        Queue::Client(u) => u.get(),
        Queue::Topic(u) => -u.get(),
        Queue::Group => group.get(),
    }
}

/// The inverse of [`queue_key`].
pub(crate) fn queue(v: i64, group: GroupId) -> Result<Queue, StoreError> {
    if v == group.get() {
        Ok(Queue::Group)
    } else if v > 0 {
        Ok(Queue::Client(user("outbox", v)?))
    } else {
        Ok(Queue::Topic(user("outbox", v.checked_neg().unwrap_or(0))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ceil_never_moves_earlier() {
        let exact = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        assert_eq!(to_db_ceil(exact), exact.naive_utc());
        let frac = exact + TimeDelta::milliseconds(300);
        assert_eq!(
            to_db_ceil(frac),
            (exact + TimeDelta::seconds(1)).naive_utc()
        );
        assert_eq!(to_db(frac), exact.naive_utc());
    }

    #[test]
    fn queues_round_trip_through_their_stored_key() {
        let group = GroupId::new(-1002992147362).unwrap();
        let u = UserId::new(8_000_000_000).unwrap();
        for q in [Queue::Client(u), Queue::Topic(u), Queue::Group] {
            assert_eq!(queue(queue_key(q, group), group).unwrap(), q);
        }
        // A topic and a private chat of the same client are different queues.
        assert_ne!(
            queue_key(Queue::Topic(u), group),
            queue_key(Queue::Client(u), group)
        );
        assert!(matches!(queue(0, group), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            queue(i64::MIN, group),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn media_round_trips_through_its_stored_form() {
        for kind in [
            MediaKind::Text,
            MediaKind::Photo,
            MediaKind::VideoNote,
            MediaKind::Contact,
            MediaKind::Other,
        ] {
            assert_eq!(media(kind.stored()), kind);
        }
        assert_eq!(media(Some("hologram")), MediaKind::Other);
    }

    #[test]
    fn impossible_legacy_values_are_corrupt_not_panics() {
        let row = tickets::Model {
            id: 1,
            thread_id: Some(5),
            chat_id: None,
            client_user_id: 7,
            status: "weird".into(),
            label: None,
            assigned_to: None,
            created_at: None,
            updated_at: None,
            closed_at: None,
            first_response_at: None,
            open_client_id: None,
            waiting_since: None,
            last_client_message_at: None,
            last_staff_message_at: None,
            taken_via: None,
            reminders_sent: 0,
            away_sent_at: None,
            rating: None,
            rated_at: None,
        };
        assert!(matches!(ticket(row.clone()), Err(StoreError::Corrupt(_))));
        let neg = tickets::Model {
            status: "OPEN".into(),
            client_user_id: -3,
            ..row.clone()
        };
        assert!(matches!(ticket(neg), Err(StoreError::Corrupt(_))));
        let ok = tickets::Model {
            status: " Closed ".into(),
            thread_id: Some(0),
            ..row
        };
        let t = ticket(ok).unwrap();
        assert_eq!(t.status, TicketStatus::Closed);
        assert_eq!(t.thread, None);
    }
}
