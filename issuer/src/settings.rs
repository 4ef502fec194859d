//! What a district changes at run time in the console: the issuer profile's name, description,
//! contact email, image and web page, and the sender of its emails. Stored settings override
//! `cairn.toml`; the issuer keeps them in memory (read by `profile`, which signing uses) and
//! reloads them from the database when it changes one and when `refresh_settings` runs (the
//! service does every 15 s, so every instance follows).

use std::collections::HashMap;

use crate::credential::{check_email, rfc3339};
use crate::error::Error;
use crate::store::Actor;
use crate::Issuer;

/// The settings in effect: each stored one, else cairn.toml's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The issuer's name in its profile (and so in every credential issued from now on).
    pub name: String,
    /// The profile's description.
    pub description: Option<String>,
    /// The profile's contact email.
    pub email: Option<String>,
    /// The profile's image (an https URL).
    pub image: Option<String>,
    /// The profile's web page (`url`); credential and achievement ids stay under `issuer.url`.
    pub homepage: Option<String>,
    /// The sender of the district's emails (`Name <address>`), when email is set up.
    pub email_from: Option<String>,
}

/// A change of settings: each field's new value; empty restores cairn.toml's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// See [`Settings::name`].
    pub name: String,
    /// See [`Settings::description`].
    pub description: String,
    /// See [`Settings::email`].
    pub email: String,
    /// See [`Settings::image`].
    pub image: String,
    /// See [`Settings::homepage`].
    pub homepage: String,
    /// See [`Settings::email_from`].
    pub email_from: String,
}

/// The stored overrides, as the issuer holds them.
pub(crate) type Overrides = std::sync::RwLock<HashMap<String, String>>;

fn web_address(field: &'static str, value: &str, https_only: bool) -> Result<(), Error> {
    let url = url::Url::parse(value).map_err(|_| Error::input(field, "is a web address"))?;
    let ok = url.scheme() == "https" || (!https_only && url.scheme() == "http");
    if !ok || url.host_str().is_none() {
        let need = if https_only { "an https" } else { "an http(s)" };
        return Err(Error::input(field, format!("is {need} address")));
    }
    Ok(())
}

fn plain_text(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::input(
            field,
            format!("is plain text of at most {max} characters"),
        ));
    }
    Ok(())
}

impl Issuer {
    /// The settings in effect now.
    pub fn settings(&self) -> Settings {
        // Read under the lock, not copied: `profile()` runs for every credential signed.
        let stored = match self.overrides.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let s = &self.config.config.issuer;
        let pick = |name: &str, fallback: Option<&String>| stored.get(name).or(fallback).cloned();
        Settings {
            name: pick("name", Some(&s.name)).unwrap_or_default(),
            description: pick("description", s.description.as_ref()),
            email: pick("email", s.email.as_ref()),
            image: pick("image", s.image.as_ref()),
            homepage: pick("homepage", s.url.as_ref()),
            email_from: pick(
                "email_from",
                self.config.config.smtp.as_ref().map(|m| &m.from),
            ),
        }
    }

    /// Reloads the stored settings (another instance may have changed them).
    pub async fn refresh_settings(&self) -> Result<(), Error> {
        let stored: HashMap<String, String> = self.store.settings().await?.into_iter().collect();
        if let Ok(mut overrides) = self.overrides.write() {
            *overrides = stored;
        }
        if let (Some(notifier), Some(from)) = (&self.notifier, self.settings().email_from) {
            notifier.set_from(&from)?;
        }
        Ok(())
    }

    /// Changes the settings (each empty field restores cairn.toml's value), after checking
    /// every value; one audit entry `settings.change`. Credentials issued before keep the profile
    /// they were signed with.
    pub async fn change_settings(
        &self,
        change: &SettingsChange,
        actor: &Actor,
    ) -> Result<(), Error> {
        let t = |v: &str| v.trim().to_owned();
        let c = SettingsChange {
            name: t(&change.name),
            description: t(&change.description),
            email: t(&change.email),
            image: t(&change.image),
            homepage: t(&change.homepage),
            email_from: t(&change.email_from),
        };
        plain_text("name", &c.name, 200)?;
        plain_text("description", &c.description, 2000)?;
        if !c.email.is_empty() {
            check_email(&c.email)?;
        }
        if !c.image.is_empty() {
            web_address("image", &c.image, true)?;
        }
        if !c.homepage.is_empty() {
            web_address("homepage", &c.homepage, false)?;
        }
        if !c.email_from.is_empty() {
            crate::notify::parse_sender(&c.email_from)?;
        }
        let value = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        let (name, description, email, image, homepage, email_from) = (
            value(&c.name),
            value(&c.description),
            value(&c.email),
            value(&c.image),
            value(&c.homepage),
            value(&c.email_from),
        );
        let changes = [
            ("name", name.as_deref()),
            ("description", description.as_deref()),
            ("email", email.as_deref()),
            ("image", image.as_deref()),
            ("homepage", homepage.as_deref()),
            ("email_from", email_from.as_deref()),
        ];
        self.store
            .put_settings(&changes, &rfc3339(self.now()), actor)
            .await?;
        self.refresh_settings().await
    }
}
