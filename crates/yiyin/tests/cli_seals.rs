//! The seal's commands as an auditor or a recipient runs them, on the demo's embedded database:
//! `yiyin verify` (offline, against the published seal list, against the registry), `yiyin archive
//! verify`, `yiyin audit verify --head`, `yiyin seal list|rotate`. Every tampering is caught with its
//! reason and exit status 1; bad input exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use yiyin_store::{Store, StoreOptions};

const PASSPHRASE: &str = "yiyin-demo-2026";

/// Runs yiyin on the data directory (`archive verify` needs none: it reads only the package).
fn yiyin(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yiyin"));
    cmd.args(args);
    if args[0] != "archive" {
        cmd.arg("--data-dir").arg(data);
    }
    cmd.env_remove("YIYIN_DATABASE_URL")
        .env_remove("YIYIN_SEAL_PASSPHRASE")
        .output()
        .expect("run yiyin")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs and expects success, returning stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let o = yiyin(data, args);
    assert!(o.status.success(), "{args:?}: {}{}", out(&o), err(&o));
    out(&o)
}

/// Runs and expects failure with `status`, returning stdout and stderr together.
fn fails(data: &Path, args: &[&str], status: i32) -> String {
    let o = yiyin(data, args);
    assert_eq!(
        o.status.code(),
        Some(status),
        "{args:?}: {}{}",
        out(&o),
        err(&o)
    );
    format!("{}{}", out(&o), err(&o))
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x01;
    b
}

/// A licence of the demo: its case id, its sealed record (JSON), its PDF and its identifier; and
/// the archive package of its case.
struct Issued {
    case_id: i64,
    json: String,
    pdf: Vec<u8>,
    identifier: String,
    package: Vec<u8>,
}

async fn issued(data: &Path) -> Issued {
    let store = Store::connect(
        &yiyin_store::sqlite_url(&data.join("yiyin.sqlite")),
        StoreOptions::default(),
    )
    .await
    .unwrap();
    let keyring = store.keyring(PASSPHRASE).await.unwrap();
    let clock: Arc<dyn yiyin_web::Clock> = Arc::new(yiyin_web::FixedClock::new(
        yiyin_web::testing::at("2026-06-15"),
    ));
    let state = yiyin_web::AppState::load(
        store.clone(),
        yiyin_domain::calendar::Calendar::builtin(),
        clock,
        yiyin_store::blobs::BlobStore::new(data.join("blobs")),
        keyring,
        "http://127.0.0.1:8080",
    )
    .await
    .unwrap();
    for case in store.approvals("hanyin", 50).await.unwrap() {
        if !case.case.is_closed() {
            continue;
        }
        for doc in store.case_documents(case.id).await.unwrap() {
            let Some(json) = doc.sealed.clone() else {
                continue;
            };
            let Some(identifier) = doc.record.identifier.clone() else {
                continue;
            };
            let pdf = yiyin_web::sealing::pdf_of(&state, &doc).await.unwrap();
            let (_, package) = yiyin_web::archiving::package_of(&state, case.id)
                .await
                .unwrap();
            store.close().await;
            return Issued {
                case_id: case.id,
                json,
                pdf,
                identifier,
                package,
            };
        }
    }
    panic!("the demo has an issued licence in hanyin");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yiyin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_archive_audit_and_rotate_from_the_command_line() {
    let data = temp_dir("seals");
    let files = data.join("files");
    std::fs::create_dir_all(&files).unwrap();
    ok(&data, &["demo", "--no-serve", "--clock", "2026-06-15"]);
    let doc = issued(&data).await;
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let seals = write(
        "seals.json",
        ok(&data, &["seal", "list", "--json"]).as_bytes(),
    );
    let json = write("licence.json", doc.json.as_bytes());
    let pdf = write("licence.pdf", &doc.pdf);

    // Genuine: offline, against the published seals, against the registry.
    for file in [&json, &pdf] {
        let said = ok(&data, &["verify", path(file)]);
        assert!(said.contains("核验结果：真实有效"), "{said}");
        assert!(
            said.contains("汉阴县行政审批服务局行政审批专用章"),
            "{said}"
        );
        assert!(said.contains(&doc.identifier), "{said}");
        assert!(
            said.contains("--seals"),
            "offline, it says what it cannot know: {said}"
        );
        let said = ok(
            &data,
            &["verify", path(file), "--seals", path(&seals), "--registry"],
        );
        assert!(
            said.contains("印章清单：第") && said.contains("当前“有效”"),
            "{said}"
        );
    }

    // A changed byte of the PDF; a changed field of the record.
    let changed = write("changed.pdf", &flip(&doc.pdf, doc.pdf.len() / 2));
    let said = fails(&data, &["verify", path(&changed)], 1);
    assert!(said.contains("核验结果：无效"), "{said}");
    let edited = doc.json.replace(&doc.identifier, "LICENCE-FORGED");
    let said = fails(
        &data,
        &["verify", path(&write("edited.json", edited.as_bytes()))],
        1,
    );
    assert!(said.contains("签名"), "{said}");
    // Signed by a key that is not a published seal.
    let thief = yiyin_seal::SealKey::generate();
    let mut forged = yiyin_seal::SealedDocument::from_json(&doc.json).unwrap();
    forged.seal.public_key = thief.public_hex();
    let forged =
        yiyin_seal::SealedDocument::seal(forged.document, forged.seal, &thief, &forged.signed_at);
    let forged = write("forged.json", forged.to_json().as_bytes());
    ok(&data, &["verify", path(&forged)]);
    let said = fails(
        &data,
        &["verify", path(&forged), "--seals", path(&seals)],
        1,
    );
    assert!(said.contains("不在公布的印章清单中"), "{said}");
    // Not a file of ours; no file at all.
    let said = fails(&data, &["verify", path(&seals)], 1);
    assert!(said.contains("不是一印签发"), "{said}");
    let said = fails(&data, &["verify", path(&files.join("none.pdf"))], 2);
    assert!(said.contains("无法读取"), "{said}");

    // The archive package verifies; a changed byte does not.
    let package = write("archive.zip", &doc.package);
    let said = ok(
        &data,
        &["archive", "verify", path(&package), "--seals", path(&seals)],
    );
    assert!(said.contains("档案包完整"), "{said}");
    let broken = write("broken.zip", &flip(&doc.package, doc.package.len() / 3));
    let said = fails(&data, &["archive", "verify", path(&broken)], 1);
    assert!(said.contains("档案包校验失败"), "{said}");

    // The chain: intact, and a kept head proves the past; bad heads are refused.
    let said = ok(&data, &["audit", "verify"]);
    let head = said.split("链头第 ").nth(1).unwrap();
    let seq: i64 = head.split(' ').next().unwrap().parse().unwrap();
    let hash = head.split("哈希 ").nth(1).unwrap().trim().to_string();
    let kept = format!("{seq}:{hash}");
    let said = ok(&data, &["audit", "verify", "--head", &kept]);
    assert!(said.contains("此前的历史未被改写"), "{said}");
    let said = fails(&data, &["audit", "verify", "--head", "12:abc"], 2);
    assert!(said.contains("格式有误"), "{said}");
    let wrong = format!("{seq}:{}", "0".repeat(64));
    let said = fails(&data, &["audit", "verify", "--head", &wrong], 1);
    assert!(said.contains(&format!("第{seq}号事件的哈希")), "{said}");

    // Rotation: the passphrase is required and checked; the old key stays published.
    let said = fails(&data, &["seal", "rotate", "2"], 2);
    assert!(said.contains("印章口令"), "{said}");
    let said = fails(
        &data,
        &[
            "seal",
            "rotate",
            "2",
            "--seal-passphrase",
            "not-the-passphrase",
        ],
        2,
    );
    assert!(said.contains("口令"), "{said}");
    let said = ok(
        &data,
        &["seal", "rotate", "2", "--seal-passphrase", PASSPHRASE],
    );
    assert!(said.contains("已停用第2号印章"), "{said}");
    let listed = ok(&data, &["seal", "list"]);
    assert!(listed.contains("（已停用）"), "{listed}");
    let seals = write(
        "seals-after.json",
        ok(&data, &["seal", "list", "--json"]).as_bytes(),
    );
    let said = ok(&data, &["verify", path(&json), "--seals", path(&seals)]);
    assert!(said.contains("真实有效"), "{said}");

    // A revoked licence: the signature is genuine, the registry says it is no longer valid.
    let store = Store::connect(
        &yiyin_store::sqlite_url(&data.join("yiyin.sqlite")),
        StoreOptions::default(),
    )
    .await
    .unwrap();
    store
        .set_licence_status(
            &doc.identifier,
            yiyin_domain::licence::LicenceStatus::Revoked,
        )
        .await
        .unwrap();
    // Rewrite an event: the chain names it.
    sqlx::query("UPDATE events SET reason = '改过' WHERE seq = 3")
        .execute(store.writer())
        .await
        .unwrap();
    store.close().await;
    let said = fails(&data, &["verify", path(&pdf), "--registry"], 1);
    assert!(said.contains("已撤销"), "{said}");
    let said = fails(&data, &["audit", "verify"], 1);
    assert!(said.contains("第 3 号事件处断开"), "{said}");
    let _ = doc.case_id;
    let _ = std::fs::remove_dir_all(&data);
}
