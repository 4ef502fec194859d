//! The permission table in docs/console.md is the code's (`Permission::ALL` × `Role::ALL`, and
//! each permission's token scope); `CAIRN_BLESS=1` rewrites it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

use cairn_issuer::{Permission, Role};

fn table() -> String {
    let mut md = String::from("| permission |");
    for r in Role::ALL {
        md.push_str(&format!(" {} |", r.label()));
    }
    md.push_str(" API token scope |\n|---|");
    for _ in Role::ALL {
        md.push_str("---|");
    }
    md.push_str("---|\n");
    for p in Permission::ALL {
        md.push_str(&format!("| {} |", p.label()));
        for r in Role::ALL {
            md.push_str(if p.roles().contains(&r) {
                " yes |"
            } else {
                " — |"
            });
        }
        md.push_str(&format!(" `{}` |\n", p.scope().name()));
    }
    md
}

#[test]
fn docs_console_md_has_the_permission_table() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/console.md");
    let text = std::fs::read_to_string(&path).expect("docs/console.md");
    let start = text.find("<!-- permissions:start").expect("start marker");
    let start = start + text[start..].find("-->\n").expect("marker end") + 4;
    let end = text.find("<!-- permissions:end -->").expect("end marker");
    let want = table();
    if std::env::var("CAIRN_BLESS").is_ok_and(|v| v == "1") {
        let mut new = text.clone();
        new.replace_range(start..end, &want);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        text[start..end] == want,
        "docs/console.md's permission table is out of date: run CAIRN_BLESS=1 cargo test -p cairn-issuer --test permissions_doc"
    );
}
