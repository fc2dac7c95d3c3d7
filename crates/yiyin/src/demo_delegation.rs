//! Demo township delegation (汉阴 三（二）: 委托镇政府行使): 汉阴县's bureau head entrusts 城关镇人民政府
//! with 城乡居民基本养老保险参保登记 for intake and decision, its 五一社区代办点 forwarding within the
//! default one working day; the notice is published at `/j/hanyin/delegations`.

use chrono::Datelike;
use yiyin_app::{App, AppError};
use yiyin_domain::delegation::{ART_24, DelegationRequest, DelegationScope, Delegator};

/// Records the demo delegation; returns how many were recorded (0 when the item is missing).
pub async fn load(app: &App) -> Result<usize, AppError> {
    let today = app.today();
    let in_force = app
        .store
        .catalog_as_of("hanyin", today)
        .await?
        .into_iter()
        .any(|v| v.item.code == "HY-RS-002");
    if !in_force {
        return Ok(0);
    }
    let head = crate::demo_cases::principal(app, "hanyin.head").await?;
    let until = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    app.create_delegation(
        &head,
        "hanyin",
        &DelegationRequest {
            delegator: Delegator::Bureau,
            township: "chengguan".into(),
            items: vec!["HY-RS-002".into()],
            scope: DelegationScope::IntakeAndDecision,
            valid_from: today,
            valid_until: until,
            legal_basis: format!(
                "{ART_24}；汉阴县行政审批制度改革实施方案 三（二）：县本级政府承担的审批服务事项中涉及自然人的，原则上全部委托镇政府行使"
            ),
            forward_days: None,
            notice_number: format!("汉审批委〔{}〕1号", today.year()),
        },
    )
    .await?;
    Ok(1)
}
