//! IAM identifier formats.

use trailrunner_api::Entropy;

/// The alphabet AWS uses after the four-letter prefix of key and principal ids (base32: A–Z, 2–7).
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `AKIA` + 16 characters: a long-term access key id.
pub(crate) fn access_key_id(entropy: &dyn Entropy) -> String {
    format!("AKIA{}", entropy.string_from(ID_ALPHABET, 16))
}

/// `ASIA` + 16 characters: a temporary access key id (STS).
pub(crate) fn temporary_access_key_id(entropy: &dyn Entropy) -> String {
    format!("ASIA{}", entropy.string_from(ID_ALPHABET, 16))
}

/// A session token: 256 base64 characters (about 1,500 random bits). Only its SHA-256 is stored.
pub(crate) fn session_token(entropy: &dyn Entropy) -> String {
    entropy.string_from(SECRET_ALPHABET, 256)
}

/// 40 characters, as AWS secret access keys are.
pub(crate) fn secret_access_key(entropy: &dyn Entropy) -> String {
    entropy.string_from(SECRET_ALPHABET, 40)
}

/// `AIDA` + 17 characters: an IAM user's unique id.
pub(crate) fn user_id(entropy: &dyn Entropy) -> String {
    format!("AIDA{}", entropy.string_from(ID_ALPHABET, 17))
}

/// `AROA` + 17 characters: an IAM role's unique id.
pub(crate) fn role_id(entropy: &dyn Entropy) -> String {
    format!("AROA{}", entropy.string_from(ID_ALPHABET, 17))
}

/// Whether a string can be an access key id at all (checked before any store lookup).
pub(crate) fn plausible_access_key_id(id: &str) -> bool {
    (16..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailrunner_api::SystemEntropy;

    #[test]
    fn formats() {
        let id = access_key_id(&SystemEntropy);
        assert!(id.starts_with("AKIA") && id.len() == 20 && plausible_access_key_id(&id));
        assert_eq!(secret_access_key(&SystemEntropy).len(), 40);
        let temp = temporary_access_key_id(&SystemEntropy);
        assert!(temp.starts_with("ASIA") && temp.len() == 20 && plausible_access_key_id(&temp));
        assert_ne!(session_token(&SystemEntropy), session_token(&SystemEntropy));
        assert!(!plausible_access_key_id("AKIA/../../etc"));
        assert!(!plausible_access_key_id("short"));
        for (id, prefix) in [
            (user_id(&SystemEntropy), "AIDA"),
            (role_id(&SystemEntropy), "AROA"),
        ] {
            assert!(id.starts_with(prefix) && id.len() == 21, "{id}");
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        }
    }
}
