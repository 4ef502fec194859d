//! Finding issued credentials: a search by recipient (email or a part of the name), achievement
//! and issue date in pages, and
//! naming one credential by whatever a person has at hand (its id, the last part of its page
//! link, its share code or share link). The admin API and the `cairn credentials` and status
//! commands call the same code.

use base64::Engine;
use chrono::{DateTime, Utc};

use crate::{recipient_lookup, rfc3339, Error, Issuer};
use crate::{CredentialFilter, CredentialSummary};

/// A search over issued credentials; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct CredentialQuery {
    /// The recipient's email (matched by its lookup hash; the email is never stored).
    pub recipient_email: Option<String>,
    /// An achievement's slug or id.
    pub achievement: Option<String>,
    /// A part of the recipient's name as the credential states it (any case).
    pub recipient_name: Option<String>,
    /// Issued at or after this time.
    pub issued_from: Option<DateTime<Utc>>,
    /// Issued before this time.
    pub issued_before: Option<DateTime<Utc>>,
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
    /// 1 to 500.
    pub limit: u32,
}

/// One page of a search, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialPage {
    /// The credentials found, oldest first.
    pub credentials: Vec<CredentialSummary>,
    /// Pass back as `cursor` for the next page; `None` on the last one.
    pub next_cursor: Option<String>,
}

/// The largest page a search returns.
pub const MAX_PAGE: u32 = 500;

impl Issuer {
    /// Credentials matching `query`, oldest first. Refuses an unknown achievement
    /// (`achievement_not_found`), a cursor this issuer did not give or a limit outside 1–500
    /// (`invalid_input`).
    pub async fn search_credentials(
        &self,
        query: &CredentialQuery,
    ) -> Result<CredentialPage, Error> {
        if !(1..=MAX_PAGE).contains(&query.limit) {
            return Err(Error::input("limit", format!("is 1 to {MAX_PAGE}")));
        }
        let achievement_id = match &query.achievement {
            None => None,
            Some(a) => Some(
                self.store()
                    .achievement(a)
                    .await?
                    .ok_or_else(|| Error::AchievementNotFound(a.clone()))?
                    .id,
            ),
        };
        let after = query
            .cursor
            .as_deref()
            .map(|c| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<(String, String)>(&b).ok())
                    .ok_or_else(|| Error::input("cursor", "is not one this service gave"))
            })
            .transpose()?;
        let filter = CredentialFilter {
            recipient_lookup: query.recipient_email.as_deref().map(recipient_lookup),
            achievement_id,
            recipient_name: query
                .recipient_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            issued_from: query.issued_from.map(rfc3339),
            issued_before: query.issued_before.map(rfc3339),
            after,
            limit: query.limit,
        };
        let credentials = self.store().search_credentials(&filter).await?;
        let next_cursor = (credentials.len() == query.limit as usize)
            .then(|| credentials.last())
            .flatten()
            .map(|last| {
                let position = serde_json::json!([last.issued_at, last.id]).to_string();
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
            });
        Ok(CredentialPage {
            credentials,
            next_cursor,
        })
    }

    /// The id of the stored credential that `reference` names: its full id, the last part of its
    /// public page link (`…/credentials/KEY`), its share code, or its share link (`…/s/CODE`).
    pub async fn find_credential(&self, reference: &str) -> Result<String, Error> {
        let reference = reference.trim();
        if self.store().credential(reference).await?.is_some() {
            return Ok(reference.to_owned());
        }
        let last = reference
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(reference);
        if reference.contains("/s/") || !reference.contains('/') {
            if let Some(id) = self.store().credential_for_share_code(last).await? {
                return Ok(id);
            }
        }
        match self.public_credential(last).await {
            Ok((id, _)) => Ok(id),
            Err(Error::CredentialNotFound(_)) => {
                Err(Error::CredentialNotFound(reference.to_owned()))
            }
            Err(e) => Err(e),
        }
    }
}
