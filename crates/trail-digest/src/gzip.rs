//! gzip in and out, with the CLI's exact reading rules.
//!
//! The CLI reads both kinds of files with zlib in gzip mode, which decodes the *first* gzip member only and ignores
//! anything after it. It differs between the two kinds on truncation: a digest is inflated in one call that fails
//! on an incomplete stream, while a log file is inflated chunk by chunk and hashed as it goes, so a truncated log
//! file is not a format error but simply hashes to something else. Corrupt data (bad header, bad deflate data, a
//! CRC or length mismatch in the trailer) is an error in both cases. zlib-rs implements the same state machine as
//! zlib, so the same bytes are accepted and rejected here.

use std::io::Write;

use aws_lc_rs::digest;
use flate2::{write::GzEncoder, Compression, Decompress, FlushDecompress, Status};

/// The bytes are not a readable gzip stream (bad header, corrupt deflate data, or a CRC/length mismatch), or, for
/// [`gunzip_member`], the stream ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid gzip data")]
pub struct InvalidGzip;

/// gzip at the default level (6), as one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    gzip_level(data, 6)
}

/// gzip at `level` (0–9).
pub fn gzip_level(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::new(level.min(9)),
    );
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Inflates the first gzip member of `data`, feeding the output to `sink`. `Ok(true)` when the member ended
/// (trailer checked), `Ok(false)` when the input ran out first.
fn inflate_first_member(data: &[u8], mut sink: impl FnMut(&[u8])) -> Result<bool, InvalidGzip> {
    let mut d = Decompress::new_gzip(15);
    let mut out = vec![0u8; 64 * 1024];
    loop {
        let in_before = d.total_in();
        let out_before = d.total_out();
        let consumed = usize::try_from(in_before).map_err(|_| InvalidGzip)?;
        let status = d
            .decompress(&data[consumed..], &mut out, FlushDecompress::None)
            .map_err(|_| InvalidGzip)?;
        let produced = usize::try_from(d.total_out() - out_before).map_err(|_| InvalidGzip)?;
        if produced > 0 {
            sink(&out[..produced]);
        }
        match status {
            Status::StreamEnd => return Ok(true),
            Status::Ok | Status::BufError => {
                if produced == 0 && d.total_in() == in_before {
                    return Ok(false);
                }
            }
        }
    }
}

/// The decompressed first member, which must be complete: how the CLI reads a digest file (anything else is
/// "invalid format").
pub fn gunzip_member(data: &[u8]) -> Result<Vec<u8>, InvalidGzip> {
    let mut inflated = Vec::with_capacity(data.len() * 4);
    if inflate_first_member(data, |chunk| inflated.extend_from_slice(chunk))? {
        Ok(inflated)
    } else {
        Err(InvalidGzip)
    }
}

/// Lower-case hex SHA-256 of the decompressed first member: how the CLI hashes a log file. A truncated stream
/// hashes what it yields; only corrupt data is an error ("invalid format").
pub fn hash_gzip_member(data: &[u8]) -> Result<String, InvalidGzip> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    inflate_first_member(data, |chunk| ctx.update(chunk))?;
    Ok(hex::encode(ctx.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::sha256_hex;

    #[test]
    fn round_trip_and_cli_reading_rules() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let gz = gzip(&data);
        assert_eq!(gunzip_member(&gz).unwrap(), data);
        assert_eq!(hash_gzip_member(&gz).unwrap(), sha256_hex(&data));

        // trailing bytes after the first member are ignored
        let mut two = gz.clone();
        two.extend_from_slice(&gzip(b"second member"));
        assert_eq!(gunzip_member(&two).unwrap(), data);
        assert_eq!(hash_gzip_member(&two).unwrap(), sha256_hex(&data));

        // truncated: an error for digests, a different hash for log files
        let cut = &gz[..gz.len() - 10];
        assert_eq!(gunzip_member(cut), Err(InvalidGzip));
        let h = hash_gzip_member(cut).unwrap();
        assert_ne!(h, sha256_hex(&data));
        assert_eq!(hash_gzip_member(b"").unwrap(), sha256_hex(b""));

        // corrupt trailer (CRC), corrupt header
        let mut bad_crc = gz.clone();
        let n = bad_crc.len();
        bad_crc[n - 6] ^= 1;
        assert_eq!(gunzip_member(&bad_crc), Err(InvalidGzip));
        assert_eq!(hash_gzip_member(&bad_crc), Err(InvalidGzip));
        assert_eq!(hash_gzip_member(b"{\"Records\":[]}"), Err(InvalidGzip));
    }
}
