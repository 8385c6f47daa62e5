//! The staff's report (docs/product-rules.md: reports): `/report [days]` anywhere in the group,
//! and the daily report in General at `REPORT_AT`. The store gives raw facts of a time range
//! (`ReportRepository`); everything counted here — medians, the 90th percentile, working time,
//! the figures per staff member, the chart's days — is a pure function of those facts, the
//! time and the settings. The sentences are in [`crate::texts`].

use super::{DeskError, SupportDesk};
use crate::change::{Change, Changes};
use crate::ids::{GroupId, UserId};
use crate::outbound::{BotText, Outbound};
use crate::ports::StoreError;
use crate::report::DailyFigures;
use crate::services::queue::topic_link;
use crate::texts;
use crate::ticket::{Assignee, Rating, Ticket};
use crate::working_hours::Schedule;
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// The longest period `/report` covers, in days.
pub const MAX_REPORT_DAYS: u32 = 90;
/// How many days the chart shows (today and the 13 before it).
pub const CHART_DAYS: u32 = 14;
/// At most this many low ratings are listed with their links; the rest are counted.
pub const MAX_LOW_RATINGS: usize = 10;

/// The days `/report` was asked for: none given is one; `None` for anything but a whole number
/// from 1 to [`MAX_REPORT_DAYS`].
pub fn report_days(args: &str) -> Option<u32> {
    let mut words = args.split_whitespace();
    let days = match words.next() {
        None => 1,
        Some(word) => word.parse().ok()?,
    };
    (words.next().is_none() && (1..=MAX_REPORT_DAYS).contains(&days)).then_some(days)
}

/// What a report covers: the last `days` days up to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// How many days.
    pub days: u32,
    /// From (inclusive): the same wall-clock time `days` days earlier in the clinic's zone, so
    /// a day with a clock change is still one day.
    pub from: DateTime<Utc>,
    /// To (exclusive): now.
    pub to: DateTime<Utc>,
}

impl Period {
    /// The last `days` days up to `now`, counted in `tz`.
    pub fn last_days(days: u32, now: DateTime<Utc>, tz: Tz) -> Self {
        let local = now.with_timezone(&tz).naive_local();
        let from = local
            .checked_sub_days(Days::new(u64::from(days)))
            .and_then(|l| tz.from_local_datetime(&l).earliest())
            .map_or_else(
                || now - Duration::days(i64::from(days)),
                |l| l.with_timezone(&Utc),
            );
        Self {
            days,
            from,
            to: now,
        }
    }

    /// Whether `at` falls in the period.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// The median of sorted durations (the mean of the middle two for an even count).
pub fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The `p`th percentile of sorted durations by nearest rank: the smallest value that at least
/// `p`% of them do not exceed ("90% were answered within it").
pub fn percentile(sorted: &[Duration], p: u32) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * p as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The time an appeal waited for its first answer: from its opening to the answer, in working
/// time (all of it when the clinic is always open). `None` before the first answer.
pub fn first_response(ticket: &Ticket, schedule: &Schedule) -> Option<Duration> {
    let answered = ticket.first_response_at?;
    Some(schedule.working_time_between(ticket.created_at, answered))
}

/// Who a line of the per-staff table is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaffKey {
    /// Known by Telegram id (answers, closes, most assignments).
    Id(UserId),
    /// Known only by the @username an appeal was assigned to.
    Username(String),
}

/// One staff member's part of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLine {
    /// Who.
    pub who: StaffKey,
    /// Their messages relayed to clients.
    pub answers: u32,
    /// Appeals they closed (`/close`, `/close_silent`).
    pub closed: u32,
    /// The median first response of the appeals assigned to them that got their first answer
    /// in the period.
    pub first_response_median: Option<Duration>,
}

/// A low rating, with a way to the appeal's topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowRating {
    /// The rating.
    pub rating: Rating,
    /// The appeal's label (at opening), or the client's id when it has none.
    pub label: String,
    /// The topic's link.
    pub link: Option<String>,
}

/// The report's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFigures {
    /// What it covers.
    pub period: Period,
    /// Appeals opened in the period.
    pub opened: usize,
    /// Appeals closed in the period (by staff or by themselves).
    pub closed: usize,
    /// Appeals open now.
    pub open_now: usize,
    /// Of them, those whose client waits for an answer now.
    pub waiting_now: usize,
    /// Appeals whose first answer came in the period.
    pub first_responses: usize,
    /// Their median first response.
    pub first_response_median: Option<Duration>,
    /// Their 90th percentile.
    pub first_response_p90: Option<Duration>,
    /// Whether the times are working time (`WORKING_HOURS` is set).
    pub working_time: bool,
    /// Per staff member: the most answers first.
    pub staff: Vec<StaffLine>,
    /// Ratings given in the period.
    pub ratings: usize,
    /// Their average.
    pub rating_average: Option<f64>,
    /// The low ones (≤ 3), lowest first, at most [`MAX_LOW_RATINGS`].
    pub low: Vec<LowRating>,
    /// How many more low ones there are.
    pub low_more: usize,
}

/// Counts the report from the store's facts: `appeals` touching the period (and every open
/// one), staff `answers` and `closes` in it by sender.
pub fn figures(
    period: Period,
    appeals: &[Ticket],
    answers: &[(UserId, u32)],
    closes: &[(UserId, u32)],
    schedule: &Schedule,
    group: GroupId,
) -> ReportFigures {
    let opened = appeals
        .iter()
        .filter(|t| period.contains(t.created_at))
        .count();
    let closed = appeals
        .iter()
        .filter(|t| !t.is_open() && t.closed_at.is_some_and(|at| period.contains(at)))
        .count();
    let open_now = appeals.iter().filter(|t| t.is_open()).count();
    let waiting_now = appeals
        .iter()
        .filter(|t| t.is_open() && t.waiting_since.is_some())
        .count();

    let answered: Vec<&Ticket> = appeals
        .iter()
        .filter(|t| t.first_response_at.is_some_and(|at| period.contains(at)))
        .collect();
    let mut times: Vec<Duration> = answered
        .iter()
        .filter_map(|t| first_response(t, schedule))
        .collect();
    times.sort();

    let mut staff: HashMap<StaffKey, (u32, u32, Vec<Duration>)> = HashMap::new();
    for &(id, n) in answers {
        staff.entry(StaffKey::Id(id)).or_default().0 += n;
    }
    for &(id, n) in closes {
        staff.entry(StaffKey::Id(id)).or_default().1 += n;
    }
    for t in &answered {
        let key = match &t.assigned_to {
            Some(Assignee::Staff { id, .. }) => StaffKey::Id(*id),
            Some(Assignee::Username(u)) => StaffKey::Username(u.trim_start_matches('@').into()),
            None => continue,
        };
        if let Some(d) = first_response(t, schedule) {
            staff.entry(key).or_default().2.push(d);
        }
    }
    let mut staff: Vec<StaffLine> = staff
        .into_iter()
        .map(|(who, (answers, closed, mut times))| {
            times.sort();
            StaffLine {
                who,
                answers,
                closed,
                first_response_median: median(&times),
            }
        })
        .collect();
    staff.sort_by(|a, b| {
        (b.answers, b.closed)
            .cmp(&(a.answers, a.closed))
            .then_with(|| a.who.cmp(&b.who))
    });

    let rated: Vec<(&Ticket, Rating)> = appeals
        .iter()
        .filter_map(|t| {
            let rating = t.rating?;
            t.rated_at
                .is_some_and(|at| period.contains(at))
                .then_some((t, rating))
        })
        .collect();
    let rating_average = (!rated.is_empty())
        .then(|| rated.iter().map(|(_, r)| f64::from(r.get())).sum::<f64>() / rated.len() as f64);
    let mut low: Vec<(&Ticket, Rating)> =
        rated.iter().filter(|(_, r)| r.is_low()).copied().collect();
    low.sort_by_key(|(t, r)| (*r, t.rated_at, t.id));
    let low_more = low.len().saturating_sub(MAX_LOW_RATINGS);
    let low = low
        .into_iter()
        .take(MAX_LOW_RATINGS)
        .map(|(t, rating)| LowRating {
            rating,
            label: t
                .label
                .clone()
                .filter(|l| !l.trim().is_empty())
                .unwrap_or_else(|| t.client.to_string()),
            link: t.thread.and_then(|thread| topic_link(group, thread)),
        })
        .collect();

    ReportFigures {
        period,
        opened,
        closed,
        open_now,
        waiting_now,
        first_responses: times.len(),
        first_response_median: median(&times),
        first_response_p90: percentile(&times, 90),
        working_time: !schedule.hours().is_always(),
        staff,
        ratings: rated.len(),
        rating_average,
        low,
        low_more,
    }
}

/// The local midnight that starts `day` in `tz` (the first instant of it, if a clock change
/// skips midnight).
fn start_of(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|l| l.with_timezone(&Utc))
        .unwrap_or_else(|| {
            // No midnight at all that day: an hour later exists.
            let later = midnight + Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map_or_else(|| later.and_utc(), |l| l.with_timezone(&Utc))
        })
}

/// Where the chart's days begin: the local midnight [`CHART_DAYS`] − 1 days before today.
pub fn chart_from(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let first = today
        .checked_sub_days(Days::new(u64::from(CHART_DAYS - 1)))
        .unwrap_or(today);
    start_of(first, tz)
}

/// The chart's days, oldest first: for each of the last [`CHART_DAYS`] days in the clinic's
/// zone (today included), the appeals opened and the median first response of the appeals
/// first answered that day.
pub fn daily_figures(
    appeals: &[Ticket],
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Vec<DailyFigures> {
    let tz = schedule.time_zone();
    let today = now.with_timezone(&tz).date_naive();
    let mut days: BTreeMap<NaiveDate, (u32, Vec<Duration>)> = (0..CHART_DAYS)
        .filter_map(|back| today.checked_sub_days(Days::new(u64::from(back))))
        .map(|d| (d, (0, Vec::new())))
        .collect();
    for t in appeals {
        if t.created_at <= now
            && let Some(day) = days.get_mut(&t.created_at.with_timezone(&tz).date_naive())
        {
            day.0 += 1;
        }
        if let (Some(at), Some(d)) = (t.first_response_at, first_response(t, schedule))
            && at <= now
            && let Some(day) = days.get_mut(&at.with_timezone(&tz).date_naive())
        {
            day.1.push(d);
        }
    }
    days.into_iter()
        .map(|(day, (opened, mut times))| {
            times.sort();
            DailyFigures {
                day,
                opened,
                first_response_median: median(&times),
            }
        })
        .collect()
}

/// The day whose daily report is due at `now`, if any: today (the clinic's date), once its
/// `report_at` has passed and the last report posted was for an earlier day. A report missed
/// while the bot was down comes when it starts, if it is still that day; never a day late.
pub fn daily_report_due(
    report_at: NaiveTime,
    last_posted: Option<NaiveDate>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<NaiveDate> {
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    (local.time() >= report_at && last_posted.is_none_or(|d| d < today)).then_some(today)
}

impl SupportDesk {
    /// The report of the last `days` days up to now: its text and the chart's days.
    pub(super) async fn report(
        &self,
        days: u32,
        daily: bool,
    ) -> Result<(String, Vec<DailyFigures>), DeskError> {
        let now = self.ports.clock.now();
        let schedule = &self.settings.schedule;
        let period = Period::last_days(days, now, schedule.time_zone());
        let from = period.from.min(chart_from(now, schedule.time_zone()));
        let appeals = self.ports.reports.appeals_touching(from, now).await?;
        let answers = self
            .ports
            .reports
            .answers_by_staff(period.from, now)
            .await?;
        let closes = self.ports.reports.closes_by_staff(period.from, now).await?;
        let figures = figures(
            period,
            &appeals,
            &answers,
            &closes,
            schedule,
            self.settings.group,
        );
        let text = texts::report(&figures, schedule.time_zone(), daily);
        Ok((text, daily_figures(&appeals, now, schedule)))
    }

    /// Posts the daily report in General if it is due (`REPORT_AT`; run periodically): the
    /// text and the chart, committed with the day's mark so that no day gets two. Returns
    /// whether it was queued.
    pub async fn post_daily_report(&self) -> Result<bool, DeskError> {
        let Some(report_at) = self.settings.report_at else {
            return Ok(false);
        };
        let now = self.ports.clock.now();
        let last = self.ports.reports.last_daily_report().await?;
        let Some(day) = daily_report_due(report_at, last, now, self.settings.schedule.time_zone())
        else {
            return Ok(false);
        };
        let (text, days) = self.report(1, true).await?;
        let mut changes = Changes::new();
        changes.send(Outbound::TextToGroup {
            thread: None,
            text: BotText::new(text),
            reply_to: None,
        });
        changes.send(Outbound::ChartToGroup { thread: None, days });
        changes.push(Change::DailyReportPosted { day, at: now });
        match self.ports.store.commit(changes.0).await {
            Ok(()) => Ok(true),
            // Another pass posted that day meanwhile: nothing more to do.
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
