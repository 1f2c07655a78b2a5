//! Keys, fingerprints and the digest signature.
//!
//! CloudTrail signs each digest with RSA (2048 bits at AWS) using PKCS#1 v1.5 padding and SHA-256, and publishes
//! the public half through `ListPublicKeys` as the DER encoding of PKCS#1's `RSAPublicKey` (`SEQUENCE { modulus
//! INTEGER, publicExponent INTEGER }`, not the X.509 `SubjectPublicKeyInfo` wrapper: the CLI loads it with
//! `rsa.PublicKey.load_pkcs1(..., 'DER')` and rejects anything else). A key's fingerprint is the MD5 of exactly
//! those DER bytes, in lower-case hex; digests name their key by it.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use aws_lc_rs::{digest, rsa};
use md5::{Digest as _, Md5};

/// Key generation, loading or signing failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key rejected: {0}")]
    Rejected(String),
    #[error("RSA operation failed")]
    Failed,
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The public key is not a DER PKCS#1 `RSAPublicKey` (the CLI's "Unable to load PKCS #1 key").
    #[error("not a DER PKCS#1 RSA public key")]
    UnloadableKey,
    /// The signature does not match ("signature verification failed").
    #[error("signature verification failed")]
    BadSignature,
}

/// An RSA signing key for digests, with its published form and fingerprint.
pub struct KeyPair {
    inner: rsa::KeyPair,
    public_der: Vec<u8>,
    fingerprint: String,
}

impl KeyPair {
    /// A new 2048-bit key, the size CloudTrail uses.
    pub fn generate() -> Result<Self, KeyError> {
        let inner = rsa::KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Failed)?;
        Ok(Self::wrap(inner))
    }

    /// Loads a key saved with [`KeyPair::to_pkcs8`] (unencrypted PKCS#8 DER, 2048 to 8192 bits).
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let inner = rsa::KeyPair::from_pkcs8(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        Ok(Self::wrap(inner))
    }

    fn wrap(inner: rsa::KeyPair) -> Self {
        let public_der = inner.public_key().as_ref().to_vec();
        let fingerprint = fingerprint(&public_der);
        KeyPair {
            inner,
            public_der,
            fingerprint,
        }
    }

    /// The private key as unencrypted PKCS#8 DER, for the caller to store (it is a secret).
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, KeyError> {
        let der = self.inner.as_der().map_err(|_| KeyError::Failed)?;
        Ok(der.as_ref().to_vec())
    }

    /// The public key as `ListPublicKeys` publishes it (`Value`, before base64): DER PKCS#1 `RSAPublicKey`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    /// MD5 hex of [`KeyPair::public_key_der`]: `Fingerprint` in `ListPublicKeys`, `digestPublicKeyFingerprint` in
    /// digests.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut sig = vec![0u8; self.inner.public_modulus_len()];
        self.inner
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut sig,
            )
            .map_err(|_| KeyError::Failed)?;
        Ok(sig)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Lower-case hex MD5 of a public key's DER bytes.
pub fn fingerprint(public_key_der: &[u8]) -> String {
    hex::encode(Md5::digest(public_key_der))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

/// The string a digest's signature covers, four lines joined by `\n` with no final newline:
///
/// ```text
/// <digestEndTime>
/// <digestS3Bucket>/<digestS3Object>
/// <hex SHA-256 of the decompressed digest file, byte for byte as stored>
/// <previousDigestSignature, or null for a starting digest>
/// ```
pub fn string_to_sign(
    end_time: &str,
    bucket: &str,
    key: &str,
    digest_json: &[u8],
    previous_signature: Option<&str>,
) -> String {
    format!(
        "{end_time}\n{bucket}/{key}\n{}\n{}",
        sha256_hex(digest_json),
        previous_signature.unwrap_or("null")
    )
}

/// Reads one DER tag-length header: `(tag, content, rest)`.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None; // indefinite length (not DER) or absurd
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The `RSAPublicKey` SEQUENCE at the start of `der` when it is one (two non-empty INTEGERs and nothing else
/// inside; bytes after the SEQUENCE are ignored, as the CLI's ASN.1 decoder does).
fn pkcs1_sequence(der: &[u8]) -> Option<&[u8]> {
    let (tag, content, rest) = der_tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, n, inner) = der_tlv(content)?;
    let (t2, e, inner) = der_tlv(inner)?;
    if t1 != 0x02 || t2 != 0x02 || n.is_empty() || e.is_empty() || !inner.is_empty() {
        return None;
    }
    Some(&der[..der.len() - rest.len()])
}

/// Whether `der` loads as a DER PKCS#1 `RSAPublicKey`, the only form the CLI accepts from `ListPublicKeys`.
pub fn is_pkcs1_public_key(der: &[u8]) -> bool {
    pkcs1_sequence(der).is_some()
}

/// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature with a DER PKCS#1 public key (2048 to 8192 bits).
pub fn verify_signature(
    public_key_der: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), VerifyError> {
    let key = pkcs1_sequence(public_key_der).ok_or(VerifyError::UnloadableKey)?;
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(message, sig)
        .map_err(|_| VerifyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_round_trip_sign_verify() {
        let key = KeyPair::generate().unwrap();
        let der = key.public_key_der();
        assert!(is_pkcs1_public_key(der));
        // 2048-bit RSAPublicKey: SEQUENCE(0x010a) { INTEGER(0x0101) 00 n…, INTEGER 010001 } — base64 "MIIBCgKCAQEA"
        assert_eq!(&der[..8], &[0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01]);
        assert_eq!(key.fingerprint().len(), 32);
        assert_eq!(key.fingerprint(), fingerprint(der));

        let pkcs8 = key.to_pkcs8().unwrap();
        let again = KeyPair::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(again.public_key_der(), der);
        assert_eq!(again.fingerprint(), key.fingerprint());

        let sig = key.sign(b"message").unwrap();
        assert_eq!(sig.len(), 256);
        assert_eq!(
            sig,
            again.sign(b"message").unwrap(),
            "PKCS#1 v1.5 signatures are deterministic"
        );
        assert_eq!(verify_signature(der, b"message", &sig), Ok(()));
        assert_eq!(
            verify_signature(der, b"messagf", &sig),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_signature(der, b"message", &sig[1..]),
            Err(VerifyError::BadSignature)
        );

        let other = KeyPair::generate().unwrap();
        assert_eq!(
            verify_signature(other.public_key_der(), b"message", &sig),
            Err(VerifyError::BadSignature)
        );
        assert!(!format!("{key:?}").contains(&hex::encode(&pkcs8)));
    }

    #[test]
    fn only_pkcs1_loads() {
        let key = KeyPair::generate().unwrap();
        let rsa_pk = rsa::PublicKey::from_der(key.public_key_der()).unwrap();
        let spki = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(&rsa_pk).unwrap();
        let sig = key.sign(b"m").unwrap();
        assert!(!is_pkcs1_public_key(spki.as_ref()));
        assert_eq!(
            verify_signature(spki.as_ref(), b"m", &sig),
            Err(VerifyError::UnloadableKey)
        );
        assert_eq!(
            verify_signature(b"", b"m", &sig),
            Err(VerifyError::UnloadableKey)
        );
        // trailing bytes after the SEQUENCE are ignored
        let mut trailing = key.public_key_der().to_vec();
        trailing.extend_from_slice(b"junk");
        assert_eq!(verify_signature(&trailing, b"m", &sig), Ok(()));
    }

    #[test]
    fn fingerprint_is_md5_of_der() {
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn signing_string() {
        let s = string_to_sign("2015-08-17T15:01:31Z", "b", "k/x.json.gz", b"{}", None);
        assert_eq!(
            s,
            "2015-08-17T15:01:31Z\nb/k/x.json.gz\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\nnull"
        );
        assert!(string_to_sign("t", "b", "k", b"", Some("ab12")).ends_with("\nab12"));
    }
}
