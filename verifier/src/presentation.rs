//! Verifiable Presentations (VC 2.0 §4.13, VC-API `POST /presentations/verify`): structure, the
//! holder's `authentication` proof bound to the verifier's challenge and domain, then every
//! embedded credential through the credential pipeline.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contexts::{VC_V1, VC_V2};
use crate::document::{proofs_of, types_of};
use crate::ed25519::{settle, Deferred};
use crate::options::VerifyOptions;
use crate::proof::{verify_proof_as, Expected, AUTHENTICATION};
use crate::report::{Check, Checks, Report, Verdict};
use crate::resolver::Resolver;
use crate::verify::verify_credential;

/// Most credentials one presentation may carry.
const MAX_CREDENTIALS: usize = 50;

/// The report for a presentation: its own checks and one report per embedded credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresentationReport {
    /// The presentation's verdict: its own proof and every credential's.
    pub verdict: Verdict,
    /// The holder the presentation names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The presentation's own checks.
    pub checks: Vec<Check>,
    /// One report per embedded credential.
    pub credentials: Vec<Report>,
}

/// What the verifier asked the holder to sign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresentationOptions {
    /// The challenge the holder's proof must carry.
    pub challenge: Option<String>,
    /// The domain the holder's proof must carry.
    pub domain: Option<String>,
}

/// Verifies a presentation: a proof, when present or when a challenge was asked for, must be an
/// `authentication` proof by the holder's key over the presentation, carrying the challenge and
/// domain; every embedded credential must verify.
///
/// The Ed25519 signatures of the presentation and of its credentials are checked together in
/// one batch equation; when it fails, the presentation is verified again with each signature
/// checked alone, so the report is the same either way.
pub async fn verify_presentation(
    vp: &Map<String, Value>,
    asked: &PresentationOptions,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> PresentationReport {
    let ledger = Arc::new(Deferred::default());
    let deferring = options.deferring_to(ledger.clone());
    let report = presentation_report(vp, asked, &deferring, resolver).await;
    if settle(&[&ledger]) == [true] {
        report
    } else {
        presentation_report(vp, asked, options, resolver).await
    }
}

async fn presentation_report(
    vp: &Map<String, Value>,
    asked: &PresentationOptions,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> PresentationReport {
    let mut checks = Checks::default();
    // VC 2.0 §4.3 and §4.13: the VC context first; type VerifiablePresentation.
    let first = match vp.get("@context") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    if first == Some(VC_V2) || first == Some(VC_V1) {
        checks.pass(
            "context",
            "context_valid",
            "the first @context is the VC context",
        );
    } else {
        checks.fail(
            "context",
            "missing_vc_context",
            "the first @context must be the W3C Verifiable Credentials context",
        );
    }
    if types_of(vp.get("type")).contains(&"VerifiablePresentation") {
        checks.pass("type", "type_valid", "type is VerifiablePresentation");
    } else {
        checks.fail(
            "type",
            "invalid_type",
            "type must contain VerifiablePresentation",
        );
    }
    let holder = match vp.get("holder") {
        Some(Value::String(h)) => Some(h.clone()),
        Some(Value::Object(h)) => h.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };

    let proofs = proofs_of(vp);
    check_presentation_proofs(
        &proofs,
        vp,
        holder.as_deref(),
        asked,
        options,
        resolver,
        &mut checks,
    )
    .await;

    let embedded: Vec<&Value> = match vp.get("verifiableCredential") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    let mut credentials = Vec::new();
    if embedded.len() > MAX_CREDENTIALS {
        checks.fail(
            "credentials",
            "too_many_credentials",
            format!("a presentation carries at most {MAX_CREDENTIALS} credentials"),
        );
    } else {
        for item in &embedded {
            let report = match item {
                Value::Object(c) => Some(verify_credential(c, options, resolver).await),
                // An enveloped credential: a compact JWS.
                Value::String(token) => crate::verify(token.as_bytes(), options, resolver)
                    .await
                    .ok(),
                _ => None,
            };
            match report {
                Some(r) => credentials.push(r),
                None => checks.fail(
                    "credentials",
                    "credential_unreadable",
                    "an embedded credential is neither an object nor a readable token",
                ),
            }
        }
        let bad = |v: Verdict| credentials.iter().filter(|r| r.verdict == v).count();
        if embedded.is_empty() {
            checks.skip(
                "credentials",
                "no_credentials",
                "the presentation carries no credentials",
            );
        } else if bad(Verdict::Invalid) > 0 {
            checks.fail(
                "credentials",
                "credential_invalid",
                format!(
                    "{} of {} credentials did not verify",
                    bad(Verdict::Invalid),
                    embedded.len()
                ),
            );
        } else if bad(Verdict::Indeterminate) > 0 {
            checks.error(
                "credentials",
                "credential_indeterminate",
                format!(
                    "{} of {} credentials could not be checked",
                    bad(Verdict::Indeterminate),
                    embedded.len()
                ),
            );
        } else {
            checks.pass(
                "credentials",
                "credentials_valid",
                format!("{} credential(s) verified", credentials.len()),
            );
        }
    }
    PresentationReport {
        verdict: checks.verdict(&[]),
        holder,
        checks: checks.into_vec(),
        credentials,
    }
}

/// VC-DATA-INTEGRITY §4.2 (verify proof) with the authentication purpose: challenge and domain
/// must be the ones asked for; the key must be the holder's when a holder is named.
async fn check_presentation_proofs(
    proofs: &[&Value],
    vp: &Map<String, Value>,
    holder: Option<&str>,
    asked: &PresentationOptions,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    checks: &mut Checks,
) {
    const CHECK: &str = "proof";
    if proofs.is_empty() {
        if asked.challenge.is_some() {
            checks.fail(
                CHECK,
                "no_proof",
                "a challenge was asked for, but the presentation is not signed",
            );
        } else {
            checks.skip(
                CHECK,
                "no_presentation_proof",
                "the presentation is not signed",
            );
        }
        return;
    }
    let canonical = match options.canonicalizer.canonicalize_unsecured(vp) {
        Ok(c) => c,
        Err(e) => {
            checks.fail("json_ld", e.code(), e.to_string());
            return;
        }
    };
    for proof in proofs.iter().copied() {
        let Value::Object(proof) = proof else {
            checks.fail(CHECK, "malformed_proof", "the proof is not an object");
            continue;
        };
        let field = |name: &str| proof.get(name).and_then(Value::as_str);
        if asked
            .challenge
            .as_deref()
            .is_some_and(|c| field("challenge") != Some(c))
        {
            checks.fail(
                CHECK,
                "challenge_mismatch",
                "the proof does not carry the challenge asked for",
            );
            continue;
        }
        if asked
            .domain
            .as_deref()
            .is_some_and(|d| field("domain") != Some(d))
        {
            checks.fail(
                CHECK,
                "domain_mismatch",
                "the proof does not carry the domain asked for",
            );
            continue;
        }
        let expect = Expected {
            purpose: AUTHENTICATION,
            controller: holder,
            others_allowed: false,
        };
        match verify_proof_as(
            options.canonicalizer.as_ref(),
            &canonical,
            vp,
            proof,
            expect,
            resolver,
            options.checking(),
        )
        .await
        {
            Ok(verified) => checks.pass(
                CHECK,
                "signature_valid",
                format!(
                    "{} authentication by the holder's key is valid",
                    verified.suite.label()
                ),
            ),
            Err(f) if f.is_unresolved() => {
                checks.error_because(CHECK, f.code(), f.reason(), f.message())
            }
            Err(f) => checks.fail(CHECK, f.code(), f.message()),
        }
    }
}
