//! Integrity checks of an uploaded body: `Content-MD5` and the flexible checksums (`x-amz-checksum-crc32`,
//! `-crc32c`, `-crc64nvme`, `-sha1`, `-sha256`: base64 of the big-endian digest). botocore sends
//! `x-amz-checksum-crc32` with every `PutObject` and `DeleteObjects` by default
//! (`request_checksum_calculation = when_supported`).

use aws_lc_rs::digest;
use base64::Engine as _;
use http::HeaderMap;
use md5::{Digest, Md5};
use trailrunner_api::ApiError;

use super::errors;
use super::request::header;

/// The reflected CRC table of `poly` (LSB-first), for CRCs up to 64 bits.
const fn table(poly: u64) -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ poly } else { c >> 1 };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC32: [u64; 256] = table(0xEDB8_8320);
static CRC32C: [u64; 256] = table(0x82F6_3B78);
static CRC64NVME: [u64; 256] = table(0x9A6C_9329_AC4B_C9B5);

/// A reflected CRC with all-ones initial value and final XOR, `width` bits wide.
fn crc(table: &[u64; 256], width: u32, data: &[u8]) -> u64 {
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let mut c = mask;
    for &b in data {
        c = table[((c ^ u64::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c & mask
}

/// The checksum algorithms S3 knows, by header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Crc32,
        Algorithm::Crc32c,
        Algorithm::Crc64Nvme,
        Algorithm::Sha1,
        Algorithm::Sha256,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "x-amz-checksum-crc32",
            Algorithm::Crc32c => "x-amz-checksum-crc32c",
            Algorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Algorithm::Sha1 => "x-amz-checksum-sha1",
            Algorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    pub fn from_header(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.header().eq_ignore_ascii_case(name))
    }

    /// The digest of `data`, big-endian bytes.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Algorithm::Crc32 => (crc(&CRC32, 32, data) as u32).to_be_bytes().to_vec(),
            Algorithm::Crc32c => (crc(&CRC32C, 32, data) as u32).to_be_bytes().to_vec(),
            Algorithm::Crc64Nvme => crc(&CRC64NVME, 64, data).to_be_bytes().to_vec(),
            Algorithm::Sha1 => digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data)
                .as_ref()
                .to_vec(),
            Algorithm::Sha256 => digest::digest(&digest::SHA256, data).as_ref().to_vec(),
        }
    }

    fn len(self) -> usize {
        match self {
            Algorithm::Crc32 | Algorithm::Crc32c => 4,
            Algorithm::Crc64Nvme => 8,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
        }
    }

    /// Check `value` (base64, as sent) against `data`: `InvalidRequest` when it is not a digest of this
    /// algorithm at all, `BadDigest` when it does not match.
    pub fn verify(self, value: &str, data: &[u8]) -> Result<(), ApiError> {
        let claimed = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .filter(|d| d.len() == self.len())
            .ok_or_else(|| {
                errors::invalid_request(format!("Value for {} header is invalid.", self.header()))
            })?;
        if claimed != self.digest(data) {
            return Err(errors::bad_digest(self.name()));
        }
        Ok(())
    }
}

/// Verify every integrity header the request carries against `body`.
pub fn verify_body(headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    if let Some(md5) = header(headers, "content-md5") {
        let claimed = base64::engine::general_purpose::STANDARD
            .decode(md5.trim())
            .ok()
            .filter(|d| d.len() == 16)
            .ok_or_else(errors::invalid_digest)?;
        if claimed[..] != Md5::digest(body)[..] {
            return Err(errors::bad_digest("Content-MD5"));
        }
    }
    let mut seen = 0;
    for (name, value) in headers {
        let name = name.as_str();
        if !name.starts_with("x-amz-checksum-") || name == "x-amz-checksum-algorithm" {
            continue;
        }
        if matches!(name, "x-amz-checksum-type" | "x-amz-checksum-mode") {
            continue;
        }
        let algorithm =
            Algorithm::from_header(name).ok_or_else(|| errors::not_implemented(name))?;
        seen += 1;
        if seen > 1 {
            return Err(errors::invalid_request(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            ));
        }
        let value = value
            .to_str()
            .map_err(|_| errors::invalid_request(format!("Value for {name} header is invalid.")))?;
        algorithm.verify(value, body)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_of_each_crc() {
        let data = b"123456789";
        assert_eq!(crc(&CRC32, 32, data), 0xCBF4_3926);
        assert_eq!(crc(&CRC32C, 32, data), 0xE306_9283);
        assert_eq!(crc(&CRC64NVME, 64, data), 0xAE8B_1486_0A79_9888);
    }

    #[test]
    fn headers_are_verified() {
        let mut h = HeaderMap::new();
        // botocore's value for b"hello": base64 of the big-endian CRC32 0x3610a686.
        h.insert("x-amz-checksum-crc32", "NhCmhg==".parse().unwrap());
        h.insert("content-md5", "XUFAKrxLKna5cZ2REBfFkg==".parse().unwrap());
        assert!(verify_body(&h, b"hello").is_ok());
        assert_eq!(verify_body(&h, b"hellO").unwrap_err().code, "BadDigest");
        h.insert("x-amz-checksum-crc32", "nope".parse().unwrap());
        assert_eq!(
            verify_body(&h, b"hello").unwrap_err().code,
            "InvalidRequest"
        );
        let mut h = HeaderMap::new();
        h.insert("content-md5", "AAAA".parse().unwrap());
        assert_eq!(verify_body(&h, b"hello").unwrap_err().code, "InvalidDigest");
        let mut h = HeaderMap::new();
        let sha = base64::engine::general_purpose::STANDARD.encode(Algorithm::Sha256.digest(b"x"));
        h.insert("x-amz-checksum-sha256", sha.parse().unwrap());
        assert!(verify_body(&h, b"x").is_ok());
        h.insert("x-amz-checksum-crc32c", "AAAAAA==".parse().unwrap());
        assert_eq!(verify_body(&h, b"x").unwrap_err().code, "InvalidRequest");
    }
}
