//! Object contents on disk: one file per object version, named by a random id inside its bucket's folder, never
//! by its key (S3 keys are not paths: `a` and `a/b` can both exist, and keys may hold `..` or `\0`-free bytes a
//! file system would read differently).
//!
//! A file is written whole under a temporary name, synced, renamed to its id and the folder synced, all before
//! the index row naming it is committed: the index never names a file that is not complete and durable. What a
//! crash can leave behind is a file no row names (a temporary file, or a renamed one whose row never committed,
//! or an old version whose row was replaced): [`sweep`] removes those when the store opens.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The suffix of a file still being written.
const TMP_SUFFIX: &str = ".tmp";

/// A fresh object file name: 128 random bits, hex.
pub(crate) fn new_file_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether `name` is something this module would have written (an id, or an id being written).
fn is_ours(name: &str) -> bool {
    let id = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Write `body` to `<dir>/<id>` durably: temporary file, fsync, rename, fsync of the folder.
pub(crate) fn write_durably(dir: &Path, id: &str, body: &[u8]) -> io::Result<()> {
    write_durably_with(dir, id, |file| file.write_all(body))
}

/// Write `<dir>/<id>` durably from what `fill` writes into it (see [`write_durably`]).
pub(crate) fn write_durably_with(
    dir: &Path,
    id: &str,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = dir.join(format!("{id}{TMP_SUFFIX}"));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        fill(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, dir.join(id))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Make a folder's entries (a created, renamed or removed file) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Create a bucket's folder (mode 0700) and make its entry durable.
pub(crate) fn create_bucket_dir(root: &Path, dir: &Path) -> io::Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => {}
        // Left by a crash before its row committed; whatever is in it is swept (no row names it).
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    sync_dir(root)
}

/// Read `len` bytes at `start` of an open object file.
pub(crate) fn read_range(mut file: File, start: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(start))?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut out)?;
    if (out.len() as u64) < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "object file is shorter than its index row says",
        ));
    }
    Ok(out)
}

/// Copy each of `sources` whole into `out`, in order; each must hold exactly its expected number of bytes.
pub(crate) fn concatenate(out: &mut File, sources: Vec<(File, u64)>) -> io::Result<()> {
    let mut writer = io::BufWriter::with_capacity(1024 * 1024, out);
    for (file, expected) in sources {
        let copied = io::copy(&mut file.take(expected), &mut writer)?;
        if copied != expected {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "part file is shorter than its index row says",
            ));
        }
    }
    writer.flush()
}

/// Remove a file, ignoring one that is already gone.
pub(crate) fn remove_quietly(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// What a sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub files: usize,
    pub folders: usize,
}

/// Remove what no index row names: folders of buckets that do not exist, and files inside bucket folders that no
/// object row names. `live` maps each existing bucket to the file ids its rows name. Only names this store
/// writes are touched; anything else found is left alone and logged.
pub(crate) fn sweep(
    root: &Path,
    live: &std::collections::HashMap<String, HashSet<String>>,
) -> io::Result<Swept> {
    let mut swept = Swept::default();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let dir: PathBuf = entry.path();
        match live.get(name) {
            None => {
                if super::names::check_bucket_name(name).is_ok() {
                    fs::remove_dir_all(&dir)?;
                    swept.folders += 1;
                }
            }
            Some(ids) => {
                let mut removed = false;
                for file in fs::read_dir(&dir)? {
                    let file = file?;
                    let fname = file.file_name();
                    let Some(fname) = fname.to_str() else {
                        continue;
                    };
                    if !is_ours(fname) {
                        tracing::warn!(file = %file.path().display(), "unexpected file in a bucket folder; left alone");
                        continue;
                    }
                    if !ids.contains(fname) {
                        remove_quietly(&file.path())?;
                        swept.files += 1;
                        removed = true;
                    }
                }
                if removed {
                    sync_dir(&dir)?;
                }
            }
        }
    }
    if swept.folders > 0 {
        sync_dir(root)?;
    }
    Ok(swept)
}
