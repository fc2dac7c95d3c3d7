//! Simulation mode (模拟运行) in the application layer, on both databases: the flag is decided at
//! intake and kept; a simulated case's documents are signed with the simulation seal and verify as
//! simulated; nothing is pushed, no verification task or licence is made; switching off leaves the
//! case simulated and emits nothing; only the bureau head switches; a batch's items are added to
//! those already simulated.

mod common;

use common::*;
use yiyin_app::AppError;
use yiyin_app::simulation::SimulationRequest;
use yiyin_domain::engine::{Action, CaseState, IntakeOutcome};
use yiyin_seal::SealedDocument;

on_both!(crate::common::run_sealed;
    a_simulated_case_is_sealed_for_rehearsal_and_reaches_no_one,
    only_the_head_switches_and_a_batch_adds_its_items,
);

const DAY: &str = "2025-03-03";

fn mode(enabled: bool, items: &[&str]) -> SimulationRequest {
    SimulationRequest {
        enabled,
        items: items.iter().map(|s| s.to_string()).collect(),
        reason: "试运行".into(),
    }
}

/// HY-SC-001 received, reviewed, approved and its certificate issued on [`DAY`].
async fn food_case(w: &World, n: u32) -> i64 {
    let c = w.receive_food(org(n), IntakeOutcome::Accept, DAY).await;
    w.act(c.id, review(), DAY).await;
    w.act(c.id, approve(), DAY).await;
    let c = w.act(c.id, Action::IssueCertificate, DAY).await;
    assert_eq!(c.state, CaseState::CertificateIssued);
    c.id
}

async fn a_simulated_case_is_sealed_for_rehearsal_and_reaches_no_one(w: World) {
    w.t.set_simulation(&w.head, HANYIN, &mode(true, &[]))
        .await
        .unwrap();
    let sim = food_case(&w, 1).await;
    assert!(w.t.case_simulated(sim).await.unwrap());
    assert!(w.t.store.pushes_about(sim).await.unwrap().is_empty());
    assert!(w.t.store.licences_of_case(sim).await.unwrap().is_empty());
    assert!(w.t.store.outbox_of_case(sim).await.unwrap().is_empty());
    let docs = w.t.store.case_documents(sim).await.unwrap();
    assert!(!docs.is_empty());
    for d in &docs {
        let sealed = SealedDocument::from_json(d.sealed.as_deref().expect("signed")).unwrap();
        sealed.verify().expect("intact");
        assert!(
            yiyin_app::simulation::is_simulated(&sealed),
            "{}",
            d.record.title
        );
        assert_eq!(sealed.seal.id, yiyin_app::simulation::SEAL_ID);
        let v = w.t.verify_bytes(sealed.to_json().as_bytes()).await.unwrap();
        assert!(!v.valid && v.simulated, "{v:?}");
        assert_eq!(v.problems, vec!["模拟文书，不具法律效力".to_string()]);
    }
    // The PDF renders with the simulation key, watermarked.
    let pdf = w.t.pdf_of(docs.last().unwrap()).await.unwrap();
    let record = yiyin_pdf::verify(&pdf).expect("a PDF that verifies as a file");
    assert_eq!(yiyin_pdf::simulation_watermark(&record).len(), 2);

    // Switched off: the case stays simulated and nothing goes out for it.
    w.t.set_simulation(&w.head, HANYIN, &mode(false, &[]))
        .await
        .unwrap();
    w.t.send_notifications_once().await;
    assert!(w.t.case_simulated(sim).await.unwrap());
    assert!(w.t.store.pushes_about(sim).await.unwrap().is_empty());
    assert!(w.t.store.outbox_of_case(sim).await.unwrap().is_empty());
    // A real case now: pushed, licensed, sealed with the bureau's seal.
    let real = food_case(&w, 2).await;
    assert!(!w.t.case_simulated(real).await.unwrap());
    assert!(!w.t.store.pushes_about(real).await.unwrap().is_empty());
    assert_eq!(w.t.store.licences_of_case(real).await.unwrap().len(), 1);
    let d = w.t.store.case_documents(real).await.unwrap();
    let sealed = SealedDocument::from_json(d[0].sealed.as_deref().unwrap()).unwrap();
    assert!(!yiyin_app::simulation::is_simulated(&sealed));
    assert_eq!(w.t.logged("simulation_set").await, 2);
}

async fn only_the_head_switches_and_a_batch_adds_its_items(w: World) {
    let e =
        w.t.set_simulation(&w.clerk, HANYIN, &mode(true, &[]))
            .await
            .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let e =
        w.t.set_simulation(&w.chief, HANYIN, &mode(true, &[]))
            .await
            .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let e =
        w.t.set_simulation(&w.head, HANYIN, &mode(true, &["HY-NONE"]))
            .await
            .unwrap_err();
    assert!(matches!(e, AppError::Invalid { .. }), "{e:?}");
    assert!(!w.t.simulation_mode(HANYIN).await.unwrap().enabled);
    assert_eq!(w.t.logged("simulation_set").await, 0);

    // A batch of one item, then another: both simulated, the rest real.
    w.t.simulate_items(&w.head, HANYIN, &["HY-WG-001".into()], "第一批")
        .await
        .unwrap();
    let v =
        w.t.simulate_items(&w.head, HANYIN, &["HY-SC-001".into()], "第二批")
            .await
            .unwrap();
    assert_eq!(
        v.items,
        vec!["HY-SC-001".to_string(), "HY-WG-001".to_string()]
    );
    let food = w.receive_food(org(3), IntakeOutcome::Receive, DAY).await;
    let green = w.receive_green(org(4), IntakeOutcome::Receive, DAY).await;
    assert!(w.t.case_simulated(food.id).await.unwrap());
    assert!(w.t.case_simulated(green.id).await.unwrap());
    w.t.set_simulation(&w.head, HANYIN, &mode(true, &["HY-WG-001"]))
        .await
        .unwrap();
    let food = w.receive_food(org(5), IntakeOutcome::Receive, DAY).await;
    assert!(!w.t.case_simulated(food.id).await.unwrap());
}
