//! Enote owner identity: the owner key (a 1C reference GUID) and what Enote tells about an owner
//! and their pets.

use crate::contract::ContractNumber;
use crate::phone::Phone;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A 1C reference to an owner (`Хозяин_Key`): a GUID, stored lowercase, 36 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OwnerKey(String);

/// Why a text is not an owner key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnerKeyError {
    /// Not of the form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
    #[error("an owner key is a GUID like 0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f, got {0:?}")]
    Malformed(String),
    /// 1C's empty reference: the card has no owner.
    #[error("the owner key is 1C's empty reference")]
    EmptyReference,
}

const EMPTY_REF: &str = "00000000-0000-0000-0000-000000000000";

impl OwnerKey {
    /// Validates and lowercases a GUID.
    pub fn parse(raw: &str) -> Result<Self, OwnerKeyError> {
        let s = raw.trim().to_ascii_lowercase();
        let groups: Vec<&str> = s.split('-').collect();
        let shape_ok = groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
        if !shape_ok {
            return Err(OwnerKeyError::Malformed(raw.chars().take(64).collect()));
        }
        if s == EMPTY_REF {
            return Err(OwnerKeyError::EmptyReference);
        }
        Ok(Self(s))
    }

    /// The GUID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OwnerKey {
    type Error = OwnerKeyError;
    fn try_from(value: String) -> Result<Self, OwnerKeyError> {
        Self::parse(&value)
    }
}

impl From<OwnerKey> for String {
    fn from(k: OwnerKey) -> String {
        k.0
    }
}

impl fmt::Display for OwnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An animal card of an owner (`Catalog_Карточки`), live ones only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pet {
    /// The pet's name (`Description`).
    pub name: String,
    /// The card's contract number, when the card has one.
    pub contract: Option<ContractNumber>,
}

impl Pet {
    /// `Бетмен (1)`, as in topic names.
    pub fn label_part(&self) -> String {
        match &self.contract {
            Some(c) => format!("{} ({c})", self.name.trim()),
            None => self.name.trim().to_owned(),
        }
    }
}

/// What Enote's `GetClient` tells about an owner.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OwnerProfile {
    /// `lastName`.
    pub last_name: String,
    /// `firstName`: the given name used in auto labels.
    pub first_name: String,
    /// `middleName` (patronymic), often empty.
    pub middle_name: String,
    /// Phones from `contact_information`, normalized, in Enote's order, without repeats.
    pub phones: Vec<Phone>,
    /// Phone entries Enote holds that could not be normalized (shown to staff as they are).
    pub unparsed_phones: Vec<String>,
}

impl OwnerProfile {
    /// "Шевченко Олена Петрівна": the non-empty parts, in 1C order.
    pub fn full_name(&self) -> String {
        [&self.last_name, &self.first_name, &self.middle_name]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The given name for the auto label (docs/product-rules.md: labels).
    pub fn given_name(&self) -> String {
        let first = self.first_name.trim();
        if first.is_empty() {
            given_name_from_full(&self.full_name())
        } else {
            first.to_owned()
        }
    }

    /// The first phone: the one stored with a link.
    pub fn main_phone(&self) -> Option<&Phone> {
        self.phones.first()
    }
}

/// From "Surname Given Patronymic": the second word when there are two or more, else the whole.
pub fn given_name_from_full(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [_, given, ..] => (*given).to_owned(),
        _ => full.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_keys_are_validated_and_lowercased() {
        let k = OwnerKey::parse(" 0A000001-1A2B-11F0-8A00-0A1B2C3D4E5F ").unwrap();
        assert_eq!(k.as_str(), "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f");
        assert_eq!(k.as_str().len(), 36);
    }

    #[test]
    fn bad_owner_keys() {
        for raw in [
            "",
            "0a000001",
            "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5",
            "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5g",
            "0a0000011a2b11f08a000a1b2c3d4e5f",
            "{0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f}",
        ] {
            assert!(
                matches!(OwnerKey::parse(raw), Err(OwnerKeyError::Malformed(_))),
                "{raw:?}"
            );
        }
        assert_eq!(
            OwnerKey::parse("00000000-0000-0000-0000-000000000000"),
            Err(OwnerKeyError::EmptyReference)
        );
    }

    #[test]
    fn given_name_rules() {
        for (full, want) in [
            ("Шевченко Олена Петрівна", "Олена"),
            ("Коваленко Андрій", "Андрій"),
            ("Мадонна", "Мадонна"),
            ("  Льодін   Олексій  Володимирович ", "Олексій"),
            ("", ""),
        ] {
            assert_eq!(given_name_from_full(full), want, "{full:?}");
        }
    }

    #[test]
    fn profile_names() {
        let p = OwnerProfile {
            last_name: "Коваленко".into(),
            first_name: "Андрій".into(),
            middle_name: "".into(),
            ..Default::default()
        };
        assert_eq!(p.full_name(), "Коваленко Андрій");
        assert_eq!(p.given_name(), "Андрій");
        let no_first = OwnerProfile {
            last_name: "Шевченко Олена".into(),
            ..Default::default()
        };
        assert_eq!(no_first.given_name(), "Олена");
    }

    #[test]
    fn pet_label_part() {
        let pet = Pet {
            name: "Бетмен".into(),
            contract: Some(ContractNumber::parse("1").unwrap()),
        };
        assert_eq!(pet.label_part(), "Бетмен (1)");
        let no_contract = Pet {
            name: " Сільва ".into(),
            contract: None,
        };
        assert_eq!(no_contract.label_part(), "Сільва");
    }
}
