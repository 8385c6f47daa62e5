//! Operations end to end: `/healthz`, webhook mode (secret checked, stored before 200, a
//! repeated update handled once), `parents-bot check` and `migrate`, and start-up refusals.

use crate::harness::{Bench, client, copies};
use serde_json::{Value, json};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn get_json(url: &str) -> (u16, Value) {
    let resp = reqwest::get(url).await.expect("GET");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

#[tokio::test]
async fn healthz_reports_the_database_queue_and_last_update_and_no_secrets() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let url = format!("http://{}/healthz", bot.listen_addr());
    let (status, body) = get_json(&url).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["mode"], "polling");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["outbox_depth"], 0);
    assert_eq!(body["last_update_at"], Value::Null);
    assert!(!body.to_string().contains(bench.tg.token()));

    let sofia = client(8_600_000_001, "Софія", None);
    let m = bench.tg.client_text(&sofia, "Привіт");
    bench
        .wait("relayed", |s| {
            !copies(s, sofia.id as i64, m.message_id).is_empty()
        })
        .await;
    let (_, body) = get_json(&url).await;
    assert!(body["last_update_at"].is_string(), "{body}");
    bot.shutdown().await;
}

#[tokio::test]
async fn webhook_mode_checks_the_secret_stores_before_200_and_handles_a_repeat_once() {
    let mut bench = Bench::new().await;
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/tg/hook");
    let secret = "webhook-secret_Zirka-42";
    bench.set("LISTEN_ADDR", format!("127.0.0.1:{port}"));
    bench.set("WEBHOOK_URL", hook.clone());
    bench.set("WEBHOOK_SECRET", secret);
    let bot = bench.start().await;
    bench
        .wait("the webhook registered with its secret", |s| {
            s.webhook()
                .is_some_and(|w| w.url == hook && w.secret_token.as_deref() == Some(secret))
        })
        .await;

    // Telegram itself (the fake) delivers a client's message through the webhook.
    let taisa = client(8_600_000_002, "Таїса", None);
    let m = bench.tg.client_text(&taisa, "Через вебхук");
    bench
        .wait("relayed via the webhook", |s| {
            !copies(s, taisa.id as i64, m.message_id).is_empty()
        })
        .await;

    let http = reqwest::Client::new();
    let update = json!({"update_id": m.update_id, "message": {
        "message_id": m.message_id, "date": 0,
        "chat": {"id": taisa.id, "type": "private", "first_name": "Таїса"},
        "from": {"id": taisa.id, "is_bot": false, "first_name": "Таїса"},
        "text": "Через вебхук"
    }});
    let forged = json!({"update_id": m.update_id + 1000, "message": {
        "message_id": m.message_id, "date": 0,
        "chat": {"id": taisa.id, "type": "private", "first_name": "Таїса"},
        "from": {"id": taisa.id, "is_bot": false, "first_name": "Таїса"},
        "text": "Через вебхук"
    }});
    for header in [None, Some("wrong"), Some("webhook-secret_Zirka-4")] {
        let mut req = http.post(&hook).json(&forged);
        if let Some(h) = header {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", h);
        }
        let resp = req.send().await.expect("POST");
        assert_eq!(resp.status().as_u16(), 401, "secret {header:?}");
    }
    // The same update again, properly signed: accepted (Telegram must stop retrying) but
    // handled once.
    let resp = http
        .post(&hook)
        .header("X-Telegram-Bot-Api-Secret-Token", secret)
        .json(&update)
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 200);
    let resp = http
        .post(&hook)
        .header("X-Telegram-Bot-Api-Secret-Token", secret)
        .body("not an update")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status().as_u16(), 400);
    // Nothing refused above may have been stored or handled: one copy, as before.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(bench.copies_of(taisa.id as i64, m.message_id).len(), 1);
    assert_eq!(
        bench.tg.read(|s| s.polls_started()),
        0,
        "no polling in webhook mode"
    );
    bot.shutdown().await;
}

fn output(cmd: &mut std::process::Command) -> (i32, String) {
    let out = cmd.output().expect("parents-bot runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

// Multi-threaded: the child process talks to the fake, which must keep serving while this
// test blocks on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_what_is_wrong_and_migrate_fixes_the_schema() {
    let bench = Bench::new().await;
    let (code, text) = output(bench.command().arg("check"));
    // A fresh database only warns: the bot migrates at start.
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("warn database"), "{text}");
    assert!(text.contains("parents-bot migrate"), "{text}");

    let (code, text) = output(bench.command().arg("migrate"));
    assert_eq!(code, 0, "{text}");
    let (code, text) = output(bench.command().arg("check"));
    assert_eq!(code, 0, "{text}");
    for line in [
        "ok   config",
        "ok   database",
        "ok   telegram",
        "ok   group",
        "ok   topics",
        "ok   enote",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert!(
        !text.contains(bench.tg.token()),
        "the token is never printed"
    );

    bench.tg.set_bot_can_manage_topics(false);
    let (code, text) = output(bench.command().arg("check"));
    assert_ne!(code, 0);
    assert!(text.contains("FAIL group"), "{text}");
}

#[tokio::test]
async fn a_missing_or_invalid_setting_stops_start_up_with_one_line_naming_it() {
    let mut bench = Bench::new().await;
    bench.set("SUPPORT_GROUP_ID", "abc");
    let (code, text) = output(&mut bench.command());
    assert_ne!(code, 0);
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    assert!(text.contains("SUPPORT_GROUP_ID is invalid"), "{text}");

    let (code, text) = output(bench.command().env_remove("BOT_TOKEN"));
    assert_ne!(code, 0);
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    assert!(text.contains("BOT_TOKEN is not set"), "{text}");
}

// Multi-threaded: the fake keeps serving the child bots while this test blocks on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_waits_and_takes_over_when_the_first_dies() {
    let mut bench = Bench::new().await;
    bench.set("LEASE_TTL", "3");
    let mut first = bench.spawn();
    bench
        .wait("the first instance polls", |s| s.polls_started() > 0)
        .await;
    let mut second = bench.spawn();
    // Give the second one time to find the lease taken (and, wrongly, to start polling).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let vira = client(8_600_000_003, "Віра", None);
    let before: Vec<i32> = (1..=3)
        .map(|i| bench.tg.client_text(&vira, &format!("до {i}")).message_id)
        .collect();
    bench
        .wait("relayed by the first instance", |s| {
            before
                .iter()
                .all(|m| !copies(s, vira.id as i64, *m).is_empty())
        })
        .await;
    let conflicts = bench.tg.read(|s| {
        s.calls_of("getUpdates")
            .iter()
            .filter(|c| c.error_code == Some(409))
            .count()
    });
    assert_eq!(conflicts, 0, "the waiting instance never polls");

    // Let the first instance record its sends: a send whose outcome a SIGKILL cuts off may
    // be repeated (the kill tests cover that); this test is about the takeover.
    tokio::time::sleep(Duration::from_millis(500)).await;
    crate::harness::kill_hard(&mut first);
    let after = bench.tg.client_text(&vira, "після").message_id;
    bench
        .wait("relayed by the second instance", |s| {
            !copies(s, vira.id as i64, after).is_empty()
        })
        .await;
    for m in before.iter().chain([&after]) {
        assert_eq!(
            bench.copies_of(vira.id as i64, *m).len(),
            1,
            "message {m} once"
        );
    }
    assert!(crate::harness::terminate(&mut second).success());
    let logs = bench.child_logs();
    assert!(
        logs.contains("another bot instance is working on this database"),
        "the second instance says why it waits"
    );
}
