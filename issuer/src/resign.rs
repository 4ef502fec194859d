//! Re-signing stored credentials whose Data Integrity proof was made over N-Quads that were not
//! canonical: text with a control character other than LF and CR (a TAB pasted from a word
//! processor, say), signed before Cairn escaped those characters as RDFC-1.0 §4.3 requires.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::store::Actor;
use crate::{rfc3339, Error, Issuer};

/// How many stored credentials are read at a time.
const PAGE: u32 = 500;

/// What [`Issuer::resign_control_characters`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResignReport {
    /// Credentials read.
    pub scanned: usize,
    /// Ids of credentials whose text has such a character and whose proof no longer verifies
    /// under any of this issuer's keys: re-signed (or, in a dry run, to be re-signed).
    pub resigned: Vec<String>,
    /// Ids of credentials issued as VC-JWT with an embedded Data Integrity proof that no longer
    /// verifies. The JWS signs the JSON bytes (not N-Quads) and stays valid, but re-signing the
    /// embedded proof would change the signed payload, so these are listed for re-issue instead.
    /// VC-JWT credentials without an embedded proof are not affected at all.
    pub jwt_needs_reissue: Vec<String>,
}

impl Issuer {
    /// Finds every stored credential that the canonical N-Quads fix makes unverifiable (a string
    /// with a character in U+0000–U+001F other than LF and CR, or U+007F, and a Data Integrity
    /// proof that verifies under none of this issuer's Ed25519 keys) and, unless `dry_run`,
    /// signs it again with the current key: same id, same content, a new proof created `now`.
    /// Each re-signed credential is self-checked and audited (`credential.resign`). Running it
    /// again finds nothing more to do.
    pub async fn resign_control_characters(
        &self,
        dry_run: bool,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<ResignReport, Error> {
        let keys: Vec<ed25519_dalek::VerifyingKey> = self
            .store()
            .public_keys()
            .await?
            .iter()
            .filter(|k| k.algorithm == "Ed25519")
            .filter_map(|k| cairn_verifier::decode_ed25519_multikey(&k.public_key))
            .collect();
        let mut report = ResignReport::default();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store()
                .credential_documents(after.as_deref(), PAGE)
                .await?;
            let Some((last, _, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            for (id, document, is_jwt) in page {
                report.scanned += 1;
                if !has_control_character(&document) {
                    continue;
                }
                let verifies = document.get("proof").is_none()
                    || keys.iter().any(|k| {
                        cairn_verifier::verify_signature_only(self.canon.as_ref(), &document, k)
                            .is_ok()
                    });
                if verifies {
                    continue;
                }
                if is_jwt {
                    report.jwt_needs_reissue.push(id);
                    continue;
                }
                if !dry_run {
                    self.resign_one(&id, document, now, actor).await?;
                }
                report.resigned.push(id);
            }
        }
        Ok(report)
    }

    async fn resign_one(
        &self,
        id: &str,
        mut document: Value,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<(), Error> {
        let Some(map) = document.as_object_mut() else {
            return Err(Error::Database(format!(
                "stored credential {id} is not an object"
            )));
        };
        let old_proof = map.remove("proof").unwrap_or(Value::Null);
        let signed = self.sign_data_integrity(&document, now)?;
        let detail = json!({
            "reason": "canonical N-Quads escaping of control characters (RDFC-1.0 §4.3)",
            "previous_proof": old_proof,
        });
        let stored = self
            .store()
            .replace_credential_document(
                id,
                &signed,
                "credential.resign",
                &detail,
                &rfc3339(now),
                actor,
            )
            .await?;
        if stored {
            Ok(())
        } else {
            Err(Error::CredentialNotFound(id.to_owned()))
        }
    }
}

/// A string (key or value) anywhere in `value` with a character that canonical N-Quads writes
/// differently from what Cairn wrote before: U+0000–U+001F except LF and CR, and U+007F.
fn has_control_character(value: &Value) -> bool {
    let affected = |s: &str| {
        s.chars()
            .any(|c| (c < '\u{20}' && c != '\n' && c != '\r') || c == '\u{7F}')
    };
    match value {
        Value::String(s) => affected(s),
        Value::Array(a) => a.iter().any(has_control_character),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| affected(k) || has_control_character(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_that_changed_are_found() {
        for (doc, want) in [
            (json!({"name": "plain"}), false),
            (json!({"name": "two\nlines\r"}), false),
            (json!({"name": "a\ttab"}), true),
            (json!({"a": [{"b": "bell\u{7}"}]}), true),
            (json!({"a": "del\u{7F}"}), true),
            (json!({"key\u{1F}": 1}), true),
            (json!({"n": 5, "b": true}), false),
        ] {
            assert_eq!(has_control_character(&doc), want, "{doc}");
        }
    }
}
