//! Use-case tests: the `/enote_link` flow.

use super::testkit::*;
use crate::change::Change;
use crate::client::ClientLink;
use crate::enote_link::{LinkDecision, LinkState, PendingLink, button_data};
use crate::ids::PendingLinkId;
use crate::message::{ButtonPress, Place};
use crate::outbound::{Buttons, Outbound};
use crate::ports::{DirectoryError, LinkEventKind, MockPracticeDirectory};
use crate::services::Inbound;
use crate::texts;
use chrono::Duration;

fn awaiting(id: i64) -> PendingLink {
    PendingLink {
        id: PendingLinkId::new(id).unwrap(),
        thread: tid(7),
        client: uid(500),
        initiator: uid(600),
        state: LinkState::AwaitingContract,
        expires_at: now() + Duration::minutes(5),
    }
}

fn previewing(id: i64) -> PendingLink {
    PendingLink {
        state: LinkState::Previewing {
            contract: contract("1001"),
            owner_key: owner(OWNER_1),
            owner_name: "Шевченко Олена Петрівна".into(),
            owner_phone: Some(phone("0671234567")),
        },
        ..awaiting(id)
    }
}

fn press(who: i64, decision: LinkDecision, id: i64) -> Inbound {
    Inbound::Button(ButtonPress {
        callback_id: "cb-1".into(),
        from: sender(who, "marta"),
        place: Place::SupportGroup {
            group: group(),
            thread: Some(tid(7)),
        },
        message_id: Some(mid(950)),
        data: button_data(decision, PendingLinkId::new(id).unwrap()),
    })
}

#[test]
fn enote_link_asks_for_the_contract_number() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/enote_link")),
    );
    assert!(matches!(&changes[0], Change::CreatePendingLink(l)
        if l.initiator == uid(600) && l.client == uid(500) && l.state == LinkState::AwaitingContract
            && l.expires_at == now() + Duration::minutes(10)));
    assert!(
        matches!(&sent(&changes)[0], Outbound::TextToGroup { text, thread: Some(t), .. }
        if *t == tid(7) && matches!(text.buttons, Some(Buttons::ForceReply { .. })))
    );
}

#[test]
fn the_contract_number_brings_a_preview_with_buttons() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(awaiting(4))
        .with_directory(fixture_directory())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, " 1001 ")),
    );
    assert!(
        matches!(&changes[0], Change::UpdatePendingLink(l) if matches!(&l.state,
        LinkState::Previewing { contract: c, owner_key, owner_phone: Some(p), .. }
            if c.as_str() == "1001" && owner_key.as_str() == OWNER_1 && p.digits() == "380671234567"))
    );
    let Outbound::TextToGroup { text, .. } = &sent(&changes)[0] else {
        panic!("{changes:#?}")
    };
    for part in [
        "Шевченко Олена Петрівна",
        "+380671234567, +380501234567",
        "• Барсік — 1001",
        "• Рекс — 1002",
        OWNER_1,
    ] {
        assert!(text.html.contains(part), "{part} missing in {}", text.html);
    }
    assert!(!text.html.contains("Бім"));
    let Some(Buttons::Inline(rows)) = &text.buttons else {
        panic!("no buttons")
    };
    assert_eq!(rows[0][0].data, "link:ok:4");
    assert_eq!(rows[0][1].data, "link:no:4");
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::RecordMessage { .. })),
        "the number is not sent to the client"
    );
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Preview);
}

#[test]
fn an_unknown_contract_keeps_the_flow_open() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(awaiting(4))
        .with_directory(fixture_directory())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "9999")),
    );
    assert_eq!(texts_of(&changes), vec![texts::contract_not_found("9999")]);
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::RemovePendingLink(_) | Change::SetLink { .. }))
    );
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Error);
}

#[test]
fn an_unavailable_enote_ends_the_flow_with_a_clear_answer() {
    let mut dir = MockPracticeDirectory::new();
    dir.expect_owner_by_contract()
        .returning(|_| Err(DirectoryError::Unavailable("timeout".into())));
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(awaiting(4))
        .with_directory(dir)
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "1001")),
    );
    assert!(changes.contains(&Change::RemovePendingLink(PendingLinkId::new(4).unwrap())));
    assert_eq!(
        texts_of(&changes),
        vec![texts::directory_failure(&DirectoryError::Unavailable(
            String::new()
        ))]
    );
    let ev = events.lock().unwrap();
    assert_eq!(ev[0].event, LinkEventKind::Error);
    assert_eq!(ev[0].contract.as_deref(), Some("1001"));
}

#[test]
fn another_staff_members_message_is_not_the_contract_number() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_link(awaiting(4))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(601, Some(7), 6, "1001")),
    );
    assert!(
        sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::StaffMessageToClient { .. }))
    );
}

#[test]
fn confirm_by_the_initiator_writes_the_link() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(previewing(4))
        .desk();
    let changes = run(&desk, &commits, press(600, LinkDecision::Confirm, 4));
    assert!(changes.contains(&Change::SetLink {
        client: uid(500),
        link: ClientLink {
            owner_key: owner(OWNER_1),
            owner_name: Some("Шевченко Олена Петрівна".into()),
            owner_phone: Some(phone("0671234567")),
            contract: Some(contract("1001")),
            linked_by: Some(uid(600)),
            linked_at: Some(now()),
        }
    }));
    assert!(changes.contains(&Change::RemovePendingLink(PendingLinkId::new(4).unwrap())));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Audit(a) if a.action == "link"))
    );
    assert!(
        sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::EditGroupText { message, .. } if *message == mid(950)))
    );
    assert!(texts_of(&changes).contains(&texts::PRESS_LINKED.to_owned()));
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Linked);
}

#[test]
fn a_foreign_press_changes_nothing() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(previewing(4))
        .desk();
    let changes = run(&desk, &commits, press(601, LinkDecision::Confirm, 4));
    assert_eq!(texts_of(&changes), vec![texts::PRESS_FOREIGN.to_owned()]);
    assert_eq!(changes.len(), 2, "an answer and the handled mark only");
    assert!(events.lock().unwrap().is_empty());
}

#[test]
fn an_expired_press_writes_nothing() {
    let mut link = previewing(4);
    link.expires_at = now() - Duration::seconds(1);
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(link)
        .desk();
    let changes = run(&desk, &commits, press(600, LinkDecision::Confirm, 4));
    assert!(!changes.iter().any(|c| matches!(c, Change::SetLink { .. })));
    assert!(texts_of(&changes).contains(&texts::PRESS_EXPIRED.to_owned()));
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Expired);
}

#[test]
fn cancel_and_stale_presses() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_link(previewing(4))
        .desk();
    let changes = run(&desk, &commits, press(600, LinkDecision::Cancel, 4));
    assert!(changes.contains(&Change::RemovePendingLink(PendingLinkId::new(4).unwrap())));
    assert!(!changes.iter().any(|c| matches!(c, Change::SetLink { .. })));
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Cancel);

    let changes = run(&desk, &commits, press(600, LinkDecision::Confirm, 99));
    assert_eq!(texts_of(&changes), vec![texts::PRESS_GONE.to_owned()]);

    let mut junk = press(600, LinkDecision::Confirm, 4);
    if let Inbound::Button(b) = &mut junk {
        b.data = "pay:now".into();
    }
    assert_eq!(
        texts_of(&run(&desk, &commits, junk)),
        vec![texts::PRESS_UNKNOWN.to_owned()]
    );
}

#[test]
fn relinking_warns_in_the_preview() {
    let mut c = client(500, Some(7));
    c.link = Some(ClientLink {
        owner_key: owner(OWNER_2),
        owner_name: Some("Коваленко Андрій".into()),
        owner_phone: None,
        contract: Some(contract("2001")),
        linked_by: None,
        linked_at: None,
    });
    let (desk, commits, _) = Kit::new()
        .with_client(c)
        .with_link(awaiting(4))
        .with_directory(fixture_directory())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "1001")),
    );
    let html = &texts_of(&changes)[0];
    assert!(
        html.contains("⚠️ Клієнт уже прив'язаний: Коваленко Андрій (договір 2001"),
        "{html}"
    );
}

#[test]
fn expired_flows_are_swept_with_a_notice() {
    let mut old = awaiting(4);
    old.expires_at = now() - Duration::minutes(1);
    let (desk, commits, events) = Kit::new().with_link(old).with_link(awaiting(5)).desk();
    let n = futures::executor::block_on(desk.expire_links()).unwrap();
    assert_eq!(n, 1);
    let changes = commits.lock().unwrap().pop().unwrap();
    assert_eq!(
        changes[0],
        Change::RemovePendingLink(PendingLinkId::new(4).unwrap())
    );
    assert_eq!(sent(&changes).len(), 1);
    assert_eq!(events.lock().unwrap()[0].event, LinkEventKind::Expired);
}
