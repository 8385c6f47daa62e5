//! Clients (pet parents) and their link to an Enote owner (docs/product-rules.md: linking a client to Enote).

use crate::contract::ContractNumber;
use crate::ids::{GroupId, ThreadId, UserId};
use crate::label::{Label, default_label};
use crate::owner::OwnerKey;
use crate::phone::Phone;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A client as the bot knows them (`pp_clients`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Telegram user id (also their private chat).
    pub id: UserId,
    /// Telegram @username, without `@`.
    pub username: Option<String>,
    /// Telegram first name.
    pub first_name: Option<String>,
    /// Telegram last name.
    pub last_name: Option<String>,
    /// The phone the client shared with the bot.
    pub phone: Option<Phone>,
    /// Whether [`Client::phone`] came from the client's own contact (docs/product-rules.md: the client's side).
    pub phone_confirmed: bool,
    /// The display name in support and the topic's name; `None` until one is set.
    pub label: Option<Label>,
    /// How many appeals were closed.
    pub total_closed: u32,
    /// The client's forum topic in the support group, once created.
    pub thread: Option<ThreadId>,
    /// The support group [`Client::thread`] lives in; `None` (rows from before the bot kept
    /// it) means the group the bot runs with.
    pub topic_group: Option<GroupId>,
    /// The Enote owner this client is linked to.
    pub link: Option<ClientLink>,
    /// When the bot last asked for the phone.
    pub last_phone_prompt_at: Option<DateTime<Utc>>,
    /// The last send to the client failed because they blocked the bot.
    pub blocked: bool,
}

impl Client {
    /// A client seen for the first time.
    pub fn new(id: UserId) -> Self {
        Self {
            id,
            username: None,
            first_name: None,
            last_name: None,
            phone: None,
            phone_confirmed: false,
            label: None,
            total_closed: 0,
            thread: None,
            topic_group: None,
            link: None,
            last_phone_prompt_at: None,
            blocked: false,
        }
    }

    /// The stored label, or the default one built from the Telegram profile.
    pub fn display_label(&self) -> Label {
        self.label.clone().unwrap_or_else(|| {
            default_label(
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                self.username.as_deref(),
                self.id,
            )
        })
    }

    /// The client's topic if it lives in `group` (the support group the bot runs with); a
    /// topic left behind in an earlier group counts as none, and is recreated in `group`.
    pub fn topic_in(&self, group: GroupId) -> Option<ThreadId> {
        self.thread
            .filter(|_| self.topic_group.is_none_or(|g| g == group))
    }

    /// Whether the client has a topic, but in another group than `group`.
    pub fn topic_elsewhere(&self, group: GroupId) -> bool {
        self.thread.is_some() && self.topic_in(group).is_none()
    }

    /// A confirmed phone, if the client shared their own contact.
    pub fn confirmed_phone(&self) -> Option<&Phone> {
        self.phone.as_ref().filter(|_| self.phone_confirmed)
    }
}

/// The link between a client and an Enote owner, written only when staff confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientLink {
    /// `owner_ref_key`.
    pub owner_key: OwnerKey,
    /// `owner_name_enote`: the full name at link time.
    pub owner_name: Option<String>,
    /// `owner_phone_enote`: Enote's (first) phone at link time, normalized.
    pub owner_phone: Option<Phone>,
    /// `linked_contract_number`: the contract staff typed.
    pub contract: Option<ContractNumber>,
    /// `linked_by`: the staff member who confirmed.
    pub linked_by: Option<UserId>,
    /// `linked_at` (UTC).
    pub linked_at: Option<DateTime<Utc>>,
}

/// The Telegram profile fields of a client, refreshed on every private message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    /// @username without `@`.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

impl Profile {
    /// Whether the stored client already carries this profile.
    pub fn matches(&self, client: &Client) -> bool {
        self.username == client.username
            && self.first_name == client.first_name
            && self.last_name == client.last_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_label_prefers_the_stored_label() {
        let mut c = Client::new(UserId::new(5).unwrap());
        c.first_name = Some("Олена".into());
        assert_eq!(c.display_label().as_str(), "Олена");
        c.label = Some(Label::new("Олена — Барсік (1001)").unwrap());
        assert_eq!(c.display_label().as_str(), "Олена — Барсік (1001)");
    }

    #[test]
    fn a_topic_in_another_group_counts_as_none() {
        let here = GroupId::new(-100).unwrap();
        let there = GroupId::new(-200).unwrap();
        let mut c = Client::new(UserId::new(5).unwrap());
        c.thread = Some(ThreadId::new(7).unwrap());
        // Legacy rows: the group the bot runs with.
        assert_eq!(c.topic_in(here), c.thread);
        assert!(!c.topic_elsewhere(here));
        c.topic_group = Some(here);
        assert_eq!(c.topic_in(here), c.thread);
        c.topic_group = Some(there);
        assert_eq!(c.topic_in(here), None);
        assert!(c.topic_elsewhere(here));
        c.thread = None;
        assert!(!c.topic_elsewhere(here));
    }

    #[test]
    fn unconfirmed_phone_is_not_confirmed() {
        let mut c = Client::new(UserId::new(5).unwrap());
        c.phone = Some(Phone::parse("0671234567").unwrap());
        assert!(c.confirmed_phone().is_none());
        c.phone_confirmed = true;
        assert_eq!(c.confirmed_phone().unwrap().digits(), "380671234567");
    }
}
