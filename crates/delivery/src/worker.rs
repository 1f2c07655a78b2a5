//! The delivery worker: one loop over every trail, one trail at a time.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use trailrunner_api::{Clock, Entropy};
use trailrunner_buckets::{BucketError, SharedBuckets};
use trailrunner_cloudtrail::trail_rows::{all_trails, TrailRow, TrailStatusRow};
use trailrunner_store::SharedStore;
use trailrunner_trail_digest::unique_string;

use crate::batch::{self, Selected};
use crate::digest;
use crate::keys::DigestKeys;
use crate::state::{self, Chain, DeliveryState, PlannedBatch, PlannedFile, TrailProgress};
use crate::DeliveryError;

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// How often each trail's new events are delivered (CloudTrail: about every 5 minutes).
    pub delivery_interval: Duration,
    /// How long a digest period lasts (CloudTrail: an hour).
    pub digest_interval: Duration,
    /// Events read per batch; a backlog is delivered in several files without waiting for the next interval.
    pub batch_events: usize,
    /// How long a digest-signing key signs before a new key pair replaces it (the old one stays published for
    /// its validity period); `None`: never.
    pub key_rotation: Option<Duration>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            delivery_interval: Duration::from_secs(300),
            digest_interval: Duration::from_secs(3600),
            batch_events: 10_000,
            key_rotation: Some(Duration::from_secs(30 * 24 * 3600)),
        }
    }
}

/// Longest wait between retries of a failing trail.
const MAX_BACKOFF_MS: i64 = 300_000;

pub struct Delivery {
    pub store: SharedStore,
    pub buckets: SharedBuckets,
    pub keys: Arc<DigestKeys>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub config: DeliveryConfig,
}

/// Run until `stop` turns true.
pub async fn run(delivery: Arc<Delivery>, mut stop: watch::Receiver<bool>) {
    let shortest = delivery
        .config
        .delivery_interval
        .min(delivery.config.digest_interval);
    let tick = (shortest / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
        if let Err(e) = delivery.rotate_key_if_due().await {
            tracing::warn!(error = %e, "rotating the digest key failed; the current key keeps signing");
        }
        let trails = match all_trails(&delivery.store).await {
            Ok(trails) => trails,
            Err(e) => {
                tracing::warn!(error = %e, "reading trails for delivery failed");
                continue;
            }
        };
        for trail in trails {
            if let Err(e) = delivery.step(&trail).await {
                tracing::warn!(trail = %trail.trail_arn, error = %e, "trail delivery step failed");
            }
        }
    }
}

impl Delivery {
    /// Replace the signing key when it has signed for `key_rotation`. Returns whether it did.
    pub async fn rotate_key_if_due(&self) -> Result<bool, crate::KeyStoreError> {
        let Some(period) = self.config.key_rotation else {
            return Ok(false);
        };
        let period = i64::try_from(period.as_millis()).unwrap_or(i64::MAX);
        let now = self.now_ms();
        if now - self.keys.current_valid_from_ms() < period {
            return Ok(false);
        }
        // Generating an RSA key takes a while: not on a runtime thread.
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || keys.rotate(now))
            .await
            .map_err(|e| crate::KeyStoreError::Invalid {
                path: std::path::PathBuf::new(),
                message: format!("key rotation task failed: {e}"),
            })??;
        tracing::info!(fingerprint = %self.keys.current().fingerprint(), "digest signing key rotated");
        Ok(true)
    }

    /// Do whatever is due for one trail: finish a planned batch, deliver new events, close digest periods.
    pub async fn step(&self, trail: &TrailRow) -> Result<(), DeliveryError> {
        if trail.logging.epoch == 0 {
            return Ok(()); // never started
        }
        let now = self.now_ms();
        let mut p = state::load(&self.store, trail).await?;
        let mut dirty = false;
        if p.state.generation != trail.generation {
            p.state = DeliveryState {
                generation: trail.generation.clone(),
                ..DeliveryState::default()
            };
            dirty = true;
        }
        if p.status.generation != trail.generation {
            // A report about an earlier trail of the same name is not this trail's.
            p.status = TrailStatusRow {
                generation: trail.generation.clone(),
                ..TrailStatusRow::default()
            };
            dirty = true;
        }
        if p.state.retry_at_ms.is_some_and(|t| t > now) {
            return Ok(());
        }
        if p.state.epoch != trail.logging.epoch {
            // A batch of the previous epoch is finished first: its records were promised to that epoch.
            if let Some(plan) = p.state.pending.clone() {
                self.carry_out(trail, &mut p, plan, None, now).await?;
            }
            p.state = DeliveryState {
                generation: trail.generation.clone(),
                epoch: trail.logging.epoch,
                cursor: trail.logging.start_after_seq,
                ..DeliveryState::default()
            };
            dirty = true;
        }
        if !trail.logging.is_logging {
            if p.state.stopped && p.state.pending.is_none() {
                return self.save_if(dirty, trail, &p).await;
            }
            if p.state.stop_bound.is_none() {
                // Everything committed by now, StopLogging's own record included, is the trail's last delivery.
                p.state.stop_bound = Some(self.store.last_event_seq().await?);
                dirty = true;
            }
        }
        let result = self.deliver(trail, &mut p, now, &mut dirty).await;
        let result = match result {
            Ok(()) => self.digests(trail, &mut p, now, &mut dirty).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            self.record_failure(&mut p, now, &e);
            self.save(trail, &p).await?;
            return Err(e);
        }
        if !trail.logging.is_logging && p.state.pending.is_none() {
            let bound = p.state.stop_bound.unwrap_or(i64::MAX);
            if p.state.cursor >= bound {
                p.state.stopped = true;
                p.state.chains.clear(); // the chain breaks; StartLogging begins a new one
                dirty = true;
            }
        }
        self.save_if(dirty, trail, &p).await
    }

    async fn deliver(
        &self,
        trail: &TrailRow,
        p: &mut TrailProgress,
        now: i64,
        dirty: &mut bool,
    ) -> Result<(), DeliveryError> {
        if let Some(plan) = p.state.pending.clone() {
            self.carry_out(trail, p, plan, None, now).await?;
            *dirty = true;
        }
        let stopping = !trail.logging.is_logging;
        let interval = i64::try_from(self.config.delivery_interval.as_millis()).unwrap_or(i64::MAX);
        let due = stopping || p.state.last_delivery_ms.is_none_or(|t| now - t >= interval);
        if !due {
            return Ok(());
        }
        loop {
            let bound = p.state.stop_bound;
            if bound.is_some_and(|b| p.state.cursor >= b) {
                break;
            }
            let selected = batch::select(
                &self.store,
                trail,
                p.state.cursor,
                bound,
                self.config.batch_events,
            )
            .await?;
            let complete = selected.events_read < self.config.batch_events;
            if selected.events_read == 0 {
                break;
            }
            *dirty = true;
            if selected.regions.is_empty() {
                p.state.cursor = selected.upto;
            } else {
                let plan = self.plan(trail, p.state.cursor, &selected, now);
                p.state.pending = Some(plan.clone());
                self.save(trail, p).await?;
                self.carry_out(trail, p, plan, Some(selected), now).await?;
            }
            if complete {
                break;
            }
        }
        p.state.last_delivery_ms = Some(now);
        *dirty = true;
        Ok(())
    }

    fn plan(&self, trail: &TrailRow, after: i64, selected: &Selected, now: i64) -> PlannedBatch {
        let location = digest::location(trail);
        let delivered = batch::timestamp(now);
        let files = selected
            .regions
            .keys()
            .map(|region| {
                let mut random = [0u8; 16];
                self.entropy.fill(&mut random);
                PlannedFile {
                    region: region.clone(),
                    key: location.log_file_key(region, delivered, &unique_string(random)),
                }
            })
            .collect();
        PlannedBatch {
            after,
            upto: selected.upto,
            bucket: trail.s3_bucket_name.clone(),
            delivered_ms: now,
            files,
            trail: trail.clone(),
        }
    }

    /// Write a planned batch's files (again, after a crash) and acknowledge it.
    async fn carry_out(
        &self,
        trail: &TrailRow,
        p: &mut TrailProgress,
        plan: PlannedBatch,
        selected: Option<Selected>,
        now: i64,
    ) -> Result<(), DeliveryError> {
        let mut selected = match selected {
            Some(s) => s,
            None => {
                batch::select(
                    &self.store,
                    &plan.trail,
                    plan.after,
                    Some(plan.upto),
                    self.config.batch_events,
                )
                .await?
            }
        };
        let mut written = Vec::with_capacity(plan.files.len());
        for file in &plan.files {
            let Some(records) = selected.regions.remove(&file.region) else {
                continue;
            };
            let (bucket, key) = (plan.bucket.clone(), file.key.clone());
            let made =
                tokio::task::spawn_blocking(move || batch::build_file(&bucket, &key, records))
                    .await
                    .map_err(|e| {
                        trailrunner_store::StoreError::Other(format!("log file task: {e}"))
                    })?;
            self.buckets
                .put_object(&plan.bucket, &file.key, Bytes::from(made.gzip), &[])
                .await?;
            written.push((file.region.clone(), made.entry));
        }
        if trail.log_file_validation_enabled && trail.generation == plan.trail.generation {
            for (region, entry) in written {
                p.state
                    .chains
                    .entry(region)
                    .or_insert_with(|| Chain::starting(plan.delivered_ms))
                    .files
                    .push(entry);
            }
        }
        p.state.cursor = plan.upto;
        p.state.pending = None;
        p.state.failures = 0;
        p.state.retry_at_ms = None;
        p.status.latest_delivery_time_ms = Some(now);
        p.status.latest_delivery_attempt_time_ms = Some(now);
        p.status.latest_delivery_attempt_succeeded = Some(true);
        p.status.latest_delivery_error = None;
        self.save(trail, p).await?;
        Ok(())
    }

    async fn digests(
        &self,
        trail: &TrailRow,
        p: &mut TrailProgress,
        now: i64,
        dirty: &mut bool,
    ) -> Result<(), DeliveryError> {
        if !trail.log_file_validation_enabled {
            if !p.state.chains.is_empty() {
                p.state.chains.clear(); // validation off: no digests, and the chain breaks
                *dirty = true;
            }
            return Ok(());
        }
        if !p.state.chains.contains_key(&trail.home_region) {
            p.state
                .chains
                .insert(trail.home_region.clone(), Chain::starting(now));
            *dirty = true;
        }
        let closing = !trail.logging.is_logging
            && p.state.pending.is_none()
            && p.state.cursor >= p.state.stop_bound.unwrap_or(i64::MAX);
        let interval = i64::try_from(self.config.digest_interval.as_millis()).unwrap_or(i64::MAX);
        let regions: Vec<String> = p.state.chains.keys().cloned().collect();
        for region in regions {
            let chain = p.state.chains.get(&region).expect("listed").clone();
            let end = match chain.pending_end_ms {
                Some(end) => end,
                None if closing || now - chain.period_start_ms >= interval => {
                    let end = digest::period_end(&chain, now);
                    let planned = p.state.chains.get_mut(&region).expect("listed");
                    planned.pending_end_ms = Some(end);
                    self.save(trail, p).await?;
                    end
                }
                None => continue,
            };
            let mut chain = chain;
            let key = self.keys.current();
            match digest::write(self.buckets.as_ref(), trail, &region, &mut chain, end, &key).await
            {
                Ok(_) => {
                    p.state.chains.insert(region, chain);
                    p.status.latest_digest_delivery_time_ms = Some(now);
                    p.status.latest_digest_delivery_error = None;
                    *dirty = true;
                }
                Err(e) => {
                    p.status.latest_digest_delivery_error = Some(status_text(&e));
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn record_failure(&self, p: &mut TrailProgress, now: i64, error: &DeliveryError) {
        p.state.failures = p.state.failures.saturating_add(1);
        let backoff = (1000i64 << p.state.failures.min(20)).min(MAX_BACKOFF_MS);
        p.state.retry_at_ms = Some(now + backoff);
        if p.state.pending.is_some() {
            p.status.latest_delivery_attempt_time_ms = Some(now);
            p.status.latest_delivery_attempt_succeeded = Some(false);
            p.status.latest_delivery_error = Some(status_text(error));
        }
    }

    async fn save(&self, trail: &TrailRow, p: &TrailProgress) -> Result<(), DeliveryError> {
        Ok(state::save(&self.store, trail, p).await?)
    }

    async fn save_if(
        &self,
        dirty: bool,
        trail: &TrailRow,
        p: &TrailProgress,
    ) -> Result<(), DeliveryError> {
        if dirty {
            self.save(trail, p).await?;
        }
        Ok(())
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}

/// The error text `GetTrailStatus` shows, in S3's terms.
fn status_text(error: &DeliveryError) -> String {
    match error {
        DeliveryError::Bucket(BucketError::NoSuchBucket(_)) => "NoSuchBucket".into(),
        DeliveryError::Bucket(BucketError::Remote(text)) => s3_error_code(text),
        DeliveryError::Bucket(BucketError::Io(_)) | DeliveryError::Store(_) => {
            "InternalError".into()
        }
        DeliveryError::Signing(_) => "InternalError".into(),
    }
}

/// The S3 error code in an endpoint's answer (`<Code>AccessDenied</Code>`), as CloudTrail reports it; otherwise
/// the first 256 characters of the error.
fn s3_error_code(text: &str) -> String {
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.trim())
        .filter(|c| {
            !c.is_empty() && c.len() <= 64 && c.chars().all(|ch| ch.is_ascii_alphanumeric())
        });
    match code {
        Some(code) => code.to_owned(),
        None => text.chars().take(256).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::s3_error_code;

    #[test]
    fn status_errors_are_s3_codes_when_the_endpoint_gave_one() {
        let answer = "writing to s3://b: Client error with status 403 Forbidden: <?xml version=\"1.0\"?><Error>\
                      <Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        assert_eq!(s3_error_code(answer), "AccessDenied");
        assert_eq!(s3_error_code("connection refused"), "connection refused");
        assert_eq!(s3_error_code(&"x".repeat(1000)).len(), 256);
    }
}
