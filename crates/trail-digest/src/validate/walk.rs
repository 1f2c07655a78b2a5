//! The walk over a trail's digests, newest first, following their links (see the module documentation of
//! [`super`]), which turns the listed digests into a [`Plan`].

use super::*;

/// What a digest said about its predecessor, checked when the walk reaches it ([`ChainCheck::Strict`]).
struct Link {
    newer_bucket: String,
    newer_key: String,
    signature: Option<Value>,
    hash_value: Option<Value>,
}

/// A digest that passed every check.
struct Loaded {
    data: serde_json::Map<String, Value>,
    start: Timestamp,
    end: Timestamp,
}

pub(super) struct Walker<'a> {
    pub(super) location: &'a TrailLocation,
    pub(super) source_region: &'a str,
    pub(super) matcher: DigestKeyMatcher,
    pub(super) start: Timestamp,
    pub(super) end: Timestamp,
    pub(super) keys: &'a PublicKeys,
    pub(super) strict: bool,
    pub(super) by_location: HashMap<(&'a str, &'a str), &'a DigestObject>,
    pub(super) by_bucket: HashMap<&'a str, Vec<&'a str>>,
    pub(super) plan: Plan,
}

impl<'a> Walker<'a> {
    /// The CLI's listing of one bucket: matching keys with a key time in `[start, end + 1 h]`, ascending.
    fn listing(&self, bucket: &str, end: Timestamp, backfill: bool) -> Vec<&'a str> {
        let marker = self
            .location
            .digest_list_marker(self.source_region, self.start);
        let prefix = self.location.digest_prefix(self.source_region);
        let target_start = format_key_time(self.start);
        let target_end = format_key_time(end + SignedDuration::from_hours(1));
        let mut out = Vec::new();
        let Some(keys) = self.by_bucket.get(bucket) else {
            return out;
        };
        for &key in keys
            .iter()
            .filter(|k| ***k > *marker && k.starts_with(&prefix))
        {
            if !self.matcher.is_match(key) {
                continue;
            }
            let date = extract_digest_key_date(key).unwrap_or("");
            if date > target_end.as_str() {
                break;
            }
            if date < target_start.as_str() {
                continue;
            }
            if is_backfill_digest_key(key) == backfill {
                out.push(key);
            }
        }
        out
    }

    /// The CLI's `_get_last_digest`: pops the newest listed key, or the newest one older than `before`.
    fn next_older(
        list: &mut Vec<&'a str>,
        before: Option<&str>,
    ) -> Result<Option<(String, Timestamp)>, ValidateError> {
        let key_time = |key: &str| {
            let date = extract_digest_key_date(key).unwrap_or("");
            parse_cli_date(date).ok_or_else(|| ValidateError::UnparsableDigestKey(date.to_owned()))
        };
        let before = match before {
            None => {
                return match list.pop() {
                    Some(key) => Ok(Some((key.to_owned(), key_time(key)?))),
                    None => Ok(None),
                };
            }
            Some(before) => {
                if list.is_empty() {
                    return Ok(None);
                }
                key_time(before)?
            }
        };
        while let Some(key) = list.pop() {
            let t = key_time(key)?;
            if t < before {
                return Ok(Some((key.to_owned(), t)));
            }
        }
        Ok(None)
    }

    pub(super) fn walk(&mut self, backfill: bool) -> Result<(), ValidateError> {
        let mut bucket = self.location.bucket.clone();
        let mut list = self.listing(&bucket, self.end, backfill);
        let mut current = Self::next_older(&mut list, None)?;
        let mut last_start = current.as_ref().map(|(_, end)| *end);
        let mut link: Option<Link> = None;
        while let Some((key, _)) = current.take() {
            if last_start.is_none_or(|ls| self.start > ls) {
                break;
            }
            match self.load(&bucket, &key, backfill, link.take()) {
                Ok(loaded) => {
                    last_start = Some(loaded.start);
                    self.record_valid(&bucket, &key, backfill, &loaded);
                    let prev_bucket = loaded
                        .data
                        .get("previousDigestS3Bucket")
                        .filter(|v| !v.is_null());
                    let prev_key = loaded
                        .data
                        .get("previousDigestS3Object")
                        .filter(|v| !v.is_null());
                    match (prev_bucket, prev_key) {
                        (Some(pb), Some(pk)) => {
                            link = Some(Link {
                                newer_bucket: bucket.clone(),
                                newer_key: key.clone(),
                                signature: loaded.data.get("previousDigestSignature").cloned(),
                                hash_value: loaded.data.get("previousDigestHashValue").cloned(),
                            });
                            let pb = py_str(pb);
                            current = Some((py_str(pk), loaded.end));
                            if pb != bucket {
                                bucket = pb;
                                list = self.listing(&bucket, loaded.end, backfill);
                            }
                        }
                        _ => {
                            current = Self::next_older(&mut list, Some(&key))?;
                            if let Some((_, next_end)) = &current {
                                self.plan.report.entries.push(Entry::Gap {
                                    backfill,
                                    next_end: *next_end,
                                    last_start: loaded.start,
                                });
                            }
                        }
                    }
                }
                Err(outcome) => {
                    if backfill {
                        self.plan.report.counts.invalid_backfill_digests += 1;
                    } else {
                        self.plan.report.counts.invalid_digests += 1;
                    }
                    self.plan.report.entries.push(Entry::Digest {
                        bucket: bucket.clone(),
                        key: key.clone(),
                        backfill,
                        outcome,
                    });
                    current = Self::next_older(&mut list, Some(&key))?;
                }
            }
        }
        Ok(())
    }

    fn record_valid(&mut self, bucket: &str, key: &str, backfill: bool, loaded: &Loaded) {
        let report = &mut self.plan.report;
        if backfill {
            report.counts.valid_backfill_digests += 1;
        } else {
            report.counts.valid_digests += 1;
        }
        let earliest = loaded.start.max(self.start);
        if report.found_start.is_none_or(|f| earliest < f) {
            report.found_start = Some(earliest);
        }
        let latest = loaded.end.min(self.end);
        if report.found_end.is_none_or(|f| latest > f) {
            report.found_end = Some(latest);
        }
        report.entries.push(Entry::Digest {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            backfill,
            outcome: DigestOutcome::Valid,
        });
        let Some(Value::Array(log_files)) = loaded.data.get("logFiles") else {
            return;
        };
        for log in log_files {
            let field = |name: &str| log.get(name);
            let (bucket, key) = (field("s3Bucket"), field("s3Object"));
            let well_formed = matches!(
                (bucket, key),
                (Some(Value::String(_)), Some(Value::String(_)))
            );
            let render = |v: Option<&Value>| v.map_or_else(|| "None".to_owned(), py_str);
            let expected = match field("hashValue") {
                None => ExpectedHash::Missing,
                Some(Value::String(h)) => ExpectedHash::Hex(h.clone()),
                Some(_) => ExpectedHash::NotAString,
            };
            let check = LogFileCheck {
                bucket: render(bucket),
                key: render(key),
                expected,
                well_formed,
            };
            self.plan.check_entries.push(report.entries.len());
            report.entries.push(Entry::LogFile {
                bucket: check.bucket.clone(),
                key: check.key.clone(),
                outcome: LogFileOutcome::InvalidFormat,
            });
            self.plan.checks.push(check);
        }
    }

    /// The CLI's `_load_and_validate_digest` (plus the start time its loop parses, and the strict link check).
    fn load(
        &self,
        bucket: &str,
        key: &str,
        backfill: bool,
        link: Option<Link>,
    ) -> Result<Loaded, DigestOutcome> {
        let object = self
            .by_location
            .get(&(bucket, key))
            .ok_or(DigestOutcome::NotFound)?;
        let inflated = gunzip_member(&object.body).map_err(|_| DigestOutcome::InvalidFormat)?;
        let text = std::str::from_utf8(&inflated).map_err(|_| DigestOutcome::InvalidFormat)?;
        let value: Value = serde_json::from_str(text).map_err(|_| DigestOutcome::InvalidFormat)?;
        let metadata = &object.metadata;
        let (Some(signature), Some(_)) = (
            metadata.get(SIGNATURE_METADATA),
            metadata.get(SIGNATURE_ALGORITHM_METADATA),
        ) else {
            return Err(DigestOutcome::SignatureFailed);
        };
        let data = match value {
            Value::Object(map) => map,
            Value::Array(_) => {
                return Err(DigestOutcome::Other(
                    "list indices must be integers or slices, not str".into(),
                ))
            }
            other => {
                return Err(DigestOutcome::Other(format!(
                    "'{}' object does not support item assignment",
                    py_type(&other)
                )))
            }
        };
        if backfill && !metadata.contains_key(BACKFILL_TIMESTAMP_METADATA) {
            return Err(DigestOutcome::InvalidFormat);
        }
        const REQUIRED: [&str; 6] = [
            "digestPublicKeyFingerprint",
            "digestS3Bucket",
            "digestS3Object",
            "previousDigestSignature",
            "digestEndTime",
            "digestStartTime",
        ];
        if REQUIRED.iter().any(|k| !data.contains_key(*k)) {
            return Err(DigestOutcome::InvalidFormat);
        }
        if data["digestS3Bucket"].as_str() != Some(bucket)
            || data["digestS3Object"].as_str() != Some(key)
        {
            return Err(DigestOutcome::Moved);
        }

        let fp = &data["digestPublicKeyFingerprint"];
        if let Value::Array(_) | Value::Object(_) = fp {
            return Err(DigestOutcome::Other(format!(
                "unhashable type: '{}'",
                py_type(fp)
            )));
        }
        let public_key = fp.as_str().and_then(|f| self.keys.get(f));
        if public_key.is_none() && backfill {
            // The CLI fetches keys for the backfill generation time here, so that time must parse.
            parse_date(&Value::String(
                metadata[BACKFILL_TIMESTAMP_METADATA].clone(),
            ))?;
        }
        let fingerprint = py_str(fp);
        let Some(public_key) = public_key else {
            return Err(DigestOutcome::PublicKeyNotFound {
                fingerprint,
                region: self.location.home_region.clone(),
            });
        };
        if !is_pkcs1_public_key(public_key) {
            return Err(DigestOutcome::UnloadableKey { fingerprint });
        }
        let previous_signature = match &data["previousDigestSignature"] {
            Value::Null => "null".to_owned(),
            v => py_str(v),
        };
        let to_sign = format!(
            "{}\n{}/{}\n{}\n{}",
            py_str(&data["digestEndTime"]),
            py_str(&data["digestS3Bucket"]),
            py_str(&data["digestS3Object"]),
            sha256_hex(&inflated),
            previous_signature
        );
        let signature_bytes = unhexlify(signature)?;
        match verify_signature(public_key, to_sign.as_bytes(), &signature_bytes) {
            Ok(()) => {}
            Err(VerifyError::UnloadableKey) => {
                return Err(DigestOutcome::UnloadableKey { fingerprint })
            }
            Err(VerifyError::BadSignature) => return Err(DigestOutcome::SignatureFailed),
        }
        let end = parse_date(&data["digestEndTime"])?;
        let start = parse_date(&data["digestStartTime"])?;

        if let (true, Some(link)) = (self.strict, link) {
            let same = |recorded: &Option<Value>, actual: &str| {
                recorded
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.eq_ignore_ascii_case(actual))
            };
            if !same(&link.signature, signature) || !same(&link.hash_value, &sha256_hex(&inflated))
            {
                return Err(DigestOutcome::ChainMismatch {
                    newer_bucket: link.newer_bucket,
                    newer_key: link.newer_key,
                });
            }
        }
        Ok(Loaded { data, start, end })
    }
}

/// `binascii.unhexlify`, with its error texts.
fn unhexlify(s: &str) -> Result<Vec<u8>, DigestOutcome> {
    if s.len() % 2 == 1 {
        return Err(DigestOutcome::Other("Odd-length string".into()));
    }
    hex::decode(s).map_err(|_| DigestOutcome::Other("Non-hexadecimal digit found".into()))
}

/// The CLI's `parse_date` on a JSON value, with its error texts.
fn parse_date(v: &Value) -> Result<Timestamp, DigestOutcome> {
    match v {
        Value::String(s) => parse_cli_date(s)
            .ok_or_else(|| DigestOutcome::Other(format!("Unable to parse date value: {s}"))),
        other => Err(DigestOutcome::Other(format!(
            "Parser must be a string or character stream, not {}",
            py_type(other)
        ))),
    }
}

/// Python's type name of a decoded JSON value.
fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `str()` of a decoded JSON value, as an f-string renders it (close enough for non-strings, which only appear in
/// content nobody signed).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}
