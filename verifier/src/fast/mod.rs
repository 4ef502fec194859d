//! The fast canonicaliser: JSON-LD expansion, RDF and RDFC-1.0 in one pass for documents whose
//! contexts are compiled in, falling back to the general path for everything else.
//!
//! The compiled-in contexts are processed once each (and every scoped context once per context
//! it is applied to) into immutable active contexts shared by every document; a document is then
//! walked once, emitting quads, and canonicalised with the first-degree hashes of RDFC-1.0 §4.6
//! when they are distinct. Whatever the fast path does not cover is counted and handed to the
//! [`GeneralCanonicalizer`], so the output is always the general path's (tests prove the two
//! byte-identical wherever the fast path answers).

mod context;
mod expand;
mod iri;
mod rdfc;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value};

pub use context::Unsupported;

use crate::canon::{CanonError, Canonicalizer, GeneralCanonicalizer};
use crate::contexts::Contexts;

/// The fast canonicaliser with its general-path fallback.
#[derive(Debug)]
pub struct FastCanonicalizer {
    cache: context::ContextCache,
    general: GeneralCanonicalizer,
    fast: AtomicU64,
    fallbacks: AtomicU64,
}

impl Default for FastCanonicalizer {
    fn default() -> Self {
        Self::new(Contexts::default())
    }
}

/// One fast canonicaliser over the compiled-in contexts, shared by every default
/// [`VerifyOptions`](crate::VerifyOptions) so contexts are processed once per process.
static SHARED: LazyLock<Arc<FastCanonicalizer>> =
    LazyLock::new(|| Arc::new(FastCanonicalizer::default()));

impl FastCanonicalizer {
    /// The process-wide canonicaliser for the compiled-in contexts.
    pub fn shared() -> Arc<FastCanonicalizer> {
        SHARED.clone()
    }

    /// A canonicaliser for the given context set (the fast path reads the same contexts the
    /// general path loads).
    pub fn new(contexts: Contexts) -> Self {
        FastCanonicalizer {
            cache: context::ContextCache::new(contexts.clone()),
            general: GeneralCanonicalizer::new(contexts),
            fast: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// The fast path alone: canonical N-Quads, or why it declines the document.
    pub fn canonicalize_fast(&self, document: &Value) -> Result<String, Unsupported> {
        let mut expander = expand::Expander::new(&self.cache);
        expander.document(document)?;
        rdfc::canonicalize(expander.quads, expander.blanks)
    }

    /// The fast path alone with SHA-384 as RDFC-1.0's hash function (P-384 ECDSA proofs).
    pub fn canonicalize_fast_sha384(&self, document: &Value) -> Result<String, Unsupported> {
        let mut expander = expand::Expander::new(&self.cache);
        expander.document(document)?;
        rdfc::canonicalize_with(expander.quads, expander.blanks, rdfc::sha384_hex)
    }

    /// The fast path alone for a secured document without its `proof` entry.
    pub fn canonicalize_unsecured_fast(
        &self,
        secured: &Map<String, Value>,
    ) -> Result<String, Unsupported> {
        let mut expander = expand::Expander::new(&self.cache);
        expander.document_without(secured, Some("proof"))?;
        rdfc::canonicalize(expander.quads, expander.blanks)
    }

    /// Counts the fast path's answer, or hands the document to the general path — except one
    /// that spent the work budget, which the general path would only spend more on.
    fn answer(
        &self,
        fast: Result<String, Unsupported>,
        general: impl FnOnce() -> Result<String, CanonError>,
    ) -> Result<String, CanonError> {
        match fast {
            Ok(nquads) => {
                self.fast.fetch_add(1, Ordering::Relaxed);
                Ok(nquads)
            }
            Err(rdfc::BUDGET_SPENT) => Err(CanonError::BudgetExceeded(
                "more than the fast path's 20,000 N-degree hashes or 4,096 blank nodes",
            )),
            Err(_) => {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                general()
            }
        }
    }

    /// How many documents the fast path answered, and how many went to the general path.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.fast.load(Ordering::Relaxed),
            self.fallbacks.load(Ordering::Relaxed),
        )
    }
}

impl Canonicalizer for FastCanonicalizer {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        self.answer(self.canonicalize_fast(document), || {
            self.general.canonicalize(document)
        })
    }

    fn canonicalize_unsecured(&self, secured: &Map<String, Value>) -> Result<String, CanonError> {
        self.answer(self.canonicalize_unsecured_fast(secured), || {
            self.general.canonicalize_unsecured(secured)
        })
    }

    fn canonicalize_sha384(&self, document: &Value) -> Result<String, CanonError> {
        self.answer(self.canonicalize_fast_sha384(document), || {
            self.general.canonicalize_sha384(document)
        })
    }
}
