//! `logs/enote_link.log`: one JSON object a line for every step of `/enote_link` (the fields are
//! in docs/product-rules.md, "Linking a client to Enote").

use async_trait::async_trait;
use domain::ports::{LinkEvent, LinkEventLog};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Appends link events to a file.
pub struct FileLinkLog {
    path: PathBuf,
    // One writer at a time keeps lines whole; the file is opened per event so log rotation
    // (logrotate's move-and-create) needs no signal.
    lock: Mutex<()>,
}

impl FileLinkLog {
    /// A log at `dir/enote_link.log` (the directory is created if missing).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            path: dir.join("enote_link.log"),
            lock: Mutex::new(()),
        })
    }

    fn append(&self, line: &str) -> std::io::Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(file, "{line}")
    }
}

#[async_trait]
impl LinkEventLog for FileLinkLog {
    async fn record(&self, event: LinkEvent) {
        let line = match serde_json::to_string(&event) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot encode a link event");
                return;
            }
        };
        if let Err(e) = self.append(&line) {
            tracing::warn!(error = %e, path = %self.path.display(), "cannot write the link log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::{ThreadId, UserId};
    use domain::ports::LinkEventKind;

    #[tokio::test]
    async fn events_are_json_lines() {
        let dir = std::env::temp_dir().join(format!("parents-linklog-{}", std::process::id()));
        let log = FileLinkLog::new(&dir).unwrap();
        for kind in [LinkEventKind::Preview, LinkEventKind::Linked] {
            log.record(LinkEvent {
                ts: chrono::Utc::now(),
                event: kind,
                chat: -100,
                thread: ThreadId::new(7).unwrap(),
                client: UserId::new(500).unwrap(),
                actor: UserId::new(600).unwrap(),
                contract: Some("1001".into()),
                owner_key: None,
                error: None,
            })
            .await;
        }
        let text = std::fs::read_to_string(dir.join("enote_link.log")).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "preview");
        assert_eq!(lines[1]["event"], "linked");
        assert_eq!(lines[1]["contract"], "1001");
        assert_eq!(lines[1]["thread"], 7);
        std::fs::remove_dir_all(dir).ok();
    }
}
