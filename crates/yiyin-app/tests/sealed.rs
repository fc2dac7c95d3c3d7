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
use yiyin_domain::org::{DepartmentRelation, FormerName, FormerRelation};
use yiyin_domain::party::Applicant;
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::PushKind;
use yiyin_testkit::TestApp;

on_both!(crate::common::run_sealed;
    sealed_documents_and_signed_pushes_with_a_keyring,
    rare_name_characters_print_in_the_pdfs,
    a_rename_takes_effect_on_its_date,
    an_ended_body_keeps_no_seal,
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

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// The licence document of a case and its sealed form.
async fn licence_document(w: &World, case_id: i64) -> yiyin_store::documents::StoredDocument {
    w.store
        .case_documents(case_id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.record.identifier.is_some())
        .expect("a licence")
}

/// The bureau renamed from 2025-06-01, saved by the system administrator in May: documents dated
/// before carry the old name under the old seal, those dated from that day the new name under a
/// new seal, made by the daily refresh on the day (the old one retired, an audited event); what
/// the old seal signed still verifies.
async fn a_rename_takes_effect_on_its_date(w: World) {
    let sysadmin = w
        .staff("hanyin.admin", Role::SystemAdmin, HANYIN, None)
        .await;
    let mut j = w.organisation_of(&sysadmin, HANYIN).await.unwrap();
    let b = j.bureau.as_mut().unwrap();
    let (old, old_seal) = (b.name.clone(), b.seal_name.clone());
    let new = "汉阴县政务服务和行政审批局".to_string();
    b.former_names.push(FormerName {
        name: old.clone(),
        until: day("2025-06-01"),
        division_code: String::new(),
        sources: vec![],
    });
    b.seal_name = b.seal_name.replace(&old, &new);
    b.name = new.clone();
    let new_seal = b.seal_name.clone();
    w.set_today("2025-05-06");
    w.save_jurisdiction(&sysadmin, HANYIN, j).await.unwrap();
    // Saved ahead of its date: nothing changes yet.
    assert_eq!(w.refresh_seals().await.unwrap(), 0);
    let old_id = w.keyring().for_holder(HANYIN, "").unwrap().0.id;
    let (before, _) = w.licensed(org(31), "2025-05-20").await;

    w.set_today("2025-06-01");
    // A mistyped passphrase changes nothing.
    let wrong = secrecy::SecretString::from("not-the-passphrase");
    let err = yiyin_app::seals::ensure_seals(&w.store, &wrong, day("2025-06-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("印章口令错误"), "{err}");
    assert!(!w.store.seal(old_id).await.unwrap().retired);
    assert_eq!(w.refresh_seals().await.unwrap(), 2, "one retired, one made");
    let (seal, _) = w.keyring().for_holder(HANYIN, "").unwrap().clone();
    assert_eq!(seal.name, new_seal);
    assert_ne!(seal.id, old_id);
    assert!(w.store.seal(old_id).await.unwrap().retired);
    assert_eq!(w.logged("seal_renamed").await, 1);
    assert_eq!(w.refresh_seals().await.unwrap(), 0, "once");
    let (after, _) = w.licensed(org(32), "2025-06-02").await;

    for (case, agency, seal_name) in [(&before, &old, &old_seal), (&after, &new, &new_seal)] {
        let doc = licence_document(&w, case.id).await;
        assert_eq!(&doc.record.agency, agency);
        assert_eq!(&doc.record.seal, seal_name);
        let sealed = doc.sealed.as_deref().unwrap();
        let parsed = yiyin_seal::SealedDocument::from_json(sealed).unwrap();
        assert_eq!(&parsed.seal.name, seal_name);
        let verdict = w.verify_bytes(sealed.as_bytes()).await.unwrap();
        assert!(verdict.valid, "{agency}: {:?}", verdict.problems);
    }
    let report = yiyin_app::audit::verify_chain(&w.store).await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// A department working from the hall gets its seal when it is saved; once it leaves the hall and
/// ends, its seal is retired and none is made again.
async fn an_ended_body_keeps_no_seal(w: World) {
    let sysadmin = w
        .staff("hanyin.admin", Role::SystemAdmin, HANYIN, None)
        .await;
    let mut j = w.organisation_of(&sysadmin, HANYIN).await.unwrap();
    let mut d = j.departments[0].clone();
    d.code = "ceshi".into();
    d.name = "汉阴县测试局".into();
    d.relation = DepartmentRelation::Resident;
    d.former_names.clear();
    d.former_relations.clear();
    d.successor = None;
    d.ended_on = None;
    j.departments.push(d);
    w.set_today("2025-05-06");
    // The seals made at installation were audited too.
    let made = w.logged("seal_made").await;
    assert_eq!(made, w.store.seals().await.unwrap().len());
    w.save_jurisdiction(&sysadmin, HANYIN, j.clone())
        .await
        .unwrap();
    let (seal, _) = w.keyring().for_holder(HANYIN, "ceshi").unwrap().clone();
    assert_eq!(seal.name, "汉阴县测试局行政许可专用章");
    assert_eq!(w.logged("seal_made").await, made + 1);

    // Merged into another department from 2025-06-01.
    let successor = j.departments[0].code.clone();
    let d = j.departments.last_mut().unwrap();
    d.relation = DepartmentRelation::Transferred;
    d.former_relations = vec![FormerRelation {
        relation: DepartmentRelation::Resident,
        until: day("2025-06-01"),
        sources: vec![],
    }];
    d.ended_on = Some(day("2025-06-01"));
    d.successor = Some(successor);
    w.save_jurisdiction(&sysadmin, HANYIN, j).await.unwrap();
    assert!(
        w.keyring().for_holder(HANYIN, "ceshi").is_some(),
        "until its end"
    );
    w.set_today("2025-06-01");
    assert_eq!(w.refresh_seals().await.unwrap(), 1);
    assert!(w.keyring().for_holder(HANYIN, "ceshi").is_none());
    assert!(w.store.seal(seal.id).await.unwrap().retired);
    assert_eq!(w.logged("seal_retired").await, 1);
    assert_eq!(w.refresh_seals().await.unwrap(), 0, "never made again");
}
