//! Pushes of approval–supervision separation through the use cases, on both databases: each result
//! is pushed to the supervising department once (decisions, certificates), listed in its inbox and
//! acknowledged (签收) once by its own supervisors only; delivery to the department's system against
//! a real receiver on a random port — claimed under a lease, retried with the back-off of the retry
//! policy until a dead letter, replayed by the bureau and then delivered; the system switched off
//! hands what waited to the desk.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::DateTime;
use common::*;
use yiyin_app::AppError;
use yiyin_app::delivery::{LEASE_MS, client};
use yiyin_app::supervision::WebhookInput;
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::supervision::{PushKind, PushStatus, RetryPolicy};
use yiyin_store::cases::CaseRecord;
use yiyin_store::outbox::Outbox;
use yiyin_store::pushes::{Push, PushFilter};
use yiyin_testkit::date;

on_both!(crate::common::run;
    decisions_and_certificates_are_pushed_once,
    deliveries_retry_then_dead_letter_and_replay,
    a_receiver_on_an_internal_network_is_not_delivered_to,
);

// ---------------------------------------------------------------------------------------------
// Pushed once, acknowledged once

async fn decisions_and_certificates_are_pushed_once(w: World) {
    let zhao = w.supervisor("hy.sc.zhao", "shichang").await;
    let qian = w.supervisor("hy.sc.qian", "shichang").await;
    let li = w.supervisor("hy.wg.li", "wenguang").await;
    // Both decided on 2025-09-30, the last working day before the National Day holiday.
    let mut cases = Vec::new();
    for n in 1..=2 {
        let c = w
            .receive_food(org(n), IntakeOutcome::Accept, "2025-09-26")
            .await;
        w.act(c.id, review(), "2025-09-29").await;
        cases.push(c);
    }
    // Only the section chief decides: not the window, not the applicant.
    let msg = forbidden(
        w.try_act_as(&w.clerk, cases[0].id, None, approve(), "2025-09-30")
            .await,
    );
    assert!(msg.contains("作出许可决定"), "{msg}");
    let a = w.act(cases[0].id, approve(), "2025-09-30").await;
    let b = w
        .act(
            cases[1].id,
            deny("经营场所与食品品种不相适应"),
            "2025-09-30",
        )
        .await;

    // The supervising department's inbox has both results at once.
    let desk = w.desk(&zhao, HANYIN, "shichang").unwrap();
    let pushes = w.inbox(&zhao, &desk, true).await.unwrap().pushes;
    assert_eq!(
        pushes.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [PushKind::Denial, PushKind::Approval]
    );
    let approval = pushes[1].clone();
    let denial = pushes[0].clone();
    assert_eq!(approval.case_id, Some(a.id));
    assert_eq!(denial.case_id, Some(b.id));
    assert_eq!(approval.department, "shichang");
    // Without a system of its own, the inbox is the delivery.
    assert_eq!(approval.status, PushStatus::Delivered);
    assert!(approval.delivered_at.is_some());
    assert_eq!(approval.sent_on, date("2025-09-30"));
    // Two working days, across the holiday.
    assert_eq!(approval.ack_due, Some(date("2025-10-10")));
    assert_eq!(approval.licence, None);
    let facts = approval.facts();
    assert_eq!(facts["format"], "yiyin-push/1");
    assert_eq!(facts["kind"], "approval");
    assert_eq!(facts["case_number"], a.number.as_str());
    assert_eq!(facts["holder_id"], a.applicant.id_number.as_str());
    assert_eq!(facts["decided_on"], "2025-09-30");
    assert_eq!(facts["on_commitment"], false);
    assert!(
        denial.facts()["reason"]
            .as_str()
            .unwrap()
            .contains("不相适应")
    );
    // The key names the event it reports.
    let decide_seq = w
        .store
        .case_events(a.id)
        .await
        .unwrap()
        .iter()
        .find(|e| e.action == "decide")
        .unwrap()
        .seq;
    assert_eq!(
        approval.idempotency_key,
        format!("hanyin:approval:{decide_seq}")
    );
    assert_eq!(facts["idempotency_key"], approval.idempotency_key.as_str());
    // Another department's inbox has none of it, and its supervisors cannot open this one.
    let wenguang = w.desk(&li, HANYIN, "wenguang").unwrap();
    assert!(
        w.inbox(&li, &wenguang, true)
            .await
            .unwrap()
            .pushes
            .is_empty()
    );
    let msg = forbidden(w.desk(&li, HANYIN, "shichang"));
    assert!(msg.contains("不在您的监管职责范围内"), "{msg}");
    forbidden(w.inbox(&li, &desk, true).await);
    forbidden(w.desk(&w.clerk, HANYIN, "shichang"));

    // The certificate is pushed with the licence.
    let (a, lic) = w.issued(a.id, "2025-10-09").await;
    let licence = w.store.licence(&lic).await.unwrap().unwrap();
    assert_eq!(licence.supervising_department, "shichang");
    let about = w.store.pushes_about(a.id).await.unwrap();
    assert_eq!(
        about.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [PushKind::Approval, PushKind::Certificate]
    );
    let certificate = about[1].clone();
    assert_eq!(certificate.licence.as_deref(), Some(lic.as_str()));
    // 2025-10-11 is a Saturday worked in lieu of the holiday.
    assert_eq!(certificate.ack_due, Some(date("2025-10-11")));
    assert_eq!(
        certificate.facts()["valid_until"],
        yiyin_domain::calendar::fmt_date(licence.valid_until.unwrap()).as_str()
    );
    // The department sees the pushes on the licence's page too.
    let view = w.licence_view(&zhao, &lic).await.unwrap();
    assert_eq!(view.pushes, about);

    // Never queued twice: a refused action and a stale retry queue nothing.
    refused(
        w.try_act(a.id, Action::IssueCertificate, "2025-10-10")
            .await,
    );
    let err = w
        .try_act_as(&w.chief, b.id, Some(b.version - 1), approve(), "2025-10-10")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    let all = w
        .store
        .pushes(&PushFilter {
            jurisdiction: HANYIN.into(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let keys: HashSet<&str> = all.iter().map(|p| p.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), 3);

    // Overdue by the acknowledgement date.
    assert!(!approval.overdue(date("2025-10-10")));
    assert!(approval.overdue(date("2025-10-11")));
    assert!(!certificate.overdue(date("2025-10-11")));
    let counts = w
        .store
        .push_counts(HANYIN, Some("shichang"), date("2025-10-11"))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.unacknowledged,
            counts.overdue,
            counts.pending,
            counts.dead
        ),
        (3, 2, 0, 0)
    );

    // Only the department's own supervisors acknowledge (签收): not another department's, not the
    // bureau's window, not an applicant.
    let applicant = w.applicant(org(1).id_number.as_str(), &org(1).name).await;
    for who in [&li, &w.clerk, &applicant] {
        forbidden(w.acknowledge(who, approval.id).await);
    }
    let msg = forbidden(w.acknowledge(&applicant, approval.id).await);
    assert!(msg.contains("仅限工作人员"), "{msg}");
    // Once.
    let acked = w.acknowledge(&zhao, approval.id).await.unwrap();
    assert!(acked.acknowledged_at.is_some());
    assert_eq!(acked.acknowledged_by, Some(w.name_of(&zhao)));
    assert!(!acked.overdue(date("2025-10-11")));
    w.set_today("2025-10-11");
    let again = w.acknowledge(&qian, approval.id).await.unwrap();
    assert_eq!(again, acked, "a second acknowledgement changes nothing");
    let acks = w
        .actions(a.id)
        .await
        .into_iter()
        .filter(|a| a == "push_acknowledge")
        .count();
    assert_eq!(acks, 1);
    let counts = w.inbox(&zhao, &desk, true).await.unwrap().counts;
    assert_eq!((counts.unacknowledged, counts.overdue), (2, 1));
    let overview = w.overview(&w.head, HANYIN).await.unwrap();
    assert_eq!(overview.counts, counts);
    assert_eq!(
        overview
            .departments
            .iter()
            .map(|d| (d.department.as_str(), d.counts.clone()))
            .collect::<Vec<_>>(),
        [("shichang", counts.clone())]
    );
    assert_eq!(
        overview.overdue.iter().map(|p| p.id).collect::<Vec<_>>(),
        [denial.id]
    );
    assert_eq!(
        w.inbox(&li, &wenguang, true).await.unwrap().counts,
        Default::default()
    );
    let open: Vec<PushKind> = w
        .inbox(&zhao, &desk, false)
        .await
        .unwrap()
        .pushes
        .into_iter()
        .map(|p| p.kind)
        .collect();
    assert_eq!(open, [PushKind::Certificate, PushKind::Denial]);
    // The inbox lists the unacknowledged first.
    assert_eq!(
        w.inbox(&zhao, &desk, true).await.unwrap().pushes[2].id,
        approval.id
    );
    w.assert_chain_intact().await;
}

// ---------------------------------------------------------------------------------------------
// Delivery to the department's system

/// What the department's system received.
#[derive(Debug, Clone)]
struct Got {
    key: String,
    kind: String,
    signed: bool,
    body: String,
}

/// The department's system: records every request and answers with the status it is told.
#[derive(Debug)]
struct Receiver {
    answer: AtomicU16,
    got: Mutex<Vec<Got>>,
}

impl Receiver {
    /// Serves on a random port; returns it with its address.
    async fn spawn() -> (Arc<Receiver>, String) {
        let receiver = Arc::new(Receiver {
            answer: AtomicU16::new(503),
            got: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/push", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/push", post(take))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

async fn take(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.got.lock().unwrap().push(Got {
        key: header("idempotency-key"),
        kind: header("x-yiyin-push-kind"),
        signed: headers.contains_key("x-yiyin-signature"),
        body,
    });
    StatusCode::from_u16(r.answer.load(Ordering::SeqCst)).unwrap()
}

fn webhook(url: &str, active: bool) -> WebhookInput {
    WebhookInput {
        jurisdiction: HANYIN.into(),
        department: "shichang".into(),
        url: url.into(),
        active,
    }
}

/// Moves the clock to an instant in milliseconds.
fn set_ms(w: &World, ms: i64) {
    w.set_now(DateTime::from_timestamp_millis(ms).unwrap());
}

/// An application of `org(1)` for HY-SC-001 accepted on 2025-03-03, reviewed and granted; the case
/// and the first push about it.
async fn decided(w: &World) -> (CaseRecord, Push) {
    let c = w
        .receive_food(org(1), IntakeOutcome::Accept, "2025-03-03")
        .await;
    w.act(c.id, review(), "2025-03-04").await;
    w.act(c.id, approve(), "2025-03-05").await;
    let p = w.store.pushes_about(c.id).await.unwrap()[0].clone();
    (c, p)
}

async fn push(w: &World, id: i64) -> Push {
    w.store.push(id).await.unwrap()
}

async fn deliveries_retry_then_dead_letter_and_replay(w: World) {
    let zhao = w.supervisor("hy.sc.zhao", "shichang").await;
    let (receiver, url) = Receiver::spawn().await;
    let http = client();

    // The bureau sets the department's system: an http(s) address, by those who manage pushes.
    let msg = invalid(
        w.set_webhook(&w.head, &webhook("ftp://jg.example/push", true))
            .await,
    );
    assert!(msg.contains("http://"), "{msg}");
    let msg = invalid(
        w.set_webhook(
            &w.head,
            &WebhookInput {
                department: "nope".into(),
                ..webhook(&url, true)
            },
        )
        .await,
    );
    assert!(msg.contains("nope"), "{msg}");
    for who in [&zhao, &w.chief] {
        let msg = forbidden(w.set_webhook(who, &webhook(&url, true)).await);
        assert!(msg.contains("管理审管推送"), "{msg}");
    }
    assert!(w.store.webhooks(HANYIN).await.unwrap().is_empty());
    w.set_webhook(&w.head, &webhook(&url, true)).await.unwrap();
    let hooks = w.store.webhooks(HANYIN).await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].url, url);
    assert!(hooks[0].active);

    let (c, p) = decided(&w).await;
    assert_eq!(p.status, PushStatus::Pending, "the department has a system");
    assert_eq!(p.attempts, 0);
    assert!(p.delivered_at.is_none());

    // Two servers deliver at once: the push is claimed by one, sent once, and fails.
    let now = w.now().timestamp_millis() + 60_000;
    set_ms(&w, now);
    let (x, y) = tokio::join!(w.deliver_once(&http), w.deliver_once(&http));
    assert_eq!(x + y, 0);
    assert_eq!(receiver.got().len(), 1, "sent once");
    let policy = RetryPolicy::default();
    let delay = |failures: u32| policy.next_delay(failures).map(|d| d.as_millis() as i64);
    let p1 = push(&w, p.id).await;
    assert_eq!(p1.status, PushStatus::Pending);
    assert_eq!(p1.attempts, 1);
    assert_eq!(p1.last_error, "对方系统返回 HTTP 503");
    assert_eq!(p1.next_attempt_at, now + delay(1).unwrap());
    // Not before its back-off.
    set_ms(&w, p1.next_attempt_at - 1_000);
    assert_eq!(w.deliver_once(&http).await, 0);
    assert_eq!(receiver.got().len(), 1);

    // A server claims it and dies mid-delivery: nobody sends it within the lease; after it, it is
    // sent again.
    let due = p1.next_attempt_at;
    let mut tx = w.store.begin_write().await.unwrap();
    assert!(
        tx.claim_lease(Outbox::Pushes, p.id, due, LEASE_MS)
            .await
            .unwrap()
            .is_some()
    );
    tx.commit().await.unwrap();
    set_ms(&w, due + LEASE_MS - 1);
    assert_eq!(w.deliver_once(&http).await, 0);
    assert_eq!(receiver.got().len(), 1, "not within another server's lease");
    set_ms(&w, due + LEASE_MS);
    w.deliver_once(&http).await;
    assert_eq!(receiver.got().len(), 2);
    // Failures back off as the policy says, then the push is a dead letter.
    let mut failures = 2;
    loop {
        let p = push(&w, p.id).await;
        assert_eq!(p.attempts, i64::from(failures));
        match delay(failures) {
            Some(d) => {
                assert_eq!(p.status, PushStatus::Pending);
                assert_eq!(p.next_attempt_at, w.now().timestamp_millis() + d);
                set_ms(&w, p.next_attempt_at);
                assert_eq!(w.deliver_once(&http).await, 0);
                failures += 1;
            }
            None => {
                assert_eq!(p.status, PushStatus::Dead);
                break;
            }
        }
    }
    assert_eq!(failures, policy.max_attempts);
    let got = receiver.got();
    assert_eq!(got.len(), policy.max_attempts as usize);
    assert!(
        got.iter().all(|g| g.key == p.idempotency_key),
        "one key for the receiver to deduplicate by"
    );
    let dead_at = w.now().timestamp_millis();
    set_ms(&w, dead_at + 86_400_000);
    assert_eq!(w.deliver_once(&http).await, 0);
    assert_eq!(receiver.got().len(), got.len());
    let desk = w.desk(&zhao, HANYIN, "shichang").unwrap();
    let inbox = w.inbox(&zhao, &desk, true).await.unwrap();
    assert_eq!((inbox.counts.pending, inbox.counts.dead), (0, 1));
    // Still in the inbox, whatever its system did.
    assert_eq!(inbox.pushes.len(), 1);
    let dead = w.overview(&w.head, HANYIN).await.unwrap().dead;
    assert_eq!(dead.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id]);

    // Replayed by the bureau (not by the department), it is pending again from zero attempts.
    let t4 = w.now().timestamp_millis() + 3_600_000;
    set_ms(&w, t4);
    for who in [&zhao, &w.chief] {
        forbidden(w.replay(who, p.id).await);
    }
    let replayed = w.replay(&w.head, p.id).await.unwrap();
    assert_eq!(replayed.status, PushStatus::Pending);
    assert_eq!(replayed.attempts, 0);
    assert_eq!(replayed.next_attempt_at, t4);
    let r = refused_saying(
        w.replay(&w.head, p.id).await,
        &["只有投递失败的推送可以重新投递"],
    );
    assert_eq!(r.rule, "push");
    assert!(w.actions(c.id).await.contains(&"push_replay".into()));
    receiver.answer(200);
    assert_eq!(w.deliver_once(&http).await, 1);
    let delivered = push(&w, p.id).await;
    assert_eq!(delivered.status, PushStatus::Delivered);
    assert_eq!(delivered.delivered_at, Some(t4));
    assert_eq!(delivered.last_error, "");
    // What arrived is the payload as queued, with its key and kind, unsigned without seals.
    let last = receiver.got().pop().unwrap();
    assert_eq!(
        (last.key.as_str(), last.kind.as_str(), last.signed),
        (p.idempotency_key.as_str(), "approval", false)
    );
    assert_eq!(last.body, p.payload);
    refused_saying(w.replay(&w.head, p.id).await, &["已送达"]);
    let counts = w.inbox(&zhao, &desk, true).await.unwrap().counts;
    assert_eq!((counts.pending, counts.dead), (0, 0));

    // A push waiting for the system when the system is switched off is delivered to the desk, and
    // says so; without an active system, new pushes are delivered to the desk only.
    let sent = receiver.got().len();
    let c = w.act(c.id, Action::IssueCertificate, "2025-03-06").await;
    let about = w.store.pushes_about(c.id).await.unwrap();
    assert_eq!(about[1].kind, PushKind::Certificate);
    assert_eq!(about[1].status, PushStatus::Pending);
    w.set_webhook(&w.head, &webhook(&url, false)).await.unwrap();
    let certificate = push(&w, about[1].id).await;
    assert_eq!(certificate.status, PushStatus::Delivered);
    assert!(
        certificate.last_error.contains("停用"),
        "{}",
        certificate.last_error
    );
    assert_eq!(w.deliver_once(&http).await, 0);
    assert_eq!(
        receiver.got().len(),
        sent,
        "nothing sent to a system switched off"
    );
    w.set_webhook(&w.head, &webhook("", true)).await.unwrap();
    assert!(w.store.webhooks(HANYIN).await.unwrap().is_empty());
    let logged = w.logged("webhook_set").await;
    assert_eq!(logged, 3);
    w.assert_chain_intact().await;
}

/// A receiver whose address is (or has come to resolve to) an internal network is not sent to
/// unless the administrator allows that network: the addresses are checked again at each delivery.
async fn a_receiver_on_an_internal_network_is_not_delivered_to(w: World) {
    let (receiver, url) = Receiver::spawn().await;
    let http = client();
    // Set while loopback was allowed (as the test application allows it).
    w.set_webhook(&w.head, &webhook(&url, true)).await.unwrap();
    let (_, p) = decided(&w).await;
    set_ms(&w, w.now().timestamp_millis() + 60_000);
    // A server that allows no internal network refuses to deliver, and to set such an address.
    let strict = yiyin_app::App::clone(&w).allow_webhook_networks(vec![]);
    assert_eq!(strict.deliver_once(&http).await, 0);
    assert!(
        receiver.got().is_empty(),
        "nothing reached the loopback receiver"
    );
    let refused = push(&w, p.id).await;
    assert_eq!(refused.status, PushStatus::Pending);
    assert!(
        refused.last_error.contains("内部网络"),
        "{}",
        refused.last_error
    );
    let msg = invalid(strict.set_webhook(&w.head, &webhook(&url, true)).await);
    assert!(msg.contains("内部网络"), "{msg}");
}
