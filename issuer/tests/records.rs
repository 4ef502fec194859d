//! Finding issued credentials (issuer/src/records.rs): a search by recipient, achievement and
//! date in pages, and a credential named by its id, page key, share code or share link.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use cairn_issuer::{Actor, CredentialQuery, Error, IssueRequest};
use chrono::{Duration, TimeZone, Utc};

mod common;

#[tokio::test]
async fn credentials_are_found_by_search_and_by_any_reference() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = "https://credentials.district.example";
    let issuer = common::did_key_issuer(&dir.path().join("i"), "District", Some(url)).await;
    let actor = Actor("test".into());
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut ids = Vec::new();
    for (i, email) in [
        "a@district.example",
        "b@district.example",
        "a@district.example",
    ]
    .into_iter()
    .enumerate()
    {
        let request = IssueRequest {
            achievement: "classroom-discourse".into(),
            recipient_email: email.into(),
            ..Default::default()
        };
        let at = t0 + Duration::hours(i as i64);
        let issued = issuer.issue(&request, at, &actor).await.expect("issue");
        ids.push(issued["id"].as_str().expect("id").to_owned());
    }
    let search = |query: CredentialQuery| {
        let issuer = &issuer;
        async move { issuer.search_credentials(&query).await }
    };
    let found = |page: &cairn_issuer::CredentialPage| {
        page.credentials
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    };
    let all = search(CredentialQuery {
        limit: 50,
        ..Default::default()
    })
    .await
    .expect("all");
    assert_eq!(found(&all), ids);
    assert_eq!(all.next_cursor, None);
    let a = search(CredentialQuery {
        recipient_email: Some("A@District.example".into()),
        limit: 50,
        ..Default::default()
    })
    .await
    .expect("by recipient");
    assert_eq!(found(&a), [ids[0].clone(), ids[2].clone()]);
    let later = search(CredentialQuery {
        issued_from: Some(t0 + Duration::minutes(30)),
        achievement: Some("classroom-discourse".into()),
        limit: 50,
        ..Default::default()
    })
    .await
    .expect("by date");
    assert_eq!(found(&later), ids[1..]);
    // Pages of one, followed by their cursors, give every credential once.
    let mut query = CredentialQuery {
        limit: 1,
        ..Default::default()
    };
    let mut paged = Vec::new();
    loop {
        let page = search(query.clone()).await.expect("page");
        paged.extend(found(&page));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, ids);
    for (bad, code) in [
        (
            CredentialQuery {
                limit: 0,
                ..Default::default()
            },
            "invalid_input",
        ),
        (
            CredentialQuery {
                cursor: Some("bogus".into()),
                limit: 5,
                ..Default::default()
            },
            "invalid_input",
        ),
        (
            CredentialQuery {
                achievement: Some("no-such".into()),
                limit: 5,
                ..Default::default()
            },
            "achievement_not_found",
        ),
    ] {
        assert_eq!(search(bad).await.err().map(|e| e.code()), Some(code));
    }

    // One credential by whatever a person has at hand.
    let id = &ids[1];
    let key = id.rsplit(['/', ':']).next().expect("key");
    let code = issuer.share_code(id).await.expect("share code");
    for reference in [
        id.clone(),
        key.to_owned(),
        format!("{url}/credentials/{key}"),
        code.clone(),
        format!("{url}/s/{code}"),
        format!("  {code}  "),
    ] {
        assert_eq!(
            issuer.find_credential(&reference).await.expect(&reference),
            *id,
            "{reference}"
        );
    }
    for unknown in [
        "urn:uuid:no-such",
        "nosuchcode",
        "https://elsewhere.example/s/x",
    ] {
        assert!(matches!(
            issuer.find_credential(unknown).await,
            Err(Error::CredentialNotFound(_))
        ));
    }
}

/// A part of the teacher's name finds their credentials (any case, spaces collapsed, LIKE
/// wildcards taken literally), also credentials stored before names were kept for searching.
#[tokio::test]
async fn credentials_are_found_by_a_part_of_the_name() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("tmp");
    let issuer = common::did_key_issuer(
        &dir.path().join("i"),
        "District",
        Some("https://credentials.district.example"),
    )
    .await;
    let actor = Actor("test".into());
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    for (email, name) in [
        ("k@district.example", Some("Katherine  Johnson")),
        ("d@district.example", Some("Dorothy Vaughan")),
        ("m@district.example", Some("100% Mary_Jackson")),
        ("n@district.example", None),
    ] {
        let request = IssueRequest {
            achievement: "classroom-discourse".into(),
            recipient_email: email.into(),
            recipient_name: name.map(str::to_owned),
            ..Default::default()
        };
        issuer
            .issue(&request, issuer.now(), &actor)
            .await
            .expect("issue");
    }
    assert_eq!(
        names_found(&issuer, "katherine johnson").await,
        1,
        "spaces collapsed, any case"
    );
    assert_eq!(names_found(&issuer, "SON").await, 2, "Johnson and Jackson");
    assert_eq!(names_found(&issuer, "%").await, 1, "a % is a percent sign");
    assert_eq!(
        names_found(&issuer, "y_j").await,
        1,
        "an _ is an underscore"
    );
    assert_eq!(names_found(&issuer, "y j").await, 0);
    // Rows stored before the column existed are filled when the store opens.
    let path = issuer.config().path.clone();
    let db = issuer.config().database_url();
    drop(issuer);
    let mut conn = sqlx::SqliteConnection::connect(&db).await.expect("sqlite");
    sqlx::query("UPDATE credentials SET recipient_name_key = NULL")
        .execute(&mut conn)
        .await
        .expect("clear");
    drop(conn);
    let reopened = cairn_issuer::Issuer::open(&path).await.expect("open");
    assert_eq!(names_found(&reopened, "dorothy").await, 1);
}

async fn names_found(issuer: &cairn_issuer::Issuer, part: &str) -> usize {
    let query = CredentialQuery {
        recipient_name: Some(part.into()),
        limit: 50,
        ..Default::default()
    };
    issuer
        .search_credentials(&query)
        .await
        .expect("search")
        .credentials
        .len()
}

/// An achievement's `validityMonths` ends its credentials that many months after issue, unless
/// the award gives its own end; it never enters the credential's Achievement.
#[tokio::test]
async fn an_achievements_validity_period_ends_its_credentials() {
    let dir = tempfile::tempdir().expect("tmp");
    let issuer = common::did_key_issuer(
        &dir.path().join("i"),
        "District",
        Some("https://credentials.district.example"),
    )
    .await;
    let actor = Actor("test".into());
    let def = cairn_issuer::AchievementDefinition::from_value(serde_json::json!({
        "slug": "three-years",
        "name": "Renewable micro-credential",
        "description": "Valid three years.",
        "criteria": {"narrative": "Renew every three years."},
        "validityMonths": 36
    }))
    .expect("definition");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let at = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
    let request = IssueRequest {
        achievement: "three-years".into(),
        recipient_email: "t@district.example".into(),
        ..Default::default()
    };
    let issued = issuer.issue(&request, at, &actor).await.expect("issue");
    assert_eq!(issued["validUntil"], "2029-12-05T09:00:00Z");
    assert!(issued["credentialSubject"]["achievement"]
        .get("validityMonths")
        .is_none());
    let own_end = IssueRequest {
        valid_until: Some(Utc.with_ymd_and_hms(2027, 6, 30, 0, 0, 0).unwrap()),
        ..request.clone()
    };
    let issued = issuer.issue(&own_end, at, &actor).await.expect("issue");
    assert_eq!(
        issued["validUntil"], "2027-06-30T00:00:00Z",
        "the award's own end wins"
    );
    let bad = cairn_issuer::AchievementDefinition::from_value(serde_json::json!({
        "name": "x", "description": "x", "criteria": {"narrative": "x"}, "validityMonths": 0
    }));
    assert_eq!(bad.err().map(|e| e.code()), Some("achievement_invalid"));
}
