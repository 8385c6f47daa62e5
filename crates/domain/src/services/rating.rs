//! Rating the help (docs/product-rules.md: ratings). The notice that tells a client their
//! appeal is closed (`/close`, auto-close) carries five buttons `1`…`5`; the client's press is
//! stored with the appeal — once: one rating per appeal, whatever presses come later — the
//! buttons give way to thanks, and the topic gets one line with the rating, calling the
//! assignee for a low one so a poor experience is looked at while it is fresh.

use super::{Decision, DeskError, SupportDesk, reminders::mention};
use crate::change::Change;
use crate::ids::{TicketId, UserId};
use crate::message::ButtonPress;
use crate::outbound::{BotText, Buttons, InlineButton, Outbound};
use crate::texts;
use crate::ticket::Rating;

/// A rating button: which appeal, which rating. Its callback data is `rate:<ticket id>:<n>`
/// (at most 26 bytes, Telegram allows 64). It names the appeal, not the client, so a press on
/// an old notice can never rate a newer appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateButton {
    pub ticket: TicketId,
    pub rating: Rating,
}

impl RateButton {
    /// The callback data.
    pub fn data(self) -> String {
        format!("rate:{}:{}", self.ticket, self.rating.get())
    }

    /// Reads callback data written by [`RateButton::data`].
    pub fn parse(data: &str) -> Option<Self> {
        let (ticket, n) = data.strip_prefix("rate:")?.split_once(':')?;
        let ticket = TicketId::new(ticket.parse().ok()?).ok()?;
        // Exactly one digit: "05" or "+5" is not what the bot wrote.
        if n.len() != 1 {
            return None;
        }
        let rating = Rating::new(n.parse().ok()?)?;
        Some(Self { ticket, rating })
    }
}

/// The closing notice for the client, with one row of buttons `1`…`5` rating `ticket`.
pub(crate) fn closing_notice(ticket: TicketId) -> BotText {
    let row = Rating::SCALE
        .filter_map(Rating::new)
        .map(|rating| InlineButton {
            text: rating.get().to_string(),
            data: RateButton { ticket, rating }.data(),
        })
        .collect();
    BotText::new(texts::CLOSED_FOR_CLIENT).with_buttons(Buttons::Inline(vec![row]))
}

impl SupportDesk {
    /// The client `user` pressed a rating button in their chat.
    pub(super) async fn rate_pressed(
        &self,
        user: UserId,
        button: RateButton,
        press: &ButtonPress,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let answer = |d: &mut Decision, text: &str| {
            d.changes.send(Outbound::AnswerButton {
                callback_id: press.callback_id.clone(),
                text: text.into(),
            });
        };
        // Another client's appeal (forged data) is no button of this chat.
        let Some(ticket) = self
            .ports
            .tickets
            .by_id(button.ticket)
            .await?
            .filter(|t| t.client == user)
        else {
            answer(d, texts::PRESS_UNKNOWN);
            return Ok(());
        };
        if ticket.rating.is_some() {
            answer(d, texts::RATE_ALREADY);
            return Ok(());
        }
        // Reopened, or the client has written since and opened a newer appeal: the notice is
        // history, and a rating now would judge a conversation still going on.
        let latest = self.ports.tickets.latest_for(user).await?;
        if ticket.is_open() || latest.is_some_and(|l| l.id != ticket.id) {
            answer(d, texts::RATE_STALE);
            return Ok(());
        }
        let rating = button.rating;
        d.changes.push(Change::RateTicket {
            ticket: ticket.id,
            rating,
            at: self.ports.clock.now(),
        });
        answer(d, texts::RATE_THANKS);
        if let Some(message) = press.message_id {
            // No buttons on the new text: they go, so the client sees the rating is taken.
            d.changes.send(Outbound::EditClientText {
                client: user,
                message,
                text: BotText::new(texts::closed_and_rated(rating.get())),
            });
        }
        let assignee = ticket
            .assigned_to
            .as_ref()
            .filter(|_| rating.is_low())
            .map(mention);
        d.changes.send(Outbound::TextToTopic {
            client: user,
            text: BotText::new(texts::rating_line(rating.get(), assignee.as_deref())),
            reply_to: None,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_fits_telegrams_64_bytes() {
        let ticket = TicketId::new(i64::MAX).unwrap();
        for n in 1..=5 {
            let b = RateButton {
                ticket,
                rating: Rating::new(n).unwrap(),
            };
            assert!(b.data().len() <= 64, "{}", b.data());
            assert_eq!(RateButton::parse(&b.data()), Some(b));
        }
        for bad in [
            "",
            "rate:",
            "rate:7",
            "rate:7:",
            "rate:7:0",
            "rate:7:6",
            "rate:7:05",
            "rate:7:+5",
            "rate:-7:5",
            "rate:x:5",
            "take:7:card",
        ] {
            assert_eq!(RateButton::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_notice_has_five_buttons_in_one_row() {
        let notice = closing_notice(TicketId::new(42).unwrap());
        assert_eq!(notice.html, texts::CLOSED_FOR_CLIENT);
        let Some(Buttons::Inline(rows)) = notice.buttons else {
            panic!("inline buttons");
        };
        let row: Vec<(&str, &str)> = rows[0]
            .iter()
            .map(|b| (b.text.as_str(), b.data.as_str()))
            .collect();
        assert_eq!(
            row,
            [
                ("1", "rate:42:1"),
                ("2", "rate:42:2"),
                ("3", "rate:42:3"),
                ("4", "rate:42:4"),
                ("5", "rate:42:5")
            ]
        );
        assert_eq!(rows.len(), 1);
    }
}
