//! Use-case tests: first-response reminders.

use super::testkit::*;
use crate::change::Change;
use crate::ids::TicketId;
use crate::outbound::Outbound;
use crate::ports::{MockClock, StoreError};
use crate::services::{DeskError, SupportDesk};
use crate::ticket::{Assignee, Ticket};
use crate::working_hours::Schedule;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;

/// An open appeal in topic 7 whose client has waited `waited` (wall time, up to `now()`), with
/// `sent` reminders so far.
fn waiting(id: i64, waited: Duration, sent: u8) -> Ticket {
    Ticket {
        thread: Some(tid(7)),
        waiting_since: Some(now() - waited),
        reminders_sent: sent,
        ..ticket(id, 500 + id, true)
    }
}

fn kit_with(tickets: impl IntoIterator<Item = Ticket>) -> Kit {
    tickets.into_iter().fold(Kit::new(), Kit::with_ticket)
}

/// Runs one reminder pass; returns how many it reported and every commit it made.
fn pass(desk: &SupportDesk, commits: &Commits) -> (usize, Vec<Vec<Change>>) {
    let n = futures::executor::block_on(desk.remind_waiting()).expect("a pass");
    (n, std::mem::take(&mut *commits.lock().unwrap()))
}

/// A pass over `tickets` at `now()` with the default settings (target 15 min, always open).
fn remind(tickets: impl IntoIterator<Item = Ticket>) -> (usize, Vec<Vec<Change>>) {
    let (desk, commits, _) = kit_with(tickets).desk();
    pass(&desk, &commits)
}

/// A commit's reminders: (topic, text) of each, and the counts stored per ticket.
type Reminders = (Vec<(i64, String)>, Vec<(TicketId, u8)>);

fn reminders(changes: &[Change]) -> Reminders {
    let texts = sent(changes)
        .into_iter()
        .map(|o| match o {
            Outbound::TextToGroup {
                thread: Some(t),
                text,
                reply_to: None,
            } => (i64::from(t), text.html),
            other => panic!("a reminder goes to the topic through the group's queue: {other:?}"),
        })
        .collect();
    let counts = changes
        .iter()
        .filter_map(|c| match c {
            Change::ReminderSent { ticket, count } => Some((*ticket, *count)),
            _ => None,
        })
        .collect();
    (texts, counts)
}

fn t(id: i64) -> TicketId {
    TicketId::new(id).unwrap()
}

/// Working hours in Kyiv, on weekdays.
fn weekdays_9_to_20() -> Schedule {
    Schedule::parse("mon-fri 09:00-20:00", "Europe/Kyiv").unwrap()
}

/// Kyiv wall time in November 2026 (UTC+2).
fn kyiv(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap() - Duration::hours(2)
}

fn desk_at(kit: Kit, at: DateTime<Utc>, schedule: Schedule) -> (SupportDesk, Commits) {
    let (mut desk, commits, _) = kit.desk();
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || at);
    desk.ports.clock = Arc::new(clock);
    desk.settings.schedule = schedule;
    (desk, commits)
}

#[test]
fn the_first_reminder_comes_at_the_target() {
    let (n, commits) = remind([waiting(1, Duration::minutes(15), 0)]);
    assert_eq!(n, 1);
    assert_eq!(commits.len(), 1, "one pass, one commit");
    let (texts, counts) = reminders(&commits[0]);
    assert_eq!(
        texts,
        vec![(7, "⏰ Клієнт чекає 15 хв без відповіді.".to_owned())]
    );
    assert_eq!(counts, vec![(t(1), 1)]);
}

#[test]
fn nothing_before_the_target() {
    let just_before = Duration::minutes(15) - Duration::seconds(1);
    let (n, commits) = remind([waiting(1, just_before, 0)]);
    assert_eq!(n, 0);
    assert!(commits.is_empty(), "{commits:?}");
}

#[test]
fn the_second_comes_at_twice_the_target_and_no_third() {
    let (_, commits) = remind([waiting(1, Duration::minutes(29), 1)]);
    assert!(commits.is_empty(), "between the two: {commits:?}");

    let (n, commits) = remind([waiting(1, Duration::minutes(30), 1)]);
    assert_eq!(n, 1);
    let (texts, counts) = reminders(&commits[0]);
    assert_eq!(
        texts,
        vec![(7, "⏰ Клієнт чекає 30 хв без відповіді.".to_owned())]
    );
    assert_eq!(counts, vec![(t(1), 2)]);

    let (n, commits) = remind([waiting(1, Duration::hours(5), 2)]);
    assert_eq!((n, commits.len()), (0, 0), "two reminders per wait at most");
}

#[test]
fn an_answered_client_gets_no_reminder() {
    // Answered: the store cleared `waiting_since` (and the count) when the answer reached them.
    let answered = Ticket {
        waiting_since: None,
        created_at: now() - Duration::hours(3),
        ..waiting(1, Duration::hours(3), 0)
    };
    let (n, commits) = remind([answered]);
    assert_eq!((n, commits.len()), (0, 0));
}

#[test]
fn after_a_long_downtime_one_message_brings_the_count_to_two() {
    let (n, commits) = remind([waiting(1, Duration::minutes(5 * 60 + 7), 0)]);
    assert_eq!(n, 1);
    let (texts, counts) = reminders(&commits[0]);
    assert_eq!(
        texts,
        vec![(7, "⏰ Клієнт чекає 5 год 7 хв без відповіді.".to_owned())]
    );
    assert_eq!(counts, vec![(t(1), 2)]);
}

#[test]
fn the_assignee_is_mentioned() {
    let by_id = Ticket {
        assigned_to: Some(Assignee::Staff {
            id: uid(600),
            name: "@marta".into(),
        }),
        ..waiting(1, Duration::minutes(20), 0)
    };
    let stored_id = Ticket {
        // As read back from the store: only the id is kept.
        assigned_to: Assignee::from_stored("601"),
        ..waiting(2, Duration::minutes(20), 0)
    };
    let by_name = Ticket {
        assigned_to: Some(Assignee::Username("ivan_vet".into())),
        ..waiting(3, Duration::minutes(20), 0)
    };
    let (n, commits) = remind([by_id, stored_id, by_name]);
    assert_eq!(n, 3);
    let (texts, _) = reminders(&commits[0]);
    let texts: Vec<String> = texts.into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        texts,
        vec![
            "⏰ Клієнт чекає 20 хв без відповіді.\n👤 <a href=\"tg://user?id=600\">@marta</a>",
            "⏰ Клієнт чекає 20 хв без відповіді.\n👤 <a href=\"tg://user?id=601\">виконавець</a>",
            "⏰ Клієнт чекає 20 хв без відповіді.\n👤 @ivan_vet",
        ]
    );
}

#[test]
fn only_working_time_counts() {
    // Friday 19:55 in Kyiv; the clinic closes at 20:00 and opens on Monday at 09:00.
    let friday_evening = Ticket {
        waiting_since: Some(kyiv(20, 19, 55)),
        ..waiting(1, Duration::zero(), 0)
    };
    let kit = || Kit::new().with_ticket(friday_evening.clone());

    // Monday 09:05: 61 hours on the clock, 10 minutes of working time.
    let (desk, commits) = desk_at(kit(), kyiv(23, 9, 5), weekdays_9_to_20());
    let (n, made) = pass(&desk, &commits);
    assert_eq!(
        (n, made.len()),
        (0, 0),
        "the weekend does not count: {made:?}"
    );

    // Monday 09:10: 15 minutes of working time.
    let (desk, commits) = desk_at(kit(), kyiv(23, 9, 10), weekdays_9_to_20());
    let (n, made) = pass(&desk, &commits);
    assert_eq!(n, 1);
    let (texts, counts) = reminders(&made[0]);
    assert_eq!(texts[0].1, "⏰ Клієнт чекає 15 хв без відповіді.");
    assert_eq!(counts, vec![(t(1), 1)]);
}

#[test]
fn the_night_does_not_count_and_nobody_is_reminded_while_closed() {
    // Thursday 19:50: ten working minutes until closing.
    let evening = Ticket {
        waiting_since: Some(kyiv(19, 19, 50)),
        ..waiting(1, Duration::zero(), 0)
    };
    let kit = || Kit::new().with_ticket(evening.clone());

    // Friday 03:00: closed, and the night added nothing.
    let (desk, commits) = desk_at(kit(), kyiv(20, 3, 0), weekdays_9_to_20());
    assert_eq!(pass(&desk, &commits).0, 0);

    // Friday 09:04: 14 working minutes.
    let (desk, commits) = desk_at(kit(), kyiv(20, 9, 4), weekdays_9_to_20());
    assert_eq!(pass(&desk, &commits).0, 0);

    // Friday 09:05: 15.
    let (desk, commits) = desk_at(kit(), kyiv(20, 9, 5), weekdays_9_to_20());
    assert_eq!(pass(&desk, &commits).0, 1);
}

#[test]
fn a_reminder_due_at_closing_waits_for_the_opening() {
    // 19:40 → 20:00 is 20 working minutes: due, but the clinic has just closed.
    let evening = Ticket {
        waiting_since: Some(kyiv(19, 19, 40)),
        ..waiting(1, Duration::zero(), 0)
    };
    let (desk, commits) = desk_at(
        Kit::new().with_ticket(evening.clone()),
        kyiv(19, 20, 30),
        weekdays_9_to_20(),
    );
    assert_eq!(pass(&desk, &commits).0, 0, "no reminder at night");

    let (desk, commits) = desk_at(
        Kit::new().with_ticket(evening),
        kyiv(20, 9, 0),
        weekdays_9_to_20(),
    );
    let (n, made) = pass(&desk, &commits);
    assert_eq!(n, 1);
    assert_eq!(reminders(&made[0]).1, vec![(t(1), 1)]);
}

#[test]
fn no_target_no_reminders() {
    let (mut desk, commits, _) = kit_with([waiting(1, Duration::hours(2), 0)]).desk();
    desk.settings.first_response_target = None;
    let (n, made) = pass(&desk, &commits);
    assert_eq!((n, made.len()), (0, 0));
}

#[test]
fn a_shorter_target_counts_from_it() {
    let (mut desk, commits, _) = kit_with([waiting(1, Duration::minutes(4), 0)]).desk();
    desk.settings.first_response_target = Some(Duration::minutes(2));
    let (n, made) = pass(&desk, &commits);
    assert_eq!(n, 1);
    assert_eq!(reminders(&made[0]).1, vec![(t(1), 2)]);
}

#[test]
fn no_topic_no_reminder() {
    let topicless = Ticket {
        thread: None,
        ..waiting(1, Duration::hours(1), 0)
    };
    let (n, commits) = remind([topicless]);
    assert_eq!((n, commits.len()), (0, 0));
}

#[test]
fn one_pass_reminds_every_appeal_due_in_one_commit() {
    let (n, commits) = remind([
        waiting(1, Duration::minutes(16), 0),
        waiting(2, Duration::minutes(5), 0),
        Ticket {
            thread: Some(tid(9)),
            ..waiting(3, Duration::minutes(31), 1)
        },
    ]);
    assert_eq!(n, 2);
    assert_eq!(commits.len(), 1);
    let (texts, counts) = reminders(&commits[0]);
    assert_eq!(
        texts.iter().map(|(topic, _)| *topic).collect::<Vec<_>>(),
        vec![7, 9]
    );
    assert_eq!(counts, vec![(t(1), 1), (t(3), 2)]);
}

#[test]
fn a_failed_commit_is_an_error() {
    let mut kit = kit_with([waiting(1, Duration::minutes(20), 0)]);
    kit.commit_fails = true;
    let (desk, _, _) = kit.desk();
    let err = futures::executor::block_on(desk.remind_waiting()).unwrap_err();
    assert!(matches!(err, DeskError::Store(StoreError::Unavailable(_))));
}
