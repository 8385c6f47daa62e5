//! Use-case tests: `/queue` — its order, how waits read, topic links, assignees, the cap, and
//! that it answers in General and in any topic alike.

use super::testkit::*;
use crate::change::Change;
use crate::client::Client;
use crate::ids::GroupId;
use crate::label::Label;
use crate::outbound::Outbound;
use crate::services::Inbound;
use crate::services::queue::{Elapsed, MAX_QUEUE_LINES, Standing, queue_view, topic_link};
use crate::texts;
use crate::ticket::{Assignee, Ticket};
use chrono::{DateTime, Duration, Utc};

fn ago(minutes: i64) -> DateTime<Utc> {
    now() - Duration::minutes(minutes)
}

/// An open appeal whose client has waited `minutes`.
fn waiting(id: i64, client: i64, minutes: i64) -> Ticket {
    let mut t = ticket(id, client, true);
    t.created_at = ago(minutes);
    t.waiting_since = Some(ago(minutes));
    t.last_client_message_at = Some(ago(minutes));
    t
}

/// An open appeal answered `minutes` ago.
fn answered(id: i64, client: i64, minutes: i64) -> Ticket {
    let mut t = ticket(id, client, true);
    t.created_at = ago(minutes + 60);
    t.last_client_message_at = Some(ago(minutes + 1));
    t.last_staff_message_at = Some(ago(minutes));
    t
}

fn named(id: i64, thread: Option<i64>, label: &str) -> Client {
    let mut c = client(id, thread);
    c.label = Some(Label::new(label).unwrap());
    c
}

/// `/queue` sent by staff member 600 as message 42 in `thread` (`None`: General).
fn ask(thread: Option<i64>) -> Inbound {
    Inbound::Message(staff_text(600, thread, 42, "/queue"))
}

/// The one text the desk answered with, and where.
fn answer(changes: &[Change]) -> (Option<i64>, String) {
    assert_eq!(
        changes.len(),
        2,
        "only the answer and the handled mark: {changes:?}"
    );
    match sent(changes).as_slice() {
        [
            Outbound::TextToGroup {
                thread,
                text,
                reply_to,
            },
        ] => {
            assert_eq!(*reply_to, Some(mid(42)), "answers the command");
            (thread.map(i64::from), text.html.clone())
        }
        other => panic!("one text to the group expected: {other:?}"),
    }
}

#[test]
fn a_wait_rounds_down_to_minutes_then_hours_then_days() {
    let at = |m: i64, s: i64| now() - Duration::minutes(m) - Duration::seconds(s);
    let cases = [
        (at(0, 30), Elapsed::Minutes(0)),
        (at(7, 0), Elapsed::Minutes(7)),
        (at(59, 59), Elapsed::Minutes(59)),
        (
            at(60, 0),
            Elapsed::Hours {
                hours: 1,
                minutes: 0,
            },
        ),
        (
            at(125, 30),
            Elapsed::Hours {
                hours: 2,
                minutes: 5,
            },
        ),
        (
            at(24 * 60 - 1, 59),
            Elapsed::Hours {
                hours: 23,
                minutes: 59,
            },
        ),
        (at(24 * 60, 0), Elapsed::Days(1)),
        (at(3 * 24 * 60 + 5 * 60, 0), Elapsed::Days(3)),
        // A clock that runs behind the database's: no negative waits.
        (now() + Duration::minutes(3), Elapsed::Minutes(0)),
    ];
    for (since, want) in cases {
        assert_eq!(Elapsed::between(since, now()), want, "since {since}");
    }
}

#[test]
fn a_wait_reads_short_in_ukrainian() {
    let read = |m: i64| texts::elapsed(Elapsed::between(ago(m), now()));
    assert_eq!(read(0), "менше хвилини");
    assert_eq!(read(7), "7 хв");
    assert_eq!(read(120), "2 год");
    assert_eq!(read(125), "2 год 5 хв");
    assert_eq!(read(3 * 24 * 60 + 7), "3 дн");
}

#[test]
fn waiting_ones_come_first_longest_wait_first_then_the_most_recently_active() {
    let mut quiet = ticket(5, 505, true);
    quiet.created_at = ago(2 * 24 * 60);
    let tickets = [
        answered(1, 501, 30),
        waiting(2, 502, 5),
        waiting(3, 503, 125),
        answered(4, 504, 3),
        quiet,
        ticket(6, 506, false),
    ];
    let clients: Vec<Client> = (501..=506)
        .map(|id| named(id, Some(id - 500), &format!("К{id}")))
        .collect();
    let view = queue_view(open_appeals(&tickets, &clients), group(), now());

    let order: Vec<&str> = view.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(order, ["К503", "К502", "К504", "К501", "К505"]);
    let standings: Vec<Standing> = view.lines.iter().map(|l| l.standing).collect();
    assert_eq!(
        standings,
        [
            Standing::Waiting(Elapsed::Hours {
                hours: 2,
                minutes: 5
            }),
            Standing::Waiting(Elapsed::Minutes(5)),
            Standing::Answered(Some(Elapsed::Minutes(3))),
            Standing::Answered(Some(Elapsed::Minutes(30))),
            Standing::Answered(None),
        ]
    );
    assert_eq!((view.open, view.waiting, view.more), (5, 2, 0));

    // Equal waits keep the older appeal first, whatever order the store read them in.
    let mut twins = [waiting(9, 509, 10), waiting(8, 508, 10)];
    let first = queue_view(open_appeals(&twins, &[]), group(), now());
    twins.reverse();
    let second = queue_view(open_appeals(&twins, &[]), group(), now());
    assert_eq!(first, second);
    assert_eq!(
        first.lines[0].label.as_str(),
        texts::unnamed_client(uid(508))
    );
}

#[test]
fn topic_links_drop_the_supergroups_prefix() {
    assert_eq!(
        topic_link(group(), tid(7)).as_deref(),
        Some("https://t.me/c/2992147362/7")
    );
    assert_eq!(
        topic_link(GroupId::new(-1001234567890).unwrap(), tid(12345)).as_deref(),
        Some("https://t.me/c/1234567890/12345")
    );
    // A basic group has no topics and no such links.
    assert_eq!(topic_link(GroupId::new(-4567890).unwrap(), tid(7)), None);
}

#[test]
fn queue_in_general_lists_waits_links_and_who_has_taken_what() {
    let mut olena = waiting(1, 500, 7);
    olena.assigned_to = Some(Assignee::Username("marta_vet".into()));
    let mut andrii = answered(3, 502, 10);
    // As the store reads an assignee back: the id only.
    andrii.assigned_to = Assignee::from_stored("600");
    let mut closed = waiting(4, 503, 300);
    closed.status = crate::ticket::TicketStatus::Closed;
    let (desk, commits, _) = Kit::new()
        .with_client(named(500, Some(7), "Олена"))
        .with_client(named(501, Some(8), "Тарас & <Ко>"))
        .with_client(named(502, None, "Андрій"))
        .with_client(named(503, Some(9), "Закрите"))
        .with_ticket(olena)
        .with_ticket(waiting(2, 501, 125))
        .with_ticket(andrii)
        .with_ticket(closed)
        .desk();

    let (thread, text) = answer(&run(&desk, &commits, ask(None)));
    assert_eq!(thread, None, "answered in General");
    assert_eq!(
        text,
        "📋 <b>Черга звернень</b>\n\
         Відкрито: 3 · чекають відповіді: 2\n\
         \n\
         ⏳ <a href=\"https://t.me/c/2992147362/8\">Тарас &amp; &lt;Ко&gt;</a> — чекає 2 год 5 хв · не взято\n\
         ⏳ <a href=\"https://t.me/c/2992147362/7\">Олена</a> — чекає 7 хв · 👤 marta_vet\n\
         💬 Андрій — відповіли 10 хв тому · 👤 ID 600"
    );
}

#[test]
fn queue_answers_in_a_topic_too_even_one_without_a_client() {
    let (desk, commits, _) = Kit::new()
        .with_client(named(500, Some(7), "Олена"))
        .with_ticket(waiting(1, 500, 7))
        .desk();
    for place in [Some(7), Some(99)] {
        let (thread, text) = answer(&run(&desk, &commits, ask(place)));
        assert_eq!(thread, place, "answered where it was asked");
        assert_ne!(text, texts::ONLY_IN_TOPIC);
        assert!(
            text.ends_with("\">Олена</a> — чекає 7 хв · не взято"),
            "{text}"
        );
    }
}

#[test]
fn no_open_appeals_is_one_line() {
    let (desk, commits, _) = Kit::new()
        .with_client(named(500, Some(7), "Олена"))
        .with_ticket(ticket(1, 500, false))
        .desk();
    let (_, text) = answer(&run(&desk, &commits, ask(None)));
    assert_eq!(text, texts::QUEUE_EMPTY);
    assert!(!text.contains('\n'));
}

#[test]
fn a_long_queue_is_cut_with_the_rest_counted() {
    let tickets: Vec<Ticket> = (1..=60).map(|i| waiting(i, 1000 + i, 100 - i)).collect();
    let view = queue_view(open_appeals(&tickets, &[]), group(), now());
    assert_eq!(view.lines.len(), MAX_QUEUE_LINES);
    assert_eq!((view.open, view.waiting, view.more), (60, 60, 10));
    // The longest waits are the ones shown.
    assert_eq!(
        view.lines[0].standing,
        Standing::Waiting(Elapsed::Hours {
            hours: 1,
            minutes: 39
        })
    );
    let text = texts::queue(&view);
    assert!(
        text.starts_with("📋 <b>Черга звернень</b>\nВідкрито: 60 · чекають відповіді: 60\n"),
        "{text}"
    );
    assert!(text.ends_with("\n…і ще 10"), "{text}");
    assert_eq!(text.lines().count(), 3 + MAX_QUEUE_LINES + 1);
    assert!(
        text.chars().count() < 2 * 4096,
        "fits two messages at worst"
    );
}

#[test]
fn assignees_are_named_without_notifying_them() {
    let mut by_name = waiting(1, 500, 1);
    by_name.assigned_to = Some(Assignee::Staff {
        id: uid(600),
        name: "@marta".into(),
    });
    let view = queue_view(open_appeals(&[by_name], &[]), group(), now());
    let text = texts::queue(&view);
    assert!(text.ends_with(" · 👤 marta"), "{text}");
    assert!(!text.contains('@') && !text.contains("tg://"), "{text}");
}
