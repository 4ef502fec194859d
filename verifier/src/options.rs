//! What the caller decides for a verification: the instant, clock tolerance, input limits, the
//! canonicaliser, the status list cache, the trust registries and policy, and (inside the crate)
//! where signatures are checked.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::canon::{Canonicalizer, Interrupt, Interruptible};
use crate::ed25519::{Checking, Deferred};
use crate::fast::FastCanonicalizer;
use crate::input::Limits;
use crate::status::StatusListCache;
use crate::trust::{TrustPolicy, TrustRegistry};

/// What the caller decides: the clock, tolerances, limits and the canonicaliser.
#[derive(Clone)]
pub struct VerifyOptions {
    /// The instant validity is judged at.
    pub now: DateTime<Utc>,
    /// Tolerance for clocks that disagree, applied to validFrom and validUntil.
    pub clock_skew: Duration,
    /// Input limits.
    pub limits: Limits,
    /// How documents are canonicalised (all contexts it knows are compiled in or vetted).
    pub canonicalizer: Arc<dyn Canonicalizer>,
    /// Verified, decoded status lists shared across verifications (none by default).
    pub status_cache: Option<Arc<StatusListCache>>,
    /// Trust registries to judge the issuer and achievement against (none by default).
    pub registries: Vec<Arc<TrustRegistry>>,
    /// Whether an unknown issuer or unrecognised achievement is a warning or a failure.
    pub trust_policy: TrustPolicy,
    /// Where signatures are left for one batch check ([`crate::verify_batch`], presentations); none:
    /// each is checked when met.
    pub(crate) deferred: Option<Arc<Deferred>>,
}

impl std::fmt::Debug for VerifyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("now", &self.now)
            .field("clock_skew", &self.clock_skew)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl VerifyOptions {
    /// Defaults: 60 s clock skew, 1 MiB and depth 64 input limits, the shared fast
    /// canonicaliser over the compiled-in contexts.
    pub fn new(now: DateTime<Utc>) -> Self {
        VerifyOptions {
            now,
            clock_skew: Duration::seconds(60),
            limits: Limits::default(),
            canonicalizer: FastCanonicalizer::shared(),
            status_cache: None,
            registries: Vec::new(),
            trust_policy: TrustPolicy::Standard,
            deferred: None,
        }
    }

    /// Where this verification checks a signature's group equation.
    pub(crate) fn checking(&self) -> Checking<'_> {
        match &self.deferred {
            Some(d) => Checking::Deferred(d),
            None => Checking::Now,
        }
    }

    /// These options with the canonicaliser stopping once `interrupt` is raised (a deadline, a
    /// client gone away): the verification then ends with `verification_interrupted`, a check
    /// that could not be made, at its next canonicalisation.
    pub fn interruptible(&self, interrupt: &Interrupt) -> Self {
        VerifyOptions {
            canonicalizer: Arc::new(Interruptible {
                inner: self.canonicalizer.clone(),
                interrupt: interrupt.clone(),
            }),
            ..self.clone()
        }
    }

    /// These options with every signature left to `deferred`.
    pub(crate) fn deferring_to(&self, deferred: Arc<Deferred>) -> Self {
        VerifyOptions {
            deferred: Some(deferred),
            ..self.clone()
        }
    }
}
