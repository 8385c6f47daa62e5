//! Pictures through the chat gateway against the fake Bot API: a PNG made in memory is uploaded
//! as multipart `sendPhoto` and arrives byte for byte, with its caption, in the right topic; a
//! caption too long for a photo goes on in a text; refusals map to the domain's errors and
//! never show the token.

use adapters_telegram::TelegramGateway;
use adapters_telegram::limiter::{Limits, RateLimiter};
use domain::ids::{ChatRef, GroupId, MessageId, UserId};
use domain::label::Label;
use domain::outbound::{BotText, Buttons, InlineButton};
use domain::ports::{ChatError, ChatGateway};
use fake_telegram::{AttachmentKind, Failure, FakeConfig, FakeTelegram, StoredMessage, TgUser};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn fake() -> (FakeTelegram, TelegramGateway) {
    let tg = FakeTelegram::start(FakeConfig::default())
        .await
        .expect("fake starts");
    let bot = adapters_telegram::bot(&tg.base_url(), tg.token(), Duration::from_secs(30));
    let gw = TelegramGateway::new(bot, GroupId::new(tg.group_id()).unwrap());
    (tg, gw)
}

fn group(tg: &FakeTelegram) -> ChatRef {
    ChatRef::Group(GroupId::new(tg.group_id()).unwrap())
}

/// A small valid PNG (2×1 pixels, RGB), made by hand so the test depends on no encoder.
fn tiny_png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in bytes {
            a = (a + u32::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }
    // One scanline: filter byte 0, then two RGB pixels; stored uncompressed in zlib.
    let raw = [0u8, 255, 0, 0, 0, 0, 255];
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&u16::try_from(raw.len()).unwrap().to_le_bytes());
    zlib.extend_from_slice(&(!u16::try_from(raw.len()).unwrap()).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn stored(tg: &FakeTelegram, chat: i64, id: MessageId) -> StoredMessage {
    tg.message(chat, id.get())
        .expect("the message is in the fake")
}

/// The bytes behind a stored photo: its largest size's `file_id`, read back from the fake.
fn photo_bytes(tg: &FakeTelegram, m: &StoredMessage) -> Vec<u8> {
    let media = m.media.as_ref().expect("the message has media");
    assert_eq!(media.kind, AttachmentKind::Photo);
    let sizes = media.json.as_array().expect("a photo is an array of sizes");
    let file_id = sizes.last().unwrap()["file_id"].as_str().unwrap();
    tg.file_bytes(file_id).expect("the fake kept the upload")
}

#[tokio::test]
async fn a_picture_reaches_the_topic_byte_for_byte_with_its_caption() {
    let (tg, gw) = fake().await;
    let thread = gw.create_topic(&Label::new("Звіт").unwrap()).await.unwrap();
    let png = tiny_png();
    let caption = BotText::new("<b>Звіт за день</b>\nВідкрито: 5 &amp; закрито: 3");
    let id = gw
        .send_photo(group(&tg), Some(thread), png.clone(), Some(&caption))
        .await
        .unwrap();

    let m = stored(&tg, tg.group_id(), id);
    assert_eq!(m.thread_id, Some(thread.get()));
    assert_eq!(
        m.caption.as_deref(),
        Some("Звіт за день\nВідкрито: 5 & закрито: 3")
    );
    assert_eq!(m.parse_mode.as_deref(), Some("HTML"));
    assert_eq!(photo_bytes(&tg, &m), png);
    let entities = m.caption_entities.expect("the bold part is an entity");
    assert_eq!(entities[0]["type"], "bold");
    let calls = tg.calls_of("sendPhoto");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].chat_id, Some(tg.group_id()));
    assert_eq!(calls[0].thread_id, Some(thread.get()));
    assert_eq!(calls[0].message_ids, vec![m.message_id]);
}

#[tokio::test]
async fn a_picture_waits_its_turn_in_the_rate_limiter() {
    let (tg, gw) = fake().await;
    let gw = gw.with_limiter(Arc::new(RateLimiter::new(Limits::default())));
    let olena = TgUser::new(8_000_000_001, "Олена");
    tg.client_text(&olena, "Привіт");
    let client = ChatRef::Client(UserId::new(8_000_000_001).unwrap());
    tg.fail_next("sendPhoto", Failure::too_many_requests(2));
    let started = Instant::now();
    let err = gw
        .send_photo(client, None, tiny_png(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ChatError::RateLimited {
            retry_after: Duration::from_secs(2)
        }
    );
    // The limiter heard the retry_after: the next upload to that chat waits it out.
    gw.send_photo(client, None, tiny_png(), None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1_900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(tg.violations(), 0);
}

#[tokio::test]
async fn a_picture_without_caption_goes_to_a_private_chat() {
    let (tg, gw) = fake().await;
    let olena = TgUser::new(8_000_000_001, "Олена");
    tg.client_text(&olena, "Привіт");
    let client = ChatRef::Client(UserId::new(8_000_000_001).unwrap());
    let png = tiny_png();
    let id = gw
        .send_photo(client, None, png.clone(), None)
        .await
        .unwrap();
    let m = stored(&tg, 8_000_000_001, id);
    assert_eq!(m.caption, None);
    assert_eq!(m.thread_id, None);
    assert_eq!(photo_bytes(&tg, &m), png);
}

#[tokio::test]
async fn a_long_caption_goes_on_in_a_text_with_the_buttons_under_it() {
    let (tg, gw) = fake().await;
    let thread = gw.create_topic(&Label::new("Звіт").unwrap()).await.unwrap();
    let line = "рядок звіту\n".repeat(150); // 1 800 characters
    let buttons = Buttons::Inline(vec![vec![InlineButton {
        text: "Деталі".into(),
        data: "report:details".into(),
    }]]);
    let caption = BotText::new(line.trim_end()).with_buttons(buttons);
    let id = gw
        .send_photo(group(&tg), Some(thread), tiny_png(), Some(&caption))
        .await
        .unwrap();
    let sent = tg.thread_messages(Some(thread.get()));
    let photo = stored(&tg, tg.group_id(), id);
    let caption_len = photo.caption.as_deref().unwrap().encode_utf16().count();
    assert!(caption_len <= 1024 && caption_len > 900, "{caption_len}");
    assert_eq!(
        photo.reply_markup, None,
        "the buttons go under the last part"
    );
    let text = sent.last().unwrap();
    assert!(text.media.is_none());
    assert!(text.reply_markup.is_some());
    let whole = format!("{}\n{}", photo.caption.unwrap(), text.text.clone().unwrap());
    assert_eq!(whole, line.trim_end(), "no word of the caption is lost");
}

#[tokio::test]
async fn refusals_map_to_the_domains_errors_without_the_token() {
    let (tg, gw) = fake().await;
    let thread = gw.create_topic(&Label::new("Звіт").unwrap()).await.unwrap();
    // Not an image: Telegram cannot process it.
    let err = gw
        .send_photo(group(&tg), Some(thread), b"not a picture".to_vec(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChatError::Permanent(d) if d.contains("IMAGE_PROCESS_FAILED")),
        "{err:?}"
    );
    tg.delete_topic(thread.get());
    let err = gw
        .send_photo(group(&tg), Some(thread), tiny_png(), None)
        .await
        .unwrap_err();
    assert_eq!(err, ChatError::TopicGone);
    let olena = TgUser::new(8_000_000_001, "Олена");
    tg.client_text(&olena, "Привіт");
    tg.block_bot(olena.id);
    let client = ChatRef::Client(UserId::new(8_000_000_001).unwrap());
    let err = gw
        .send_photo(client, None, tiny_png(), None)
        .await
        .unwrap_err();
    assert_eq!(err, ChatError::Blocked);
    // A proxy's HTML page instead of Telegram's answer: try again later.
    tg.fail_next("sendPhoto", Failure::BadGatewayHtml);
    let err = gw
        .send_photo(group(&tg), None, tiny_png(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChatError::Transient(_)), "{err:?}");

    // Nobody listening: a transient failure whose text does not carry the token.
    let secret = tg.token().split_once(':').unwrap().1.to_owned();
    tg.stop().await;
    let err = gw
        .send_photo(group(&tg), None, tiny_png(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChatError::Transient(_)), "{err:?}");
    assert!(!err.to_string().contains(&secret), "{err}");
}
