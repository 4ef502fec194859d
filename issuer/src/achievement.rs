//! Achievement definitions (JSON or TOML, checked against `schemas/achievement-definition.schema.json`)
//! and the OB 3.0 Achievement they become.

use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use crate::credential::rfc3339;
use crate::error::Error;
use crate::store::{Actor, StoredAchievement};

const SCHEMA_TEXT: &str = include_str!("../../schemas/achievement-definition.schema.json");

static SCHEMA: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA_TEXT).map_err(|e| e.to_string())?;
    jsonschema::validator_for(&schema).map_err(|e| e.to_string())
});

/// A checked achievement definition.
#[derive(Debug, Clone, PartialEq)]
pub struct AchievementDefinition {
    /// The achievement's short name in URLs (given, or made from its name).
    pub slug: String,
    explicit_slug: bool,
    definition: Map<String, Value>,
}

impl AchievementDefinition {
    /// Parses a definition from JSON or TOML text (`format_hint` is the file extension).
    pub fn parse(text: &str, format_hint: Option<&str>) -> Result<Self, Error> {
        let value: Value = match format_hint {
            Some("toml") => toml::from_str::<toml::Value>(text)
                .map_err(|e| Error::AchievementInvalid(format!("not valid TOML: {e}")))
                .and_then(|t| {
                    serde_json::to_value(t).map_err(|e| Error::AchievementInvalid(e.to_string()))
                })?,
            _ => serde_json::from_str(text)
                .map_err(|e| Error::AchievementInvalid(format!("not valid JSON: {e}")))?,
        };
        Self::from_value(value)
    }

    /// Checks a definition given as JSON.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        let validator = SCHEMA
            .as_ref()
            .map_err(|e| Error::AchievementInvalid(format!("schema unavailable: {e}")))?;
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect();
        if !problems.is_empty() {
            return Err(Error::AchievementInvalid(problems.join("; ")));
        }
        crate::evidence::Rubric::of(&value)?;
        let Value::Object(mut definition) = value else {
            return Err(Error::AchievementInvalid("not an object".into()));
        };
        let explicit_slug = definition.contains_key("slug");
        let slug = match definition.remove("slug") {
            Some(Value::String(s)) => s,
            _ => slugify(
                definition
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )?,
        };
        Ok(AchievementDefinition {
            slug,
            explicit_slug,
            definition,
        })
    }

    /// The definition as stored (with its slug).
    pub fn to_value(&self) -> Value {
        let mut m = self.definition.clone();
        m.insert("slug".into(), self.slug.clone().into());
        Value::Object(m)
    }

    /// `validityMonths`: how long its credentials last by default (Cairn's own property).
    pub fn validity_months(&self) -> Option<u32> {
        self.definition
            .get("validityMonths")
            .and_then(Value::as_u64)
            .and_then(|m| u32::try_from(m).ok())
    }

    /// Whether the definition named its slug (rather than having one derived from its name).
    pub fn has_explicit_slug(&self) -> bool {
        self.explicit_slug
    }

    /// The achievement's name.
    pub fn name(&self) -> &str {
        self.definition
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The OB 3.0 Achievement with id `id`, created by `creator`.
    pub fn to_achievement(&self, id: &str) -> Value {
        let d = &self.definition;
        let mut a = Map::new();
        a.insert("id".into(), id.into());
        a.insert("type".into(), json!(["Achievement"]));
        a.insert(
            "achievementType".into(),
            d.get("achievementType")
                .cloned()
                .unwrap_or_else(|| "MicroCredential".into()),
        );
        for key in ["name", "description", "criteria"] {
            if let Some(v) = d.get(key) {
                a.insert(key.into(), v.clone());
            }
        }
        if let Some(Value::String(url)) = d.get("image") {
            // OB 3.0 §5: an Image is an object with id and type "Image".
            a.insert("image".into(), json!({"id": url, "type": "Image"}));
        }
        if let Some(Value::Array(items)) = d.get("alignment") {
            let aligned: Vec<Value> = items
                .iter()
                .filter_map(Value::as_object)
                .map(|al| {
                    let mut al = al.clone();
                    al.insert("type".into(), json!(["Alignment"]));
                    Value::Object(al)
                })
                .collect();
            a.insert("alignment".into(), Value::Array(aligned));
        }
        for key in [
            "creditsAvailable",
            "fieldOfStudy",
            "humanCode",
            "inLanguage",
            "specialization",
            "tag",
            "version",
        ] {
            if let Some(v) = d.get(key) {
                a.insert(key.into(), v.clone());
            }
        }
        // OB 3.0 §4: a rubric is the achievement's resultDescription entries.
        if let Ok(Some(rubric)) = crate::evidence::Rubric::of(&Value::Object(d.clone())) {
            a.insert("resultDescription".into(), rubric.result_descriptions(id));
        }
        Value::Object(a)
    }
}

/// Lower-case ASCII letters and digits joined by single hyphens, at most 63 characters.
fn slugify(name: &str) -> Result<String, Error> {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(63).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        return Err(Error::AchievementInvalid(
            "the name has no letters or digits to make a slug from; give a slug".into(),
        ));
    }
    Ok(slug)
}

impl crate::Issuer {
    /// Adds an achievement; its id is under the issuer's URL when one is configured.
    pub async fn add_achievement(
        &self,
        definition: &AchievementDefinition,
        actor: &Actor,
    ) -> Result<StoredAchievement, Error> {
        let id = match &self.config.config.issuer.url {
            Some(url) => format!("{url}/achievements/{}", definition.slug),
            None => format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        };
        let stored = StoredAchievement {
            achievement: definition.to_achievement(&id),
            id,
            slug: definition.slug.clone(),
            archived: false,
            created_at: rfc3339(self.now()),
            validity_months: definition.validity_months(),
            definition: definition.to_value(),
        };
        self.store
            .insert_achievement(&stored, &definition.to_value(), actor)
            .await?;
        Ok(stored)
    }

    /// Replaces the definition of the achievement `slug_or_id`; its id (and so every credential
    /// already issued) is unchanged. The definition's slug, if given, must be the same.
    pub async fn update_achievement(
        &self,
        slug_or_id: &str,
        definition: &AchievementDefinition,
        actor: &Actor,
    ) -> Result<StoredAchievement, Error> {
        let mut stored = self
            .store
            .achievement(slug_or_id)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug_or_id.to_owned()))?;
        if definition.has_explicit_slug() && definition.slug != stored.slug {
            return Err(Error::input(
                "slug",
                format!(
                    "the slug {:?} does not match {:?}; a slug cannot change",
                    definition.slug, stored.slug
                ),
            ));
        }
        stored.achievement = definition.to_achievement(&stored.id);
        stored.validity_months = definition.validity_months();
        let mut def = definition.to_value();
        def["slug"] = Value::String(stored.slug.clone());
        stored.definition = def.clone();
        self.store
            .update_achievement(&stored, &def, &rfc3339(self.now()), actor)
            .await?;
        Ok(stored)
    }

    /// Archives the achievement `slug_or_id`: it can no longer be issued; issued credentials stay.
    pub async fn archive_achievement(&self, slug_or_id: &str, actor: &Actor) -> Result<(), Error> {
        let stored = self
            .store
            .achievement(slug_or_id)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug_or_id.to_owned()))?;
        self.store
            .archive_achievement(&stored.id, &rfc3339(self.now()), actor)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_checked_against_the_schema() {
        let ok = r#"{"name": "Formative Assessment", "description": "d", "criteria": {"narrative": "n"}}"#;
        let def = AchievementDefinition::parse(ok, Some("json")).expect("valid");
        assert_eq!(def.slug, "formative-assessment");
        let cases = [
            (r#"{"name": "x", "description": "d"}"#, "criteria"),
            (
                r#"{"name": "x", "description": "d", "criteria": {}}"#,
                "criteria",
            ),
            (
                r#"{"name": "x", "description": "d", "criteria": {"narrative": "n"}, "bogus": 1}"#,
                "bogus",
            ),
            (
                r#"{"name": "x", "description": "d", "criteria": {"narrative": "n"}, "slug": "Bad Slug"}"#,
                "slug",
            ),
            (
                r#"{"name": "x", "description": "d", "criteria": {"narrative": "n"}, "image": "javascript:alert(1)"}"#,
                "image",
            ),
            (r#"[1]"#, "object"),
        ];
        for (text, mention) in cases {
            let err = AchievementDefinition::parse(text, None).err();
            let msg = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains(mention), "{text}: {msg}");
        }
    }

    #[test]
    fn toml_definitions_become_ob_achievements() {
        let text = r#"
name = "Culturally Responsive Teaching"
description = "Plans and teaches lessons that draw on students' cultures."
creditsAvailable = 1.5
tag = ["equity"]
image = "https://example.org/crt.png"
[criteria]
narrative = "Submit two lesson plans and a reflection."
[[alignment]]
targetName = "InTASC Standard 2"
targetUrl = "https://example.org/intasc/2"
"#;
        let def = AchievementDefinition::parse(text, Some("toml")).expect("valid");
        let a = def.to_achievement("urn:uuid:1");
        assert_eq!(a["achievementType"], "MicroCredential");
        assert_eq!(
            a["image"],
            json!({"id": "https://example.org/crt.png", "type": "Image"})
        );
        assert_eq!(a["alignment"][0]["type"], json!(["Alignment"]));
        assert_eq!(a["creditsAvailable"], json!(1.5));
    }
}
