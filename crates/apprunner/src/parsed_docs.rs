//! Parsed documents of stored rows, shared by the reads that only look at them.
//!
//! A stored document is JSON text, and describing or listing services parsed it on every call: DescribeService
//! spent more of its own time parsing its service's document than on anything else, and ListServices parsed each
//! listed document twice. A row's `(seq, version)` pair names one content for good (every write bumps `version`; a
//! row created again gets a new `seq`), so a parsed copy stays right for exactly as long as the row still reads with
//! the same pair, and nothing needs invalidating.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use trailrunner_api::ApiError;
use trailrunner_store::{Resource, ResourceKey};

use crate::store_rows::document;

/// The most documents kept; past it the cache starts over (bounded memory without bookkeeping per read).
const CAPACITY: usize = 1024;

struct Parsed {
    seq: i64,
    version: i64,
    doc: Arc<Value>,
}

#[derive(Default)]
pub(crate) struct ParsedDocs {
    entries: Mutex<HashMap<ResourceKey, Parsed>>,
}

impl ParsedDocs {
    /// The parsed document of `row`, parsed now only if this version of the row was not parsed before.
    pub(crate) fn of(&self, row: &Resource) -> Result<Arc<Value>, ApiError> {
        if let Some(hit) = self.lock().get(&row.key) {
            if hit.seq == row.seq && hit.version == row.version {
                return Ok(hit.doc.clone());
            }
        }
        let doc = Arc::new(document(row)?);
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&row.key) {
            entries.clear();
        }
        entries.insert(
            row.key.clone(),
            Parsed {
                seq: row.seq,
                version: row.version,
                doc: doc.clone(),
            },
        );
        Ok(doc)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ResourceKey, Parsed>> {
        // The map holds no invariant a panicking reader could break.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, version: i64, doc: &str) -> Resource {
        Resource {
            seq,
            key: ResourceKey::new("123456789012", "us-east-1", "service", "arn"),
            parent: None,
            version,
            doc: doc.into(),
        }
    }

    #[test]
    fn a_new_version_or_a_new_row_is_parsed_again() {
        let docs = ParsedDocs::default();
        let first = docs.of(&row(1, 1, r#"{"Status":"A"}"#)).unwrap();
        assert_eq!(first["Status"], "A");
        let again = docs.of(&row(1, 1, r#"{"Status":"A"}"#)).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same version is shared");
        assert_eq!(
            docs.of(&row(1, 2, r#"{"Status":"B"}"#)).unwrap()["Status"],
            "B"
        );
        assert_eq!(
            docs.of(&row(7, 1, r#"{"Status":"C"}"#)).unwrap()["Status"],
            "C"
        );
    }

    #[test]
    fn stays_bounded() {
        let docs = ParsedDocs::default();
        for i in 0..(CAPACITY as i64 * 3) {
            let mut r = row(i, 1, "{}");
            r.key.id = format!("arn-{i}");
            docs.of(&r).unwrap();
        }
        assert!(docs.lock().len() <= CAPACITY);
    }

    #[test]
    fn a_broken_document_is_an_internal_error() {
        let docs = ParsedDocs::default();
        assert!(docs.of(&row(1, 1, "{not json")).is_err());
    }
}
