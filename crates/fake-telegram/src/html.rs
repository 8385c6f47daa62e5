//! Telegram's `parse_mode=HTML`, as far as the fake needs it: the tags Telegram accepts, the
//! four named entities plus numeric ones, the error texts it answers for broken markup, and the
//! plain text + entities (offsets in UTF-16 code units) that it stores and returns.

use serde_json::{Value, json};

/// The outcome of parsing: plain text and its entities (Bot API `MessageEntity` JSON).
#[derive(Debug)]
pub(crate) struct Parsed {
    pub text: String,
    pub entities: Vec<Value>,
}

struct Open {
    tag: String,
    offset: usize,
    entity: Value,
}

/// Parses Telegram HTML. `Err` carries the part after "Bad Request: can't parse entities: ".
pub(crate) fn parse(src: &str) -> Result<Parsed, String> {
    let bytes = src.as_bytes();
    let mut text = String::with_capacity(src.len());
    let mut units = 0usize; // UTF-16 length of `text`
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let start = i;
                if bytes.get(i + 1) == Some(&b'/') {
                    let name_start = i + 2;
                    let name_end = name_end(bytes, name_start);
                    let Some(close) = src[name_end..].find('>').map(|p| name_end + p) else {
                        return Err(format!("Unclosed end tag at byte offset {start}"));
                    };
                    let name = src[name_start..name_end].to_ascii_lowercase();
                    let Some(open) = stack.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {start}"));
                    };
                    if !name.is_empty() && name != open.tag {
                        return Err(format!(
                            "Unmatched end tag at byte offset {start}, expected \"</{}>\", found \"</{name}>\"",
                            open.tag
                        ));
                    }
                    // Telegram drops entities that cover nothing.
                    if units > open.offset {
                        let mut e = open.entity;
                        e["offset"] = json!(open.offset);
                        e["length"] = json!(units - open.offset);
                        entities.push(e);
                    }
                    i = close + 1;
                } else {
                    let name_start = i + 1;
                    let name_end = name_end(bytes, name_start);
                    if name_end == name_start {
                        return Err(format!(
                            "Unexpected end of name token at byte offset {name_start}"
                        ));
                    }
                    let name = src[name_start..name_end].to_ascii_lowercase();
                    let (attrs, close) = attributes(src, name_end)
                        .ok_or_else(|| format!("Unclosed start tag at byte offset {start}"))?;
                    let entity = entity_for(&name, &attrs, start)?;
                    stack.push(Open {
                        tag: name,
                        offset: units,
                        entity,
                    });
                    i = close + 1;
                }
            }
            b'&' => {
                let (ch, len) = entity_char(&src[i..]).unwrap_or(('&', 1));
                text.push(ch);
                units += ch.len_utf16();
                i += len;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\u{FFFD}');
                text.push(ch);
                units += ch.len_utf16();
                i += ch.len_utf8().max(1);
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    entities.sort_by_key(|e| {
        (
            e["offset"].as_u64(),
            std::cmp::Reverse(e["length"].as_u64()),
        )
    });
    Ok(Parsed { text, entities })
}

fn name_end(bytes: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
        j += 1;
    }
    j
}

/// Reads `name="value"` pairs up to the closing `>`; `None` if the tag never closes.
fn attributes(src: &str, mut i: usize) -> Option<(Vec<(String, String)>, usize)> {
    let bytes = src.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => return Some((attrs, i)),
            b'/' => i += 1,
            _ => {
                let n_end = name_end(bytes, i);
                if n_end == i {
                    // A stray character inside the tag: skip it as Telegram's lenient parser does.
                    i += 1;
                    continue;
                }
                let name = src[i..n_end].to_ascii_lowercase();
                i = n_end;
                let mut value = String::new();
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    match bytes.get(i)? {
                        q @ (b'"' | b'\'') => {
                            let end = src[i + 1..].find(*q as char)? + i + 1;
                            value = unescape(&src[i + 1..end]);
                            i = end + 1;
                        }
                        _ => {
                            let end = src[i..]
                                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                                .map_or(src.len(), |p| p + i);
                            value = unescape(&src[i..end]);
                            i = end;
                        }
                    }
                }
                attrs.push((name, value));
            }
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s.as_bytes()[i] == b'&'
            && let Some((ch, len)) = entity_char(&s[i..])
        {
            out.push(ch);
            i += len;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `&lt;` `&gt;` `&amp;` `&quot;` and numeric entities; anything else stays a literal `&`.
fn entity_char(s: &str) -> Option<(char, usize)> {
    // Bytes, not a str slice: byte 12 may fall inside a multi-byte character.
    let end = s.as_bytes()[..s.len().min(12)]
        .iter()
        .position(|b| *b == b';')?;
    let body = &s[1..end];
    let ch = match body {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let code =
                if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    body.strip_prefix('#')?.parse().ok()?
                };
            char::from_u32(code)?
        }
    };
    Some((ch, end + 1))
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn entity_for(name: &str, attrs: &[(String, String)], at: usize) -> Result<Value, String> {
    let kind = match name {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" => "spoiler",
        "span" => {
            if attr(attrs, "class") != Some("tg-spoiler") {
                return Err(format!(
                    "Tag \"span\" must have class \"tg-spoiler\" at byte offset {at}"
                ));
            }
            "spoiler"
        }
        "code" => "code",
        "pre" => {
            return Ok(
                match attr(attrs, "class").and_then(|c| c.strip_prefix("language-")) {
                    Some(lang) => json!({"type": "pre", "language": lang}),
                    None => json!({"type": "pre"}),
                },
            );
        }
        "blockquote" => {
            if attrs.iter().any(|(n, _)| n == "expandable") {
                "expandable_blockquote"
            } else {
                "blockquote"
            }
        }
        "a" => {
            let href = attr(attrs, "href").unwrap_or_default();
            if let Some(id) = href.strip_prefix("tg://user?id=") {
                let id: u64 = id
                    .parse()
                    .map_err(|_| format!("Wrong user identifier at byte offset {at}"))?;
                return Ok(
                    json!({"type": "text_mention", "user": {"id": id, "is_bot": false, "first_name": ""}}),
                );
            }
            return Ok(json!({"type": "text_link", "url": href}));
        }
        "tg-emoji" => {
            let id = attr(attrs, "emoji-id").unwrap_or_default();
            return Ok(json!({"type": "custom_emoji", "custom_emoji_id": id}));
        }
        other => {
            return Err(format!(
                "Unsupported start tag \"{other}\" at byte offset {at}"
            ));
        }
    };
    Ok(json!({ "type": kind }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stripped_and_entities_measured_in_utf16() {
        let p = parse("<b>Привіт</b> &lt;3 🐶 <i>лапа</i>").unwrap();
        assert_eq!(p.text, "Привіт <3 🐶 лапа");
        assert_eq!(
            p.entities[0],
            json!({"type": "bold", "offset": 0, "length": 6})
        );
        // The dog is two UTF-16 units.
        assert_eq!(
            p.entities[1],
            json!({"type": "italic", "offset": 13, "length": 4})
        );
    }

    #[test]
    fn broken_markup_is_refused_like_telegram() {
        assert!(parse("<b>x").unwrap_err().contains("Can't find end tag"));
        assert!(
            parse("<br>")
                .unwrap_err()
                .contains("Unsupported start tag \"br\"")
        );
        assert!(parse("<b>x</i>").unwrap_err().contains("Unmatched end tag"));
        assert!(parse("x</b>").unwrap_err().contains("Unexpected end tag"));
        assert!(
            parse("a < b")
                .unwrap_err()
                .contains("Unexpected end of name token")
        );
        assert!(parse("<span>x</span>").is_err());
        assert_eq!(parse("a & b &nbsp;").unwrap().text, "a & b &nbsp;");
        assert_eq!(
            parse("<a href=\"https://x.y/?a=1&amp;b=2\">l</a>")
                .unwrap()
                .entities[0]["url"],
            "https://x.y/?a=1&b=2"
        );
    }
}
