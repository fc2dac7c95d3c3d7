//! Reading projects: who sees a project (the bureau's staff of its jurisdiction, each stage's
//! members as the bundles' rules let them; its builder's own account), the project page with every
//! stage, item and clock and the working days used against the target, and the lists.

use yiyin_domain::project::StageConfig;

use super::*;
use crate::paging::{ListPage, id_cursor, page_limit};

/// The most projects a page of a jurisdiction's list holds (and how many when not said).
pub const PROJECT_PAGE: i64 = 200;

impl App {
    /// Whether the reader may see the project: staff who receive or read cases in its
    /// jurisdiction, or the builder's own account (by its credit code). Returns whether the reader
    /// is staff.
    fn project_reader(&self, who: &Principal, record: &ProjectRecord) -> Result<bool> {
        if who.is_staff() {
            if who
                .require_in(Operation::ViewCase, &record.jurisdiction)
                .is_ok()
                || who
                    .require_in(Operation::Receive, &record.jurisdiction)
                    .is_ok()
            {
                return Ok(true);
            }
            return Err(AppError::Forbidden("您无权查看本县区的工程建设项目".into()));
        }
        if builder_of(who, &record.builder_code) {
            return Ok(false);
        }
        Err(AppError::Forbidden(
            "该工程建设项目不是您单位的项目，您无权查看".into(),
        ))
    }

    /// A project as the reader may see it.
    pub async fn project_view(&self, who: &Principal, id: i64) -> Result<ProjectView> {
        let record = self.project_record(id).await?;
        let staff = self.project_reader(who, &record)?;
        let scheme = self.project_scheme(&record.jurisdiction).await?;
        let received = self.received_stages(id).await?;
        let intermediary = self.project_intermediary(id).await?;
        let (calendar, today) = (self.calendar(), self.today());
        let mut stages = Vec::new();
        let mut times = Vec::new();
        let mut ends = Vec::new();
        for stage in Stage::ALL {
            let Some(config) = scheme.stage(*stage) else {
                stages.push(stage_line(
                    &unconfigured(*stage),
                    StageState::NotStarted,
                    None,
                    None,
                    None,
                ));
                continue;
            };
            let Some(r) = received.iter().find(|r| r.stage == config.stage) else {
                stages.push(stage_line(config, StageState::NotStarted, None, None, None));
                continue;
            };
            let end = stage_end(config, &r.members);
            ends.push((r.stage, end));
            // The drawing review's institution time is intermediary time of every milestone
            // item (the project waits for it; `crate::drawing_reviews`).
            let milestones: Vec<(&Case, Vec<yiyin_domain::project::Period>)> =
                milestone_members(config, &r.members)
                    .into_iter()
                    .map(|(_, c)| (c, intermediary.clone()))
                    .collect();
            let time = StageTime::of(&r.bundle_case, end, &milestones);
            let days = stage_days(&calendar, &time, today).map_err(|e| AppError::Invalid {
                field: None,
                message: e.to_string(),
            })?;
            times.push(time);
            let bundle = self.stage_bundle(who, staff, r.bundle_id).await?;
            let state = if end.is_some() {
                StageState::Ended
            } else {
                StageState::InProgress
            };
            stages.push(stage_line(config, state, end, Some(days), bundle));
        }
        let days = project_days(&calendar, &times, scheme.target_days, today).map_err(|e| {
            AppError::Invalid {
                field: None,
                message: e.to_string(),
            }
        })?;
        let next_stage = Stage::ALL
            .iter()
            .copied()
            .find(|s| !received.iter().any(|r| r.stage == *s));
        let next_blocked = next_stage
            .and_then(|s| check_receive(s, &ends).err())
            .map_or_else(String::new, |r| r.message);
        // The materials given, by the stage that took each first (supplements included).
        let mut materials: Vec<GivenMaterial> = Vec::new();
        for stage in Stage::ALL {
            for r in received.iter().filter(|r| r.stage == *stage) {
                for m in &r.resolved.materials {
                    let name = m.name.trim();
                    if r.bundle_case.provided.contains(&m.code)
                        && !materials.iter().any(|g| g.name == name)
                    {
                        materials.push(GivenMaterial {
                            name: name.to_string(),
                            stage_label: stage.label().to_string(),
                        });
                    }
                }
            }
        }
        let project = record.project();
        Ok(ProjectView {
            id: record.id,
            jurisdiction: record.jurisdiction.clone(),
            investment_label: project.investment.label().to_string(),
            project,
            stages,
            days,
            next_stage,
            next_blocked,
            materials,
            drawing_reviews: self
                .store
                .drawing_reviews_of_project(id)
                .await?
                .iter()
                .map(|r| self.review_line(r))
                .collect::<Result<_>>()?,
        })
    }

    /// A stage's bundle as the reader may see it: staff as the bundle's rules let them (a
    /// department only its own members), the builder the whole of it.
    async fn stage_bundle(
        &self,
        who: &Principal,
        staff: bool,
        bundle_id: i64,
    ) -> Result<Option<BundleView>> {
        let record = self.bundle_record(bundle_id).await?;
        let members = self.store.bundle_members(bundle_id).await?;
        let (whole, visible) = if staff {
            match self.bundle_reader(who, &record, &members) {
                Ok(seen) => seen,
                Err(_) => return Ok(None),
            }
        } else {
            (true, members.iter().map(|m| m.item_code.clone()).collect())
        };
        let cases = self.store.bundle_cases(bundle_id).await?;
        Ok(Some(self.bundle_view_of(
            record, members, &cases, whole, &visible,
        )?))
    }

    /// A page of the projects of a jurisdiction (staff who receive or read cases there), newest
    /// first, after the project `after` ('': the first page), `limit` a page (1 to
    /// [`PROJECT_PAGE`], that many when not given), with how many the jurisdiction has.
    pub async fn project_list(
        &self,
        who: &Principal,
        jurisdiction: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<ProjectLine>> {
        who.require_staff()?;
        self.jurisdiction(jurisdiction)?;
        if who.require_in(Operation::ViewCase, jurisdiction).is_err() {
            who.require_in(Operation::Receive, jurisdiction)?;
        }
        let page = self
            .store
            .project_page(
                jurisdiction,
                id_cursor(after)?,
                page_limit(limit, PROJECT_PAGE)?,
            )
            .await?;
        Ok(ListPage {
            items: self.lines_of(who, page.rows).await?,
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }

    /// The projects of the applicant's own organisation (by its credit code), newest first.
    pub async fn my_projects(&self, who: &Principal) -> Result<Vec<ProjectLine>> {
        who.require_applicant()?;
        let mut records = Vec::new();
        for id in identities(who) {
            records.extend(self.store.projects_of_builder(&id).await?);
        }
        records.sort_by_key(|r| std::cmp::Reverse(r.id));
        records.dedup_by_key(|r| r.id);
        self.lines_of(who, records).await
    }

    async fn lines_of(
        &self,
        who: &Principal,
        records: Vec<ProjectRecord>,
    ) -> Result<Vec<ProjectLine>> {
        let mut out = Vec::new();
        for r in records {
            let view = self.project_view(who, r.id).await?;
            let current = view
                .stages
                .iter()
                .rev()
                .find(|s| s.state != StageState::NotStarted)
                .map_or_else(
                    || "尚未收件".to_string(),
                    |s| format!("{}（{}）", s.label, s.state_label),
                );
            out.push(ProjectLine {
                id: view.id,
                code: view.project.code,
                name: view.project.name,
                builder: view.project.builder,
                stage_label: current,
                days_used: view.days.used,
                target_days: view.days.target,
            });
        }
        Ok(out)
    }
}

/// The ID numbers an applicant's account stands for: the one it registered and the one a
/// real-name provider verified.
fn identities(who: &Principal) -> Vec<String> {
    let mut ids: Vec<String> = who
        .account
        .id_number
        .iter()
        .chain(who.account.verified_id())
        .map(|i| i.as_str().to_string())
        .collect();
    ids.dedup();
    ids
}

pub(crate) fn builder_of(who: &Principal, builder_code: &str) -> bool {
    identities(who)
        .iter()
        .any(|i| i.eq_ignore_ascii_case(builder_code.trim()))
}

/// A stage the jurisdiction has not configured yet.
fn unconfigured(stage: Stage) -> StageConfig {
    StageConfig {
        stage,
        bundle_code: String::new(),
        milestones: vec![],
        completion: yiyin_domain::project::Completion::All,
        parallel: vec![],
    }
}

fn stage_line(
    config: &StageConfig,
    state: StageState,
    ended_on: Option<chrono::NaiveDate>,
    days: Option<StageDays>,
    bundle: Option<BundleView>,
) -> StageView {
    StageView {
        stage: config.stage,
        number: config.stage.number(),
        label: config.stage.label().to_string(),
        bundle_code: config.bundle_code.clone(),
        completion_label: if config.bundle_code.is_empty() {
            "本县区尚未配置该阶段".to_string()
        } else {
            config.completion.label().to_string()
        },
        milestones: config.milestones.clone(),
        parallel: config.parallel.clone(),
        state,
        state_label: state.label().to_string(),
        ended_on,
        days,
        bundle,
    }
}
