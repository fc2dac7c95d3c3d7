//! What is seen of cases: one case with its clock, timeline, documents and the actions this account
//! may take now; worklists, most urgent first; and what anyone holding the number and query code may
//! follow without an account.
//!
//! The applicant's citizen ID number and phone are shown in full to those who handle the case and
//! masked to those who only watch it (observers, discipline supervisors: `authz::sees_identifiers`);
//! such a reader opens them on purpose with [`App::reveal`] (查看完整信息), recorded as a chained
//! event of the case, for that one view: the next read is masked again.

use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::{self, Operation, Scope, applicant_may_named};
use yiyin_domain::calendar::{CalendarError, fmt_date, local_date, provisional_note};
use yiyin_domain::engine::joint::ResultRelease;
use yiyin_domain::engine::{CaseState, Clock};
use yiyin_domain::event_names::event_label;
use yiyin_domain::party::ApplicantShown;
use yiyin_domain::roles::Role;
use yiyin_store::cases::{CaseFilter, CaseRecord};
use yiyin_store::events::Event;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// A document as listed with its case.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentSummary {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub issued_on: String,
    /// Issued but not yet sealed: waiting for the county's own e-seal system (外部签章系统); its
    /// files can be downloaded once sealed.
    pub seal_waiting: bool,
    /// Why it waits, in Chinese, as the document page says it: for staff the last attempt's
    /// problem (the system down, a wrong answer), for the applicant that the seal is on its way.
    pub seal_waiting_reason: Option<String>,
}

impl DocumentSummary {
    /// A kept document as listed to a reader (`staff` or the applicant).
    pub fn of(d: yiyin_store::documents::StoredDocument, staff: bool) -> Self {
        let seal_waiting_reason = crate::documents::seal_waiting(&d, staff);
        DocumentSummary {
            id: d.id,
            seal_waiting: seal_waiting_reason.is_some(),
            seal_waiting_reason,
            title: d.record.title,
            number: d.record.number,
            issued_on: fmt_date(d.record.issued_on),
        }
    }
}

/// A case with everything a clerk or an applicant needs to see.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    /// The case; its `applicant` is the one of [`CaseView::applicant`], as this reader may see it.
    #[serde(flatten, serialize_with = "without_applicant")]
    pub record: CaseRecord,
    /// The applicant as this reader may see them: the ID number and phone masked for those who
    /// only watch the case (`masked`), unless opened with `POST /api/v1/cases/{id}/reveal`.
    pub applicant: ApplicantShown,
    /// Who acts for the applicant (经办人/代理人, 法定代表人（负责人）): the agent masked as the
    /// applicant is.
    pub representation: yiyin_domain::agent::RepresentationShown,
    /// Every deadline as of today, with its explanation; absent when the calendar lacks a year.
    pub clock: Option<Clock>,
    /// Why the clock could not be computed, if so.
    pub clock_error: Option<String>,
    /// When a date of the clock falls in a year whose holiday data is not loaded: the clock is
    /// provisional (Monday to Friday only), and this says so (暂定).
    pub clock_provisional: Option<String>,
    pub events: Vec<Event>,
    /// Every attempt to fetch a shared material (免提交) with its source and time; the record's
    /// contents only for those who see the applicant in full.
    pub shared_materials: Vec<yiyin_store::shared_materials::SharedMaterial>,
    pub documents: Vec<DocumentSummary>,
    /// The actions this user may take now.
    pub allowed_actions: Vec<String>,
    /// The bundle (一件事) this case is a member item of, if any.
    pub bundle: Option<crate::bundles::BundleRef>,
    /// For the applicant of a bundle's member case whose results are held back until the bundle's
    /// release: 「一件事全部办结后统一出件」 (its decision and licence are then not listed).
    pub result_held: Option<String>,
    /// The state as this reader is shown it: for the applicant of a held member case that has
    /// ended, 「已办结，一件事全部办结后统一出件」 rather than 已制证.
    pub state_label: String,
}

/// The record without its applicant (whom the view shows as the reader may see them).
fn without_applicant<S: serde::Serializer>(record: &CaseRecord, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    let mut value = serde_json::to_value(record).map_err(S::Error::custom)?;
    if let Some(fields) = value.as_object_mut() {
        fields.remove("applicant");
    }
    value.serialize(s)
}

/// How long opening a case on purpose (查看完整信息) lets its reader take the case's files.
pub const REVEAL_LASTS_MINUTES: i64 = 30;

/// How a file refused until its case is opened on purpose is refused (the message goes on to
/// name the case page).
pub const REVEAL_FIRST: &str = "请先说明理由查看完整信息";

/// Whether the reader is shown the applicant's identifiers in full: the applicant themselves, and
/// staff whose duty on the case needs them.
pub fn shows_identifiers(who: &Principal, scope: &Scope) -> bool {
    !who.is_staff() || authz::sees_identifiers(&who.account.grants, scope)
}

/// The event recording that an account which only watches the handling read a case (e-monitoring
/// reads are logged); kept out of the case's view and timeline, shown on the audit page.
pub const MONITORING_READ: &str = "monitoring_read";

/// Whether an event records a reading of the case (the e-monitoring's reads, the opening of the
/// applicant's identifiers, the download of a file carrying them), not a step of its procedure.
pub fn is_reading(action: &str) -> bool {
    matches!(
        action,
        MONITORING_READ | "reveal_identifiers" | "download_identifying_file"
    )
}

/// A worklist line's state as its reader is shown it: for the applicant of a bundle's member case
/// that has ended before the bundle's release, 「已办结，一件事全部办结后统一出件」.
fn held_label(
    who: &Principal,
    bundle: Option<&crate::bundles::BundleRef>,
    state: CaseState,
) -> String {
    let release = match bundle {
        Some(b) if !who.is_staff() => ResultRelease::of(Some(b.released_on)),
        _ => ResultRelease::Own,
    };
    release
        .applicant_state(state)
        .unwrap_or_else(|| state.label().to_string())
}

/// A line of a worklist.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseLine {
    pub id: i64,
    pub number: String,
    pub jurisdiction: String,
    pub item_name: String,
    pub applicant: String,
    pub state: CaseState,
    pub state_label: String,
    pub next_role: Option<Role>,
    pub received_on: String,
    pub statutory_due: Option<String>,
    pub promised_due: Option<String>,
    /// Days left to the statutory due date in the item's unit (`limit_unit`; negative when
    /// overdue).
    pub days_left: Option<i64>,
    /// The unit of `days_left`: working days unless the item's own law counts calendar days.
    pub limit_unit: yiyin_domain::catalog::LimitUnit,
    /// Working days left to the statutory due date whatever the unit (negative when overdue).
    pub working_days_left: Option<i64>,
    /// The end of the intake window, while the application waits for acceptance (Art. 32).
    pub intake_due: Option<String>,
    /// Working days left to it (negative when past).
    pub intake_days_left: Option<i64>,
    /// The certificate's due date, while a granted licence waits for its certificate (Art. 44).
    pub certificate_due: Option<String>,
    /// Working days left to it (negative when overdue).
    pub certificate_days_left: Option<i64>,
    /// green, yellow or red.
    pub light: Option<String>,
    pub version: i64,
    /// The bundle (一件事) the case is a member item of, if any.
    pub bundle: Option<crate::bundles::BundleRef>,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct Worklist {
    /// Only cases waiting for one of my roles.
    pub mine: bool,
    pub role: Option<Role>,
    pub state: Option<CaseState>,
    /// Case number, applicant or item name contains this.
    pub text: Option<String>,
    /// Include closed cases.
    pub all: bool,
    /// Only the finished cases (closed, or decided with nothing left to do).
    pub finished: bool,
    pub limit: i64,
    pub offset: i64,
    /// The page after this cursor: the `next` of the page before (empty: the first page).
    pub after: String,
}

/// An application waiting for an intake outcome, as the window's queue shows it.
#[derive(Debug, Clone, Serialize)]
pub struct QueueLine {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub applicant: String,
    pub received_on: String,
    /// The end of the intake window, or 「待申请人补正」 while the applicant supplements.
    pub intake_due: String,
    /// Working days left in the intake window (negative when past); none while waiting for the
    /// applicant's supplement.
    pub days_left: Option<i64>,
    pub channel: String,
    /// The window or centre that received it.
    pub unit: String,
    /// The bundle (一件事) it is a member item of, if any: its intake is the bundle's.
    pub bundle: Option<crate::bundles::BundleRef>,
}

/// Which page of the intake queue.
#[derive(Debug, Clone, Default)]
pub struct IntakeQueue {
    /// Only the applications received at the reader's own window or centre.
    pub only_mine: bool,
    pub limit: i64,
    /// The page after this cursor: the `next` of the page before (empty: the first page).
    pub after: String,
}

/// A page of the intake queue, in the order the intake windows end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueuePage {
    pub lines: Vec<QueueLine>,
    pub next: Option<String>,
    /// The name of the reader's own window or centre (empty when they work at none).
    pub my_unit: String,
    /// Whether only the reader's own window's applications are listed.
    pub only_mine: bool,
}

/// A page of a worklist: its lines, in the list's order (the statutory due date as stored, then
/// the id), and the cursor of the next page (None on the last). A page holds fewer lines than
/// asked only at the end, or when the reader may see few of the cases it went through
/// ([`crate::paging::fill_page`]); the next page goes on from where it stopped.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CasePage {
    pub lines: Vec<CaseLine>,
    pub next: Option<String>,
}

/// The cursor of a worklist page: the sort date and the id of the last case it went through.
fn case_cursor(after: &str) -> Result<Option<(String, i64)>> {
    let after = after.trim();
    if after.is_empty() {
        return Ok(None);
    }
    after
        .rsplit_once('.')
        .and_then(|(due, id)| {
            let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
            chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").ok()?;
            Some((due.to_string(), id))
        })
        .map(Some)
        .ok_or_else(crate::paging::bad_cursor)
}

/// The cursor a page gives for the next, from the list key of the last case it went through
/// ([`CaseRecord::list_key`]); read back by [`case_cursor`].
fn cursor_of((due, id): (String, i64)) -> String {
    format!("{due}.{id}")
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackStep {
    pub date: String,
    pub action: String,
}

/// What anyone holding the number and the query code may see.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackView {
    pub number: String,
    pub item_name: String,
    pub state: CaseState,
    pub state_label: String,
    pub received_on: String,
    pub accepted_on: Option<String>,
    pub promised_due: Option<String>,
    pub statutory_due: Option<String>,
    /// When the dates are provisional (a year's holiday data not loaded yet), why (暂定).
    pub provisional: Option<String>,
    pub decided_on: Option<String>,
    pub decision: Option<String>,
    pub steps: Vec<TrackStep>,
}

/// The bundle a case is a member item of, from those read for its list.
fn bundle_in(
    bundles: &std::collections::HashMap<i64, Option<crate::bundles::BundleRef>>,
    r: &CaseRecord,
) -> Option<crate::bundles::BundleRef> {
    r.bundle_id
        .and_then(|id| bundles.get(&id).cloned().flatten())
}

/// A case as a worklist shows it, with its deadlines as of today.
fn case_line(
    who: &Principal,
    r: &CaseRecord,
    bundle: Option<crate::bundles::BundleRef>,
    calendar: &yiyin_domain::calendar::Calendar,
    today: chrono::NaiveDate,
) -> CaseLine {
    let clock = r.deadlines(calendar, today).ok();
    CaseLine {
        id: r.id,
        number: r.number.clone(),
        jurisdiction: r.jurisdiction.clone(),
        item_name: r.item_name.clone(),
        applicant: r.applicant.name.clone(),
        state: r.state,
        state_label: held_label(who, bundle.as_ref(), r.state),
        next_role: r.next_role,
        received_on: fmt_date(r.case.received_on),
        statutory_due: clock.as_ref().and_then(|c| c.statutory_due).map(fmt_date),
        promised_due: clock.as_ref().and_then(|c| c.promised_due).map(fmt_date),
        days_left: clock.as_ref().and_then(|c| c.days_left),
        limit_unit: r.item.limit_unit,
        working_days_left: clock.as_ref().and_then(|c| c.working_days_left),
        intake_due: clock
            .as_ref()
            .filter(|c| c.intake_days_left.is_some())
            .map(|c| fmt_date(c.intake_due)),
        intake_days_left: clock.as_ref().and_then(|c| c.intake_days_left),
        certificate_due: clock
            .as_ref()
            .filter(|c| c.certificate_days_left.is_some())
            .and_then(|c| c.certificate_due)
            .map(fmt_date),
        certificate_days_left: clock.as_ref().and_then(|c| c.certificate_days_left),
        light: clock.as_ref().map(light_code),
        version: r.version,
        bundle,
    }
}

/// The traffic light's code.
fn light_code(clock: &Clock) -> String {
    serde_json::to_value(clock.light)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The actions the case allows now that this account may take.
pub fn allowed_actions(
    who: &Principal,
    record: &CaseRecord,
    scope: &Scope,
    calendar: &yiyin_domain::calendar::Calendar,
    today: chrono::NaiveDate,
) -> Vec<String> {
    // The engine's own judgement of what it would accept today (time applied first).
    let facts = yiyin_domain::engine::ApplicantFacts::default();
    let case = match record.case.tick(today) {
        Some((case, _)) => case,
        None => record.case.clone(),
    };
    case.offered_actions(&record.context(calendar, &facts), today)
        .into_iter()
        // A bundle's member case: its intake and extension are the bundle's (一件事).
        .filter(|name| {
            record.bundle_id.is_none() || yiyin_domain::engine::joint::member_offers(name)
        })
        .filter(|name| {
            if who.is_staff() {
                let step = match *name {
                    "complete_step" => record.case.pending_step(&record.item).map(|s| s.kind),
                    // The second verifier is another account than those who recorded it.
                    "confirm_verification" => record
                        .case
                        .awaiting_confirmation()
                        .filter(|s| !s.staff.contains(&super::act::signature(&who.account)))
                        .map(|s| s.kind),
                    _ => None,
                };
                let Some(op) = authz::operation_named(name, step) else {
                    return false;
                };
                authz::allowed(&who.account.grants, op, scope).is_ok()
            } else {
                who.is_applicant_of(record) && applicant_may_named(name)
            }
        })
        .map(str::to_string)
        .collect()
}

impl App {
    /// The staff accounts of a case's jurisdiction who may preside over its hearing: active, and
    /// none of those who reviewed it (Art. 48 para 1 (3)); as (login, name).
    pub async fn presiding_candidates(
        &self,
        who: &Principal,
        record: &CaseRecord,
    ) -> Result<Vec<(String, String)>> {
        who.may_view(record, &self.case_scope(record))?;
        let reviewers: Vec<&String> = record
            .case
            .steps
            .iter()
            .filter(|s| s.kind == yiyin_domain::catalog::StepKind::Review)
            .flat_map(|s| &s.staff)
            .collect();
        Ok(self
            .store
            .staff_in(&record.jurisdiction)
            .await?
            .into_iter()
            .filter(|a| a.active && !reviewers.contains(&&super::act::signature(a)))
            .map(|a| (a.login, a.name))
            .collect())
    }

    /// Whether the account may take some action on a case at all (before its request is read):
    /// the applicant who filed it, or staff with a duty to act on it. So a caller who may not act
    /// is told so, not what is wrong with the request.
    pub async fn require_may_act(&self, who: &Principal, id: i64) -> Result<()> {
        let record = self.case_for(who, id).await?;
        if !who.is_staff() {
            return Ok(());
        }
        let scope = self.case_scope(&record);
        if Operation::case_duties()
            .into_iter()
            .any(|op| authz::allowed(&who.account.grants, op, &scope).is_ok())
        {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "无权办理本件：您的岗位对本件没有办理职责".into(),
            ))
        }
    }

    /// A case as its reader may see it.
    pub async fn case_for(&self, who: &Principal, id: i64) -> Result<CaseRecord> {
        let record = self.store.case(id).await?;
        who.may_view(&record, &self.case_scope(&record))?;
        Ok(record)
    }

    /// One case: its record, clock, timeline, documents and the actions the account may take now;
    /// the applicant's ID number and phone masked for a reader whose duty does not need them.
    /// A read by an account that only watches the handling (an observer, a discipline supervisor:
    /// shown the identifiers masked) is itself recorded, as a chained event of the case
    /// ([`MONITORING_READ`]), before the case is shown.
    pub async fn case_view(&self, who: &Principal, record: CaseRecord) -> Result<CaseView> {
        let full = shows_identifiers(who, &self.case_scope(&record));
        if !full {
            who.may_view(&record, &self.case_scope(&record))?;
            let summary = "电子监察查阅办件".to_string();
            self.record_reading(who, &record, MONITORING_READ, summary, json!({}))
                .await?;
        }
        self.view_of(who, record, full).await
    }

    /// Opens a case with the applicant's ID number and phone in full (查看完整信息) for a reader who
    /// is otherwise shown them masked: the opening is recorded as a chained event of the case (who,
    /// when) and lasts for this one view. For a reader who sees them in full anyway, the plain
    /// view, nothing recorded.
    #[tracing::instrument(skip_all, fields(case = id))]
    pub async fn reveal(&self, who: &Principal, id: i64) -> Result<CaseView> {
        let record = self.case_for(who, id).await?;
        if !shows_identifiers(who, &self.case_scope(&record)) {
            let summary = "查看申请人完整信息（证件号码、联系电话），本人主动查看并留痕";
            let data = json!({"fields": ["id_number", "phone"]});
            self.record_reading(who, &record, "reveal_identifiers", summary.into(), data)
                .await?;
        }
        let record = self.store.case(id).await?;
        self.view_of(who, record, true).await
    }

    /// Lets a reader take a file of a case that carries the applicant's identifiers (a scanned
    /// material, a document, the archive package). Those who handle the case take it at once; a
    /// reader shown the identifiers masked (an observer, a discipline supervisor) only within
    /// [`REVEAL_LASTS_MINUTES`] of opening the case on purpose ([`Self::reveal`]), each file taken
    /// recorded as a chained event of the case; before, refused naming the way to open it.
    pub async fn require_identifying_file(
        &self,
        who: &Principal,
        record: &CaseRecord,
        what: &str,
    ) -> Result<()> {
        if shows_identifiers(who, &self.case_scope(record)) {
            return Ok(());
        }
        let since = self.now() - chrono::Duration::minutes(REVEAL_LASTS_MINUTES);
        let opened = self.store.case_events(record.id).await?.iter().any(|e| {
            e.action == "reveal_identifiers"
                && e.actor_account == Some(who.account.id)
                && e.at >= since.timestamp_millis()
        });
        if !opened {
            return Err(AppError::Forbidden(format!(
                "{REVEAL_FIRST}：此文件含申请人的证件号码、联系电话等完整信息，请先在办件页（/work/cases/{}）点击「查看完整信息」（本人主动查看并留痕），{REVEAL_LASTS_MINUTES}分钟内可下载",
                record.id
            )));
        }
        let summary = format!("下载含申请人完整信息的文件：{what}");
        let data = json!({"file": what});
        self.record_reading(who, record, "download_identifying_file", summary, data)
            .await?;
        Ok(())
    }

    /// Records, as a chained event of the case in its own write, that `who` read what the case
    /// shows only on purpose (the applicant's identifiers, a file carrying them).
    async fn record_reading(
        &self,
        who: &Principal,
        record: &CaseRecord,
        kind: &str,
        summary: String,
        data: serde_json::Value,
    ) -> Result<()> {
        let actor = who.actor(&self.org());
        let mut tx = self.store.begin_write().await?;
        let event = NewEvent::new(
            &actor,
            self.now(),
            &record.jurisdiction,
            Some(record.id),
            kind,
            summary,
            data,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One case as [`Self::case_view`] builds it, the applicant in full or masked.
    async fn view_of(&self, who: &Principal, record: CaseRecord, full: bool) -> Result<CaseView> {
        let scope = self.case_scope(&record);
        who.may_view(&record, &scope)?;
        let (clock, clock_error, clock_provisional) = match self.clock_of(&record) {
            Ok((c, note)) => (Some(c), None, note),
            Err(e) => (None, Some(e), None),
        };
        // The e-monitoring's reads are the audit page's, not the case's history.
        let mut events = self.store.case_events(record.id).await?;
        events.retain(|e| e.action != MONITORING_READ);
        // A bundle's member results are out with the bundle's release only (统一出件).
        let release = self.result_release_for(who, &record).await?;
        let documents = self
            .store
            .case_documents(record.id)
            .await?
            .into_iter()
            .filter(|d| !release.holds(d.record.kind))
            .map(|d| DocumentSummary::of(d, who.is_staff()))
            .collect();
        let mut shared_materials = self.store.shared_materials(record.id).await?;
        if !full {
            for s in &mut shared_materials {
                s.record.clear();
            }
        }
        let bundle = match record.bundle_id {
            Some(id) => self.bundle_ref(id).await?,
            None => None,
        };
        Ok(CaseView {
            bundle,
            result_held: App::held_notice(release),
            state_label: release
                .applicant_state(record.state)
                .unwrap_or_else(|| record.state.label().to_string()),
            allowed_actions: allowed_actions(who, &record, &scope, &self.calendar(), self.today()),
            applicant: record.applicant.shown(full),
            representation: record.representation.shown(&record.applicant, full),
            record,
            clock,
            clock_error,
            clock_provisional,
            events,
            documents,
            shared_materials,
        })
    }

    /// A case's clock as of today, with its explanation: on the loaded calendar; when one of its
    /// dates falls in a year whose holiday data is not loaded yet, on the provisional calendar
    /// (Monday to Friday only) with the note saying so; else why it cannot be computed. Only shown:
    /// provisional dates are never stored nor carded (the stored dues stay empty until the year is
    /// loaded).
    pub fn clock_of(
        &self,
        record: &CaseRecord,
    ) -> std::result::Result<(Clock, Option<String>), String> {
        let calendar = self.calendar();
        match record.clock(&calendar, self.today()) {
            Ok(c) => Ok((c, None)),
            Err(CalendarError::MissingYear(year)) => {
                let (provisional, _) = calendar.provisional_through(year + 1);
                record
                    .clock(&provisional, self.today())
                    .map(|c| (c, Some(provisional_note(&[year]))))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The cases the account may see, most urgent first, a page at a time: staff's by their duty,
    /// an applicant's own.
    pub async fn worklist(&self, who: &Principal, q: &Worklist) -> Result<CasePage> {
        let limit = q.limit.clamp(1, 500);
        let mut filter = CaseFilter {
            state: q.state,
            open_only: !q.all && !q.finished,
            finished_only: q.finished,
            text: q.text.clone(),
            offset: q.offset.max(0),
            after: case_cursor(&q.after)?,
            ..Default::default()
        };
        if who.is_staff() {
            filter.jurisdictions = who.jurisdictions_for(Operation::ViewCase);
            if filter.jurisdictions.is_empty() {
                return Ok(CasePage::default());
            }
            filter.next_roles = match q.role {
                Some(r) => vec![r],
                None if q.mine => {
                    let mut mine: Vec<Role> = who.account.grants.iter().map(|g| g.role).collect();
                    mine.sort();
                    mine.dedup();
                    mine
                }
                None => vec![],
            };
        } else {
            filter.applicant_account = Some(who.account.id);
            filter.applicant_identity = who.account.verified_id().cloned();
        }
        // The jurisdictions and roles are narrowed in the query; the finer duties (department,
        // township, delegation) case by case.
        let store = &self.store;
        let (records, next) = crate::paging::fill_page(
            limit,
            filter.after.clone(),
            |after, batch| {
                let f = CaseFilter {
                    // The offset skips within the first batch only; the cursor goes on from there.
                    offset: if after == filter.after {
                        filter.offset
                    } else {
                        0
                    },
                    after,
                    limit: batch,
                    ..filter.clone()
                };
                async move { Ok(store.list_cases(&f).await?) }
            },
            |r: &CaseRecord| r.list_key(false),
            |rows: Vec<CaseRecord>| {
                let seen = rows
                    .into_iter()
                    .map(|r| {
                        let may = who.may_view(&r, &self.case_scope(&r)).is_ok();
                        (r, may)
                    })
                    .collect();
                std::future::ready(Ok(seen))
            },
        )
        .await?;
        let calendar = self.calendar();
        let today = self.today();
        let bundles = self.bundles_of(&records).await?;
        let lines = records
            .iter()
            .map(|r| case_line(who, r, bundle_in(&bundles, r), &calendar, today))
            .collect();
        Ok(CasePage {
            lines,
            next: next.map(cursor_of),
        })
    }

    /// The bundles (一件事) the cases are member items of, each read once.
    async fn bundles_of(
        &self,
        records: &[CaseRecord],
    ) -> Result<std::collections::HashMap<i64, Option<crate::bundles::BundleRef>>> {
        let ids: std::collections::BTreeSet<i64> =
            records.iter().filter_map(|r| r.bundle_id).collect();
        let mut bundles = std::collections::HashMap::new();
        for id in ids {
            bundles.insert(id, self.bundle_ref(id).await?);
        }
        Ok(bundles)
    }

    /// The applications waiting for an intake outcome (online and at the windows) that the reader
    /// may take in, a page at a time in the order their intake windows end, with the working days
    /// left before they are deemed accepted (Art. 32(4)).
    pub async fn intake_queue(&self, who: &Principal, q: &IntakeQueue) -> Result<QueuePage> {
        let jurisdictions = who.jurisdictions_for(Operation::Intake);
        if !who.is_staff() || jurisdictions.is_empty() {
            return Err(AppError::Forbidden(
                "无权查看受理队列：您的岗位没有受理职责".into(),
            ));
        }
        // The reader's own window or centre, in the jurisdiction of the grant that names it.
        let (home, unit) = who
            .account
            .grants
            .iter()
            .find_map(|g| Some((g.jurisdiction.clone(), g.unit.clone()?)))
            .unwrap_or_default();
        let only_mine = q.only_mine && !unit.is_empty();
        let filter = CaseFilter {
            jurisdictions,
            intake_queue: true,
            open_only: true,
            unit: only_mine.then(|| unit.clone()),
            after: case_cursor(&q.after)?,
            ..Default::default()
        };
        let store = &self.store;
        let (records, next) = crate::paging::fill_page(
            q.limit.clamp(1, 500),
            filter.after.clone(),
            |after, batch| {
                let f = CaseFilter {
                    after,
                    limit: batch,
                    ..filter.clone()
                };
                async move { Ok(store.list_cases(&f).await?) }
            },
            |r: &CaseRecord| r.list_key(true),
            |rows: Vec<CaseRecord>| async move {
                let mut seen = Vec::with_capacity(rows.len());
                for r in rows {
                    let scope = self.intake_scope(&r).await?;
                    let may = who.require(Operation::Intake, &scope).is_ok();
                    seen.push((r, may));
                }
                Ok(seen)
            },
        )
        .await?;
        let org = self.org();
        let calendar = self.calendar();
        let today = self.today();
        let bundles = self.bundles_of(&records).await?;
        let mut lines = Vec::with_capacity(records.len());
        for c in records {
            let supplementing = c.state == CaseState::AwaitingSupplement;
            lines.push(QueueLine {
                id: c.id,
                number: c.number.clone(),
                item_name: c.item_name.clone(),
                applicant: c.applicant.name.clone(),
                received_on: fmt_date(c.case.received_on),
                intake_due: if supplementing {
                    "待申请人补正".into()
                } else {
                    fmt_date(c.case.intake.due)
                },
                // The domain's clock counts the working days left (negative: 超期).
                days_left: c
                    .deadlines(&calendar, today)
                    .ok()
                    .and_then(|k| k.intake_days_left),
                channel: c.channel.label().into(),
                unit: org.unit_name(&c.jurisdiction, &c.unit),
                bundle: bundle_in(&bundles, &c),
            });
        }
        Ok(QueuePage {
            lines,
            next: next.map(cursor_of),
            my_unit: org.unit_name(&home, &unit),
            only_mine,
        })
    }

    /// Follows a case without an account, with its number and the query code of its voucher.
    #[tracing::instrument(skip_all)]
    pub async fn track(&self, number: &str, code: &str) -> Result<TrackView> {
        let not_found = || AppError::NotFound("办件编号或查询码不正确，请核对受理凭证".into());
        let record = self
            .store
            .case_by_number(number)
            .await?
            .ok_or_else(not_found)?;
        if !record.query_code.eq_ignore_ascii_case(code.trim()) {
            return Err(not_found());
        }
        let (clock, provisional) = match self.clock_of(&record) {
            Ok((c, note)) => (Some(c), note),
            Err(_) => (None, None),
        };
        let steps = self
            .store
            .case_events(record.id)
            .await?
            .into_iter()
            // The procedure's steps, not who read the case.
            .filter(|e| !is_reading(&e.action))
            .map(|e| TrackStep {
                date: chrono::DateTime::from_timestamp_millis(e.at)
                    .map(|t| fmt_date(local_date(t)))
                    .unwrap_or_default(),
                action: event_label(&e.action),
            })
            .collect();
        let release = self.result_release(&record).await?;
        Ok(TrackView {
            number: record.number.clone(),
            item_name: record.item_name.clone(),
            state: record.state,
            state_label: release
                .applicant_state(record.state)
                .unwrap_or_else(|| record.state.label().into()),
            received_on: fmt_date(record.case.received_on),
            accepted_on: record.case.accepted_on.map(fmt_date),
            promised_due: clock.as_ref().and_then(|c| c.promised_due).map(fmt_date),
            statutory_due: clock.as_ref().and_then(|c| c.statutory_due).map(fmt_date),
            provisional,
            decided_on: record.case.decided_on.map(fmt_date),
            decision: record.case.decision.as_ref().map(|d| {
                if d.approved {
                    "准予许可"
                } else {
                    "不予许可"
                }
                .to_string()
            }),
            steps,
        })
    }
}
