//! Telegram identifiers as the domain sees them: small checked newtypes, so a chat id is never
//! passed where a user id belongs. Telegram's own wire types stay in `adapters-telegram`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Telegram never issues zero or negative ids of this kind.
    #[error("{kind} must be positive, got {value}")]
    NotPositive {
        /// Which identifier was being built.
        kind: &'static str,
        /// The rejected value.
        value: i64,
    },
    /// Supergroup ids are negative (`-100…`).
    #[error("a supergroup id is negative (like -1001234567890), got {0}")]
    NotAGroup(i64),
}

macro_rules! positive_id {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($inner);

        impl $name {
            /// Checks that the value is a valid id of this kind.
            pub fn new(value: i64) -> Result<Self, IdError> {
                <$inner>::try_from(value)
                    .ok()
                    .filter(|v| *v > 0)
                    .map(Self)
                    .ok_or(IdError::NotPositive { kind: $kind, value })
            }

            /// The raw value, for adapters.
            pub fn get(self) -> $inner {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = IdError;
            fn try_from(value: i64) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                i64::from(id.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

positive_id!(
    /// A Telegram user (client or staff member). A client's private chat has the same id.
    UserId, i64, "user id"
);
positive_id!(
    /// A message id; unique only within one chat.
    MessageId, i32, "message id"
);
positive_id!(
    /// A forum topic (`message_thread_id`) in the support group.
    ThreadId, i32, "topic id"
);
positive_id!(
    /// A ticket (appeal) row.
    TicketId, i64, "ticket id"
);
positive_id!(
    /// A pending `/enote_link` flow.
    PendingLinkId, i64, "pending link id"
);
positive_id!(
    /// An outbox entry.
    OutboxId, i64, "outbox id"
);

/// The support supergroup (a forum). Always negative on Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct GroupId(i64);

impl GroupId {
    /// Checks that the id looks like a group (negative).
    pub fn new(value: i64) -> Result<Self, IdError> {
        if value < 0 {
            Ok(Self(value))
        } else {
            Err(IdError::NotAGroup(value))
        }
    }

    /// The raw chat id.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for GroupId {
    type Error = IdError;
    fn try_from(value: i64) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<GroupId> for i64 {
    fn from(id: GroupId) -> i64 {
        id.0
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The chat an outbound action goes to: used to keep each chat's sends in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChatRef {
    /// A client's private chat.
    Client(UserId),
    /// The support group (all topics share one chat, and one rate budget).
    Group(GroupId),
}

impl ChatRef {
    /// The Telegram chat id.
    pub fn chat_id(self) -> i64 {
        match self {
            ChatRef::Client(u) => u.get(),
            ChatRef::Group(g) => g.get(),
        }
    }
}

/// A Telegram update id (the inbox key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UpdateId(pub i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_above_32_bits_are_kept() {
        let id = UserId::new(8_000_000_000).unwrap();
        assert_eq!(id.get(), 8_000_000_000);
        assert_eq!(id.to_string(), "8000000000");
    }

    #[test]
    fn zero_and_negative_ids_are_rejected() {
        assert!(UserId::new(0).is_err());
        assert!(UserId::new(-5).is_err());
        assert!(ThreadId::new(0).is_err());
    }

    #[test]
    fn message_ids_must_fit_in_32_bits() {
        assert!(MessageId::new(i64::from(i32::MAX) + 1).is_err());
        assert_eq!(MessageId::new(42).unwrap().get(), 42);
    }

    #[test]
    fn group_ids_are_negative() {
        assert!(GroupId::new(-1002992147362).is_ok());
        assert_eq!(GroupId::new(12).unwrap_err(), IdError::NotAGroup(12));
    }
}
