//! The verification report: every check with its outcome, code and message, and the verdict.
//!
//! DESIGN invariant 3: a verdict is not an error. Checks never stop at the first failure, and a
//! check that could not run says so; "could not check" never reads as "passed".

use serde::{Deserialize, Serialize};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check ran and the credential met it.
    Passed,
    /// The check ran and the credential did not meet it.
    Failed,
    /// The check does not apply, or cannot run yet; the message says why.
    Skipped,
    /// The check could not be completed (e.g. a document could not be obtained).
    Error,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (or was skipped for a reason that does not matter).
    Valid,
    /// A check failed: do not accept the credential.
    Invalid,
    /// A check could not be completed: nothing is known either way.
    Indeterminate,
}

impl Verdict {
    /// The `cairn-verify` exit code for this verdict (0 valid, 1 invalid, 2 indeterminate).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Indeterminate => 2,
        }
    }
}

/// One check: what was checked, its outcome, a stable snake_case code and a plain message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Which check (`proof`, `status`, …; see `check_label`).
    pub check: String,
    /// Its outcome.
    pub status: CheckStatus,
    /// The stable code (declared in `REPORT_CODES`).
    pub code: String,
    /// What happened, for a person.
    pub message: String,
    /// A skipped check that leaves the verdict open (e.g. a status list that was not read).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
    /// A stable code for why a check could not be completed, when `code` is a general one
    /// (e.g. `status_unavailable` because of `status_list_wrong_issuer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A plain-language name for a check (`proof` → "Signature"), for pages people read; an unknown
/// check keeps its own name.
pub fn check_label(check: &str) -> &str {
    match check {
        "context" => "Open Badges format",
        "type" => "Credential type",
        "required_fields" => "Required information",
        "subject_identifier" => "Recipient identifier",
        "json_ld" => "Vocabulary",
        "proof" => "Signature",
        "jwt_header" => "Token header",
        "jwt_claims" => "Token claims",
        "validity_window" => "Dates",
        "status" => "Revocation and suspension",
        "endorsements" => "Endorsements",
        "trust" => "Trust registry",
        "credentials" => "Embedded credentials",
        other => other,
    }
}

/// One row of a checks table for people: every result of one check (a JWT's signature and its
/// embedded proof; a revocation and a suspension list) under the worst of them, in words that
/// agree with the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow<'a> {
    /// The check's name (`proof`, `status`, …; [`check_label`] gives its label).
    pub check: &'a str,
    /// The row's class: `passed`, `failed`, `error`, `unknown` or `skipped`.
    pub class: &'static str,
    /// The row's result in words: "Passed", "Failed", "Could not check", "Not applicable",
    /// "Not applied", "Not recognised", "Cannot be revoked".
    pub word: &'static str,
    /// Every result of the check, in the order they ran.
    pub results: Vec<&'a Check>,
}

/// How bad a row class is, for the row's worst.
fn severity(class: &str) -> u8 {
    match class {
        "failed" => 4,
        "error" => 3,
        "unknown" => 2,
        "passed" => 1,
        _ => 0,
    }
}

/// One result in words that agree with the verdict: the trust registry's judgement is not
/// applied to a credential that is not valid; an issuer the registry does not know is "Not
/// recognised", not "Not applicable"; no status list means it cannot be revoked.
fn result_words(verdict: Verdict, c: &Check) -> (&'static str, &'static str) {
    match (c.check.as_str(), c.status) {
        ("trust", _) if verdict != Verdict::Valid => ("skipped", "Not applied"),
        ("trust", CheckStatus::Skipped) => ("unknown", "Not recognised"),
        ("status", CheckStatus::Skipped) if c.code == "no_status" => {
            ("skipped", "Cannot be revoked")
        }
        (_, CheckStatus::Passed) => ("passed", "Passed"),
        (_, CheckStatus::Failed) => ("failed", "Failed"),
        (_, CheckStatus::Error) => ("error", "Could not check"),
        (_, CheckStatus::Skipped) if c.unresolved => ("error", "Could not check"),
        (_, CheckStatus::Skipped) => ("skipped", "Not applicable"),
    }
}

/// One `evidence` entry as the credential states it (OB 3.0 §B.1.6 Evidence), for people to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    /// Where the evidence is (its `id`, a URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its narrative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// The report for one credential (and, nested, for each embedded endorsement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Valid, invalid or indeterminate.
    pub verdict: Verdict,
    /// The credential's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The issuer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<String>,
    /// The issuer's name, as the credential states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// The achievement's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_name: Option<String>,
    /// The achievement's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_description: Option<String>,
    /// The achievement's image (`image.id`, or `image` as a string): a URL or a `data:` URI, as
    /// stated (OB 3.0 §B.1.18 Image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_image: Option<String>,
    /// The issuer profile's web address (`issuer.url`), as stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
    /// The issuer profile's email (`issuer.email`), as stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_email: Option<String>,
    /// The achievement's criteria, as its narrative states them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<String>,
    /// The credits the recipient earned (`creditsEarned`), else those the achievement offers
    /// (`creditsAvailable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<f64>,
    /// The evidence the credential names (a link, a name, a narrative each), as stated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceSummary>,
    /// The recipient's name when the credential states it unhashed (never the email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_name: Option<String>,
    /// `validFrom` (`issuanceDate` in VC 1.1) as the credential states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// `validUntil` (`expirationDate` in VC 1.1) as the credential states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Which proof form was checked, e.g. `DataIntegrityProof/eddsa-rdfc-2022`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof_forms: Vec<String>,
    /// The instant the checks were evaluated against (RFC 3339).
    pub checked_at: String,
    /// Every check, in the order they ran.
    pub checks: Vec<Check>,
    /// One report per embedded endorsement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endorsements: Vec<Report>,
    /// Whether the loaded trust registries recognise the issuer and achievement, and what the
    /// credential counts for (present when registries were given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<crate::trust::TrustReport>,
    /// Who vouches for who the issuer is: a registry loaded here, the issuer's web domain, or
    /// nobody (the name is then the credential's own claim). It means something only when the
    /// signature is valid.
    #[serde(default)]
    pub issuer_identity: crate::trust::IssuerIdentity,
}

impl Report {
    /// The checks as a table for people: one row per check, in the order the checks first ran,
    /// each under its worst result (see [`CheckRow`]).
    pub fn rows(&self) -> Vec<CheckRow<'_>> {
        let mut rows: Vec<CheckRow<'_>> = Vec::new();
        for c in &self.checks {
            let (class, word) = result_words(self.verdict, c);
            match rows.iter_mut().find(|r| r.check == c.check) {
                Some(row) => {
                    if severity(class) > severity(row.class) {
                        (row.class, row.word) = (class, word);
                    }
                    row.results.push(c);
                }
                None => rows.push(CheckRow {
                    check: &c.check,
                    class,
                    word,
                    results: vec![c],
                }),
            }
        }
        rows
    }

    /// The first failed check's code, or the first could-not-check code.
    pub fn first_problem(&self) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| c.status == CheckStatus::Failed)
            .or_else(|| self.checks.iter().find(|c| is_unresolved(c)))
    }

    /// The codes of all checks that failed.
    pub fn failed_codes(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
            .map(|c| c.code.as_str())
            .collect()
    }
}

fn is_unresolved(c: &Check) -> bool {
    c.status == CheckStatus::Error || (c.status == CheckStatus::Skipped && c.unresolved)
}

/// Collects checks in order and derives the verdict from them.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    list: Vec<Check>,
}

impl Checks {
    pub(crate) fn push(&mut self, check: &str, status: CheckStatus, code: &str, message: String) {
        // Every code is declared once, with its check and spec section (codes.rs).
        debug_assert!(
            crate::codes::report_code(code).is_some_and(|c| c.check == check),
            "report code {code:?} of check {check:?} is not declared in codes.rs"
        );
        self.list.push(Check {
            check: check.to_owned(),
            status,
            code: code.to_owned(),
            message,
            unresolved: false,
            reason: None,
        });
    }

    /// Whether a check with this code has been recorded.
    pub(crate) fn has(&self, code: &str) -> bool {
        self.list.iter().any(|c| c.code == code)
    }

    pub(crate) fn pass(&mut self, check: &str, code: &str, message: impl Into<String>) {
        self.push(check, CheckStatus::Passed, code, message.into());
    }

    pub(crate) fn fail(&mut self, check: &str, code: &str, message: impl Into<String>) {
        self.push(check, CheckStatus::Failed, code, message.into());
    }

    pub(crate) fn skip(&mut self, check: &str, code: &str, message: impl Into<String>) {
        self.push(check, CheckStatus::Skipped, code, message.into());
    }

    /// A skipped check that keeps the verdict from being `valid`.
    pub(crate) fn skip_unresolved(&mut self, check: &str, code: &str, message: impl Into<String>) {
        self.push(check, CheckStatus::Skipped, code, message.into());
        if let Some(last) = self.list.last_mut() {
            last.unresolved = true;
        }
    }

    pub(crate) fn error(&mut self, check: &str, code: &str, message: impl Into<String>) {
        self.push(check, CheckStatus::Error, code, message.into());
    }

    /// A check that could not be completed, with the stable code of the reason.
    pub(crate) fn error_with_reason(
        &mut self,
        check: &str,
        code: &str,
        reason: &str,
        message: impl Into<String>,
    ) {
        self.error_because(check, code, Some(reason), message);
    }

    /// A check that could not be completed, with the reason's code when there is one.
    pub(crate) fn error_because(
        &mut self,
        check: &str,
        code: &str,
        reason: Option<&str>,
        message: impl Into<String>,
    ) {
        self.push(check, CheckStatus::Error, code, message.into());
        if let Some(last) = self.list.last_mut() {
            last.reason = reason.map(str::to_owned);
        }
    }

    /// Invalid if any check failed; indeterminate if any could not be completed; else valid.
    pub(crate) fn verdict(&self, endorsements: &[Report]) -> Verdict {
        if self.list.iter().any(|c| c.status == CheckStatus::Failed)
            || endorsements.iter().any(|r| r.verdict == Verdict::Invalid)
        {
            Verdict::Invalid
        } else if self.list.iter().any(is_unresolved)
            || endorsements
                .iter()
                .any(|r| r.verdict == Verdict::Indeterminate)
        {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Check> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_have_plain_labels_and_unknown_ones_keep_their_name() {
        assert_eq!(check_label("proof"), "Signature");
        assert_eq!(check_label("validity_window"), "Dates");
        assert_eq!(check_label("something_new"), "something_new");
    }
}
