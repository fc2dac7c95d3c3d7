//! Bundles (一件事一次办, 并联审批; 《行政许可法》第二十六条、第四十二条第二款), the use cases
//! once for the API and the pages: publishing a bundle's definition in the catalog (versioned like
//! items, the version and its audit event in one write), receiving a bundle at the window once (one
//! number, one receipt) with each member item becoming an ordinary case under it (its own number,
//! documents, decision, licence and pushes, taken through the case actions by its department),
//! one supplement notice for every member, the joint clock (45 working days from acceptance, one
//! extension of 15 approved by the county government's head) that every member case's clock is
//! capped by, and the release of every result at once when every member case has ended. Who sees
//! what: the bureau's window and the government's head the whole bundle, the lead department too,
//! every other department only its own member and the shared materials. The rules are the
//! domain's (`yiyin_domain::catalog::bundle`, `yiyin_domain::engine::Bundle`,
//! `yiyin_domain::engine::joint`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::{Operation, Scope};
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::catalog::bundle::{
    BundleSpec, BundleVersion, MergedMaterial, Resolved, bundle_in_force,
};
use yiyin_domain::catalog::{HandlingMode, Item, ItemVersion};
use yiyin_domain::engine::joint::{
    JointBundle, JointResult, MemberOutcome, check_release, joint_result,
};
use yiyin_domain::engine::{
    Action, ApplicantFacts, BUNDLE_EXTENSION, BUNDLE_LIMIT, Bundle, BundleAction, BundleRules,
    Case, Clock, Context, ItemRules, check_attestation, check_extension_days,
};
use yiyin_domain::notifications::About;
use yiyin_domain::party::{Actor, Applicant};
use yiyin_domain::refusal::Refusal;
use yiyin_store::attachments::NewAttachment;
use yiyin_store::bundles::{BundleMemberRow, BundleRecord, NewBundle};
use yiyin_store::cases::{CaseBody, CaseRecord, NewCaseRow};
use yiyin_store::events::NewEvent;
use yiyin_store::{Store, WriteTx};

use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;

/// Event codes of the bundles' acts.
pub const PUBLISH: &str = "bundle_publish";
pub const RECEIVE: &str = "bundle_receive";
pub const ACT: &str = "bundle_act";

/// The most bundles a page of the list may hold.
pub const BUNDLES_PAGE_MAX: i64 = 200;

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
    /// Art. 31: the applicant attests that the materials are true (the signed application form,
    /// confirmed by the window).
    pub attested: bool,
    /// Files of the merged materials scanned at the window (`Upload::material`: the merged code),
    /// each counted as provided; a shared one is stored once and linked to every member needing it.
    pub uploads: Vec<crate::cases::Upload>,
}

/// The window's receipt form of a bundle: the bundles in force, and the one chosen with its
/// members (code, name) and merged material list for the situations chosen.
#[derive(Debug, Clone)]
pub struct BundleIntakeForm {
    pub bundles: Vec<BundleVersion>,
    pub chosen: Option<BundleVersion>,
    pub members: Vec<(String, String)>,
    pub materials: Vec<MaterialLine>,
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
    /// Every result released at once at the window (统一出件), once every member case has ended.
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

/// A member as the view shows it: its item, department and its own case (办件).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberLine {
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub department_name: String,
    /// The member's case: its internal id and its number.
    pub case_id: i64,
    pub case_number: String,
    /// The member case's state code.
    pub state: String,
    /// `pending`, `approved`, `denied` or `closed` (ended without a decision).
    pub outcome: String,
    /// 准予行政许可 / 不予行政许可 / the case's state, in Chinese.
    pub status_label: String,
    pub decided_on: Option<NaiveDate>,
    /// The member case's statutory due date: its own, never past the bundle's.
    pub statutory_due: Option<NaiveDate>,
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
    /// The bundle's intake state; `decided` once every member case has ended; `released`.
    pub state: String,
    pub state_label: String,
    /// `partial` when some members are approved and some not, `all_approved`, `all_denied`;
    /// empty before every member case has ended.
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
    /// The materials the bundle's one supplement notice asks for and still waits for.
    pub asked: Vec<MaterialLine>,
    /// Whether the reader sees the whole bundle (the window, the lead department, the government's
    /// head) or only their own members.
    pub whole: bool,
    /// The version read (for optimistic concurrency).
    pub version: i64,
}

/// The bundle a member case belongs to, as its case page links it (所属一件事).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleRef {
    pub id: i64,
    pub number: String,
    pub name: String,
    /// The day every result was released at once (统一出件); before, the members' results are
    /// held back from the applicant.
    pub released_on: Option<NaiveDate>,
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
/// items in force on `effective_on` (the next version number; the first is 1), with the event of
/// `actor` (if any) in the same transaction.
pub async fn publish_bundle(
    store: &Store,
    jurisdiction: &str,
    spec: BundleSpec,
    effective_on: NaiveDate,
    today: NaiveDate,
    note: &str,
    by: &str,
) -> Result<BundleVersion> {
    publish_audited(
        store,
        jurisdiction,
        spec,
        (effective_on, today),
        note,
        by,
        None,
    )
    .await
}

async fn publish_audited(
    store: &Store,
    jurisdiction: &str,
    spec: BundleSpec,
    (effective_on, today): (NaiveDate, NaiveDate),
    note: &str,
    by: &str,
    actor: Option<(&Actor, DateTime<Utc>)>,
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
    if let Some((actor, at)) = actor {
        tx.append_events(&[NewEvent::new(
            actor,
            at,
            jurisdiction,
            None,
            PUBLISH,
            format!("公布一件事「{}」第{}版", version.spec.name, version.version),
            json!({"code": version.code, "version": version.version,
                "effective_on": fmt_date(version.effective_on)}),
        )])
        .await?;
    }
    tx.commit().await?;
    Ok(version)
}

/// The next readable number of a jurisdiction's cases (a bundle and its member cases share the
/// sequence).
async fn next_number(
    tx: &mut WriteTx,
    j: &yiyin_domain::org::Jurisdiction,
    date: NaiveDate,
) -> Result<String> {
    let seq = tx.next_case_number(&j.code, date.year()).await?;
    let prefix = if j.case_prefix.is_empty() {
        j.code.to_uppercase()
    } else {
        j.case_prefix.clone()
    };
    Ok(format!("{prefix}{}{seq:06}", date.year()))
}

/// The rules of a kept bundle's definition (checked when it was received: a failure now is a
/// definition changed under it).
fn rules_of(resolved: &Resolved) -> Result<BundleRules> {
    BundleRules::new(resolved.def.clone()).map_err(|e| AppError::Invalid {
        field: None,
        message: e.to_string(),
    })
}

fn refused(rule: &str, message: impl Into<String>) -> AppError {
    AppError::Refused(Refusal::new(rule, message))
}

/// A bundle written over by someone else since it was read.
fn conflict(e: yiyin_store::StoreError) -> AppError {
    match e {
        yiyin_store::StoreError::Conflict(_) => {
            AppError::Conflict("一件事已被他人更新，请刷新后重试".into())
        }
        other => other.into(),
    }
}

/// The bundle an intake event is about, for the applicant's one notice of it.
pub(super) struct Told<'a> {
    pub id: i64,
    pub number: &'a str,
    pub name: &'a str,
    /// The applicant's account (if the application names one), ID number and phone.
    pub applicant: (Option<i64>, &'a str, &'a str),
}

impl<'a> Told<'a> {
    fn of(record: &'a BundleRecord) -> Self {
        let a = &record.applicant.0;
        Told {
            id: record.id,
            number: &record.number,
            name: &record.name,
            applicant: (record.applicant_account, &a.id_number, &a.phone),
        }
    }
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
        publish_audited(
            &self.store,
            jurisdiction,
            spec,
            (effective_on, today),
            note,
            &who.account.name,
            Some((&who.actor(&self.org()), self.now())),
        )
        .await
    }

    /// The scope of a bundle as a whole: received, accepted and released by the bureau's window
    /// for the lead department.
    pub(crate) fn bundle_scope(&self, jurisdiction: &str, lead: &str) -> Scope {
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
        self.member_scope_of(jurisdiction, &m.department, mode)
    }

    /// The scope of a member item of `department` handled as `mode`.
    fn member_scope_of(&self, jurisdiction: &str, department: &str, mode: HandlingMode) -> Scope {
        Scope::new(
            &self.org(),
            jurisdiction,
            department,
            department,
            mode,
            false,
            &[],
        )
    }

    /// Which of a jurisdiction's bundles the reader may see, as the store filters them (the same
    /// judgement as [`App::bundle_reader`]'s, made once per department and handling mode of the
    /// jurisdiction instead of once per bundle): the lead departments whose bundles the reader
    /// sees whole (reads or extends them) and the member items it may read; every bundle when no
    /// department is kept from it. `leads_only` keeps to the bundles whose window the reader is
    /// (`Operation::Receive` on the lead department), as the joint visits' scheduling needs.
    pub(crate) fn bundle_visibility(
        &self,
        who: &Principal,
        jurisdiction: &str,
        leads_only: bool,
    ) -> yiyin_store::bundles::BundleScope {
        let departments: Vec<String> = self
            .org()
            .jurisdictions
            .iter()
            .find(|j| j.code == jurisdiction)
            .map(|j| j.departments.iter().map(|d| d.code.clone()).collect())
            .unwrap_or_default();
        let leads: Vec<String> = departments
            .iter()
            .filter(|d| {
                let scope = self.bundle_scope(jurisdiction, d);
                if leads_only {
                    who.require(Operation::Receive, &scope).is_ok()
                } else {
                    who.require(Operation::ViewCase, &scope).is_ok()
                        || who.require(Operation::ExtendBundle, &scope).is_ok()
                }
            })
            .cloned()
            .collect();
        let mut members = Vec::new();
        if !leads_only {
            for d in &departments {
                for mode in HandlingMode::ALL {
                    let scope = self.member_scope_of(jurisdiction, d, *mode);
                    if who.require(Operation::ViewCase, &scope).is_ok() {
                        members.push((d.clone(), mode.code().to_string()));
                    }
                }
            }
        }
        let all = !departments.is_empty()
            && leads.len() == departments.len()
            && (leads_only || members.len() == departments.len() * HandlingMode::ALL.len());
        yiyin_store::bundles::BundleScope {
            all,
            leads,
            members,
        }
    }

    /// The version of a bundle in force today, or the refusal: no approval outside the catalog.
    async fn bundle_version_in_force(
        &self,
        jurisdiction: &str,
        code: &str,
    ) -> Result<BundleVersion> {
        let history = self.store.bundle_history(jurisdiction, code).await?;
        bundle_in_force(&history, self.today())
            .cloned()
            .ok_or_else(|| {
                refused(
                    "catalog",
                    format!("一件事「{code}」不在本县区现行的事项目录中，不能收件（无目录不审批）"),
                )
            })
    }

    /// A bundle resolved for an application in `situations` with the member items in force: the
    /// items and the members with the merged material list.
    async fn resolve_in_force(
        &self,
        jurisdiction: &str,
        spec: &BundleSpec,
        situations: &[String],
    ) -> Result<(Vec<ItemVersion>, Resolved)> {
        let mut items = Vec::new();
        for code in spec
            .members_for(situations)
            .map_err(|e| AppError::field(&e.field, e.message))?
        {
            items.push(self.item_in_force(jurisdiction, &code).await?);
        }
        let plain: Vec<Item> = items.iter().map(|v| v.item.clone()).collect();
        let resolved = spec
            .resolve(&plain, situations)
            .map_err(|e| AppError::field(&e.field, e.message))?;
        Ok((items, resolved))
    }
}

impl App {
    /// The applicant's one notice of a bundle's intake event (`action`, as a case's event is
    /// named: `receive`, `accept`, `notify_supplement`, `deemed_accept`, `extend` …; `seq` its
    /// chain number), in `tx`: about the bundle as a whole (its number, name, intake and joint
    /// clock), its link the first member case's page (which names the bundle). The member cases'
    /// mirrored events tell no one (`App::notify_case_events`). A simulated bundle tells no one.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn notify_bundle(
        &self,
        tx: &mut WriteTx,
        told: &Told<'_>,
        case: &Case,
        ctx: &Context<'_>,
        (action, reason): (&str, &str),
        seq: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some(first) = tx.bundle_cases(told.id).await?.first().map(|c| c.id) else {
            return Ok(());
        };
        if !self.conduct_in(tx, first).await?.notify_applicant {
            return Ok(());
        }
        let clock = case.deadlines(ctx, local_date(at)).ok();
        let about = About {
            case_id: first,
            number: told.number,
            item_name: told.name,
            case,
            item: ctx.item,
            clock: clock.as_ref(),
            reason,
        };
        self.notify_bundle_event(tx, told.applicant, action, &about, seq, at)
            .await
    }
}

mod act;
mod receive;
use receive::member_files;
mod release;
mod views;
