//! Verified identities on both databases: an identity bound to an account is read back with the
//! account (its name and ID number become the verified ones), one account per verified ID number and
//! per provider subject, the names an ID number is on record under, and a login under way taken
//! exactly once.

use yiyin_domain::party::SubjectId;
use yiyin_store::accounts::{AccountKind, NewAccount};
use yiyin_store::identities::{IdentityLogin, NewIdentity};
use yiyin_store::{Backend, Conflict, Store, StoreError, StoreOptions};
use yiyin_testkit::{TestDb, on_both};

on_both!(identities_bind_once_and_logins_are_taken_once);

async fn applicant(store: &Store, login: &str, name: &str, id: &SubjectId) -> i64 {
    let mut tx = store.begin_write().await.unwrap();
    let a = tx
        .insert_account(&NewAccount {
            kind: AccountKind::Applicant,
            login,
            name,
            password_hash: "!",
            subject: Some(id),
            phone: "",
            created_at: 1,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    a
}

async fn bind(
    store: &Store,
    account: i64,
    id: &SubjectId,
    subject: &str,
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    tx.bind_identity(
        account,
        &NewIdentity {
            id_number: id,
            name: "王芳",
            provider: "https://idp.example",
            provider_subject: subject,
            verified_at: 42,
        },
    )
    .await?;
    tx.commit().await
}

async fn identities_bind_once_and_logins_are_taken_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store(StoreOptions::default()).await;
    let wang = SubjectId::parse_any("11010519491231002X").unwrap();
    let other = SubjectId::parse_any("91350100M000100Y43").unwrap();

    // Typed at registration under another name: not verified, not on record.
    let typed = applicant(&store, "11010519491231002X", "冒名者", &wang).await;
    assert_eq!(store.account(typed).await.unwrap().verified, None);
    assert!(store.names_on_record(&wang).await.unwrap().is_empty());

    let verified = applicant(&store, "sso-1", "王芳", &wang).await;
    bind(&store, verified, &wang, "sub-1").await.unwrap();
    let a = store.account(verified).await.unwrap();
    let v = a.verified.clone().expect("verified");
    assert_eq!(
        (v.id_number.as_str(), v.name.as_str()),
        (wang.as_str(), "王芳")
    );
    assert_eq!(
        (v.provider.as_str(), v.verified_at),
        ("https://idp.example", 42)
    );
    assert_eq!(a.verified_id(), Some(&wang));
    assert_eq!(
        store.account_of_verified_id(&wang).await.unwrap(),
        Some(verified)
    );
    assert_eq!(
        store
            .account_of_provider_subject("https://idp.example", "sub-1")
            .await
            .unwrap(),
        Some(verified)
    );
    assert_eq!(store.names_on_record(&wang).await.unwrap(), vec!["王芳"]);

    // The same ID number, or the same provider subject, cannot be bound to another account; the
    // account keeps what it typed.
    for (id, subject) in [(&wang, "sub-2"), (&other, "sub-1")] {
        let e = bind(&store, typed, id, subject).await.unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Conflict(Conflict::Taken {
                    what: "identity",
                    ..
                })
            ),
            "{e:?}"
        );
    }
    let t = store.account(typed).await.unwrap();
    assert_eq!((t.verified, t.name.as_str()), (None, "冒名者"));

    // A login under way is taken once; stale ones are forgotten when another starts.
    let login = IdentityLogin {
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        next_path: "/my".into(),
        bind_account: 0,
        created_at: 1_000,
    };
    let mut tx = store.begin_write().await.unwrap();
    tx.insert_identity_login("old", &login, 0).await.unwrap();
    tx.insert_identity_login(
        "state",
        &IdentityLogin {
            created_at: 5_000,
            ..login.clone()
        },
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    tx.insert_identity_login(
        "new",
        &IdentityLogin {
            created_at: 9_000,
            ..login.clone()
        },
        2_000,
    )
    .await
    .unwrap();
    let taken = tx.take_identity_login("state").await.unwrap();
    assert_eq!(taken.map(|l| l.next_path), Some("/my".to_string()));
    assert_eq!(tx.take_identity_login("state").await.unwrap(), None);
    assert_eq!(tx.take_identity_login("old").await.unwrap(), None, "stale");
    tx.commit().await.unwrap();
    store.close().await;
    db.drop_db().await;
}
