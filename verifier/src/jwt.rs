//! VC-JWT as Open Badges 3.0 §8.2 defines it: compact JWS whose payload is the credential plus
//! `iss`, `jti`, `nbf`, `sub` and `exp`; RS256 and EdDSA.
//!
//! Decoding refuses what cannot be read (bad base64url, non-JSON, a payload that is not an
//! object); header policy and claim checks become checks in the report.

use base64::Engine;
use chrono::{DateTime, Utc};
use josekit::jws::JwsVerifier;
use serde_json::{Map, Value};

use crate::ed25519::Checking;
use crate::error::Error;
use crate::input::{parse_json_object, Limits};
use crate::keys::{
    confirm_embedded_key, could_belong_to, key_from_jwk, resolve_key, Binding, KeyError, PublicKey,
};
use crate::report::Checks;
use crate::resolver::Resolver;

/// Largest decoded JOSE header accepted.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// OB 3.0 §8.2.1: the only header parameters allowed.
const ALLOWED_HEADER: &[&str] = &["alg", "kid", "jwk", "typ"];
/// RFC 7519 registered claims that OB 3.0 maps onto credential properties.
const JWT_CLAIMS: &[&str] = &["iss", "jti", "nbf", "sub", "exp", "iat", "aud"];

/// The signature algorithms Cairn verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Rs256,
    EdDsa,
}

impl Alg {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::EdDsa => "EdDSA",
        }
    }
}

/// Three dot-separated parts of printable ASCII: a compact JWS, or an attempt at one. OB 3.0 §8.2
/// CompactJws is `^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$`; recognising more lets a
/// malformed token be refused as such (`invalid_base64url`) and an unsigned one as `alg_none`.
pub fn looks_like_compact_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'{' | b'[' | b'"'))
        })
}

/// A decoded compact JWS carrying a credential.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
    /// The credential: the payload without JWT claims, or the VC 1.1 `vc` claim.
    pub(crate) credential: Map<String, Value>,
    /// The VC 1.1-era form (`vc` claim) was used.
    legacy_vc_claim: bool,
}

fn b64(part: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Error::InvalidBase64url(part))
}

/// Decodes a compact JWS (RFC 7515 §7.1) within `limits`.
pub(crate) fn decode(text: &str, limits: &Limits) -> Result<Envelope, Error> {
    if text.len() > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            size: text.len(),
            limit: limits.max_input_bytes,
        });
    }
    let mut parts = text.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::UnsupportedFormat(
            "a JWS that is not in compact form",
        ));
    };
    let header_bytes = b64("header", h)?;
    if header_bytes.len() > MAX_HEADER_BYTES {
        return Err(Error::InvalidJws("the JOSE header is too large"));
    }
    // A repeated header parameter (two `alg`s) is refused, not read one way and checked another.
    let header = parse_json_object(&header_bytes, limits).map_err(|e| match e {
        Error::DuplicateKey(name) => Error::DuplicateKey(name),
        _ => Error::InvalidJws("the JOSE header is not a JSON object"),
    })?;
    let payload_bytes = b64("payload", p)?;
    let mut claims = parse_json_object(&payload_bytes, limits).map_err(|e| match e {
        Error::NotAnObject(_) | Error::InvalidJson(_) | Error::EmptyInput => {
            Error::InvalidJws("the payload is not a JSON object")
        }
        other => other,
    })?;
    let signature = b64("signature", s)?;

    // OB 3.0 §8.2.3 / VC-JWT 1.1: a `vc` claim holds the credential; otherwise the payload is it.
    let (mut credential, legacy) = match claims.remove("vc") {
        Some(Value::Object(vc)) => (vc, true),
        Some(_) => return Err(Error::InvalidJws("the vc claim is not a JSON object")),
        None => {
            let mut c = claims.clone();
            for name in JWT_CLAIMS {
                c.remove(*name);
            }
            claims.retain(|k, _| JWT_CLAIMS.contains(&k.as_str()));
            (c, false)
        }
    };
    // VC-DATA-MODEL 1.1 §6.3.1 maps the registered claims into a VC 1.1 credential. A VC 2.0
    // credential in a `vc` claim is not mapped: it carries validFrom/validUntil itself, and the
    // claims are checked against them (OB 3.0 §8.2.4), as for a payload credential.
    if legacy && is_vc11(&credential) {
        fill_from_claims(&mut credential, &claims);
    }
    Ok(Envelope {
        header,
        claims,
        signing_input: format!("{h}.{p}"),
        signature,
        credential,
        legacy_vc_claim: legacy,
    })
}

/// A VC 1.1 credential: its first context is the VC 1.1 base context (VC-DATA-MODEL 1.1 §4.1).
fn is_vc11(credential: &Map<String, Value>) -> bool {
    let first = match credential.get("@context") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    first.and_then(Value::as_str) == Some(crate::contexts::VC_V1)
}

/// VC Data Model 1.1 §6.3.1 (JWT decoding): properties the `vc` claim leaves out come from the
/// registered claims.
fn fill_from_claims(vc: &mut Map<String, Value>, claims: &Map<String, Value>) {
    let date = |v: &Value| {
        v.as_i64()
            .and_then(|n| DateTime::<Utc>::from_timestamp(n, 0))
            .map(rfc3339)
    };
    if let Some(jti) = claims.get("jti") {
        vc.entry("id").or_insert_with(|| jti.clone());
    }
    if let Some(iss) = claims.get("iss") {
        vc.entry("issuer").or_insert_with(|| iss.clone());
    }
    if let Some(nbf) = claims.get("nbf").and_then(date) {
        vc.entry("issuanceDate").or_insert(Value::String(nbf));
    }
    if let Some(exp) = claims.get("exp").and_then(date) {
        vc.entry("expirationDate").or_insert(Value::String(exp));
    }
    if let (Some(sub), Some(Value::Object(subject))) =
        (claims.get("sub"), vc.get_mut("credentialSubject"))
    {
        subject.entry("id").or_insert_with(|| sub.clone());
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Envelope {
    /// The `exp` claim as a date, which sets validUntil when the credential has none.
    pub(crate) fn exp(&self) -> Option<DateTime<Utc>> {
        self.claims
            .get("exp")
            .and_then(Value::as_i64)
            .and_then(|n| DateTime::from_timestamp(n, 0))
    }

    /// OB 3.0 §8.2.1 header rules. Returns the algorithm when the header is acceptable.
    fn check_header(&self, checks: &mut Checks) -> Option<Alg> {
        const CHECK: &str = "jwt_header";
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or("");
        // RFC 7518 §3.6 / RFC 8725 §3.1: unsecured JWS is never accepted.
        if alg.eq_ignore_ascii_case("none") || alg.is_empty() {
            checks.fail(CHECK, "alg_none", "the token is unsigned (alg none)");
            return None;
        }
        // RFC 8725 §3.2: an HMAC alg would turn a public key into a shared secret.
        if alg.starts_with("HS") {
            checks.fail(
                CHECK,
                "alg_hmac",
                format!(
                    "{alg} (HMAC) is refused: a public key must never be used as an HMAC secret"
                ),
            );
            return None;
        }
        let alg = match alg {
            "RS256" => Alg::Rs256,
            "EdDSA" => Alg::EdDsa,
            other => {
                checks.fail(
                    CHECK,
                    "unsupported_alg",
                    format!("the algorithm {other:?} is not supported (RS256 and EdDSA are)"),
                );
                return None;
            }
        };
        let extra: Vec<&str> = self
            .header
            .keys()
            .map(String::as_str)
            .filter(|k| !ALLOWED_HEADER.contains(k))
            .collect();
        if !extra.is_empty() {
            checks.fail(
                CHECK,
                "jws_header_field",
                format!(
                    "header parameters other than alg, kid, jwk and typ are not allowed: {}",
                    extra.join(", ")
                ),
            );
            return None;
        }
        match self.header.get("typ") {
            None => {}
            Some(Value::String(t)) if t == "JWT" => {}
            Some(t) => {
                checks.fail(CHECK, "jws_typ", format!("typ must be \"JWT\", not {t}"));
                return None;
            }
        }
        if let Some(Value::Object(jwk)) = self.header.get("jwk") {
            if ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
                .iter()
                .any(|m| jwk.contains_key(*m))
            {
                checks.fail(
                    CHECK,
                    "jwk_private_key",
                    "the jwk header holds private key material",
                );
                return None;
            }
        }
        if !self.header.contains_key("kid") && !self.header.contains_key("jwk") {
            checks.fail(CHECK, "jws_no_key", "the header names no key (kid or jwk)");
            return None;
        }
        checks.pass(
            CHECK,
            "jwt_header_valid",
            format!("the header is allowed ({})", alg.name()),
        );
        Some(alg)
    }

    /// Verifies the token's signature and key, adding the header, proof and claims checks.
    /// Returns the proof form checked when the signature is valid.
    pub(crate) async fn verify(
        &self,
        issuer_id: Option<&str>,
        resolver: &dyn Resolver,
        checking: Checking<'_>,
        checks: &mut Checks,
    ) -> Option<String> {
        let form = self
            .check_header(checks)
            .and_then(|alg| Some((alg, issuer_id?)));
        let verified = match form {
            Some((alg, issuer)) => {
                match self.check_signature(alg, issuer, resolver, checking).await {
                    Ok(()) => {
                        let form = format!("VC-JWT/{}", alg.name());
                        checks.pass(
                            "proof",
                            "signature_valid",
                            format!("{form} signature by the issuer's key is valid"),
                        );
                        Some(form)
                    }
                    Err(JwtFailure::Key(e @ KeyError::Unresolved(_))) => {
                        checks.error_because("proof", e.code(), e.reason(), e.message());
                        None
                    }
                    Err(f) => {
                        checks.fail("proof", f.code(), f.message());
                        None
                    }
                }
            }
            None => {
                checks.fail(
                    "proof",
                    "proof_not_checkable",
                    "the token's signature cannot be checked (see the header and issuer checks)",
                );
                None
            }
        };
        self.check_claims(checks);
        verified
    }

    async fn check_signature(
        &self,
        alg: Alg,
        issuer_id: &str,
        resolver: &dyn Resolver,
        checking: Checking<'_>,
    ) -> Result<(), JwtFailure> {
        let (key, binding) = match (self.header.get("kid"), self.header.get("jwk")) {
            (Some(Value::String(kid)), _) => {
                // OB 3.0 §8.2.4: a kid that cannot be the issuer's is refused before any fetch.
                could_belong_to(kid, issuer_id)
                    .map_err(|named| JwtFailure::NotIssuers(named, issuer_id.to_owned()))?;
                let r = resolve_key(kid, "assertionMethod", resolver)
                    .await
                    .map_err(JwtFailure::Key)?;
                (r.key, r.binding)
            }
            (_, Some(Value::Object(jwk))) => {
                let key = key_from_jwk(jwk, "the jwk header").map_err(JwtFailure::Key)?;
                let binding = confirm_embedded_key(&key, issuer_id, resolver)
                    .await
                    .map_err(JwtFailure::Key)?;
                (key, binding)
            }
            _ => {
                return Err(JwtFailure::Key(KeyError::Invalid(
                    "kid must be a string URL".into(),
                )))
            }
        };
        // OB 3.0 §8.2.4: the key must belong to the issuer.
        if !binding.belongs_to(issuer_id) {
            return Err(JwtFailure::NotIssuers(binding, issuer_id.to_owned()));
        }
        check_signature_with(
            alg,
            &key,
            self.signing_input.as_bytes(),
            &self.signature,
            checking,
        )
    }

    /// OB 3.0 §8.2.4 (#jwt-verify-credential): the claims must agree with the credential.
    fn check_claims(&self, checks: &mut Checks) {
        const CHECK: &str = "jwt_claims";
        let c = &self.credential;
        let issuer_id = match c.get("issuer") {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(Value::Object(p)) => p.get("id").and_then(Value::as_str),
            _ => None,
        };
        let subject_id = c
            .get("credentialSubject")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str);
        let valid_from = c
            .get("validFrom")
            .or_else(|| c.get("issuanceDate"))
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.timestamp());
        let valid_until = c
            .get("validUntil")
            .or_else(|| c.get("expirationDate"))
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.timestamp());
        let claim_str = |n: &str| self.claims.get(n).and_then(Value::as_str);
        let claim_num = |n: &str| self.claims.get(n).and_then(Value::as_i64);
        let mut problems: Vec<(&str, String)> = Vec::new();
        let mut compare = |name: &str,
                           claim: Option<&str>,
                           want: Option<&str>,
                           code: &'static str| match (claim, want) {
            (Some(a), Some(b)) if a == b => {}
            (None, _) => {
                problems.push(("jwt_claim_missing", format!("the {name} claim is missing")))
            }
            (Some(a), b) => problems.push((
                code,
                format!(
                    "{name} is {a:?} but the credential says {:?}",
                    b.unwrap_or("nothing")
                ),
            )),
        };
        compare("iss", claim_str("iss"), issuer_id, "jwt_iss_mismatch");
        compare(
            "jti",
            claim_str("jti"),
            c.get("id").and_then(Value::as_str),
            "jwt_jti_mismatch",
        );
        compare("sub", claim_str("sub"), subject_id, "jwt_sub_mismatch");
        match (claim_num("nbf"), valid_from) {
            (Some(a), Some(b)) if a == b => {}
            (None, _) => problems.push((
                "jwt_claim_missing",
                "the nbf claim is missing or not a number".into(),
            )),
            (Some(_), _) => {
                problems.push(("jwt_nbf_mismatch", "nbf does not equal validFrom".into()))
            }
        }
        match (claim_num("exp"), self.claims.get("exp"), valid_until) {
            (_, None, _) => {}
            (Some(a), _, Some(b)) if a == b => {}
            (Some(_), _, None) => {}
            (None, Some(_), _) => problems.push(("jwt_exp_mismatch", "exp is not a number".into())),
            (Some(_), _, Some(_)) => {
                problems.push(("jwt_exp_mismatch", "exp does not equal validUntil".into()))
            }
        }
        if problems.is_empty() {
            let form = if self.legacy_vc_claim {
                " (VC 1.1 vc claim)"
            } else {
                ""
            };
            checks.pass(
                CHECK,
                "jwt_claims_valid",
                format!("iss, jti, sub, nbf and exp agree with the credential{form}"),
            );
        }
        for (code, message) in problems {
            checks.fail(CHECK, code, message);
        }
    }
}

/// RFC 7515 §5.2 step 8: the signature over `message` by `key`, for `alg`.
fn check_signature_with(
    alg: Alg,
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
    checking: Checking<'_>,
) -> Result<(), JwtFailure> {
    match (alg, key) {
        (Alg::EdDsa, PublicKey::Ed25519(k)) => {
            let sig: [u8; 64] = signature.try_into().map_err(|_| JwtFailure::BadSignature)?;
            // Cairn's one Ed25519 rule (crate::ed25519), as for Data Integrity proofs.
            if checking.accepts(k, message, &sig) {
                Ok(())
            } else {
                Err(JwtFailure::BadSignature)
            }
        }
        (Alg::Rs256, PublicKey::Rsa(jwk)) => {
            let verifier = josekit::jws::RS256.verifier_from_jwk(jwk).map_err(|e| {
                JwtFailure::Key(KeyError::Invalid(format!("the RSA key is unusable: {e}")))
            })?;
            verifier
                .verify(message, signature)
                .map_err(|_| JwtFailure::BadSignature)
        }
        (alg, key) => Err(JwtFailure::AlgKeyMismatch(alg, key.kind())),
    }
}

/// Checks only a compact JWS's signature against a public JWK (header rules included, issuer
/// binding and claims not): the signature step of the pipeline, for benchmarks and fuzzing.
#[doc(hidden)]
pub fn verify_jws_signature(token: &str, public_jwk: &Map<String, Value>) -> Result<(), String> {
    let env = decode(token, &Limits::default()).map_err(|e| e.to_string())?;
    let mut checks = Checks::default();
    let alg = env
        .check_header(&mut checks)
        .ok_or("the header is not acceptable")?;
    let key = key_from_jwk(public_jwk, "the key").map_err(|e| e.message())?;
    check_signature_with(
        alg,
        &key,
        env.signing_input.as_bytes(),
        &env.signature,
        Checking::Now,
    )
    .map_err(|e| e.message())
}

#[derive(Debug)]
enum JwtFailure {
    Key(KeyError),
    NotIssuers(Binding, String),
    AlgKeyMismatch(Alg, &'static str),
    BadSignature,
}

impl JwtFailure {
    fn code(&self) -> &'static str {
        match self {
            JwtFailure::Key(e) => e.code(),
            JwtFailure::NotIssuers(..) => "key_not_issuers",
            JwtFailure::AlgKeyMismatch(..) => "alg_key_mismatch",
            JwtFailure::BadSignature => "bad_signature",
        }
    }

    fn message(&self) -> String {
        match self {
            JwtFailure::Key(e) => e.message(),
            JwtFailure::NotIssuers(b, issuer) => format!(
                "the signing key belongs to {}, not to the issuer {issuer}",
                b.describe()
            ),
            JwtFailure::AlgKeyMismatch(alg, kind) => {
                format!("the header says {} but the key is {kind}", alg.name())
            }
            JwtFailure::BadSignature => "the signature does not match the token".to_owned(),
        }
    }
}
