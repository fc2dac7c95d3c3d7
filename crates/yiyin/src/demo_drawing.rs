//! Demo central drawing review (集中图审; 技术审查与行政审批相分离, 汉阴 三, 紫阳 二(五)): in each pilot
//! jurisdiction with a catalog and no technical review institution yet, its system administrator
//! registers 「县施工图审查中心」 (紫阳 has its 审查勘验管理服务中心 in the organisation already); every
//! institution gets one reviewer account, `<jurisdiction>.tuzhi` (技术审查人员 limited to the
//! institution), who sees the institution's worklist on `/work/drawing-reviews`.

use yiyin_app::accounts::{NewStaff, create_staff};
use yiyin_app::drawing_reviews::NewInstitution;
use yiyin_app::{App, AppError};
use yiyin_domain::authz::Grant;
use yiyin_domain::roles::Role;

use crate::demo_cases::{DEMO_PASSWORD, principal};

/// Registers the institutions and their reviewers; returns how many reviewers.
pub async fn load(app: &App) -> Result<usize, AppError> {
    let org = app.store.organisation().await?;
    let mut n = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        let mut institutions = app.drawing_institutions(&j.code)?;
        if institutions.is_empty() {
            let Ok(admin) = principal(app, &format!("{}.admin", j.code)).await else {
                continue;
            };
            let name = format!("{}施工图审查中心", j.name);
            let made = app
                .register_drawing_institution(
                    &admin,
                    &j.code,
                    NewInstitution {
                        code: "tuzhi".into(),
                        name,
                        note: "演示数据：受县行政审批服务局委托集中审查建设项目施工图".into(),
                    },
                )
                .await?;
            institutions.push(made);
        }
        let Some(first) = institutions.first() else {
            continue;
        };
        let by = yiyin_domain::party::Actor::cli("演示数据");
        create_staff(
            &app.store,
            &NewStaff {
                login: format!("{}.tuzhi", j.code),
                name: "高远".into(),
                password: DEMO_PASSWORD.into(),
                grants: vec![Grant {
                    role: Role::TechnicalReviewer,
                    jurisdiction: j.code.clone(),
                    department: Some(first.code.clone()),
                    unit: None,
                }],
            },
            &by,
            None,
            app.now(),
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
