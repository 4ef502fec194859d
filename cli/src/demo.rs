//! `cairn demo`: the whole flow once, with the TEST-ONLY example key.

use std::path::{Path, PathBuf};

use cairn_issuer::{
    AchievementDefinition, Actor, Error, IdentityKind, InitOptions, IssueRequest, Issuer,
    StatusAction,
};
use cairn_verifier::{OfflineResolver, VerifyOptions};
use clap::Args;
use serde_json::Value;

use crate::init::example_key;
use crate::output::pretty;

/// The bundled example achievement used by `cairn demo`.
const EXAMPLE_ACHIEVEMENT: &str =
    include_str!("../../examples/achievements/formative-assessment.toml");

#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Where to create the demo issuer (must not exist yet).
    #[arg(long, default_value = "cairn-demo")]
    dir: PathBuf,
}

/// The public address the demo issuer publishes its status lists under.
const DEMO_URL: &str = "https://credentials.springfield.example";

/// init → define → issue → verify → revoke → bake, with the example key, in `dir`.
pub(crate) async fn run(args: DemoArgs) -> Result<(), Error> {
    let dir = args.dir.as_path();
    let actor = Actor("cli:demo".to_owned());
    let (issuer, slug) = create(dir, &actor).await?;
    let now = issuer.now();
    let request = IssueRequest {
        achievement: slug,
        recipient_email: "teacher@springfield.example".to_owned(),
        recipient_name: Some("Edna Krabappel".to_owned()),
        credits: Some(15.0),
        evidence_urls: vec!["https://portfolio.springfield.example/ek/unit-plan".to_owned()],
        ..Default::default()
    };
    let credential = issuer.issue(&request, now, &actor).await?;
    let out = dir.join("credential.json");
    std::fs::write(&out, pretty(&credential) + "\n")
        .map_err(|e| Error::Io(out.clone(), e.to_string()))?;
    println!("3. credential issued and stored: {}", out.display());
    let (resolver, docs) = save_lists(&issuer, dir, "").await?;
    let options = VerifyOptions::new(now);
    verify_and_tamper(&credential, &options, &resolver).await;
    let second = IssueRequest {
        recipient_email: "substitute@springfield.example".to_owned(),
        recipient_name: None,
        ..request
    };
    revoke_one(&issuer, dir, &second, &options, &actor).await?;
    let id = credential["id"].as_str().unwrap_or_default();
    bake(&issuer, dir, id, &options, &resolver).await?;
    let key = id.rsplit('/').next().unwrap_or_default();
    println!(
        "8. its public page, once `cairn serve --config {}` runs: /credentials/{key} (short link /s/{})",
        dir.join("cairn.toml").display(),
        issuer.share_code(id).await?
    );
    println!(
        "\nNext: cargo run -p cairn-verify -- verify {} {} ; open {}",
        out.display(),
        docs.join(" "),
        dir.join("cairn.toml").display()
    );
    Ok(())
}

/// Steps 1 and 2: the issuer (example key, SQLite) and the example achievement; its slug.
async fn create(dir: &Path, actor: &Actor) -> Result<(Issuer, String), Error> {
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Springfield Public Schools (DEMO — test key)".to_owned(),
            url: Some(DEMO_URL.to_owned()),
            identity: IdentityKind::DidKey,
            key: Some(example_key()?),
            database_url: None,
        },
        actor,
    )
    .await?;
    println!("1. issuer created: {} ({})", issuer.id(), dir.display());
    let def = AchievementDefinition::parse(EXAMPLE_ACHIEVEMENT, Some("toml"))?;
    let stored = issuer.add_achievement(&def, actor).await?;
    println!("2. achievement defined: {} ({})", def.name(), stored.slug);
    Ok((issuer, stored.slug))
}

/// What a verifier would fetch from the issuer's site, saved for offline verification: a
/// resolver serving the status lists, and the `--doc` arguments naming the files.
async fn save_lists(
    issuer: &Issuer,
    dir: &Path,
    tag: &str,
) -> Result<(OfflineResolver, Vec<String>), Error> {
    let mut resolver = OfflineResolver::new();
    let mut docs = Vec::new();
    for list in issuer.store().status_lists().await? {
        let published = issuer.current_status_list(&list.id, issuer.now()).await?;
        let file = dir.join(format!("status-{}-{}{tag}.json", list.purpose, list.seq));
        std::fs::write(&file, &published.json)
            .map_err(|e| Error::Io(file.clone(), e.to_string()))?;
        resolver.insert(&list.id, published.json);
        docs.push(format!("--doc {}={}", list.id, file.display()));
    }
    Ok((resolver, docs))
}

/// Steps 4 and 5: the credential verifies; a tampered copy does not.
async fn verify_and_tamper(
    credential: &Value,
    options: &VerifyOptions,
    resolver: &OfflineResolver,
) {
    let doc = credential.as_object().cloned().unwrap_or_default();
    let report = cairn_verifier::verify_credential(&doc, options, resolver).await;
    println!(
        "4. verified: {:?} (signature, issuer key, validity, revocation and suspension lists)",
        report.verdict
    );
    let mut tampered = doc;
    if let Some(s) = tampered.get_mut("credentialSubject") {
        s["creditsEarned"] = serde_json::json!(150.0);
    }
    let report = cairn_verifier::verify_credential(&tampered, options, resolver).await;
    println!(
        "5. tampered copy (creditsEarned 15 → 150) verified: {:?} [{}]",
        report.verdict,
        report.failed_codes().join(", ")
    );
}

/// Step 6: a second credential, revoked, then verified against the re-published list.
async fn revoke_one(
    issuer: &Issuer,
    dir: &Path,
    request: &IssueRequest,
    options: &VerifyOptions,
    actor: &Actor,
) -> Result<(), Error> {
    let second = issuer.issue(request, options.now, actor).await?;
    let second_id = second["id"].as_str().unwrap_or_default().to_owned();
    issuer
        .change_status(
            &second_id,
            StatusAction::Revoke,
            Some("issued in error (demo)"),
            actor,
        )
        .await?;
    let (after, _) = save_lists(issuer, dir, "-after-revocation").await?;
    let doc = second.as_object().cloned().unwrap_or_default();
    let report = cairn_verifier::verify_credential(&doc, options, &after).await;
    println!(
        "6. a second credential, revoked, verified against the re-published list: {:?} [{}]",
        report.verdict,
        report.failed_codes().join(", ")
    );
    Ok(())
}

/// Step 7, sharing: the credential baked into its badge (OB 3.0 §5.3), read back and verified.
async fn bake(
    issuer: &Issuer,
    dir: &Path,
    id: &str,
    options: &VerifyOptions,
    resolver: &OfflineResolver,
) -> Result<(), Error> {
    let mut baked_files = Vec::new();
    for (format, name) in [
        (cairn_issuer::ImageFormat::Png, "badge.png"),
        (cairn_issuer::ImageFormat::Svg, "badge.svg"),
    ] {
        let image = issuer.baked_badge(id, format, false).await?;
        let file = dir.join(name);
        std::fs::write(&file, &image).map_err(|e| Error::Io(file.clone(), e.to_string()))?;
        let report = cairn_verifier::verify(&image, options, resolver)
            .await
            .map_err(|e| Error::SelfCheckFailed(e.code().to_owned()))?;
        baked_files.push(format!("{} ({:?})", file.display(), report.verdict));
    }
    println!(
        "7. baked into badge images and verified from them: {}",
        baked_files.join(", ")
    );
    Ok(())
}
