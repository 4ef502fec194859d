//! The OpenAPI document of the service, generated from the handlers' annotations (utoipa), so it
//! cannot drift from the code; served at `/api/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// RFC 9457 problem details, as every error is answered.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub struct ProblemDoc {
    #[schema(example = "https://cairn.invalid/problems/invalid_input")]
    r#type: String,
    title: String,
    status: u16,
    /// The stable error code.
    #[schema(example = "invalid_input")]
    code: String,
    detail: String,
}

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
    info(title = "Cairn issuer API", description = "Issue Open Badges 3.0 micro-credentials. Scopes: issue, revoke, read, admin."),
    paths(
        super::readyz,
        super::did_json,
        super::jwks_json,
        super::list_achievements,
        super::get_achievement,
        super::create_achievement,
        super::update_achievement,
        super::archive_achievement,
        super::issue_credential,
        super::issue_batch,
        super::list_credentials,
        super::get_credential,
        super::audit_log,
        super::vc_api_issue,
        super::wallet::create_claim,
        super::wallet::claim_state,
        super::wallet::issuer_metadata,
        super::wallet::as_metadata,
        super::wallet::offer,
        super::wallet::token,
        super::wallet::nonce,
        super::wallet::credential,
        super::wallet::notification,
        super::wallet::exchange,
        super::status_list,
        super::credential_file,
        super::page::credential_page,
        super::page::verify_route,
        super::page::share_link,
        super::revoke_credential,
        super::suspend_credential,
        super::reinstate_credential,
    ),
    components(schemas(ProblemDoc, super::IssueBody, super::BatchRow, super::StatusBody, super::wallet::ClaimBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
