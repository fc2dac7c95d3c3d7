//! The audit covers state, on both databases: each event carries the SM3 digest of its case's rows
//! (the case and its licences) as it left them, so a case or licence row changed directly in the
//! database is found and the case named, while the pages and public verification read those rows;
//! chains written before state digests (hash encoding 1) still verify, and an old-encoded event
//! after new ones is refused.

mod common;

use common::{World, on_both, org, person};
use yiyin_store::events::{Event, GENESIS};

on_both!(crate::common::run;
    a_case_row_changed_directly_is_named,
    a_licence_row_changed_directly_is_named,
    old_chains_still_verify_and_cannot_be_downgraded,
);

/// The audit's report: the first problem and every altered case.
async fn audit(w: &World) -> yiyin_app::audit::ChainReport {
    w.t.audit_chain(&w.head).await.unwrap()
}

async fn a_case_row_changed_directly_is_named(w: World) {
    let (case, _) = w.food_licence(org(1), "2025-03-03").await;
    let (other, _) = w.food_licence(person(2), "2025-03-03").await;
    w.assert_chain_intact().await;
    // An intruder re-attributes the case to someone else.
    w.t.tamper(&format!(
        "UPDATE cases SET applicant_name = '李四' WHERE id = {}",
        case.id
    ))
    .await;
    let report = audit(&w).await;
    let (_, why) = report.broken.as_ref().expect("the change is found");
    assert!(why.contains(&case.number), "{why}");
    assert!(why.contains("事件链之外被改动"), "{why}");
    assert_eq!(report.altered.len(), 1, "{:?}", report.altered);
    assert!(!report.altered[0].contains(&other.number));
    // Put back as it was, the case matches its chain again.
    w.t.tamper(&format!(
        "UPDATE cases SET applicant_name = '{}' WHERE id = {}",
        case.applicant.name, case.id
    ))
    .await;
    w.assert_chain_intact().await;
    // A change to another case names that one.
    w.t.tamper(&format!(
        "UPDATE cases SET state = 'received', closed = 0 WHERE id = {}",
        other.id
    ))
    .await;
    let report = audit(&w).await;
    assert!(report.altered[0].contains(&other.number), "{report:?}");
}

async fn a_licence_row_changed_directly_is_named(w: World) {
    let (case, licence) = w.food_licence(org(1), "2025-03-03").await;
    w.assert_chain_intact().await;
    // A licence's validity extended in the register, without an act.
    w.t.tamper(&format!(
        "UPDATE licences SET valid_until = '2099-12-31' WHERE identifier = '{licence}'"
    ))
    .await;
    let report = audit(&w).await;
    let (_, why) = report.broken.as_ref().expect("the change is found");
    assert!(why.contains(&case.number), "{why}");
    assert!(why.contains("证照"), "{why}");
}

/// Rewrites every chain as a database written before state digests would hold it: every event
/// in hash encoding 1, without a state digest.
async fn as_old_chain(w: &World) {
    for head in w.t.store.chain_heads_now().await.unwrap() {
        let events: Vec<Event> =
            w.t.store
                .chain_events(head.chain, 0, 100_000)
                .await
                .unwrap();
        let mut prev = GENESIS.to_string();
        for mut e in events {
            e.hash_version = 1;
            e.state_digest = None;
            let hash = e.expected_hash(&prev);
            w.t.tamper(&format!(
                "UPDATE events SET hash_version = 1, state_digest = NULL, prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                e.seq
            ))
            .await;
            prev = hash;
        }
        w.t.tamper(&format!(
            "UPDATE chain_head SET hash = '{prev}' WHERE id = {}",
            head.chain
        ))
        .await;
    }
}

async fn old_chains_still_verify_and_cannot_be_downgraded(w: World) {
    let (first, _) = w.food_licence(org(1), "2025-03-03").await;
    as_old_chain(&w).await;
    // The old chain verifies; its cases, without state digests, are not held against it.
    w.assert_chain_intact().await;
    let old_head =
        w.t.store
            .chain_heads_now()
            .await
            .unwrap()
            .iter()
            .map(|h| h.seq)
            .max()
            .unwrap();
    // New events are written in encoding 2 after the old ones, and the whole chain verifies.
    let (second, _) = w.food_licence(person(2), "2025-03-04").await;
    w.assert_chain_intact().await;
    let events = w.t.store.events_from(old_head + 1, 1000).await.unwrap();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e.hash_version == 2 && e.state_digest.is_some())
    );
    // The new case is covered; the old one is not (its last event predates digests).
    w.t.tamper(&format!(
        "UPDATE cases SET applicant_name = '李四' WHERE id = {}",
        second.id
    ))
    .await;
    assert!(audit(&w).await.altered[0].contains(&second.number));
    w.t.tamper(&format!(
        "UPDATE cases SET applicant_name = '{}' WHERE id = {}",
        second.applicant.name, second.id
    ))
    .await;
    w.assert_chain_intact().await;
    // An event of the new encoding rewritten in the old one (to shed its state digest) is refused,
    // even with every hash recomputed: the last event of the last chain written.
    let mut last = w.t.store.events_from(old_head + 1, 1000).await.unwrap();
    let mut e = last.pop().unwrap();
    assert_eq!(
        w.t.store.chain_heads_now().await.unwrap()[usize::try_from(e.chain - 1).unwrap()].seq,
        e.seq,
        "the last event numbered is the last of its chain"
    );
    e.hash_version = 1;
    e.state_digest = None;
    let hash = e.expected_hash(&e.prev_hash);
    w.t.tamper(&format!(
        "UPDATE events SET hash_version = 1, state_digest = NULL, hash = '{hash}' WHERE seq = {}",
        e.seq
    ))
    .await;
    w.t.tamper(&format!(
        "UPDATE chain_head SET hash = '{hash}' WHERE id = {}",
        e.chain
    ))
    .await;
    let (at, why) = audit(&w).await.broken.expect("a downgrade is found");
    assert_eq!(at, e.seq, "{why}");
    assert!(why.contains("旧的哈希编码"), "{why}");
    let _ = first;
}
