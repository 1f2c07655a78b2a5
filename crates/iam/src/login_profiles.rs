//! `CreateLoginProfile`: a user's console password, kept only as a salted PBKDF2-HMAC-SHA256 hash (for the
//! console to come).

use std::num::NonZeroU32;

use aws_lc_rs::pbkdf2;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, CallerKind, Entropy, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::entities::{self as e, LoginProfileDoc, USER_KIND};
use crate::errors::{self, entity_already_exists, missing, password_policy};
use crate::iam_handler::IamHandler;

/// OWASP's current recommendation for PBKDF2-HMAC-SHA256.
const ITERATIONS: u32 = 600_000;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;
const SCHEME: &str = "pbkdf2-sha256";

/// `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64, no padding).
pub(crate) fn hash_password(password: &str, entropy: &dyn Entropy) -> String {
    let mut salt = [0u8; SALT_LEN];
    entropy.fill(&mut salt);
    let mut out = [0u8; HASH_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(ITERATIONS).unwrap_or(NonZeroU32::MIN),
        &salt,
        password.as_bytes(),
        &mut out,
    );
    format!(
        "{SCHEME}${ITERATIONS}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    )
}

/// Whether `password` matches a hash made by [`hash_password`] (compared in constant time).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(iterations), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(iterations), Ok(salt), Ok(hash)) = (
        iterations.parse::<u32>().ok().and_then(NonZeroU32::new),
        STANDARD_NO_PAD.decode(salt),
        STANDARD_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        password.as_bytes(),
        &hash,
    )
    .is_ok()
}

/// IAM's default password policy (no account policy is configurable yet): at least 8 characters, and at least
/// three of uppercase letters, lowercase letters, digits and symbols.
fn meets_default_policy(password: &str) -> bool {
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    password.chars().count() >= 8 && classes.iter().filter(|c| **c).count() >= 3
}

pub(crate) async fn create_login_profile(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = match (e::text(input, "UserName"), ctx.caller.kind) {
        (Some(name), _) => name,
        (None, CallerKind::IamUser) => ctx.caller.user_name.as_deref().unwrap_or_default(),
        (None, CallerKind::Root) => return Err(missing("userName")),
        // IAM's answer for role sessions and federated users, which have no user of their own.
        (None, CallerKind::AssumedRole | CallerKind::FederatedUser) => {
            return Err(crate::errors::validation(
                "Must specify userName when calling with non-User credentials",
            ))
        }
    };
    let user = e::require_user(h.store.as_ref(), account, name).await?;
    let password = e::text(input, "Password").ok_or_else(|| missing("password"))?;
    let key = e::login_profile_key(account, &user.doc.user_id);
    let existing = h
        .store
        .get(&key)
        .await
        .map_err(|x| errors::store("reading a login profile", &x))?;
    if existing.is_some() {
        return Err(entity_already_exists(format!(
            "Login Profile for user {} already exists.",
            user.doc.user_name
        )));
    }
    if !meets_default_policy(password) {
        return Err(password_policy(
            "Password does not conform to the account password policy.",
        ));
    }
    // Deliberately slow: off the request threads.
    let (secret, entropy) = (password.to_string(), h.entropy.clone());
    let password_hash =
        tokio::task::spawn_blocking(move || hash_password(&secret, entropy.as_ref()))
            .await
            .map_err(|x| errors::store("hashing a password", &x))?;
    let profile = LoginProfileDoc {
        user_name: user.doc.user_name.clone(),
        user_id: user.doc.user_id.clone(),
        password_hash,
        create_date: e::iso(ctx),
        password_reset_required: input
            .get("PasswordResetRequired")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let mut changes = ChangeSet::new();
    changes.put(key, None, e::encode(&profile)?, Expect::Absent);
    // Under the user's version, so a concurrent DeleteUser cannot leave a profile without its user.
    changes.put(
        e::key(account, USER_KIND, &user.doc.user_name),
        None,
        e::encode(&user.doc)?,
        Expect::Version(user.version),
    );
    Ok(Outcome {
        output: json!({"LoginProfile": {
            "UserName": profile.user_name,
            "CreateDate": profile.create_date,
            "PasswordResetRequired": profile.password_reset_required,
        }}),
        changes,
        resources: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailrunner_api::SystemEntropy;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("Correct-Horse-1", &SystemEntropy);
        let b = hash_password("Correct-Horse-1", &SystemEntropy);
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(a.starts_with("pbkdf2-sha256$600000$"));
        assert!(verify_password("Correct-Horse-1", &a));
        assert!(!verify_password("correct-horse-1", &a));
        assert!(!verify_password("Correct-Horse-1", "pbkdf2-sha256$1$x"));
    }

    #[test]
    fn default_password_policy() {
        assert!(meets_default_policy("Passw0rd"));
        assert!(meets_default_policy("pass word1"));
        assert!(!meets_default_policy("Pa0!"));
        assert!(!meets_default_policy("password"));
        assert!(!meets_default_policy("PASSWORD1"));
    }
}
