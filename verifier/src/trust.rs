//! Trust registries: the documents a district or a consortium publishes to say which issuers it
//! recognises, for which achievements, from when, and what each counts for locally (CE hours, a
//! salary step, pathway steps). Schema: `schemas/trust-registry.schema.json`.
//!
//! OB 3.0 §13 leaves "validation" (trusting the issuer) to the verifier's policy; this is that
//! policy, evaluated after the cryptographic checks and reported beside them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::input::{parse_json_object, Limits};

/// A parsed trust registry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustRegistry {
    /// Always `TrustRegistry`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The registry's name, shown with a recognition.
    pub name: String,
    /// Who publishes the registry.
    pub publisher: Publisher,
    /// The publisher's version label.
    pub version: String,
    /// When the publisher last changed it.
    #[serde(default)]
    pub updated: Option<DateTime<Utc>>,
    /// The issuers it recognises.
    pub entries: Vec<RegistryEntry>,
    /// Set when the registry came as a verified `TrustRegistryCredential`: who signed it and
    /// until when the signed registry is valid.
    #[serde(skip)]
    pub signed: Option<SignedRegistry>,
}

/// What verifying a signed registry established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRegistry {
    /// The credential's issuer, which is the registry's publisher.
    pub publisher: String,
    /// The credential's `validUntil`: after it the registry decides nothing.
    pub valid_until: Option<DateTime<Utc>>,
}

/// Who publishes the registry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Publisher {
    /// The publisher's DID or URL (the signer of a signed registry).
    pub id: String,
    /// The publisher's name.
    pub name: String,
}

/// One recognised issuer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryEntry {
    /// The issuer's ids (DIDs or URLs) this entry covers.
    pub issuer_ids: Vec<String>,
    /// The issuer's name as the registry publisher names it.
    pub name: String,
    /// From when the entry counts.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when the entry counts.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    /// The achievements recognised; absent means every achievement of the issuer, with the
    /// entry's own `recognition`.
    #[serde(default)]
    pub achievements: Option<Vec<AchievementRule>>,
    /// What any recognised achievement of the issuer counts for, unless a rule says otherwise.
    #[serde(default)]
    pub recognition: Option<Recognition>,
}

/// Which achievements a rule covers: one id, or every achievement of an `achievementType`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AchievementRule {
    /// The achievement's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Or every achievement of this `achievementType`.
    #[serde(default)]
    pub achievement_type: Option<String>,
    /// What the achievement counts for here.
    #[serde(default)]
    pub recognition: Option<Recognition>,
}

/// What a credential counts for locally.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recognition {
    /// Continuing-education hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ce_hours: Option<f64>,
    /// The salary schedule step it earns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salary_step: Option<String>,
    /// The local pathways it counts toward.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pathways: Vec<String>,
    /// Anything else the district says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Recognition {
    /// What the credential counts for, one phrase per item (for summaries and pages).
    pub fn phrases(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(h) = self.ce_hours {
            parts.push(format!("{h} CE hours"));
        }
        if let Some(s) = &self.salary_step {
            parts.push(format!("salary step {s}"));
        }
        if !self.pathways.is_empty() {
            parts.push(format!("pathways: {}", self.pathways.join(", ")));
        }
        if let Some(n) = &self.note {
            parts.push(n.clone());
        }
        parts
    }
}

/// The registry document type Cairn reads.
pub const TRUST_REGISTRY_TYPE: &str = "CairnTrustRegistry";
/// The type of a credential that carries a signed registry in `credentialSubject.trustRegistry`
/// (context [`crate::CAIRN_TRUST_REGISTRY_V1`]).
pub const TRUST_REGISTRY_CREDENTIAL_TYPE: &str = "TrustRegistryCredential";

impl TrustRegistry {
    /// Parses an unsigned registry document (JSON, within the input limits).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let doc = parse_json_object(bytes, &Limits::default())?;
        Self::from_document(doc)
    }

    /// A registry from its parsed document.
    pub(crate) fn from_document(doc: Map<String, Value>) -> Result<Self, Error> {
        let registry: TrustRegistry = serde_json::from_value(Value::Object(doc))
            .map_err(|e| Error::InvalidRegistry(e.to_string()))?;
        if registry.kind != TRUST_REGISTRY_TYPE {
            return Err(Error::InvalidRegistry(format!(
                "type must be {TRUST_REGISTRY_TYPE}"
            )));
        }
        for (i, e) in registry.entries.iter().enumerate() {
            if e.issuer_ids.is_empty() {
                return Err(Error::InvalidRegistry(format!(
                    "entry {} names no issuer",
                    i + 1
                )));
            }
            for rule in e.achievements.iter().flatten() {
                if rule.id.is_none() == rule.achievement_type.is_none() {
                    return Err(Error::InvalidRegistry(format!(
                        "entry {}: an achievement rule has an id or an achievementType",
                        i + 1
                    )));
                }
            }
        }
        Ok(registry)
    }
}

/// How an unknown issuer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustPolicy {
    /// Unknown issuers and unrecognised achievements are warnings.
    #[default]
    Standard,
    /// Unknown issuers and unrecognised achievements make the credential not valid here.
    Strict,
}

/// The outcome of the trust evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustStatus {
    /// The registry recognises the issuer for this achievement.
    Recognized,
    /// No registry lists the issuer.
    UnknownIssuer,
    /// The issuer is listed, but not for this achievement.
    NotRecognizedForThisAchievement,
}

impl TrustStatus {
    /// The report code of this outcome.
    pub fn code(self) -> &'static str {
        match self {
            TrustStatus::Recognized => "recognized",
            TrustStatus::UnknownIssuer => "unknown_issuer",
            TrustStatus::NotRecognizedForThisAchievement => "not_recognized_for_this_achievement",
        }
    }
}

/// Who vouches for who the issuer is. The signature binds the credential to the issuer's key;
/// this says what, beyond the credential's own word, ties that key to a named organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "vouched_by", rename_all = "snake_case")]
pub enum IssuerIdentity {
    /// A trust registry loaded here lists the issuer's identifier.
    Registry {
        /// The registry (and its version).
        registry: String,
        /// The issuer's name as the registry gives it (not the credential's).
        name: String,
    },
    /// The issuer's identifier is a web domain (`did:web`, or an https URL) whose published key
    /// signed: whoever controls the domain issued it. No registry loaded here lists it.
    Domain {
        /// The domain (with its port, when one is named).
        domain: String,
    },
    /// Nothing confirms who the issuer is (a `did:key`, or a domain-less identifier): the name
    /// is the credential's own claim.
    #[default]
    Unconfirmed,
}

impl IssuerIdentity {
    /// Who vouches for `issuer_id`: a registry that lists it (as `trust` found), else its domain,
    /// else nobody.
    pub fn of(issuer_id: Option<&str>, trust: Option<&TrustReport>) -> Self {
        let listed = trust
            .filter(|t| t.status != TrustStatus::UnknownIssuer)
            .and_then(|t| Some((t.registry.clone()?, t.issuer_name.clone()?)));
        if let Some((registry, name)) = listed {
            return IssuerIdentity::Registry { registry, name };
        }
        match issuer_id.and_then(domain_of) {
            Some(domain) => IssuerIdentity::Domain { domain },
            None => IssuerIdentity::Unconfirmed,
        }
    }
}

/// The web domain an issuer identifier names: the host of a did:web's document URL (did:web §3.2,
/// decoded by the key resolver's own rules) or of an https URL.
fn domain_of(issuer_id: &str) -> Option<String> {
    let url = match issuer_id.strip_prefix("did:web:") {
        Some(_) => crate::keys::did_web_document_url(issuer_id)?,
        None => issuer_id.to_owned(),
    };
    let iri = iref::Iri::new(&url).ok()?;
    if iri.scheme().as_str() != "https" {
        return None;
    }
    let authority = iri.authority()?;
    let host = authority.host().as_str().to_ascii_lowercase();
    match authority.port() {
        Some(port) if !port.is_empty() => Some(format!("{host}:{}", port.as_str())),
        _ => (!host.is_empty()).then_some(host),
    }
}

/// The report's `trust` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustReport {
    /// The outcome.
    pub status: TrustStatus,
    /// The registry (and its version) that decided, when an entry matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The publisher whose signature on that registry was verified; absent for an unsigned
    /// registry file (trusted because the operator loaded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_signed_by: Option<String>,
    /// The issuer's name as that registry names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// What the credential counts for here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognition: Option<Recognition>,
    /// What it means, for a person.
    pub message: String,
}

/// Evaluates the credential's issuer and achievement against `registries` at `now`; the first
/// registry with an entry for the issuer decides.
pub(crate) fn evaluate(
    registries: &[std::sync::Arc<TrustRegistry>],
    doc: &Map<String, Value>,
    issuer_id: Option<&str>,
    now: DateTime<Utc>,
) -> TrustReport {
    let achievement = doc
        .get("credentialSubject")
        .and_then(|s| s.get("achievement"));
    let achievement_id = achievement
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str);
    let achievement_type = achievement
        .and_then(|a| a.get("achievementType"))
        .and_then(Value::as_str);
    let Some(issuer_id) = issuer_id else {
        return unknown("the credential names no issuer");
    };
    // A signed registry past its validUntil decides nothing.
    let current_registry = |r: &&std::sync::Arc<TrustRegistry>| {
        r.signed
            .as_ref()
            .and_then(|s| s.valid_until)
            .is_none_or(|u| now <= u)
    };
    for registry in registries.iter().filter(current_registry) {
        let label = format!("{} (version {})", registry.name, registry.version);
        let registry_signed_by = registry.signed.as_ref().map(|s| s.publisher.clone());
        let current = |e: &&RegistryEntry| {
            e.issuer_ids.iter().any(|i| i == issuer_id)
                && e.valid_from.is_none_or(|f| f <= now)
                && e.valid_until.is_none_or(|u| now <= u)
        };
        let Some(entry) = registry.entries.iter().find(current) else {
            continue;
        };
        let recognition = match &entry.achievements {
            None => Some(entry.recognition.clone().unwrap_or_default()),
            Some(rules) => rules
                .iter()
                .find(|r| r.id.is_some() && r.id.as_deref() == achievement_id)
                .or_else(|| {
                    rules.iter().find(|r| {
                        r.achievement_type.is_some()
                            && r.achievement_type.as_deref() == achievement_type
                    })
                })
                .map(|r| {
                    r.recognition
                        .clone()
                        .or_else(|| entry.recognition.clone())
                        .unwrap_or_default()
                }),
        };
        return match recognition {
            Some(recognition) => TrustReport {
                status: TrustStatus::Recognized,
                message: format!("{} recognises {} for this achievement", label, entry.name),
                registry: Some(label),
                registry_signed_by,
                issuer_name: Some(entry.name.clone()),
                recognition: Some(recognition),
            },
            None => TrustReport {
                status: TrustStatus::NotRecognizedForThisAchievement,
                message: format!(
                    "{} recognises {}, but not for this achievement",
                    label, entry.name
                ),
                registry: Some(label),
                registry_signed_by,
                issuer_name: Some(entry.name.clone()),
                recognition: None,
            },
        };
    }
    unknown(&format!(
        "no loaded trust registry recognises the issuer {issuer_id} at this date"
    ))
}

fn unknown(message: &str) -> TrustReport {
    TrustReport {
        status: TrustStatus::UnknownIssuer,
        registry: None,
        registry_signed_by: None,
        issuer_name: None,
        recognition: None,
        message: message.to_owned(),
    }
}
