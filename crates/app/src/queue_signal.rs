//! Tells the sender which outbox queues just got something.
//!
//! Every write of the domain goes through `UnitOfWork::commit`; [`SignallingStore`] wraps it
//! and, once a commit that enqueued outbound actions is stored, names their queues to the
//! sender. The sender then starts exactly those queues with one indexed lookup each, instead of
//! scanning the whole outbox after every handled update.

use async_trait::async_trait;
use domain::change::Change;
use domain::outbound::Queue;
use domain::ports::{StoreError, UnitOfWork};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What a commit put in the outbox: a queue to start, or `None` for an entry without a queue
/// (a button answer), which the sender finds by scanning.
pub type Queued = Option<Queue>;

/// The sender's end of the signal.
pub type QueuedReceiver = mpsc::UnboundedReceiver<Queued>;

/// A `UnitOfWork` that names the queues of what it enqueued, after the commit is stored.
pub struct SignallingStore {
    inner: Arc<dyn UnitOfWork>,
    queued: mpsc::UnboundedSender<Queued>,
}

impl SignallingStore {
    /// Wraps `inner`; the receiver goes to the sender.
    pub fn new(inner: Arc<dyn UnitOfWork>) -> (Self, QueuedReceiver) {
        let (queued, rx) = mpsc::unbounded_channel();
        (Self { inner, queued }, rx)
    }
}

#[async_trait]
impl UnitOfWork for SignallingStore {
    async fn commit(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let mut queues: Vec<Queued> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Enqueue(action) => Some(action.queue()),
                _ => None,
            })
            .collect();
        queues.dedup();
        self.inner.commit(changes).await?;
        for q in queues {
            // The sender is gone only when the bot stops; the entries wait for the next start.
            let _ = self.queued.send(q);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::{OutboxId, UserId};
    use domain::outbound::{BotText, Outbound};
    use domain::ports::MockUnitOfWork;

    fn text_to(client: i64) -> Change {
        Change::Enqueue(Outbound::TextToClient {
            client: UserId::new(client).unwrap(),
            text: BotText::new("hi"),
        })
    }

    #[tokio::test]
    async fn a_stored_commit_names_the_queues_it_filled() {
        let mut inner = MockUnitOfWork::new();
        inner.expect_commit().times(1).returning(|_| Ok(()));
        let (store, mut rx) = SignallingStore::new(Arc::new(inner));
        let answer = Change::Enqueue(Outbound::AnswerButton {
            callback_id: "1".into(),
            text: "ok".into(),
        });
        store
            .commit(vec![
                text_to(5),
                text_to(5),
                Change::CompleteOutbox(OutboxId::new(1).unwrap()),
                text_to(6),
                answer,
            ])
            .await
            .unwrap();
        let mut got = Vec::new();
        while let Ok(q) = rx.try_recv() {
            got.push(q);
        }
        let client = |n| Some(Queue::Client(UserId::new(n).unwrap()));
        assert_eq!(got, [client(5), client(6), None]);
    }

    #[tokio::test]
    async fn a_failed_commit_names_nothing() {
        let mut inner = MockUnitOfWork::new();
        inner
            .expect_commit()
            .returning(|_| Err(StoreError::Unavailable("gone".into())));
        let (store, mut rx) = SignallingStore::new(Arc::new(inner));
        assert!(store.commit(vec![text_to(5)]).await.is_err());
        assert!(rx.try_recv().is_err());
    }
}
