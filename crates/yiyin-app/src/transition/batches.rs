//! The transfer plan and its batches: the plan set by the bureau head, a batch added, its
//! readiness report, its simulation and its switch, the refusal at intake of an application
//! naming the old department, and the migration of a case accepted before the switch.

use chrono::Datelike;
use serde_json::json;
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::catalog::{self, HandlingClass, HandlingMode, StepKind};
use yiyin_domain::roles::Role;
use yiyin_domain::transition::{self, Batch, BureauFacts, ItemFacts, ReadinessLine};
use yiyin_store::cases::CaseRecord;
use yiyin_store::transition::NewBatch;
use yiyin_store::{Conflict, StoreError};

use super::{
    BATCH, BatchItem, BatchRequest, BatchView, MIGRATE, MigrateRequest, ObserverView, PLAN,
    PlanRequest, SWITCH, TransitionView, date_field, refused,
};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
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
                department_name: self.department_name(jurisdiction, &o.department),
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
        // The bureau's seal is usable whoever signs for it: Yiyin's key, or the county's own
        // e-seal system through the signing adapter.
        let ring = self.keyring();
        let mut bureau = BureauFacts {
            seal: ring
                .for_holder(jurisdiction, "")
                .map(|(s, _)| s)
                .or_else(|| ring.external_for_holder(jurisdiction, ""))
                .map(|s| s.name.clone()),
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
            department_name: self.department_name(jurisdiction, &b.source_department),
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
        let act = self.transition_act(who, jurisdiction, None);
        let mut tx = self.store.begin_write().await?;
        tx.upsert_transfer_plan(
            jurisdiction,
            &name,
            approved_on,
            &approved_by,
            period_end,
            who.account.id,
            act.at.timestamp_millis(),
        )
        .await?;
        act.commit(
            tx,
            PLAN,
            format!(
                "划转方案「{name}」：{approved_by}于{}批准，过渡期至{}",
                fmt_date(approved_on),
                fmt_date(period_end)
            ),
            json!({"name": name, "approved_on": fmt_date(approved_on),
                   "approved_by": approved_by, "period_end": fmt_date(period_end)}),
        )
        .await?;
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
        let act = self.transition_act(who, jurisdiction, None);
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
        act.commit(
            tx,
            BATCH,
            format!(
                "新增划转批次「{name}」：{}的事项{}，划转日期{}",
                self.department_name(jurisdiction, dept),
                items.join("、"),
                fmt_date(switch_date)
            ),
            json!({"batch": id, "items": items, "source_department": dept,
                   "switch_date": fmt_date(switch_date)}),
        )
        .await?;
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
        let act = self.transition_act(who, jurisdiction, None);
        let mut tx = self.store.begin_write().await?;
        tx.switch_transfer_batch(id, who.account.id, act.at.timestamp_millis())
            .await?;
        act.commit(
            tx,
            SWITCH,
            format!(
                "划转批次「{}」（{}的事项{}）就绪检查全部通过，自{}起由行政审批服务局受理和审批",
                b.name,
                self.department_name(jurisdiction, &b.source_department),
                b.items.join("、"),
                fmt_date(b.switch_date)
            ),
            json!({"batch": id, "items": b.items, "switch_date": fmt_date(b.switch_date),
                   "readiness": lines.len()}),
        )
        .await?;
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
                &self.department_name(jurisdiction, &d),
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
        let act = self.transition_act(who, jurisdiction, Some(record.id));
        let mut tx = self.store.begin_write().await?;
        let year = self.today().year();
        let seq = tx.next_case_number(&j.code, year).await?;
        let number = j.case_number(year, seq);
        tx.migrate_case(
            record.id,
            record.version,
            &record.number,
            &number,
            act.at.timestamp_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("办件已被他人更新，请刷新后重试".into()),
            e => e.into(),
        })?;
        let summary = format!(
            "划转前受理的办件迁移至{bureau}办理：原办件编号{}，新办件编号{number}，原办理机关{}；办理时限不变；理由：{reason}",
            record.number,
            self.department_name(jurisdiction, &record.department)
        );
        let data = json!({"old_number": record.number, "new_number": number,
                          "old_handler": record.department, "new_handler": bureau,
                          "batch": batch.map(|b| b.id), "reason": reason});
        act.commit(tx, MIGRATE, summary, data).await?;
        Ok(self.store.case(record.id).await?)
    }
}
