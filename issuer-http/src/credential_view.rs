//! What a credential says, as the public page shows it: the facts (issuer, recipient name — never
//! the email —, dates in the district's time zone, credits), the criteria, the rubric results
//! (OB 3.0 `result` against the achievement's `resultDescription`), the evidence and the
//! alignments. Links only for http(s) addresses; everything else is text.

use maud::{html, Markup};
use serde_json::Value;

use super::page::{safe_link, text};

/// The facts list.
pub(crate) fn details(credential: &Value, issuer_name: &str, tz: cairn_render::Tz) -> Markup {
    let day = |p: &str| text(credential, p).and_then(|d| cairn_render::day_of(d, tz));
    let earned = credential
        .pointer("/credentialSubject/creditsEarned")
        .and_then(Value::as_f64);
    let available = credential
        .pointer("/credentialSubject/achievement/creditsAvailable")
        .and_then(Value::as_f64);
    let issuer_url = text(credential, "/issuer/url").and_then(safe_link);
    html! {
        dl class="facts" {
            dt { "Issued by" }
            dd {
                @match issuer_url {
                    Some(url) => a href=(url) rel="noopener noreferrer" { (issuer_name) },
                    None => (issuer_name),
                }
            }
            @if let Some(name) = credential.as_object().and_then(cairn_verifier::identity::recipient_name) {
                dt { "Awarded to" }
                dd { (name) }
            }
            @if let Some(d) = day("/validFrom") {
                dt { "Issued" }
                dd { (d) }
            }
            dt { "Expires" }
            dd { (day("/validUntil").unwrap_or_else(|| "Does not expire".to_owned())) }
            @if let Some(e) = earned {
                dt { "Credits" }
                dd {
                    (e)
                    @if let Some(a) = available { " of " (a) }
                }
            }
        }
    }
}

/// Items of an array at `pointer` (a single object counts as one).
fn items<'a>(v: &'a Value, pointer: &str) -> Vec<&'a Value> {
    match v.pointer(pointer) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

/// One result as people read it: (criterion, outcome).
fn result_line<'a>(result: &'a Value, descriptions: &[&'a Value]) -> (String, String) {
    let described = text(result, "/resultDescription")
        .and_then(|id| descriptions.iter().find(|d| text(d, "/id") == Some(id)));
    let criterion = described
        .and_then(|d| text(d, "/name"))
        .unwrap_or("Result")
        .to_owned();
    let level = text(result, "/achievedLevel").and_then(|level| {
        described
            .map(|d| items(d, "/rubricCriterionLevel"))
            .unwrap_or_default()
            .into_iter()
            .find(|l| text(l, "/id") == Some(level))
            .and_then(|l| text(l, "/name"))
            .or(Some(level))
    });
    let outcome = level
        .or_else(|| text(result, "/value"))
        .or_else(|| text(result, "/status"))
        .unwrap_or("Recorded")
        .to_owned();
    (criterion, outcome)
}

/// The criteria, the results against them, the evidence and the alignments.
pub(crate) fn what_it_took(credential: &Value) -> Markup {
    let achievement = credential
        .pointer("/credentialSubject/achievement")
        .unwrap_or(&Value::Null);
    let criteria = text(achievement, "/criteria/narrative");
    let criteria_url = text(achievement, "/criteria/id").and_then(safe_link);
    let descriptions = items(achievement, "/resultDescription");
    let results: Vec<(String, String)> = items(credential, "/credentialSubject/result")
        .into_iter()
        .map(|r| result_line(r, &descriptions))
        .collect();
    let evidence = items(credential, "/evidence");
    let alignments = items(achievement, "/alignment");
    html! {
        @if criteria.is_some() || criteria_url.is_some() {
            h2 { "What it took" }
            @if let Some(c) = criteria {
                @for para in c.split("\n\n") { p { (para) } }
            }
            @if let Some(url) = criteria_url { p { a href=(url) rel="noopener noreferrer" { "Full criteria" } } }
        }
        @if !results.is_empty() {
            h2 { "Results" }
            dl class="facts results" {
                @for (criterion, outcome) in &results {
                    dt { (criterion) }
                    dd { (outcome) }
                }
            }
        }
        @if !evidence.is_empty() {
            h2 { "Evidence" }
            ul class="evidence" {
                @for e in &evidence {
                    @let name = text(e, "/name").unwrap_or("Evidence");
                    li {
                        @match text(e, "/id").and_then(safe_link) {
                            Some(url) => a href=(url) rel="noopener noreferrer" { (name) },
                            None => strong { (name) },
                        }
                        @if let Some(g) = text(e, "/genre") { " (" (g) ")" }
                        @if let Some(d) = text(e, "/description") { p { (d) } }
                        @if let Some(n) = text(e, "/narrative") {
                            @for para in n.split("\n\n") { p { (para) } }
                        }
                    }
                }
            }
        }
        @if !alignments.is_empty() {
            h2 { "Aligned to" }
            ul {
                @for a in &alignments {
                    @let name = text(a, "/targetName").unwrap_or("(unnamed)");
                    li {
                        @match text(a, "/targetUrl").and_then(safe_link) {
                            Some(url) => a href=(url) rel="noopener noreferrer" { (name) },
                            None => (name),
                        }
                        @if let Some(code) = text(a, "/targetCode") { " (" (code) ")" }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_name_the_criterion_and_the_achieved_level() {
        let credential = serde_json::json!({
            "credentialSubject": {
                "result": [
                    {"type": ["Result"], "resultDescription": "urn:rd:plan", "achievedLevel": "urn:lvl:met"},
                    {"type": ["Result"], "resultDescription": "urn:rd:score", "value": "92"},
                    {"type": ["Result"], "resultDescription": "urn:unknown", "status": "Completed"}
                ],
                "achievement": {"resultDescription": [
                    {"id": "urn:rd:plan", "name": "Unit plan", "rubricCriterionLevel": [
                        {"id": "urn:lvl:met", "name": "Demonstrated"}]},
                    {"id": "urn:rd:score", "name": "Assessment score"}
                ]}
            },
            "evidence": [{"id": "javascript:alert(1)", "name": "<b>Portfolio</b>", "narrative": "First.\n\nSecond."}]
        });
        let html = what_it_took(&credential).into_string();
        for expected in [
            "<dt>Unit plan</dt><dd>Demonstrated</dd>",
            "<dt>Assessment score</dt><dd>92</dd>",
            "<dt>Result</dt><dd>Completed</dd>",
            "<strong>&lt;b&gt;Portfolio&lt;/b&gt;</strong>",
            "<p>First.</p><p>Second.</p>",
        ] {
            assert!(html.contains(expected), "{expected} not in {html}");
        }
        assert!(!html.contains("javascript:"));
    }
}
