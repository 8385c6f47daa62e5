//! Enote contract numbers (`НомерДоговора`): what staff type after `/enote_link`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest contract number we store (`linked_contract_number VARCHAR(64)`).
pub const MAX_CONTRACT_LEN: usize = 64;

/// A contract number as Enote knows it: trimmed, non-empty, at most 64 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContractNumber(String);

/// Why a text is not a contract number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// Nothing typed.
    #[error("the contract number is empty")]
    Empty,
    /// Longer than the column holds.
    #[error("a contract number has at most {MAX_CONTRACT_LEN} characters, this one has {0}")]
    TooLong(usize),
    /// A line break or another control character.
    #[error("a contract number is one line of text")]
    ControlCharacter,
}

impl ContractNumber {
    /// Accepts `1001`, ` 1001 `, `№1001`, `№ 1001`, `#1001`, `АБ-17`.
    pub fn parse(raw: &str) -> Result<Self, ContractError> {
        let trimmed = raw.trim();
        // Staff often copy the number with its sign from Enote's card.
        let value = trimmed
            .strip_prefix('№')
            .or_else(|| trimmed.strip_prefix('#'))
            .unwrap_or(trimmed)
            .trim();
        if value.is_empty() {
            return Err(ContractError::Empty);
        }
        if value.chars().any(char::is_control) {
            return Err(ContractError::ControlCharacter);
        }
        let len = value.chars().count();
        if len > MAX_CONTRACT_LEN {
            return Err(ContractError::TooLong(len));
        }
        Ok(Self(value.to_owned()))
    }

    /// Whether a staff member's text is meant as a contract number rather than a sentence for
    /// the client: every word has a digit in it (`1001`, `№ 1001`, `ВЕТ-0012`, two numbers
    /// pasted by mistake). Whether it is a valid one is [`ContractNumber::parse`]'s to say.
    pub fn looks_like(text: &str) -> bool {
        let t = text.trim();
        let t = t
            .strip_prefix('№')
            .or_else(|| t.strip_prefix('#'))
            .unwrap_or(t);
        let mut words = t.split_whitespace().peekable();
        words.peek().is_some() && words.all(|w| w.chars().any(|c| c.is_ascii_digit()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// All digits: 1C holds such contracts as numbers, so lookups try the unquoted form first.
    pub fn is_numeric(&self) -> bool {
        self.0.chars().all(|c| c.is_ascii_digit())
    }
}

impl TryFrom<String> for ContractNumber {
    type Error = ContractError;
    fn try_from(value: String) -> Result<Self, ContractError> {
        Self::parse(&value)
    }
}

impl From<ContractNumber> for String {
    fn from(c: ContractNumber) -> String {
        c.0
    }
}

impl fmt::Display for ContractNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_like_texts_are_told_from_sentences() {
        for yes in ["1001", "№ 1001", "#77", "ВЕТ-0012", "1001\n1002", " 42 "] {
            assert!(ContractNumber::looks_like(yes), "{yes:?}");
        }
        for no in [
            "Добрий день, зараз перевірю",
            "",
            "   ",
            "№",
            "о 15:00 приходьте",
            "так",
        ] {
            assert!(!ContractNumber::looks_like(no), "{no:?}");
        }
    }

    #[test]
    fn accepted_forms() {
        for (raw, want, numeric) in [
            ("1001", "1001", true),
            ("  1001\n", "1001", true),
            ("№1001", "1001", true),
            ("№ 1001", "1001", true),
            ("#1001", "1001", true),
            ("АБ-17", "АБ-17", false),
            ("O'Neil-1", "O'Neil-1", false),
        ] {
            let c = ContractNumber::parse(raw).unwrap();
            assert_eq!(c.as_str(), want, "input {raw:?}");
            assert_eq!(c.is_numeric(), numeric, "input {raw:?}");
        }
    }

    #[test]
    fn rejected_forms() {
        assert_eq!(ContractNumber::parse("  "), Err(ContractError::Empty));
        assert_eq!(ContractNumber::parse("№"), Err(ContractError::Empty));
        assert_eq!(
            ContractNumber::parse("10\n01"),
            Err(ContractError::ControlCharacter)
        );
        let long = "9".repeat(65);
        assert_eq!(
            ContractNumber::parse(&long),
            Err(ContractError::TooLong(65))
        );
        assert!(ContractNumber::parse(&"Д".repeat(64)).is_ok());
    }
}
