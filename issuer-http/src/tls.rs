//! A self-signed certificate for local HTTPS (`cairn serve --self-signed`).

use cairn_issuer::Error;

/// Writes a self-signed certificate and its key (0600) into `dir` for local HTTPS, naming
/// `localhost`, `127.0.0.1` and `extra_host` (e.g. the did:web host).
pub fn write_self_signed(
    dir: &std::path::Path,
    extra_host: Option<&str>,
) -> Result<(std::path::PathBuf, std::path::PathBuf), Error> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Some(h) = extra_host {
        names.push(h.split(':').next().unwrap_or(h).to_owned());
    }
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| Error::Signing(format!("cannot make a certificate: {e}")))?;
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    cairn_issuer::write_secret_file(&key_path, certified.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, certified.cert.pem())
        .map_err(|e| Error::Io(cert_path.clone(), e.to_string()))?;
    Ok((cert_path, key_path))
}
