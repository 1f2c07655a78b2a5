//! The digest-signing public keys `ListPublicKeys` publishes. The key pairs themselves are kept by delivery (in
//! the data dir); the API only sees their public halves through [`PublicKeySource`].

/// One public key and its validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    /// DER PKCS#1 `RSAPublicKey` bytes (what `Value` carries, base64 on the wire).
    pub der: Vec<u8>,
    /// Lower-case hex MD5 of `der`.
    pub fingerprint: String,
    pub valid_from_ms: i64,
    /// `None` for the key in use now (valid until rotated).
    pub valid_until_ms: Option<i64>,
}

/// Where the API reads the published keys from.
pub trait PublicKeySource: Send + Sync + 'static {
    /// Every key, oldest first.
    fn published_keys(&self) -> Vec<PublishedKey>;
}
