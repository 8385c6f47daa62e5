//! Staff writing in an earlier support group (docs/operations.md: moving to a new support
//! group). After the clinic moves to a new group, the old group's topics stay readable and the
//! bot may still be in it. A staff message in a topic there that was a client's is never
//! relayed — the client's conversation is in the new group now — but it is answered, once in
//! a while, with one line saying so and linking to the client's topic in the new group. That
//! topic is created at once if the client has none there yet (staff want to write to them:
//! waiting for the client's next message would leave staff nowhere to answer).
//!
//! Anything else outside the support group — another group's General, a topic that was never
//! a client's, service messages, bots — is ignored without a word: anyone may add the bot to
//! any group.

use super::{Decision, DeskError, SupportDesk};
use crate::change::Change;
use crate::ids::{GroupId, ThreadId};
use crate::message::{Content, IncomingMessage};
use crate::outbound::Outbound;
use chrono::Duration;

/// At most one hint per old topic in this many minutes: staff writing several messages in a
/// row get one answer, not one under each. When the last hint went is stored with the topic,
/// so a restart does not repeat it.
pub(crate) const HINT_EVERY_MINUTES: i64 = 5;

impl SupportDesk {
    /// A message in a topic of another group than the support group.
    pub(super) async fn on_former_topic_message(
        &self,
        group: GroupId,
        thread: ThreadId,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        if msg.content == Content::Service || msg.from.is_bot || msg.from.id.is_none() {
            return Ok(());
        }
        let text = msg.content.text().unwrap_or("");
        // An internal note was never meant for the client: nothing to point out.
        if !self.settings.note_prefix.is_empty() && text.starts_with(&self.settings.note_prefix) {
            return Ok(());
        }
        let former = self.ports.clients.former_topic(group, thread).await?;
        let client = match former {
            Some(f) => f.client,
            // Not moved yet: the client's topic is still the one in the old group.
            None => match self.ports.clients.by_topic(group, thread).await? {
                Some(c) => c.id,
                None => return Ok(()),
            },
        };
        let now = self.ports.clock.now();
        let hinted_lately = former
            .and_then(|f| f.hinted_at)
            .is_some_and(|at| now - at < Duration::minutes(HINT_EVERY_MINUTES));
        if hinted_lately {
            return Ok(());
        }
        d.changes.push(Change::FormerTopicHinted {
            client,
            group,
            thread,
            at: now,
        });
        d.changes.send(Outbound::FormerTopicHint {
            client,
            group,
            thread,
            reply_to: Some(msg.message_id),
        });
        Ok(())
    }
}
