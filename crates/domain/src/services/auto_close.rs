//! Auto-close (docs/product-rules.md: auto-close): an open appeal whose last word was staff's
//! and whose client has been silent `AUTO_CLOSE_AFTER` since is closed as `/close` would close
//! it — the client gets the closing notice with the rating buttons, the close is counted and
//! audited — and the topic is told why. An appeal whose client waits for an answer is never
//! closed this way: silence on the clinic's side is the clinic's to fix.
//!
//! Run periodically; each pass decides from what is stored and each close is committed on its
//! own, guarded in the store, so a pass that comes late (the bot was down) closes each appeal
//! once, and a client or staff member who writes while a pass decides keeps the appeal open.

use super::SupportDesk;
use super::queue::Elapsed;
use super::rating::closing_notice;
use crate::change::{AuditEntry, Change, Changes};
use crate::outbound::{BotText, Outbound};
use crate::ports::StoreError;
use crate::services::DeskError;
use crate::texts;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};

/// The audit action of an auto-close.
pub(crate) const AUTO_CLOSE: &str = "auto_close";

impl SupportDesk {
    /// Closes the open appeals whose client has been silent `AUTO_CLOSE_AFTER` since staff's
    /// last answer (run periodically). Returns how many it closed.
    pub async fn auto_close(&self) -> Result<usize, DeskError> {
        let Some(after) = self.settings.auto_close_after else {
            return Ok(0);
        };
        let now = self.ports.clock.now();
        let cutoff = now - after;
        let mut closed = 0;
        for ticket in self.ports.tickets.answered_before(cutoff).await? {
            let Some(changes) = self.auto_close_of(&ticket, cutoff, now) else {
                continue;
            };
            match self.ports.store.commit(changes.0).await {
                Ok(()) => closed += 1,
                // Someone wrote, answered or closed meanwhile: the store's guard kept the
                // appeal as it is, and nothing of this close went out.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(closed)
    }

    /// The close of one appeal, if it is due: open, nobody waiting, staff's answer the last
    /// word and at least `AUTO_CLOSE_AFTER` old.
    pub(super) fn auto_close_of(
        &self,
        ticket: &Ticket,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<Changes> {
        if !ticket.is_open() || ticket.waiting_since.is_some() {
            return None;
        }
        let answered = ticket.last_staff_message_at?;
        if answered > cutoff || ticket.last_client_message_at.is_some_and(|c| c > answered) {
            return None;
        }
        let client = ticket.client;
        let mut changes = Changes::new();
        changes
            .push(Change::AutoCloseTicket {
                ticket: ticket.id,
                at: now,
                answered_before: cutoff,
            })
            .push(Change::CountClose { client })
            // The audit names a person; nobody pressed anything, and the bot's own id is
            // Telegram's to know. The close is the client's silence, so the row names them.
            .push(Change::Audit(AuditEntry {
                actor: client,
                action: AUTO_CLOSE.into(),
                client,
                detail: format!("ticket {}", ticket.id),
                at: now,
            }))
            .send(Outbound::TextToClient {
                client,
                text: closing_notice(ticket.id),
            })
            .send(Outbound::TextToTopic {
                client,
                text: BotText::new(texts::auto_closed(&texts::elapsed(Elapsed::between(
                    answered, now,
                )))),
                reply_to: None,
            });
        Some(changes)
    }
}
