//! Inbound updates by long polling. The batch is read as raw JSON values, one per update, so a
//! kind this bot (or frankenstein) does not know never makes the whole batch undecodable — the
//! trap that would otherwise stall the offset forever.

use crate::errors::map_error;
use domain::ports::ChatError;
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::GetUpdatesParams;
use frankenstein::response::MethodResponse;
use frankenstein::types::AllowedUpdate;
use serde_json::Value;

/// The update kinds the bot asks for (docs/product-rules.md: Telegram).
pub const ALLOWED: [AllowedUpdate; 4] = [
    AllowedUpdate::Message,
    AllowedUpdate::EditedMessage,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::MyChatMember,
];

/// One update, kept raw for the inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct RawUpdate {
    /// Telegram's id.
    pub update_id: i64,
    /// The chat it belongs to, for per-chat ordering.
    pub chat_id: Option<i64>,
    /// The update as Telegram sent it.
    pub json: String,
}

impl RawUpdate {
    /// Reads the id and chat out of one update value; `None` if it has no `update_id`.
    pub fn from_value(value: &Value) -> Option<Self> {
        let update_id = value.get("update_id")?.as_i64()?;
        Some(Self {
            update_id,
            chat_id: chat_of(value),
            json: value.to_string(),
        })
    }
}

/// The chat an update concerns: the message's chat, or the chat of a button's message.
pub fn chat_of(update: &Value) -> Option<i64> {
    for key in ["message", "edited_message", "my_chat_member", "chat_member"] {
        if let Some(id) = update
            .get(key)
            .and_then(|m| m.pointer("/chat/id"))
            .and_then(Value::as_i64)
        {
            return Some(id);
        }
    }
    let cb = update.get("callback_query")?;
    cb.pointer("/message/chat/id")
        .and_then(Value::as_i64)
        .or_else(|| cb.pointer("/from/id").and_then(Value::as_i64))
}

/// Fetches updates by long polling.
#[derive(Clone)]
pub struct UpdateSource {
    bot: Bot,
    timeout_secs: u32,
}

impl UpdateSource {
    /// A poller; `timeout_secs` is Telegram's long-polling wait (the HTTP client's timeout must
    /// be longer).
    pub fn new(bot: Bot, timeout_secs: u32) -> Self {
        Self { bot, timeout_secs }
    }

    /// The next batch after `offset` (which confirms everything before it).
    pub async fn poll(&self, offset: Option<i64>, limit: u32) -> Result<Vec<RawUpdate>, ChatError> {
        let params = GetUpdatesParams::builder()
            .maybe_offset(offset)
            .limit(limit)
            .timeout(self.timeout_secs)
            .allowed_updates(ALLOWED.to_vec())
            .build();
        let resp: MethodResponse<Vec<Value>> = self
            .bot
            .request("getUpdates", Some(&params))
            .await
            .map_err(|e| map_error(&e))?;
        Ok(resp
            .result
            .iter()
            .filter_map(RawUpdate::from_value)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chat_is_found_for_each_kind() {
        assert_eq!(
            chat_of(&json!({"update_id":1,"message":{"chat":{"id":5}}})),
            Some(5)
        );
        assert_eq!(
            chat_of(&json!({"update_id":1,"edited_message":{"chat":{"id":-100}}})),
            Some(-100)
        );
        assert_eq!(
            chat_of(
                &json!({"update_id":1,"callback_query":{"from":{"id":7},"message":{"chat":{"id":-100}}}})
            ),
            Some(-100)
        );
        assert_eq!(
            chat_of(&json!({"update_id":1,"callback_query":{"from":{"id":7}}})),
            Some(7)
        );
        assert_eq!(
            chat_of(&json!({"update_id":1,"some_future_kind":{"x":1}})),
            None
        );
    }

    #[test]
    fn unknown_kinds_are_still_raw_updates() {
        let raw =
            RawUpdate::from_value(&json!({"update_id": 42, "some_future_kind": {"x": 1}})).unwrap();
        assert_eq!(raw.update_id, 42);
        assert_eq!(raw.chat_id, None);
        assert!(RawUpdate::from_value(&json!({"no_id": true})).is_none());
    }
}
