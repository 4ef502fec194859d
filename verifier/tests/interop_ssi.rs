//! Another implementation agrees: ssi's own Data Integrity verifier (its suites, its did:key
//! resolver) accepts Cairn's eddsa-rdfc-2022 credentials and rejects a tampered one.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::collections::HashMap;
use std::path::PathBuf;

use cairn_verifier::{Contexts, OB_V3P0_3_0_3};
use ssi::claims::data_integrity::AnyDataIntegrity;
use ssi::claims::VerificationParameters;
use ssi::dids::{AnyDidMethod, DIDResolver};
use ssi::json_ld::ContextLoader;
use ssi::verification_methods::AnyMethod;

type Credential = ssi::claims::vc::v2::JsonCredential;

fn verify_with_ssi(text: &str) -> Result<(), String> {
    let mut map = HashMap::new();
    map.insert(
        OB_V3P0_3_0_3.to_owned(),
        Contexts::builtin_text(OB_V3P0_3_0_3)
            .expect("compiled in")
            .to_owned(),
    );
    let loader = ContextLoader::default()
        .with_context_map_from(map)
        .map_err(|e| e.to_string())?;
    let vc: AnyDataIntegrity<Credential> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let resolver = AnyDidMethod::default().into_vm_resolver::<AnyMethod>();
    let params = VerificationParameters::from_resolver(&resolver).with_json_ld_loader(loader);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    match rt.block_on(vc.verify(&params)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(invalid)) => Err(format!("invalid: {invalid:?}")),
        Err(e) => Err(format!("error: {e}")),
    }
}

#[test]
fn ssi_accepts_cairn_credentials() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let good = std::fs::read_to_string(dir.join("valid/did-key.json")).expect("read");
    verify_with_ssi(&good).expect("ssi verifies Cairn's credential");
    let tampered =
        std::fs::read_to_string(dir.join("invalid/tampered-credits.json")).expect("read");
    assert!(
        verify_with_ssi(&tampered).is_err(),
        "ssi accepted a tampered credential"
    );
}
