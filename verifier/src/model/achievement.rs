//! The achievement side of the model: AchievementSubject, Achievement and what they hold.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{one_or_many, Extra, Profile};

/// OB 3.0 AchievementSubject (`credentialSubject` of an OpenBadgeCredential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<IdentityObject>,
    pub achievement: Achievement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_earned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<SubjectResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Achievement: what was earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    pub id: String,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    pub name: String,
    pub description: String,
    pub criteria: Criteria,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available: Option<f64>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement: Vec<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement_jwt: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_of_study: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub other_identifier: Vec<super::IdentifierEntry>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub result_description: Vec<ResultDescription>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialization: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Criteria: a criteria page and/or a Markdown narrative.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Alignment to a competency framework or standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    pub target_name: String,
    pub target_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Result: a result the recipient achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectResult {
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_level: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 ResultDescription: a result an achievement asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    pub id: String,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    pub name: String,
    pub result_type: String,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub allowed_value: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub rubric_criterion_level: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Evidence of the work behind an award.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 Image: `type` is the single value "Image".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// OB 3.0 IdentityObject: a (usually hashed) identifier of the recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub hashed: bool,
    pub identity_hash: String,
    pub identity_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
