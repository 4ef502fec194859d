//! Every code a report's checks can carry, declared once: the check it belongs to, the
//! specification section it implements and what it means in plain words. A check written with a
//! code missing here fails the tests (`Checks::push` asserts it in debug builds), and
//! `docs/report-codes.md` is written from this table by a test.

/// One report code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCode {
    /// The stable snake_case code (`Check::code`).
    pub code: &'static str,
    /// The check that reports it (`Check::check`).
    pub check: &'static str,
    /// The specification section the check implements.
    pub spec: &'static str,
    /// What it means, in plain words.
    pub meaning: &'static str,
}

const fn c(
    code: &'static str,
    check: &'static str,
    spec: &'static str,
    meaning: &'static str,
) -> ReportCode {
    ReportCode {
        code,
        check,
        spec,
        meaning,
    }
}

const VC_CONTEXTS: &str = "VC-DM 2.0 §4.3; OB 3.0 §8.1";
const VC_TYPES: &str = "VC-DM 2.0 §4.4; OB 3.0 §B.1.1";
const VC_FIELDS: &str = "VC-DM 2.0 §4; OB 3.0 §B.1";
const OB_SUBJECT: &str = "OB 3.0 §B.1.3 (AchievementSubject)";
const JSON_LD: &str = "VC-DM 2.0 §6.1; JSON-LD 1.1; RDFC-1.0";
const DI: &str = "VC-DI 1.0 §4.2 (verify proof)";
const DI_SUITES: &str = "VC-DI 1.0 §4.2; VC-DI-EdDSA §3; VC-DI-ECDSA §3";
const CONTROLLER: &str = "VC-DI 1.0 §4.2 step 5; CID 1.0 §3 (verification relationships)";
const VP: &str = "VC-DM 2.0 §4.13; VC-DI 1.0 §2.1 (challenge, domain)";
const JWT_HEADER: &str = "OB 3.0 §8.2.3; RFC 7515 §4.1; RFC 8725 §3.1";
const JWT_CLAIMS: &str = "OB 3.0 §8.2.4 (JWT claims)";
const VALIDITY: &str = "VC-DM 2.0 §4.9; OB 3.0 §8.2.4";
const STATUS: &str = "BSL 1.0 §3.2 (validate algorithm); VC-DM 2.0 §4.10";
const ENDORSE: &str = "OB 3.0 §B.1.16 (EndorsementCredential)";
const TRUST: &str = "Cairn trust registries (schemas/trust-registry.schema.json)";

/// Every code, grouped by check in the order the pipeline runs them.
#[rustfmt::skip]
pub const REPORT_CODES: &[ReportCode] = &[
    c("context_valid", "context", VC_CONTEXTS, "the contexts are the ones the credential's kind requires, in order"),
    c("vc_context_valid", "context", VC_CONTEXTS, "the VC context comes first (a credential that is not an Open Badge)"),
    c("missing_context", "context", VC_CONTEXTS, "the credential has no @context"),
    c("missing_vc_context", "context", VC_CONTEXTS, "the first context is not the VC 2.0 (or 1.1) context"),
    c("missing_ob_context", "context", VC_CONTEXTS, "an Open Badge without the Open Badges 3.0 context"),
    c("context_order", "context", VC_CONTEXTS, "the contexts are there but in the wrong order"),
    c("type_valid", "type", VC_TYPES, "the credential has the types its kind requires"),
    c("invalid_type", "type", VC_TYPES, "a required type is missing"),
    c("fields_present", "required_fields", VC_FIELDS, "every required property is present and well formed"),
    c("missing_field", "required_fields", VC_FIELDS, "a required property is missing"),
    c("invalid_field", "required_fields", VC_FIELDS, "a property has the wrong form"),
    c("id_not_url", "required_fields", "VC-DM 2.0 §4.5", "an id is not a URL"),
    c("evidence_type_missing", "required_fields", "VC-DM 2.0 §5.6", "an evidence entry has no type"),
    c("terms_of_use_type_missing", "required_fields", "VC-DM 2.0 §5.5", "a termsOfUse entry has no type"),
    c("refresh_service_type_missing", "required_fields", "VC-DM 2.0 §5.4", "a refreshService entry has no type"),
    c("credential_schema_type_missing", "required_fields", "VC-DM 2.0 §4.11", "a credentialSchema entry has no type"),
    c("credential_schema_id_not_url", "required_fields", "VC-DM 2.0 §4.11", "a credentialSchema id is not a URL"),
    c("credential_status_type_missing", "required_fields", "VC-DM 2.0 §4.10", "a credentialStatus entry has no type"),
    c("credential_status_id_not_url", "required_fields", "VC-DM 2.0 §4.10", "a credentialStatus id is not a URL"),
    c("related_resource_invalid", "required_fields", "VC-DM 2.0 §5.3", "a relatedResource has no id or no digest"),
    c("subject_identified", "subject_identifier", OB_SUBJECT, "the recipient is identified by an id or an identifier"),
    c("missing_subject_identifier", "subject_identifier", OB_SUBJECT, "the recipient is identified by neither an id nor an identifier"),
    c("no_subject", "subject_identifier", OB_SUBJECT, "there is no credentialSubject to identify"),
    c("json_ld_valid", "json_ld", JSON_LD, "every context is known and every term is defined"),
    c("unknown_context", "json_ld", JSON_LD, "a context is not one Cairn knows (contexts are never fetched)"),
    c("undefined_term", "json_ld", JSON_LD, "a property or type is not defined by the contexts"),
    c("json_ld_invalid", "json_ld", JSON_LD, "the document is not valid JSON-LD"),
    c("canonicalization_budget_exceeded", "json_ld", "RDFC-1.0 §4.4 (N-degree hashing)", "the document needs more canonicalisation work than is allowed (a blank-node explosion)"),
    c("verification_interrupted", "json_ld", "Cairn: a deadline (README, Security)", "the verification was stopped at its deadline before it finished (could not check)"),
    c("signature_valid", "proof", DI, "the issuer's signature matches the credential"),
    c("signature_valid_other_party", "proof", "VC-DI 1.0 §4.3 (proof sets)", "a valid signature by someone other than the issuer (an endorser or witness)"),
    c("bad_signature", "proof", DI, "the signature does not match: the credential was changed or signed by another key"),
    c("no_proof", "proof", DI, "the credential carries no signature"),
    c("no_embedded_proof", "proof", "OB 3.0 §8.2", "a VC-JWT with no embedded proof (the JWS is the signature)"),
    c("no_presentation_proof", "proof", VP, "the presentation is unsigned and no challenge was asked"),
    c("malformed_proof", "proof", DI, "the proof lacks a required property or has the wrong form"),
    c("unknown_proof_type", "proof", DI, "a proof type Cairn does not know"),
    c("unknown_cryptosuite", "proof", DI_SUITES, "a cryptosuite no specification defines"),
    c("unsupported_cryptosuite", "proof", DI_SUITES, "a published cryptosuite Cairn does not implement (could not check)"),
    c("invalid_proof_value_encoding", "proof", DI_SUITES, "the proofValue is not the encoding its cryptosuite requires"),
    c("wrong_proof_purpose", "proof", DI, "the proof's purpose is not the one required (assertionMethod, authentication)"),
    c("previous_proof_missing", "proof", "VC-DI 1.0 §4.4 (proof chains)", "a proof names a previous proof that is not there"),
    c("sd_base_proof", "proof", "VC-DI-ECDSA §3.5", "an ecdsa-sd-2023 base proof, which only its holder may use to derive a credential"),
    c("proof_not_checkable", "proof", DI, "the proof could not be checked against the document"),
    c("proof_not_checked", "proof", DI, "the verification was stopped at its deadline before the proof was checked (could not check)"),
    c("key_not_issuers", "proof", CONTROLLER, "the signing key does not belong to the issuer (or holder)"),
    c("key_not_authorized", "proof", CONTROLLER, "the key is the issuer's but not listed for this purpose"),
    c("key_unresolved", "proof", CONTROLLER, "the issuer's key could not be fetched or read (could not check)"),
    c("invalid_verification_method", "proof", CONTROLLER, "the verification method is not a usable key reference"),
    c("unsupported_verification_method", "proof", CONTROLLER, "a key type or DID method Cairn does not read"),
    c("alg_key_mismatch", "proof", "RFC 8725 §3.1; OB 3.0 §8.2.3", "the token's algorithm does not fit the key"),
    c("jws_no_key", "proof", JWT_HEADER, "the token names no key (kid or jwk)"),
    c("challenge_mismatch", "proof", VP, "the presentation's proof carries another challenge than the one asked"),
    c("domain_mismatch", "proof", VP, "the presentation's proof carries another domain than the one asked"),
    c("jwt_header_valid", "jwt_header", JWT_HEADER, "the token's header is acceptable"),
    c("alg_none", "jwt_header", JWT_HEADER, "an unsigned token (alg none)"),
    c("alg_hmac", "jwt_header", JWT_HEADER, "a shared-secret algorithm (HS256…), never a credential signature"),
    c("unsupported_alg", "jwt_header", JWT_HEADER, "a signature algorithm Cairn does not accept"),
    c("jwk_private_key", "jwt_header", JWT_HEADER, "the header carries a private key"),
    c("jws_header_field", "jwt_header", JWT_HEADER, "a header field has the wrong form"),
    c("jws_typ", "jwt_header", JWT_HEADER, "the token's typ is not one a credential uses"),
    c("jwt_claims_valid", "jwt_claims", JWT_CLAIMS, "the token's claims agree with the credential"),
    c("jwt_claim_missing", "jwt_claims", JWT_CLAIMS, "a claim the token must carry is missing"),
    c("jwt_iss_mismatch", "jwt_claims", JWT_CLAIMS, "iss is not the credential's issuer"),
    c("jwt_sub_mismatch", "jwt_claims", JWT_CLAIMS, "sub is not the credential's subject"),
    c("jwt_jti_mismatch", "jwt_claims", JWT_CLAIMS, "jti is not the credential's id"),
    c("jwt_nbf_mismatch", "jwt_claims", JWT_CLAIMS, "nbf does not equal validFrom"),
    c("jwt_exp_mismatch", "jwt_claims", JWT_CLAIMS, "exp does not equal validUntil"),
    c("within_validity", "validity_window", VALIDITY, "the credential is within its validity period"),
    c("not_yet_valid", "validity_window", VALIDITY, "the credential is not valid yet"),
    c("expired", "validity_window", VALIDITY, "the credential has expired"),
    c("invalid_date", "validity_window", VALIDITY, "a date is not an XML Schema dateTime"),
    c("invalid_validity_period", "validity_window", VALIDITY, "validUntil is before validFrom"),
    c("not_revoked", "status", STATUS, "the issuer's revocation list, signed and current, does not list the credential"),
    c("not_suspended", "status", STATUS, "the issuer's suspension list, signed and current, does not list the credential"),
    c("revoked", "status", STATUS, "the issuer has revoked the credential"),
    c("suspended", "status", STATUS, "the issuer has suspended the credential"),
    c("no_status", "status", STATUS, "the credential has no status entry: it cannot be revoked"),
    c("status_unavailable", "status", STATUS, "the status list could not be read or trusted (could not check); the reason says why"),
    c("status_index_out_of_range", "status", STATUS, "the entry points past the end of its list"),
    c("status_purpose_mismatch", "status", STATUS, "the entry and its list disagree on the purpose"),
    c("invalid_status_size", "status", STATUS, "revocation and suspension entries are one bit"),
    c("invalid_status_entry", "status", STATUS, "a status entry lacks a required property"),
    c("status_list_too_large", "status", STATUS, "the list decompresses past the limit (a compression bomb)"),
    c("unsupported_status_method", "status", STATUS, "a status method Cairn cannot read"),
    c("unsupported_status_purpose", "status", STATUS, "a status purpose that says nothing about validity (message, refresh)"),
    c("no_endorsements", "endorsements", ENDORSE, "there are no embedded endorsements"),
    c("endorsements_valid", "endorsements", ENDORSE, "every embedded endorsement verified"),
    c("endorsement_invalid", "endorsements", ENDORSE, "an embedded endorsement did not verify"),
    c("endorsement_indeterminate", "endorsements", ENDORSE, "an embedded endorsement could not be checked"),
    c("endorsements_too_deep", "endorsements", ENDORSE, "endorsements nested this deep are not verified"),
    c("recognized", "trust", TRUST, "this district's registry recognises the issuer for this achievement"),
    c("unknown_issuer", "trust", TRUST, "no registry of this district lists the issuer"),
    c("not_recognized_for_this_achievement", "trust", TRUST, "the issuer is listed, but not for this achievement"),
    c("credentials_valid", "credentials", VP, "every credential in the presentation verified"),
    c("credential_invalid", "credentials", VP, "a credential in the presentation did not verify"),
    c("credential_indeterminate", "credentials", VP, "a credential in the presentation could not be checked"),
    c("credential_unreadable", "credentials", VP, "a credential in the presentation could not be read"),
    c("no_credentials", "credentials", VP, "the presentation carries no credentials"),
    c("too_many_credentials", "credentials", VP, "the presentation carries more credentials than are checked"),
];

/// The declaration of `code`, if it is one.
pub fn report_code(code: &str) -> Option<&'static ReportCode> {
    REPORT_CODES.iter().find(|c| c.code == code)
}
