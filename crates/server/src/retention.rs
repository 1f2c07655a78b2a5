//! Event history keeps records for a bounded time (CloudTrail: 90 days). A background task sweeps older ones in
//! small batches through the store's writer, so requests keep being served between batches. The same task removes
//! temporary credentials a week after they expired (until then, their calls answer `ExpiredToken` and are
//! recorded).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use trailrunner_api::Clock;
use trailrunner_store::SharedStore;

/// Events removed per writer job: small enough that a request waiting behind a sweep job waits little.
const BATCH: usize = 2000;
/// How long an expired temporary key stays known.
const EXPIRED_KEY_GRACE_MS: i64 = 7 * 24 * 3600 * 1000;

pub(crate) async fn sweep_loop(
    store: SharedStore,
    clock: Arc<dyn Clock>,
    retention: Duration,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        let cutoff = clock.now().as_millisecond().saturating_sub(retention_ms);
        let mut removed = 0u64;
        loop {
            match store.expire_events(cutoff, BATCH).await {
                Ok(n) => {
                    removed += n;
                    if (n as usize) < BATCH || *stop.borrow() {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event retention sweep failed; will retry");
                    break;
                }
            }
        }
        if removed > 0 {
            tracing::info!(removed, "expired events past the retention period");
        }
        let now = clock.now().as_millisecond();
        match trailrunner_iam::sweep_expired_sessions(store.as_ref(), now, EXPIRED_KEY_GRACE_MS)
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed temporary keys expired a week ago"),
            Err(e) => tracing::warn!(error = %e, "temporary key sweep failed; will retry"),
        }
    }
}
