//! The requests centre (12345 工单) through the use cases, on both databases: the closed loop of a
//! complaint (registered, dispatched, returned, arbitrated back, signed, replied, an unsatisfied
//! callback, handled again, replied, closed) on the domain's clock, each act in the unbroken chain;
//! the denials (a handler of another department, an agent deciding an extension or dispatching a
//! returned ticket, a second extension); the caller told of a granted extension; the township refusal; merging duplicates; the caller's
//! data shown only to the centre and the department holding the ticket; bad input changing nothing.

use serde_json::json;
use yiyin_app::AppError;
use yiyin_app::audit::verify_chain;
use yiyin_app::tickets::{CategoryInput, TicketInput, TicketQuery};
use yiyin_domain::tickets::TicketState;
use yiyin_testkit::TestApp;
use yiyin_testkit::errors::*;
use yiyin_testkit::on_both;
use yiyin_testkit::tickets::{HANYIN, centre};

on_both!(yiyin_testkit::app::run;
    a_complaint_runs_the_closed_loop,
    the_roles_are_kept_to_their_duties,
    line_department_work_is_never_dispatched_to_a_township,
    duplicates_are_merged_into_their_master,
    the_callers_data_is_shown_to_the_centre_and_the_department_only,
    bad_input_changes_nothing,
    urgent_tickets_are_counted_in_elapsed_hours_on_the_desks,
);

fn call(category: &str, phone: &str, location: &str) -> TicketInput {
    TicketInput {
        jurisdiction: HANYIN.into(),
        ticket_type: "投诉".into(),
        category: category.into(),
        content: "超市出售过期酸奶".into(),
        location: location.into(),
        caller_name: Some("李华".into()),
        caller_phone: Some(phone.into()),
        ..TicketInput::default()
    }
}

fn due(v: &yiyin_app::tickets::TicketView, what: &str) -> String {
    v.dues
        .iter()
        .find(|d| d.what == what)
        .unwrap_or_else(|| panic!("no {what} due in {:?}", v.dues))
        .due
        .clone()
}

async fn a_complaint_runs_the_closed_loop(t: TestApp) {
    let c = centre(&t).await;
    let r = t
        .register_ticket(&c.agent, &call("food", "13800001111", "城关镇东街12号"))
        .await
        .unwrap();
    let v = &r.ticket;
    assert!(v.number.starts_with("HY-12345-2025-"), "{}", v.number);
    assert_eq!(v.number.len(), "HY-12345-2025-000001".len());
    assert_eq!(r.query_code.len(), 6);
    assert_eq!(v.state, TicketState::PendingDispatch);
    assert_eq!(due(v, "派单"), "2025-03-04");
    let id = v.id;

    // Dispatched on Monday 03-03 to the category's department.
    let v = t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    assert_eq!(v.department.as_deref(), Some("shichang"));
    assert_eq!(v.department_name.as_deref(), Some("汉阴县市场监督管理局"));
    assert_eq!(due(&v, "签收"), "2025-03-04");
    assert_eq!(due(&v, "退单"), "2025-03-05");
    assert_eq!(due(&v, "答复"), "2025-03-17");

    // Returned on Tuesday; the manager sends it back to the same department on Wednesday.
    t.set_today("2025-03-04");
    let v = t
        .return_ticket(&c.market, id, "经核实不属于本部门职责")
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::PendingDispatch);
    assert_eq!(v.awaiting.as_deref(), Some("return"));
    let q = t.centre_queue(&c.manager, HANYIN).await.unwrap();
    assert_eq!(q.returns.iter().map(|b| b.id).collect::<Vec<_>>(), [id]);
    assert!(q.pending.iter().all(|b| b.id != id));
    t.set_today("2025-03-05");
    let v = t
        .arbitrate_return(&c.manager, id, "shichang", "")
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::Dispatched);
    assert_eq!(v.returned, 1);
    assert_eq!(due(&v, "答复"), "2025-03-19");
    assert!(v.steps.iter().any(|s| s.note.contains("退单理由不成立")));

    let v = t.sign_ticket(&c.market, id).await.unwrap();
    assert_eq!(v.state, TicketState::InProgress);
    let desk = t.department_desk(&c.market).await.unwrap();
    assert_eq!(desk.tickets.iter().map(|b| b.id).collect::<Vec<_>>(), [id]);
    assert_eq!(desk.count, 1);
    let housing = t.department_desk(&c.housing).await.unwrap();
    assert!(housing.tickets.is_empty());
    assert_eq!(housing.count, 0);

    t.set_today("2025-03-10");
    let v = t
        .reply_ticket(&c.market, id, "已责令超市下架并处罚")
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::Replied);
    assert_eq!(due(&v, "回访"), "2025-03-11");
    let q = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert_eq!(q.callbacks.iter().map(|b| b.id).collect::<Vec<_>>(), [id]);

    // Unsatisfied: handled again on a new clock of R = 10 from the callback.
    t.set_today("2025-03-11");
    assert_invalid(
        t.callback_ticket(&c.agent, id, "不满意", " ").await,
        "reason",
        "不满意的原因",
    );
    let v = t
        .callback_ticket(&c.agent, id, "不满意", "超市仍在销售")
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::InProgress);
    assert_eq!(v.rehandled, 1);
    assert_eq!(due(&v, "答复"), "2025-03-25");

    t.set_today("2025-03-20");
    t.reply_ticket(&c.market, id, "已复查，商品全部下架")
        .await
        .unwrap();
    t.set_today("2025-03-21");
    let v = t.callback_ticket(&c.agent, id, "满意", "").await.unwrap();
    assert_eq!(v.state, TicketState::Closed);
    assert_eq!(v.satisfaction.as_deref(), Some("满意"));
    assert!(!v.overdue);
    let actions: Vec<_> = v.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "dispatch",
            "return",
            "arbitrate",
            "sign",
            "reply",
            "callback",
            "reply",
            "callback"
        ]
    );
    assert_eq!(t.logged("ticket_callback").await, 2);
    let report = verify_chain(&t.store).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);

    // The public follows it with its number and query code, and nothing else.
    let p = t.track_ticket(&v.number, &r.query_code).await.unwrap();
    assert_eq!(p.state, TicketState::Closed);
    assert_eq!(p.reply.as_deref(), Some("已复查，商品全部下架"));
    assert_error(
        t.track_ticket(&v.number, "WRONG1").await,
        "not_found",
        "查询码",
    );
}

async fn the_roles_are_kept_to_their_duties(t: TestApp) {
    let c = centre(&t).await;
    let id = t
        .register_ticket(&c.agent, &call("food", "13800002222", "蒲溪镇"))
        .await
        .unwrap()
        .ticket
        .id;
    // Only the centre registers hotline calls and dispatches.
    assert_forbidden(
        t.register_ticket(&c.market, &call("food", "13800002222", "x"))
            .await,
        "受理和派发诉求工单",
    );
    assert_forbidden(t.dispatch_ticket(&c.market, id, None).await, "受理和派发");
    t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    // A handler of another department neither reads nor handles it.
    assert_forbidden(t.sign_ticket(&c.housing, id).await, "未派给您所在的部门");
    assert_forbidden(t.ticket_view(&c.housing, id).await, "无权查看");
    assert_forbidden(
        t.search_tickets(
            &c.housing,
            &TicketQuery {
                jurisdiction: HANYIN.into(),
                department: Some("shichang".into()),
                ..TicketQuery::default()
            },
        )
        .await,
        "其他部门",
    );
    t.sign_ticket(&c.market, id).await.unwrap();
    // The extension: asked by the department, decided by the manager alone, once.
    assert_forbidden(
        t.ask_ticket_extension(&c.agent, id, 5, "需要检测").await,
        "未派给您",
    );
    t.ask_ticket_extension(&c.market, id, 5, "需要送检")
        .await
        .unwrap();
    assert_forbidden(
        t.decide_ticket_extension(&c.agent, id, true, "").await,
        "管理诉求中心",
    );
    let v = t
        .decide_ticket_extension(&c.manager, id, true, "")
        .await
        .unwrap();
    assert_eq!(v.extension_days, 5);
    assert_eq!(due(&v, "答复"), "2025-03-24");
    // The caller is to be told of it: on the centre's queue until an agent records how.
    assert!(v.caller_to_tell);
    let queue = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert!(queue.to_inform.iter().any(|b| b.id == id), "{queue:?}");
    assert_forbidden(
        t.inform_ticket_caller(&c.market, id, "已告知").await,
        "受理和派发诉求工单",
    );
    assert!(matches!(
        t.inform_ticket_caller(&c.agent, id, " ").await,
        Err(AppError::Invalid { field: Some(f), message }) if f == "note" && message.contains("告知来电人的方式")
    ));
    let v = t
        .inform_ticket_caller(&c.agent, id, "已电话告知来电人延期原因和新的答复期限")
        .await
        .unwrap();
    assert!(!v.caller_to_tell);
    assert!(v.steps.iter().any(|s| s.label == "告知延期"));
    let queue = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert!(queue.to_inform.iter().all(|b| b.id != id));
    assert_eq!(
        refused(t.inform_ticket_caller(&c.agent, id, "再次告知").await).rule,
        "RC-inform"
    );
    refused_saying(
        t.ask_ticket_extension(&c.market, id, 2, "还需时间").await,
        &["只能申请一次"],
    );
    // A returned ticket is the manager's to arbitrate; the agent may not redispatch it.
    assert_forbidden(t.remind_ticket(&c.agent, id, "抓紧").await, "管理诉求中心");
    let v = t.remind_ticket(&c.manager, id, "请加快办理").await.unwrap();
    assert_eq!(v.reminders, 1);
    // Past the return limit (add(03-03, 2) = 03-05) the department may not return it.
    t.set_today("2025-03-06");
    let refusal = refused(t.return_ticket(&c.market, id, "非本部门职责").await);
    assert_eq!(refusal.rule, "RC-return");
    // An applicant neither registers for others' reading nor reads the ticket.
    let someone = t.applicant("610921199001010012", "赵六").await;
    assert_forbidden(t.ticket_view(&someone, id).await, "不是您本人");
    // A second ticket returned in time: the agent cannot dispatch it again.
    let id2 = t
        .register_ticket(&c.agent, &call("food", "13800003333", "涧池镇"))
        .await
        .unwrap()
        .ticket
        .id;
    t.dispatch_ticket(&c.agent, id2, None).await.unwrap();
    t.return_ticket(&c.market, id2, "属于住建职责")
        .await
        .unwrap();
    assert_forbidden(t.dispatch_ticket(&c.agent, id2, None).await, "负责人仲裁");
    assert_forbidden(
        t.arbitrate_return(&c.agent, id2, "zhujian", "").await,
        "管理诉求中心",
    );
    let v = t
        .arbitrate_return(&c.manager, id2, "zhujian", "")
        .await
        .unwrap();
    assert_eq!(v.department.as_deref(), Some("zhujian"));
    assert!(v.steps.iter().any(|s| s.note.contains("改派其他部门")));
}

async fn line_department_work_is_never_dispatched_to_a_township(t: TestApp) {
    let c = centre(&t).await;
    let id = t
        .register_ticket(&c.agent, &call("food", "13800004444", "城关镇"))
        .await
        .unwrap()
        .ticket
        .id;
    let r = refused_saying(
        t.dispatch_ticket(&c.agent, id, Some("chengguan")).await,
        &["食品安全", "不得派给镇"],
    );
    assert_eq!(r.rule, "RC-township");
    let v = t.ticket_view(&c.agent, id).await.unwrap();
    assert_eq!(v.state, TicketState::PendingDispatch);
    // Local work (属地职责) may go to the township.
    let mut input = call("village", "13800005555", "城关镇五一村");
    input.ticket_type = "求助".into();
    let id = t.register_ticket(&c.agent, &input).await.unwrap().ticket.id;
    let v = t
        .dispatch_ticket(&c.agent, id, Some("chengguan"))
        .await
        .unwrap();
    assert!(
        v.department_name.as_deref().unwrap().contains("人民政府"),
        "{:?}",
        v.department_name
    );
    // A new version of a category re-maps it; the old version stays.
    let saved = t
        .save_ticket_category(
            &c.manager,
            &CategoryInput {
                jurisdiction: HANYIN.into(),
                code: "village".into(),
                name: "村容村貌".into(),
                department: "zhujian".into(),
                duty: "部门职责".into(),
                active: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let history = t.ticket_category_history(&c.agent, HANYIN).await.unwrap();
    assert_eq!(history.iter().filter(|c| c.code == "village").count(), 2);
    assert_forbidden(
        t.save_ticket_category(
            &c.agent,
            &CategoryInput {
                jurisdiction: HANYIN.into(),
                code: "x".into(),
                name: "x".into(),
                department: "zhujian".into(),
                duty: "line".into(),
                active: true,
            },
        )
        .await,
        "管理诉求中心",
    );
}

async fn duplicates_are_merged_into_their_master(t: TestApp) {
    let c = centre(&t).await;
    let master = t
        .register_ticket(&c.agent, &call("food", "13800006666", "城关镇东街"))
        .await
        .unwrap()
        .ticket;
    t.set_today("2025-03-05");
    let same_caller = t
        .register_ticket(&c.agent, &call("consumer", "13800006666", "别处"))
        .await
        .unwrap()
        .ticket;
    let other = t
        .register_ticket(&c.agent, &call("consumer", "13900000000", "另一处"))
        .await
        .unwrap()
        .ticket;
    let candidates = t
        .duplicate_candidates(&c.agent, same_caller.id)
        .await
        .unwrap();
    assert_eq!(
        candidates.iter().map(|b| b.id).collect::<Vec<_>>(),
        [master.id]
    );
    let r = refused_saying(
        t.merge_ticket(&c.agent, other.id, &master.number).await,
        &["重复诉求"],
    );
    assert_eq!(r.rule, "RC-merge");
    assert!(!r.message.contains("13800006666"), "{}", r.message);
    let v = t
        .merge_ticket(&c.agent, same_caller.id, &master.number)
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::Merged);
    assert_eq!(v.master_number.as_deref(), Some(master.number.as_str()));
    let q = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert!(q.pending.iter().all(|b| b.id != same_caller.id));
    assert!(q.pending.iter().any(|b| b.id == master.id));
    // Past the window (7 calendar days) it is not a duplicate.
    t.set_today("2025-03-12");
    let late = t
        .register_ticket(&c.agent, &call("food", "13800006666", "城关镇东街"))
        .await
        .unwrap()
        .ticket;
    refused_saying(
        t.merge_ticket(&c.agent, late.id, &master.number).await,
        &["7个自然日"],
    );
}

async fn the_callers_data_is_shown_to_the_centre_and_the_department_only(t: TestApp) {
    let c = centre(&t).await;
    let applicant = t.applicant("610921199001010012", "赵六").await;
    let mut input = call("food", "13800007777", "城关镇");
    input.caller_name = None;
    let r = t.register_ticket(&applicant, &input).await.unwrap();
    let id = r.ticket.id;
    let mine = t.my_tickets(&applicant, "", None).await.unwrap();
    assert_eq!(mine.items.iter().map(|b| b.id).collect::<Vec<_>>(), [id]);
    assert_eq!((mine.count, mine.next), (1, None));
    // Newest first, a page at a time; another applicant sees none of them.
    let mut filed = vec![id];
    for (phone, place) in [("13800007778", "涧池镇"), ("13800007779", "蒲溪镇")] {
        let r = t
            .register_ticket(&applicant, &call("food", phone, place))
            .await
            .unwrap();
        filed.push(r.ticket.id);
    }
    let first = t.my_tickets(&applicant, "", Some(2)).await.unwrap();
    assert_eq!(
        first.items.iter().map(|b| b.id).collect::<Vec<_>>(),
        [filed[2], filed[1]]
    );
    assert_eq!(first.count, 3);
    let after = first.next.expect("a second page");
    let second = t.my_tickets(&applicant, &after, Some(2)).await.unwrap();
    assert_eq!(second.items.iter().map(|b| b.id).collect::<Vec<_>>(), [id]);
    assert_eq!((second.count, second.next), (3, None));
    assert!(second.items.iter().all(|b| b.light.is_none()));
    assert_invalid(
        t.my_tickets(&applicant, "x", None).await,
        "after",
        "翻页位置无效",
    );
    assert_invalid(
        t.my_tickets(&applicant, "", Some(201)).await,
        "limit",
        "1 至 200",
    );
    let other = t.applicant("11010519491231002X", "王芳").await;
    let none = t.my_tickets(&other, "", None).await.unwrap();
    assert_eq!((none.items.len(), none.count), (0, 0));
    let seen = t.ticket_view(&applicant, id).await.unwrap();
    assert!(seen.caller.is_none());
    assert!(seen.steps.iter().all(|s| s.actor.is_none()));
    let by_centre = t.ticket_view(&c.agent, id).await.unwrap();
    let caller = by_centre.caller.clone().unwrap();
    assert_eq!(caller.name.as_deref(), Some("赵六"));
    assert_eq!(caller.phone.as_deref(), Some("13800007777"));
    t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    assert!(t.ticket_view(&c.market, id).await.unwrap().caller.is_some());
    // Moved to another department: the first one no longer reads it.
    t.reassign_ticket(&c.agent, id, "zhujian", "涉及房屋质量")
        .await
        .unwrap();
    assert_forbidden(t.ticket_view(&c.market, id).await, "无权查看");
    assert!(
        t.ticket_view(&c.housing, id)
            .await
            .unwrap()
            .caller
            .is_some()
    );
    // The public view and every list carry no caller data.
    let p = t.track_ticket(&seen.number, &r.query_code).await.unwrap();
    let text = json!([p, t.centre_queue(&c.agent, HANYIN).await.unwrap()]).to_string();
    assert!(!text.contains("13800007777"), "{text}");
    // Anonymous tickets are allowed from the public form.
    let mut anon = call("food", "", "城关镇");
    anon.caller_name = None;
    anon.caller_phone = None;
    let r = t.register_public_ticket(&anon).await.unwrap();
    let v = t.ticket_view(&c.agent, r.ticket.id).await.unwrap();
    assert_eq!(
        v.caller,
        Some(yiyin_app::tickets::CallerView {
            name: None,
            phone: None
        })
    );
    assert_eq!(v.source, "public");
}

async fn bad_input_changes_nothing(t: TestApp) {
    let c = centre(&t).await;
    let mut bad = call("food", "1380000abc", "城关镇");
    assert_invalid(
        t.register_ticket(&c.agent, &bad).await,
        "caller_phone",
        "回电号码",
    );
    bad.caller_phone = None;
    assert_invalid(
        t.register_ticket(&c.agent, &bad).await,
        "caller_phone",
        "回电号码",
    );
    let mut bad = call("food", "13800008888", "城关镇");
    bad.content = "过期\u{0}酸奶".into();
    assert!(matches!(
        t.register_ticket(&c.agent, &bad).await,
        Err(AppError::Invalid { .. })
    ));
    let mut bad = call("nonexistent", "13800008888", "城关镇");
    assert_invalid(
        t.register_ticket(&c.agent, &bad).await,
        "category",
        "诉求分类",
    );
    bad.category = "food".into();
    bad.ticket_type = "催办".into();
    assert_invalid(t.register_ticket(&c.agent, &bad).await, "type", "投诉");
    let mut bad = call("food", "13800008888", "城关镇");
    bad.latitude = Some(91.0);
    bad.longitude = Some(108.0);
    assert_invalid(t.register_ticket(&c.agent, &bad).await, "latitude", "纬度");
    // An applicant may not answer directly.
    let applicant = t.applicant("610921199001010012", "赵六").await;
    let mut direct = call("food", "13800008888", "城关镇");
    direct.direct_reply = Some("已答复".into());
    assert_forbidden(t.register_ticket(&applicant, &direct).await, "直接答复");
    let q = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert!(q.pending.is_empty(), "{:?}", q.pending);
    // The agent may, and the ticket waits for the callback.
    let v = t.register_ticket(&c.agent, &direct).await.unwrap().ticket;
    assert_eq!(v.state, TicketState::Replied);
    assert_eq!(v.reply.as_deref(), Some("已答复"));
    // The matrix is data; a bad one is refused and the kept one stays.
    let mut m = t.ticket_matrix(HANYIN).await.unwrap();
    m.merge_window_days = 0;
    refused_saying(
        t.save_ticket_matrix(&c.manager, HANYIN, &m).await,
        &["并单时间窗"],
    );
    assert_eq!(t.ticket_matrix(HANYIN).await.unwrap().merge_window_days, 7);
    m.merge_window_days = 3;
    assert_forbidden(
        t.save_ticket_matrix(&c.agent, HANYIN, &m).await,
        "管理诉求中心",
    );
    t.save_ticket_matrix(&c.manager, HANYIN, &m).await.unwrap();
    assert_eq!(t.ticket_matrix(HANYIN).await.unwrap().merge_window_days, 3);
}

/// An instant given in China Standard Time (`2025-03-03 11:01`).
fn cst(text: &str) -> chrono::DateTime<chrono::Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    chrono::DateTime::from_naive_utc_and_offset(local - chrono::Duration::hours(8), chrono::Utc)
}

fn ids(list: &[yiyin_app::tickets::TicketBrief]) -> Vec<i64> {
    list.iter().map(|b| b.id).collect()
}

async fn urgent_tickets_are_counted_in_elapsed_hours_on_the_desks(t: TestApp) {
    use yiyin_domain::monitoring::CardColor;
    use yiyin_domain::tickets::{DueStep, TicketLight};
    let c = centre(&t).await;
    t.set_now(cst("2025-03-03 09:00"));
    let ordinary = t
        .register_ticket(&c.agent, &call("food", "13800001111", "城关镇东街12号"))
        .await
        .unwrap()
        .ticket;
    let urgent = t
        .register_ticket(
            &c.agent,
            &TicketInput {
                urgency: Some("紧急".into()),
                ..call("food", "13800002222", "城关镇西街3号")
            },
        )
        .await
        .unwrap()
        .ticket;
    // The urgent dispatch is due 2 elapsed hours after registration, shown with its time.
    let d = urgent.dues.iter().find(|d| d.what == "派单").unwrap();
    assert_eq!(d.due, "2025-03-03");
    assert_eq!(d.due_at.as_deref(), Some("2025-03-03 11:00"));
    assert_eq!(d.shown, "2025-03-03 11:00 前");
    assert!(d.in_hours && d.rule.contains("紧急：按小时计"), "{d:?}");
    assert_eq!(urgent.hours_hint.as_deref(), Some("紧急：按小时计"));
    // The ordinary one is unchanged: working days, no time, no hint.
    let o = ordinary.dues.iter().find(|d| d.what == "派单").unwrap();
    assert_eq!((o.due.as_str(), o.due_at.as_deref()), ("2025-03-04", None));
    assert_eq!(o.shown, "2025-03-04 前");
    assert_eq!(ordinary.hours_hint, None);
    let light = |v: &yiyin_app::tickets::TicketView| v.light.clone().unwrap();
    assert_eq!(light(&urgent).light, TicketLight::Green);

    // Half an hour before: yellow; exactly at the 2nd hour: not yet overdue.
    t.set_now(cst("2025-03-03 10:30"));
    let v = t.ticket_view(&c.agent, urgent.id).await.unwrap();
    assert_eq!(light(&v).light, TicketLight::Yellow);
    t.set_now(cst("2025-03-03 11:00"));
    let v = t.ticket_view(&c.agent, urgent.id).await.unwrap();
    assert!(!v.overdue);
    assert!(
        t.centre_queue(&c.agent, HANYIN)
            .await
            .unwrap()
            .overdue
            .is_empty()
    );

    // One minute late: overdue, red, a yellow card for the dispatch, on the centre's overdue list.
    t.set_now(cst("2025-03-03 11:01"));
    let v = t.ticket_view(&c.agent, urgent.id).await.unwrap();
    assert!(v.overdue);
    assert!(v.dues.iter().any(|d| d.what == "派单" && d.late));
    let l = light(&v);
    assert_eq!(
        (l.light, l.step),
        (TicketLight::Red, Some(DueStep::Dispatch))
    );
    assert!(l.reason.contains("2025-03-03 11:00"), "{}", l.reason);
    assert_eq!(l.card.unwrap().color, CardColor::Yellow);
    let q = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert_eq!(ids(&q.overdue), [urgent.id]);
    let late = q.overdue[0].clone();
    assert_eq!(late.next_due_shown.as_deref(), Some("2025-03-03 11:00 前"));
    assert_eq!(late.light.unwrap().light, TicketLight::Red);
    // Urgent first on the dispatch queue; the ordinary ticket is still on time and green. Each
    // list counts what it holds.
    assert_eq!(ids(&q.pending), [urgent.id, ordinary.id]);
    assert_eq!((q.counts.pending, q.counts.overdue), (2, 1));
    let o = t.ticket_view(&c.agent, ordinary.id).await.unwrap();
    assert!(!o.overdue);
    assert_eq!(light(&o).light, TicketLight::Green);
    let search = |overdue| TicketQuery {
        jurisdiction: HANYIN.into(),
        overdue: Some(overdue),
        ..TicketQuery::default()
    };
    let late = t.search_tickets(&c.agent, &search(true)).await.unwrap();
    assert_eq!((ids(&late.items), late.count), (vec![urgent.id], 1));
    // Every ticket a page at a time, oldest first, with the count.
    let first = t
        .search_tickets(
            &c.agent,
            &TicketQuery {
                limit: Some(1),
                ..search(false)
            },
        )
        .await
        .unwrap();
    assert_eq!((ids(&first.items), first.count), (vec![ordinary.id], 2));
    let next = first.next.expect("a next page");
    let last = t
        .search_tickets(
            &c.agent,
            &TicketQuery {
                after: Some(next),
                limit: Some(1),
                ..search(false)
            },
        )
        .await
        .unwrap();
    assert_eq!((ids(&last.items), last.next), (vec![urgent.id], None));

    // Dispatched late: the reply is due 24 hours after the dispatch, to the minute.
    let v = t.dispatch_ticket(&c.agent, urgent.id, None).await.unwrap();
    let reply = v.dues.iter().find(|d| d.what == "答复").unwrap();
    assert_eq!(reply.due_at.as_deref(), Some("2025-03-04 11:01"));
    let sign = v.dues.iter().find(|d| d.what == "签收").unwrap();
    assert_eq!(sign.due_at.as_deref(), Some("2025-03-03 13:01"));
    let public = t.public_ticket_by_id(urgent.id).await.unwrap();
    assert_eq!(public.reply_due.as_deref(), Some("2025-03-04"));
    assert_eq!(
        public.reply_due_at.as_deref(),
        Some("2025-03-04T11:01:00+08:00")
    );
    t.set_now(cst("2025-03-03 12:00"));
    t.sign_ticket(&c.market, urgent.id).await.unwrap();

    // The reply is not late until 11:01 the next day has passed.
    t.set_now(cst("2025-03-04 11:01"));
    let desk = t.department_desk(&c.market).await.unwrap().tickets;
    assert_eq!(ids(&desk), [urgent.id]);
    assert!(!desk[0].overdue);
    assert_eq!(desk[0].light.clone().unwrap().light, TicketLight::Yellow);
    t.set_now(cst("2025-03-04 11:02"));
    let desk = t.department_desk(&c.market).await.unwrap().tickets;
    assert!(desk[0].overdue);
    let l = desk[0].light.clone().unwrap();
    assert_eq!((l.light, l.step), (TicketLight::Red, Some(DueStep::Reply)));
    assert_eq!(l.card.unwrap().color, CardColor::Red);
    // On 03-05 the ordinary ticket's working-day dispatch due (03-04) has passed too: both are
    // overdue, the urgent one first.
    t.set_now(cst("2025-03-05 09:00"));
    let q = t.centre_queue(&c.agent, HANYIN).await.unwrap();
    assert_eq!(ids(&q.overdue), [urgent.id, ordinary.id]);
    assert_eq!(q.counts.overdue, 2);

    // Least privilege: another department's handler sees neither the ticket nor its light.
    assert_forbidden(t.ticket_view(&c.housing, urgent.id).await, "无权查看该工单");
}
