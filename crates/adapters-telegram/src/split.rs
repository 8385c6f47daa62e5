//! Long texts: Telegram takes at most 4096 characters (UTF-16 code units) a message. Bot texts
//! are split at line breaks where possible, and never inside an HTML tag or entity.

/// Telegram's limit on a message text.
pub const MAX_TEXT_UNITS: usize = 4096;

/// Splits `html` into parts of at most `max` UTF-16 units each.
pub fn split_html(html: &str, max: usize) -> Vec<String> {
    let units = |s: &str| s.encode_utf16().count();
    if units(html) <= max {
        return vec![html.to_owned()];
    }
    let mut parts = Vec::new();
    let mut rest = html;
    while units(rest) > max {
        let cut = cut_point(rest, max);
        let (head, tail) = rest.split_at(cut);
        parts.push(head.trim_end_matches('\n').to_owned());
        rest = tail.trim_start_matches('\n');
    }
    if !rest.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

/// The byte index to cut at: the last line break within `max` units, else the last safe
/// character boundary (outside `<…>` and `&…;`).
fn cut_point(s: &str, max: usize) -> usize {
    let mut used = 0;
    let mut limit = s.len();
    for (i, c) in s.char_indices() {
        used += c.len_utf16();
        if used > max {
            limit = i;
            break;
        }
    }
    let window = &s[..limit];
    if let Some(nl) = window.rfind('\n').filter(|&nl| nl > limit / 2) {
        return nl + 1;
    }
    // Step back out of an open tag or entity, and before an element that is not closed within
    // the window (our texts do not nest tags, so the last tag tells).
    let mut cut = limit;
    let open_tag = window
        .rfind('<')
        .filter(|&lt| !window[lt..].contains('>') || !window[lt + 1..].starts_with('/'));
    let open_entity = window
        .rfind('&')
        .filter(|&amp| !window[amp..].contains(';') && window.len() - amp <= 10);
    if let Some(p) = open_tag.into_iter().chain(open_entity).min() {
        cut = p;
    }
    if cut == 0 {
        limit.max(s.chars().next().map_or(1, char::len_utf8))
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_untouched() {
        assert_eq!(split_html("привіт", 4096), vec!["привіт"]);
    }

    #[test]
    fn long_texts_split_at_lines_within_the_limit() {
        let line = "я".repeat(100);
        let text = vec![line.clone(); 100].join("\n"); // 10 099 characters
        let parts = split_html(&text, MAX_TEXT_UNITS);
        assert!(parts.len() >= 3);
        for p in &parts {
            assert!(p.encode_utf16().count() <= MAX_TEXT_UNITS);
            assert!(p.split('\n').all(|l| l == line), "lines are kept whole");
        }
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn never_cuts_inside_an_entity_or_tag() {
        let text = format!("{}&lt;tail", "a".repeat(4094));
        let parts = split_html(&text, MAX_TEXT_UNITS);
        assert_eq!(parts[0], "a".repeat(4094));
        assert_eq!(parts[1], "&lt;tail");
        let tagged = format!("{}<b>x</b>", "a".repeat(4093));
        let parts = split_html(&tagged, MAX_TEXT_UNITS);
        assert_eq!(parts[0], "a".repeat(4093));
    }

    #[test]
    fn counts_utf16_units_for_emoji() {
        let text = "🐶".repeat(3000); // 6000 UTF-16 units
        let parts = split_html(&text, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        assert!(
            parts
                .iter()
                .all(|p| p.encode_utf16().count() <= MAX_TEXT_UNITS)
        );
        assert_eq!(parts.concat(), text);
    }
}
