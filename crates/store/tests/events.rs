//! Audit events in the SQLite backend: atomic with resource changes, found by attribute and time, expired.

use std::time::Duration;

use trailrunner_store::sqlite::{Durability, EventIndexing};
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

/// The attribute index is built behind the commit path: lookups must give the same answers whether the events
/// are all still waiting for it, partly indexed, or all indexed.
const POLICIES: [(&str, EventIndexing); 3] = [
    (
        "none indexed",
        EventIndexing {
            batch: usize::MAX,
            idle: Duration::from_secs(3600),
            retry: Duration::from_secs(3600),
        },
    ),
    (
        "8 of 10 indexed",
        EventIndexing {
            batch: 4,
            idle: Duration::from_secs(3600),
            retry: Duration::from_secs(3600),
        },
    ),
    (
        "all indexed",
        EventIndexing {
            batch: 1,
            idle: Duration::from_secs(3600),
            retry: Duration::from_secs(3600),
        },
    ),
];

/// Ten events a second apart: even seconds `CreateService`, odd `ListServices`; the first five by root, the rest
/// by alice.
fn ten_events() -> ChangeSet {
    let mut cs = ChangeSet::new();
    for t in 1..=10 {
        let name = if t % 2 == 0 {
            "CreateService"
        } else {
            "ListServices"
        };
        cs.append_event(event(t * 1000, name, if t <= 5 { "root" } else { "alice" }));
    }
    cs
}

async fn seeded_with(indexing: EventIndexing) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open_with(&dir.path().join("s.db"), Durability::Full, indexing).unwrap();
    store.commit(ten_events()).await.unwrap();
    (dir, store)
}

async fn wait_for_index(dir: &tempfile::TempDir, upto: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while indexed_upto(dir) != upto {
        assert!(
            std::time::Instant::now() < deadline,
            "the index reached {} instead of {upto}",
            indexed_upto(dir)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How far the attribute index reaches, read straight from the database file.
fn indexed_upto(dir: &tempfile::TempDir) -> i64 {
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    conn.query_row("SELECT indexed_upto FROM event_index_state", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[tokio::test]
async fn lookups_are_newest_first_by_attribute_and_time() {
    for (label, indexing) in POLICIES {
        let (dir, store) = seeded_with(indexing).await;
        let expected_upto = match label {
            "none indexed" => 0,
            "8 of 10 indexed" => 8,
            _ => 10,
        };
        // Replies go out before the writer turns to the index: wait for it to settle.
        wait_for_index(&dir, expected_upto).await;
        lookups_by_attribute_and_time(&store).await;
    }
}

async fn lookups_by_attribute_and_time(store: &SqliteStore) {
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
    for (label, indexing) in POLICIES {
        let (_dir, store) = seeded_with(indexing).await;
        assert_eq!(
            pages_of_three(&store).await,
            (1..=10).rev().map(|t| t * 1000).collect::<Vec<_>>(),
            "{label}"
        );
    }
}

async fn pages_of_three(store: &SqliteStore) -> Vec<i64> {
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
    seen
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
    for (_, indexing) in POLICIES {
        let (_dir, store) = seeded_with(indexing).await;
        expire_and_check(&store).await;
    }
}

async fn expire_and_check(store: &SqliteStore) {
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

/// After a crash the index may lag far behind the events (its batches are not synced): a new start finds every
/// event at once and builds the index again in the background.
#[tokio::test]
async fn a_lost_index_is_rebuilt_and_lookups_never_miss_an_event() {
    let (dir, store) = seeded_with(POLICIES[2].1).await;
    drop(store);
    {
        let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
        conn.execute_batch(
            "DELETE FROM event_attrs; UPDATE event_index_state SET indexed_upto = 0;",
        )
        .unwrap();
    }
    let store = SqliteStore::open_with(
        &dir.path().join("s.db"),
        Durability::Full,
        EventIndexing {
            batch: 1024,
            idle: Duration::from_millis(20),
            retry: Duration::from_millis(100),
        },
    )
    .unwrap();
    lookups_by_attribute_and_time(&store).await;
    wait_for_index(&dir, 10).await;
    lookups_by_attribute_and_time(&store).await;
}

/// A batch that fails (here: a trigger refusing index rows) leaves its events to the tail scan, is retried after
/// the policy's pause, and succeeds once the cause is gone.
#[tokio::test]
async fn a_failing_index_batch_is_retried_and_lookups_still_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = SqliteStore::open_with(
        &path,
        Durability::Full,
        EventIndexing {
            batch: 1024,
            idle: Duration::from_millis(10),
            retry: Duration::from_millis(200),
        },
    )
    .unwrap();
    let sabotage = rusqlite::Connection::open(&path).unwrap();
    sabotage
        .execute_batch(
            "CREATE TRIGGER refuse_index BEFORE INSERT ON event_attrs \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    store.commit(ten_events()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(indexed_upto(&dir), 0, "the sabotaged batch must not count");
    lookups_by_attribute_and_time(&store).await;
    sabotage
        .execute_batch("DROP TRIGGER refuse_index;")
        .unwrap();
    wait_for_index(&dir, 10).await;
    lookups_by_attribute_and_time(&store).await;
}
