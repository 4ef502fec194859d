//! The verifier's error enum: failures to evaluate at all (a verdict is never an error).

use crate::baked::ImageRefusal;

/// Why a verification could not be evaluated, or a library call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input bytes over the configured limit.
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    InputTooLarge {
        /// The input's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Input is not UTF-8.
    #[error("input is not valid UTF-8 (byte {0})")]
    InvalidUtf8(usize),
    /// Input is not JSON.
    #[error("input is not valid JSON: {0}")]
    InvalidJson(String),
    /// Input is JSON but not an object.
    #[error("input is a JSON {0}, not an object")]
    NotAnObject(&'static str),
    /// A JSON object names a member twice (RFC 7493 §2.3): which name.
    #[error("input names the member {0:?} twice in one object")]
    DuplicateKey(String),
    /// JSON nested deeper than the limit.
    #[error("input nests deeper than {0} levels")]
    TooDeep(usize),
    /// Input is empty.
    #[error("input is empty")]
    EmptyInput,
    /// Input is in a format this verifier does not read.
    #[error("input format is not supported: {0}")]
    UnsupportedFormat(&'static str),
    /// A part of a compact JWS is not base64url.
    #[error("the JWS {0} is not valid base64url")]
    InvalidBase64url(&'static str),
    /// A compact JWS that cannot be read as a credential token.
    #[error("the JWS cannot be read: {0}")]
    InvalidJws(&'static str),
    /// A context added by the caller has a URL that is not an IRI.
    #[error("context url {0} is not an absolute IRI")]
    InvalidContextUrl(String),
    /// A context added by the caller is not valid JSON.
    #[error("context document for {0} is not valid json: {1}")]
    InvalidContextDocument(String, String),
    /// A document to sign could not be canonicalised.
    #[error("document cannot be canonicalised ({code}): {message}")]
    Canonicalization {
        /// The canonicaliser's code.
        code: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A document to sign is not shaped as a credential.
    #[error("document cannot be signed: {0}")]
    NotSignable(String),
    /// A trust registry that does not match `schemas/trust-registry.schema.json`.
    #[error("trust registry is invalid: {0}")]
    InvalidRegistry(String),
    /// A signed trust registry whose credential did not verify as valid.
    #[error("trust registry is not verified: {0}")]
    RegistryNotVerified(String),
    /// A signed trust registry signed by someone other than its publisher.
    #[error("trust registry is signed by {signer}, not by its publisher {publisher}")]
    RegistryPublisherMismatch {
        /// Who signed it.
        signer: String,
        /// Who the registry says publishes it.
        publisher: String,
    },
    /// A badge image that cannot be read or baked (OB 3.0 §5.3).
    #[error("image: {message}")]
    Image {
        /// Why.
        refusal: ImageRefusal,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InputTooLarge { .. } => "input_too_large",
            Error::InvalidUtf8(_) => "invalid_utf8",
            Error::InvalidJson(_) => "invalid_json",
            Error::NotAnObject(_) => "not_an_object",
            Error::TooDeep(_) => "too_deep",
            Error::DuplicateKey(_) => "duplicate_key",
            Error::EmptyInput => "empty_input",
            Error::UnsupportedFormat(_) => "unsupported_format",
            Error::InvalidBase64url(_) => "invalid_base64url",
            Error::InvalidJws(_) => "invalid_jws",
            Error::InvalidContextUrl(_) => "invalid_context_url",
            Error::InvalidContextDocument(..) => "invalid_context_document",
            Error::Canonicalization { code, .. } => code,
            Error::NotSignable(_) => "not_signable",
            Error::InvalidRegistry(_) => "invalid_registry",
            Error::RegistryNotVerified(_) => "registry_not_verified",
            Error::RegistryPublisherMismatch { .. } => "registry_publisher_mismatch",
            Error::Image { refusal, .. } => refusal.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code_and_message() {
        let all = [
            (
                Error::InputTooLarge { size: 2, limit: 1 },
                "input_too_large",
                "input is 2 bytes, over the limit of 1 bytes",
            ),
            (
                Error::InvalidUtf8(3),
                "invalid_utf8",
                "input is not valid UTF-8 (byte 3)",
            ),
            (
                Error::InvalidJson("x".into()),
                "invalid_json",
                "input is not valid JSON: x",
            ),
            (
                Error::NotAnObject("array"),
                "not_an_object",
                "input is a JSON array, not an object",
            ),
            (
                Error::TooDeep(64),
                "too_deep",
                "input nests deeper than 64 levels",
            ),
            (
                Error::DuplicateKey("alg".into()),
                "duplicate_key",
                "input names the member \"alg\" twice in one object",
            ),
            (Error::EmptyInput, "empty_input", "input is empty"),
            (
                Error::UnsupportedFormat("png"),
                "unsupported_format",
                "input format is not supported: png",
            ),
            (
                Error::InvalidBase64url("header"),
                "invalid_base64url",
                "the JWS header is not valid base64url",
            ),
            (
                Error::InvalidJws("m"),
                "invalid_jws",
                "the JWS cannot be read: m",
            ),
            (
                Error::InvalidContextUrl("x".into()),
                "invalid_context_url",
                "context url x is not an absolute IRI",
            ),
            (
                Error::InvalidContextDocument("u".into(), "e".into()),
                "invalid_context_document",
                "context document for u is not valid json: e",
            ),
            (
                Error::Canonicalization {
                    code: "undefined_term",
                    message: "m".into(),
                },
                "undefined_term",
                "document cannot be canonicalised (undefined_term): m",
            ),
            (
                Error::NotSignable("m".into()),
                "not_signable",
                "document cannot be signed: m",
            ),
            (
                Error::InvalidRegistry("m".into()),
                "invalid_registry",
                "trust registry is invalid: m",
            ),
            (
                Error::RegistryNotVerified("m".into()),
                "registry_not_verified",
                "trust registry is not verified: m",
            ),
            (
                Error::RegistryPublisherMismatch {
                    signer: "a".into(),
                    publisher: "b".into(),
                },
                "registry_publisher_mismatch",
                "trust registry is signed by a, not by its publisher b",
            ),
            (
                Error::Image {
                    refusal: ImageRefusal::NotBaked,
                    message: "m".into(),
                },
                "not_baked",
                "image: m",
            ),
        ];
        for (err, code, message) in all {
            assert_eq!(err.code(), code);
            assert_eq!(err.to_string(), message);
        }
    }
}
