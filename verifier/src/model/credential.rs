//! The credential envelope: VerifiableCredential with its proofs, status and schema entries.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use super::{one_or_many, AchievementSubject, Evidence, Extra, Image, ProfileRef};

/// A Verifiable Credential whose subject is `S`, in the VC 2.0 or the VC 1.1-era shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound = "S: Serialize + DeserializeOwned")]
pub struct VerifiableCredential<S> {
    #[serde(rename = "@context")]
    pub context: Vec<Value>,
    pub id: String,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_date: Option<String>,
    pub credential_subject: S,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement: Vec<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement_jwt: Vec<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    pub issuer: ProfileRef,
    /// VC 2.0 start of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// VC 2.0 end of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// VC 1.1-era start of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance_date: Option<String>,
    /// VC 1.1-era end of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub credential_schema: Vec<CredentialSchema>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub credential_status: Vec<CredentialStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_service: Option<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub terms_of_use: Vec<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<Proof>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 AchievementCredential (alias OpenBadgeCredential).
pub type AchievementCredential = VerifiableCredential<AchievementSubject>;

/// OB 3.0 EndorsementCredential.
pub type EndorsementCredential = VerifiableCredential<EndorsementSubject>;

/// OB 3.0 EndorsementSubject: what is endorsed, and a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndorsementSubject {
    pub id: String,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_comment: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `credentialStatus` entry (BitstringStatusListEntry, 1EdTechRevocationList, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `credentialSchema` entry (OB 3.0: `1EdTechJsonSchemaValidator2019`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialSchema {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An embedded proof (Data Integrity or legacy Ed25519Signature2020).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptosuite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub verification_method: String,
    pub proof_purpose: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_value: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
