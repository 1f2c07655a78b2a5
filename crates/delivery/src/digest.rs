//! Digest files: one per trail, region and period, chained and signed.

use bytes::Bytes;
use trailrunner_buckets::Buckets;
use trailrunner_cloudtrail::trail_rows::TrailRow;
use trailrunner_trail_digest::{DigestPeriod, KeyPair, SignedDigest, TrailLocation};

use crate::batch::timestamp;
use crate::state::Chain;
use crate::DeliveryError;

/// Where the trail's files go now.
pub fn location(trail: &TrailRow) -> TrailLocation {
    let location = TrailLocation::new(
        &trail.s3_bucket_name,
        &trail.account,
        &trail.name,
        &trail.home_region,
    );
    match trail.s3_key_prefix.as_deref() {
        Some(prefix) if !prefix.is_empty() => location.with_prefix(prefix),
        _ => location,
    }
}

/// The end (whole seconds, ms) of a digest closed at `now_ms`: never before or at the period's start, so keys of
/// one chain never collide.
pub fn period_end(chain: &Chain, now_ms: i64) -> i64 {
    let floor = now_ms - now_ms.rem_euclid(1000);
    floor.max(chain.period_start_ms + 1000)
}

/// Sign and write the digest of `chain`'s current period ending at `end_ms`, and move the chain to the next
/// period. On error the chain is unchanged, so the same digest is written again later.
pub async fn write(
    buckets: &dyn Buckets,
    trail: &TrailRow,
    region: &str,
    chain: &mut Chain,
    end_ms: i64,
    key: &KeyPair,
) -> Result<SignedDigest, DeliveryError> {
    let period = DigestPeriod::new(
        &location(trail),
        region,
        timestamp(chain.period_start_ms),
        timestamp(end_ms),
        chain.previous.clone(),
        chain.files.clone(),
    );
    let signed = period
        .sign(key)
        .map_err(|e| DeliveryError::Signing(e.to_string()))?;
    let metadata: Vec<(String, String)> = signed.metadata().into_iter().collect();
    buckets
        .put_object(
            signed.bucket(),
            signed.key(),
            Bytes::from(signed.gzip.clone()),
            &metadata,
        )
        .await?;
    chain.previous = Some(signed.link());
    chain.files.clear();
    chain.period_start_ms = end_ms;
    chain.pending_end_ms = None;
    Ok(signed)
}
