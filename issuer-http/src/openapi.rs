//! The OpenAPI document of the service, generated from the handlers' annotations (utoipa), so it
//! cannot drift from the code; served at `/api/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// RFC 9457 problem details, as every error is answered.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(crate) struct ProblemDoc {
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
        crate::status::revoke,
        crate::status::suspend,
        crate::status::reinstate,
    ),
    components(schemas(ProblemDoc, crate::credentials::IssueBody, crate::batch::BatchRow, crate::status::StatusBody, crate::wallet::ClaimBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
