//! What an operator meets at the edges, end to end: a database URL that does not parse or a
//! database that refuses (named, the password never printed by `check`, `migrate` or `run`),
//! `check` on a fresh database (a warning, exit 0), logs without colour codes off a terminal,
//! and the HTTP listener holding its ground: a half-sent request is let go after the header
//! timeout, connections beyond the limit are closed at once, and a webhook call with a wrong
//! secret is refused before its body is read.

use crate::harness::Bench;
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// The password in every database URL below; it must never appear in any output.
const PASSWORD_MARK: &str = "Zirka";

/// How long a test waits for something the listener should do at once (a generous bound that
/// only a hang exceeds; the timeouts under test are far shorter).
const AT_ONCE: Duration = Duration::from_secs(5);

fn output(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("parents-bot runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn closed_port() -> u16 {
    // Bound and dropped: nothing listens there afterwards.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn a_database_url_that_does_not_parse_is_named_and_its_password_never_printed() {
    let mut bench = Bench::new().await;
    for url in [
        "mysql://pw_bot:Zirka#Secret42@127.0.0.1:3306/petwealth",
        "mysql://pw_bot:42#ZirkaSecret@127.0.0.1:3306/petwealth",
        "mysql://pw_bot:Zirka/Secret42@127.0.0.1:3306/petwealth",
        "mysql://pw_bot:42/ZirkaSecret@127.0.0.1:3306/petwealth",
        "mysql://pw_bot:Zirka?Secret42@127.0.0.1:3306/petwealth",
        "mysql://pw_bot:ZirkaSecret42@127.0.0.1:99999/petwealth",
        "mysql://pw_bot:ZirkaSecret42@127.0.0.1:abc/petwealth",
    ] {
        bench.set("DATABASE_URL", url);
        for command in ["check", "migrate", "run"] {
            let (code, text) = output(bench.command().arg(command));
            assert_eq!(code, 2, "{command} with {url}:\n{text}");
            assert_eq!(text.trim().lines().count(), 1, "{command}: {text}");
            assert!(
                text.starts_with("parents-bot: DATABASE_URL is invalid: "),
                "{command}: {text}"
            );
            assert!(
                !text.contains(PASSWORD_MARK),
                "{command} with {url}: {text}"
            );
            assert!(!text.contains("Secret42"), "{command} with {url}: {text}");
        }
    }
}

// Multi-threaded: `check` talks to the fake Bot API while this test blocks on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_never_gets_its_password_printed() {
    let mut bench = Bench::new().await;
    let mut urls = vec![format!(
        "mysql://pw_bot:Zirka%23Secret-42@127.0.0.1:{}/petwealth",
        closed_port()
    )];
    // A real server refusing the password, when one is at hand.
    if let Ok(root) = std::env::var("TEST_MYSQL_URL")
        && let Ok(mut url) = url::Url::parse(&root)
        && url.set_password(Some("Zirka-Secret-42")).is_ok()
    {
        urls.push(url.to_string());
    }
    for url in urls {
        bench.set("DATABASE_URL", url.clone());
        let (code, text) = output(bench.command().arg("check"));
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("FAIL database  cannot connect"), "{text}");
        assert!(!text.contains(PASSWORD_MARK), "{url}: {text}");
        for command in ["migrate", "run"] {
            let (code, text) = output(bench.command().arg(command));
            assert_eq!(code, 1, "{command}: {text}");
            assert!(
                text.contains("cannot open the database"),
                "{command}: {text}"
            );
            assert!(
                !text.contains(PASSWORD_MARK),
                "{command} with {url}: {text}"
            );
        }
    }
}

// Multi-threaded: the child process talks to the fake, which must keep serving while this
// test blocks on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_on_a_fresh_database_warns_that_the_migrations_come_at_start_and_passes() {
    let bench = Bench::new().await;
    let (code, text) = output(bench.command().arg("check"));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "warn database  reachable, no schema yet: the migrations will be applied at start"
        ),
        "{text}"
    );
    assert!(!text.contains("FAIL"), "{text}");
    // And once migrated, the warning is gone.
    let (code, text) = output(bench.command().arg("migrate"));
    assert_eq!(code, 0, "{text}");
    let (code, text) = output(bench.command().arg("check"));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ok   database  reachable, schema up to date"),
        "{text}"
    );
}

#[tokio::test]
async fn logs_carry_no_colour_codes_when_not_on_a_terminal() {
    let bench = Bench::new().await;
    // Output goes to a pipe here, as under systemd or Docker.
    let (code, text) = output(bench.command().arg("migrate"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("database is up to date"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in: {text:?}");
}

/// Reads until the server closes the connection (or resets it); what it said, and whether it
/// closed within `within`.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let read = timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

/// The status line's code of an answer, read from the start of the stream.
async fn status_of(stream: &mut TcpStream, within: Duration) -> Option<u16> {
    let mut seen = Vec::new();
    timeout(within, async {
        let mut buf = [0u8; 1024];
        while !seen.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()?;
    let line = String::from_utf8_lossy(&seen);
    line.split(' ').nth(1)?.parse().ok()
}

const HALF_A_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: bot\r\n";

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let mut bench = Bench::new().await;
    bench.set("LISTEN_HEADER_TIMEOUT", "500ms");
    let bot = bench.start().await;
    let addr = bot.listen_addr();

    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(HALF_A_HEAD).await.unwrap();
    let started = Instant::now();
    let closed = until_closed(&mut slow, AT_ONCE).await;
    assert!(closed.is_some(), "the half-sent request is still open");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "closed before the timeout: {:?}",
        started.elapsed()
    );

    // An idle kept-alive connection gets the same.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(status_of(&mut idle, AT_ONCE).await, Some(200));
    assert!(
        until_closed(&mut idle, AT_ONCE).await.is_some(),
        "an idle connection is kept open"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_at_once() {
    const LIMIT: usize = 8;
    const TOTAL: usize = 300;
    let mut bench = Bench::new().await;
    bench.set("LISTEN_MAX_CONNECTIONS", LIMIT.to_string());
    // Long: whatever is closed below is closed for the limit, not for the timeout.
    bench.set("LISTEN_HEADER_TIMEOUT", "60s");
    let bot = bench.start().await;
    let addr = bot.listen_addr();

    // The listener accepts in the order connections were made: the first LIMIT take the slots.
    let mut held = Vec::new();
    for _ in 0..LIMIT {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(HALF_A_HEAD).await.unwrap();
        held.push(s);
    }
    let mut extra = tokio::task::JoinSet::new();
    for _ in LIMIT..TOTAL {
        let mut s = TcpStream::connect(addr).await.unwrap();
        // The server may already have closed it; the write is best effort.
        let _ = s.write_all(HALF_A_HEAD).await;
        extra.spawn(async move { until_closed(&mut s, AT_ONCE).await.is_some() });
    }
    let mut still_open = 0;
    while let Some(closed) = extra.join_next().await {
        if !closed.unwrap() {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "connections beyond the limit were held open");

    // The held ones were served all along: finishing their requests gets answers.
    for s in &mut held {
        s.write_all(b"\r\n").await.unwrap();
        assert_eq!(status_of(s, AT_ONCE).await, Some(200));
    }
    drop(held);
    // Their slots are free again once they are gone.
    let url = format!("http://{addr}/healthz");
    let deadline = Instant::now() + AT_ONCE;
    loop {
        match reqwest::get(&url).await {
            Ok(r) if r.status() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("the listener does not take connections again: {other:?}"),
        }
    }
    bot.shutdown().await;
}

/// A webhook call that declares `length` bytes of body and sends only a few.
fn unfinished_post(secret: Option<&str>, length: u64) -> Vec<u8> {
    let mut head = format!(
        "POST /tg/hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n"
    );
    if let Some(s) = secret {
        head.push_str(&format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"));
    }
    head.push_str("\r\n{\"update_id\": 1,");
    head.into_bytes()
}

#[tokio::test]
async fn a_webhook_call_with_a_wrong_secret_is_refused_before_its_body_is_read() {
    let mut bench = Bench::new().await;
    let secret = "webhook-secret_Zirka-42";
    // Only the path counts here: the calls below go straight to the listener.
    bench.set("WEBHOOK_URL", "https://bot.example/tg/hook");
    bench.set("WEBHOOK_SECRET", secret);
    bench.set("LISTEN_REQUEST_TIMEOUT", "1s");
    let bot = bench.start().await;
    let addr = bot.listen_addr();

    let ask = |request: Vec<u8>| async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&request).await.unwrap();
        let started = Instant::now();
        let status = status_of(&mut s, AT_ONCE).await;
        (status, started.elapsed())
    };
    // Under the body cap and far over it. Were the body waited for, the answer would be the
    // request timeout's 408 (or the cap's 413), not 401.
    for length in [500_000, 10_000_000_000] {
        for given in [None, Some("wrong"), Some("webhook-secret_Zirka-4")] {
            let (status, _) = ask(unfinished_post(given, length)).await;
            assert_eq!(
                status,
                Some(401),
                "secret {given:?}, {length} bytes declared"
            );
        }
    }
    // The right secret with a body over the cap: refused without reading it.
    let (status, _) = ask(unfinished_post(Some(secret), 10_000_000_000)).await;
    assert_eq!(status, Some(413));
    // The right secret, a body that never comes: the whole-request timeout ends it.
    let (status, took) = ask(unfinished_post(Some(secret), 500_000)).await;
    assert_eq!(status, Some(408));
    assert!(took >= Duration::from_millis(900), "{took:?}");
    bot.shutdown().await;
}
