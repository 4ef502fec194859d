//! Reading a credential document the same way everywhere: its types, its proofs, its validity
//! dates (VC 2.0 or VC 1.1 names) and where an instant stands against them. Shared by the
//! pipeline (`verify/`) and the checks it calls, which therefore never import the pipeline.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::contexts::VC_V1;
use crate::options::VerifyOptions;

/// The `type` property as a list (one string or an array of strings).
pub(crate) fn types_of(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// VC-DATA-INTEGRITY §2.1: `proof` is one proof or a set of them.
pub(crate) fn proofs_of(secured: &Map<String, Value>) -> Vec<&Value> {
    match secured.get("proof") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

/// The data model version a document's first context names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VcVersion {
    /// VC 1.1 (`issuanceDate`, `expirationDate`).
    V1,
    /// VC 2.0 (`validFrom`, `validUntil`).
    V2,
}

/// The validity properties of a data model version.
pub(crate) fn date_fields(version: Option<VcVersion>) -> (&'static str, &'static str) {
    match version {
        Some(VcVersion::V1) => ("issuanceDate", "expirationDate"),
        _ => ("validFrom", "validUntil"),
    }
}

/// A date-time property: absent, or RFC 3339 with a time zone.
pub(crate) fn read_date(
    doc: &Map<String, Value>,
    name: &str,
) -> Result<Option<DateTime<Utc>>, String> {
    match doc.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| format!("{name} {s:?} is not a date-time with a time zone")),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

/// Where `options.now` stands against a validity period, with the clock skew.
pub(crate) enum Window {
    /// Before `validFrom`.
    NotYetValid(DateTime<Utc>),
    /// After `validUntil`.
    Expired(DateTime<Utc>),
    /// Within the period.
    Within,
}

/// Where `options.now` stands against `from` and `until`, with the clock skew.
pub(crate) fn window(
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    options: &VerifyOptions,
) -> Window {
    match (from, until) {
        (Some(f), _) if options.now + options.clock_skew < f => Window::NotYetValid(f),
        (_, Some(u)) if options.now - options.clock_skew > u => Window::Expired(u),
        _ => Window::Within,
    }
}

/// The validity properties a document uses: VC 1.1 (`issuanceDate`, `expirationDate`) when its
/// first context is VC 1.1, else VC 2.0 (`validFrom`, `validUntil`).
pub(crate) fn date_fields_of(doc: &Map<String, Value>) -> (&'static str, &'static str) {
    let first = match doc.get("@context") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    date_fields((first == Some(VC_V1)).then_some(VcVersion::V1))
}

/// A date as RFC 3339 with seconds, in UTC.
pub(crate) fn fmt_date(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
