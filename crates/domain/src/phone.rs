//! Phone numbers: normalization to digits with the country code (`380XXXXXXXXX` for Ukraine),
//! per docs/product-rules.md (phones). A [`Phone`] can only hold a normalized number; garbage
//! is an error.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A normalized phone number: digits only, country code first (`380674210303`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// Why a string is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but blanks.
    #[error("the phone number is empty")]
    Empty,
    /// Letters or other symbols that never appear in a phone number.
    #[error("the phone number contains '{0}', which is not a digit")]
    InvalidCharacter(char),
    /// A `+` that is not the first character.
    #[error("'+' may only stand at the start of a phone number")]
    MisplacedPlus,
    /// A Ukrainian number (starting with 380, 80 or 0) of the wrong length.
    #[error("a Ukrainian number has 12 digits as 380XXXXXXXXX, this one has {digits}")]
    WrongUkrainianLength {
        /// Digits after expanding the local prefix.
        digits: usize,
    },
    /// Too short or too long for any number in the world (E.164 allows 8..=15 here).
    #[error("a phone number has 8 to 15 digits with its country code, this one has {digits}")]
    WrongLength {
        /// Digits found.
        digits: usize,
    },
}

/// Characters people put between digits; anything else is garbage.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '(' | ')' | '.' | '/' | '\u{a0}' | '\t')
}

impl Phone {
    /// Normalizes `raw` (`+380 67 421 03 03`, `0674210303`, `(067) 421-03-03`, `+48 601 234 567`…).
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(trimmed.len());
        let mut international = false;
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => international = true,
                '+' => return Err(PhoneError::MisplacedPlus),
                c if is_separator(c) => {}
                c => return Err(PhoneError::InvalidCharacter(c)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if let Some(rest) = digits.strip_prefix("00") {
            // 00 is the international call prefix, the same as '+'.
            digits = rest.to_owned();
            international = true;
        }

        let normalized = if digits.starts_with("380") {
            digits
        } else if !international && digits.starts_with("80") && digits.len() == 11 {
            format!("3{digits}")
        } else if !international && digits.starts_with('0') {
            format!("38{digits}")
        } else if !international && digits.len() == 9 {
            // A local number typed without its leading 0: "674210303".
            format!("380{digits}")
        } else {
            if digits.starts_with('0') || !(8..=15).contains(&digits.len()) {
                return Err(PhoneError::WrongLength {
                    digits: digits.len(),
                });
            }
            return Ok(Self(digits));
        };
        if normalized.len() != 12 {
            return Err(PhoneError::WrongUkrainianLength {
                digits: normalized.len(),
            });
        }
        Ok(Self(normalized))
    }

    /// The digits, as stored (`380674210303`).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// For people and `tel:` links: `+380674210303`.
    pub fn international(&self) -> String {
        format!("+{}", self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, PhoneError> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ukrainian_formats_normalize_to_380() {
        let cases = [
            "+380 67 421 03 03",
            "380674210303",
            "0674210303",
            "80674210303",
            "(067) 421-03-03",
            "+38 (067) 421-03-03",
            "+38-067-421-03-03",
            "067.421.03.03",
            "  0674210303  ",
            "00380674210303",
            "674210303",
            "+380\u{a0}67\u{a0}421\u{a0}03\u{a0}03",
        ];
        for raw in cases {
            assert_eq!(
                Phone::parse(raw).map(|p| p.digits().to_owned()),
                Ok("380674210303".to_owned()),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn other_countries_keep_their_code() {
        let cases = [
            ("+48 601 234 567", "48601234567"),
            ("+1 (212) 555-0100", "12125550100"),
            ("0049 30 1234567", "49301234567"),
            ("+44 20 7946 0958", "442079460958"),
        ];
        for (raw, want) in cases {
            assert_eq!(Phone::parse(raw).unwrap().digits(), want, "input {raw:?}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_phone() {
        let cases = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("()-", PhoneError::Empty),
            ("call me", PhoneError::InvalidCharacter('c')),
            ("067421030x", PhoneError::InvalidCharacter('x')),
            ("38+0674210303", PhoneError::MisplacedPlus),
            ("06742103", PhoneError::WrongUkrainianLength { digits: 10 }),
            (
                "+3806742103031",
                PhoneError::WrongUkrainianLength { digits: 13 },
            ),
            ("+1234", PhoneError::WrongLength { digits: 4 }),
            ("+1234567890123456", PhoneError::WrongLength { digits: 16 }),
            ("1234567", PhoneError::WrongLength { digits: 7 }),
        ];
        for (raw, want) in cases {
            assert_eq!(Phone::parse(raw), Err(want), "input {raw:?}");
        }
    }

    #[test]
    fn shown_with_plus() {
        let p = Phone::parse("0674210303").unwrap();
        assert_eq!(p.to_string(), "+380674210303");
        assert_eq!(p.international(), "+380674210303");
    }

    #[test]
    fn equal_after_normalization() {
        assert_eq!(
            Phone::parse("+38 (067) 123-45-67").unwrap(),
            Phone::parse("0671234567").unwrap()
        );
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            PhoneError::InvalidCharacter('x').to_string(),
            "the phone number contains 'x', which is not a digit"
        );
    }
}
