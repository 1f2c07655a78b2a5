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

use base64::Engine as _;
use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_model::epoch;

use crate::errors::error;
use crate::handler::CloudTrailHandler;

fn time_ms(input: &Value, member: &str) -> Result<Option<i64>, ApiError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => epoch::from_json(v)
            .map(|s| Some((s * 1000.0).floor() as i64))
            .ok_or_else(|| {
                error(
                    "InvalidTimeRangeException",
                    format!("{member} is not a valid time."),
                )
            }),
    }
}

/// The keys valid at some point of `[start_ms, end_ms]`, as `ListPublicKeys` answers them. The key in use now has
/// no end yet; its `ValidityEndTime` is the end of the range asked about.
pub(crate) fn keys_in_range(keys: &[PublishedKey], start_ms: i64, end_ms: i64) -> Vec<Value> {
    let b64 = base64::engine::general_purpose::STANDARD;
    keys.iter()
        .filter(|k| k.valid_from_ms <= end_ms && k.valid_until_ms.is_none_or(|u| u >= start_ms))
        .map(|k| {
            let until = k.valid_until_ms.unwrap_or(end_ms).max(k.valid_from_ms);
            json!({
                "Value": b64.encode(&k.der),
                "ValidityStartTime": k.valid_from_ms as f64 / 1000.0,
                "ValidityEndTime": until as f64 / 1000.0,
                "Fingerprint": k.fingerprint,
            })
        })
        .collect()
}

/// `ListPublicKeys`: without times, the current key; with them, every key valid in the range. All keys fit the
/// first page (`aws cloudtrail validate-logs` reads only that one), so no token is ever issued.
pub(crate) async fn list_public_keys(
    h: &CloudTrailHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let source = &h.keys;
    if input.get("NextToken").is_some() {
        return Err(error(
            "InvalidTokenException",
            "The NextToken is not valid: ListPublicKeys answers in one page.",
        ));
    }
    let now_ms = ctx.now.as_millisecond();
    let start_ms = time_ms(input, "StartTime")?.unwrap_or(now_ms);
    let end_ms = time_ms(input, "EndTime")?.unwrap_or(now_ms);
    if start_ms > end_ms {
        return Err(error(
            "InvalidTimeRangeException",
            "Start time must be before end time.",
        ));
    }
    let list = keys_in_range(&source.published_keys(), start_ms, end_ms);
    Ok(Outcome::read(json!({ "PublicKeyList": list })))
}

#[cfg(test)]
pub(crate) mod test_keys {
    use super::*;
    use trailrunner_trail_digest::KeyPair;

    /// Real RSA keys with set validity periods, for tests.
    pub(crate) struct FixedKeys(pub(crate) Vec<PublishedKey>);

    impl FixedKeys {
        /// One rotated key valid `[0, rotated_at_ms)` and the current one from `rotated_at_ms`.
        pub(crate) fn rotated_at(rotated_at_ms: i64) -> Self {
            let key = |from, until| {
                let pair = KeyPair::generate().expect("RSA key");
                PublishedKey {
                    der: pair.public_key_der().to_vec(),
                    fingerprint: pair.fingerprint().to_owned(),
                    valid_from_ms: from,
                    valid_until_ms: until,
                }
            };
            FixedKeys(vec![key(0, Some(rotated_at_ms)), key(rotated_at_ms, None)])
        }
    }

    impl PublicKeySource for FixedKeys {
        fn published_keys(&self) -> Vec<PublishedKey> {
            self.0.clone()
        }
    }

    #[test]
    fn ranges_select_overlapping_keys_in_published_form() {
        let keys = FixedKeys::rotated_at(1_000_000).published_keys();
        let current = keys_in_range(&keys, 2_000_000, 2_000_000);
        assert_eq!(current.len(), 1);
        assert_eq!(current[0]["Fingerprint"], keys[1].fingerprint);
        assert_eq!(current[0]["ValidityStartTime"], 1000.0);
        assert_eq!(current[0]["ValidityEndTime"], 2000.0);
        let value = current[0]["Value"].as_str().unwrap();
        assert!(value.starts_with("MIIBCgKCAQEA"), "{value}");
        let der = base64::engine::general_purpose::STANDARD
            .decode(value)
            .unwrap();
        assert_eq!(
            trailrunner_trail_digest::fingerprint(&der),
            keys[1].fingerprint
        );
        assert_eq!(keys_in_range(&keys, 0, 500_000).len(), 1);
        assert_eq!(keys_in_range(&keys, 500_000, 1_500_000).len(), 2);
        let old = &keys_in_range(&keys, 0, 10)[0];
        assert_eq!(old["ValidityEndTime"], 1000.0);
    }
}
