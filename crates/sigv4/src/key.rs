//! The derived signing key, `kSigning`.
//!
//! ```text
//! kDate    = HMAC-SHA256("AWS4" + secret, yyyymmdd)
//! kRegion  = HMAC-SHA256(kDate, region)
//! kService = HMAC-SHA256(kRegion, service)
//! kSigning = HMAC-SHA256(kService, "aws4_request")
//! ```
//!
//! Four HMACs per derivation: callers cache keys per (access key id, date, region, service). The
//! key is held as a ready `hmac::Key` so each verify skips the HMAC key setup.

use aws_lc_rs::hmac;

/// `kSigning` for one (secret, date, region, service). `Debug` never shows the key.
#[derive(Clone)]
pub struct SigningKey {
    key: hmac::Key,
}

impl SigningKey {
    /// Derive `kSigning`. Inputs are used as given; scope validation is [`crate::verify`]'s job.
    pub fn derive(secret_access_key: &str, scope_date: &str, region: &str, service: &str) -> Self {
        let mut bytes = derive_bytes(secret_access_key, scope_date, region, service);
        let key = hmac::Key::new(hmac::HMAC_SHA256, &bytes);
        wipe(&mut bytes);
        Self { key }
    }

    pub(crate) fn hmac_key(&self) -> &hmac::Key {
        &self.key
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(HIDDEN_DUE_TO_SECURITY_REASONS)")
    }
}

fn derive_bytes(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut seed = Vec::with_capacity(4 + secret.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.as_bytes());
    let k_date = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &seed), date.as_bytes());
    wipe(&mut seed);
    let k_region = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_date.as_ref()),
        region.as_bytes(),
    );
    let k_service = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_region.as_ref()),
        service.as_bytes(),
    );
    let k_signing = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, k_service.as_ref()),
        b"aws4_request",
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(&k_signing.as_ref()[..32]);
    out
}

/// Best-effort scrub of transient secret copies: volatile writes are not elided as dead stores.
fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to a u8.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_aws_documentation_example() {
        // "Examples of how to derive a signing key for Signature Version 4", AWS General Reference.
        let k = derive_bytes(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(k),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let k = SigningKey::derive("secret", "20240101", "us-east-1", "s3");
        let shown = format!("{k:?}");
        assert_eq!(shown, "SigningKey(HIDDEN_DUE_TO_SECURITY_REASONS)");
        let bytes = hex::encode(derive_bytes("secret", "20240101", "us-east-1", "s3"));
        assert!(!shown.contains(&bytes));
    }
}
