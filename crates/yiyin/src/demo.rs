//! `yiyin demo`: fills a fresh database with the four pilots' catalogs and a realistic history of
//! publication (first publication, later adjustments, one retirement), demo accounts for every role in
//! every jurisdiction, cases in every state dated around today, and what approval–supervision
//! separation makes of them (pushes, commitment checks, findings, random inspections) — all through
//! the same store and engine the server uses — so that every page has something true to show.

use chrono::NaiveDate;
use yiyin_app::catalog::{ImportMode, import_catalog, publish_item, retire_item};
use yiyin_app::{App, AppError, FixedClock};
use yiyin_domain::calendar::parse_date;
use yiyin_domain::catalog::{
    HandlingClass, Item, Material, MaterialForm, MaterialSource, Necessity, Publication,
};
use yiyin_domain::sources::{Source, SourceKind};
use yiyin_store::Store;

/// Who publishes the demo's catalog versions.
const ADMIN: &str = "目录管理员";

fn d(s: &str) -> NaiveDate {
    parse_date(s).expect("valid demo date")
}

/// Loads the demo data into an empty database, through the application layer with a clock it moves
/// along the demo's history. Returns a summary, or None when data is already there.
pub async fn load(
    app: &App,
    clock: &FixedClock,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, AppError> {
    let store = &app.store;
    let org = store.organisation().await?;
    let mut already = 0;
    for j in &org.jurisdictions {
        already += store.item_history_count(&j.code).await?;
    }
    if already > 0 {
        return Ok(None);
    }
    let first = d("2025-01-01");
    let mut published = 0;
    let mut adjusted = 0;
    for file in yiyin_demo::catalogs() {
        let report = import_catalog(
            store,
            &file,
            &ImportMode::Publish {
                effective_on: first,
                note: "首批公布：相对集中行政许可权改革试点事项目录".into(),
            },
            first,
            "目录管理员",
        )
        .await?;
        published += report.published;
        // Two items per jurisdiction had their promised limits cut in spring 2026.
        for item in file
            .items
            .iter()
            .filter(|i| i.handling_class == HandlingClass::Promised && i.promised_days >= 5)
            .take(2)
        {
            let mut faster = item.clone();
            shorten(&mut faster, 2);
            publish_item(
                store,
                &file.jurisdiction,
                faster,
                Publication {
                    effective_on: d("2026-03-01"),
                    today: d("2026-02-20"),
                    note: "优化营商环境，承诺办结时限压缩2个工作日",
                    by: ADMIN,
                },
            )
            .await?;
            adjusted += 1;
        }
    }
    // One item that left the catalog when its law changed.
    let retired = grain_purchase_licence(store).await?;
    // Each pilot's food item joined the notify-and-commit green list in May 2026.
    let green = crate::demo_supervision::green_list(store).await?;
    // 「我要开餐馆」一件事 in each pilot whose catalog has its items.
    let bundles = crate::demo_bundles::load(store, first).await?;
    let accounts = crate::demo_cases::accounts(app).await?;
    let cases = crate::demo_cases::cases(app, clock, now).await?;
    let s = crate::demo_supervision::load(app, clock, now).await?;
    let tickets = crate::demo_tickets::load(app, clock, now).await?;
    let switched = crate::demo_transition::load(app, clock, now).await?;
    let delegated = crate::demo_delegation::load(app).await?;
    let pools = crate::demo_pools::load(app).await?;
    // Technical review institutions and their reviewers (集中图审).
    crate::demo_drawing::load(app).await?;
    let agency = crate::demo_agency::load(app).await?;
    let projects = crate::demo_projects::load(app, clock, now).await?;
    Ok(Some(format!(
        "四个试点县区事项目录 {published} 项（其中 {adjusted} 项于 2026-03-01 调整承诺时限，{green} 项于 2026-05-01 列入告知承诺绿色清单），已取消事项 {retired} 项；演示账号 {accounts} 个；办件 {} 件；审管联动：推送 {} 条（已签收 {} 条）、承诺核查 {} 件、抄告 {} 条、双随机抽查计划 {} 个、证照变更申请 {} 件；诉求工单 {tickets} 件；事项划转已切换批次 {switched} 个；委托镇办理 {delegated} 项；一件事 {bundles} 个；专家库 {pools} 个；代办服务清单 {agency} 份；工程建设项目 {projects} 个",
        cases + s.cases,
        s.pushes,
        s.acknowledged,
        s.verifications,
        s.findings,
        s.plans,
        s.changes
    )))
}

/// Cuts `days` working days from the promised limit, taking them from the longest steps.
fn shorten(item: &mut Item, days: u32) {
    item.promised_days -= days;
    let mut left: u32 = item
        .steps
        .iter()
        .map(|s| s.days)
        .sum::<u32>()
        .saturating_sub(item.promised_days);
    while left > 0 {
        let longest = item
            .steps
            .iter_mut()
            .max_by_key(|s| s.days)
            .expect("items have steps");
        longest.days -= 1;
        left -= 1;
    }
}

/// 粮食收购资格许可 (汉阴): published in 2025, retired when the 2021 regulation replaced it by filing.
async fn grain_purchase_licence(store: &Store) -> Result<usize, AppError> {
    let Some(base) = yiyin_demo::catalogs()
        .into_iter()
        .find(|f| f.jurisdiction == "hanyin")
        .and_then(|f| {
            f.items
                .into_iter()
                .find(|i| i.department == "fagai" && i.handling_class != HandlingClass::Instant)
        })
    else {
        return Ok(0);
    };
    let material = |code: &str, name: &str, form| Material {
        code: code.into(),
        name: name.into(),
        necessity: Necessity::Required,
        condition: String::new(),
        form,
        copies: 1,
        source: MaterialSource::Applicant,
        blank_form: String::new(),
        sample: String::new(),
        deferrable: false,
        note: String::new(),
    };
    let item = Item {
        code: "HY-FG-090".into(),
        name: "粮食收购资格许可".into(),
        legal_basis: vec!["《粮食流通管理条例》（2016年修订）第九条".into()],
        conditions: vec![
            "具备经营资金筹措能力".into(),
            "拥有或者通过租借具有必要的粮食仓储设施".into(),
            "具备相应的粮食质量检验和保管能力".into(),
        ],
        materials: vec![
            material("M1", "粮食收购资格申请书", MaterialForm::Original),
            material("M2", "营业执照", MaterialForm::Copy),
            material("M3", "粮食仓储设施产权证明或者租赁合同", MaterialForm::Copy),
        ],
        result: yiyin_domain::catalog::ItemResult {
            name: "粮食收购许可证".into(),
            kind: yiyin_domain::catalog::ResultKind::Licence,
            sample: String::new(),
            validity_years: Some(3),
            template: None,
        },
        topics: vec!["农业生产".into()],
        green_list: false,
        commitment_check_days: None,
        faq: vec![],
        form: None,
        fees: vec![],
        // Not the base item's limits and sources: its own law sets neither.
        extension_days: None,
        extension_basis: String::new(),
        limit_basis: String::new(),
        limit_unit: Default::default(),
        sources: vec![
            Source {
                kind: SourceKind::Document,
                cite: "《粮食流通管理条例》（2016年修订）第九条；2021年修订后改为备案".into(),
            },
            Source {
                kind: SourceKind::Assumed,
                cite: "公布和取消日期、办理环节为演示假定".into(),
            },
        ],
        ..base
    };
    publish_item(
        store,
        "hanyin",
        item,
        Publication {
            effective_on: d("2025-01-01"),
            today: d("2025-01-01"),
            note: "",
            by: ADMIN,
        },
    )
    .await?;
    retire_item(
        store,
        "hanyin",
        "HY-FG-090",
        Publication {
            effective_on: d("2026-04-01"),
            today: d("2026-03-15"),
            note: "《粮食流通管理条例》（2021年修订）取消粮食收购资格许可，改为备案管理",
            by: ADMIN,
        },
    )
    .await?;
    Ok(1)
}
