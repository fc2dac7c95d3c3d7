//! E-licences as OFD on the web, on both databases: staff and the holder download the OFD beside
//! the PDF (same access rules, the same file every time), it verifies offline and on the public
//! page, a changed byte is caught, a revoked licence shows as revoked, and the archive package
//! carries the OFD beside the PDF. The seal is GB/T 38540 seal data certified by the local
//! seal-making authority: the chain up to its root is reported, an independent verifier (Python,
//! `yiyin-ofd/tests/clients/ses_check.py`) accepts it against the published root, an OFD signed
//! before a seal rotation still verifies, and a revoked seal certificate is listed in the CRL and
//! reported.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    licences_download_as_ofd_and_verify,
    seal_certificates_chain_rotation_and_revocation
);

/// Uploads a file to the public verification page and returns the page.
async fn verify_page(app: &Api, name: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let r = app.plain.post(app.url("/verify")).multipart(form).send();
    r.await.unwrap().text().await.unwrap()
}

async fn licences_download_as_ofd_and_verify(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, clerk) = app.licensed_case().await;
    let licence_doc = c["documents"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let ofd_path = format!("/cases/{id}/documents/{licence_doc}/ofd");
    let r = app
        .request("GET", &ofd_path, Some(&clerk), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/ofd");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.ends_with(".ofd"), "{disposition}");
    let ofd = r.bytes().await.unwrap().to_vec();
    let (_, again) = app.page(&clerk, &ofd_path).await;
    assert_eq!(ofd, again, "the same file every time");
    // Offline: the same record as the PDF's, signed by the same seal.
    let sealed = yiyin_ofd::verify(&ofd).expect("a genuine OFD verifies offline");
    let (_, pdf) = app
        .page(&clerk, &format!("/cases/{id}/documents/{licence_doc}/pdf"))
        .await;
    assert_eq!(sealed, yiyin_pdf::verify(&pdf).unwrap());
    let identifier = sealed.document["identifier"].as_str().unwrap().to_string();
    let files = yiyin_ofd::unzip(&ofd).unwrap();
    let ofd_xml = String::from_utf8(files["OFD.xml"].clone()).unwrap();
    assert!(
        ofd_xml.contains(&format!(
            "<ofd:CustomData Name=\"证照标识\">{identifier}</ofd:CustomData>"
        )),
        "{ofd_xml}"
    );

    // The document page links it.
    let (_, page) = app
        .page_text(&clerk, &format!("/cases/{id}/documents/{licence_doc}"))
        .await;
    assert!(page.contains(&format!("href=\"{ofd_path}\"")), "{page}");

    // The public page says it is genuine; a changed byte in a signed part is caught.
    let page = verify_page(&app, "licence.ofd", ofd.clone()).await;
    assert!(page.contains("核验结果：真实有效"), "{page}");
    assert!(page.contains(&identifier));
    let mut changed = files.clone();
    let content = changed.get_mut("Doc_0/Pages/Page_0/Content.xml").unwrap();
    let text = String::from_utf8(content.clone()).unwrap();
    *content = text.replacen("汉阴县", "汉滨区", 1).into_bytes();
    let page = verify_page(&app, "licence.ofd", yiyin_ofd::pack(&changed).unwrap()).await;
    assert!(page.contains("核验结果：无效"), "{page}");
    assert!(page.contains("Content.xml"), "{page}");
    let verdict: Value = app
        .plain
        .post(app.url("/api/v1/verify"))
        .body(ofd.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["licence_identifier"], identifier.as_str());

    // Staff of another county may not download it; nor may anyone signed out.
    let outsider = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    let (status, _) = app.page(&outsider, &ofd_path).await;
    assert!(status == 403 || status == 404, "{status}");
    let (status, body) = app.page(&outsider, &ofd_path).await;
    assert!(!yiyin_ofd::is_ofd(&body), "{status}");
    // Signed out: sent to the login page, never the file.
    let r = app.plain.get(app.url(&ofd_path)).send().await.unwrap();
    let body = r.bytes().await.unwrap();
    assert!(!yiyin_ofd::is_ofd(&body));
    assert!(String::from_utf8_lossy(&body).contains("登录"));

    // Revoked: the signature is still genuine, the licence no longer valid.
    let chief = app.token("hy.chief", PASSWORD).await;
    let acts = format!("/api/v1/licences/{identifier}/acts");
    let revoke = json!({"act": "revoke", "ground": "fraud", "reason": "提交虚假的场所证明"});
    app.by(&chief).post(&acts, revoke).await.expect(201);
    let page = verify_page(&app, "licence.ofd", ofd.clone()).await;
    assert!(
        page.contains("签章真实，但不在有效状态") && page.contains("已撤销"),
        "{page}"
    );
    app.stop().await;
}

/// The independent verifier's verdict on an OFD against a trusted root.
fn ses_check(root: &[u8], ofd: &[u8]) -> Value {
    let dir = std::env::temp_dir();
    let tag = format!("{}-{}", std::process::id(), yiyin_seal::sm3_hex(ofd));
    let (root_path, ofd_path) = (
        dir.join(format!("yiyin-root-{tag}.cer")),
        dir.join(format!("yiyin-{tag}.ofd")),
    );
    std::fs::write(&root_path, root).unwrap();
    std::fs::write(&ofd_path, ofd).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../yiyin-ofd/tests/clients/ses_check.py"
    );
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg("--root")
        .arg(&root_path)
        .arg(&ofd_path)
        .output()
        .expect("python3 runs");
    std::fs::remove_file(&root_path).ok();
    std::fs::remove_file(&ofd_path).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn verdict_of(app: &Api, ofd: &[u8]) -> Value {
    let r = app.plain.post(app.url("/api/v1/verify")).body(ofd.to_vec());
    r.send().await.unwrap().json().await.unwrap()
}

async fn seal_certificates_chain_rotation_and_revocation(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, clerk) = app.licensed_case().await;
    let doc = c["documents"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let ofd_path = format!("/cases/{id}/documents/{doc}/ofd");
    let (_, ofd) = app.page(&clerk, &ofd_path).await;

    // The root and the CRL are public; the OFD's seal chains to the root.
    let root = app
        .plain
        .get(app.url("/api/v1/seals/root"))
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 200);
    let root = root.bytes().await.unwrap().to_vec();
    let root_info = yiyin_seal::authority::read_certificate(&root).unwrap();
    assert!(root_info.ca);
    assert!(
        root_info.subject.ends_with("电子印章制作机构"),
        "{root_info:?}"
    );
    let (sealed, check) = yiyin_ofd::verify_report(&ofd).unwrap();
    let ses = check.seal.expect("a GB/T 38540 signature");
    assert_eq!(ses.maker_cert, root);
    assert_eq!(ses.signer.subject, sealed.seal.holder);
    assert_eq!(ses.seal_name, sealed.seal.name);
    let crl_of = || async {
        let r = app
            .plain
            .get(app.url("/api/v1/seals/crl"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let crl = r.bytes().await.unwrap().to_vec();
        yiyin_seal::authority::crl_serials(&crl, &root).expect("signed by the root")
    };
    assert!(crl_of().await.is_empty());

    // Yiyin reports the chain; the independent verifier accepts it against the published root.
    let verdict = verdict_of(&app, &ofd).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let chain = verdict["certificate_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{verdict}");
    assert!(
        chain[0].as_str().unwrap().contains(&sealed.seal.holder),
        "{verdict}"
    );
    assert!(chain[1].as_str().unwrap().contains("受信任"), "{verdict}");
    let page = verify_page(&app, "licence.ofd", ofd.clone()).await;
    assert!(page.contains("证书链") && page.contains("受信任"), "{page}");
    let independent = ses_check(&root, &ofd);
    assert_eq!(independent["ok"], true, "{independent}");
    assert_eq!(independent["seal"], sealed.seal.name.as_str());

    // Rotation: the seal gets a new key and certificate; what it signed before still verifies.
    let old_seal = sealed.seal.id;
    let new = yiyin_app::seals::rotate_seal(
        &app.store,
        old_seal,
        &yiyin_testkit::app::passphrase(),
        yiyin_testkit::date("2025-03-03"),
    )
    .await
    .unwrap();
    app.app.refresh_seals().await.unwrap();
    let certificates = app.store.seal_certificates().await.unwrap();
    let old_cert = certificates.iter().find(|c| c.seal_id == old_seal).unwrap();
    let new_cert = certificates.iter().find(|c| c.seal_id == new.id).unwrap();
    assert_ne!(old_cert.serial, new_cert.serial);
    let new_info =
        yiyin_seal::authority::read_certificate(&yiyin_seal::unhex(&new_cert.certificate).unwrap())
            .unwrap();
    assert_eq!(new_info.public_key, new.public_key);
    assert_eq!(new_info.subject, sealed.seal.holder);
    let verdict = verdict_of(&app, &ofd).await;
    assert_eq!(
        verdict["valid"], true,
        "signed before the rotation: {verdict}"
    );
    let (_, again) = app.page(&clerk, &ofd_path).await;
    assert_eq!(again, ofd, "still signed with the seal that sealed it");
    assert_eq!(ses_check(&root, &ofd)["ok"], true);

    // Revocation of the old certificate: listed in the CRL, reported by the verification.
    yiyin_app::seals::revoke_certificate(
        &app.store,
        &yiyin_domain::party::Actor::cli("测试"),
        old_seal,
        "私钥疑似泄露",
        yiyin_testkit::date("2025-03-04"),
    )
    .await
    .unwrap();
    assert_eq!(crl_of().await, vec![old_cert.serial.clone()]);
    let verdict = verdict_of(&app, &ofd).await;
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["signature_valid"], true, "{verdict}");
    let problems = verdict["problems"].to_string();
    assert!(
        problems.contains("吊销") && problems.contains("私钥疑似泄露"),
        "{verdict}"
    );
    let page = verify_page(&app, "licence.ofd", ofd.clone()).await;
    assert!(
        page.contains("签章真实，但不在有效状态") && page.contains("吊销"),
        "{page}"
    );
    // Revoking twice is refused and changes nothing.
    let again = yiyin_app::seals::revoke_certificate(
        &app.store,
        &yiyin_domain::party::Actor::cli("测试"),
        old_seal,
        "再次吊销",
        yiyin_testkit::date("2025-03-05"),
    )
    .await
    .unwrap_err();
    assert!(
        again.to_string().contains("已于 2025-03-04 吊销"),
        "{again}"
    );
    assert_eq!(crl_of().await, vec![old_cert.serial.clone()]);
    app.stop().await;
}
