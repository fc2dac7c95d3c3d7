//! Demo data of approval–supervision separation (审管分离), made after the demo cases so that every
//! supervision page has something true to show: in each pilot, licences on an item the market
//! department supervises (their results pushed to its desk — one push acknowledged, one past its
//! acknowledgement date, others waiting), a licence granted on a commitment with its verification
//! task, a finding reported back (抄告), a random-inspection plan published, drawn and partly
//! inspected (双随机一公开), and a change application waiting for the bureau's decision. The cases
//! are driven as in [`crate::demo_cases`]; the rest goes through the same use cases the supervision
//! pages call, as the market department's demo supervisor.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use yiyin_app::catalog::{items_as_of, publish_item};
use yiyin_app::inspections::{InspectionResultInput, PlanInput};
use yiyin_app::supervision::FindingInput;
use yiyin_app::{App, AppError, FixedClock};
use yiyin_domain::calendar::{cst, fmt_date, parse_date};
use yiyin_domain::catalog::{
    HandlingClass, HandlingMode, Item, ItemKind, Publication, ResultKind, Subject,
};
use yiyin_domain::licence::ActRequest;
use yiyin_domain::party::Applicant;
use yiyin_domain::redress::RegisterRequest;
use yiyin_store::Store;
use yiyin_store::licences::Licence;
use yiyin_store::pushes::PushFilter;

use crate::demo_cases::{
    Driver, Goal, anchor, back, demo_firm, demo_person, drive, market_department, principal,
};

/// When the market department's food item joined the notify-and-commit green list.
const GREEN_LISTED_ON: &str = "2026-05-01";
/// When that was announced.
const GREEN_LISTED_ANNOUNCED: &str = "2026-04-20";
/// Working days the supervising department has to verify a commitment on that item.
const COMMITMENT_CHECK_DAYS: u32 = 20;

fn d(s: &str) -> NaiveDate {
    parse_date(s).expect("valid demo date")
}

/// The item of a jurisdiction's market department the demo's supervision is about: a licence the
/// department supervises, decided by the bureau within twenty working days — a food item if there
/// is one.
fn market_item<'a>(items: &'a [Item], jurisdiction: &str) -> Option<&'a Item> {
    let department = market_department(jurisdiction);
    items
        .iter()
        .filter(|i| {
            i.supervising_department == department
                && i.kind == ItemKind::Licensing
                && i.result.kind == ResultKind::Licence
                && i.handling_class != HandlingClass::Instant
                && i.handling_mode != HandlingMode::Resident
                && !i.joint
                && i.statutory_days <= 20
        })
        .min_by_key(|i| (!i.name.contains("食品"), i.code.clone()))
}

/// Puts each pilot's market item on the notify-and-commit green list (a catalog adjustment in the
/// demo's history), so that its supervisors verify commitments. Returns how many items changed.
pub async fn green_list(store: &Store) -> Result<usize, AppError> {
    let on = d(GREEN_LISTED_ON);
    let org = store.organisation().await?;
    let mut changed = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        let items = items_as_of(store, &j.code, on).await?;
        let Some(item) = market_item(&items, &j.code).filter(|i| !i.green_list) else {
            continue;
        };
        let mut green = item.clone();
        green.green_list = true;
        green.commitment_check_days = Some(COMMITMENT_CHECK_DAYS);
        publish_item(
                store,
                &j.code,
                green,
                Publication {
                    effective_on: on,
                    today: d(GREEN_LISTED_ANNOUNCED),
                    note: &format!(
                        "列入告知承诺绿色清单：申请人书面承诺符合许可条件的，当场作出准予许可决定；监管部门自决定之日起{COMMITMENT_CHECK_DAYS}个工作日内核查承诺内容（国办发〔2020〕42号）"
                    ),
                    by: "目录管理员",
                },
            )
            .await?;
        changed += 1;
    }
    Ok(changed)
}

/// What was made, for the summary printed at load.
#[derive(Debug, Default)]
pub struct Summary {
    pub cases: usize,
    pub pushes: usize,
    pub acknowledged: usize,
    pub verifications: usize,
    pub findings: usize,
    pub plans: usize,
    pub changes: usize,
}

/// A moment of a demo day, China time.
fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    cst()
        .from_local_datetime(&date.and_hms_opt(hour, minute, 0).expect("valid time"))
        .single()
        .expect("no DST")
        .with_timezone(&Utc)
}

/// A demo holder of `item`: the `n`-th person or organisation, whichever the item admits.
fn holder(item: &Item, person: bool, n: usize, i: usize) -> Applicant {
    let person = match item.subject {
        Subject::Person => true,
        Subject::Organisation => false,
        Subject::Both => person,
    };
    if person {
        demo_person(n, i)
    } else {
        demo_firm(n, i)
    }
}

async fn licence_of(store: &Store, case_id: i64) -> Result<Licence, AppError> {
    store
        .licence_of_case(case_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo case {case_id} has no licence")))
}

/// Creates the supervision demo data of every pilot, dated around the demo's anchor.
pub async fn load(app: &App, clock: &FixedClock, now: DateTime<Utc>) -> Result<Summary, AppError> {
    let store = &app.store;
    let calendar = app.calendar();
    let anchor = anchor(&calendar, now.with_timezone(&cst()).date_naive());
    let b = |n: u32| back(&calendar, anchor, n);
    let org = store.organisation().await?;
    // 安康市月河餐饮有限公司 files with its own account, so its licence is on its "我的证照".
    let firm = demo_firm(0, 0);
    let firm_account = principal(app, firm.id_number.as_str()).await?;
    let mut s = Summary::default();
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        let department = market_department(&j.code);
        let items = items_as_of(store, &j.code, anchor).await?;
        let Some(item) = market_item(&items, &j.code) else {
            continue;
        };
        let mut driver = Driver::new(app, clock, &j.code).await?;
        let officer = principal(app, &format!("{}.supervisor", j.code)).await?;

        // Three licences (decided and issued that many working days back): one long acknowledged,
        // one whose decision was not acknowledged in time (red on the desk), one fresh.
        let own = holder(item, false, 0, 103);
        let online = (own.id_number == firm.id_number).then_some(&firm_account);
        let mut licensed = Vec::new();
        for (decided, issued, applicant, online) in [
            (8, 7, holder(item, false, 1, 101), None),
            (4, 2, holder(item, true, 1, 102), None),
            (2, 1, own, online),
        ] {
            let goal = Goal::Licensed { decided, issued };
            licensed.push(drive(&mut driver, item, goal, applicant, online, anchor).await?);
        }
        let (earlier, fresh) = (licensed[0], licensed[2]);
        s.cases += 3;
        for push in store.pushes_about(earlier).await? {
            clock.set(at(b(6), 10, 30));
            app.acknowledge(&officer, push.id).await?;
            s.acknowledged += 1;
        }

        // A licence granted on a commitment: its verification waits on the supervising
        // department's desk (the market department's, once its item is on the green list).
        let green = if item.green_list {
            Some(item)
        } else {
            items.iter().find(|i| i.green_list)
        };
        if let Some(g) = green {
            drive(
                &mut driver,
                g,
                Goal::CommitmentLicensed,
                holder(g, true, 2, 104),
                None,
                anchor,
            )
            .await?;
            s.cases += 1;
        }

        // What a routine check of the first licensee found, reported back to the bureau.
        let first = licence_of(store, earlier).await?;
        clock.set(at(b(2), 15, 0));
        app.record_finding(
            &officer,
            &FindingInput {
                jurisdiction: j.code.clone(),
                department: department.to_string(),
                licence: first.identifier.clone(),
                kind: "rectification".into(),
                summary: "日常监督检查发现：进货查验记录不全，两名从业人员健康证明已过期；已责令十日内整改".into(),
                found_on: fmt_date(b(2)),
                ..Default::default()
            },
        )
        .await?;
        s.findings += 1;

        // This quarter's random inspection of the item: published, drawn the next working day
        // with the seed of that day's signed chain head, one target inspected.
        let quarter = ["一", "二", "三", "四"][anchor.month0() as usize / 3];
        clock.set(at(b(2), 16, 0));
        let plan = app
            .publish_plan(
                &officer,
                &PlanInput {
                    jurisdiction: j.code.clone(),
                    department: department.to_string(),
                    title: format!("{}年第{quarter}季度{}随机抽查", anchor.year(), item.name),
                    item_code: item.code.clone(),
                    risk: String::new(),
                    target_count: 1,
                    per_target: 1,
                },
            )
            .await?;
        clock.set(at(b(1), 14, 0));
        app.publish_head().await?;
        clock.set(at(b(1), 14, 30));
        let plan = app.draw_plan(&officer, plan.id).await?;
        s.plans += 1;
        if let Some(pick) = plan.result.as_ref().and_then(|r| r.picks.first()) {
            clock.set(at(b(1), 16, 30));
            app.record_result(
                &officer,
                plan.id,
                &InspectionResultInput {
                    licence: pick.target.id.clone(),
                    kind: "compliant".into(),
                    summary:
                        "经营场所、设施设备与许可条件一致，进货查验和从业人员健康管理制度落实到位"
                            .into(),
                },
            )
            .await?;
            s.findings += 1;
        }

        // The holder of the fresh licence applies to change it (Art. 49): the bureau decides.
        let latest = licence_of(store, fresh).await?;
        let holder_of_fresh = match online {
            Some(p) => p.clone(),
            None => driver.who(yiyin_domain::roles::Role::WindowClerk).clone(),
        };
        clock.set(at(b(1), 17, 0));
        app.act_on_licence(
            &holder_of_fresh,
            &latest.identifier,
            &ActRequest::ApplyChange {
                changes: format!("{}载明的负责人由刘志明变更为王建华", latest.name),
                fields: vec![],
            },
        )
        .await?;
        s.changes += 1;

        // The first licensee asks the county government to reconsider the decision (行政复议): the
        // head registers the copy received and answers for it, the reply due in ten working days.
        let head = principal(app, &format!("{}.head", j.code)).await?;
        clock.set(at(b(1), 17, 30));
        app.register_redress(
            &head,
            &j.code,
            &RegisterRequest {
                kind: "reconsideration".into(),
                case_number: String::new(),
                licence: first.identifier.clone(),
                applicant: first.holder.clone(),
                // A development zone's bureau answers to its administrative committee.
                body: if j.name.contains("高新") {
                    "安康高新技术产业开发区管理委员会".into()
                } else {
                    format!("{}人民政府", j.name)
                },
                file_number: format!("{}政复〔{}〕3号", j.name, anchor.year()),
                received_on: fmt_date(b(6)),
                responsible: head.account.id,
                notes: "申请人认为现场核查未通知其到场，请求撤销许可决定".into(),
            },
        )
        .await?;

        s.pushes += store
            .pushes(&PushFilter {
                jurisdiction: j.code.clone(),
                limit: 1000,
                ..Default::default()
            })
            .await?
            .len();
        s.verifications += store.verification_tasks(&j.code, None).await?.len();
    }
    Ok(s)
}
