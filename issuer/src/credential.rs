//! Building, signing and self-checking one OpenBadgeCredential.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// What the issuing office asks for.
#[derive(Debug, Clone, Default)]
pub struct IssueRequest {
    /// Achievement slug or id.
    pub achievement: String,
    /// The recipient's email; stored only as a hash (`recipient_lookup`), never as text.
    pub recipient_email: String,
    /// The recipient's DID, when they have one; it becomes `credentialSubject.id`.
    pub recipient_did: Option<String>,
    /// The recipient's name, shown on the credential.
    pub recipient_name: Option<String>,
    /// Evidence links (https), each an `Evidence` entry.
    pub evidence_urls: Vec<String>,
    /// What the recipient did, in words (an `Evidence` narrative).
    pub evidence_narrative: Option<String>,
    /// Credit hours or units earned (`creditsEarned`).
    pub credits: Option<f64>,
    /// When the credential stops being valid (`validUntil`); none means it does not expire.
    pub valid_until: Option<DateTime<Utc>>,
    /// A roster row's key: the same key is never issued twice.
    pub row_key: Option<String>,
    /// The `Idempotency-Key` lease this request holds ([`crate::Issuer::begin_idempotent`]):
    /// the credential is stored only while it holds, and recorded with the key.
    pub lease: Option<crate::IdempotencyLease>,
    /// Issue without status entries (the credential can then never be revoked publicly).
    pub without_status: bool,
    /// OB 3.0 `Result` entries (`credentialSubject.result`): a reviewed submission's achieved
    /// rubric levels.
    pub results: Vec<Value>,
    /// More OB 3.0 `Evidence` entries, after those of `evidence_urls` and the narrative.
    pub evidence: Vec<Value>,
}

/// RFC 3339 with seconds and `Z`, the form Cairn writes every date in.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A plausibility check for an email address: one `@`, no spaces, a dotted domain.
pub(crate) fn check_email(email: &str) -> Result<(), Error> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            "recipient email",
            format!("{email:?} is not an email address"),
        ))
    }
}

fn check_did(did: &str) -> Result<(), Error> {
    // DID Core §3.1: did:method:method-specific-id.
    let ok = did
        .strip_prefix("did:")
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(m, id)| {
            !m.is_empty()
                && m.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_:%#".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            "recipient DID",
            format!("{did:?} is not a DID"),
        ))
    }
}

pub(crate) fn check_url(field: &'static str, url: &str) -> Result<(), Error> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            field,
            format!("{url:?} is not an http(s) URL"),
        ))
    }
}

/// The value stored to find a recipient's credentials by email without storing the email:
/// hex(sha256("cairn-recipient:" ‖ normalised email)).
pub fn recipient_lookup(email: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"cairn-recipient:");
    h.update(cairn_verifier::identity::normalize_email(email).as_bytes());
    hex::encode(h.finalize())
}

/// Builds the unsigned credential for `request` (after checking it).
/// `derived_subject_id` is the subject id to use when there is no recipient DID (VC-JWT needs one).
pub(crate) fn build(
    request: &IssueRequest,
    derived_subject_id: Option<&str>,
    credential_id: &str,
    issuer_profile: &Value,
    achievement: &Value,
    now: DateTime<Utc>,
) -> Result<Value, Error> {
    check_email(&request.recipient_email)?;
    if let Some(did) = &request.recipient_did {
        check_did(did)?;
    }
    for url in &request.evidence_urls {
        check_url("evidence URL", url)?;
    }
    if let Some(c) = request.credits {
        if !c.is_finite() || c < 0.0 {
            return Err(Error::input("credits", "must be a non-negative number"));
        }
    }
    if let Some(until) = request.valid_until {
        if until <= now {
            return Err(Error::input("valid-until", "must be in the future"));
        }
    }
    if request
        .recipient_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty())
    {
        return Err(Error::input("recipient name", "must not be empty"));
    }

    // OB 3.0 §7: the email travels only as a salted SHA-256 identityHash.
    let salt = hex::encode(rand::random::<[u8; 16]>());
    let mut identifiers = vec![json!({
        "type": "IdentityObject",
        "identityHash": cairn_verifier::identity::hash_email(&request.recipient_email, &salt),
        "identityType": "emailAddress",
        "hashed": true,
        "salt": salt,
    })];
    if let Some(name) = &request.recipient_name {
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": name.trim(),
            "identityType": "name",
            "hashed": false,
        }));
    }
    let mut subject = Map::new();
    if let Some(id) = request.recipient_did.as_deref().or(derived_subject_id) {
        subject.insert("id".into(), id.into());
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    subject.insert("identifier".into(), Value::Array(identifiers));
    subject.insert("achievement".into(), achievement.clone());
    if let Some(c) = request.credits {
        subject.insert("creditsEarned".into(), json!(c));
    }
    if !request.results.is_empty() {
        subject.insert("result".into(), Value::Array(request.results.clone()));
    }

    let mut doc = Map::new();
    doc.insert(
        "@context".into(),
        json!([cairn_verifier::VC_V2, cairn_verifier::OB_V3P0_3_0_3]),
    );
    doc.insert("id".into(), credential_id.into());
    doc.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    if let Some(name) = achievement.get("name") {
        doc.insert("name".into(), name.clone());
    }
    doc.insert("issuer".into(), issuer_profile.clone());
    doc.insert("validFrom".into(), rfc3339(now).into());
    if let Some(until) = request.valid_until {
        doc.insert("validUntil".into(), rfc3339(until).into());
    }
    doc.insert("credentialSubject".into(), Value::Object(subject));
    let mut evidence: Vec<Value> = request
        .evidence_urls
        .iter()
        .map(|u| json!({"id": u, "type": ["Evidence"]}))
        .collect();
    if let Some(narrative) = &request.evidence_narrative {
        match evidence.first_mut() {
            Some(Value::Object(first)) if request.evidence_urls.len() == 1 => {
                first.insert("narrative".into(), narrative.clone().into());
            }
            _ => evidence.push(json!({"type": ["Evidence"], "narrative": narrative})),
        }
    }
    evidence.extend(request.evidence.iter().cloned());
    if !evidence.is_empty() {
        doc.insert("evidence".into(), Value::Array(evidence));
    }
    Ok(Value::Object(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_requests_are_refused() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let base = IssueRequest {
            achievement: "a".into(),
            recipient_email: "t@district.org".into(),
            ..Default::default()
        };
        let profile = json!({"id": "did:key:x", "type": ["Profile"], "name": "n"});
        let ach = json!({"id": "urn:uuid:1", "name": "A"});
        assert!(build(&base, None, "urn:uuid:2", &profile, &ach, now).is_ok());
        let cases: Vec<IssueRequest> = vec![
            IssueRequest {
                recipient_email: "not-an-email".into(),
                ..base.clone()
            },
            IssueRequest {
                recipient_email: "a b@c.org".into(),
                ..base.clone()
            },
            IssueRequest {
                recipient_did: Some("did:".into()),
                ..base.clone()
            },
            IssueRequest {
                evidence_urls: vec!["javascript:alert(1)".into()],
                ..base.clone()
            },
            IssueRequest {
                credits: Some(-1.0),
                ..base.clone()
            },
            IssueRequest {
                credits: Some(f64::NAN),
                ..base.clone()
            },
            IssueRequest {
                valid_until: Some(now - chrono::Duration::days(1)),
                ..base.clone()
            },
            IssueRequest {
                recipient_name: Some("  ".into()),
                ..base.clone()
            },
        ];
        for req in cases {
            let err = build(&req, None, "urn:uuid:2", &profile, &ach, now)
                .err()
                .map(|e| e.code());
            assert_eq!(err, Some("invalid_input"), "{req:?}");
        }
    }
}
