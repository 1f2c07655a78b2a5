//! Records at rest: raw DEFLATE of the JSON text (about a third of the size for typical records).

use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;

/// Largest record accepted back from the store (CloudTrail caps records at 256 KB; this leaves room).
const MAX_RECORD_BYTES: u64 = 1024 * 1024;

pub fn compress(json: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(json.len() / 2), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(json);
    enc.finish().unwrap_or_default()
}

pub fn decompress(stored: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(stored.len() * 3);
    DeflateDecoder::new(stored)
        .take(MAX_RECORD_BYTES)
        .read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips() {
        let text =
            br#"{"eventVersion":"1.11","eventName":"ListServices","requestParameters":null}"#;
        assert_eq!(
            super::decompress(&super::compress(text)).unwrap(),
            text.to_vec()
        );
        assert!(
            super::decompress(b"not deflate").is_err()
                || super::decompress(b"not deflate").unwrap() != text
        );
    }
}
