//! The report's facts (`ReportRepository`): one fixture of appeals, staff messages with their
//! senders, audit rows and ratings, stored the same way on each backend; the facts read back
//! must be the same, and the domain's figures from them the numbers worked out by hand.

use crate::scenarios::{at, label, record, uid, upsert};
use crate::support::{Ctx, GROUP, group};
use adapters_mysql::entities::outbox;
use chrono::{NaiveDate, TimeDelta};
use domain::change::{AuditEntry, Change, TicketRef};
use domain::ids::{ThreadId, UserId};
use domain::message::Direction;
use domain::outbound::{BotText, Outbound};
use domain::ports::{ReportRepository, StoreError, UnitOfWork};
use domain::services::report::{LowRating, Period, StaffKey, StaffLine, figures};
use domain::ticket::{Assignee, Rating, TakenVia};
use domain::working_hours::Schedule;
use sea_orm::{EntityTrait, PaginatorTrait};

fn open_in(client: UserId, thread: i64, when: chrono::DateTime<chrono::Utc>) -> Change {
    Change::OpenTicket {
        client,
        thread: Some(ThreadId::new(thread).unwrap()),
        label: label("Олена 🐾"),
        at: when,
    }
}

/// A staff message by `staff` to `client`, relayed at `when`, with the answer it makes.
fn staff_answer(
    client: UserId,
    staff: i64,
    id: i64,
    when: chrono::DateTime<chrono::Utc>,
) -> Vec<Change> {
    let mut rec = record(
        client,
        TicketRef::OpenOf(client),
        Direction::StaffToClient,
        id,
        "Добрий день!",
    );
    if let Change::RecordMessage { at, staff: s, .. } = &mut rec {
        *at = when;
        *s = Some(uid(staff));
    }
    vec![
        rec,
        Change::StaffAnswered {
            ticket: TicketRef::OpenOf(client),
            at: when,
        },
    ]
}

fn client_message(client: UserId, id: i64, when: chrono::DateTime<chrono::Utc>) -> Change {
    let mut rec = record(
        client,
        TicketRef::OpenOf(client),
        Direction::ClientToStaff,
        id,
        "Ще питання",
    );
    if let Change::RecordMessage { at, .. } = &mut rec {
        *at = when;
    }
    rec
}

fn audit(
    actor: UserId,
    action: &str,
    client: UserId,
    when: chrono::DateTime<chrono::Utc>,
) -> Change {
    Change::Audit(AuditEntry {
        actor,
        action: action.into(),
        client,
        detail: String::new(),
        at: when,
    })
}

pub async fn report_facts_are_the_same_on_both_backends(ctx: Ctx) {
    let store = ctx.store().await;
    let (a, b, c, d, e) = (uid(101), uid(102), uid(103), uid(104), uid(105));
    let assign = |client, assignee| {
        let store = store.clone();
        async move {
            let t = store.open_for(client).await.unwrap().unwrap().id;
            store
                .commit(vec![Change::AssignTicket {
                    ticket: t,
                    assignee,
                    via: TakenVia::Command,
                }])
                .await
                .unwrap();
            t
        }
    };
    use domain::ports::TicketRepository;
    for who in [a, b, c, d, e] {
        store
            .commit(vec![upsert(who, "Олена", None, None)])
            .await
            .unwrap();
    }
    // A: opened before the period, first answered in it (90 min) by 600, closed by 600, rated 2.
    store
        .commit(vec![open_in(a, 11, at(7, 0, 0))])
        .await
        .unwrap();
    store
        .commit(staff_answer(a, 600, 501, at(8, 30, 0)))
        .await
        .unwrap();
    let ta = assign(
        a,
        Assignee::Staff {
            id: uid(600),
            name: "Марта".into(),
        },
    )
    .await;
    store
        .commit(vec![
            Change::CloseTicket {
                ticket: ta,
                at: at(9, 0, 0),
            },
            audit(uid(600), "close", a, at(9, 0, 0)),
        ])
        .await
        .unwrap();
    store
        .commit(vec![Change::RateTicket {
            ticket: ta,
            rating: Rating::new(2).unwrap(),
            at: at(9, 5, 0),
        }])
        .await
        .unwrap();
    // B: opened in it, answered in 10 min by 700 (its assignee), then 600 writes too; the
    // client asks again and waits.
    store
        .commit(vec![open_in(b, 12, at(10, 0, 0))])
        .await
        .unwrap();
    store
        .commit(staff_answer(b, 700, 502, at(10, 10, 0)))
        .await
        .unwrap();
    store
        .commit(staff_answer(b, 600, 503, at(10, 20, 0)))
        .await
        .unwrap();
    store
        .commit(vec![client_message(b, 504, at(10, 30, 0))])
        .await
        .unwrap();
    assign(
        b,
        Assignee::Staff {
            id: uid(700),
            name: "Ігор".into(),
        },
    )
    .await;
    // C: opened in it, answered in 30 min (by 700), assigned to @olga_vet, closed silently
    // by 700, rated 5.
    store
        .commit(vec![open_in(c, 13, at(11, 0, 0))])
        .await
        .unwrap();
    store
        .commit(staff_answer(c, 700, 505, at(11, 30, 0)))
        .await
        .unwrap();
    let tc = assign(c, Assignee::Username("olga_vet".into())).await;
    store
        .commit(vec![
            Change::CloseTicket {
                ticket: tc,
                at: at(12, 0, 0),
            },
            audit(uid(700), "close_silent", c, at(12, 0, 0)),
        ])
        .await
        .unwrap();
    store
        .commit(vec![Change::RateTicket {
            ticket: tc,
            rating: Rating::new(5).unwrap(),
            at: at(12, 5, 0),
        }])
        .await
        .unwrap();
    // D: everything before the period, then an auto-close row in it (the client is its actor).
    store
        .commit(vec![open_in(d, 14, at(5, 0, 0))])
        .await
        .unwrap();
    let td = store.open_for(d).await.unwrap().unwrap().id;
    store
        .commit(vec![
            Change::CloseTicket {
                ticket: td,
                at: at(6, 0, 0),
            },
            audit(uid(600), "close", d, at(6, 0, 0)),
            audit(d, "auto_close", d, at(13, 0, 0)),
        ])
        .await
        .unwrap();
    // E: opened after the period, still open; 600 answers after it too.
    store
        .commit(vec![open_in(e, 15, at(21, 0, 0))])
        .await
        .unwrap();
    store
        .commit(staff_answer(e, 600, 506, at(21, 5, 0)))
        .await
        .unwrap();

    let (from, to) = (at(8, 0, 0), at(20, 0, 0));
    let mut touching: Vec<UserId> = store
        .appeals_touching(from, to)
        .await
        .unwrap()
        .iter()
        .map(|t| t.client)
        .collect();
    touching.sort();
    assert_eq!(touching, [a, b, c, e], "D is outside the period and closed");
    let appeals = store.appeals_touching(from, to).await.unwrap();
    let of = |who| appeals.iter().find(|t| t.client == who).unwrap();
    assert_eq!(of(a).first_response_at, Some(at(8, 30, 0)));
    assert_eq!(of(a).closed_at, Some(at(9, 0, 0)));
    assert_eq!(
        (of(a).rating, of(a).rated_at),
        (Rating::new(2), Some(at(9, 5, 0)))
    );
    assert_eq!(of(a).thread, Some(ThreadId::new(11).unwrap()));
    assert_eq!(of(b).waiting_since, Some(at(10, 30, 0)));
    assert_eq!(of(b).first_response_at, Some(at(10, 10, 0)));
    assert_eq!(
        of(c).assigned_to,
        Some(Assignee::Username("olga_vet".into()))
    );

    let answers = store.answers_by_staff(from, to).await.unwrap();
    assert_eq!(answers, [(uid(600), 2), (uid(700), 2)]);
    let closes = store.closes_by_staff(from, to).await.unwrap();
    assert_eq!(closes, [(uid(600), 1), (uid(700), 1)]);
    // An empty range: nothing but the open appeals.
    let quiet = (at(22, 0, 0), at(23, 0, 0));
    assert!(
        store
            .answers_by_staff(quiet.0, quiet.1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .closes_by_staff(quiet.0, quiet.1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .appeals_touching(quiet.0, quiet.1)
            .await
            .unwrap()
            .len(),
        2
    );

    // The figures, by hand: opened B and C; closed A and C; open B and E, B waits; first
    // responses 10, 30 and 90 min (median 30, the 90th percentile 90).
    let period = Period { days: 1, from, to };
    let f = figures(
        period,
        &appeals,
        &answers,
        &closes,
        &Schedule::default(),
        group(),
    );
    assert_eq!(
        (f.opened, f.closed, f.open_now, f.waiting_now),
        (2, 2, 2, 1)
    );
    assert_eq!(f.first_response_median, Some(TimeDelta::minutes(30)));
    assert_eq!(f.first_response_p90, Some(TimeDelta::minutes(90)));
    assert_eq!(
        f.staff,
        [
            StaffLine {
                who: StaffKey::Id(uid(600)),
                answers: 2,
                closed: 1,
                first_response_median: Some(TimeDelta::minutes(90)),
            },
            StaffLine {
                who: StaffKey::Id(uid(700)),
                answers: 2,
                closed: 1,
                first_response_median: Some(TimeDelta::minutes(10)),
            },
            StaffLine {
                who: StaffKey::Username("olga_vet".into()),
                answers: 0,
                closed: 0,
                first_response_median: Some(TimeDelta::minutes(30)),
            },
        ]
    );
    assert_eq!((f.ratings, f.rating_average), (2, Some(3.5)));
    let internal = GROUP.to_string().replacen("-100", "", 1);
    assert_eq!(
        f.low,
        [LowRating {
            rating: Rating::new(2).unwrap(),
            label: "Олена 🐾".into(),
            link: Some(format!("https://t.me/c/{internal}/11")),
        }]
    );
}

pub async fn the_daily_report_is_marked_once_a_day(ctx: Ctx) {
    let store = ctx.store().await;
    let day = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
    assert_eq!(store.last_daily_report().await.unwrap(), None);
    let report = |day| {
        vec![
            Change::Enqueue(Outbound::TextToGroup {
                thread: None,
                text: BotText::new("📊"),
                reply_to: None,
            }),
            Change::DailyReportPosted {
                day,
                at: at(9, 0, 0),
            },
        ]
    };
    store.commit(report(day)).await.unwrap();
    assert_eq!(store.last_daily_report().await.unwrap(), Some(day));
    // The same day again: refused whole, its report not queued.
    let again = store.commit(report(day)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let queued = outbox::Entity::find()
        .count(store.database().connection())
        .await
        .unwrap();
    assert_eq!(queued, 1);
    let next = day.succ_opt().unwrap();
    store.commit(report(next)).await.unwrap();
    assert_eq!(store.last_daily_report().await.unwrap(), Some(next));
}
