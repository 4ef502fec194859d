//! Issuing credentials: drafts, status allocation, signing (Data Integrity and VC-JWT) on every
//! core, the self-check, and storing — one credential or a batch, in the same three stages.

use cairn_verifier::{OfflineResolver, PendingProof, Verdict, VerifyOptions};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::credential::{recipient_lookup, rfc3339, IssueRequest};
use crate::error::Error;
use crate::jwt::JwtAlg;
use crate::store::{Actor, NewCredential, StoredAchievement};
use crate::{
    credential, did, did_web_document_url, jwt, keys, status, Format, Issuer, SUBJECT_SECRET_FILE,
};

impl Issuer {
    /// Issues, signs, re-verifies and stores one credential; returns the signed document.
    pub async fn issue(
        &self,
        request: &IssueRequest,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        Ok(self
            .issue_as(request, Format::Json, now, actor)
            .await?
            .into_credential())
    }

    /// Issues one credential in `format`; see [`Issued`].
    pub async fn issue_as(
        &self,
        request: &IssueRequest,
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Issued, Error> {
        self.issue_many(&[request], format, now, actor)
            .await?
            .remove(0)
    }

    /// Issues several credentials in `format` at once, with the same checks as one: one
    /// transaction allocates all their status entries, they are signed and self-checked on every
    /// core, and one transaction stores them (one disk commit each per batch, not per
    /// credential). Each request's own outcome is in the answer, in order (a row key issued
    /// before is [`Error::RowAlreadyIssued`]); `Err` means a batch transaction failed, and then
    /// nothing of the batch was stored.
    pub async fn issue_many(
        &self,
        requests: &[&IssueRequest],
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Vec<Result<Issued, Error>>, Error> {
        let prepared = self.prepare_batch(requests, format, now).await?;
        let sealed = if prepared.drafts.len() == 1 {
            let Prepared {
                mut drafts,
                resolver,
            } = prepared;
            vec![
                self.seal_one(drafts.remove(0), format, now, &resolver)
                    .await,
            ]
        } else {
            self.seal_batch(prepared, format, now)
        };
        self.store_batch(requests, sealed, now, actor).await
    }

    /// The first stage of issuing a batch: drafts (achievements looked up once), status entries
    /// allocated in one transaction, and the issuer's documents for the self-check.
    pub(crate) async fn prepare_batch(
        &self,
        requests: &[&IssueRequest],
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<Prepared, Error> {
        let mut drafts = Vec::with_capacity(requests.len());
        let mut achievements = std::collections::HashMap::new();
        for request in requests {
            drafts.push(self.draft(request, format, now, &mut achievements).await);
        }
        let mut status_lists = Vec::new();
        if let Some(base) = self.status_base_url()? {
            let wanted: Vec<&mut Draft> = drafts
                .iter_mut()
                .zip(requests)
                .filter(|(_, r)| !r.without_status)
                .filter_map(|(d, _)| d.as_mut().ok())
                .collect();
            if !wanted.is_empty() {
                let ids: Vec<&str> = wanted.iter().map(|d| d.id.as_str()).collect();
                let allocated = self.allocate_status(&base, &ids, now).await?;
                for (draft, entries) in wanted.into_iter().zip(allocated.entries) {
                    draft.unsigned["credentialStatus"] = entries;
                }
                status_lists = allocated.lists;
            }
        }
        let resolver = self.own_documents(&status_lists).await?;
        Ok(Prepared { drafts, resolver })
    }

    /// Signs one draft and checks it against the issuer's documents.
    pub(crate) async fn seal_one(
        &self,
        draft: Result<Draft, Error>,
        format: Format,
        now: DateTime<Utc>,
        resolver: &OfflineResolver,
    ) -> Result<Sealed, Error> {
        let draft = draft?;
        let (signed, jws) = self.seal(draft.unsigned, format, now)?;
        self.self_check(&signed, jws.as_deref(), resolver, now)
            .await?;
        Ok(Sealed {
            id: draft.id,
            achievement_id: draft.achievement_id,
            signed,
            jws,
        })
    }

    /// The second stage: every draft signed and self-checked, on every core. It blocks the
    /// calling thread (no I/O: the documents are in `prepared`).
    pub(crate) fn seal_batch(
        &self,
        prepared: Prepared,
        format: Format,
        now: DateTime<Utc>,
    ) -> Vec<Result<Sealed, Error>> {
        let Prepared { drafts, resolver } = prepared;
        on_every_core(drafts, |draft| self.seal_one(draft, format, now, &resolver))
    }

    /// The last stage: the sealed credentials stored in one transaction, then each recipient
    /// notified; one outcome per request, in order.
    pub(crate) async fn store_batch(
        &self,
        requests: &[&IssueRequest],
        sealed: Vec<Result<Sealed, Error>>,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Vec<Result<Issued, Error>>, Error> {
        let (valid_from, issued_at) = (rfc3339(now), rfc3339(now));
        let valid_until: Vec<Option<String>> = requests
            .iter()
            .map(|r| r.valid_until.map(rfc3339))
            .collect();
        let lookups: Vec<String> = requests
            .iter()
            .map(|r| recipient_lookup(&r.recipient_email))
            .collect();
        let new: Vec<NewCredential> = sealed
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().ok().map(|s| (i, s)))
            .map(|(i, s)| NewCredential {
                id: &s.id,
                achievement_id: &s.achievement_id,
                recipient_lookup: &lookups[i],
                recipient_did: requests[i].recipient_did.as_deref(),
                document: &s.signed,
                valid_from: &valid_from,
                valid_until: valid_until[i].as_deref(),
                issued_at: &issued_at,
                compact_jws: s.jws.as_deref(),
                row_key: requests[i].row_key.as_deref(),
                source_credential_id: None,
                lease: requests[i].lease.as_ref(),
            })
            .collect();
        let mut stored = self
            .store
            .insert_credentials(&new, actor)
            .await?
            .into_iter();
        drop(new);
        let mut out = Vec::with_capacity(requests.len());
        for (request, sealed) in requests.iter().zip(sealed) {
            let Sealed { signed, jws, .. } = match sealed {
                Ok(s) => s,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            if stored.next() != Some(true) {
                let key = request.row_key.clone().unwrap_or_default();
                out.push(Err(Error::RowAlreadyIssued(key)));
                continue;
            }
            self.notify(request, &signed).await?;
            out.push(Ok(Issued::new(signed, jws)));
        }
        Ok(out)
    }

    /// A new credential's id: under `{issuer.url}/credentials/` (where its public page is), or a
    /// `urn:uuid:` without a URL.
    pub(crate) fn new_credential_id(&self) -> String {
        match &self.config.config.issuer.url {
            Some(url) => format!(
                "{}/credentials/{}",
                url.trim_end_matches('/'),
                uuid::Uuid::new_v4()
            ),
            None => format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        }
    }

    /// What `request` would be signed as: the unsigned credential after the same checks as
    /// issuing (the console's preview). Its id is not kept, and its status entries and proof
    /// are added only when it is issued.
    pub async fn preview_credential(
        &self,
        request: &IssueRequest,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let draft = self
            .draft(
                request,
                Format::Json,
                now,
                &mut std::collections::HashMap::new(),
            )
            .await?;
        Ok(draft.unsigned)
    }

    /// One request's unsigned credential, without status entries yet.
    pub(crate) async fn draft(
        &self,
        request: &IssueRequest,
        format: Format,
        now: DateTime<Utc>,
        achievements: &mut std::collections::HashMap<String, StoredAchievement>,
    ) -> Result<Draft, Error> {
        let achievement = match achievements.get(&request.achievement) {
            Some(a) => a.clone(),
            None => {
                let found = self
                    .store
                    .achievement(&request.achievement)
                    .await?
                    .ok_or_else(|| Error::AchievementNotFound(request.achievement.clone()))?;
                achievements.insert(request.achievement.clone(), found.clone());
                found
            }
        };
        if achievement.archived {
            return Err(Error::AchievementArchived(achievement.slug));
        }
        let credential_id = self.new_credential_id();
        let derived_subject =
            if matches!(format, Format::Jwt { .. }) && request.recipient_did.is_none() {
                // OB 3.0 §8.2.2: a VC-JWT needs sub = credentialSubject.id; derive a stable one.
                let email = cairn_verifier::identity::normalize_email(&request.recipient_email);
                Some(self.derived_subject_id(&email)?)
            } else {
                None
            };
        // The achievement's default validity applies when the award gives no end of its own.
        let defaulted;
        let request = match (request.valid_until, achievement.validity_months) {
            (None, Some(months)) => {
                let mut with_end = request.clone();
                with_end.valid_until = now.checked_add_months(chrono::Months::new(months));
                defaulted = with_end;
                &defaulted
            }
            _ => request,
        };
        let unsigned = credential::build(
            request,
            derived_subject.as_deref(),
            &credential_id,
            &self.profile(),
            &achievement.achievement,
            now,
        )?;
        Ok(Draft {
            id: credential_id,
            achievement_id: achievement.id,
            unsigned,
        })
    }

    /// Signs a credential in `format`: the document (with its embedded proof unless it is a
    /// plain VC-JWT) and the compact JWS, if any.
    pub(crate) fn seal(
        &self,
        unsigned: Value,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<(Value, Option<String>), Error> {
        Ok(match format {
            Format::Json => (self.sign(&unsigned, now)?, None),
            Format::Jwt { alg, embed_proof } => {
                let credential = if embed_proof {
                    self.sign(&unsigned, now)?
                } else {
                    unsigned
                };
                let jws = self.sign_jwt(&credential, alg)?;
                (credential, Some(jws))
            }
        })
    }

    /// `urn:cairn:subject:` + the first 128 bits of sha256(secret ‖ email): stable for one issuer
    /// and one address, and not computable by anyone without the issuer's secret.
    pub(crate) fn derived_subject_id(&self, normalized_email: &str) -> Result<String, Error> {
        let secret = self.issuer_secret()?;
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(secret);
        h.update(b":");
        h.update(normalized_email.as_bytes());
        let digest = h.finalize();
        Ok(format!("urn:cairn:subject:{}", hex::encode(&digest[..16])))
    }

    /// The issuer's secret (`keys/subject-id.secret`, 0600, made on first use, read once): behind
    /// derived subject ids and the MAC of OpenID4VCI nonces. Instances sharing the key folder
    /// share it.
    pub(crate) fn issuer_secret(&self) -> Result<&[u8], Error> {
        if let Some(secret) = self.secret.0.get() {
            return Ok(secret);
        }
        let path = self.config.key_dir().join(SUBJECT_SECRET_FILE);
        if !path.exists() {
            let secret = hex::encode(rand::random::<[u8; 32]>());
            keys::write_secret_file(&path, secret.as_bytes())?;
        }
        let read = keys::read_secret_file(&path)?;
        Ok(self.secret.0.get_or_init(|| read))
    }

    /// Wraps `credential` in a compact JWS signed with `alg` (OB 3.0 §8.2); nothing is stored.
    pub fn sign_jwt(&self, credential: &Value, alg: JwtAlg) -> Result<String, Error> {
        match alg {
            JwtAlg::EdDsa => {
                let input = jwt::signing_input(credential, alg, &self.verification_method())?;
                Ok(jwt::compact(
                    &input,
                    &self.signing_key().sign(input.as_bytes()),
                ))
            }
            JwtAlg::Rs256 => {
                if !self.id().starts_with("did:web:") {
                    return Err(Error::input(
                        "alg",
                        "RS256 needs a did:web issuer, whose DID document can publish the RSA key; use --alg eddsa with a did:key issuer",
                    ));
                }
                let rsa = self.rsa.as_ref().ok_or_else(|| {
                    Error::input(
                        "alg",
                        "this issuer has no RSA key; add one with `cairn key add --type rsa`",
                    )
                })?;
                let kid = did::rsa_verification_method(self.id(), rsa.key_id());
                let input = jwt::signing_input(credential, alg, &kid)?;
                Ok(jwt::compact(&input, &rsa.sign(input.as_bytes())?))
            }
        }
    }

    /// An eddsa-rdfc-2022 proof by the current key on `document` (which has none), created
    /// `now`, its signature checked before the document is returned.
    pub(crate) fn sign_data_integrity(
        &self,
        document: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        // A document that cannot be prepared for signing (undefined terms, say) is the caller's.
        let signed = self.sign(document, now).map_err(|e| match e {
            Error::Signing(m) => Error::input("credential", m),
            other => other,
        })?;
        cairn_verifier::verify_signature_only(
            self.canon.as_ref(),
            &signed,
            &self.signing_key().verifying_key(),
        )
        .map_err(Error::SelfCheckFailed)?;
        Ok(signed)
    }

    /// Adds an `eddsa-rdfc-2022` proof by the issuer's signing key.
    pub(crate) fn sign(&self, unsigned: &Value, now: DateTime<Utc>) -> Result<Value, Error> {
        let pending = PendingProof::new(
            self.canon.as_ref(),
            unsigned,
            &self.verification_method(),
            &rfc3339(now),
        )
        .map_err(|e| Error::Signing(e.to_string()))?;
        let signature = self.signing_key().sign(pending.signing_input());
        Ok(pending.finish(&signature))
    }

    /// What a verifier would fetch from this issuer, served from memory: its DID document (for a
    /// did:web issuer) and the given status lists as (URL, document).
    pub(crate) async fn own_documents(
        &self,
        status_lists: &[(String, String)],
    ) -> Result<OfflineResolver, Error> {
        let mut resolver = OfflineResolver::new();
        for (url, doc) in status_lists {
            resolver.insert(url, doc.as_str());
        }
        if self.id().starts_with("did:web:") {
            let doc = self.did_document().await?;
            let url = did_web_document_url(self.id()).ok_or_else(|| {
                Error::input("did", format!("{} is not a valid did:web", self.id()))
            })?;
            resolver.insert(&url, doc.to_string());
        }
        Ok(resolver)
    }

    pub(crate) fn verify_options(&self, now: DateTime<Utc>) -> VerifyOptions {
        let mut options = VerifyOptions::new(now);
        options.canonicalizer = self.canon.clone();
        options.status_cache = Some(self.status_cache.clone());
        options
    }

    /// Verifies a stored credential with the real verifier, as a receiving district would, but
    /// against this issuer's own published documents (its DID document and current status lists)
    /// instead of the network: the public page's "Verify now".
    pub async fn verify_stored(
        &self,
        credential_id: &str,
        now: DateTime<Utc>,
    ) -> Result<cairn_verifier::Report, Error> {
        let credential = self
            .store()
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        let mut lists = Vec::new();
        for url in status::list_urls(&credential) {
            if let Ok(list) = self.current_status_list(url, now).await {
                lists.push((url.to_owned(), list.json));
            }
        }
        let resolver = self.own_documents(&lists).await?;
        let options = self.verify_options(now);
        let doc = credential
            .as_object()
            .ok_or_else(|| Error::Database("stored credential is not an object".into()))?;
        Ok(cairn_verifier::verify_credential(doc, &options, &resolver).await)
    }

    /// DESIGN §3: the issuer re-verifies every credential it signs before storing it, against
    /// its own documents (`resolver`, from [`Issuer::own_documents`]).
    pub(crate) async fn self_check(
        &self,
        signed: &Value,
        jws: Option<&str>,
        resolver: &OfflineResolver,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let options = self.verify_options(now);
        let report = match jws {
            Some(token) => cairn_verifier::verify(token.as_bytes(), &options, resolver)
                .await
                .map_err(|e| Error::SelfCheckFailed(e.code().to_owned()))?,
            None => {
                let doc = signed
                    .as_object()
                    .ok_or_else(|| Error::Signing("signed document is not an object".into()))?;
                cairn_verifier::verify_credential(doc, &options, resolver).await
            }
        };
        if report.verdict == Verdict::Valid {
            Ok(())
        } else {
            let code = report
                .first_problem()
                .map(|c| c.code.clone())
                .unwrap_or_default();
            Err(Error::SelfCheckFailed(code))
        }
    }
}

/// What [`Issuer::issue_as`] produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Issued {
    /// The credential with its embedded proof.
    Json(Value),
    /// The compact JWS, and the credential it carries.
    Jwt {
        /// The compact JWS.
        jws: String,
        /// The credential in its payload.
        credential: Value,
    },
}

impl Issued {
    /// The signed credential and, for a VC-JWT, its compact JWS.
    pub(crate) fn new(credential: Value, jws: Option<String>) -> Self {
        match jws {
            None => Issued::Json(credential),
            Some(jws) => Issued::Jwt { jws, credential },
        }
    }

    /// The credential document (inside the JWS, for a VC-JWT).
    pub fn credential(&self) -> &Value {
        match self {
            Issued::Json(c) | Issued::Jwt { credential: c, .. } => c,
        }
    }

    /// The credential document, without the JWS.
    pub fn into_credential(self) -> Value {
        match self {
            Issued::Json(c) | Issued::Jwt { credential: c, .. } => c,
        }
    }
}

/// A credential being issued: its id, its achievement's row id and the unsigned document.
pub(crate) struct Draft {
    pub(crate) id: String,
    pub(crate) achievement_id: String,
    pub(crate) unsigned: Value,
}

/// A batch ready to be signed: its drafts and the issuer's documents for the self-check.
pub(crate) struct Prepared {
    pub(crate) drafts: Vec<Result<Draft, Error>>,
    pub(crate) resolver: OfflineResolver,
}

/// A signed and self-checked credential, not stored yet.
pub(crate) struct Sealed {
    pub(crate) id: String,
    pub(crate) achievement_id: String,
    pub(crate) signed: Value,
    pub(crate) jws: Option<String>,
}

/// Runs `work` on each item on every core (scoped threads, each driving the futures with its own
/// single-threaded runtime; the futures must do no I/O) and answers in the items' order. The
/// calling thread waits.
pub(crate) fn on_every_core<T: Send, O: Send, F, Fut>(
    items: Vec<T>,
    work: F,
) -> Vec<Result<O, Error>>
where
    F: Fn(T) -> Fut + Sync,
    Fut: std::future::Future<Output = Result<O, Error>>,
{
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, items.len().max(1));
    let total = items.len();
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let mut done: Vec<(usize, Result<O, Error>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread().build();
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                        let Some((i, item)) = next else { break };
                        out.push(match &runtime {
                            Ok(rt) => (i, rt.block_on(work(item))),
                            Err(e) => (i, Err(Error::Signing(format!("no worker runtime: {e}")))),
                        });
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    debug_assert_eq!(done.len(), total);
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
