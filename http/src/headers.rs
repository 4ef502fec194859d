//! Request headers read the same way by both services, and the headers every HTML page carries.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// RFC 6750 §2.1: the token of an `Authorization: Bearer TOKEN` header. The scheme name is
/// case-insensitive (RFC 9110 §11.1).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The media type of the request body, lower case, without parameters (RFC 9110 §8.3.1):
/// `application/json; charset=utf-8` is `application/json`; none is "".
pub fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// JSON by its media type: `application/json`, or a `+json` structured syntax suffix
/// (RFC 6839 §3.1, e.g. `application/vc+ld+json`); `application/jsonx` is not JSON.
pub fn is_json_media_type(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

/// The headers of every HTML page: its content security policy, no sniffing, no framing, no
/// referrer, and no caching (a page can name a person).
pub fn secure_page_headers(headers: &mut HeaderMap, csp: &'static str) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// One of a page's static files (stylesheet, script, icon) by name from `assets` — (name, body,
/// content type) — cached for an hour; 404 for any other name.
pub fn static_asset(assets: &[(&str, &'static str, &'static str)], name: &str) -> Response {
    let Some((_, body, kind)) = assets.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, *kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        *body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_media_types() {
        let mut h = HeaderMap::new();
        for (value, token) in [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("BEARER  abc ", Some("abc")),
            ("Basic abc", None),
            ("Bearer ", None),
            ("Bearer", None),
        ] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer_token(&h), token, "{value:?}");
        }
        for (value, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/vc+ld+json", true),
            ("application/jsonx", false),
            ("text/json", false),
            ("", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_json_media_type(&media_type(&h)), json, "{value:?}");
        }
    }

    #[test]
    fn static_assets_by_name() {
        let assets = [("page.css", "body{}", "text/css; charset=utf-8")];
        let found = static_asset(&assets, "page.css");
        assert_eq!(found.status(), StatusCode::OK);
        assert_eq!(
            found.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        assert_eq!(found.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            static_asset(&assets, "../page.css").status(),
            StatusCode::NOT_FOUND
        );
    }
}
