//! The JSON-LD contexts compiled into Cairn, and the loader that serves only them.
//!
//! DESIGN invariant 2: verification never fetches a context. A URL that is not in the set is a
//! load failure that the canonicaliser reports as `unknown_context`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use iref::{Iri, IriBuf};
use ssi_json_ld::syntax::Parse;
use ssi_json_ld::{LoadError, Loader, RemoteDocument};

use crate::error::Error;

/// VC Data Model 2.0 context.
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// VC Data Model 1.1 context.
pub const VC_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// Cairn's context for a signed trust registry (`TrustRegistryCredential`): compiled in and never
/// fetched (the `.invalid` host says so). The registry travels as one JSON literal.
pub const CAIRN_TRUST_REGISTRY_V1: &str = "https://cairn.invalid/contexts/trust-registry/v1";
/// Cairn's context for a verifier's signed record of one check (`VerificationRecord`, made by
/// `cairn-verify serve --identity`): compiled in and never fetched. The check travels as one JSON
/// literal.
pub const CAIRN_VERIFICATION_RECORD_V1: &str =
    "https://cairn.invalid/contexts/verification-record/v1";
/// The OB 3.0 context Cairn issues with.
pub const OB_V3P0_3_0_3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// Every context compiled in: (URL, JSON text). The OB contexts and multikey are Cairn's own
/// files (tests prove them equivalent to the official ones); the rest are ssi's bundled copies,
/// which tests prove equal to the official files.
const COMPILED_IN: &[(&str, &str)] = &[
    (VC_V1, ssi_contexts::CREDENTIALS_V1),
    (VC_V2, ssi_contexts::CREDENTIALS_V2),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        include_str!("../../schemas/contexts/ob-v3p0-context.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        include_str!("../../schemas/contexts/ob-v3p0-context-3.0.1.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        include_str!("../../schemas/contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        OB_V3P0_3_0_3,
        include_str!("../../schemas/contexts/ob-v3p0-context-3.0.3.json"),
    ),
    // OB 3.0's extensions context: the types of 1EdTech's status, refresh and schema methods
    // (1EdTechRevocationList, 1EdTechCredentialRefresh, 1EdTechJsonSchemaValidator2019).
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        include_str!("../../schemas/contexts/ob-v3p0-extensions.json"),
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        ssi_contexts::W3ID_DATA_INTEGRITY_V1,
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        ssi_contexts::W3ID_DATA_INTEGRITY_V2,
    ),
    (
        "https://w3id.org/security/multikey/v1",
        include_str!("../../schemas/contexts/multikey-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        ssi_contexts::W3ID_ED2020_V1,
    ),
    ("https://www.w3.org/ns/did/v1", ssi_contexts::DID_V1),
    // W3C Bitstring Status List v1.0, for VC 1.1-era credentials (VC 2.0's context has its terms).
    (
        "https://www.w3.org/ns/credentials/status/v1",
        include_str!("../../schemas/contexts/vc-bitstring-status-list-v1.jsonld"),
    ),
    // W3C CCG Status List 2021 (StatusList2021Entry, VC 1.1 era).
    (
        "https://w3id.org/vc/status-list/2021/v1",
        ssi_contexts::STATUS_LIST_2021_V1,
    ),
    (
        CAIRN_TRUST_REGISTRY_V1,
        include_str!("../../schemas/contexts/cairn-trust-registry-v1.jsonld"),
    ),
    (
        CAIRN_VERIFICATION_RECORD_V1,
        include_str!("../../schemas/contexts/cairn-verification-record-v1.jsonld"),
    ),
    // VC-API test suites (W3C) use the examples context; a credential must name it to use it.
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        ssi_contexts::CREDENTIALS_EXAMPLES_V2,
    ),
];

static BUILTIN: LazyLock<Contexts> = LazyLock::new(|| {
    let mut set = Contexts {
        docs: HashMap::new(),
        local: HashMap::new(),
    };
    for (url, text) in COMPILED_IN {
        // The compiled-in texts are tested to parse; a failure here would be a build defect.
        let _ = set.insert(url, text);
    }
    set
});

/// A set of JSON-LD contexts keyed by URL: the compiled-in ones plus any a deployment adds.
#[derive(Clone)]
pub struct Contexts {
    docs: HashMap<String, Arc<RemoteDocument>>,
    /// Each context's `@context` member as plain JSON, parsed once, for the fast path.
    local: HashMap<String, Arc<serde_json::Value>>,
}

impl std::fmt::Debug for Contexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut urls: Vec<&String> = self.docs.keys().collect();
        urls.sort();
        f.debug_struct("Contexts").field("urls", &urls).finish()
    }
}

impl Default for Contexts {
    fn default() -> Self {
        BUILTIN.clone()
    }
}

impl Contexts {
    /// The contexts compiled into Cairn.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// Adds a context a deployment has vetted (e.g. an extension context), served for `url`.
    pub fn with_context(mut self, url: &str, json: &str) -> Result<Self, Error> {
        self.insert(url, json)?;
        Ok(self)
    }

    /// Parses and adds one context; the set is unchanged when it does not parse.
    fn insert(&mut self, url: &str, json: &str) -> Result<(), Error> {
        let doc = parse_context(url, json)?;
        let local = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|mut v| v.get_mut("@context").map(serde_json::Value::take))
            .ok_or_else(|| {
                Error::InvalidContextDocument(url.to_owned(), "no @context member".to_owned())
            })?;
        self.docs.insert(url.to_owned(), Arc::new(doc));
        self.local.insert(url.to_owned(), Arc::new(local));
        Ok(())
    }

    /// The `@context` member of the context served for `url`.
    pub(crate) fn local_context(&self, url: &str) -> Option<&Arc<serde_json::Value>> {
        self.local.get(url)
    }

    /// Whether `url` is served by this set.
    pub fn contains(&self, url: &str) -> bool {
        self.docs.contains_key(url)
    }

    /// The URLs of the compiled-in contexts.
    pub fn builtin_urls() -> impl Iterator<Item = &'static str> {
        COMPILED_IN.iter().map(|(url, _)| *url)
    }

    /// The JSON text compiled in for `url`, if any.
    pub fn builtin_text(url: &str) -> Option<&'static str> {
        COMPILED_IN
            .iter()
            .find(|(u, _)| *u == url)
            .map(|(_, text)| *text)
    }
}

fn parse_context(url: &str, json: &str) -> Result<RemoteDocument, Error> {
    let iri = IriBuf::new(url.to_owned()).map_err(|_| Error::InvalidContextUrl(url.to_owned()))?;
    let (value, _) = ssi_json_ld::syntax::Value::parse_str(json)
        .map_err(|e| Error::InvalidContextDocument(url.to_owned(), e.to_string()))?;
    Ok(RemoteDocument::new(Some(iri), None, value))
}

/// The failure a load reports for a URL the set does not hold.
#[derive(Debug, thiserror::Error)]
#[error("context is not compiled in")]
pub(crate) struct NotCompiledIn;

impl Loader for Contexts {
    async fn load(&self, url: &Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        match self.docs.get(url.as_str()) {
            Some(doc) => Ok((**doc).clone()),
            None => Err(LoadError::new(url.to_owned(), NotCompiledIn)),
        }
    }
}
