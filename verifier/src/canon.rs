//! RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, behind one interface.
//!
//! The general path expands with ssi's JSON-LD processor (strict: undefined terms are errors)
//! and canonicalises with ssi's URDNA2015/RDFC-1.0. A later fast path implements the same trait
//! and must produce byte-identical N-Quads.

use serde_json::Value;
use ssi::json_ld::{CompactJsonLd, Expandable, JsonLdError};
use ssi::rdf::{AnyLdEnvironment, LdEnvironment};

use crate::contexts::Contexts;

/// Why a document could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// A context URL that is not compiled in (never fetched).
    #[error("context {0} is not known to this verifier")]
    UnknownContext(String),
    /// A property or type that no context defines.
    #[error("term {0} is not defined by any context")]
    UndefinedTerm(String),
    /// A `type` value that no context defines (the processor does not say which).
    #[error("a type value is not defined by any context")]
    UndefinedType,
    /// Any other JSON-LD expansion or RDF conversion failure.
    #[error("json-ld processing failed: {0}")]
    Invalid(String),
}

impl CanonError {
    /// The stable code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            CanonError::UnknownContext(_) => "unknown_context",
            CanonError::UndefinedTerm(_) | CanonError::UndefinedType => "undefined_term",
            CanonError::Invalid(_) => "json_ld_invalid",
        }
    }
}

/// Turns a JSON-LD document into canonical N-Quads (one string, lines sorted, each ending `\n`).
pub trait Canonicalizer: Send + Sync {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError>;
}

/// The general path: full JSON-LD 1.1 expansion and RDFC-1.0 via ssi.
#[derive(Debug, Clone, Default)]
pub struct GeneralCanonicalizer {
    contexts: Contexts,
}

impl GeneralCanonicalizer {
    pub fn new(contexts: Contexts) -> Self {
        GeneralCanonicalizer { contexts }
    }
}

impl Canonicalizer for GeneralCanonicalizer {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        // DESIGN invariant 2: refuse unknown context URLs before expansion, so the error names
        // the URL and nothing ever tries to load it.
        check_context_urls(document, &self.contexts)?;
        let doc = CompactJsonLd(
            ssi::json_ld::syntax::to_value(document)
                .map_err(|e| CanonError::Invalid(e.to_string()))?,
        );
        let mut ld = LdEnvironment::default();
        // The loader only reads the in-memory context set, so this future never waits on I/O.
        let expanded = pollster::block_on(doc.expand_with(&mut ld, &self.contexts))
            .map_err(map_expansion_error)?;
        let lines = ld
            .canonical_form_of(&expanded)
            .map_err(|e| CanonError::Invalid(e.to_string()))?;
        Ok(lines.concat())
    }
}

fn map_expansion_error(e: JsonLdError) -> CanonError {
    use ssi::json_ld::expansion::Error as E;
    match e {
        JsonLdError::Expansion(E::KeyExpansionFailed(key)) => CanonError::UndefinedTerm(key),
        JsonLdError::Expansion(E::InvalidTypeValue) => CanonError::UndefinedType,
        JsonLdError::Expansion(E::ContextProcessing(inner)) => {
            let text = inner.to_string();
            CanonError::Invalid(text)
        }
        other => CanonError::Invalid(other.to_string()),
    }
}

/// Walks every `@context` (and `@import`) in the document and refuses URLs not in `contexts`.
fn check_context_urls(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "@context" || key == "@import" {
                    check_context_value(v, contexts)?;
                }
                check_context_urls(v, contexts)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_urls(v, contexts)),
        _ => Ok(()),
    }
}

fn check_context_value(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::String(url) if !contexts.contains(url) => {
            Err(CanonError::UnknownContext(url.clone()))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_value(v, contexts)),
        _ => Ok(()),
    }
}
