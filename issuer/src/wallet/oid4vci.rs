//! OpenID4VCI 1.0 with the pre-authorized code flow: the token endpoint (with the transaction-code
//! attempt limit), nonces, the credential endpoint (key proof → a wallet copy bound to the holder)
//! and notifications.

use super::*;

impl Issuer {
    /// OpenID4VCI 1.0 §6: the token endpoint for the pre-authorized code grant (form fields in
    /// `form`). Refusals are RFC 6749 §5.2 errors as §6.3 refines them.
    pub async fn oid4vci_token(
        &self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let actor = Actor("wallet".into());
        match form.get("grant_type").map(String::as_str) {
            Some(PRE_AUTHORIZED_GRANT) => {}
            Some(_) => {
                return Err(Error::wallet(
                    WalletRefusal::UnsupportedGrantType,
                    "only the pre-authorized code grant is supported",
                ))
            }
            None => {
                return Err(Error::wallet(
                    WalletRefusal::InvalidRequest,
                    "grant_type is missing",
                ))
            }
        }
        let code = form.get("pre-authorized_code").ok_or_else(|| {
            Error::wallet(
                WalletRefusal::InvalidRequest,
                "pre-authorized_code is missing",
            )
        })?;
        let session = self
            .store
            .claim_session(ClaimLookup::PreAuthorizedCode(&hash_secret(code)))
            .await?
            .ok_or_else(|| {
                Error::wallet(
                    WalletRefusal::InvalidGrant,
                    "the pre-authorized code is not valid",
                )
            })?;
        if session.state != "offered" {
            self.store
                .record_event(
                    "claim.code_replayed",
                    Some(&session.id),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await?;
            return Err(Error::wallet(
                WalletRefusal::InvalidGrant,
                "the pre-authorized code was already used",
            ));
        }
        if expired(&session.expires_at, now) {
            return Err(Error::wallet(
                WalletRefusal::InvalidGrant,
                "the pre-authorized code expired",
            ));
        }
        // §6.1: tx_code (draft 11/12: user_pin) exactly when the offer asked for one.
        let sent = form.get("tx_code").or_else(|| form.get("user_pin"));
        match (session.has_tx_code, sent) {
            (true, None) => {
                return Err(Error::wallet(
                    WalletRefusal::InvalidRequest,
                    "this offer needs its tx_code",
                ))
            }
            (false, Some(_)) => {
                return Err(Error::wallet(
                    WalletRefusal::InvalidRequest,
                    "this offer has no tx_code",
                ))
            }
            (true, Some(given)) => {
                let digest = tx_code_digest(&session.id, given);
                let check = self
                    .store
                    .check_tx_code(
                        &session.id,
                        &digest,
                        MAX_TX_CODE_FAILURES,
                        &rfc3339(now),
                        &actor,
                    )
                    .await?;
                match check {
                    TxCodeCheck::Matches => {}
                    TxCodeCheck::Wrong { .. } => {
                        return Err(Error::wallet(
                            WalletRefusal::InvalidGrant,
                            "the tx_code is wrong",
                        ))
                    }
                    TxCodeCheck::Closed => {
                        return Err(Error::wallet(
                            WalletRefusal::InvalidGrant,
                            "this offer takes no more tx_codes (too many were wrong)",
                        ))
                    }
                }
            }
            (false, None) => {}
        }
        let token = random_secret();
        let redeemed = self
            .store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["offered"],
                    unexpired_at: Some(&rfc3339(now)),
                    state: Some("token_issued"),
                    access_token_hash: Some(&hash_secret(&token)),
                    access_token_expires_at: Some(&rfc3339(now + Duration::seconds(TOKEN_SECONDS))),
                    ..ClaimUpdate::default()
                },
                "claim.token",
                &rfc3339(now),
                &actor,
            )
            .await?;
        if !redeemed {
            return Err(Error::wallet(
                WalletRefusal::InvalidGrant,
                "the pre-authorized code was already used",
            ));
        }
        // Draft 13 wallets take their first c_nonce from the token response.
        let nonce = self.oid4vci_nonce(now).await?;
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "c_nonce": nonce,
            "c_nonce_expires_in": NONCE_SECONDS,
        }))
    }

    /// OpenID4VCI 1.0 §7: a fresh, unpredictable c_nonce, accepted once. It is
    /// base64url(expiry ‖ 128 random bits ‖ MAC): nothing is stored until it is used, so asking
    /// for nonces costs the database nothing.
    pub async fn oid4vci_nonce(&self, now: DateTime<Utc>) -> Result<String, Error> {
        let expires = (now + Duration::seconds(NONCE_SECONDS)).timestamp();
        let mut nonce = expires.to_be_bytes().to_vec();
        nonce.extend(rand::random::<[u8; 16]>());
        let mac = self.nonce_mac(&nonce)?;
        nonce.extend(mac);
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce))
    }

    /// HMAC-SHA-256 (first 128 bits) of a nonce's expiry and random part.
    pub(super) fn nonce_mac(&self, payload: &[u8]) -> Result<[u8; 16], Error> {
        use hmac::Mac;
        let secret = self.issuer_secret()?;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret)
            .map_err(|e| Error::Signing(e.to_string()))?;
        mac.update(b"cairn oid4vci c_nonce\0");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        Ok(out)
    }

    /// Uses a c_nonce up: true when it is one of ours, unexpired and not used before.
    pub(super) async fn use_nonce(&self, nonce: &str, now: DateTime<Utc>) -> Result<bool, Error> {
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(nonce) else {
            return Ok(false);
        };
        if bytes.len() != 40 {
            return Ok(false);
        }
        let (payload, mac) = bytes.split_at(24);
        let genuine = {
            use subtle::ConstantTimeEq;
            bool::from(self.nonce_mac(payload)?.ct_eq(mac))
        };
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&payload[..8]);
        let Some(expires) = DateTime::from_timestamp(i64::from_be_bytes(expiry), 0) else {
            return Ok(false);
        };
        if !genuine || expires <= now {
            return Ok(false);
        }
        self.store
            .use_nonce(&hash_secret(nonce), &rfc3339(expires), &rfc3339(now))
            .await
    }

    /// The session an access token opens, while the token is valid (RFC 6750 §3.1
    /// `invalid_token` otherwise).
    pub(super) async fn session_for_token(
        &self,
        bearer: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimSession, Error> {
        self.store
            .claim_session(ClaimLookup::AccessToken(&hash_secret(bearer)))
            .await?
            .filter(|s| {
                !s.access_token_expires_at
                    .as_deref()
                    .is_none_or(|t| expired(t, now))
            })
            .ok_or_else(|| {
                Error::wallet(
                    WalletRefusal::InvalidToken,
                    "the access token is not valid or expired",
                )
            })
    }

    /// OpenID4VCI 1.0 §8: the credential endpoint. Accepts the 1.0 request
    /// (`credential_configuration_id`, `proofs.jwt`) and the draft-13 one (`format`, `proof`),
    /// and answers in the shape asked.
    pub async fn oid4vci_credential(
        &self,
        bearer: &str,
        request: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let session = self.session_for_token(bearer, now).await?;
        let bad = |m: &str| Error::wallet(WalletRefusal::InvalidCredentialRequest, m.to_owned());
        let request = request
            .as_object()
            .ok_or_else(|| bad("the request is not a JSON object"))?;
        if request.contains_key("credential_identifier") {
            return Err(Error::wallet(
                WalletRefusal::UnknownCredentialIdentifier,
                "this issuer hands out no credential identifiers; send credential_configuration_id",
            ));
        }
        let draft = !request.contains_key("credential_configuration_id");
        let format = match (
            request
                .get("credential_configuration_id")
                .and_then(Value::as_str),
            request.get("format").and_then(Value::as_str),
        ) {
            (Some(CONFIG_LDP_VC), _) | (None, Some("ldp_vc")) => Format::Json,
            (Some(CONFIG_JWT_VC), _) | (None, Some("jwt_vc_json")) => Format::Jwt {
                alg: JwtAlg::EdDsa,
                embed_proof: false,
            },
            (Some(other), _) => {
                return Err(Error::wallet(
                    WalletRefusal::UnknownCredentialConfiguration,
                    format!("no credential configuration {other:?}"),
                ))
            }
            (None, Some(other)) => {
                return Err(Error::wallet(
                    WalletRefusal::UnsupportedCredentialFormat,
                    format!("the format {other:?} is not offered (ldp_vc, jwt_vc_json)"),
                ))
            }
            (None, None) => return Err(bad("send credential_configuration_id")),
        };
        let jwt = match (request.get("proofs"), request.get("proof")) {
            (Some(_), Some(_)) => return Err(bad("send proofs or proof, not both")),
            (Some(Value::Object(proofs)), None) => match proofs.get("jwt") {
                Some(Value::Array(list)) if list.len() == 1 && proofs.len() == 1 => {
                    list[0].as_str()
                }
                Some(Value::Array(list)) if list.len() > 1 => {
                    return Err(Error::wallet(
                        WalletRefusal::InvalidProof,
                        "one credential is issued per offer: send one proof",
                    ))
                }
                _ => None,
            },
            (None, Some(Value::Object(proof))) => {
                match proof.get("proof_type").and_then(Value::as_str) {
                    Some("jwt") => proof.get("jwt").and_then(Value::as_str),
                    _ => None,
                }
            }
            _ => None,
        }
        .ok_or_else(|| Error::wallet(WalletRefusal::InvalidProof, "a jwt key proof is required"))?;
        let holder = verify_proof_jwt(jwt, &self.wallet_base()?, now)?;
        let nonce = holder.nonce.as_deref().ok_or_else(|| {
            Error::wallet(
                WalletRefusal::InvalidProof,
                "the key proof must carry a c_nonce from the nonce endpoint",
            )
        })?;
        if !self.use_nonce(nonce, now).await? {
            return Err(Error::wallet(
                WalletRefusal::InvalidNonce,
                "the c_nonce is unknown, used or expired; get a new one from the nonce endpoint",
            ));
        }
        let (credential, notification_id) = self
            .claim_for_holder(&session, &["token_issued"], &holder.did, format, now)
            .await?;
        let mut answer = json!({
            "credentials": [{ "credential": credential }],
            "notification_id": notification_id,
        });
        if draft {
            // Draft 13's response: one credential at the top level, and the next c_nonce.
            answer["credential"] = credential;
            answer["format"] = json!(if matches!(format, Format::Json) {
                "ldp_vc"
            } else {
                "jwt_vc_json"
            });
            answer["c_nonce"] = json!(self.oid4vci_nonce(now).await?);
            answer["c_nonce_expires_in"] = json!(NONCE_SECONDS);
        }
        Ok(answer)
    }

    /// OpenID4VCI 1.0 §11: the wallet says what became of the credential (idempotent).
    pub async fn oid4vci_notification(
        &self,
        bearer: &str,
        request: &Value,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let session = self.session_for_token(bearer, now).await?;
        let id = request
            .get("notification_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::wallet(
                    WalletRefusal::InvalidNotificationRequest,
                    "notification_id is missing",
                )
            })?;
        let named = self
            .store
            .claim_session(ClaimLookup::Notification(id))
            .await?;
        if named.is_none_or(|n| n.id != session.id) {
            return Err(Error::wallet(
                WalletRefusal::InvalidNotificationId,
                "the notification_id is not this token's",
            ));
        }
        let event = match request.get("event").and_then(Value::as_str) {
            Some(e @ ("credential_accepted" | "credential_failure" | "credential_deleted")) => e,
            _ => {
                return Err(Error::wallet(
                    WalletRefusal::InvalidNotificationRequest,
                    "event must be credential_accepted, credential_failure or credential_deleted",
                ))
            }
        };
        self.store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["claimed"],
                    notification_event: Some(event),
                    ..ClaimUpdate::default()
                },
                "claim.notification",
                &rfc3339(now),
                &Actor("wallet".into()),
            )
            .await?;
        Ok(())
    }
}
