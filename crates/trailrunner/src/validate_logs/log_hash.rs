//! Checking a log file while it streams in: gunzip and SHA-256 chunk by chunk, so a log file is never held whole
//! in memory and hashing overlaps the download.
//!
//! The reading rules are `trail_digest`'s (`hash_gzip_member`, the CLI's): only the first gzip member counts and
//! anything after it is ignored; a stream that ends early hashes what it yielded; corrupt data (bad header, bad
//! deflate data, CRC or length mismatch) is "invalid format". The verdict is then the same as
//! [`trailrunner_trail_digest::check_log_file`]'s, which the tests below hold it to.

use std::sync::Mutex;

use aws_lc_rs::digest;
use flate2::{Decompress, FlushDecompress, Status};
use trailrunner_trail_digest::{check_log_hash, InvalidGzip, LogFileCheck, LogFileOutcome};

/// The decompressed bytes are not valid gzip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Corrupt;

/// SHA-256 of the first gzip member's decompressed bytes, fed in chunks of any size.
pub(crate) struct GzipMemberHasher {
    inflate: Decompress,
    sha256: digest::Context,
    out: Box<[u8]>,
    ended: bool,
    corrupt: bool,
}

/// Inflate states and output buffers of finished hashers, for the next ones: a fresh state and buffer per log file
/// cost more (allocation, and the kernel zeroing fresh pages) than inflating a typical log file.
static SPARE: Mutex<Vec<(Decompress, Box<[u8]>)>> = Mutex::new(Vec::new());
/// Spares kept at most (about the number of log files hashed at once).
const MAX_SPARE: usize = 256;

impl GzipMemberHasher {
    pub(crate) fn new() -> Self {
        let spare = SPARE.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let (inflate, out) = match spare {
            Some((mut inflate, out)) => {
                inflate.reset(true);
                (inflate, out)
            }
            None => (
                Decompress::new_gzip(15),
                vec![0u8; 64 * 1024].into_boxed_slice(),
            ),
        };
        GzipMemberHasher {
            inflate,
            sha256: digest::Context::new(&digest::SHA256),
            out,
            ended: false,
            corrupt: false,
        }
    }

    /// Feeds the next compressed bytes. After the member's end (or corruption) further input is ignored.
    pub(crate) fn update(&mut self, mut input: &[u8]) {
        while !self.ended && !self.corrupt {
            let (in_before, out_before) = (self.inflate.total_in(), self.inflate.total_out());
            let status = match self
                .inflate
                .decompress(input, &mut self.out, FlushDecompress::None)
            {
                Ok(status) => status,
                Err(_) => {
                    self.corrupt = true;
                    return;
                }
            };
            let consumed = (self.inflate.total_in() - in_before) as usize;
            let produced = (self.inflate.total_out() - out_before) as usize;
            self.sha256.update(&self.out[..produced]);
            input = &input[consumed..];
            match status {
                Status::StreamEnd => self.ended = true,
                // No progress: everything buffered is out and the decoder needs more input.
                Status::Ok | Status::BufError if consumed == 0 && produced == 0 => return,
                Status::Ok | Status::BufError => {}
            }
        }
    }

    /// The lower-case hex SHA-256, or [`Corrupt`].
    pub(crate) fn finish(self) -> Result<String, Corrupt> {
        let GzipMemberHasher {
            inflate,
            sha256,
            out,
            corrupt,
            ..
        } = self;
        let mut spare = SPARE.lock().unwrap_or_else(|p| p.into_inner());
        if spare.len() < MAX_SPARE {
            spare.push((inflate, out));
        }
        drop(spare);
        if corrupt {
            return Err(Corrupt);
        }
        Ok(hex::encode(sha256.finish()))
    }
}

/// The verdict on one log file: `fetched` is `None` when the object does not exist, else its streamed hash.
pub(crate) fn outcome(
    check: &LogFileCheck,
    fetched: Option<Result<String, Corrupt>>,
) -> LogFileOutcome {
    check_log_hash(check, fetched.map(|h| h.map_err(|Corrupt| InvalidGzip)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailrunner_trail_digest::{gzip, hash_gzip_member, sha256_hex};

    fn streamed(data: &[u8], chunk: usize) -> Result<String, Corrupt> {
        let mut h = GzipMemberHasher::new();
        for part in data.chunks(chunk.max(1)) {
            h.update(part);
        }
        h.finish()
    }

    #[test]
    fn agrees_with_the_library_in_any_chunking() {
        let json: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        let whole = gzip(&json);
        let mut two_members = whole.clone();
        two_members.extend_from_slice(&gzip(b"ignored"));
        let mut trailing_junk = whole.clone();
        trailing_junk.extend_from_slice(b"junk after the member");
        let truncated = whole[..whole.len() / 2].to_vec();
        let mut bad_crc = whole.clone();
        let n = bad_crc.len();
        bad_crc[n - 6] ^= 0xff;
        let cases = [
            whole,
            two_members,
            trailing_junk,
            truncated,
            bad_crc,
            b"not gzip at all".to_vec(),
            Vec::new(),
        ];
        for data in &cases {
            let expected = hash_gzip_member(data).map_err(|_| Corrupt);
            for chunk in [1, 7, 4096, 65_536, usize::MAX] {
                assert_eq!(
                    streamed(data, chunk.min(data.len().max(1))),
                    expected,
                    "chunk {chunk}"
                );
            }
        }
        assert_eq!(
            streamed(&gzip(&json), 1000).unwrap(),
            sha256_hex(&json),
            "hashes the decompressed bytes"
        );
    }
}
