//! Labels: a client's display name in support, which is also their forum topic's name
//! (docs/product-rules.md: labels). Telegram allows 1–128 characters; a [`Label`] always fits.

use crate::ids::UserId;
use crate::owner::Pet;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Telegram's limit on a forum topic name, in characters.
pub const MAX_LABEL_CHARS: usize = 128;

/// A topic name: trimmed, 1–128 characters (counted as characters, not bytes), one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

/// Why a text cannot be a label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Nothing left after trimming.
    #[error("the label is empty")]
    Empty,
    /// Over Telegram's topic-name limit.
    #[error("a label has at most {MAX_LABEL_CHARS} characters, this one has {0}")]
    TooLong(usize),
}

impl Label {
    /// Trims, folds line breaks into spaces (a topic name is one line) and checks the length.
    pub fn new(raw: &str) -> Result<Self, LabelError> {
        let one_line: String = raw
            .split(|c: char| c.is_control())
            .filter(|part| !part.trim().is_empty())
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let value = one_line.trim();
        if value.is_empty() {
            return Err(LabelError::Empty);
        }
        let len = value.chars().count();
        if len > MAX_LABEL_CHARS {
            return Err(LabelError::TooLong(len));
        }
        Ok(Self(value.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = LabelError;
    fn try_from(value: String) -> Result<Self, LabelError> {
        Self::new(&value)
    }
}

impl From<Label> for String {
    fn from(l: Label) -> String {
        l.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Cuts `s` to at most `max` characters, never inside a character.
fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].trim_end(),
        None => s,
    }
}

/// The label of a new client: first + last name, then ` (@username)`; no name → `Клієнт <id>`.
/// An over-long name is cut to fit (the username is kept whole when it fits).
pub fn default_label(
    first_name: Option<&str>,
    last_name: Option<&str>,
    username: Option<&str>,
    id: UserId,
) -> Label {
    let name = [first_name, last_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Names may hold line breaks; a topic name is one line.
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let suffix = username
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty())
        .map(|u| format!(" (@{u})"))
        .unwrap_or_default();
    let text = if name.is_empty() {
        match suffix.is_empty() {
            true => crate::texts::unnamed_client(id),
            false => format!("{}{suffix}", crate::texts::unnamed_client(id)),
        }
    } else {
        let room = MAX_LABEL_CHARS.saturating_sub(suffix.chars().count());
        format!("{}{suffix}", truncate_chars(&name, room))
    };
    Label::new(truncate_chars(&text, MAX_LABEL_CHARS))
        .unwrap_or_else(|_| Label(crate::texts::unnamed_client(id)))
}

/// The auto label: `<given name> — <Pet> (<contract>), <Pet> (<contract>)`.
///
/// When not every pet fits in 128 characters, as many whole pets as fit are kept, followed by
/// ` +N` for the N left out; a name is never cut. With no pets, the label is the given name.
pub fn auto_label(given_name: &str, pets: &[Pet]) -> Result<Label, LabelError> {
    let given = given_name.split_whitespace().collect::<Vec<_>>().join(" ");
    let parts: Vec<String> = pets
        .iter()
        .map(Pet::label_part)
        .filter(|p| !p.is_empty())
        .collect();
    if given.is_empty() && parts.is_empty() {
        return Err(LabelError::Empty);
    }
    let head = if given.is_empty() {
        String::new()
    } else if parts.is_empty() {
        return Label::new(truncate_chars(&given, MAX_LABEL_CHARS));
    } else {
        format!("{given} — ")
    };

    let len = |s: &str| s.chars().count();
    let full = format!("{head}{}", parts.join(", "));
    if len(&full) <= MAX_LABEL_CHARS {
        return Label::new(&full);
    }
    // Keep the longest prefix of whole pets that fits together with its " +N" tail.
    for kept in (1..parts.len()).rev() {
        let text = format!("{head}{} +{}", parts[..kept].join(", "), parts.len() - kept);
        if len(&text) <= MAX_LABEL_CHARS {
            return Label::new(&text);
        }
    }
    // Not even one pet fits: the given name and the count.
    let tail = format!(" +{}", parts.len());
    let room = MAX_LABEL_CHARS - len(&tail);
    let name = if given.is_empty() {
        "—".to_owned()
    } else {
        truncate_chars(&given, room).to_owned()
    };
    Label::new(&format!("{name}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ContractNumber;

    fn pet(name: &str, contract: &str) -> Pet {
        Pet {
            name: name.into(),
            contract: Some(ContractNumber::parse(contract).unwrap()),
        }
    }

    fn uid(n: i64) -> UserId {
        UserId::new(n).unwrap()
    }

    #[test]
    fn label_is_trimmed_and_checked() {
        assert_eq!(Label::new("  Олена  ").unwrap().as_str(), "Олена");
        assert_eq!(Label::new("a\nb").unwrap().as_str(), "a b");
        assert_eq!(Label::new(" \n\t "), Err(LabelError::Empty));
        assert!(Label::new(&"я".repeat(128)).is_ok());
        assert_eq!(Label::new(&"я".repeat(129)), Err(LabelError::TooLong(129)));
        // 128 emoji are 512 bytes but 128 characters.
        assert!(Label::new(&"🐶".repeat(128)).is_ok());
    }

    #[test]
    fn default_labels() {
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
        let cases: [Case; 6] = [
            (
                Some("Олена"),
                Some("Шевченко"),
                Some("olena"),
                "Олена Шевченко (@olena)",
            ),
            (Some("Олена"), None, None, "Олена"),
            (None, None, Some("ghost"), "Клієнт 42 (@ghost)"),
            (None, None, None, "Клієнт 42"),
            (Some("  "), Some(""), None, "Клієнт 42"),
            (Some("Anna"), None, Some("@anna"), "Anna (@anna)"),
        ];
        for (first, last, user, want) in cases {
            assert_eq!(default_label(first, last, user, uid(42)).as_str(), want);
        }
    }

    #[test]
    fn default_label_of_a_huge_name_fits_and_keeps_the_username() {
        let long = "Ж".repeat(300);
        let l = default_label(Some(&long), None, Some("zh"), uid(7));
        assert_eq!(l.as_str().chars().count(), 128);
        assert!(l.as_str().ends_with(" (@zh)"));
    }

    #[test]
    fn auto_label_as_in_the_spec() {
        let l = auto_label("Олексій", &[pet("Бетмен", "1"), pet("Сільва", "2")]).unwrap();
        assert_eq!(l.as_str(), "Олексій — Бетмен (1), Сільва (2)");
    }

    #[test]
    fn auto_label_without_pets_is_the_given_name() {
        assert_eq!(auto_label("Олена", &[]).unwrap().as_str(), "Олена");
        assert_eq!(auto_label(" ", &[]), Err(LabelError::Empty));
    }

    #[test]
    fn auto_label_without_name_lists_pets() {
        assert_eq!(
            auto_label("", &[pet("Рекс", "1002")]).unwrap().as_str(),
            "Рекс (1002)"
        );
    }

    #[test]
    fn auto_label_exactly_128_keeps_everything() {
        // "Ім — " is 5 characters; each pet part "<name> (1)" is name+4; ", " joins.
        let name_len = 128 - 5 - 4; // one pet filling the rest exactly
        let pets = [pet(&"Ґ".repeat(name_len), "1")];
        let l = auto_label("Ім", &pets).unwrap();
        assert_eq!(l.as_str().chars().count(), 128);
        assert!(!l.as_str().contains('+'));
    }

    #[test]
    fn auto_label_one_over_drops_whole_pets_and_counts_them() {
        // Two pets totalling 129 characters: the second is dropped, " +1" added.
        let first = pet("Бетмен", "1"); // "Бетмен (1)" = 10
        // "Ім — " (5) + 10 + ", " (2) + x = 129  => x = 112 => name of 108 + " (1)".
        let second = pet(&"🐾".repeat(108), "1");
        let l = auto_label("Ім", &[first, second]).unwrap();
        assert_eq!(l.as_str(), "Ім — Бетмен (1) +1");
    }

    #[test]
    fn auto_label_many_pets_fill_up_to_the_limit() {
        let pets: Vec<Pet> = (1..=40).map(|i| pet("Мурчик", &i.to_string())).collect();
        let l = auto_label("Олександра", &pets).unwrap();
        let s = l.as_str();
        assert!(s.chars().count() <= 128, "{s}");
        let kept = s.matches("Мурчик").count();
        assert!(s.ends_with(&format!(" +{}", 40 - kept)), "{s}");
        // Adding the next pet would have overflowed: the fit is maximal.
        let next = format!(", Мурчик ({})", kept + 1);
        let tail_now = format!(" +{}", 40 - kept);
        let tail_next = format!(" +{}", 40 - kept - 1);
        let base = s.strip_suffix(&tail_now).unwrap();
        assert!(format!("{base}{next}{tail_next}").chars().count() > 128);
    }

    #[test]
    fn auto_label_never_cuts_inside_a_name() {
        let pets = [pet(&"Ш".repeat(130), "5"), pet("Бім", "6")];
        let l = auto_label("Олена", &pets).unwrap();
        assert_eq!(l.as_str(), "Олена +2");
    }

    #[test]
    fn auto_label_with_huge_given_name_still_fits() {
        let l = auto_label(&"Я".repeat(200), &[pet("Бім", "6")]).unwrap();
        assert_eq!(l.as_str().chars().count(), 128);
        assert!(l.as_str().ends_with(" +1"));
    }
}
