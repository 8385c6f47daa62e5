//! # PetWealth Parents — the chart adapter
//!
//! Draws the picture of the help desk's daily report: for each of the last days (the report
//! gives 14), a bar of the appeals opened that day (left axis) and a point of that day's median
//! time to the first answer, in minutes (right axis), the points joined day to day. A day
//! without answers has no point, and the line breaks there: a gap is not a zero.
//!
//! Everything happens in-process, with no system library or system font: plotters draws into
//! an RGB buffer with the bundled DejaVu Sans (Cyrillic included; its licence is in
//! `fonts/LICENSE`), and the `png` crate encodes it in memory. The result is PNG bytes, ready
//! for the chat gateway's `send_photo`.
//!
//! Words a person reads (the title, the axis captions) come from the caller — the domain's
//! text catalogue — so this crate holds no sentence. Dates on the axis are numbers.
//!
//! This crate depends on `domain` only.
#![warn(missing_docs)]

use chrono::{Datelike, NaiveDate};
use domain::report::DailyFigures;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use std::ops::Range;
use std::sync::OnceLock;

/// The picture's width in pixels: a phone screen's width, so Telegram shows it unscaled.
pub const WIDTH: u32 = 1080;
/// The picture's height in pixels (3:2).
pub const HEIGHT: u32 = 720;

/// The bundled font. Registered as plotters' `sans-serif`, the family every text of the chart
/// (and plotters' own defaults) asks for.
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// The bars' colour (appeals opened).
const BARS: RGBColor = RGBColor(66, 133, 196);
/// The line's colour (median first response).
const LINE: RGBColor = RGBColor(230, 115, 25);
/// Half a bar's width, in days: bars fill 70% of their day, so neighbours stay apart.
const BAR_HALF_WIDTH: f64 = 0.35;
/// Gridlines.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// The words on the chart, in the reader's language.
#[derive(Debug, Clone, Copy)]
pub struct Captions<'a> {
    /// Above the chart.
    pub title: &'a str,
    /// The left axis: appeals opened a day.
    pub opened: &'a str,
    /// The right axis: the median first response, in minutes.
    pub median: &'a str,
}

/// Why no chart was drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// Nothing to draw.
    #[error("no days to draw")]
    NoDays,
    /// The same day twice: the caller counted wrong, and either bar would be a lie.
    #[error("the day {0} is given twice")]
    DuplicateDay(NaiveDate),
    /// The bundled font is not a font (a broken build).
    #[error("the bundled font cannot be read")]
    Font,
    /// Plotters failed to draw.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(String),
}

/// Registers the bundled font with plotters, once per process (its font table is global).
fn register_bundled_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Draws `days` (in any order; shown oldest first) as a [`WIDTH`]×[`HEIGHT`] PNG.
pub fn daily_chart(days: &[DailyFigures], captions: &Captions<'_>) -> Result<Vec<u8>, ChartError> {
    if days.is_empty() {
        return Err(ChartError::NoDays);
    }
    let mut days = days.to_vec();
    days.sort_by_key(|d| d.day);
    if let Some(twice) = days.windows(2).find(|w| w[0].day == w[1].day) {
        return Err(ChartError::DuplicateDay(twice[0].day));
    }
    register_bundled_font()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    draw(&days, captions, &mut rgb).map_err(|e| ChartError::Draw(e.to_string()))?;
    encode(&rgb)
}

/// The top of the left axis: room above the highest bar for its number, and never so low that
/// a quiet fortnight looks busy.
fn opened_top(days: &[DailyFigures]) -> u32 {
    let most = days.iter().map(|d| d.opened).max().unwrap_or(0);
    (most + most.div_ceil(5)).max(most + 1).max(5)
}

/// The top of the right axis, in minutes: room above the highest point, at least ten minutes.
fn median_top(days: &[DailyFigures]) -> f64 {
    let most = days
        .iter()
        .filter_map(DailyFigures::median_minutes)
        .fold(0.0, f64::max);
    (most * 1.2).max(10.0)
}

/// A day under its bar: the day of the month, with the month on the first day shown and on
/// every first of a month, so the axis stays readable on a phone.
fn day_label(days: &[DailyFigures], i: usize) -> String {
    match days.get(i) {
        Some(d) if i == 0 || d.day.day() == 1 => format!("{:02}.{:02}", d.day.day(), d.day.month()),
        Some(d) => format!("{:02}", d.day.day()),
        None => String::new(),
    }
}

/// The axis of days: day `i` (of `.0`) at `x = i`, with half a day of room either side, its
/// key points (ticks, labels) at the days only. Plotters' own ranges choose "round" key points
/// and cannot be told these.
#[derive(Debug, Clone, Copy)]
struct DaysAxis(usize);

impl Ranged for DaysAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, x: &f64, (from, to): (i32, i32)) -> i32 {
        let share = (x + 0.5) / self.0 as f64;
        from + (share * f64::from(to - from)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0).map(|i| i as f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.0 as f64 - 0.5
    }
}

/// Runs of consecutive days that have a median: each becomes one stretch of the line.
fn median_runs(days: &[DailyFigures]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, d) in days.iter().enumerate() {
        match d.median_minutes() {
            Some(m) => current.push((i, m)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

fn draw(
    days: &[DailyFigures],
    captions: &Captions<'_>,
    rgb: &mut [u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let n = days.len();
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;

    let mut chart = ChartBuilder::on(&root)
        .caption(captions.title, (FAMILY, 40).into_font())
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .right_y_label_area_size(96)
        .build_cartesian_2d(DaysAxis(n), 0u32..opened_top(days))?
        .set_secondary_coord(DaysAxis(n), 0f64..median_top(days));

    let labels = (FAMILY, 26).into_font();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&|x| day_label(days, x.round() as usize))
        .y_labels(6)
        .y_label_formatter(&|v| v.to_string())
        .y_desc(captions.opened)
        .label_style(labels.clone())
        .axis_desc_style((FAMILY, 28).into_font().color(&BARS))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(captions.median)
        .label_style(labels)
        .axis_desc_style((FAMILY, 28).into_font().color(&LINE))
        .draw()?;

    chart.draw_series(days.iter().enumerate().map(|(i, d)| {
        let x = i as f64;
        Rectangle::new(
            [(x - BAR_HALF_WIDTH, 0), (x + BAR_HALF_WIDTH, d.opened)],
            BARS.filled(),
        )
    }))?;
    // The count above each bar: a phone reader should not have to read it off the axis.
    let count_style = (FAMILY, 24)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(
        days.iter()
            .enumerate()
            .filter(|(_, d)| d.opened > 0)
            .map(|(i, d)| {
                Text::new(
                    d.opened.to_string(),
                    (i as f64, d.opened),
                    count_style.clone(),
                )
            }),
    )?;

    for run in median_runs(days) {
        chart.draw_secondary_series(LineSeries::new(
            run.iter().map(|&(i, m)| (i as f64, m)),
            LINE.stroke_width(4),
        ))?;
        chart.draw_secondary_series(
            run.iter()
                .map(|&(i, m)| Circle::new((i as f64, m), 7, LINE.filled())),
        )?;
    }

    root.present()?;
    Ok(())
}

/// The report's chart as the domain asks for it ([`domain::ports::ChartRenderer`]), with the
/// captions of the domain's text catalogue.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportChart;

impl domain::ports::ChartRenderer for ReportChart {
    fn daily(&self, days: &[DailyFigures]) -> Result<Vec<u8>, String> {
        let captions = Captions {
            title: domain::texts::REPORT_CHART_TITLE,
            opened: domain::texts::REPORT_CHART_OPENED,
            median: domain::texts::REPORT_CHART_MEDIAN,
        };
        daily_chart(days, &captions).map_err(|e| e.to_string())
    }
}

fn encode(rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let fail = |e: png::EncodingError| ChartError::Encode(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(rgb).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn day(d: u32, opened: u32, median_min: Option<i64>) -> DailyFigures {
        DailyFigures {
            day: NaiveDate::from_ymd_opt(2025, 3, d).unwrap(),
            opened,
            first_response_median: median_min.map(Duration::minutes),
        }
    }

    #[test]
    fn gaps_break_the_line_into_runs() {
        let days = [
            day(1, 1, Some(5)),
            day(2, 1, Some(7)),
            day(3, 0, None),
            day(4, 2, Some(3)),
            day(5, 0, None),
        ];
        assert_eq!(
            median_runs(&days),
            vec![vec![(0, 5.0), (1, 7.0)], vec![(3, 3.0)]]
        );
        assert!(median_runs(&[day(1, 0, None)]).is_empty());
    }

    #[test]
    fn axes_leave_room_and_have_a_floor() {
        assert_eq!(opened_top(&[day(1, 0, None)]), 5);
        assert_eq!(opened_top(&[day(1, 20, None)]), 24);
        assert_eq!(opened_top(&[day(1, 7, None)]), 9);
        assert_eq!(median_top(&[day(1, 0, None)]), 10.0);
        assert_eq!(median_top(&[day(1, 1, Some(50))]), 60.0);
    }

    #[test]
    fn days_show_the_month_on_the_first_and_at_a_new_month() {
        let days = [
            DailyFigures {
                day: NaiveDate::from_ymd_opt(2025, 2, 27).unwrap(),
                opened: 0,
                first_response_median: None,
            },
            DailyFigures {
                day: NaiveDate::from_ymd_opt(2025, 2, 28).unwrap(),
                opened: 0,
                first_response_median: None,
            },
            day(1, 0, None),
            day(2, 0, None),
        ];
        let labels: Vec<_> = (0..5).map(|i| day_label(&days, i)).collect();
        assert_eq!(labels, ["27.02", "28", "01.03", "02", ""]);
    }
}
