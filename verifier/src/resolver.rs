//! The fetch boundary: the caller supplies every external document the verifier needs.
//!
//! DESIGN invariant 1: the verification core does no I/O. DID documents, key documents, status
//! lists and profiles arrive through a [`Resolver`] the caller implements; [`OfflineResolver`]
//! serves documents from memory (tests, `cairn-verify --doc URL=FILE`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// The future a [`Resolver`] returns.
pub type ResolveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, ResolveError>> + Send + 'a>>;

/// Fetches documents by URL on the verifier's behalf.
pub trait Resolver: Send + Sync {
    /// Returns the bytes served at `url` (an absolute URL without fragment).
    fn fetch<'a>(&'a self, url: &'a str) -> ResolveFuture<'a>;
}

/// Why a document could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// Nothing is served at the URL (or, offline, no document was supplied for it).
    #[error("no document is available for {0}")]
    NotFound(String),
    /// The resolver will not fetch this URL (policy: scheme, address range, size).
    #[error("fetching {0} was refused: {1}")]
    Refused(String, String),
    /// The fetch was attempted and failed.
    #[error("fetching {0} failed: {1}")]
    Failed(String, String),
    /// Refused or failed for a reason the resolver names with its own stable code (e.g.
    /// `private_address`, `response_too_large`, `fetch_timeout`).
    #[error("fetching {url} failed ({code}): {message}")]
    Coded {
        /// The URL asked for.
        url: String,
        /// The stable code of the failure (e.g. `https_required`).
        code: &'static str,
        /// What happened.
        message: String,
    },
}

impl ResolveError {
    /// The stable code of this failure.
    pub fn code(&self) -> &'static str {
        match self {
            ResolveError::NotFound(_) => "document_not_found",
            ResolveError::Refused(..) => "fetch_refused",
            ResolveError::Failed(..) => "fetch_failed",
            ResolveError::Coded { code, .. } => code,
        }
    }
}

/// Serves documents from memory and never touches the network.
#[derive(Debug, Clone, Default)]
pub struct OfflineResolver {
    docs: HashMap<String, Vec<u8>>,
}

impl OfflineResolver {
    /// A resolver that knows no document yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `bytes` for `url` (a fragment, if any, is ignored).
    pub fn insert(&mut self, url: &str, bytes: impl Into<Vec<u8>>) {
        let url = url.split('#').next().unwrap_or(url);
        self.docs.insert(url.to_owned(), bytes.into());
    }

    /// Builder form of [`OfflineResolver::insert`].
    pub fn with(mut self, url: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(url, bytes);
        self
    }
}

impl Resolver for OfflineResolver {
    fn fetch<'a>(&'a self, url: &'a str) -> ResolveFuture<'a> {
        let result = self
            .docs
            .get(url)
            .cloned()
            .ok_or_else(|| ResolveError::NotFound(url.to_owned()));
        Box::pin(std::future::ready(result))
    }
}
