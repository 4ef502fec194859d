//! The issuer's status lists (W3C Bitstring Status List v1.0): entries allocated at issuance,
//! revocation, suspension and reinstatement, and the signed `BitstringStatusListCredential`
//! every list is published as.

use cairn_verifier::StatusBits;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::credential::rfc3339;
use crate::error::Error;
use crate::store::{Actor, StatusAction, StatusChange, StoredStatusList};
use crate::Issuer;

/// The `credentialStatus` values for new credentials (one per credential), and the lists they
/// name as published now (URL, document, each list once), for the issuer's self-check.
#[derive(Debug)]
pub(crate) struct Allocated {
    pub(crate) entries: Vec<Value>,
    pub(crate) lists: Vec<(String, String)>,
}

/// The status list URLs a credential's `credentialStatus` names (one entry or several).
pub(crate) fn list_urls(credential: &Value) -> Vec<&str> {
    let entries: Vec<&Value> = match credential.get("credentialStatus") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(|e| e.get("statusListCredential").and_then(Value::as_str))
        .collect()
}

/// A list as served: the signed document, its ETag and how long it may be cached.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedList {
    /// The signed status list credential (JSON).
    pub json: String,
    /// Its entity tag, for conditional requests.
    pub etag: String,
    /// How long it may be cached (`Cache-Control: max-age`).
    pub max_age_seconds: u32,
}

impl Issuer {
    /// Where this issuer's lists live (`{issuer.url}/status`), or `None` when credentials are
    /// issued without status entries.
    pub fn status_base_url(&self) -> Result<Option<String>, Error> {
        let config = &self.config.config;
        let url = config.issuer.url.as_deref();
        match (config.status.enabled, url) {
            (Some(false), _) | (None, None) => Ok(None),
            (_, Some(url)) => Ok(Some(format!("{}/status", url.trim_end_matches('/')))),
            (Some(true), None) => Err(Error::StatusNeedsUrl),
        }
    }

    /// BSL v1.0 §2.1: for each of `credential_ids`, an entry for each configured purpose
    /// (revocation, suspension), each at a random unused index of an open list of that purpose,
    /// all allocated in one transaction; each list is published before it is named so it can be
    /// fetched. One purpose gives one object (the OB 3.0 schema's form), two an array.
    pub(crate) async fn allocate_status(
        &self,
        base_url: &str,
        credential_ids: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Allocated, Error> {
        let size = i64::from(self.config.config.status.list_size);
        let purposes: Vec<&str> = self
            .config
            .config
            .status
            .purposes
            .iter()
            .map(String::as_str)
            .collect();
        let allocations = self
            .store
            .allocate_status_indexes(base_url, &purposes, size, credential_ids, &rfc3339(now))
            .await?;
        let mut lists: Vec<(String, String)> = Vec::new();
        let mut entries = Vec::with_capacity(allocations.len());
        for slots in allocations {
            let mut entry = Vec::new();
            for (purpose, slot) in purposes.iter().zip(slots) {
                if !lists.iter().any(|(url, _)| *url == slot.list_id) {
                    let published = self.current_status_list(&slot.list_id, now).await?;
                    lists.push((slot.list_id.clone(), published.json));
                }
                entry.push(json!({
                    "id": format!("{}#{}", slot.list_id, slot.index),
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose,
                    "statusListIndex": slot.index.to_string(),
                    "statusListCredential": slot.list_id,
                }));
            }
            entries.push(match entry.len() {
                1 => entry.remove(0),
                _ => Value::Array(entry),
            });
        }
        Ok(Allocated { entries, lists })
    }

    /// Revokes (final), suspends or reinstates a credential and re-publishes the lists that
    /// changed. The reason is kept in the audit log only. Repeating a change is not an error.
    pub async fn change_status(
        &self,
        credential_id: &str,
        action: StatusAction,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<StatusChange, Error> {
        let now = self.now();
        let change = self
            .store
            .change_status(credential_id, action, reason, &rfc3339(now), actor)
            .await?;
        for list in &change.changed_lists {
            self.publish_status_list(list, now).await?;
        }
        Ok(change)
    }

    /// The list `id` as it should be served now: re-signed first when it changed since it was
    /// last published, or when half of its validity has passed.
    pub async fn current_status_list(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishedList, Error> {
        let list = self
            .store
            .status_list(id)
            .await?
            .ok_or_else(|| Error::StatusListNotFound(id.to_owned()))?;
        let list = if self.needs_publishing(&list, now) {
            self.publish_status_list(id, now).await?
        } else {
            list
        };
        self.published(&list)
    }

    fn needs_publishing(&self, list: &StoredStatusList, now: DateTime<Utc>) -> bool {
        let half = Duration::minutes(i64::from(self.config.config.status.validity_hours) * 30);
        let published_at = list
            .published_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        list.published_json.is_none()
            || list.published_version.is_none_or(|v| v < list.version)
            || published_at.is_none_or(|at| at.with_timezone(&Utc) + half <= now)
    }

    fn published(&self, list: &StoredStatusList) -> Result<PublishedList, Error> {
        match (&list.published_json, &list.etag) {
            (Some(json), Some(etag)) => Ok(PublishedList {
                json: json.clone(),
                etag: etag.clone(),
                max_age_seconds: self.config.config.status.ttl_seconds,
            }),
            _ => Err(Error::StatusListNotFound(list.id.clone())),
        }
    }

    /// BSL v1.0 §3.1: builds the bitstring from the set entries, compresses and signs it
    /// (eddsa-rdfc-2022), and stores it unless a newer version was published meanwhile.
    pub async fn publish_status_list(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredStatusList, Error> {
        // The version is read before the bits, so the bits are at least as new as the version
        // the document is stored under.
        let list = self
            .store
            .status_list(id)
            .await?
            .ok_or_else(|| Error::StatusListNotFound(id.to_owned()))?;
        let set = self.store.status_list_set_indexes(id).await?;
        let (signed, valid_until) = self.sign_status_list(&list, &set, now)?;
        let text = signed.to_string();
        let etag = format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(text.as_bytes())[..16])
        );
        self.store
            .store_published_list(
                id,
                list.version,
                &text,
                &etag,
                &rfc3339(now),
                &rfc3339(valid_until),
            )
            .await?;
        self.store
            .status_list(id)
            .await?
            .ok_or_else(|| Error::StatusListNotFound(id.to_owned()))
    }

    /// The signed list credential for `list` with the entries `set`.
    pub(crate) fn sign_status_list(
        &self,
        list: &StoredStatusList,
        set: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(Value, DateTime<Utc>), Error> {
        let mut bits = StatusBits::new(usize::try_from(list.size).unwrap_or(0));
        for index in set {
            if let Ok(i) = usize::try_from(*index) {
                bits.set(i, true);
            }
        }
        let status = &self.config.config.status;
        let valid_until = now + Duration::hours(i64::from(status.validity_hours));
        let doc = json!({
            "@context": [cairn_verifier::VC_V2],
            "id": list.id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.id(),
            "validFrom": rfc3339(now),
            "validUntil": rfc3339(valid_until),
            "credentialSubject": {
                "id": format!("{}#list", list.id),
                "type": "BitstringStatusList",
                "statusPurpose": list.purpose,
                "encodedList": bits.encode(),
                // BSL v1.0 §2.2: ttl is in milliseconds.
                "ttl": u64::from(status.ttl_seconds) * 1000,
            }
        });
        Ok((self.sign(&doc, now)?, valid_until))
    }
}
