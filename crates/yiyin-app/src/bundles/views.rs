//! Reading bundles: who sees the whole bundle and who only their member, the bundle page, the
//! worklist and the public tracking look-up (names masked).

use super::*;
use crate::paging::{ListPage, id_cursor, page_limit};

impl App {
    pub(crate) async fn bundle_record(&self, id: i64) -> Result<BundleRecord> {
        self.store
            .bundle(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有内部编号为 {id} 的一件事")))
    }

    /// The bundle a member case belongs to, as its pages and lists name it (所属一件事).
    pub async fn bundle_ref(&self, id: i64) -> Result<Option<BundleRef>> {
        Ok(self.store.bundle(id).await?.map(|b| BundleRef {
            id: b.id,
            number: b.number,
            name: b.name,
            released_on: b.body.0.released_on,
        }))
    }

    /// The scope whose intake duty (受理) covers a case: a bundle's member case is taken in with its
    /// bundle, by the window of the bundle's lead department (Art. 26, 统一受理); any other case by
    /// its own.
    pub async fn intake_scope(&self, record: &CaseRecord) -> Result<Scope> {
        if let Some(id) = record.bundle_id
            && let Some(b) = self.store.bundle(id).await?
        {
            return Ok(self.bundle_scope(&b.jurisdiction, &b.lead_department));
        }
        Ok(self.case_scope(record))
    }

    /// Whether the reader sees the whole bundle, and which members they see.
    pub(crate) fn bundle_reader(
        &self,
        who: &Principal,
        record: &BundleRecord,
        members: &[BundleMemberRow],
    ) -> Result<(bool, Vec<String>)> {
        let all: Vec<String> = members.iter().map(|m| m.item_code.clone()).collect();
        if !who.is_staff() {
            // The bundle's own applicant (or an agent for it) sees the whole of it.
            if self.is_bundle_applicant(who, record) {
                return Ok((true, all));
            }
            return Err(AppError::Forbidden(
                "该一件事不是您（或您单位）申请的，您无权查看".into(),
            ));
        }
        let scope = self.bundle_scope(&record.jurisdiction, &record.lead_department);
        let visible: Vec<String> = members
            .iter()
            .filter(|m| {
                who.require(
                    Operation::ViewCase,
                    &self.member_scope(&record.jurisdiction, m),
                )
                .is_ok()
            })
            .map(|m| m.item_code.clone())
            .collect();
        let lead = members
            .iter()
            .any(|m| m.department == record.lead_department && visible.contains(&m.item_code));
        if who.require(Operation::ViewCase, &scope).is_ok()
            || who.require(Operation::ExtendBundle, &scope).is_ok()
            || lead
        {
            return Ok((true, all));
        }
        if visible.is_empty() {
            return Err(AppError::Forbidden(format!(
                "一件事 {} 中没有您所在部门办理的成员事项，您无权查看",
                record.number
            )));
        }
        Ok((false, visible))
    }

    /// A bundle as the reader may see it.
    pub async fn bundle_view(&self, who: &Principal, id: i64) -> Result<BundleView> {
        let record = self.bundle_record(id).await?;
        let members = self.store.bundle_members(id).await?;
        let (whole, visible) = self.bundle_reader(who, &record, &members)?;
        let cases = self.store.bundle_cases(id).await?;
        self.bundle_view_of(record, members, &cases, whole, &visible)
    }

    pub(crate) fn bundle_view_of(
        &self,
        record: BundleRecord,
        members: Vec<BundleMemberRow>,
        cases: &[CaseRecord],
        whole: bool,
        visible: &[String],
    ) -> Result<BundleView> {
        let resolved = &record.resolved.0;
        let rules = super::rules_of(resolved)?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let today = self.today();
        let body = &record.body.0;
        // Time applied for reading (a bundle whose intake window passed reads as deemed accepted).
        let case = body
            .case
            .tick(today)
            .map_or_else(|| body.case.clone(), |(c, _)| c);
        let dept_name = |code: &str| self.department_name(&record.jurisdiction, code);
        let outcomes: Vec<MemberOutcome> =
            cases.iter().map(|c| MemberOutcome::of(&c.case)).collect();
        let member_lines: Vec<MemberLine> = rules
            .def()
            .members
            .iter()
            .filter(|m| visible.contains(&m.code))
            .filter_map(|m| cases.iter().find(|c| c.item_code == m.code))
            .map(|c| {
                let outcome = MemberOutcome::of(&c.case);
                let clock = c.deadlines(&calendar, today).ok();
                let state = c.case.tick(today).map_or(c.case.state, |(t, _)| t.state);
                let department = members
                    .iter()
                    .find(|m| m.item_code == c.item_code)
                    .map_or_else(|| c.department.clone(), |m| m.department.clone());
                MemberLine {
                    item_code: c.item_code.clone(),
                    item_name: c.item_name.clone(),
                    department_name: dept_name(&department),
                    department,
                    case_id: c.id,
                    case_number: c.number.clone(),
                    state: state.code().to_string(),
                    outcome: outcome.code().to_string(),
                    status_label: if outcome.ended() {
                        outcome.label().to_string()
                    } else {
                        state.label().to_string()
                    },
                    decided_on: c.case.decided_on,
                    statutory_due: clock.and_then(|k| k.statutory_due),
                }
            })
            .collect();
        let provided = &case.provided;
        let asked_codes = if case.state == yiyin_domain::engine::CaseState::AwaitingSupplement {
            case.asked_materials()
        } else {
            vec![]
        };
        let materials: Vec<MaterialLine> = resolved
            .materials
            .iter()
            .filter(|m: &&MergedMaterial| {
                whole || m.members.iter().any(|(i, _)| visible.contains(i))
            })
            .map(|m| MaterialLine {
                code: m.code.clone(),
                name: m.name.clone(),
                members: m.members.iter().map(|(i, _)| i.clone()).collect(),
                provided: provided.contains(&m.code),
                shared: m.members.len() > 1,
            })
            .collect();
        let clock = case.deadlines(&ctx, today).ok();
        let dues = case.dues(&ctx, today).ok().flatten();
        let explanation = match (case.accepted_on, &dues) {
            (Some(accepted), Some(d)) => {
                let mut parts = vec![format!(
                    "联合办理期限 {BUNDLE_LIMIT} 个工作日（《行政许可法》第四十二条第二款）"
                )];
                if d.extension > 0 {
                    parts.push(format!(
                        "经本级人民政府负责人批准延期 {} 个工作日",
                        d.extension
                    ));
                }
                if d.suspended > 0 {
                    parts.push(format!(
                        "特别程序 {} 个工作日不计入（《行政许可法》第四十五条）",
                        d.suspended
                    ));
                }
                format!(
                    "一件事于 {} 受理：{}，自受理次日起算，届满日为 {}；各成员事项的办理期限不超过一件事的期限",
                    fmt_date(accepted),
                    parts.join("，"),
                    fmt_date(d.statutory)
                )
            }
            _ => "一件事尚未受理，联合办理期限自受理之日起算".to_string(),
        };
        let result = joint_result(&outcomes);
        let state_label = match (body.released_on, result) {
            (Some(_), Some(JointResult::Partial)) => "已统一出件（部分准予）".to_string(),
            (Some(_), _) => "已统一出件".to_string(),
            (None, Some(_)) => "各成员事项均已办结，待统一出件".to_string(),
            (None, None) => case.state.label().to_string(),
        };
        Ok(BundleView {
            id: record.id,
            number: record.number.clone(),
            jurisdiction: record.jurisdiction.clone(),
            bundle_code: record.bundle_code.clone(),
            bundle_version: record.bundle_version,
            name: record.name.clone(),
            lead_department_name: dept_name(&record.lead_department),
            lead_department: record.lead_department.clone(),
            applicant_name: record.applicant.0.name.clone(),
            state: match (body.released_on, result) {
                (Some(_), _) => "released".into(),
                (None, Some(_)) => "decided".into(),
                (None, None) => case.state.code().into(),
            },
            state_label,
            result: result.map_or_else(String::new, |r| r.code().to_string()),
            received_on: case.received_on,
            accepted_on: case.accepted_on,
            released_on: body.released_on,
            clock,
            explanation,
            members: member_lines,
            asked: materials
                .iter()
                .filter(|m| asked_codes.contains(&m.code))
                .cloned()
                .collect(),
            materials,
            whole,
            version: record.version,
        })
    }

    /// The bundles of a jurisdiction the reader may see (the window, the government's head and the
    /// lead department: all; a department: those with a member of theirs), newest first, a page
    /// at a time: those before the bundle `after` (empty: the first page), `limit` a page (1 to
    /// [`BUNDLES_PAGE_MAX`]), with how many the reader may see in all.
    pub async fn bundle_list(
        &self,
        who: &Principal,
        jurisdiction: &str,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<BundleLine>> {
        who.require_staff()?;
        self.jurisdiction(jurisdiction)?;
        let limit = page_limit(limit, BUNDLES_PAGE_MAX)?;
        let after = id_cursor(after)?;
        let scope = self.bundle_visibility(who, jurisdiction, false);
        let page = self
            .store
            .bundle_page(jurisdiction, &scope, after, limit)
            .await?;
        let mut items = Vec::with_capacity(page.rows.len());
        for record in page.rows {
            let members = self.store.bundle_members(record.id).await?;
            let cases = self.store.bundle_cases(record.id).await?;
            let view = self.bundle_view_of(record, members, &cases, false, &[])?;
            items.push(BundleLine {
                id: view.id,
                number: view.number,
                name: view.name,
                state_label: view.state_label,
                statutory_due: view.clock.and_then(|c| c.statutory_due),
            });
        }
        Ok(ListPage {
            items,
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }

    /// A bundle as its applicant tracks it by its number and the applicant's ID number: every
    /// member's state, the joint due date, and the release; a person's name masked.
    pub async fn track_bundle(&self, number: &str, id_number: &str) -> Result<BundleView> {
        let record = self
            .store
            .bundle_by_number(number.trim())
            .await?
            .filter(|r| {
                r.applicant
                    .0
                    .id_number
                    .eq_ignore_ascii_case(id_number.trim())
            })
            .ok_or_else(|| {
                AppError::NotFound("没有找到该一件事，请核对办件编号和证件号码".into())
            })?;
        let members = self.store.bundle_members(record.id).await?;
        let all: Vec<String> = members.iter().map(|m| m.item_code.clone()).collect();
        let cases = self.store.bundle_cases(record.id).await?;
        // The applicant's name as the public sees it: a person's masked.
        let name = yiyin_domain::party::SubjectKind::parse(&record.applicant.0.kind)
            .map(|k| k.public_name(&record.applicant.0.name))
            .unwrap_or_default();
        let mut view = self.bundle_view_of(record, members, &cases, true, &all)?;
        view.applicant_name = name;
        Ok(view)
    }
}
