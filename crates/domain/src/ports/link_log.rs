//! The `/enote_link` event log (`logs/enote_link.log`, one JSON object a line; the fields are in
//! docs/product-rules.md, "Linking a client to Enote").

use crate::ids::{ThreadId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What happened in a link flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkEventKind {
    /// A preview was shown.
    Preview,
    /// The link was written.
    Linked,
    /// Staff cancelled.
    Cancel,
    /// A lookup failed or input was invalid.
    Error,
    /// The flow expired.
    Expired,
}

/// One line of the link log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkEvent {
    /// When.
    pub ts: DateTime<Utc>,
    /// What.
    pub event: LinkEventKind,
    /// The support group.
    pub chat: i64,
    /// The topic.
    pub thread: ThreadId,
    /// The client.
    pub client: UserId,
    /// The staff member.
    pub actor: UserId,
    /// The contract typed, if any.
    pub contract: Option<String>,
    /// The owner found, if any.
    pub owner_key: Option<String>,
    /// The failure, if any.
    pub error: Option<String>,
}

/// Where link events go.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LinkEventLog: Send + Sync {
    /// Appends one event. Failing to log never fails the flow, so this returns nothing.
    async fn record(&self, event: LinkEvent);
}
