//! Serde types for the Open Badges 3.0 data model (VC 2.0 and VC 1.1-era shapes).
//!
//! Every type keeps properties it does not know in `extra`, so an extension survives a round trip.
//! OB 3.0 §serialization: multi-valued properties are read as one value or an array and always
//! written as arrays; nulls and empty arrays are never written.

// The fields of these types are the OB 3.0 data model's properties (serde names each after its
// property); each type's documentation names its class in the specification, which defines them.
#![allow(missing_docs)]

mod achievement;
mod credential;
mod one_or_many;
mod profile;

pub use achievement::{
    Achievement, AchievementSubject, Alignment, Criteria, Evidence, IdentityObject, Image,
    ResultDescription, SubjectResult,
};
pub use credential::{
    AchievementCredential, CredentialSchema, CredentialStatus, EndorsementCredential,
    EndorsementSubject, Proof, VerifiableCredential,
};
pub use profile::{IdentifierEntry, Profile, ProfileRef};

/// Properties a type does not model, kept verbatim.
pub type Extra = serde_json::Map<String, serde_json::Value>;
