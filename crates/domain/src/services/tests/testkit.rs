//! Test scaffolding for the use cases: mockall mocks of every port, backed by small in-memory
//! tables so each test states only the data it is about and asserts on what was committed.

use crate::change::Change;
use crate::client::Client;
use crate::contract::ContractNumber;
use crate::enote_link::PendingLink;
use crate::ids::{GroupId, MessageId, ThreadId, TicketId, UpdateId, UserId};
use crate::message::{Content, IncomingMessage, MessageRecord, Place, Sender};
use crate::owner::{OwnerKey, OwnerProfile, Pet};
use crate::phone::Phone;
use crate::ports::store::OpenAppeal;
use crate::ports::*;
use crate::services::{DeskPorts, DeskSettings, SupportDesk};
use crate::ticket::{Ticket, TicketStatus};
use chrono::{DateTime, TimeZone, Utc};
use std::sync::{Arc, Mutex};

pub const GROUP: i64 = -1002992147362;
pub const OWNER_1: &str = "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f";
pub const OWNER_2: &str = "0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}
pub fn uid(n: i64) -> UserId {
    UserId::new(n).unwrap()
}
pub fn mid(n: i64) -> MessageId {
    MessageId::new(n).unwrap()
}
pub fn tid(n: i64) -> ThreadId {
    ThreadId::new(n).unwrap()
}
pub fn group() -> GroupId {
    GroupId::new(GROUP).unwrap()
}
pub fn phone(s: &str) -> Phone {
    Phone::parse(s).unwrap()
}
pub fn owner(s: &str) -> OwnerKey {
    OwnerKey::parse(s).unwrap()
}
pub fn contract(s: &str) -> ContractNumber {
    ContractNumber::parse(s).unwrap()
}

pub fn client(id: i64, thread: Option<i64>) -> Client {
    let mut c = Client::new(uid(id));
    c.first_name = Some("Олена".into());
    c.thread = thread.map(tid);
    c
}

pub fn ticket(id: i64, client: i64, open: bool) -> Ticket {
    Ticket {
        id: TicketId::new(id).unwrap(),
        client: uid(client),
        thread: None,
        status: if open {
            TicketStatus::Open
        } else {
            TicketStatus::Closed
        },
        label: None,
        assigned_to: None,
        created_at: now(),
        closed_at: None,
        first_response_at: None,
        waiting_since: None,
        last_client_message_at: None,
        last_staff_message_at: None,
        taken_via: None,
        reminders_sent: 0,
        away_sent_at: None,
        rating: None,
        rated_at: None,
    }
}

pub fn sender(id: i64, username: &str) -> Sender {
    Sender {
        id: Some(uid(id)),
        username: Some(username.into()),
        first_name: Some("Марта".into()),
        last_name: None,
        is_bot: false,
    }
}

pub fn private_text(from: i64, message: i64, text: &str) -> IncomingMessage {
    IncomingMessage {
        place: Place::Private(uid(from)),
        from: Sender {
            id: Some(uid(from)),
            username: None,
            first_name: Some("Олена".into()),
            last_name: None,
            is_bot: false,
        },
        message_id: mid(message),
        content: Content::Text(text.into()),
        reply_to: None,
        reply_to_sender: None,
        media_group_id: None,
    }
}

pub fn staff_text(staff: i64, thread: Option<i64>, message: i64, text: &str) -> IncomingMessage {
    IncomingMessage {
        place: Place::SupportGroup {
            group: group(),
            thread: thread.map(tid),
        },
        from: sender(staff, "marta"),
        message_id: mid(message),
        content: Content::Text(text.into()),
        reply_to: None,
        reply_to_sender: None,
        media_group_id: None,
    }
}

/// The fixture owners (the same two the fake Enote serves).
pub fn fixture_directory() -> MockPracticeDirectory {
    let mut d = MockPracticeDirectory::new();
    d.expect_owner_by_contract()
        .returning(|c| match c.as_str() {
            "1001" | "1002" => Ok(owner(OWNER_1)),
            "2001" => Ok(owner(OWNER_2)),
            _ => Err(DirectoryError::NotFound),
        });
    d.expect_owner_profile().returning(|k| match k.as_str() {
        OWNER_1 => Ok(OwnerProfile {
            last_name: "Шевченко".into(),
            first_name: "Олена".into(),
            middle_name: "Петрівна".into(),
            phones: vec![phone("+38 (067) 123-45-67"), phone("0501234567")],
            unparsed_phones: vec![],
        }),
        OWNER_2 => Ok(OwnerProfile {
            last_name: "Коваленко".into(),
            first_name: "Андрій".into(),
            middle_name: String::new(),
            phones: vec![phone("80931112233")],
            unparsed_phones: vec![],
        }),
        _ => Err(DirectoryError::NotFound),
    });
    d.expect_pets_of_owner().returning(|k| match k.as_str() {
        OWNER_1 => Ok(vec![
            Pet {
                name: "Барсік".into(),
                contract: Some(contract("1001")),
            },
            Pet {
                name: "Рекс".into(),
                contract: Some(contract("1002")),
            },
        ]),
        OWNER_2 => Ok(vec![Pet {
            name: "Мурка".into(),
            contract: Some(contract("2001")),
        }]),
        _ => Err(DirectoryError::NotFound),
    });
    d
}

/// What a desk committed, one `Vec` per commit.
pub type Commits = Arc<Mutex<Vec<Vec<Change>>>>;
/// The link-log lines a desk wrote.
pub type Events = Arc<Mutex<Vec<LinkEvent>>>;

/// In-memory data behind the repository mocks, and what the desk wrote.
#[derive(Default)]
pub struct Kit {
    pub clients: Vec<Client>,
    pub tickets: Vec<Ticket>,
    pub messages: Vec<MessageRecord>,
    pub links: Vec<PendingLink>,
    pub directory: Option<MockPracticeDirectory>,
    /// Staff answers and closes the report's store counts, by sender.
    pub answers: Vec<(UserId, u32)>,
    pub closes: Vec<(UserId, u32)>,
    /// The day the daily report was last posted for.
    pub last_report: Option<chrono::NaiveDate>,
    /// Topics clients left in earlier support groups.
    pub former_topics: Vec<(GroupId, ThreadId, FormerTopic)>,
    pub commit_fails: bool,
    pub commits: Commits,
    pub events: Events,
}

impl Kit {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_client(mut self, c: Client) -> Self {
        self.clients.push(c);
        self
    }

    pub fn with_ticket(mut self, t: Ticket) -> Self {
        self.tickets.push(t);
        self
    }

    pub fn with_message(mut self, m: MessageRecord) -> Self {
        self.messages.push(m);
        self
    }

    pub fn with_link(mut self, l: PendingLink) -> Self {
        self.links.push(l);
        self
    }

    pub fn with_former_topic(mut self, group: GroupId, thread: ThreadId, f: FormerTopic) -> Self {
        self.former_topics.push((group, thread, f));
        self
    }

    pub fn with_directory(mut self, d: MockPracticeDirectory) -> Self {
        self.directory = Some(d);
        self
    }

    pub fn store(&self) -> MockUnitOfWork {
        let mut store = MockUnitOfWork::new();
        let commits = self.commits.clone();
        let fails = self.commit_fails;
        store.expect_commit().returning(move |changes| {
            if fails {
                return Err(StoreError::Unavailable("connection refused".into()));
            }
            commits.lock().unwrap().push(changes);
            Ok(())
        });
        store
    }

    pub fn client_repo(&self) -> MockClientRepository {
        let mut repo = MockClientRepository::new();
        let all = self.clients.clone();
        let by_topic = self.clients.clone();
        let former = self.former_topics.clone();
        repo.expect_get()
            .returning(move |id| Ok(all.iter().find(|c| c.id == id).cloned()));
        let (clients, tickets) = (self.clients.clone(), self.tickets.clone());
        repo.expect_with_open_ticket().returning(move |id| {
            Ok((
                clients.iter().find(|c| c.id == id).cloned(),
                tickets
                    .iter()
                    .find(|t| t.client == id && t.is_open())
                    .cloned(),
            ))
        });
        // As the store reads it: the group and the number; a row without a group counts as
        // the configured group's.
        repo.expect_by_topic().returning(move |g, t| {
            Ok(by_topic
                .iter()
                .find(|c| c.thread == Some(t) && c.topic_group.unwrap_or_else(group) == g)
                .cloned())
        });
        repo.expect_former_topic().returning(move |g, t| {
            Ok(former
                .iter()
                .find(|(fg, ft, _)| *fg == g && *ft == t)
                .map(|(_, _, f)| *f))
        });
        repo
    }

    /// The tickets, for [`crate::services::Delivery`] (the desk's own mock is built in `desk`).
    pub fn ticket_repo(&self) -> MockTicketRepository {
        let mut repo = MockTicketRepository::new();
        let open = self.tickets.clone();
        repo.expect_open_for()
            .returning(move |c| Ok(open.iter().find(|t| t.client == c && t.is_open()).cloned()));
        repo
    }

    pub fn desk(self) -> (SupportDesk, Commits, Events) {
        let mut tickets = MockTicketRepository::new();
        let open = self.tickets.clone();
        let latest = self.tickets.clone();
        tickets
            .expect_open_for()
            .returning(move |c| Ok(open.iter().find(|t| t.client == c && t.is_open()).cloned()));
        tickets.expect_latest_for().returning(move |c| {
            Ok(latest
                .iter()
                .filter(|t| t.client == c)
                .max_by_key(|t| t.id)
                .cloned())
        });
        let waiting = self.tickets.clone();
        tickets.expect_waiting_for_answer().returning(move || {
            Ok(waiting
                .iter()
                .filter(|t| t.is_open() && t.waiting_since.is_some())
                .cloned()
                .collect())
        });
        let by_id = self.tickets.clone();
        tickets
            .expect_by_id()
            .returning(move |id| Ok(by_id.iter().find(|t| t.id == id).cloned()));
        let answered = self.tickets.clone();
        tickets.expect_answered_before().returning(move |before| {
            let mut quiet: Vec<_> = answered
                .iter()
                .filter(|t| t.is_open() && t.waiting_since.is_none())
                .filter(|t| t.last_staff_message_at.is_some_and(|at| at <= before))
                .cloned()
                .collect();
            quiet.sort_by_key(|t| t.last_staff_message_at);
            Ok(quiet)
        });
        let (appeals, appeal_clients) = (self.tickets.clone(), self.clients.clone());
        tickets
            .expect_open_appeals()
            .returning(move || Ok(open_appeals(&appeals, &appeal_clients)));

        let mut messages = MockMessageRepository::new();
        let by_client = self.messages.clone();
        let by_group = self.messages.clone();
        messages.expect_by_client_message().returning(move |c, m| {
            Ok(by_client
                .iter()
                .find(|r| r.client == c && r.client_message_id == Some(m))
                .cloned())
        });
        messages.expect_by_group_message().returning(move |m| {
            Ok(by_group
                .iter()
                .find(|r| r.group_message_id == Some(m))
                .cloned())
        });

        let mut links = MockPendingLinkRepository::new();
        let by_id = self.links.clone();
        let by_initiator = self.links.clone();
        let expired = self.links.clone();
        links
            .expect_get()
            .returning(move |id| Ok(by_id.iter().find(|l| l.id == id).cloned()));
        links.expect_of_initiator().returning(move |t, who| {
            Ok(by_initiator
                .iter()
                .find(|l| l.thread == t && l.initiator == who)
                .cloned())
        });
        links.expect_expired().returning(move |at| {
            Ok(expired
                .iter()
                .filter(|l| l.is_expired(at))
                .cloned()
                .collect())
        });

        let mut link_log = MockLinkEventLog::new();
        let events = self.events.clone();
        link_log
            .expect_record()
            .returning(move |e| events.lock().unwrap().push(e));

        let mut clock = MockClock::new();
        clock.expect_now().returning(now);

        let mut reports = MockReportRepository::new();
        let touching = self.tickets.clone();
        let answers = self.answers.clone();
        let closes = self.closes.clone();
        let last_report = self.last_report;
        reports
            .expect_appeals_touching()
            .returning(move |_, _| Ok(touching.clone()));
        reports
            .expect_answers_by_staff()
            .returning(move |_, _| Ok(answers.clone()));
        reports
            .expect_closes_by_staff()
            .returning(move |_, _| Ok(closes.clone()));
        reports
            .expect_last_daily_report()
            .returning(move || Ok(last_report));

        let ports = DeskPorts {
            reports: Arc::new(reports),
            clients: Arc::new(self.client_repo()),
            tickets: Arc::new(tickets),
            messages: Arc::new(messages),
            links: Arc::new(links),
            store: Arc::new(self.store()),
            directory: Arc::new(self.directory.unwrap_or_default()),
            link_log: Arc::new(link_log),
            clock: Arc::new(clock),
        };
        let mut settings = DeskSettings::new(group());
        settings.bot_username = Some("PetWealthParentsBot".into());
        (SupportDesk::new(ports, settings), self.commits, self.events)
    }
}

/// The open tickets with their clients' labels and topics, as the store's `open_appeals` reads
/// them.
pub fn open_appeals(tickets: &[Ticket], clients: &[Client]) -> Vec<OpenAppeal> {
    tickets
        .iter()
        .filter(|t| t.is_open())
        .map(|t| {
            let client = clients.iter().find(|c| c.id == t.client);
            OpenAppeal {
                ticket: t.clone(),
                label: client.map_or_else(
                    || {
                        t.label
                            .as_deref()
                            .and_then(|l| crate::label::Label::new(l).ok())
                            .unwrap_or_else(|| {
                                crate::label::default_label(None, None, None, t.client)
                            })
                    },
                    Client::display_label,
                ),
                thread: client.and_then(|c| c.thread),
            }
        })
        .collect()
}

/// Runs one update through a desk and returns the single commit it made.
pub fn run(
    desk: &SupportDesk,
    commits: &Commits,
    inbound: crate::services::Inbound,
) -> Vec<Change> {
    futures::executor::block_on(desk.handle(UpdateId(1), inbound)).expect("handled");
    let mut all = commits.lock().unwrap();
    assert_eq!(all.len(), 1, "one update → one commit");
    let changes = all.pop().unwrap();
    assert_eq!(changes.last(), Some(&Change::InboxHandled(UpdateId(1))));
    changes
}

/// The outbound actions of a commit.
pub fn sent(changes: &[Change]) -> Vec<crate::outbound::Outbound> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Enqueue(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

/// The HTML of every bot text in a commit.
pub fn texts_of(changes: &[Change]) -> Vec<String> {
    use crate::outbound::Outbound::*;
    sent(changes)
        .into_iter()
        .filter_map(|o| match o {
            TextToClient { text, .. } | TextToTopic { text, .. } | TextToGroup { text, .. } => {
                Some(text.html)
            }
            AnswerButton { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

/// An outbox entry holding `action`, with no queue, never tried.
pub fn entry(action: crate::outbound::Outbound) -> OutboxEntry {
    OutboxEntry {
        id: crate::ids::OutboxId::new(77).unwrap(),
        queue: None,
        action,
        attempts: 0,
        not_before: None,
    }
}

/// The delivery service over `kit`'s stores and `chat`, at [`now`].
pub fn delivery(kit: &Kit, chat: MockChatGateway) -> crate::services::Delivery {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    crate::services::Delivery::new(
        Arc::new(chat),
        Arc::new(kit.client_repo()),
        Arc::new(kit.ticket_repo()),
        Arc::new(kit.store()),
        Arc::new(clock),
        group(),
    )
}
