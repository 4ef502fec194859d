//! The verification pipeline: structure → JSON-LD → proof → validity → status → endorsements.
//!
//! Sans-I/O: documents come through the caller's [`Resolver`], `now` through [`VerifyOptions`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

mod structure;

use crate::canon::CanonError;
use crate::document::{
    date_fields, date_fields_of, fmt_date, proofs_of, read_date, types_of, window, VcVersion,
    Window,
};
use crate::ed25519::{settle, Deferred};
use crate::error::Error;
use crate::input::parse_json_object;
use crate::jwt::{self, Envelope};
use crate::options::VerifyOptions;
use crate::proof::{verify_proof_as, Expected};
use crate::report::{Checks, Report, Verdict};
use crate::resolver::Resolver;
use crate::status::check_status;
use crate::trust::{IssuerIdentity, TrustPolicy, TrustReport, TrustStatus};
use structure::{check_context, check_required, check_subject, check_type, is_ob_context};

/// Embedded endorsements are verified to this depth (an endorsement's own endorsements…).
const MAX_ENDORSEMENT_DEPTH: usize = 2;

/// Verifies a credential given as bytes. `Err` only when the input cannot be read at all.
pub async fn verify(
    input: &[u8],
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Result<Report, Error> {
    // OB 3.0 §5.3: a baked PNG or SVG carries the credential JSON or its compact JWS.
    if crate::baked::ImageFormat::sniff(input).is_some() {
        let baked = crate::baked::extract(input, &options.limits)?;
        if crate::baked::ImageFormat::sniff(baked.as_bytes()).is_some() {
            return Err(Error::UnsupportedFormat("an image baked inside an image"));
        }
        return Box::pin(verify(baked.as_bytes(), options, resolver)).await;
    }
    let trimmed = input.trim_ascii_start();
    if input.len() > options.limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            size: input.len(),
            limit: options.limits.max_input_bytes,
        });
    }
    // OB 3.0 §8.2: a credential may travel as a compact JWS (VC-JWT).
    if let Ok(text) = std::str::from_utf8(trimmed) {
        let text = text.trim_end();
        if jwt::looks_like_compact_jws(text) {
            let envelope = jwt::decode(text, &options.limits)?;
            let kind = kind_of(&envelope.credential);
            return Ok(verify_document(
                &envelope.credential,
                kind,
                0,
                options,
                resolver,
                Some(&envelope),
            )
            .await);
        }
    }
    let doc = parse_json_object(input, &options.limits)?;
    Ok(verify_credential(&doc, options, resolver).await)
}

/// Verifies several credentials given as bytes, as [`verify`] would one by one, with their
/// Ed25519 signatures checked together in one batch equation. The reports are those [`verify`]
/// gives: when the batch fails, each signature is checked alone and the credentials with a
/// failing one are verified again with every signature checked when met.
pub async fn verify_batch(
    inputs: &[&[u8]],
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Vec<Result<Report, Error>> {
    let ledgers: Vec<Arc<Deferred>> = inputs.iter().map(|_| Arc::default()).collect();
    let mut reports = Vec::with_capacity(inputs.len());
    for (input, ledger) in inputs.iter().zip(&ledgers) {
        let deferring = options.deferring_to(ledger.clone());
        reports.push(verify(input, &deferring, resolver).await);
    }
    let units: Vec<&Deferred> = ledgers.iter().map(Arc::as_ref).collect();
    for (i, held) in settle(&units).into_iter().enumerate() {
        if !held {
            reports[i] = verify(inputs[i], options, resolver).await;
        }
    }
    reports
}

fn kind_of(doc: &Map<String, Value>) -> Kind {
    let types = types_of(doc.get("type"));
    let open_badge =
        types.contains(&"OpenBadgeCredential") || types.contains(&"AchievementCredential");
    let ob_context = match doc.get("@context") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(is_ob_context),
        _ => false,
    };
    if types.contains(&"EndorsementCredential") && !open_badge {
        Kind::Endorsement
    } else if open_badge || ob_context {
        Kind::Credential
    } else {
        // Neither an Open Badge type nor its context: judged by the VC data model alone.
        Kind::Generic
    }
}

/// Verifies a parsed credential document: an OpenBadgeCredential, a stand-alone
/// EndorsementCredential (OB 3.0 §14), or any other W3C Verifiable Credential (judged by the VC
/// data model's rules alone; the report says it is not an Open Badge).
pub async fn verify_credential(
    doc: &Map<String, Value>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Report {
    verify_document(doc, kind_of(doc), 0, options, resolver, None).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Credential,
    Endorsement,
    /// A W3C Verifiable Credential that is not an Open Badge (e.g. from the VC-API test suites).
    Generic,
}

type ReportFuture<'a> = Pin<Box<dyn Future<Output = Report> + Send + 'a>>;

/// The pipeline, one stage after another; every stage records its checks, and a failure never
/// stops the stages after it (the report lists everything).
fn verify_document<'a>(
    doc: &'a Map<String, Value>,
    kind: Kind,
    depth: usize,
    options: &'a VerifyOptions,
    resolver: &'a dyn Resolver,
    envelope: Option<&'a Envelope>,
) -> ReportFuture<'a> {
    Box::pin(async move {
        let mut checks = Checks::default();
        let vc_version = check_context(doc, kind, &mut checks);
        check_type(doc, kind, &mut checks);
        let issuer_id = check_required(doc, kind, vc_version, &mut checks);
        check_subject(doc, kind, &mut checks);
        let canonical = check_json_ld(doc, options, &mut checks);
        let proof_forms = check_signatures(
            doc,
            canonical.as_deref(),
            issuer_id.as_deref(),
            options,
            resolver,
            envelope,
            &mut checks,
        )
        .await;
        let exp = envelope.and_then(Envelope::exp);
        check_validity(doc, vc_version, exp, options, &mut checks);
        check_status(doc, issuer_id.as_deref(), options, resolver, &mut checks).await;
        let endorsements = check_endorsements(doc, depth, options, resolver, &mut checks).await;
        let trust = (depth == 0 && kind == Kind::Credential)
            .then(|| check_trust(doc, issuer_id.as_deref(), options, &mut checks))
            .flatten();
        let verdict = checks.verdict(&endorsements);
        let issuer_identity = IssuerIdentity::of(issuer_id.as_deref(), trust.as_ref());
        Report {
            verdict,
            proof_forms,
            checks: checks.into_vec(),
            endorsements,
            trust,
            issuer_identity,
            ..describe(doc, issuer_id, options)
        }
    })
}

/// VC-DI 1.0 §4.2 step 1 (via the canonicaliser): the document without its proof as canonical
/// N-Quads, or None when it is not valid JSON-LD (the proofs then cannot be checked).
fn check_json_ld(
    doc: &Map<String, Value>,
    options: &VerifyOptions,
    checks: &mut Checks,
) -> Option<String> {
    match options.canonicalizer.canonicalize_unsecured(doc) {
        Ok(c) => {
            checks.pass(
                "json_ld",
                "json_ld_valid",
                "every context is known and every term is defined",
            );
            Some(c)
        }
        // Stopped by its caller: nothing was found wrong, the check was not made.
        Err(e @ CanonError::Interrupted) => {
            checks.error("json_ld", e.code(), e.to_string());
            None
        }
        Err(e) => {
            checks.fail("json_ld", e.code(), e.to_string());
            None
        }
    }
}

/// The embedded proofs and, for a VC-JWT, the token's own signature; the forms that verified.
async fn check_signatures(
    doc: &Map<String, Value>,
    canonical: Option<&str>,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    envelope: Option<&Envelope>,
    checks: &mut Checks,
) -> Vec<String> {
    let proofs = proofs_of(doc);
    let mut proof_forms = Vec::new();
    check_proofs(
        &proofs,
        canonical,
        doc,
        issuer_id,
        options,
        resolver,
        envelope.is_some(),
        checks,
        &mut proof_forms,
    )
    .await;
    if let Some(env) = envelope {
        if let Some(form) = env
            .verify(issuer_id, resolver, options.checking(), checks)
            .await
        {
            proof_forms.push(form);
        }
    }
    proof_forms
}

/// OB 3.0 §13 step 6: every embedded endorsement verified as a credential of its own (to
/// [`MAX_ENDORSEMENT_DEPTH`]); their reports.
async fn check_endorsements(
    doc: &Map<String, Value>,
    depth: usize,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    checks: &mut Checks,
) -> Vec<Report> {
    const CHECK: &str = "endorsements";
    let endorsements = collect_endorsements(doc);
    if endorsements.is_empty() {
        checks.skip(
            CHECK,
            "no_endorsements",
            "there are no embedded endorsements",
        );
        return Vec::new();
    }
    if depth >= MAX_ENDORSEMENT_DEPTH {
        checks.skip(
            CHECK,
            "endorsements_too_deep",
            "endorsements nested this deep are not verified",
        );
        return Vec::new();
    }
    let mut reports = Vec::new();
    for e in &endorsements {
        reports
            .push(verify_document(e, Kind::Endorsement, depth + 1, options, resolver, None).await);
    }
    let total = endorsements.len();
    let bad = reports
        .iter()
        .filter(|r| r.verdict != Verdict::Valid)
        .count();
    if bad == 0 {
        checks.pass(
            CHECK,
            "endorsements_valid",
            format!("{total} embedded endorsement(s) verified"),
        );
    } else if reports.iter().any(|r| r.verdict == Verdict::Invalid) {
        checks.fail(
            CHECK,
            "endorsement_invalid",
            format!("{bad} of {total} embedded endorsement(s) did not verify"),
        );
    } else {
        checks.error(
            CHECK,
            "endorsement_indeterminate",
            format!("{bad} of {total} embedded endorsement(s) could not be checked"),
        );
    }
    reports
}

/// The district's own policy, after every cryptographic check, when it has registries.
fn check_trust(
    doc: &Map<String, Value>,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    checks: &mut Checks,
) -> Option<TrustReport> {
    if options.registries.is_empty() {
        return None;
    }
    let t = crate::trust::evaluate(&options.registries, doc, issuer_id, options.now);
    match (t.status, options.trust_policy) {
        (TrustStatus::Recognized, _) => checks.pass("trust", t.status.code(), &t.message),
        (_, TrustPolicy::Strict) => checks.fail("trust", t.status.code(), &t.message),
        (_, TrustPolicy::Standard) => checks.skip("trust", t.status.code(), &t.message),
    }
    Some(t)
}

/// What the report says about the credential itself (ids, names, stated dates, when checked);
/// the outcome fields empty.
/// OB 3.0 §B.1.6: the credential's `evidence` entries (one object or many), as stated.
fn evidence_of(doc: &Map<String, Value>) -> Vec<crate::report::EvidenceSummary> {
    let entries: Vec<&Value> = match doc.get("evidence") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let text = |e: &Value, key: &str| e.get(key).and_then(Value::as_str).map(str::to_owned);
    entries
        .into_iter()
        .filter(|e| e.is_object())
        .map(|e| crate::report::EvidenceSummary {
            url: text(e, "id").filter(|id| id.starts_with("https://") || id.starts_with("http://")),
            name: text(e, "name"),
            narrative: text(e, "narrative"),
        })
        .collect()
}

fn describe(
    doc: &Map<String, Value>,
    issuer_id: Option<String>,
    options: &VerifyOptions,
) -> Report {
    let (from_field, until_field) = date_fields_of(doc);
    let stated = |field: &str| doc.get(field).and_then(Value::as_str).map(str::to_owned);
    let name_at = |path: &[&str]| {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(doc.get(*first)?, |v, key| v.get(key))?
            .as_str()
            .map(str::to_owned)
    };
    Report {
        verdict: Verdict::Indeterminate,
        credential_id: stated("id"),
        issuer_id,
        issuer_name: name_at(&["issuer", "name"]),
        achievement_name: name_at(&["credentialSubject", "achievement", "name"]),
        achievement_description: name_at(&["credentialSubject", "achievement", "description"]),
        achievement_image: name_at(&["credentialSubject", "achievement", "image", "id"])
            .or_else(|| name_at(&["credentialSubject", "achievement", "image"])),
        issuer_url: name_at(&["issuer", "url"]),
        issuer_email: name_at(&["issuer", "email"]),
        criteria: name_at(&["credentialSubject", "achievement", "criteria", "narrative"]),
        credits: [
            &["creditsEarned"][..],
            &["achievement", "creditsAvailable"][..],
        ]
        .iter()
        .find_map(|path| {
            path.iter()
                .try_fold(doc.get("credentialSubject")?, |v, key| v.get(key))?
                .as_f64()
        }),
        evidence: evidence_of(doc),
        recipient_name: crate::identity::recipient_name(doc).map(str::to_owned),
        valid_from: stated(from_field),
        valid_until: stated(until_field),
        proof_forms: Vec::new(),
        checked_at: options
            .now
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        checks: Vec::new(),
        endorsements: Vec::new(),
        trust: None,
        issuer_identity: IssuerIdentity::Unconfirmed,
    }
}

#[allow(clippy::too_many_arguments)]
async fn check_proofs(
    proofs: &[&Value],
    canonical: Option<&str>,
    secured: &Map<String, Value>,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    has_envelope: bool,
    checks: &mut Checks,
    forms: &mut Vec<String>,
) {
    const CHECK: &str = "proof";
    // OB 3.0 §8: at least one proof mechanism must be present; a VC-JWT envelope is one.
    if proofs.is_empty() {
        if has_envelope {
            checks.skip(
                CHECK,
                "no_embedded_proof",
                "there is no embedded proof; the JWS is the proof",
            );
        } else {
            checks.fail(CHECK, "no_proof", "the credential carries no proof");
        }
        return;
    }
    let (Some(canonical), Some(issuer_id)) = (canonical, issuer_id) else {
        // A verification stopped by its caller left the proof unchecked, not the document
        // malformed.
        if checks.has("verification_interrupted") {
            checks.error(
                CHECK,
                "proof_not_checked",
                "the proof was not checked: the verification was stopped before it got there",
            );
            return;
        }
        checks.fail(
            CHECK,
            "proof_not_checkable",
            "the proof cannot be checked because the document is not well formed",
        );
        return;
    };
    // VC-DATA-INTEGRITY §4.3–4.4: every proof of a set is verified, each link of a chain over
    // the document with the proofs it names. The credential is the issuer's when at least one
    // assertion proof is by the issuer's key; a valid proof by anyone else (an endorser, a
    // witness) is reported with its signer and decides nothing.
    let many = proofs.len() > 1;
    let mut by_issuer = false;
    let mut all_verified = true;
    for (i, proof) in proofs.iter().copied().enumerate() {
        let label = if many {
            format!("proof {}: ", i + 1)
        } else {
            String::new()
        };
        let Value::Object(proof) = proof else {
            all_verified = false;
            checks.fail(
                CHECK,
                "malformed_proof",
                format!("{label}the proof is not an object"),
            );
            continue;
        };
        let expect = Expected {
            purpose: crate::proof::ASSERTION_METHOD,
            controller: Some(issuer_id),
            others_allowed: true,
        };
        let result = verify_proof_as(
            options.canonicalizer.as_ref(),
            canonical,
            secured,
            proof,
            expect,
            resolver,
            options.checking(),
        )
        .await;
        match result {
            Ok(v) if v.by_expected => {
                by_issuer = true;
                forms.push(v.suite.label().to_owned());
                checks.pass(
                    CHECK,
                    "signature_valid",
                    format!(
                        "{label}{} signature by the issuer's key is valid",
                        v.suite.label()
                    ),
                );
            }
            Ok(v) => {
                forms.push(v.suite.label().to_owned());
                checks.pass(
                    CHECK,
                    "signature_valid_other_party",
                    format!(
                        "{label}{} signature by {}, another party than the issuer, is valid",
                        v.suite.label(),
                        v.signer
                    ),
                );
            }
            Err(f) if f.is_unresolved() => {
                all_verified = false;
                checks.error_because(
                    CHECK,
                    f.code(),
                    f.reason(),
                    format!("{label}{}", f.message()),
                )
            }
            Err(f) => {
                all_verified = false;
                checks.fail(CHECK, f.code(), format!("{label}{}", f.message()))
            }
        }
    }
    // OB 3.0 §10: a credential no proof of which is by its issuer is not the issuer's. (When a
    // proof could not be checked or failed, that already decides the verdict.)
    if all_verified && !by_issuer {
        checks.fail(
            CHECK,
            "key_not_issuers",
            format!("no proof is signed by a key of the issuer {issuer_id}"),
        );
    }
}

/// OB 3.0 §13 step 4: not yet valid if now < validFrom, expired if now > validUntil
/// (VC 1.1: issuanceDate / expirationDate), with the configured clock skew.
fn check_validity(
    doc: &Map<String, Value>,
    version: Option<VcVersion>,
    jwt_exp: Option<DateTime<Utc>>,
    options: &VerifyOptions,
    checks: &mut Checks,
) {
    const CHECK: &str = "validity_window";
    let (from_name, until_name) = date_fields(version);
    let (from, until) = match (read_date(doc, from_name), read_date(doc, until_name)) {
        // OB 3.0 §8.2.4: a JWT's exp sets validUntil.
        (Ok(f), Ok(u)) => (f, u.or(jwt_exp)),
        (Err(e), _) | (_, Err(e)) => {
            checks.fail(CHECK, "invalid_date", e);
            return;
        }
    };
    // VC DM 2.0 §4.9: validUntil must not come before validFrom.
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            return checks.fail(
                CHECK,
                "invalid_validity_period",
                format!(
                    "{until_name} {} is before {from_name} {}",
                    fmt_date(u),
                    fmt_date(f)
                ),
            );
        }
    }
    match window(from, until, options) {
        Window::NotYetValid(from) => {
            return checks.fail(
                CHECK,
                "not_yet_valid",
                format!("the credential is not valid before {}", fmt_date(from)),
            )
        }
        Window::Expired(until) => {
            return checks.fail(
                CHECK,
                "expired",
                format!("the credential expired on {}", fmt_date(until)),
            )
        }
        Window::Within => {}
    }
    let message = match until {
        Some(u) => format!("the credential is valid until {}", fmt_date(u)),
        None => "the credential is valid and does not expire".to_owned(),
    };
    checks.pass(CHECK, "within_validity", message);
}

/// OB 3.0 §13 step 6: embedded EndorsementCredentials on the credential, its issuer and its
/// achievement.
fn collect_endorsements(doc: &Map<String, Value>) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let mut add = |v: Option<&Value>| match v {
        Some(Value::Array(a)) => out.extend(a.iter().filter_map(|e| e.as_object().cloned())),
        Some(Value::Object(o)) => out.push(o.clone()),
        _ => {}
    };
    add(doc.get("endorsement"));
    add(doc.get("issuer").and_then(|i| i.get("endorsement")));
    add(doc
        .get("credentialSubject")
        .and_then(|s| s.get("achievement"))
        .and_then(|a| a.get("endorsement")));
    out
}

#[cfg(test)]
mod tests {
    use super::is_ob_context;

    #[test]
    fn ob_context_pattern_matches_the_schema_regex() {
        for ok in [
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        ] {
            assert!(is_ob_context(ok), "{ok}");
        }
        for bad in [
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
            "http://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.jsonx",
        ] {
            assert!(!is_ob_context(bad), "{bad}");
        }
    }
}
