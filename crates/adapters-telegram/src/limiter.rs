//! A rate limiter shaped to Telegram's limits: about 30 messages a second overall, one a second
//! per private chat, 20 a minute per group — a forum is one chat, so all its topics share those
//! 20 — and every `retry_after` Telegram announced for a chat is waited out before that chat is
//! sent to again. Sliding windows: a slot frees exactly one window after it was taken.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

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

#[derive(Debug, Default)]
struct State {
    global: Window,
    chats: HashMap<i64, Window>,
    penalties: HashMap<i64, Instant>,
    global_penalty: Option<Instant>,
}

/// Shared by every sender task.
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    state: Mutex<State>,
}

impl RateLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
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
        }
        Ok(())
    }

    /// Waits for a slot and takes it.
    pub async fn acquire(&self, chat: Option<i64>) {
        loop {
            match self.try_acquire(chat, Instant::now()) {
                Ok(()) => return,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
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
        let l = RateLimiter::new(Limits::default());
        let t0 = Instant::now();
        for i in 0..20 {
            // 20 sends spread over 10 s all pass (the global and group windows allow them).
            l.try_acquire(Some(GROUP), t0 + Duration::from_millis(500 * i))
                .unwrap();
        }
        let at = t0 + Duration::from_secs(10);
        let next = l.try_acquire(Some(GROUP), at).unwrap_err();
        assert_eq!(
            next,
            t0 + Duration::from_secs(61),
            "the 21st waits for the first slot to free, with a second's margin"
        );
        l.try_acquire(Some(GROUP), next).unwrap();
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
