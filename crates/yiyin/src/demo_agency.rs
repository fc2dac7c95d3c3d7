//! Demo full agency service (全程代办, 高新区 四(一)1、3): in each pilot jurisdiction with a catalog,
//! the bureau head publishes the agency centre's service list (代办服务清单: the four stages of the
//! construction projects and the opening of a restaurant, free of charge); the centre's agent is
//! the demo account `*.agency` (代办员), to whom an applicant signs a mandate on `/my/mandates`.

use yiyin_app::{App, AppError};
use yiyin_domain::agency::{ServiceLine, ServiceList};
use yiyin_domain::project::Stage;

use crate::demo_cases::pilot_heads;

/// Publishes a service list per pilot jurisdiction; returns how many.
pub async fn load(app: &App) -> Result<usize, AppError> {
    let mut n = 0;
    for (j, head) in pilot_heads(app).await? {
        let mut lines: Vec<ServiceLine> = Stage::ALL
            .iter()
            .map(|s| ServiceLine {
                name: format!("工程建设项目{}阶段", s.label()),
                service: "全程代办：帮助填写表单、准备和上传材料、接收通知、代为领取批文证照"
                    .into(),
            })
            .collect();
        lines.push(ServiceLine {
            name: "我要开餐馆（一件事）".into(),
            service: "帮办：指导填表、代为补正材料、代为领取证照".into(),
        });
        let list = ServiceList {
            centre: format!("{}全程代办服务中心", j.name),
            contact: "政务服务中心一楼代办服务窗口".into(),
            lines,
        };
        app.put_service_list(&head, &j.code, list).await?;
        n += 1;
    }
    Ok(n)
}
