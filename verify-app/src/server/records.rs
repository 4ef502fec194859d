//! The verification record's routes: `POST /record` hands back a record this service signed (the
//! page's download buttons post it) as the signed JSON or as a PDF, and `GET /.well-known/did.json`
//! publishes a did:web verifier's DID document, so a record can be verified later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{openapi, problem, Shared};
use crate::record;

/// `POST /record` (form: `record` = the signed record the page holds, `format` = `pdf` or
/// `json`): the record as a download. Only a record this service's own key signed is accepted:
/// nothing anyone else writes leaves here under the verifier's name.
#[utoipa::path(post, path = "/record", tag = "records", request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "record: the signed verification record (JSON); format: pdf or json"), responses((status = 200, description = "The record: application/pdf, or the signed JSON (application/ld+json)"), (status = 404, description = "This service has no identity (cairn-verify init)", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 422, description = "Not a record this service signed, or an unknown format", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
pub(super) async fn download(State(state): State<Shared>, body: Bytes) -> Response {
    let Some(identity) = state.identity.clone() else {
        return problem(
            StatusCode::NOT_FOUND,
            "no_identity",
            "this verifier signs no records; its administrator can give it a key with cairn-verify init",
        );
    };
    let field = |name: &str| {
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (Some(text), format) = (field("record"), field("format")) else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "the form needs a record",
        );
    };
    let tz = state.time_zone;
    let canon = state.options.canonicalizer.clone();
    // Checking the signature canonicalises the record: off the async workers.
    let answer =
        tokio::task::spawn_blocking(move || -> Result<Response, (&'static str, String)> {
            let record = identity.own_record(canon.as_ref(), &text)?;
            match format.as_deref() {
                Some("json") | None => Ok(attachment(
                    "application/ld+json",
                    record.to_string().into_bytes(),
                    &record::file_name(&record, "json"),
                )),
                Some("pdf") => Ok(attachment(
                    "application/pdf",
                    record::pdf(&record, &record::headline(&record), tz)?,
                    &record::file_name(&record, "pdf"),
                )),
                Some(_) => Err(("invalid_input", "format is pdf or json".to_owned())),
            }
        })
        .await;
    match answer {
        Ok(Ok(response)) => response,
        Ok(Err((code, message))) => problem(StatusCode::UNPROCESSABLE_ENTITY, code, &message),
        Err(_) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the record could not be prepared",
        ),
    }
}

fn attachment(content_type: &'static str, body: Vec<u8>, name: &str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /.well-known/did.json`: a did:web verifier's DID document (404 otherwise).
#[utoipa::path(get, path = "/.well-known/did.json", tag = "records", responses((status = 200, description = "The verifier's DID document (did:web identities)", content_type = "application/did+json"), (status = 404, description = "No did:web identity", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
pub(super) async fn did_document(State(state): State<Shared>) -> Response {
    match state.identity.as_ref().and_then(|i| i.did_document()) {
        Some(doc) => (
            [(header::CONTENT_TYPE, "application/did+json")],
            doc.to_string(),
        )
            .into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "no_identity",
            "this verifier has no did:web identity",
        ),
    }
}
