//! Methods a support bot uses beyond the ones ours does, as another bot library calls them:
//! forwardMessage(s), sendPhoto and sendDocument with multipart/form-data uploads (the bytes
//! kept and served back), getFile and downloads; and the call log, which holds every call —
//! modelled or not, answered or refused — while an unmodelled method is answered 404 exactly as
//! Telegram does.

use fake_telegram::{AttachmentKind, Failure, FakeConfig, FakeTelegram, TgUser};
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::input_file::{FileUpload, InputFile};
use frankenstein::methods::{
    CreateForumTopicParams, ForwardMessageParams, ForwardMessagesParams, GetFileParams,
    SendDocumentParams, SendPhotoParams,
};
use frankenstein::types::{ChatId, MessageOrigin};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::path::PathBuf;

async fn fake() -> (FakeTelegram, Bot) {
    let tg = FakeTelegram::start(FakeConfig::default())
        .await
        .expect("fake starts");
    let bot = Bot::new_url(tg.api_url());
    (tg, bot)
}

fn olena() -> TgUser {
    TgUser::new(8_000_000_001, "Олена").with_username("olena")
}

fn chat(id: i64) -> ChatId {
    ChatId::Integer(id)
}

async fn create_topic(bot: &Bot, tg: &FakeTelegram, name: &str) -> i32 {
    let p = CreateForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .name(name)
        .build();
    bot.create_forum_topic(&p)
        .await
        .unwrap()
        .result
        .message_thread_id
}

/// POSTs a multipart form to a method; returns the HTTP status and the JSON body.
async fn post_form(tg: &FakeTelegram, method: &str, form: Form) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/{method}", tg.api_url()))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// POSTs JSON parameters to a method; returns the HTTP status and the JSON body.
async fn post_json(tg: &FakeTelegram, method: &str, params: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/{method}", tg.api_url()))
        .json(params)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn get_bytes(url: String) -> (u16, Option<String>, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

fn photo_part(bytes: &[u8], name: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str("image/png")
        .unwrap()
}

// ---- a PNG made and decoded by hand (deflate "stored" blocks: no compressor needed) ----

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffff_u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn pixel(x: u32, y: u32) -> [u8; 3] {
    [(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8]
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A `w`×`h` RGB PNG whose pixel (x, y) is [`pixel`].
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut z = vec![0x78, 0x01];
    let mut blocks = raw.chunks(65_535).peekable();
    while let Some(block) = blocks.next() {
        z.push(u8::from(blocks.peek().is_none()));
        let len = u16::try_from(block.len()).unwrap();
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &z);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// Decodes a PNG as [`png`] makes it, checking every CRC and the Adler-32: `(w, h, rows)`.
fn decode_png(b: &[u8]) -> (u32, u32, Vec<Vec<[u8; 3]>>) {
    assert!(b.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    let be32 = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
    let (mut w, mut h, mut idat, mut i) = (0, 0, Vec::new(), 8);
    while i < b.len() {
        let len = be32(i) as usize;
        assert_eq!(
            be32(i + 8 + len),
            crc32(&b[i + 4..i + 8 + len]),
            "chunk CRC"
        );
        let data = &b[i + 8..i + 8 + len];
        match &b[i + 4..i + 8] {
            b"IHDR" => {
                (w, h) = (be32(i + 8), be32(i + 12));
                assert_eq!(&data[8..10], &[8, 2], "8-bit RGB");
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        i += 12 + len;
    }
    let (mut raw, mut j) = (Vec::new(), 2);
    loop {
        assert_eq!(idat[j] & 0b110, 0, "a stored block");
        let last = idat[j] & 1 == 1;
        let len = usize::from(u16::from_le_bytes([idat[j + 1], idat[j + 2]]));
        raw.extend_from_slice(&idat[j + 5..j + 5 + len]);
        j += 5 + len;
        if last {
            break;
        }
    }
    assert_eq!(
        u32::from_be_bytes(idat[j..j + 4].try_into().unwrap()),
        adler32(&raw)
    );
    let rows = raw
        .chunks(1 + 3 * w as usize)
        .map(|row| {
            assert_eq!(row[0], 0, "filter type None");
            row[1..].chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
        })
        .collect::<Vec<Vec<_>>>();
    assert_eq!(rows.len(), h as usize);
    (w, h, rows)
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-telegram-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

// ---- forwardMessage(s) ----

#[tokio::test]
async fn forward_message_keeps_the_sender_in_forward_origin() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "<b>не</b> тег, просто текст");
    let thread = create_topic(&bot, &tg, "Олена").await;

    // As frankenstein sees it: a Message from the bot whose forward_origin is Olena.
    let p = ForwardMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(a.chat_id))
        .message_id(a.message_id)
        .build();
    let m = bot.forward_message(&p).await.unwrap().result;
    assert_eq!(m.message_thread_id, Some(thread));
    assert_eq!(m.text.as_deref(), Some("<b>не</b> тег, просто текст"));
    assert!(m.from.as_ref().unwrap().is_bot);
    let Some(origin) = m.forward_origin.as_deref() else {
        panic!("no forward_origin")
    };
    let MessageOrigin::User(origin) = origin else {
        panic!("{origin:?}")
    };
    assert_eq!(origin.sender_user.id, olena().id);
    assert_eq!(origin.sender_user.first_name, "Олена");
    let original = tg.message(a.chat_id, a.message_id).unwrap();
    assert_eq!(origin.date, original.date);

    // Stored as a forward, not a copy.
    let stored = tg.message(tg.group_id(), m.message_id).unwrap();
    assert_eq!(stored.forwarded_from, Some((a.chat_id, a.message_id)));
    assert_eq!(stored.copied_from, None);
    assert!(stored.by_bot);

    // The raw JSON another library decodes.
    let (status, raw) = post_json(
        &tg,
        "forwardMessage",
        &json!({"chat_id": a.chat_id, "from_chat_id": a.chat_id, "message_id": a.message_id}),
    )
    .await;
    assert_eq!(status, 200);
    let origin = &raw["result"]["forward_origin"];
    assert_eq!(origin["type"], "user");
    assert_eq!(origin["sender_user"]["id"], olena().id);
    assert_eq!(origin["sender_user"]["username"], "olena");
    assert_eq!(raw["result"]["from"]["id"], tg.bot_user().id);
    assert_eq!(raw["result"]["chat"]["id"], a.chat_id);
}

#[tokio::test]
async fn a_forwarded_forward_keeps_the_first_origin_and_albums_stay_albums() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Олена").await;
    let photo = tg.client_photo(&olena(), Some("лапа"));
    let once = ForwardMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(photo.chat_id))
        .message_id(photo.message_id)
        .build();
    let first = bot.forward_message(&once).await.unwrap().result;
    assert_eq!(first.caption.as_deref(), Some("лапа"));
    assert_eq!(first.photo.as_ref().map(Vec::len), Some(2));
    let twice = ForwardMessageParams::builder()
        .chat_id(chat(photo.chat_id))
        .from_chat_id(chat(tg.group_id()))
        .message_id(first.message_id)
        .build();
    let second = bot.forward_message(&twice).await.unwrap().result;
    let Some(MessageOrigin::User(origin)) = second.forward_origin.as_deref() else {
        panic!("{:?}", second.forward_origin)
    };
    assert_eq!(
        origin.sender_user.id,
        olena().id,
        "the first origin, not the bot"
    );

    let album = tg.client_album(&olena(), 3, Some("рентген"));
    let p = ForwardMessagesParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(photo.chat_id))
        .message_ids(album.iter().map(|i| i.message_id).collect())
        .build();
    let ids = bot.forward_messages(&p).await.unwrap().result;
    assert_eq!(ids.len(), 3);
    let forwarded: Vec<_> = ids
        .iter()
        .map(|id| tg.message(tg.group_id(), id.message_id).unwrap())
        .collect();
    assert!(forwarded.iter().all(|m| m.forward_origin.is_some()));
    let group = forwarded[0].media_group_id.clone();
    assert!(group.is_some() && forwarded.iter().all(|m| m.media_group_id == group));
    assert_eq!(forwarded[0].media_kind(), Some(AttachmentKind::Photo));
}

#[tokio::test]
async fn forward_message_refusals_read_like_telegrams() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let thread = create_topic(&bot, &tg, "Олена").await;
    let cases = [
        (
            json!({"chat_id": tg.group_id(), "from_chat_id": a.chat_id, "message_id": 99}),
            "Bad Request: message to forward not found",
        ),
        (
            json!({"chat_id": tg.group_id(), "from_chat_id": 8_000_000_777_i64, "message_id": 1}),
            "Bad Request: chat not found",
        ),
        (
            // The topic's root is a service message.
            json!({"chat_id": a.chat_id, "from_chat_id": tg.group_id(), "message_id": thread}),
            "Bad Request: message can't be forwarded",
        ),
        (
            json!({"chat_id": tg.group_id(), "message_thread_id": 4242,
                "from_chat_id": a.chat_id, "message_id": a.message_id}),
            "Bad Request: message thread not found",
        ),
    ];
    for (params, description) in cases {
        let (status, body) = post_json(&tg, "forwardMessage", &params).await;
        assert_eq!(status, 400, "{params}");
        assert_eq!(body["description"], description, "{params}");
    }
    assert_eq!(tg.calls_of("forwardMessage").len(), 4);
}

// ---- sendPhoto / sendDocument ----

#[tokio::test]
async fn send_photo_multipart_upload_answers_the_sizes_and_keeps_the_png() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Звіти").await;
    let image = png(400, 300);
    let form = Form::new()
        .text("chat_id", tg.group_id().to_string())
        .text("message_thread_id", thread.to_string())
        .text("caption", "<b>Звернення</b> за тиждень")
        .text("parse_mode", "HTML")
        .text(
            "reply_markup",
            json!({"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}).to_string(),
        )
        .part("photo", photo_part(&image, "chart.png"));
    let (status, body) = post_form(&tg, "sendPhoto", form).await;
    assert_eq!(status, 200, "{body}");
    let m = &body["result"];
    assert_eq!(m["message_thread_id"], thread);
    assert_eq!(m["caption"], "Звернення за тиждень");
    assert_eq!(m["caption_entities"][0]["type"], "bold");
    assert_eq!(
        m["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "ok"
    );
    // Telegram's sizes: thumbnails and the original, each its own file_id.
    let sizes = m["photo"].as_array().unwrap();
    let dims: Vec<_> = sizes
        .iter()
        .map(|s| (s["width"].as_u64().unwrap(), s["height"].as_u64().unwrap()))
        .collect();
    assert_eq!(dims, vec![(90, 67), (320, 240), (400, 300)]);
    let largest = &sizes[2];
    assert_eq!(largest["file_size"], image.len());
    let file_id = largest["file_id"].as_str().unwrap();
    assert_ne!(sizes[0]["file_id"], largest["file_id"]);

    // The control API serves the upload back; it decodes to the very pixels sent.
    let (status, ctype, served) =
        get_bytes(format!("{}/_fake/files/{file_id}", tg.base_url())).await;
    assert_eq!((status, ctype.as_deref()), (200, Some("image/png")));
    assert_eq!(served, image);
    let (w, h, rows) = decode_png(&served);
    assert_eq!((w, h), (400, 300));
    assert_eq!(rows[299][399], pixel(399, 299));
    assert_eq!(rows[7][300], pixel(300, 7));
    assert_eq!(tg.file_bytes(file_id).as_deref(), Some(image.as_slice()));

    // And so do getFile and the download URL, as on api.telegram.org.
    let f = bot
        .get_file(&GetFileParams::builder().file_id(file_id).build())
        .await
        .unwrap()
        .result;
    let path = f.file_path.unwrap();
    assert!(
        path.starts_with("photos/") && path.ends_with(".png"),
        "{path}"
    );
    let (status, _, downloaded) =
        get_bytes(format!("{}/file/bot{}/{path}", tg.base_url(), tg.token())).await;
    assert_eq!((status, downloaded == image), (200, true));

    // The message is stored with its media and listed by /_fake/messages.
    let stored = tg.thread_messages(Some(thread));
    let photo = stored.last().unwrap();
    assert_eq!(photo.media_kind(), Some(AttachmentKind::Photo));
    assert!(photo.by_bot);
    let listed: Value = reqwest::get(format!(
        "{}/_fake/messages?thread_id={thread}",
        tg.base_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        listed.as_array().unwrap().last().unwrap()["media"]["kind"],
        "photo"
    );
    let files: Value = reqwest::get(format!("{}/_fake/files", tg.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn send_photo_by_attach_or_file_id_and_its_refusals() {
    let (tg, _bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let image = png(64, 48);
    // attach://<part>, as some libraries send it.
    let form = Form::new()
        .text("chat_id", a.chat_id.to_string())
        .text("photo", "attach://upload1")
        .part("upload1", photo_part(&image, "small.png"));
    let (status, body) = post_form(&tg, "sendPhoto", form).await;
    assert_eq!(status, 200, "{body}");
    let sizes = body["result"]["photo"].as_array().unwrap().clone();
    assert_eq!(sizes.len(), 1, "no thumbnail larger than the original");
    let uploaded = sizes[0]["file_id"].as_str().unwrap().to_owned();

    // Again by file_id (JSON): the same sizes.
    let (status, again) = post_json(
        &tg,
        "sendPhoto",
        &json!({"chat_id": a.chat_id, "photo": uploaded, "caption": "ще раз"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["result"]["photo"], json!(sizes));
    // A client's photo by its file_id too.
    let client_photo = tg.client_photo(&olena(), None);
    let theirs = tg
        .message(client_photo.chat_id, client_photo.message_id)
        .unwrap()
        .media
        .unwrap()
        .json[1]["file_id"]
        .clone();
    let (status, _) = post_json(
        &tg,
        "sendPhoto",
        &json!({"chat_id": a.chat_id, "photo": theirs}),
    )
    .await;
    assert_eq!(status, 200);
    // …but it has no bytes to serve.
    let (status, _, _) = get_bytes(format!(
        "{}/_fake/files/{}",
        tg.base_url(),
        theirs.as_str().unwrap()
    ))
    .await;
    assert_eq!(status, 400);

    let doc = tg.client_document(&olena(), "аналізи.pdf", None);
    let doc_id = tg
        .message(doc.chat_id, doc.message_id)
        .unwrap()
        .media
        .unwrap()
        .json["file_id"]
        .clone();
    let refusals = [
        (
            Form::new().text("chat_id", a.chat_id.to_string()),
            "Bad Request: there is no photo in the request",
        ),
        (
            Form::new()
                .text("chat_id", a.chat_id.to_string())
                .part("photo", photo_part(b"%PDF-1.7 not an image", "x.png")),
            "Bad Request: IMAGE_PROCESS_FAILED",
        ),
        (
            Form::new()
                .text("chat_id", a.chat_id.to_string())
                .part("photo", photo_part(&png(4000, 100), "strip.png")),
            "Bad Request: PHOTO_INVALID_DIMENSIONS",
        ),
        (
            Form::new()
                .text("chat_id", a.chat_id.to_string())
                .text("photo", "AgACno-such-file"),
            "Bad Request: wrong file identifier/HTTP URL specified",
        ),
        (
            Form::new()
                .text("chat_id", a.chat_id.to_string())
                .text("photo", doc_id.as_str().unwrap().to_owned()),
            "Bad Request: type of file mismatch",
        ),
        (
            Form::new()
                .text("chat_id", "8000000999")
                .part("photo", photo_part(&image, "a.png")),
            "Bad Request: chat not found",
        ),
    ];
    for (form, description) in refusals {
        let (status, body) = post_form(&tg, "sendPhoto", form).await;
        assert_eq!(
            (status, body["description"].as_str()),
            (400, Some(description))
        );
    }
    // A refused upload leaves nothing behind.
    assert_eq!(tg.bot_messages(a.chat_id).len(), 3);
}

#[tokio::test]
async fn send_document_multipart_and_frankensteins_uploads() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let csv = "дата,звернення\n2025-01-06,14\n".as_bytes().to_vec();
    let form = Form::new()
        .text("chat_id", a.chat_id.to_string())
        .text("caption", "Звіт")
        .part(
            "document",
            Part::bytes(csv.clone())
                .file_name("звіт за тиждень.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let (status, body) = post_form(&tg, "sendDocument", form).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["result"]["document"];
    assert_eq!(d["file_name"], "звіт за тиждень.csv");
    assert_eq!(d["mime_type"], "text/csv");
    assert_eq!(d["file_size"], csv.len());
    assert_eq!(body["result"]["caption"], "Звіт");
    let id = d["file_id"].as_str().unwrap();
    assert_eq!(tg.file_bytes(id), Some(csv.clone()));
    assert_eq!(tg.file(id).unwrap().kind, AttachmentKind::Document);

    // frankenstein's own multipart (a file path; the part has no Content-Type: the name tells).
    let pdf = temp_file("аналізи.pdf", b"%PDF-1.4 fake");
    let p = SendDocumentParams::builder()
        .chat_id(chat(a.chat_id))
        .document(FileUpload::InputFile(InputFile { path: pdf.clone() }))
        .build();
    let doc = bot
        .send_document(&p)
        .await
        .unwrap()
        .result
        .document
        .unwrap();
    assert_eq!(doc.file_name.as_deref(), Some("аналізи.pdf"));
    assert_eq!(doc.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        tg.file_bytes(&doc.file_id).as_deref(),
        Some(&b"%PDF-1.4 fake"[..])
    );
    let image = png(1600, 900);
    let chart = temp_file("chart.png", &image);
    let p = SendPhotoParams::builder()
        .chat_id(chat(a.chat_id))
        .photo(FileUpload::InputFile(InputFile {
            path: chart.clone(),
        }))
        .caption("графік")
        .build();
    let sent = bot.send_photo(&p).await.unwrap().result;
    let sizes = sent.photo.unwrap();
    let dims: Vec<_> = sizes.iter().map(|s| (s.width, s.height)).collect();
    assert_eq!(
        dims,
        vec![(90, 50), (320, 180), (800, 450), (1280, 720), (1600, 900)]
    );
    let largest = sizes.last().unwrap();
    let (w, h, _) = decode_png(&tg.file_bytes(&largest.file_id).unwrap());
    assert_eq!((w, h), (1600, 900));
    // The fake does not resample: a thumbnail's file_id serves the upload too.
    assert_eq!(tg.file_bytes(&sizes[0].file_id), Some(image));
    let _ = std::fs::remove_file(pdf);
    let _ = std::fs::remove_file(chart);

    // An empty upload, and getFile of an unknown file_id.
    let form = Form::new()
        .text("chat_id", a.chat_id.to_string())
        .part("document", Part::bytes(Vec::new()).file_name("empty.txt"));
    let (status, body) = post_form(&tg, "sendDocument", form).await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: file must be non-empty"))
    );
    let (status, body) = post_json(&tg, "getFile", &json!({"file_id": "nope"})).await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: invalid file_id"))
    );
}

// ---- methods the fake does not model; the call log ----

#[tokio::test]
async fn unmodelled_methods_answer_404_like_telegram_and_every_call_is_logged() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let http = reqwest::Client::new();
    let not_found = json!({"ok": false, "error_code": 404, "description": "Not Found"});

    // JSON, a query string, a multipart upload, a deeper path: all 404 "Not Found".
    let (status, body) = post_json(
        &tg,
        "sendPoll",
        &json!({"chat_id": a.chat_id, "question": "?", "options": ["a", "b"]}),
    )
    .await;
    assert_eq!((status, &body), (404, &not_found));
    let r = http
        .get(format!(
            "{}/setChatTitle?chat_id={}&title=x",
            tg.api_url(),
            tg.group_id()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap(), not_found);
    let form = Form::new()
        .text("chat_id", a.chat_id.to_string())
        .part("voice", Part::bytes(b"OggS".to_vec()).file_name("v.ogg"));
    let (status, body) = post_form(&tg, "sendVoice", form).await;
    assert_eq!((status, &body), (404, &not_found));
    let r = http
        .post(format!("{}/getMe/extra", tg.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap(), not_found);

    // Modelled ones: a success, a refusal, an injected fault, a wrong token.
    bot.get_me().await.unwrap();
    let (status, _) = post_json(&tg, "sendMessage", &json!({"chat_id": a.chat_id})).await;
    assert_eq!(status, 400);
    tg.fail_next("sendMessage", Failure::InternalServerError);
    let (status, _) = post_json(
        &tg,
        "sendMessage",
        &json!({"chat_id": a.chat_id, "text": "x"}),
    )
    .await;
    assert_eq!(status, 500);
    let r = http
        .post(format!("{}/bot1:wrong/getMe", tg.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let calls: Value = http
        .get(format!("{}/_fake/calls", tg.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seen: Vec<(String, bool, Option<u64>)> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["method"].as_str().unwrap().to_owned(),
                c["ok"].as_bool().unwrap(),
                c["error_code"].as_u64(),
            )
        })
        .collect();
    let expected = [
        ("sendPoll", false, Some(404)),
        ("setChatTitle", false, Some(404)),
        ("sendVoice", false, Some(404)),
        ("getMe/extra", false, Some(404)),
        ("getMe", true, None),
        ("sendMessage", false, Some(400)),
        ("sendMessage", false, Some(500)),
        ("getMe", false, Some(401)),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(m, ok, code)| ((*m).to_owned(), *ok, *code))
        .collect();
    assert_eq!(seen, expected);
    let log = tg.calls();
    assert_eq!(log[0].chat_id, Some(a.chat_id), "parameters still read");
    assert_eq!(log[1].chat_id, Some(tg.group_id()));
    assert_eq!(log[6].fault.as_deref(), Some("500"));
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
}
