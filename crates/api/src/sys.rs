//! The clock and the source of randomness, passed in so tests can pin them.

use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> jiff::Timestamp;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}

/// A clock tests set by hand (milliseconds since the epoch).
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(at: jiff::Timestamp) -> Self {
        ManualClock(AtomicI64::new(at.as_millisecond()))
    }

    pub fn set(&self, at: jiff::Timestamp) {
        self.0.store(at.as_millisecond(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.0.load(Ordering::SeqCst))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

pub trait Entropy: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);

    /// A random (version 4) UUID, lower-case hyphenated: request ids, event ids, operation ids.
    fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A time-ordered (version 7, RFC 9562) UUID: the first 48 bits are `unix_ms`, the rest random. Event ids use
    /// it so that an id carries the time of its event (Event history finds an event by id without an index of
    /// random keys).
    fn uuid_v7(&self, unix_ms: i64) -> String {
        let mut bytes = [0u8; 10];
        self.fill(&mut bytes);
        let ms = u64::try_from(unix_ms).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// `n` random characters from `alphabet` (unbiased: bytes past the largest multiple are redrawn).
    fn string_from(&self, alphabet: &[u8], n: usize) -> String {
        let limit = 256 - (256 % alphabet.len());
        let mut out = String::with_capacity(n);
        let mut buf = [0u8; 64];
        while out.len() < n {
            self.fill(&mut buf);
            for &b in &buf {
                if (b as usize) < limit && out.len() < n {
                    out.push(alphabet[b as usize % alphabet.len()] as char);
                }
            }
        }
        out
    }
}

/// The millisecond time inside a version-7 UUID, or `None` for anything else.
pub fn uuid_v7_millis(id: &str) -> Option<i64> {
    let parsed = uuid::Uuid::parse_str(id).ok()?;
    if parsed.get_version_num() != 7 {
        return None;
    }
    let (secs, nanos) = parsed.get_timestamp()?.to_unix();
    i64::try_from(secs)
        .ok()?
        .checked_mul(1000)?
        .checked_add(i64::from(nanos / 1_000_000))
}

/// The operating system's CSPRNG (through aws-lc-rs).
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // Failure here means the OS cannot provide randomness; nothing secure can continue.
        aws_lc_rs::rand::fill(buf).expect("the system random number generator failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let id = SystemEntropy.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, SystemEntropy.uuid());
    }

    #[test]
    fn v7_uuids_carry_their_time() {
        let id = SystemEntropy.uuid_v7(1_764_028_800_123);
        assert_eq!(&id[14..15], "7");
        assert_eq!(super::uuid_v7_millis(&id), Some(1_764_028_800_123));
        assert_eq!(
            super::uuid_v7_millis(&SystemEntropy.uuid()),
            None,
            "a v4 id carries no time"
        );
        assert_eq!(super::uuid_v7_millis("not-a-uuid"), None);
    }

    #[test]
    fn strings_use_only_the_alphabet() {
        let s = SystemEntropy.string_from(b"AB", 100);
        assert_eq!(s.len(), 100);
        assert!(s.bytes().all(|b| b == b'A' || b == b'B'));
    }
}
