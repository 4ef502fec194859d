//! Loading a trust registry file: an unsigned registry, or a `TrustRegistryCredential` verified
//! through the pipeline and bound to its publisher. Apart from `trust.rs`, which evaluates
//! registries inside the pipeline and so must not call it.

use serde_json::Value;

use crate::document::{date_fields_of, read_date, types_of};
use crate::error::Error;
use crate::input::parse_json_object;
use crate::options::VerifyOptions;
use crate::resolver::Resolver;
use crate::trust::{SignedRegistry, TrustRegistry, TRUST_REGISTRY_CREDENTIAL_TYPE};

impl TrustRegistry {
    /// Loads a registry file: an unsigned registry document, or a `TrustRegistryCredential`
    /// (Data Integrity JSON or a VC-JWT) that must verify as `valid` and be signed by the
    /// registry's own publisher (`registry_not_verified`, `registry_publisher_mismatch`).
    pub async fn load(
        bytes: &[u8],
        options: &VerifyOptions,
        resolver: &dyn Resolver,
    ) -> Result<Self, Error> {
        let text = std::str::from_utf8(bytes).unwrap_or_default().trim();
        let credential = if crate::jwt::looks_like_compact_jws(text) {
            crate::jwt::decode(text, &options.limits)?.credential
        } else {
            let doc = parse_json_object(bytes, &options.limits)?;
            if !types_of(doc.get("type")).contains(&TRUST_REGISTRY_CREDENTIAL_TYPE) {
                return Self::from_document(doc);
            }
            doc
        };
        // The registry's own signature and dates, judged without any registry.
        let mut plain = options.clone();
        plain.registries.clear();
        plain.deferred = None;
        let report = crate::verify::verify(bytes, &plain, resolver).await?;
        if report.verdict != crate::Verdict::Valid {
            let why = report
                .first_problem()
                .map(|c| format!("{} ({})", c.message, c.code))
                .unwrap_or_default();
            return Err(Error::RegistryNotVerified(format!(
                "the signed registry is {:?}: {why}",
                report.verdict
            )));
        }
        let Some(Value::Object(inner)) = credential
            .get("credentialSubject")
            .and_then(|s| s.get("trustRegistry"))
            .cloned()
        else {
            return Err(Error::InvalidRegistry(
                "a TrustRegistryCredential carries the registry in credentialSubject.trustRegistry"
                    .into(),
            ));
        };
        let mut registry = Self::from_document(inner)?;
        let issuer = report.issuer_id.unwrap_or_default();
        if issuer != registry.publisher.id {
            return Err(Error::RegistryPublisherMismatch {
                signer: issuer,
                publisher: registry.publisher.id,
            });
        }
        let (_, until) = date_fields_of(&credential);
        registry.signed = Some(SignedRegistry {
            publisher: issuer,
            valid_until: read_date(&credential, until).ok().flatten(),
        });
        Ok(registry)
    }
}
