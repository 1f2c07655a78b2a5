//! Storage of auto scaling configurations (spec §3.5): the rows, the per-call overlay that turns reads and writes
//! into one optimistic change set, and the resolution of full and partial ARNs.
//!
//! Rows, all in the caller's account and region:
//! - `autoscalingconfiguration`, keyed `<name>/<revision>` (revisions are never reused, so the key is unique for
//!   good), parent = the name: the `AutoScalingConfiguration` document (without the derived `Latest`, `IsDefault`
//!   and `HasAssociatedService`) plus the create-time `Tags`. Deletion keeps the row with `Status` `INACTIVE`.
//! - `autoscalingconfiguration-name`, keyed by the name: `{"Highest", "Active", "Slot"}` — the highest revision
//!   ever issued, the ACTIVE revisions in ascending order, and the name-quota slot the name holds while it has
//!   active revisions. Every create and delete of a name rewrites it under `Expect::Version` (or `Expect::Absent`),
//!   so concurrent changes of one name serialise and the per-name revision quota cannot be overshot.
//! - `autoscalingconfiguration-slot`, keyed `0` … quota − 1: claimed with `Expect::Absent`.
//! - `autoscalingconfiguration-default`, keyed `default`: `{"Name", "Revision"}` of the account's default. It also
//!   marks the region as initialised: when it is missing, the call puts App Runner's `DefaultConfiguration`
//!   revision 1 (with `Expect::Absent`) in its own change set.

use std::collections::HashMap;

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext};
use trailrunner_store::{ChangeSet, Expect, ResourceKey};

use crate::arn;
use crate::errors::{invalid_request, resource_not_found};
use crate::handler::AppRunnerHandler;

pub(crate) const ASC_KIND: &str = "autoscalingconfiguration";
pub(crate) const NAME_KIND: &str = "autoscalingconfiguration-name";
pub(crate) const SLOT_KIND: &str = "autoscalingconfiguration-slot";
pub(crate) const DEFAULT_KIND: &str = "autoscalingconfiguration-default";
const DEFAULT_ID: &str = "default";
pub(crate) const ARN_RESOURCE_TYPE: &str = "autoscalingconfiguration";

/// App Runner's built-in configuration (spec §3.5, §4.1).
pub(crate) const DEFAULT_NAME: &str = "DefaultConfiguration";
pub(crate) const DEFAULT_CONFIGURATION_ID: &str = "00000000000000000000000000000001";
pub(crate) const DEFAULT_MAX_CONCURRENCY: i64 = 100;
pub(crate) const DEFAULT_MIN_SIZE: i64 = 1;
pub(crate) const DEFAULT_MAX_SIZE: i64 = 25;

/// A pending write of the call.
enum Write {
    Put { parent: Option<String>, doc: Value },
    Delete,
}

/// The call's view of the store: reads go to the store once per key (remembering the version seen), writes stay
/// in memory and are visible to later reads of the same call; [`Tx::finish`] turns them into a change set whose
/// preconditions are exactly the versions read.
pub(crate) struct Tx<'a> {
    pub(crate) h: &'a AppRunnerHandler,
    pub(crate) ctx: &'a CallContext,
    seen: HashMap<(String, String), Option<(i64, Value)>>,
    writes: Vec<((String, String), Write)>,
}

impl<'a> Tx<'a> {
    pub(crate) fn new(h: &'a AppRunnerHandler, ctx: &'a CallContext) -> Self {
        Tx {
            h,
            ctx,
            seen: HashMap::new(),
            writes: Vec::new(),
        }
    }

    pub(crate) fn key(&self, kind: &str, id: &str) -> ResourceKey {
        ResourceKey::new(
            self.ctx.caller.account_id.as_str(),
            self.ctx.region.as_str(),
            kind,
            id,
        )
    }

    async fn load(&mut self, kind: &str, id: &str) -> Result<Option<Value>, ApiError> {
        let k = (kind.to_owned(), id.to_owned());
        if let Some(seen) = self.seen.get(&k) {
            return Ok(seen.as_ref().map(|(_, doc)| doc.clone()));
        }
        let row =
            self.h.store.get(&self.key(kind, id)).await.map_err(|e| {
                ApiError::internal_from("reading an auto scaling configuration", &e)
            })?;
        let seen = match row {
            Some(row) => Some((row.version, parse_doc(&row.doc)?)),
            None => None,
        };
        let doc = seen.as_ref().map(|(_, doc)| doc.clone());
        self.seen.insert(k, seen);
        Ok(doc)
    }

    /// The row as this call sees it (its own writes included).
    pub(crate) async fn get(&mut self, kind: &str, id: &str) -> Result<Option<Value>, ApiError> {
        if let Some((_, w)) = self.writes.iter().find(|(k, _)| k.0 == kind && k.1 == id) {
            return Ok(match w {
                Write::Put { doc, .. } => Some(doc.clone()),
                Write::Delete => None,
            });
        }
        self.load(kind, id).await
    }

    pub(crate) async fn put(
        &mut self,
        kind: &str,
        id: &str,
        parent: Option<String>,
        doc: Value,
    ) -> Result<(), ApiError> {
        self.load(kind, id).await?;
        self.set((kind.to_owned(), id.to_owned()), Write::Put { parent, doc });
        Ok(())
    }

    pub(crate) async fn delete(&mut self, kind: &str, id: &str) -> Result<(), ApiError> {
        self.load(kind, id).await?;
        self.set((kind.to_owned(), id.to_owned()), Write::Delete);
        Ok(())
    }

    fn set(&mut self, k: (String, String), w: Write) {
        if let Some(slot) = self.writes.iter_mut().find(|(key, _)| *key == k) {
            slot.1 = w;
        } else {
            self.writes.push((k, w));
        }
    }

    pub(crate) fn finish(self) -> ChangeSet {
        let mut changes = ChangeSet::new();
        for ((kind, id), w) in self.writes {
            let key = ResourceKey::new(
                self.ctx.caller.account_id.as_str(),
                self.ctx.region.as_str(),
                kind.as_str(),
                id.as_str(),
            );
            let expect = match self.seen.get(&(kind, id)) {
                Some(Some((version, _))) => Expect::Version(*version),
                _ => Expect::Absent,
            };
            match w {
                Write::Put { parent, doc } => {
                    changes.put(key, parent, doc.to_string(), expect);
                }
                // Deleting what the store never had: nothing to do.
                Write::Delete if expect == Expect::Absent => {}
                Write::Delete => {
                    changes.delete(key, expect);
                }
            }
        }
        changes
    }
}

pub(crate) fn parse_doc(doc: &str) -> Result<Value, ApiError> {
    serde_json::from_str(doc)
        .map_err(|e| ApiError::internal_from("reading a stored auto scaling configuration", &e))
}

/// The key of a revision row.
pub(crate) fn revision_id(name: &str, revision: u64) -> String {
    format!("{name}/{revision}")
}

/// The per-name index row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct NameRow {
    pub highest: u64,
    /// ACTIVE revisions, ascending.
    pub active: Vec<u64>,
    pub slot: Option<u64>,
}

impl NameRow {
    pub(crate) fn from_doc(doc: &Value) -> NameRow {
        let mut active: Vec<u64> = doc
            .get("Active")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        active.sort_unstable();
        NameRow {
            highest: doc.get("Highest").and_then(Value::as_u64).unwrap_or(0),
            active,
            slot: doc.get("Slot").and_then(Value::as_u64),
        }
    }

    pub(crate) fn to_doc(&self) -> Value {
        json!({ "Highest": self.highest, "Active": self.active, "Slot": self.slot })
    }

    /// The latest ACTIVE revision (what a `…/<name>` ARN resolves to; the one marked `Latest`).
    pub(crate) fn latest(&self) -> Option<u64> {
        self.active.last().copied()
    }
}

pub(crate) async fn name_row(tx: &mut Tx<'_>, name: &str) -> Result<NameRow, ApiError> {
    Ok(tx
        .get(NAME_KIND, name)
        .await?
        .map(|d| NameRow::from_doc(&d))
        .unwrap_or_default())
}

/// The current default `(name, revision)`.
pub(crate) async fn default_of(tx: &mut Tx<'_>) -> Result<Option<(String, u64)>, ApiError> {
    let Some(doc) = tx.get(DEFAULT_KIND, DEFAULT_ID).await? else {
        return Ok(None);
    };
    let name = doc.get("Name").and_then(Value::as_str).map(str::to_owned);
    let rev = doc.get("Revision").and_then(Value::as_u64);
    Ok(name.zip(rev))
}

pub(crate) async fn set_default(
    tx: &mut Tx<'_>,
    name: &str,
    revision: u64,
) -> Result<(), ApiError> {
    tx.put(
        DEFAULT_KIND,
        DEFAULT_ID,
        None,
        json!({ "Name": name, "Revision": revision }),
    )
    .await
}

/// The ARN of App Runner's `DefaultConfiguration` revision 1 in a region.
pub(crate) fn default_configuration_arn(region: &str, account: &str) -> String {
    arn::build(
        region,
        account,
        ARN_RESOURCE_TYPE,
        &[DEFAULT_NAME, "1", DEFAULT_CONFIGURATION_ID],
    )
}

/// Put App Runner's `DefaultConfiguration` revision 1 (and mark it the default) if this region has never been
/// touched. Returns whether it did.
pub(crate) async fn ensure_region(tx: &mut Tx<'_>) -> Result<bool, ApiError> {
    if tx.get(DEFAULT_KIND, DEFAULT_ID).await?.is_some() {
        return Ok(false);
    }
    let arn = default_configuration_arn(&tx.ctx.region, &tx.ctx.caller.account_id);
    let doc = json!({
        "AutoScalingConfigurationArn": arn,
        "AutoScalingConfigurationName": DEFAULT_NAME,
        "AutoScalingConfigurationRevision": 1,
        "Status": "ACTIVE",
        "MaxConcurrency": DEFAULT_MAX_CONCURRENCY,
        "MinSize": DEFAULT_MIN_SIZE,
        "MaxSize": DEFAULT_MAX_SIZE,
        "CreatedAt": crate::store_rows::epoch_seconds(tx.ctx.now.as_millisecond()),
        "Tags": [],
    });
    tx.put(
        ASC_KIND,
        &revision_id(DEFAULT_NAME, 1),
        Some(DEFAULT_NAME.to_owned()),
        doc,
    )
    .await?;
    let index = NameRow {
        highest: 1,
        active: vec![1],
        slot: None,
    };
    tx.put(NAME_KIND, DEFAULT_NAME, None, index.to_doc())
        .await?;
    set_default(tx, DEFAULT_NAME, 1).await?;
    Ok(true)
}

/// What an input ARN names (spec §3.1: full, `…/<name>/<revision>` or `…/<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Name(String),
    Revision(String, u64),
    Full(String, u64, String),
}

impl Target {
    pub(crate) fn name(&self) -> &str {
        match self {
            Target::Name(n) | Target::Revision(n, _) | Target::Full(n, _, _) => n,
        }
    }
}

/// Take apart an auto scaling configuration ARN given by a caller. Not an auto scaling configuration ARN at all
/// → `InvalidRequestException`; one of another account or region → `ResourceNotFoundException`.
pub(crate) fn parse_target(input: &str, region: &str, account: &str) -> Result<Target, ApiError> {
    let malformed = || {
        invalid_request(format!(
            "{input} is not a valid auto scaling configuration ARN: expected \
             arn:aws:apprunner:<region>:<account>:autoscalingconfiguration/<name>[/<revision>[/<id>]]."
        ))
    };
    let parsed = arn::parse(input).ok_or_else(malformed)?;
    if parsed.resource_type != ARN_RESOURCE_TYPE {
        return Err(malformed());
    }
    let target = match parsed.parts.as_slice() {
        [name] if is_name(name) => Target::Name((*name).to_owned()),
        [name, rev] if is_name(name) => Target::Revision(
            (*name).to_owned(),
            arn::parse_revision(rev).ok_or_else(malformed)?,
        ),
        [name, rev, id] if is_name(name) && arn::is_resource_id(id) => Target::Full(
            (*name).to_owned(),
            arn::parse_revision(rev).ok_or_else(malformed)?,
            (*id).to_owned(),
        ),
        _ => return Err(malformed()),
    };
    if parsed.region != region || parsed.account != account {
        return Err(resource_not_found(format!(
            "Auto scaling configuration {input} not found in this account and region."
        )));
    }
    Ok(target)
}

/// The model's `AutoScalingConfigurationName`: `[A-Za-z0-9][A-Za-z0-9\-_]{3,31}`.
pub(crate) fn is_name(name: &str) -> bool {
    arn::is_resource_name(name, 32)
}

/// Which revision a target picks, given the name's index: a `…/<name>` ARN means the latest ACTIVE revision.
pub(crate) fn select_revision(target: &Target, index: &NameRow) -> Option<u64> {
    match target {
        Target::Name(_) => index.latest(),
        Target::Revision(_, r) | Target::Full(_, r, _) => Some(*r),
    }
}

/// The stored revision a target names (any status), or `ResourceNotFoundException`.
pub(crate) async fn resolve(
    tx: &mut Tx<'_>,
    target: &Target,
    input: &str,
) -> Result<(u64, Value), ApiError> {
    let not_found = || {
        resource_not_found(format!(
            "Auto scaling configuration {input} not found in this account and region."
        ))
    };
    let name = target.name().to_owned();
    let index = name_row(tx, &name).await?;
    let revision = select_revision(target, &index).ok_or_else(not_found)?;
    let doc = tx
        .get(ASC_KIND, &revision_id(&name, revision))
        .await?
        .ok_or_else(not_found)?;
    if let Target::Full(..) = target {
        if doc
            .get("AutoScalingConfigurationArn")
            .and_then(Value::as_str)
            != Some(input)
        {
            return Err(not_found());
        }
    }
    Ok((revision, doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ID: &str = "2f50e7656d7819fead0f59672e68042e";

    fn asc_arn(parts: &[&str]) -> String {
        arn::build("us-east-1", ACCOUNT, ARN_RESOURCE_TYPE, parts)
    }

    #[test]
    fn parses_full_and_partial_arns() {
        assert_eq!(
            parse_target(
                &asc_arn(&["high-availability", "3", ID]),
                "us-east-1",
                ACCOUNT
            ),
            Ok(Target::Full("high-availability".into(), 3, ID.into()))
        );
        assert_eq!(
            parse_target(&asc_arn(&["high-availability", "12"]), "us-east-1", ACCOUNT),
            Ok(Target::Revision("high-availability".into(), 12))
        );
        assert_eq!(
            parse_target(&asc_arn(&["high-availability"]), "us-east-1", ACCOUNT),
            Ok(Target::Name("high-availability".into()))
        );
    }

    #[test]
    fn the_default_arn_has_the_documented_form() {
        assert_eq!(
            default_configuration_arn("us-east-2", ACCOUNT),
            "arn:aws:apprunner:us-east-2:123456789012:autoscalingconfiguration/DefaultConfiguration/1/00000000000000000000000000000001"
        );
        let arn = default_configuration_arn("us-east-1", ACCOUNT);
        assert_eq!(
            parse_target(&arn, "us-east-1", ACCOUNT),
            Ok(Target::Full(
                DEFAULT_NAME.into(),
                1,
                DEFAULT_CONFIGURATION_ID.into()
            ))
        );
    }

    #[test]
    fn malformed_arns_are_invalid_requests() {
        for bad in [
            "not an arn".to_owned(),
            asc_arn(&[]),
            asc_arn(&["abc"]),
            asc_arn(&["abcd", "0"]),
            asc_arn(&["abcd", "01"]),
            asc_arn(&["abcd", "-1"]),
            asc_arn(&["abcd", "x"]),
            asc_arn(&["abcd", "1", "XYZ"]),
            asc_arn(&["abcd", "1", &ID.to_uppercase()]),
            asc_arn(&["abcd", "1", ID, "extra"]),
            asc_arn(&["abcd", "99999999999999999999999"]),
            arn::build("us-east-1", ACCOUNT, "connection", &["abcd", ID]),
        ] {
            let err = parse_target(&bad, "us-east-1", ACCOUNT).expect_err(&bad);
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
    }

    #[test]
    fn other_regions_and_accounts_are_not_found() {
        for other in [
            arn::build("us-west-2", ACCOUNT, ARN_RESOURCE_TYPE, &["abcd", "1", ID]),
            arn::build("us-east-1", "210987654321", ARN_RESOURCE_TYPE, &["abcd"]),
        ] {
            let err = parse_target(&other, "us-east-1", ACCOUNT).expect_err(&other);
            assert_eq!(err.code, "ResourceNotFoundException");
        }
    }

    #[test]
    fn a_name_arn_selects_the_latest_active_revision() {
        let index = NameRow {
            highest: 5,
            active: vec![1, 3, 4],
            slot: Some(2),
        };
        assert_eq!(
            select_revision(&Target::Name("abcd".into()), &index),
            Some(4)
        );
        assert_eq!(
            select_revision(&Target::Revision("abcd".into(), 2), &index),
            Some(2)
        );
        assert_eq!(
            select_revision(&Target::Full("abcd".into(), 5, ID.into()), &index),
            Some(5)
        );
        assert_eq!(
            select_revision(&Target::Name("abcd".into()), &NameRow::default()),
            None
        );
    }

    #[test]
    fn name_rows_round_trip_and_sort() {
        let row = NameRow::from_doc(&json!({"Highest": 7, "Active": [6, 2, 7], "Slot": 3}));
        assert_eq!(row.active, vec![2, 6, 7]);
        assert_eq!(row.latest(), Some(7));
        assert_eq!(NameRow::from_doc(&row.to_doc()), row);
        let free = NameRow::from_doc(&json!({"Highest": 2, "Active": [], "Slot": null}));
        assert_eq!(free.slot, None);
        assert_eq!(free.latest(), None);
    }

    #[test]
    fn names_follow_the_model() {
        for good in ["abcd", "DefaultConfiguration", "A1-_", &"z".repeat(32)] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "abc", "_abc", "ab.c", &"z".repeat(33)] {
            assert!(!is_name(bad), "{bad}");
        }
    }
}
