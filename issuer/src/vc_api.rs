//! W3C VC-API issuing (`POST /credentials/issue`): a caller's VC 2.0 or 1.1 credential checked
//! and signed; and signing the trust registries this issuer publishes.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::credential::rfc3339;
use crate::error::Error;
use crate::store::Actor;
use crate::Issuer;

/// What a VC-API caller may have signed in this issuer's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcApiGrant {
    /// Badges of this issuer's own achievements (`OpenBadgeCredential` or `AchievementCredential`
    /// whose `credentialSubject.achievement.id` is an achievement it holds, not archived): the
    /// `issue` scope.
    OwnAchievements,
    /// Any credential type this issuer vouches for: the `sign` scope.
    AnyType,
}

/// Credential types only the issuer's own commands sign: its status lists (BSL v1.0 §2.2,
/// StatusList2021 §2.2) and its trust registries. Signed through the API, they would let a
/// token holder revoke or vouch in the district's name.
const NEVER_SIGNED_TYPES: &[&str] = &[
    "BitstringStatusListCredential",
    "StatusList2021Credential",
    cairn_verifier::TRUST_REGISTRY_CREDENTIAL_TYPE,
];

/// Subject types that make a credential a status list whatever its own type says.
const NEVER_SIGNED_SUBJECT_TYPES: &[&str] = &["BitstringStatusList", "StatusList2021"];

/// Values of a JSON-LD `type` (a string or an array of strings).
fn type_names(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

impl Issuer {
    /// W3C VC-API `POST /credentials/issue`: signs a credential someone else built, when its
    /// issuer is this issuer and `grant` covers it. The shape is checked, the proof added and
    /// checked again; the issuance is audited with the credential's types and id (the document
    /// is not kept).
    pub async fn issue_vc_api(
        &self,
        mut credential: Value,
        grant: VcApiGrant,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        check_vc_shape(&credential, self.id())?;
        self.check_signable(&credential, grant).await?;
        add_data_integrity_context(&mut credential);
        if let Some(Value::Object(issuer)) = credential.get_mut("issuer") {
            issuer
                .entry("id")
                .or_insert_with(|| Value::String(self.id().to_owned()));
        }
        // The VC-API suites expect a BitstringStatusListEntry on every VC 2.0 credential; the
        // credential's id is what a later revocation names.
        let is_v2 =
            credential["@context"].get(0).and_then(Value::as_str) == Some(cairn_verifier::VC_V2);
        let id = credential
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let (true, Some(id), None) = (is_v2, id, credential.get("credentialStatus")) {
            if let Some(base) = self.status_base_url()? {
                credential["credentialStatus"] = self
                    .allocate_status(&base, &[id.as_str()], now)
                    .await?
                    .entries
                    .remove(0);
            }
        }
        let signed = self.sign_data_integrity(&credential, now)?;
        let id = signed.get("id").and_then(Value::as_str).map(str::to_owned);
        let detail = serde_json::json!({
            "type": type_names(signed.get("type")),
            "id": id,
        });
        self.store
            .record_event(
                "credential.issue.vc_api",
                id.as_deref(),
                Some(&detail),
                &rfc3339(now),
                actor,
            )
            .await?;
        Ok(signed)
    }

    /// Refuses what no API caller may have signed, and what `grant` does not cover.
    async fn check_signable(&self, credential: &Value, grant: VcApiGrant) -> Result<(), Error> {
        let types = type_names(credential.get("type"));
        if let Some(t) = types.iter().find(|t| NEVER_SIGNED_TYPES.contains(t)) {
            return Err(Error::NotSignable(format!("a {t}")));
        }
        let subjects: Vec<&Value> = match credential.get("credentialSubject") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let subject_types = subjects.iter().flat_map(|s| type_names(s.get("type")));
        if let Some(t) = subject_types
            .into_iter()
            .find(|t| NEVER_SIGNED_SUBJECT_TYPES.contains(t))
        {
            return Err(Error::NotSignable(format!(
                "a credential whose subject is a {t}"
            )));
        }
        // The issuer's own URLs name its credential pages, achievements and status lists.
        if let (Some(id), Some(url)) = (
            credential.get("id").and_then(Value::as_str),
            self.config.config.issuer.url.as_deref(),
        ) {
            let own = format!("{}/", url.trim_end_matches('/'));
            if id.starts_with(&own) {
                return Err(Error::NotSignable(format!(
                    "a credential with an id under the issuer's own address ({own})"
                )));
            }
        }
        if grant == VcApiGrant::AnyType {
            return Ok(());
        }
        let is_badge = types
            .iter()
            .any(|t| *t == "OpenBadgeCredential" || *t == "AchievementCredential");
        let achievement = subjects
            .first()
            .and_then(|s| s.get("achievement"))
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str);
        let own_achievement = match (is_badge, achievement) {
            (true, Some(id)) => self
                .store
                .achievement(id)
                .await?
                .is_some_and(|a| a.id == id && !a.archived),
            _ => false,
        };
        if own_achievement {
            Ok(())
        } else {
            Err(Error::SignScopeRequired(format!(
                "a credential of type {} that is not a badge of one of this issuer's achievements",
                types.join(", ")
            )))
        }
    }

    /// Signs a trust registry this issuer publishes (schemas/trust-registry.schema.json) as a
    /// `TrustRegistryCredential` (eddsa-rdfc-2022), valid from `now` until `valid_until`. The
    /// registry's `publisher.id` must be this issuer: verifiers check that the signer is the
    /// publisher. The signing is audited.
    pub async fn sign_trust_registry(
        &self,
        registry: &[u8],
        valid_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        let parsed = cairn_verifier::TrustRegistry::parse(registry)
            .map_err(|e| Error::input("registry", e.to_string()))?;
        if parsed.publisher.id != self.id() {
            return Err(Error::input(
                "registry",
                format!(
                    "the registry's publisher is {}, not this issuer ({}); a registry is signed by its publisher",
                    parsed.publisher.id,
                    self.id()
                ),
            ));
        }
        let content: Value = serde_json::from_slice(registry)
            .map_err(|e| Error::input("registry", e.to_string()))?;
        let mut unsigned = serde_json::json!({
            "@context": [cairn_verifier::VC_V2, cairn_verifier::CAIRN_TRUST_REGISTRY_V1],
            "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            "type": ["VerifiableCredential", cairn_verifier::TRUST_REGISTRY_CREDENTIAL_TYPE],
            "name": parsed.name,
            "issuer": self.id(),
            "validFrom": rfc3339(now),
            "credentialSubject": {"id": self.id(), "trustRegistry": content},
        });
        if let Some(until) = valid_until {
            unsigned["validUntil"] = Value::String(rfc3339(until));
        }
        let signed = self.sign(&unsigned, now)?;
        let resolver = self.own_documents(&[]).await?;
        self.self_check(&signed, None, &resolver, now).await?;
        let id = signed.get("id").and_then(Value::as_str).map(str::to_owned);
        self.store
            .record_event(
                "trust_registry.sign",
                id.as_deref(),
                None,
                &rfc3339(now),
                actor,
            )
            .await?;
        Ok(signed)
    }
}

/// VC-DATA-INTEGRITY §2.1: a VC 1.1 credential does not define `DataIntegrityProof`, so the
/// Data Integrity context is added to its contexts before it is signed (as the reference
/// implementation does). VC 2.0's base context defines it already.
pub(crate) fn add_data_integrity_context(credential: &mut Value) {
    const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
    let Some(Value::Array(contexts)) = credential.get_mut("@context") else {
        return;
    };
    let is_v1 = contexts.first().and_then(Value::as_str) == Some(cairn_verifier::VC_V1);
    if is_v1
        && !contexts
            .iter()
            .any(|c| c.as_str() == Some(DATA_INTEGRITY_V2))
    {
        contexts.push(Value::String(DATA_INTEGRITY_V2.to_owned()));
    }
}

/// VC Data Model 2.0 §4 (and 1.1): the shape a credential must have before it is signed.
pub(crate) fn check_vc_shape(credential: &Value, issuer_id: &str) -> Result<(), Error> {
    let bad = |m: &str| Err(Error::input("credential", m.to_owned()));
    let Some(c) = credential.as_object() else {
        return bad("the credential is not a JSON object");
    };
    match c
        .get("@context")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
    {
        Some(cairn_verifier::VC_V2) | Some(cairn_verifier::VC_V1) => {}
        _ => return bad("@context must be an array whose first entry is the VC context"),
    }
    if !type_names(c.get("type")).contains(&"VerifiableCredential") {
        return bad("type must contain VerifiableCredential");
    }
    let issuer = match c.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).or(Some(issuer_id)),
        _ => None,
    };
    match issuer {
        Some(i) if i == issuer_id => {}
        Some(i) => {
            return Err(Error::input(
                "issuer",
                format!("{i:?} is not this issuer ({issuer_id})"),
            ))
        }
        None => return bad("issuer is missing"),
    }
    let subject_ok = match c.get("credentialSubject") {
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Array(a)) => {
            !a.is_empty()
                && a.iter()
                    .all(|s| s.as_object().is_some_and(|o| !o.is_empty()))
        }
        _ => false,
    };
    if !subject_ok {
        return bad("credentialSubject must be a non-empty object");
    }
    if c.contains_key("proof") {
        return bad("the credential already has a proof");
    }
    if let Some(p) = cairn_verifier::data_model_problems(c).into_iter().next() {
        return Err(Error::DataModel {
            rule: p.rule,
            message: p.message,
        });
    }
    // VC 2.0 §4.10: each credentialStatus entry is an object with a type.
    let entries_ok = match c.get("credentialStatus") {
        None => true,
        Some(Value::Object(o)) => o.get("type").is_some_and(Value::is_string),
        Some(Value::Array(a)) => a
            .iter()
            .all(|e| e.get("type").is_some_and(Value::is_string)),
        Some(_) => false,
    };
    if !entries_ok {
        return bad("each credentialStatus entry must be an object with a type");
    }
    let date = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .map(chrono::DateTime::parse_from_rfc3339)
    };
    for k in ["validFrom", "validUntil", "issuanceDate", "expirationDate"] {
        if let Some(Err(_)) = date(k) {
            return Err(Error::input(
                "credential",
                format!("{k} is not a date-time"),
            ));
        }
    }
    if let (Some(Ok(from)), Some(Ok(until))) = (date("validFrom"), date("validUntil")) {
        if until < from {
            return bad("validUntil is before validFrom");
        }
    }
    Ok(())
}
