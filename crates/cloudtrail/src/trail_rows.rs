//! How trails are stored, and what the delivery worker and the trail API agree on.
//!
//! A trail is one row of kind [`TRAIL_KIND`] in its home region, keyed by its ARN, holding a [`TrailRow`]. Since
//! delivery walks every trail of every account, each trail also has a pointer row of kind [`TRAIL_INDEX_KIND`] in
//! the global partition (account and region empty), keyed by the trail ARN, holding the trail's [`ResourceKey`]
//! parts. The two rows are written and deleted together.
//!
//! Every account also has one directory row of kind [`TRAIL_DIRECTORY_KIND`] (account set, region empty, id
//! [`TRAIL_DIRECTORY_ID`]) listing its trails with their names, home regions and whether they are multi-region
//! ([`TrailDirectory`]). Every call that creates or deletes a trail, or changes whether it is multi-region, rewrites
//! it under its version in the same change set as the trail row: concurrent creates serialise on it, so the quota
//! (five trails per region, a multi-region trail counting in every region) and the name rules across regions
//! (a shadow trail takes its name in every region) hold without races. It also answers which trails a region sees
//! (`DescribeTrails`' shadow trails, `ListTrails`) without scanning other regions.
//!
//! What delivery reports (latest delivery and digest times and errors) is a separate row of kind
//! [`TRAIL_STATUS_KIND`] next to the trail (same account, home region and id), written only by the delivery worker
//! and read by `GetTrailStatus`; the trail API never writes it, so delivery never races a trail update.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trailrunner_store::{ListQuery, ResourceKey, SharedStore, StoreError};

pub const TRAIL_KIND: &str = "cloudtrail-trail";
pub const TRAIL_INDEX_KIND: &str = "cloudtrail-trail-index";
pub const TRAIL_STATUS_KIND: &str = "cloudtrail-trail-status";
pub const TRAIL_DIRECTORY_KIND: &str = "cloudtrail-trail-directory";
pub const TRAIL_DIRECTORY_ID: &str = "trails";

/// An account's trails, in creation order (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailDirectory {
    pub trails: Vec<DirectoryEntry>,
}

/// One trail in its account's [`TrailDirectory`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub trail_arn: String,
    pub name: String,
    pub home_region: String,
    pub is_multi_region_trail: bool,
}

impl DirectoryEntry {
    /// Whether the trail shows in `region`: its home region, or every region for a multi-region trail.
    pub fn visible_in(&self, region: &str) -> bool {
        self.is_multi_region_trail || self.home_region == region
    }
}

pub fn trail_directory_key(account: &str) -> ResourceKey {
    ResourceKey::new(account, "", TRAIL_DIRECTORY_KIND, TRAIL_DIRECTORY_ID)
}

/// A stored trail. Optional strings are `None` when unset (the API returns string members only when set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailRow {
    pub name: String,
    pub trail_arn: String,
    pub account: String,
    pub home_region: String,
    /// Fresh per `CreateTrail`: a trail deleted and created again under the same name (same ARN) is a new trail
    /// to delivery, whose state is keyed by it.
    pub generation: String,
    pub s3_bucket_name: String,
    pub s3_key_prefix: Option<String>,
    pub sns_topic_name: Option<String>,
    pub sns_topic_arn: Option<String>,
    pub include_global_service_events: bool,
    pub is_multi_region_trail: bool,
    pub log_file_validation_enabled: bool,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    pub kms_key_id: Option<String>,
    pub is_organization_trail: bool,
    pub has_insight_selectors: bool,
    /// `PutEventSelectors`' basic selectors as given on the wire (`EventSelectors`), or `None`.
    pub event_selectors: Option<Value>,
    /// `PutEventSelectors`' advanced selectors as given on the wire (`AdvancedEventSelectors`), or `None`. At most
    /// one of the two is set; with neither, the trail logs all management events.
    pub advanced_event_selectors: Option<Value>,
    pub logging: LoggingState,
    /// Tags in insertion order; a key without a value has `None`.
    pub tags: Vec<(String, Option<String>)>,
}

/// Whether the trail logs, since when, and from which point of the event feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingState {
    pub is_logging: bool,
    /// Incremented by every `StartLogging` that starts a stopped trail; delivery starts a new digest chain per
    /// epoch.
    pub epoch: u64,
    /// `Store::last_event_seq` when logging started: delivery takes events after it.
    pub start_after_seq: i64,
    pub start_logging_time_ms: Option<i64>,
    pub stop_logging_time_ms: Option<i64>,
}

/// What delivery reports per trail (`GetTrailStatus`). Times in milliseconds since the epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailStatusRow {
    /// The [`TrailRow::generation`] the report is about: `GetTrailStatus` ignores a report about an earlier trail
    /// of the same ARN (deleted and created again).
    #[serde(default)]
    pub generation: String,
    pub latest_delivery_time_ms: Option<i64>,
    pub latest_delivery_attempt_time_ms: Option<i64>,
    pub latest_delivery_attempt_succeeded: Option<bool>,
    /// The error of the latest failed delivery, cleared by the next successful one (S3 error text, such as
    /// `NoSuchBucket` or `AccessDenied`).
    pub latest_delivery_error: Option<String>,
    pub latest_digest_delivery_time_ms: Option<i64>,
    pub latest_digest_delivery_error: Option<String>,
}

/// The facts of one event a trail's selectors decide on.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    pub read_only: bool,
    pub event_source: &'a str,
    /// `Management`, `Data`, … (every event trailrunner records today is `Management`).
    pub event_category: &'a str,
}

impl TrailRow {
    /// A trail as `CreateTrail` makes it before applying its optional members: global service events included,
    /// single-region, no validation, no selectors, no tags, not logging.
    pub fn new(
        name: &str,
        trail_arn: &str,
        account: &str,
        home_region: &str,
        generation: &str,
        s3_bucket_name: &str,
    ) -> Self {
        TrailRow {
            name: name.to_owned(),
            trail_arn: trail_arn.to_owned(),
            account: account.to_owned(),
            home_region: home_region.to_owned(),
            generation: generation.to_owned(),
            s3_bucket_name: s3_bucket_name.to_owned(),
            s3_key_prefix: None,
            sns_topic_name: None,
            sns_topic_arn: None,
            include_global_service_events: true,
            is_multi_region_trail: false,
            log_file_validation_enabled: false,
            cloud_watch_logs_log_group_arn: None,
            cloud_watch_logs_role_arn: None,
            kms_key_id: None,
            is_organization_trail: false,
            has_insight_selectors: false,
            event_selectors: None,
            advanced_event_selectors: None,
            logging: LoggingState::default(),
            tags: Vec::new(),
        }
    }

    pub fn key(&self) -> ResourceKey {
        trail_key(&self.account, &self.home_region, &self.trail_arn)
    }

    /// Whether this trail logs events of `region`: all regions for a multi-region trail, else its home region.
    pub fn covers_region(&self, region: &str) -> bool {
        self.is_multi_region_trail || region == self.home_region
    }

    /// Whether the trail's event selectors select the event. Without selectors a trail logs every management
    /// event; with several, an event is logged when any selector matches.
    pub fn selects(&self, event: &EventFacts<'_>) -> bool {
        if let Some(Value::Array(selectors)) = &self.advanced_event_selectors {
            return selectors.iter().any(|s| advanced_selects(s, event));
        }
        if let Some(Value::Array(selectors)) = &self.event_selectors {
            return selectors.iter().any(|s| basic_selects(s, event));
        }
        event.event_category == "Management"
    }
}

/// A basic selector: `ReadWriteType` (default `All`), `IncludeManagementEvents` (default true),
/// `ExcludeManagementEventSources`. Data resources never match management events.
fn basic_selects(selector: &Value, event: &EventFacts<'_>) -> bool {
    if event.event_category != "Management" {
        return false;
    }
    let include = selector
        .get("IncludeManagementEvents")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let rw = selector
        .get("ReadWriteType")
        .and_then(Value::as_str)
        .unwrap_or("All");
    let rw_ok = match rw {
        "ReadOnly" => event.read_only,
        "WriteOnly" => !event.read_only,
        _ => true,
    };
    let excluded = selector
        .get("ExcludeManagementEventSources")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|s| s.as_str() == Some(event.event_source)));
    include && rw_ok && !excluded
}

/// An advanced selector: every field selector must hold. Fields this function does not know (data-event fields)
/// make the selector a data-event selector, which no management event matches.
fn advanced_selects(selector: &Value, event: &EventFacts<'_>) -> bool {
    let Some(fields) = selector.get("FieldSelectors").and_then(Value::as_array) else {
        return false;
    };
    fields.iter().all(|f| {
        let value = match f.get("Field").and_then(Value::as_str) {
            Some("eventCategory") => event.event_category,
            Some("readOnly") => {
                if event.read_only {
                    "true"
                } else {
                    "false"
                }
            }
            Some("eventSource") => event.event_source,
            _ => return false,
        };
        field_holds(f, value)
    })
}

fn field_holds(field: &Value, value: &str) -> bool {
    let list = |name: &str| -> Vec<&str> {
        field
            .get(name)
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let any = |name: &str, test: &dyn Fn(&str) -> bool| {
        let l = list(name);
        l.is_empty() || l.iter().any(|v| test(v))
    };
    let none = |name: &str, test: &dyn Fn(&str) -> bool| !list(name).iter().any(|v| test(v));
    any("Equals", &|v| v == value)
        && any("StartsWith", &|v| value.starts_with(v))
        && any("EndsWith", &|v| value.ends_with(v))
        && none("NotEquals", &|v| v == value)
        && none("NotStartsWith", &|v| value.starts_with(v))
        && none("NotEndsWith", &|v| value.ends_with(v))
}

pub fn trail_key(account: &str, home_region: &str, trail_arn: &str) -> ResourceKey {
    ResourceKey::new(account, home_region, TRAIL_KIND, trail_arn)
}

pub fn trail_index_key(trail_arn: &str) -> ResourceKey {
    ResourceKey::new("", "", TRAIL_INDEX_KIND, trail_arn)
}

pub fn trail_status_key(account: &str, home_region: &str, trail_arn: &str) -> ResourceKey {
    ResourceKey::new(account, home_region, TRAIL_STATUS_KIND, trail_arn)
}

/// The index row's document: where the trail row lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailIndexRow {
    pub account: String,
    pub home_region: String,
}

/// Every trail of every account, read through the global index (for the delivery worker).
pub async fn all_trails(store: &SharedStore) -> Result<Vec<TrailRow>, StoreError> {
    let mut trails = Vec::new();
    let mut after_seq = None;
    loop {
        let page = store
            .list(&ListQuery {
                account: String::new(),
                region: String::new(),
                kind: TRAIL_INDEX_KIND.into(),
                parent: None,
                after_seq,
                newest_first: false,
                limit: 200,
            })
            .await?;
        let Some(last) = page.last() else { break };
        after_seq = Some(last.seq);
        for row in &page {
            let Ok(index) = serde_json::from_str::<TrailIndexRow>(&row.doc) else {
                continue;
            };
            let key = trail_key(&index.account, &index.home_region, &row.key.id);
            if let Some(trail) = store.get(&key).await? {
                match serde_json::from_str::<TrailRow>(&trail.doc) {
                    Ok(t) => trails.push(t),
                    Err(e) => {
                        tracing::warn!(trail = %row.key.id, error = %e, "unreadable trail row")
                    }
                }
            }
        }
    }
    Ok(trails)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trail(basic: Option<Value>, advanced: Option<Value>) -> TrailRow {
        let mut t = TrailRow::new(
            "t",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
            "111122223333",
            "us-east-1",
            "g",
            "b",
        );
        t.event_selectors = basic;
        t.advanced_event_selectors = advanced;
        t
    }

    fn ev(read_only: bool, source: &str) -> EventFacts<'_> {
        EventFacts {
            read_only,
            event_source: source,
            event_category: "Management",
        }
    }

    #[test]
    fn no_selectors_log_every_management_event() {
        let t = trail(None, None);
        assert!(t.selects(&ev(true, "apprunner.amazonaws.com")));
        assert!(t.selects(&ev(false, "sts.amazonaws.com")));
    }

    #[test]
    fn basic_selectors_filter_read_write_and_sources() {
        let t = trail(
            Some(
                json!([{"ReadWriteType": "WriteOnly", "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]),
            ),
            None,
        );
        assert!(!t.selects(&ev(true, "apprunner.amazonaws.com")));
        assert!(t.selects(&ev(false, "apprunner.amazonaws.com")));
        assert!(!t.selects(&ev(false, "kms.amazonaws.com")));
        let off = trail(Some(json!([{"IncludeManagementEvents": false}])), None);
        assert!(!off.selects(&ev(false, "apprunner.amazonaws.com")));
    }

    #[test]
    fn advanced_selectors_match_any_selector_with_all_fields() {
        let t = trail(
            None,
            Some(json!([
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                    {"Field": "readOnly", "Equals": ["true"]}]},
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                    {"Field": "eventSource", "NotEquals": ["apprunner.amazonaws.com"]}]},
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}
            ])),
        );
        assert!(t.selects(&ev(true, "apprunner.amazonaws.com")));
        assert!(!t.selects(&ev(false, "apprunner.amazonaws.com")));
        assert!(t.selects(&ev(false, "sts.amazonaws.com")));
    }
}
