//! Finding the public key behind a verification method, and proving whom it belongs to.
//!
//! did:key is decoded offline. did:web and https controller documents come through the
//! [`Resolver`]. A key named only by a `#z6Mk…` fragment is never trusted without its controller
//! document: anyone can write such a fragment under any issuer's URL.

use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value};

mod multikey;

use crate::resolver::{ResolveError, Resolver};
use multikey::ed25519_key;
pub(crate) use multikey::{decode_any_multikey, decode_multikey_bytes};
pub use multikey::{decode_ed25519_multikey, encode_multikey};

/// Largest controller or DID document accepted from a resolver.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// A public key Cairn can verify with.
#[derive(Debug, Clone)]
pub(crate) enum PublicKey {
    Ed25519(VerifyingKey),
    /// An RSA public JWK (kty RSA, n ≥ 2048 bits, e), for RS256.
    Rsa(Box<josekit::jwk::Jwk>),
    /// A P-256 key, for ecdsa-rdfc-2019, ecdsa-jcs-2019 and ecdsa-sd-2023.
    P256(p256::ecdsa::VerifyingKey),
    /// A P-384 key, for ecdsa-rdfc-2019 and ecdsa-jcs-2019.
    P384(p384::ecdsa::VerifyingKey),
}

impl PublicKey {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            PublicKey::Ed25519(_) => "Ed25519",
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) => "P-256",
            PublicKey::P384(_) => "P-384",
        }
    }
}

/// Who vouches for a key: a controller (DID or URL) that must be the issuer, or, for a key in a
/// JWKS, the web origin that serves it, which must be the issuer's domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    Controller(String),
    Origin(String),
}

impl Binding {
    /// Whether this binding ties the key to `issuer_id`.
    pub(crate) fn belongs_to(&self, issuer_id: &str) -> bool {
        match self {
            Binding::Controller(c) => c == issuer_id,
            Binding::Origin(host) => issuer_host(issuer_id).is_some_and(|h| &h == host),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Binding::Controller(c) => c.clone(),
            Binding::Origin(h) => format!("the web origin https://{h}"),
        }
    }
}

/// Checks, from the names alone, that the verification method `vm` could be a key of `owner`, so
/// that nothing is fetched for a key that cannot be theirs (OB 3.0 §8.2.4 and §10: the key must
/// belong to the issuer). A did:key needs no fetch and is judged after decoding; a did:web or
/// https method must be on the owner's host. `Err` names what the method would bind to.
pub(crate) fn could_belong_to(vm: &str, owner: &str) -> Result<(), Binding> {
    let base = vm.split('#').next().unwrap_or(vm);
    if base == owner || base.starts_with("did:key:") {
        return Ok(());
    }
    let named = || match url_host(base) {
        Some(host) => Binding::Origin(host),
        None => Binding::Controller(base.to_owned()),
    };
    if base.starts_with("did:web:") || base.starts_with("https://") {
        return match (issuer_host(base), issuer_host(owner)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => Err(named()),
        };
    }
    // Other schemes are refused by `resolve_key` without fetching.
    Ok(())
}

/// The host an issuer id stands for: did:web's host, or an https URL's host.
fn issuer_host(issuer_id: &str) -> Option<String> {
    if let Some(msid) = issuer_id.strip_prefix("did:web:") {
        let host = msid.split(':').next()?;
        return Some(
            host.replace("%3A", ":")
                .replace("%3a", ":")
                .to_ascii_lowercase(),
        );
    }
    url_host(issuer_id)
}

/// The `host[:port]` of an https URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains('@')).then(|| host.to_ascii_lowercase())
}

/// A verification method's key and what vouches for it.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedKey {
    pub(crate) key: PublicKey,
    pub(crate) binding: Binding,
}

/// Why a key could not be found or trusted. `Unresolved` is "could not check"; the rest fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    Invalid(String),
    Unsupported(String),
    NotAuthorized(String),
    Unresolved(ResolveError),
}

impl KeyError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            KeyError::Invalid(_) => "invalid_verification_method",
            KeyError::Unsupported(_) => "unsupported_verification_method",
            KeyError::NotAuthorized(_) => "key_not_authorized",
            KeyError::Unresolved(_) => "key_unresolved",
        }
    }

    /// The fetch refusal or failure code behind an unresolved key (e.g. `private_address`).
    pub(crate) fn reason(&self) -> Option<&'static str> {
        match self {
            KeyError::Unresolved(e) => Some(e.code()),
            _ => None,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            KeyError::Invalid(m) | KeyError::Unsupported(m) | KeyError::NotAuthorized(m) => {
                m.clone()
            }
            KeyError::Unresolved(e) => format!("the issuer's key could not be obtained: {e}"),
        }
    }
}

/// Resolves `vm` to a key authorised for `purpose` (e.g. `assertionMethod`) by its controller.
pub(crate) async fn resolve_key(
    vm: &str,
    purpose: &str,
    resolver: &dyn Resolver,
) -> Result<ResolvedKey, KeyError> {
    let (base, fragment) = match vm.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (vm, None),
    };
    if let Some(msid) = base.strip_prefix("did:key:") {
        // did:key §3.1.2: the only verification method is did:key:X#X.
        if fragment.is_some_and(|f| f != msid) {
            return Err(KeyError::Invalid(format!(
                "{vm} is not the verification method of {base}"
            )));
        }
        return Ok(ResolvedKey {
            key: decode_any_multikey(msid)?,
            binding: Binding::Controller(base.to_owned()),
        });
    }
    if base.starts_with("did:web:") {
        let url = did_web_url(base)?;
        let doc = fetch_json(resolver, &url).await?;
        return key_from_controller_document(&doc, base, vm, purpose);
    }
    if let Some(method) = base.strip_prefix("did:") {
        let name = method.split(':').next().unwrap_or_default();
        return Err(KeyError::Unsupported(format!(
            "the DID method {name:?} is not supported (did:key and did:web are)"
        )));
    }
    if base.starts_with("https://") {
        let doc = fetch_json(resolver, base).await?;
        if let (Some(Value::Array(keys)), Some(fragment)) = (doc.get("keys"), fragment) {
            return key_from_jwks(keys, base, fragment, vm);
        }
        if fragment.is_some() {
            return key_from_controller_document(&doc, base, vm, purpose);
        }
        // A key document: it names its controller, whose document must list the key.
        let controller = doc
            .get("controller")
            .and_then(Value::as_str)
            .ok_or_else(|| KeyError::Invalid(format!("key document {vm} names no controller")))?
            .to_owned();
        let controller_url = controller
            .split('#')
            .next()
            .unwrap_or(&controller)
            .to_owned();
        let cdoc = if controller_url.starts_with("did:web:") {
            fetch_json(resolver, &did_web_url(&controller_url)?).await?
        } else if controller_url.starts_with("https://") {
            fetch_json(resolver, &controller_url).await?
        } else {
            return Err(KeyError::Unsupported(format!(
                "controller {controller} of key {vm} cannot be confirmed"
            )));
        };
        return key_from_controller_document(&cdoc, &controller_url, vm, purpose);
    }
    if !vm.contains(':') {
        return Err(KeyError::Invalid(format!(
            "verification method {vm:?} is not a URI"
        )));
    }
    Err(KeyError::Unsupported(format!(
        "verification method {vm} uses a URI scheme that is not supported (did:key, did:web, https)"
    )))
}

/// Confirms that a key carried inside a token (a JWS `jwk` header) is one the issuer publishes
/// for assertions: the issuer's did:key itself, a key in its did:web DID document, or a key in the
/// controller document or JWK Set at its https id.
pub(crate) async fn confirm_embedded_key(
    key: &PublicKey,
    issuer_id: &str,
    resolver: &dyn Resolver,
) -> Result<Binding, KeyError> {
    let published: Vec<PublicKey> = if let Some(msid) = issuer_id.strip_prefix("did:key:") {
        vec![decode_any_multikey(msid)?]
    } else if issuer_id.starts_with("did:web:") {
        let doc = fetch_json(resolver, &did_web_url(issuer_id)?).await?;
        assertion_keys(&doc, issuer_id)
    } else if issuer_id.starts_with("https://") {
        let doc = fetch_json(resolver, issuer_id).await?;
        match doc.get("keys") {
            Some(Value::Array(keys)) => keys
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|k| key_from_jwk(k, issuer_id).ok())
                .collect(),
            _ => assertion_keys(&doc, issuer_id),
        }
    } else {
        return Err(KeyError::Unsupported(format!(
            "the issuer {issuer_id} cannot publish keys Cairn can confirm"
        )));
    };
    if published.iter().any(|p| same_key(p, key)) {
        Ok(Binding::Controller(issuer_id.to_owned()))
    } else {
        Err(KeyError::NotAuthorized(format!(
            "the key in the token is not one that {issuer_id} publishes for assertions"
        )))
    }
}

/// Every key a controller document lists under assertionMethod.
fn assertion_keys(doc: &Map<String, Value>, controller: &str) -> Vec<PublicKey> {
    if doc.get("id").and_then(Value::as_str) != Some(controller) {
        return Vec::new();
    }
    let refs: Vec<Value> = match doc.get(ASSERTION_METHOD) {
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    };
    refs.iter()
        .filter_map(|r| {
            let id = match r {
                Value::String(s) => s.clone(),
                Value::Object(m) => m.get("id").and_then(Value::as_str)?.to_owned(),
                _ => return None,
            };
            key_from_controller_document(
                doc,
                controller,
                &absolute_id(controller, &id),
                ASSERTION_METHOD,
            )
            .ok()
            .map(|k| k.key)
        })
        .collect()
}

fn absolute_id(controller: &str, id: &str) -> String {
    if id.starts_with('#') {
        format!("{controller}{id}")
    } else {
        id.to_owned()
    }
}

fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    match (a, b) {
        (PublicKey::Ed25519(x), PublicKey::Ed25519(y)) => x == y,
        (PublicKey::Rsa(x), PublicKey::Rsa(y)) => {
            x.parameter("n") == y.parameter("n") && x.parameter("e") == y.parameter("e")
        }
        (PublicKey::P256(x), PublicKey::P256(y)) => x == y,
        (PublicKey::P384(x), PublicKey::P384(y)) => x == y,
        _ => false,
    }
}

const ASSERTION_METHOD: &str = "assertionMethod";

/// did:web §3.2: did:web:host[:path…] → https://host/.well-known/did.json or https://host/path/did.json.
pub(crate) fn did_web_url(did: &str) -> Result<String, KeyError> {
    let msid = did
        .strip_prefix("did:web:")
        .ok_or_else(|| KeyError::Invalid(format!("{did} is not a did:web")))?;
    let mut parts = msid.split(':');
    let host_raw = parts.next().unwrap_or_default();
    // Only a percent-encoded port colon is allowed in the host; anything else could smuggle a
    // path, credentials or another host into the URL.
    let host = host_raw.replace("%3A", ":").replace("%3a", ":");
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok {
        return Err(KeyError::Invalid(format!("{did} has an invalid host")));
    }
    let path: Vec<&str> = parts.collect();
    let path_ok = path.iter().all(|p| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~'))
    });
    if !path_ok {
        return Err(KeyError::Invalid(format!("{did} has an invalid path")));
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

async fn fetch_json(resolver: &dyn Resolver, url: &str) -> Result<Map<String, Value>, KeyError> {
    let bytes = resolver.fetch(url).await.map_err(KeyError::Unresolved)?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(KeyError::Unresolved(ResolveError::Refused(
            url.to_owned(),
            format!("document is over {MAX_DOCUMENT_BYTES} bytes"),
        )));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(KeyError::Invalid(format!(
            "the document at {url} is not a JSON object"
        ))),
    }
}

/// Finds `vm` in a controller (or DID) document whose id must be `controller`, and checks that
/// the document authorises it for `purpose`.
fn key_from_controller_document(
    doc: &Map<String, Value>,
    controller: &str,
    vm: &str,
    purpose: &str,
) -> Result<ResolvedKey, KeyError> {
    // DID Core §5.1.1 / Controlled Identifiers §2.1: the document's id is its subject.
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if id != controller {
        return Err(KeyError::NotAuthorized(format!(
            "the document served for {controller} has id {id:?}"
        )));
    }
    let absolute = |r: &str| -> String {
        if r.starts_with('#') {
            format!("{controller}{r}")
        } else {
            r.to_owned()
        }
    };
    let entries = |prop: &str| -> Vec<Value> {
        match doc.get(prop) {
            Some(Value::Array(a)) => a.clone(),
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        }
    };
    // The purpose relation (e.g. assertionMethod) must reference or embed the method.
    let mut method: Option<Map<String, Value>> = None;
    let mut authorised = false;
    for entry in entries(purpose) {
        match entry {
            Value::String(r) if absolute(&r) == vm => authorised = true,
            Value::Object(m)
                if m.get("id").and_then(Value::as_str).map(absolute).as_deref() == Some(vm) =>
            {
                authorised = true;
                method = Some(m);
            }
            _ => {}
        }
    }
    if !authorised {
        return Err(KeyError::NotAuthorized(format!(
            "{controller} does not list {vm} under {purpose}"
        )));
    }
    if method.is_none() {
        method = entries("verificationMethod")
            .into_iter()
            .find_map(|e| match e {
                Value::Object(m)
                    if m.get("id").and_then(Value::as_str).map(absolute).as_deref() == Some(vm) =>
                {
                    Some(m)
                }
                _ => None,
            });
    }
    let method = method.ok_or_else(|| {
        KeyError::Invalid(format!("{controller} does not describe the method {vm}"))
    })?;
    let vm_controller = method.get("controller").and_then(Value::as_str);
    if vm_controller.is_some_and(|c| c != controller) {
        return Err(KeyError::NotAuthorized(format!(
            "{vm} is controlled by {}, not {controller}",
            vm_controller.unwrap_or_default()
        )));
    }
    Ok(ResolvedKey {
        key: key_from_method(&method, vm)?,
        binding: Binding::Controller(controller.to_owned()),
    })
}

/// RFC 7517 §5: a key in a JWK Set, named by the URL's fragment (its `kid`). The set is vouched
/// for by the origin that serves it.
fn key_from_jwks(
    keys: &[Value],
    url: &str,
    fragment: &str,
    vm: &str,
) -> Result<ResolvedKey, KeyError> {
    let jwk = keys
        .iter()
        .filter_map(Value::as_object)
        .find(|k| {
            k.get("kid")
                .and_then(Value::as_str)
                .is_some_and(|kid| kid == fragment || kid == vm)
        })
        .ok_or_else(|| {
            KeyError::Invalid(format!("the key set at {url} has no key {fragment:?}"))
        })?;
    let origin =
        url_host(url).ok_or_else(|| KeyError::Invalid(format!("{url} is not an https URL")))?;
    Ok(ResolvedKey {
        key: key_from_jwk(jwk, vm)?,
        binding: Binding::Origin(origin),
    })
}

fn key_from_method(method: &Map<String, Value>, vm: &str) -> Result<PublicKey, KeyError> {
    if let Some(mb) = method.get("publicKeyMultibase").and_then(Value::as_str) {
        return decode_any_multikey(mb);
    }
    if let Some(jwk) = method.get("publicKeyJwk").and_then(Value::as_object) {
        return key_from_jwk(jwk, vm);
    }
    if let Some(b58) = method.get("publicKeyBase58").and_then(Value::as_str) {
        let bytes = bs58::decode(b58)
            .into_vec()
            .map_err(|_| KeyError::Invalid(format!("{vm} has a malformed base58 key")))?;
        return ed25519_key(&bytes, vm).map(PublicKey::Ed25519);
    }
    Err(KeyError::Unsupported(format!(
        "{vm} has no Ed25519 public key this verifier reads"
    )))
}

/// RSA private-key members (RFC 7518 §6.3.2) and the OKP/EC private member `d`.
const PRIVATE_JWK_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Reads a public JWK: OKP/Ed25519, or RSA of at least 2048 bits. Private members are refused.
pub(crate) fn key_from_jwk(jwk: &Map<String, Value>, what: &str) -> Result<PublicKey, KeyError> {
    if PRIVATE_JWK_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
        return Err(KeyError::Invalid(format!(
            "{what} publishes private key material"
        )));
    }
    let b64 = |name: &str| -> Result<Vec<u8>, KeyError> {
        let text = jwk.get(name).and_then(Value::as_str).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| KeyError::Invalid(format!("{what} has a malformed JWK member {name}")))
    };
    match jwk.get("kty").and_then(Value::as_str) {
        Some("OKP") if jwk.get("crv").and_then(Value::as_str) == Some("Ed25519") => {
            ed25519_key(&b64("x")?, what).map(PublicKey::Ed25519)
        }
        Some("EC") => {
            // RFC 7518 §6.2.1: the point's coordinates, as an uncompressed SEC1 point.
            let mut point = vec![0x04];
            point.extend(b64("x")?);
            point.extend(b64("y")?);
            let invalid = || KeyError::Invalid(format!("{what} is not a valid EC public key"));
            match jwk.get("crv").and_then(Value::as_str) {
                Some("P-256") => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map(PublicKey::P256)
                    .map_err(|_| invalid()),
                Some("P-384") => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map(PublicKey::P384)
                    .map_err(|_| invalid()),
                other => Err(KeyError::Unsupported(format!(
                    "{what} is an EC key on {}; P-256 and P-384 are supported",
                    other.unwrap_or("no curve")
                ))),
            }
        }
        Some("RSA") => {
            // NIST SP 800-131A: RSA keys under 2048 bits are not acceptable for signatures.
            let n = b64("n")?;
            let bits = match n.iter().position(|b| *b != 0) {
                Some(i) => (n.len() - i) * 8 - n[i].leading_zeros() as usize,
                None => 0,
            };
            if bits < 2048 {
                return Err(KeyError::Unsupported(format!(
                    "{what} is an RSA key of {bits} bits; at least 2048 are required"
                )));
            }
            if b64("e")?.is_empty() {
                return Err(KeyError::Invalid(format!("{what} has no RSA exponent")));
            }
            let jwk = josekit::jwk::Jwk::from_map(jwk.clone())
                .map_err(|e| KeyError::Invalid(format!("{what} is not a valid JWK: {e}")))?;
            Ok(PublicKey::Rsa(Box::new(jwk)))
        }
        other => Err(KeyError::Unsupported(format!(
            "{what} is a {} key; Ed25519, P-256, P-384 and RSA are supported",
            other.unwrap_or("typeless")
        ))),
    }
}

/// did:web §3.2: where the DID document of `did` is published, or None when it is not a valid
/// did:web.
pub fn did_web_document_url(did: &str) -> Option<String> {
    did_web_url(did).ok()
}

#[cfg(test)]
mod tests;
