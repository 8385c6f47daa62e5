//! The `/enote_link` conversation as a state machine (docs/product-rules.md: the staff's side): staff ask → type the contract
//! number → see a preview → confirm (✅) or cancel (❌); it expires after `LINK_TTL`.
//! The state is stored (a [`PendingLink`]), so it survives a restart.

use crate::contract::ContractNumber;
use crate::ids::{PendingLinkId, ThreadId, UserId};
use crate::owner::OwnerKey;
use crate::phone::Phone;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a link flow stands.
///
/// Stored: a pending link keeps its state as JSON (serde's form of this enum), across restarts
/// and upgrades. Renaming a variant or a field makes open flows unreadable, so keep old names
/// readable with `#[serde(alias = …)]`; `tests/stored_forms.rs` pins today's forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// The bot asked for the contract number; the initiator's next message in the topic is it.
    AwaitingContract,
    /// The owner was found and shown with ✅/❌ buttons.
    Previewing {
        /// The contract staff typed.
        contract: ContractNumber,
        /// The owner found for it.
        owner_key: OwnerKey,
        /// The owner's full name.
        owner_name: String,
        /// The owner's first phone in Enote.
        owner_phone: Option<Phone>,
    },
}

impl LinkState {
    /// The contract and owner found so far (both once previewing), for the link log.
    pub fn contract_and_owner(&self) -> (Option<&ContractNumber>, Option<&OwnerKey>) {
        match self {
            LinkState::Previewing {
                contract,
                owner_key,
                ..
            } => (Some(contract), Some(owner_key)),
            LinkState::AwaitingContract => (None, None),
        }
    }
}

/// A link flow not yet finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLink {
    /// Its id (callback buttons carry it).
    pub id: PendingLinkId,
    /// The client's topic.
    pub thread: ThreadId,
    /// The client being linked.
    pub client: UserId,
    /// The staff member who started it: the only one who may confirm.
    pub initiator: UserId,
    /// Where it stands.
    pub state: LinkState,
    /// After this instant a button press changes nothing.
    pub expires_at: DateTime<Utc>,
}

/// A pending link before it is stored (the store gives it its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPendingLink {
    /// The client's topic.
    pub thread: ThreadId,
    /// The client being linked.
    pub client: UserId,
    /// Who started it.
    pub initiator: UserId,
    /// Where it stands.
    pub state: LinkState,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// What a button press may do to a pending link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// ✅ Прив'язати.
    Confirm,
    /// ❌ Скасувати.
    Cancel,
}

/// Why a button press is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PressRefusal {
    /// No such flow (finished, cancelled, or never existed).
    Gone,
    /// The flow expired.
    Expired,
    /// Someone other than the initiator pressed.
    Foreign,
    /// The flow has no preview yet (a stale button).
    NotPreviewing,
}

impl PendingLink {
    /// Whether the flow is past its expiry at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Checks a button press by `who` at `now`.
    pub fn check_press(&self, who: UserId, now: DateTime<Utc>) -> Result<(), PressRefusal> {
        if self.is_expired(now) {
            return Err(PressRefusal::Expired);
        }
        if who != self.initiator {
            return Err(PressRefusal::Foreign);
        }
        match self.state {
            LinkState::Previewing { .. } => Ok(()),
            LinkState::AwaitingContract => Err(PressRefusal::NotPreviewing),
        }
    }
}

/// Callback data of the preview buttons: `link:ok:<id>` / `link:no:<id>` (≤ 64 bytes).
pub fn button_data(decision: LinkDecision, id: PendingLinkId) -> String {
    match decision {
        LinkDecision::Confirm => format!("link:ok:{id}"),
        LinkDecision::Cancel => format!("link:no:{id}"),
    }
}

/// Reads callback data written by [`button_data`].
pub fn parse_button_data(data: &str) -> Option<(LinkDecision, PendingLinkId)> {
    let rest = data.strip_prefix("link:")?;
    let (verb, id) = rest.split_once(':')?;
    let decision = match verb {
        "ok" => LinkDecision::Confirm,
        "no" => LinkDecision::Cancel,
        _ => return None,
    };
    let id = PendingLinkId::new(id.parse().ok()?).ok()?;
    Some((decision, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn link(state: LinkState) -> PendingLink {
        PendingLink {
            id: PendingLinkId::new(3).unwrap(),
            thread: ThreadId::new(7).unwrap(),
            client: UserId::new(100).unwrap(),
            initiator: UserId::new(200).unwrap(),
            state,
            expires_at: Utc.with_ymd_and_hms(2026, 1, 1, 10, 10, 0).unwrap(),
        }
    }

    fn previewing() -> LinkState {
        LinkState::Previewing {
            contract: ContractNumber::parse("1001").unwrap(),
            owner_key: OwnerKey::parse("0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f").unwrap(),
            owner_name: "Шевченко Олена Петрівна".into(),
            owner_phone: None,
        }
    }

    #[test]
    fn only_the_initiator_may_press_and_only_in_time() {
        let l = link(previewing());
        let before = l.expires_at - Duration::seconds(1);
        assert_eq!(l.check_press(UserId::new(200).unwrap(), before), Ok(()));
        assert_eq!(
            l.check_press(UserId::new(201).unwrap(), before),
            Err(PressRefusal::Foreign)
        );
        assert_eq!(
            l.check_press(UserId::new(200).unwrap(), l.expires_at),
            Err(PressRefusal::Expired)
        );
    }

    #[test]
    fn a_press_before_the_preview_is_stale() {
        let l = link(LinkState::AwaitingContract);
        let now = l.expires_at - Duration::minutes(5);
        assert_eq!(
            l.check_press(UserId::new(200).unwrap(), now),
            Err(PressRefusal::NotPreviewing)
        );
    }

    #[test]
    fn button_data_round_trips() {
        let id = PendingLinkId::new(8_000_000_000).unwrap();
        for d in [LinkDecision::Confirm, LinkDecision::Cancel] {
            let data = button_data(d, id);
            assert!(data.len() <= 64);
            assert_eq!(parse_button_data(&data), Some((d, id)));
        }
        for bad in [
            "",
            "link:ok:",
            "link:ok:-1",
            "link:maybe:3",
            "pay:ok:3",
            "link:ok:x",
        ] {
            assert_eq!(parse_button_data(bad), None, "{bad:?}");
        }
    }
}
