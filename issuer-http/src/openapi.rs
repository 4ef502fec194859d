//! The OpenAPI document of the service, generated from the handlers' annotations (utoipa), so it
//! cannot drift from the code; served at `/api/v1/openapi.json`.

use cairn_http::CommonRefusals;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub(crate) use cairn_http::ProblemDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Cairn issuer API", description = "Issue Open Badges 3.0 micro-credentials. Scopes: issue, revoke, read, sign, admin."),
    paths(
        crate::ops::readyz,
        crate::identity::did_json,
        crate::identity::jwks_json,
        crate::achievements::list,
        crate::achievements::get,
        crate::achievements::create,
        crate::achievements::update,
        crate::achievements::archive,
        crate::submissions::list,
        crate::submissions::get,
        crate::submissions::submit,
        crate::submissions::withdraw,
        crate::submissions::assign,
        crate::submissions::award,
        crate::submissions::review,
        crate::submissions::conflicts,
        crate::submissions::add_conflict,
        crate::submissions::report,
        crate::submissions::preapprovals,
        crate::submissions::request_preapproval,
        crate::submissions::decide_preapproval,
        crate::submissions::payroll,
        crate::credentials::issue,
        crate::batch::issue_batch,
        crate::credentials::list,
        crate::credentials::get,
        crate::credentials::audit_log,
        crate::vc_api::issue,
        crate::wallet::create_claim,
        crate::wallet::claim_state,
        crate::wallet::issuer_metadata,
        crate::wallet::as_metadata,
        crate::wallet::offer,
        crate::wallet::token,
        crate::wallet::nonce,
        crate::wallet::credential,
        crate::wallet::notification,
        crate::wallet::exchange,
        crate::status::status_list,
        crate::files::credential_file,
        crate::page::credential_page,
        crate::page::verify_route,
        crate::page::share_link,
        crate::public::home,
        crate::public::achievement,
        crate::public::achievement_image,
        crate::claim_page::claim_received,
        crate::status::revoke,
        crate::status::suspend,
        crate::status::reinstate,
    ),
    components(schemas(ProblemDoc, crate::credentials::IssueBody, crate::batch::BatchRow, crate::status::StatusBody, crate::wallet::ClaimBody, crate::wallet::TokenForm, crate::submissions::SubmitBody, crate::submissions::FileBody, crate::submissions::LinkBody, crate::submissions::AssignBody, crate::submissions::ReviewBody, crate::submissions::PreapprovalBody, crate::submissions::DecisionBody, crate::submissions::ConflictBody)),
    modifiers(&BearerAuth, &CommonRefusals)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
