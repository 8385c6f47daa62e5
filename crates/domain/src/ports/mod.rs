//! Ports: the traits the use cases need from the outside world. Adapters implement them;
//! mockall mocks (the `mocks` feature) stand in for them in tests.
//!
//! | port | implemented by |
//! |---|---|
//! | [`ClientRepository`], [`TicketRepository`], [`MessageRepository`], [`PendingLinkRepository`], [`ReportRepository`], [`UnitOfWork`], [`Inbox`], [`Outbox`] | `adapters-mysql` |
//! | [`ChartRenderer`] | `adapters-chart` |
//! | [`ChatGateway`] | `adapters-telegram` |
//! | [`PracticeDirectory`] | `adapters-enote` |
//! | [`Clock`], [`LinkEventLog`] | `app` (and [`SystemClock`] here) |

pub mod chart;
pub mod chat;
pub mod clock;
pub mod directory;
pub mod link_log;
pub mod store;

pub use chart::ChartRenderer;
pub use chat::{ChatError, ChatGateway, CommandScope};
pub use clock::{Clock, SystemClock};
pub use directory::{DirectoryError, PracticeDirectory};
pub use link_log::{LinkEvent, LinkEventKind, LinkEventLog};
pub use store::{
    Arrival, ClientRepository, FormerTopic, Inbox, InboxEntry, MessageRepository, Outbox,
    OutboxEntry, PendingLinkRepository, QueueHead, ReportRepository, StoreError, TicketRepository,
    UnitOfWork,
};

#[cfg(any(test, feature = "mocks"))]
pub use chart::MockChartRenderer;
#[cfg(any(test, feature = "mocks"))]
pub use chat::MockChatGateway;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use directory::MockPracticeDirectory;
#[cfg(any(test, feature = "mocks"))]
pub use link_log::MockLinkEventLog;
#[cfg(any(test, feature = "mocks"))]
pub use store::{
    MockClientRepository, MockInbox, MockMessageRepository, MockOutbox, MockPendingLinkRepository,
    MockReportRepository, MockTicketRepository, MockUnitOfWork,
};
