//! The console's administration: API tokens (created with the secret shown once, listed,
//! revoked), the issuer's keys as published (DID document and JWK Set), and the staff list
//! (add, change a role, remove — the last administrator stays).

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{Error, Permission, Role, Scope};
use maud::html;
use serde::Deserialize;

use super::{error_page, page, Console};
use crate::extract::{ManageKeys, ManageTokens, ManageUsers, ReadCredentials};
use crate::Shared;

/// `GET /console/tokens`: the tokens and the form to create one.
pub(crate) async fn tokens(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageTokens>,
) -> Response {
    let who = &staff.signed_in;
    let tokens = match issuer.api_tokens().await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(who)),
    };
    let tz = issuer.time_zone();
    let body = html! {
        p { "API tokens let other systems (a learning management system, a script) use the admin API. Each holds only the scopes it needs." }
        h2 { "Create a token" }
        form method="post" action="/console/tokens" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="name" { "Who or what will use it" }
            input id="name" name="name" required maxlength="200" placeholder="Canvas LMS integration";
            fieldset {
                legend { "What it may do" }
                @for (scope, words) in [("read", "Read credentials and achievements"), ("issue", "Issue credentials"), ("revoke", "Revoke, suspend and reinstate"), ("sign", "Sign any credential type (VC-API)"), ("admin", "Everything")] {
                    label { input type="checkbox" name="scope" value=(scope); " " (words) " (" span class="code" { (scope) } ")" }
                }
            }
            button type="submit" { "Create the token" }
        }
        h2 { "Tokens" }
        @if tokens.is_empty() {
            p { "No tokens yet." }
        } @else {
            div class="table" {
                table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Scopes" } th scope="col" { "Created" } th scope="col" { "State" } } }
                    tbody {
                        @for t in &tokens {
                            tr {
                                td { (t.name) br; span class="code" { (t.id) } }
                                td class="code" { (t.scopes) }
                                td { (crate::html::moment(&t.created_at, tz)) }
                                td {
                                    @if let Some(at) = &t.revoked_at {
                                        "Revoked " (crate::html::moment(at, tz))
                                    } @else {
                                        form method="post" action="/console/tokens/revoke" {
                                            input type="hidden" name="csrf" value=(who.csrf);
                                            input type="hidden" name="id" value=(t.id);
                                            button type="submit" class="secondary" aria-label=(format!("Revoke the token {}", t.name)) { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&issuer, "API tokens", Some(who), "/console/tokens", body)
}

/// `POST /console/tokens` (a form with repeated `scope` fields).
pub(crate) async fn create_token(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageTokens>,
    body: axum::body::Bytes,
) -> Response {
    let who = &staff.signed_in;
    let mut csrf = String::new();
    let mut name = String::new();
    let mut scopes = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "csrf" => csrf = v.into_owned(),
            "name" => name = v.into_owned(),
            "scope" => scopes.push(v.into_owned()),
            _ => {}
        }
    }
    if let Some(refused) = staff.csrf_refusal(&csrf) {
        return refused;
    }
    let created = async {
        let scopes = scopes
            .iter()
            .map(|s| Scope::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        issuer
            .create_token(&name, &scopes, &who.member.actor())
            .await
    }
    .await;
    let (id, secret) = match created {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(who)),
    };
    let body = html! {
        div class="notice" role="status" {
            p { "The token " span class="code" { (id) } " is created. Copy it now: this is the only time it is shown." }
        }
        label for="secret" { "The token" }
        input id="secret" class="secret" readonly value=(secret);
        p { "Give it to the system that will use it, in the " span class="code" { "Authorization: Bearer …" } " header." }
        p { a href="/console/tokens" { "Back to the tokens" } }
    };
    let mut response = page(&issuer, "Token created", Some(who), "/console/tokens", body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdForm {
    #[serde(default)]
    csrf: String,
    id: String,
}

/// `POST /console/tokens/revoke`.
pub(crate) async fn revoke_token(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageTokens>,
    Form(form): Form<IdForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    match issuer
        .revoke_token(&form.id, &staff.signed_in.member.actor())
        .await
    {
        Ok(()) => Redirect::to("/console/tokens").into_response(),
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct KeysQuery {
    done: Option<String>,
}

/// `GET /console/keys`: the keys, and the DID document and JWK Set as published.
pub(crate) async fn keys(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadCredentials>,
    Query(q): Query<KeysQuery>,
) -> Response {
    let done = q.done.is_some();
    let who = &staff.signed_in;
    let loaded = async {
        Ok::<_, Error>((
            issuer.public_keys().await?,
            issuer.did_document().await?,
            issuer.jwks().await?,
        ))
    }
    .await;
    let (keys, did, jwks) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(who)),
    };
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let body = html! {
        p { "The issuer signs with its active key. Retired keys stay published, so credentials signed with them still verify." }
        div class="table" {
            table {
                thead { tr { th scope="col" { "Key" } th scope="col" { "Algorithm" } th scope="col" { "State" } th scope="col" { "Verification method" } } }
                tbody {
                    @for k in &keys {
                        tr {
                            td class="code" { (k.key_id) }
                            td { (k.algorithm) }
                            td { (if k.status == "active" { "Active" } else { "Retired" }) }
                            td class="code" { (k.verification_method) }
                        }
                    }
                }
            }
        }
        @if done { div class="notice" role="status" { p { "A new key signs from now on. The old one is retired and stays published, so what it signed still verifies." } } }
        h2 { "Rotate the signing key" }
        @if !issuer.id().starts_with("did:web:") {
            p { "This issuer is a did:key: its identity is its key, so the key cannot change. A did:web issuer can rotate." }
        } @else if staff.may(Permission::ManageKeys) {
            p { "Rotate when a key may have been exposed, or on the district's schedule. Every instance of the service signs with the new key within 15 seconds (they share the key folder)." }
            form method="post" action="/console/keys/rotate" {
                input type="hidden" name="csrf" value=(who.csrf);
                button type="submit" class="secondary" { "Rotate the signing key…" }
            }
        }
        h2 { "DID document" }
        p { "Published at " a href="/.well-known/did.json" { "/.well-known/did.json" } " for a did:web issuer." }
        pre tabindex="0" { (pretty(&did)) }
        h2 { "JSON Web Key Set" }
        p { "Published at " a href="/.well-known/jwks.json" { "/.well-known/jwks.json" } "." }
        pre tabindex="0" { (pretty(&jwks)) }
    };
    page(&issuer, "Keys", Some(who), "/console/keys", body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RotateForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// `POST /console/keys/rotate`: first a page asking to confirm, then the rotation.
pub(crate) async fn rotate(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageKeys>,
    Form(form): Form<RotateForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    if form.confirm.as_deref() != Some("yes") {
        let body = html! {
            p { strong { "Rotate the signing key?" } " A new key signs every credential from now on; the current one is retired but stays published, so everything it signed still verifies. This cannot be undone." }
            form method="post" action="/console/keys/rotate" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="confirm" value="yes";
                button type="submit" class="danger" { "Yes, rotate" }
                " "
                a href="/console/keys" { "No, go back" }
            }
        };
        return page(&issuer, "Please confirm", Some(who), "/console/keys", body);
    }
    match issuer.rotate_signing_key(&who.member.actor()).await {
        Ok(_) => Redirect::to("/console/keys?done=rotated").into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `GET /console/staff`: who may sign in, with what role.
pub(crate) async fn staff(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageUsers>,
) -> Response {
    let who = &staff.signed_in;
    let members = match issuer.staff_members().await {
        Ok(m) => m,
        Err(e) => return error_page(e, Some(who)),
    };
    let tz = issuer.time_zone();
    let body = html! {
        h2 { "Add someone" }
        form method="post" action="/console/staff" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="email" { "Email address (the one they sign in with)" }
            input id="email" name="email" type="email" required autocomplete="off";
            label for="name" { "Name" }
            input id="name" name="name" autocomplete="off";
            label for="role" { "Role" }
            select id="role" name="role" {
                @for r in Role::ALL { option value=(r.name()) { (r.label()) } }
            }
            button type="submit" { "Add" }
        }
        h2 { "Staff" }
        div class="table" {
            table {
                thead { tr { th scope="col" { "Person" } th scope="col" { "Role" } th scope="col" { "Added" } th scope="col" { "Remove" } } }
                tbody {
                    @for m in &members {
                        tr {
                            td { (m.name.as_deref().unwrap_or("")) br; (m.email) }
                            @if let Some(at) = &m.removed_at {
                                td { (m.role.label()) }
                                td { (crate::html::moment(&m.added_at, tz)) }
                                td { "Removed " (crate::html::moment(at, tz)) }
                            } @else {
                                td {
                                    form method="post" action="/console/staff/role" class="inline" {
                                        input type="hidden" name="csrf" value=(who.csrf);
                                        input type="hidden" name="email" value=(m.email);
                                        label class="visually-hidden" for=(format!("role-{}", m.email)) { "Role of " (m.email) }
                                        select id=(format!("role-{}", m.email)) name="role" {
                                            @for r in Role::ALL {
                                                @if r == m.role { option value=(r.name()) selected { (r.label()) } }
                                                @else { option value=(r.name()) { (r.label()) } }
                                            }
                                        }
                                        button type="submit" class="secondary" aria-label=(format!("Change the role of {}", m.email)) { "Change" }
                                    }
                                }
                                td { (crate::html::moment(&m.added_at, tz)) }
                                td {
                                    form method="post" action="/console/staff/remove" {
                                        input type="hidden" name="csrf" value=(who.csrf);
                                        input type="hidden" name="email" value=(m.email);
                                        button type="submit" class="secondary" aria-label=(format!("Remove {}", m.email)) { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p class="hint" { "A removed person's sessions end at once. The last administrator cannot be removed." }
    };
    page(&issuer, "Staff", Some(who), "/console/staff", body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct StaffForm {
    #[serde(default)]
    csrf: String,
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /console/staff`: adds a member.
pub(crate) async fn add_staff(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageUsers>,
    Form(form): Form<StaffForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let actor = staff.signed_in.member.actor();
    let added = async {
        let role = Role::parse(&form.role)?;
        let name = Some(form.name.as_str()).filter(|n| !n.trim().is_empty());
        issuer.add_staff(&form.email, name, role, &actor).await
    }
    .await;
    match added {
        Ok(_) => Redirect::to("/console/staff").into_response(),
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}

/// `POST /console/staff/role`.
pub(crate) async fn set_role(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageUsers>,
    Form(form): Form<StaffForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let actor = staff.signed_in.member.actor();
    let changed = async {
        let role = Role::parse(&form.role)?;
        issuer.set_staff_role(&form.email, role, &actor).await
    }
    .await;
    match changed {
        Ok(()) => Redirect::to("/console/staff").into_response(),
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}

/// `POST /console/staff/remove`.
pub(crate) async fn remove_staff(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageUsers>,
    Form(form): Form<StaffForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    match issuer
        .remove_staff(&form.email, &staff.signed_in.member.actor())
        .await
    {
        Ok(()) => Redirect::to("/console/staff").into_response(),
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}
