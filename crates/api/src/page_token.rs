//! Opaque pagination tokens that cannot be forged or carried over to another query.
//!
//! A token is `base64url(position ‖ tag)`, where `tag` is an HMAC-SHA256 (truncated to 16 bytes) over the query's
//! scope string and the position, under a key that lives only in the server process. Opening a token with a
//! different scope (another operation, filter, account or region) or a modified position fails. Tokens therefore
//! end with the process that issued them, which clients handle as they do any expired token.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::Entropy;

const TAG_LEN: usize = 16;
/// The longest token this module ever issues, checked before decoding anything.
pub const MAX_TOKEN_LEN: usize = 64;

pub struct PageTokens {
    key: hmac::Key,
}

impl PageTokens {
    pub fn new(entropy: &dyn Entropy) -> Self {
        let mut secret = [0u8; 32];
        entropy.fill(&mut secret);
        PageTokens {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        }
    }

    fn tag(&self, scope: &str, payload: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(&(scope.len() as u64).to_be_bytes());
        ctx.update(scope.as_bytes());
        ctx.update(payload);
        ctx.sign()
    }

    fn seal_bytes(&self, scope: &str, payload: &[u8]) -> String {
        let mut raw = Vec::with_capacity(payload.len() + TAG_LEN);
        raw.extend_from_slice(payload);
        raw.extend_from_slice(&self.tag(scope, payload).as_ref()[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn open_bytes(&self, scope: &str, token: &str, payload_len: usize) -> Option<Vec<u8>> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() != payload_len + TAG_LEN {
            return None;
        }
        let (payload, tag) = raw.split_at(payload_len);
        let expected = self.tag(scope, payload);
        // Constant-time comparison: a timing difference would let a caller forge tags byte by byte.
        aws_lc_rs::constant_time::verify_slices_are_equal(&expected.as_ref()[..TAG_LEN], tag)
            .ok()?;
        Some(payload.to_vec())
    }

    /// A token for "continue after `position`" within `scope`.
    pub fn seal(&self, scope: &str, position: i64) -> String {
        self.seal_bytes(scope, &position.to_be_bytes())
    }

    /// The position in a token issued for this very scope, or `None` for anything else.
    pub fn open(&self, scope: &str, token: &str) -> Option<i64> {
        let payload = self.open_bytes(scope, token, 8)?;
        Some(i64::from_be_bytes(payload.try_into().ok()?))
    }

    /// A token for a two-part position (for example time and sequence).
    pub fn seal_pair(&self, scope: &str, a: i64, b: i64) -> String {
        let mut payload = [0u8; 16];
        payload[..8].copy_from_slice(&a.to_be_bytes());
        payload[8..].copy_from_slice(&b.to_be_bytes());
        self.seal_bytes(scope, &payload)
    }

    /// The two-part position in a token issued for this very scope.
    pub fn open_pair(&self, scope: &str, token: &str) -> Option<(i64, i64)> {
        let payload = self.open_bytes(scope, token, 16)?;
        let a = i64::from_be_bytes(payload[..8].try_into().ok()?);
        let b = i64::from_be_bytes(payload[8..].try_into().ok()?);
        Some((a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SystemEntropy;

    #[test]
    fn round_trips_within_its_scope_only() {
        let tokens = PageTokens::new(&SystemEntropy);
        let t = tokens.seal("ListServices|123456789012|us-east-1", 42);
        assert!(t.len() <= MAX_TOKEN_LEN);
        assert_eq!(
            tokens.open("ListServices|123456789012|us-east-1", &t),
            Some(42)
        );
        assert_eq!(tokens.open("ListServices|123456789012|us-west-2", &t), None);
        assert_eq!(
            PageTokens::new(&SystemEntropy).open("ListServices|123456789012|us-east-1", &t),
            None
        );
    }

    #[test]
    fn pairs_round_trip_and_do_not_mix_with_singles() {
        let tokens = PageTokens::new(&SystemEntropy);
        let p = tokens.seal_pair("q", 1_700_000_000_000, 42);
        assert!(p.len() <= MAX_TOKEN_LEN);
        assert_eq!(tokens.open_pair("q", &p), Some((1_700_000_000_000, 42)));
        assert_eq!(tokens.open_pair("other", &p), None);
        assert_eq!(tokens.open("q", &p), None);
    }

    #[test]
    fn rejects_tampering_and_garbage() {
        let tokens = PageTokens::new(&SystemEntropy);
        let t = tokens.seal("s", 7);
        let mut bytes = t.clone().into_bytes();
        for i in 0..bytes.len() {
            let orig = bytes[i];
            bytes[i] = if orig == b'A' { b'B' } else { b'A' };
            let mutated = String::from_utf8(bytes.clone()).unwrap();
            if mutated != t {
                assert_eq!(tokens.open("s", &mutated), None, "mutation at {i} accepted");
            }
            bytes[i] = orig;
        }
        for junk in ["", "!!!", "AAAA", &"A".repeat(500)] {
            assert_eq!(tokens.open("s", junk), None);
        }
    }
}
