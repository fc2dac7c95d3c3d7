//! Satisfaction ratings (好差评) through the use cases, on both databases: the applicant rates a
//! case online only once its result is out and once per channel, a window visit through a one-time
//! link; the rater's identity reaches the rating administrator alone, never the staff or the event
//! chain; a bad rating opens its rectification task with dues counted on the working-day calendar
//! (over the National Day holiday) and the jurisdiction's settings; a named rating closes only by
//! the callback; an appeal is decided by the rating administrator alone, and an upheld one keeps
//! the rating on record but leaves the rates. A closed requests-centre ticket is rated once by its
//! caller (the applicant who filed it, or with its query code), never before it is closed or by
//! someone else, and a bad rating runs the same loop for the department that handled it.

mod common;

use common::*;
use yiyin_app::Principal;
use yiyin_app::ratings::{RateInput, RatingQuery, TaskInput};
use yiyin_app::tickets::TicketInput;
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::ratings::{Level, RatingChannel, Settings, Subject, TaskState};
use yiyin_domain::roles::Role;
use yiyin_domain::tickets::TicketState;
use yiyin_store::cases::CaseRecord;
use yiyin_store::ratings::RatingRecord;
use yiyin_testkit::date;

on_both!(crate::common::run;
    an_online_rating_comes_after_the_result_once_per_channel,
    the_raters_identity_reaches_the_rating_administrator_alone,
    a_bad_rating_opens_its_task_with_working_day_dues,
    a_named_bad_rating_closes_only_by_the_callback,
    an_appeal_is_decided_by_the_rating_administrator_and_an_upheld_one_leaves_the_rates,
    a_closed_ticket_is_rated_once_by_its_caller,
    a_bad_ticket_rating_runs_the_loop_for_the_handling_department,
);

/// An applicant's account for 王芳n.
async fn applicant(w: &World, n: u32) -> Principal {
    let p = person(n);
    w.t.applicant(p.id_number.as_str(), &p.name).await
}

/// HY-WG-001 filed online by `who` on `day` and left at receipt.
async fn filed_online(w: &World, who: &Principal, day: &str) -> CaseRecord {
    w.set_today(day);
    let online = submission("HY-WG-001", None, &["M1"], IntakeOutcome::Receive);
    w.t.receive(who, online).await.unwrap().record
}

/// The same, accepted and approved on `day`.
async fn decided_online(w: &World, who: &Principal, day: &str) -> CaseRecord {
    let c = filed_online(w, who, day).await;
    w.act(c.id, Action::Accept, day).await;
    w.act(c.id, approve(), day).await
}

fn good() -> RateInput {
    RateInput {
        level: "满意".into(),
        indicators: vec!["efficient".into(), "服务态度好".into()],
        comment: "办事很快".into(),
        ..RateInput::default()
    }
}

fn bad(named: bool) -> RateInput {
    RateInput {
        level: "dissatisfied".into(),
        indicators: vec!["多次跑".into()],
        comment: "跑了三次".into(),
        named,
        ..RateInput::default()
    }
}

async fn rating_admin(w: &World) -> Principal {
    w.t.staff("hy.rating", Role::RatingAdmin, HANYIN, None)
        .await
}

fn desk() -> RatingQuery {
    RatingQuery {
        jurisdiction: HANYIN.into(),
        ..RatingQuery::default()
    }
}

fn act(action: &str, text: &str) -> TaskInput {
    TaskInput {
        action: action.into(),
        text: text.into(),
        ..TaskInput::default()
    }
}

/// `who` acts on the task of rating `id` on `day`.
async fn on_task(
    w: &World,
    who: &Principal,
    id: i64,
    input: TaskInput,
    day: &str,
) -> Result<RatingRecord, yiyin_app::AppError> {
    w.set_today(day);
    w.t.act_on_rating(who, id, &input).await
}

async fn an_online_rating_comes_after_the_result_once_per_channel(w: World) {
    let wang = applicant(&w, 1).await;
    let stranger = applicant(&w, 2).await;
    let c = filed_online(&w, &wang, "2025-03-03").await;
    // Before the result: refused by the rule, and nothing kept.
    refused_saying(w.t.rate_online(&wang, c.id, &good()).await, &["一事一评"]);
    assert!(w.t.online_rating(&wang, c.id).await.unwrap().is_none());
    w.act(c.id, Action::Accept, "2025-03-03").await;
    w.act(c.id, approve(), "2025-03-04").await;
    // Someone else's case, or staff: refused.
    assert_forbidden(w.t.rate_online(&stranger, c.id, &good()).await, "本人");
    assert_forbidden(w.t.rate_online(&w.clerk, c.id, &good()).await, "本人");
    // Bad input changes nothing.
    let mut wrong = good();
    wrong.level = "很好".into();
    assert_invalid(
        w.t.rate_online(&wang, c.id, &wrong).await,
        "level",
        "评价等级",
    );
    let mut wrong = good();
    wrong.indicators = vec!["态度差".into()];
    refused_saying(w.t.rate_online(&wang, c.id, &wrong).await, &["不符"]);
    let mut wrong = good();
    wrong.comment = "好\u{0}".into();
    assert_invalid(
        w.t.rate_online(&wang, c.id, &wrong).await,
        "comment",
        "控制字符",
    );

    let r = w.t.rate_online(&wang, c.id, &good()).await.unwrap();
    assert_eq!(
        (r.level, r.channel, r.bad),
        (Level::Satisfied, RatingChannel::Online, false)
    );
    assert!(r.task.is_none());
    assert!(!r.named);
    let e = error_of(w.t.rate_online(&wang, c.id, &bad(true)).await);
    assert!(e.to_string().contains("已经评价过"), "{e}");

    // The window's visit is rated through its own one-time link, even on the same case.
    w.set_today("2025-03-04");
    assert_forbidden(
        w.t.open_rating_link(&w.chief, c.id, "window").await,
        "窗口工作人员",
    );
    let link =
        w.t.open_rating_link(&w.clerk, c.id, "window")
            .await
            .unwrap();
    assert!(
        link.url.ends_with(&format!("/rate/{}", link.token)),
        "{}",
        link.url
    );
    let visit = w.t.rating_visit(&link.token).await.unwrap();
    assert_eq!(visit.item_name, c.item_name);
    let r = w.t.rate_by_token(&link.token, &bad(false)).await.unwrap();
    assert_eq!(r.channel, RatingChannel::Window);
    assert_eq!(r.task.as_ref().map(|t| t.named), Some(false));
    // Used up: the same words as for an unknown token.
    let used = not_found(w.t.rate_by_token(&link.token, &good()).await);
    assert!(used.contains("无效、已使用或已过期"), "{used}");
    let unknown = not_found(w.t.rating_visit(&"0".repeat(64)).await);
    assert_eq!(unknown, used);
    // An SMS link expires after seven days.
    let sms = w.t.open_rating_link(&w.clerk, c.id, "sms").await.unwrap();
    w.set_today("2025-03-12");
    not_found(w.t.rating_visit(&sms.token).await);

    let all = w.t.ratings(&w.head, &desk()).await.unwrap();
    assert_eq!(all.len(), 2);
    w.assert_chain_intact().await;
}

async fn the_raters_identity_reaches_the_rating_administrator_alone(w: World) {
    let wang = applicant(&w, 1).await;
    let admin = rating_admin(&w).await;
    let c = decided_online(&w, &wang, "2025-03-03").await;
    let r = w.t.rate_online(&wang, c.id, &bad(true)).await.unwrap();
    assert!(r.named);
    // The rated side lists and opens it without the rater.
    let listed = w.t.ratings(&w.chief, &desk()).await.unwrap();
    assert_eq!(listed.len(), 1);
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains(&person(1).name), "{json}");
    assert!(!json.contains("13800000000"), "{json}");
    assert!(
        w.t.rating_detail(&w.chief, r.id)
            .await
            .unwrap()
            .rater
            .is_none()
    );
    assert!(
        w.t.rating_detail(&w.head, r.id)
            .await
            .unwrap()
            .rater
            .is_none()
    );
    // The rating administrator sees who rated.
    let rater =
        w.t.rating_detail(&admin, r.id)
            .await
            .unwrap()
            .rater
            .unwrap();
    assert_eq!(rater.name, person(1).name);
    assert_eq!(rater.account, Some(wang.account.id));
    // The window and another department's observer see nothing of it.
    assert_forbidden(w.t.ratings(&w.clerk, &desk()).await, "好差评");
    assert_forbidden(w.t.rating_detail(&w.reviewer, r.id).await, "好差评");
    let observer =
        w.t.staff("hy.gc", Role::Observer, HANYIN, Some("shichang"))
            .await;
    assert!(w.t.ratings(&observer, &desk()).await.unwrap().is_empty());
    assert_forbidden(w.t.rating_detail(&observer, r.id).await, "所在部门");
    // The chain records the rater as 评价人, never by name or account.
    let events = w.store.case_events(c.id).await.unwrap();
    let rating = events.iter().find(|e| e.action == "rating").unwrap();
    assert_eq!(rating.actor, "评价人");
    assert_eq!(rating.actor_account, None);
    assert!(
        !rating.reason.contains(&person(1).name),
        "{}",
        rating.reason
    );
    assert!(!rating.data.contains(&person(1).name), "{}", rating.data);
}

async fn a_bad_rating_opens_its_task_with_working_day_dues(w: World) {
    let admin = rating_admin(&w).await;
    let wang = applicant(&w, 1).await;
    let c = decided_online(&w, &wang, "2025-09-29").await;
    // Rated on Tuesday 30 September, the eve of 国庆节、中秋节 (1–8 October off, Saturday 11 October
    // worked): contact by 9 October, rectify within 15 working days, by 28 October.
    w.set_today("2025-09-30");
    let r = w.t.rate_online(&wang, c.id, &bad(true)).await.unwrap();
    let t = r.task.unwrap();
    assert_eq!(t.contact_due, Some(date("2025-10-09")));
    assert_eq!(t.rectify_due, date("2025-10-28"));
    assert_eq!(r.task_state, Some(TaskState::Open));
    let events = w.store.case_events(c.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "rating" && e.reason.contains("2025-10-28")),
        "{events:?}"
    );
    // Overdue on the desk the day after each due date.
    w.set_today("2025-10-10");
    let v = &w.t.ratings(&w.chief, &desk()).await.unwrap()[0];
    assert!(v.contact_overdue && !v.rectify_overdue);

    // The jurisdiction's own deadlines: the rating administrator alone sets them, checked.
    let s = Settings {
        contact_days: 2,
        rectify_days: 5,
    };
    assert_forbidden(
        w.t.set_rating_settings(&w.head, HANYIN, s).await,
        "管理好差评",
    );
    let wrong = Settings {
        contact_days: 6,
        rectify_days: 5,
    };
    refused_saying(
        w.t.set_rating_settings(&admin, HANYIN, wrong).await,
        &["联系时限"],
    );
    w.t.set_rating_settings(&admin, HANYIN, s).await.unwrap();
    assert_eq!(w.t.rating_settings(HANYIN).await.unwrap(), s);
    let li = applicant(&w, 2).await;
    let c2 = decided_online(&w, &li, "2025-09-29").await;
    w.set_today("2025-09-30");
    let t =
        w.t.rate_online(&li, c2.id, &bad(false))
            .await
            .unwrap()
            .task
            .unwrap();
    assert_eq!(t.contact_due, None, "anonymous: nobody to contact");
    assert_eq!(t.rectify_due, date("2025-10-14"));
    // A good rating opens nothing.
    let zhao = applicant(&w, 3).await;
    let c3 = decided_online(&w, &zhao, "2025-09-30").await;
    let r = w.t.rate_online(&zhao, c3.id, &good()).await.unwrap();
    assert!(r.task.is_none() && r.task_state.is_none());
}

async fn a_named_bad_rating_closes_only_by_the_callback(w: World) {
    let wang = applicant(&w, 1).await;
    let c = decided_online(&w, &wang, "2025-03-03").await;
    let id = w.t.rate_online(&wang, c.id, &bad(true)).await.unwrap().id;
    let mut rectify = act("rectify", "已调整窗口排班，一次性告知清单上墙");
    rectify.outcome = "立行立改".into();
    // Before the contact: refused by the rule.
    refused_saying(
        on_task(&w, &w.chief, id, rectify.clone(), "2025-03-04").await,
        &["先联系评价人"],
    );
    // The window (the rated staff) cannot act on it.
    assert_forbidden(
        on_task(&w, &w.clerk, id, act("contact", "x"), "2025-03-04").await,
        "无权办理",
    );
    assert_invalid(
        on_task(&w, &w.chief, id, act("reopen", "x"), "2025-03-04").await,
        "action",
        "操作应为",
    );
    let r = on_task(
        &w,
        &w.chief,
        id,
        act("contact", "已电话联系核实"),
        "2025-03-04",
    )
    .await
    .unwrap();
    assert!(r.task.unwrap().contacted_on.is_some());
    let r = on_task(&w, &w.chief, id, rectify, "2025-03-05")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::AwaitingCallback));
    // Rectified but not called back: not yet counted as rectified.
    let (from, to) = (date("2025-01-01"), date("2025-12-31"));
    let rates = w.t.rating_rates(HANYIN, from, to).await.unwrap();
    assert_eq!((rates.total.bad, rates.total.rectified), (1, 0));
    let mut callback = act("callback", "评价人认可整改");
    callback.view = "满意".into();
    let r = on_task(&w, &w.chief, id, callback.clone(), "2025-03-06")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::Closed));
    refused_saying(
        on_task(&w, &w.chief, id, callback, "2025-03-07").await,
        &["已办结"],
    );
    let rates = w.t.rating_rates(HANYIN, from, to).await.unwrap();
    assert_eq!((rates.total.bad, rates.total.rectified), (1, 1));
    assert_eq!(rates.total.rectify_rate, Some(1.0));
    assert_eq!(rates.departments[0].department, "wenguang");
    // Published with the rater's name masked.
    let published = w.t.published_rectifications(HANYIN).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].rater, "王**");
    let steps = w.t.rating_detail(&w.chief, id).await.unwrap().steps;
    let actions: Vec<_> = steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["contact", "rectify", "callback"]);
    // The bureau's statistics carry the same figures: by department and in total.
    let q = yiyin_app::statistics::StatisticsQuery {
        jurisdiction: HANYIN.into(),
        from: Some("2025-03-01".into()),
        to: Some("2025-03-06".into()),
        by: Some("department".into()),
    };
    let table = w.t.statistics(&w.head, &q).await.unwrap().table;
    let row = table
        .rows
        .iter()
        .find(|r| r.key.code == "wenguang")
        .expect("文广");
    let figures = row.ratings.expect("rated");
    assert_eq!((figures.good.numerator, figures.good.denominator), (0, 1));
    let rectified = (figures.rectified.numerator, figures.rectified.denominator);
    assert_eq!(rectified, (1, 1));
    assert_eq!(table.total.ratings, row.ratings);
    w.assert_chain_intact().await;
}

async fn an_appeal_is_decided_by_the_rating_administrator_and_an_upheld_one_leaves_the_rates(
    w: World,
) {
    let admin = rating_admin(&w).await;
    let jj =
        w.t.staff("hy.jj", Role::DisciplineSupervisor, HANYIN, None)
            .await;
    let (wang, li) = (applicant(&w, 1).await, applicant(&w, 2).await);
    let c1 = decided_online(&w, &wang, "2025-03-03").await;
    let c2 = decided_online(&w, &li, "2025-03-03").await;
    let upheld = w.t.rate_online(&wang, c1.id, &bad(false)).await.unwrap();
    let rejected = w.t.rate_online(&li, c2.id, &bad(false)).await.unwrap();
    let (from, to) = (date("2025-03-01"), date("2025-03-31"));
    assert_eq!(
        w.t.rating_rates(HANYIN, from, to).await.unwrap().total.bad,
        2
    );

    let appeal = act("appeal", "该差评反映的问题属于其他部门");
    // The rating administrator does not appeal for the rated side.
    assert_forbidden(
        on_task(&w, &admin, upheld.id, appeal.clone(), "2025-03-04").await,
        "申诉",
    );
    on_task(&w, &w.chief, upheld.id, appeal.clone(), "2025-03-04")
        .await
        .unwrap();
    on_task(&w, &w.chief, rejected.id, appeal.clone(), "2025-03-04")
        .await
        .unwrap();
    refused_saying(
        on_task(&w, &w.chief, upheld.id, appeal, "2025-03-04").await,
        &["申诉复核中"],
    );
    // Only the rating administrator decides: not the rated chief, the head or the discipline
    // supervisor.
    let mut uphold = act("decide_appeal", "经核实不属于被评价部门");
    uphold.uphold = true;
    for who in [&w.chief, &w.head, &jj] {
        assert_forbidden(
            on_task(&w, who, upheld.id, uphold.clone(), "2025-03-05").await,
            "好差评管理员",
        );
    }
    let r = on_task(&w, &admin, upheld.id, uphold, "2025-03-05")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::Excluded));
    let no = act("decide_appeal", "问题属实，应当整改");
    let r = on_task(&w, &admin, rejected.id, no, "2025-03-05")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::Open));

    // The upheld rating stays on record, unchanged, but leaves the rates.
    let kept =
        w.t.rating_detail(&admin, upheld.id)
            .await
            .unwrap()
            .view
            .rating;
    assert_eq!(
        (kept.level, &kept.indicators, &kept.comment),
        (upheld.level, &upheld.indicators, &upheld.comment)
    );
    assert_eq!(w.t.ratings(&w.chief, &desk()).await.unwrap().len(), 2);
    // The desk reads a page at a time: newest first, the count, the next page's cursor.
    let one = RatingQuery {
        limit: Some(1),
        ..desk()
    };
    let first = w.t.rating_page(&w.chief, &one).await.unwrap();
    assert_eq!((first.items.len(), first.count), (1, 2));
    let second =
        w.t.rating_page(
            &w.chief,
            &RatingQuery {
                after: first.next.clone(),
                ..one.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (second.items.len(), second.count, second.next),
        (1, 2, None)
    );
    assert_ne!(second.items[0].rating.id, first.items[0].rating.id);
    let bad = RatingQuery {
        after: Some("x".into()),
        ..desk()
    };
    assert_invalid(
        w.t.rating_page(&w.chief, &bad).await,
        "after",
        "翻页位置无效",
    );
    let too_many = RatingQuery {
        limit: Some(501),
        ..desk()
    };
    assert_invalid(
        w.t.rating_page(&w.chief, &too_many).await,
        "limit",
        "1 至 500",
    );
    let rates = w.t.rating_rates(HANYIN, from, to).await.unwrap();
    assert_eq!((rates.total.total, rates.total.bad), (1, 1));
    assert_eq!(rates.total.good_rate, Some(0.0));
    w.assert_chain_intact().await;
}

/// A complaint about food (the market regulator's category) filed on the portal by `who`, run
/// through the loop (dispatched, signed, replied, called back satisfied) to closed, on 03-03 to
/// 03-05. Returns its id, number and query code; `close: false` stops it at the reply.
async fn ticket_run(
    w: &World,
    who: &Principal,
    (agent, market): (&Principal, &Principal),
    close: bool,
) -> (i64, String, String) {
    w.set_today("2025-03-03");
    let input = TicketInput {
        jurisdiction: HANYIN.into(),
        ticket_type: "投诉".into(),
        category: "food".into(),
        content: "超市出售过期酸奶".into(),
        location: "城关镇东街12号".into(),
        caller_phone: Some("13800001111".into()),
        ..TicketInput::default()
    };
    let r = w.t.register_ticket(who, &input).await.unwrap();
    let id = r.ticket.id;
    w.t.dispatch_ticket(agent, id, None).await.unwrap();
    w.t.sign_ticket(market, id).await.unwrap();
    w.set_today("2025-03-04");
    w.t.reply_ticket(market, id, "已责令下架").await.unwrap();
    if close {
        w.set_today("2025-03-05");
        let v = w.t.callback_ticket(agent, id, "满意", "").await.unwrap();
        assert_eq!(v.state, TicketState::Closed);
    }
    (id, r.ticket.number, r.query_code)
}

async fn ticket_handler(w: &World, login: &str, department: &str) -> Principal {
    w.t.staff(login, Role::TicketHandler, HANYIN, Some(department))
        .await
}

async fn a_closed_ticket_is_rated_once_by_its_caller(w: World) {
    let wang = applicant(&w, 1).await;
    let stranger = applicant(&w, 2).await;
    let market = ticket_handler(&w, "hy.sc", "shichang").await;
    let agent =
        w.t.staff("hy.centre", Role::CentreAgent, HANYIN, None)
            .await;
    let (id, number, code) = ticket_run(&w, &wang, (&agent, &market), false).await;
    // Replied but not yet called back: refused by the rule, and nothing kept.
    refused_saying(
        w.t.rate_ticket(&wang, id, &good()).await,
        &["尚未办结", "一事一评", "国办发〔2019〕51号"],
    );
    refused_saying(
        w.t.rate_ticket_by_code(&number, &code, &good()).await,
        &["尚未办结"],
    );
    assert!(w.t.ticket_rating(&wang, id).await.unwrap().is_none());
    w.set_today("2025-03-05");
    w.t.callback_ticket(&agent, id, "满意", "").await.unwrap();

    // Another applicant, staff, or a wrong query code: refused, nothing kept.
    assert_forbidden(w.t.rate_ticket(&stranger, id, &good()).await, "本人");
    assert_forbidden(w.t.rate_ticket(&market, id, &good()).await, "本人");
    assert_forbidden(w.t.ticket_rating(&stranger, id).await, "本人");
    assert_error(
        w.t.rate_ticket_by_code(&number, "WRONG1", &good()).await,
        "not_found",
        "查询码",
    );
    assert_error(
        w.t.rate_ticket_by_code(&number, "", &good()).await,
        "not_found",
        "查询码",
    );
    // Bad input changes nothing.
    let mut wrong = good();
    wrong.level = "很好".into();
    assert_invalid(
        w.t.rate_ticket(&wang, id, &wrong).await,
        "level",
        "评价等级",
    );
    assert!(w.t.ticket_rating(&wang, id).await.unwrap().is_none());

    let r = w.t.rate_ticket(&wang, id, &good()).await.unwrap();
    assert_eq!(r.subject, Subject::Ticket);
    assert_eq!((r.ticket_id, r.case_id), (Some(id), None));
    assert_eq!(r.case_number, number);
    assert_eq!(r.department, "shichang");
    assert_eq!(r.channel, RatingChannel::Online);
    assert!(r.task.is_none() && !r.bad);
    // One rating per ticket online, whichever way it comes.
    assert_error(
        w.t.rate_ticket(&wang, id, &bad(false)).await,
        "conflict",
        "已经评价过",
    );
    assert_error(
        w.t.rate_ticket_by_code(&number, &code, &bad(false)).await,
        "conflict",
        "已经评价过",
    );
    let kept = w.t.ticket_rating(&wang, id).await.unwrap().unwrap();
    assert_eq!(kept.level, Level::Satisfied);
    assert_eq!(
        w.t.tracked_ticket_rating(&number, &code)
            .await
            .unwrap()
            .map(|r| r.id),
        Some(r.id)
    );
    // It counts in the department's rates, beside the cases'.
    let rates =
        w.t.rating_rates(HANYIN, date("2025-03-01"), date("2025-03-31"))
            .await
            .unwrap();
    let sc = rates
        .departments
        .iter()
        .find(|d| d.department == "shichang")
        .expect("市场监管局");
    assert_eq!((sc.rates.good, sc.rates.bad), (1, 0));
    assert_eq!(w.t.logged("rating").await, 1);
    w.assert_chain_intact().await;
}

async fn a_bad_ticket_rating_runs_the_loop_for_the_handling_department(w: World) {
    let admin = rating_admin(&w).await;
    let wang = applicant(&w, 1).await;
    let li = applicant(&w, 2).await;
    let market = ticket_handler(&w, "hy.sc", "shichang").await;
    let housing = ticket_handler(&w, "hy.zj", "zhujian").await;
    let agent =
        w.t.staff("hy.centre", Role::CentreAgent, HANYIN, None)
            .await;
    let (named_id, _, _) = ticket_run(&w, &wang, (&agent, &market), true).await;
    let (anon_id, number, code) = ticket_run(&w, &li, (&agent, &market), true).await;

    // The applicant's named bad rating, and an anonymous one with the query code.
    w.set_today("2025-03-05");
    let named = w.t.rate_ticket(&wang, named_id, &bad(true)).await.unwrap();
    let anon =
        w.t.rate_ticket_by_code(&number, &code, &bad(false))
            .await
            .unwrap();
    assert_eq!(anon.ticket_id, Some(anon_id));
    for r in [&named, &anon] {
        assert_eq!(r.subject, Subject::Ticket);
        assert_eq!(r.department, "shichang");
        assert_eq!(r.task_state, Some(TaskState::Open));
    }
    let task = named.task.clone().unwrap();
    // Wednesday 03-05: contact by Thursday, rectify within 15 working days.
    assert_eq!(task.contact_due, Some(date("2025-03-06")));
    assert_eq!(task.rectify_due, date("2025-03-26"));
    assert!(anon.task.clone().unwrap().contact_due.is_none());

    // The same desk: the handling department sees its tickets' ratings, another does not; the
    // rating administrator sees them with the cases'.
    let listed: Vec<_> = w.t.ratings(&market, &desk()).await.unwrap();
    let mut ids: Vec<_> = listed.iter().map(|v| v.rating.id).collect();
    ids.sort();
    assert_eq!(ids, [named.id, anon.id]);
    assert!(w.t.ratings(&housing, &desk()).await.unwrap().is_empty());
    assert_forbidden(w.t.rating_detail(&housing, named.id).await, "不属于");
    assert_eq!(w.t.ratings(&admin, &desk()).await.unwrap().len(), 2);
    // Only the rater's identity stays with the rating administrator.
    assert!(
        w.t.rating_detail(&market, named.id)
            .await
            .unwrap()
            .rater
            .is_none()
    );
    let rater =
        w.t.rating_detail(&admin, named.id)
            .await
            .unwrap()
            .rater
            .unwrap();
    assert_eq!(rater.account, Some(wang.account.id));

    // Another department, or the case rectifiers, may not act on it.
    assert_forbidden(
        on_task(&w, &housing, named.id, act("contact", "x"), "2025-03-06").await,
        "承办",
    );
    assert_forbidden(
        on_task(&w, &w.chief, named.id, act("contact", "x"), "2025-03-06").await,
        "承办",
    );
    // The named rating: contact, rectify, callback, as for a case.
    let mut rectify = act("rectify", "已约谈超市负责人并复查");
    rectify.outcome = "限期整改".into();
    refused_saying(
        on_task(&w, &market, named.id, rectify.clone(), "2025-03-06").await,
        &["先联系评价人"],
    );
    on_task(
        &w,
        &market,
        named.id,
        act("contact", "已电话核实"),
        "2025-03-06",
    )
    .await
    .unwrap();
    let r = on_task(&w, &market, named.id, rectify, "2025-03-07")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::AwaitingCallback));
    let mut callback = act("callback", "认可整改");
    callback.view = "满意".into();
    let r = on_task(&w, &admin, named.id, callback, "2025-03-10")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::Closed));
    let steps = w.t.rating_detail(&market, named.id).await.unwrap().steps;
    let actions: Vec<_> = steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["contact", "rectify", "callback"]);

    // The anonymous one: appealed by the department, decided by the rating administrator alone.
    let appeal = act("appeal", "过期商品系他人调包，非本部门执法问题");
    on_task(&w, &market, anon.id, appeal, "2025-03-06")
        .await
        .unwrap();
    let mut uphold = act("decide_appeal", "经核实差评不属实");
    uphold.uphold = true;
    assert_forbidden(
        on_task(&w, &market, anon.id, uphold.clone(), "2025-03-07").await,
        "好差评管理员",
    );
    let r = on_task(&w, &admin, anon.id, uphold, "2025-03-07")
        .await
        .unwrap();
    assert_eq!(r.task_state, Some(TaskState::Excluded));

    // The rates: one bad rating counted (the upheld appeal left out), rectified.
    let rates =
        w.t.rating_rates(HANYIN, date("2025-03-01"), date("2025-03-31"))
            .await
            .unwrap();
    assert_eq!(
        (rates.total.total, rates.total.bad, rates.total.rectified),
        (1, 1, 1)
    );
    assert_eq!(rates.departments[0].department, "shichang");
    let published = w.t.published_rectifications(HANYIN).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].department, "汉阴县市场监督管理局");
    assert_eq!(published[0].item_name, "食品安全");
    assert_eq!(w.t.logged("rating_callback").await, 1);
    w.assert_chain_intact().await;
}
