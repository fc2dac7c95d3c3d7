//! Reading joint visits: who sees a visit (the window of the bundle's lead department, the staff
//! sent, staff who may read the bundle, and its applicant — the builder of the project — with the
//! staff's names masked), the visit with its teams, opinions, defects, the notice of its date and
//! its joint record (联合踏勘记录 / 联合验收意见书, downloadable), and the lists: a jurisdiction's (a
//! page at a time, latest date first), a project's.

use chrono::NaiveDate;
use yiyin_domain::joint_visit::opinion_deadline;
use yiyin_store::joint_visits::{VisitKey, VisitScope};

use super::*;
use crate::paging::{ListPage, bad_cursor, cut, page_limit};

/// The most visits a page of a jurisdiction's list holds.
pub const VISITS_PAGE_MAX: i64 = 200;

/// A member of staff sent, as the reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffLine {
    /// The name (masked for the applicant).
    pub name: String,
    /// How the member was sent (指派 / 从踏勘人员库随机抽取).
    pub sent_by: String,
}

/// A department's defects to fix.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentDefects {
    pub department_name: String,
    pub defects: Vec<String>,
}

/// A department's team as its reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamView {
    pub department: String,
    pub department_name: String,
    pub staff: Vec<StaffLine>,
    /// The 踏勘人员库 draw's seed, if the team is drawn (published with the schedule).
    pub draw_seed: String,
    /// How many the draw is to send while it is still to be made (0 otherwise).
    pub draw_pending: usize,
    /// The draw as published (names masked and the reasons of exclusions withheld for the
    /// applicant), with its result once made: what `yiyin draw --expert` re-runs.
    pub draw: Option<PublishedDraw>,
    pub opinion: Option<Opinion>,
    pub verdict_label: String,
}

/// A visit as its reader sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitView {
    pub id: i64,
    pub jurisdiction: String,
    pub bundle_id: i64,
    pub bundle_number: String,
    pub project_id: Option<i64>,
    /// The project's name and stage, or the bundle's name.
    pub subject: String,
    pub kind: VisitKind,
    pub kind_label: String,
    pub date: NaiveDate,
    /// The last day the departments' opinions may be entered (the working day after the visit).
    pub opinion_due: Option<NaiveDate>,
    pub round: u32,
    pub previous_id: Option<i64>,
    /// The re-inspection that follows this round, if any.
    pub next_id: Option<i64>,
    pub state: VisitState,
    pub state_label: String,
    pub teams: Vec<TeamView>,
    /// The defects to fix, by department.
    pub defects: Vec<DepartmentDefects>,
    /// The written notice of the date to the applicant.
    pub notice: String,
    /// The joint record's title and text (联合踏勘记录 / 联合验收意见书).
    pub record_title: String,
    pub record: String,
    /// The departments (codes) whose opinion the reader may enter now.
    pub may_enter: Vec<String>,
    /// Whether the reader may schedule the re-inspection now.
    pub may_reinspect: bool,
    /// Whether the reader may make the draws whose seeds were published (the window, up to the
    /// visit date).
    pub may_draw: bool,
}

/// A line of a list of visits.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitLine {
    pub id: i64,
    pub subject: String,
    pub bundle_number: String,
    pub kind_label: String,
    pub date: NaiveDate,
    pub round: u32,
    pub state: VisitState,
    pub state_label: String,
    pub departments: String,
}

/// How a reader reads a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The window that schedules it.
    Scheduler,
    /// Other staff (sent, or reading the bundle).
    Staff,
    Applicant,
}

impl App {
    /// Whether the reader may see a visit, and as whom.
    async fn visit_reader(
        &self,
        who: &Principal,
        record: &VisitRecord,
        bundle: &BundleRecord,
    ) -> Result<Reader> {
        if who.is_staff() {
            if self.require_scheduler(who, bundle).is_ok() {
                return Ok(Reader::Scheduler);
            }
            if record.body.0.sends(who.account.id) {
                return Ok(Reader::Staff);
            }
            let members = self.store.bundle_members(bundle.id).await?;
            self.bundle_reader(who, bundle, &members)?;
            return Ok(Reader::Staff);
        }
        let builder = match record.project_id {
            Some(p) => self.store.project(p).await?.map(|p| p.builder_code),
            None => None,
        };
        let of_applicant = bundle.applicant_account == Some(who.account.id)
            || crate::projects::builder_of(who, &bundle.applicant.0.id_number)
            || builder.is_some_and(|b| crate::projects::builder_of(who, &b));
        if of_applicant {
            Ok(Reader::Applicant)
        } else {
            Err(AppError::Forbidden(
                "这不是您单位的联合踏勘验收，您无权查看".into(),
            ))
        }
    }

    /// A visit as the reader may see it.
    pub async fn visit_view(&self, who: &Principal, id: i64) -> Result<VisitView> {
        let record = self.visit_record(id).await?;
        let bundle = self.bundle_record(record.bundle_id).await?;
        let reader = self.visit_reader(who, &record, &bundle).await?;
        let visit = &record.body.0;
        let applicant = reader == Reader::Applicant;
        let name = |n: &str| {
            if applicant {
                mask_name(n)
            } else {
                n.to_string()
            }
        };
        let subject = self.visit_subject(&bundle, record.project_id).await?;
        let next_id = self.store.reinspection_of(id).await?;
        let state = visit.state();
        let cal = self.calendar();
        let opinion_due = opinion_deadline(&cal, visit.date).ok();
        let today = self.today();
        let open = opinion_due.is_some_and(|due| today >= visit.date && today <= due);
        let teams = visit
            .teams
            .iter()
            .map(|t| {
                let opinion = visit
                    .opinions
                    .iter()
                    .find(|o| o.department == t.department)
                    .cloned()
                    .map(|o| Opinion {
                        by_name: name(&o.by_name),
                        ..o
                    });
                TeamView {
                    department: t.department.clone(),
                    department_name: t.department_name.clone(),
                    staff: t
                        .staff
                        .iter()
                        .map(|s| StaffLine {
                            name: name(&s.name),
                            sent_by: s.by.label().to_string(),
                        })
                        .collect(),
                    draw_seed: t.draw.as_ref().map(|d| d.seed.clone()).unwrap_or_default(),
                    draw_pending: t
                        .draw
                        .as_ref()
                        .filter(|d| d.pending())
                        .and_then(|d| d.published.as_ref())
                        .map_or(0, |p| p.input.count),
                    draw: t.draw.as_ref().and_then(|d| d.published.as_ref()).map(|p| {
                        if applicant {
                            pools::redact(p)
                        } else {
                            p.clone()
                        }
                    }),
                    verdict_label: opinion
                        .as_ref()
                        .map_or("尚未出具", |o| o.verdict.label())
                        .to_string(),
                    opinion,
                }
            })
            .collect();
        let may_enter = if applicant || !open {
            vec![]
        } else {
            visit
                .departments_of(who.account.id)
                .into_iter()
                .filter(|t| !visit.opinions.iter().any(|o| o.department == t.department))
                .map(|t| t.department.clone())
                .collect()
        };
        let shown = if applicant {
            Visit {
                teams: visit
                    .teams
                    .iter()
                    .map(|t| Team {
                        staff: t
                            .staff
                            .iter()
                            .map(|s| Sent {
                                name: mask_name(&s.name),
                                ..s.clone()
                            })
                            .collect(),
                        ..t.clone()
                    })
                    .collect(),
                opinions: visit
                    .opinions
                    .iter()
                    .map(|o| Opinion {
                        by_name: mask_name(&o.by_name),
                        ..o.clone()
                    })
                    .collect(),
                ..visit.clone()
            }
        } else {
            visit.clone()
        };
        Ok(VisitView {
            id,
            jurisdiction: record.jurisdiction.clone(),
            bundle_id: bundle.id,
            bundle_number: bundle.number.clone(),
            project_id: record.project_id,
            notice: jv::date_notice(visit, &subject, &bundle.number, "").body,
            record_title: match visit.kind {
                VisitKind::Inspection => "联合踏勘记录".into(),
                VisitKind::Acceptance => "联合验收意见书".into(),
            },
            record: shown.record_text(&subject, &bundle.number),
            subject,
            kind: visit.kind,
            kind_label: visit.kind.label().into(),
            date: visit.date,
            opinion_due,
            round: visit.round,
            previous_id: record.previous_id,
            next_id,
            state,
            state_label: state.label().into(),
            teams,
            defects: visit
                .defects()
                .into_iter()
                .map(|(department_name, defects)| DepartmentDefects {
                    department_name,
                    defects,
                })
                .collect(),
            may_enter,
            may_reinspect: reader == Reader::Scheduler
                && jv::check_reinspection(&cal, visit, next_id.is_some(), today).is_ok(),
            may_draw: reader == Reader::Scheduler && visit.draws_pending() && today <= visit.date,
        })
    }

    async fn visit_line(&self, record: &VisitRecord) -> Result<VisitLine> {
        let bundle = self.bundle_record(record.bundle_id).await?;
        let visit = &record.body.0;
        let state = visit.state();
        let departments: Vec<&str> = visit
            .teams
            .iter()
            .map(|t| t.department_name.as_str())
            .collect();
        Ok(VisitLine {
            id: record.id,
            subject: self.visit_subject(&bundle, record.project_id).await?,
            bundle_number: bundle.number.clone(),
            kind_label: visit.kind.label().into(),
            date: visit.date,
            round: visit.round,
            state,
            state_label: state.label().into(),
            departments: departments.join("、"),
        })
    }

    /// A page of a jurisdiction's visits, latest date first, after the cursor `after` (empty: the
    /// first page), `limit` a page (1 to [`VISITS_PAGE_MAX`]): all of them for its window (who
    /// schedules them) and the bureau's staff who read its cases; for a department's staff those
    /// their department takes part in (the staff sent among them).
    pub async fn visit_list(
        &self,
        who: &Principal,
        jurisdiction: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<VisitLine>> {
        self.jurisdiction(jurisdiction)?;
        who.require_staff()?;
        let window = who.require_in(Operation::Receive, jurisdiction).is_ok();
        if !window {
            who.require_in(Operation::ViewCase, jurisdiction)?;
        }
        let limit = page_limit(limit, VISITS_PAGE_MAX)?;
        let after = match after.trim() {
            "" => None,
            a => Some(VisitKey::parse(a).ok_or_else(bad_cursor)?),
        };
        // The bureau's staff who read the jurisdiction's cases see every visit (as they may open
        // each); a department's staff see the visits their department takes part in (the staff
        // sent are staff of those departments).
        let bureau_wide = who.account.grants.iter().any(|g| {
            g.jurisdiction == jurisdiction
                && g.department.is_none()
                && g.unit.is_none()
                && yiyin_domain::authz::role_may(g.role, Operation::ViewCase)
        });
        let scope = VisitScope {
            all: window || bureau_wide,
            departments: who
                .account
                .grants
                .iter()
                .filter(|g| g.jurisdiction == jurisdiction)
                .filter_map(|g| g.department.clone())
                .collect(),
        };
        let (mut rows, count) = self
            .store
            .visit_page(jurisdiction, &scope, after, limit + 1)
            .await?;
        let next = cut(&mut rows, limit, |r| VisitKey::of(r).cursor());
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            items.push(self.visit_line(r).await?);
        }
        Ok(ListPage { items, count, next })
    }

    /// The visits of a project's stages, for whoever may see the project (its page lists them).
    pub async fn project_visits(&self, who: &Principal, project_id: i64) -> Result<Vec<VisitLine>> {
        self.project_view(who, project_id).await?;
        let mut out = Vec::new();
        for r in self.store.visits_of_project(project_id).await? {
            out.push(self.visit_line(&r).await?);
        }
        Ok(out)
    }

    /// The visits of the applicant's own bundles and projects (its account, or the identity it
    /// stands for).
    pub async fn my_visits(&self, who: &Principal) -> Result<Vec<VisitLine>> {
        who.require_applicant()?;
        let mut out = Vec::new();
        for p in self.my_project_ids(who).await? {
            for r in self.store.visits_of_project(p).await? {
                out.push(self.visit_line(&r).await?);
            }
        }
        for b in self.store.bundles_of_account(who.account.id).await? {
            for r in self.store.visits_of_bundle(b.id).await? {
                if r.project_id.is_none() {
                    out.push(self.visit_line(&r).await?);
                }
            }
        }
        Ok(out)
    }

    async fn my_project_ids(&self, who: &Principal) -> Result<Vec<i64>> {
        Ok(self
            .my_projects(who)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }

    /// The joint record of a visit as a downloadable text (file name, text): 联合踏勘记录 or
    /// 联合验收意见书, for whoever may see the visit.
    pub async fn visit_record_file(&self, who: &Principal, id: i64) -> Result<(String, String)> {
        let view = self.visit_view(who, id).await?;
        Ok((
            format!(
                "{}-{}-第{}轮.txt",
                view.record_title, view.bundle_number, view.round
            ),
            view.record,
        ))
    }
}
