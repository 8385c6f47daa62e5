//! Group commit: commits that arrive while another one is running are applied together, in
//! one transaction, by whichever caller gets to run next (the leader); the others wait for its
//! answer.
//!
//! Why: under load most of a commit's cost is the transaction itself, not its few statements.
//! On MariaDB each commit is an fsync and two extra round trips (`BEGIN`, `COMMIT`); on SQLite there is one writer at a time, and a writer that finds the lock taken
//! sleeps in SQLite's busy handler (1 ms, 2 ms, 5 ms, …) instead of queueing. Here the
//! concurrent commits queue in memory and the database sees one writer with one transaction
//! per batch. A lone commit runs at once, as before: nothing waits for a batch to fill.
//!
//! The leader also announces what each transaction put in the outbox (see
//! [`GroupCommit::announce_to`]) before it lets the next leader in, so the announcements come
//! in the order of the transactions, and so in the order of the entries' ids.
//!
//! A batch is all or nothing only as an optimisation: if it fails, every commit in it is run
//! again on its own, so one commit that breaks a rule (or the database refusing one) fails that
//! commit alone, with the error it would have had without the others.

use super::SqlStore;
use domain::change::Change;
use domain::ports::{OutboxEntry, StoreError};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// At most this many commits go into one transaction; the rest wait for the next one. Bounds
/// how long one transaction holds its locks.
const MAX_BATCH: usize = 128;

/// A commit waiting for a leader.
struct Job {
    changes: Vec<Change>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The commits waiting to be run, and the right to run them.
#[derive(Default)]
pub(crate) struct GroupCommit {
    waiting: Mutex<Vec<Job>>,
    /// Held by the leader while it runs a batch. tokio's mutex is fair: callers lead in the
    /// order they asked.
    leader: tokio::sync::Mutex<()>,
    /// Transactions run for batches of two or more commits (for tests and the curious).
    batches: AtomicU64,
    /// Where the entries each stored transaction enqueued are announced, if anywhere.
    announce: Mutex<Option<mpsc::UnboundedSender<Vec<OutboxEntry>>>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("batches", &self.batches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Commits `changes`, alone or together with others arriving meanwhile.
    pub(crate) async fn commit(
        &self,
        store: &SqlStore,
        changes: Vec<Change>,
    ) -> Result<(), StoreError> {
        let (done, mut answer) = oneshot::channel();
        self.lock_waiting().push(Job { changes, done });
        loop {
            tokio::select! {
                biased;
                result = &mut answer => {
                    return result.unwrap_or_else(|_| {
                        // The leader was cancelled mid-batch (the bot stopping): the
                        // transaction was rolled back, or its outcome is unknown.
                        Err(StoreError::Unavailable("the commit was interrupted".into()))
                    });
                }
                _leading = self.leader.lock() => {
                    let batch = {
                        let mut waiting = self.lock_waiting();
                        let n = waiting.len().min(MAX_BATCH);
                        waiting.drain(..n).collect::<Vec<_>>()
                    };
                    // Empty when an earlier leader took ours: its answer is on the way.
                    if !batch.is_empty() {
                        self.run(store, batch).await;
                    }
                }
            }
        }
    }

    async fn run(&self, store: &SqlStore, mut batch: Vec<Job>) {
        if batch.len() == 1 {
            let job = batch.pop().expect("one job");
            let result = store.commit_alone(&job.changes).await;
            let _ = job.done.send(self.stored(result));
            return;
        }
        self.batches.fetch_add(1, Ordering::Relaxed);
        let sets: Vec<&[Change]> = batch.iter().map(|j| j.changes.as_slice()).collect();
        match store.try_commit(&sets).await {
            Ok(fresh) => {
                self.announce(fresh);
                for job in batch {
                    let _ = job.done.send(Ok(()));
                }
            }
            Err(_) => {
                tracing::debug!(
                    commits = batch.len(),
                    "a batched commit failed; running its commits one by one"
                );
                for job in batch {
                    let result = store.commit_alone(&job.changes).await;
                    let _ = job.done.send(self.stored(result));
                }
            }
        }
    }

    /// A transaction's outcome for its caller, once what it enqueued is announced.
    fn stored(&self, result: Result<Vec<OutboxEntry>, StoreError>) -> Result<(), StoreError> {
        result.map(|fresh| self.announce(fresh))
    }

    fn announce(&self, fresh: Vec<OutboxEntry>) {
        if fresh.is_empty() {
            return;
        }
        let announce = self.announce.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(to) = announce.as_ref() {
            // Nobody listens only when the bot stops; the entries wait in the outbox.
            let _ = to.send(fresh);
        }
    }

    /// From now on, announces to the returned receiver the outbox entries every stored
    /// transaction enqueued (one message per transaction, its entries in the order of their
    /// ids, transactions in the order they were stored). Replaces an earlier receiver.
    pub(crate) fn announce_to(&self) -> mpsc::UnboundedReceiver<Vec<OutboxEntry>> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self.announce.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        rx
    }

    /// How many transactions carried two or more commits.
    pub(crate) fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        // A panic while holding it cannot leave the Vec half-changed.
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds the leader's place, so tests can queue commits behind it deterministically.
    #[cfg(test)]
    pub(crate) async fn hold(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.leader.lock().await
    }

    /// How many commits wait for a leader.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.lock_waiting().len()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Database, SqlStore};
    use domain::change::{Change, TicketRef};
    use domain::client::Profile;
    use domain::ids::{GroupId, MessageId, UserId};
    use domain::label::Label;
    use domain::message::{Direction, MediaKind};
    use domain::ports::{ClientRepository, StoreError, UnitOfWork};
    use std::sync::Arc;
    use std::time::Duration;

    async fn sqlite_store(name: &str) -> (Arc<SqlStore>, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("pp_group_commit_{name}_{}.db", std::process::id()));
        remove(&path);
        let db = Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let group = GroupId::new(-1_002_992_147_362).unwrap();
        (Arc::new(SqlStore::new(db, group)), path)
    }

    /// Removes the database with its log and its index.
    fn remove(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// A new client's first message: the client, its ticket, the message.
    fn first_message(client: UserId) -> Vec<Change> {
        vec![
            Change::UpsertClient {
                client,
                profile: Profile {
                    username: None,
                    first_name: Some("Олена".into()),
                    last_name: None,
                },
            },
            Change::OpenTicket {
                client,
                thread: None,
                label: Label::new("Олена").unwrap(),
                at: chrono::Utc::now(),
            },
            record(client),
        ]
    }

    fn record(client: UserId) -> Change {
        Change::RecordMessage {
            client,
            ticket: TicketRef::OpenOf(client),
            direction: Direction::ClientToStaff,
            client_message_id: Some(MessageId::new(1).unwrap()),
            group_message_id: None,
            text: Some("привіт".into()),
            media: MediaKind::Text,
            at: chrono::Utc::now(),
            staff: None,
        }
    }

    /// Queues `sets` behind a held leader, then lets them go: they are one batch.
    async fn commit_as_one_batch(
        store: &Arc<SqlStore>,
        sets: Vec<Vec<Change>>,
    ) -> Vec<Result<(), StoreError>> {
        let held = store.commits.hold().await;
        let n = sets.len();
        let tasks: Vec<_> = sets
            .into_iter()
            .map(|changes| {
                let store = Arc::clone(store);
                tokio::spawn(async move { store.commit(changes).await })
            })
            .collect();
        for _ in 0..5_000 {
            if store.commits.waiting() == n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(store.commits.waiting(), n, "every commit queued");
        drop(held);
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        results
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_queued_behind_a_leader_share_one_transaction() {
        let (store, path) = sqlite_store("share").await;
        let clients: Vec<UserId> = (1..=5).map(|n| UserId::new(n).unwrap()).collect();
        let results =
            commit_as_one_batch(&store, clients.iter().map(|c| first_message(*c)).collect()).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(store.batched_commits(), 1, "one transaction for the five");
        for c in clients {
            assert!(ClientRepository::get(&*store, c).await.unwrap().is_some());
        }
        remove(&path);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_commit_in_a_batch_fails_alone() {
        let (store, path) = sqlite_store("bad").await;
        let (good, bad) = (UserId::new(1).unwrap(), UserId::new(2).unwrap());
        // The bad one records into a ticket nobody opened.
        let results =
            commit_as_one_batch(&store, vec![first_message(good), vec![record(bad)]]).await;
        assert_eq!(store.batched_commits(), 1, "they were tried together");
        assert!(results[0].is_ok(), "{:?}", results[0]);
        assert!(
            matches!(results[1], Err(StoreError::Conflict(_))),
            "{:?}",
            results[1]
        );
        assert!(
            ClientRepository::get(&*store, good)
                .await
                .unwrap()
                .is_some()
        );
        remove(&path);
    }
}
