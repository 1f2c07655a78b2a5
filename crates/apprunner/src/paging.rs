//! Pagination shared by every App Runner list operation: `MaxResults` (its range is checked by the model before
//! an operation runs), `NextToken` sealed to the query that issued it, pages in insertion order so they stay
//! stable under concurrent creates. Without `MaxResults`, everything comes in one response, as App Runner
//! documents.

use serde_json::Value;
use trailrunner_api::{ApiError, PageTokens};
use trailrunner_store::Resource;

use crate::errors::invalid_request;

/// One page request: where to start and how many to return.
pub(crate) struct PageRequest {
    scope: String,
    /// Continue after this `seq` (from the token).
    pub(crate) after: Option<i64>,
    pub(crate) limit: usize,
}

impl PageRequest {
    /// Read `MaxResults` and `NextToken` for a query described by `scope` (operation, account, region, filters).
    pub(crate) fn from_input(
        tokens: &PageTokens,
        input: &Value,
        scope: String,
    ) -> Result<Self, ApiError> {
        let limit = input
            .get("MaxResults")
            .and_then(Value::as_u64)
            .map_or(usize::MAX / 2, |n| {
                usize::try_from(n).unwrap_or(usize::MAX / 2)
            });
        let after = match input.get("NextToken").and_then(Value::as_str) {
            None => None,
            Some(token) => Some(
                tokens
                    .open(&scope, token)
                    .ok_or_else(|| invalid_request("Invalid NextToken."))?,
            ),
        };
        Ok(PageRequest {
            scope,
            after,
            limit,
        })
    }

    /// How many rows to ask the store for: one more than the page, to know whether another page follows.
    pub(crate) fn fetch(&self) -> usize {
        self.limit.saturating_add(1)
    }

    /// Cut `rows` (fetched with [`Self::fetch`]) to the page; the token for the next page, if there is one.
    pub(crate) fn finish(&self, tokens: &PageTokens, rows: &mut Vec<Resource>) -> Option<String> {
        if rows.len() <= self.limit {
            return None;
        }
        rows.truncate(self.limit);
        rows.last().map(|r| tokens.seal(&self.scope, r.seq))
    }
}

impl PageRequest {
    /// A request for the first `limit` rows that is never continued (internal scans).
    pub(crate) fn internal(limit: usize) -> Self {
        PageRequest {
            scope: String::new(),
            after: None,
            limit,
        }
    }

    /// The token for a page that ends at `seq`, for lists that are cut to the page by the caller.
    pub(crate) fn seal(&self, tokens: &PageTokens, seq: i64) -> String {
        tokens.seal(&self.scope, seq)
    }
}
