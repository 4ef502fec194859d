//! The VC-API exchange the Learner Credential Wallet speaks: a DIDAuthentication request, the
//! holder's presentation verified with the session's challenge and domain, and the wallet copy of
//! the credential bound to the holder.

use super::*;

impl Issuer {
    /// The VC-API exchange (as the Learner Credential Wallet drives it): a message without a
    /// presentation gets the DIDAuthentication request; a presentation signed by the holder
    /// (`authentication`, this session's challenge, this issuer's domain) gets the credential,
    /// bound to the holder's DID, in an unsigned presentation.
    pub async fn vc_api_exchange(
        &self,
        exchange: &str,
        message: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let base = self.wallet_base()?;
        let session = self
            .store
            .claim_session(ClaimLookup::Exchange(&hash_secret(exchange)))
            .await?
            .filter(|s| s.state != "failed")
            .ok_or_else(|| Error::wallet(WalletRefusal::ExchangeNotFound, "no such exchange"))?;
        if matches!(session.state.as_str(), "claiming" | "claimed") {
            return Err(Error::wallet(
                WalletRefusal::ExchangeComplete,
                "this exchange was completed",
            ));
        }
        if expired(&session.expires_at, now) {
            return Err(Error::wallet(
                WalletRefusal::ExchangeExpired,
                "this exchange expired",
            ));
        }
        let exchange_url = format!("{base}/exchanges/{exchange}");
        let Some(vp) = message.get("verifiablePresentation") else {
            return Ok(json!({
                "verifiablePresentationRequest": {
                    "query": [{
                        "type": "DIDAuthentication",
                        "acceptedMethods": [{ "method": "key" }],
                        "acceptedCryptosuites": [
                            { "cryptosuite": "Ed25519Signature2020" },
                            { "cryptosuite": "eddsa-rdfc-2022" },
                        ],
                    }],
                    "challenge": session.challenge,
                    "domain": base,
                    "interact": { "service": [{
                        "type": "UnmediatedPresentationService2021",
                        "serviceEndpoint": exchange_url,
                    }] },
                }
            }));
        };
        let vp = vp.as_object().ok_or_else(|| {
            Error::wallet(
                WalletRefusal::InvalidPresentation,
                "the presentation is not a JSON object",
            )
        })?;
        // DIDAuthentication asks for no credentials: verifying embedded ones would only be work.
        let carries = match vp.get("verifiableCredential") {
            None => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if carries {
            return Err(Error::wallet(
                WalletRefusal::InvalidPresentation,
                "a DIDAuthentication presentation carries no credentials",
            ));
        }
        let asked = cairn_verifier::PresentationOptions {
            challenge: Some(session.challenge.clone()),
            domain: Some(base.clone()),
        };
        // The holder is a did:key: resolved offline, nothing fetched.
        let options = cairn_verifier::VerifyOptions::new(now);
        let report = cairn_verifier::verify_presentation(
            vp,
            &asked,
            &options,
            &cairn_verifier::OfflineResolver::new(),
        )
        .await;
        let holder = report.holder.clone().unwrap_or_default();
        let signed = vp.contains_key("proof");
        if report.verdict != cairn_verifier::Verdict::Valid || !signed {
            let reason = report
                .checks
                .iter()
                .find(|c| c.status != cairn_verifier::CheckStatus::Passed)
                .map_or("the presentation has no proof".to_owned(), |c| {
                    format!("{}: {}", c.code, c.message)
                });
            self.store
                .record_event(
                    "claim.presentation_refused",
                    Some(&session.id),
                    None,
                    &rfc3339(now),
                    &Actor("wallet".into()),
                )
                .await?;
            return Err(Error::wallet(WalletRefusal::InvalidPresentation, reason));
        }
        if !holder.starts_with("did:key:") {
            return Err(Error::wallet(
                WalletRefusal::InvalidPresentation,
                "the holder must be a did:key",
            ));
        }
        let (credential, _) = self
            .claim_for_holder(
                &session,
                &["offered", "token_issued"],
                &holder,
                Format::Json,
                now,
            )
            .await?;
        Ok(json!({
            "verifiablePresentation": {
                "@context": [cairn_verifier::VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [credential],
            }
        }))
    }

    /// Claims `session` (in one of `from`) for `holder` and issues the wallet copy; answers the
    /// credential as the format delivers it and the notification id. A session is claimed once:
    /// a second claimant gets `credential_request_denied`.
    pub(super) async fn claim_for_holder(
        &self,
        session: &ClaimSession,
        from: &[&str],
        holder: &str,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<(Value, String), Error> {
        let actor = Actor(format!("holder:{holder}"));
        let at = rfc3339(now);
        let took = self
            .store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from,
                    unexpired_at: Some(&at),
                    state: Some("claiming"),
                    holder_did: Some(holder),
                    ..ClaimUpdate::default()
                },
                "claim.start",
                &at,
                &actor,
            )
            .await?;
        if !took {
            return Err(Error::wallet(
                WalletRefusal::CredentialRequestDenied,
                "this offer was claimed or expired",
            ));
        }
        let issued = match self
            .issue_wallet_copy(&session.credential_id, holder, format, now, &actor)
            .await
        {
            Ok(issued) => issued,
            Err(e) => {
                // Nothing was stored: the session waits again (a revoked credential stays refused).
                self.store
                    .update_claim_session(
                        &session.id,
                        &ClaimUpdate {
                            from: &["claiming"],
                            state: Some(&session.state),
                            ..ClaimUpdate::default()
                        },
                        "claim.abandoned",
                        &at,
                        &actor,
                    )
                    .await?;
                return Err(match e {
                    Error::CredentialRevoked(_) => Error::wallet(
                        WalletRefusal::CredentialRequestDenied,
                        "the credential was revoked",
                    ),
                    other => other,
                });
            }
        };
        let wallet_id = issued.credential()["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // What the format delivers: the credential itself, or the compact JWS.
        let credential = match issued {
            Issued::Json(c) => c,
            Issued::Jwt { jws, .. } => Value::String(jws),
        };
        let notification_id = random_secret();
        self.store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["claiming"],
                    state: Some("claimed"),
                    claimed_at: Some(&at),
                    issued_credential_id: Some(&wallet_id),
                    notification_id: Some(&notification_id),
                    ..ClaimUpdate::default()
                },
                "claim.complete",
                &at,
                &actor,
            )
            .await?;
        Ok((credential, notification_id))
    }

    /// The wallet copy of a stored credential: the same claims and status entries (so revoking
    /// either revokes both), a new id, `credentialSubject.id` = the holder's DID, signed now,
    /// self-checked and stored.
    pub(super) async fn issue_wallet_copy(
        &self,
        credential_id: &str,
        holder: &str,
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Issued, Error> {
        let original = self
            .store
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        if self.live_status(credential_id, &original, now).await? == crate::LiveStatus::Revoked {
            return Err(Error::CredentialRevoked(credential_id.to_owned()));
        }
        let meta = self
            .store
            .credential_meta(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        let mut unsigned: Map<String, Value> = original
            .as_object()
            .cloned()
            .ok_or_else(|| Error::Database("stored credential is not an object".into()))?;
        unsigned.remove("proof");
        let copy_id = self.new_credential_id();
        unsigned.insert("id".into(), Value::String(copy_id.clone()));
        match unsigned.get_mut("credentialSubject") {
            Some(Value::Object(subject)) => {
                subject.insert("id".into(), Value::String(holder.to_owned()));
            }
            _ => {
                return Err(Error::Database(
                    "stored credential has no single subject".into(),
                ))
            }
        }
        let unsigned = Value::Object(unsigned);
        let mut lists = Vec::new();
        for url in crate::status::list_urls(&unsigned) {
            lists.push((
                url.to_owned(),
                self.current_status_list(url, now).await?.json,
            ));
        }
        let (signed, jws) = self.seal(unsigned, format, now)?;
        let resolver = self.own_documents(&lists).await?;
        self.self_check(&signed, jws.as_deref(), &resolver, now)
            .await?;
        let at = rfc3339(now);
        let source = meta
            .source_credential_id
            .clone()
            .unwrap_or_else(|| credential_id.to_owned());
        let stored = self
            .store
            .insert_credentials(
                &[NewCredential {
                    id: &copy_id,
                    achievement_id: &meta.achievement_id,
                    recipient_lookup: &meta.recipient_lookup,
                    recipient_did: Some(holder),
                    document: &signed,
                    valid_from: signed["validFrom"].as_str().unwrap_or(&at),
                    valid_until: signed["validUntil"].as_str(),
                    issued_at: &at,
                    compact_jws: jws.as_deref(),
                    row_key: None,
                    source_credential_id: Some(&source),
                    lease: None,
                }],
                actor,
            )
            .await?;
        if stored.first() != Some(&true) {
            return Err(Error::Database("the wallet copy was not stored".into()));
        }
        Ok(Issued::new(signed, jws))
    }
}
