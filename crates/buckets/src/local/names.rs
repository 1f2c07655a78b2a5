//! What a bucket name, an object key and user metadata may be (S3's rules), checked before anything touches the
//! disk: a bucket name becomes a directory name, so only names that pass here ever reach the file system.

use super::LocalError;

/// The longest object key S3 accepts, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;
/// The most user metadata an object may carry: names and values, in bytes of UTF-8 (S3: 2 KB).
pub const MAX_METADATA_BYTES: usize = 2048;
/// The longest `Content-Type` kept.
pub const MAX_CONTENT_TYPE_BYTES: usize = 1024;

/// S3's general purpose bucket naming rules: 3 to 63 characters of lower-case letters, digits, dots and hyphens,
/// starting and ending with a letter or digit, no two adjacent dots, not shaped like an IPv4 address, and none of
/// the reserved prefixes and suffixes.
pub fn check_bucket_name(name: &str) -> Result<(), LocalError> {
    let invalid = || LocalError::InvalidBucketName(name.chars().take(100).collect());
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Err(invalid());
    }
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.iter().all(|&b| allowed(b))
        || !edge(bytes[0])
        || !edge(bytes[bytes.len() - 1])
        || name.contains("..")
        || name.contains(".-")
        || name.contains("-.")
        || looks_like_ipv4(name)
        || name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
        || name.ends_with(".mrap")
        || name.ends_with("--x-s3")
    {
        return Err(invalid());
    }
    Ok(())
}

fn looks_like_ipv4(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A key is 1 to 1024 bytes of UTF-8 (guaranteed by `&str`).
pub fn check_key(key: &str) -> Result<(), LocalError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(LocalError::KeyTooLong);
    }
    Ok(())
}

/// User metadata: names are lower-cased by the caller; together names and values stay within 2 KB.
pub fn check_metadata(metadata: &[(String, String)]) -> Result<(), LocalError> {
    let total: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_METADATA_BYTES {
        return Err(LocalError::MetadataTooLarge);
    }
    if metadata.iter().any(|(k, _)| k.is_empty()) {
        return Err(LocalError::InvalidArgument(
            "User metadata names cannot be empty.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in [
            "abc",
            "my-bucket",
            "my.bucket.1",
            "a1b",
            &"a".repeat(63),
            "1.2.3",
        ] {
            assert!(check_bucket_name(ok).is_ok(), "{ok} should be valid");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "a_b",
            "192.168.5.4",
            "xn--abc",
            "abc-s3alias",
            "a b",
            "ab/",
            "..",
        ] {
            assert!(
                matches!(
                    check_bucket_name(bad),
                    Err(LocalError::InvalidBucketName(_))
                ),
                "{bad} should be invalid"
            );
        }
    }

    #[test]
    fn keys_and_metadata_are_bounded() {
        assert!(check_key("a").is_ok());
        assert!(check_key(&"k".repeat(1024)).is_ok());
        assert!(matches!(
            check_key(&"k".repeat(1025)),
            Err(LocalError::KeyTooLong)
        ));
        assert!(matches!(check_key(""), Err(LocalError::KeyTooLong)));
        // Two bytes a character: 512 characters are 1024 bytes.
        assert!(check_key(&"é".repeat(512)).is_ok());
        assert!(check_key(&"é".repeat(513)).is_err());
        let meta = |n: usize| vec![("k".to_string(), "v".repeat(n))];
        assert!(check_metadata(&meta(2047)).is_ok());
        assert!(matches!(
            check_metadata(&meta(2048)),
            Err(LocalError::MetadataTooLarge)
        ));
    }
}
