//! The transition period's observers (审批观察员): named by the bureau head for a source
//! department, they read the cases of their department's former items and comment on them; every
//! read and comment is an audited event, and their grants lapse with the period.

use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::roles::Role;
use yiyin_domain::transition::{self, Batch};
use yiyin_store::cases::CaseRecord;
use yiyin_store::transition::{CaseComment, ObserverRow};
use yiyin_store::{Conflict, StoreError};

use super::{
    COMMENT, CommentRequest, OBSERVER, OBSERVER_READ, ObservedCase, ObservedLine, ObserverRequest,
    TransitionView, refused,
};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    /// jurisdiction whose grants name that department, during the plan's transition period.
    #[tracing::instrument(skip_all, fields(jurisdiction))]
    pub async fn name_observer(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &ObserverRequest,
    ) -> Result<TransitionView> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        let Some(plan) = self.store.transfer_plan(jurisdiction).await? else {
            return Err(AppError::Conflict(
                "请先制定本县区的划转方案，再指定审批观察员".into(),
            ));
        };
        transition::check_observer_access(plan.approved_on, plan.period_end, self.today())
            .map_err(refused)?;
        let dept = req.department.trim();
        let batches = self.store.transfer_batches(jurisdiction).await?;
        if !batches.iter().any(|b| b.source_department == dept) {
            return Err(AppError::field(
                "department",
                format!("部门「{dept}」没有事项列入本县区的划转批次"),
            ));
        }
        let account = match self.store.account(req.account).await {
            Ok(a) => Some(a),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        }
        .filter(|a| {
            a.is_staff()
                && a.active
                && a.grants.iter().any(|g| {
                    g.jurisdiction == jurisdiction && g.department.as_deref() == Some(dept)
                })
        });
        let Some(account) = account else {
            return Err(AppError::field(
                "account",
                format!(
                    "审批观察员须为{}在本县区的在岗工作人员",
                    self.department_name(jurisdiction, dept)
                ),
            ));
        };
        let act = self.transition_act(who, jurisdiction, None);
        let mut tx = self.store.begin_write().await?;
        tx.insert_transition_observer(
            jurisdiction,
            dept,
            account.id,
            who.account.id,
            act.at.timestamp_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::Taken { .. }) => {
                AppError::Conflict(format!("{}已是审批观察员", account.name))
            }
            e => e.into(),
        })?;
        act.commit(
            tx,
            OBSERVER,
            format!(
                "{}派出{}为审批观察员，过渡期至{}",
                self.department_name(jurisdiction, dept),
                account.name,
                fmt_date(plan.period_end)
            ),
            json!({"department": dept, "account": account.id,
                   "period_end": fmt_date(plan.period_end)}),
        )
        .await?;
        self.transition(who, jurisdiction).await
    }

    /// The observer record and batches under which an account observes in a jurisdiction today,
    /// or why not.
    async fn transition_observing(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<(ObserverRow, Vec<Batch>)> {
        let not_observer =
            || AppError::Forbidden("无权访问：您不是本县区划转过渡期的审批观察员".into());
        if !who.is_staff() {
            return Err(not_observer());
        }
        let observer = self
            .store
            .observer_of(who.account.id)
            .await?
            .into_iter()
            .find(|o| o.jurisdiction == jurisdiction)
            .ok_or_else(not_observer)?;
        let plan = self
            .store
            .transfer_plan(jurisdiction)
            .await?
            .ok_or_else(not_observer)?;
        transition::check_observer_access(plan.approved_on, plan.period_end, self.today())
            .map_err(|r| AppError::Forbidden(r.message))?;
        let batches = self
            .store
            .transfer_batches(jurisdiction)
            .await?
            .into_iter()
            .filter(|b| b.source_department == observer.department)
            .collect();
        Ok((observer, batches))
    }

    /// A case an observer may read: of their department's former items.
    async fn transition_observed(
        &self,
        who: &Principal,
        case_id: i64,
    ) -> Result<(ObserverRow, CaseRecord)> {
        let record = match self.store.case(case_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound(_)) => {
                return Err(AppError::NotFound(format!("没有编号为{case_id}的办件")));
            }
            Err(e) => return Err(e.into()),
        };
        let (observer, batches) = self.transition_observing(who, &record.jurisdiction).await?;
        if record.department != observer.department
            || transition::batch_of(&batches, &record.item_code).is_none()
        {
            return Err(AppError::Forbidden(
                "无权访问：该办件不是您所在部门划转事项的办件".into(),
            ));
        }
        Ok((observer, record))
    }

    /// The cases of the observer's department's former items in a jurisdiction, newest first.
    pub async fn observed_cases(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<ObservedLine>> {
        let (observer, batches) = self.transition_observing(who, jurisdiction).await?;
        let codes: Vec<String> = batches.iter().flat_map(|b| b.items.clone()).collect();
        let mut out = Vec::new();
        for id in self
            .store
            .cases_of_items(jurisdiction, &observer.department, &codes)
            .await?
        {
            out.push(ObservedLine::of(&self.store.case(id).await?));
        }
        Ok(out)
    }

    /// One case for its observer: every event and document and the comments; the read is an
    /// audited event of the case.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn observed_case(&self, who: &Principal, case_id: i64) -> Result<ObservedCase> {
        let (observer, record) = self.transition_observed(who, case_id).await?;
        let act = self.transition_act(who, &record.jurisdiction, Some(record.id));
        let tx = self.store.begin_write().await?;
        act.commit(
            tx,
            OBSERVER_READ,
            format!(
                "审批观察员（{}）查阅办件",
                self.department_name(&record.jurisdiction, &observer.department)
            ),
            json!({"department": observer.department}),
        )
        .await?;
        let mut events = self.store.case_events(record.id).await?;
        events.retain(|e| e.action != OBSERVER_READ);
        let documents = self
            .store
            .case_documents(record.id)
            .await?
            .into_iter()
            .map(|d| crate::cases::views::DocumentSummary::of(d, who.is_staff()))
            .collect();
        Ok(ObservedCase {
            line: ObservedLine::of(&record),
            aliases: self.store.case_aliases(record.id).await?,
            item_code: record.item_code.clone(),
            events,
            documents,
            comments: self.store.case_comments(record.id).await?,
        })
    }

    /// An observer's comment on a case, kept for its handlers; an audited event of the case.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn comment_case(
        &self,
        who: &Principal,
        case_id: i64,
        req: &CommentRequest,
    ) -> Result<CaseComment> {
        let (observer, record) = self.transition_observed(who, case_id).await?;
        let body = transition::check_comment(&req.body).map_err(refused)?;
        let act = self.transition_act(who, &record.jurisdiction, Some(record.id));
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_case_comment(
                record.id,
                who.account.id,
                &who.account.name,
                &observer.department,
                &body,
                act.at.timestamp_millis(),
            )
            .await?;
        act.commit(
            tx,
            COMMENT,
            format!(
                "审批观察员（{}）评注：{body}",
                self.department_name(&record.jurisdiction, &observer.department)
            ),
            json!({"comment": id, "department": observer.department}),
        )
        .await?;
        let comments = self.store.case_comments(record.id).await?;
        comments
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::internal("comment not found after insert"))
    }

    /// The observers' comments on a case, for whoever may read it (its handlers).
    pub async fn case_comments(&self, who: &Principal, case_id: i64) -> Result<Vec<CaseComment>> {
        let record = self.case_for(who, case_id).await?;
        if !who.is_staff() {
            return Ok(Vec::new());
        }
        Ok(self.store.case_comments(record.id).await?)
    }

    /// The account as it may act today: its general 审批观察员 grants of a jurisdiction whose
    /// transition period has ended are left out (`transition::observer_grant_lapsed`), so that
    /// after the period an observer reads no case of its department by any page or API — not only
    /// on the observer's desk. The grants themselves stay recorded.
    pub(crate) async fn without_lapsed_observer_grants(
        &self,
        mut account: yiyin_store::accounts::Account,
    ) -> Result<yiyin_store::accounts::Account> {
        if !account.grants.iter().any(|g| g.role == Role::Observer) {
            return Ok(account);
        }
        let today = self.today();
        let mut lapsed: Vec<String> = Vec::new();
        for g in account.grants.iter().filter(|g| g.role == Role::Observer) {
            let end = self
                .store
                .transfer_plan(&g.jurisdiction)
                .await?
                .map(|p| p.period_end);
            if transition::observer_grant_lapsed(end, today) {
                lapsed.push(g.jurisdiction.clone());
            }
        }
        account
            .grants
            .retain(|g| !(g.role == Role::Observer && lapsed.contains(&g.jurisdiction)));
        Ok(account)
    }

    /// The jurisdictions where the account is a transition observer (for the observer's page).
    pub async fn observer_jurisdictions(&self, who: &Principal) -> Result<Vec<String>> {
        if !who.is_staff() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .observer_of(who.account.id)
            .await?
            .into_iter()
            .map(|o| o.jurisdiction)
            .collect())
    }
}
