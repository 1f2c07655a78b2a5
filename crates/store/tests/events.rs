//! Audit events in the SQLite backend: atomic with resource changes, found by attribute and time, expired.

use trailrunner_store::sqlite::Durability;
use trailrunner_store::{
    ChangeSet, CommitError, EventAttr, EventQuery, Expect, NewEvent, ResourceKey, SqliteStore,
    Store,
};

const ACCT: &str = "123456789012";

fn event(t: i64, name: &str, user: &str) -> NewEvent {
    NewEvent {
        account: ACCT.into(),
        region: "us-east-1".into(),
        time_ms: t,
        record: format!("{{\"t\":{t},\"name\":\"{name}\"}}").into_bytes(),
        attrs: vec![
            (EventAttr::EventId, format!("id-{t}")),
            (EventAttr::EventName, name.into()),
            (EventAttr::Username, user.into()),
            (EventAttr::ReadOnly, "false".into()),
        ],
    }
}

fn query(attr: Option<(EventAttr, &str)>, before: Option<(i64, i64)>, limit: usize) -> EventQuery {
    EventQuery {
        account: ACCT.into(),
        region: "us-east-1".into(),
        attr: attr.map(|(a, v)| (a, v.to_string())),
        start_ms: 0,
        end_ms: i64::MAX,
        before,
        limit,
    }
}

fn times(events: &[trailrunner_store::StoredEvent]) -> Vec<i64> {
    events.iter().map(|e| e.time_ms).collect()
}

async fn seeded() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Full).unwrap();
    let mut cs = ChangeSet::new();
    for t in 1..=10 {
        let name = if t % 2 == 0 {
            "CreateService"
        } else {
            "ListServices"
        };
        cs.append_event(event(t * 1000, name, if t <= 5 { "root" } else { "alice" }));
    }
    store.commit(cs).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn lookups_are_newest_first_by_attribute_and_time() {
    let (_dir, store) = seeded().await;
    let all = store.lookup_events(&query(None, None, 100)).await.unwrap();
    assert_eq!(
        times(&all),
        (1..=10).rev().map(|t| t * 1000).collect::<Vec<_>>()
    );
    let creates = store
        .lookup_events(&query(
            Some((EventAttr::EventName, "CreateService")),
            None,
            100,
        ))
        .await
        .unwrap();
    assert_eq!(times(&creates), vec![10000, 8000, 6000, 4000, 2000]);
    let alice = store
        .lookup_events(&query(Some((EventAttr::Username, "alice")), None, 100))
        .await
        .unwrap();
    assert_eq!(times(&alice), vec![10000, 9000, 8000, 7000, 6000]);
    let one = store
        .lookup_events(&query(Some((EventAttr::EventId, "id-3000")), None, 100))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0].record,
        br#"{"t":3000,"name":"ListServices"}"#.to_vec()
    );
    let none = store
        .lookup_events(&query(Some((EventAttr::Username, "mallory")), None, 100))
        .await
        .unwrap();
    assert!(none.is_empty());
    let mut ranged = query(None, None, 100);
    ranged.start_ms = 3000;
    ranged.end_ms = 5000;
    assert_eq!(
        times(&store.lookup_events(&ranged).await.unwrap()),
        vec![5000, 4000, 3000]
    );
}

#[tokio::test]
async fn cursor_pages_do_not_overlap_or_skip() {
    let (_dir, store) = seeded().await;
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .lookup_events(&query(Some((EventAttr::ReadOnly, "false")), before, 3))
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        seen.extend(times(&page));
        let last = page.last().unwrap();
        before = Some((last.time_ms, last.seq));
    }
    assert_eq!(seen, (1..=10).rev().map(|t| t * 1000).collect::<Vec<_>>());
}

#[tokio::test]
async fn events_commit_with_their_change_set_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Full).unwrap();
    let key = ResourceKey::new(ACCT, "us-east-1", "service", "s1");
    let mut failing = ChangeSet::new();
    failing.put(key.clone(), None, "{}".into(), Expect::Version(9));
    failing.append_event(event(1, "UpdateService", "root"));
    assert!(matches!(
        store.commit(failing).await,
        Err(CommitError::Conflict { .. })
    ));
    assert!(
        store
            .lookup_events(&query(None, None, 10))
            .await
            .unwrap()
            .is_empty(),
        "no record without its change"
    );
    let mut ok = ChangeSet::new();
    ok.put(key.clone(), None, "{}".into(), Expect::Absent);
    ok.append_event(event(2, "CreateService", "root"));
    store.commit(ok).await.unwrap();
    assert_eq!(
        store
            .lookup_events(&query(None, None, 10))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.get(&key).await.unwrap().is_some());
}

#[tokio::test]
async fn expiry_removes_old_events_and_their_index_rows() {
    let (_dir, store) = seeded().await;
    assert_eq!(
        store.expire_events(5500, 2).await.unwrap(),
        2,
        "bounded by the limit"
    );
    assert_eq!(store.expire_events(5500, 100).await.unwrap(), 3);
    assert_eq!(store.expire_events(5500, 100).await.unwrap(), 0);
    let all = store.lookup_events(&query(None, None, 100)).await.unwrap();
    assert_eq!(times(&all), vec![10000, 9000, 8000, 7000, 6000]);
    let root = store
        .lookup_events(&query(Some((EventAttr::Username, "root")), None, 100))
        .await
        .unwrap();
    assert!(root.is_empty(), "index rows of expired events are gone");
}
