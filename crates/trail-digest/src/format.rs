//! The two file formats: log files and digest files.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::gzip::gzip;
use crate::keys::TrailLocation;
use crate::sign::{sha256_hex, string_to_sign, KeyError, KeyPair};
use crate::time::format_time;
use crate::validate::DigestObject;
use crate::{
    HASH_ALGORITHM, SIGNATURE_ALGORITHM, SIGNATURE_ALGORITHM_METADATA, SIGNATURE_METADATA,
};

/// The body of a log file, `{"Records":[<record>,<record>,…]}`, from records that are each already one JSON object
/// (the bytes are copied as they are, so they must be valid JSON).
pub fn log_file_json<I, R>(records: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[u8]>,
{
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"Records\":[");
    for (i, record) in records.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(record.as_ref());
    }
    out.extend_from_slice(b"]}");
    out
}

/// One entry of a digest's `logFiles`: where a log file is, the SHA-256 of its *decompressed* JSON, and the times
/// of its oldest and newest record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFileEntry {
    #[serde(rename = "s3Bucket")]
    pub s3_bucket: String,
    #[serde(rename = "s3Object")]
    pub s3_object: String,
    #[serde(rename = "hashValue")]
    pub hash_value: String,
    #[serde(rename = "hashAlgorithm")]
    pub hash_algorithm: String,
    #[serde(rename = "newestEventTime")]
    pub newest_event_time: String,
    #[serde(rename = "oldestEventTime")]
    pub oldest_event_time: String,
}

impl LogFileEntry {
    /// The entry for the log file at `bucket`/`key` whose decompressed body is `json`.
    pub fn new(bucket: &str, key: &str, json: &[u8], oldest: Timestamp, newest: Timestamp) -> Self {
        LogFileEntry {
            s3_bucket: bucket.to_owned(),
            s3_object: key.to_owned(),
            hash_value: sha256_hex(json),
            hash_algorithm: HASH_ALGORITHM.to_owned(),
            newest_event_time: format_time(newest),
            oldest_event_time: format_time(oldest),
        }
    }
}

/// A log file ready to store: its JSON, the gzip bytes to put at `entry.s3_object`, and its digest entry.
#[derive(Debug, Clone)]
pub struct LogFile {
    pub json: Vec<u8>,
    pub gzip: Vec<u8>,
    pub entry: LogFileEntry,
}

impl LogFile {
    /// A log file of `records` (each one JSON object) whose event times span `oldest..=newest`.
    pub fn new<I, R>(
        bucket: &str,
        key: &str,
        records: I,
        oldest: Timestamp,
        newest: Timestamp,
    ) -> Self
    where
        I: IntoIterator<Item = R>,
        R: AsRef<[u8]>,
    {
        Self::from_json(bucket, key, log_file_json(records), oldest, newest)
    }

    /// A log file with a ready body.
    pub fn from_json(
        bucket: &str,
        key: &str,
        json: Vec<u8>,
        oldest: Timestamp,
        newest: Timestamp,
    ) -> Self {
        let entry = LogFileEntry::new(bucket, key, &json, oldest, newest);
        let gzip = gzip(&json);
        LogFile { json, gzip, entry }
    }
}

/// A digest file's JSON, every field as CloudTrail writes it and in its order. Times are `YYYY-MM-DDTHH:MM:SSZ`.
/// The `previousDigest*` fields and the event times are written as `null` when absent, never left out (the CLI
/// requires `previousDigestSignature` to be present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    #[serde(rename = "awsAccountId")]
    pub aws_account_id: String,
    /// Start of the delivery window (the previous digest's end).
    #[serde(rename = "digestStartTime")]
    pub digest_start_time: String,
    /// End of the delivery window; signed, and the time in the digest's key.
    #[serde(rename = "digestEndTime")]
    pub digest_end_time: String,
    /// Where this digest is stored: validators reject a digest found anywhere else.
    #[serde(rename = "digestS3Bucket")]
    pub digest_s3_bucket: String,
    #[serde(rename = "digestS3Object")]
    pub digest_s3_object: String,
    #[serde(rename = "digestPublicKeyFingerprint")]
    pub digest_public_key_fingerprint: String,
    #[serde(rename = "digestSignatureAlgorithm")]
    pub digest_signature_algorithm: String,
    /// Newest and oldest event over all listed log files; `null` when there are none.
    #[serde(rename = "newestEventTime")]
    pub newest_event_time: Option<String>,
    #[serde(rename = "oldestEventTime")]
    pub oldest_event_time: Option<String>,
    #[serde(rename = "previousDigestS3Bucket")]
    pub previous_digest_s3_bucket: Option<String>,
    #[serde(rename = "previousDigestS3Object")]
    pub previous_digest_s3_object: Option<String>,
    /// SHA-256 hex of the previous digest's decompressed JSON.
    #[serde(rename = "previousDigestHashValue")]
    pub previous_digest_hash_value: Option<String>,
    #[serde(rename = "previousDigestHashAlgorithm")]
    pub previous_digest_hash_algorithm: Option<String>,
    /// The previous digest's signature (hex), as in its object metadata.
    #[serde(rename = "previousDigestSignature")]
    pub previous_digest_signature: Option<String>,
    #[serde(rename = "logFiles")]
    pub log_files: Vec<LogFileEntry>,
}

impl Digest {
    /// Compact JSON, the bytes that get hashed, signed and gzip'd.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a digest always serialises")
    }

    pub fn from_json(json: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(json)
    }
}

/// What the next digest records about the one before it. Serde so a producer can keep it between periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousDigest {
    pub bucket: String,
    pub key: String,
    /// SHA-256 hex of its decompressed JSON.
    pub hash_value: String,
    /// Its signature, hex.
    pub signature: String,
}

/// One digest period to be written: the window, where the digest goes, the link to the previous digest (`None`
/// for a starting digest) and the log files delivered in the window (possibly none).
#[derive(Debug, Clone)]
pub struct DigestPeriod {
    pub account_id: String,
    pub bucket: String,
    pub key: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub previous: Option<PreviousDigest>,
    pub log_files: Vec<LogFileEntry>,
}

impl DigestPeriod {
    /// The period `start..end` of `source_region`'s logs of the trail at `location`; its digest goes to the
    /// location's bucket under [`TrailLocation::digest_key`].
    pub fn new(
        location: &TrailLocation,
        source_region: &str,
        start: Timestamp,
        end: Timestamp,
        previous: Option<PreviousDigest>,
        log_files: Vec<LogFileEntry>,
    ) -> Self {
        DigestPeriod {
            account_id: location.account_id.clone(),
            bucket: location.bucket.clone(),
            key: location.digest_key(source_region, end, false),
            start,
            end,
            previous,
            log_files,
        }
    }

    /// The digest's JSON content for a key with this fingerprint.
    pub fn to_digest(&self, fingerprint: &str) -> Digest {
        let newest = self
            .log_files
            .iter()
            .map(|l| &l.newest_event_time)
            .max()
            .cloned();
        let oldest = self
            .log_files
            .iter()
            .map(|l| &l.oldest_event_time)
            .min()
            .cloned();
        let prev = self.previous.as_ref();
        Digest {
            aws_account_id: self.account_id.clone(),
            digest_start_time: format_time(self.start),
            digest_end_time: format_time(self.end),
            digest_s3_bucket: self.bucket.clone(),
            digest_s3_object: self.key.clone(),
            digest_public_key_fingerprint: fingerprint.to_owned(),
            digest_signature_algorithm: SIGNATURE_ALGORITHM.to_owned(),
            newest_event_time: newest,
            oldest_event_time: oldest,
            previous_digest_s3_bucket: prev.map(|p| p.bucket.clone()),
            previous_digest_s3_object: prev.map(|p| p.key.clone()),
            previous_digest_hash_value: prev.map(|p| p.hash_value.clone()),
            previous_digest_hash_algorithm: prev.map(|_| HASH_ALGORITHM.to_owned()),
            previous_digest_signature: prev.map(|p| p.signature.clone()),
            log_files: self.log_files.clone(),
        }
    }

    /// Builds, serialises, signs and compresses the digest.
    pub fn sign(&self, key: &KeyPair) -> Result<SignedDigest, KeyError> {
        let digest = self.to_digest(key.fingerprint());
        let json = digest.to_json();
        SignedDigest::sign_bytes(digest, json, key)
    }
}

/// A digest ready to store: put `gzip` at `digest.digest_s3_bucket`/`digest.digest_s3_object` with
/// [`SignedDigest::metadata`] as user metadata.
#[derive(Debug, Clone)]
pub struct SignedDigest {
    pub digest: Digest,
    /// The exact JSON bytes that were hashed into the signature.
    pub json: Vec<u8>,
    pub gzip: Vec<u8>,
    /// Lower-case hex.
    pub signature: String,
}

impl SignedDigest {
    /// Signs `json`, whose content is `digest`, as they are: the signature covers these bytes, so they must be
    /// stored unchanged (only gzip'd).
    pub fn sign_bytes(digest: Digest, json: Vec<u8>, key: &KeyPair) -> Result<Self, KeyError> {
        let to_sign = string_to_sign(
            &digest.digest_end_time,
            &digest.digest_s3_bucket,
            &digest.digest_s3_object,
            &json,
            digest.previous_digest_signature.as_deref(),
        );
        let signature = hex::encode(key.sign(to_sign.as_bytes())?);
        let gzip = gzip(&json);
        Ok(SignedDigest {
            digest,
            json,
            gzip,
            signature,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.digest.digest_s3_bucket
    }

    pub fn key(&self) -> &str {
        &self.digest.digest_s3_object
    }

    /// The object's user metadata: `signature` (hex) and `signature-algorithm` (`SHA256withRSA`). Over HTTP these
    /// are the headers `x-amz-meta-signature` and `x-amz-meta-signature-algorithm`, which must come back
    /// lower-case from GetObject for the CLI to find them.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (SIGNATURE_METADATA.to_owned(), self.signature.clone()),
            (
                SIGNATURE_ALGORITHM_METADATA.to_owned(),
                SIGNATURE_ALGORITHM.to_owned(),
            ),
        ])
    }

    /// What the next period's digest records about this one.
    pub fn link(&self) -> PreviousDigest {
        PreviousDigest {
            bucket: self.bucket().to_owned(),
            key: self.key().to_owned(),
            hash_value: sha256_hex(&self.json),
            signature: self.signature.clone(),
        }
    }

    /// The stored object, as a validator reads it back.
    pub fn to_object(&self) -> DigestObject {
        DigestObject {
            bucket: self.bucket().to_owned(),
            key: self.key().to_owned(),
            body: self.gzip.clone(),
            metadata: self.metadata(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gzip::gunzip_member;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn log_file_body_and_entry() {
        assert_eq!(log_file_json(Vec::<&[u8]>::new()), b"{\"Records\":[]}");
        let lf = LogFile::new(
            "b",
            "k",
            [&br#"{"eventVersion":"1.11"}"#[..], br#"{"a":1}"#],
            t("2015-08-17T14:42:27Z"),
            t("2015-08-17T14:52:27Z"),
        );
        assert_eq!(lf.json, br#"{"Records":[{"eventVersion":"1.11"},{"a":1}]}"#);
        assert_eq!(gunzip_member(&lf.gzip).unwrap(), lf.json);
        assert_eq!(lf.entry.hash_value, sha256_hex(&lf.json));
        let v: serde_json::Value = serde_json::to_value(&lf.entry).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"s3Bucket":"b","s3Object":"k","hashValue":sha256_hex(&lf.json),"hashAlgorithm":"SHA-256",
                "newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z"})
        );
    }

    #[test]
    fn digest_json_has_every_field_in_order() {
        let loc = TrailLocation::new("bucket", "111122223333", "trail", "us-east-2");
        let entries = vec![
            LogFileEntry::new(
                "bucket",
                "k1",
                b"a",
                t("2015-08-17T14:42:27Z"),
                t("2015-08-17T14:45:00Z"),
            ),
            LogFileEntry::new(
                "bucket",
                "k2",
                b"b",
                t("2015-08-17T14:40:00Z"),
                t("2015-08-17T14:52:27Z"),
            ),
        ];
        let first = DigestPeriod::new(
            &loc,
            "us-east-2",
            t("2015-08-17T13:01:31Z"),
            t("2015-08-17T14:01:31Z"),
            None,
            vec![],
        );
        let key = KeyPair::generate().unwrap();
        let first = first.sign(&key).unwrap();
        let json = String::from_utf8(first.json.clone()).unwrap();
        assert!(json.starts_with(r#"{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T13:01:31Z","digestEndTime":"2015-08-17T14:01:31Z","digestS3Bucket":"bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150817T140131Z.json.gz","digestPublicKeyFingerprint":""#));
        assert!(json.ends_with(r#"","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[]}"#));

        let second = DigestPeriod::new(
            &loc,
            "us-east-2",
            t("2015-08-17T14:01:31Z"),
            t("2015-08-17T15:01:31Z"),
            Some(first.link()),
            entries,
        );
        let second = second.sign(&key).unwrap();
        let d = &second.digest;
        assert_eq!(d.newest_event_time.as_deref(), Some("2015-08-17T14:52:27Z"));
        assert_eq!(d.oldest_event_time.as_deref(), Some("2015-08-17T14:40:00Z"));
        assert_eq!(d.previous_digest_s3_object.as_deref(), Some(first.key()));
        assert_eq!(d.previous_digest_hash_value, Some(sha256_hex(&first.json)));
        assert_eq!(d.previous_digest_hash_algorithm.as_deref(), Some("SHA-256"));
        assert_eq!(d.previous_digest_signature.as_ref(), Some(&first.signature));
        assert_eq!(Digest::from_json(&second.json).unwrap(), *d);
        assert_eq!(gunzip_member(&second.gzip).unwrap(), second.json);
        assert_eq!(second.metadata()["signature-algorithm"], "SHA256withRSA");
        assert_eq!(second.signature.len(), 512);
        assert!(second
            .signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
