//! `fake-bot-api`: the fake Telegram Bot API as a process, so a human can run the real bot
//! against it (`TELEGRAM_API_URL=http://127.0.0.1:8081`), a bot written with another library
//! can be tried on it, and a benchmark can drive it.
//!
//! ```text
//! cargo run -p fake-telegram --bin fake-bot-api -- [--addr 127.0.0.1:8081] [--group -1001234567890]
//!     [--token-secret S] [--limits]
//! curl -XPOST localhost:8081/_fake/client/text -H 'content-type: application/json' \
//!      -d '{"user_id":8000000001,"first_name":"Олена","text":"Привіт"}'
//! curl 'localhost:8081/_fake/messages?thread_id=2'   # a topic; chat_id=… for a private chat
//! curl localhost:8081/_fake/topics ; curl localhost:8081/_fake/stats
//! ```
//! Other control routes: POST `/_fake/staff/text` `{user_id, thread_id?, text, reply_to?}`,
//! `/_fake/press` `{user_id, chat_id, message_id, data}`, `/_fake/raw` (an update),
//! `/_fake/block` `{user_id, blocked}`, `/_fake/limits` `{global_per_sec?, private_per_sec?,
//! group_per_min?}`; GET `/_fake/calls` (every API call, whatever its answer), `/_fake/files`
//! (every known file) and `/_fake/files/<file_id>` (the bytes the bot uploaded).
//! `--limits` switches on Telegram's rate limits (30/s, 1/s per private chat, 20/min per group).

use fake_telegram::{EnforcedLimits, FakeConfig, FakeTelegram};

fn usage() -> ! {
    eprintln!(
        "usage: fake-bot-api [--addr HOST:PORT] [--group CHAT_ID] [--token-secret S] [--limits]"
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut config = FakeConfig {
        addr: ([127, 0, 0, 1], 8081).into(),
        ..FakeConfig::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--addr" => config.addr = value().parse().unwrap_or_else(|_| usage()),
            "--group" => config.group_id = value().parse().unwrap_or_else(|_| usage()),
            "--token-secret" => config.token_secret = value(),
            "--limits" => config.limits = EnforcedLimits::telegram(),
            _ => usage(),
        }
    }
    let tg = match FakeTelegram::start(config).await {
        Ok(tg) => tg,
        Err(e) => {
            eprintln!("fake-bot-api: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    // Printed on purpose: this token is fake and the operator needs it to point the bot here.
    println!("fake Bot API on {}", tg.base_url());
    println!("TELEGRAM_API_URL={}", tg.base_url());
    println!("BOT_TOKEN={}", tg.token());
    println!("SUPPORT_GROUP_ID={}", tg.group_id());
    let _ = tokio::signal::ctrl_c().await;
    tg.stop().await;
}
