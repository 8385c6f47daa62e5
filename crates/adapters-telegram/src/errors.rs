//! Telegram's refusals, mapped to what the domain can act on. The texts matched here are the
//! Bot API's own (`description` of the error envelope).

use domain::ports::ChatError;
use frankenstein::Error;
use std::time::Duration;

/// Maps a frankenstein error. Never includes the request URL (it holds the token).
pub fn map_error(err: &Error) -> ChatError {
    match err {
        Error::Api(resp) => map_api(
            resp.error_code,
            &resp.description,
            resp.parameters.as_ref().and_then(|p| p.retry_after),
        ),
        // A body that is not the JSON envelope: a proxy's HTML 502, a truncated answer.
        Error::JsonDecode { .. } => {
            ChatError::Transient("Telegram answered with a body that is not JSON".into())
        }
        Error::HttpReqwest(e) => {
            // `without_url()` was applied by frankenstein: the token is not in this text.
            ChatError::Transient(format!("network: {e}"))
        }
        other => ChatError::Permanent(redact(&other.to_string())),
    }
}

/// Maps an error envelope by code and description.
pub fn map_api(code: u64, description: &str, retry_after: Option<u16>) -> ChatError {
    let d = description.to_ascii_lowercase();
    match code {
        // The Bot API answers 401 to a revoked token and 404 to a token of the wrong form (its
        // URL names no bot).
        401 | 404 => ChatError::Unauthorized(description.to_owned()),
        429 => ChatError::RateLimited {
            retry_after: Duration::from_secs(u64::from(retry_after.unwrap_or(1)).max(1)),
        },
        403 if d.contains("blocked")
            || d.contains("deactivated")
            || d.contains("user is deactivated") =>
        {
            ChatError::Blocked
        }
        // "bot can't initiate conversation with a user": never wrote to us, same remedy.
        403 if d.contains("initiate conversation") => ChatError::Blocked,
        // Removed from the support group: an administrator must add the bot back.
        403 if d.contains("kicked") || d.contains("not a member") => {
            ChatError::Misconfigured(description.to_owned())
        }
        500..=599 => ChatError::Transient(description.to_owned()),
        _ if d.contains("message thread not found")
            || d.contains("topic_deleted")
            || d.contains("topic_id_invalid") =>
        {
            ChatError::TopicGone
        }
        _ if d.contains("topic_closed") => ChatError::TopicClosed,
        // Topics switched off, or the bot lost its admin rights.
        _ if d.contains("not a forum")
            || d.contains("not enough rights")
            || d.contains("topics_disabled")
            || d.contains("chat_admin_required") =>
        {
            ChatError::Misconfigured(description.to_owned())
        }
        _ if d.contains("message is not modified") || d.contains("topic_not_modified") => {
            ChatError::NotModified
        }
        // The message exists but Telegram will not copy it (a service message, an invoice,
        // paid media, protected content): a refusal of that message, which staff must be told
        // of. Taken for "deleted", it would be dropped without a word.
        _ if d.contains("can't be copied") || d.contains("can't be forwarded") => {
            ChatError::Permanent(description.to_owned())
        }
        _ if d.contains("message to edit not found")
            || d.contains("message to copy not found")
            || d.contains("message to forward not found")
            || d.contains("message to be replied not found")
            || d.contains("message to reply not found") =>
        {
            ChatError::MessageGone
        }
        _ => ChatError::Permanent(description.to_owned()),
    }
}

/// Removes anything that looks like a bot token (`123456:ABC…`) from a text.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(|c: char| c == '/' || c.is_whitespace()) {
        let core = word.trim_end_matches(|c: char| c == '/' || c.is_whitespace());
        let looks_like_token =
            core.trim_start_matches("bot")
                .split_once(':')
                .is_some_and(|(id, secret)| {
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && secret.len() >= 20
                });
        if looks_like_token {
            out.push_str("bot<redacted>");
            out.push_str(&word[core.len()..]);
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_typed_outcomes() {
        let cases = [
            (
                403,
                "Forbidden: bot was blocked by the user",
                ChatError::Blocked,
            ),
            (403, "Forbidden: user is deactivated", ChatError::Blocked),
            (
                401,
                "Unauthorized",
                ChatError::Unauthorized("Unauthorized".into()),
            ),
            (
                404,
                "Not Found",
                ChatError::Unauthorized("Not Found".into()),
            ),
            (
                400,
                "Bad Request: message thread not found",
                ChatError::TopicGone,
            ),
            (400, "Bad Request: TOPIC_DELETED", ChatError::TopicGone),
            (400, "Bad Request: TOPIC_ID_INVALID", ChatError::TopicGone),
            (400, "Bad Request: TOPIC_CLOSED", ChatError::TopicClosed),
            (
                400,
                "Bad Request: the chat is not a forum",
                ChatError::Misconfigured("Bad Request: the chat is not a forum".into()),
            ),
            (
                400,
                "Bad Request: not enough rights to create a topic",
                ChatError::Misconfigured("Bad Request: not enough rights to create a topic".into()),
            ),
            (
                403,
                "Forbidden: bot was kicked from the supergroup chat",
                ChatError::Misconfigured(
                    "Forbidden: bot was kicked from the supergroup chat".into(),
                ),
            ),
            (
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
                ChatError::NotModified,
            ),
            (
                400,
                "Bad Request: message to edit not found",
                ChatError::MessageGone,
            ),
            (
                400,
                "Bad Request: message to copy not found",
                ChatError::MessageGone,
            ),
            (
                400,
                "Bad Request: message to be replied not found",
                ChatError::MessageGone,
            ),
            (
                400,
                "Bad Request: message can't be copied",
                ChatError::Permanent("Bad Request: message can't be copied".into()),
            ),
            (
                400,
                "Bad Request: message can't be forwarded",
                ChatError::Permanent("Bad Request: message can't be forwarded".into()),
            ),
            (
                400,
                "Bad Request: TOPIC_NAME_INVALID",
                ChatError::Permanent("Bad Request: TOPIC_NAME_INVALID".into()),
            ),
            (
                502,
                "Bad Gateway",
                ChatError::Transient("Bad Gateway".into()),
            ),
            (
                400,
                "Bad Request: can't parse entities",
                ChatError::Permanent("Bad Request: can't parse entities".into()),
            ),
        ];
        for (code, text, want) in cases {
            assert_eq!(map_api(code, text, None), want, "{text}");
        }
        assert_eq!(
            map_api(429, "Too Many Requests: retry after 35", Some(35)),
            ChatError::RateLimited {
                retry_after: Duration::from_secs(35)
            }
        );
    }

    #[test]
    fn tokens_are_redacted() {
        let t = "error sending request for url (https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage)";
        let r = redact(t);
        assert!(!r.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), "{r}");
        assert!(r.contains("bot<redacted>/sendMessage"), "{r}");
        assert_eq!(
            redact("plain words: 12:30 meeting"),
            "plain words: 12:30 meeting"
        );
    }
}
