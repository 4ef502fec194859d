//! The verifier's own identity and the signed verification record: `cairn-verify init` makes a
//! key and a DID (did:key, or did:web for a domain the district serves), and with it the service
//! signs, for every check on its page, a W3C Verifiable Credential stating which credential (its
//! id and the SHA-256 of the bytes submitted) was checked, when, every check's outcome and the
//! local recognition — a record HR can file, which `cairn-verify verify` verifies later. The
//! same record as a one-page PDF for people.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use cairn_verifier::{Canonicalizer, CheckStatus, Report, Verdict};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The config file `cairn-verify init` writes.
pub(crate) const CONFIG_FILE: &str = "verifier.toml";
const KEY_FILE: &str = "verifier-key.pem";
/// The record's type besides `VerifiableCredential`.
pub(crate) const RECORD_TYPE: &str = "VerificationRecord";

/// `verifier.toml`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Who signs the records (the receiving district's office), as records and PDFs name it.
    name: String,
    /// The verifier's DID.
    id: String,
    /// The Ed25519 key (PKCS#8 PEM, 0600), relative to the config file.
    key_file: PathBuf,
}

/// The verifier's signing identity, loaded from `verifier.toml`.
pub(crate) struct Identity {
    name: String,
    id: String,
    key: SigningKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why an identity could not be made or loaded, or a record could not be made or read.
type Failure = (&'static str, String);

/// `cairn-verify init`: a new key and `verifier.toml` in `dir` (refusing to overwrite), for a
/// did:key or, with `did_web`, `did:web:{host}` (whose DID document `serve` publishes).
pub(crate) fn init(dir: &Path, name: &str, did_web: Option<&str>) -> Result<PathBuf, Failure> {
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err((
            "already_initialised",
            format!(
                "{} exists; remove it first to make a new identity",
                config_path.display()
            ),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(("invalid_input", "--name needs 1 to 200 characters".into()));
    }
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let id = match did_web {
        Some(host) => did_web_id(host)?,
        None => format!(
            "did:key:{}",
            cairn_verifier::encode_multikey(&key.verifying_key())
        ),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let pem = key
        .to_pkcs8_pem(Default::default())
        .map_err(|e| ("internal", e.to_string()))?;
    let key_path = dir.join(KEY_FILE);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&key_path)
        .and_then(|mut f| f.write_all(pem.as_bytes()))
        .map_err(|e| io(&key_path, e))?;
    let config = Config {
        name: name.to_owned(),
        id,
        key_file: PathBuf::from(KEY_FILE),
    };
    let text = format!(
        "# cairn-verify's own identity: it signs verification records with this key.\n{}",
        toml::to_string(&config).map_err(|e| ("internal", e.to_string()))?
    );
    std::fs::write(&config_path, text).map_err(|e| io(&config_path, e))?;
    Ok(config_path)
}

fn io(path: &Path, e: std::io::Error) -> Failure {
    ("io_error", format!("{}: {e}", path.display()))
}

/// `did:web:{host}` for a bare host name (letters, digits, hyphens, dots; a port as `%3A`).
fn did_web_id(host: &str) -> Result<String, Failure> {
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let port_ok = port.is_empty() || port.parse::<u16>().is_ok();
    if !name_ok || !port_ok {
        return Err((
            "invalid_input",
            format!("--did-web {host:?} is not a host name (for example hr.district.example)"),
        ));
    }
    Ok(match port {
        "" => format!("did:web:{}", name.to_ascii_lowercase()),
        p => format!("did:web:{}%3A{p}", name.to_ascii_lowercase()),
    })
}

impl Identity {
    /// Loads `verifier.toml` and its key (refused when group or others can read it).
    pub(crate) fn load(config_path: &Path) -> Result<Identity, Failure> {
        let text = std::fs::read_to_string(config_path).map_err(|e| io(config_path, e))?;
        let config: Config = toml::from_str(&text)
            .map_err(|e| ("config_invalid", format!("{}: {e}", config_path.display())))?;
        let key_path = config_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&config.key_file);
        let mode = std::fs::metadata(&key_path)
            .map_err(|e| io(&key_path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err((
                "key_file_permissions",
                format!(
                    "{} is readable by group or others; run chmod 600 on it",
                    key_path.display()
                ),
            ));
        }
        let pem = zeroize::Zeroizing::new(
            std::fs::read_to_string(&key_path).map_err(|e| io(&key_path, e))?,
        );
        let key = SigningKey::from_pkcs8_pem(&pem)
            .map_err(|e| ("key_invalid", format!("{}: {e}", key_path.display())))?;
        if !(config.id.starts_with("did:key:") || config.id.starts_with("did:web:")) {
            return Err(("config_invalid", "id must be a did:key or did:web".into()));
        }
        if config.id.starts_with("did:key:")
            && config.id
                != format!(
                    "did:key:{}",
                    cairn_verifier::encode_multikey(&key.verifying_key())
                )
        {
            return Err(("config_invalid", "id is not the did:key of key_file".into()));
        }
        Ok(Identity {
            name: config.name,
            id: config.id,
            key,
        })
    }

    /// The verification method records name.
    fn verification_method(&self) -> String {
        let multikey = cairn_verifier::encode_multikey(&self.key.verifying_key());
        if self.id.starts_with("did:key:") {
            format!("{}#{multikey}", self.id)
        } else {
            format!("{}#key-1", self.id)
        }
    }

    /// A did:web verifier's DID document (`/.well-known/did.json`); `None` for did:key.
    pub(crate) fn did_document(&self) -> Option<Value> {
        self.id.starts_with("did:web:").then(|| {
            let vm = self.verification_method();
            json!({
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
                "id": self.id,
                "verificationMethod": [{
                    "id": vm,
                    "type": "Multikey",
                    "controller": self.id,
                    "publicKeyMultibase": cairn_verifier::encode_multikey(&self.key.verifying_key()),
                }],
                "assertionMethod": [vm],
            })
        })
    }

    /// The signed record of `report`, made from `input` (the bytes submitted).
    pub(crate) fn record(
        &self,
        canon: &dyn Canonicalizer,
        report: &Report,
        input: &[u8],
    ) -> Result<Value, Failure> {
        let uuid = uuid::Uuid::new_v4();
        let reference = reference_number(&uuid);
        let digest = format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(input))
        );
        let checks: Vec<Value> = report
            .checks
            .iter()
            .map(|c| {
                json!({
                    "check": c.check,
                    "label": cairn_verifier::check_label(&c.check),
                    "status": status_word(c.status),
                    "code": c.code,
                    "message": c.message,
                })
            })
            .collect();
        let mut check = json!({
            "referenceNumber": reference,
            "verdict": verdict_word(report.verdict),
            "checkedCredential": without_nulls(json!({
                "credentialId": report.credential_id,
                "digestSRI": digest,
                "issuerId": report.issuer_id,
                "issuerName": report.issuer_name,
                "achievementName": report.achievement_name,
                "recipientName": report.recipient_name,
                "validFrom": report.valid_from,
                "validUntil": report.valid_until,
            })),
            "issuerIdentity": serde_json::to_value(&report.issuer_identity).unwrap_or(Value::Null),
            "checks": checks,
        });
        if let Some(trust) = &report.trust {
            check["recognition"] =
                without_nulls(serde_json::to_value(trust).unwrap_or(Value::Null));
        }
        // The whole check is one JSON literal (the record context's `check`, `@type: @json`):
        // signed exactly as written, with no vocabulary to define for each of its fields.
        let unsigned = json!({
            "@context": [cairn_verifier::VC_V2, cairn_verifier::CAIRN_VERIFICATION_RECORD_V1],
            "id": format!("urn:uuid:{uuid}"),
            "type": ["VerifiableCredential", RECORD_TYPE],
            "name": format!("Verification record {reference}"),
            "issuer": {"id": self.id, "name": self.name},
            "validFrom": report.checked_at,
            "credentialSubject": {"type": "CredentialCheck", "check": check},
        });
        let pending = cairn_verifier::PendingProof::new(
            canon,
            &unsigned,
            &self.verification_method(),
            &report.checked_at,
        )
        .map_err(|e| ("record_not_signed", e.to_string()))?;
        let signature = ed25519_dalek::Signer::sign(&self.key, pending.signing_input()).to_bytes();
        Ok(pending.finish(&signature))
    }

    /// A record handed back for download: accepted only when this identity signed it (so the
    /// service never prints or re-issues what someone else wrote in its name).
    pub(crate) fn own_record(
        &self,
        canon: &dyn Canonicalizer,
        text: &str,
    ) -> Result<Value, Failure> {
        let not_ours = || {
            (
                "record_not_ours",
                "this is not a verification record signed by this service".to_owned(),
            )
        };
        let record: Value = serde_json::from_str(text).map_err(|_| not_ours())?;
        if record.pointer("/issuer/id").and_then(Value::as_str) != Some(self.id.as_str())
            || !record
                .get("type")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t == RECORD_TYPE))
        {
            return Err(not_ours());
        }
        cairn_verifier::verify_signature_only(canon, &record, &self.key.verifying_key())
            .map_err(|_| not_ours())?;
        Ok(record)
    }
}

/// A reference number people can read out: `CV-` and eight hexadecimal digits of the record's
/// id in two groups.
fn reference_number(uuid: &uuid::Uuid) -> String {
    let hex = uuid.simple().to_string().to_ascii_uppercase();
    format!("CV-{}-{}", &hex[..4], &hex[4..8])
}

/// The object without its null members (a record states only what the credential said).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

fn status_word(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Passed => "passed",
        CheckStatus::Failed => "failed",
        CheckStatus::Error => "error",
        CheckStatus::Skipped => "skipped",
    }
}

pub(crate) fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::Indeterminate => "indeterminate",
    }
}

/// The record's verdict in the page's words, from the record itself (never from the request).
pub(crate) fn headline(record: &Value) -> String {
    let s = |p: &str| record.pointer(p).and_then(Value::as_str);
    let subject = "/credentialSubject/check";
    match (
        s(&format!("{subject}/verdict")),
        s(&format!("{subject}/issuerIdentity/vouched_by")),
    ) {
        (Some("valid"), Some("registry")) => format!(
            "Valid — issued by {}, as {} names this issuer",
            s(&format!("{subject}/issuerIdentity/name")).unwrap_or("the issuer"),
            s(&format!("{subject}/issuerIdentity/registry")).unwrap_or("the trust registry")
        ),
        (Some("valid"), Some("domain")) => format!(
            "Valid — issued by whoever controls {} (not in this district's registry)",
            s(&format!("{subject}/issuerIdentity/domain")).unwrap_or("its domain")
        ),
        (Some("valid"), _) => "Signature intact — issuer not confirmed".to_owned(),
        (Some("invalid"), _) => "Not valid — do not accept this credential".to_owned(),
        _ => "Could not check every part — neither confirmed nor rejected".to_owned(),
    }
}

/// The record's file name: `verification-record-CV-1A2B-3C4D` and `extension`.
pub(crate) fn file_name(record: &Value, extension: &str) -> String {
    let reference = record
        .pointer("/credentialSubject/check/referenceNumber")
        .and_then(Value::as_str)
        .filter(|r| r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or("record");
    format!("verification-record-{reference}.{extension}")
}

/// The record as a one-page A4 PDF: what was checked, when (in `tz`), by whom, the verdict,
/// every check and the recognition, and how to verify the signed JSON.
pub(crate) fn pdf(
    record: &Value,
    headline: &str,
    tz: cairn_render::Tz,
) -> Result<Vec<u8>, Failure> {
    cairn_render::pdf(&record_svg(record, headline, tz)).map_err(|e| (e.code(), e.to_string()))
}

fn record_svg(record: &Value, headline: &str, tz: cairn_render::Tz) -> String {
    let esc = cairn_render::escape;
    let s = |p: &str| {
        record
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let when = chrono::DateTime::parse_from_rfc3339(s("/validFrom"))
        .map(|d| cairn_render::moment(d.with_timezone(&chrono::Utc), tz))
        .unwrap_or_default();
    let mut y = 96.0_f32;
    let mut out = Vec::new();
    let mut text = |y: f32, x: f32, size: u32, weight: &str, fill: &str, t: &str| {
        out.push(format!(
            r#"<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}">{}</text>"#,
            esc(t)
        ));
    };
    text(
        y,
        64.0,
        28,
        "700",
        "#1b1f24",
        "Credential verification record",
    );
    y += 34.0;
    text(
        y,
        64.0,
        16,
        "400",
        "#4a5360",
        &format!(
            "Reference {}  ·  checked {when}",
            s("/credentialSubject/check/referenceNumber")
        ),
    );
    y += 22.0;
    text(
        y,
        64.0,
        16,
        "400",
        "#4a5360",
        &format!("Checked by {}", s("/issuer/name")),
    );
    y += 18.0;
    text(y, 64.0, 11, "400", "#4a5360", s("/issuer/id"));
    y += 44.0;
    text(y, 64.0, 22, "700", "#1b1f24", headline);
    y += 36.0;
    let day = |p: &str| {
        let text = s(p);
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|d| cairn_render::day(d.with_timezone(&chrono::Utc), tz))
            .unwrap_or_else(|_| text.to_owned())
    };
    let (valid_from, valid_until) = (
        day("/credentialSubject/check/checkedCredential/validFrom"),
        day("/credentialSubject/check/checkedCredential/validUntil"),
    );
    let facts = [
        (
            "Achievement",
            s("/credentialSubject/check/checkedCredential/achievementName"),
        ),
        (
            "Issued by (as stated)",
            s("/credentialSubject/check/checkedCredential/issuerName"),
        ),
        (
            "Issuer identifier",
            s("/credentialSubject/check/checkedCredential/issuerId"),
        ),
        (
            "Recipient",
            s("/credentialSubject/check/checkedCredential/recipientName"),
        ),
        ("Valid from", valid_from.as_str()),
        ("Valid until", valid_until.as_str()),
        (
            "Credential id",
            s("/credentialSubject/check/checkedCredential/credentialId"),
        ),
        (
            "SHA-256 of what was checked",
            s("/credentialSubject/check/checkedCredential/digestSRI"),
        ),
    ];
    for (label, value) in facts.iter().filter(|(_, v)| !v.is_empty()) {
        text(y, 64.0, 14, "700", "#1b1f24", label);
        for line in cairn_render::wrap(value, 64, 2) {
            text(y, 290.0, 14, "400", "#1b1f24", &line);
            y += 19.0;
        }
        y += 4.0;
    }
    y += 18.0;
    text(y, 64.0, 18, "700", "#1b1f24", "Every check");
    y += 26.0;
    let empty = Vec::new();
    let checks = record
        .pointer("/credentialSubject/check/checks")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for c in checks.iter().take(24) {
        let v = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default();
        text(y, 64.0, 13, "700", "#1b1f24", v("label"));
        let status = match v("status") {
            "passed" => "Passed",
            "failed" => "Failed",
            "error" => "Could not check",
            _ => "Not applicable",
        };
        text(y, 250.0, 13, "400", "#1b1f24", status);
        for line in cairn_render::wrap(&format!("{} ({})", v("message"), v("code")), 70, 2) {
            text(y, 340.0, 13, "400", "#4a5360", &line);
            y += 17.0;
        }
        y += 5.0;
    }
    if let Some(trust) = record
        .pointer("/credentialSubject/check/recognition/message")
        .and_then(Value::as_str)
    {
        y += 12.0;
        text(y, 64.0, 14, "700", "#1b1f24", "Recognition here");
        for line in cairn_render::wrap(trust, 80, 2) {
            text(y, 250.0, 14, "400", "#1b1f24", &line);
            y += 19.0;
        }
    }
    let footer = 1080.0;
    text(footer, 64.0, 11, "400", "#4a5360", "This page prints a verification record signed by the verifier named above. The signed record (JSON) is the proof:");
    text(footer + 16.0, 64.0, 11, "400", "#4a5360", "check it at any time with `cairn-verify verify` or any W3C Verifiable Credentials verifier.");
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 793.7 1122.5" font-family="'Libertinus Serif', Georgia, serif"><rect width="793.7" height="1122.5" fill="#ffffff"/>{}</svg>"##,
        out.join("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_ids_are_host_names_only() {
        assert_eq!(
            did_web_id("HR.District.example").unwrap(),
            "did:web:hr.district.example"
        );
        assert_eq!(
            did_web_id("localhost:8090").unwrap(),
            "did:web:localhost%3A8090"
        );
        for bad in ["", "a/b", "a..b", "x:y", "évil.example", "a b"] {
            assert!(did_web_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reference_numbers_are_readable() {
        let uuid = uuid::Uuid::parse_str("1a2b3c4d-0000-4000-8000-000000000000").unwrap();
        assert_eq!(reference_number(&uuid), "CV-1A2B-3C4D");
        let record = json!({"credentialSubject": {"check": {"referenceNumber": "CV-1A2B-3C4D"}}});
        assert_eq!(
            file_name(&record, "pdf"),
            "verification-record-CV-1A2B-3C4D.pdf"
        );
        let hostile = json!({"credentialSubject": {"check": {"referenceNumber": "\"; rm -rf"}}});
        assert_eq!(
            file_name(&hostile, "json"),
            "verification-record-record.json"
        );
    }
}

#[cfg(test)]
mod signing_tests {
    use super::*;

    fn verify(doc: &[u8], options: &cairn_verifier::VerifyOptions) -> Report {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(cairn_verifier::verify(
                doc,
                options,
                &cairn_verifier::OfflineResolver::new(),
            ))
            .unwrap()
    }

    /// The record states the check and verifies with the verifier itself; changed, it does not;
    /// only this identity's own records are handed back for download.
    #[test]
    fn a_record_is_signed_verifies_and_is_only_accepted_back_from_its_signer() {
        let dir = tempfile::tempdir().unwrap();
        let identity = Identity::load(&init(dir.path(), "Shelbyville HR", None).unwrap()).unwrap();
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/valid/did-key.json"
        ))
        .unwrap();
        let options = cairn_verifier::VerifyOptions::new(chrono::Utc::now());
        let canon = options.canonicalizer.as_ref();
        let report = verify(&bytes, &options);
        let record = identity.record(canon, &report, &bytes).unwrap();
        let check = &record["credentialSubject"]["check"];
        assert_eq!(check["verdict"], "valid");
        assert_eq!(
            check["checkedCredential"]["digestSRI"],
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes))
            )
        );
        assert_eq!(
            check["checks"].as_array().unwrap().len(),
            report.checks.len()
        );
        assert_eq!(record["validFrom"], report.checked_at);
        assert!(headline(&record).starts_with("Signature intact"));
        let text = record.to_string();
        let verified = verify(text.as_bytes(), &options);
        assert_eq!(verified.verdict, Verdict::Valid, "{:?}", verified.checks);
        assert!(identity.own_record(canon, &text).is_ok());

        let tampered = text.replace("\"verdict\":\"valid\"", "\"verdict\":\"invalid\"");
        assert_ne!(tampered, text);
        assert_eq!(
            verify(tampered.as_bytes(), &options).verdict,
            Verdict::Invalid
        );
        assert_eq!(
            identity.own_record(canon, &tampered).unwrap_err().0,
            "record_not_ours"
        );
        let other_dir = tempfile::tempdir().unwrap();
        let other = Identity::load(&init(other_dir.path(), "Other", None).unwrap()).unwrap();
        assert_eq!(
            other.own_record(canon, &text).unwrap_err().0,
            "record_not_ours"
        );
        let pdf = pdf(&record, &headline(&record), cairn_render::Tz::UTC).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn init_refuses_to_overwrite_and_load_refuses_a_readable_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = init(dir.path(), "HR", Some("hr.district.example")).unwrap();
        assert_eq!(
            init(dir.path(), "HR", None).unwrap_err().0,
            "already_initialised"
        );
        let identity = Identity::load(&path).unwrap();
        let doc = identity.did_document().unwrap();
        assert_eq!(doc["id"], "did:web:hr.district.example");
        assert_eq!(
            doc["assertionMethod"][0],
            "did:web:hr.district.example#key-1"
        );
        std::fs::set_permissions(
            dir.path().join(KEY_FILE),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        assert_eq!(Identity::load(&path).unwrap_err().0, "key_file_permissions");
    }
}
