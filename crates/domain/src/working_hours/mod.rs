//! The clinic's working hours, for the help desk: whether the clinic is open at an instant, when
//! it opens next, how much working time lies between two instants, and when a given amount of
//! working time will have passed — so reminders count only the hours someone is there to answer,
//! and a client who writes at night is told when to expect an answer.
//!
//! Hours are written as in the `WORKING_HOURS` setting, e.g. `mon-fri 09:00-20:00, sat 10:00-16:00`,
//! and read as wall-clock time in the clinic's time zone (`TIMEZONE`, an IANA name, by default
//! `Europe/Kyiv`). Every query takes and returns UTC instants and stays right across daylight
//! saving changes.
//!
//! # The format
//! - Rules are separated by commas (or `;`, or new lines). A rule is one or more day specs, then
//!   one or more intervals: `mon-fri 09:00-13:00 14:00-18:00`, `sat/sun 10:00-14:00`.
//! - A day spec is a day or a range of days (`mon`…`sun`, full English names, or the Ukrainian
//!   `пн вт ср чт пт сб нд` and full names; any case), several joined by `/` or spaces. A range
//!   may wrap the week: `sat-mon` is Saturday, Sunday and Monday.
//! - An interval is `HH:MM-HH:MM` (`H:MM` too); the start is included, the end is not. `24:00`
//!   may end an interval. An interval whose end is before its start (`22:00-06:00`) runs past
//!   midnight into the next day.
//! - A rule with intervals only continues the days of the rule before it, so
//!   `mon-fri 09:00-13:00, 14:00-18:00` reads as a lunch break.
//! - Overlapping or touching rules merge. An empty setting means always open.
//!
//! # Daylight saving
//! An interval's ends are the instants the clinic's wall clock first shows them. A time skipped
//! when clocks go forward counts as the instant the clocks jump to; when clocks go back, the
//! first of the two instants showing a time is used. So an interval covering the change is an
//! hour shorter (spring) or longer (autumn) in real time, as the staff's shift is.

use std::fmt;
use std::ops::ControlFlow;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::{GapInfo, Tz};

use crate::texts;

#[cfg(test)]
mod tests;

/// The time zone used when `TIMEZONE` is not set.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Kyiv;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// Days in a row without any working time after which a search gives up (a weekly schedule with
/// any working time has some within every 8 days).
const MAX_IDLE_DAYS: u32 = 15;

/// What is wrong with a working-hours or time-zone setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkingHoursError {
    /// A day name that is not known.
    #[error("unknown day \"{day}\" in \"{rule}\" (expected mon, tue, wed, thu, fri, sat, sun)")]
    UnknownDay {
        /// The word as written.
        day: String,
        /// The rule it is in.
        rule: String,
    },
    /// A time that is not `HH:MM` between `00:00` and `24:00` (`24:00` only as an end).
    #[error(
        "bad time \"{time}\" in \"{rule}\" (expected HH:MM from 00:00 to 23:59, or 24:00 as an end)"
    )]
    BadTime {
        /// The time as written.
        time: String,
        /// The rule it is in.
        rule: String,
    },
    /// Something where an interval was expected that is not `HH:MM-HH:MM`.
    #[error(
        "bad interval \"{interval}\" in \"{rule}\" (expected HH:MM-HH:MM; separate rules with commas)"
    )]
    BadInterval {
        /// The text as written.
        interval: String,
        /// The rule it is in.
        rule: String,
    },
    /// An interval that starts where it ends.
    #[error("empty interval {interval} in \"{rule}\"")]
    EmptyInterval {
        /// The interval as written.
        interval: String,
        /// The rule it is in.
        rule: String,
    },
    /// Days without any interval.
    #[error("no hours in \"{rule}\" (expected e.g. \"mon-fri 09:00-20:00\")")]
    MissingHours {
        /// The rule.
        rule: String,
    },
    /// The first rule has intervals but no days.
    #[error("no days in \"{rule}\" (expected e.g. \"mon-fri 09:00-20:00\")")]
    MissingDays {
        /// The rule.
        rule: String,
    },
    /// A setting of only separators, such as `,`.
    #[error(
        "no rules in \"{text}\" (expected e.g. \"mon-fri 09:00-20:00\"; leave it empty for always open)"
    )]
    NoRules {
        /// The setting as written.
        text: String,
    },
    /// A time-zone name that the IANA database does not know.
    #[error("unknown time zone \"{name}\" (expected an IANA name such as Europe/Kyiv)")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
}

/// A stretch of one local day, in minutes since midnight: `start < end <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: u16,
    end: u16,
}

/// Working time of each weekday, Monday first; sorted, merged, never all empty.
type Week = [Vec<Span>; 7];

/// Which weekdays a rule is for, Monday first.
type DaySet = [bool; 7];

/// When the clinic works, in wall-clock time of some time zone (see [`Schedule`]). Made only by
/// parsing the setting ([`WorkingHours::parse`]) or as [`WorkingHours::always`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    /// `None`: always open.
    week: Option<Box<Week>>,
}

impl WorkingHours {
    /// Always open (the setting is unset or empty).
    pub fn always() -> Self {
        Self { week: None }
    }

    /// Parses the `WORKING_HOURS` setting (see the module docs for the format); blank = always
    /// open.
    pub fn parse(text: &str) -> Result<Self, WorkingHoursError> {
        if text.trim().is_empty() {
            return Ok(Self::always());
        }
        let mut week: Week = Default::default();
        let mut previous_days: Option<DaySet> = None;
        for raw in text.split([',', ';', '\n']) {
            let rule = raw.trim();
            if rule.is_empty() {
                continue;
            }
            let (days, intervals) = parse_rule(rule, previous_days)?;
            for (day, on) in days.iter().enumerate() {
                if !on {
                    continue;
                }
                for &(start, end) in &intervals {
                    if start < end {
                        week[day].push(Span { start, end });
                    } else {
                        week[day].push(Span {
                            start,
                            end: MINUTES_PER_DAY,
                        });
                        if end > 0 {
                            week[(day + 1) % 7].push(Span { start: 0, end });
                        }
                    }
                }
            }
            previous_days = Some(days);
        }
        if previous_days.is_none() {
            return Err(WorkingHoursError::NoRules {
                text: text.trim().to_owned(),
            });
        }
        for day in &mut week {
            merge(day);
        }
        Ok(Self {
            week: Some(Box::new(week)),
        })
    }

    /// Whether these are the always-open hours.
    pub fn is_always(&self) -> bool {
        self.week.is_none()
    }
}

impl FromStr for WorkingHours {
    type Err = WorkingHoursError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for WorkingHours {
    /// A normalised form: one rule per working day, e.g. `mon 09:00-20:00, tue 09:00-20:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let Some(week) = &self.week else {
            return f.write_str("always open");
        };
        let mut first = true;
        for (name, spans) in NAMES.iter().zip(week.iter()) {
            if spans.is_empty() {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            f.write_str(name)?;
            for span in spans {
                write!(f, " {}-{}", hhmm(span.start), hhmm(span.end))?;
            }
        }
        Ok(())
    }
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Sorts and merges overlapping or touching spans.
fn merge(spans: &mut Vec<Span>) {
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    *spans = merged;
}

/// One rule: its days (or the previous rule's) and its intervals as `(start, end)` minutes,
/// `end < start` for one that runs past midnight.
fn parse_rule(
    rule: &str,
    previous_days: Option<DaySet>,
) -> Result<(DaySet, Vec<(u16, u16)>), WorkingHoursError> {
    let normalized = normalize_dashes(rule);
    let mut days = [false; 7];
    let mut any_day = false;
    let mut intervals = Vec::new();
    for token in normalized.split_whitespace() {
        let starts_with_digit = token.starts_with(|c: char| c.is_ascii_digit());
        if !starts_with_digit && intervals.is_empty() {
            for part in token.split('/').filter(|p| !p.is_empty()) {
                for day in parse_days(part, rule)? {
                    days[day] = true;
                }
                any_day = true;
            }
        } else {
            intervals.push(parse_interval(token, rule)?);
        }
    }
    if intervals.is_empty() {
        return Err(WorkingHoursError::MissingHours {
            rule: rule.to_owned(),
        });
    }
    if !any_day {
        days = previous_days.ok_or_else(|| WorkingHoursError::MissingDays {
            rule: rule.to_owned(),
        })?;
    }
    Ok((days, intervals))
}

/// Dashes of any kind become `-`, and spaces around them go: `mon – fri 9:00 - 18:00` →
/// `mon-fri 9:00-18:00`.
fn normalize_dashes(rule: &str) -> String {
    let dashed = rule.replace(['–', '—', '−'], "-");
    let mut out = String::with_capacity(dashed.len());
    for token in dashed.split_whitespace() {
        if !out.is_empty() && !out.ends_with('-') && !token.starts_with('-') {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// `mon` or `sat-mon` (wrapping the week) → weekday indexes, Monday = 0.
fn parse_days(part: &str, rule: &str) -> Result<Vec<usize>, WorkingHoursError> {
    let day = |name: &str| {
        day_index(name).ok_or_else(|| WorkingHoursError::UnknownDay {
            day: name.to_owned(),
            rule: rule.to_owned(),
        })
    };
    match part.split_once('-') {
        None => Ok(vec![day(part)?]),
        Some((first, last)) => {
            let (first, last) = (day(first)?, day(last)?);
            let count = (last + 7 - first) % 7 + 1;
            Ok((0..count).map(|i| (first + i) % 7).collect())
        }
    }
}

fn day_index(name: &str) -> Option<usize> {
    let name = name.to_lowercase().replace(['’', 'ʼ', '`'], "'");
    let index = match name.as_str() {
        "mon" | "monday" => 0,
        "tue" | "tues" | "tuesday" => 1,
        "wed" | "wednesday" => 2,
        "thu" | "thur" | "thurs" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        // The clinic's own language, from the text catalogue.
        _ => {
            return crate::texts::DAY_NAMES
                .iter()
                .position(|names| names.contains(&name.as_str()));
        }
    };
    Some(index)
}

fn parse_interval(token: &str, rule: &str) -> Result<(u16, u16), WorkingHoursError> {
    let bad_interval = || WorkingHoursError::BadInterval {
        interval: token.to_owned(),
        rule: rule.to_owned(),
    };
    let (start, end) = token.split_once('-').ok_or_else(bad_interval)?;
    if start.is_empty() || end.is_empty() {
        return Err(bad_interval());
    }
    let start_minutes = parse_time(start, rule)?;
    if start_minutes == MINUTES_PER_DAY {
        return Err(WorkingHoursError::BadTime {
            time: start.to_owned(),
            rule: rule.to_owned(),
        });
    }
    let end_minutes = parse_time(end, rule)?;
    if start_minutes == end_minutes {
        return Err(WorkingHoursError::EmptyInterval {
            interval: token.to_owned(),
            rule: rule.to_owned(),
        });
    }
    // `22:00-24:00` is a plain interval; `22:00-00:00` runs past midnight (by zero minutes).
    Ok((start_minutes, end_minutes))
}

/// `HH:MM` or `H:MM`, `00:00`–`24:00` → minutes since midnight.
fn parse_time(time: &str, rule: &str) -> Result<u16, WorkingHoursError> {
    let bad = || WorkingHoursError::BadTime {
        time: time.to_owned(),
        rule: rule.to_owned(),
    };
    let (hours, minutes) = time.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let hours = digits(hours, 2).ok_or_else(bad)?;
    let minutes = (minutes.len() == 2)
        .then(|| digits(minutes, 2))
        .flatten()
        .ok_or_else(bad)?;
    if minutes > 59 || hours > 24 || (hours == 24 && minutes != 0) {
        return Err(bad());
    }
    Ok(hours * 60 + minutes)
}

/// Parses the `TIMEZONE` setting: an IANA name such as `Europe/Kyiv`; blank =
/// [`DEFAULT_TIME_ZONE`].
pub fn parse_time_zone(name: &str) -> Result<Tz, WorkingHoursError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(DEFAULT_TIME_ZONE);
    }
    name.parse::<Tz>()
        .map_err(|_| WorkingHoursError::UnknownTimeZone {
            name: name.to_owned(),
        })
}

/// Working hours in the clinic's time zone: the queries the help desk asks, all in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    hours: WorkingHours,
    tz: Tz,
}

impl Default for Schedule {
    /// Always open, in [`DEFAULT_TIME_ZONE`].
    fn default() -> Self {
        Self::new(WorkingHours::always(), DEFAULT_TIME_ZONE)
    }
}

impl Schedule {
    /// Hours read in the time zone `tz`.
    pub fn new(hours: WorkingHours, tz: Tz) -> Self {
        Self { hours, tz }
    }

    /// From the `WORKING_HOURS` and `TIMEZONE` settings (blank = always open, and
    /// [`DEFAULT_TIME_ZONE`]).
    pub fn parse(hours: &str, time_zone: &str) -> Result<Self, WorkingHoursError> {
        Ok(Self::new(
            WorkingHours::parse(hours)?,
            parse_time_zone(time_zone)?,
        ))
    }

    /// The working hours.
    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The clinic's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Whether the clinic works at `at` (an interval's start counts, its end does not).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let Some(week) = &self.hours.week else {
            return true;
        };
        self.walk(week, at, |start, _| ControlFlow::Break(start == at))
            .unwrap_or(false)
    }

    /// The first instant at or after `at` when the clinic works: `at` itself when it works then
    /// (always, for always-open hours); `None` only if it never works again.
    pub fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Some(week) = &self.hours.week else {
            return Some(at);
        };
        self.walk(week, at, |start, _| ControlFlow::Break(start))
    }

    /// How much of `[from, to)` is working time (all of it for always-open hours; zero when `to`
    /// is not after `from`).
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let Some(week) = &self.hours.week else {
            return to - from;
        };
        let mut total = Duration::zero();
        self.walk(week, from, |start, end| {
            if start >= to {
                return ControlFlow::Break(());
            }
            total += end.min(to) - start;
            ControlFlow::Continue(())
        });
        total
    }

    /// The first instant by which `amount` of working time has passed since `from` — when a
    /// reminder due after, say, 15 working minutes falls due. `from` itself for a zero or
    /// negative amount; an interval's closing instant when the amount ends exactly there;
    /// `None` if that never happens.
    pub fn after_working_time(
        &self,
        from: DateTime<Utc>,
        amount: Duration,
    ) -> Option<DateTime<Utc>> {
        if amount <= Duration::zero() {
            return Some(from);
        }
        let Some(week) = &self.hours.week else {
            return from.checked_add_signed(amount);
        };
        let mut left = amount;
        self.walk(week, from, |start, end| {
            let here = end - start;
            if here >= left {
                ControlFlow::Break(start + left)
            } else {
                left -= here;
                ControlFlow::Continue(())
            }
        })
    }

    /// When the clinic opens next, as the away message says it, in the clinic's time:
    /// `сьогодні о 09:00`, `завтра о 09:00`, `у понеділок о 09:00` (`об 11:00`; a date such as
    /// `12.05 о 09:00` if it is more than a week away). `now` decides "today".
    pub fn opening_phrase(&self, opening: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let local = opening.with_timezone(&self.tz);
        let today = now.with_timezone(&self.tz).date_naive();
        let days = (local.date_naive() - today).num_days();
        let day = match days {
            ..=0 => texts::OPENS_TODAY.to_owned(),
            1 => texts::OPENS_TOMORROW.to_owned(),
            2..=7 => {
                texts::OPENS_ON_WEEKDAY[local.weekday().num_days_from_monday() as usize].to_owned()
            }
            _ => local.format("%d.%m").to_string(),
        };
        texts::opens_at(&day, local.hour(), &local.format("%H:%M").to_string())
    }

    /// The away message for a client who writes at `now`: `None` while the clinic works (or if
    /// it never opens again).
    pub fn away_message(&self, now: DateTime<Utc>) -> Option<String> {
        if self.is_open(now) {
            return None;
        }
        let opening = self.next_opening(now)?;
        Some(texts::away(&self.opening_phrase(opening, now)))
    }

    /// Visits the working intervals that end after `from`, in order, each cut to start no
    /// earlier than `from`, until `visit` breaks; `None` if it never does.
    fn walk<T>(
        &self,
        week: &Week,
        from: DateTime<Utc>,
        mut visit: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> ControlFlow<T>,
    ) -> Option<T> {
        // A day before the local date: when clocks go back, yesterday's hours may end late.
        let mut date = from.with_timezone(&self.tz).date_naive().pred_opt()?;
        let mut idle_days = 0;
        loop {
            let mut worked = false;
            for span in &week[date.weekday().num_days_from_monday() as usize] {
                let start = self.instant(date, span.start)?;
                let end = self.instant(date, span.end)?;
                if end <= start {
                    continue; // all of it skipped by clocks going forward
                }
                worked = true;
                if end <= from {
                    continue;
                }
                if let ControlFlow::Break(value) = visit(start.max(from), end) {
                    return Some(value);
                }
            }
            idle_days = if worked { 0 } else { idle_days + 1 };
            if idle_days > MAX_IDLE_DAYS {
                return None;
            }
            date = date.succ_opt()?;
        }
    }

    /// The first instant the clinic's clock shows `minutes` after midnight of `date` (or, for a
    /// time skipped by clocks going forward, the instant they jump).
    fn instant(&self, date: NaiveDate, minutes: u16) -> Option<DateTime<Utc>> {
        let local: NaiveDateTime = if minutes >= MINUTES_PER_DAY {
            date.succ_opt()?.and_hms_opt(0, 0, 0)?
        } else {
            date.and_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)?
        };
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(at) => Some(at.to_utc()),
            chrono::LocalResult::Ambiguous(first, _) => Some(first.to_utc()),
            chrono::LocalResult::None => GapInfo::new(&local, &self.tz)?.end.map(|at| at.to_utc()),
        }
    }
}
