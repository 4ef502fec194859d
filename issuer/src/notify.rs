//! Recipient notification (optional, off unless `[smtp]` is configured): after a credential is
//! issued, an email (plain text + HTML) with the public page, the LinkedIn link and the
//! downloads. Sending runs in the background with retries, and every outcome is in the audit log
//! (`notification.sent` / `notification.failed`); a failed email never undoes an issuance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{Actor, Store};

/// `[smtp]` in cairn.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSection {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// `starttls` (default), `tls` (implicit TLS, usually port 465) or `none` (plain text: only
    /// for a relay on the same host).
    #[serde(default = "default_security")]
    pub security: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A file holding the password (0600, like the keys), relative to cairn.toml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<std::path::PathBuf>,
    /// The sender, e.g. `Springfield Credentials <credentials@springfield.k12.us>`.
    pub from: String,
    /// An extra root certificate (PEM) to trust for the relay, e.g. the district's internal CA;
    /// relative to cairn.toml. The system's roots are trusted as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<std::path::PathBuf>,
}

fn default_port() -> u16 {
    587
}

fn default_security() -> String {
    "starttls".to_owned()
}

/// Emails in flight at once (a bulk run must not open thousands of SMTP sessions).
const MAX_IN_FLIGHT: usize = 4;

/// Attempts per email, and the pause before each retry.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(4)];

/// What an email says.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub credential_id: String,
    pub to: String,
    pub recipient_name: Option<String>,
    pub achievement: String,
    pub issuer: String,
    pub page_url: String,
    pub linkedin_url: Option<String>,
    /// A one-time link that sends the credential to the recipient's wallet.
    pub wallet_url: Option<String>,
    /// Only the wallet link, which the recipient asked for on the credential's page.
    pub wallet_only: bool,
}

/// Sends notices; each send is a background task the issuer can wait for.
pub(crate) struct Notifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The sender: `[smtp] from`, or the one set in the console's settings.
    from: std::sync::RwLock<Mailbox>,
    pending: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    slots: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password; only the sender is shown.
        f.debug_struct("Notifier")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// `ca_pem`: the `ca_file`'s contents, when one is configured.
    pub(crate) fn new(
        config: &SmtpSection,
        password: Option<String>,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, Error> {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let bad = |m: String| Error::input("smtp", m);
        let from = parse_sender(&config.from)?;
        let builder = match config.security.as_str() {
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| bad(e.to_string()))?,
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| bad(e.to_string()))?,
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            other => {
                return Err(bad(format!(
                    "security {other:?} is not starttls, tls or none"
                )))
            }
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(pem) = ca_pem {
            let ca = Certificate::from_pem(pem).map_err(|e| bad(format!("ca_file: {e}")))?;
            let params = TlsParameters::builder(config.host.clone())
                .add_root_certificate(ca)
                .build_rustls()
                .map_err(|e| bad(e.to_string()))?;
            builder = match config.security.as_str() {
                "starttls" => builder.tls(Tls::Required(params)),
                "tls" => builder.tls(Tls::Wrapper(params)),
                _ => return Err(bad("ca_file needs security = starttls or tls".into())),
            };
        }
        if let Some(user) = &config.username {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
        }
        Ok(Notifier {
            transport: builder.build(),
            from: std::sync::RwLock::new(from),
            pending: Mutex::new(Vec::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    /// Sends from `from` (`Name <address>`) from now on.
    pub(crate) fn set_from(&self, from: &str) -> Result<(), Error> {
        let mailbox = parse_sender(from)?;
        if let Ok(mut current) = self.from.write() {
            *current = mailbox;
        }
        Ok(())
    }

    /// Queues `notice` for sending in the background.
    pub(crate) fn send(
        self: &Arc<Self>,
        notice: Notice,
        store: Arc<dyn Store>,
        clock: Arc<dyn crate::Clock>,
    ) {
        let (to, subject) = (notice.to.clone(), notice.credential_id.clone());
        self.dispatch(
            to,
            subject,
            move |from, to| compose(from, to, &notice),
            store,
            clock,
        );
    }

    /// Queues a one-time console sign-in link for `to` (audited under the address).
    pub(crate) fn send_sign_in_link(
        self: &Arc<Self>,
        to: &str,
        issuer: &str,
        link: &str,
        store: Arc<dyn Store>,
        clock: Arc<dyn crate::Clock>,
    ) {
        let (issuer, link) = (issuer.to_owned(), link.to_owned());
        self.dispatch(
            to.to_owned(),
            to.to_owned(),
            move |from, to| compose_sign_in_link(from, to, &issuer, &link),
            store,
            clock,
        );
    }

    /// Queues a plain message for `to` (review assignments, reminders, decisions): `paragraphs`
    /// of text and one link, audited under `subject`.
    pub(crate) fn send_message(
        self: &Arc<Self>,
        to: &str,
        subject: &str,
        message: Letter,
        store: Arc<dyn Store>,
        clock: Arc<dyn crate::Clock>,
    ) {
        self.dispatch(
            to.to_owned(),
            subject.to_owned(),
            move |from, to| compose_message(from, to, &message),
            store,
            clock,
        );
    }

    /// Sends the message `make` composes to `to` in the background, with retries, and audits
    /// the outcome under `subject`.
    fn dispatch<F>(
        self: &Arc<Self>,
        to: String,
        subject: String,
        make: F,
        store: Arc<dyn Store>,
        clock: Arc<dyn crate::Clock>,
    ) where
        F: Fn(Mailbox, Mailbox) -> Result<Message, String> + Send + Sync + 'static,
    {
        let me = Arc::clone(self);
        let task = tokio::spawn(async move {
            // The semaphore is never closed, so a permit always comes.
            let _slot = me.slots.clone().acquire_owned().await;
            let outcome = me.deliver(&to, &make).await;
            let now = crate::rfc3339(clock.now());
            let actor = Actor("notifier".to_owned());
            let action = match &outcome {
                Ok(()) => "notification.sent",
                Err(e) => {
                    tracing::warn!(subject = %subject, error = %e, "notification failed");
                    "notification.failed"
                }
            };
            if let Err(e) = store
                .record_event(action, Some(&subject), None, &now, &actor)
                .await
            {
                tracing::error!(error = %e, "could not audit a notification");
            }
        });
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|t| !t.is_finished());
            pending.push(task);
        }
    }

    /// Waits until every queued email was sent or given up on.
    pub(crate) async fn flush(&self) {
        let tasks: Vec<_> = match self.pending.lock() {
            Ok(mut pending) => pending.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for task in tasks {
            let _ = task.await;
        }
    }

    async fn deliver<F>(&self, to: &str, make: &F) -> Result<(), String>
    where
        F: Fn(Mailbox, Mailbox) -> Result<Message, String>,
    {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let from = self
            .from
            .read()
            .map_err(|_| "the sender is unreadable".to_owned())?
            .clone();
        let message = make(from, to)?;
        let mut last = String::new();
        for attempt in 0..=BACKOFF.len() {
            match self.transport.send(message.clone()).await {
                Ok(_) => return Ok(()),
                // A permanent refusal (5xx) or a certificate the relay cannot prove is not retried.
                Err(e) if e.is_permanent() || e.is_tls() => return Err(e.to_string()),
                Err(e) => last = e.to_string(),
            }
            if let Some(pause) = BACKOFF.get(attempt) {
                tokio::time::sleep(*pause).await;
            }
        }
        Err(last)
    }
}

/// A sender as `[smtp] from` or the console's settings give it: `Name <address>` or an address.
pub(crate) fn parse_sender(from: &str) -> Result<Mailbox, Error> {
    from.parse()
        .map_err(|e| Error::input("from", format!("{from:?} is not a sender like \"Springfield Credentials <credentials@springfield.k12.us>\" ({e})")))
}

/// How long the wallet link in an email works, in days (wallet::CLAIM_LINK_HOURS / 24).
const WALLET_LINK_DAYS: i64 = crate::wallet::CLAIM_LINK_HOURS / 24;

/// The email with only the wallet link the recipient asked for.
fn compose_wallet_link(
    from: Mailbox,
    to: Mailbox,
    notice: &Notice,
    greeting: &str,
    wallet: &str,
) -> Result<Message, String> {
    let text = format!(
        "{greeting}\n\nSomeone (we hope you) asked to send the micro-credential \"{achievement}\" from {issuer} to a digital wallet.\n\nOpen this link to get the wallet codes (it works once, for {WALLET_LINK_DAYS} days): {wallet}\n\nIf you did not ask, ignore this email: nothing happens without the link.\n",
        achievement = notice.achievement,
        issuer = notice.issuer,
    );
    let html = format!(
        "<p>{greeting}</p>\n<p>Someone (we hope you) asked to send the micro-credential <strong>{achievement}</strong> from {issuer} to a digital wallet.</p>\n<p><a href=\"{wallet}\">Get the wallet codes</a> (this link works once, for {WALLET_LINK_DAYS} days)</p>\n<p>If you did not ask, ignore this email: nothing happens without the link.</p>\n",
        greeting = esc(greeting),
        achievement = esc(&notice.achievement),
        issuer = esc(&notice.issuer),
        wallet = esc(wallet),
    );
    plain_and_html(
        from,
        to,
        format!(
            "Send your micro-credential to your wallet: {}",
            notice.achievement
        ),
        text,
        html,
    )
}

/// A plain message: a subject line, paragraphs, and one link (label, address).
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub link: (String, String),
}

fn compose_message(from: Mailbox, to: Mailbox, m: &Letter) -> Result<Message, String> {
    let (label, url) = &m.link;
    let mut text = String::from("Hello,\n\n");
    let mut html = String::from("<p>Hello,</p>\n");
    for p in &m.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>\n", esc(p)));
    }
    text.push_str(&format!("{label}: {url}\n"));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>\n",
        esc(url),
        esc(label)
    ));
    plain_and_html(from, to, m.subject.clone(), text, html)
}

/// The console sign-in link for someone outside the district's directory.
fn compose_sign_in_link(
    from: Mailbox,
    to: Mailbox,
    issuer: &str,
    link: &str,
) -> Result<Message, String> {
    let minutes = crate::staff::SIGN_IN_LINK_MINUTES;
    let text = format!(
        "Hello,\n\nSomeone (we hope you) asked to sign in to the credential console of {issuer}.\n\nOpen this link to sign in (it works once, for {minutes} minutes): {link}\n\nIf you did not ask, ignore this email: nobody can sign in without the link.\n"
    );
    let html = format!(
        "<p>Hello,</p>\n<p>Someone (we hope you) asked to sign in to the credential console of {issuer}.</p>\n<p><a href=\"{link}\">Sign in</a> (this link works once, for {minutes} minutes)</p>\n<p>If you did not ask, ignore this email: nobody can sign in without the link.</p>\n",
        issuer = esc(issuer),
        link = esc(link),
    );
    plain_and_html(from, to, format!("Sign in to {issuer}"), text, html)
}

/// The email: plain text and HTML alternatives, every credential-supplied string escaped in the
/// HTML.
pub(crate) fn compose(from: Mailbox, to: Mailbox, notice: &Notice) -> Result<Message, String> {
    let greeting = match &notice.recipient_name {
        Some(n) => format!("Dear {n},"),
        None => "Hello,".to_owned(),
    };
    if let (true, Some(wallet)) = (notice.wallet_only, &notice.wallet_url) {
        return compose_wallet_link(from, to, notice, &greeting, wallet);
    }
    let downloads = [
        (
            "Credential (JSON)",
            format!("{}/credential.json", notice.page_url),
        ),
        (
            "Badge image (PNG)",
            format!("{}/badge.png", notice.page_url),
        ),
        (
            "Badge image (SVG)",
            format!("{}/badge.svg", notice.page_url),
        ),
    ];
    let mut text = format!(
        "{greeting}\n\n{issuer} has awarded you the micro-credential \"{achievement}\".\n\nView, verify and share it: {page}\n",
        issuer = notice.issuer,
        achievement = notice.achievement,
        page = notice.page_url,
    );
    if let Some(l) = &notice.linkedin_url {
        text.push_str(&format!("Add it to your LinkedIn profile: {l}\n"));
    }
    text.push_str("\nDownloads:\n");
    for (label, url) in &downloads {
        text.push_str(&format!("- {label}: {url}\n"));
    }
    if let Some(w) = &notice.wallet_url {
        text.push_str(&format!(
            "Send it to your digital wallet (works once, for {WALLET_LINK_DAYS} days): {w}\n"
        ));
    }
    text.push_str("\nThe credential is signed; any Open Badges 3.0 verifier can check it.\n");
    let mut html = format!(
        "<p>{greeting}</p>\n<p>{issuer} has awarded you the micro-credential <strong>{achievement}</strong>.</p>\n<p><a href=\"{page}\">View, verify and share it</a></p>\n",
        greeting = esc(&greeting),
        issuer = esc(&notice.issuer),
        achievement = esc(&notice.achievement),
        page = esc(&notice.page_url),
    );
    if let Some(l) = &notice.linkedin_url {
        html.push_str(&format!(
            "<p><a href=\"{}\">Add it to your LinkedIn profile</a></p>\n",
            esc(l)
        ));
    }
    if let Some(w) = &notice.wallet_url {
        html.push_str(&format!(
            "<p><a href=\"{}\">Send it to your digital wallet</a> (this link works once, for {WALLET_LINK_DAYS} days)</p>\n",
            esc(w)
        ));
    }
    html.push_str("<p>Downloads:</p>\n<ul>");
    for (label, url) in &downloads {
        html.push_str(&format!("<li><a href=\"{}\">{label}</a></li>", esc(url)));
    }
    html.push_str(
        "</ul>\n<p>The credential is signed; any Open Badges 3.0 verifier can check it.</p>\n",
    );
    plain_and_html(
        from,
        to,
        format!("Your micro-credential: {}", notice.achievement),
        text,
        html,
    )
}

/// Text for HTML content and quoted attribute values: `& < > ' "` escaped (quick-xml's escape,
/// which covers everything HTML needs in those two places).
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// A message with plain-text and HTML alternatives.
fn plain_and_html(
    from: Mailbox,
    to: Mailbox,
    subject: String,
    text: String,
    html: String,
) -> Result<Message, String> {
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}
