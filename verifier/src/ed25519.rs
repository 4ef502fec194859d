//! Cairn's one Ed25519 acceptance rule, for a signature checked alone and for signatures checked
//! together in a batch, so that no verdict depends on which way a signature was checked.
//!
//! The rule is RFC 8032 §5.1.7 with its cofactored group equation `[8][S]B = [8]R + [8][k]A`,
//! which ed25519-zebra implements (as ZIP 215) identically for one signature and for a batch,
//! plus the checks where ZIP 215 is looser than RFC 8032 or than ed25519-dalek's
//! `verify_strict`:
//! - RFC 8032 §5.1.3: A and R must be canonical encodings (y < p; ZIP 215 accepts y ≥ p);
//! - as `verify_strict`: neither A nor R may be of small order (a small-order key "signs" every
//!   message; a small-order R is never made by an honest signer);
//! - RFC 8032 §5.1.7: S < L (ZIP 215 checks it too).
//!
//! The rule accepts more than `verify_strict` (cofactorless, `[S]B = R + [k]A`) in one case
//! only: a signature whose R, or whose key, carries a small torsion component. Only the holder
//! of the secret key can make one; an honest signer never does. The cofactorless equation cannot
//! be checked in a batch (its random weights would accept such a signature with probability up
//! to 1/2), which is why Cairn does not use it.

use std::sync::{Mutex, OnceLock, PoisonError};

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::VerifyingKey;
use ed25519_zebra::{batch, Signature, VerificationKeyBytes};

/// RFC 8032 §5.1.3: an encoding is canonical when its y coordinate (the low 255 bits) is below
/// p = 2^255 − 19. Encodings of points with x = 0 and the sign bit set are of small order and
/// refused by [`small_order_point`]. Bytes that are no point at all fail the group equation.
fn canonical_y(bytes: &[u8; 32]) -> bool {
    let high = bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff);
    !(high && bytes[0] >= 0xed)
}

/// Whether a canonical encoding is that of a point of small order (8·P = 0), without
/// decompressing it: the eight such points have five y coordinates (1, −1, 0 and two for the
/// points of order 8), read off curve25519-dalek's table of them once.
fn small_order_point(bytes: &[u8; 32]) -> bool {
    static SMALL_ORDER_Y: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    let table = SMALL_ORDER_Y.get_or_init(|| {
        EIGHT_TORSION
            .iter()
            .map(|p| {
                let mut y = p.compress().to_bytes();
                y[31] &= 0x7f;
                y
            })
            .collect()
    });
    let mut y = *bytes;
    y[31] &= 0x7f;
    table.contains(&y)
}

/// A signature that passed the encoding checks; its group equation is still to be checked.
#[derive(Clone)]
pub(crate) struct Pending(batch::Item);

impl Pending {
    /// The encoding checks of the rule; `None` when the signature is refused by them.
    pub(crate) fn new(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> Option<Self> {
        let a = key.as_bytes();
        let r: &[u8; 32] = signature[..32].try_into().ok()?;
        // small_order_point reads canonical encodings only, so canonical_y comes first.
        if !canonical_y(a) || key.is_weak() || !canonical_y(r) || small_order_point(r) {
            return None;
        }
        let signature = Signature::from_bytes(signature);
        Some(Pending(batch::Item::from((
            VerificationKeyBytes::from(*a),
            signature,
            message,
        ))))
    }

    /// The group equation for this signature alone.
    pub(crate) fn holds(self) -> bool {
        self.0.verify_single().is_ok()
    }
}

/// The rule for one signature (exported, hidden, as `accepts_one` for benchmarks).
pub fn accepts(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    Pending::new(key, message, signature).is_some_and(Pending::holds)
}

/// Signatures of one unit of work (a credential, a presentation) whose group equations are
/// left for one batch check with other units: the caller treats each as valid for now and, when
/// [`settle`] says the unit failed, verifies the unit again with every signature checked alone.
#[derive(Default)]
pub(crate) struct Deferred {
    pending: Mutex<Vec<Pending>>,
}

impl Deferred {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks the encodings now and defers the group equation; `false` when the encodings
    /// already refuse the signature.
    pub(crate) fn defer(&self, key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        match Pending::new(key, message, signature) {
            Some(p) => {
                self.lock().push(p);
                true
            }
            None => false,
        }
    }
}

/// Where a signature's group equation is checked: now, or deferred to a batch.
#[derive(Clone, Copy)]
pub(crate) enum Checking<'a> {
    Now,
    Deferred(&'a Deferred),
}

impl Checking<'_> {
    /// The rule applied now, or its encoding checks now and the equation deferred.
    pub(crate) fn accepts(self, key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        match self {
            Checking::Now => accepts(key, message, signature),
            Checking::Deferred(d) => d.defer(key, message, signature),
        }
    }
}

/// Checks every deferred signature of every unit in one batch equation (random 128-bit weights
/// from the operating system). Returns, for each unit, whether all its signatures hold. When
/// the batch fails, each signature is checked alone to find the units that failed.
pub(crate) fn settle(units: &[&Deferred]) -> Vec<bool> {
    let pending: Vec<Vec<Pending>> = units
        .iter()
        .map(|u| std::mem::take(&mut *u.lock()))
        .collect();
    let mut verifier = batch::Verifier::new();
    let mut queued = 0usize;
    for p in pending.iter().flatten() {
        verifier.queue(p.0.clone());
        queued += 1;
    }
    if queued == 0 || verifier.verify(rand_core::OsRng).is_ok() {
        return vec![true; units.len()];
    }
    pending
        .into_iter()
        .map(|unit| unit.into_iter().all(Pending::holds))
        .collect()
}

/// The rule for a set of signatures checked together, for benchmarks and tests: one verdict per
/// signature, equal to [`accepts`] for each.
#[doc(hidden)]
pub fn accepts_each(items: &[(VerifyingKey, &[u8], [u8; 64])]) -> Vec<bool> {
    let units: Vec<Deferred> = items.iter().map(|_| Deferred::default()).collect();
    let encodings: Vec<bool> = items
        .iter()
        .zip(&units)
        .map(|((key, message, signature), unit)| unit.defer(key, message, signature))
        .collect();
    let refs: Vec<&Deferred> = units.iter().collect();
    settle(&refs)
        .into_iter()
        .zip(encodings)
        .map(|(equation, encoding)| equation && encoding)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::Identity;
    use sha2::{Digest, Sha512};

    /// One edge case: what Cairn's rule decides, and what `verify_strict` decides.
    struct Case {
        name: &'static str,
        key: [u8; 32],
        message: Vec<u8>,
        signature: [u8; 64],
        cairn: bool,
        strict: bool,
    }

    fn scalar(seed: u8) -> Scalar {
        Scalar::from_bytes_mod_order_wide(&Sha512::digest([seed]).into())
    }

    /// RFC 8032 §5.1.6 with the nonce and key points given: k = H(R ‖ A ‖ M), S = r + k·a.
    fn sign(a: Scalar, key: [u8; 32], r: Scalar, r_bytes: [u8; 32], m: &[u8]) -> [u8; 64] {
        let k = k_of(r_bytes, key, m);
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice((r + k * a).as_bytes());
        sig
    }

    fn k_of(r_bytes: [u8; 32], key: [u8; 32], m: &[u8]) -> Scalar {
        let h = Sha512::new()
            .chain_update(r_bytes)
            .chain_update(key)
            .chain_update(m);
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// y = p + 1 with the sign bit clear: a non-canonical encoding of the identity.
    fn non_canonical_identity() -> [u8; 32] {
        let mut y = [0xffu8; 32];
        y[0] = 0xee;
        y[31] = 0x7f;
        y
    }

    fn cases() -> Vec<Case> {
        let (a, r) = (scalar(1), scalar(2));
        let key = (a * B).compress().to_bytes();
        let m = b"hash data of a credential".to_vec();
        let honest = |r_point: EdwardsPoint| sign(a, key, r, r_point.compress().to_bytes(), &m);
        let valid = honest(r * B);
        let mut out = vec![
            Case {
                name: "valid",
                key,
                message: m.clone(),
                signature: valid,
                cairn: true,
                strict: true,
            },
            Case {
                name: "other message",
                key,
                message: b"another credential".to_vec(),
                signature: valid,
                cairn: false,
                strict: false,
            },
            Case {
                name: "flipped bit in S",
                key,
                message: m.clone(),
                signature: {
                    let mut s = valid;
                    s[40] ^= 1;
                    s
                },
                cairn: false,
                strict: false,
            },
            // The one case where the rules differ: R = rB + T, made with the secret key.
            Case {
                name: "R with an order-8 torsion component",
                key,
                message: m.clone(),
                signature: honest(r * B + EIGHT_TORSION[1]),
                cairn: true,
                strict: false,
            },
            Case {
                name: "R with an order-2 torsion component",
                key,
                message: m.clone(),
                signature: honest(r * B + EIGHT_TORSION[4]),
                cairn: true,
                strict: false,
            },
            // S ≥ L: RFC 8032 §5.1.7 refuses it (signature malleability).
            Case {
                name: "S + L (non-canonical S)",
                key,
                message: m.clone(),
                signature: {
                    // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
                    const L: [u8; 32] = [
                        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
                        0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
                    ];
                    let mut sig = valid;
                    let mut carry = 0u16;
                    for (byte, l) in sig[32..].iter_mut().zip(L) {
                        let sum = u16::from(*byte) + u16::from(l) + carry;
                        *byte = sum as u8;
                        carry = sum >> 8;
                    }
                    assert_eq!(carry, 0, "S + L fits in 32 bytes");
                    sig
                },
                cairn: false,
                strict: false,
            },
        ];
        // R of small order with S = k·a satisfies the cofactored equation (ZIP 215 accepts it).
        let t = EIGHT_TORSION[1].compress().to_bytes();
        out.push(Case {
            name: "R of small order",
            key,
            message: m.clone(),
            signature: sign(a, key, Scalar::ZERO, t, &m),
            cairn: false,
            strict: false,
        });
        // The same with R encoded non-canonically (y ≥ p): ZIP 215 accepts it too.
        let nc = non_canonical_identity();
        out.push(Case {
            name: "R non-canonical (y = p + 1)",
            key,
            message: m.clone(),
            signature: sign(a, key, Scalar::ZERO, nc, &m),
            cairn: false,
            strict: false,
        });
        // A key of small order "signs" any message with S = r (cofactored: 8·k·A = 0).
        let weak = EIGHT_TORSION[1].compress().to_bytes();
        out.push(Case {
            name: "key of small order",
            key: weak,
            message: m.clone(),
            signature: sign(Scalar::ZERO, weak, r, (r * B).compress().to_bytes(), &m),
            cairn: false,
            strict: false,
        });
        let identity = EdwardsPoint::identity().compress().to_bytes();
        out.push(Case {
            name: "identity key",
            key: identity,
            message: m.clone(),
            signature: sign(Scalar::ZERO, identity, r, (r * B).compress().to_bytes(), &m),
            cairn: false,
            strict: false,
        });
        // A key with a torsion component, A = aB + T, signing honestly; a message whose k is
        // not a multiple of 8, so that the cofactorless equation fails.
        let mixed = (a * B + EIGHT_TORSION[1]).compress().to_bytes();
        let r_bytes = (r * B).compress().to_bytes();
        let message = (0u8..)
            .map(|i| [m.as_slice(), &[i]].concat())
            .find(|msg| !k_of(r_bytes, mixed, msg).as_bytes()[0].is_multiple_of(8))
            .unwrap();
        out.push(Case {
            name: "key with a torsion component",
            key: mixed,
            signature: sign(a, mixed, r, r_bytes, &message),
            message,
            cairn: true,
            strict: false,
        });
        out
    }

    fn key_of(case: &Case) -> VerifyingKey {
        VerifyingKey::from_bytes(&case.key).expect(case.name)
    }

    /// Every case decided alone, in a batch of its own and in a batch among valid signatures,
    /// with the same verdict; `verify_strict`'s verdict pins where the rules differ.
    #[test]
    fn edge_cases_decide_the_same_alone_and_in_a_batch() {
        let cases = cases();
        let valid = &cases[0];
        for case in &cases {
            let key = key_of(case);
            let one = (key, case.message.as_slice(), case.signature);
            assert_eq!(
                accepts(&key, &case.message, &case.signature),
                case.cairn,
                "{}",
                case.name
            );
            let strict = key
                .verify_strict(
                    &case.message,
                    &ed25519_dalek::Signature::from_bytes(&case.signature),
                )
                .is_ok();
            assert_eq!(strict, case.strict, "verify_strict: {}", case.name);
            assert_eq!(
                accepts_each(&[one]),
                [case.cairn],
                "batch of one: {}",
                case.name
            );
            let good = (key_of(valid), valid.message.as_slice(), valid.signature);
            assert_eq!(
                accepts_each(&[good, one, good]),
                [true, case.cairn, true],
                "among valid: {}",
                case.name
            );
        }
    }

    /// Batches of every size made of the cases in changing orders: each verdict is the
    /// signature's verdict alone.
    #[test]
    fn mixed_batches_agree_with_single_checks() {
        let cases = cases();
        let items: Vec<(VerifyingKey, &[u8], [u8; 64])> = cases
            .iter()
            .map(|c| (key_of(c), c.message.as_slice(), c.signature))
            .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..48 {
            let mut batch = Vec::new();
            let mut expected = Vec::new();
            for _ in 0..(1 + round % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = (state % items.len() as u64) as usize;
                batch.push(items[i]);
                expected.push(cases[i].cairn);
            }
            assert_eq!(accepts_each(&batch), expected, "round {round}");
        }
    }

    /// Units settle together: one unit's bad signature fails that unit only.
    #[test]
    fn settle_names_the_failing_unit() {
        let cases = cases();
        let units: Vec<Deferred> = (0..4).map(|_| Deferred::default()).collect();
        for (unit, case) in units
            .iter()
            .zip([&cases[0], &cases[3], &cases[1], &cases[0]])
        {
            // The encodings of these cases pass; the equation decides.
            assert!(unit.defer(&key_of(case), &case.message, &case.signature));
            assert!(unit.defer(&key_of(&cases[0]), &cases[0].message, &cases[0].signature));
        }
        let refs: Vec<&Deferred> = units.iter().collect();
        assert_eq!(settle(&refs), [true, true, false, true]);
        assert_eq!(
            settle(&refs),
            [true; 4],
            "settled signatures are not checked twice"
        );
    }

    /// The table lookup agrees with decompressing the point and multiplying by the cofactor.
    #[test]
    fn small_order_by_table_is_small_order() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let mut encodings: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .flat_map(|p| {
                let y = p.compress().to_bytes();
                let mut flipped = y;
                flipped[31] ^= 0x80;
                [y, flipped]
            })
            .collect();
        encodings.extend((1u8..40).map(|i| (scalar(i) * B).compress().to_bytes()));
        encodings
            .extend((1u8..40).map(|i| (scalar(i) * B + EIGHT_TORSION[3]).compress().to_bytes()));
        for bytes in encodings {
            let by_point = CompressedEdwardsY(bytes)
                .decompress()
                .map(|p| p.is_small_order());
            if let Some(want) = by_point {
                assert_eq!(small_order_point(&bytes), want, "{bytes:02x?}");
            }
        }
    }

    #[test]
    fn canonical_y_is_y_below_p() {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!canonical_y(&p));
        let mut below = p;
        below[0] = 0xec;
        assert!(canonical_y(&below));
        for low in 0xed..=0xff {
            let mut y = p;
            y[0] = low;
            assert!(!canonical_y(&y), "{low:#x}");
            y[31] |= 0x80;
            assert!(!canonical_y(&y), "{low:#x} with the sign bit");
        }
        assert!(canonical_y(&[0u8; 32]));
    }
}
