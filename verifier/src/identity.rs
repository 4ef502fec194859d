//! Recipient identity hashes (OB 3.0 §7, IdentityObject / identityHash).

use sha2::{Digest, Sha256};

/// OB 3.0 §7: the recipient's name, when the credential states it as an unhashed `name`
/// IdentityObject (an email is only ever a hash and is never returned).
pub fn recipient_name(credential: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    use serde_json::Value;
    let identifiers = credential.get("credentialSubject")?.get("identifier")?;
    let list: Vec<&Value> = match identifiers {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    list.into_iter()
        .find(|i| {
            i.get("identityType").and_then(Value::as_str) == Some("name")
                && i.get("hashed").and_then(Value::as_bool) == Some(false)
        })
        .and_then(|i| i.get("identityHash"))
        .and_then(Value::as_str)
}

/// Normalises an email address before hashing: trimmed and lower-cased, so that the issuer and a
/// verifier who types the address hash the same bytes (OB 3.0 specifies no normalisation).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// OB 3.0 §7: `sha256$` + hex(sha256(identifier ‖ salt)); the salt is appended, no separator.
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(identifier.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex::encode(h.finalize()))
}

/// The identityHash of an email address, after [`normalize_email`].
pub fn hash_email(email: &str, salt: &str) -> String {
    identity_hash(&normalize_email(email), salt)
}

/// OB 3.0 §verify-identifier: does `email` match this IdentityObject's hash (hex in either case)?
/// Only `sha256$` hashes are recognised; a plaintext identity is compared after normalising.
pub fn email_matches(
    identity_hash_value: &str,
    hashed: bool,
    salt: Option<&str>,
    email: &str,
) -> bool {
    if !hashed {
        return normalize_email(identity_hash_value) == normalize_email(email);
    }
    let Some(hex_digest) = identity_hash_value.strip_prefix("sha256$") else {
        return false;
    };
    let salt = salt.unwrap_or("");
    let expected = identity_hash(&normalize_email(email), salt);
    // Also try the address exactly as given, for issuers that did not normalise.
    let raw = identity_hash(email, salt);
    let given = hex_digest.to_ascii_lowercase();
    expected["sha256$".len()..] == given || raw["sha256$".len()..] == given
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_spec_example() {
        // OB 3.0 §identityhash example: sha256("a@example.com" ‖ "Kosher").
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }

    #[test]
    fn matches_known_email_in_any_case_and_rejects_others() {
        let h = hash_email("Teacher@District.org", "pepper");
        assert!(email_matches(
            &h,
            true,
            Some("pepper"),
            "teacher@district.org"
        ));
        assert!(email_matches(
            &h.to_uppercase().replace("SHA256$", "sha256$"),
            true,
            Some("pepper"),
            " TEACHER@district.org "
        ));
        assert!(!email_matches(
            &h,
            true,
            Some("salt"),
            "teacher@district.org"
        ));
        assert!(!email_matches(
            &h,
            true,
            Some("pepper"),
            "other@district.org"
        ));
        assert!(!email_matches("md5$abc", true, None, "a@b.c"));
        assert!(email_matches("A@b.c", false, None, "a@b.c"));
    }
}
