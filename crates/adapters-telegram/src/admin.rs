//! The bot's own set-up with Telegram, outside the message flow: who it is (`getMe`), whether it
//! may manage the support group's topics (`getChatMember`), and how updates reach it
//! (`setWebhook` / `deleteWebhook`). Used at start-up and by `parents-bot check`.

use crate::errors::map_error;
use crate::updates::ALLOWED;
use domain::ids::GroupId;
use domain::ports::ChatError;
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::{
    DeleteWebhookParams, GetChatMemberParams, GetChatParams, SetWebhookParams,
};
use frankenstein::types::ChatMember;

/// Who the bot is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    /// Its user id.
    pub id: u64,
    /// Its @username, without the `@`.
    pub username: Option<String>,
}

/// What the bot may do in the support group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRights {
    /// An administrator allowed to manage topics (or the owner): all the bot needs.
    ManagesTopics,
    /// An administrator without the right to manage topics.
    AdminWithoutTopics,
    /// A plain member, restricted, or not in the group at all.
    NotAdmin,
}

/// The set-up calls, over a frankenstein client.
#[derive(Clone)]
pub struct BotAdmin {
    bot: Bot,
}

impl BotAdmin {
    /// Wraps a client built by [`crate::bot`].
    pub fn new(bot: Bot) -> Self {
        Self { bot }
    }

    /// `getMe`: proves the token works.
    pub async fn me(&self) -> Result<BotIdentity, ChatError> {
        let me = self.bot.get_me().await.map_err(|e| map_error(&e))?;
        Ok(BotIdentity {
            id: me.result.id,
            username: me.result.username,
        })
    }

    /// What the bot may do in `group`.
    pub async fn rights_in(&self, group: GroupId, bot_id: u64) -> Result<GroupRights, ChatError> {
        let params = GetChatMemberParams::builder()
            .chat_id(group.get())
            .user_id(bot_id)
            .build();
        let member = self
            .bot
            .get_chat_member(&params)
            .await
            .map_err(|e| map_error(&e))?;
        Ok(match member.result {
            ChatMember::Creator(_) => GroupRights::ManagesTopics,
            ChatMember::Administrator(a) if a.can_manage_topics == Some(true) => {
                GroupRights::ManagesTopics
            }
            ChatMember::Administrator(_) => GroupRights::AdminWithoutTopics,
            _ => GroupRights::NotAdmin,
        })
    }

    /// Whether `group` is a forum (has topics enabled): without topics there is nowhere to put
    /// a client's messages.
    pub async fn is_forum(&self, group: GroupId) -> Result<bool, ChatError> {
        let params = GetChatParams::builder().chat_id(group.get()).build();
        let chat = self
            .bot
            .get_chat(&params)
            .await
            .map_err(|e| map_error(&e))?;
        Ok(chat.result.is_forum == Some(true))
    }

    /// Registers the webhook with its secret and the update kinds the bot handles. Pending
    /// updates are kept: they are the clients' messages.
    pub async fn set_webhook(&self, url: &str, secret: &str) -> Result<(), ChatError> {
        let params = SetWebhookParams::builder()
            .url(url)
            .secret_token(secret)
            .allowed_updates(ALLOWED.to_vec())
            .drop_pending_updates(false)
            .build();
        self.bot
            .set_webhook(&params)
            .await
            .map(|_| ())
            .map_err(|e| map_error(&e))
    }

    /// Removes a webhook left by an earlier run (getUpdates answers 409 while one is set),
    /// keeping pending updates.
    pub async fn delete_webhook(&self) -> Result<(), ChatError> {
        let params = DeleteWebhookParams::builder()
            .drop_pending_updates(false)
            .build();
        self.bot
            .delete_webhook(&params)
            .await
            .map(|_| ())
            .map_err(|e| map_error(&e))
    }
}
