//! The files beside a public credential page: `badge.png` and `badge.svg` (the credential — or
//! its JWS with `?format=jwt` — baked into its badge, OB 3.0 §5.3), `credential.json`,
//! `credential.jwt`, `certificate.pdf` and `qr.svg` (the page's link), each downloaded under the
//! achievement's name; and `verify`, the page with a fresh report. Public, like the page.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cairn_issuer::{Error, ImageFormat};

use crate::openapi::ProblemDoc;
use crate::page::{self, FileQuery};
use crate::problem::Problem;
use crate::Shared;

#[utoipa::path(get, path = "/credentials/{key}/{file}", tag = "sharing", params(("key" = String, Path, description = "The credential's last path segment"), ("file" = String, Path, description = "badge.png, badge.svg, credential.json, credential.jwt, certificate.pdf, qr.svg, or verify (the page with a fresh verification report)"), ("format" = Option<String>, Query, description = "badges: jwt bakes the compact JWS")), responses((status = 200, description = "The file"), (status = 404, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn credential_file(
    State(issuer): State<Shared>,
    Path((key, file)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
) -> Result<Response, Problem> {
    let (format, content_type, extension) = match file.as_str() {
        "badge.png" => (ImageFormat::Png, "image/png", "png"),
        "badge.svg" => (ImageFormat::Svg, "image/svg+xml", "svg"),
        "qr.svg" => return page::qr(&issuer, &key).await,
        "verify" => return page::verify_now(&issuer, &key).await,
        "credential.json" => {
            let (_, credential) = issuer.public_credential(&key).await?;
            let name = download_name(&credential, ".json");
            return Ok(attachment(page::json_response(&credential), &name));
        }
        "credential.jwt" => {
            let (id, credential) = issuer.public_credential(&key).await?;
            let name = download_name(&credential, ".jwt");
            return Ok(attachment(page::jwt_response(&issuer, &id).await?, &name));
        }
        "certificate.pdf" => return certificate(&issuer, &key).await,
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
                format!(
                    "attachment; filename=\"{}\"",
                    download_name(&credential, &format!("-badge.{extension}"))
                ),
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

/// A download's file name: the achievement's name as a file stem, then `suffix`.
fn download_name(credential: &serde_json::Value, suffix: &str) -> String {
    let name =
        page::text(credential, "/credentialSubject/achievement/name").unwrap_or("credential");
    format!("{}{suffix}", page::file_stem(name))
}

/// `response` as a download named `name` (only a successful answer: a refusal stays a page).
fn attachment(mut response: Response, name: &str) -> Response {
    if response.status().is_success() {
        if let Ok(value) =
            header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}

/// `GET /credentials/{key}/certificate.pdf`: the printable certificate while the credential
/// counts (a revoked, suspended or expired one has none: 410).
async fn certificate(issuer: &cairn_issuer::Issuer, key: &str) -> Result<Response, Problem> {
    let (id, credential) = issuer.public_credential(key).await?;
    let status = issuer.live_status(&id, &credential, issuer.now()).await?;
    if status != cairn_issuer::LiveStatus::Valid {
        return Err(Problem::new(
            axum::http::StatusCode::GONE,
            "credential_not_current",
            format!(
                "this credential is {}; it has no printable certificate",
                status.code().replace('_', " ")
            ),
        ));
    }
    let page_url = issuer.public_url(&format!("/credentials/{key}"));
    let pdf = issuer.certificate_pdf(&credential, &page_url).await?;
    let name = download_name(&credential, "-certificate.pdf");
    Ok(attachment(
        (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            pdf,
        )
            .into_response(),
        &name,
    ))
}
