//! Row helpers shared by the observability-configuration and VPC-connector families: keys, reads, quota slots,
//! and lists that skip rows a filter rejects (deleted revisions) without breaking pagination.

use serde_json::Value;
use trailrunner_api::{ApiError, CallContext, ResourceRef};
use trailrunner_store::{ChangeSet, Expect, ListQuery, Resource, ResourceKey};

use crate::errors::{invalid_request, quota_exceeded};
use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;

/// How many rows one store read takes while a filtered list looks for matching rows.
const SCAN_BATCH: usize = 200;

pub(crate) fn key(ctx: &CallContext, kind: &str, id: &str) -> ResourceKey {
    ResourceKey::new(
        ctx.caller.account_id.as_str(),
        ctx.region.as_str(),
        kind,
        id,
    )
}

pub(crate) async fn read(
    h: &AppRunnerHandler,
    key: &ResourceKey,
) -> Result<Option<Resource>, ApiError> {
    h.store
        .get(key)
        .await
        .map_err(|e| ApiError::internal_from("reading an App Runner resource", &e))
}

pub(crate) fn document(row: &Resource) -> Result<Value, ApiError> {
    serde_json::from_str(&row.doc)
        .map_err(|e| ApiError::internal_from("reading a stored App Runner resource", &e))
}

/// Where a uniquely named, quota-counted resource family keeps its rows.
pub(crate) struct NamedKinds {
    /// The resource rows, keyed by ARN.
    pub(crate) resource: &'static str,
    /// One row per name in use, pointing at the ARN and the slot it holds.
    pub(crate) name: &'static str,
    /// The quota slots.
    pub(crate) slot: &'static str,
    /// The wire member holding the ARN (`ConnectionArn`).
    pub(crate) arn_member: &'static str,
}

/// Add the rows that create such a resource: the resource, its name row and its quota slot, each with
/// `Expect::Absent`, so a concurrent create of the same name or slot makes one of the two change sets lose (its
/// call re-runs and sees the winner).
pub(crate) fn put_named(
    changes: &mut ChangeSet,
    ctx: &CallContext,
    kinds: &NamedKinds,
    name: &str,
    arn: &str,
    slot: usize,
    stored: &Value,
) {
    let mut name_row = serde_json::Map::new();
    name_row.insert(kinds.arn_member.into(), arn.into());
    name_row.insert("Slot".into(), slot.into());
    let mut slot_row = serde_json::Map::new();
    slot_row.insert(kinds.arn_member.into(), arn.into());
    changes
        .put(
            key(ctx, kinds.resource, arn),
            None,
            stored.to_string(),
            Expect::Absent,
        )
        .put(
            key(ctx, kinds.name, name),
            None,
            Value::Object(name_row).to_string(),
            Expect::Absent,
        )
        .put(
            key(ctx, kinds.slot, &slot.to_string()),
            None,
            Value::Object(slot_row).to_string(),
            Expect::Absent,
        );
}

/// The wire members of a stored document (drops what is kept only for other operations, like `Tags`).
pub(crate) fn members_of(doc: &Value, members: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for member in members {
        if let Some(v) = doc.get(*member) {
            out.insert((*member).to_owned(), v.clone());
        }
    }
    Value::Object(out)
}

pub(crate) fn required_str<'a>(input: &'a Value, member: &str) -> Result<&'a str, ApiError> {
    input
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request(format!("{member} is required.")))
}

/// Epoch seconds with milliseconds, the awsJson form of a timestamp.
pub(crate) fn epoch_seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

pub(crate) fn resource_ref(ctx: &CallContext, resource_type: &str, arn: &str) -> ResourceRef {
    ResourceRef {
        arn: arn.to_owned(),
        account_id: ctx.caller.account_id.clone(),
        resource_type: resource_type.into(),
    }
}

/// Random point reads tried before a claim falls back to reading every taken slot.
const SLOT_PROBES: usize = 4;

/// A free slot of `slot_kind` (`0 … quota - 1`); the caller claims it with `Expect::Absent`, so concurrent creates
/// cannot overshoot the quota (the loser's call re-runs and picks again). `ServiceQuotaExceededException` with
/// `message` when none is left.
///
/// The count of taken slots is checked first (an index-only count, so a quota lowered by configuration holds).
/// While at most half the slots are taken, a few random point reads find a free one: a create costs the same with
/// ten services as with ten thousand. Only when the probes all hit taken slots are the taken ones read, and the
/// first free slot from a random start is chosen among them.
pub(crate) async fn claim_slot(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    slot_kind: &str,
    quota: usize,
    message: &str,
) -> Result<usize, ApiError> {
    let counted = h
        .store
        .count(&ctx.caller.account_id, &ctx.region, slot_kind)
        .await
        .map_err(|e| ApiError::internal_from("counting quota slots", &e))?;
    let counted = usize::try_from(counted).unwrap_or(usize::MAX);
    if counted >= quota {
        return Err(quota_exceeded(message));
    }
    if counted <= quota / 2 {
        for _ in 0..SLOT_PROBES {
            let slot = random_below(h, quota);
            if read(h, &key(ctx, slot_kind, &slot.to_string()))
                .await?
                .is_none()
            {
                return Ok(slot);
            }
        }
    }
    let query = ListQuery {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        kind: slot_kind.into(),
        parent: None,
        after_seq: None,
        limit: quota,
        newest_first: false,
    };
    let taken = h
        .store
        .list(&query)
        .await
        .map_err(|e| ApiError::internal_from("listing quota slots", &e))?;
    let taken: std::collections::HashSet<usize> = taken
        .iter()
        .filter_map(|row| row.key.id.parse().ok())
        .collect();
    if taken.len() >= quota {
        return Err(quota_exceeded(message));
    }
    let start = random_below(h, quota);
    (0..quota)
        .map(|i| (start + i) % quota)
        .find(|slot| !taken.contains(slot))
        .ok_or_else(|| quota_exceeded(message))
}

/// A uniformly spread number in `0 … bound - 1` (`bound` > 0).
fn random_below(h: &AppRunnerHandler, bound: usize) -> usize {
    let mut random = [0u8; 8];
    h.entropy.fill(&mut random);
    usize::try_from(u64::from_le_bytes(random) % bound as u64).unwrap_or(0)
}

/// One page of the rows of `kind` (optionally with `parent`) that `keep` accepts, in insertion order, continuing
/// after the page's token. Rows are read in batches until the page (plus one row, to know whether another page
/// follows) is full or the kind is exhausted; the caller cuts it with [`PageRequest::finish`], whose token is the
/// last returned row's `seq`, so rejected rows never cause gaps or duplicates.
pub(crate) async fn filtered_page<F>(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    kind: &str,
    parent: Option<&str>,
    page: &PageRequest,
    mut keep: F,
) -> Result<Vec<Resource>, ApiError>
where
    F: FnMut(&Resource) -> Result<bool, ApiError>,
{
    let wanted = page.fetch();
    let mut out = Vec::new();
    let mut after = page.after;
    loop {
        let query = ListQuery {
            account: ctx.caller.account_id.clone(),
            region: ctx.region.clone(),
            kind: kind.into(),
            parent: parent.map(str::to_owned),
            after_seq: after,
            limit: SCAN_BATCH,
            newest_first: false,
        };
        let rows = h
            .store
            .list(&query)
            .await
            .map_err(|e| ApiError::internal_from("listing App Runner resources", &e))?;
        let exhausted = rows.len() < SCAN_BATCH;
        for row in rows {
            after = Some(row.seq);
            if keep(&row)? {
                out.push(row);
                if out.len() >= wanted {
                    return Ok(out);
                }
            }
        }
        if exhausted {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_milliseconds() {
        assert_eq!(
            serde_json::json!(epoch_seconds(1_700_000_000_123)).to_string(),
            "1700000000.123"
        );
    }

    #[test]
    fn required_members_are_invalid_requests_when_missing() {
        let input = serde_json::json!({"A": "x", "B": 3});
        assert_eq!(required_str(&input, "A"), Ok("x"));
        for member in ["B", "C"] {
            let err = required_str(&input, member).expect_err("accepted");
            assert_eq!(err.code, "InvalidRequestException");
        }
    }
}
