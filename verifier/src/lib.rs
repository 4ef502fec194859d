//! Cairn's verification library for Open Badges 3.0 credentials.
//!
//! The core does no I/O: documents come through a [`Resolver`] the caller provides, contexts are
//! compiled in, and `now` is an option. [`verify`] returns a [`Report`] listing every check;
//! `Err` means the input could not be evaluated at all.
//!
//! The public interface is:
//! - [`verify`] / [`verify_credential`] with [`VerifyOptions`] and a [`Resolver`]
//!   ([`OfflineResolver`] serves documents from memory), and [`verify_batch`] for several
//!   credentials whose Ed25519 signatures are checked in one batch equation;
//! - the [`Report`], its [`Check`]s and the [`Verdict`];
//! - the OB 3.0 data model in [`model`];
//! - baked badge images ([`extract`], [`bake`]: PNG and SVG, OB 3.0 §5.3);
//! - recipient identity hashing in [`identity`];
//! - [`PendingProof`], which builds what an issuer signs for an `eddsa-rdfc-2022` proof;
//! - status list bitstrings ([`StatusBits`]: encode, decode with a cap) and the
//!   [`StatusListCache`] of verified lists;
//! - the VC Data Model's structural rules ([`data_model_problems`]), which issuers check too;
//! - trust registries ([`TrustRegistry`], [`TrustPolicy`]) and the report's [`TrustReport`];
//! - the canonicaliser interface ([`Canonicalizer`], [`Contexts`]) and its two implementations:
//!   [`FastCanonicalizer`] (the default) and the [`GeneralCanonicalizer`] it is proven against.

#![warn(missing_docs, unreachable_pub)]

mod baked;
mod canon;
mod codes;
mod contexts;
mod document;
mod ed25519;
mod error;
mod fast;
pub mod identity;
mod input;
mod jwt;
mod keys;
pub mod model;
mod options;
mod presentation;
mod proof;
mod report;
mod resolver;
mod revocation_list;
mod sd;
mod sign;
mod signed_registry;
mod status;
mod trust;
mod vcdm;
mod verify;

pub use baked::{bake, extract, ImageFormat, ImageRefusal, PNG_KEYWORD, SVG_NAMESPACE};
pub use canon::{CanonError, Canonicalizer, GeneralCanonicalizer, Interrupt};
pub use codes::{report_code, ReportCode, REPORT_CODES};
pub use contexts::{
    Contexts, CAIRN_TRUST_REGISTRY_V1, CAIRN_VERIFICATION_RECORD_V1, OB_V3P0_3_0_3, VC_V1, VC_V2,
};
#[doc(hidden)]
pub use ed25519::{accepts as accepts_one, accepts_each};
pub use error::Error;
pub use fast::{FastCanonicalizer, Unsupported};
pub use input::{
    parse_json_object, Limits, DEFAULT_MAX_DEPTH, DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_STATUS_LIST_BYTES,
};
pub use jwt::{looks_like_compact_jws, verify_jws_signature};
pub use keys::{decode_ed25519_multikey, did_web_document_url, encode_multikey};
pub use options::VerifyOptions;
pub use presentation::{verify_presentation, PresentationOptions, PresentationReport};
pub use proof::{encode_proof_value, verify_signature_only, verify_signatures_with};
pub use report::{check_label, Check, CheckRow, CheckStatus, EvidenceSummary, Report, Verdict};
pub use resolver::{OfflineResolver, ResolveError, ResolveFuture, Resolver};
#[doc(hidden)]
pub use sd::sd_derived_check;
pub use sign::PendingProof;
pub use status::{StatusBits, StatusListCache, StatusListDecodeError, MIN_STATUS_LIST_BITS};
pub use trust::{
    AchievementRule, IssuerIdentity, Publisher, Recognition, RegistryEntry, SignedRegistry,
    TrustPolicy, TrustRegistry, TrustReport, TrustStatus, TRUST_REGISTRY_CREDENTIAL_TYPE,
    TRUST_REGISTRY_TYPE,
};
pub use vcdm::{data_model_problems, DataModelProblem, DataModelRule};
pub use verify::{verify, verify_batch, verify_credential};
