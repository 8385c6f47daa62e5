//! The chart renderer: draws the report's picture (the last days' appeals and first-response
//! medians) as PNG bytes for the chat gateway's `send_photo`.

use crate::report::DailyFigures;

/// Draws the report's chart.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ChartRenderer: Send + Sync {
    /// The days (oldest first or in any order) as a PNG; `Err` says why none could be drawn.
    /// Drawing again cannot succeed where it failed, so a failure is final.
    fn daily(&self, days: &[DailyFigures]) -> Result<Vec<u8>, String>;
}
