//! The files beside a public credential page: `badge.png` and `badge.svg` (the credential — or
//! its JWS with `?format=jwt` — baked into the issuer's generated badge, OB 3.0 §5.3),
//! `credential.json`, `credential.jwt` and `qr.svg` (the page's link). Public, like the page.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cairn_issuer::{Error, ImageFormat};

use crate::openapi::ProblemDoc;
use crate::page::{self, FileQuery};
use crate::problem::Problem;
use crate::Shared;

#[utoipa::path(get, path = "/credentials/{key}/{file}", tag = "sharing", params(("key" = String, Path, description = "The credential's last path segment"), ("file" = String, Path, description = "badge.png, badge.svg, credential.json, credential.jwt or qr.svg"), ("format" = Option<String>, Query, description = "badges: jwt bakes the compact JWS")), responses((status = 200, description = "The file"), (status = 404, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn credential_file(
    State(issuer): State<Shared>,
    Path((key, file)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
) -> Result<Response, Problem> {
    let (format, content_type, extension) = match file.as_str() {
        "badge.png" => (ImageFormat::Png, "image/png", "png"),
        "badge.svg" => (ImageFormat::Svg, "image/svg+xml", "svg"),
        "qr.svg" => return page::qr(&issuer, &key).await,
        "credential.json" => {
            let (_, credential) = issuer.public_credential(&key).await?;
            return Ok(page::json_response(&credential));
        }
        "credential.jwt" => {
            let (id, _) = issuer.public_credential(&key).await?;
            return page::jwt_response(&issuer, &id).await;
        }
        _ => return Err(Problem::not_found("no such resource")),
    };
    let jwt = match query.format.as_deref() {
        None | Some("json") => false,
        Some("jwt") => true,
        Some(other) => {
            return Err(
                Error::input("format", format!("format {other:?} is not json or jwt")).into(),
            )
        }
    };
    let (id, credential) = issuer.public_credential(&key).await?;
    let image = issuer.bake_document(&id, &credential, format, jwt).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"badge-{key}.{extension}\""),
            ),
            // An SVG opened directly must not run anything (it has no script; this makes sure).
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'".to_owned(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        image,
    )
        .into_response())
}
