//! Cases (办件): creation, actions, the passing of time, documents and queries.
//!
//! Every change follows one path: load the case in a write transaction, let the engine judge the
//! action (`yiyin_domain::engine`), then write the new state, its events (hash-chained) and its
//! documents in the same transaction. Optimistic concurrency: every write names the version it read;
//! a case changed meanwhile is a conflict, never a lost update. An idempotency key makes a retried
//! submission find the case it already created.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use yiyin_domain::authz::Scope;
use yiyin_domain::calendar::{Calendar, fmt_date, parse_date};
use yiyin_domain::catalog::{self, HandlingMode, Item};
use yiyin_domain::documents::{DocContext, DocumentRecord, compose};
use yiyin_domain::engine::{
    Action, ApplicantFacts, Case, CaseState, Clock, Context, DeemedAcceptance, DocumentKind,
    EngineError, ItemRules,
};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::rehearse::cst;
use yiyin_domain::roles::Role;

use crate::accounts::SubjectKind;
use crate::crypto::random_code;
use crate::events::{self, NewEvent};
use crate::seals::Keyring;
use crate::{Result, Store, StoreError};

/// How an act reached the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 窗口 (a hall window)
    Window,
    /// 网上 (the applicant online)
    Online,
    /// 镇便民服务中心
    Township,
    /// 村（社区）代办点
    Village,
    /// 系统 (the passing of time)
    System,
    /// 命令行 (an administrator on the server)
    Cli,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Window => "window",
            Channel::Online => "online",
            Channel::Township => "township",
            Channel::Village => "village",
            Channel::System => "system",
            Channel::Cli => "cli",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Window => "窗口",
            Channel::Online => "网上",
            Channel::Township => "镇便民服务中心",
            Channel::Village => "村（社区）代办点",
            Channel::System => "系统",
            Channel::Cli => "命令行",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Channel::Window,
            Channel::Online,
            Channel::Township,
            Channel::Village,
            Channel::System,
            Channel::Cli,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }
}

/// What judging and recording an action needs besides the case: the working-day calendar, the
/// applicant's facts (credit records), and the seals' keys (documents are sealed as they are issued;
/// without a keyring they are stored unsealed).
#[derive(Debug, Clone, Copy)]
pub struct CaseEnv<'a> {
    pub calendar: &'a Calendar,
    pub facts: &'a ApplicantFacts,
    pub keyring: Option<&'a Keyring>,
}

/// Who acts.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub account: Option<i64>,
    pub channel: Channel,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            name: "系统".into(),
            account: None,
            channel: Channel::System,
        }
    }
}

/// The applicant of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    pub kind: SubjectKind,
    pub name: String,
    /// Citizen ID number or unified social credit code, already validated.
    pub id_number: String,
    pub phone: String,
    /// The applicant's account, when applying online.
    pub account: Option<i64>,
}

/// A new application.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub jurisdiction: String,
    pub item_code: String,
    pub applicant: Applicant,
    pub materials: Vec<String>,
    /// The window or township centre that received it.
    pub unit: String,
    pub idempotency_key: Option<String>,
}

/// What is kept with the engine's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBody {
    pub case: Case,
    pub item: ItemRules,
    pub result_name: String,
    pub validity_years: Option<u32>,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRecord {
    pub id: i64,
    pub jurisdiction: String,
    /// The readable number, unique per jurisdiction and year.
    pub number: String,
    #[serde(skip)]
    pub query_code: String,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub department: String,
    pub supervising_department: String,
    pub handling_mode: HandlingMode,
    pub applicant: Applicant,
    pub channel: Channel,
    pub unit: String,
    pub state: CaseState,
    pub next_role: Option<Role>,
    /// Optimistic-concurrency version: name it when acting.
    pub version: i64,
    pub case: Case,
    pub item: ItemRules,
    pub result_name: String,
    #[serde(skip)]
    pub validity_years: Option<u32>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CaseRecord {
    /// A warning for each deferred material not supplied by its due date, as of `today`.
    /// Each is (material code, due date, message).
    pub fn deferred_warnings(&self, today: NaiveDate) -> Vec<(String, NaiveDate, String)> {
        self.case
            .late_deferred(today)
            .map(|d| {
                (
                    d.code.clone(),
                    d.due,
                    format!(
                        "容缺受理的材料“{}”应于{}前补交，已逾期未补交；补齐前不予发证",
                        self.item.material_name(&d.code),
                        fmt_date(d.due)
                    ),
                )
            })
            .collect()
    }

    pub fn scope(&self) -> Scope {
        Scope {
            jurisdiction: self.jurisdiction.clone(),
            department: self.department.clone(),
            supervising_department: self.supervising_department.clone(),
            handling_mode: self.handling_mode,
            instant: self.item.instant,
        }
    }

    /// Whose seal signs what this case issues: the resident department's for resident items (it
    /// decides in its own name), else the bureau's (empty department).
    pub fn seal_holder(&self) -> &str {
        match self.handling_mode {
            HandlingMode::Resident => self.department.as_str(),
            _ => "",
        }
    }

    pub fn context<'a>(&'a self, calendar: &'a Calendar, facts: &'a ApplicantFacts) -> Context<'a> {
        Context {
            item: &self.item,
            calendar,
            applicant: facts,
        }
    }

    /// The clock as of a date (time applied: a case whose intake window passed reads as deemed
    /// accepted even before the sweep writes it), with its explanation.
    pub fn clock(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> std::result::Result<Clock, yiyin_domain::calendar::CalendarError> {
        self.clock_as_of(calendar, today, true)
    }

    /// The same deadlines without the explanation, for lists.
    pub fn deadlines(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> std::result::Result<Clock, yiyin_domain::calendar::CalendarError> {
        self.clock_as_of(calendar, today, false)
    }

    fn clock_as_of(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
        explain: bool,
    ) -> std::result::Result<Clock, yiyin_domain::calendar::CalendarError> {
        let facts = ApplicantFacts::default();
        let ctx = self.context(calendar, &facts);
        let case = match self.case.tick(today) {
            Some((c, _)) => c,
            None => self.case.clone(),
        };
        if explain {
            case.clock(&ctx, today)
        } else {
            case.deadlines(&ctx, today)
        }
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredDocument {
    pub id: i64,
    pub case_id: i64,
    pub event_seq: i64,
    pub record: DocumentRecord,
    /// The sealed form (JSON of `yiyin_seal::SealedDocument`), when a seal signed it.
    #[serde(skip)]
    pub sealed: Option<String>,
    /// The SM3 digest of its rendered PDF in the blob store, once rendered.
    #[serde(skip)]
    pub pdf_digest: Option<String>,
}

/// Filters for listing cases; the caller narrows further by authorisation.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub jurisdictions: Vec<String>,
    pub next_role: Option<Role>,
    pub state: Option<CaseState>,
    pub open_only: bool,
    pub applicant_account: Option<i64>,
    /// Matches the case number or the applicant's name.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const CASE_COLUMNS: &str = "id, jurisdiction, number, query_code, item_code, item_version, item_name, department, supervising_department, handling_mode, applicant_account, applicant_kind, applicant_name, applicant_id, applicant_phone, channel, unit, state, version, body, created_at, updated_at";

fn case_from_row(row: &AnyRow) -> Result<CaseRecord> {
    let id: i64 = row.try_get("id")?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("办件{id}的{what}"));
    let body: CaseBody = serde_json::from_str(&row.try_get::<String, _>("body")?)
        .map_err(|e| corrupt(&format!("内容：{e}")))?;
    let state: String = row.try_get("state")?;
    let mode: String = row.try_get("handling_mode")?;
    let channel: String = row.try_get("channel")?;
    Ok(CaseRecord {
        id,
        jurisdiction: row.try_get("jurisdiction")?,
        number: row.try_get("number")?,
        query_code: row.try_get("query_code")?,
        item_code: row.try_get("item_code")?,
        item_version: row.try_get("item_version")?,
        item_name: row.try_get("item_name")?,
        department: row.try_get("department")?,
        supervising_department: row.try_get("supervising_department")?,
        handling_mode: HandlingMode::parse(&mode).ok_or_else(|| corrupt("办理方式"))?,
        applicant: Applicant {
            kind: SubjectKind::parse(&row.try_get::<String, _>("applicant_kind")?)
                .ok_or_else(|| corrupt("申请人类型"))?,
            name: row.try_get("applicant_name")?,
            id_number: row.try_get("applicant_id")?,
            phone: row.try_get("applicant_phone")?,
            account: row.try_get("applicant_account")?,
        },
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("渠道"))?,
        unit: row.try_get("unit")?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("状态"))?,
        next_role: body.case.next_role(&body.item),
        version: row.try_get("version")?,
        result_name: body.result_name,
        validity_years: body.validity_years,
        case: body.case,
        item: body.item,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn opt_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(fmt_date)
}

/// The dates kept in columns for queries, from a case and its clock.
struct Columns {
    state: &'static str,
    closed: bool,
    next_role: String,
    intake_due: String,
    accepted_on: Option<String>,
    statutory_due: Option<String>,
    promised_due: Option<String>,
    decided_on: Option<String>,
    certificate_due: Option<String>,
    due_sort: String,
    deferred_due: Option<String>,
}

fn columns(case: &Case, clock: Option<&Clock>, item: &ItemRules) -> Columns {
    Columns {
        state: case.state.code(),
        closed: case.is_closed(),
        next_role: case
            .next_role(item)
            .map(|r| r.code().to_string())
            .unwrap_or_default(),
        intake_due: fmt_date(case.intake.due),
        accepted_on: opt_date(case.accepted_on),
        statutory_due: opt_date(clock.and_then(|c| c.statutory_due)),
        promised_due: opt_date(clock.and_then(|c| c.promised_due)),
        decided_on: opt_date(case.decided_on),
        certificate_due: opt_date(clock.and_then(|c| c.certificate_due)),
        due_sort: opt_date(clock.and_then(|c| c.statutory_due))
            .unwrap_or_else(|| "9999-12-31".into()),
        deferred_due: opt_date(
            case.deferred
                .iter()
                .filter(|d| d.arrived_on.is_none())
                .map(|d| d.due)
                .min(),
        ),
    }
}

/// An instant in China Standard Time, RFC 3339 to the second (how signatures and packages are dated).
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&cst())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The date of an instant in China Standard Time.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&cst()).date_naive()
}

fn engine_err(e: EngineError) -> StoreError {
    match e {
        EngineError::Refused(r) => StoreError::Refused(r),
        EngineError::Calendar(c) => StoreError::Calendar(c),
    }
}

/// The reason carried by an action, for the event log.
fn action_reason(a: &Action) -> String {
    match a {
        Action::Refuse { reason, .. }
        | Action::NotNeeded { reason }
        | Action::Suspend { reason, .. }
        | Action::Extend { reason, .. }
        | Action::Decide { reason, .. }
        | Action::Withdraw { reason } => reason.clone(),
        Action::CompleteStep { opinion, .. } => opinion.clone(),
        Action::Correct { note } => note.clone(),
        _ => String::new(),
    }
}

/// The agency acting under its seal, and the seal's name, for an item of a jurisdiction.
fn agency_of(j: &Jurisdiction, department: &str, mode: HandlingMode) -> (String, String) {
    let bureau = j.bureau.as_ref();
    match mode {
        HandlingMode::Resident => {
            let name = j
                .department(department)
                .map_or(department.to_string(), |d| d.name.clone());
            let seal = format!("{name}行政许可专用章");
            (name, seal)
        }
        _ => (
            bureau.map_or(j.name.clone(), |b| b.name.clone()),
            bureau.map_or(String::new(), |b| b.seal_name.clone()),
        ),
    }
}

/// Who issues a case's documents: the agency under whose seal, the seal's name, the prefix of its
/// document numbers, where its decisions are challenged, and the credit code in its licences.
#[derive(Debug, Clone)]
pub(crate) struct Issuer {
    pub agency: String,
    pub seal: String,
    pub number_prefix: String,
    pub reconsideration_body: String,
    pub court: String,
    pub credit_code: String,
}

impl Issuer {
    pub(crate) fn of(j: &Jurisdiction, record: &CaseRecord) -> Issuer {
        let (agency, seal) = agency_of(j, &record.department, record.handling_mode);
        Issuer {
            agency,
            seal,
            number_prefix: if j.doc_prefix.is_empty() {
                format!("{}审批", j.name)
            } else {
                j.doc_prefix.clone()
            },
            reconsideration_body: if j.reconsideration_body.is_empty() {
                "本级人民政府".into()
            } else {
                j.reconsideration_body.clone()
            },
            court: if j.court.is_empty() {
                "有管辖权的人民法院".into()
            } else {
                j.court.clone()
            },
            credit_code: j
                .bureau
                .as_ref()
                .map(|b| b.credit_code.clone())
                .unwrap_or_default(),
        }
    }
}

pub(crate) async fn jurisdiction_in(conn: &mut AnyConnection, code: &str) -> Result<Jurisdiction> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM jurisdictions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    let body = body.ok_or_else(|| StoreError::NotFound(format!("没有代码为「{code}」的县区")))?;
    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("县区「{code}」：{e}")))
}

/// One step of a case's history to write: an event and the documents it issued.
struct Transition {
    action: String,
    reason: String,
    data: serde_json::Value,
    documents: Vec<DocumentKind>,
}

impl Store {
    /// Receives an application (收件). With an idempotency key, a retry returns the case created by
    /// the first attempt (and `false`).
    pub async fn create_case(
        &self,
        new: &NewCase,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<(CaseRecord, bool)> {
        let calendar = env.calendar;
        if let Some(key) = &new.idempotency_key {
            if key.trim().is_empty() || key.len() > 200 {
                return Err(StoreError::Rejected("幂等键应为1至200个字符".into()));
            }
            if let Some(existing) = self.case_by_key(key).await? {
                return Ok((existing, false));
            }
        }
        let date = local_date(at);
        let history = self.item_history(&new.jurisdiction, &new.item_code).await?;
        let version = catalog::active_version(&history, date)
            .cloned()
            .ok_or_else(|| {
                StoreError::Rejected(
                    catalog::CatalogError::NotInCatalog(new.item_code.clone()).to_string(),
                )
            })?;
        let item: &Item = &version.item;
        for code in &new.materials {
            if item.material(code).is_none() {
                return Err(StoreError::Rejected(format!(
                    "材料编码「{code}」不在“{}”公布的申请材料目录中",
                    item.name
                )));
            }
        }
        let rules = ItemRules::from(item);
        let facts = ApplicantFacts::default();
        let ctx = Context {
            item: &rules,
            calendar,
            applicant: &facts,
        };
        let received = Case::receive(&ctx, date, &new.materials).map_err(engine_err)?;
        let received_documents = received.documents();
        let body = CaseBody {
            case: received.case,
            item: rules.clone(),
            result_name: item.result.name.clone(),
            validity_years: item.result.validity_years,
        };
        let mut tx = self.begin_write().await?;
        let j = jurisdiction_in(&mut tx, &new.jurisdiction).await?;
        let year = i64::from(chrono::Datelike::year(&date));
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO case_numbers (jurisdiction, year, next) VALUES ($1, $2, 1)
             ON CONFLICT (jurisdiction, year) DO UPDATE SET next = case_numbers.next + 1 RETURNING next",
        )
        .bind(&new.jurisdiction)
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        let prefix = if j.case_prefix.is_empty() {
            j.code.to_uppercase()
        } else {
            j.case_prefix.clone()
        };
        let number = format!("{prefix}{year}{seq:06}");
        // A deadline in a year without calendar data is unknown until the year is added; the
        // application is received all the same.
        let clock = body.case.deadlines(&ctx, date).ok();
        let cols = columns(&body.case, clock.as_ref(), &body.item);
        let now = at.timestamp_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (jurisdiction, number, query_code, item_code, item_version, item_name, department,
               supervising_department, handling_mode, applicant_account, applicant_kind, applicant_name, applicant_id,
               applicant_phone, channel, unit, state, closed, next_role, received_on, intake_due, accepted_on,
               statutory_due, promised_due, decided_on, certificate_due, due_sort, body, version, created_at, updated_at,
               deferred_due)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
               $22, $23, $24, $25, $26, $27, $28, 1, $29, $29, $30) RETURNING id",
        )
        .bind(&new.jurisdiction)
        .bind(&number)
        .bind(random_code(6))
        .bind(&item.code)
        .bind(i64::from(version.version))
        .bind(&item.name)
        .bind(&item.department)
        .bind(&item.supervising_department)
        .bind(item.handling_mode.code())
        .bind(new.applicant.account)
        .bind(new.applicant.kind.code())
        .bind(new.applicant.name.trim())
        .bind(&new.applicant.id_number)
        .bind(new.applicant.phone.trim())
        .bind(actor.channel.code())
        .bind(&new.unit)
        .bind(cols.state)
        .bind(i64::from(cols.closed))
        .bind(&cols.next_role)
        .bind(fmt_date(date))
        .bind(&cols.intake_due)
        .bind(cols.accepted_on)
        .bind(cols.statutory_due)
        .bind(cols.promised_due)
        .bind(cols.decided_on)
        .bind(cols.certificate_due)
        .bind(&cols.due_sort)
        .bind(serde_json::to_string(&body)?)
        .bind(now)
        .bind(cols.deferred_due)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(key) = &new.idempotency_key {
            let inserted =
                sqlx::query("INSERT INTO case_keys (key, case_id, created_at) VALUES ($1, $2, $3)")
                    .bind(key)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await;
            if let Err(sqlx::Error::Database(e)) = &inserted
                && e.is_unique_violation()
            {
                // Another attempt with the same key won the race: keep its case, drop this one.
                tx.rollback().await?;
                let existing = self.case_by_key(key).await?.ok_or_else(|| {
                    StoreError::Conflict("同一幂等键的申请正在处理中，请稍后重试".into())
                })?;
                return Ok((existing, false));
            }
            inserted?;
        }
        let record = self.case_in(&mut tx, id).await?;
        let transition = Transition {
            action: "receive".into(),
            reason: String::new(),
            data: json!({
                "materials": new.materials,
                "item_version": version.version,
                "number": number,
                "unit": new.unit,
                "state": record.state.code(),
            }),
            documents: received_documents,
        };
        write_history(
            &mut tx,
            &record,
            &j,
            actor,
            at,
            clock.as_ref(),
            vec![transition],
            env,
        )
        .await?;
        tx.commit().await?;
        Ok((record, true))
    }

    /// Takes an action on a case, as of `at`, naming the version read (None: the current one).
    pub async fn act(
        &self,
        id: i64,
        expected_version: Option<i64>,
        action: &Action,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<CaseRecord> {
        // Notify-and-commit is barred by an unrepaired credit record of the applicant.
        let stored_facts;
        let facts = if matches!(action, Action::AcceptOnCommitment { .. })
            && env.facts.commitment_barred.is_none()
        {
            let holder: Option<String> =
                sqlx::query_scalar("SELECT applicant_id FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?;
            stored_facts = match holder {
                Some(h) => self.applicant_facts(&h).await?,
                None => ApplicantFacts::default(),
            };
            &stored_facts
        } else {
            env.facts
        };
        let calendar = env.calendar;
        let mut tx = self.begin_write().await?;
        let record = self.case_in(&mut tx, id).await?;
        if let Some(v) = expected_version
            && v != record.version
        {
            return Err(StoreError::Conflict(format!(
                "办件{}已被他人更新（当前第{}版，您看到的是第{v}版），请刷新后重试",
                record.number, record.version
            )));
        }
        let date = local_date(at);
        let ctx = record.context(calendar, facts);
        let mut transitions = Vec::new();
        let mut case = record.case.clone();
        if let Some((next, deemed)) = case.tick(date) {
            case = next;
            transitions.push(deemed_transition(&deemed));
        }
        let applied = case.apply(&ctx, date, action).map_err(engine_err)?;
        let applied_documents = applied.documents();
        let mut data = serde_json::to_value(action)?;
        data["state"] = json!(applied.case.state.code());
        transitions.push(Transition {
            action: action.name().into(),
            reason: action_reason(action),
            data,
            documents: applied_documents,
        });
        let updated = self
            .save_transition(&mut tx, &record, applied.case, transitions, actor, at, env)
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Applies what the passing of time does (deemed acceptance) to one case; None if nothing.
    pub async fn apply_time(
        &self,
        id: i64,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<Option<CaseRecord>> {
        let mut tx = self.begin_write().await?;
        let record = self.case_in(&mut tx, id).await?;
        let Some((next, deemed)) = record.case.tick(local_date(at)) else {
            return Ok(None);
        };
        let updated = self
            .save_transition(
                &mut tx,
                &record,
                next,
                vec![deemed_transition(&deemed)],
                &Actor::system(),
                at,
                env,
            )
            .await?;
        tx.commit().await?;
        Ok(Some(updated))
    }

    /// Deemed acceptance for every case whose intake window has passed (the background sweep). Safe
    /// to run on several servers at once: each case is written under its version, once.
    pub async fn sweep_intake(&self, at: DateTime<Utc>, env: &CaseEnv<'_>) -> Result<usize> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE state = 'received' AND intake_due < $1 ORDER BY id LIMIT 1000",
        )
        .bind(fmt_date(local_date(at)))
        .fetch_all(self.reader())
        .await?;
        let mut done = 0;
        for id in ids {
            match self.apply_time(id, at, env).await {
                Ok(Some(_)) => done += 1,
                Ok(None) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    #[allow(clippy::too_many_arguments)]
    async fn save_transition(
        &self,
        tx: &mut AnyConnection,
        record: &CaseRecord,
        case: Case,
        transitions: Vec<Transition>,
        actor: &Actor,
        at: DateTime<Utc>,
        env: &CaseEnv<'_>,
    ) -> Result<CaseRecord> {
        let date = local_date(at);
        let ctx = record.context(env.calendar, env.facts);
        let clock = case.deadlines(&ctx, date).ok();
        let cols = columns(&case, clock.as_ref(), &record.item);
        let body = CaseBody {
            case,
            item: record.item.clone(),
            result_name: record.result_name.clone(),
            validity_years: record.validity_years,
        };
        let updated = sqlx::query(
            "UPDATE cases SET state = $1, closed = $2, next_role = $3, intake_due = $4, accepted_on = $5,
               statutory_due = $6, promised_due = $7, decided_on = $8, certificate_due = $9, due_sort = $10,
               body = $11, version = version + 1, updated_at = $12, deferred_due = $15
             WHERE id = $13 AND version = $14",
        )
        .bind(cols.state)
        .bind(i64::from(cols.closed))
        .bind(&cols.next_role)
        .bind(&cols.intake_due)
        .bind(cols.accepted_on)
        .bind(cols.statutory_due)
        .bind(cols.promised_due)
        .bind(cols.decided_on)
        .bind(cols.certificate_due)
        .bind(&cols.due_sort)
        .bind(serde_json::to_string(&body)?)
        .bind(at.timestamp_millis())
        .bind(record.id)
        .bind(record.version)
        .bind(cols.deferred_due)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "办件{}已被他人更新，请刷新后重试",
                record.number
            )));
        }
        let fresh = self.case_in(tx, record.id).await?;
        let j = jurisdiction_in(tx, &record.jurisdiction).await?;
        write_history(tx, &fresh, &j, actor, at, clock.as_ref(), transitions, env).await?;
        Ok(fresh)
    }

    async fn case_in(&self, conn: &mut AnyConnection, id: i64) -> Result<CaseRecord> {
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的办件")))?;
        case_from_row(&row)
    }

    pub async fn case(&self, id: i64) -> Result<CaseRecord> {
        let mut conn = self.reader().acquire().await?;
        self.case_in(&mut conn, id).await
    }

    /// A case by its readable number.
    pub async fn case_by_number(&self, number: &str) -> Result<Option<CaseRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"
        ))
        .bind(number.trim())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(case_from_row).transpose()
    }

    async fn case_by_key(&self, key: &str) -> Result<Option<CaseRecord>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT case_id FROM case_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(self.reader())
            .await?;
        match id {
            Some(id) => Ok(Some(self.case(id).await?)),
            None => Ok(None),
        }
    }

    /// Cases by filter, the most urgent first (earliest statutory due date, then oldest).
    pub async fn list_cases(&self, f: &CaseFilter) -> Result<Vec<CaseRecord>> {
        let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let arg = |v: String, binds: &mut Vec<String>| {
            binds.push(v);
            format!("${}", binds.len())
        };
        if !f.jurisdictions.is_empty() {
            let list: Vec<String> = f
                .jurisdictions
                .iter()
                .map(|j| arg(j.clone(), &mut binds))
                .collect();
            sql.push_str(&format!(" AND jurisdiction IN ({})", list.join(", ")));
        }
        if let Some(r) = f.next_role {
            let p = arg(r.code().to_string(), &mut binds);
            sql.push_str(&format!(" AND next_role = {p}"));
        }
        if let Some(s) = f.state {
            let p = arg(s.code().to_string(), &mut binds);
            sql.push_str(&format!(" AND state = {p}"));
        }
        if f.open_only {
            sql.push_str(" AND closed = 0");
        }
        if let Some(t) = f.text.as_ref().filter(|t| !t.trim().is_empty()) {
            let p = arg(format!("%{}%", t.trim()), &mut binds);
            sql.push_str(&format!(
                " AND (number LIKE {p} OR applicant_name LIKE {p} OR item_name LIKE {p})"
            ));
        }
        let applicant = f.applicant_account;
        if applicant.is_some() {
            sql.push_str(&format!(" AND applicant_account = ${}", binds.len() + 1));
        }
        // due_sort is the statutory due date, or 9999-12-31 when there is none: the same order,
        // served by the worklist indexes.
        sql.push_str(" ORDER BY due_sort, id");
        sql.push_str(&format!(
            " LIMIT {} OFFSET {}",
            f.limit.clamp(1, 1000),
            f.offset.max(0)
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        if let Some(a) = applicant {
            q = q.bind(a);
        }
        let rows = q.fetch_all(self.reader()).await?;
        rows.iter().map(case_from_row).collect()
    }

    /// The documents of a case, oldest first.
    pub async fn case_documents(&self, case_id: i64) -> Result<Vec<StoredDocument>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    pub async fn document(&self, id: i64) -> Result<StoredDocument> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("没有编号为{id}的文书")))?;
        document_from_row(&row)
    }

    /// Records the digest of a document's rendered PDF (kept in the blob store).
    pub async fn set_document_pdf(&self, id: i64, digest: &str) -> Result<()> {
        sqlx::query("UPDATE documents SET pdf_digest = $1 WHERE id = $2 AND pdf_digest IS NULL")
            .bind(digest)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// A document by the digest of its PDF.
    pub async fn document_by_pdf_digest(&self, digest: &str) -> Result<Option<StoredDocument>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE pdf_digest = $1"
        ))
        .bind(digest)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    /// A document by its number (文号), for public verification.
    pub async fn document_by_number(&self, number: &str) -> Result<Option<StoredDocument>> {
        let row = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE number = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(number.trim())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    /// The latest approval decisions of a jurisdiction (Art. 40: decisions are public), newest first.
    pub async fn approvals(&self, jurisdiction: &str, limit: i64) -> Result<Vec<CaseRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE jurisdiction = $1 AND decided_on IS NOT NULL
             AND state IN ('decided', 'certificate_issued') ORDER BY decided_on DESC, id DESC LIMIT $2"
        ))
        .bind(jurisdiction)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(case_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|c| c.case.decision.as_ref().is_some_and(|d| d.approved))
            .collect())
    }

    /// How many cases the store holds (for benchmarks and statistics).
    pub async fn case_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(self.reader())
            .await?)
    }
}

const DOCUMENT_COLUMNS: &str = "id, case_id, event_seq, body, sealed, pdf_digest";

fn document_from_row(row: &AnyRow) -> Result<StoredDocument> {
    Ok(StoredDocument {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        event_seq: row.try_get("event_seq")?,
        record: serde_json::from_str(&row.try_get::<String, _>("body")?)?,
        sealed: row.try_get("sealed")?,
        pdf_digest: row.try_get("pdf_digest")?,
    })
}

fn deemed_transition(d: &DeemedAcceptance) -> Transition {
    Transition {
        action: "deemed_accept".into(),
        reason: format!(
            "受理期限{}届满未告知补正，依据《行政许可法》第三十二条第一款第（四）项视为受理",
            fmt_date(d.window_due)
        ),
        data: json!({
            "accepted_on": fmt_date(d.accepted_on),
            "window_due": fmt_date(d.window_due),
            "state": "accepted",
        }),
        documents: vec![DocumentKind::AcceptanceVoucher],
    }
}

/// Appends the events of the transitions, and composes, seals and stores their documents (a licence
/// also enters the licence register with its e-licence identifier).
#[allow(clippy::too_many_arguments)]
async fn write_history(
    tx: &mut AnyConnection,
    record: &CaseRecord,
    j: &Jurisdiction,
    actor: &Actor,
    at: DateTime<Utc>,
    clock: Option<&Clock>,
    transitions: Vec<Transition>,
    env: &CaseEnv<'_>,
) -> Result<()> {
    let keyring = env.keyring;
    let new_events: Vec<NewEvent> = transitions
        .iter()
        .map(|t| NewEvent {
            case_id: Some(record.id),
            jurisdiction: record.jurisdiction.clone(),
            at,
            actor: actor.name.clone(),
            actor_account: actor.account,
            channel: actor.channel.code().into(),
            action: t.action.clone(),
            reason: t.reason.clone(),
            data: t.data.clone(),
        })
        .collect();
    let seqs = events::append(tx, &new_events).await?;
    let issuer = Issuer::of(j, record);
    let agency = issuer.agency.clone();
    let ctx = DocContext {
        case_number: &record.number,
        query_code: &record.query_code,
        applicant: &record.applicant.name,
        item: &record.item,
        agency: &issuer.agency,
        seal: &issuer.seal,
        number_prefix: &issuer.number_prefix,
        reconsideration_body: &issuer.reconsideration_body,
        court: &issuer.court,
        clock,
        result_name: &record.result_name,
        validity_years: record.validity_years,
    };
    let issued_on = local_date(at);
    let seal = keyring.and_then(|k| k.for_holder(&record.jurisdiction, record.seal_holder()));
    let signed_at = local_time(at);
    let ack_days = j
        .push_ack_days
        .unwrap_or(yiyin_domain::supervision::DEFAULT_ACK_DAYS);
    for (t, seq) in transitions.iter().zip(seqs) {
        let mut issued: Vec<(DocumentRecord, Option<String>)> = Vec::new();
        for kind in &t.documents {
            let mut doc = compose(*kind, &record.case, &ctx, issued_on);
            let licence = if *kind == DocumentKind::Licence {
                let id =
                    register_licence(tx, record, &agency, &issuer.credit_code, &doc, at).await?;
                doc.paragraphs.insert(0, format!("证照编号：{id}"));
                doc.identifier = Some(id.clone());
                Some(id)
            } else {
                None
            };
            let doc_id = store_document(tx, record.id, seq, &doc, seal, &signed_at, at).await?;
            if let Some(id) = &licence {
                sqlx::query("UPDATE licences SET document_id = $1 WHERE identifier = $2")
                    .bind(doc_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            issued.push((doc, licence));
        }
        // What the supervising department is told, at once (审批结果推送).
        let decision = record.case.decision.as_ref();
        let kind = match t.action.as_str() {
            "decide" | "accept_on_commitment" => decision.map(|d| {
                if d.approved {
                    yiyin_domain::supervision::PushKind::Approval
                } else {
                    yiyin_domain::supervision::PushKind::Denial
                }
            }),
            "issue_certificate" => Some(yiyin_domain::supervision::PushKind::Certificate),
            _ => None,
        };
        let Some(kind) = kind else { continue };
        if record.supervising_department.is_empty() {
            continue;
        }
        let licence = issued.iter().find_map(|(_, l)| l.clone());
        let document = issued.last().map(|(d, _)| d);
        let sent_on = local_date(at);
        crate::supervision::enqueue(
            tx,
            crate::supervision::NewPush {
                jurisdiction: record.jurisdiction.clone(),
                department: record.supervising_department.clone(),
                kind,
                case_id: Some(record.id),
                licence: licence.clone(),
                event_seq: seq,
                facts: json!({
                    "case_number": record.number,
                    "item_code": record.item_code,
                    "item_name": record.item_name,
                    "holder": record.applicant.name,
                    "holder_id": record.applicant.id_number,
                    "decided_on": record.case.decided_on.map(fmt_date),
                    "on_commitment": decision.is_some_and(|d| d.on_commitment),
                    "reason": decision.map(|d| d.reason.clone()).unwrap_or_default(),
                    "document_number": document.map(|d| d.number.clone()),
                    "valid_until": document.and_then(|d| d.valid_until).map(fmt_date),
                    "agency": agency,
                }),
                at,
                ack_due: env.calendar.add(sent_on, ack_days).ok(),
            },
            seal,
        )
        .await?;
        // A licence granted on a commitment is verified by the supervising department.
        if let (Some(l), Some(d)) = (&licence, decision)
            && d.on_commitment
        {
            let days = record.item.commitment_check_days.unwrap_or(20);
            let from = record.case.decided_on.unwrap_or(sent_on);
            crate::supervision::open_verification(
                tx,
                l,
                record.id,
                &record.jurisdiction,
                &record.supervising_department,
                &record.applicant.id_number,
                &record.applicant.name,
                &record.item_name,
                // Unknown, never guessed, while the calendar lacks the year.
                env.calendar.add(from, days).ok(),
                at,
            )
            .await?;
        }
    }
    Ok(())
}

/// Seals (when a seal is given) and stores a document issued by the event `event_seq`; returns its id.
pub(crate) async fn store_document(
    tx: &mut AnyConnection,
    case_id: i64,
    event_seq: i64,
    doc: &DocumentRecord,
    seal: Option<&(crate::seals::SealRecord, yiyin_seal::SealKey)>,
    signed_at: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let (sealed, seal_id) = match seal {
        Some((info, key)) => {
            let s = yiyin_seal::SealedDocument::seal(
                serde_json::to_value(doc)?,
                info.info(),
                key,
                signed_at,
            );
            (Some(serde_json::to_string(&s)?), Some(info.id))
        }
        None => (None, None),
    };
    Ok(sqlx::query_scalar(
        "INSERT INTO documents (case_id, kind, number, title, issued_on, event_seq, body, created_at, sealed, seal_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(case_id)
    .bind(
        serde_json::to_value(doc.kind)?
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
    .bind(&doc.number)
    .bind(&doc.title)
    .bind(fmt_date(doc.issued_on))
    .bind(event_seq)
    .bind(serde_json::to_string(doc)?)
    .bind(at.timestamp_millis())
    .bind(sealed)
    .bind(seal_id)
    .fetch_one(&mut *tx)
    .await?)
}

/// Enters a licence in the register and returns its identifier (type code from the item, the
/// issuer's credit code, the jurisdiction's next serial, version 1).
async fn register_licence(
    tx: &mut AnyConnection,
    record: &CaseRecord,
    issuer: &str,
    issuer_code: &str,
    doc: &DocumentRecord,
    at: DateTime<Utc>,
) -> Result<String> {
    let serial: i64 = sqlx::query_scalar(
        "INSERT INTO licence_serials (jurisdiction, next) VALUES ($1, 1)
         ON CONFLICT (jurisdiction) DO UPDATE SET next = licence_serials.next + 1 RETURNING next",
    )
    .bind(&record.jurisdiction)
    .fetch_one(&mut *tx)
    .await?;
    let identifier =
        yiyin_seal::licence::identifier(&record.item_code, issuer_code, serial as u64, 1);
    crate::licences::insert_licence(
        tx,
        &crate::licences::NewLicence {
            identifier: identifier.clone(),
            case_id: record.id,
            jurisdiction: record.jurisdiction.clone(),
            item_code: record.item_code.clone(),
            name: record.result_name.clone(),
            holder: record.applicant.name.clone(),
            holder_id: record.applicant.id_number.clone(),
            issuer: issuer.to_string(),
            issuer_credit_code: issuer_code.to_string(),
            issued_on: doc.issued_on,
            valid_until: doc.valid_until,
            version: 1,
            supervising_department: record.supervising_department.clone(),
        },
        at,
    )
    .await?;
    Ok(identifier)
}

/// Parses a date column.
pub fn parse_column_date(s: &str) -> Option<NaiveDate> {
    parse_date(s).ok()
}
