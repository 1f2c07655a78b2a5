//! Errors of the storage layer.

/// A failure of the backend itself (I/O, corruption, a closed writer). Callers turn it into an internal error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Other(String),
}

/// Why a [`crate::ChangeSet`] was not committed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A precondition did not hold (someone else changed or created the row first). Nothing was written; the
    /// caller may re-read and retry.
    #[error("precondition failed for {kind}/{id}")]
    Conflict { kind: String, id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}
