//! The settings a district changes at run time (`Issuer::change_settings`): the issuer
//! profile's name, description, contact email, image and web page, and the sender of its
//! emails. An empty field restores cairn.toml's value.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{Error, SettingsChange};
use maud::html;
use serde::Deserialize;

use super::{error_page, page, problem_notice, Console, Staff};
use crate::extract::ManageSettings;
use crate::Shared;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    email_from: String,
    done: Option<String>,
}

fn render(
    issuer: &cairn_issuer::Issuer,
    staff: &Staff,
    form: &SettingsForm,
    problem: Option<&Error>,
) -> Response {
    let who = &staff.signed_in;
    let field = |id: &str, label: &str, value: &str, kind: &str, hint: &str| {
        html! {
            label for=(id) { (label) }
            input id=(id) name=(id) type=(kind) value=(value);
            @if !hint.is_empty() { span class="hint" { (hint) } }
        }
    };
    let body = html! {
        @if form.done.is_some() {
            div class="notice" role="status" { p { "Saved. Credentials issued from now on carry the new profile; those issued before keep theirs." } }
        }
        @if let Some(e) = problem {
            (problem_notice(e))
        }
        p { "What people see of the district in its credentials, on its pages and in its emails. Leave a field empty to use the value in cairn.toml." }
        form method="post" action="/console/settings" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            (field("name", "The district's name", &form.name, "text", ""))
            label for="description" { "Description" }
            textarea id="description" name="description" rows="3" { (form.description) }
            (field("email", "Contact email", &form.email, "email", ""))
            (field("homepage", "Web page", &form.homepage, "url", "The profile's link; credential addresses stay under issuer.url."))
            (field("image", "Logo (an https address)", &form.image, "url", ""))
            @if issuer.can_email() {
                (field("email_from", "Emails are sent from", &form.email_from, "text", "Like: Springfield Credentials <credentials@springfield.k12.us>"))
            }
            button type="submit" { "Save" }
        }
    };
    page(issuer, "Settings", Some(who), "/console/settings", body)
}

/// `GET /console/settings`: the settings in effect.
pub(crate) async fn form(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageSettings>,
    Query(q): Query<SettingsForm>,
) -> Response {
    let s = issuer.settings();
    let form = SettingsForm {
        name: s.name,
        description: s.description.unwrap_or_default(),
        email: s.email.unwrap_or_default(),
        image: s.image.unwrap_or_default(),
        homepage: s.homepage.unwrap_or_default(),
        email_from: s.email_from.unwrap_or_default(),
        done: q.done,
        ..SettingsForm::default()
    };
    render(&issuer, &staff, &form, None)
}

/// `POST /console/settings`.
pub(crate) async fn save(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageSettings>,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    // Without email set up the form has no sender field: the stored one stays.
    let email_from = if issuer.can_email() {
        form.email_from.clone()
    } else {
        String::new()
    };
    let change = SettingsChange {
        name: form.name.clone(),
        description: form.description.clone(),
        email: form.email.clone(),
        image: form.image.clone(),
        homepage: form.homepage.clone(),
        email_from,
    };
    match issuer
        .change_settings(&change, &staff.signed_in.member.actor())
        .await
    {
        Ok(()) => Redirect::to("/console/settings?done=saved").into_response(),
        Err(e @ Error::InvalidInput { .. }) => {
            let mut response = render(&issuer, &staff, &form, Some(&e));
            *response.status_mut() = crate::status_of(&e);
            response
        }
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}
