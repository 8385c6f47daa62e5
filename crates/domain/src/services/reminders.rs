//! First-response reminders (docs/product-rules.md: first-response reminders): when a client
//! has waited `FIRST_RESPONSE_TARGET` of working time for an answer, the bot says so in their
//! topic, mentioning whoever handles the appeal; a second time at twice the target, then no
//! more for that wait. Run periodically; each pass decides from what is stored, so a pass that
//! comes late (the bot was down) sends one reminder with the count it has reached, never the
//! ones it missed.

use super::SupportDesk;
use crate::change::{Change, Changes};
use crate::outbound::{BotText, Outbound};
use crate::services::DeskError;
use crate::texts;
use crate::ticket::{Assignee, Ticket};
use chrono::{DateTime, Duration, Utc};

/// How many reminders a wait gets at most.
pub(crate) const MAX_REMINDERS: u8 = 2;

/// How many reminders are due after `waited` of working time: one at the target, two at twice
/// it.
pub(crate) fn reminders_due(waited: Duration, target: Duration) -> u8 {
    if target <= Duration::zero() {
        return 0;
    }
    if waited >= target * i32::from(MAX_REMINDERS) {
        MAX_REMINDERS
    } else if waited >= target {
        1
    } else {
        0
    }
}

/// A mention that notifies whoever handles an appeal (HTML).
pub(super) fn mention(assignee: &Assignee) -> String {
    match assignee {
        Assignee::Staff { id, name } => texts::mention_staff(*id, name),
        Assignee::Username(u) => texts::mention_username(u),
    }
}

impl SupportDesk {
    /// Reminds the topics of clients who wait too long for an answer (run periodically):
    /// one message per appeal whose due count grew, committed with the new count. Returns
    /// how many reminders were queued.
    pub async fn remind_waiting(&self) -> Result<usize, DeskError> {
        let Some(target) = self.settings.first_response_target else {
            return Ok(0);
        };
        let now = self.ports.clock.now();
        // Not while the clinic is closed: a reminder that fell due just before closing, or
        // while the bot was down, waits for the opening instead of pinging someone at night.
        if !self.settings.schedule.is_open(now) {
            return Ok(0);
        }
        let mut changes = Changes::new();
        let mut queued = 0;
        for ticket in self.ports.tickets.waiting_for_answer().await? {
            if let Some((reminder, count)) = self.reminder_for(&ticket, target, now) {
                changes.send(reminder);
                changes.push(Change::ReminderSent {
                    ticket: ticket.id,
                    count,
                });
                queued += 1;
            }
        }
        if queued > 0 {
            self.ports.store.commit(changes.0).await?;
        }
        Ok(queued)
    }

    /// The reminder an appeal is due at `now`, with the count it brings the wait to.
    fn reminder_for(
        &self,
        ticket: &Ticket,
        target: Duration,
        now: DateTime<Utc>,
    ) -> Option<(Outbound, u8)> {
        // Checked first: an appeal nobody answers for weeks costs nothing once it has both.
        if !ticket.is_open() || ticket.reminders_sent >= MAX_REMINDERS {
            return None;
        }
        let since = ticket.waiting_since?;
        // Nowhere to say it before the client's topic exists.
        let thread = ticket.thread?;
        let waited = self.settings.schedule.working_time_between(since, now);
        let due = reminders_due(waited, target);
        if due <= ticket.reminders_sent {
            return None;
        }
        let mention = ticket.assigned_to.as_ref().map(mention);
        let reminder = Outbound::TextToGroup {
            // The group's own queue: a client's copy into the topic never waits behind it.
            thread: Some(thread),
            text: BotText::new(texts::client_waits(
                waited.num_minutes(),
                mention.as_deref(),
            )),
            reply_to: None,
        };
        Some((reminder, due))
    }
}
