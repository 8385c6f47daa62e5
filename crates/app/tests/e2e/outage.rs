//! The database goes away mid-burst and comes back (docs/product-rules.md: reliability): nothing is lost, nothing sent
//! twice. MariaDB sits behind a TCP proxy the test can cut — stopping the shared server would
//! disturb the other tests running beside this one.

use crate::harness::{Backend, Bench, PROMPT, client, copies, relayed_sources};
use fake_telegram::FakeConfig;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy whose link can be cut: open connections are dropped and new ones refused.
struct Proxy {
    addr: SocketAddr,
    cut: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let (cut, cut_rx) = watch::channel(false);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if *cut_rx.borrow() {
                    continue; // dropped: the database is "down"
                }
                let target = target.clone();
                let mut cut_rx = cut_rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.wait_for(|c| *c) => {}
                    }
                });
            }
        });
        Proxy { addr, cut }
    }

    fn set_down(&self, down: bool) {
        let _ = self.cut.send(down);
    }
}

// Multi-threaded: the proxy, the fake and the bot all run in this process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_going_away_mid_burst_loses_and_repeats_nothing() {
    let Some(mut bench) = Bench::with(FakeConfig::default(), Backend::MariaDb).await else {
        eprintln!("e2e[mariadb] database outage: SKIPPED (TEST_MYSQL_URL is not set)");
        return;
    };
    // mysql://user@host:port/db → the same through the proxy.
    let url = bench.database_url().to_owned();
    let (head, rest) = url.split_once('@').expect("user@host in TEST_MYSQL_URL");
    let (authority, db) = rest.split_once('/').expect("a database in the URL");
    let proxy = Proxy::start(authority.to_owned()).await;
    bench.set("DATABASE_URL", format!("{head}@{}/{db}", proxy.addr));
    let bot = bench.start().await;

    let clients = [
        client(8_700_000_001, "Олег", None),
        client(8_700_000_002, "Поліна", None),
    ];
    let mut sent = vec![Vec::new(), Vec::new()];
    let send = |bench: &Bench, sent: &mut Vec<Vec<i32>>, from: usize, to: usize| {
        for i in from..=to {
            for (c, user) in clients.iter().enumerate() {
                sent[c].push(bench.tg.client_text(user, &format!("№{i}")).message_id);
            }
        }
    };
    let relayed = |s: &fake_telegram::State, sent: &[Vec<i32>]| -> usize {
        clients
            .iter()
            .zip(sent)
            .map(|(u, ids)| {
                ids.iter()
                    .filter(|m| !copies(s, u.id as i64, **m).is_empty())
                    .count()
            })
            .sum()
    };
    send(&bench, &mut sent, 1, 8);
    let first_part = sent.clone();
    bench
        .wait("part of the burst relayed", |s| {
            relayed(s, &first_part) >= 4
        })
        .await;

    proxy.set_down(true);
    // Clients keep writing while the database is away.
    send(&bench, &mut sent, 9, 12);
    tokio::time::sleep(Duration::from_secs(4)).await;
    proxy.set_down(false);

    assert!(
        bench
            .tg
            .wait_until(PROMPT * 3, |s| relayed(s, &sent) == 24)
            .await,
        "everything relayed once the database is back"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (user, ids) in clients.iter().zip(&sent) {
        let (sources, _) = relayed_sources(&bench, user);
        assert_eq!(&sources, ids, "{}: each once, in order", user.first_name);
    }
    bot.shutdown().await;
}
