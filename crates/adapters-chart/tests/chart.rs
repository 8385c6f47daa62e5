//! The daily chart as its reader gets it: a PNG of the promised size, drawn from real figures
//! with the catalogue's Ukrainian captions.

use adapters_chart::{Captions, ChartError, HEIGHT, WIDTH, daily_chart};
use chrono::{Duration, NaiveDate};
use domain::report::DailyFigures;
use domain::texts::{REPORT_CHART_MEDIAN, REPORT_CHART_OPENED, REPORT_CHART_TITLE};

fn captions() -> Captions<'static> {
    Captions {
        title: REPORT_CHART_TITLE,
        opened: REPORT_CHART_OPENED,
        median: REPORT_CHART_MEDIAN,
    }
}

/// 14 days from 2025-02-20 (across a month's end), `(opened, median in seconds)` from
/// `f(day index)`.
fn fortnight(f: impl Fn(u32) -> (u32, Option<i64>)) -> Vec<DailyFigures> {
    let first = NaiveDate::from_ymd_opt(2025, 2, 20).unwrap();
    (0..14)
        .map(|i| {
            let (opened, median_secs) = f(i);
            DailyFigures {
                day: first + Duration::days(i64::from(i)),
                opened,
                first_response_median: median_secs.map(Duration::seconds),
            }
        })
        .collect()
}

/// A fortnight as a clinic has it: busy weekdays, quiet weekends (nothing opened, or an appeal
/// nobody answered that day), one weekday whose appeals were answered only the next day.
fn typical() -> Vec<DailyFigures> {
    const DAYS: [(u32, Option<i64>); 14] = [
        (6, Some(7 * 60)),
        (9, Some(13 * 60)),
        (4, Some(21 * 60)),
        (0, None),
        (1, None),
        (11, Some(9 * 60 + 30)),
        (8, Some(6 * 60)),
        (12, Some(17 * 60)),
        (7, None),
        (5, Some(25 * 60)),
        (0, None),
        (0, None),
        (13, Some(11 * 60)),
        (10, Some(8 * 60)),
    ];
    fortnight(|i| DAYS[i as usize])
}

struct Decoded {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    channels: usize,
}

fn decode(bytes: &[u8]) -> Decoded {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut pixels).expect("PNG image data");
    pixels.truncate(info.buffer_size());
    Decoded {
        width: info.width,
        height: info.height,
        channels: info.color_type.samples(),
        pixels,
    }
}

/// How many pixels are close to `rgb`.
fn count_near(img: &Decoded, rgb: [u8; 3]) -> usize {
    img.pixels
        .chunks(img.channels)
        .filter(|p| {
            p.iter()
                .zip(rgb)
                .all(|(&a, b)| (i16::from(a) - i16::from(b)).abs() <= 12)
        })
        .count()
}

const BARS: [u8; 3] = [66, 133, 196];
const LINE: [u8; 3] = [230, 115, 25];

#[test]
fn the_chart_is_a_png_sized_for_a_phone() {
    let bytes = daily_chart(&typical(), &captions()).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let img = decode(&bytes);
    assert_eq!((img.width, img.height), (WIDTH, HEIGHT));
    assert_eq!((WIDTH, HEIGHT), (1080, 720));
    // Small enough to upload quickly: a flat-colour chart compresses well.
    assert!(bytes.len() < 300_000, "{} bytes", bytes.len());
    // Both series are on it: the bars and the line have their colours.
    assert!(count_near(&img, BARS) > 20_000, "bars");
    assert!(count_near(&img, LINE) > 1_000, "line");
    if let Ok(path) = std::env::var("CHART_SAMPLE") {
        std::fs::write(path, &bytes).unwrap();
    }
}

#[test]
fn cyrillic_captions_are_drawn() {
    let with_words = decode(&daily_chart(&typical(), &captions()).unwrap());
    let blank = Captions {
        title: "",
        opened: "",
        median: "",
    };
    let without = decode(&daily_chart(&typical(), &blank).unwrap());
    // The captions put ink on the picture: the title dark, the axis captions in their series'
    // colours (a font without Cyrillic glyphs would draw nothing).
    let dark = |img: &Decoded| count_near(img, [0, 0, 0]);
    assert!(
        dark(&with_words) > dark(&without) + 500,
        "{} vs {}",
        dark(&with_words),
        dark(&without)
    );
    assert!(count_near(&with_words, BARS) > count_near(&without, BARS) + 300);
    assert!(count_near(&with_words, LINE) > count_near(&without, LINE) + 300);
}

#[test]
fn a_fortnight_with_empty_days_is_drawn_in_day_order() {
    let days = typical();
    assert!(days.iter().any(|d| d.first_response_median.is_none()));
    let mut shuffled = days.clone();
    shuffled.reverse();
    shuffled.swap(2, 9);
    assert_eq!(
        daily_chart(&shuffled, &captions()).unwrap(),
        daily_chart(&days, &captions()).unwrap(),
        "days are drawn oldest first, whatever order they come in"
    );
}

#[test]
fn an_all_zero_fortnight_is_drawn_without_a_line() {
    let quiet = fortnight(|_| (0, None));
    let img = decode(&daily_chart(&quiet, &captions()).unwrap());
    assert_eq!((img.width, img.height), (WIDTH, HEIGHT));
    // No bars and no line points; only the axis caption has the line's colour.
    let busy = decode(&daily_chart(&typical(), &captions()).unwrap());
    assert!(count_near(&img, BARS) * 10 < count_near(&busy, BARS));
    assert!(count_near(&img, LINE) * 2 < count_near(&busy, LINE));
}

#[test]
fn different_figures_give_different_pictures() {
    let a = daily_chart(&typical(), &captions()).unwrap();
    let mut other = typical();
    other[3].opened += 5;
    let b = daily_chart(&other, &captions()).unwrap();
    let mut slower = typical();
    slower[0].first_response_median = Some(Duration::minutes(90));
    let c = daily_chart(&slower, &captions()).unwrap();
    assert_ne!(decode(&a).pixels, decode(&b).pixels);
    assert_ne!(decode(&a).pixels, decode(&c).pixels);
    assert_ne!(decode(&b).pixels, decode(&c).pixels);
}

#[test]
fn a_single_day_is_drawn() {
    let one = &typical()[..1];
    let img = decode(&daily_chart(one, &captions()).unwrap());
    assert_eq!((img.width, img.height), (WIDTH, HEIGHT));
    assert!(count_near(&img, BARS) > 20_000, "its bar fills the width");
}

#[test]
fn nothing_to_draw_or_a_day_twice_is_an_error() {
    assert_eq!(daily_chart(&[], &captions()), Err(ChartError::NoDays));
    let mut days = typical();
    days[5].day = days[4].day;
    assert_eq!(
        daily_chart(&days, &captions()),
        Err(ChartError::DuplicateDay(days[4].day))
    );
}
