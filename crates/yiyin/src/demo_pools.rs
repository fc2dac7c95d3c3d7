//! Demo expert pools (专家库, 汉阴 三 and 紫阳 二: 技术审查与行政审批相分离): in each pilot
//! jurisdiction with a catalog, its bureau head keeps a 食品安全专家库 of four outside experts and the
//! section chief (inside the bureau), one expert having declared a tie (顾问) with the demo
//! company applicant; a reviewer draws from it on a case's page (专家抽取).

use yiyin_app::pools::{MemberInput, PoolInput, TieInput};
use yiyin_app::{App, AppError};

use crate::demo_cases::pilot_heads;

/// The outside experts of each demo pool: (name, organisation, title).
const EXPERTS: &[(&str, &str, &str)] = &[
    ("王建国", "安康市食品药品检验检测中心", "高级工程师"),
    ("李秀英", "安康学院现代农业与生物科技学院", "教授"),
    ("张卫东", "陕西省食品安全风险监测安康分中心", "主任医师"),
    ("陈晓梅", "安康市餐饮行业协会", "高级营养师"),
];

/// The demo company (陕西秦巴茶业有限公司, an applicant in the demo cases) one expert declared a tie
/// with.
const TIED_APPLICANT: &str = "916100002205253740";

/// Records a pool per pilot jurisdiction; returns how many.
pub async fn load(app: &App) -> Result<usize, AppError> {
    let mut n = 0;
    for (j, head) in pilot_heads(app).await? {
        let pool = app
            .create_pool(
                &head,
                &j.code,
                &PoolInput {
                    kind: "expert".into(),
                    name: "食品安全专家库".into(),
                    specialty: "食品安全、餐饮服务".into(),
                },
            )
            .await?;
        let id = pool.pool.id;
        for (name, organisation, title) in EXPERTS {
            let input = MemberInput {
                name: (*name).into(),
                organisation: (*organisation).into(),
                title: (*title).into(),
                ..MemberInput::default()
            };
            app.add_pool_member(&head, id, &input).await?;
        }
        let inside = MemberInput {
            login: format!("{}.chief", j.code),
            ..MemberInput::default()
        };
        let view = app.add_pool_member(&head, id, &inside).await?;
        if let Some(first) = view.members.first() {
            let tie = TieInput {
                holder_id: TIED_APPLICANT.into(),
                kind: "adviser".into(),
                note: "兼任该公司食品安全顾问".into(),
            };
            app.declare_pool_tie(&head, first.member.id, &tie).await?;
        }
        n += 1;
    }
    Ok(n)
}
