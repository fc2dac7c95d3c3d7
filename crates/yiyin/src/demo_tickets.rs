//! The demo's requests centre (12345 工单): in each pilot a handful of tickets in the states the
//! desks show — waiting for dispatch, dispatched, in progress, returned and waiting for arbitration,
//! an extension asked, replied and waiting for the callback, overdue, closed after a second round,
//! answered directly at intake, a duplicate merged and an anonymous one from the public form — all
//! through the use cases (the demo accounts `*.centre`, `*.centre.head` and `*.handler` of the
//! market department act), dated back from today on the demo clock.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use yiyin_app::tickets::TicketInput;
use yiyin_app::{App, AppError, FixedClock, Principal};
use yiyin_domain::calendar::cst;

use crate::demo_cases::{anchor, market_department, principal};

/// 09:30 on a day, China Standard Time.
fn morning(d: NaiveDate) -> DateTime<Utc> {
    cst()
        .from_local_datetime(&d.and_hms_opt(9, 30, 0).expect("valid"))
        .single()
        .expect("no DST")
        .with_timezone(&Utc)
}

/// A hotline call of the demo.
fn call(
    jurisdiction: &str,
    ty: &str,
    category: &str,
    content: &str,
    place: &str,
    phone: &str,
) -> TicketInput {
    TicketInput {
        jurisdiction: jurisdiction.into(),
        ticket_type: ty.into(),
        category: category.into(),
        content: content.into(),
        location: place.into(),
        caller_name: Some("王先生".into()),
        caller_phone: Some(phone.into()),
        ..TicketInput::default()
    }
}

struct Centre<'a> {
    app: &'a App,
    clock: &'a FixedClock,
    agent: Principal,
    head: Principal,
    handler: Principal,
    market: String,
}

impl Centre<'_> {
    /// Moves the clock to `days` calendar days before the anchor.
    fn on(&self, anchor: NaiveDate, days: i64) {
        self.clock.set(morning(anchor - Duration::days(days)));
    }

    async fn register(&self, input: &TicketInput) -> Result<i64, AppError> {
        Ok(self
            .app
            .register_ticket(&self.agent, input)
            .await?
            .ticket
            .id)
    }

    async fn dispatched(&self, input: &TicketInput) -> Result<i64, AppError> {
        let id = self.register(input).await?;
        self.app
            .dispatch_ticket(&self.agent, id, Some(&self.market))
            .await?;
        Ok(id)
    }
}

/// Creates the demo tickets; returns how many.
pub async fn load(app: &App, clock: &FixedClock, now: DateTime<Utc>) -> Result<usize, AppError> {
    let today = now.with_timezone(&cst()).date_naive();
    let anchor = anchor(&app.calendar(), today);
    let org = app.store.organisation().await?;
    let mut n = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        let code = j.code.as_str();
        let c = Centre {
            app,
            clock,
            agent: principal(app, &format!("{code}.centre")).await?,
            head: principal(app, &format!("{code}.centre.head")).await?,
            handler: principal(app, &format!("{code}.handler")).await?,
            market: market_department(code).to_string(),
        };
        let place = |p: &str| format!("{}{p}", j.name);

        // Closed after an unsatisfied callback and a second round (重办).
        c.on(anchor, 20);
        let id = c
            .dispatched(&call(
                code,
                "投诉",
                "food",
                "某超市出售过期乳制品",
                &place("城关镇人民路"),
                "13800000101",
            ))
            .await?;
        c.on(anchor, 19);
        app.sign_ticket(&c.handler, id).await?;
        c.on(anchor, 15);
        app.reply_ticket(&c.handler, id, "经现场检查，已责令下架并立案调查")
            .await?;
        c.on(anchor, 14);
        app.callback_ticket(&c.agent, id, "不满意", "超市仍在销售同批次商品")
            .await?;
        c.on(anchor, 10);
        app.reply_ticket(&c.handler, id, "已复查并查封同批次商品，处以罚款")
            .await?;
        c.on(anchor, 9);
        app.callback_ticket(&c.agent, id, "满意", "").await?;
        n += 1;

        // Overdue: dispatched weeks ago, signed, never replied; reminded by the manager.
        c.on(anchor, 25);
        let id = c
            .dispatched(&call(
                code,
                "求助",
                "consumer",
                "网购预付卡商家闭店无法退款",
                &place("商业街"),
                "13800000102",
            ))
            .await?;
        c.on(anchor, 24);
        app.sign_ticket(&c.handler, id).await?;
        c.on(anchor, 3);
        app.remind_ticket(&c.head, id, "已超过答复期限，请立即办理并答复")
            .await?;
        n += 1;

        // Returned by the department, waiting for the manager's arbitration.
        c.on(anchor, 2);
        let id = c
            .dispatched(&call(
                code,
                "投诉",
                "food",
                "小区门口流动摊贩噪声扰民",
                &place("滨河小区"),
                "13800000103",
            ))
            .await?;
        c.on(anchor, 1);
        app.return_ticket(&c.handler, id, "流动摊贩噪声属城市管理职责，不属于本部门")
            .await?;
        n += 1;

        // In progress, an extension asked.
        c.on(anchor, 6);
        let id = c
            .dispatched(&call(
                code,
                "举报",
                "food",
                "某餐馆使用过期食材",
                &place("美食街"),
                "13800000104",
            ))
            .await?;
        c.on(anchor, 5);
        app.sign_ticket(&c.handler, id).await?;
        c.on(anchor, 1);
        app.ask_ticket_extension(&c.handler, id, 5, "需送检样品，检测报告约需5个工作日")
            .await?;
        n += 1;

        // Replied, waiting for the callback.
        c.on(anchor, 4);
        let id = c
            .dispatched(&call(
                code,
                "咨询",
                "consumer",
                "个体工商户年报如何填报",
                "",
                "13800000105",
            ))
            .await?;
        app.sign_ticket(&c.handler, id).await?;
        c.on(anchor, 1);
        app.reply_ticket(&c.handler, id, "已电话告知年报填报流程和截止日期")
            .await?;
        n += 1;

        // Dispatched today, waiting for the department to sign; and its duplicate, merged.
        c.on(anchor, 0);
        let phone = "13800000106";
        let master = c
            .dispatched(&call(
                code,
                "投诉",
                "food",
                "学校周边小卖部售卖三无食品",
                &place("第一小学门口"),
                phone,
            ))
            .await?;
        let dup = c
            .register(&call(
                code,
                "投诉",
                "food",
                "再次反映学校门口小卖部三无食品",
                &place("第一小学门口"),
                phone,
            ))
            .await?;
        let number = app.ticket_view(&c.agent, master).await?.number;
        app.merge_ticket(&c.agent, dup, &number).await?;
        n += 2;

        // Waiting for dispatch, and answered directly at intake.
        c.register(&call(
            code,
            "建议",
            "environment",
            "建议在河堤增设垃圾分类投放点",
            &place("月河河堤"),
            "13800000107",
        ))
        .await?;
        let mut direct = call(
            code,
            "咨询",
            "consumer",
            "消费投诉的受理渠道有哪些",
            "",
            "13800000108",
        );
        direct.direct_reply = Some("可拨打12345或12315，也可在本平台“我要反映”提交".into());
        c.register(&direct).await?;
        n += 2;

        // An anonymous ticket from the public form.
        let mut anon = call(
            code,
            "举报",
            "food",
            "夜市烧烤摊使用地沟油",
            &place("夜市"),
            "",
        );
        anon.caller_name = None;
        anon.caller_phone = None;
        app.register_public_ticket(&anon).await?;
        n += 1;
    }
    clock.set(now.min(morning(anchor) + Duration::hours(3)));
    Ok(n)
}
