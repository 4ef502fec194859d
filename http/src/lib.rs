//! What Cairn's two HTTP services (`cairn serve`, `cairn-verify serve`) share, so they answer
//! alike: the one RFC 9457 problem+json writer, the request limits and timeout (whose refusals
//! are problem+json too), the refusals their OpenAPI documents list, the security headers of
//! pages, serving with graceful shutdown, request logging without secrets, and the parsing of
//! `Authorization` and `Content-Type`.

#![warn(missing_docs, unreachable_pub)]

mod headers;
mod limits;
mod logging;
mod openapi;
mod problem;
mod serve;

pub use headers::{
    bearer_token, is_json_media_type, media_type, secure_page_headers, static_asset,
};
pub use limits::{with_limits, Limits};
pub use logging::request_span;
pub use openapi::CommonRefusals;
pub use problem::{problem_response, Problem, ProblemDoc};
pub use serve::{serve, serve_plain, Tls, HEADER_READ_TIMEOUT};
