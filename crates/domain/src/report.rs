//! The figures of the help desk's daily report: what one day of appeals looked like. The
//! report's picture (a chart adapter) and its text are drawn from these values; counting them
//! is the store's job.

use chrono::{Duration, NaiveDate};

/// One day of the help desk, as the daily report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyFigures {
    /// The day (the clinic's local date).
    pub day: NaiveDate,
    /// Appeals opened that day.
    pub opened: u32,
    /// The median time to the first staff answer of the appeals answered that day; `None`
    /// when no appeal got its first answer that day (such a day has no point on the chart,
    /// not a zero: nobody answered in no time).
    pub first_response_median: Option<Duration>,
}

impl DailyFigures {
    /// The median in minutes, with fractions (90 s is 1.5), for a chart's axis.
    pub fn median_minutes(&self) -> Option<f64> {
        // Milliseconds, so a sub-minute median is not shown as zero.
        self.first_response_median
            .map(|d| d.num_milliseconds() as f64 / 60_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(opened: u32, median: Option<Duration>) -> DailyFigures {
        DailyFigures {
            day: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            opened,
            first_response_median: median,
        }
    }

    #[test]
    fn the_median_reads_in_minutes_with_fractions() {
        assert_eq!(
            day(3, Some(Duration::seconds(90))).median_minutes(),
            Some(1.5)
        );
        assert_eq!(
            day(1, Some(Duration::minutes(42))).median_minutes(),
            Some(42.0)
        );
        assert_eq!(
            day(1, Some(Duration::seconds(15))).median_minutes(),
            Some(0.25)
        );
    }

    #[test]
    fn a_day_without_answers_has_no_median() {
        assert_eq!(day(4, None).median_minutes(), None);
        assert_eq!(day(0, None).median_minutes(), None);
    }
}
