//! The VC Data Model's structural MUSTs on the properties a credential may carry (ids that must be
//! URLs, objects that must be typed, related resources that must carry a digest), checked the same
//! way when an issuer signs and when a verifier reads.

use serde_json::{Map, Value};

/// One broken rule of the data model: a stable code and a sentence saying where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataModelProblem {
    /// The rule's report code.
    pub code: &'static str,
    /// What breaks it.
    pub message: String,
}

/// Every structural rule `credential` breaks (empty when it keeps them all). The rules are the
/// ones VC Data Model 2.0 states with MUST for the properties named; VC 1.1 states the same ones
/// for the properties it defines, so they apply to both versions.
pub fn data_model_problems(credential: &Map<String, Value>) -> Vec<DataModelProblem> {
    let mut problems = Vec::new();
    let mut problem = |code: &'static str, message: String| {
        problems.push(DataModelProblem { code, message });
    };
    // VC-DATA-MODEL-2.0 §4.4: if present, id MUST be a single URL.
    if let Some(id) = credential.get("id") {
        if !id.as_str().is_some_and(is_url) {
            problem("id_not_url", "the credential's id is not a URL".into());
        }
    }
    // §4.10 credentialStatus, §4.11 credentialSchema, §5.4 refreshService, §5.5 termsOfUse and
    // §5.6 evidence: each object MUST have a type.
    for (property, code) in [
        ("credentialStatus", "credential_status_type_missing"),
        ("credentialSchema", "credential_schema_type_missing"),
        ("refreshService", "refresh_service_type_missing"),
        ("termsOfUse", "terms_of_use_type_missing"),
        ("evidence", "evidence_type_missing"),
    ] {
        let Some(value) = credential.get(property) else {
            continue;
        };
        let untyped = one_or_many(value).filter(|entry| !has_type(entry)).count();
        if untyped > 0 {
            problem(
                code,
                format!("{untyped} {property} entr(y/ies) without a type"),
            );
        }
    }
    // §4.10: credentialStatus.id, if present, MUST be a URL.
    if let Some(status) = credential.get("credentialStatus") {
        let bad = one_or_many(status)
            .filter(|entry| {
                entry
                    .get("id")
                    .is_some_and(|id| !id.as_str().is_some_and(is_url))
            })
            .count();
        if bad > 0 {
            problem(
                "credential_status_id_not_url",
                format!("{bad} credentialStatus id(s) are not URLs"),
            );
        }
    }
    // §4.11: each credentialSchema MUST have an id that is a URL.
    if let Some(schema) = credential.get("credentialSchema") {
        let bad = one_or_many(schema)
            .filter(|entry| !entry.get("id").and_then(Value::as_str).is_some_and(is_url))
            .count();
        if bad > 0 {
            problem(
                "credential_schema_id_not_url",
                format!("{bad} credentialSchema entr(y/ies) without a URL id"),
            );
        }
    }
    // §5.3: relatedResource is one or more objects, each with an id (unique among them) and
    // digestSRI or digestMultibase.
    if let Some(related) = credential.get("relatedResource") {
        if let Some(message) = related_resource_problem(related) {
            problem("related_resource_invalid", message);
        }
    }
    problems
}

fn related_resource_problem(related: &Value) -> Option<String> {
    let entries: Vec<&Value> = match related {
        Value::Array(a) if a.is_empty() => return Some("relatedResource is empty".into()),
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![related],
        _ => return Some("relatedResource is not an object or a list of objects".into()),
    };
    let mut ids = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Some("a relatedResource entry is not an object".into());
        };
        let Some(id) = entry
            .get("id")
            .and_then(Value::as_str)
            .filter(|i| is_url(i))
        else {
            return Some("a relatedResource entry has no URL id".into());
        };
        if !entry.contains_key("digestSRI") && !entry.contains_key("digestMultibase") {
            return Some(format!(
                "relatedResource {id} has neither digestSRI nor digestMultibase"
            ));
        }
        if ids.contains(&id) {
            return Some(format!("relatedResource {id} is listed twice"));
        }
        ids.push(id);
    }
    None
}

fn one_or_many(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(a) => Box::new(a.iter()),
        other => Box::new(std::iter::once(other)),
    }
}

fn has_type(entry: &Value) -> bool {
    match entry.get("type") {
        Some(Value::String(_)) => true,
        Some(Value::Array(a)) => !a.is_empty() && a.iter().all(Value::is_string),
        _ => false,
    }
}

/// A URL as the data model means it (an absolute IRI: a scheme, then its part; RFC 3987).
pub(crate) fn is_url(text: &str) -> bool {
    iref::Iri::new(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One table: a credential fragment and the codes it must produce, checked in one loop.
    #[test]
    fn each_rule_has_its_own_code() {
        let cases: &[(Value, &[&str])] = &[
            (json!({"id": "urn:uuid:1"}), &[]),
            (json!({"id": "not a url"}), &["id_not_url"]),
            (json!({"id": 7}), &["id_not_url"]),
            (
                json!({"evidence": [{"type": "Evidence"}, {"id": "https://e.example"}]}),
                &["evidence_type_missing"],
            ),
            (
                json!({"termsOfUse": {"id": "https://t.example"}}),
                &["terms_of_use_type_missing"],
            ),
            (
                json!({"refreshService": {"url": "https://r.example"}}),
                &["refresh_service_type_missing"],
            ),
            (
                json!({"credentialSchema": {"id": "https://s.example"}}),
                &["credential_schema_type_missing"],
            ),
            (
                json!({"credentialSchema": {"type": "JsonSchema"}}),
                &["credential_schema_id_not_url"],
            ),
            (
                json!({"credentialStatus": {"id": "https://s.example/1#2"}}),
                &["credential_status_type_missing"],
            ),
            (
                json!({"credentialStatus": {"id": "no url", "type": "X"}}),
                &["credential_status_id_not_url"],
            ),
            (json!({"credentialStatus": {"type": "X"}}), &[]),
            (
                json!({"relatedResource": [{"id": "https://a.example", "digestSRI": "sha384-x"}]}),
                &[],
            ),
            (
                json!({"relatedResource": {"id": "https://a.example", "digestMultibase": "uEi"}}),
                &[],
            ),
            (
                json!({"relatedResource": "https://a.example"}),
                &["related_resource_invalid"],
            ),
            (
                json!({"relatedResource": []}),
                &["related_resource_invalid"],
            ),
            (
                json!({"relatedResource": [{"id": "https://a.example"}]}),
                &["related_resource_invalid"],
            ),
            (
                json!({"relatedResource": [{"digestSRI": "sha384-x"}]}),
                &["related_resource_invalid"],
            ),
            (
                json!({"relatedResource": [
                    {"id": "https://a.example", "digestSRI": "sha384-x"},
                    {"id": "https://a.example", "digestSRI": "sha384-y"}
                ]}),
                &["related_resource_invalid"],
            ),
        ];
        for (doc, want) in cases {
            let got: Vec<&str> = data_model_problems(doc.as_object().unwrap_or(&Map::new()))
                .iter()
                .map(|p| p.code)
                .collect();
            assert_eq!(&got, want, "{doc}");
        }
    }
}
