//! The console's overview: what happened this month, what needs attention, the latest audit
//! entries (for those who may read the log), and signing out everywhere.

use axum::extract::State;
use axum::response::Response;
use cairn_issuer::{AuditFilter, Permission};
use maud::html;

use super::records::audit_table;
use super::{error_page, page, Console, SignedInOnly};
use crate::Shared;

/// `GET /console`.
pub(crate) async fn dashboard(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
) -> Response {
    let who = &staff.signed_in;
    let overview = match issuer.overview().await {
        Ok(o) => o,
        Err(e) => return error_page(e, Some(who)),
    };
    let recent = if staff.may(Permission::ReadAudit) {
        let filter = AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        };
        match issuer.search_audit(&filter).await {
            Ok(entries) => Some(entries),
            Err(e) => return error_page(e, Some(who)),
        }
    } else {
        None
    };
    let open_reviews = if staff.may(Permission::Review) {
        match issuer.my_reviews(&who.member.email).await {
            Ok(r) => r
                .iter()
                .filter(|(r, s)| r.submitted_at.is_none() && cairn_issuer::is_open(&s.state))
                .count(),
            Err(e) => return error_page(e, Some(who)),
        }
    } else {
        0
    };
    let tz = issuer.time_zone();
    let name = who.member.name.as_deref().unwrap_or(&who.member.email);
    let body = html! {
        p class="lead" { "Welcome, " (name) "." }
        @if staff.may(Permission::ReadCredentials) {
            h2 { "This month" }
            dl class="stats" {
                div { dt { "Credentials issued" } dd { (overview.issued_this_month) } }
                div { dt { "Revoked or suspended" } dd { (overview.status_changes_this_month) } }
            }
            h2 { "Needs attention" }
            @if overview.failed_emails_30_days == 0 {
                p { "Nothing: every email of the last 30 days was sent." }
            } @else {
                p {
                    (overview.failed_emails_30_days) " email(s) could not be sent in the last 30 days. "
                    @if staff.may(Permission::ReadAudit) {
                        a href="/console/audit?action=notification.failed" { "See which" }
                    }
                }
            }
            p { a href="/console/credentials" { "Find a credential" } }
            @if staff.may(Permission::Issue) {
                p { a href="/console/award" { "Award a credential" } }
            }
        }
        @if staff.may(Permission::Review) {
            h2 { "Reviews" }
            @if open_reviews == 0 { p { "No review is waiting for you." } }
            @else { p { a href="/console/reviews" { (open_reviews) " review(s) waiting for you" } } }
        }
        @if staff.may(Permission::Submit) && !staff.may(Permission::ReadCredentials) {
            h2 { "Micro-credentials" }
            p { a href="/console/submissions" { "Submit evidence, or follow your submissions" } }
        }
        @if let Some(entries) = &recent {
            h2 { "Latest in the audit log" }
            (audit_table(entries, tz))
            p { a href="/console/audit" { "The whole audit log" } }
        }
        h2 { "Your sessions" }
        p { "Signed in since " (crate::html::moment(&who.started_at, tz)) " (" (if who.method == "oidc" { "district account" } else { "emailed link" }) ")." }
        form method="post" action="/console/sign-out-everywhere" {
            input type="hidden" name="csrf" value=(who.csrf);
            button type="submit" class="secondary" { "Sign out on every device" }
        }
    };
    page(&issuer, "Overview", Some(who), "/console", body)
}
