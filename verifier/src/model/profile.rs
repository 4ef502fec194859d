//! Issuer and creator profiles (OB 3.0 Profile, ProfileRef, IdentifierEntry).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{one_or_many, Extra, Image};

/// OB 3.0 Profile: an issuer, creator or parent organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    #[serde(rename = "type", with = "one_or_many")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub other_identifier: Vec<IdentifierEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_org: Option<Box<Profile>>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement: Vec<Value>,
    #[serde(default, with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub endorsement_jwt: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Profile {
    /// A profile with only an id, `type: ["Profile"]` and a name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Profile {
            id: id.into(),
            types: vec!["Profile".to_owned()],
            name: Some(name.into()),
            url: None,
            phone: None,
            description: None,
            image: None,
            email: None,
            address: None,
            other_identifier: Vec::new(),
            official: None,
            parent_org: None,
            endorsement: Vec::new(),
            endorsement_jwt: Vec::new(),
            extra: Extra::new(),
        }
    }
}

/// OB 3.0 ProfileRef: the issuer is either a URI or an embedded Profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ProfileRef {
    Uri(String),
    Profile(Box<Profile>),
}

impl ProfileRef {
    /// The issuer's id, whichever form it takes.
    pub fn id(&self) -> &str {
        match self {
            ProfileRef::Uri(id) => id,
            ProfileRef::Profile(p) => &p.id,
        }
    }
}

/// OB 3.0 IdentifierEntry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub identifier: String,
    pub identifier_type: String,
    #[serde(flatten)]
    pub extra: Extra,
}
