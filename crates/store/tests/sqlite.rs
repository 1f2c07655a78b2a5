//! The SQLite backend against a real database file.

use std::sync::Arc;

use trailrunner_store::sqlite::Durability;
use trailrunner_store::{
    ChangeSet, CommitError, CommitReceipt, Expect, ListQuery, ResourceKey, SqliteStore, Store,
};

fn key(id: &str) -> ResourceKey {
    ResourceKey::new("123456789012", "us-east-1", "service", id)
}

fn list_query(after: Option<i64>, limit: usize) -> ListQuery {
    ListQuery {
        account: "123456789012".into(),
        region: "us-east-1".into(),
        kind: "service".into(),
        parent: None,
        after_seq: after,
        limit,
        newest_first: false,
    }
}

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("store.db"), Durability::Full).expect("open")
}

#[tokio::test]
async fn put_get_update_delete_with_preconditions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut cs = ChangeSet::new();
    cs.put(key("a"), None, r#"{"n":1}"#.into(), Expect::Absent);
    store.commit(cs).await.unwrap();

    let got = store.get(&key("a")).await.unwrap().expect("stored");
    assert_eq!(got.version, 1);
    assert_eq!(got.doc, r#"{"n":1}"#);

    // Creating it again must conflict and write nothing.
    let mut again = ChangeSet::new();
    again.put(key("a"), None, r#"{"n":2}"#.into(), Expect::Absent);
    assert!(matches!(
        store.commit(again).await,
        Err(CommitError::Conflict { .. })
    ));
    assert_eq!(
        store.get(&key("a")).await.unwrap().unwrap().doc,
        r#"{"n":1}"#
    );

    // Compare-and-swap on the version.
    let mut stale = ChangeSet::new();
    stale.put(key("a"), None, r#"{"n":3}"#.into(), Expect::Version(7));
    assert!(matches!(
        store.commit(stale).await,
        Err(CommitError::Conflict { .. })
    ));
    let mut fresh = ChangeSet::new();
    fresh.put(key("a"), None, r#"{"n":3}"#.into(), Expect::Version(1));
    store.commit(fresh).await.unwrap();
    let updated = store.get(&key("a")).await.unwrap().unwrap();
    assert_eq!(
        (updated.version, updated.seq),
        (2, got.seq),
        "update keeps seq, bumps version"
    );

    let mut del = ChangeSet::new();
    del.delete(key("a"), Expect::Version(2));
    store.commit(del).await.unwrap();
    assert!(store.get(&key("a")).await.unwrap().is_none());
}

#[tokio::test]
async fn a_failed_precondition_undoes_the_whole_change_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut cs = ChangeSet::new();
    cs.put(key("x"), None, "{}".into(), Expect::Absent);
    cs.put(key("y"), None, "{}".into(), Expect::Version(3)); // y does not exist
    assert!(matches!(
        store.commit(cs).await,
        Err(CommitError::Conflict { .. })
    ));
    assert!(
        store.get(&key("x")).await.unwrap().is_none(),
        "x must not survive its set's failure"
    );
}

#[tokio::test]
async fn a_change_set_that_writes_one_row_twice_sees_its_own_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // Created, then updated as version 1 by the same change set: both preconditions hold in order.
    let mut twice = ChangeSet::new();
    twice
        .put(key("t"), None, r#"{"n":1}"#.into(), Expect::Absent)
        .put(key("t"), None, r#"{"n":2}"#.into(), Expect::Version(1));
    store.commit(twice).await.unwrap();
    let row = store.get(&key("t")).await.unwrap().unwrap();
    assert_eq!((row.version, row.doc.as_str()), (2, r#"{"n":2}"#));
    // The second write's precondition fails only after the first write: the whole set is undone.
    let mut stale = ChangeSet::new();
    stale
        .put(key("u"), None, "{}".into(), Expect::Absent)
        .put(key("t"), None, r#"{"n":3}"#.into(), Expect::Version(2))
        .put(key("t"), None, r#"{"n":4}"#.into(), Expect::Version(2));
    assert!(matches!(
        store.commit(stale).await,
        Err(CommitError::Conflict { .. })
    ));
    assert!(store.get(&key("u")).await.unwrap().is_none());
    assert_eq!(store.get(&key("t")).await.unwrap().unwrap().version, 2);
}

/// A change set creating one row.
fn create(id: &str, doc: String) -> ChangeSet {
    let mut cs = ChangeSet::new();
    cs.put(key(id), None, doc, Expect::Absent);
    cs
}

async fn services(store: &SqliteStore) -> u64 {
    store
        .count("123456789012", "us-east-1", "service")
        .await
        .unwrap()
}

/// Commit `n` change sets at once (`make(i)` builds the i-th); their outcomes, in order.
async fn commit_concurrently(
    store: &Arc<SqliteStore>,
    n: usize,
    make: impl Fn(usize) -> ChangeSet,
) -> Vec<Result<CommitReceipt, CommitError>> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = store.clone();
            let cs = make(i);
            tokio::spawn(async move { store.commit(cs).await })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(n);
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creates_of_one_row_commit_exactly_once_and_the_rest_of_each_group_lands() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir));
    // Every change set claims the same row, and writes one of its own.
    let outcomes = commit_concurrently(&store, 200, |i| {
        let mut cs = create(&format!("own{i:03}"), "{}".into());
        cs.put(
            key("contested"),
            None,
            format!("{{\"by\":{i}}}"),
            Expect::Absent,
        );
        cs
    })
    .await;
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 1, "exactly one claim of the contested row commits");
    assert_eq!(
        services(&store).await,
        2,
        "the winner's own row and the contested row; no loser left a row behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_are_grouped_and_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir));
    let outcomes = commit_concurrently(&store, 400, |i| {
        create(&format!("s{i:04}"), format!("{{\"i\":{i}}}"))
    })
    .await;
    let max_batch = outcomes
        .into_iter()
        .map(|o| o.unwrap().batch_size)
        .max()
        .unwrap_or(0);
    assert_eq!(services(&store).await, 400);
    assert!(max_batch >= 1);
}

#[tokio::test]
async fn pages_are_stable_under_concurrent_inserts_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        for i in 0..5 {
            let mut cs = ChangeSet::new();
            cs.put(key(&format!("p{i}")), None, "{}".into(), Expect::Absent);
            store.commit(cs).await.unwrap();
        }
        let first = store.list(&list_query(None, 2)).await.unwrap();
        assert_eq!(
            first.iter().map(|r| r.key.id.as_str()).collect::<Vec<_>>(),
            ["p0", "p1"]
        );
        // An insert between pages lands at the end, never inside a page already served.
        let mut cs = ChangeSet::new();
        cs.put(key("late"), None, "{}".into(), Expect::Absent);
        store.commit(cs).await.unwrap();
        let rest = store
            .list(&list_query(Some(first[1].seq), 100))
            .await
            .unwrap();
        assert_eq!(
            rest.iter().map(|r| r.key.id.as_str()).collect::<Vec<_>>(),
            ["p2", "p3", "p4", "late"]
        );
    }
    let reopened = open(&dir);
    assert_eq!(
        reopened.list(&list_query(None, 100)).await.unwrap().len(),
        6
    );
}

#[tokio::test]
async fn parent_filter_lists_only_children() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut cs = ChangeSet::new();
    cs.put(key("k1"), Some("alice".into()), "{}".into(), Expect::Absent);
    cs.put(key("k2"), Some("bob".into()), "{}".into(), Expect::Absent);
    cs.put(key("k3"), Some("alice".into()), "{}".into(), Expect::Absent);
    store.commit(cs).await.unwrap();
    let mut q = list_query(None, 10);
    q.parent = Some("alice".into());
    let ids: Vec<_> = store
        .list(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key.id)
        .collect();
    assert_eq!(ids, ["k1", "k3"]);
}

#[tokio::test]
async fn newest_first_lists_pages_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    for id in ["k1", "k2", "k3", "k4", "k5"] {
        let parent = if id == "k3" { "bob" } else { "alice" };
        let mut cs = ChangeSet::new();
        cs.put(key(id), Some(parent.into()), "{}".into(), Expect::Absent);
        store.commit(cs).await.unwrap();
    }
    let mut q = list_query(None, 2);
    q.newest_first = true;
    q.parent = Some("alice".into());
    let mut pages = Vec::new();
    loop {
        let rows = store.list(&q).await.unwrap();
        let Some(last) = rows.last() else { break };
        q.after_seq = Some(last.seq);
        pages.push(rows.into_iter().map(|r| r.key.id).collect::<Vec<_>>());
    }
    assert_eq!(pages, [vec!["k5", "k4"], vec!["k2", "k1"]]);
}

#[cfg(unix)]
#[test]
fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let _store = open(&dir);
    let mode = std::fs::metadata(dir.path().join("store.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_after_an_acknowledged_write_see_it_despite_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir));
    // Readers keep the cache warm with the very queries the writer's checks use.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (store, stop) = (store.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store.get(&key("hot")).await.unwrap();
                store.list(&list_query(None, 1000)).await.unwrap();
                store
                    .count("123456789012", "us-east-1", "service")
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut version = None;
    for i in 0..200i64 {
        let mut cs = ChangeSet::new();
        let expect = version.map_or(Expect::Absent, Expect::Version);
        cs.put(key("hot"), None, format!("{{\"v\":{i}}}"), expect);
        cs.put(key(&format!("n{i}")), None, "{}".into(), Expect::Absent);
        store.commit(cs).await.unwrap();
        let hot = store.get(&key("hot")).await.unwrap().unwrap();
        assert_eq!(
            hot.doc,
            format!("{{\"v\":{i}}}"),
            "stale get after write {i}"
        );
        version = Some(hot.version);
        let listed = store.list(&list_query(None, 1000)).await.unwrap();
        assert!(
            listed.iter().any(|r| r.key.id == format!("n{i}")),
            "stale list after write {i}"
        );
        assert_eq!(
            store
                .count("123456789012", "us-east-1", "service")
                .await
                .unwrap(),
            i as u64 + 2
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
}

/// Jobs without preconditions run without a savepoint of their own; when one of them fails anyway, the group is
/// run again with a savepoint per job, so only the failing job fails and every other job of its group commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_without_preconditions_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(&dir));
    let sabotage = rusqlite::Connection::open(dir.path().join("store.db")).unwrap();
    sabotage
        .execute_batch(
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON resources WHEN NEW.doc = 'bad' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..300 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut cs = ChangeSet::new();
            let doc = if i % 10 == 3 { "bad" } else { "{}" };
            cs.put(key(&format!("j{i:04}")), None, doc.into(), Expect::Any);
            let outcome = store.commit(cs).await;
            (i, outcome.map(|r| r.batch_size))
        }));
    }
    let mut grouped_with_others = 0;
    for t in tasks {
        let (i, outcome) = t.await.unwrap();
        let stored = store.get(&key(&format!("j{i:04}"))).await.unwrap();
        if i % 10 == 3 {
            assert!(
                matches!(outcome, Err(CommitError::Store(_))),
                "job {i}: {outcome:?}"
            );
            assert!(stored.is_none(), "job {i} must leave nothing");
        } else {
            let size = outcome.unwrap_or_else(|e| panic!("job {i} failed: {e:?}"));
            grouped_with_others += usize::from(size > 1);
            assert!(stored.is_some(), "job {i} was answered but is missing");
        }
    }
    assert_eq!(services(&store).await, 270);
    // Not a condition of correctness, but the point of the test: groups did form.
    assert!(grouped_with_others > 0);
}
