//! The 1EdTech Revocation List Status Method (`1EdTechRevocationList`, OB 3.0 §12), read as
//! 1EdTech's reference validator reads it: the entry's `id` is the list's URL; the list is a JSON
//! object `{id, issuer, revokedCredentials: [{id, revoked?, …}]}`; a credential is revoked when
//! its id is listed with `revoked` true or absent.

use serde_json::{Map, Value};

use crate::options::VerifyOptions;
use crate::report::Checks;
use crate::resolver::Resolver;

const CHECK: &str = "status";

/// The status entry type this module reads.
pub(crate) const ENTRY_TYPE: &str = "1EdTechRevocationList";

/// Checks one `1EdTechRevocationList` entry of the credential `doc` and adds one `status` check.
/// The list is fetched through the resolver, under the same policy as every status list; a list
/// that cannot be read leaves the status unknown (could not check), never "not revoked".
pub(crate) async fn check(
    entry: &Map<String, Value>,
    doc: &Map<String, Value>,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
    checks: &mut Checks,
) {
    let Some(url) = entry
        .get("id")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    else {
        checks.fail(
            CHECK,
            "invalid_status_entry",
            "a 1EdTechRevocationList entry's id is not the list's http(s) URL",
        );
        return;
    };
    let Some(credential_id) = doc.get("id").and_then(Value::as_str) else {
        checks.fail(
            CHECK,
            "invalid_status_entry",
            "a credential without an id cannot be looked up in a revocation list",
        );
        return;
    };
    match read_list(url, issuer_id, options, resolver).await {
        Ok(revoked) if revoked.iter().any(|id| id == credential_id) => {
            checks.fail(CHECK, "revoked", "the issuer has revoked this credential")
        }
        Ok(_) => checks.pass(
            CHECK,
            "not_revoked",
            "the issuer's revocation list does not list this credential as revoked",
        ),
        Err((reason, message)) => checks.error_with_reason(
            CHECK,
            "status_unavailable",
            reason,
            format!("the revocation status is unknown: the revocation list {url} {message}"),
        ),
    }
}

/// The ids the list at `url` marks revoked, or why the list cannot be used (reason code and
/// the rest of a sentence).
async fn read_list(
    url: &str,
    issuer_id: Option<&str>,
    options: &VerifyOptions,
    resolver: &dyn Resolver,
) -> Result<Vec<String>, (&'static str, String)> {
    let bytes = resolver
        .fetch(url)
        .await
        .map_err(|e| (e.code(), format!("could not be obtained ({e})")))?;
    if bytes.len() > options.limits.max_status_list_bytes {
        return Err((
            "status_list_too_large",
            format!(
                "is larger than {} bytes",
                options.limits.max_status_list_bytes
            ),
        ));
    }
    let invalid = |m: &str| ("status_list_invalid", m.to_owned());
    let list: Map<String, Value> = match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => m,
        _ => return Err(invalid("is not a JSON object")),
    };
    // A list published by anyone but the credential's issuer says nothing about it. The
    // validator's lists name their issuer; Cairn requires it to be the credential's.
    let list_issuer = match list.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(p)) => p.get("id").and_then(Value::as_str),
        _ => None,
    };
    if list_issuer != issuer_id || list_issuer.is_none() {
        return Err((
            "status_list_wrong_issuer",
            format!(
                "is published by {}, not by the credential's issuer",
                list_issuer.unwrap_or("no one")
            ),
        ));
    }
    let Some(Value::Array(entries)) = list.get("revokedCredentials") else {
        return Err(invalid("has no revokedCredentials list"));
    };
    let mut revoked = Vec::new();
    for e in entries {
        let Some(id) = e.get("id").and_then(Value::as_str) else {
            return Err(invalid("lists an entry without an id"));
        };
        match e.get("revoked") {
            None | Some(Value::Bool(true)) => revoked.push(id.to_owned()),
            Some(Value::Bool(false)) => {}
            Some(_) => return Err(invalid("has an entry whose revoked is not true or false")),
        }
    }
    Ok(revoked)
}
