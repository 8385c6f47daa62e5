//! Use-case tests: auto-close of appeals whose client has been silent since staff's answer.

use super::testkit::*;
use crate::change::{AuditEntry, Change};
use crate::ids::TicketId;
use crate::outbound::{BotText, Outbound};
use crate::ports::{MockUnitOfWork, StoreError};
use crate::services::{DeskError, SupportDesk};
use crate::texts;
use crate::ticket::Ticket;
use chrono::Duration;
use std::sync::{Arc, Mutex};

fn t(id: i64) -> TicketId {
    TicketId::new(id).unwrap()
}

/// An open appeal of client `500 + id` in topic 7: staff answered `ago`, the client wrote
/// before that, and waits for nothing.
fn answered(id: i64, ago: Duration) -> Ticket {
    Ticket {
        thread: Some(tid(7)),
        last_client_message_at: Some(now() - ago - Duration::minutes(5)),
        last_staff_message_at: Some(now() - ago),
        first_response_at: Some(now() - ago),
        ..ticket(id, 500 + id, true)
    }
}

/// Whether the default 72 h make `ticket` due now.
fn due(desk: &SupportDesk, ticket: &Ticket) -> bool {
    desk.auto_close_of(ticket, now() - Duration::hours(72), now())
        .is_some()
}

fn kit_with(tickets: impl IntoIterator<Item = Ticket>) -> Kit {
    tickets.into_iter().fold(Kit::new(), Kit::with_ticket)
}

/// One pass with the default settings (72 h); how many it closed and every commit.
fn pass(desk: &SupportDesk, commits: &Commits) -> (usize, Vec<Vec<Change>>) {
    let n = futures::executor::block_on(desk.auto_close()).expect("a pass");
    (n, std::mem::take(&mut *commits.lock().unwrap()))
}

fn auto_close(tickets: impl IntoIterator<Item = Ticket>) -> (usize, Vec<Vec<Change>>) {
    let (desk, commits, _) = kit_with(tickets).desk();
    pass(&desk, &commits)
}

#[test]
fn a_client_silent_72_hours_after_the_answer_is_closed_like_close() {
    let (n, commits) = auto_close([answered(1, Duration::hours(72))]);
    assert_eq!(n, 1);
    assert_eq!(commits.len(), 1, "one commit per appeal");
    let changes = &commits[0];
    let client = uid(501);
    assert_eq!(
        changes[..3],
        [
            Change::AutoCloseTicket {
                ticket: t(1),
                at: now(),
                answered_before: now() - Duration::hours(72),
            },
            Change::CountClose { client },
            Change::Audit(AuditEntry {
                actor: client,
                action: "auto_close".into(),
                client,
                detail: "ticket 1".into(),
                at: now(),
            }),
        ]
    );
    let out = sent(changes);
    assert_eq!(out.len(), 2, "{out:#?}");
    match &out[0] {
        Outbound::TextToClient { client: c, text } => {
            assert_eq!(*c, client);
            assert_eq!(text.html, texts::CLOSED_FOR_CLIENT);
            let Some(crate::outbound::Buttons::Inline(rows)) = &text.buttons else {
                panic!("the rating buttons: {text:?}");
            };
            let data: Vec<&str> = rows[0].iter().map(|b| b.data.as_str()).collect();
            assert_eq!(
                data,
                ["rate:1:1", "rate:1:2", "rate:1:3", "rate:1:4", "rate:1:5"]
            );
        }
        other => panic!("the client's notice first: {other:?}"),
    }
    assert_eq!(
        out[1],
        Outbound::TextToTopic {
            client,
            text: BotText::new("🕒 Закрито автоматично: клієнт не відповідав 3 дн"),
            reply_to: None,
        }
    );
}

#[test]
fn not_before_the_time_and_never_while_the_client_waits() {
    let (n, commits) = auto_close([answered(1, Duration::hours(72) - Duration::seconds(1))]);
    assert_eq!((n, commits.len()), (0, 0));

    // Waiting for staff, for however long: the clinic's silence is not the client's.
    let waiting = Ticket {
        waiting_since: Some(now() - Duration::days(10)),
        last_client_message_at: Some(now() - Duration::days(10)),
        ..answered(2, Duration::days(11))
    };
    // The store's read would not return this one; the rule holds without it.
    let (desk, commits, _) = kit_with([waiting.clone()]).desk();
    assert!(!due(&desk, &waiting));
    assert_eq!(pass(&desk, &commits), (0, vec![]));

    // A client message after the answer (however the store read it) keeps it open.
    let wrote_after = Ticket {
        last_client_message_at: Some(now() - Duration::days(3)),
        ..answered(3, Duration::days(4))
    };
    assert!(!due(&desk, &wrote_after));
    // Never answered: nothing to wait for from the client either.
    let unanswered = Ticket {
        last_staff_message_at: None,
        ..answered(4, Duration::days(4))
    };
    assert!(!due(&desk, &unanswered));
    // Closed already.
    let closed = Ticket {
        status: crate::ticket::TicketStatus::Closed,
        ..answered(5, Duration::days(4))
    };
    assert!(!due(&desk, &closed));
}

#[test]
fn the_setting_changes_the_time_and_zero_turns_it_off() {
    let (mut desk, commits, _) = kit_with([answered(1, Duration::hours(2))]).desk();
    desk.settings.auto_close_after = Some(Duration::hours(1));
    let (n, done) = pass(&desk, &commits);
    assert_eq!(n, 1);
    assert!(
        texts_of(&done[0]).contains(&"🕒 Закрито автоматично: клієнт не відповідав 2 год".into())
    );

    let (mut desk, commits, _) = kit_with([answered(1, Duration::days(30))]).desk();
    desk.settings.auto_close_after = None;
    assert_eq!(pass(&desk, &commits), (0, vec![]));
}

#[test]
fn each_appeal_is_its_own_commit_and_a_refused_one_is_skipped() {
    let (mut desk, _, _) = kit_with([
        answered(1, Duration::days(5)),
        answered(2, Duration::days(4)),
        answered(3, Duration::days(3)),
    ])
    .desk();
    // The store refuses the second: someone wrote in it meanwhile.
    let seen: Arc<Mutex<Vec<Vec<Change>>>> = Arc::default();
    let mut store = MockUnitOfWork::new();
    let log = seen.clone();
    store.expect_commit().returning(move |changes| {
        let refused = changes
            .iter()
            .any(|c| matches!(c, Change::AutoCloseTicket { ticket, .. } if *ticket == t(2)));
        log.lock().unwrap().push(changes);
        if refused {
            Err(StoreError::Conflict("no longer quiet".into()))
        } else {
            Ok(())
        }
    });
    desk.ports.store = Arc::new(store);
    let n = futures::executor::block_on(desk.auto_close()).expect("a pass");
    assert_eq!(n, 2, "the refused one is not counted");
    assert_eq!(seen.lock().unwrap().len(), 3, "the third is still tried");

    // The database away: the pass fails, to be tried again.
    let mut store = MockUnitOfWork::new();
    store
        .expect_commit()
        .returning(|_| Err(StoreError::Unavailable("down".into())));
    desk.ports.store = Arc::new(store);
    let err = futures::executor::block_on(desk.auto_close()).unwrap_err();
    assert!(matches!(err, DeskError::Store(StoreError::Unavailable(_))));
}
