//! The bureau's statistics (政务服务统计) through the use case, on both databases: known cases of
//! March 2025 give exact figures by department, item, window and staff member; the figures
//! recomputed from the event log alone are the same as the statistics summary's, for every grouping
//! and periods that cut the cases' lives in every way, and again after a rebuild (and a row
//! changed behind Yiyin's back shows only after a rebuild, the log still telling the truth);
//! an observer sees only its department; the roles without the duty are refused before the input
//! is read; bad dates and groupings are refused in Chinese; SQLite and PostgreSQL give identical
//! tables; the exports carry the same figures. A calendar year loaded again (corrected) brings
//! the summary to the recomputed figures in its own transaction; case writes racing a rebuild
//! succeed and are counted.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use yiyin_app::Principal;
use yiyin_app::statistics::{Statistics, StatisticsQuery, to_csv, to_xlsx};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::roles::Role;
use yiyin_domain::statistics::{Counts, Fraction, Grouping, Row};
use yiyin_store::Backend;
use yiyin_testkit::{at, date};

on_both!(crate::common::run;
    known_cases_give_exact_figures,
    the_event_log_gives_the_same_figures,
    the_summary_gives_the_recomputed_figures,
    generated_cases_give_the_recomputed_figures,
    an_observer_sees_only_its_department,
    roles_without_the_duty_are_refused_before_the_input,
    bad_periods_and_groupings_are_refused_in_chinese,
    a_corrected_calendar_year_recomputes_the_summary_at_once,
    case_writes_racing_a_rebuild_are_kept,
);

fn march(by: &str) -> StatisticsQuery {
    StatisticsQuery {
        jurisdiction: HANYIN.into(),
        from: Some("2025-03-01".into()),
        to: Some("2025-03-31".into()),
        by: Some(by.into()),
    }
}

/// The figures from `from` to `to` by `by`.
fn period(from: &str, to: &str, by: &str) -> StatisticsQuery {
    StatisticsQuery {
        from: Some(from.into()),
        to: Some(to.into()),
        ..march(by)
    }
}

/// The summary's table for `q` as `who` reads it, asserted equal to the recomputation from the
/// event log.
async fn recomputed(w: &World, who: &Principal, q: &StatisticsQuery) -> Statistics {
    let summed = w.statistics(who, q).await.unwrap();
    let log = w.statistics_from_events(who, q).await.unwrap();
    assert_eq!(summed, log, "{q:?}");
    summed
}

/// March 2025 at 汉阴: HY-SC-001 (市场监管, promised 10 of 20 working days) and HY-WG-001 (文广,
/// promised 5 of 20):
/// - A, B, C food accepted Monday 03-03 (promised due 03-17): A approved 03-05 (提前), B denied
///   on 03-17 (按时), C approved 03-18 (超期, and a yellow card);
/// - D food refused at the window 03-05; E food accepted 03-05 and withdrawn 03-06;
/// - F entertainment accepted 03-03 (promised due 03-10) and left open: open overdue, yellow card;
/// - G food only received 03-20, deemed accepted when its window passed (Art. 32(4)), open.
///
/// The monitoring sweeps on 03-31: besides the two yellow cards, A's certificate (due 03-19) was
/// not issued: a red card.
async fn march_cases(w: &World) {
    let open = |n| w.receive_food(org(n), IntakeOutcome::Accept, "2025-03-03");
    let (a, b, c) = (open(1).await, open(2).await, open(3).await);
    for id in [a.id, b.id, c.id] {
        w.act(id, review(), "2025-03-04").await;
    }
    let due = a
        .clock(&w.calendar(), date("2025-03-03"))
        .unwrap()
        .promised_due
        .unwrap();
    assert_eq!(fmt_date(due), "2025-03-17");
    w.act(a.id, approve(), "2025-03-05").await;
    w.act(b.id, deny("不符合食品经营条件"), "2025-03-17").await;
    w.act(c.id, approve(), "2025-03-18").await;
    let refuse = IntakeOutcome::Refuse {
        reason: "申请事项依法不属于本行政机关职权范围".into(),
        redirect_to: Some("县卫生健康局".into()),
    };
    w.receive_food(org(4), refuse, "2025-03-05").await;
    let e = w
        .receive_food(org(5), IntakeOutcome::Accept, "2025-03-05")
        .await;
    let withdraw = Action::Withdraw {
        reason: "申请人申请撤回".into(),
    };
    w.act(e.id, withdraw, "2025-03-06").await;
    w.receive_green(org(6), IntakeOutcome::Accept, "2025-03-03")
        .await;
    w.receive_food(org(7), IntakeOutcome::Receive, "2025-03-20")
        .await;
    w.set_today("2025-03-31");
    assert_eq!(w.sweep_cards(at("2025-03-31")).await.unwrap(), 3);
}

fn row<'a>(s: &'a Statistics, code: &str) -> &'a Row {
    s.table
        .rows
        .iter()
        .find(|r| r.key.code == code)
        .unwrap_or_else(|| panic!("no row {code} in {:?}", s.table.rows))
}

/// received, accepted, refused, decided, approved, denied, withdrawn.
fn flows(c: &Counts) -> [u64; 7] {
    [
        c.received,
        c.accepted,
        c.refused,
        c.decided,
        c.approved,
        c.denied,
        c.withdrawn,
    ]
}

/// instant, early, on time, late, open, open overdue; cards promised, statutory, certificate.
fn classes(c: &Counts) -> [u64; 9] {
    [
        c.instant,
        c.early,
        c.on_time,
        c.late,
        c.open,
        c.open_overdue,
        c.cards_promised,
        c.cards_statutory,
        c.cards_certificate,
    ]
}

async fn known_cases_give_exact_figures(w: World) {
    march_cases(&w).await;
    let s = w.statistics(&w.head, &march("department")).await.unwrap();
    assert_eq!(s.table.grouping, Grouping::Department);
    assert_eq!(s.table.rows.len(), 2);
    assert!(s.departments.is_empty());

    let sc = &row(&s, "shichang").counts;
    assert_eq!(flows(sc), [6, 5, 1, 3, 2, 1, 1]);
    assert_eq!(classes(sc), [0, 1, 1, 1, 1, 0, 1, 0, 1]);
    // A 2, B 10, C 11 working days from acceptance to decision.
    assert_eq!(sc.average_working_days(), Fraction::new(23, 3));
    assert_eq!(sc.average_working_days().decimal(), "7.7");
    assert_eq!(sc.on_time_rate().percent(), "66.7%");
    assert_eq!(sc.on_time_rate_with_open().percent(), "66.7%");
    assert_eq!(sc.compression(), Fraction::new(60, 120));

    let wg = &row(&s, "wenguang").counts;
    assert_eq!(flows(wg), [1, 1, 0, 0, 0, 0, 0]);
    assert_eq!(classes(wg), [0, 0, 0, 0, 1, 1, 1, 0, 0]);
    assert_eq!(wg.on_time_rate().percent(), "—");
    assert_eq!(wg.on_time_rate_with_open().percent(), "0.0%");
    assert_eq!(wg.compression().percent(), "75.0%");

    let total = &s.table.total.counts;
    assert_eq!(flows(total), [7, 6, 1, 3, 2, 1, 1]);
    assert_eq!(classes(total), [0, 1, 1, 1, 2, 1, 2, 0, 1]);
    assert_eq!(total.on_time_rate_with_open(), Fraction::new(2, 4));
    assert_eq!(total.compression().percent(), "53.6%");
    // The ratings are not connected yet: 「—」.
    assert_eq!(s.table.total.ratings, None);

    // By item: the same split (one item per department here); by window: all at the hall.
    let items = w.statistics(&w.head, &march("item")).await.unwrap();
    assert_eq!(flows(&row(&items, "HY-SC-001").counts), flows(sc));
    assert_eq!(row(&items, "HY-SC-001").key.name, "食品经营许可");
    let windows = w.statistics(&w.head, &march("窗口")).await.unwrap();
    assert_eq!(windows.table.rows.len(), 1);
    assert_eq!(windows.table.rows[0].counts, *total);
    assert!(!windows.table.rows[0].key.name.is_empty());

    // By staff member: the clerk received every case, the reviewer acted on A, B and C, the
    // section chief decided them; the total counts each case once.
    let staff = w.statistics(&w.head, &march("staff")).await.unwrap();
    let clerk = row(&staff, "hy.clerk");
    assert_eq!(clerk.counts.received, 7);
    assert!(clerk.key.name.contains("hy.clerk"), "{}", clerk.key.name);
    assert_eq!(flows(&row(&staff, "hy.reviewer").counts)[..4], [3, 3, 0, 3]);
    assert_eq!(row(&staff, "hy.chief").counts.decided, 3);
    assert_eq!(staff.table.total.counts, *total);

    // A shorter period: only the first week (A decided, nothing else yet).
    let week = StatisticsQuery {
        to: Some("2025-03-07".into()),
        ..march("department")
    };
    let week = w.statistics(&w.head, &week).await.unwrap();
    let t = &week.table.total.counts;
    assert_eq!(flows(t), [6, 5, 1, 1, 1, 0, 1]);
    // Open on 03-07: B, C and F (F past its promised due of 03-10? not yet).
    assert_eq!((t.open, t.open_overdue), (3, 0));
    assert_eq!(t.cards_promised + t.cards_certificate, 0);

    // The exports carry the table.
    let csv = String::from_utf8(to_csv(&s).unwrap()).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("部门编码,部门,收件,受理,不予受理,办结")
    );
    assert_eq!(csv.lines().count(), 4);
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with(",合计,7,6,1,3,2,1,1,")
    );
    let xlsx = to_xlsx(&s).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    w.assert_chain_intact().await;
}

async fn the_event_log_gives_the_same_figures(w: World) {
    march_cases(&w).await;
    for by in ["department", "item", "window", "staff"] {
        recomputed(&w, &w.head, &march(by)).await;
    }
    // And over a period that cuts the cases' lives.
    recomputed(
        &w,
        &w.head,
        &period("2025-03-05", "2025-03-17", "department"),
    )
    .await;
    // A row changed behind Yiyin's back (C's decision moved onto its due date): the summary,
    // kept as Yiyin wrote the case, still says 超期; rebuilt from the rows it says 按时, while the
    // log still says 超期.
    w.t.tamper(
        r#"UPDATE cases SET body = REPLACE(body, '"decided_on":"2025-03-18"', '"decided_on":"2025-03-17"')"#,
    )
    .await;
    let q = march("department");
    let kept = w.statistics(&w.head, &q).await.unwrap().table.total.counts;
    assert_eq!((kept.on_time, kept.late), (1, 1));
    w.rebuild_statistics().await.unwrap();
    let rows = w.statistics(&w.head, &q).await.unwrap().table.total.counts;
    let log = w
        .statistics_from_events(&w.head, &q)
        .await
        .unwrap()
        .table
        .total
        .counts;
    assert_eq!((rows.on_time, rows.late), (2, 0));
    assert_eq!((log.on_time, log.late), (1, 1));
}

/// Besides the March cases: a case suspended and resumed before its decision, one extended and
/// left open, one still suspended, one decided late in the next month, one decided across
/// February and March.
async fn mixed_cases(w: &World) {
    march_cases(w).await;
    let food = |n, on| w.receive_food(org(n), IntakeOutcome::Accept, on);
    let suspend = || Action::Suspend {
        kind: "testing".into(),
        reason: "水质检测".into(),
        expected_days: Some(10),
    };
    let january = food(20, "2025-01-02").await;
    w.act(january.id, review(), "2025-01-03").await;
    w.act(january.id, approve(), "2025-02-10").await;
    let february = w
        .receive_green(org(21), IntakeOutcome::Accept, "2025-02-24")
        .await;
    w.act(february.id, approve(), "2025-03-03").await;
    let resumed = food(22, "2025-03-03").await;
    w.act(resumed.id, review(), "2025-03-04").await;
    w.act(resumed.id, suspend(), "2025-03-06").await;
    w.act(resumed.id, Action::Resume, "2025-03-12").await;
    w.act(resumed.id, approve(), "2025-03-24").await;
    let extended = food(23, "2025-03-03").await;
    w.act(extended.id, review(), "2025-03-04").await;
    w.act(
        extended.id,
        Action::Extend {
            reason: "需补充检验".into(),
            approved_by: "head".into(),
        },
        "2025-03-07",
    )
    .await;
    let suspended = food(24, "2025-03-10").await;
    w.act(suspended.id, review(), "2025-03-11").await;
    w.act(suspended.id, suspend(), "2025-03-14").await;
    w.set_today("2025-03-31");
    assert!(w.sweep_cards(at("2025-03-31")).await.unwrap() > 0);
}

/// Periods that cut the cases' lives in every way: whole months, a single day, a span across the
/// new year, parts of months.
const PERIODS: [(&str, &str); 7] = [
    ("2025-03-01", "2025-03-31"),
    ("2025-03-05", "2025-03-17"),
    ("2025-03-10", "2025-03-10"),
    ("2024-12-01", "2025-03-31"),
    ("2025-01-01", "2025-01-31"),
    ("2025-02-01", "2025-03-15"),
    ("2024-01-01", "2025-03-30"),
];

/// The summary's table equals the recomputation from the event log for every period and
/// grouping.
async fn summary_is_recomputation(w: &World, who: &Principal) {
    for (from, to) in PERIODS {
        for by in ["department", "item", "window", "staff"] {
            recomputed(w, who, &period(from, to, by)).await;
        }
    }
}

async fn the_summary_gives_the_recomputed_figures(w: World) {
    mixed_cases(&w).await;
    let s = w.statistics(&w.head, &march("department")).await.unwrap();
    let total = s.table.total.counts;
    assert!(total.open_overdue > 0 && total.late > 0 && total.withdrawn > 0);
    assert!(total.cards_promised > 0 && total.cards_certificate > 0);
    summary_is_recomputation(&w, &w.head).await;
    let observer =
        w.t.staff("hy.gc.wu", Role::Observer, HANYIN, Some("shichang"))
            .await;
    summary_is_recomputation(&w, &observer).await;
    // Rebuilt from the cases, the summary gives the same figures again.
    assert!(w.rebuild_statistics().await.unwrap() >= 12);
    summary_is_recomputation(&w, &w.head).await;
    w.assert_chain_intact().await;
}

/// The benchmark's generator at a smoke size: its cases in the four pilot jurisdictions, their
/// events and cards, and the summary it rebuilds give the recomputed figures.
async fn generated_cases_give_the_recomputed_figures(w: World) {
    use yiyin_testkit::scale::{Scale, Staffed, fill};
    w.set_today("2025-06-30");
    let mut staffed = Vec::new();
    for j in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
        let mut accounts = Vec::new();
        for n in 0..3 {
            let p =
                w.t.staff(&format!("{j}.scale{n}"), Role::Reviewer, j, None)
                    .await;
            accounts.push((p.account.id, p.account.name.clone()));
        }
        staffed.push(Staffed {
            jurisdiction: j.into(),
            accounts,
        });
    }
    let scale = Scale {
        cases: 2000,
        from: date("2025-01-02"),
        to: date("2025-06-30"),
        seed: 7,
        batch: 500,
    };
    let made = fill(&w.t.app, &staffed, &scale).await.unwrap();
    assert_eq!(made.cases, 2000);
    assert!(made.cards > 0 && made.events > 4000);
    for (from, to) in [
        ("2025-01-01", "2025-06-30"),
        ("2025-03-01", "2025-03-31"),
        ("2025-05-20", "2025-06-12"),
        ("2025-06-30", "2025-06-30"),
    ] {
        for by in ["department", "item", "window", "staff"] {
            let summed = recomputed(&w, &w.head, &period(from, to, by)).await;
            if by == "department" && from == "2025-01-01" {
                let c = summed.table.total.counts;
                assert!(
                    c.received > 400 && c.decided > 0 && c.late > 0 && c.open > 0,
                    "{c:?}"
                );
            }
        }
    }
    w.assert_chain_intact().await;
}

async fn an_observer_sees_only_its_department(w: World) {
    march_cases(&w).await;
    let observer =
        w.t.staff("hy.obs.wg", Role::Observer, HANYIN, Some("wenguang"))
            .await;
    let s = w.statistics(&observer, &march("department")).await.unwrap();
    assert_eq!(s.departments, ["wenguang"]);
    assert_eq!(s.table.rows.len(), 1);
    assert_eq!(s.table.rows[0].key.code, "wenguang");
    assert_eq!(flows(&s.table.total.counts), [1, 1, 0, 0, 0, 0, 0]);
    // By item or staff member too: nothing of 市场监管.
    let items = w.statistics(&observer, &march("item")).await.unwrap();
    assert!(items.table.rows.iter().all(|r| r.key.code == "HY-WG-001"));
    // The discipline supervisor, the rating administrator and the centre manager see it all.
    for (login, role) in [
        ("hy.jj", Role::DisciplineSupervisor),
        ("hy.rating", Role::RatingAdmin),
        ("hy.centre", Role::CentreManager),
    ] {
        let who = w.t.staff(login, role, HANYIN, None).await;
        let s = w.statistics(&who, &march("department")).await.unwrap();
        assert_eq!(s.table.total.counts.received, 7, "{login}");
    }
}

async fn roles_without_the_duty_are_refused_before_the_input(w: World) {
    let supervisor = w.shichang_supervisor().await;
    let applicant = w.t.applicant(org(9).id_number.as_str(), "申请人").await;
    let bad = StatisticsQuery {
        from: Some("不是日期".into()),
        ..march("department")
    };
    let refused: [(&str, &Principal); 5] = [
        ("clerk", &w.clerk),
        ("reviewer", &w.reviewer),
        ("chief", &w.chief),
        ("supervisor", &supervisor),
        ("applicant", &applicant),
    ];
    for (name, who) in refused {
        for q in [march("department"), bad.clone()] {
            let e = forbidden(w.statistics(who, &q).await);
            assert!(e.contains("无权"), "{name}: {e}");
            forbidden(w.statistics_from_events(who, &q).await);
        }
    }
    // The head of 汉阴 has no duty in another jurisdiction.
    let elsewhere = StatisticsQuery {
        jurisdiction: "ziyang".into(),
        ..march("department")
    };
    forbidden(w.statistics(&w.head, &elsewhere).await);
}

async fn bad_periods_and_groupings_are_refused_in_chinese(w: World) {
    w.set_today("2025-03-31");
    for (from, to, by, field, says) in [
        (
            "2025-13-01",
            "2025-03-31",
            "item",
            "from",
            "日期格式应为 YYYY-MM-DD",
        ),
        (
            "2025-03-31",
            "2025-03-01",
            "item",
            "to",
            "结束日期 2025-03-01 早于开始日期 2025-03-31",
        ),
        ("2015-01-01", "2025-03-31", "item", "to", "统计期间过长"),
        (
            "2025-03-01",
            "2025-03-31",
            "month",
            "by",
            "统计口径应为以下之一：事项、部门、窗口、工作人员",
        ),
        ("2025-03-01\u{7}", "2025-03-31", "item", "from", ""),
        (
            "2025-03-01",
            "2025-04-01",
            "item",
            "to",
            "结束日期不能晚于今天（2025-03-31）",
        ),
    ] {
        let refused = w.statistics(&w.head, &period(from, to, by)).await;
        assert_invalid(refused, field, says);
    }
    // The public figures never go by staff member.
    assert_invalid(
        w.public_statistics(&march("staff")).await,
        "by",
        "仅供本局工作人员查看",
    );
    // Defaults: this year to today, by department.
    let s = w
        .statistics(
            &w.head,
            &StatisticsQuery {
                jurisdiction: HANYIN.into(),
                ..StatisticsQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.table.grouping, Grouping::Department);
    assert_eq!(s.table.period.label(), "2025-01-01 至 2025-03-31");
}

/// The table of the March cases on one database, as JSON.
async fn march_on(backend: Backend) -> Vec<serde_json::Value> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let kept = out.clone();
    run(backend, |w| async move {
        march_cases(&w).await;
        for by in ["department", "item", "window", "staff"] {
            let s = w.statistics(&w.head, &march(by)).await.unwrap();
            kept.lock().unwrap().push(serde_json::to_value(&s).unwrap());
        }
        let public = w.public_statistics(&march("department")).await.unwrap();
        kept.lock()
            .unwrap()
            .push(serde_json::to_value(&public).unwrap());
    })
    .await;
    out.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_give_identical_figures() {
    let sqlite = march_on(Backend::Sqlite).await;
    let postgres = march_on(Backend::Postgres).await;
    assert_eq!(sqlite.len(), 5);
    assert_eq!(sqlite, postgres);
}

/// The monthly report (政务服务月报) as a sealed PDF, on both databases with the seals made.
mod monthly_report {
    use super::*;
    use yiyin_app::reports::MONTHLY_REPORT_MADE;

    on_both!(crate::common::run_sealed;
        the_monthly_report_is_a_sealed_pdf_of_the_month,
    );

    async fn the_monthly_report_is_a_sealed_pdf_of_the_month(w: World) {
        march_cases(&w).await;
        let s = w.statistics(&w.head, &march("department")).await.unwrap();
        let (name, pdf) = w.monthly_report(&w.head, HANYIN, "2025-03").await.unwrap();
        assert_eq!(
            name,
            format!("政务服务月报_{}_2025-03.pdf", s.jurisdiction_name)
        );
        assert!(pdf.starts_with(b"%PDF-"));
        let text = yiyin_testkit::pdf_text(&pdf);
        // The heading, the period and the day it was made.
        assert!(
            text.contains("行政审批服务局政务服务月报（2025年3月）"),
            "{text}"
        );
        assert!(
            text.contains("统计期间：2025年3月1日至2025年3月31日"),
            "{text}"
        );
        assert!(text.contains("制表日期：2025年3月31日"), "{text}");
        // Each department's row carries the figures of the JSON statistics of the month.
        let sc = row(&s, "shichang");
        assert_eq!(flows(&sc.counts), [6, 5, 1, 3, 2, 1, 1]);
        assert!(
            text.contains(&format!(
                "{}：收件6，受理5，不予受理1，办结3，准予许可2，不予许可1，撤回1，即办0，提前1，按时1，超期1",
                sc.key.name
            )),
            "{text}"
        );
        assert!(text.contains("黄牌（承诺时限）1"), "{text}");
        assert!(text.contains("红牌（制证送达时限）1"), "{text}");
        let wg = row(&s, "wenguang");
        assert!(
            text.contains(&format!("{}：收件1，受理1", wg.key.name)),
            "{text}"
        );
        let total = &s.table.total.counts;
        assert_eq!(total.received, 7);
        assert!(text.contains("合计：收件7，受理6"), "{text}");
        assert!(text.contains("本月汉阴县共收件7件"), "{text}");
        // 好评率 and 差评整改率 as the table shows them.
        let cells = s.table.body();
        let total_row = cells.last().unwrap();
        let headings = s.table.headings();
        for h in ["好评率", "差评整改率"] {
            let i = headings.iter().position(|x| x == h).unwrap();
            assert!(
                text.contains(&format!("{h}{}", total_row[i].text())),
                "{h}: {text}"
            );
        }
        // Sealed with the bureau's seal: the file verifies on the public verification.
        let verdict = w.verify_bytes(&pdf).await.unwrap();
        assert!(verdict.signature_valid, "{:?}", verdict.problems);
        assert!(verdict.valid, "{:?}", verdict.problems);
        assert_eq!(
            verdict.title.as_deref(),
            Some(
                format!(
                    "{}政务服务月报（2025年3月）",
                    verdict.agency.clone().unwrap()
                )
                .as_str()
            )
        );
        assert!(verdict.seal_name.unwrap().contains("行政审批服务局"));
        // A byte changed: no longer genuine.
        let mut forged = pdf.clone();
        let at = forged.len() / 2;
        forged[at] ^= 1;
        assert!(!w.verify_bytes(&forged).await.unwrap().valid);
        assert_eq!(w.logged(MONTHLY_REPORT_MADE).await, 1);

        // An observer limited to its department, a clerk, another jurisdiction: refused.
        let observer =
            w.t.staff("hy.obs.wg", Role::Observer, HANYIN, Some("wenguang"))
                .await;
        let e = forbidden(w.monthly_report(&observer, HANYIN, "2025-03").await);
        assert!(e.contains("审批观察员"), "{e}");
        let e = forbidden(w.monthly_report(&w.clerk, HANYIN, "2025-03").await);
        assert!(e.contains("无权"), "{e}");
        forbidden(w.monthly_report(&w.clerk, HANYIN, "不是月份").await);
        forbidden(w.monthly_report(&w.head, "ziyang", "2025-03").await);
        // A month to come, or not a month: refused in Chinese, nothing recorded.
        assert_invalid(
            w.monthly_report(&w.head, HANYIN, "2025-04").await,
            "month",
            "尚未到来",
        );
        for bad in ["2025-3", "2025-13", "三月", "2025-03\u{7}"] {
            assert_invalid(w.monthly_report(&w.head, HANYIN, bad).await, "month", "");
        }
        // The discipline supervisor makes it too.
        let jj =
            w.t.staff("hy.jj", Role::DisciplineSupervisor, HANYIN, None)
                .await;
        w.monthly_report(&jj, HANYIN, "2025-02").await.unwrap();
        assert_eq!(w.logged(MONTHLY_REPORT_MADE).await, 2);
    }
}

/// 2025 loaded again with 2025-03-12 (a Wednesday) made a holiday: March's promised due dates
/// move a working day later, so C, decided 03-18, is on time, not late, and B, denied 03-17,
/// early — in the summary at once,
/// as the recomputation with the corrected calendar says, with no rebuild.
async fn a_corrected_calendar_year_recomputes_the_summary_at_once(w: World) {
    march_cases(&w).await;
    let before = w.statistics(&w.head, &march("department")).await.unwrap();
    assert_eq!(before.table.total.counts.late, 1);
    let mut year: serde_json::Value = serde_json::from_str(include_str!(
        "../../yiyin-domain/data/cn-calendar/2025.json"
    ))
    .unwrap();
    year["days"].as_array_mut().unwrap().push(serde_json::json!(
        {"name": "更正", "date": "2025-03-12", "isOffDay": true}
    ));
    let admin = w.t.staff("hy.admin", Role::SystemAdmin, HANYIN, None).await;
    w.upload_calendar(&admin, &year.to_string()).await.unwrap();
    let after = w.statistics(&w.head, &march("department")).await.unwrap();
    // C (decided 03-18) on time, B (denied 03-17) now early.
    let (b, a) = (before.table.total.counts, after.table.total.counts);
    assert_eq!((a.late, a.on_time, a.early), (0, b.on_time, b.early + 1));
    summary_is_recomputation(&w, &w.head).await;
}

/// Cases received and decided while a rebuild runs: every write succeeds (on PostgreSQL it waits
/// for the rebuild's transaction, on SQLite for the one writer), and the summary is the
/// recomputation afterwards, the rebuild's cases and the writes' all counted once.
async fn case_writes_racing_a_rebuild_are_kept(w: World) {
    mixed_cases(&w).await;
    w.set_today("2025-03-31");
    let before = w.statistics(&w.head, &march("department")).await.unwrap();
    let writes = async {
        for n in 30..36 {
            let c = w
                .receive_food(org(n), IntakeOutcome::Accept, "2025-03-24")
                .await;
            w.act(c.id, review(), "2025-03-25").await;
        }
    };
    let (rebuilt, ()) = tokio::join!(w.rebuild_statistics(), writes);
    assert!(rebuilt.unwrap() >= 12);
    w.set_today("2025-03-31");
    summary_is_recomputation(&w, &w.head).await;
    let s = recomputed(&w, &w.head, &march("department")).await;
    assert_eq!(
        s.table.total.counts.received,
        before.table.total.counts.received + 6
    );
    // And again, with the rebuild started after the writes began.
    let writes = async {
        for n in 40..44 {
            w.receive_food(org(n), IntakeOutcome::Accept, "2025-03-26")
                .await;
        }
    };
    let (rebuilt, ()) = tokio::join!(
        async {
            tokio::task::yield_now().await;
            w.rebuild_statistics().await
        },
        writes
    );
    rebuilt.unwrap();
    w.set_today("2025-03-31");
    summary_is_recomputation(&w, &w.head).await;
}
