//! What a VC-API caller may have signed in the issuer's name (`Issuer::issue_vc_api`): with the
//! `issue` scope only badges of the issuer's own achievements; with `sign` any credential type;
//! status lists, trust registries and ids under the issuer's own address never. Each signing is
//! audited with the credential's types and id.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use cairn_issuer::{Actor, VcApiGrant};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

mod common;

const URL: &str = "https://credentials.district.example";
const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

#[tokio::test]
async fn each_scope_signs_what_it_may_and_nothing_signs_lists_or_registries() {
    let dir = tempfile::tempdir().expect("tmp");
    let issuer = common::did_key_issuer(&dir.path().join("i"), "District", Some(URL)).await;
    let actor = Actor("test".into());
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let achievement = issuer
        .achievement("classroom-discourse")
        .await
        .expect("achievement")
        .achievement;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let issuer_id = issuer.id().to_owned();
    let credential = |types: Value, subject: Value, id: &str| {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT],
            "id": id,
            "type": types,
            "issuer": {"id": issuer_id, "type": ["Profile"], "name": "District"},
            "validFrom": "2026-12-01T09:00:00Z",
            "name": "A credential",
            "credentialSubject": subject,
        })
    };
    let badge = |achievement: &Value, id: &str| {
        credential(
            json!(["VerifiableCredential", "OpenBadgeCredential"]),
            json!({"type": ["AchievementSubject"], "achievement": achievement}),
            id,
        )
    };
    let mut foreign = achievement.clone();
    foreign["id"] = json!("https://elsewhere.example/achievements/1");
    let mut alumni = credential(
        json!(["VerifiableCredential", "ExampleAlumniCredential"]),
        json!({"id": "did:example:abc", "alumniOf": "The School of Examples"}),
        "urn:uuid:5f3d8c1e-0000-4000-8000-000000000003",
    );
    alumni["@context"][1] = json!("https://www.w3.org/ns/credentials/examples/v2");
    let status_list = credential(
        json!(["VerifiableCredential", "BitstringStatusListCredential"]),
        json!({"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"}),
        &format!("{URL}/status/revocation/1"),
    );
    let list_subject = credential(
        json!(["VerifiableCredential"]),
        json!({"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": "uH4sI"}),
        "urn:uuid:5f3d8c1e-0000-4000-8000-000000000004",
    );
    let registry = credential(
        json!([
            "VerifiableCredential",
            cairn_verifier::TRUST_REGISTRY_CREDENTIAL_TYPE
        ]),
        json!({"id": issuer_id}),
        "urn:uuid:5f3d8c1e-0000-4000-8000-000000000005",
    );
    let under_our_url = credential(
        json!(["VerifiableCredential", "ExampleAlumniCredential"]),
        json!({"id": "did:example:abc"}),
        &format!("{URL}/credentials/forged"),
    );
    use VcApiGrant::{AnyType, OwnAchievements};
    let own = badge(
        &achievement,
        "urn:uuid:5f3d8c1e-0000-4000-8000-000000000001",
    );
    let other = badge(&foreign, "urn:uuid:5f3d8c1e-0000-4000-8000-000000000002");
    let cases: Vec<(&str, &Value, VcApiGrant, Result<(), &str>)> = vec![
        ("own badge, issue", &own, OwnAchievements, Ok(())),
        ("own badge, sign", &own, AnyType, Ok(())),
        (
            "another issuer's achievement, issue",
            &other,
            OwnAchievements,
            Err("insufficient_scope"),
        ),
        (
            "another issuer's achievement, sign",
            &other,
            AnyType,
            Ok(()),
        ),
        (
            "another type, issue",
            &alumni,
            OwnAchievements,
            Err("insufficient_scope"),
        ),
        ("another type, sign", &alumni, AnyType, Ok(())),
        ("status list", &status_list, AnyType, Err("not_signable")),
        (
            "status list subject",
            &list_subject,
            AnyType,
            Err("not_signable"),
        ),
        ("trust registry", &registry, AnyType, Err("not_signable")),
        (
            "id under our address",
            &under_our_url,
            AnyType,
            Err("not_signable"),
        ),
    ];
    let mut signed = 0;
    for (name, credential, grant, want) in cases {
        let got = issuer
            .issue_vc_api(credential.clone(), grant, now, &actor)
            .await
            .map(|_| ())
            .map_err(|e| e.code());
        assert_eq!(got, want, "{name}");
        signed += usize::from(got.is_ok());
    }
    // Each signing is audited with what was signed; refusals sign and record nothing.
    let entries: Vec<Value> = issuer
        .audit_entries()
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "credential.issue.vc_api")
        .map(|e| e.detail.expect("detail"))
        .collect();
    assert_eq!(entries.len(), signed);
    assert_eq!(
        entries[0],
        json!({
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "id": "urn:uuid:5f3d8c1e-0000-4000-8000-000000000001"
        })
    );
    // An archived achievement's badges need sign too.
    issuer
        .archive_achievement("classroom-discourse", &actor)
        .await
        .expect("archive");
    let again = badge(
        &achievement,
        "urn:uuid:5f3d8c1e-0000-4000-8000-000000000006",
    );
    let got = issuer
        .issue_vc_api(again, OwnAchievements, now, &actor)
        .await
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(got, Err("insufficient_scope"));
}

/// A credential built to make canonicalisation explode (16,000 identical anonymous evidence
/// objects) is refused at once through the VC-API, as the verifier refuses it: the issuer signs
/// with the same budgeted canonicaliser.
#[tokio::test]
async fn a_blank_node_explosion_is_refused_before_signing() {
    let dir = tempfile::tempdir().expect("tmp");
    let issuer = common::did_key_issuer(&dir.path().join("i"), "District", None).await;
    let actor = Actor("test".into());
    let evidence: Vec<Value> = (0..16_000)
        .map(|_| json!({"type": ["Evidence"], "name": "x"}))
        .collect();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.id(),
        "validFrom": "2026-12-01T09:00:00Z",
        "credentialSubject": {"id": "did:example:abc"},
        "evidence": evidence,
    });
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let refused = issuer
        .issue_vc_api(credential, VcApiGrant::AnyType, now, &actor)
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), "invalid_input");
    assert!(
        refused.to_string().contains("more work than allowed"),
        "{refused}"
    );
}
