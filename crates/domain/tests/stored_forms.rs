//! The stored forms of the enums the database keeps as JSON: `Outbound` (the outbox's `action`)
//! and `LinkState` (a pending link's `state`). Rows written by an earlier version must still
//! decode: a renamed variant or field would leave queued messages and open link flows
//! unreadable (the outbox gives such a row up). `fixtures/stored_forms.jsonl` holds today's
//! forms, one per line; this test decodes each and writes it back byte for byte. If it fails
//! after a change, keep the old name readable (`#[serde(alias = …)]`) instead of editing the
//! fixture.

use domain::enote_link::LinkState;
use domain::outbound::Outbound;

const FIXTURE: &str = include_str!("fixtures/stored_forms.jsonl");

fn lines() -> impl Iterator<Item = &'static str> {
    FIXTURE.lines().filter(|l| !l.trim().is_empty())
}

#[test]
fn every_stored_outbound_action_of_today_decodes_and_is_written_the_same() {
    let mut variants = std::collections::BTreeSet::new();
    for line in lines().filter(|l| l.starts_with('{') && !l.contains("\"Previewing\"")) {
        let action: Outbound =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: cannot read {line}"));
        assert_eq!(serde_json::to_string(&action).unwrap(), line);
        variants.insert(line.split('"').nth(1).unwrap().to_owned());
    }
    // Every variant has a stored form pinned here: a new one needs its line in the fixture.
    assert_eq!(variants.len(), 13, "{variants:?}");
}

#[test]
fn every_stored_link_state_of_today_decodes_and_is_written_the_same() {
    let mut seen = 0;
    for line in lines().filter(|l| l.starts_with('"') || l.contains("\"Previewing\"")) {
        let state: LinkState =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: cannot read {line}"));
        assert_eq!(serde_json::to_string(&state).unwrap(), line);
        seen += 1;
    }
    assert_eq!(seen, 3);
}
