//! The category catalog (诉求分类) and the deadline matrix: the default categories seeded in
//! each jurisdiction, the categories read and saved by version, the matrix read and saved by the
//! centre's manager.

use chrono::Utc;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{DeadlineMatrix, Duty};
use yiyin_store::Store;
use yiyin_store::events::NewEvent;
use yiyin_store::tickets::{NewCategory, TicketCategory};

use super::{CategoryInput, required};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The default categories seeded in each jurisdiction with a catalog: (code, name, the candidate
/// department codes — the first the jurisdiction has —, duty).
const DEFAULT_CATEGORIES: &[(&str, &str, &[&str], Duty)] = &[
    ("food", "食品安全", &["shichang"], Duty::Line),
    ("consumer", "消费维权与价格", &["shichang"], Duty::Line),
    (
        "housing",
        "房屋建设与物业",
        &["zhujian", "guihua"],
        Duty::Line,
    ),
    ("traffic", "道路交通与运输", &["jiaotong"], Duty::Line),
    ("education", "教育", &["jiaoti", "jiaowen"], Duty::Line),
    ("health", "医疗卫生", &["weiji"], Duty::Line),
    ("labour", "劳动保障与欠薪", &["renshe"], Duty::Line),
    ("environment", "生态环境", &["huanbao"], Duty::Line),
    ("safety", "安全生产", &["anjian"], Duty::Line),
    (
        "village",
        "村容村貌与邻里纠纷",
        &["minzheng", "shequ"],
        Duty::Township,
    ),
];

/// Seeds the default categories of every jurisdiction with a catalog that has none yet. Returns
/// how many were added.
pub async fn seed_categories(store: &Store) -> Result<usize> {
    let org = store.organisation().await?;
    let at = Utc::now().timestamp_millis();
    let mut n = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        if !store.ticket_categories(&j.code, true).await?.is_empty() {
            continue;
        }
        let mut tx = store.begin_write().await?;
        for (code, name, departments, duty) in DEFAULT_CATEGORIES {
            let Some(department) = departments.iter().find(|d| j.department(d).is_some()) else {
                continue;
            };
            let added = tx
                .seed_ticket_category(&NewCategory {
                    jurisdiction: &j.code,
                    code,
                    name,
                    department,
                    duty: *duty,
                    active: true,
                    created_by: "系统（默认诉求分类）",
                    created_at: at,
                })
                .await?;
            n += usize::from(added);
        }
        tx.commit().await?;
    }
    Ok(n)
}

impl App {
    /// The deadline matrix of a jurisdiction (Yiyin's defaults until the centre edits it).
    pub async fn ticket_matrix(&self, jurisdiction: &str) -> Result<DeadlineMatrix> {
        match self.store.ticket_matrix(jurisdiction).await? {
            Some(text) => serde_json::from_str(&text).map_err(AppError::internal),
            None => Ok(DeadlineMatrix::default()),
        }
    }

    /// Saves a jurisdiction's deadline matrix, by the centre's manager; tickets registered later
    /// run on it (those registered before keep their limits).
    pub async fn save_ticket_matrix(
        &self,
        who: &Principal,
        jurisdiction: &str,
        matrix: &DeadlineMatrix,
    ) -> Result<DeadlineMatrix> {
        who.require_in(Operation::ManageTickets, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        matrix.validate()?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let text = serde_json::to_string(matrix).map_err(AppError::internal)?;
        let mut tx = self.store.begin_write().await?;
        tx.save_ticket_matrix(jurisdiction, &text, &actor.name, at.timestamp_millis())
            .await?;
        let event = NewEvent::new(
            &actor,
            at,
            jurisdiction,
            None,
            "ticket_matrix",
            "修改诉求办理时限矩阵",
            serde_json::from_str(&text).map_err(AppError::internal)?,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.ticket_matrix(jurisdiction).await
    }

    /// The current categories of a jurisdiction (public: the intake forms offer them).
    pub async fn ticket_categories(&self, jurisdiction: &str) -> Result<Vec<TicketCategory>> {
        self.jurisdiction(jurisdiction)?;
        Ok(self.store.ticket_categories(jurisdiction, false).await?)
    }

    /// Every version of a jurisdiction's categories, for the centre.
    pub async fn ticket_category_history(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<TicketCategory>> {
        who.require_in(Operation::TakeTickets, jurisdiction)?;
        Ok(self.store.ticket_categories(jurisdiction, true).await?)
    }

    /// Adds a category or a new version of one, by the centre's manager; old versions stay.
    pub async fn save_ticket_category(
        &self,
        who: &Principal,
        input: &CategoryInput,
    ) -> Result<TicketCategory> {
        check("jurisdiction", &input.jurisdiction, TextKind::Short)?;
        let jurisdiction = input.jurisdiction.trim();
        who.require_in(Operation::ManageTickets, jurisdiction)?;
        let j = self.jurisdiction(jurisdiction)?;
        let code = required("code", &input.code, TextKind::Short, "请填写分类编码")?;
        if code.len() > 40
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AppError::field(
                "code",
                "分类编码只能由字母、数字、“-”和“_”组成，最多40个字符",
            ));
        }
        let name = required("name", &input.name, TextKind::Name, "请填写分类名称")?;
        let department = required(
            "department",
            &input.department,
            TextKind::Short,
            "请选择主管部门",
        )?;
        if j.department(&department).is_none() {
            return Err(AppError::field(
                "department",
                format!("{}没有代码为「{department}」的部门", j.name),
            ));
        }
        let duty = AppError::choice::<Duty>("duty", &input.duty, |w| {
            format!("职责类型应为以下之一：{w}")
        })?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .add_ticket_category(&NewCategory {
                jurisdiction,
                code: &code,
                name: &name,
                department: &department,
                duty,
                active: input.active,
                created_by: &actor.name,
                created_at: at.timestamp_millis(),
            })
            .await?;
        let event = NewEvent::new(
            &actor,
            at,
            jurisdiction,
            None,
            "ticket_category",
            format!(
                "诉求分类「{name}」（{code}）→ {}",
                j.department_name(&department)
            ),
            json!({"category": id, "code": code, "department": department, "duty": duty.code(), "active": input.active}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.store
            .ticket_category(jurisdiction, &code)
            .await?
            .ok_or_else(|| AppError::internal("category just saved is missing"))
    }
}
