//! The requests centre's KPIs (诉求办理考核指标) through the use case, on both databases: a few
//! tickets run through the desks — dispatched, signed late, returned and arbitrated, replied,
//! called back unsatisfied and handled again, closed, answered directly, merged — and every rate
//! checked by department and by category, recomputed from the histories; a handler sees only
//! their department; the agent, an observer and an applicant are refused; bad input is refused
//! with the field; the workbook reads back.

use yiyin_app::tickets::{TicketInput, TicketKpiQuery, TicketKpis, kpis_to_xlsx};
use yiyin_domain::roles::Role;
use yiyin_domain::tickets::kpis::KpiRow;
use yiyin_testkit::TestApp;
use yiyin_testkit::errors::*;
use yiyin_testkit::on_both;
use yiyin_testkit::tickets::{Centre, HANYIN, centre};

on_both!(yiyin_testkit::app::run;
    the_kpis_are_recomputed_from_the_tickets_histories,
    the_kpis_are_kept_to_their_readers,
);

fn call(ty: &str, category: &str, phone: &str) -> TicketInput {
    TicketInput {
        jurisdiction: HANYIN.into(),
        ticket_type: ty.into(),
        category: category.into(),
        content: "反映的问题".into(),
        location: "城关镇东街12号".into(),
        caller_name: Some("李华".into()),
        caller_phone: Some(phone.into()),
        ..TicketInput::default()
    }
}

fn march(by: &str) -> TicketKpiQuery {
    TicketKpiQuery {
        jurisdiction: HANYIN.into(),
        from: Some("2025-03-01".into()),
        to: Some("2025-03-31".into()),
        by: Some(by.into()),
    }
}

/// A row's seven KPIs as 「n/d」.
fn fractions(row: &KpiRow) -> Vec<String> {
    row.rates
        .all()
        .iter()
        .map(|r| format!("{}/{}", r.numerator, r.denominator))
        .collect()
}

fn row<'a>(k: &'a TicketKpis, code: &str) -> &'a KpiRow {
    k.table
        .rows
        .iter()
        .find(|r| r.key.code == code)
        .unwrap_or_else(|| panic!("no row {code} in {:?}", k.table.rows))
}

/// The scenario of March 2025 (no holidays): see each step.
async fn scenario(t: &TestApp, c: &Centre) {
    // Monday 03-03: A (food → 市场监管) and B (housing → 住建) dispatched; C answered at intake;
    // D, a duplicate of A (same caller), merged.
    let a = t
        .register_ticket(&c.agent, &call("投诉", "food", "13800001111"))
        .await
        .unwrap()
        .ticket;
    let b = t
        .register_ticket(&c.agent, &call("投诉", "housing", "13800002222"))
        .await
        .unwrap()
        .ticket
        .id;
    let mut direct = call("咨询", "food", "13800003333");
    direct.direct_reply = Some("已告知办理地点和所需材料".into());
    let cc = t
        .register_ticket(&c.agent, &direct)
        .await
        .unwrap()
        .ticket
        .id;
    let d = t
        .register_ticket(&c.agent, &call("投诉", "food", "13800001111"))
        .await
        .unwrap()
        .ticket
        .id;
    t.dispatch_ticket(&c.agent, a.id, None).await.unwrap();
    t.dispatch_ticket(&c.agent, b, None).await.unwrap();
    t.merge_ticket(&c.agent, d, &a.number).await.unwrap();
    // 03-04: B returned; C's caller satisfied.
    t.set_today("2025-03-04");
    t.return_ticket(&c.housing, b, "需规划部门先行认定")
        .await
        .unwrap();
    t.callback_ticket(&c.agent, cc, "满意", "").await.unwrap();
    // 03-05: A signed a day late (due 03-04); B arbitrated back and signed (due 03-06).
    t.set_today("2025-03-05");
    t.sign_ticket(&c.market, a.id).await.unwrap();
    t.arbitrate_return(&c.manager, b, "zhujian", "")
        .await
        .unwrap();
    t.sign_ticket(&c.housing, b).await.unwrap();
    // A replied on 03-10 (due 03-17), unsatisfied on 03-11, handled again (due 03-25), replied
    // on 03-20 and closed on 03-21. B's reply was due 03-19 and never came.
    t.set_today("2025-03-10");
    t.reply_ticket(&c.market, a.id, "已责令整改").await.unwrap();
    t.set_today("2025-03-11");
    t.callback_ticket(&c.agent, a.id, "不满意", "仍未整改")
        .await
        .unwrap();
    t.set_today("2025-03-20");
    t.reply_ticket(&c.market, a.id, "已复查，整改完毕")
        .await
        .unwrap();
    t.set_today("2025-03-21");
    t.callback_ticket(&c.agent, a.id, "基本满意", "")
        .await
        .unwrap();
    t.set_today("2025-03-31");
}

async fn the_kpis_are_recomputed_from_the_tickets_histories(t: TestApp) {
    let c = centre(&t).await;
    scenario(&t, &c).await;
    let k = t
        .ticket_kpis(&c.manager, &march("department"))
        .await
        .unwrap();
    assert_eq!(k.jurisdiction_name, "汉阴县");
    assert_eq!(k.department, None);
    assert_eq!(
        k.table
            .rows
            .iter()
            .map(|r| r.key.code.as_str())
            .collect::<Vec<_>>(),
        ["centre", "shichang", "zhujian"]
    );
    let m = row(&k, "shichang");
    assert_eq!(m.key.name, "汉阴县市场监督管理局");
    // 签收 late; both rounds replied in time; first contact missed (signed late); callbacks 1 of
    // 2 satisfied; closed after a 重办 (not solved at once); the first reply handled again; the
    // dispatch not returned. The merged duplicate D counts nowhere.
    assert_eq!(
        fractions(m),
        ["0/1", "2/2", "0/1", "1/2", "0/1", "1/2", "0/1"]
    );
    // B: signed in time after the arbitration; its reply due 03-19 passed open (在办超期); the
    // first dispatch returned, so no first contact.
    assert_eq!(
        fractions(row(&k, "zhujian")),
        ["1/1", "0/1", "0/1", "0/0", "0/0", "0/0", "1/2"]
    );
    assert_eq!(
        fractions(row(&k, "centre")),
        ["0/0", "0/0", "0/0", "1/1", "1/1", "0/1", "0/0"]
    );
    assert_eq!(
        fractions(&k.table.total),
        ["1/2", "2/3", "0/2", "2/3", "1/2", "1/3", "1/3"]
    );
    let shown: Vec<&str> = k
        .table
        .total
        .rates
        .all()
        .iter()
        .map(|r| r.display.as_str())
        .collect();
    assert_eq!(
        shown,
        ["50.0%", "66.7%", "0.0%", "66.7%", "50.0%", "33.3%", "33.3%"]
    );
    assert_eq!(row(&k, "zhujian").rates.satisfaction.display, "—");

    // By category: food holds A and C, housing B.
    let k = t.ticket_kpis(&c.manager, &march("诉求分类")).await.unwrap();
    assert_eq!(
        fractions(row(&k, "food")),
        ["0/1", "2/2", "0/1", "2/3", "1/2", "1/3", "0/1"]
    );
    assert_eq!(row(&k, "housing").key.name, "房屋建设与物业");
    assert_eq!(
        fractions(row(&k, "housing")),
        ["1/1", "0/1", "0/1", "0/0", "0/0", "0/0", "1/2"]
    );

    // Early in March, B's reply was not yet due: nothing of it is counted as late.
    let mut early = march("department");
    early.to = Some("2025-03-19".into());
    let k = t.ticket_kpis(&c.manager, &early).await.unwrap();
    assert_eq!(fractions(row(&k, "zhujian"))[1], "0/1");
    early.to = Some("2025-03-18".into());
    let k = t.ticket_kpis(&c.manager, &early).await.unwrap();
    assert_eq!(fractions(row(&k, "zhujian"))[1], "0/0");

    // The workbook: one sheet, the title, the headings, the rows and the total.
    let k = t
        .ticket_kpis(&c.manager, &march("department"))
        .await
        .unwrap();
    let bytes = kpis_to_xlsx(&k).unwrap();
    assert_eq!(bytes[..4], *b"PK\x03\x04");
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["诉求考核指标"]);
    let range = wb.worksheet_range("诉求考核指标").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        rows[0][0].contains("汉阴县 诉求办理考核指标（按部门，2025-03-01 至 2025-03-31）"),
        "{:?}",
        rows[0]
    );
    assert_eq!(
        rows[1][..5],
        [
            "部门代码",
            "部门",
            "按时签收（件）",
            "签收（件）",
            "按时签收率"
        ]
    );
    assert_eq!(rows.len(), 2 + 3 + 1);
    let total = rows.last().unwrap();
    assert_eq!(total[1], "合计");
    assert_eq!(total[2..5], ["1", "2", "50.0%"]);
    assert_eq!(total[20..23], ["1", "3", "33.3%"]);
}

async fn the_kpis_are_kept_to_their_readers(t: TestApp) {
    let c = centre(&t).await;
    scenario(&t, &c).await;
    let all = t
        .ticket_kpis(&c.manager, &march("department"))
        .await
        .unwrap();
    // The bureau head and the discipline supervisor read the same table as the manager.
    let head = t.staff("hy.head", Role::BureauHead, HANYIN, None).await;
    let discipline = t
        .staff("hy.jijian", Role::DisciplineSupervisor, HANYIN, None)
        .await;
    for who in [&head, &discipline] {
        assert_eq!(t.ticket_kpis(who, &march("department")).await.unwrap(), all);
    }
    // A handler sees only their department, by department and by category.
    let mine = t
        .ticket_kpis(&c.housing, &march("department"))
        .await
        .unwrap();
    assert_eq!(
        mine.department.as_ref().map(|d| d.code.as_str()),
        Some("zhujian")
    );
    assert_eq!(mine.table.rows.len(), 1);
    assert_eq!(mine.table.rows[0], *row(&all, "zhujian"));
    assert_eq!(mine.table.total.rates, row(&all, "zhujian").rates);
    let mine = t.ticket_kpis(&c.market, &march("category")).await.unwrap();
    assert_eq!(
        mine.table
            .rows
            .iter()
            .map(|r| r.key.code.as_str())
            .collect::<Vec<_>>(),
        ["food"]
    );
    // The centre's direct reply (C) is not the department's.
    assert_eq!(
        fractions(&mine.table.rows[0]),
        ["0/1", "2/2", "0/1", "1/2", "0/1", "1/2", "0/1"]
    );

    // The agent, an observer (statistics, not the centre), an applicant and another county's
    // manager are refused.
    assert_forbidden(
        t.ticket_kpis(&c.agent, &march("department")).await,
        "诉求办理考核指标",
    );
    let observer = t
        .staff("hy.obs", Role::Observer, HANYIN, Some("shichang"))
        .await;
    assert_forbidden(
        t.ticket_kpis(&observer, &march("department")).await,
        "诉求办理考核指标",
    );
    let someone = t.applicant("610921199001010012", "赵六").await;
    assert_forbidden(
        t.ticket_kpis(&someone, &march("department")).await,
        "工作人员",
    );
    let mut elsewhere = march("department");
    elsewhere.jurisdiction = "xunyang".into();
    assert_forbidden(
        t.ticket_kpis(&c.manager, &elsewhere).await,
        "诉求办理考核指标",
    );

    // Bad input names its field.
    let mut bad = march("week");
    assert_invalid(
        t.ticket_kpis(&c.manager, &bad).await,
        "by",
        "部门、诉求分类",
    );
    bad.by = None;
    bad.from = Some("2025-13-01".into());
    assert_invalid(t.ticket_kpis(&c.manager, &bad).await, "from", "YYYY-MM-DD");
    bad.from = Some("2025-03-01".into());
    bad.to = Some("2025-04-01".into());
    assert_invalid(t.ticket_kpis(&c.manager, &bad).await, "to", "不能晚于今天");
    bad.to = Some("2025-03-31\u{7}".into());
    assert_invalid(t.ticket_kpis(&c.manager, &bad).await, "to", "");
}
