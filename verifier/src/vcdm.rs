//! The VC Data Model's structural MUSTs on the properties a credential may carry (ids that must be
//! URLs, objects that must be typed, related resources that must carry a digest), checked the same
//! way when an issuer signs and when a verifier reads.

use serde_json::{Map, Value};

/// A structural rule of the VC Data Model that a credential can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataModelRule {
    /// VC DM 2.0 §4.4: `id`, if present, is a single URL.
    IdNotUrl,
    /// VC DM 2.0 §4.10: each `credentialStatus` has a type.
    CredentialStatusTypeMissing,
    /// VC DM 2.0 §4.11: each `credentialSchema` has a type.
    CredentialSchemaTypeMissing,
    /// VC DM 2.0 §5.4: each `refreshService` has a type.
    RefreshServiceTypeMissing,
    /// VC DM 2.0 §5.5: each `termsOfUse` has a type.
    TermsOfUseTypeMissing,
    /// VC DM 2.0 §5.6: each `evidence` has a type.
    EvidenceTypeMissing,
    /// VC DM 2.0 §4.10: a `credentialStatus` id, if present, is a URL.
    CredentialStatusIdNotUrl,
    /// VC DM 2.0 §4.11: each `credentialSchema` has an id that is a URL.
    CredentialSchemaIdNotUrl,
    /// VC DM 2.0 §5.3: `relatedResource` entries have unique ids and a digest.
    RelatedResourceInvalid,
}

impl DataModelRule {
    /// Every rule, in the order they are checked.
    pub const ALL: [DataModelRule; 9] = [
        DataModelRule::IdNotUrl,
        DataModelRule::CredentialStatusTypeMissing,
        DataModelRule::CredentialSchemaTypeMissing,
        DataModelRule::RefreshServiceTypeMissing,
        DataModelRule::TermsOfUseTypeMissing,
        DataModelRule::EvidenceTypeMissing,
        DataModelRule::CredentialStatusIdNotUrl,
        DataModelRule::CredentialSchemaIdNotUrl,
        DataModelRule::RelatedResourceInvalid,
    ];

    /// The rule's report code (declared in the report-code table).
    pub fn code(self) -> &'static str {
        match self {
            DataModelRule::IdNotUrl => "id_not_url",
            DataModelRule::CredentialStatusTypeMissing => "credential_status_type_missing",
            DataModelRule::CredentialSchemaTypeMissing => "credential_schema_type_missing",
            DataModelRule::RefreshServiceTypeMissing => "refresh_service_type_missing",
            DataModelRule::TermsOfUseTypeMissing => "terms_of_use_type_missing",
            DataModelRule::EvidenceTypeMissing => "evidence_type_missing",
            DataModelRule::CredentialStatusIdNotUrl => "credential_status_id_not_url",
            DataModelRule::CredentialSchemaIdNotUrl => "credential_schema_id_not_url",
            DataModelRule::RelatedResourceInvalid => "related_resource_invalid",
        }
    }
}

/// One broken rule of the data model: which, and a sentence saying where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataModelProblem {
    /// The rule broken.
    pub rule: DataModelRule,
    /// What breaks it.
    pub message: String,
}

/// Every structural rule `credential` breaks (empty when it keeps them all). The rules are the
/// ones VC Data Model 2.0 states with MUST for the properties named; VC 1.1 states the same ones
/// for the properties it defines, so they apply to both versions.
pub fn data_model_problems(credential: &Map<String, Value>) -> Vec<DataModelProblem> {
    let mut problems = Vec::new();
    let mut problem = |rule: DataModelRule, message: String| {
        problems.push(DataModelProblem { rule, message });
    };
    // VC-DATA-MODEL-2.0 §4.4: if present, id MUST be a single URL.
    if let Some(id) = credential.get("id") {
        if !id.as_str().is_some_and(is_url) {
            problem(
                DataModelRule::IdNotUrl,
                "the credential's id is not a URL".into(),
            );
        }
    }
    // §4.10 credentialStatus, §4.11 credentialSchema, §5.4 refreshService, §5.5 termsOfUse and
    // §5.6 evidence: each object MUST have a type.
    for (property, rule) in [
        (
            "credentialStatus",
            DataModelRule::CredentialStatusTypeMissing,
        ),
        (
            "credentialSchema",
            DataModelRule::CredentialSchemaTypeMissing,
        ),
        ("refreshService", DataModelRule::RefreshServiceTypeMissing),
        ("termsOfUse", DataModelRule::TermsOfUseTypeMissing),
        ("evidence", DataModelRule::EvidenceTypeMissing),
    ] {
        let Some(value) = credential.get(property) else {
            continue;
        };
        let untyped = one_or_many(value).filter(|entry| !has_type(entry)).count();
        if untyped > 0 {
            problem(
                rule,
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
                DataModelRule::CredentialStatusIdNotUrl,
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
                DataModelRule::CredentialSchemaIdNotUrl,
                format!("{bad} credentialSchema entr(y/ies) without a URL id"),
            );
        }
    }
    // §5.3: relatedResource is one or more objects, each with an id (unique among them) and
    // digestSRI or digestMultibase.
    if let Some(related) = credential.get("relatedResource") {
        if let Some(message) = related_resource_problem(related) {
            problem(DataModelRule::RelatedResourceInvalid, message);
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

    #[test]
    fn every_rule_is_a_declared_report_code_of_the_required_fields_check() {
        for rule in DataModelRule::ALL {
            let declared = crate::codes::report_code(rule.code());
            assert_eq!(
                declared.map(|c| c.check),
                Some("required_fields"),
                "{rule:?}"
            );
        }
    }

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
                .map(|p| p.rule.code())
                .collect();
            assert_eq!(&got, want, "{doc}");
        }
    }
}
