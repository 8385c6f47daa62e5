//! Taking an appeal (docs/product-rules.md: the help desk). A new appeal comes with a
//! "🙋 Взяти" button — on the client card of a new topic, or on a "📥 Нове звернення" line in
//! the topic of a returning client — so that the staff member who answers it can say so with
//! one press. A press assigns the open appeal to the presser, as `/assign` would, and the
//! pressed message then shows who took it instead of the button; a late press is told who has
//! the appeal and changes nothing.

use super::{Decision, DeskError, SupportDesk};
use crate::card::client_card;
use crate::change::{AuditEntry, Change};
use crate::ids::UserId;
use crate::message::ButtonPress;
use crate::outbound::{BotText, Buttons, InlineButton, Outbound};
use crate::texts;
use crate::ticket::{Assignee, TakenVia};

/// Which message carries a take button: its text is rebuilt without the button once taken,
/// and the press does not carry the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TakeOn {
    /// The client card at the top of a new topic.
    Card,
    /// The "📥 Нове звернення" line of a returning client.
    NewAppeal,
}

/// A take button: whose appeal, and on which message. Its callback data is
/// `take:<client id>:card` or `take:<client id>:new` (at most 30 bytes, Telegram allows 64).
/// It names the client rather than the appeal because a returning client's appeal is opened
/// in the same commit that queues the button, before the appeal has an id; a press takes
/// whatever appeal of the client is open then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TakeButton {
    pub client: UserId,
    pub on: TakeOn,
}

impl TakeButton {
    /// The callback data.
    pub fn data(self) -> String {
        let on = match self.on {
            TakeOn::Card => "card",
            TakeOn::NewAppeal => "new",
        };
        format!("take:{}:{on}", self.client)
    }

    /// Reads callback data written by [`TakeButton::data`].
    pub fn parse(data: &str) -> Option<Self> {
        let (client, on) = data.strip_prefix("take:")?.split_once(':')?;
        let on = match on {
            "card" => TakeOn::Card,
            "new" => TakeOn::NewAppeal,
            _ => return None,
        };
        let client = UserId::new(client.parse().ok()?).ok()?;
        Some(Self { client, on })
    }

    /// The button, as the message's only row.
    pub fn buttons(self) -> Buttons {
        Buttons::Inline(vec![vec![InlineButton {
            text: texts::TAKE_BUTTON.into(),
            data: self.data(),
        }]])
    }
}

/// How a press answer names whoever has the appeal. The store keeps a staff member's id only,
/// so one assigned earlier is shown by id.
fn holder_name(holder: &Assignee) -> String {
    match holder {
        Assignee::Staff { id, name } if *name == id.to_string() => texts::staff_by_id(*id),
        other => other.to_string(),
    }
}

impl SupportDesk {
    /// In the topic of a returning client whose message opens a new appeal: a line that says so,
    /// with the take button. (A new client's card carries the button instead; see
    /// [`super::Delivery`].)
    pub(super) fn announce_new_appeal(&self, client: UserId, d: &mut Decision) {
        let button = TakeButton {
            client,
            on: TakeOn::NewAppeal,
        };
        d.changes.send(Outbound::TextToTopic {
            client,
            text: BotText::new(texts::NEW_APPEAL).with_buttons(button.buttons()),
            reply_to: None,
        });
    }

    /// A staff member (`who`) pressed a take button in the support group.
    pub(super) async fn take_pressed(
        &self,
        button: TakeButton,
        who: UserId,
        press: &ButtonPress,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let answer = |d: &mut Decision, text: String| {
            d.changes.send(Outbound::AnswerButton {
                callback_id: press.callback_id.clone(),
                text,
            });
        };
        let Some(ticket) = self.ports.tickets.open_for(button.client).await? else {
            answer(d, texts::NOTHING_TO_TAKE.into());
            return Ok(());
        };
        if let Some(holder) = &ticket.assigned_to {
            let text = match holder {
                Assignee::Staff { id, .. } if *id == who => texts::ALREADY_YOURS.to_owned(),
                other => texts::already_taken(&holder_name(other)),
            };
            answer(d, text);
            return Ok(());
        }
        let now = self.ports.clock.now();
        let assignee = Assignee::Staff {
            id: who,
            name: press.from.display(),
        };
        d.changes.push(Change::AssignTicket {
            ticket: ticket.id,
            assignee: assignee.clone(),
            via: TakenVia::Button,
        });
        // The same entry `/assign` writes: the audit tells who handles what, however it came.
        d.changes.push(Change::Audit(AuditEntry {
            actor: who,
            action: "assign".into(),
            client: button.client,
            detail: assignee.stored(),
            at: now,
        }));
        answer(d, texts::TAKEN_BY_YOU.into());
        if let Some(message) = press.message_id {
            let taken = texts::taken_by(&assignee.to_string());
            let html = match button.on {
                TakeOn::Card => match self.ports.clients.get(button.client).await? {
                    Some(c) => format!("{}\n\n{taken}", client_card(&c)),
                    None => taken,
                },
                TakeOn::NewAppeal => format!("{}\n{taken}", texts::NEW_APPEAL),
            };
            // No buttons on the new text: the button goes.
            d.changes.send(Outbound::EditGroupText {
                message,
                text: BotText::new(html),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_fits_telegrams_64_bytes() {
        let client = UserId::new(9_999_999_999_999).unwrap();
        for on in [TakeOn::Card, TakeOn::NewAppeal] {
            let b = TakeButton { client, on };
            assert!(b.data().len() <= 64, "{}", b.data());
            assert_eq!(TakeButton::parse(&b.data()), Some(b));
        }
        assert_eq!(
            TakeButton {
                client: UserId::new(500).unwrap(),
                on: TakeOn::Card
            }
            .data(),
            "take:500:card"
        );
        for bad in [
            "",
            "take:",
            "take:500",
            "take:500:",
            "take:500:line",
            "take:-5:new",
            "take:x:new",
            "link:ok:3",
        ] {
            assert_eq!(TakeButton::parse(bad), None, "{bad:?}");
        }
    }
}
