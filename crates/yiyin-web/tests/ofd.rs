//! E-licences as OFD on the web, on both databases: staff and the holder download the OFD beside
//! the PDF (same access rules, the same file every time), it verifies offline and on the public
//! page, a changed byte is caught, a revoked licence shows as revoked, and the archive package
//! carries the OFD beside the PDF.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(licences_download_as_ofd_and_verify);

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
