//! Where canonical-request bytes go: straight into SHA-256 on the verify path, into a `Vec<u8>`
//! when a caller wants to see the canonical request (diagnostics, tests).
//!
//! Feeding the hash directly means the canonical request is never materialised as a string on the
//! hot path. The small stack buffer in [`HashSink`] batches the many short pieces (a header name,
//! a ':', a value, a '\n', ...) so the digest is updated a handful of times per request rather than
//! dozens.

use aws_lc_rs::digest;

/// Something canonical-request bytes can be written to.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);

    fn put_byte(&mut self, b: u8) {
        self.put(&[b]);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn put_byte(&mut self, b: u8) {
        self.push(b);
    }
}

const BUF: usize = 512;

/// A SHA-256 context with a write buffer in front of it.
pub(crate) struct HashSink {
    ctx: digest::Context,
    buf: [u8; BUF],
    len: usize,
}

impl HashSink {
    pub(crate) fn new() -> Self {
        Self {
            ctx: digest::Context::new(&digest::SHA256),
            buf: [0; BUF],
            len: 0,
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.ctx.update(&self.buf[..self.len]);
            self.len = 0;
        }
    }

    /// The SHA-256 of everything written, as lower-case hex (what the string to sign wants).
    pub(crate) fn finish_hex(mut self) -> [u8; 64] {
        self.flush();
        hex64(self.ctx.finish().as_ref())
    }
}

impl Sink for HashSink {
    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > BUF {
            self.flush();
            if bytes.len() > BUF {
                self.ctx.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn put_byte(&mut self, b: u8) {
        if self.len == BUF {
            self.flush();
        }
        self.buf[self.len] = b;
        self.len += 1;
    }
}

/// Lower-case hex of a 32-byte digest, on the stack.
pub(crate) fn hex64(digest: &[u8]) -> [u8; 64] {
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().take(32).enumerate() {
        out[2 * i] = LOWER[usize::from(b >> 4)];
        out[2 * i + 1] = LOWER[usize::from(b & 0x0f)];
    }
    out
}

/// SHA-256 of `data` as lower-case hex.
pub(crate) fn sha256_hex(data: &[u8]) -> [u8; 64] {
    hex64(digest::digest(&digest::SHA256, data).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_hash_equals_one_shot_hash() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        // Write in awkward piece sizes, including ones larger than the buffer.
        for step in [1usize, 3, 100, 511, 512, 513, 2000] {
            let mut s = HashSink::new();
            for chunk in data.chunks(step) {
                if chunk.len() == 1 {
                    s.put_byte(chunk[0]);
                } else {
                    s.put(chunk);
                }
            }
            assert_eq!(s.finish_hex(), sha256_hex(&data), "step {step}");
        }
    }

    #[test]
    fn empty_hash() {
        assert_eq!(
            &HashSink::new().finish_hex()[..],
            b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
