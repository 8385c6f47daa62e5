//! The figures of the help desk's report chart: what one day of appeals looked like. The
//! chart adapter draws them; `services::report` counts them from the store's facts.
//!
//! Stored: the outbox keeps a chart to post (`Outbound::ChartToGroup`) with its days as JSON,
//! so the field names here are a stored form (`tests/stored_forms.rs`).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// One day of the help desk, as the report's chart shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyFigures {
    /// The day (the clinic's local date).
    pub day: NaiveDate,
    /// Appeals opened that day.
    pub opened: u32,
    /// The median time to the first staff answer of the appeals answered that day; `None`
    /// when no appeal got its first answer that day (such a day has no point on the chart,
    /// not a zero: nobody answered in no time). Stored in milliseconds: chrono's durations
    /// have no serde form of their own.
    #[serde(rename = "first_response_median_ms", with = "optional_millis")]
    pub first_response_median: Option<Duration>,
}

/// A duration as whole milliseconds, `null` for none.
mod optional_millis {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| d.num_milliseconds()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.map(Duration::milliseconds))
    }
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
