//! The structural stage: `@context`, `type`, required properties and the subject, checked on the
//! JSON before any JSON-LD processing (VC DM 2.0 §4, OB 3.0 §1 and its data model).

use serde_json::{Map, Value};

use super::Kind;
use crate::contexts::{VC_V1, VC_V2};
use crate::document::{date_fields, types_of, VcVersion};
use crate::report::Checks;

/// OB 3.0 §1: the second context must be an OB 3.0 context.
pub(super) fn is_ob_context(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://purl.imsglobal.org/spec/ob/v3p0/context") else {
        return false;
    };
    // ^…context(-3\.\d\.\d)*\.json$
    let mut rest = rest;
    while let Some(r) = rest.strip_prefix("-3.") {
        let b = r.as_bytes();
        if b.len() < 3 || !b[0].is_ascii_digit() || b[1] != b'.' || !b[2].is_ascii_digit() {
            return false;
        }
        rest = &r[3..];
    }
    rest == ".json"
}

/// OB 3.0 §1 / VC 2.0 §4.3: `@context` is an ordered array, VC context first, OB context second.
pub(super) fn check_context(
    doc: &Map<String, Value>,
    kind: Kind,
    checks: &mut Checks,
) -> Option<VcVersion> {
    const CHECK: &str = "context";
    let urls: Vec<&str> = match doc.get("@context") {
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().unwrap_or("")).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => {
            checks.fail(CHECK, "missing_context", "the credential has no @context");
            return None;
        }
    };
    let version = match urls.first().copied() {
        Some(VC_V2) => VcVersion::V2,
        Some(VC_V1) => VcVersion::V1,
        _ => {
            let code = if urls.iter().any(|u| *u == VC_V2 || *u == VC_V1) {
                "context_order"
            } else {
                "missing_vc_context"
            };
            checks.fail(
                CHECK,
                code,
                "the first @context must be the W3C Verifiable Credentials context",
            );
            return None;
        }
    };
    if kind == Kind::Generic {
        checks.pass(
            CHECK,
            "vc_context_valid",
            "the W3C Verifiable Credentials context comes first; this is not an Open Badges credential",
        );
        return Some(version);
    }
    match urls.get(1) {
        Some(u) if is_ob_context(u) => checks.pass(
            CHECK,
            "context_valid",
            format!("the contexts are in order ({u})"),
        ),
        _ => {
            let code = if urls.iter().any(|u| is_ob_context(u)) {
                "context_order"
            } else {
                "missing_ob_context"
            };
            checks.fail(
                CHECK,
                code,
                "the second @context must be an Open Badges 3.0 context",
            );
        }
    }
    Some(version)
}

/// OB 3.0 §1: type contains VerifiableCredential and AchievementCredential/OpenBadgeCredential
/// (EndorsementCredential for an endorsement, §14).
pub(super) fn check_type(doc: &Map<String, Value>, kind: Kind, checks: &mut Checks) {
    let types = types_of(doc.get("type"));
    let ok = types.contains(&"VerifiableCredential")
        && match kind {
            Kind::Credential => {
                types.contains(&"OpenBadgeCredential") || types.contains(&"AchievementCredential")
            }
            Kind::Endorsement => types.contains(&"EndorsementCredential"),
            Kind::Generic => true,
        };
    if ok {
        checks.pass(
            "type",
            "type_valid",
            format!("type is {}", types.join(", ")),
        );
    } else {
        let want = match kind {
            Kind::Credential => "OpenBadgeCredential or AchievementCredential",
            Kind::Endorsement => "EndorsementCredential",
            Kind::Generic => "a credential type",
        };
        checks.fail(
            "type",
            "invalid_type",
            format!("type must contain VerifiableCredential and {want}"),
        );
    }
}

/// OB 3.0 §2 (and §14 for endorsements): required properties, with the right shapes.
pub(super) fn check_required(
    doc: &Map<String, Value>,
    kind: Kind,
    version: Option<VcVersion>,
    checks: &mut Checks,
) -> Option<String> {
    let mut missing = Vec::new();
    let mut malformed = Vec::new();
    // VC DM 2.0 §4.4: id is optional, but when present it is a URL (`id_not_url`, below).
    if doc.get("id").is_none() && kind != Kind::Generic {
        missing.push("id");
    }
    let issuer_id = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(p)) => {
            // OB 3.0 §6: a Profile has an id and a type containing Profile.
            if kind != Kind::Generic && !types_of(p.get("type")).contains(&"Profile") {
                malformed.push("issuer.type (must contain Profile)");
            }
            p.get("id").and_then(Value::as_str).map(str::to_owned)
        }
        _ => None,
    };
    if issuer_id.is_none() {
        missing.push("issuer");
    }
    let (from, _) = date_fields(version);
    // VC DM 2.0 makes validFrom optional; Open Badges and VC 1.1 (issuanceDate) require it.
    let date_required = kind != Kind::Generic || version == Some(VcVersion::V1);
    if date_required && doc.get(from).and_then(Value::as_str).is_none() {
        missing.push(from);
    }
    match doc.get("credentialSubject") {
        Some(Value::Object(o)) if kind == Kind::Generic && o.is_empty() => {
            malformed.push("credentialSubject (is empty)")
        }
        Some(Value::Object(_)) => {}
        // VC DM 2.0 §4.8: one or more subjects.
        Some(Value::Array(a)) if kind == Kind::Generic && !a.is_empty() => {
            if a.iter().any(|s| s.as_object().is_none_or(Map::is_empty)) {
                malformed.push("credentialSubject (an entry is empty or not an object)");
            }
        }
        _ => missing.push("credentialSubject"),
    }
    if kind == Kind::Credential {
        if let Some(Value::Object(s)) = doc.get("credentialSubject") {
            match s.get("achievement") {
                Some(Value::Object(a)) => {
                    for f in ["id", "name", "description", "criteria"] {
                        if !a.contains_key(f) {
                            malformed.push(match f {
                                "id" => "credentialSubject.achievement.id",
                                "name" => "credentialSubject.achievement.name",
                                "description" => "credentialSubject.achievement.description",
                                _ => "credentialSubject.achievement.criteria",
                            });
                        }
                    }
                }
                _ => missing.push("credentialSubject.achievement"),
            }
        }
    } else if kind == Kind::Endorsement && doc.get("name").and_then(Value::as_str).is_none() {
        missing.push("name");
    }
    let data_model = crate::vcdm::data_model_problems(doc);
    for p in &data_model {
        checks.fail("required_fields", p.rule.code(), &p.message);
    }
    if missing.is_empty() && malformed.is_empty() && data_model.is_empty() {
        checks.pass(
            "required_fields",
            "fields_present",
            "every required property is present",
        );
    } else if !missing.is_empty() {
        missing.extend(malformed);
        checks.fail(
            "required_fields",
            "missing_field",
            format!(
                "required properties are missing or malformed: {}",
                missing.join(", ")
            ),
        );
    } else if !malformed.is_empty() {
        checks.fail(
            "required_fields",
            "invalid_field",
            format!("properties are malformed: {}", malformed.join(", ")),
        );
    }
    issuer_id
}

/// OB 3.0 §13 step 1: the subject needs an `id` or at least one `identifier` (the VC data model
/// alone asks neither).
pub(super) fn check_subject(doc: &Map<String, Value>, kind: Kind, checks: &mut Checks) {
    if kind == Kind::Generic {
        return;
    }
    let Some(Value::Object(s)) = doc.get("credentialSubject") else {
        checks.skip(
            "subject_identifier",
            "no_subject",
            "there is no credentialSubject to identify",
        );
        return;
    };
    let has_id = s.get("id").and_then(Value::as_str).is_some();
    let has_identifier = match s.get("identifier") {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(_)) => true,
        _ => false,
    };
    if has_id || (kind == Kind::Credential && has_identifier) {
        checks.pass(
            "subject_identifier",
            "subject_identified",
            if has_id {
                "the recipient is identified by id"
            } else {
                "the recipient is identified by an identifier"
            },
        );
    } else {
        checks.fail(
            "subject_identifier",
            "missing_subject_identifier",
            "credentialSubject has neither an id nor an identifier",
        );
    }
}
