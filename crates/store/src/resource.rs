//! Resources: opaque JSON documents addressed by account, region, kind and id.

/// Where a resource lives. `region` is empty for global resources (IAM users, access keys).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceKey {
    pub account: String,
    pub region: String,
    pub kind: String,
    pub id: String,
}

impl ResourceKey {
    pub fn new(
        account: impl Into<String>,
        region: impl Into<String>,
        kind: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        ResourceKey {
            account: account.into(),
            region: region.into(),
            kind: kind.into(),
            id: id.into(),
        }
    }
}

/// A stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub key: ResourceKey,
    /// Incremented on every put; used by [`crate::Expect::Version`].
    pub version: i64,
    /// Insertion order, stable across updates: lists are ordered by it, so pagination is stable under
    /// concurrent inserts (new rows always sort after every existing one).
    pub seq: i64,
    /// Optional grouping value (for example the owning user of an access key), indexed for listing.
    pub parent: Option<String>,
    pub doc: String,
}

/// A page request over one kind in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub account: String,
    pub region: String,
    pub kind: String,
    /// Only resources with this parent, when set.
    pub parent: Option<String>,
    /// Only resources past this `seq` in the list's order (the previous page's last `seq`): greater for oldest
    /// first, smaller for newest first.
    pub after_seq: Option<i64>,
    /// Newest first (descending `seq`) instead of insertion order.
    pub newest_first: bool,
    pub limit: usize,
}
