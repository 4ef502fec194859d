//! Tests of key resolution: did:web URLs, JWK hygiene and which methods may be fetched.

use super::*;

#[test]
fn only_methods_on_the_owners_host_may_be_fetched() {
    let owner = "did:web:credentials.springfield.example";
    let cases: &[(&str, &str, bool)] = &[
        (owner, "did:web:credentials.springfield.example#key-1", true),
        (
            owner,
            "did:web:credentials.springfield.example:other#k",
            true,
        ),
        (
            owner,
            "https://credentials.springfield.example/jwks.json#k",
            true,
        ),
        (
            owner,
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6Mk",
            true,
        ),
        (owner, "https://keys.elsewhere.example/jwks.json#k", false),
        (owner, "did:web:elsewhere.example#k", false),
        (
            owner,
            "https://credentials.springfield.example.evil.example/k#k",
            false,
        ),
        (
            "https://district.example/issuer",
            "https://district.example/keys#1",
            true,
        ),
        (
            "https://district.example/issuer",
            "https://169.254.169.254/keys#1",
            false,
        ),
        (
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            "https://a.example/k#1",
            false,
        ),
    ];
    for (owner, vm, ok) in cases {
        assert_eq!(could_belong_to(vm, owner).is_ok(), *ok, "{vm} for {owner}");
    }
}

#[test]
fn did_web_urls_follow_the_spec_and_refuse_smuggling() {
    let ok = [
        (
            "did:web:example.com",
            "https://example.com/.well-known/did.json",
        ),
        (
            "did:web:localhost%3A8443",
            "https://localhost:8443/.well-known/did.json",
        ),
        (
            "did:web:example.com:user:alice",
            "https://example.com/user/alice/did.json",
        ),
    ];
    for (did, url) in ok {
        assert_eq!(did_web_url(did).ok().as_deref(), Some(url));
    }
    for bad in [
        "did:web:",
        "did:web:evil.com%2F@x",
        "did:web:a.com:..:etc",
        "did:web:a.com/x",
        "did:web:user@host",
    ] {
        assert!(did_web_url(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn rsa_jwks_must_be_real_2048_bit_public_keys() {
    let jwk = |n: &str, extra: Option<(&str, &str)>| {
        let mut m = Map::new();
        m.insert("kty".into(), "RSA".into());
        m.insert("n".into(), n.into());
        m.insert("e".into(), "AQAB".into());
        if let Some((k, v)) = extra {
            m.insert(k.into(), v.into());
        }
        m
    };
    let code = |m: &Map<String, Value>| key_from_jwk(m, "k").err().map(|e| e.code());
    // Empty, all-zero and short moduli are refused without panicking.
    assert_eq!(
        code(&jwk("", None)),
        Some("unsupported_verification_method")
    );
    assert_eq!(
        code(&jwk("AAAA", None)),
        Some("unsupported_verification_method")
    );
    let short = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xffu8; 128]);
    assert_eq!(
        code(&jwk(&short, None)),
        Some("unsupported_verification_method")
    );
    // Leading zero bytes do not count towards the size.
    let mut padded = vec![0u8; 8];
    padded.extend([0xffu8; 255]);
    let padded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(padded);
    assert_eq!(
        code(&jwk(&padded, None)),
        Some("unsupported_verification_method")
    );
    let full = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xc3u8; 256]);
    assert_eq!(
        code(&jwk(&full, Some(("d", "AQAB")))),
        Some("invalid_verification_method")
    );
    assert_eq!(code(&jwk("!!", None)), Some("invalid_verification_method"));
}
