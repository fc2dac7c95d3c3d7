//! Demo township delegation (汉阴 三（二）: 委托镇政府行使): 汉阴县's bureau head entrusts 城关镇人民政府
//! for intake and decision with 城乡居民基本养老保险参保登记 (a public service, 即办) and with a real
//! administrative licence, 林木采伐许可证核发 (森林法 Art. 56 para 3 lets the county's forestry
//! authority entrust the township with it), which the township decides in the bureau's name, its
//! decision naming it 「受委托机关：城关镇人民政府」; its 五一社区代办点 (`hanyin.village.clerk`)
//! takes applications and forwards them within the default one working day; the notice is
//! published at `/j/hanyin/delegations`.

use chrono::Datelike;
use yiyin_app::cases::{ActOn, Receive};
use yiyin_app::{App, AppError, Principal};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::delegation::{ART_24, DelegationRequest, DelegationScope, Delegator};
use yiyin_domain::engine::{Action, IntakeOutcome};

use crate::demo_cases::{demo_person, principal};

/// The delegated licence (行政许可): 林木采伐许可证核发.
const LICENCE: &str = "HY-NL-002";

/// The delegated items: the public service the browser journey uses, and the licence.
const ITEMS: [&str; 2] = ["HY-RS-002", LICENCE];

/// Records the demo delegation; returns how many were recorded (0 when the items are missing).
pub async fn load(app: &App) -> Result<usize, AppError> {
    let today = app.today();
    let catalog = app.store.catalog_as_of("hanyin", today).await?;
    let items: Vec<String> = ITEMS
        .iter()
        .filter(|code| catalog.iter().any(|v| v.item.code == **code))
        .map(|code| code.to_string())
        .collect();
    if items.is_empty() {
        return Ok(0);
    }
    let head = principal(app, "hanyin.head").await?;
    let until = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    app.create_delegation(
        &head,
        "hanyin",
        &DelegationRequest {
            delegator: Delegator::Bureau,
            township: "chengguan".into(),
            items: items.clone(),
            scope: DelegationScope::IntakeAndDecision,
            valid_from: today,
            valid_until: until,
            legal_basis: format!(
                "{ART_24}；《中华人民共和国森林法》第五十六条第三款；汉阴县行政审批制度改革实施方案 三（二）：县本级政府承担的审批服务事项中涉及自然人的，原则上全部委托镇政府行使"
            ),
            forward_days: None,
            notice_number: format!("汉审批委〔{}〕1号", today.year()),
        },
    )
    .await?;
    if items.iter().any(|c| c == LICENCE) {
        township_decides(app).await?;
    }
    Ok(1)
}

/// 城关镇's centre receives and accepts a felling permit application, its reviewer reviews it and
/// its chief approves it: the decision, in the bureau's name and under its seal, names
/// 「受委托机关：城关镇人民政府」 (the certificate is left for the window to issue).
async fn township_decides(app: &App) -> Result<(), AppError> {
    let clerk = principal(app, "hanyin.township").await?;
    let reviewer = principal(app, "hanyin.township.reviewer").await?;
    let chief = principal(app, "hanyin.township.chief").await?;
    let case = app
        .receive(
            &clerk,
            Receive {
                jurisdiction: "hanyin".into(),
                item_code: LICENCE.into(),
                applicant: Some(demo_person(2, 90)),
                materials: vec!["M1".into(), "M2".into(), "M3".into()],
                attested: false,
                outcome: IntakeOutcome::Accept,
                idempotency_key: Some("demo-township-felling-permit".into()),
                uploads: vec![],
                form: None,
                representation: Default::default(),
            },
        )
        .await?
        .record;
    act(
        app,
        &reviewer,
        case.id,
        Action::CompleteStep {
            kind: StepKind::Review,
            staff: vec!["审查 黄丽".into()],
            opinion: "采伐自留山林木，采伐量在年度采伐限额以内，申请材料真实".into(),
        },
    )
    .await?;
    act(
        app,
        &chief,
        case.id,
        Action::Decide {
            approve: true,
            reason: "符合《中华人民共和国森林法》第五十六条规定的采伐条件".into(),
        },
    )
    .await?;
    Ok(())
}

async fn act(app: &App, who: &Principal, case_id: i64, action: Action) -> Result<(), AppError> {
    app.act(
        who,
        ActOn {
            case_id,
            version: None,
            action,
            uploads: vec![],
        },
    )
    .await?;
    Ok(())
}
