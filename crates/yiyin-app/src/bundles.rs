//! Bundles (一件事一次办, 并联审批; 《行政许可法》第二十六条、第四十二条第二款), the use cases
//! once for the API and the pages: publishing a bundle's definition in the catalog (versioned like
//! items), receiving a bundle at the window once (one number, one receipt, the members under it),
//! one supplement notice for every member, the members decided in parallel by their departments,
//! the joint clock (45 working days from acceptance, one extension of 15 approved by the county
//! government's head), and the release of every result at once when every member has ended. Who
//! sees what: the bureau's window and the government's head the whole bundle, the lead department
//! too, every other department only its own member and the shared materials. The rules are the
//! domain's (`yiyin_domain::catalog::bundle`, `yiyin_domain::engine::Bundle`).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::{Operation, Scope};
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::catalog::bundle::{BundleSpec, BundleVersion, MergedMaterial, bundle_in_force};
use yiyin_domain::catalog::{HandlingMode, Item};
use yiyin_domain::engine::{
    Action, ApplicantFacts, BUNDLE_EXTENSION, BUNDLE_LIMIT, Bundle, BundleAction, BundleApplied,
    BundleRules, CaseState, Clock, MemberStatus, check_extension_days,
};
use yiyin_domain::party::Applicant;
use yiyin_domain::refusal::Refusal;
use yiyin_store::Store;
use yiyin_store::bundles::{BundleMemberRow, BundleRecord, NewBundle};
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// Event codes of the bundles' acts.
pub const PUBLISH: &str = "bundle_publish";
pub const RECEIVE: &str = "bundle_receive";
pub const ACT: &str = "bundle_act";

/// What the window takes with the receipt of a bundle (Art. 32): nothing yet, acceptance, or one
/// supplement notice for every member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BundleIntake {
    #[default]
    Receive,
    Accept,
    NotifySupplement,
}

/// A bundle application received at the window.
#[derive(Debug, Clone)]
pub struct ReceiveBundle {
    pub jurisdiction: String,
    pub bundle_code: String,
    /// The situations (情形) that apply, by code.
    pub situations: Vec<String>,
    pub applicant: Applicant,
    /// Codes of the merged materials provided.
    pub materials: Vec<String>,
    pub outcome: BundleIntake,
    /// With a supplement notice: the merged materials missing (all missing ones when empty).
    pub missing: Vec<String>,
}

/// An act on a bundle, by its `contracts.md` §2c name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BundleAct {
    /// The window accepts the bundle (受理): the joint clock starts.
    Accept,
    /// One supplement notice covering every member (一次性告知).
    NotifySupplement { missing: Vec<String> },
    /// The applicant's supplement, taken at the window.
    Supplement { materials: Vec<String> },
    /// The one extension of joint handling, approved by the county government's head.
    Extend {
        #[serde(default)]
        reason: String,
        #[serde(default = "fifteen")]
        days: u32,
    },
    /// A member's decision, by its department.
    Decide {
        member: String,
        approve: bool,
        #[serde(default)]
        reason: String,
    },
    /// Every result released at once at the window (统一出件).
    Release,
}

fn fifteen() -> u32 {
    BUNDLE_EXTENSION
}

/// A material of the merged list as the view shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialLine {
    pub code: String,
    pub name: String,
    /// The member items needing it (codes).
    pub members: Vec<String>,
    /// Whether it was provided.
    pub provided: bool,
    /// Whether several members share it (asked for once).
    pub shared: bool,
}

/// A member as the view shows it: its item, department and status.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberLine {
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub department_name: String,
    pub status: MemberStatus,
    /// 准予 / 不予 / 办理中 / …, in Chinese.
    pub status_label: String,
}

/// A bundle as its reader may see it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleView {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    pub bundle_code: String,
    pub bundle_version: i64,
    pub name: String,
    pub lead_department: String,
    pub lead_department_name: String,
    pub applicant_name: String,
    pub state: String,
    pub state_label: String,
    /// `partial` once released with some members denied, `all_approved`, `all_denied`; empty
    /// before every member has ended.
    pub result: String,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub released_on: Option<NaiveDate>,
    /// The bundle's own clock (45 working days from acceptance, + the extension and the days
    /// suspended).
    pub clock: Option<Clock>,
    /// How the bundle's statutory due date is counted, in Chinese.
    pub explanation: String,
    /// The members this reader may see, in the definition's order.
    pub members: Vec<MemberLine>,
    /// The materials this reader may see: the members' own and the shared ones.
    pub materials: Vec<MaterialLine>,
    /// Whether the reader sees the whole bundle (the window, the lead department, the government's
    /// head) or only their own members.
    pub whole: bool,
    /// The version read (for optimistic concurrency).
    pub version: i64,
}

/// A line of the bundles' worklist.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleLine {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub state_label: String,
    pub statutory_due: Option<NaiveDate>,
}

/// Publishes a version of a bundle's definition in a jurisdiction's catalog, checked against the
/// items in force on `effective_on` (the next version number; the first is 1).
pub async fn publish_bundle(
    store: &Store,
    jurisdiction: &str,
    spec: BundleSpec,
    effective_on: NaiveDate,
    today: NaiveDate,
    note: &str,
    by: &str,
) -> Result<BundleVersion> {
    let items: Vec<Item> = store
        .catalog_as_of(jurisdiction, effective_on)
        .await?
        .into_iter()
        .map(|v| v.item)
        .collect();
    spec.validate(&items)
        .map_err(|e| AppError::field(&e.field, e.message))?;
    let mut tx = store.begin_write().await?;
    let history = tx.bundle_history(jurisdiction, &spec.code).await?;
    let version = BundleVersion {
        jurisdiction: jurisdiction.to_string(),
        code: spec.code.clone(),
        version: history.last().map_or(1, |v| v.version + 1),
        effective_on,
        spec,
        note: note.to_string(),
        published_on: today,
        published_by: by.to_string(),
    };
    tx.insert_bundle_version(&version, chrono::Utc::now().timestamp_millis())
        .await?;
    tx.commit().await?;
    Ok(version)
}

fn refused(rule: &str, message: impl Into<String>) -> AppError {
    AppError::Refused(Refusal::new(rule, message))
}

impl App {
    /// The bundles of a jurisdiction's catalog in force today (public).
    pub async fn bundles_in_force(&self, jurisdiction: &str) -> Result<Vec<BundleVersion>> {
        self.jurisdiction(jurisdiction)?;
        let all = self.store.bundle_versions(jurisdiction).await?;
        let today = self.today();
        let mut codes: Vec<&str> = all.iter().map(|v| v.code.as_str()).collect();
        codes.dedup();
        Ok(codes
            .into_iter()
            .filter_map(|c| {
                let history: Vec<BundleVersion> =
                    all.iter().filter(|v| v.code == c).cloned().collect();
                bundle_in_force(&history, today).cloned()
            })
            .collect())
    }

    /// Publishes a bundle's definition (the catalog administrator), effective on `effective_on`;
    /// an audited event.
    pub async fn publish_bundle(
        &self,
        who: &Principal,
        jurisdiction: &str,
        spec: BundleSpec,
        effective_on: NaiveDate,
        note: &str,
    ) -> Result<BundleVersion> {
        who.require_in(Operation::ManageCatalog, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        let today = self.today();
        if effective_on < today {
            return Err(AppError::field("effective_on", "生效日期不能早于今天"));
        }
        let v = publish_bundle(
            &self.store,
            jurisdiction,
            spec,
            effective_on,
            today,
            note,
            &who.account.name,
        )
        .await?;
        let mut tx = self.store.begin_write().await?;
        tx.append_events(&[NewEvent::new(
            &who.actor(&self.org()),
            self.now(),
            jurisdiction,
            None,
            PUBLISH,
            format!("公布一件事「{}」第{}版", v.spec.name, v.version),
            json!({"code": v.code, "version": v.version, "effective_on": fmt_date(v.effective_on)}),
        )])
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The scope of a bundle as a whole: received, accepted and released by the bureau's window
    /// for the lead department.
    fn bundle_scope(&self, jurisdiction: &str, lead: &str) -> Scope {
        Scope::new(
            &self.org(),
            jurisdiction,
            lead,
            lead,
            HandlingMode::Transferred,
            false,
            &[],
        )
    }

    fn member_scope(&self, jurisdiction: &str, m: &BundleMemberRow) -> Scope {
        let mode = HandlingMode::parse(&m.handling_mode).unwrap_or(HandlingMode::Transferred);
        Scope::new(
            &self.org(),
            jurisdiction,
            &m.department,
            &m.department,
            mode,
            false,
            &[],
        )
    }

    /// Receives a bundle at the window (收件) once, with the window's outcome in the same write:
    /// one number, the members under it, one receipt.
    pub async fn receive_bundle(
        &self,
        who: &Principal,
        input: ReceiveBundle,
    ) -> Result<BundleView> {
        let today = self.today();
        let history = self
            .store
            .bundle_history(&input.jurisdiction, &input.bundle_code)
            .await?;
        let version = bundle_in_force(&history, today).cloned().ok_or_else(|| {
            refused(
                "catalog",
                format!(
                    "一件事「{}」不在本县区现行的事项目录中，不能收件（无目录不审批）",
                    input.bundle_code
                ),
            )
        })?;
        let spec = &version.spec;
        who.require(
            Operation::Receive,
            &self.bundle_scope(&input.jurisdiction, &spec.lead_department),
        )?;
        if !matches!(input.outcome, BundleIntake::Receive) {
            who.require(
                Operation::Intake,
                &self.bundle_scope(&input.jurisdiction, &spec.lead_department),
            )?;
        }
        input.applicant.check(today)?;
        let mut items = Vec::new();
        for code in spec
            .members_for(&input.situations)
            .map_err(|e| AppError::field(&e.field, e.message))?
        {
            items.push(self.item_in_force(&input.jurisdiction, &code).await?);
        }
        let plain: Vec<Item> = items.iter().map(|v| v.item.clone()).collect();
        let resolved = spec
            .resolve(&plain, &input.situations)
            .map_err(|e| AppError::field(&e.field, e.message))?;
        for code in &input.materials {
            if !resolved.materials.iter().any(|m| &m.code == code) {
                return Err(AppError::field(
                    "materials",
                    format!("材料编码「{code}」不在一件事「{}」的材料清单中", spec.name),
                ));
            }
        }
        let rules = BundleRules::new(resolved.def.clone())
            .map_err(|e| AppError::field(&e.field, e.reason))?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let at = self.now();
        let date = local_date(at);
        let received = Bundle::receive(&ctx, date, &input.materials)?;
        let mut docs = received.documents();
        let mut bundle = received.bundle;
        let outcome = match input.outcome {
            BundleIntake::Receive => None,
            BundleIntake::Accept => Some(Action::Accept),
            BundleIntake::NotifySupplement => Some(Action::NotifySupplement {
                missing: if input.missing.is_empty() {
                    rules
                        .item()
                        .materials
                        .iter()
                        .filter(|m| !input.materials.contains(&m.code))
                        .map(|m| m.code.clone())
                        .collect()
                } else {
                    input.missing.clone()
                },
            }),
        };
        if let Some(a) = &outcome {
            let applied = bundle.apply(&rules, &ctx, date, &BundleAction::Case(a.clone()))?;
            docs.extend(applied.documents());
            bundle = applied.bundle;
        }
        let members: Vec<BundleMemberRow> = items
            .iter()
            .map(|v| BundleMemberRow {
                bundle_id: 0,
                item_code: v.item.code.clone(),
                item_version: i64::from(v.version),
                item_name: v.item.name.clone(),
                department: v.item.department.clone(),
                handling_mode: v.item.handling_mode.code().to_string(),
            })
            .collect();
        let mut tx = self.store.begin_write().await?;
        let j = tx.jurisdiction(&input.jurisdiction).await?;
        let seq = tx.next_case_number(&j.code, date.year()).await?;
        let prefix = if j.case_prefix.is_empty() {
            j.code.to_uppercase()
        } else {
            j.case_prefix.clone()
        };
        let number = format!("{prefix}{}{seq:06}", date.year());
        let id = tx
            .insert_bundle(
                &NewBundle {
                    jurisdiction: &j.code,
                    number: &number,
                    bundle_code: &version.code,
                    bundle_version: i64::from(version.version),
                    name: &spec.name,
                    lead_department: &spec.lead_department,
                    applicant: &input.applicant,
                    resolved: &resolved,
                    body: &bundle,
                    received_by: who.account.id,
                    at_ms: at.timestamp_millis(),
                },
                &members,
            )
            .await?;
        let actor = who.actor_at(&self.org(), true);
        let event = NewEvent::new(
            &actor,
            at,
            &j.code,
            None,
            RECEIVE,
            format!(
                "一件事「{}」收件，办件编号 {number}，成员事项：{}",
                spec.name,
                members
                    .iter()
                    .map(|m| m.item_name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            json!({
                "bundle_id": id, "number": number, "bundle_code": version.code,
                "bundle_version": version.version, "situations": input.situations,
                "materials": input.materials, "outcome": outcome.as_ref().map(|a| a.name()),
                "documents": docs.iter().map(|d| d.title()).collect::<Vec<_>>(),
                "state": bundle.case.state.code(),
            }),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.bundle_view(who, id).await
    }

    /// Takes an act on a bundle: the window's intake acts and release, the government head's
    /// extension, a department's decision on its member.
    pub async fn act_on_bundle(
        &self,
        who: &Principal,
        id: i64,
        version: Option<i64>,
        act: BundleAct,
    ) -> Result<BundleView> {
        let record = self.bundle_record(id).await?;
        let members = self.store.bundle_members(id).await?;
        let whole = self.bundle_scope(&record.jurisdiction, &record.lead_department);
        let action = match &act {
            BundleAct::Accept => {
                who.require(Operation::Intake, &whole)?;
                BundleAction::Case(Action::Accept)
            }
            BundleAct::NotifySupplement { missing } => {
                who.require(Operation::Intake, &whole)?;
                BundleAction::Case(Action::NotifySupplement {
                    missing: missing.clone(),
                })
            }
            BundleAct::Supplement { materials } => {
                who.require(Operation::Intake, &whole)?;
                BundleAction::Case(Action::Supplement {
                    materials: materials.clone(),
                })
            }
            BundleAct::Release => {
                who.require(Operation::IssueCertificate, &whole)?;
                BundleAction::Release
            }
            BundleAct::Extend { reason, days } => {
                who.require(Operation::ExtendBundle, &whole).map_err(|_| {
                    refused(
                        "AL-13",
                        "依据《行政许可法》第四十二条第二款，一件事联合办理的延期须经本级人民政府负责人批准，您无权批准",
                    )
                })?;
                check_extension_days(*days)?;
                BundleAction::Case(Action::Extend {
                    reason: reason.clone(),
                    approved_by: "government_head".into(),
                })
            }
            BundleAct::Decide {
                member,
                approve,
                reason,
            } => {
                let m = members
                    .iter()
                    .find(|m| &m.item_code == member)
                    .ok_or_else(|| {
                        AppError::field(
                            "member",
                            format!("一件事 {} 中没有成员事项「{member}」", record.number),
                        )
                    })?;
                who.require(
                    Operation::Decide,
                    &self.member_scope(&record.jurisdiction, m),
                )?;
                BundleAction::Decide {
                    member: Some(member.clone()),
                    approve: *approve,
                    reason: reason.clone(),
                }
            }
        };
        let rules =
            BundleRules::new(record.resolved.0.def.clone()).map_err(|e| AppError::Invalid {
                field: None,
                message: e.to_string(),
            })?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let at = self.now();
        let date = local_date(at);
        let mut bundle = record.body.0.clone();
        if let Some((ticked, _)) = bundle.tick(date) {
            bundle = ticked;
        }
        let applied: BundleApplied = bundle.apply(&rules, &ctx, date, &action)?;
        let current = version.unwrap_or(record.version);
        let mut tx = self.store.begin_write().await?;
        tx.update_bundle(id, current, &applied.bundle, at.timestamp_millis())
            .await
            .map_err(|e| match e {
                yiyin_store::StoreError::Conflict(_) => {
                    AppError::Conflict("一件事已被他人更新，请刷新后重试".into())
                }
                other => other.into(),
            })?;
        let reason = match &act {
            BundleAct::Extend { reason, .. } | BundleAct::Decide { reason, .. } => reason.clone(),
            _ => String::new(),
        };
        tx.append_events(&[NewEvent::new(
            &who.actor_at(&self.org(), true),
            at,
            &record.jurisdiction,
            None,
            ACT,
            format!("一件事 {}：{}。{reason}", record.number, action.label()),
            json!({
                "bundle_id": id, "number": record.number, "act": act,
                "documents": applied.documents().iter().map(|d| d.title()).collect::<Vec<_>>(),
                "state": applied.bundle.case.state.code(),
            }),
        )])
        .await?;
        tx.commit().await?;
        self.bundle_view(who, id).await
    }

    async fn bundle_record(&self, id: i64) -> Result<BundleRecord> {
        self.store
            .bundle(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有内部编号为 {id} 的一件事")))
    }

    /// Whether the reader sees the whole bundle, and which members they see.
    fn bundle_reader(
        &self,
        who: &Principal,
        record: &BundleRecord,
        members: &[BundleMemberRow],
    ) -> Result<(bool, Vec<String>)> {
        let all: Vec<String> = members.iter().map(|m| m.item_code.clone()).collect();
        if !who.is_staff() {
            return Err(AppError::Forbidden("申请人请通过办件查询查看一件事".into()));
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
        self.bundle_view_of(record, members, whole, &visible)
    }

    fn bundle_view_of(
        &self,
        record: BundleRecord,
        members: Vec<BundleMemberRow>,
        whole: bool,
        visible: &[String],
    ) -> Result<BundleView> {
        let resolved = &record.resolved.0;
        let rules = BundleRules::new(resolved.def.clone()).map_err(|e| AppError::Invalid {
            field: None,
            message: e.to_string(),
        })?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let today = self.today();
        let bundle = &record.body.0;
        let statuses = bundle.members(rules.def(), &ctx, today)?;
        let dept_name = |code: &str| {
            self.org()
                .jurisdiction(&record.jurisdiction)
                .and_then(|j| {
                    j.departments
                        .iter()
                        .find(|d| d.code == code)
                        .map(|d| d.name.clone())
                })
                .unwrap_or_else(|| code.to_string())
        };
        let member_lines: Vec<MemberLine> = statuses
            .into_iter()
            .filter(|s| visible.contains(&s.code))
            .map(|s| {
                let row = members.iter().find(|m| m.item_code == s.code);
                let department = row.map(|m| m.department.clone()).unwrap_or_default();
                let status_label = match s.decision {
                    Some(true) => "准予行政许可".to_string(),
                    Some(false) => "不予行政许可".to_string(),
                    None => s.state.label().to_string(),
                };
                MemberLine {
                    item_code: s.code.clone(),
                    item_name: s.name.clone(),
                    department_name: dept_name(&department),
                    department,
                    status: s,
                    status_label,
                }
            })
            .collect();
        let provided = &bundle.case.provided;
        let materials = resolved
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
        let clock = bundle.case.deadlines(&ctx, today).ok();
        let dues = bundle.case.dues(&ctx, today).ok().flatten();
        let explanation = match (bundle.case.accepted_on, &dues) {
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
        let ended: Vec<bool> = bundle
            .decisions
            .iter()
            .map(|d| d.decision.approved)
            .collect();
        let result = if bundle.pending(rules.def()).next().is_some() {
            String::new()
        } else if ended.iter().all(|a| *a) {
            "all_approved".into()
        } else if ended.iter().any(|a| *a) {
            "partial".into()
        } else {
            "all_denied".into()
        };
        let state_label = match (bundle.released_on, result.as_str()) {
            (Some(_), "partial") => "已统一出件（部分准予）".to_string(),
            (Some(_), _) => "已统一出件".to_string(),
            (None, _) if bundle.case.state == CaseState::Decided => {
                "各成员事项均已作出决定，待统一出件".to_string()
            }
            _ => bundle.case.state.label().to_string(),
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
            state: if bundle.released_on.is_some() {
                "released".into()
            } else {
                bundle.case.state.code().into()
            },
            state_label,
            result,
            received_on: bundle.case.received_on,
            accepted_on: bundle.case.accepted_on,
            released_on: bundle.released_on,
            clock,
            explanation,
            members: member_lines,
            materials,
            whole,
            version: record.version,
        })
    }

    /// The bundles of a jurisdiction the reader may see (the window, the government's head and the
    /// lead department: all; a department: those with a member of theirs), newest first.
    pub async fn bundle_worklist(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<BundleLine>> {
        who.require_staff()?;
        self.jurisdiction(jurisdiction)?;
        let mut out = Vec::new();
        for record in self.store.bundles(jurisdiction, 200).await? {
            let members = self.store.bundle_members(record.id).await?;
            if self.bundle_reader(who, &record, &members).is_err() {
                continue;
            }
            let view = self.bundle_view_of(record, members, false, &[])?;
            out.push(BundleLine {
                id: view.id,
                number: view.number,
                name: view.name,
                state_label: view.state_label,
                statutory_due: view.clock.and_then(|c| c.statutory_due),
            });
        }
        Ok(out)
    }

    /// A bundle as its applicant tracks it by its number and the applicant's ID number: every
    /// member's state, the joint due date, and the release.
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
        let mut view = self.bundle_view_of(record, members, true, &all)?;
        view.applicant_name = String::new();
        Ok(view)
    }
}
