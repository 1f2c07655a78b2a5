//! Reading and writing trails: the account's directory row, finding the trail a name or ARN refers to in the
//! current region, and the rows a change writes (see `trail_rows` for the storage contract).

use trailrunner_api::{ApiError, CallContext, ResourceRef};
use trailrunner_store::{ChangeSet, Expect};

use crate::errors::error;
use crate::handler::CloudTrailHandler;
use crate::trail_names::{trail_arn, trail_not_found, TrailRef};
use crate::trail_rows::{
    trail_directory_key, trail_index_key, trail_key, DirectoryEntry, TrailDirectory, TrailIndexRow,
    TrailRow,
};

/// The most trails one region may show (its own and the multi-region trails of other regions); not adjustable.
pub(crate) const TRAILS_PER_REGION: usize = 5;

/// An account's directory as read, with the version to write it back under.
pub(crate) struct Directory {
    pub(crate) trails: TrailDirectory,
    version: Option<i64>,
}

impl Directory {
    pub(crate) fn visible_in<'a>(
        &'a self,
        region: &'a str,
    ) -> impl Iterator<Item = &'a DirectoryEntry> + 'a {
        self.trails
            .trails
            .iter()
            .filter(move |e| e.visible_in(region))
    }

    /// The trails `region` counts towards its quota, leaving out `except` (a trail being changed).
    fn count_in(&self, region: &str, except: Option<&str>) -> usize {
        self.visible_in(region)
            .filter(|e| Some(e.trail_arn.as_str()) != except)
            .count()
    }

    /// Checks that `entry` may join the directory (a new trail) or replace the entry of its ARN (a changed trail):
    /// its name is taken in no region it shows in, and no such region exceeds the quota.
    pub(crate) fn check_admits(
        &self,
        entry: &DirectoryEntry,
        account: &str,
        is_new: bool,
    ) -> Result<(), ApiError> {
        let replacing = (!is_new).then_some(entry.trail_arn.as_str());
        for other in &self.trails.trails {
            if Some(other.trail_arn.as_str()) == replacing || other.name != entry.name {
                continue;
            }
            let clash = if entry.is_multi_region_trail || other.is_multi_region_trail {
                true
            } else {
                other.home_region == entry.home_region
            };
            if clash {
                return Err(error(
                    "TrailAlreadyExistsException",
                    format!(
                        "Trail {} already exists for customer: {account}",
                        entry.name
                    ),
                ));
            }
        }
        // The regions the new entry shows in that hold trails at all (any other region holds only it).
        let mut regions: Vec<&str> = vec![entry.home_region.as_str()];
        if entry.is_multi_region_trail {
            for other in &self.trails.trails {
                if !regions.contains(&other.home_region.as_str()) {
                    regions.push(&other.home_region);
                }
            }
        }
        for region in regions {
            if self.count_in(region, replacing) >= TRAILS_PER_REGION {
                return Err(error(
                    "MaximumNumberOfTrailsExceededException",
                    format!("User: {account} already has {TRAILS_PER_REGION} trails in {region}."),
                ));
            }
        }
        Ok(())
    }

    /// Adds `entry`, or replaces the entry with its ARN.
    pub(crate) fn upsert(&mut self, entry: DirectoryEntry) {
        match self
            .trails
            .trails
            .iter_mut()
            .find(|e| e.trail_arn == entry.trail_arn)
        {
            Some(existing) => *existing = entry,
            None => self.trails.trails.push(entry),
        }
    }

    pub(crate) fn remove(&mut self, arn: &str) {
        self.trails.trails.retain(|e| e.trail_arn != arn);
    }

    /// Writes the directory back under the version it was read at: a concurrent change makes one call re-run.
    pub(crate) fn write(&self, changes: &mut ChangeSet, account: &str) -> Result<(), ApiError> {
        let doc = serde_json::to_string(&self.trails)
            .map_err(|e| ApiError::internal_from("encoding the trail directory", &e))?;
        let expect = self.version.map_or(Expect::Absent, Expect::Version);
        changes.put(trail_directory_key(account), None, doc, expect);
        Ok(())
    }
}

pub(crate) async fn read_directory(
    h: &CloudTrailHandler,
    account: &str,
) -> Result<Directory, ApiError> {
    let row = h
        .store
        .get(&trail_directory_key(account))
        .await
        .map_err(|e| ApiError::internal_from("reading the trail directory", &e))?;
    match row {
        None => Ok(Directory {
            trails: TrailDirectory::default(),
            version: None,
        }),
        Some(row) => Ok(Directory {
            trails: serde_json::from_str(&row.doc)
                .map_err(|e| ApiError::internal_from("decoding the trail directory", &e))?,
            version: Some(row.version),
        }),
    }
}

/// A trail as read, with the version to update it under.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) row: TrailRow,
    pub(crate) version: i64,
}

impl Found {
    /// Whether the current region is not the trail's home region (a shadow trail, or a trail named by ARN from
    /// elsewhere).
    pub(crate) fn is_shadow_in(&self, region: &str) -> bool {
        self.row.home_region != region
    }

    /// `InvalidHomeRegionException` outside the home region: trails are changed only there.
    pub(crate) fn require_home(&self, ctx: &CallContext) -> Result<(), ApiError> {
        if self.is_shadow_in(&ctx.region) {
            return Err(error(
                "InvalidHomeRegionException",
                format!(
                    "The trail {} can only be changed in its home region {}, not in {}.",
                    self.row.trail_arn, self.row.home_region, ctx.region
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn resource(&self) -> ResourceRef {
        ResourceRef {
            arn: self.row.trail_arn.clone(),
            account_id: self.row.account.clone(),
            resource_type: "AWS::CloudTrail::Trail".into(),
        }
    }

    /// Puts the updated trail row under the version it was read at.
    pub(crate) fn put(&self, changes: &mut ChangeSet, row: &TrailRow) -> Result<(), ApiError> {
        changes.put(row.key(), None, encode(row)?, Expect::Version(self.version));
        Ok(())
    }
}

fn encode(row: &TrailRow) -> Result<String, ApiError> {
    serde_json::to_string(row).map_err(|e| ApiError::internal_from("encoding a trail", &e))
}

/// The rows that create a trail: the trail row and its global index row, both new.
pub(crate) fn put_new(changes: &mut ChangeSet, row: &TrailRow) -> Result<(), ApiError> {
    let index = TrailIndexRow {
        account: row.account.clone(),
        home_region: row.home_region.clone(),
    };
    let index = serde_json::to_string(&index)
        .map_err(|e| ApiError::internal_from("encoding a trail index row", &e))?;
    changes
        .put(row.key(), None, encode(row)?, Expect::Absent)
        .put(trail_index_key(&row.trail_arn), None, index, Expect::Absent);
    Ok(())
}

/// Reads the trail stored under `arn` (homed in `home_region`).
pub(crate) async fn read_trail(
    h: &CloudTrailHandler,
    account: &str,
    home_region: &str,
    arn: &str,
) -> Result<Option<Found>, ApiError> {
    let row = h
        .store
        .get(&trail_key(account, home_region, arn))
        .await
        .map_err(|e| ApiError::internal_from("reading a trail", &e))?;
    let Some(row) = row else { return Ok(None) };
    let trail: TrailRow = serde_json::from_str(&row.doc)
        .map_err(|e| ApiError::internal_from("decoding a trail", &e))?;
    Ok(Some(Found {
        row: trail,
        version: row.version,
    }))
}

/// The trail a reference names for the caller in the current region: by ARN anywhere (in the caller's account),
/// by name the region's own trail or the shadow of a multi-region trail. `None` when there is none.
pub(crate) async fn find(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    reference: &TrailRef,
) -> Result<Option<Found>, ApiError> {
    let account = ctx.caller.account_id.as_str();
    match reference {
        TrailRef::Arn(arn) => {
            if arn.account != account || arn.partition != "aws" {
                return Ok(None);
            }
            let canonical = trail_arn(&arn.region, &arn.account, &arn.name);
            read_trail(h, account, &arn.region, &canonical).await
        }
        TrailRef::Name(name) => {
            let own = trail_arn(&ctx.region, account, name);
            if let Some(found) = read_trail(h, account, &ctx.region, &own).await? {
                return Ok(Some(found));
            }
            let directory = read_directory(h, account).await?;
            let shadow = directory
                .visible_in(&ctx.region)
                .find(|e| e.name == *name)
                .cloned();
            match shadow {
                Some(e) => read_trail(h, account, &e.home_region, &e.trail_arn).await,
                None => Ok(None),
            }
        }
    }
}

/// Like [`find`], but a missing trail is `TrailNotFoundException` naming what the caller gave.
pub(crate) async fn find_required(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    given: &str,
) -> Result<Found, ApiError> {
    let reference = TrailRef::parse(given)?;
    find(h, ctx, &reference)
        .await?
        .ok_or_else(|| trail_not_found(given, &ctx.caller.account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, home: &str, multi: bool) -> DirectoryEntry {
        DirectoryEntry {
            trail_arn: trail_arn(home, "111122223333", name),
            name: name.into(),
            home_region: home.into(),
            is_multi_region_trail: multi,
        }
    }

    fn directory(entries: Vec<DirectoryEntry>) -> Directory {
        Directory {
            trails: TrailDirectory { trails: entries },
            version: Some(1),
        }
    }

    #[test]
    fn names_clash_in_every_region_a_trail_shows_in() {
        let d = directory(vec![
            entry("multi", "us-east-1", true),
            entry("single", "us-east-1", false),
        ]);
        let code = |e: DirectoryEntry| d.check_admits(&e, "111122223333", true).map_err(|e| e.code);
        assert_eq!(
            code(entry("multi", "eu-west-1", false)),
            Err("TrailAlreadyExistsException".into())
        );
        assert_eq!(
            code(entry("single", "us-east-1", false)),
            Err("TrailAlreadyExistsException".into())
        );
        assert_eq!(code(entry("single", "eu-west-1", false)), Ok(()));
        assert_eq!(
            code(entry("single", "eu-west-1", true)),
            Err("TrailAlreadyExistsException".into())
        );
    }

    #[test]
    fn a_multi_region_trail_counts_in_every_region() {
        let mut entries: Vec<_> = (0..4)
            .map(|i| entry(&format!("t{i}"), "eu-west-1", false))
            .collect();
        entries.push(entry("m", "us-east-1", true));
        let d = directory(entries);
        let err = d
            .check_admits(&entry("x", "eu-west-1", false), "111122223333", true)
            .unwrap_err();
        assert_eq!(err.code, "MaximumNumberOfTrailsExceededException");
        assert_eq!(
            err.message,
            "User: 111122223333 already has 5 trails in eu-west-1."
        );
        // us-east-1 holds one, but a new multi-region trail would also show in the full eu-west-1.
        let err = d
            .check_admits(&entry("y", "us-east-1", true), "111122223333", true)
            .unwrap_err();
        assert!(err.message.ends_with("in eu-west-1."), "{}", err.message);
        assert!(d
            .check_admits(&entry("z", "us-east-1", false), "111122223333", true)
            .is_ok());
        // Changing a trail does not count it twice; creating it again is a clash.
        assert!(d
            .check_admits(&entry("t0", "eu-west-1", false), "111122223333", false)
            .is_ok());
        let err = d
            .check_admits(&entry("t0", "eu-west-1", false), "111122223333", true)
            .unwrap_err();
        assert_eq!(err.code, "TrailAlreadyExistsException");
        assert_eq!(
            err.message,
            "Trail t0 already exists for customer: 111122223333"
        );
    }
}
