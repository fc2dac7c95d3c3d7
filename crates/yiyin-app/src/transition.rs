//! The switch-over (划转) use cases: a jurisdiction's transfer plan and its batches, each batch's
//! readiness report and its switch by the bureau head, the migration of a case accepted before the
//! switch (new number, old number kept as an alias), the refusal at intake of an application for a
//! transferred item naming its old department ([`App::check_transition_handler`], the one hook in
//! `cases::intake`), and the transition period's observers (审批观察员): the head records the
//! observers each source department names; during the period they read every case of their
//! department's former items with its events and documents and leave comments (评注) the case's
//! handlers see; they change nothing, and every read and comment is an audited event. The rules
//! are `yiyin_domain::transition`'s. Who may manage: the operation `ManageTransition` (the bureau
//! head) in the jurisdiction.

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{self, HandlingClass, HandlingMode, StepKind};
use yiyin_domain::refusal::Refusal;
use yiyin_domain::roles::Role;
use yiyin_domain::transition::{self, Batch, BureauFacts, ItemFacts, ReadinessLine};
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::{Event, NewEvent};
use yiyin_store::transition::{CaseComment, NewBatch, ObserverRow, PlanRow};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The event of the plan set.
pub const PLAN: &str = "transfer_plan";
/// The event of a batch added.
pub const BATCH: &str = "transfer_batch";
/// The event of a batch switched.
pub const SWITCH: &str = "transfer_switch";
/// The event of a case migrated to the bureau.
pub const MIGRATE: &str = "transfer_migrate_case";
/// The event of an observer named.
pub const OBSERVER: &str = "transition_observer";
/// The event of an observer's read of a case.
pub const OBSERVER_READ: &str = "observer_read";
/// The event of an observer's comment.
pub const COMMENT: &str = "observer_comment";

fn refused(r: Refusal) -> AppError {
    AppError::Refused(r)
}

/// The plan as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRequest {
    pub name: String,
    /// The day the plan was approved (YYYY-MM-DD).
    pub approved_on: String,
    /// Who approved it (e.g. 县人民政府).
    pub approved_by: String,
    /// The last day of the transition period (YYYY-MM-DD); empty: three months from the approval.
    #[serde(default)]
    pub period_end: String,
}

/// A batch as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRequest {
    pub name: String,
    /// The catalog codes of its items.
    pub items: Vec<String>,
    /// The source department's code.
    pub source_department: String,
    /// The switch date (YYYY-MM-DD).
    pub switch_date: String,
}

/// A case to migrate, with the reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrateRequest {
    pub reason: String,
}

/// An observer named by a source department.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObserverRequest {
    /// The department's code.
    pub department: String,
    /// The observer's account id.
    pub account: i64,
}

/// An observer's comment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentRequest {
    pub body: String,
}

/// An item of a batch as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchItem {
    pub code: String,
    /// Its name in the catalog (empty if not in the catalog).
    pub name: String,
}

/// A batch with its readiness report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchView {
    pub batch: Batch,
    pub status_label: String,
    pub department_name: String,
    pub items: Vec<BatchItem>,
    pub readiness: Vec<ReadinessLine>,
    /// Every line green.
    pub ready: bool,
    /// The bureau handles its items today.
    pub transferred_today: bool,
}

/// An observer as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObserverView {
    pub observer: ObserverRow,
    pub name: String,
    pub department_name: String,
}

/// A jurisdiction's switch-over.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionView {
    pub jurisdiction: String,
    pub plan: Option<PlanRow>,
    /// Today is within the transition period.
    pub in_period: bool,
    pub batches: Vec<BatchView>,
    pub observers: Vec<ObserverView>,
}

/// A case as an observer sees it: its facts, every event and document, and the comments.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservedCase {
    pub id: i64,
    pub number: String,
    /// Its earlier numbers (a case migrated to the bureau).
    pub aliases: Vec<String>,
    pub item_code: String,
    pub item_name: String,
    pub applicant: String,
    pub state_label: String,
    pub handling_label: String,
    pub received_on: String,
    pub events: Vec<Event>,
    pub documents: Vec<crate::cases::views::DocumentSummary>,
    pub comments: Vec<CaseComment>,
}

/// A line of the observer's list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservedLine {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub state_label: String,
    pub handling_label: String,
    pub received_on: String,
}

fn date_field(field: &str, value: &str, what: &str) -> Result<chrono::NaiveDate> {
    parse_date(value.trim())
        .map_err(|_| AppError::field(field, format!("{what}应为YYYY-MM-DD格式的日期")))
}

impl App {
    fn transition_department_name(&self, jurisdiction: &str, code: &str) -> String {
        self.org()
            .jurisdiction(jurisdiction)
            .and_then(|j| {
                j.department(code)
                    .map(|d| d.name_on(self.today()).to_string())
            })
            .unwrap_or_else(|| code.to_string())
    }

    /// The plan and batches of a jurisdiction, with each batch's readiness.
    pub async fn transition(&self, who: &Principal, jurisdiction: &str) -> Result<TransitionView> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        let plan = self.store.transfer_plan(jurisdiction).await?;
        let today = self.today();
        let mut batches = Vec::new();
        for b in self.store.transfer_batches(jurisdiction).await? {
            batches.push(self.transfer_batch_view(jurisdiction, b).await?);
        }
        let mut observers = Vec::new();
        for o in self.store.transition_observers(jurisdiction).await? {
            let name = self.store.account(o.account_id).await?.name;
            observers.push(ObserverView {
                department_name: self.transition_department_name(jurisdiction, &o.department),
                name,
                observer: o,
            });
        }
        Ok(TransitionView {
            jurisdiction: jurisdiction.to_string(),
            in_period: plan.as_ref().is_some_and(|p| {
                transition::check_observer_access(p.approved_on, p.period_end, today).is_ok()
            }),
            plan,
            batches,
            observers,
        })
    }

    /// The readiness facts of a batch's items and of the bureau, and the report.
    async fn transfer_readiness(
        &self,
        jurisdiction: &str,
        b: &Batch,
    ) -> Result<Vec<ReadinessLine>> {
        let on = b.switch_date.max(self.today());
        let mut items = Vec::new();
        for code in &b.items {
            let history = self.store.item_history(jurisdiction, code).await?;
            let version = catalog::active_version(&history, on)
                .or_else(|| catalog::active_version(&history, self.today()));
            items.push(match version {
                None => ItemFacts {
                    code: code.clone(),
                    ..ItemFacts::default()
                },
                Some(v) => {
                    let i = &v.item;
                    let instant = i.handling_class == HandlingClass::Instant;
                    ItemFacts {
                        code: code.clone(),
                        name: Some(i.name.clone()),
                        published_transferred: i.handling_mode == HandlingMode::Transferred,
                        published_mode: Some(i.handling_mode.label().to_string()),
                        materials: i.materials.len(),
                        form: i.form.is_some(),
                        steps: i.steps.len(),
                        decision_step: instant
                            || i.steps.iter().any(|s| s.kind == StepKind::Decision),
                        statutory_days: i.statutory_days,
                        promised_days: i.promised_days,
                        instant,
                    }
                }
            });
        }
        let j = self.jurisdiction(jurisdiction)?;
        let township_units: Vec<String> = j
            .townships
            .iter()
            .flat_map(|t| {
                std::iter::once(t.code.clone()).chain(t.villages.iter().map(|v| v.code.clone()))
            })
            .collect();
        let mut bureau = BureauFacts {
            seal: self
                .keyring()
                .for_holder(jurisdiction, "")
                .map(|(s, _)| s.name.clone()),
            ..BureauFacts::default()
        };
        for a in self.store.staff_in(jurisdiction).await? {
            if !a.active || !a.is_staff() {
                continue;
            }
            let bureau_roles: Vec<Role> = a
                .grants
                .iter()
                .filter(|g| {
                    g.jurisdiction == jurisdiction
                        && g.department.is_none()
                        && !g.unit.as_ref().is_some_and(|u| township_units.contains(u))
                })
                .map(|g| g.role)
                .collect();
            if bureau_roles.contains(&Role::WindowClerk) {
                bureau.window_clerks += 1;
            }
            if bureau_roles.contains(&Role::Reviewer) {
                bureau.reviewers += 1;
            }
            if bureau_roles
                .iter()
                .any(|r| matches!(r, Role::SectionChief | Role::BureauHead))
            {
                bureau.deciders += 1;
            }
        }
        Ok(transition::readiness(&items, &bureau))
    }

    async fn transfer_batch_view(&self, jurisdiction: &str, b: Batch) -> Result<BatchView> {
        let readiness = self.transfer_readiness(jurisdiction, &b).await?;
        let mut items = Vec::new();
        for code in &b.items {
            let name = self
                .store
                .item_history(jurisdiction, code)
                .await?
                .last()
                .map(|v| v.item.name.clone())
                .unwrap_or_default();
            items.push(BatchItem {
                code: code.clone(),
                name,
            });
        }
        Ok(BatchView {
            status_label: b.status.label().into(),
            department_name: self.transition_department_name(jurisdiction, &b.source_department),
            ready: readiness.iter().all(|l| l.green),
            transferred_today: b.transferred_on(self.today()),
            items,
            readiness,
            batch: b,
        })
    }

    /// A batch of the jurisdiction (for the holder of the operation).
    async fn transfer_batch_for(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<Batch> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        match self.store.transfer_batch(id).await? {
            Some((j, b)) if j == jurisdiction => Ok(b),
            _ => Err(AppError::NotFound(format!("没有编号为{id}的划转批次"))),
        }
    }

    /// One batch with its readiness report.
    pub async fn transfer_batch(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<BatchView> {
        let b = self.transfer_batch_for(who, jurisdiction, id).await?;
        self.transfer_batch_view(jurisdiction, b).await
    }

    /// Sets the jurisdiction's transfer plan: its name, approval (day and body) and the end of
    /// the transition period (default three months from the approval).
    #[tracing::instrument(skip_all, fields(jurisdiction))]
    pub async fn set_transfer_plan(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &PlanRequest,
    ) -> Result<TransitionView> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        let name = transition::check_name("name", &req.name).map_err(refused)?;
        let approved_by =
            transition::check_name("approved_by", &req.approved_by).map_err(refused)?;
        let approved_on = date_field("approved_on", &req.approved_on, "方案获批日期")?;
        let end = if req.period_end.trim().is_empty() {
            None
        } else {
            Some(date_field("period_end", &req.period_end, "过渡期结束日期")?)
        };
        let period_end = transition::check_period(approved_on, end).map_err(refused)?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.upsert_transfer_plan(
            jurisdiction,
            &name,
            approved_on,
            &approved_by,
            period_end,
            who.account.id,
            at.timestamp_millis(),
        )
        .await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            PLAN,
            format!(
                "划转方案「{name}」：{approved_by}于{}批准，过渡期至{}",
                fmt_date(approved_on),
                fmt_date(period_end)
            ),
            json!({"name": name, "approved_on": fmt_date(approved_on),
                   "approved_by": approved_by, "period_end": fmt_date(period_end)}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.transition(who, jurisdiction).await
    }

    /// Adds a batch to the plan: its items (each in no other batch), source department and switch
    /// date; it starts being prepared (准备中).
    #[tracing::instrument(skip_all, fields(jurisdiction))]
    pub async fn add_transfer_batch(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &BatchRequest,
    ) -> Result<BatchView> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        let j = self.jurisdiction(jurisdiction)?;
        if self.store.transfer_plan(jurisdiction).await?.is_none() {
            return Err(AppError::Conflict(
                "请先制定本县区的划转方案，再添加划转批次".into(),
            ));
        }
        let name = transition::check_name("name", &req.name).map_err(refused)?;
        let dept = req.source_department.trim();
        if j.department(dept).is_none() {
            return Err(AppError::field(
                "source_department",
                format!("本县区没有代码为「{dept}」的部门"),
            ));
        }
        let mut items: Vec<String> = Vec::new();
        for code in &req.items {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            yiyin_domain::text::check("items", code, yiyin_domain::text::TextKind::Short)
                .map_err(|e| AppError::field("items", e.to_string()))?;
            if !items.iter().any(|c| c == code) {
                items.push(code.to_string());
            }
        }
        if items.is_empty() {
            return Err(AppError::field("items", "请至少列出一个事项编码"));
        }
        let existing = self.store.transfer_batches(jurisdiction).await?;
        for code in &items {
            if let Some(b) = transition::batch_of(&existing, code) {
                return Err(AppError::field(
                    "items",
                    format!("事项{code}已在划转批次「{}」中", b.name),
                ));
            }
        }
        let switch_date = date_field("switch_date", &req.switch_date, "划转日期")?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_transfer_batch(&NewBatch {
                jurisdiction,
                name: &name,
                items: &items,
                source_department: dept,
                switch_date,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { value, .. }) => {
                    AppError::Conflict(format!("划转批次「{value}」已存在"))
                }
                e => e.into(),
            })?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            BATCH,
            format!(
                "新增划转批次「{name}」：{}的事项{}，划转日期{}",
                self.transition_department_name(jurisdiction, dept),
                items.join("、"),
                fmt_date(switch_date)
            ),
            json!({"batch": id, "items": items, "source_department": dept,
                   "switch_date": fmt_date(switch_date)}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.transfer_batch(who, jurisdiction, id).await
    }

    /// 模拟运行本批次: puts the batch's items into simulation mode (试运行 before its switch),
    /// keeping the jurisdiction's other simulated items — [`App::simulate_items`], the bureau head's,
    /// audited as the simulation setting is.
    #[tracing::instrument(skip_all, fields(batch = id))]
    pub async fn simulate_batch(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<crate::simulation::SimulationView> {
        let b = self.transfer_batch_for(who, jurisdiction, id).await?;
        self.simulate_items(
            who,
            jurisdiction,
            &b.items,
            &format!("划转批次「{}」试运行", b.name),
        )
        .await
    }

    /// Switches a batch to the bureau: only when every readiness line is green (else refused,
    /// listing the red lines). The bureau handles its items from the switch date on.
    #[tracing::instrument(skip_all, fields(batch = id))]
    pub async fn switch_batch(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
    ) -> Result<BatchView> {
        let b = self.transfer_batch_for(who, jurisdiction, id).await?;
        let lines = self.transfer_readiness(jurisdiction, &b).await?;
        transition::check_switch(&b, &lines).map_err(refused)?;
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.switch_transfer_batch(id, who.account.id, at.timestamp_millis())
            .await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            SWITCH,
            format!(
                "划转批次「{}」（{}的事项{}）就绪检查全部通过，自{}起由行政审批服务局受理和审批",
                b.name,
                self.transition_department_name(jurisdiction, &b.source_department),
                b.items.join("、"),
                fmt_date(b.switch_date)
            ),
            json!({"batch": id, "items": b.items, "switch_date": fmt_date(b.switch_date),
                   "readiness": lines.len()}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.transfer_batch(who, jurisdiction, id).await
    }

    /// The refusal of an application for an item a switched batch moved to the bureau, naming the
    /// old department as its handler: the item still listed as the department's resident item, or
    /// received by the department's own staff. The one hook of intake (`cases::intake`).
    pub async fn check_transition_handler(
        &self,
        who: &Principal,
        jurisdiction: &str,
        item: &catalog::Item,
    ) -> Result<()> {
        let batches = self.store.transfer_batches(jurisdiction).await?;
        let Some(batch) = transition::batch_of(&batches, &item.code) else {
            return Ok(());
        };
        let named = if item.handling_mode == HandlingMode::Resident {
            Some(item.department.clone())
        } else if who.is_staff() {
            let receiving: Vec<_> = who
                .account
                .grants
                .iter()
                .filter(|g| {
                    g.jurisdiction == jurisdiction && authz::role_may(g.role, Operation::Receive)
                })
                .collect();
            if !receiving.is_empty()
                && receiving
                    .iter()
                    .all(|g| g.department.as_deref() == Some(&batch.source_department))
            {
                Some(batch.source_department.clone())
            } else {
                None
            }
        } else {
            None
        };
        match named {
            Some(d) => transition::check_handler(
                &batches,
                &item.code,
                &d,
                &self.transition_department_name(jurisdiction, &d),
                self.today(),
            )
            .map_err(refused),
            None => Ok(()),
        }
    }

    /// Migrates a case accepted before its batch's switch to the bureau: a new number (the old one
    /// kept as an alias), the bureau as its deciding authority (and seal); its clock unchanged.
    /// The reason and the new handler are recorded as an event of the case.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn migrate_case(
        &self,
        who: &Principal,
        jurisdiction: &str,
        case_id: i64,
        req: &MigrateRequest,
    ) -> Result<CaseRecord> {
        who.require_in(Operation::ManageTransition, jurisdiction)?;
        let record = self.store.case(case_id).await.map_err(|e| match e {
            StoreError::NotFound(_) => AppError::NotFound(format!("没有编号为{case_id}的办件")),
            e => e.into(),
        })?;
        if record.jurisdiction != jurisdiction {
            return Err(AppError::NotFound(format!(
                "本县区没有编号为{case_id}的办件"
            )));
        }
        let batches = self.store.transfer_batches(jurisdiction).await?;
        let batch = transition::batch_of(&batches, &record.item_code);
        let resident_of_source = record.handling_mode == HandlingMode::Resident
            && batch.is_some_and(|b| b.source_department == record.department);
        let reason = transition::check_migration(
            batch,
            resident_of_source,
            record.case.is_closed(),
            &req.reason,
            self.today(),
        )
        .map_err(refused)?;
        let j = self.jurisdiction(jurisdiction)?;
        let bureau = j
            .bureau
            .as_ref()
            .map_or(j.name_on(self.today()).to_string(), |b| {
                b.name_on(self.today()).to_string()
            });
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let year = self.today().year();
        let seq = tx.next_case_number(&j.code, year).await?;
        let prefix = if j.case_prefix.is_empty() {
            j.code.to_uppercase()
        } else {
            j.case_prefix.clone()
        };
        let number = format!("{prefix}{year}{seq:06}");
        tx.migrate_case(
            record.id,
            record.version,
            &record.number,
            &number,
            at.timestamp_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("办件已被他人更新，请刷新后重试".into()),
            e => e.into(),
        })?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            Some(record.id),
            MIGRATE,
            format!(
                "划转前受理的办件迁移至{bureau}办理：原办件编号{}，新办件编号{number}，原办理机关{}；办理时限不变；理由：{reason}",
                record.number,
                self.transition_department_name(jurisdiction, &record.department)
            ),
            json!({"old_number": record.number, "new_number": number,
                   "old_handler": record.department, "new_handler": bureau,
                   "batch": batch.map(|b| b.id), "reason": reason}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(self.store.case(record.id).await?)
    }

    /// Records an observer a source department named: an active staff account of the
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
                    self.transition_department_name(jurisdiction, dept)
                ),
            ));
        };
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.insert_transition_observer(
            jurisdiction,
            dept,
            account.id,
            who.account.id,
            at.timestamp_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::Taken { .. }) => {
                AppError::Conflict(format!("{}已是审批观察员", account.name))
            }
            e => e.into(),
        })?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            OBSERVER,
            format!(
                "{}派出{}为审批观察员，过渡期至{}",
                self.transition_department_name(jurisdiction, dept),
                account.name,
                fmt_date(plan.period_end)
            ),
            json!({"department": dept, "account": account.id,
                   "period_end": fmt_date(plan.period_end)}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
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
            let r = self.store.case(id).await?;
            out.push(ObservedLine {
                id: r.id,
                number: r.number.clone(),
                item_name: r.item_name.clone(),
                applicant: r.applicant.name.clone(),
                state_label: r.state.label().into(),
                handling_label: r.handling_mode.label().into(),
                received_on: fmt_date(r.case.received_on),
            });
        }
        Ok(out)
    }

    /// One case for its observer: every event and document and the comments; the read is an
    /// audited event of the case.
    #[tracing::instrument(skip_all, fields(case = case_id))]
    pub async fn observed_case(&self, who: &Principal, case_id: i64) -> Result<ObservedCase> {
        let (observer, record) = self.transition_observed(who, case_id).await?;
        let mut tx = self.store.begin_write().await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            self.now(),
            &record.jurisdiction,
            Some(record.id),
            OBSERVER_READ,
            format!(
                "审批观察员（{}）查阅办件",
                self.transition_department_name(&record.jurisdiction, &observer.department)
            ),
            json!({"department": observer.department}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        let mut events = self.store.case_events(record.id).await?;
        events.retain(|e| e.action != OBSERVER_READ);
        let documents = self
            .store
            .case_documents(record.id)
            .await?
            .into_iter()
            .map(|d| crate::cases::views::DocumentSummary {
                id: d.id,
                title: d.record.title,
                number: d.record.number,
                issued_on: fmt_date(d.record.issued_on),
            })
            .collect();
        Ok(ObservedCase {
            id: record.id,
            aliases: self.store.case_aliases(record.id).await?,
            number: record.number.clone(),
            item_code: record.item_code.clone(),
            item_name: record.item_name.clone(),
            applicant: record.applicant.name.clone(),
            state_label: record.state.label().into(),
            handling_label: record.handling_mode.label().into(),
            received_on: fmt_date(record.case.received_on),
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
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_case_comment(
                record.id,
                who.account.id,
                &who.account.name,
                &observer.department,
                &body,
                at.timestamp_millis(),
            )
            .await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            &record.jurisdiction,
            Some(record.id),
            COMMENT,
            format!(
                "审批观察员（{}）评注：{body}",
                self.transition_department_name(&record.jurisdiction, &observer.department)
            ),
            json!({"comment": id, "department": observer.department}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
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
