//! The digest-signing key pairs, kept in the data dir.
//!
//! `<data_dir>/digest-keys/` (mode 0700) holds one `<fingerprint>.pk8` per key (unencrypted PKCS#8 DER, mode
//! 0600, written atomically) and `keys.json`, the list of keys with the time each became valid, oldest first. The
//! newest key signs; every key stays published by `ListPublicKeys` for its validity period (a key is valid from its
//! own start until the next key's start), so old digests stay verifiable after a rotation.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use trailrunner_cloudtrail::public_keys::{PublicKeySource, PublishedKey};
use trailrunner_trail_digest::KeyPair;

const DIR: &str = "digest-keys";
const INDEX: &str = "keys.json";

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("digest key store {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("digest key store {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexEntry {
    fingerprint: String,
    valid_from_ms: i64,
}

struct Loaded {
    entries: Vec<IndexEntry>,
    keys: Vec<Arc<KeyPair>>,
}

/// The key pairs; cheap to share.
pub struct DigestKeys {
    dir: PathBuf,
    loaded: RwLock<Loaded>,
}

impl DigestKeys {
    /// Load the keys under `data_dir`, creating the first key pair (valid from `now_ms`) when there is none.
    pub fn open(data_dir: &Path, now_ms: i64) -> Result<Self, KeyStoreError> {
        let dir = data_dir.join(DIR);
        create_private_dir(&dir)?;
        let index_path = dir.join(INDEX);
        let entries: Vec<IndexEntry> = match fs::read(&index_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| KeyStoreError::Invalid {
                path: index_path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(KeyStoreError::Io {
                    path: index_path,
                    source,
                })
            }
        };
        let mut keys = Vec::with_capacity(entries.len());
        for entry in &entries {
            let path = dir.join(format!("{}.pk8", entry.fingerprint));
            let der = fs::read(&path).map_err(|source| KeyStoreError::Io {
                path: path.clone(),
                source,
            })?;
            let key = KeyPair::from_pkcs8(&der).map_err(|e| KeyStoreError::Invalid {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if key.fingerprint() != entry.fingerprint {
                return Err(KeyStoreError::Invalid {
                    path,
                    message: "the key does not match its fingerprint".into(),
                });
            }
            keys.push(Arc::new(key));
        }
        let store = DigestKeys {
            dir,
            loaded: RwLock::new(Loaded { entries, keys }),
        };
        if store.loaded.read().expect("key lock").keys.is_empty() {
            store.rotate(now_ms)?;
        }
        Ok(store)
    }

    /// Make a new key pair the signing key from `now_ms` on.
    pub fn rotate(&self, now_ms: i64) -> Result<(), KeyStoreError> {
        let key = KeyPair::generate().map_err(|e| KeyStoreError::Invalid {
            path: self.dir.clone(),
            message: e.to_string(),
        })?;
        let der = key.to_pkcs8().map_err(|e| KeyStoreError::Invalid {
            path: self.dir.clone(),
            message: e.to_string(),
        })?;
        write_private(&self.dir, &format!("{}.pk8", key.fingerprint()), &der)?;
        let mut loaded = self.loaded.write().expect("key lock");
        let mut entries = loaded.entries.clone();
        entries.push(IndexEntry {
            fingerprint: key.fingerprint().to_owned(),
            valid_from_ms: now_ms,
        });
        let index = serde_json::to_vec_pretty(&entries).expect("key index serialises");
        write_private(&self.dir, INDEX, &index)?;
        loaded.entries = entries;
        loaded.keys.push(Arc::new(key));
        Ok(())
    }

    /// When the signing key became valid (ms since the epoch).
    pub fn current_valid_from_ms(&self) -> i64 {
        let loaded = self.loaded.read().expect("key lock");
        loaded.entries.last().map_or(0, |e| e.valid_from_ms)
    }

    /// The key that signs now.
    pub fn current(&self) -> Arc<KeyPair> {
        let loaded = self.loaded.read().expect("key lock");
        loaded.keys.last().expect("at least one key").clone()
    }
}

impl PublicKeySource for DigestKeys {
    fn published_keys(&self) -> Vec<PublishedKey> {
        let loaded = self.loaded.read().expect("key lock");
        let n = loaded.keys.len();
        (0..n)
            .map(|i| PublishedKey {
                der: loaded.keys[i].public_key_der().to_vec(),
                fingerprint: loaded.keys[i].fingerprint().to_owned(),
                valid_from_ms: loaded.entries[i].valid_from_ms,
                valid_until_ms: loaded.entries.get(i + 1).map(|e| e.valid_from_ms),
            })
            .collect()
    }
}

fn create_private_dir(dir: &Path) -> Result<(), KeyStoreError> {
    let io = |source| KeyStoreError::Io {
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

/// Write `name` in `dir` atomically (temporary file, fsync, rename, fsync of the directory), mode 0600.
fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), KeyStoreError> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let io = |source| KeyStoreError::Io {
        path: path.clone(),
        source,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, &path).map_err(io)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_rotate_and_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let keys = DigestKeys::open(dir.path(), 1_000).unwrap();
        let first = keys.current().fingerprint().to_owned();
        let again = DigestKeys::open(dir.path(), 9_000).unwrap();
        assert_eq!(
            again.current().fingerprint(),
            first,
            "reopening keeps the key"
        );
        again.rotate(5_000).unwrap();
        let published = again.published_keys();
        assert_eq!(published.len(), 2);
        assert_eq!(published[0].fingerprint, first);
        assert_eq!(published[0].valid_until_ms, Some(5_000));
        assert_eq!(published[1].valid_from_ms, 5_000);
        assert_eq!(published[1].valid_until_ms, None);
        assert_eq!(again.current().fingerprint(), published[1].fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let pk = dir.path().join(DIR).join(format!("{first}.pk8"));
            assert_eq!(
                fs::metadata(pk).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let d = dir.path().join(DIR);
            assert_eq!(fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }
}
