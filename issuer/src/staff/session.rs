//! Console sessions: started after a sign-in (OpenID Connect or a mailed link), kept in the
//! database by the SHA-256 of the cookie's secret, ended by idleness, by their absolute limit,
//! by signing out (here or everywhere) or by the person's removal; the CSRF token every console
//! form carries; and the one-time sign-in links mailed to staff outside the directory.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{normal_email, StaffMember};
use crate::auth::{hash_secret, random_secret};
use crate::credential::rfc3339;
use crate::error::Error;
use crate::store::{Actor, StaffSessionRow};
use crate::Issuer;

/// How long a mailed sign-in link works.
pub(crate) const SIGN_IN_LINK_MINUTES: i64 = 15;

/// At most this many sign-in links are mailed to one address per `SIGN_IN_LINK_MINUTES`.
const SIGN_IN_LINKS_PER_WINDOW: i64 = 3;

/// A session's last use is written at most once a minute (every request reads it).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A person signed in to the console, as one request sees them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub member: StaffMember,
    /// How they signed in: `oidc` or `link`.
    pub method: String,
    /// When the session began (RFC 3339).
    pub started_at: String,
    /// The token every form of this session must send back (`csrf`).
    pub csrf: String,
    id_hash: String,
}

impl SignedIn {
    /// Whether this person's role holds `permission` (the permission table).
    pub fn may(&self, permission: super::Permission) -> bool {
        permission.roles().contains(&self.member.role)
    }
}

/// The CSRF token for a browser holding the cookie secret `cookie`: derived from it, so it is
/// never stored, and a page of another site, which cannot read the cookie, cannot make it.
pub fn csrf_token(cookie: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"cairn console csrf\0")
        .chain_update(cookie.as_bytes())
        .finalize();
    hex::encode(&digest[..16])
}

/// Whether `given` is the CSRF token for `cookie` (compared in constant time).
pub fn csrf_matches(cookie: &str, given: &str) -> bool {
    csrf_token(cookie).as_bytes().ct_eq(given.as_bytes()).into()
}

impl Issuer {
    /// Starts a session for `member`, who has just proved who they are (the provider's ID
    /// token or a mailed link; tests call it directly), and returns the cookie's secret (shown
    /// to the browser only; the database keeps its hash). A new secret every time: a session id
    /// planted in the browser before sign-in is never the one signed in.
    #[doc(hidden)]
    pub async fn start_session(&self, member: &StaffMember, method: &str) -> Result<String, Error> {
        let now = self.now();
        let secret = random_secret();
        let hours = i64::from(self.config.config.console.absolute_hours);
        self.store
            .insert_session(&StaffSessionRow {
                id_hash: hash_secret(&secret),
                email: member.email.clone(),
                method: method.to_owned(),
                created_at: rfc3339(now),
                last_seen_at: rfc3339(now),
                expires_at: rfc3339(now + Duration::hours(hours)),
                ended_at: None,
            })
            .await?;
        Ok(secret)
    }

    /// The person a session cookie stands for, while the session is open: not signed out, not
    /// idle longer than `console.idle_minutes`, not past `console.absolute_hours`, and its
    /// person still staff. Records the use.
    pub async fn signed_in(&self, cookie: &str) -> Result<Option<SignedIn>, Error> {
        let id_hash = hash_secret(cookie);
        let Some(row) = self.store.session(&id_hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.config.config.console.idle_minutes));
        let (Some(last_seen), Some(expires)) = (parse(&row.last_seen_at), parse(&row.expires_at))
        else {
            return Ok(None);
        };
        if row.ended_at.is_some() || now >= expires || now >= last_seen + idle {
            return Ok(None);
        }
        let Some(member) = self.current_member(&row.email).await? else {
            return Ok(None);
        };
        if now >= last_seen + Duration::seconds(TOUCH_EVERY_SECONDS) {
            self.store.touch_session(&id_hash, &rfc3339(now)).await?;
        }
        Ok(Some(SignedIn {
            member,
            method: row.method,
            started_at: row.created_at,
            csrf: csrf_token(cookie),
            id_hash,
        }))
    }

    /// Ends this session.
    pub async fn sign_out(&self, signed_in: &SignedIn) -> Result<(), Error> {
        self.store
            .end_session(
                &signed_in.id_hash,
                &rfc3339(self.now()),
                &signed_in.member.actor(),
            )
            .await?;
        Ok(())
    }

    /// Ends every session of this person, on every device; says how many were live.
    pub async fn sign_out_everywhere(&self, signed_in: &SignedIn) -> Result<u64, Error> {
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.config.config.console.idle_minutes));
        self.store
            .end_sessions_of(
                &signed_in.member.email,
                &rfc3339(now),
                &rfc3339(now - idle),
                &signed_in.member.actor(),
            )
            .await
    }

    /// "Email me a sign-in link": when `email` belongs to a current member of staff, a
    /// one-time link (`/console/sign-in/link/{token}`, `SIGN_IN_LINK_MINUTES` minutes) is
    /// mailed to it, at most `SIGN_IN_LINKS_PER_WINDOW` per window. The caller learns nothing
    /// either way; refusals are audited.
    pub async fn request_sign_in_link(&self, email: &str) -> Result<(), Error> {
        let Some(notifier) = self.notifier.clone() else {
            return Err(Error::SignIn {
                refusal: crate::SignInRefusal::NoEmail,
                message: "sign-in links need email: configure [smtp]".into(),
            });
        };
        let base = self.console_base()?;
        let Ok(email) = normal_email(email) else {
            return Ok(());
        };
        let now = self.now();
        let actor = Actor("console:sign-in".into());
        if self.current_member(&email).await?.is_none() {
            return self
                .store
                .record_event(
                    "sign_in.link_refused",
                    Some(&email),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let since = rfc3339(now - Duration::minutes(SIGN_IN_LINK_MINUTES));
        if self.store.count_sign_in_links(&email, &since).await? >= SIGN_IN_LINKS_PER_WINDOW {
            return self
                .store
                .record_event(
                    "sign_in.link_throttled",
                    Some(&email),
                    None,
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let token = random_secret();
        self.store
            .insert_sign_in_link(
                &hash_secret(&token),
                &email,
                &rfc3339(now),
                &rfc3339(now + Duration::minutes(SIGN_IN_LINK_MINUTES)),
            )
            .await?;
        let link = format!("{base}/console/sign-in/link/{token}");
        notifier.send_sign_in_link(
            &email,
            &self.settings().name,
            &link,
            self.store.clone(),
            self.clock.clone(),
        );
        self.store
            .record_event(
                "sign_in.link_mailed",
                Some(&email),
                None,
                &rfc3339(now),
                &actor,
            )
            .await
    }

    /// Signs in with a mailed link (used up here): the new session's cookie secret.
    /// `sign_in_link_invalid` when the link is unknown, used or expired, or its person is no
    /// longer staff.
    pub async fn sign_in_with_link(&self, token: &str) -> Result<String, Error> {
        let invalid = || Error::SignIn {
            refusal: crate::SignInRefusal::LinkInvalid,
            message: "this sign-in link is used, expired or unknown; ask for a new one".into(),
        };
        let email = self
            .store
            .use_sign_in_link(&hash_secret(token), &rfc3339(self.now()))
            .await?
            .ok_or_else(invalid)?;
        let member = self.current_member(&email).await?.ok_or_else(invalid)?;
        self.start_session(&member, "link").await
    }

    /// The console's public base (`issuer.url`), which links and the OpenID redirect use.
    pub(crate) fn console_base(&self) -> Result<String, Error> {
        self.config
            .config
            .issuer
            .url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .ok_or_else(|| Error::input("issuer.url", "the console needs issuer.url"))
    }
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
