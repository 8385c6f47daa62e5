//! The `/enote_link` flow (docs/product-rules.md: the staff's side): ask for the contract number, look the owner up, preview
//! with ✅/❌, write the link on ✅. Every step is a line in the link log.

use super::{Decision, DeskError, SupportDesk};
use crate::change::{AuditEntry, Change};
use crate::client::{Client, ClientLink};
use crate::contract::ContractNumber;
use crate::enote_link::{
    LinkDecision, LinkState, NewPendingLink, PendingLink, PressRefusal, button_data,
};
use crate::ids::{PendingLinkId, ThreadId, UserId};
use crate::message::{ButtonPress, IncomingMessage};
use crate::outbound::{BotText, Buttons, InlineButton, Outbound};
use crate::owner::{OwnerKey, OwnerProfile};
use crate::ports::{DirectoryError, LinkEvent, LinkEventKind};
use crate::texts;
use chrono::{DateTime, Utc};

/// The fields of one link-log line that vary.
struct EventFacts<'a> {
    thread: ThreadId,
    client: UserId,
    actor: UserId,
    contract: Option<&'a ContractNumber>,
    owner: Option<&'a OwnerKey>,
}

impl SupportDesk {
    fn event(
        &self,
        kind: LinkEventKind,
        f: EventFacts<'_>,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> LinkEvent {
        LinkEvent {
            ts: at,
            event: kind,
            chat: self.settings.group.get(),
            thread: f.thread,
            client: f.client,
            actor: f.actor,
            contract: f.contract.map(|c| c.to_string()),
            owner_key: f.owner.map(|k| k.to_string()),
            error,
        }
    }

    pub(super) fn start_link(
        &self,
        thread: ThreadId,
        client: &Client,
        actor: UserId,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) {
        let now = self.ports.clock.now();
        d.changes.push(Change::CreatePendingLink(NewPendingLink {
            thread,
            client: client.id,
            initiator: actor,
            state: LinkState::AwaitingContract,
            expires_at: now + self.settings.link_ttl,
        }));
        d.changes.send(Outbound::TextToGroup {
            thread: Some(thread),
            text: BotText::new(texts::ASK_CONTRACT).with_buttons(Buttons::ForceReply {
                placeholder: texts::CONTRACT_PLACEHOLDER.into(),
            }),
            reply_to: Some(msg.message_id),
        });
    }

    /// `/cancel`: the staff member stops their own `/enote_link` in this topic.
    pub(super) async fn cancel_link(
        &self,
        thread: ThreadId,
        client: &Client,
        actor: UserId,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let Some(pending) = self.ports.links.of_initiator(thread, actor).await? else {
            self.answer_in_group(Some(thread), msg, texts::NOTHING_TO_CANCEL, d);
            return Ok(());
        };
        let (contract, owner) = pending.state.contract_and_owner();
        d.changes.push(Change::RemovePendingLink(pending.id));
        let facts = EventFacts {
            thread,
            client: client.id,
            actor,
            contract,
            owner,
        };
        let now = self.ports.clock.now();
        d.events
            .push(self.event(LinkEventKind::Cancel, facts, None, now));
        self.answer_in_group(Some(thread), msg, texts::LINK_CANCELLED, d);
        Ok(())
    }

    /// The initiator typed the contract number.
    pub(super) async fn contract_typed(
        &self,
        pending: PendingLink,
        client: &Client,
        typed: &str,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let now = self.ports.clock.now();
        let thread = pending.thread;
        let facts = |contract, owner| EventFacts {
            thread,
            client: client.id,
            actor: pending.initiator,
            contract,
            owner,
        };
        let contract = match ContractNumber::parse(typed) {
            Ok(c) => c,
            Err(e) => {
                d.events.push(self.event(
                    LinkEventKind::Error,
                    facts(None, None),
                    Some(e.to_string()),
                    now,
                ));
                self.answer_in_group(Some(thread), msg, texts::CONTRACT_UNREADABLE, d);
                return Ok(());
            }
        };
        let directory = d.directory()?;
        let looked_up: Result<(OwnerKey, OwnerProfile), DirectoryError> = async {
            let owner = directory.owner_by_contract(&contract).await?;
            let profile = directory.owner_profile(&owner).await?;
            Ok((owner, profile))
        }
        .await;
        let (owner, profile) = match looked_up {
            Ok(found) => found,
            Err(DirectoryError::NotFound) => {
                // Probably a typo: the flow stays open for another number.
                d.events.push(self.event(
                    LinkEventKind::Error,
                    facts(Some(&contract), None),
                    Some("not found".into()),
                    now,
                ));
                self.answer_in_group(
                    Some(thread),
                    msg,
                    texts::contract_not_found(contract.as_str()),
                    d,
                );
                return Ok(());
            }
            Err(e) => {
                d.events.push(self.event(
                    LinkEventKind::Error,
                    facts(Some(&contract), None),
                    Some(e.to_string()),
                    now,
                ));
                d.changes.push(Change::RemovePendingLink(pending.id));
                self.answer_in_group(Some(thread), msg, texts::directory_failure(&e), d);
                return Ok(());
            }
        };
        let pets = directory.pets_of_owner(&owner).await;
        let preview = texts::link_preview(&contract, &owner, &profile, pets.as_deref(), client);
        d.changes.push(Change::UpdatePendingLink(PendingLink {
            state: LinkState::Previewing {
                contract: contract.clone(),
                owner_key: owner.clone(),
                owner_name: profile.full_name(),
                owner_phone: profile.main_phone().cloned(),
            },
            expires_at: now + self.settings.link_ttl,
            ..pending.clone()
        }));
        let button = |text: &str, decision| InlineButton {
            text: text.into(),
            data: button_data(decision, pending.id),
        };
        d.changes.send(Outbound::TextToGroup {
            thread: Some(thread),
            text: BotText::new(preview).with_buttons(Buttons::Inline(vec![vec![
                button(texts::BUTTON_LINK, LinkDecision::Confirm),
                button(texts::BUTTON_CANCEL, LinkDecision::Cancel),
            ]])),
            reply_to: Some(msg.message_id),
        });
        d.events.push(self.event(
            LinkEventKind::Preview,
            facts(Some(&contract), Some(&owner)),
            None,
            now,
        ));
        Ok(())
    }

    pub(super) async fn link_button(
        &self,
        decision: LinkDecision,
        id: PendingLinkId,
        who: UserId,
        press: &ButtonPress,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let now = self.ports.clock.now();
        let answer = |d: &mut Decision, text: &str| {
            d.changes.send(Outbound::AnswerButton {
                callback_id: press.callback_id.clone(),
                text: text.into(),
            });
        };
        let edit_preview = |d: &mut Decision, html: String| {
            if let Some(message) = press.message_id {
                d.changes.send(Outbound::EditGroupText {
                    message,
                    text: BotText::new(html),
                });
            }
        };
        let Some(pending) = self.ports.links.get(id).await? else {
            answer(d, texts::PRESS_GONE);
            return Ok(());
        };
        let LinkState::Previewing {
            contract,
            owner_key,
            owner_name,
            owner_phone,
        } = pending.state.clone()
        else {
            answer(d, texts::PRESS_GONE);
            return Ok(());
        };
        let facts = EventFacts {
            thread: pending.thread,
            client: pending.client,
            actor: who,
            contract: Some(&contract),
            owner: Some(&owner_key),
        };
        match pending.check_press(who, now) {
            Err(PressRefusal::Expired) => {
                answer(d, texts::PRESS_EXPIRED);
                edit_preview(d, texts::LINK_PREVIEW_EXPIRED.into());
                d.changes.push(Change::RemovePendingLink(pending.id));
                d.events
                    .push(self.event(LinkEventKind::Expired, facts, None, now));
                return Ok(());
            }
            Err(PressRefusal::Foreign) => {
                answer(d, texts::PRESS_FOREIGN);
                return Ok(());
            }
            Err(PressRefusal::Gone | PressRefusal::NotPreviewing) => {
                answer(d, texts::PRESS_GONE);
                return Ok(());
            }
            Ok(()) => {}
        }
        d.changes.push(Change::RemovePendingLink(pending.id));
        match decision {
            LinkDecision::Cancel => {
                answer(d, texts::PRESS_CANCELLED);
                edit_preview(d, texts::LINK_CANCELLED.into());
                d.events
                    .push(self.event(LinkEventKind::Cancel, facts, None, now));
            }
            LinkDecision::Confirm => {
                let summary = texts::linked(&owner_name, contract.as_str());
                d.changes.push(Change::SetLink {
                    client: pending.client,
                    link: ClientLink {
                        owner_key: owner_key.clone(),
                        owner_name: Some(owner_name.clone()).filter(|n| !n.is_empty()),
                        owner_phone,
                        contract: Some(contract.clone()),
                        linked_by: Some(who),
                        linked_at: Some(now),
                    },
                });
                d.changes.push(Change::Audit(AuditEntry {
                    actor: who,
                    action: "link".into(),
                    client: pending.client,
                    detail: format!("{owner_key} contract {contract}"),
                    at: now,
                }));
                answer(d, texts::PRESS_LINKED);
                edit_preview(d, summary.clone());
                d.changes.send(Outbound::TextToGroup {
                    thread: Some(pending.thread),
                    text: BotText::new(texts::linked_in_topic(&summary)),
                    reply_to: None,
                });
                d.events
                    .push(self.event(LinkEventKind::Linked, facts, None, now));
            }
        }
        Ok(())
    }

    pub(super) async fn expire_pending_links(&self, d: &mut Decision) -> Result<usize, DeskError> {
        let now = self.ports.clock.now();
        let expired = self.ports.links.expired(now).await?;
        for link in &expired {
            let (contract, owner) = link.state.contract_and_owner();
            d.changes.push(Change::RemovePendingLink(link.id));
            d.changes.send(Outbound::TextToGroup {
                thread: Some(link.thread),
                text: BotText::new(texts::LINK_EXPIRED),
                reply_to: None,
            });
            let facts = EventFacts {
                thread: link.thread,
                client: link.client,
                actor: link.initiator,
                contract,
                owner,
            };
            d.events
                .push(self.event(LinkEventKind::Expired, facts, None, now));
        }
        Ok(expired.len())
    }
}
