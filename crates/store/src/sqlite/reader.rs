//! A pool of read-only connections, used inline by the calling thread.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use super::{schema, Durability};
use crate::StoreError;

/// Connections are taken out for the duration of one read and put back; a new one is opened when none is free,
/// and at most `KEEP` are kept.
pub(super) struct ReaderPool {
    path: PathBuf,
    durability: Durability,
    idle: Mutex<Vec<Connection>>,
}

const KEEP: usize = 16;

impl ReaderPool {
    pub(super) fn new(path: PathBuf, durability: Durability) -> Self {
        ReaderPool {
            path,
            durability,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = self
            .idle
            .lock()
            .map_err(|_| StoreError::Other("reader pool poisoned".into()))?
            .pop();
        let conn = match taken {
            Some(c) => c,
            None => schema::open_connection(&self.path, self.durability, true)?,
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEEP {
                idle.push(conn);
            }
        }
        result
    }
}
