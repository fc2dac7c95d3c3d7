//! Least necessary (最小必要) against a real server, on both databases: those who only watch a case
//! (observers, discipline supervisors) see the applicant's citizen ID number and phone masked in the
//! API and on the case page, and open them only on purpose (查看完整信息), recorded as an event of
//! the case, for that one view; those who handle the case see them in full. Only the window's acts
//! are recorded at the window: the review and the decision are back-office work. Every read of a case
//! by those who only watch it is itself recorded, kept out of the case's history and shown on the
//! audit page, which also checks the chain and a kept chain head.

use serde_json::json;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{HANYIN, review};
use yiyin_testkit::{Api, on_both};

on_both!(
    watchers_see_identifiers_masked_until_they_open_them,
    back_office_steps_are_not_recorded_at_the_window,
    monitoring_reads_are_logged_and_the_audit_page_shows_them,
);

const ID: &str = "11010519491231002X";
const ID_MASKED: &str = "110*************2X";
const PHONE: &str = "13812345678";
const PHONE_MASKED: &str = "138****5678";

/// A person's application at the window, accepted; returns its id.
async fn persons_case(app: &Api, clerk: &str) -> i64 {
    let case = app
        .by(clerk)
        .post(
            "/api/v1/cases",
            json!({
                "jurisdiction": HANYIN,
                "item_code": "HY-SC-001",
                "applicant": {"kind": "person", "name": "王芳", "id_number": ID, "phone": PHONE},
                "materials": ["M1", "M2"],
                "outcome": "accept",
            }),
        )
        .await
        .expect(201);
    case["id"].as_i64().unwrap()
}

/// The reveal events of a case.
async fn reveals(app: &Api, id: i64) -> Vec<String> {
    app.store
        .case_events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "reveal_identifiers")
        .map(|e| e.actor)
        .collect()
}

async fn watchers_see_identifiers_masked_until_they_open_them(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let id = persons_case(&app, &clerk).await;
    let path = format!("/api/v1/cases/{id}");
    let page = format!("/work/cases/{id}");
    let observer = app.observer("hy.observer", "shichang").await;
    let discipline = app
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN)
        .await;

    // The clerk who handles the case sees it in full, and is offered nothing to open.
    let seen = app.by(&clerk).get(&path).await.expect(200);
    assert_eq!(seen["applicant"]["id_number"], ID, "{seen}");
    assert_eq!(seen["applicant"]["phone"], PHONE, "{seen}");
    assert_eq!(seen["applicant"]["masked"], false, "{seen}");
    let (status, html) = app.page_text(&clerk, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains(ID) && html.contains(PHONE), "{html}");
    assert!(!html.contains("查看完整信息"), "{html}");

    // Those who only watch see them masked, in the API (nowhere in the answer in full) and on the
    // page, with the button to open them.
    for token in [&observer, &discipline] {
        let seen = app.by(token).get(&path).await.expect(200);
        assert_eq!(seen["applicant"]["id_number"], ID_MASKED, "{seen}");
        assert_eq!(seen["applicant"]["phone"], PHONE_MASKED, "{seen}");
        assert_eq!(seen["applicant"]["masked"], true, "{seen}");
        assert_eq!(seen["applicant"]["name"], "王芳", "{seen}");
        let text = seen.to_string();
        assert!(!text.contains(ID) && !text.contains(PHONE), "{text}");
        let (status, html) = app.page_text(token, &page).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(ID_MASKED) && html.contains(PHONE_MASKED),
            "{html}"
        );
        assert!(!html.contains(ID) && !html.contains(PHONE), "{html}");
        assert!(html.contains("查看完整信息"), "{html}");
    }
    assert!(reveals(&app, id).await.is_empty());

    // The observer opens them on purpose: in full, recorded, for that one answer.
    let opened = app
        .by(&observer)
        .post_empty(&format!("{path}/reveal"))
        .await
        .expect(200);
    assert_eq!(opened["applicant"]["id_number"], ID, "{opened}");
    assert_eq!(opened["applicant"]["phone"], PHONE, "{opened}");
    assert_eq!(opened["applicant"]["masked"], false, "{opened}");
    let by = reveals(&app, id).await;
    assert_eq!(by.len(), 1, "{by:?}");
    assert!(by[0].contains("审批观察员"), "{by:?}");
    let again = app.by(&observer).get(&path).await.expect(200);
    assert_eq!(again["applicant"]["id_number"], ID_MASKED, "{again}");
    // The opening is in the chain, which still verifies.
    let chain = app.unbroken_chain(&discipline).await;
    assert_eq!(chain["altered"], json!([]), "{chain}");

    // The discipline supervisor opens them on the page: the form needs its CSRF token.
    let csrf = app.browser_login("hy.discipline").await;
    let r = app
        .post_form(&format!("{page}/reveal"), &[("csrf", "wrong")])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(reveals(&app, id).await.len(), 1);
    let r = app
        .post_form(&format!("{page}/reveal"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(ID) && html.contains(PHONE), "{html}");
    assert!(html.contains("本次查看已记录"), "{html}");
    let by = reveals(&app, id).await;
    assert_eq!(by.len(), 2, "{by:?}");
    assert!(by[1].contains("纪检监察人员"), "{by:?}");
    // The case page's timeline names the opening; the next visit is masked again.
    let (_, html) = app.page_text(&discipline, &page).await;
    assert!(html.contains("查看申请人完整信息"), "{html}");
    assert!(!html.contains(ID), "{html}");

    // The clerk's reveal is the plain view, nothing recorded; those who may not see the case may
    // not open it, and nothing is recorded.
    let plain = app
        .by(&clerk)
        .post_empty(&format!("{path}/reveal"))
        .await
        .expect(200);
    assert_eq!(plain["applicant"]["id_number"], ID, "{plain}");
    let elsewhere = app.observer("hy.observer.huanbao", "huanbao").await;
    let other_county = app
        .staff("zy.discipline", Role::DisciplineSupervisor, "ziyang")
        .await;
    for token in [&elsewhere, &other_county] {
        let e = app
            .by(token)
            .post_empty(&format!("{path}/reveal"))
            .await
            .expect(403);
        assert!(
            e["error"]["message"].as_str().unwrap().starts_with("无权"),
            "{e}"
        );
    }
    app.anonymous()
        .post_empty(&format!("{path}/reveal"))
        .await
        .expect(401);
    assert_eq!(reveals(&app, id).await.len(), 2);
    app.stop().await;
}

async fn back_office_steps_are_not_recorded_at_the_window(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let id = persons_case(&app, &desk.clerk).await;
    app.act(&desk.reviewer, id, review("材料齐全，符合条件"))
        .await
        .expect(200);
    let events = app.store.case_events(id).await.unwrap();
    let channel = |action: &str| {
        events
            .iter()
            .find(|e| e.action == action)
            .map(|e| e.channel.clone())
            .unwrap_or_else(|| panic!("no {action} in {events:?}"))
    };
    // Receiving and accepting at the window; the review in the back office.
    assert_eq!(channel("receive"), "window");
    assert_eq!(channel("accept"), "window");
    assert_eq!(channel("complete_step"), "office");
    // The page's timeline says so.
    let (_, html) = app
        .page_text(&desk.reviewer, &format!("/work/cases/{id}"))
        .await;
    let row = html
        .split("<li>")
        .find(|li| li.contains("完成“审查”环节"))
        .unwrap_or_else(|| panic!("no review row in {html}"));
    let row = row.split("</li>").next().unwrap();
    assert!(row.contains("后台办理") && !row.contains("窗口"), "{row}");
    app.stop().await;
}

/// The e-monitoring's reads of a case.
async fn monitoring_reads(app: &Api, id: i64) -> Vec<String> {
    app.store
        .case_events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "monitoring_read")
        .map(|e| e.actor)
        .collect()
}

async fn monitoring_reads_are_logged_and_the_audit_page_shows_them(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let id = persons_case(&app, &clerk).await;
    let path = format!("/api/v1/cases/{id}");
    let discipline = app
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN)
        .await;

    // The clerk's reads are the handling's: nothing recorded.
    app.by(&clerk).get(&path).await.expect(200);
    assert!(monitoring_reads(&app, id).await.is_empty());
    // The discipline supervisor's read through the API and on the page: each recorded, by them; the
    // case's own history does not show them.
    let seen = app.by(&discipline).get(&path).await.expect(200);
    assert!(!seen.to_string().contains("monitoring_read"), "{seen}");
    let (status, html) = app
        .page_text(&discipline, &format!("/work/cases/{id}"))
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("电子监察查阅办件"), "{html}");
    let by = monitoring_reads(&app, id).await;
    assert_eq!(by.len(), 2, "{by:?}");
    assert!(by.iter().all(|a| a.contains("纪检监察人员")), "{by:?}");

    // The audit page shows them, newest first, and filters by the kind of event.
    let (status, html) = app.page_text(&discipline, "/audit").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("电子监察查阅办件") && html.contains("收件"),
        "{html}"
    );
    let (_, only) = app
        .page_text(&discipline, "/audit?action=monitoring_read")
        .await;
    assert!(
        only.contains("电子监察查阅办件") && !only.contains(">收件<"),
        "{only}"
    );
    let (_, bad) = app
        .page_text(&discipline, "/audit?action=DROP%20TABLE")
        .await;
    assert!(
        bad.contains("筛选条件有误") && bad.contains("操作类型应为"),
        "{bad}"
    );

    // The chain checked on request; a kept head that holds, one rewritten, one mistyped.
    let (_, checked) = app.page_text(&discipline, "/audit?check=1").await;
    assert!(
        checked.contains("完好") && checked.contains("逐条核对无误"),
        "{checked}"
    );
    // (The root of the chains' heads the check showed, kept with its parts.)
    let report = yiyin_app::audit::verify_chain(&app.store).await.unwrap();
    let (seq, hash) = (report.head_seq, report.head_hash);
    assert!(checked.contains(&hash), "{checked}");
    let (_, held) = app
        .page_text(&discipline, &format!("/audit?head={seq}:{hash}"))
        .await;
    assert!(held.contains("到该链头为止的记录未被改写"), "{held}");
    let forged = format!("{seq}:{}", "0".repeat(64));
    let (_, rewritten) = app
        .page_text(&discipline, &format!("/audit?head={forged}"))
        .await;
    assert!(rewritten.contains("链头不成立"), "{rewritten}");
    let (_, mistyped) = app.page_text(&discipline, "/audit?head=abc").await;
    assert!(
        mistyped.contains("链头有误") && mistyped.contains("格式有误"),
        "{mistyped}"
    );

    // Who may not audit is refused before anything is read; another county's auditor reads only
    // their own county's log.
    let (status, _) = app.page_text(&clerk, "/audit?check=1").await;
    assert_eq!(status, 403);
    let other = app
        .staff("zy.discipline", Role::DisciplineSupervisor, "ziyang")
        .await;
    let (status, html) = app
        .page_text(&other, &format!("/audit?jurisdiction={HANYIN}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("电子监察查阅办件") && html.contains("紫阳"),
        "{html}"
    );
    app.stop().await;
}
