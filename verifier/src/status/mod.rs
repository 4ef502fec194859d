//! Credential status (OB 3.0 §13 step 4): W3C Bitstring Status List v1.0 entries, VC 1.1-era
//! `StatusList2021Entry`, and the list bitstrings themselves (decode with a size cap, encode).
//!
//! Sans-I/O: the list credential arrives through the caller's [`Resolver`]. A list that cannot be
//! fetched, verified or decoded leaves the verdict open (`status_unavailable`); it is never read
//! as "not revoked".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

mod bits;

use crate::document::{date_fields_of, fmt_date, proofs_of, read_date, types_of, window, Window};
use crate::ed25519::Checking;
use crate::input::parse_json_object;
use crate::options::VerifyOptions;
use crate::proof::verify_proof;
use crate::report::Checks;
use crate::resolver::Resolver;
use crate::revocation_list;
pub use bits::{StatusBits, StatusListDecodeError, MIN_STATUS_LIST_BITS};

const CHECK: &str = "status";

/// Which status method an entry uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// W3C Bitstring Status List v1.0.
    Bitstring,
    /// W3C CCG Status List 2021 (VC 1.1 era).
    StatusList2021,
}

impl Method {
    fn list_credential_type(self) -> &'static str {
        match self {
            Method::Bitstring => "BitstringStatusListCredential",
            Method::StatusList2021 => "StatusList2021Credential",
        }
    }

    fn list_type(self) -> &'static str {
        match self {
            Method::Bitstring => "BitstringStatusList",
            Method::StatusList2021 => "StatusList2021",
        }
    }
}

/// What a status entry says a bit means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Revocation,
    Suspension,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }
}

/// One parsed, well-formed status entry.
#[derive(Debug)]
struct Entry {
    method: Method,
    purpose: Purpose,
    index: usize,
    list_url: String,
}

/// A list credential that verified: its purposes, its bits and its validity window.
#[derive(Debug)]
struct VerifiedList {
    purposes: Vec<String>,
    bits: StatusBits,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    verified_at: DateTime<Utc>,
}

/// Verified, decoded status lists, keyed by the list's bytes and issuer, so that checking many
/// credentials against one list decodes and verifies it once. Entries are re-verified after
/// `max_age` (judged by `VerifyOptions::now`, never the system clock).
#[derive(Debug)]
pub struct StatusListCache {
    entries: Mutex<HashMap<[u8; 32], Arc<VerifiedList>>>,
    max_entries: usize,
    max_age: Duration,
}

impl Default for StatusListCache {
    /// 64 lists, re-verified after 5 minutes.
    fn default() -> Self {
        Self::new(64, Duration::minutes(5))
    }
}

impl StatusListCache {
    /// A cache of at most `max_entries` lists, each kept at most `max_age`.
    pub fn new(max_entries: usize, max_age: Duration) -> Self {
        StatusListCache {
            entries: Mutex::new(HashMap::new()),
            max_entries: max_entries.max(1),
            max_age,
        }
    }

    fn key(method: Method, issuer: &str, bytes: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([method as u8]);
        h.update((issuer.len() as u64).to_be_bytes());
        h.update(issuer.as_bytes());
        h.update(bytes);
        h.finalize().into()
    }

    fn get(&self, key: &[u8; 32], now: DateTime<Utc>) -> Option<Arc<VerifiedList>> {
        let entries = self.entries.lock().ok()?;
        let hit = entries.get(key)?;
        let age = now - hit.verified_at;
        (age >= Duration::zero() && age <= self.max_age).then(|| hit.clone())
    }

    fn put(&self, key: [u8; 32], list: Arc<VerifiedList>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.max_entries && !entries.contains_key(&key) {
                // Evict the oldest verification.
                if let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, l)| l.verified_at)
                    .map(|(k, _)| *k)
                {
                    entries.remove(&oldest);
                }
            }
            entries.insert(key, list);
        }
    }
}

/// A list-side failure: the list could not be used, so the entry's status is unknown.
struct Unavailable {
    code: &'static str,
    reason: String,
}

fn unavailable(code: &'static str, reason: impl Into<String>) -> Unavailable {
    Unavailable {
        code,
        reason: reason.into(),
    }
}

/// OB 3.0 §13 step 4: checks every `credentialStatus` entry and adds one `status` check each.
pub(crate) async fn check_status(
    doc: &Map<String, Value>,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    checks: &mut Checks,
) {
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    if entries.is_empty() {
        checks.skip(
            CHECK,
            "no_status",
            "the credential names no status list, so it cannot be revoked",
        );
        return;
    }
    for raw in entries {
        if let Some(e) = raw
            .as_object()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some(revocation_list::ENTRY_TYPE))
        {
            revocation_list::check(e, doc, issuer_id, options, resolver, checks).await;
            continue;
        }
        let entry = match parse_entry(raw) {
            Ok(Some(e)) => e,
            Ok(None) => continue,
            Err(Parsed::Unsupported(kind)) => {
                checks.skip_unresolved(
                    CHECK,
                    "unsupported_status_method",
                    format!("the status method {kind:?} cannot be read by this verifier; the credential's status is unknown"),
                );
                continue;
            }
            Err(Parsed::OtherPurpose(purpose)) => {
                checks.skip(
                    CHECK,
                    "unsupported_status_purpose",
                    format!("a status entry with purpose {purpose:?} says nothing about revocation or suspension and is not read"),
                );
                continue;
            }
            Err(Parsed::Invalid(code, message)) => {
                checks.fail(CHECK, code, message);
                continue;
            }
        };
        let Some(issuer_id) = issuer_id else {
            checks.error_with_reason(
                CHECK,
                "status_unavailable",
                "no_issuer",
                "the status list cannot be checked: the credential has no issuer",
            );
            continue;
        };
        let list = match load_list(&entry, issuer_id, options, resolver).await {
            Ok(list) => list,
            Err(u) => {
                let code = if u.code == "status_list_too_large" {
                    "status_list_too_large"
                } else {
                    "status_unavailable"
                };
                checks.error_with_reason(
                    CHECK,
                    code,
                    u.code,
                    format!(
                        "the {} status is unknown: the status list {} {}",
                        entry.purpose.name(),
                        entry.list_url,
                        u.reason
                    ),
                );
                continue;
            }
        };
        read_bit(&entry, &list, checks);
    }
}

/// How an entry failed to parse.
enum Parsed {
    Unsupported(String),
    OtherPurpose(String),
    Invalid(&'static str, String),
}

fn invalid_entry(message: impl Into<String>) -> Parsed {
    Parsed::Invalid("invalid_status_entry", message.into())
}

/// BSL v1.0 §2.1 / StatusList2021 §2.1: the fields of a status entry.
fn parse_entry(raw: &Value) -> Result<Option<Entry>, Parsed> {
    let Value::Object(e) = raw else {
        return Err(invalid_entry("a credentialStatus entry is not an object"));
    };
    let kind = e.get("type").and_then(Value::as_str).unwrap_or_default();
    let method = match kind {
        "BitstringStatusListEntry" => Method::Bitstring,
        "StatusList2021Entry" => Method::StatusList2021,
        // 1EdTechRevocationList entries are read by crate::revocation_list; no other method
        // can be read.
        _ => return Err(Parsed::Unsupported(kind.to_owned())),
    };
    let purpose = match e.get("statusPurpose").and_then(Value::as_str) {
        Some("revocation") => Purpose::Revocation,
        Some("suspension") => Purpose::Suspension,
        Some(p @ ("message" | "refresh")) => return Err(Parsed::OtherPurpose(p.to_owned())),
        Some(p) => return Err(invalid_entry(format!("statusPurpose {p:?} is not defined"))),
        None => return Err(invalid_entry("the status entry has no statusPurpose")),
    };
    // BSL v1.0 §2.1: statusListIndex is an integer ≥ 0 written as a string (a JSON number is
    // read too: deployed issuers send one).
    let index = match e.get("statusListIndex") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<usize>().ok()
        }
        Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    }
    .ok_or_else(|| invalid_entry("statusListIndex is not a non-negative integer"))?;
    let list_url = e
        .get("statusListCredential")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .ok_or_else(|| invalid_entry("statusListCredential is not an http(s) URL"))?;
    let list_url = list_url.split('#').next().unwrap_or(list_url).to_owned();
    // BSL v1.0 §2.1: statusSize defaults to 1; revocation and suspension are one bit each.
    if method == Method::Bitstring {
        let size = match e.get("statusSize") {
            None => Some(1),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse::<u64>().ok(),
            Some(_) => None,
        };
        if size != Some(1) {
            return Err(Parsed::Invalid(
                "invalid_status_size",
                format!("statusSize must be 1 for a {} entry", purpose.name()),
            ));
        }
    }
    Ok(Some(Entry {
        method,
        purpose,
        index,
        list_url,
    }))
}

/// BSL v1.0 §3.2 steps 1–8: fetch the list credential, verify it, decode its bitstring.
async fn load_list(
    entry: &Entry,
    issuer_id: &str,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Result<Arc<VerifiedList>, Unavailable> {
    let bytes = resolver
        .fetch(&entry.list_url)
        .await
        .map_err(|e| unavailable(e.code(), format!("could not be obtained ({e})")))?;
    // The cache key hashes the whole list: computed only when there is a cache.
    let cached = options
        .status_cache
        .as_ref()
        .map(|cache| (cache, StatusListCache::key(entry.method, issuer_id, &bytes)));
    if let Some(hit) = cached.as_ref().and_then(|(c, key)| c.get(key, options.now)) {
        check_window(&hit, options)?;
        return Ok(hit);
    }
    let list = Arc::new(verify_list(entry.method, &bytes, issuer_id, options, resolver).await?);
    check_window(&list, options)?;
    if let Some((cache, key)) = cached {
        cache.put(key, list.clone());
    }
    Ok(list)
}

async fn verify_list(
    method: Method,
    bytes: &[u8],
    issuer_id: &str,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Result<VerifiedList, Unavailable> {
    let doc = parse_json_object(bytes, &options.limits)
        .map_err(|e| unavailable(e.code(), format!("cannot be read ({e})")))?;
    let invalid = |m: &str| unavailable("status_list_invalid", m.to_owned());
    if !types_of(doc.get("type")).contains(&method.list_credential_type()) {
        return Err(invalid(&format!(
            "is not a {}",
            method.list_credential_type()
        )));
    }
    // BSL v1.0 §3.2: the list must be issued by the credential's issuer, or it says nothing
    // about this credential.
    let list_issuer = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(p)) => p.get("id").and_then(Value::as_str),
        _ => None,
    };
    if list_issuer != Some(issuer_id) {
        return Err(unavailable(
            "status_list_wrong_issuer",
            format!(
                "was issued by {}, not by the credential's issuer {issuer_id}",
                list_issuer.unwrap_or("nobody")
            ),
        ));
    }
    let Some(Value::Object(subject)) = doc.get("credentialSubject") else {
        return Err(invalid("has no credentialSubject"));
    };
    if !types_of(subject.get("type")).contains(&method.list_type()) {
        return Err(invalid(&format!(
            "credentialSubject is not a {}",
            method.list_type()
        )));
    }
    let purposes: Vec<String> = match subject.get("statusPurpose") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => return Err(invalid("names no statusPurpose")),
    };
    let encoded = subject
        .get("encodedList")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("has no encodedList"))?;

    // BSL v1.0 §3.2: the list credential itself must verify (its proof, by the issuer's key).
    let proofs = proofs_of(&doc);
    if proofs.is_empty() {
        return Err(unavailable("status_list_unsigned", "carries no proof"));
    }
    let canonical = options
        .canonicalizer
        .canonicalize_unsecured(&doc)
        .map_err(|e| unavailable(e.code(), format!("is not valid JSON-LD ({e})")))?;
    for proof in proofs {
        let Value::Object(proof) = proof else {
            return Err(unavailable(
                "malformed_proof",
                "has a proof that is not an object",
            ));
        };
        verify_proof(
            options.canonicalizer.as_ref(),
            &canonical,
            &doc,
            proof,
            issuer_id,
            resolver,
            // A list is cached once verified, so its signature is never left to a batch.
            Checking::Now,
        )
        .await
        .map_err(|f| unavailable(f.code(), format!("does not verify: {}", f.message())))?;
    }

    let (from_name, until_name) = date_fields_of(&doc);
    let date = |name: &str| {
        read_date(&doc, name)
            .map_err(|_| unavailable("status_list_invalid", format!("has an invalid {name}")))
    };
    let valid_from = date(from_name)?;
    let valid_until = date(until_name)?;

    let max = options.limits.max_status_list_bytes;
    let decoded = match method {
        Method::Bitstring => StatusBits::decode(encoded, max),
        Method::StatusList2021 => StatusBits::decode_2021(encoded, max),
    };
    let bits = decoded.map_err(|e| unavailable(e.code(), format!("cannot be decoded ({e})")))?;
    // BSL v1.0 §3.2: a list shorter than the minimum is an error (STATUS_LIST_LENGTH_ERROR).
    if bits.len() < MIN_STATUS_LIST_BITS {
        return Err(unavailable(
            "status_list_too_short",
            format!(
                "has {} entries, fewer than the {MIN_STATUS_LIST_BITS} a list must have",
                bits.len()
            ),
        ));
    }
    Ok(VerifiedList {
        purposes,
        bits,
        valid_from,
        valid_until,
        verified_at: options.now,
    })
}

/// BSL v1.0 §3.2: the list credential must be within its validity period.
fn check_window(list: &VerifiedList, options: &VerifyOptions) -> Result<(), Unavailable> {
    match window(list.valid_from, list.valid_until, options) {
        Window::NotYetValid(from) => Err(unavailable(
            "status_list_not_yet_valid",
            format!("is not valid before {}", fmt_date(from)),
        )),
        Window::Expired(until) => Err(unavailable(
            "status_list_expired",
            format!("expired on {}", fmt_date(until)),
        )),
        Window::Within => Ok(()),
    }
}

/// BSL v1.0 §3.2 steps 9–11: the purpose must match and the bit must exist; then read it.
fn read_bit(entry: &Entry, list: &VerifiedList, checks: &mut Checks) {
    let purpose = entry.purpose.name();
    if !list.purposes.iter().any(|p| p == purpose) {
        checks.fail(
            CHECK,
            "status_purpose_mismatch",
            format!(
                "the entry names a {purpose} list, but {} is a {} list",
                entry.list_url,
                list.purposes.join("/")
            ),
        );
        return;
    }
    match (list.bits.get(entry.index), entry.purpose) {
        (None, _) => checks.fail(
            CHECK,
            "status_index_out_of_range",
            format!(
                "statusListIndex {} is past the end of {} ({} entries)",
                entry.index,
                entry.list_url,
                list.bits.len()
            ),
        ),
        (Some(true), Purpose::Revocation) => {
            checks.fail(CHECK, "revoked", "the issuer has revoked this credential")
        }
        (Some(true), Purpose::Suspension) => checks.fail(
            CHECK,
            "suspended",
            "the issuer has suspended this credential",
        ),
        (Some(false), Purpose::Revocation) => checks.pass(
            CHECK,
            "not_revoked",
            "the issuer's revocation list, signed and current, does not list this credential",
        ),
        (Some(false), Purpose::Suspension) => checks.pass(
            CHECK,
            "not_suspended",
            "the issuer's suspension list, signed and current, does not list this credential",
        ),
    }
}
