//! Sealed documents and signed pushes, on both databases: an application running without the seals'
//! keys keeps its documents unsealed and its pushes unsigned (and says so when one is looked up);
//! with the keyring opened, every document of a case — decisions, the licence and its new version,
//! the act's decision — is sealed and verifies, and every push is signed by the bureau's seal over
//! exactly the payload delivered. Their PDFs print every character of GB 18030-2022 (levels 1 and
//! 2), rare name characters such as 𠮷 and 䶮 included.

mod common;

use common::*;
use yiyin_app::{App, Keyring};
use yiyin_domain::calendar::Calendar;
use yiyin_domain::licence::{CancellationGround, LicenceStatus, WithdrawalBasis};
use yiyin_domain::party::Applicant;
use yiyin_domain::supervision::PushKind;
use yiyin_testkit::TestApp;

on_both!(crate::common::run_sealed;
    sealed_documents_and_signed_pushes_with_a_keyring,
    rare_name_characters_print_in_the_pdfs,
);

/// The same installation run without the seal passphrase: the same database, clock and staff, no
/// keys.
async fn without_keys(w: &World) -> World {
    let app = App::new(
        w.store.clone(),
        Calendar::builtin(),
        w.clock.clone(),
        w.blobs.clone(),
        Keyring::default(),
        w.public_url(),
    )
    .await
    .unwrap();
    World {
        t: TestApp { app, ..w.t.clone() },
        clerk: w.clerk.clone(),
        reviewer: w.reviewer.clone(),
        chief: w.chief.clone(),
        head: w.head.clone(),
    }
}

async fn sealed_documents_and_signed_pushes_with_a_keyring(w: World) {
    assert!(!w.keyring().is_empty());

    // Without the keys: stored unsealed, pushed unsigned.
    let plain = without_keys(&w).await;
    let (c0, lic0) = plain.licensed(org(1), "2025-03-03").await;
    let dissolved = cancel(CancellationGround::Terminated, "公司解散");
    let done = plain.acted(&lic0, dissolved, "2025-03-04").await;
    let doc = w.store.document(done.document_id.unwrap()).await.unwrap();
    assert!(doc.sealed.is_none());
    let p = w.store.pushes_about(c0.id).await.unwrap().pop().unwrap();
    assert_eq!(p.kind, PushKind::Cancellation);
    assert_eq!((p.seal_id, p.signature), (None, None));
    let verdict = w.lookup(&doc.record.number, None).await.unwrap().unwrap();
    assert!(!verdict.valid);
    assert!(
        verdict
            .problems
            .iter()
            .any(|m| m.contains("未加盖电子印章")),
        "{:?}",
        verdict.problems
    );

    // With them: every document sealed, every push signed by the bureau's seal.
    let (c, lic) = w.licensed(org(2), "2025-03-10").await;
    let v2 = w
        .changed(&lic, "场所名称变更", "2025-05-06", "2025-05-07")
        .await;
    let withdrawn = w
        .acted(
            &v2,
            withdraw(WithdrawalBasis::LawChanged, "规划调整", "按评估价补偿"),
            "2025-05-08",
        )
        .await;
    let docs = w.store.case_documents(c.id).await.unwrap();
    assert!(docs.len() >= 6, "{}", docs.len());
    for doc in &docs {
        let sealed = doc
            .sealed
            .as_deref()
            .unwrap_or_else(|| panic!("{} unsealed", doc.record.title));
        let sealed = yiyin_seal::SealedDocument::from_json(sealed).unwrap();
        sealed.verify().unwrap();
    }
    // Verified as the public verifies them: the withdrawal's decision is genuine and in the
    // register; the licence it withdrew is genuine but no longer in force.
    let sealed_json = |id: i64| {
        docs.iter()
            .find(|d| d.id == id)
            .and_then(|d| d.sealed.clone())
            .unwrap()
    };
    let verdict = w
        .verify_bytes(sealed_json(withdrawn.document_id.unwrap()).as_bytes())
        .await
        .unwrap();
    assert!(verdict.valid, "{:?}", verdict.problems);
    let v2_doc = w
        .store
        .licence(&v2)
        .await
        .unwrap()
        .unwrap()
        .document_id
        .unwrap();
    let verdict = w
        .verify_bytes(sealed_json(v2_doc).as_bytes())
        .await
        .unwrap();
    assert!(verdict.signature_valid);
    assert!(!verdict.valid);
    assert_eq!(verdict.licence_identifier.as_deref(), Some(v2.as_str()));
    assert_eq!(
        verdict.licence_status.as_deref(),
        Some(LicenceStatus::Withdrawn.label())
    );

    let bureau = w.keyring().for_holder(HANYIN, "").unwrap().0.clone();
    let pushes = w.store.pushes_about(c.id).await.unwrap();
    assert_eq!(
        pushes.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [
            PushKind::Approval,
            PushKind::Certificate,
            PushKind::Change,
            PushKind::Withdrawal
        ]
    );
    for p in &pushes {
        assert_eq!(p.seal_id, Some(bureau.id));
        let sig = yiyin_seal::unhex(p.signature.as_deref().unwrap()).unwrap();
        yiyin_seal::keys::verify(&bureau.public_key, p.payload.as_bytes(), &sig).unwrap();
        // The payload is exactly what was signed.
        let mut tampered = p.payload.clone();
        tampered.push(' ');
        assert!(yiyin_seal::keys::verify(&bureau.public_key, tampered.as_bytes(), &sig).is_err());
    }
}

/// An applicant whose name has characters outside GB 2312 — 喆 and 堃 (common in names), 䶮 (Ext A),
/// 𠮷 (Ext B) — gets a receipt and a licence whose PDFs print the name: a reader extracts it back.
async fn rare_name_characters_print_in_the_pdfs(w: World) {
    let name = "王𠮷喆堃䶮";
    let citizen = person(7);
    let applicant = Applicant::new(name, citizen.id_number, &citizen.phone, None);
    let (c, _) = w.licensed(applicant, "2025-03-10").await;
    let docs = w.store.case_documents(c.id).await.unwrap();
    let to_them: Vec<_> = docs.iter().filter(|d| d.record.recipient == name).collect();
    assert!(to_them.len() >= 2, "{}", to_them.len());
    for doc in to_them {
        let pdf = w.pdf_of(doc).await.unwrap();
        let text = yiyin_testkit::pdf_text(&pdf);
        assert!(text.contains(name), "{}: {text}", doc.record.title);
        assert!(w.verify_bytes(&pdf).await.unwrap().signature_valid);
    }
}
