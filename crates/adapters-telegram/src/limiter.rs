//! A rate limiter shaped to Telegram's limits: about 30 messages a second overall, one a second
//! per private chat, 20 a minute per group — a forum is one chat, so all its topics share those
//! 20 — and every `retry_after` Telegram announced for a chat is waited out before that chat is
//! sent to again. Sliding windows: a slot frees exactly one window after it was taken.
//!
//! Two things make a shared group budget fair to the clients behind it:
//! - **Pacing.** A group's sends are spread over the minute (a short burst, then one every
//!   ~3 s) instead of 20 at once and then a minute of silence, so a message that arrives in
//!   the middle of a backlog waits seconds, not a minute.
//! - **First come, first served.** Senders waiting for the same chat get their slots in the
//!   order they asked, so every client topic with something to send gets its turn before any
//!   one of them gets a second. A turn is one delivery ([`in_one_turn`]): a new client's topic,
//!   card and copy go out together rather than each behind everyone else's next message.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How many group sends may go back to back before pacing starts: a new client's first message
/// is three (their topic, the card, the copy), and should not be spread over six seconds.
pub const GROUP_BURST: u32 = 3;

/// The limits (configurable; Telegram does not publish exact values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sends per second over all chats.
    pub global_per_sec: u32,
    /// Sends per second to one private chat.
    pub private_per_sec: u32,
    /// Sends per minute to one group (all its topics together).
    pub group_per_min: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            global_per_sec: 30,
            private_per_sec: 1,
            group_per_min: 20,
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    taken: VecDeque<Instant>,
}

impl Window {
    /// When a slot is free in a window of `len` holding `max`: now, or the instant one frees.
    ///
    /// A slot is held a sixtieth longer than the window (1 s a minute, 17 ms a second): the
    /// instant we take it is not the instant Telegram counts the request, and a request that
    /// lands a millisecond early costs a `retry_after`.
    fn free_at(&mut self, now: Instant, max: u32, len: Duration) -> Instant {
        let len = len + len / 60;
        while self.taken.front().is_some_and(|t| *t + len <= now) {
            self.taken.pop_front();
        }
        if (self.taken.len() as u32) < max.max(1) {
            now
        } else {
            self.taken[self.taken.len() - max.max(1) as usize] + len
        }
    }
}

tokio::task_local! {
    /// The group line the current delivery has its turn in (see [`in_one_turn`]).
    static TURN: RefCell<Option<(i64, tokio::sync::OwnedMutexGuard<()>)>>;
}

/// Runs `delivery` (one outbound action: maybe several API calls) as one turn in a group's
/// line: once its first call to the group had to wait for a slot (the group's budget binds),
/// its later calls to the group do not line up again behind senders that asked in the
/// meantime. A busy group is then shared out per
/// delivery, not per call. Private chats are not held this way (each has its own queue anyway),
/// and only one group line is held, so two deliveries never wait on each other's turns.
pub async fn in_one_turn<F: Future>(delivery: F) -> F::Output {
    TURN.scope(RefCell::new(None), delivery).await
}

/// Whether the current delivery already has its turn in `chat`'s line.
fn has_turn(chat: i64) -> bool {
    TURN.try_with(|t| t.borrow().as_ref().is_some_and(|(c, _)| *c == chat))
        .unwrap_or(false)
}

/// Keeps the turn in `chat`'s line for the rest of the current delivery, if it is in one and
/// holds no other; otherwise hands it back.
fn keep_turn(
    chat: i64,
    turn: tokio::sync::OwnedMutexGuard<()>,
) -> Option<tokio::sync::OwnedMutexGuard<()>> {
    if chat >= 0 {
        return Some(turn);
    }
    let mut turn = Some(turn);
    let _ = TURN.try_with(|t| {
        let mut t = t.borrow_mut();
        if t.is_none() {
            *t = turn.take().map(|g| (chat, g));
        }
    });
    turn
}

/// A slot taken for one API call ([`RateLimiter::take`]). While it lives, no other call to the
/// same chat starts: a `retry_after` Telegram answers to this call is known before the chat's
/// next call goes out, where two calls in flight at once would land the second inside it.
pub struct Slot<'a> {
    limiter: &'a RateLimiter,
    line: Option<(i64, Arc<tokio::sync::Mutex<()>>)>,
    place: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        // Free the chat's line first, so leaving it can see whether anyone else is in it.
        self.place.take();
        if let Some((chat, line)) = self.line.take() {
            self.limiter.leave_line(chat, line);
        }
    }
}

/// Spreads a group's sends evenly (the generic cell rate algorithm): one every `interval`, with
/// up to [`GROUP_BURST`] back to back after a quiet spell.
#[derive(Debug, Default)]
struct Pace {
    /// When the next send would be due if sends were perfectly even.
    theoretical: Option<Instant>,
}

impl Pace {
    fn free_at(&self, now: Instant, interval: Duration) -> Instant {
        let tolerance = interval * (GROUP_BURST - 1);
        match self.theoretical {
            Some(t) if t > now + tolerance => t - tolerance,
            _ => now,
        }
    }

    fn take(&mut self, now: Instant, interval: Duration) {
        self.theoretical = Some(self.theoretical.map_or(now, |t| t.max(now)) + interval);
    }
}

#[derive(Debug, Default)]
struct State {
    global: Window,
    chats: HashMap<i64, Window>,
    paces: HashMap<i64, Pace>,
    penalties: HashMap<i64, Instant>,
    global_penalty: Option<Instant>,
}

/// The limiter is closing: the bot is stopping, and nothing more will be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bot is stopping")]
pub struct Closed;

/// Shared by every sender task.
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    state: Mutex<State>,
    /// One first-come-first-served line per chat with someone waiting.
    lines: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    closed: watch::Sender<bool>,
}

impl RateLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
            lines: Mutex::new(HashMap::new()),
            closed: watch::Sender::new(false),
        }
    }

    /// The spacing of a group's paced sends: its window (with the safety margin) shared out
    /// evenly.
    fn group_interval(&self) -> Duration {
        let window = Duration::from_secs(61);
        window / self.limits.group_per_min.max(1)
    }

    /// Takes a slot for `chat` (`None`: not a chat message, e.g. a button answer) if one is free
    /// at `now`; otherwise says when to try again. Negative chat ids are groups.
    pub fn try_acquire(&self, chat: Option<i64>, now: Instant) -> Result<(), Instant> {
        let mut st = self.state.lock().expect("limiter lock");
        let mut ready = st
            .global
            .free_at(now, self.limits.global_per_sec, Duration::from_secs(1));
        if let Some(until) = st.global_penalty {
            ready = ready.max(until);
        }
        if let Some(chat) = chat {
            if let Some(until) = st.penalties.get(&chat).copied() {
                if until > now {
                    ready = ready.max(until);
                } else {
                    st.penalties.remove(&chat);
                }
            }
            let (max, len) = if chat < 0 {
                let interval = self.group_interval();
                ready = ready.max(st.paces.entry(chat).or_default().free_at(now, interval));
                (self.limits.group_per_min, Duration::from_secs(60))
            } else {
                (self.limits.private_per_sec, Duration::from_secs(1))
            };
            ready = ready.max(st.chats.entry(chat).or_default().free_at(now, max, len));
        }
        if ready > now {
            return Err(ready);
        }
        st.global.taken.push_back(now);
        if let Some(chat) = chat {
            st.chats.entry(chat).or_default().taken.push_back(now);
            if chat < 0 {
                let interval = self.group_interval();
                st.paces.entry(chat).or_default().take(now, interval);
            }
        }
        Ok(())
    }

    /// Waits for a slot and takes it; senders waiting for the same chat are served in the
    /// order they called. Fails only once the limiter is [closed](Self::close).
    pub async fn acquire(&self, chat: Option<i64>) -> Result<(), Closed> {
        self.take(chat).await.map(drop)
    }

    /// [`acquire`](Self::acquire), keeping the chat to this caller until the [`Slot`] is
    /// dropped (after the call's answer is in).
    pub async fn take(&self, chat: Option<i64>) -> Result<Slot<'_>, Closed> {
        let mut closed = self.closed.subscribe();
        if *closed.borrow_and_update() {
            return Err(Closed);
        }
        // Dropped on every way out (closed, cancelled), leaving the line.
        let mut slot = Slot {
            limiter: self,
            line: chat.filter(|c| !has_turn(*c)).map(|c| (c, self.line(c))),
            place: None,
        };
        let line = slot.line.as_ref().map(|(_, l)| l.clone());
        tokio::select! {
            place = self.wait_in_line(chat, line) => {
                slot.place = place;
                Ok(slot)
            }
            _ = closed.wait_for(|c| *c) => Err(Closed),
        }
    }

    /// Waits for the chat's line, then for a slot; returns the place in the line unless the
    /// delivery keeps it as its turn.
    async fn wait_in_line(
        &self,
        chat: Option<i64>,
        line: Option<Arc<tokio::sync::Mutex<()>>>,
    ) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        // tokio's mutex queues its waiters fairly: whoever asked first gets the chat's next slot.
        let turn = match line {
            Some(l) => Some(l.lock_owned().await),
            None => None,
        };
        let mut waited = false;
        loop {
            match self.try_acquire(chat, Instant::now()) {
                Ok(()) => break,
                Err(at) => {
                    waited = true;
                    tokio::time::sleep_until(at).await;
                }
            }
        }
        // Only a chat whose budget binds is worth a turn: holding the line of a chat with
        // slots to spare would only make concurrent deliveries wait for each other's commits.
        match (chat, turn) {
            (Some(chat), Some(turn)) if waited => keep_turn(chat, turn),
            (_, turn) => turn,
        }
    }

    fn line(&self, chat: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut lines = self.lines.lock().expect("limiter lines");
        lines.entry(chat).or_default().clone()
    }

    fn leave_line(&self, chat: i64, line: Arc<tokio::sync::Mutex<()>>) {
        let mut lines = self.lines.lock().expect("limiter lines");
        // Nobody else holds it (only the map and this caller): the chat's line is empty.
        if Arc::strong_count(&line) == 2 {
            lines.remove(&chat);
        }
    }

    /// Stops handing out slots: every waiting and later [`acquire`](Self::acquire) fails with
    /// [`Closed`], so a stopping bot does not wait out minutes of queued sends.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Telegram said "retry after": nothing goes to `chat` before that has run out.
    pub fn penalize(&self, chat: Option<i64>, retry_after: Duration, now: Instant) {
        let mut st = self.state.lock().expect("limiter lock");
        let until = now + retry_after;
        let slot = match chat {
            Some(chat) => st.penalties.entry(chat).or_insert(until),
            // A limit on the bot as a whole (e.g. on button answers): hold everything.
            None => st.global_penalty.get_or_insert(until),
        };
        *slot = (*slot).max(until);
    }

    /// How long `chat` must still wait because of a `retry_after`.
    pub fn penalty_left(&self, chat: i64, now: Instant) -> Duration {
        let st = self.state.lock().expect("limiter lock");
        st.penalties
            .get(&chat)
            .map(|u| u.saturating_duration_since(now))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: i64 = -1001;

    #[test]
    fn the_group_gets_twenty_a_minute_shared_by_all_topics() {
        // A pace that never binds, to see the window alone.
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        for i in 0..20 {
            // 20 sends, each as soon as the pace allows, all pass within the window.
            l.try_acquire(Some(GROUP), t0 + l.group_interval() * i)
                .unwrap();
        }
        let at = t0 + l.group_interval() * 20 - Duration::from_millis(1);
        let next = l.try_acquire(Some(GROUP), at).unwrap_err();
        assert_eq!(
            next,
            t0 + Duration::from_secs(61),
            "the 21st waits for the first slot to free, with a second's margin"
        );
        l.try_acquire(Some(GROUP), next).unwrap();
    }

    #[test]
    fn the_group_is_paced_after_a_short_burst() {
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        let every = l.group_interval();
        assert_eq!(every, Duration::from_millis(3050));
        for _ in 0..GROUP_BURST {
            l.try_acquire(Some(GROUP), t0).unwrap();
        }
        // Then one every 3.05 s, however many wait.
        assert_eq!(l.try_acquire(Some(GROUP), t0), Err(t0 + every));
        l.try_acquire(Some(GROUP), t0 + every).unwrap();
        assert_eq!(l.try_acquire(Some(GROUP), t0 + every), Err(t0 + every * 2));
        // A private chat is not held up by the group's pace.
        l.try_acquire(Some(5), t0 + every).unwrap();
        // After a quiet spell the burst is available again.
        let later = t0 + Duration::from_secs(120);
        for _ in 0..GROUP_BURST {
            l.try_acquire(Some(GROUP), later).unwrap();
        }
        assert!(l.try_acquire(Some(GROUP), later).is_err());
    }

    #[test]
    fn a_backlog_still_uses_the_whole_budget() {
        // Sends taken as soon as allowed for ten minutes: the pace and the window together
        // still give about 20 a minute (19.67 with the second's safety margin).
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        let mut now = t0;
        let mut sent = 0;
        while now < t0 + Duration::from_secs(600) {
            match l.try_acquire(Some(GROUP), now) {
                Ok(()) => sent += 1,
                Err(at) => now = at,
            }
        }
        assert!((195..=200).contains(&sent), "{sent} sends in 10 minutes");
        // …and never more than 20 in any minute.
        let taken: Vec<Instant> = l.state.lock().unwrap().chats[&GROUP]
            .taken
            .iter()
            .copied()
            .collect();
        assert!(taken.len() <= 20);
    }

    #[tokio::test(start_paused = true)]
    async fn senders_waiting_for_a_chat_are_served_in_order() {
        let l = Arc::new(RateLimiter::new(Limits::default()));
        let t0 = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // The burst is used up, so everyone below has to wait for the pace.
        for _ in 0..GROUP_BURST {
            l.acquire(Some(GROUP)).await.unwrap();
        }
        for who in 0..3 {
            let (l, tx) = (l.clone(), tx.clone());
            tokio::spawn(async move {
                l.acquire(Some(GROUP)).await.unwrap();
                tx.send(who).unwrap();
            });
            // Each asks a moment after the previous one.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // A latecomer asking at the very instant the next slot frees does not take it from
        // those who have been waiting for it.
        tokio::time::sleep_until(t0 + l.group_interval()).await;
        l.acquire(Some(GROUP)).await.unwrap();
        tx.send(99).unwrap();
        drop(tx);
        let mut order = Vec::new();
        while let Some(who) = rx.recv().await {
            order.push(who);
        }
        assert_eq!(order, [0, 1, 2, 99]);
        assert!(
            l.lines.lock().unwrap().is_empty(),
            "empty lines are dropped"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_delivery_keeps_its_turn_for_all_its_calls() {
        let l = Arc::new(RateLimiter::new(Limits::default()));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..GROUP_BURST {
            l.acquire(Some(GROUP)).await.unwrap();
        }
        // A new client's delivery: topic, card, copy — three calls in one turn.
        let new_client = {
            let (l, tx) = (l.clone(), tx.clone());
            tokio::spawn(in_one_turn(async move {
                for call in ["topic", "card", "copy"] {
                    l.acquire(Some(GROUP)).await.unwrap();
                    tx.send(call).unwrap();
                    // Between calls the delivery does other work (stores the topic, say).
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }))
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        // Meanwhile a client with a backlog lines up for their next message, twice.
        let backlog = {
            let (l, tx) = (l.clone(), tx.clone());
            tokio::spawn(async move {
                for _ in 0..2 {
                    in_one_turn(l.acquire(Some(GROUP))).await.unwrap();
                    tx.send("backlog").unwrap();
                }
            })
        };
        drop(tx);
        new_client.await.unwrap();
        backlog.await.unwrap();
        let mut order = Vec::new();
        while let Some(call) = rx.recv().await {
            order.push(call);
        }
        assert_eq!(order, ["topic", "card", "copy", "backlog", "backlog"]);
    }

    #[tokio::test(start_paused = true)]
    async fn with_slots_to_spare_a_delivery_holds_no_turn() {
        let l = Arc::new(RateLimiter::new(Limits::default()));
        let held = in_one_turn({
            let l = l.clone();
            async move {
                l.acquire(Some(GROUP)).await.unwrap();
                has_turn(GROUP)
            }
        })
        .await;
        assert!(
            !held,
            "concurrent deliveries must not wait for each other's commits"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn closing_releases_every_waiter() {
        let l = Arc::new(RateLimiter::new(Limits::default()));
        l.penalize(Some(GROUP), Duration::from_secs(3600), Instant::now());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move { l.acquire(Some(GROUP)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(5)).await;
        l.close();
        for w in waiters {
            assert_eq!(w.await.unwrap(), Err(Closed));
        }
        assert_eq!(l.acquire(Some(5)).await, Err(Closed), "and later callers");
    }

    /// A retry_after answered to one call is known before the chat's next call goes out.
    #[tokio::test(start_paused = true)]
    async fn a_chat_has_one_call_in_flight() {
        let l = Arc::new(RateLimiter::new(Limits::default()));
        let in_flight = l.take(Some(GROUP)).await.unwrap();
        let next = tokio::spawn({
            let l = l.clone();
            async move {
                l.acquire(Some(GROUP)).await.unwrap();
                Instant::now()
            }
        });
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(
            !next.is_finished(),
            "the group's next call waits for the answer"
        );
        l.acquire(Some(5)).await.unwrap();
        // The answer was a retry_after: the next call waits it out.
        let answered = Instant::now();
        l.penalize(Some(GROUP), Duration::from_secs(30), answered);
        drop(in_flight);
        assert!(next.await.unwrap() >= answered + Duration::from_secs(30));
        assert!(
            l.lines.lock().unwrap().is_empty(),
            "a chat's line goes once nobody is in it"
        );
    }

    #[test]
    fn a_private_chat_gets_one_a_second_and_others_are_not_held_up() {
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        l.try_acquire(Some(5), t0).unwrap();
        let next = t0 + Duration::from_secs(1) + Duration::from_secs(1) / 60;
        assert_eq!(l.try_acquire(Some(5), t0), Err(next));
        l.try_acquire(Some(6), t0).unwrap();
        l.try_acquire(Some(5), next).unwrap();
    }

    #[test]
    fn thirty_a_second_overall() {
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        for chat in 1..=30 {
            l.try_acquire(Some(chat), t0).unwrap();
        }
        assert_eq!(
            l.try_acquire(Some(31), t0),
            Err(t0 + Duration::from_secs(1) + Duration::from_secs(1) / 60)
        );
    }

    #[test]
    fn retry_after_is_honoured_to_the_end() {
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        l.penalize(Some(GROUP), Duration::from_secs(3600), t0);
        assert_eq!(
            l.try_acquire(Some(GROUP), t0 + Duration::from_secs(3599)),
            Err(t0 + Duration::from_secs(3600))
        );
        assert_eq!(
            l.penalty_left(GROUP, t0 + Duration::from_secs(3000)),
            Duration::from_secs(600)
        );
        // Other chats are not held by the group's penalty.
        l.try_acquire(Some(5), t0 + Duration::from_secs(1)).unwrap();
        l.try_acquire(Some(GROUP), t0 + Duration::from_secs(3600))
            .unwrap();
    }

    #[test]
    fn button_answers_only_count_globally() {
        let l = RateLimiter::new(Limits {
            global_per_sec: 2,
            ..Limits::default()
        });
        let t0 = Instant::now();
        l.try_acquire(None, t0).unwrap();
        l.try_acquire(None, t0).unwrap();
        assert!(l.try_acquire(None, t0).is_err());
    }
}
