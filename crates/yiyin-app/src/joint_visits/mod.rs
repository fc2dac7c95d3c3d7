//! Joint site inspections and joint final acceptances (联合踏勘、联合验收) as use cases, once for the
//! API and the pages: the window of a bundle's lead department (the window clerk who took it in,
//! 统一受理) schedules one visit of the bundle — a project stage's, or for a 联合验收 the 竣工验收
//! stage's — on a future working day, for every department of its member items; each department
//! sends at least two of its own staff, assigned by login or drawn from a 踏勘人员库 (the pool's
//! members who are staff of that department, leaving out those tied to the applicant, with the
//! expert pools' draw `yiyin_domain::pools::draw`: the seed is published with the schedule and the
//! window makes the draw afterwards, in its own act, before the visit); the applicant is told the
//! date in writing (a notice through `crate::notifications`, and the visit on its project page);
//! one of a department's sent staff enters its opinion on the day or by the next working day; the
//! last opinion settles the visit (passed, or failed with the defects) and tells the applicant; a
//! failed round is re-inspected (a new round linked to it). Every act is an audited event. The
//! rules are `yiyin_domain::joint_visit`'s.

use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::engine::joint::MemberOutcome;
use yiyin_domain::ids::mask_name;
use yiyin_domain::joint_visit::{
    self as jv, Opinion, OpinionEntry, Sent, SentBy, Team, TeamDraw, Verdict, Visit, VisitKind,
    VisitState,
};
use yiyin_domain::pools::{
    self, Exclusion, ExclusionKind, ExpertDrawInput, PoolKind, PoolMember, PublishedDraw,
};
use yiyin_domain::project::Stage;
use yiyin_domain::refusal::Refusal;
use yiyin_store::bundles::BundleRecord;
use yiyin_store::joint_visits::{NewVisit, VisitRecord};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::error::{AppError, Result};
use crate::pools::member_code;
use crate::principal::Principal;

mod views;

pub use views::{DepartmentDefects, StaffLine, TeamView, VisitLine, VisitView};

/// Event codes of the visits' acts.
pub const SCHEDULE: &str = "joint_visit_schedule";
pub const DRAW: &str = "joint_visit_draw";
pub const OPINION: &str = "joint_visit_opinion";

/// A department's team as submitted: its staff by login, or a draw of `count` (at least two)
/// from a 踏勘人员库 (`pool_id`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamInput {
    /// The department's code.
    pub department: String,
    /// The staff accounts' logins (assigned).
    #[serde(default)]
    pub logins: Vec<String>,
    /// A 踏勘人员库 to draw from instead.
    #[serde(default)]
    pub pool_id: Option<i64>,
    /// How many to draw (default 2).
    #[serde(default)]
    pub count: Option<usize>,
}

/// A visit to schedule.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleVisit {
    /// The received bundle (a project's stage) visited.
    pub bundle_id: i64,
    /// joint_inspection (联合踏勘) | joint_acceptance (联合验收).
    pub kind: String,
    /// The date, `YYYY-MM-DD`: a working day after today.
    pub date: String,
    pub teams: Vec<TeamInput>,
}

/// A re-inspection of a failed round: its date and teams.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reinspect {
    pub date: String,
    pub teams: Vec<TeamInput>,
}

/// A department's opinion as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionInput {
    /// The department's code; may be left empty when the author is sent by one department only.
    #[serde(default)]
    pub department: String,
    /// pass (合格) | fail (不合格).
    pub verdict: String,
    /// The defects to fix, one per entry (不合格 only).
    #[serde(default)]
    pub defects: Vec<String>,
}

fn refused(r: Refusal) -> AppError {
    AppError::Refused(r)
}

impl App {
    pub(crate) async fn visit_record(&self, id: i64) -> Result<VisitRecord> {
        self.store
            .visit(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有内部编号为 {id} 的联合踏勘验收")))
    }

    /// The window of the bundle's lead department may schedule its visits.
    fn require_scheduler(&self, who: &Principal, bundle: &BundleRecord) -> Result<()> {
        who.require(
            Operation::Receive,
            &self.bundle_scope(&bundle.jurisdiction, &bundle.lead_department),
        )
        .map_err(|_| {
            AppError::Forbidden(format!(
                "联合踏勘验收由牵头部门的窗口统一安排（一次通知各相关部门），您无权为一件事 {} 安排",
                bundle.number
            ))
        })
    }

    /// The departments of a bundle's member items (code, name), in order.
    async fn concerned(&self, bundle: &BundleRecord) -> Result<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = Vec::new();
        for m in self.store.bundle_members(bundle.id).await? {
            if !out.iter().any(|(c, _)| *c == m.department) {
                out.push((
                    m.department.clone(),
                    self.department_name(&bundle.jurisdiction, &m.department),
                ));
            }
        }
        Ok(out)
    }

    /// The teams as submitted, resolved: each login a staff account of the jurisdiction holding a
    /// grant in that department; each draw from the pool's members who are.
    async fn teams(
        &self,
        bundle: &BundleRecord,
        concerned: &[(String, String)],
        inputs: &[TeamInput],
    ) -> Result<Vec<Team>> {
        let j = &bundle.jurisdiction;
        let mut teams = Vec::new();
        for input in inputs {
            let department = input.department.trim();
            let name = concerned
                .iter()
                .find(|(c, _)| c == department)
                .map_or_else(|| self.department_name(j, department), |(_, n)| n.clone());
            let mut team = Team {
                department: department.to_string(),
                department_name: name.clone(),
                staff: vec![],
                draw: None,
            };
            if let Some(pool_id) = input.pool_id {
                self.publish_team_draw(
                    bundle,
                    &mut team,
                    pool_id,
                    input.count.unwrap_or(jv::MIN_STAFF),
                )
                .await?;
            }
            for login in input
                .logins
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
            {
                let account = self
                    .store
                    .account_by_login(login)
                    .await?
                    .filter(|a| {
                        a.is_staff() && a.active && jv::serves_department(&a.grants, j, department)
                    })
                    .ok_or_else(|| {
                        refused(Refusal::new(
                            jv::RULE_STAFF,
                            format!(
                                "「{login}」不是「{name}」的在岗工作人员，不能代表该部门参加联合踏勘验收（各部门派出本部门工作人员，{}）",
                                jv::PLANS
                            ),
                        ))
                    })?;
                if !team.staff.iter().any(|s| s.account_id == account.id) {
                    team.staff.push(Sent {
                        account_id: account.id,
                        name: account.name,
                        by: SentBy::Assigned,
                    });
                }
            }
            teams.push(team);
        }
        jv::check_teams(concerned, &teams).map_err(refused)?;
        Ok(teams)
    }

    /// Publishes the seed of a department's draw from a 踏勘人员库, with what it draws from fixed
    /// now: the pool's active members who are staff of that department, those tied to the
    /// applicant left out, and the count. The draw itself is [`App::draw_visit_teams`], later.
    /// Refused when the draw could not be made with what is fixed.
    async fn publish_team_draw(
        &self,
        bundle: &BundleRecord,
        team: &mut Team,
        pool_id: i64,
        count: usize,
    ) -> Result<()> {
        let pool = self
            .store
            .pool(pool_id)
            .await?
            .filter(|p| {
                p.jurisdiction == bundle.jurisdiction && p.kind == PoolKind::Inspector.code()
            })
            .ok_or_else(|| {
                AppError::field("pool_id", format!("本县区没有第{pool_id}号踏勘人员库"))
            })?;
        let mut eligible = Vec::new();
        for m in self.store.pool_members(pool.id).await? {
            let Some(account_id) = m.account_id.filter(|_| m.active) else {
                continue;
            };
            let account = self.store.account(account_id).await?;
            if account.active
                && jv::serves_department(&account.grants, &bundle.jurisdiction, &team.department)
            {
                eligible.push((m, account));
            }
        }
        let holder = bundle.applicant.0.id_number.clone();
        let ties = self.store.pool_ties(pool.id).await?;
        let mut input = ExpertDrawInput {
            seed: String::new(),
            case: format!("{}/{}", bundle.number, team.department),
            count: count.max(jv::MIN_STAFF),
            members: eligible
                .iter()
                .map(|(m, _)| PoolMember {
                    id: member_code(m.id),
                    name: m.name.clone(),
                    organisation: team.department_name.clone(),
                    inside: true,
                })
                .collect(),
            exclusions: eligible
                .iter()
                .flat_map(|(m, _)| {
                    ties.iter()
                        .filter(|t| t.member_id == m.id && t.holder_id == holder)
                        .map(|_| Exclusion {
                            member: member_code(m.id),
                            kind: ExclusionKind::Tie,
                            reason: "申报的利害关系".into(),
                        })
                })
                .collect(),
        };
        let digest = pools::pool_digest(&input);
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the operating system's random source works");
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        input.seed = pools::seed_of(&input.case, &digest, &nonce);
        pools::draw(&input).map_err(|e| {
            refused(Refusal::new(
                jv::RULE_STAFF,
                format!(
                    "从「{}」为「{}」抽取踏勘人员：{e}",
                    pool.name, team.department_name
                ),
            ))
        })?;
        team.draw = Some(TeamDraw {
            pool_id: pool.id,
            seed: input.seed.clone(),
            passed_over: vec![],
            published: Some(PublishedDraw {
                input,
                result: None,
            }),
        });
        Ok(())
    }

    /// The window of the bundle's lead department makes a visit's draws with the seeds published
    /// when it was scheduled (before the visit date, once): the drawn members join their
    /// departments' teams; an audited event.
    pub async fn draw_visit_teams(&self, who: &Principal, visit_id: i64) -> Result<VisitView> {
        let record = self.visit_record(visit_id).await?;
        let bundle = self.bundle_record(record.bundle_id).await?;
        self.require_scheduler(who, &bundle)?;
        let mut visit = record.body.0.clone();
        // The members each pending draw may give, as staff who can still be sent.
        let mut staff = std::collections::HashMap::new();
        let pending: Vec<(String, i64, Vec<String>)> = visit
            .teams
            .iter()
            .filter_map(|t| {
                let d = t.draw.as_ref().filter(|d| d.pending())?;
                let codes = d.published.as_ref()?.input.members.iter();
                Some((
                    t.department.clone(),
                    d.pool_id,
                    codes.map(|m| m.id.clone()).collect(),
                ))
            })
            .collect();
        for (department, pool_id, codes) in pending {
            for code in codes {
                let member = match code.strip_prefix('E').and_then(|n| n.parse().ok()) {
                    Some(id) => self.store.pool_member(id).await?,
                    None => None,
                };
                let Some(account_id) = member
                    .filter(|m| m.pool_id == pool_id && m.active)
                    .and_then(|m| m.account_id)
                else {
                    continue;
                };
                let account = self.store.account(account_id).await?;
                if account.active
                    && jv::serves_department(&account.grants, &bundle.jurisdiction, &department)
                {
                    staff.insert(code, (account.id, account.name));
                }
            }
        }
        visit
            .make_draws(self.today(), |code| staff.get(code).cloned())
            .map_err(refused)?;
        let concerned = self.concerned(&bundle).await?;
        jv::check_teams(&concerned, &visit.teams).map_err(refused)?;
        let mut w = self.audited_write(who).await?;
        w.tx.update_visit(
            visit_id,
            record.version,
            &visit,
            visit.state().code(),
            w.at.timestamp_millis(),
        )
        .await?;
        let drawn: Vec<String> = visit
            .teams
            .iter()
            .filter(|t| t.staff.iter().any(|s| s.by == SentBy::Drawn))
            .map(|t| {
                let names: Vec<String> = t
                    .staff
                    .iter()
                    .filter(|s| s.by == SentBy::Drawn)
                    .map(|s| mask_name(&s.name))
                    .collect();
                format!("{}：{}", t.department_name, names.join("、"))
            })
            .collect();
        let event = w.event(
            &record.jurisdiction,
            None,
            DRAW,
            format!(
                "一件事 {} 第{}轮{}按公布的随机种子抽取踏勘人员：{}",
                bundle.number,
                visit.round,
                visit.kind.label(),
                drawn.join("；")
            ),
            json!({"visit": visit_id, "teams": visit.teams}),
        );
        w.finish(event).await?;
        self.visit_view(who, visit_id).await
    }

    /// The project and stage a bundle is, if any.
    async fn stage_of(&self, bundle_id: i64) -> Result<Option<(i64, Stage)>> {
        Ok(self
            .store
            .bundle_project(bundle_id)
            .await?
            .and_then(|(p, s)| Some((p, Stage::parse(&s)?))))
    }

    /// Schedules a visit of a bundle (the window of its lead department): its kind (a joint
    /// inspection before the decision, a joint acceptance of the 竣工验收 stage), a working day
    /// after today, every department of its members with at least two of its own staff; the
    /// applicant is told the date in writing; an audited event.
    pub async fn schedule_visit(
        &self,
        who: &Principal,
        input: &ScheduleVisit,
    ) -> Result<VisitView> {
        let bundle = self.bundle_record(input.bundle_id).await?;
        self.require_scheduler(who, &bundle)?;
        let kind =
            AppError::choice::<VisitKind>("kind", &input.kind, |c| format!("请选择踏勘类别：{c}"))?;
        let stage = self.stage_of(bundle.id).await?;
        let open = self
            .store
            .bundle_cases(bundle.id)
            .await?
            .iter()
            .any(|c| !MemberOutcome::of(&c.case).ended());
        jv::check_kind(kind, stage.map(|(_, s)| s), open).map_err(refused)?;
        self.new_round(
            who,
            &bundle,
            stage.map(|(p, _)| p),
            kind,
            1,
            None,
            &input.date,
            &input.teams,
        )
        .await
    }

    /// Schedules the re-inspection of a failed round (the window of the bundle's lead
    /// department): a new round linked to it, once.
    pub async fn reinspect_visit(
        &self,
        who: &Principal,
        visit_id: i64,
        input: &Reinspect,
    ) -> Result<VisitView> {
        let previous = self.visit_record(visit_id).await?;
        let bundle = self.bundle_record(previous.bundle_id).await?;
        self.require_scheduler(who, &bundle)?;
        let followed = self.store.reinspection_of(visit_id).await?.is_some();
        jv::check_reinspection(&self.calendar(), &previous.body.0, followed, self.today())
            .map_err(refused)?;
        self.new_round(
            who,
            &bundle,
            previous.project_id,
            previous.body.0.kind,
            previous.body.0.round + 1,
            Some(visit_id),
            &input.date,
            &input.teams,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn new_round(
        &self,
        who: &Principal,
        bundle: &BundleRecord,
        project_id: Option<i64>,
        kind: VisitKind,
        round: u32,
        previous_id: Option<i64>,
        date: &str,
        teams: &[TeamInput],
    ) -> Result<VisitView> {
        let date = parse_date(date.trim())
            .map_err(|_| AppError::field("date", "请填写踏勘日期（格式 2025-03-05）"))?;
        jv::check_date(&self.calendar(), self.today(), date).map_err(refused)?;
        let concerned = self.concerned(bundle).await?;
        let teams = self.teams(bundle, &concerned, teams).await?;
        let visit = Visit {
            kind,
            date,
            round,
            teams,
            opinions: vec![],
        };
        let subject = self.visit_subject(bundle, project_id).await?;
        let mut w = self.audited_write(who).await?;
        let id =
            w.tx.insert_visit(&NewVisit {
                jurisdiction: &bundle.jurisdiction,
                bundle_id: bundle.id,
                project_id,
                previous_id,
                visit: &visit,
                state: visit.state().code(),
                scheduled_by: who.account.id,
                at_ms: w.at.timestamp_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { .. }) => {
                    refused(Refusal::new(jv::RULE_ROUND, "该轮已安排复查，不能重复安排"))
                }
                e => e.into(),
            })?;
        let message = jv::date_notice(&visit, &subject, &bundle.number, &link_of(id, project_id));
        self.tell_applicant(
            &mut w.tx,
            bundle,
            &message,
            &format!("visit:{id}:date"),
            w.at,
        )
        .await?;
        let staff: Vec<String> = visit
            .teams
            .iter()
            .map(|t| {
                let mut names: Vec<String> = t.staff.iter().map(|s| mask_name(&s.name)).collect();
                if let Some(p) = t.draw.as_ref().and_then(|d| d.published.as_ref()) {
                    names.push(format!(
                        "从踏勘人员库抽取 {} 名（公布随机种子 {}）",
                        p.input.count, p.input.seed
                    ));
                }
                format!("{}：{}", t.department_name, names.join("、"))
            })
            .collect();
        let event = w.event(
            &bundle.jurisdiction,
            None,
            SCHEDULE,
            format!(
                "安排一件事 {} 第{round}轮{}，日期 {}；{}；已书面通知申请人",
                bundle.number,
                kind.label(),
                yiyin_domain::calendar::fmt_date(date),
                staff.join("；")
            ),
            json!({"visit": id, "bundle_id": bundle.id, "project_id": project_id,
                "previous_id": previous_id, "round": round, "teams": visit.teams}),
        );
        w.finish(event).await?;
        self.visit_view(who, id).await
    }

    /// Tells the bundle's applicant in writing (in the act's transaction).
    async fn tell_applicant(
        &self,
        tx: &mut yiyin_store::WriteTx,
        bundle: &BundleRecord,
        message: &yiyin_domain::notifications::Message,
        key: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let Some(case_id) = self
            .store
            .bundle_cases(bundle.id)
            .await?
            .first()
            .map(|c| c.id)
        else {
            return Ok(());
        };
        let a = &bundle.applicant.0;
        self.notify_applicant(
            tx,
            (bundle.applicant_account, &a.id_number, &a.phone),
            message,
            case_id,
            key,
            at,
        )
        .await
    }

    /// The name a visit goes by: the project's (and its stage), or the bundle's.
    pub(crate) async fn visit_subject(
        &self,
        bundle: &BundleRecord,
        project_id: Option<i64>,
    ) -> Result<String> {
        if let Some(p) = project_id
            && let Some(project) = self.store.project(p).await?
        {
            return Ok(format!("{}（{}）", project.name, bundle.name));
        }
        Ok(bundle.name.clone())
    }

    /// Records a department's opinion (one of its sent staff, on the visit date or by the next
    /// working day); the last one settles the visit and tells the applicant; an audited event.
    pub async fn record_visit_opinion(
        &self,
        who: &Principal,
        visit_id: i64,
        input: &OpinionInput,
    ) -> Result<VisitView> {
        who.require_staff()?;
        let record = self.visit_record(visit_id).await?;
        let mut visit = record.body.0.clone();
        if !visit.sends(who.account.id) {
            return Err(AppError::Forbidden(format!(
                "只有各部门派出参加本次{}的工作人员才能录入意见",
                visit.kind.label()
            )));
        }
        let department = if input.department.trim().is_empty() {
            let teams = visit.departments_of(who.account.id);
            teams
                .first()
                .map(|t| t.department.clone())
                .unwrap_or_default()
        } else {
            input.department.trim().to_string()
        };
        let verdict =
            AppError::choice::<Verdict>("verdict", &input.verdict, |c| format!("请选择意见：{c}"))?;
        let opinion: Opinion = visit
            .check_opinion(
                &self.calendar(),
                &OpinionEntry {
                    department: &department,
                    verdict,
                    defects: &input.defects,
                    account_id: who.account.id,
                    today: self.today(),
                },
                &who.account.name,
            )
            .map_err(refused)?;
        visit.opinions.push(opinion.clone());
        let state = visit.state();
        let bundle = self.bundle_record(record.bundle_id).await?;
        let mut w = self.audited_write(who).await?;
        w.tx.update_visit(
            visit_id,
            record.version,
            &visit,
            state.code(),
            w.at.timestamp_millis(),
        )
        .await?;
        if state != VisitState::Scheduled {
            let subject = self.visit_subject(&bundle, record.project_id).await?;
            let message = result_notice(
                &visit,
                &subject,
                &bundle.number,
                &link_of(visit_id, record.project_id),
            );
            self.tell_applicant(
                &mut w.tx,
                &bundle,
                &message,
                &format!("visit:{visit_id}:result"),
                w.at,
            )
            .await?;
        }
        let team_name = self.department_name(&record.jurisdiction, &department);
        let event = w.event(
            &record.jurisdiction,
            None,
            OPINION,
            format!(
                "一件事 {} 第{}轮{}：{team_name}意见{}{}{}",
                bundle.number,
                visit.round,
                visit.kind.label(),
                opinion.verdict.label(),
                if opinion.defects.is_empty() {
                    String::new()
                } else {
                    format!("，问题 {} 项", opinion.defects.len())
                },
                match state {
                    VisitState::Scheduled => String::new(),
                    s => format!("；各部门意见已齐，{}", s.label()),
                }
            ),
            json!({"visit": visit_id, "department": department, "opinion": opinion,
                "state": state.code()}),
        );
        w.finish(event).await?;
        self.visit_view(who, visit_id).await
    }
}

/// The window's scheduling form for a bundle: the departments concerned and the 踏勘人员库 to draw
/// from.
#[derive(Debug, Clone, Serialize)]
pub struct VisitForm {
    pub bundle_id: i64,
    pub bundle_number: String,
    pub subject: String,
    /// The kinds the bundle may have now (code, label).
    pub kinds: Vec<(&'static str, &'static str)>,
    /// The departments concerned (code, name).
    pub departments: Vec<(String, String)>,
    /// The jurisdiction's 踏勘人员库 (id, name).
    pub pools: Vec<(i64, String)>,
}

/// The most bundles the desk's scheduling form offers.
pub const SCHEDULABLE_MAX: i64 = 200;

impl App {
    /// The bundles of a jurisdiction the reader's window may schedule visits for (number, name),
    /// the latest [`SCHEDULABLE_MAX`] first (any other is scheduled from its bundle's page).
    pub async fn visit_bundles(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<(i64, String)>> {
        who.require_in(Operation::Receive, jurisdiction)?;
        let scope = self.bundle_visibility(who, jurisdiction, true);
        Ok(self
            .store
            .bundle_page(jurisdiction, &scope, None, SCHEDULABLE_MAX)
            .await?
            .rows
            .into_iter()
            .map(|b| (b.id, format!("{} {}", b.number, b.name)))
            .collect())
    }

    /// Whether the reader is the window that schedules the joint visits of the bundle `view`
    /// (its page links to the scheduling form).
    pub fn may_schedule_visit(&self, who: &Principal, view: &crate::bundles::BundleView) -> bool {
        who.require(
            Operation::Receive,
            &self.bundle_scope(&view.jurisdiction, &view.lead_department),
        )
        .is_ok()
    }

    /// The scheduling form of a bundle (its window).
    pub async fn visit_form(&self, who: &Principal, bundle_id: i64) -> Result<VisitForm> {
        let bundle = self.bundle_record(bundle_id).await?;
        self.require_scheduler(who, &bundle)?;
        let stage = self.stage_of(bundle.id).await?;
        let kinds = if stage.is_some_and(|(_, s)| s == Stage::Completion) {
            vec![
                (VisitKind::Acceptance.code(), VisitKind::Acceptance.label()),
                (VisitKind::Inspection.code(), VisitKind::Inspection.label()),
            ]
        } else {
            vec![(VisitKind::Inspection.code(), VisitKind::Inspection.label())]
        };
        Ok(VisitForm {
            subject: self.visit_subject(&bundle, stage.map(|(p, _)| p)).await?,
            departments: self.concerned(&bundle).await?,
            pools: self.inspector_pools(&bundle.jurisdiction).await?,
            kinds,
            bundle_id: bundle.id,
            bundle_number: bundle.number,
        })
    }

    /// A jurisdiction's 踏勘人员库 (id, name).
    pub async fn inspector_pools(&self, jurisdiction: &str) -> Result<Vec<(i64, String)>> {
        Ok(self
            .store
            .pools_in(jurisdiction)
            .await?
            .into_iter()
            .filter(|p| p.kind == PoolKind::Inspector.code())
            .map(|p| (p.id, p.name))
            .collect())
    }
}

/// The page the applicant's notices open: the project's, or the visit's.
fn link_of(visit_id: i64, project_id: Option<i64>) -> String {
    match project_id {
        Some(p) => format!("/my/projects/{p}"),
        None => format!("/my/visits/{visit_id}"),
    }
}

/// The applicant's notice of a visit's result: passed, or the defects to fix.
fn result_notice(
    visit: &Visit,
    subject: &str,
    number: &str,
    link: &str,
) -> yiyin_domain::notifications::Message {
    let what = format!("第{}轮{}", visit.round, visit.kind.label());
    let detail = match visit.state() {
        VisitState::Passed => "各部门意见均为合格，已通过。".to_string(),
        _ => {
            let lines: Vec<String> = visit
                .defects()
                .into_iter()
                .map(|(d, list)| format!("{d}：{}", list.join("；")))
                .collect();
            format!(
                "未通过，需整改的问题：{}。请整改完毕后联系窗口安排复查。",
                lines.join("；")
            )
        }
    };
    yiyin_domain::notifications::Message {
        kind: yiyin_domain::notifications::NotificationKind::JointVisit,
        subject: format!("{what}结果：{subject}"),
        body: format!("您申请的「{subject}」（办件编号 {number}）{what}{detail}"),
        sms: format!("{subject}（{number}）{what}{}", visit.state().label()),
        link: link.to_string(),
    }
}
