//! Demo data of the switch-over (划转), made after the supervision demo: in each pilot a transfer
//! plan approved by the county government a month before the demo's present, with two batches — the
//! market department's first items, switched to the bureau once every readiness line was green, and
//! a later batch of a resident department's items still being prepared, whose readiness shows red
//! lines (the catalog still lists them as 部门进驻) — and the market department's demo observer
//! (审批观察员) named for the transition period. Everything goes through the use cases the
//! `/work/transition` page calls, as the demo bureau head.

use chrono::{DateTime, Days, Utc};
use yiyin_app::catalog::items_as_of;
use yiyin_app::transition::{BatchRequest, ObserverRequest, PlanRequest};
use yiyin_app::{App, AppError, FixedClock};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::HandlingMode;

use crate::demo_cases::{market_department, principal};

/// Makes each pilot's plan, batches and observer; returns how many batches were switched.
pub async fn load(app: &App, clock: &FixedClock, now: DateTime<Utc>) -> Result<usize, AppError> {
    clock.set(now);
    let store = &app.store;
    let today = app.today();
    let approved_on = today.checked_sub_days(Days::new(30)).unwrap_or(today);
    let org = store.organisation().await?;
    let mut switched = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        let head = principal(app, &format!("{}.head", j.code)).await?;
        let items = items_as_of(store, &j.code, today).await?;
        let market = market_department(&j.code);
        let first: Vec<String> = items
            .iter()
            .filter(|i| i.department == market && i.handling_mode == HandlingMode::Transferred)
            .take(3)
            .map(|i| i.code.clone())
            .collect();
        // A resident department's items: the next batch, not ready yet.
        let Some(resident) = items
            .iter()
            .find(|i| i.handling_mode == HandlingMode::Resident)
            .map(|i| i.department.clone())
        else {
            continue;
        };
        let second: Vec<String> = items
            .iter()
            .filter(|i| i.department == resident && i.handling_mode == HandlingMode::Resident)
            .take(3)
            .map(|i| i.code.clone())
            .collect();
        if first.is_empty() {
            continue;
        }
        app.set_transfer_plan(
            &head,
            &j.code,
            &PlanRequest {
                name: format!("{}相对集中行政许可权事项划转方案", j.name),
                approved_on: fmt_date(approved_on),
                approved_by: if j.name.contains("高新") {
                    "安康高新技术产业开发区管理委员会".into()
                } else {
                    format!("{}人民政府", j.name)
                },
                period_end: String::new(),
            },
        )
        .await?;
        let batch = app
            .add_transfer_batch(
                &head,
                &j.code,
                &BatchRequest {
                    name: "第一批（市场监管）".into(),
                    items: first,
                    source_department: market.into(),
                    switch_date: fmt_date(
                        approved_on
                            .checked_add_days(Days::new(7))
                            .unwrap_or(approved_on),
                    ),
                },
            )
            .await?;
        match app.switch_batch(&head, &j.code, batch.batch.id).await {
            Ok(_) => switched += 1,
            // A pilot whose bureau is not fully ready keeps the batch in preparation: the page
            // shows why.
            Err(AppError::Refused(r)) => tracing::warn!(jurisdiction = %j.code, "{}", r.message),
            Err(e) => return Err(e),
        }
        app.add_transfer_batch(
            &head,
            &j.code,
            &BatchRequest {
                name: "第二批".into(),
                items: second,
                source_department: resident,
                switch_date: fmt_date(today.checked_add_days(Days::new(30)).unwrap_or(today)),
            },
        )
        .await?;
        let observer = principal(app, &format!("{}.observer", j.code)).await?;
        app.name_observer(
            &head,
            &j.code,
            &ObserverRequest {
                department: market.into(),
                account: observer.account.id,
            },
        )
        .await?;
    }
    Ok(switched)
}
