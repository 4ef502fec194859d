//! One-time claim links mailed to a recipient ("Send to your wallet" on the public page):
//! requested, shown and redeemed once.

use super::*;

impl Issuer {
    /// A new one-time claim link (`/claim/{token}`) for a credential. It is how a recipient
    /// proves who they are: it is mailed only to the address the credential was awarded to.
    pub(crate) async fn new_claim_link(
        &self,
        credential_id: &str,
        requested: bool,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        let base = self.wallet_base()?;
        let token = random_secret();
        self.store
            .insert_claim_link(
                &hash_secret(&token),
                credential_id,
                &rfc3339(now),
                &rfc3339(now + Duration::hours(CLAIM_LINK_HOURS)),
                requested,
            )
            .await?;
        Ok(format!("{base}/claim/{token}"))
    }

    /// The credential page's "Email me a wallet link": when `email` is the address the
    /// credential was awarded to (compared by its lookup hash), a claim link is mailed to it, at
    /// most one per `CLAIM_LINK_INTERVAL_MINUTES` minutes. The caller learns nothing either way.
    pub async fn request_claim_link(
        &self,
        credential_id: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.wallet_base()?;
        let Some(meta) = self.store.credential_meta(credential_id).await? else {
            return Ok(());
        };
        let matches = {
            use subtle::ConstantTimeEq;
            let given = crate::recipient_lookup(email);
            bool::from(given.as_bytes().ct_eq(meta.recipient_lookup.as_bytes()))
        };
        let actor = Actor("recipient:email-link".into());
        if !matches {
            return self
                .store
                .record_event(
                    "claim.link_refused",
                    Some(credential_id),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let recent = self
            .store
            .latest_claim_link(credential_id)
            .await?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .is_some_and(|t| t > now - Duration::minutes(CLAIM_LINK_INTERVAL_MINUTES));
        if recent {
            return self
                .store
                .record_event(
                    "claim.link_throttled",
                    Some(credential_id),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let Some(document) = self.store.credential(credential_id).await? else {
            return Ok(());
        };
        let link = self.new_claim_link(credential_id, true, now).await?;
        if self.send_wallet_link(email, &document, link) {
            self.store
                .record_event(
                    "claim.link_mailed",
                    Some(credential_id),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await?;
        }
        Ok(())
    }

    /// The credential a claim link names while it works (`claim_link_invalid` otherwise).
    pub async fn claim_link_credential(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        self.store
            .claim_link(&hash_secret(token))
            .await?
            .filter(|l| l.used_at.is_none() && !expired(&l.expires_at, now))
            .map(|l| l.credential_id)
            .ok_or_else(|| {
                Error::wallet(
                    WalletRefusal::ClaimLinkInvalid,
                    "this link was used or has expired; ask for a new one on the credential's page",
                )
            })
    }

    /// Uses a claim link up and opens a claim session for its credential.
    pub async fn redeem_claim_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOffer, Error> {
        let credential_id = self.claim_link_credential(token, now).await?;
        if !self
            .store
            .use_claim_link(&hash_secret(token), &rfc3339(now))
            .await?
        {
            return Err(Error::wallet(
                WalletRefusal::ClaimLinkInvalid,
                "this link was used or has expired; ask for a new one on the credential's page",
            ));
        }
        self.create_claim(
            &credential_id,
            false,
            now,
            &Actor("recipient:email-link".into()),
        )
        .await
    }

    /// The credential a claim link was made for, whether or not it is still usable (so a page
    /// about a used or expired link can lead back to the credential).
    pub async fn claim_link_owner(&self, token: &str) -> Result<Option<String>, Error> {
        Ok(self
            .store
            .claim_link(&hash_secret(token))
            .await?
            .map(|l| l.credential_id))
    }

    /// Whether a wallet has collected the credential of claim session `session_id` (its public
    /// id, which the wallet codes page links to): the time it did, `None` while it has not.
    pub async fn claim_received_at(&self, session_id: &str) -> Result<Option<String>, Error> {
        let session = self
            .store
            .claim_session(ClaimLookup::Id(session_id))
            .await?
            .ok_or_else(|| Error::wallet(WalletRefusal::ClaimNotFound, "no such wallet offer"))?;
        Ok(session.claimed_at.filter(|_| session.state == "claimed"))
    }
}
