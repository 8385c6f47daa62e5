use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Europe::Kyiv;

use super::*;

/// Kyiv wall-clock time (must exist and be unambiguous) → UTC.
fn kyiv(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Kyiv.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous Kyiv time")
        .to_utc()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn kyiv_schedule(hours: &str) -> Schedule {
    Schedule::new(WorkingHours::parse(hours).unwrap(), Kyiv)
}

fn err(hours: &str) -> String {
    WorkingHours::parse(hours).unwrap_err().to_string()
}

const CLINIC: &str = "mon-fri 09:00-20:00, sat 10:00-16:00";

#[test]
fn the_calendar_the_tests_rely_on() {
    assert_eq!(
        kyiv(2025, 5, 16, 12, 0).with_timezone(&Kyiv).weekday(),
        Weekday::Fri
    );
    assert_eq!(
        kyiv(2025, 3, 30, 12, 0).with_timezone(&Kyiv).weekday(),
        Weekday::Sun
    );
    assert_eq!(
        kyiv(2025, 10, 26, 12, 0).with_timezone(&Kyiv).weekday(),
        Weekday::Sun
    );
    // Kyiv: EET (+2) in winter, EEST (+3) in summer; clocks change on those Sundays at 01:00 UTC.
    assert_eq!(kyiv(2025, 3, 30, 2, 0), utc(2025, 3, 30, 0, 0));
    assert_eq!(kyiv(2025, 3, 30, 4, 0), utc(2025, 3, 30, 1, 0));
    assert_eq!(kyiv(2025, 10, 26, 2, 0), utc(2025, 10, 25, 23, 0));
    assert_eq!(kyiv(2025, 10, 26, 4, 0), utc(2025, 10, 26, 2, 0));
}

// ---------------------------------------------------------------- parsing

#[test]
fn parses_the_example_setting() {
    let hours = WorkingHours::parse(CLINIC).unwrap();
    assert!(!hours.is_always());
    assert_eq!(
        hours.to_string(),
        "mon 09:00-20:00, tue 09:00-20:00, wed 09:00-20:00, thu 09:00-20:00, \
         fri 09:00-20:00, sat 10:00-16:00"
    );
    assert_eq!(CLINIC.parse::<WorkingHours>().unwrap(), hours);
}

#[test]
fn blank_means_always_open() {
    for blank in ["", "   ", "\n"] {
        let hours = WorkingHours::parse(blank).unwrap();
        assert!(hours.is_always(), "{blank:?}");
        assert_eq!(hours, WorkingHours::always());
    }
    assert_eq!(WorkingHours::always().to_string(), "always open");
}

#[test]
fn day_names_in_any_case_english_and_ukrainian() {
    let expected = WorkingHours::parse("mon-fri 09:00-18:00").unwrap();
    for text in [
        "MON-Fri 09:00-18:00",
        "monday-friday 9:00-18:00",
        "пн-пт 09:00-18:00",
        "Пн-ПТ 09:00-18:00",
        "понеділок-п'ятниця 09:00-18:00",
        "понеділок-п’ятниця 09:00-18:00",
        "mon – fri 9:00 - 18:00",
        "mon - fri 09:00—18:00",
    ] {
        assert_eq!(WorkingHours::parse(text).as_ref(), Ok(&expected), "{text}");
    }
    assert_eq!(
        WorkingHours::parse("сб/нд 10:00-14:00")
            .unwrap()
            .to_string(),
        "sat 10:00-14:00, sun 10:00-14:00"
    );
    assert_eq!(
        WorkingHours::parse("вт ср чт 10:00-11:00")
            .unwrap()
            .to_string(),
        "tue 10:00-11:00, wed 10:00-11:00, thu 10:00-11:00"
    );
}

#[test]
fn several_days_and_intervals_in_one_rule() {
    let hours = WorkingHours::parse("mon/wed fri 09:00-13:00 14:00-18:00").unwrap();
    assert_eq!(
        hours.to_string(),
        "mon 09:00-13:00 14:00-18:00, wed 09:00-13:00 14:00-18:00, \
         fri 09:00-13:00 14:00-18:00"
    );
}

#[test]
fn a_rule_without_days_continues_the_previous_days() {
    assert_eq!(
        WorkingHours::parse("sat-sun 09:00-13:00, 14:00-18:00")
            .unwrap()
            .to_string(),
        "sat 09:00-13:00 14:00-18:00, sun 09:00-13:00 14:00-18:00"
    );
}

#[test]
fn overlapping_and_touching_rules_merge() {
    let hours =
        WorkingHours::parse("mon 09:00-12:00, mon 11:00-14:00; mon 14:00-15:00, mon 17:00-18:00")
            .unwrap();
    assert_eq!(hours.to_string(), "mon 09:00-15:00 17:00-18:00");
    assert_eq!(
        WorkingHours::parse("mon-wed 09:00-18:00, tue 08:00-10:00, 17:00-20:00")
            .unwrap()
            .to_string(),
        "mon 09:00-18:00, tue 08:00-20:00, wed 09:00-18:00"
    );
}

#[test]
fn day_ranges_may_wrap_the_week() {
    assert_eq!(
        WorkingHours::parse("sat-mon 10:00-12:00")
            .unwrap()
            .to_string(),
        "mon 10:00-12:00, sat 10:00-12:00, sun 10:00-12:00"
    );
    assert_eq!(
        WorkingHours::parse("fri-fri 10:00-12:00")
            .unwrap()
            .to_string(),
        "fri 10:00-12:00"
    );
}

#[test]
fn intervals_past_midnight_continue_the_next_day() {
    assert_eq!(
        WorkingHours::parse("fri 22:00-06:00").unwrap().to_string(),
        "fri 22:00-24:00, sat 00:00-06:00"
    );
    // Sunday night runs into Monday.
    assert_eq!(
        WorkingHours::parse("sun 22:00-02:00").unwrap().to_string(),
        "mon 00:00-02:00, sun 22:00-24:00"
    );
    assert_eq!(
        WorkingHours::parse("mon 22:00-00:00").unwrap().to_string(),
        "mon 22:00-24:00"
    );
    assert_eq!(
        WorkingHours::parse("mon 00:00-24:00, tue 20:00-24:00")
            .unwrap()
            .to_string(),
        "mon 00:00-24:00, tue 20:00-24:00"
    );
}

#[test]
fn bad_settings_say_what_and_where() {
    assert_eq!(
        err("mnn 09:00-18:00"),
        "unknown day \"mnn\" in \"mnn 09:00-18:00\" (expected mon, tue, wed, thu, fri, sat, sun)"
    );
    assert_eq!(
        WorkingHours::parse("mon-fri 09:00-18:00, sat-sonday 10:00-12:00"),
        Err(WorkingHoursError::UnknownDay {
            day: "sonday".into(),
            rule: "sat-sonday 10:00-12:00".into(),
        })
    );
    assert!(err("mon 09:00-25:00").starts_with("bad time \"25:00\" in \"mon 09:00-25:00\""));
    for (text, time) in [
        ("mon 09:60-10:00", "09:60"),
        ("mon 24:30-10:00", "24:30"),
        ("mon 9:5-10:00", "9:5"),
        ("mon 09:00-1000:00", "1000:00"),
        ("mon 0900-10:00", "0900"),
        ("mon 09:00-xx:00", "xx:00"),
        ("mon 24:00-02:00", "24:00"),
    ] {
        assert_eq!(
            WorkingHours::parse(text),
            Err(WorkingHoursError::BadTime {
                time: time.into(),
                rule: text.into(),
            }),
            "{text}"
        );
    }
    assert_eq!(
        err("sat 10:00-10:00"),
        "empty interval 10:00-10:00 in \"sat 10:00-10:00\""
    );
    assert_eq!(
        WorkingHours::parse("mon 00:00-00:00"),
        Err(WorkingHoursError::EmptyInterval {
            interval: "00:00-00:00".into(),
            rule: "mon 00:00-00:00".into(),
        })
    );
    assert_eq!(
        WorkingHours::parse("mon 09:00-12:00 wed 10:00-12:00"),
        Err(WorkingHoursError::BadInterval {
            interval: "wed".into(),
            rule: "mon 09:00-12:00 wed 10:00-12:00".into(),
        })
    );
    for text in ["mon 09:00", "mon 09:00-", "mon 09:00-18:00 10"] {
        assert!(
            matches!(
                WorkingHours::parse(text),
                Err(WorkingHoursError::BadInterval { .. })
            ),
            "{text}: {:?}",
            WorkingHours::parse(text)
        );
    }
    assert_eq!(
        err("mon-fri"),
        "no hours in \"mon-fri\" (expected e.g. \"mon-fri 09:00-20:00\")"
    );
    assert_eq!(
        err("09:00-18:00, mon 10:00-11:00"),
        "no days in \"09:00-18:00\" (expected e.g. \"mon-fri 09:00-20:00\")"
    );
    assert!(matches!(
        WorkingHours::parse(" , ;"),
        Err(WorkingHoursError::NoRules { .. })
    ));
}

#[test]
fn time_zones_by_iana_name() {
    assert_eq!(parse_time_zone("Europe/Kyiv"), Ok(Kyiv));
    assert_eq!(
        parse_time_zone(" America/New_York "),
        Ok(chrono_tz::America::New_York)
    );
    assert_eq!(parse_time_zone(""), Ok(DEFAULT_TIME_ZONE));
    assert_eq!(DEFAULT_TIME_ZONE, Kyiv);
    let bad = parse_time_zone("Europe/Kiyv").unwrap_err();
    assert_eq!(
        bad.to_string(),
        "unknown time zone \"Europe/Kiyv\" (expected an IANA name such as Europe/Kyiv)"
    );
    assert!(parse_time_zone("+02:00").is_err());

    let schedule = Schedule::parse(CLINIC, "Europe/Warsaw").unwrap();
    assert_eq!(schedule.time_zone(), chrono_tz::Europe::Warsaw);
    assert_eq!(schedule.hours(), &WorkingHours::parse(CLINIC).unwrap());
    assert!(matches!(
        Schedule::parse(CLINIC, "Mars/Olympus"),
        Err(WorkingHoursError::UnknownTimeZone { .. })
    ));
    assert!(matches!(
        Schedule::parse("mnn 10:00-11:00", "Europe/Kyiv"),
        Err(WorkingHoursError::UnknownDay { .. })
    ));
    assert_eq!(Schedule::default(), Schedule::parse("", "").unwrap());
}

// ---------------------------------------------------------------- is_open

#[test]
fn open_from_the_start_up_to_but_not_at_the_end() {
    let s = kyiv_schedule(CLINIC);
    let second = Duration::seconds(1);
    // Friday 16 May 2025.
    assert!(!s.is_open(kyiv(2025, 5, 16, 9, 0) - second));
    assert!(s.is_open(kyiv(2025, 5, 16, 9, 0)));
    assert!(s.is_open(kyiv(2025, 5, 16, 20, 0) - second));
    assert!(!s.is_open(kyiv(2025, 5, 16, 20, 0)));
    // Saturday's shorter day, closed Sunday.
    assert!(!s.is_open(kyiv(2025, 5, 17, 9, 30)));
    assert!(s.is_open(kyiv(2025, 5, 17, 10, 0)));
    assert!(!s.is_open(kyiv(2025, 5, 17, 16, 0)));
    assert!(!s.is_open(kyiv(2025, 5, 18, 12, 0)));
    // Hours are Kyiv time, not UTC: 07:00 UTC is 10:00 in Kyiv in May.
    assert!(s.is_open(utc(2025, 5, 17, 7, 0)));
    assert!(!s.is_open(utc(2025, 5, 17, 6, 59)));
}

#[test]
fn the_same_hours_in_another_time_zone_are_other_instants() {
    let warsaw = Schedule::parse(CLINIC, "Europe/Warsaw").unwrap();
    // 09:30 in Kyiv is 08:30 in Warsaw.
    assert!(kyiv_schedule(CLINIC).is_open(kyiv(2025, 5, 16, 9, 30)));
    assert!(!warsaw.is_open(kyiv(2025, 5, 16, 9, 30)));
}

#[test]
fn a_range_wrapping_the_week_is_open_on_each_of_its_days() {
    let s = kyiv_schedule("sat-mon 10:00-12:00");
    assert!(s.is_open(kyiv(2025, 5, 17, 11, 0))); // Sat
    assert!(s.is_open(kyiv(2025, 5, 18, 11, 0))); // Sun
    assert!(s.is_open(kyiv(2025, 5, 19, 11, 0))); // Mon
    assert!(!s.is_open(kyiv(2025, 5, 20, 11, 0))); // Tue
    assert!(!s.is_open(kyiv(2025, 5, 16, 11, 0))); // Fri
}

#[test]
fn an_interval_past_midnight_is_open_until_the_next_morning() {
    let s = kyiv_schedule("fri 22:00-06:00, sun 23:00-01:00");
    assert!(!s.is_open(kyiv(2025, 5, 16, 21, 59)));
    assert!(s.is_open(kyiv(2025, 5, 16, 22, 0)));
    assert!(s.is_open(kyiv(2025, 5, 17, 0, 0)));
    assert!(s.is_open(kyiv(2025, 5, 17, 5, 59)));
    assert!(!s.is_open(kyiv(2025, 5, 17, 6, 0)));
    // Sunday night into Monday: across the end of the week.
    assert!(s.is_open(kyiv(2025, 5, 18, 23, 30)));
    assert!(s.is_open(kyiv(2025, 5, 19, 0, 30)));
    assert!(!s.is_open(kyiv(2025, 5, 19, 1, 0)));
    assert_eq!(
        s.working_time_between(kyiv(2025, 5, 16, 21, 0), kyiv(2025, 5, 17, 12, 0)),
        Duration::hours(8)
    );
    assert_eq!(
        s.next_opening(kyiv(2025, 5, 17, 6, 0)),
        Some(kyiv(2025, 5, 18, 23, 0))
    );
}

// ---------------------------------------------------------------- next_opening

#[test]
fn next_opening_across_the_weekend() {
    let weekdays = kyiv_schedule("mon-fri 09:00-20:00");
    assert_eq!(
        weekdays.next_opening(kyiv(2025, 5, 16, 20, 0)),
        Some(kyiv(2025, 5, 19, 9, 0))
    );
    assert_eq!(
        weekdays.next_opening(kyiv(2025, 5, 18, 23, 59)),
        Some(kyiv(2025, 5, 19, 9, 0))
    );
    let clinic = kyiv_schedule(CLINIC);
    assert_eq!(
        clinic.next_opening(kyiv(2025, 5, 16, 20, 30)),
        Some(kyiv(2025, 5, 17, 10, 0))
    );
    assert_eq!(
        clinic.next_opening(kyiv(2025, 5, 17, 16, 0)),
        Some(kyiv(2025, 5, 19, 9, 0))
    );
    // Early morning: opens later the same day.
    assert_eq!(
        clinic.next_opening(kyiv(2025, 5, 19, 6, 15)),
        Some(kyiv(2025, 5, 19, 9, 0))
    );
}

#[test]
fn next_opening_while_open_is_now() {
    let s = kyiv_schedule(CLINIC);
    let now = kyiv(2025, 5, 16, 12, 34) + Duration::seconds(56);
    assert_eq!(s.next_opening(now), Some(now));
    assert_eq!(
        s.next_opening(kyiv(2025, 5, 16, 9, 0)),
        Some(kyiv(2025, 5, 16, 9, 0))
    );
}

#[test]
fn next_opening_across_a_weekly_gap_of_six_days() {
    let s = kyiv_schedule("wed 10:00-11:00");
    assert_eq!(
        s.next_opening(kyiv(2025, 5, 14, 11, 0)),
        Some(kyiv(2025, 5, 21, 10, 0))
    );
}

// ---------------------------------------------------------------- working time

#[test]
fn working_time_across_a_weekend() {
    let weekdays = kyiv_schedule("mon-fri 09:00-20:00");
    let (fri, mon) = (kyiv(2025, 5, 16, 18, 0), kyiv(2025, 5, 19, 10, 0));
    assert_eq!(weekdays.working_time_between(fri, mon), Duration::hours(3));
    assert_eq!(
        kyiv_schedule(CLINIC).working_time_between(fri, mon),
        Duration::hours(9)
    );
    // Two whole weeks.
    assert_eq!(
        kyiv_schedule(CLINIC).working_time_between(kyiv(2025, 5, 5, 0, 0), kyiv(2025, 5, 19, 0, 0)),
        Duration::hours(2 * (5 * 11 + 6))
    );
    // Within one interval, and an empty or reversed span.
    assert_eq!(
        weekdays.working_time_between(kyiv(2025, 5, 16, 12, 0), kyiv(2025, 5, 16, 12, 15)),
        Duration::minutes(15)
    );
    assert_eq!(weekdays.working_time_between(mon, fri), Duration::zero());
    assert_eq!(weekdays.working_time_between(fri, fri), Duration::zero());
    // Closed all along.
    assert_eq!(
        weekdays.working_time_between(kyiv(2025, 5, 17, 0, 0), kyiv(2025, 5, 19, 9, 0)),
        Duration::zero()
    );
}

#[test]
fn working_time_across_the_spring_clock_change() {
    // Clocks go forward on Sunday 30 March 2025, 03:00 → 04:00.
    let weekdays = kyiv_schedule("mon-fri 09:00-20:00");
    let (fri, mon) = (kyiv(2025, 3, 28, 18, 0), kyiv(2025, 3, 31, 10, 0));
    assert_eq!(mon - fri, Duration::hours(63));
    assert_eq!(weekdays.working_time_between(fri, mon), Duration::hours(3));
    assert!(weekdays.is_open(utc(2025, 3, 31, 6, 0)));
    assert!(!weekdays.is_open(utc(2025, 3, 31, 5, 59)));
    assert!(weekdays.is_open(utc(2025, 3, 28, 7, 0)));
    assert!(!weekdays.is_open(utc(2025, 3, 28, 6, 59)));
    // Around the clock: Sunday has 23 hours.
    let always_working = kyiv_schedule("mon-sun 00:00-24:00");
    assert_eq!(
        always_working.working_time_between(kyiv(2025, 3, 30, 0, 0), kyiv(2025, 3, 31, 0, 0)),
        Duration::hours(23)
    );
    // A night shift over the change is an hour shorter.
    let nights = kyiv_schedule("sat 22:00-06:00");
    assert_eq!(
        nights.working_time_between(kyiv(2025, 3, 29, 12, 0), kyiv(2025, 3, 30, 12, 0)),
        Duration::hours(7)
    );
    assert!(nights.is_open(kyiv(2025, 3, 30, 5, 59)));
    assert!(!nights.is_open(kyiv(2025, 3, 30, 6, 0)));
}

#[test]
fn working_time_across_the_autumn_clock_change() {
    // Clocks go back on Sunday 26 October 2025, 04:00 → 03:00.
    let weekdays = kyiv_schedule("mon-fri 09:00-20:00");
    let (fri, mon) = (kyiv(2025, 10, 24, 18, 0), kyiv(2025, 10, 27, 10, 0));
    assert_eq!(mon - fri, Duration::hours(65));
    assert_eq!(weekdays.working_time_between(fri, mon), Duration::hours(3));
    assert!(weekdays.is_open(utc(2025, 10, 27, 7, 0)));
    assert!(!weekdays.is_open(utc(2025, 10, 27, 6, 59)));
    let always_working = kyiv_schedule("mon-sun 00:00-24:00");
    assert_eq!(
        always_working.working_time_between(kyiv(2025, 10, 26, 0, 0), kyiv(2025, 10, 27, 0, 0)),
        Duration::hours(25)
    );
    // Open through both passes of 03:00–04:00.
    assert!(always_working.is_open(utc(2025, 10, 26, 0, 30)));
    assert!(always_working.is_open(utc(2025, 10, 26, 1, 30)));
    let nights = kyiv_schedule("sat 22:00-06:00");
    assert_eq!(
        nights.working_time_between(kyiv(2025, 10, 25, 12, 0), kyiv(2025, 10, 26, 12, 0)),
        Duration::hours(9)
    );
    assert!(nights.is_open(kyiv(2025, 10, 26, 5, 59)));
    assert!(!nights.is_open(kyiv(2025, 10, 26, 6, 0)));
}

#[test]
fn hours_skipped_by_the_clocks_do_not_open() {
    // 03:00–04:00 does not exist in Kyiv on 30 March 2025.
    let skipped = kyiv_schedule("sun 03:00-04:00");
    assert_eq!(
        skipped.next_opening(kyiv(2025, 3, 29, 12, 0)),
        Some(kyiv(2025, 4, 6, 3, 0))
    );
    assert_eq!(
        skipped.working_time_between(kyiv(2025, 3, 29, 0, 0), kyiv(2025, 3, 31, 0, 0)),
        Duration::zero()
    );
    // Starting inside the gap: opens when the clocks jump, at 04:00.
    let partly = kyiv_schedule("sun 03:30-05:00");
    assert_eq!(
        partly.next_opening(kyiv(2025, 3, 29, 12, 0)),
        Some(utc(2025, 3, 30, 1, 0))
    );
    assert_eq!(
        partly.working_time_between(kyiv(2025, 3, 29, 0, 0), kyiv(2025, 3, 31, 0, 0)),
        Duration::hours(1)
    );
}

#[test]
fn a_time_shown_twice_counts_from_its_first_showing() {
    // 03:30 is shown twice in Kyiv on 26 October 2025: at 00:30 and at 01:30 UTC.
    let s = kyiv_schedule("sun 03:30-05:00");
    assert_eq!(
        s.next_opening(kyiv(2025, 10, 25, 12, 0)),
        Some(utc(2025, 10, 26, 0, 30))
    );
    assert_eq!(
        s.working_time_between(kyiv(2025, 10, 25, 0, 0), kyiv(2025, 10, 27, 0, 0)),
        Duration::minutes(150)
    );
    // An interval ending at a time shown twice ends at its first showing.
    let early = kyiv_schedule("sun 02:00-03:30");
    assert_eq!(
        early.working_time_between(kyiv(2025, 10, 25, 0, 0), kyiv(2025, 10, 27, 0, 0)),
        Duration::minutes(90)
    );
    assert!(!early.is_open(utc(2025, 10, 26, 1, 0)));
}

/// Every minute of three weeks around each clock change, against a check of the wall clock.
#[test]
fn agrees_with_the_wall_clock_minute_by_minute() {
    let hours = "mon-fri 09:00-13:00 14:00-20:00, sat 10:00-16:00, sun 22:00-02:00";
    let s = kyiv_schedule(hours);
    let wall_clock_open = |at: DateTime<Utc>| {
        let local = at.with_timezone(&Kyiv);
        let minute = local.hour() * 60 + local.minute();
        let within = |from: u32, to: u32| (from * 60..to * 60).contains(&minute);
        match local.weekday() {
            Weekday::Sat => within(10, 16),
            Weekday::Sun => within(22, 24),
            Weekday::Mon => within(0, 2) || within(9, 13) || within(14, 20),
            _ => within(9, 13) || within(14, 20),
        }
    };
    for start in [utc(2025, 3, 17, 0, 0), utc(2025, 10, 13, 0, 0)] {
        let minutes = 21 * 24 * 60;
        let open: Vec<bool> = (0..minutes)
            .map(|m| wall_clock_open(start + Duration::minutes(m)))
            .collect();
        for (m, &expected) in open.iter().enumerate() {
            let at = start + Duration::minutes(m as i64);
            assert_eq!(s.is_open(at), expected, "is_open at {at}");
        }
        // Next opening from every closed minute of the first two weeks.
        let mut next_open: Option<usize> = None;
        for m in (0..minutes as usize).rev() {
            if open[m] {
                next_open = Some(m);
            } else if m < 14 * 24 * 60 {
                let at = start + Duration::minutes(m as i64);
                let expected = next_open.map(|n| start + Duration::minutes(n as i64));
                assert_eq!(s.next_opening(at), expected, "next_opening at {at}");
            }
        }
        // Working time over spans of several lengths.
        for (from, len) in [(0, minutes), (333, 7 * 1440 + 17), (6000, 3000), (9000, 11)] {
            let counted = open[from as usize..(from + len) as usize]
                .iter()
                .filter(|&&o| o)
                .count() as i64;
            let (a, b) = (
                start + Duration::minutes(from),
                start + Duration::minutes(from + len),
            );
            assert_eq!(
                s.working_time_between(a, b),
                Duration::minutes(counted),
                "{a}..{b}"
            );
            // And back: that much working time from `a` ends at the last open minute's end.
            if counted > 0 {
                let last_open = (from..from + len)
                    .rev()
                    .find(|&m| open[m as usize])
                    .unwrap();
                assert_eq!(
                    s.after_working_time(a, Duration::minutes(counted)),
                    Some(start + Duration::minutes(last_open + 1)),
                    "after {counted} min from {a}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- after_working_time

#[test]
fn a_reminder_due_after_working_minutes_lands_the_next_morning() {
    let s = kyiv_schedule(CLINIC);
    let quarter = Duration::minutes(15);
    // Tuesday 13 May, ten minutes before closing: five today, ten tomorrow.
    assert_eq!(
        s.after_working_time(kyiv(2025, 5, 13, 19, 55), quarter),
        Some(kyiv(2025, 5, 14, 9, 10))
    );
    // Written at night: the whole quarter counts from the morning.
    assert_eq!(
        s.after_working_time(kyiv(2025, 5, 13, 23, 0), quarter),
        Some(kyiv(2025, 5, 14, 9, 15))
    );
    // Saturday after closing → Monday.
    assert_eq!(
        s.after_working_time(kyiv(2025, 5, 17, 15, 50), quarter),
        Some(kyiv(2025, 5, 19, 9, 5))
    );
    // Ending exactly at closing time.
    assert_eq!(
        s.after_working_time(kyiv(2025, 5, 13, 19, 45), quarter),
        Some(kyiv(2025, 5, 13, 20, 0))
    );
    // Nothing to wait for.
    let at = kyiv(2025, 5, 18, 3, 0);
    assert_eq!(s.after_working_time(at, Duration::zero()), Some(at));
    assert_eq!(s.after_working_time(at, Duration::minutes(-5)), Some(at));
    // A long amount: 61 hours is a full week of this clinic, from Monday 09:00 to Monday 09:00.
    assert_eq!(
        s.after_working_time(kyiv(2025, 5, 12, 9, 0), Duration::hours(61)),
        Some(kyiv(2025, 5, 17, 16, 0))
    );
    assert_eq!(
        s.after_working_time(
            kyiv(2025, 5, 12, 9, 0),
            Duration::hours(61) + Duration::seconds(1)
        ),
        Some(kyiv(2025, 5, 19, 9, 0) + Duration::seconds(1))
    );
}

#[test]
fn after_working_time_across_the_spring_clock_change() {
    let weekdays = kyiv_schedule("mon-fri 09:00-20:00");
    // Friday 19:00 EET + 2 working hours = Monday 10:00 EEST = 07:00 UTC.
    assert_eq!(
        weekdays.after_working_time(kyiv(2025, 3, 28, 19, 0), Duration::hours(2)),
        Some(utc(2025, 3, 31, 7, 0))
    );
    assert_eq!(
        weekdays.after_working_time(kyiv(2025, 10, 24, 19, 0), Duration::hours(2)),
        Some(utc(2025, 10, 27, 8, 0))
    );
}

// ---------------------------------------------------------------- always open

#[test]
fn always_open_counts_every_instant() {
    let s = Schedule::new(WorkingHours::always(), Kyiv);
    let (a, b) = (kyiv(2025, 3, 29, 23, 0), kyiv(2025, 3, 30, 23, 0));
    assert!(s.is_open(a));
    assert_eq!(s.next_opening(a), Some(a));
    assert_eq!(s.working_time_between(a, b), Duration::hours(23));
    assert_eq!(s.working_time_between(b, a), Duration::zero());
    assert_eq!(
        s.after_working_time(a, Duration::minutes(15)),
        Some(a + Duration::minutes(15))
    );
    assert_eq!(s.away_message(a), None);
    assert!(Schedule::default().is_open(a));
}

// ---------------------------------------------------------------- the away message

#[test]
fn the_next_opening_in_ukrainian() {
    let s = kyiv_schedule(CLINIC);
    // Friday 16 May 2025, 21:00 → Saturday.
    let friday_night = kyiv(2025, 5, 16, 21, 0);
    assert_eq!(
        s.opening_phrase(s.next_opening(friday_night).unwrap(), friday_night),
        "завтра о 10:00"
    );
    // Saturday after closing → Monday.
    let saturday = kyiv(2025, 5, 17, 17, 0);
    assert_eq!(
        s.opening_phrase(s.next_opening(saturday).unwrap(), saturday),
        "у понеділок о 09:00"
    );
    // Tuesday before opening → today.
    let early = kyiv(2025, 5, 13, 7, 0);
    assert_eq!(
        s.opening_phrase(s.next_opening(early).unwrap(), early),
        "сьогодні о 09:00"
    );
    // 01:00 in Kyiv is still the previous day in UTC: "today" is Kyiv's.
    let night = kyiv(2025, 5, 13, 1, 0);
    assert_eq!(night.day(), 12);
    assert_eq!(
        s.opening_phrase(s.next_opening(night).unwrap(), night),
        "сьогодні о 09:00"
    );
}

#[test]
fn every_weekday_in_its_own_form() {
    let s = kyiv_schedule("mon-sun 09:00-10:00");
    // From Saturday 10 May 2025: Monday 12 is two days on, Saturday 17 seven.
    let now = kyiv(2025, 5, 10, 12, 0);
    let phrases: Vec<String> = (12..=17)
        .map(|day| s.opening_phrase(kyiv(2025, 5, day, 9, 30), now))
        .collect();
    assert_eq!(
        phrases,
        [
            "у понеділок о 09:30",
            "у вівторок о 09:30",
            "у середу о 09:30",
            "у четвер о 09:30",
            "у п'ятницю о 09:30",
            "у суботу о 09:30",
        ]
    );
    assert_eq!(
        s.opening_phrase(kyiv(2025, 5, 11, 9, 0), now),
        "завтра о 09:00"
    );
    assert_eq!(
        s.opening_phrase(kyiv(2025, 5, 18, 9, 0), kyiv(2025, 5, 12, 12, 0)),
        "у неділю о 09:00"
    );
    // "об" before eleven.
    assert_eq!(
        s.opening_phrase(kyiv(2025, 5, 16, 11, 0), now),
        "у п'ятницю об 11:00"
    );
    assert_eq!(
        s.opening_phrase(kyiv(2025, 5, 10, 21, 0), now),
        "сьогодні о 21:00"
    );
}

#[test]
fn an_opening_more_than_a_week_away_is_named_by_date() {
    // The only hour of the week is skipped by the clocks on 30 March 2025.
    let s = kyiv_schedule("sun 03:00-04:00");
    let now = kyiv(2025, 3, 29, 12, 0);
    assert_eq!(
        s.opening_phrase(s.next_opening(now).unwrap(), now),
        "06.04 о 03:00"
    );
}

#[test]
fn the_away_message_only_while_closed() {
    let s = kyiv_schedule(CLINIC);
    assert_eq!(
        s.away_message(kyiv(2025, 5, 17, 17, 0)).as_deref(),
        Some("Дякуємо за звернення! Зараз клініка не працює. Ми відповімо у понеділок о 09:00.")
    );
    assert_eq!(s.away_message(kyiv(2025, 5, 17, 12, 0)), None);
}
