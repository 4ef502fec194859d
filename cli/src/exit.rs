//! The `cairn` exit codes: one table ([`Exit`]) and one exhaustive mapping from the issuer's
//! errors, so a script can tell a typo from a missing credential from a database outage. The
//! table is also `docs/errors.md`, which a test here writes from every error variant.

use cairn_issuer::Error;

/// Why `cairn` stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: the input is invalid (a value, a file, a definition, a configuration, roster rows).
    Input = 1,
    /// 2: the command line is wrong (clap's usage errors).
    Usage = 2,
    /// 3: what was named does not exist (achievement, credential, token, status list).
    NotFound = 3,
    /// 4: the request conflicts with what is stored (exists already, archived, revoked, …).
    Conflict = 4,
    /// 5: the environment failed: database, files, key permissions, signing.
    Infrastructure = 5,
}

impl Exit {
    /// Every exit code but success, for the documentation.
    #[cfg(test)]
    pub(crate) const ALL: [Exit; 5] = [
        Exit::Input,
        Exit::Usage,
        Exit::NotFound,
        Exit::Conflict,
        Exit::Infrastructure,
    ];

    /// The process exit status.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// What it means, in a few words.
    #[cfg(test)]
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            Exit::Input => "invalid input",
            Exit::Usage => "wrong command line",
            Exit::NotFound => "not found",
            Exit::Conflict => "conflicts with what is stored",
            Exit::Infrastructure => "the environment failed",
        }
    }
}

/// The exit of every issuer error. Exhaustive: a new variant does not compile until it is given
/// one here.
pub(crate) fn exit_of(e: &Error) -> Exit {
    match e {
        Error::InvalidInput { .. }
        | Error::AchievementInvalid(_)
        | Error::ConfigInvalid(..)
        | Error::KeyInvalid(..)
        | Error::Image { .. }
        | Error::DataModel { .. }
        | Error::Wallet { .. }
        | Error::InvalidIdempotencyKey
        | Error::SignScopeRequired(_)
        | Error::NotSignable(_)
        | Error::StatusNeedsUrl
        | Error::SignIn { .. }
        | Error::ArtifactRefused(_) => Exit::Input,
        Error::AchievementNotFound(_)
        | Error::TokenNotFound(_)
        | Error::CredentialNotFound(_)
        | Error::StatusListNotFound(_)
        | Error::StaffNotFound(_)
        | Error::SubmissionNotFound(_) => Exit::NotFound,
        Error::AlreadyInitialised(_)
        | Error::AchievementExists(_)
        | Error::AchievementArchived(_)
        | Error::KeyExists(_)
        | Error::RowAlreadyIssued(_)
        | Error::CredentialHasNoStatus(_)
        | Error::CredentialRevoked(_)
        | Error::IdempotencyInProgress
        | Error::IdempotencyKeyReused
        | Error::StaffExists(_)
        | Error::LastAdministrator
        | Error::SubmissionClosed(_)
        | Error::ReviewConflict(_) => Exit::Conflict,
        Error::ConfigUnreadable(..)
        | Error::KeyFilePermissions(_)
        | Error::Database(_)
        | Error::DatabaseUnavailable(_)
        | Error::Signing(_)
        | Error::Render(_)
        | Error::SelfCheckFailed(_)
        | Error::Io(..) => Exit::Infrastructure,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use std::collections::BTreeSet;
    use std::fmt::Write;
    use std::path::PathBuf;

    use cairn_issuer::{DataModelRule, ImageRefusal, SignInRefusal, WalletRefusal};

    use super::*;

    /// A number per variant: exhaustive, so a new variant does not compile until it is listed
    /// here and given an example in [`examples`].
    fn variant(e: &Error) -> usize {
        match e {
            Error::ConfigUnreadable(..) => 0,
            Error::ConfigInvalid(..) => 1,
            Error::AlreadyInitialised(_) => 2,
            Error::KeyFilePermissions(_) => 3,
            Error::KeyInvalid(..) => 4,
            Error::RowAlreadyIssued(_) => 5,
            Error::TokenNotFound(_) => 6,
            Error::KeyExists(_) => 7,
            Error::Database(_) => 8,
            Error::AchievementInvalid(_) => 9,
            Error::AchievementExists(_) => 10,
            Error::AchievementNotFound(_) => 11,
            Error::AchievementArchived(_) => 12,
            Error::InvalidInput { .. } => 13,
            Error::Signing(_) => 14,
            Error::SelfCheckFailed(_) => 15,
            Error::Io(..) => 16,
            Error::CredentialNotFound(_) => 17,
            Error::CredentialHasNoStatus(_) => 18,
            Error::CredentialRevoked(_) => 19,
            Error::StatusListNotFound(_) => 20,
            Error::StatusNeedsUrl => 21,
            Error::Image { .. } => 22,
            Error::Wallet { .. } => 23,
            Error::DataModel { .. } => 24,
            Error::InvalidIdempotencyKey => 25,
            Error::IdempotencyInProgress => 26,
            Error::IdempotencyKeyReused => 27,
            Error::SignScopeRequired(_) => 28,
            Error::NotSignable(_) => 29,
            Error::DatabaseUnavailable(_) => 30,
            Error::Render(_) => 31,
            Error::SignIn { .. } => 32,
            Error::StaffExists(_) => 33,
            Error::StaffNotFound(_) => 34,
            Error::LastAdministrator => 35,
            Error::SubmissionNotFound(_) => 36,
            Error::SubmissionClosed(_) => 37,
            Error::ReviewConflict(_) => 38,
            Error::ArtifactRefused(_) => 39,
        }
    }

    /// One example of every variant (the families with their own sub-codes by one member).
    fn examples() -> Vec<Error> {
        let f = || PathBuf::from("FILE");
        let s = |t: &str| t.to_owned();
        vec![
            Error::ConfigUnreadable(f(), s("REASON")),
            Error::ConfigInvalid(f(), s("REASON")),
            Error::AlreadyInitialised(f()),
            Error::KeyFilePermissions(f()),
            Error::KeyInvalid(f(), s("REASON")),
            Error::RowAlreadyIssued(s("ROW")),
            Error::TokenNotFound(s("TOKEN")),
            Error::KeyExists(s("KEY")),
            Error::Database(s("REASON")),
            Error::DatabaseUnavailable(s("REASON")),
            Error::Render(s("REASON")),
            Error::AchievementInvalid(s("REASON")),
            Error::AchievementExists(s("SLUG")),
            Error::AchievementNotFound(s("SLUG")),
            Error::AchievementArchived(s("SLUG")),
            Error::input("FIELD", "REASON"),
            Error::Signing(s("REASON")),
            Error::SelfCheckFailed(s("CHECK")),
            Error::Io(f(), s("REASON")),
            Error::CredentialNotFound(s("ID")),
            Error::CredentialHasNoStatus(s("ID")),
            Error::CredentialRevoked(s("ID")),
            Error::StatusListNotFound(s("URL")),
            Error::StatusNeedsUrl,
            Error::Image {
                refusal: ImageRefusal::NotAnImage,
                message: s("REASON"),
            },
            Error::wallet(WalletRefusal::InvalidGrant, "REASON"),
            Error::DataModel {
                rule: DataModelRule::IdNotUrl,
                message: s("REASON"),
            },
            Error::InvalidIdempotencyKey,
            Error::IdempotencyInProgress,
            Error::IdempotencyKeyReused,
            Error::SignScopeRequired(s("WHAT")),
            Error::NotSignable(s("WHAT")),
            Error::SignIn {
                refusal: SignInRefusal::NotStaff,
                message: s("REASON"),
            },
            Error::StaffExists(s("EMAIL")),
            Error::StaffNotFound(s("EMAIL")),
            Error::LastAdministrator,
            Error::SubmissionNotFound(s("ID")),
            Error::SubmissionClosed(s("REASON")),
            Error::ReviewConflict(s("REASON")),
            Error::ArtifactRefused(s("REASON")),
        ]
    }

    /// `docs/errors.md` as the code says it is.
    fn errors_md() -> String {
        let mut md = String::from(
            "# Error codes of the issuer (`cairn`, `cairn serve`)\n\n\
             Generated from every `cairn_issuer::Error` variant by `cli/src/exit.rs` (test\n\
             `docs_errors_md_is_current`; `CAIRN_BLESS=1` rewrites it). Each error has a stable\n\
             code, the HTTP status `cairn serve` answers with (RFC 9457 problem details whose\n\
             `code` is the code below) and the exit status of the `cairn` command. Words in capitals\n\
             stand for the details of the case.\n\n\
             | code | HTTP status | exit | message |\n|---|---|---|---|\n",
        );
        // One row per wallet refusal, image refusal and data-model rule, in place of each
        // family's one example.
        let rows = examples().into_iter().flat_map(|e| -> Vec<Error> {
            match e {
                Error::Wallet { .. } => WalletRefusal::ALL
                    .map(|r| Error::wallet(r, "REASON"))
                    .into(),
                Error::Image { .. } => ImageRefusal::ALL
                    .map(|refusal| Error::Image {
                        refusal,
                        message: "REASON".into(),
                    })
                    .into(),
                Error::SignIn { .. } => SignInRefusal::ALL
                    .map(|refusal| Error::SignIn {
                        refusal,
                        message: "REASON".into(),
                    })
                    .into(),
                Error::DataModel { .. } => DataModelRule::ALL
                    .map(|rule| Error::DataModel {
                        rule,
                        message: "REASON".into(),
                    })
                    .into(),
                other => vec![other],
            }
        });
        for e in rows {
            let status = cairn_issuer_http::status_of(&e);
            let exit = exit_of(&e);
            let code = format!("`{}`", e.code());
            writeln!(
                md,
                "| {code} | {} {} | {} | {} |",
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                exit.code(),
                e.to_string().replace('|', "\\|"),
            )
            .unwrap();
        }
        md.push_str(
            "\nWallet refusals reach a wallet as OpenID4VCI `{error, error_description}` with the\n\
             status above (the claims admin API answers `wallet_unavailable` with 409).\n\
             A 5xx answer carries no internal detail: the service's log has it.\n\n\
             ## Exit codes of `cairn`\n\n| exit | meaning |\n|---|---|\n| 0 | done |\n",
        );
        for exit in Exit::ALL {
            writeln!(md, "| {} | {} |", exit.code(), exit.meaning()).unwrap();
        }
        md.push_str(
            "\n`cairn-verify` has its own exit codes (0 valid, 1 not valid, 2 could not check, 3\n\
             usage or unreadable input); see `docs/cairn-verify.md`.\n",
        );
        md
    }

    #[test]
    fn every_variant_has_an_example_a_status_and_an_exit() {
        let seen: BTreeSet<usize> = examples().iter().map(variant).collect();
        assert_eq!(seen, (0..40).collect::<BTreeSet<_>>());
        let codes: BTreeSet<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), Exit::ALL.len(), "exit codes are distinct");
    }

    #[test]
    fn docs_errors_md_is_current() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/errors.md");
        let want = errors_md();
        if std::env::var("CAIRN_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/errors.md is out of date: run CAIRN_BLESS=1 cargo test -p cairn docs_errors_md"
        );
    }
}
