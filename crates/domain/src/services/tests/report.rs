//! Use-case tests: the staff's report — the period, medians and the 90th percentile, working
//! time, each staff member's part, ratings with links, the empty period, the chart's days, the
//! Ukrainian text, `/report` itself and when the daily report is due.

use super::testkit::*;
use crate::change::Change;
use crate::outbound::Outbound;
use crate::ports::MockClock;
use crate::services::Inbound;
use crate::services::report::*;
use crate::texts;
use crate::ticket::{Assignee, Rating, Ticket};
use crate::working_hours::Schedule;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Kyiv;
use std::sync::Arc;

fn ago(minutes: i64) -> DateTime<Utc> {
    now() - Duration::minutes(minutes)
}

fn mins(list: &[i64]) -> Vec<Duration> {
    list.iter().map(|m| Duration::minutes(*m)).collect()
}

fn staff(id: i64) -> Assignee {
    Assignee::Staff {
        id: uid(id),
        name: id.to_string(),
    }
}

/// An appeal opened `opened` minutes ago, first answered `answered_after` minutes later.
fn appeal(id: i64, opened: i64, answered_after: Option<i64>) -> Ticket {
    let mut t = ticket(id, 500 + id, true);
    t.created_at = ago(opened);
    t.first_response_at = answered_after.map(|m| ago(opened - m));
    t
}

fn closed(mut t: Ticket, minutes_ago: i64) -> Ticket {
    t.status = crate::ticket::TicketStatus::Closed;
    t.closed_at = Some(ago(minutes_ago));
    t
}

fn rated(mut t: Ticket, rating: u8, minutes_ago: i64) -> Ticket {
    t.rating = Rating::new(rating);
    t.rated_at = Some(ago(minutes_ago));
    t
}

/// The fixture: a day (the last 24 hours) with five appeals touching it.
fn day_of_appeals() -> Vec<Ticket> {
    // Opened and answered in 10 min, still open, the client waits again.
    let mut t1 = appeal(1, 300, Some(10));
    t1.assigned_to = Some(staff(600));
    t1.waiting_since = Some(ago(30));
    // Opened, answered in 20 min, closed, rated 2: a low rating with a link.
    let mut t2 = appeal(2, 180, Some(20));
    t2.assigned_to = Some(staff(600));
    t2.thread = Some(tid(77));
    t2.label = Some("Олена — Барсік".into());
    let t2 = rated(closed(t2, 60), 2, 50);
    // Opened two days ago, first answered in the period after 28 h, closed and rated 5.
    let mut t3 = appeal(3, 48 * 60, Some(28 * 60));
    t3.assigned_to = Some(Assignee::Username("olga_vet".into()));
    let t3 = rated(closed(t3, 120), 5, 110);
    // Everything before the period: it counts for nothing.
    let t4 = rated(closed(appeal(4, 30 * 60, Some(5)), 26 * 60), 1, 25 * 60);
    // Just opened, nobody answered yet.
    let mut t5 = appeal(5, 60, None);
    t5.waiting_since = Some(ago(60));
    vec![t1, t2, t3, t4, t5]
}

fn day_figures() -> ReportFigures {
    figures(
        Period::last_days(1, now(), Kyiv),
        &day_of_appeals(),
        &[(uid(600), 5), (uid(700), 2)],
        &[(uid(600), 1), (uid(700), 1)],
        &Schedule::default(),
        group(),
    )
}

#[test]
fn the_days_asked_for_are_one_to_ninety() {
    assert_eq!(report_days(""), Some(1));
    assert_eq!(report_days("  "), Some(1));
    assert_eq!(report_days("7"), Some(7));
    assert_eq!(report_days("90"), Some(90));
    for bad in ["0", "91", "-1", "abc", "7 днів", "1.5"] {
        assert_eq!(report_days(bad), None, "{bad:?}");
    }
}

#[test]
fn medians_and_the_90th_percentile() {
    assert_eq!(median(&[]), None);
    assert_eq!(median(&mins(&[7])), Some(Duration::minutes(7)));
    assert_eq!(median(&mins(&[1, 2, 30])), Some(Duration::minutes(2)));
    assert_eq!(median(&mins(&[1, 2, 3, 4])), Some(Duration::seconds(150)));
    assert_eq!(percentile(&[], 90), None);
    assert_eq!(percentile(&mins(&[5]), 90), Some(Duration::minutes(5)));
    let ten = mins(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 100]);
    assert_eq!(percentile(&ten, 90), Some(Duration::minutes(9)));
    // Rank ⌈11 × 0.9⌉ = 10.
    let eleven = mins(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]);
    assert_eq!(percentile(&eleven, 90), Some(Duration::minutes(10)));
    assert_eq!(
        percentile(&mins(&[1, 100]), 90),
        Some(Duration::minutes(100))
    );
}

#[test]
fn the_period_is_the_same_wall_clock_time_days_before() {
    let p = Period::last_days(7, now(), Kyiv);
    assert_eq!(p.from, now() - Duration::days(7));
    assert_eq!(p.to, now());
    // Across the spring clock change (29 March 2026, 03:00 → 04:00 in Kyiv): 12:00 local on
    // the 28th is 10:00 UTC, 12:00 local on the 29th is 09:00 UTC — one day, 23 hours long.
    let after = Utc.with_ymd_and_hms(2026, 3, 29, 9, 0, 0).unwrap();
    let p = Period::last_days(1, after, Kyiv);
    assert_eq!(p.from, Utc.with_ymd_and_hms(2026, 3, 28, 10, 0, 0).unwrap());
}

#[test]
fn a_day_of_appeals_adds_up() {
    let f = day_figures();
    assert_eq!((f.opened, f.closed), (3, 2));
    assert_eq!((f.open_now, f.waiting_now), (2, 2));
    assert_eq!(f.first_responses, 3);
    assert_eq!(f.first_response_median, Some(Duration::minutes(20)));
    assert_eq!(f.first_response_p90, Some(Duration::hours(28)));
    assert!(!f.working_time);
    assert_eq!(
        f.staff,
        vec![
            StaffLine {
                who: StaffKey::Id(uid(600)),
                answers: 5,
                closed: 1,
                first_response_median: Some(Duration::minutes(15)),
            },
            StaffLine {
                who: StaffKey::Id(uid(700)),
                answers: 2,
                closed: 1,
                first_response_median: None,
            },
            StaffLine {
                who: StaffKey::Username("olga_vet".into()),
                answers: 0,
                closed: 0,
                first_response_median: Some(Duration::hours(28)),
            },
        ]
    );
    assert_eq!(f.ratings, 2);
    assert_eq!(f.rating_average, Some(3.5));
    assert_eq!(
        f.low,
        vec![LowRating {
            rating: Rating::new(2).unwrap(),
            label: "Олена — Барсік".into(),
            link: Some("https://t.me/c/2992147362/77".into()),
        }]
    );
    assert_eq!(f.low_more, 0);
}

#[test]
fn first_responses_count_in_working_time_when_hours_are_set() {
    let schedule = Schedule::parse("Mon-Fri 09:00-18:00", "Europe/Kyiv").unwrap();
    // Friday 17:50 in Kyiv (UTC+2), answered on Monday at 09:05: 15 working minutes.
    let mut t = ticket(1, 501, false);
    t.created_at = Utc.with_ymd_and_hms(2026, 11, 20, 15, 50, 0).unwrap();
    t.first_response_at = Some(Utc.with_ymd_and_hms(2026, 11, 23, 7, 5, 0).unwrap());
    assert_eq!(first_response(&t, &schedule), Some(Duration::minutes(15)));
    assert_eq!(
        first_response(&t, &Schedule::default()),
        Some(Duration::minutes(2 * 24 * 60 + 15 * 60 + 15))
    );
    let f = figures(
        Period::last_days(1, now(), Kyiv),
        &[t],
        &[],
        &[],
        &schedule,
        group(),
    );
    assert!(f.working_time);
    assert_eq!(f.first_response_median, Some(Duration::minutes(15)));
    assert!(
        texts::report(&f, Kyiv, false).contains("⏱ Перша відповідь (у робочий час): медіана 15 хв")
    );
}

#[test]
fn low_ratings_are_the_lowest_first_and_capped() {
    let many: Vec<Ticket> = (1..=13)
        .map(|i| {
            rated(
                closed(appeal(i, 100, Some(1)), 60),
                if i % 2 == 0 { 1 } else { 3 },
                30,
            )
        })
        .collect();
    let f = figures(
        Period::last_days(1, now(), Kyiv),
        &many,
        &[],
        &[],
        &Schedule::default(),
        group(),
    );
    assert_eq!(f.low.len(), MAX_LOW_RATINGS);
    assert_eq!(f.low_more, 3);
    let ratings: Vec<u8> = f.low.iter().map(|l| l.rating.get()).collect();
    assert_eq!(ratings, [1, 1, 1, 1, 1, 1, 3, 3, 3, 3]);
    // Without a topic, no link; without a label, the client's id.
    assert_eq!(f.low[0].link, None);
    assert_eq!(f.low[0].label, "502");
}

#[test]
fn an_empty_period_reads_as_such() {
    let f = figures(
        Period::last_days(3, now(), Kyiv),
        &[],
        &[],
        &[],
        &Schedule::default(),
        group(),
    );
    assert_eq!(
        (f.opened, f.closed, f.open_now, f.waiting_now),
        (0, 0, 0, 0)
    );
    assert_eq!(f.first_response_median, None);
    assert_eq!(f.first_response_p90, None);
    assert!(f.staff.is_empty());
    assert_eq!((f.ratings, f.rating_average), (0, None));
    assert_eq!(
        texts::report(&f, Kyiv, false),
        "📊 <b>Звіт за 3 дні</b>\n20.11 12:00 – 23.11 12:00\n\n\
         📥 Нових звернень: 0 · закрито: 0\n📂 Зараз відкрито: 0 · чекають відповіді: 0\n\
         ⏱ Перших відповідей за період не було\n\n\
         👥 Відповідей працівників за період не було\n\n\
         ⭐ Оцінок за період не було"
    );
}

#[test]
fn the_report_reads_in_ukrainian_on_a_phone() {
    assert_eq!(
        texts::report(&day_figures(), Kyiv, true),
        "📊 <b>Щоденний звіт за 1 день</b>\n22.11 12:00 – 23.11 12:00\n\n\
         📥 Нових звернень: 3 · закрито: 2\n📂 Зараз відкрито: 2 · чекають відповіді: 2\n\
         ⏱ Перша відповідь: медіана 20 хв · 90% — за 1 дн 4 год (3 зв.)\n\n\
         👥 <b>Працівники</b>\n\
         • ID 600 — відповідей: 5 · закрито: 1 · медіана 15 хв\n\
         • ID 700 — відповідей: 2 · закрито: 1\n\
         • olga_vet — відповідей: 0 · закрито: 0 · медіана 1 дн 4 год\n\n\
         ⭐ Оцінок: 2 · середня 3,5\nНизькі (≤ 3):\n\
         • 2★ — <a href=\"https://t.me/c/2992147362/77\">Олена — Барсік</a>"
    );
    assert_eq!(texts::days_count(1), "1 день");
    assert_eq!(texts::days_count(3), "3 дні");
    assert_eq!(texts::days_count(11), "11 днів");
    assert_eq!(texts::days_count(21), "21 день");
    assert_eq!(texts::days_count(90), "90 днів");
    assert_eq!(texts::report_span(Duration::seconds(40)), "менше хвилини");
    assert_eq!(texts::report_span(Duration::minutes(125)), "2 год 5 хв");
    assert_eq!(texts::report_span(Duration::hours(48)), "2 дн");
}

#[test]
fn the_chart_has_fourteen_local_days_oldest_first() {
    let schedule = Schedule::default();
    let mut late = ticket(1, 501, true);
    // 23:30 UTC on the 21st is 01:30 on the 22nd in Kyiv: the 22nd's appeal.
    late.created_at = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).unwrap();
    late.first_response_at = Some(late.created_at + Duration::minutes(6));
    let mut other = ticket(2, 502, true);
    other.created_at = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();
    other.first_response_at = Some(other.created_at + Duration::minutes(10));
    let mut old = ticket(3, 503, true);
    old.created_at = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
    let days = daily_figures(&[late, other, old], now(), &schedule);
    assert_eq!(days.len(), CHART_DAYS as usize);
    assert_eq!(days[0].day, NaiveDate::from_ymd_opt(2026, 11, 10).unwrap());
    assert_eq!(days[13].day, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let d22 = days[12];
    assert_eq!(d22.opened, 2);
    assert_eq!(d22.first_response_median, Some(Duration::minutes(8)));
    assert_eq!(days[11].opened, 0);
    assert_eq!(days[11].first_response_median, None);
    assert_eq!(days.iter().map(|d| d.opened).sum::<u32>(), 2);
    assert_eq!(
        chart_from(now(), Kyiv),
        Utc.with_ymd_and_hms(2026, 11, 9, 22, 0, 0).unwrap()
    );
}

#[test]
fn the_daily_report_is_due_once_a_day_after_its_time() {
    let at = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    // 06:59 UTC is 08:59 in Kyiv: not yet.
    let before = Utc.with_ymd_and_hms(2026, 11, 23, 6, 59, 0).unwrap();
    assert_eq!(daily_report_due(at, None, before, Kyiv), None);
    let after = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
    assert_eq!(daily_report_due(at, None, after, Kyiv), Some(today));
    assert_eq!(
        daily_report_due(at, today.pred_opt(), after, Kyiv),
        Some(today)
    );
    assert_eq!(daily_report_due(at, Some(today), after, Kyiv), None);
    // Late in the day (the bot was down at 09:00): still that day's report, once.
    let late = Utc.with_ymd_and_hms(2026, 11, 23, 21, 0, 0).unwrap();
    assert_eq!(
        daily_report_due(at, today.pred_opt(), late, Kyiv),
        Some(today)
    );
}

fn report_command(thread: Option<i64>, text: &str) -> Vec<Change> {
    let (desk, commits, _) = Kit::new().with_ticket(appeal(1, 60, Some(5))).desk();
    run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, thread, 42, text)),
    )
}

#[test]
fn report_answers_where_asked_with_the_chart_after_the_text() {
    for thread in [None, Some(7)] {
        let changes = report_command(thread, "/report 7");
        match sent(&changes).as_slice() {
            [
                Outbound::TextToGroup {
                    thread: t,
                    text,
                    reply_to,
                },
                Outbound::ChartToGroup { thread: c, days },
            ] => {
                assert_eq!(*t, thread.map(tid));
                assert_eq!(*c, thread.map(tid));
                assert_eq!(*reply_to, Some(mid(42)));
                assert!(
                    text.html.starts_with("📊 <b>Звіт за 7 днів</b>"),
                    "{}",
                    text.html
                );
                assert!(text.html.contains("📥 Нових звернень: 1"), "{}", text.html);
                assert_eq!(days.len(), CHART_DAYS as usize);
                assert_eq!(days[13].opened, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn report_with_a_bad_number_shows_its_usage() {
    for bad in ["/report 0", "/report 91", "/report тиждень"] {
        let changes = report_command(None, bad);
        match sent(&changes).as_slice() {
            [Outbound::TextToGroup { text, .. }] => assert_eq!(text.html, texts::REPORT_USAGE),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

fn daily_desk(kit: Kit, at: DateTime<Utc>) -> (crate::services::SupportDesk, Commits) {
    let (mut desk, commits, _) = kit.desk();
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || at);
    desk.ports.clock = Arc::new(clock);
    desk.settings.report_at = NaiveTime::from_hms_opt(9, 0, 0);
    (desk, commits)
}

#[test]
fn the_daily_report_goes_to_general_with_its_day_mark() {
    let (desk, commits) = daily_desk(Kit::new(), now());
    assert!(futures::executor::block_on(desk.post_daily_report()).unwrap());
    let all = commits.lock().unwrap();
    assert_eq!(all.len(), 1);
    let changes = &all[0];
    match sent(changes).as_slice() {
        [
            Outbound::TextToGroup {
                thread: None,
                text,
                reply_to: None,
            },
            Outbound::ChartToGroup { thread: None, days },
        ] => {
            assert!(text.html.starts_with("📊 <b>Щоденний звіт за 1 день</b>"));
            assert_eq!(days.len(), CHART_DAYS as usize);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        changes.last(),
        Some(&Change::DailyReportPosted {
            day: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            at: now(),
        })
    );
}

#[test]
fn no_daily_report_twice_a_day_nor_before_its_time_nor_unset() {
    let mut kit = Kit::new();
    kit.last_report = NaiveDate::from_ymd_opt(2026, 11, 23);
    let (desk, commits) = daily_desk(kit, now());
    assert!(!futures::executor::block_on(desk.post_daily_report()).unwrap());
    // 08:30 in Kyiv.
    let early = Utc.with_ymd_and_hms(2026, 11, 23, 6, 30, 0).unwrap();
    let (early_desk, early_commits) = daily_desk(Kit::new(), early);
    assert!(!futures::executor::block_on(early_desk.post_daily_report()).unwrap());
    let (mut unset, unset_commits) = daily_desk(Kit::new(), now());
    unset.settings.report_at = None;
    assert!(!futures::executor::block_on(unset.post_daily_report()).unwrap());
    assert!(commits.lock().unwrap().is_empty());
    assert!(early_commits.lock().unwrap().is_empty());
    assert!(unset_commits.lock().unwrap().is_empty());
}
