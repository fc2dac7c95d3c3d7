//! The findings (抄告) and the commitment verification tasks (承诺核查) of a department's desk and
//! of the bureau's overview, and the licence acts waiting for the bureau's decision, page by page
//! (keyset pagination), with how many each list holds: no list is cut at a fixed number. The
//! findings newest first; the tasks open ones first, then by due date; the acts by due date.

use serde::{Deserialize, Serialize};
use yiyin_store::findings::{Finding, FindingFilter};
use yiyin_store::licence_acts::LicenceAct;
use yiyin_store::paging::DueKey;
use yiyin_store::verifications::VerificationTask;

use super::acknowledgement::page_limit;
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// Which findings or tasks, and which page of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SupervisionListQuery {
    /// 县区代码 (the user's only desk when omitted).
    #[serde(default)]
    pub jurisdiction: String,
    /// 部门代码 (a department's list); omitted: all of the jurisdiction (the bureau).
    #[serde(default)]
    pub department: String,
    /// The page after this one: the `next` of the page before (empty: the first page).
    #[serde(default)]
    pub after: String,
    /// Rows per page, 1 to 100 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of findings, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingListPage {
    pub findings: Vec<Finding>,
    /// How many findings the list holds (on every page).
    pub count: i64,
    /// Give it as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A page of verification tasks, open ones first, then by due date.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskListPage {
    pub tasks: Vec<VerificationTask>,
    /// How many tasks the list holds (on every page).
    pub count: i64,
    /// Give it as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A page of the licence acts waiting for a decision, by due date.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActListPage {
    pub acts: Vec<LicenceAct>,
    /// How many acts are waiting (on every page).
    pub count: i64,
    /// Give it as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

use crate::paging::bad_cursor;

impl App {
    /// The scope of a list asked for, after its fields' checks.
    fn supervision_list_scope(
        &self,
        who: &Principal,
        q: &SupervisionListQuery,
        what: &str,
    ) -> Result<(String, Option<String>)> {
        for (field, value) in [
            ("jurisdiction", &q.jurisdiction),
            ("department", &q.department),
            ("after", &q.after),
        ] {
            yiyin_domain::text::check(field, value, yiyin_domain::text::TextKind::Short)?;
        }
        self.list_scope(who, &q.jurisdiction, &q.department, what)
    }

    /// A page of the verification tasks of a department (its supervisors, or the bureau) or of
    /// a whole jurisdiction (the bureau), with how many there are and the cursor of the next page.
    pub async fn task_list(
        &self,
        who: &Principal,
        q: &SupervisionListQuery,
    ) -> Result<TaskListPage> {
        let (jurisdiction, department) = self.supervision_list_scope(who, q, "承诺核查任务")?;
        let after = match q.after.trim() {
            "" => None,
            a => Some(DueKey::parse(a).ok_or_else(bad_cursor)?),
        };
        let page = self
            .store
            .verification_page(
                &jurisdiction,
                department.as_deref(),
                after.as_ref(),
                page_limit(q.limit)?,
            )
            .await?;
        Ok(TaskListPage {
            tasks: page.tasks,
            count: page.count,
            next: page.next.map(|k| k.cursor()),
        })
    }

    /// A page of the findings of a department (its supervisors, or the bureau) or of a whole
    /// jurisdiction (the bureau), with how many there are and the cursor of the next page.
    pub async fn finding_list(
        &self,
        who: &Principal,
        q: &SupervisionListQuery,
    ) -> Result<FindingListPage> {
        let (jurisdiction, department) = self.supervision_list_scope(who, q, "监管抄告")?;
        let after = crate::paging::id_cursor(&q.after)?;
        let filter = FindingFilter {
            jurisdiction: Some(jurisdiction),
            department,
            ..Default::default()
        };
        let page = self
            .store
            .finding_page(&filter, after, page_limit(q.limit)?)
            .await?;
        Ok(FindingListPage {
            findings: page.findings,
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }

    /// A page of the licence acts of a jurisdiction waiting for the bureau's decision (those who
    /// oversee supervision for the bureau), by due date, with how many are waiting.
    pub async fn open_act_list(
        &self,
        who: &Principal,
        q: &SupervisionListQuery,
    ) -> Result<ActListPage> {
        let what = "待决定的证照事项";
        if !q.department.trim().is_empty() {
            return Err(AppError::field(
                "department",
                "待决定的证照事项由审批局决定，按县区列出，不按部门",
            ));
        }
        let (jurisdiction, _) = self.supervision_list_scope(who, q, what)?;
        let after = match q.after.trim() {
            "" => None,
            a => Some(DueKey::parse(a).ok_or_else(bad_cursor)?),
        };
        let page = self
            .store
            .open_act_page(&jurisdiction, after.as_ref(), page_limit(q.limit)?)
            .await?;
        Ok(ActListPage {
            acts: page.acts,
            count: page.count,
            next: page.next.map(|k| k.cursor()),
        })
    }

    /// The first page of the findings of a desk or of the overview.
    pub(super) async fn first_findings(
        &self,
        who: &Principal,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<FindingListPage> {
        self.finding_list(who, &first(jurisdiction, department))
            .await
    }

    /// The first page of the acts waiting for a decision, for the overview.
    pub(super) async fn first_open_acts(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<ActListPage> {
        self.open_act_list(who, &first(jurisdiction, None)).await
    }

    /// The first page of the verification tasks of a desk.
    pub(super) async fn first_tasks(
        &self,
        who: &Principal,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Result<TaskListPage> {
        self.task_list(who, &first(jurisdiction, department)).await
    }
}

/// The query of a list's first page.
fn first(jurisdiction: &str, department: Option<&str>) -> SupervisionListQuery {
    SupervisionListQuery {
        jurisdiction: jurisdiction.to_string(),
        department: department.unwrap_or_default().to_string(),
        ..Default::default()
    }
}
