//! The console's people: roles, the one permission table that the console and the admin API
//! both enforce, staff members, and who is calling (`Caller`: an API token or a signed-in
//! person). Sessions and sign-in live in `session.rs` and `oidc.rs`.

mod oidc;
mod session;

pub(crate) use oidc::Oidc;
pub use oidc::{OidcStart, CALLBACK_PATH};
pub(crate) use session::SIGN_IN_LINK_MINUTES;
pub use session::{csrf_matches, csrf_token, SignedIn};

use crate::auth::{Principal, Scope};
use crate::credential::{check_email, rfc3339};
use crate::error::Error;
use crate::store::{Actor, StaffUserRow};
use crate::Issuer;

/// What a member of staff is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including people, keys, API tokens and the audit log.
    Admin,
    /// Credential staff: define achievements, award, find, revoke.
    Staff,
    /// Reviews the evidence assigned to them; sees nothing else of the console.
    Reviewer,
    /// Reads credentials and the audit log; changes nothing.
    Auditor,
    /// A teacher: submits evidence for achievements and sees only their own submissions.
    Teacher,
}

impl Role {
    /// Every role, in the order the docs list them.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Staff,
        Role::Reviewer,
        Role::Auditor,
        Role::Teacher,
    ];

    /// The role's name as stored and typed (`admin`, `staff`, `reviewer`, `auditor`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Teacher => "teacher",
        }
    }

    /// The role in words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Staff => "Credential staff",
            Role::Reviewer => "Reviewer",
            Role::Auditor => "Auditor (read only)",
            Role::Teacher => "Teacher",
        }
    }

    /// Reads a role from its name; an unknown name is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                Error::input(
                    "role",
                    format!("{s:?} is not a role (admin, staff, reviewer, auditor, teacher)"),
                )
            })
    }
}

/// Something a caller may be allowed to do. The table below says who may: each permission
/// names the roles that hold it and the API token scope that grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Find and open credentials, achievements, keys and status lists.
    ReadCredentials,
    /// Award credentials (one, a roster, the VC-API) and hand them to wallets.
    Issue,
    /// Revoke, suspend and reinstate credentials.
    ChangeStatus,
    /// Create, edit and archive achievements.
    ManageAchievements,
    /// Sign credentials of any type through the VC-API.
    SignAny,
    /// Rotate the signing key.
    ManageKeys,
    /// Create and revoke API tokens.
    ManageTokens,
    /// Read and export the audit log.
    ReadAudit,
    /// Add staff, change their roles, remove them.
    ManageUsers,
    /// Change the issuer profile and the email sender.
    ManageSettings,
    /// Submit evidence for an achievement, and follow one's own submissions.
    Submit,
    /// Review the submissions one is assigned to.
    Review,
    /// See every submission and its evidence, assign reviewers, sign queued awards, read and
    /// export the review reports.
    ManageReviews,
    /// Decide teachers' pre-approval requests for pay and export awards for payroll.
    ApprovePay,
}

/// The permission table: who may do what. The console's pages and the admin API both ask
/// [`Caller::may`], which reads only this table.
const TABLE: [(Permission, &[Role], Scope); 14] = [
    (
        Permission::ReadCredentials,
        &[Role::Admin, Role::Staff, Role::Auditor],
        Scope::Read,
    ),
    (Permission::Issue, &[Role::Admin, Role::Staff], Scope::Issue),
    (
        Permission::ChangeStatus,
        &[Role::Admin, Role::Staff],
        Scope::Revoke,
    ),
    (
        Permission::ManageAchievements,
        &[Role::Admin, Role::Staff],
        Scope::Admin,
    ),
    (Permission::SignAny, &[Role::Admin], Scope::Sign),
    (Permission::ManageKeys, &[Role::Admin], Scope::Admin),
    (Permission::ManageTokens, &[Role::Admin], Scope::Admin),
    (
        Permission::ReadAudit,
        &[Role::Admin, Role::Auditor],
        Scope::Admin,
    ),
    (Permission::ManageUsers, &[Role::Admin], Scope::Admin),
    (Permission::ManageSettings, &[Role::Admin], Scope::Admin),
    (
        Permission::Submit,
        &[Role::Admin, Role::Teacher],
        Scope::Issue,
    ),
    (
        Permission::Review,
        &[Role::Admin, Role::Staff, Role::Reviewer],
        Scope::Admin,
    ),
    (
        Permission::ManageReviews,
        &[Role::Admin, Role::Staff],
        Scope::Admin,
    ),
    (
        Permission::ApprovePay,
        &[Role::Admin, Role::Staff],
        Scope::Admin,
    ),
];

impl Permission {
    /// Every permission, in the table's order.
    pub const ALL: [Permission; 14] = [
        Permission::ReadCredentials,
        Permission::Issue,
        Permission::ChangeStatus,
        Permission::ManageAchievements,
        Permission::SignAny,
        Permission::ManageKeys,
        Permission::ManageTokens,
        Permission::ReadAudit,
        Permission::ManageUsers,
        Permission::ManageSettings,
        Permission::Submit,
        Permission::Review,
        Permission::ManageReviews,
        Permission::ApprovePay,
    ];

    fn row(self) -> (&'static [Role], Scope) {
        TABLE
            .iter()
            .find(|(p, ..)| *p == self)
            .map(|(_, roles, scope)| (*roles, *scope))
            .unwrap_or((&[], Scope::Admin))
    }

    /// The roles that hold this permission.
    pub fn roles(self) -> &'static [Role] {
        self.row().0
    }

    /// The API token scope that grants it (`admin` grants every one).
    pub fn scope(self) -> Scope {
        self.row().1
    }

    /// What it allows, in words.
    pub fn label(self) -> &'static str {
        match self {
            Permission::ReadCredentials => "Find and open credentials, achievements and keys",
            Permission::Issue => "Award credentials and send them to wallets",
            Permission::ChangeStatus => "Revoke, suspend and reinstate credentials",
            Permission::ManageAchievements => "Create, edit and archive achievements",
            Permission::SignAny => "Sign credentials of any type through the VC-API",
            Permission::ManageKeys => "Rotate the signing key",
            Permission::ManageTokens => "Create and revoke API tokens",
            Permission::ReadAudit => "Read and export the audit log",
            Permission::ManageUsers => "Add staff, change roles, remove staff",
            Permission::ManageSettings => "Change the issuer profile and the email sender",
            Permission::Submit => "Submit evidence and follow one's own submissions",
            Permission::Review => "Review the submissions one is assigned to",
            Permission::ManageReviews => {
                "See every submission, assign reviewers, sign queued awards, read review reports"
            }
            Permission::ApprovePay => "Decide pre-approvals for pay and export awards for payroll",
        }
    }
}

/// A member of staff who may use the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Their (lower-cased) email address.
    pub email: String,
    /// Their name, when known.
    pub name: Option<String>,
    /// Their role.
    pub role: Role,
    /// When they were added (RFC 3339).
    pub added_at: String,
    /// When they were removed, if they were.
    pub removed_at: Option<String>,
}

impl StaffMember {
    fn from_row(row: StaffUserRow) -> Result<Self, Error> {
        Ok(StaffMember {
            role: Role::parse(&row.role)?,
            email: row.email,
            name: row.name,
            added_at: row.created_at,
            removed_at: row.disabled_at,
        })
    }

    /// How the audit log names this person.
    pub fn actor(&self) -> Actor {
        Actor(format!("staff:{}", self.email))
    }
}

/// Who is asking: a machine with an API token, or a person signed in to the console.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A bearer token.
    Token(Principal),
    /// A console session.
    Staff(SignedIn),
}

impl Caller {
    /// Whether this caller may do `permission` (the one check, from the permission table).
    pub fn may(&self, permission: Permission) -> bool {
        match self {
            Caller::Token(principal) => principal.allows(permission.scope()),
            Caller::Staff(signed_in) => signed_in.may(permission),
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::Token(principal) => principal.actor(),
            Caller::Staff(signed_in) => signed_in.member.actor(),
        }
    }

    /// Whose Idempotency-Keys these are: a token's id, or the person's audit name.
    pub fn idempotency_owner(&self) -> String {
        match self {
            Caller::Token(principal) => principal.token_id.clone(),
            Caller::Staff(signed_in) => signed_in.member.actor().0,
        }
    }
}

/// 256 random bits, base64url: a secret for a browser to hold (the console's sign-in cookie).
pub fn new_secret() -> String {
    crate::auth::random_secret()
}

/// An email address as the console keys people: trimmed and lower-cased, and plausible.
pub(crate) fn normal_email(email: &str) -> Result<String, Error> {
    let email = email.trim().to_lowercase();
    check_email(&email)?;
    Ok(email)
}

impl Issuer {
    /// Adds a member of staff with `role` (`staff_exists` when the address is there already).
    pub async fn add_staff(
        &self,
        email: &str,
        name: Option<&str>,
        role: Role,
        actor: &Actor,
    ) -> Result<StaffMember, Error> {
        let row = StaffUserRow {
            email: normal_email(email)?,
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            role: role.name().to_owned(),
            created_at: rfc3339(self.now()),
            disabled_at: None,
        };
        self.store.insert_staff(&row, actor).await?;
        StaffMember::from_row(row)
    }

    /// Every member of staff, current and removed, by email.
    pub async fn staff_members(&self) -> Result<Vec<StaffMember>, Error> {
        self.store
            .staff_list()
            .await?
            .into_iter()
            .map(StaffMember::from_row)
            .collect()
    }

    /// A current member of staff by email.
    pub(crate) async fn current_member(&self, email: &str) -> Result<Option<StaffMember>, Error> {
        match self.store.staff(email).await? {
            Some(row) if row.disabled_at.is_none() => Ok(Some(StaffMember::from_row(row)?)),
            _ => Ok(None),
        }
    }

    /// Gives a member another role. The last administrator keeps theirs
    /// (`last_administrator`), so the console always has someone who can manage it.
    pub async fn set_staff_role(
        &self,
        email: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<(), Error> {
        let email = normal_email(email)?;
        let current = self
            .current_member(&email)
            .await?
            .ok_or_else(|| Error::StaffNotFound(email.clone()))?;
        if current.role == Role::Admin && role != Role::Admin {
            self.keep_an_administrator().await?;
        }
        if self
            .store
            .set_staff_role(&email, role.name(), &rfc3339(self.now()), actor)
            .await?
        {
            Ok(())
        } else {
            Err(Error::StaffNotFound(email))
        }
    }

    /// Removes a member: they can no longer sign in, and their sessions end now. The last
    /// administrator cannot be removed (`last_administrator`).
    pub async fn remove_staff(&self, email: &str, actor: &Actor) -> Result<(), Error> {
        let email = normal_email(email)?;
        let current = self
            .current_member(&email)
            .await?
            .ok_or_else(|| Error::StaffNotFound(email.clone()))?;
        if current.role == Role::Admin {
            self.keep_an_administrator().await?;
        }
        if self
            .store
            .disable_staff(&email, &rfc3339(self.now()), actor)
            .await?
        {
            Ok(())
        } else {
            Err(Error::StaffNotFound(email))
        }
    }

    async fn keep_an_administrator(&self) -> Result<(), Error> {
        if self.store.count_staff_with_role(Role::Admin.name()).await? <= 1 {
            return Err(Error::LastAdministrator);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table holds every permission once, and the roles' powers are as the docs say.
    #[test]
    fn the_table_covers_every_permission_once() {
        for p in Permission::ALL {
            assert_eq!(TABLE.iter().filter(|(q, ..)| *q == p).count(), 1, "{p:?}");
        }
        let holds = |role: Role| -> Vec<Permission> {
            Permission::ALL
                .into_iter()
                .filter(|p| p.roles().contains(&role))
                .collect()
        };
        assert_eq!(holds(Role::Admin), Permission::ALL.to_vec());
        assert_eq!(holds(Role::Reviewer), vec![Permission::Review]);
        assert_eq!(holds(Role::Teacher), vec![Permission::Submit]);
        assert_eq!(
            holds(Role::Auditor),
            vec![Permission::ReadCredentials, Permission::ReadAudit]
        );
        assert!(!holds(Role::Staff).contains(&Permission::ManageTokens));
    }

    #[test]
    fn roles_parse_by_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.name()).ok(), Some(r));
        }
        assert_eq!(
            Role::parse("root").err().map(|e| e.code()),
            Some("invalid_input")
        );
    }
}
