//! What both services' OpenAPI documents say of every operation: the refusals any request can
//! get (problem+json, RFC 9457), added where an operation does not name them itself.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::Modify;

/// The problem details media type.
const PROBLEM_JSON: &str = "application/problem+json";

/// A modifier for `#[openapi(modifiers(&CommonRefusals))]`: every operation documents 408 and
/// 413 (the limits every route has) and 400 and 404 (a malformed request, a resource that is not
/// there); one with a request body also 415 and 422; one that needs a token 401 and 403. Each is
/// problem+json ([`crate::ProblemDoc`], which the document must list as a component), and a
/// problem an operation already names as `application/json` is corrected to problem+json.
#[derive(Debug)]
pub struct CommonRefusals;

impl Modify for CommonRefusals {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_refusals(operation);
            }
        }
    }
}

fn add_refusals(operation: &mut Operation) {
    let mut statuses = vec![
        ("400", "a malformed request"),
        ("404", "no such resource"),
        ("408", "not answered within the service's time limit"),
        ("413", "a body over the service's size limit"),
    ];
    if operation.request_body.is_some() {
        statuses.push(("415", "a media type the operation does not take"));
        statuses.push(("422", "a well-formed request the service cannot act on"));
    }
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        statuses.push(("401", "no token, or an unknown one"));
        statuses.push(("403", "the token's scopes do not allow this"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in statuses {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description).into());
    }
    for response in responses.values_mut() {
        if let utoipa::openapi::RefOr::T(response) = response {
            if let Some(content) = response.content.get("application/json") {
                if names_problem(content) {
                    let content = content.clone();
                    response.content.shift_remove("application/json");
                    response.content.insert(PROBLEM_JSON.to_owned(), content);
                }
            }
        }
    }
}

fn names_problem(content: &utoipa::openapi::Content) -> bool {
    matches!(&content.schema, Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location.ends_with("/ProblemDoc"))
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDoc")))
                .build(),
        )
        .build()
}
