//! One bot per database. Before it handles anything the bot takes the instance lease (see
//! `adapters_mysql::Database::claim_lease`); a second instance started on the same database
//! says so and waits until the lease is free — or, when the holder was a process on this host
//! that no longer runs (a crash and a restart), takes it over at once. The holder renews it at a third of its time; if
//! another instance has taken it over (this one was frozen or cut off from the database for
//! longer than the lease), this one stops rather than work alongside.

use adapters_mysql::{Database, LeaseStatus};
use chrono::{TimeDelta, Utc};
use std::time::Duration;
use tokio::sync::watch;

/// The lease's name: one bot per database.
const LEASE: &str = "bot";

/// A name for this process, shown to the instance that has to wait.
pub fn instance_name() -> String {
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!("{}:{}:{nanos:x}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned())
}

/// Whether `holder` (as made by [`instance_name`]) was a process on this host that no longer
/// runs. Only Linux's `/proc` can tell; elsewhere the lease is simply waited out.
fn died_on_this_host(holder: &str) -> bool {
    let mut parts = holder.rsplitn(3, ':');
    let (Some(_nonce), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if host != host_name()
        || pid == std::process::id()
        || !std::path::Path::new("/proc/self").exists()
    {
        return false;
    }
    // Only a pid that no longer exists counts: a live one might be a bot under another name,
    // and a reused pid merely means waiting the lease out.
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn ttl_delta(ttl: Duration) -> TimeDelta {
    TimeDelta::from_std(ttl).unwrap_or(TimeDelta::seconds(30))
}

/// Waits until this instance holds the lease. Database failures are retried: the bot cannot
/// work without its database anyway.
pub async fn acquire(db: &Database, holder: &str, ttl: Duration) {
    let mut told = false;
    loop {
        match db
            .claim_lease(LEASE, holder, ttl_delta(ttl), Utc::now())
            .await
        {
            Ok(LeaseStatus::Held { .. }) => {
                if told {
                    tracing::info!("the lease is free now: this instance takes over");
                }
                return;
            }
            Ok(LeaseStatus::HeldByOther {
                holder: other,
                until,
            }) => {
                if died_on_this_host(&other) {
                    // A crash and a restart (systemd, Docker): no need to wait out the lease.
                    tracing::info!(other = %other, "the previous instance on this host is gone; taking over");
                    match db
                        .take_over_lease(LEASE, holder, &other, ttl_delta(ttl), Utc::now())
                        .await
                    {
                        Ok(LeaseStatus::Held { .. }) => return,
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot take the lease over; retrying")
                        }
                    }
                }
                if !told {
                    tracing::warn!(
                        other = %other,
                        until = %until,
                        "another bot instance is working on this database; waiting for it to stop"
                    );
                    told = true;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot claim the instance lease; retrying"),
        }
        tokio::time::sleep(ttl / 3).await;
    }
}

/// Renews the lease until `stop`. Sets `lost` and returns when another
/// instance has taken it over or it ran out before it could be renewed.
pub async fn keep(
    db: Database,
    holder: String,
    ttl: Duration,
    lost: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut held_until = Utc::now() + ttl_delta(ttl);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(ttl / 3) => {}
            _ = stop.changed() => break,
        }
        let now = Utc::now();
        match db.claim_lease(LEASE, &holder, ttl_delta(ttl), now).await {
            Ok(LeaseStatus::Held { until }) => held_until = until,
            Ok(LeaseStatus::HeldByOther { holder: other, .. }) => {
                tracing::error!(other = %other, "another bot instance took over the database; stopping");
                let _ = lost.send(true);
                return;
            }
            Err(e) if now < held_until => {
                tracing::warn!(error = %e, "cannot renew the instance lease; retrying");
            }
            Err(e) => {
                tracing::error!(error = %e, "the instance lease ran out before it could be renewed; stopping");
                let _ = lost.send(true);
                return;
            }
        }
    }
}

/// Gives the lease up after a clean stop, so a successor need not wait for it to expire.
pub async fn release(db: &Database, holder: &str) {
    if let Err(e) = db.release_lease(LEASE, holder).await {
        tracing::warn!(error = %e, "cannot release the instance lease; it expires by itself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_process_on_this_host_is_recognised() {
        let host = host_name();
        // pid 0 never names a user process; /proc/0 does not exist.
        assert!(died_on_this_host(&format!("{host}:0:abc")));
        assert!(!died_on_this_host(&format!(
            "{host}:{}:abc",
            std::process::id()
        )));
        assert!(!died_on_this_host("another-host:0:abc"));
        assert!(!died_on_this_host("garbage"));
        // A hostname with colons still splits from the right.
        assert!(!died_on_this_host("a:b:c:0:abc"));
    }
}
