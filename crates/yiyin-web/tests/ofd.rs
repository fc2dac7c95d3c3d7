//! E-licences as OFD on the web, on both databases: staff and the holder download the OFD beside
//! the PDF (same access rules, the same file every time), it verifies offline and on the public
//! page, a changed byte is caught, a revoked licence shows as revoked, and the archive package
//! carries the OFD beside the PDF. The seal is GB/T 38540 seal data certified by the local
//! seal-making authority: the chain up to its root is reported, an independent verifier (Python,
//! `yiyin-ofd/tests/clients/ses_check.py`) accepts it against the published root, an OFD signed
//! before a seal rotation still verifies, and a revoked seal certificate is listed in the CRL and
//! reported. A county's own e-seal system (外部签章系统) signs through the signing adapter
//! (`docs/signing-adapter.md`) against a test signer process in Python
//! (`tests/clients/test_signer.py`): registered by a county's system administrator (refusals over
//! the API and on the organisation page's upload form, the registration itself on the form), the
//! documents wait, are sealed by the worker, verify with the county's chain, and wait with the
//! reason shown while the signer is down. The pushes of that holder to its supervising department
//! wait unsigned, are signed through the adapter and arrive with a signature that verifies with the
//! published seal as Yiyin's own; a monthly report is sealed through the adapter and verifies; the
//! county maker's CRL (published by the test signer, built in Python) is registered (refusals for
//! other roles and for a list the maker did not sign) and, once it lists the seal's certificate,
//! verification reports the certificate revoked.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::verify::last_document;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    licences_download_as_ofd_and_verify,
    seal_certificates_chain_rotation_and_revocation,
    an_external_e_seal_system_signs_through_the_adapter
);

async fn licences_download_as_ofd_and_verify(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, clerk) = app.licensed_case().await;
    let licence_doc = last_document(&c);
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
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
    assert!(page.contains("核验结果：真实有效"), "{page}");
    assert!(page.contains(&identifier));
    let mut changed = files.clone();
    let content = changed.get_mut("Doc_0/Pages/Page_0/Content.xml").unwrap();
    let text = String::from_utf8(content.clone()).unwrap();
    *content = text.replacen("汉阴县", "汉滨区", 1).into_bytes();
    let page = app
        .verify_page("licence.ofd", yiyin_ofd::pack(&changed).unwrap())
        .await;
    assert!(page.contains("核验结果：无效"), "{page}");
    assert!(page.contains("Content.xml"), "{page}");
    let verdict = app.verdict(&ofd).await;
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
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
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

async fn seal_certificates_chain_rotation_and_revocation(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, clerk) = app.licensed_case().await;
    let doc = last_document(&c);
    let ofd_path = format!("/cases/{id}/documents/{doc}/ofd");
    let (_, ofd) = app.page(&clerk, &ofd_path).await;

    // The root and the CRL are public; the OFD's seal chains to the root.
    let root = public_file(&app, "/api/v1/seals/root").await;
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
        let crl = public_file(&app, "/api/v1/seals/crl").await;
        yiyin_seal::authority::crl_serials(&crl, &root).expect("signed by the root")
    };
    assert!(crl_of().await.is_empty());

    // Yiyin reports the chain; the independent verifier accepts it against the published root.
    let verdict = app.verdict(&ofd).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let chain = verdict["certificate_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{verdict}");
    assert!(
        chain[0].as_str().unwrap().contains(&sealed.seal.holder),
        "{verdict}"
    );
    assert!(chain[1].as_str().unwrap().contains("受信任"), "{verdict}");
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
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
    let verdict = app.verdict(&ofd).await;
    assert_eq!(
        verdict["valid"], true,
        "signed before the rotation: {verdict}"
    );
    let (_, again) = app.page(&clerk, &ofd_path).await;
    assert_eq!(again, ofd, "still signed with the seal that sealed it");
    assert_eq!(ses_check(&root, &ofd)["ok"], true);

    // Revocation of the old certificate: listed in the CRL, reported by the verification.
    let cli = yiyin_domain::party::Actor::cli("测试");
    let revoke = |reason: &'static str, on: &str| {
        let on = yiyin_testkit::date(on);
        yiyin_app::seals::revoke_certificate(&app.store, &cli, old_seal, reason, on)
    };
    revoke("私钥疑似泄露", "2025-03-04").await.unwrap();
    assert_eq!(crl_of().await, vec![old_cert.serial.clone()]);
    let verdict = app.verdict(&ofd).await;
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["signature_valid"], true, "{verdict}");
    let problems = verdict["problems"].to_string();
    assert!(
        problems.contains("吊销") && problems.contains("私钥疑似泄露"),
        "{verdict}"
    );
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
    assert!(
        page.contains("签章真实，但不在有效状态") && page.contains("吊销"),
        "{page}"
    );
    // Revoking twice is refused and changes nothing.
    let again = revoke("再次吊销", "2025-03-05").await.unwrap_err();
    assert!(
        again.to_string().contains("已于 2025-03-04 吊销"),
        "{again}"
    );
    assert_eq!(crl_of().await, vec![old_cert.serial.clone()]);
    app.stop().await;
}

/// The test e-seal system (`tests/clients/test_signer.py`) on `port`, killed (by its id) when
/// dropped.
struct Signer(std::process::Child);

impl Drop for Signer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SIGNER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/test_signer.py");

/// The label the county maker's key is derived from (`SealKey::well_known`): the test signer
/// derives the same key to sign the maker's CRL.
const CA_LABEL: &str = "一印测试：陕西省电子印章制作中心";

fn start_signer(
    port: u16,
    log: &std::path::Path,
    key: &std::path::Path,
    cert: &std::path::Path,
    ca_cert: &std::path::Path,
) -> Signer {
    use std::io::BufRead;
    let mut child = std::process::Command::new("python3")
        .arg(SIGNER)
        .arg(port.to_string())
        .arg(log)
        .arg(key)
        .arg(cert)
        .arg(CA_LABEL)
        .arg(ca_cert)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the signer speaks");
    assert_eq!(line.trim(), "ready", "the test signer did not start");
    Signer(child)
}

/// The bureau of 汉阴县's seal in the county's e-seal system at `url`.
fn external<'a>(
    url: &'a str,
    eseal: &'a [u8],
    certificate: &'a [u8],
) -> yiyin_app::seals::ExternalSeal<'a> {
    yiyin_app::seals::ExternalSeal {
        jurisdiction: "hanyin",
        department: "",
        url,
        certificate,
        eseal,
    }
}

/// A department's system for the test: takes every push and keeps its seal id, signature and body.
type Hooked = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Option<String>, String)>>>;

async fn start_hook() -> (String, Hooked) {
    let hooked = Hooked::default();
    let kept = hooked.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                kept.lock()
                    .unwrap()
                    .push((h("x-yiyin-seal-id"), h("x-yiyin-signature"), body));
                "已接收"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, hooked)
}

/// The seal of 汉阴县's bureau in use.
async fn bureau_seal(app: &Api) -> yiyin_store::seals::SealRecord {
    let seals = app.store.seals().await.expect("the seals");
    seals
        .into_iter()
        .find(|s| s.jurisdiction == "hanyin" && s.department.is_empty() && !s.retired)
        .expect("the bureau's seal")
}

/// A public file (no session), asserting it is served.
async fn public_file(app: &Api, path: &str) -> Vec<u8> {
    let r = app.plain.get(app.url(path)).send().await;
    let r = r.expect("the server answers");
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.expect("the file").to_vec()
}

/// A request sent, and what it was answered as a browser reads it: status, page, redirect.
async fn answered_to(r: reqwest::RequestBuilder) -> (u16, String, String) {
    answered(r.send().await.expect("the server answers")).await
}

/// The documents of a case as kept.
async fn documents(app: &Api, id: i64) -> Vec<yiyin_store::documents::StoredDocument> {
    app.store.case_documents(id).await.unwrap()
}

async fn an_external_e_seal_system_signs_through_the_adapter(backend: Backend) {
    use yiyin_app::seals::register_external;
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;
    let today = yiyin_testkit::date("2025-03-03");
    let cli = yiyin_domain::party::Actor::cli("测试");
    let dir = std::env::temp_dir().join(format!(
        "yiyin-signer-{}-{}",
        std::process::id(),
        yiyin_seal::sm3_hex(format!("{backend:?}").as_bytes())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (key_path, cert_path, log, ca_path) = (
        dir.join("key.hex"),
        dir.join("seal.cer"),
        dir.join("log.jsonl"),
        dir.join("ca.cer"),
    );

    // The county's e-seal system: its key made in the signer (never leaves it), its own root
    // (not Yiyin's), the bureau's seal certificate and seal data made by that root.
    let keygen = std::process::Command::new("python3")
        .arg(SIGNER)
        .arg("keygen")
        .arg(&key_path)
        .output()
        .expect("python3 runs");
    assert!(
        keygen.status.success(),
        "{}",
        String::from_utf8_lossy(&keygen.stderr)
    );
    let public = String::from_utf8(keygen.stdout).unwrap().trim().to_string();
    let county_key = yiyin_seal::SealKey::well_known(CA_LABEL);
    let county = yiyin_seal::authority::Authority {
        cert: yiyin_seal::authority::root_certificate(
            &county_key,
            "陕西省电子印章制作中心（测试）",
            "2025-01-01",
            "2045-01-01",
        )
        .unwrap(),
        key: county_key,
    };
    std::fs::write(&ca_path, &county.cert).unwrap();
    let in_use = bureau_seal(&app).await;
    let cert = yiyin_seal::authority::seal_certificate(
        &county.key,
        &county.cert,
        &public,
        &in_use.holder,
        &in_use.name,
        "0a0b0c01",
        "2025-01-01",
        "2029-12-31",
    )
    .unwrap();
    let eseal_named = |name: &str| {
        yiyin_seal::ses::make_seal(
            &county.key,
            &county.cert,
            &yiyin_seal::ses::SealData {
                es_id: "61092100000001",
                name,
                signer_cert: &cert,
                created: "2025-01-01",
                valid_start: "2025-01-01",
                valid_end: "2029-12-31",
                png: &yiyin_ofd::raster::seal_png(name, 120),
                size_mm: 42,
            },
        )
        .unwrap()
    };
    let eseal = eseal_named(&in_use.name);
    std::fs::write(&cert_path, &cert).unwrap();
    let port = yiyin_testkit::processes::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let signer = start_signer(port, &log, &key_path, &cert_path, &ca_path);

    // Bad registrations are refused in Chinese and change nothing.
    let seals_before = app.store.seals().await.unwrap();
    let other_name = eseal_named("另一枚印章");
    for (bad, says) in [
        (external("ftp://x", &eseal, &cert), "签章接口地址"),
        (external(&url, &other_name, &cert), "印章名称"),
        (external(&url, &eseal, &county.cert), "证书列表"),
    ] {
        let e = register_external(&app.store, &cli, &bad, today)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    assert_eq!(app.store.seals().await.unwrap(), seals_before);

    // Over the API: only a system administrator of the seal's county may register; bad input is
    // refused in Chinese and changes nothing.
    let path = format!("/api/v1/seals/{}/external-signer", in_use.id);
    let b64 = |b: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let body = |url: &str, eseal: &[u8]| json!({"url": url, "certificate": b64(&cert), "seal_data": b64(eseal)});
    let head = app.staff("hy.head", Role::BureauHead, "hanyin").await;
    let other_admin = app.staff("zy.admin", Role::SystemAdmin, "ziyang").await;
    let admin = app.staff("hy.admin", Role::SystemAdmin, "hanyin").await;
    for who in [&head, &other_admin] {
        let r = app
            .send("POST", &path, Some(who), Some(body(&url, &eseal)))
            .await;
        r.refused(403, "无权");
    }
    let own_crl = public_file(&app, "/api/v1/seals/crl").await;
    let with_crl = |crl_url: &str, crl: &[u8]| {
        let mut b = body(&url, &eseal);
        b["crl_url"] = json!(crl_url);
        b["crl"] = json!(b64(crl));
        b
    };
    for (bad, says) in [
        (body("ftp://x", &eseal), "签章接口地址"),
        (body(&url, &other_name), "印章名称"),
        (with_crl("", &own_crl), "证书吊销列表未通过核验"),
        (with_crl("ftp://x/crl", &[]), "证书吊销列表地址"),
        (
            json!({"url": url, "certificate": "不是证书", "seal_data": b64(&eseal)}),
            "签章证书（certificate）",
        ),
    ] {
        let r = app.send("POST", &path, Some(&admin), Some(bad)).await;
        r.refused(422, says);
    }
    assert_eq!(app.store.seals().await.unwrap(), seals_before);

    // On the organisation page: the county's seals, how each is signed, and for its system
    // administrators a form per seal. Others are refused; a bad file is refused in Chinese beside
    // the seal's form and changes nothing.
    let html = app.page_ok(&admin, "/admin/org/hanyin").await;
    assert!(
        html.contains("外部签章系统") && html.contains("本系统签章"),
        "{html}"
    );
    assert!(html.contains(&in_use.name) && html.contains(&in_use.holder));
    let form_path = format!("/admin/org/hanyin/seals/{}/external-signer", in_use.id);
    let form = |csrf: &str, url: &str, certificate: Vec<u8>| {
        let file = |name: &str, bytes: Vec<u8>| {
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
        };
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("url", url.to_string())
            .part("certificate", file("seal.cer", certificate))
            .part("seal_data", file("seal.ses", eseal.clone()))
    };
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        b64(&cert)
    );
    let (status, html, _) = answered_to(
        app.request("POST", &form_path, Some(&head), None)
            .multipart(form("", &url, cert.clone())),
    )
    .await;
    assert_eq!(status, 403, "a bureau head: {html}");
    assert!(html.contains("无权"), "{html}");
    let other = yiyin_testkit::browser::new_browser();
    let totp = app.totp_code(yiyin_testkit::TOTP_SECRET);
    let other_csrf = app
        .log_in_on(
            &other,
            json!({"login": "zy.admin", "password": PASSWORD, "totp": totp}),
        )
        .await;
    // As another county's administrator, in a browser of its own.
    let as_other = |path: &str, f: reqwest::multipart::Form| {
        answered_to(other.post(app.url(path)).multipart(f))
    };
    let (status, html, _) = as_other(&form_path, form(&other_csrf, &url, cert.clone())).await;
    assert_eq!(status, 403, "another county's administrator: {html}");
    assert!(html.contains("无权"), "{html}");
    let csrf = app.browser_login_totp("hy.admin").await;
    let post = |f: reqwest::multipart::Form| {
        let r = app.client.post(app.url(&form_path)).multipart(f).send();
        async { answered(r.await.expect("the server answers")).await }
    };
    let (status, html, _) = post(form(&csrf, &url, "不是证书".into())).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("未能登记：") && html.contains("签章证书文件"),
        "{html}"
    );
    let (status, html, _) = post(form(&csrf, "ftp://x", cert.clone())).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("签章接口地址") && html.contains("ftp://x"),
        "{html}"
    );
    assert_eq!(app.store.seals().await.unwrap(), seals_before);

    // Registered on the form (the certificate as PEM, the seal data as DER): the bureau's seal in
    // use is now the county system's.
    let (status, html, location) = post(form(&csrf, &url, pem.into_bytes())).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location, "/admin/org/hanyin");
    assert!(app.store.seal(in_use.id).await.unwrap().retired);
    let seal = bureau_seal(&app).await;
    let (_, html) = app.page_text(&admin, "/admin/org/hanyin").await;
    assert!(html.contains(&url) && html.contains(&seal.name), "{html}");
    // No CRL yet: the page says so, and offers its form for the external seal only.
    assert!(html.contains("尚未登记证书吊销列表"), "{html}");
    assert!(
        html.contains(&format!("/admin/org/hanyin/seals/{}/crl", seal.id)),
        "{html}"
    );
    assert_eq!(seal.signer_url.as_deref(), Some(url.as_str()));
    assert_eq!(seal.name, in_use.name);
    app.app.refresh_seals().await.unwrap();

    // The supervising department's system takes the pushes.
    let (hook_url, hooked) = start_hook().await;
    app.app
        .set_webhook(
            &app.principal("hy.head").await,
            &yiyin_app::supervision::WebhookInput {
                jurisdiction: "hanyin".into(),
                department: "shichang".into(),
                url: hook_url,
                active: true,
            },
        )
        .await
        .unwrap();
    let delivery = yiyin_app::delivery::client();

    // A licence issued now waits for the county's system, then the worker has it signed.
    let (id, c, clerk) = app.licensed_case().await;
    // Its pushes wait unsigned, named with the external seal, and are not delivered so.
    let pushes = app.store.pushes_about(id).await.unwrap();
    assert!(!pushes.is_empty());
    assert!(
        pushes
            .iter()
            .all(|p| p.seal_id == Some(seal.id) && p.signature.is_none()),
        "{pushes:?}"
    );
    assert_eq!(app.app.deliver_once(&delivery).await, 0);
    assert!(hooked.lock().unwrap().is_empty());
    let doc = last_document(&c);
    let waiting = documents(&app, id).await;
    assert!(
        waiting
            .iter()
            .all(|d| d.seal_pending == Some(seal.id) && d.sealed.is_none()),
        "{waiting:?}"
    );
    let ofd_path = format!("/cases/{id}/documents/{doc}/ofd");
    let (status, body) = app.page(&clerk, &ofd_path).await;
    assert_ne!(status, 200);
    assert!(!yiyin_ofd::is_ofd(&body));
    let sealed_now = app.app.seal_waiting().await.unwrap();
    assert_eq!(sealed_now, waiting.len());
    let signed: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        signed.len(),
        3 * waiting.len(),
        "record, PDF and OFD of each: {signed:?}"
    );
    assert!(
        signed
            .iter()
            .all(|l| l["status"] == 200 && l["seal_id"] == seal.id && l["purpose"] == "document")
    );

    // A monthly report of the holder is sealed through the adapter at once, and verifies.
    let report_path = "/api/v1/statistics/monthly.pdf?jurisdiction=hanyin&month=2025-03";
    let (status, report) = app.page(&head, report_path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&report));
    let report_sealed = yiyin_pdf::verify(&report).expect("the report verifies offline");
    assert_eq!(report_sealed.seal.id, seal.id);
    assert_eq!(report_sealed.seal.public_key, public);
    let report_verdict = app.verdict(&report).await;
    assert_eq!(report_verdict["valid"], true, "{report_verdict}");
    let reports: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["purpose"] == "report")
        .collect();
    assert_eq!(reports.len(), 2, "the record and the PDF: {reports:?}");
    assert!(
        documents(&app, id)
            .await
            .iter()
            .all(|d| d.seal_pending.is_none() && d.sealed.is_some() && d.ofd_digest.is_some())
    );

    // The OFD verifies offline and online with the county's chain; the independent verifier
    // accepts it against the county's root; the PDF carries the same record.
    let (status, ofd) = app.page(&clerk, &ofd_path).await;
    assert_eq!(status, 200);
    let (_, again) = app.page(&clerk, &ofd_path).await;
    assert_eq!(ofd, again, "kept, the same file every time");
    let (sealed, check) = yiyin_ofd::verify_report(&ofd).expect("verifies offline");
    assert_eq!(sealed.seal.id, seal.id);
    assert_eq!(sealed.seal.public_key, public);
    let ses = check.seal.expect("a GB/T 38540 signature");
    assert_eq!(ses.maker_cert, county.cert);
    assert_eq!(ses.signer_cert, cert);
    assert_eq!(yiyin_ofd::verify_any(&ofd).unwrap(), sealed);
    let (_, pdf) = app
        .page(&clerk, &format!("/cases/{id}/documents/{doc}/pdf"))
        .await;
    assert_eq!(yiyin_pdf::verify(&pdf).unwrap(), sealed);
    let verdict = app.verdict(&ofd).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let chain = verdict["certificate_chain"].as_array().unwrap();
    assert!(
        chain[0]
            .as_str()
            .unwrap()
            .contains("陕西省电子印章制作中心（测试）"),
        "{verdict}"
    );
    assert!(chain[1].as_str().unwrap().contains("受信任"), "{verdict}");
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
    assert!(page.contains("核验结果：真实有效"), "{page}");
    let independent = ses_check(&county.cert, &ofd);
    assert_eq!(independent["ok"], true, "{independent}");
    assert_eq!(independent["seal"], in_use.name.as_str());

    // The archive package carries the externally signed files as they are kept.
    let r = app
        .request(
            "GET",
            &format!("/api/v1/cases/{id}/archive"),
            Some(&clerk),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let package = r.bytes().await.unwrap().to_vec();
    let report = yiyin_archive::verify(&package).expect("the package verifies");
    assert_eq!(report.documents, waiting.len() * 3);
    let entries = yiyin_ofd::unzip(&package).unwrap();
    assert!(
        entries.values().any(|b| *b == ofd),
        "the kept OFD is in the package"
    );

    // The signer is down: the document is kept unsealed, waiting, the reason shown to staff;
    // once it is back, the next round seals it.
    drop(signer);
    let case = app.receive(&clerk, &["M1", "M2"]).await;
    let second = case["id"].as_i64().unwrap();
    let notice = documents(&app, second).await.last().unwrap().id;
    assert_eq!(app.app.seal_waiting().await.unwrap(), 0);
    let d = documents(&app, second).await.last().unwrap().clone();
    assert_eq!(d.seal_pending, Some(seal.id), "{d:?}");
    // The pushes keep waiting, the reason shown to the bureau; the report is refused with it.
    assert_eq!(app.app.sign_waiting_pushes().await.unwrap(), 0);
    for p in app.store.pushes_about(id).await.unwrap() {
        assert!(p.signature.is_none(), "{p:?}");
        assert!(
            p.last_error.contains("等待外部签章系统签名")
                && p.last_error.contains("无法连接外部签章系统"),
            "{p:?}"
        );
    }
    assert_eq!(app.app.deliver_once(&delivery).await, 0);
    let page = app.page_ok(&head, "/work/supervision").await;
    assert!(
        page.contains("等待外部签章系统签名的推送") && page.contains("无法连接外部签章系统"),
        "{page}"
    );
    let r = app.send("GET", report_path, Some(&head), None).await;
    r.refused(503, "外部签章系统未能为月报加盖电子印章");
    let problem = d.seal_problem.clone().unwrap_or_default();
    assert!(problem.contains("无法连接外部签章系统"), "{d:?}");
    // API clients see what the staff page shows: waiting, and why.
    let listed = |c: &Value| {
        c["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == notice)
            .cloned()
            .unwrap()
    };
    let listed_now = listed(&app.case_view(&clerk, second).await);
    assert_eq!(listed_now["seal_waiting"], true, "{listed_now}");
    assert!(
        listed_now["seal_waiting_reason"]
            .as_str()
            .unwrap()
            .contains("无法连接外部签章系统"),
        "{listed_now}"
    );
    let (_, page) = app
        .page_text(&clerk, &format!("/cases/{second}/documents/{notice}"))
        .await;
    assert!(
        page.contains("电子印章待外部签章系统加盖") && page.contains("无法连接外部签章系统"),
        "{page}"
    );
    let (status, body) = app
        .page(&clerk, &format!("/cases/{second}/documents/{notice}/ofd"))
        .await;
    assert_ne!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("等待外部签章系统"));
    let _signer = start_signer(port, &log, &key_path, &cert_path, &ca_path);
    assert_eq!(app.app.seal_waiting().await.unwrap(), 1);
    let d = documents(&app, second).await.last().unwrap().clone();
    assert!(
        d.seal_pending.is_none() && d.seal_problem.is_none(),
        "{d:?}"
    );
    let listed_now = listed(&app.case_view(&clerk, second).await);
    assert_eq!(listed_now["seal_waiting"], false, "{listed_now}");
    assert!(listed_now["seal_waiting_reason"].is_null(), "{listed_now}");
    let (status, ofd) = app
        .page(&clerk, &format!("/cases/{second}/documents/{notice}/ofd"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.verdict(&ofd).await["valid"], true);
    assert_eq!(ses_check(&county.cert, &ofd)["ok"], true);

    // Back up, the pushes are signed and then delivered; each arrives signed as Yiyin's own seal
    // signs, verifying with the seal published at /api/v1/seals, over exactly the body.
    assert_eq!(app.app.sign_waiting_pushes().await.unwrap(), pushes.len());
    let pushed: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["purpose"] == "push" && l["status"] == 200)
        .collect();
    assert_eq!(pushed.len(), pushes.len(), "{pushed:?}");
    assert_eq!(app.app.deliver_once(&delivery).await, pushes.len());
    let published = app.get_json("/api/v1/seals").await.expect(200);
    let public_of = |id: &str| {
        published
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_i64().unwrap().to_string() == id)
            .map(|s| s["public_key"].as_str().unwrap().to_string())
            .expect("a published seal")
    };
    let arrived = hooked.lock().unwrap().clone();
    assert_eq!(arrived.len(), pushes.len());
    for (seal_id, signature, body) in &arrived {
        let seal_id = seal_id.as_deref().expect("the seal is named");
        assert_eq!(seal_id, seal.id.to_string());
        let public = public_of(seal_id);
        let sig = yiyin_seal::unhex(signature.as_deref().expect("signed")).unwrap();
        yiyin_seal::keys::verify(&public, body.as_bytes(), &sig).expect("the signature verifies");
        let changed = body.replacen("hanyin", "ziyang", 1);
        assert!(yiyin_seal::keys::verify(&public, changed.as_bytes(), &sig).is_err());
    }
    assert!(
        app.store
            .pushes_about(id)
            .await
            .unwrap()
            .iter()
            .all(|p| p.signature.is_some() && p.last_error.is_empty())
    );

    // The county maker's CRL. Only the county's system administrators may register it, only for
    // an external seal, only a list the maker signed; bad input changes nothing.
    let crl_path = format!("/api/v1/seals/{}/crl", seal.id);
    let crl_url = format!("{url}/crl");
    for who in [&head, &other_admin, &clerk] {
        let r = app
            .send("POST", &crl_path, Some(who), Some(json!({"url": crl_url})))
            .await;
        r.refused(403, "无权");
    }
    let county_crl = reqwest::get(&crl_url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut forged = county_crl.clone();
    let last = forged.len() - 3;
    forged[last] ^= 0x01;
    let own_seal = app
        .store
        .seals()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.jurisdiction == "hanyin" && s.signer_url.is_none() && !s.retired)
        .unwrap();
    for (path, bad, says) in [
        (
            &crl_path,
            json!({"crl": b64(&own_crl)}),
            "证书吊销列表未通过核验",
        ),
        (
            &crl_path,
            json!({"crl": b64(&forged)}),
            "证书吊销列表未通过核验",
        ),
        (&crl_path, json!({"crl": "不是列表"}), "证书吊销列表（crl）"),
        (&crl_path, json!({"url": "ftp://x"}), "证书吊销列表地址"),
        (&crl_path, json!({}), "请填写证书吊销列表地址"),
        (
            &format!("/api/v1/seals/{}/crl", own_seal.id),
            json!({"url": crl_url}),
            "只能为外部签章系统的印章",
        ),
    ] {
        let r = app.send("POST", path, Some(&admin), Some(bad)).await;
        r.refused(422, says);
    }
    assert!(app.store.seal_crl(seal.id).await.unwrap().is_none());
    // Registered with its address: fetched by the worker, nothing revoked yet.
    let r = app
        .send(
            "POST",
            &crl_path,
            Some(&admin),
            Some(json!({"url": crl_url, "crl": b64(&county_crl)})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["url"], crl_url.as_str());
    assert_eq!(app.app.refresh_seal_crls().await.unwrap(), 0);
    let kept = app.store.seal_crl(seal.id).await.unwrap().unwrap();
    assert!(
        !kept.this_update.is_empty() && kept.problem.is_empty(),
        "{kept:?}"
    );
    assert_eq!(app.verdict(&ofd).await["valid"], true);
    // The organisation page shows the CRL's state: its address, the dates of the list accepted,
    // the last fetch, no problem.
    let status_now = yiyin_app::seal_crls::status(&app.store, seal.id)
        .await
        .unwrap()
        .expect("a CRL registered");
    assert!(
        !status_now.next_update.is_empty() && status_now.next_update >= kept.this_update,
        "{status_now:?}"
    );
    let (_, html) = app.page_text(&admin, "/admin/org/hanyin").await;
    for shown in [
        crl_url.as_str(),
        &format!(
            "签发于 {}，下次更新 {}",
            kept.this_update, status_now.next_update
        ),
        "最近一次获取</dt><dd>20",
        "最近的问题</dt><dd>无</dd>",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    // The page's CRL form: refused for those without the right, a list the maker did not sign
    // refused in Chinese beside the form with nothing changed; a good one taken.
    let crl_form_path = format!("/admin/org/hanyin/seals/{}/crl", seal.id);
    let crl_form = |csrf: &str, url: &str, crl: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("crl_url", url.to_string())
            .part(
                "crl",
                reqwest::multipart::Part::bytes(crl).file_name("county.crl"),
            )
    };
    let (status, html, _) = answered_to(
        app.request("POST", &crl_form_path, Some(&head), None)
            .multipart(crl_form("", &crl_url, county_crl.clone())),
    )
    .await;
    assert_eq!(status, 403, "a bureau head: {html}");
    let post_crl = |f: reqwest::multipart::Form| {
        let r = app.client.post(app.url(&crl_form_path)).multipart(f).send();
        async { answered(r.await.expect("the server answers")).await }
    };
    let (status, _, _) = post_crl(crl_form("x", &crl_url, county_crl.clone())).await;
    assert_eq!(status, 403, "a forged token");
    let other_form = crl_form(&other_csrf, &crl_url, county_crl.clone());
    let (status, html, _) = as_other(&crl_form_path, other_form).await;
    assert_eq!(status, 403, "another county's administrator: {html}");
    let (status, html, _) = post_crl(crl_form(&csrf, "", own_crl.clone())).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("未能登记：") && html.contains("证书吊销列表未通过核验"),
        "{html}"
    );
    let (status, html, _) = post_crl(crl_form(&csrf, "ftp://x", vec![])).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("证书吊销列表地址") && html.contains("ftp://x"),
        "{html}"
    );
    assert_eq!(app.store.seal_crl(seal.id).await.unwrap().unwrap(), kept);
    let (status, html, location) = post_crl(crl_form(&csrf, &crl_url, county_crl.clone())).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location, "/admin/org/hanyin");
    // The county revokes the seal's certificate: the next fetch takes it, and verification
    // reports the certificate revoked in the words it uses for Yiyin's own seals.
    let revoked = reqwest::Client::new()
        .post(format!("{url}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(app.app.refresh_seal_crls().await.unwrap(), 1);
    let verdict = app.verdict(&ofd).await;
    assert_eq!(verdict["valid"], false, "{verdict}");
    let problems = verdict["problems"].to_string();
    assert!(
        problems.contains("印章证书（序列号 0a0b0c01）已于")
            && problems.contains("被制章机构吊销")
            && problems.contains("证书吊销列表"),
        "{verdict}"
    );
    assert!(
        verdict["certificate_chain"][0]
            .as_str()
            .unwrap()
            .contains("——已于"),
        "{verdict}"
    );
    let page = app.verify_page("licence.ofd", ofd.clone()).await;
    assert!(page.contains("被制章机构吊销"), "{page}");
    // Both acts are audited.
    let actions: Vec<String> = app
        .store
        .events_from(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["seal_crl_registered", "seal_certificate_revoked"] {
        assert!(actions.iter().any(|a| a == action), "{action}");
    }
    // An address that does not answer: the list kept stays, the page names the problem.
    let (status, html, _) = post_crl(crl_form(&csrf, "http://127.0.0.1:9/crl", vec![])).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(app.app.refresh_seal_crls().await.unwrap(), 0);
    let (_, html) = app.page_text(&admin, "/admin/org/hanyin").await;
    assert!(
        html.contains("http://127.0.0.1:9/crl") && html.contains("无法连接证书吊销列表地址"),
        "{html}"
    );
    drop(_signer);
    std::fs::remove_dir_all(&dir).ok();
    app.stop().await;
}
