//! Satisfaction ratings (好差评, 国办发〔2019〕51号) use cases: the applicant's online rating of a
//! case once its result is out (一事一评), the caller's online rating of a requests-centre ticket
//! once it is closed (一事一评, by the applicant who filed it or with the ticket's query code), the
//! one-time rating link a window opens for a visit
//! (一次一评 on the window's tablet, or by SMS) and the rating given through it without logging in,
//! the lists of ratings, the bad-rating loop (contact, rectification, callback, appeal and its
//! decision), the jurisdiction's deadlines, and the public figures: 好评率, 差评整改率 and the
//! published rectifications.
//!
//! Who does what:
//! - the applicant who filed a case rates it online, once, after its result (decided, or refused at
//!   intake); the window clerk who may receive the case opens its visit's rating link;
//! - a closed ticket is rated online, once, by the applicant who filed it or by whoever holds its
//!   number and query code; its rating is a rating like a case's (subject 「诉求工单」) and a bad
//!   one opens the same rectification task; the rated side is the department that handled the
//!   ticket — its ticket handlers ([`Operation::HandleTickets`] with that department) rectify and
//!   appeal — or, for a ticket the centre answered at intake, the centre's manager;
//! - the rated side — the section chief and the bureau head whose duty covers the case
//!   ([`Operation::Rectify`] on its scope; a resident department's chief for its items) — contacts,
//!   rectifies, calls back and appeals; the rating administrator (好差评管理员) may also contact and
//!   call back, and alone decides appeals and sets the deadlines;
//! - ratings are listed to the rating administrator, the rectifiers and the monitoring roles (an
//!   observer: its own department's), never with the rater's identity, which only the rating
//!   administrator reads ([`App::rating_detail`]); the rater is recorded in the event chain as
//!   「评价人」, never by name or account.
//!
//! Every act is an event of the chain (the rated case's, or the jurisdiction's naming the ticket),
//! written in the same transaction.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::agency::{AGENCY_CENTRE, AGENCY_CENTRE_NAME};
use yiyin_domain::authz::{self, Operation};
use yiyin_domain::calendar::{fmt_date, local_date, parse_date};
use yiyin_domain::engine::CaseState;
use yiyin_domain::ids::mask_name;
use yiyin_domain::party::{Actor, Channel};
use yiyin_domain::ratings::{
    Given, Indicator, Level, Outcome, REQUESTS_CENTRE, REQUESTS_CENTRE_NAME, RaterView, Rates,
    RatingChannel, Settings, Subject, Task, TaskAction, TaskState, ticket_rated_side,
};
use yiyin_domain::refusal::Refusal;
use yiyin_domain::roles::Role;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::NewEvent;
use yiyin_store::ratings::{
    NewRating, Rater, RatingCounts, RatingFilter, RatingKey, RatingRecord, RatingScope,
    RatingToken, Step, SubjectId,
};
use yiyin_store::tickets::TicketRecord;
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::error::{AppError, Result};
use crate::paging::{ListPage, bad_cursor, page_limit};
use crate::principal::Principal;

mod rectification;

/// How long a window's tablet link stays valid.
pub const WINDOW_TOKEN_HOURS: i64 = 2;
/// How long an SMS rating link stays valid.
pub const SMS_TOKEN_DAYS: i64 = 7;

/// A rating as a form or JSON sends it: the level and indicators by code or Chinese word.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateInput {
    /// 评价等级：very_satisfied / satisfied / basic / dissatisfied / very_dissatisfied（或中文）.
    pub level: String,
    /// 评价指标（代码或中文）；差评至少一项差评指标.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// 评价内容，最多500字.
    #[serde(default)]
    pub comment: String,
    /// Online: whether the applicant rates by name (实名, may be contacted). At a visit: ignored
    /// (a visit's rating is named when a phone is given).
    #[serde(default)]
    pub named: bool,
    /// At a visit: the rater's name, to be contacted (optional).
    #[serde(default)]
    pub name: String,
    /// At a visit: the rater's phone, to be contacted (optional; given with the name).
    #[serde(default)]
    pub phone: String,
}

/// A one-time rating link just opened: the token is shown once and never kept.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingLink {
    pub token: String,
    /// The public address of the rating page.
    pub url: String,
    pub channel: RatingChannel,
    /// When it expires (milliseconds).
    pub expires_at: i64,
}

/// What the public rating page shows about the visit it rates (nothing about the applicant).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub item_name: String,
    pub department: String,
    pub jurisdiction: String,
    pub channel: RatingChannel,
}

/// What the desks list: the ratings by filter (jurisdiction required).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RatingQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// A department code.
    #[serde(default)]
    pub department: Option<String>,
    /// `true`: bad ratings only.
    #[serde(default)]
    pub bad: Option<bool>,
    /// The task's state: open / appealed / awaiting_callback / closed / excluded.
    #[serde(default)]
    pub state: Option<String>,
    /// Rated on or after (YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<String>,
    /// Rated on or before (YYYY-MM-DD).
    #[serde(default)]
    pub to: Option<String>,
    /// The page after this rating: the `after` of the `Link: <…>; rel="next"` header of the page
    /// before (omitted: the first page).
    #[serde(default)]
    pub after: Option<String>,
    /// Ratings per page, 1 to 500 (default 500).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The most ratings a page of a desk holds (and how many when not said).
pub const RATING_PAGE: i64 = 500;

/// A rating as a desk lists it, with what is late today.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingView {
    #[serde(flatten)]
    pub rating: RatingRecord,
    /// A named rater not contacted after the contact due date.
    pub contact_overdue: bool,
    /// Not rectified after the rectification due date.
    pub rectify_overdue: bool,
    /// The task's actions the rules allow now.
    pub allowed: Vec<String>,
}

/// One rating with its steps, and the rater for the rating administrator alone.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingDetail {
    #[serde(flatten)]
    pub view: RatingView,
    pub steps: Vec<Step>,
    /// The rater of a named rating: only the rating administrator sees it.
    pub rater: Option<Rater>,
}

/// An act on a rectification task, as a form or JSON sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    /// contact / rectify / callback / appeal / decide_appeal.
    pub action: String,
    /// The task's version read (optional; stale: conflict).
    #[serde(default)]
    pub version: Option<i64>,
    /// rectify: immediate / within_limit / explained (立行立改 / 限期整改 / 解释说明).
    #[serde(default)]
    pub outcome: String,
    /// callback: satisfied / basic / dissatisfied (the rater's view).
    #[serde(default)]
    pub view: String,
    /// decide_appeal: true to uphold.
    #[serde(default)]
    pub uphold: bool,
    /// The text: the contact note, the rectification, the callback note, the appeal's reason, the
    /// decision's reason.
    #[serde(default)]
    pub text: String,
}

impl TaskInput {
    /// The domain's action, each field checked.
    fn action(&self) -> Result<TaskAction> {
        check("text", &self.text, TextKind::Long)?;
        check("outcome", &self.outcome, TextKind::Short)?;
        check("view", &self.view, TextKind::Short)?;
        let text = self.text.clone();
        Ok(match self.action.trim() {
            "contact" => TaskAction::Contact { note: text },
            "rectify" => TaskAction::Rectify {
                outcome: AppError::choice::<Outcome>("outcome", &self.outcome, |w| {
                    format!("整改方式应为以下之一：{w}")
                })?,
                text,
            },
            "callback" => TaskAction::Callback {
                view: AppError::choice::<RaterView>("view", &self.view, |w| {
                    format!("回访意见应为以下之一：{w}")
                })?,
                note: text,
            },
            "appeal" => TaskAction::Appeal { reason: text },
            "decide_appeal" => TaskAction::DecideAppeal {
                uphold: self.uphold,
                reason: text,
            },
            _ => {
                return Err(AppError::field(
                    "action",
                    "操作应为：contact（联系核实）、rectify（整改）、callback（回访）、appeal（申诉）或 decide_appeal（申诉复核）",
                ));
            }
        })
    }
}

/// 好评率 and 差评整改率 of a jurisdiction over a period, in all and per department.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingRates {
    pub jurisdiction: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Rates,
    /// Per department of the rated items, by code.
    pub departments: Vec<DepartmentRates>,
}

/// The rates of one department.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentRates {
    /// The department's code.
    pub department: String,
    pub rates: Rates,
}

/// A finished rectification as the public page shows it: the rater's name masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedRectification {
    pub rated_on: NaiveDate,
    pub item_name: String,
    pub department: String,
    pub level: Level,
    pub indicators: Vec<Indicator>,
    /// 王* for a named rater, 匿名 otherwise.
    pub rater: String,
    pub outcome: Option<Outcome>,
    pub rectification: String,
    pub rectified_on: Option<NaiveDate>,
    pub callback_view: Option<RaterView>,
}

/// Whether a case's result is out, so that it may be rated online (一事一评): decided (with or
/// without its certificate), or refused at intake (its written refusal is the result).
pub fn result_out(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::Decided | CaseState::CertificateIssued | CaseState::Refused
    )
}

/// The refusal of an online rating before the result.
fn not_yet() -> Refusal {
    Refusal::new(
        yiyin_domain::ratings::POLICY,
        "办件尚未办结：网上“一事一评”在办理结果作出后进行（国办发〔2019〕51号）",
    )
}

/// The rater as the event chain records them: never by name or account.
fn rater_actor(channel: RatingChannel) -> Actor {
    Actor {
        name: "评价人".into(),
        account: None,
        channel: match channel {
            RatingChannel::Online | RatingChannel::Sms => Channel::Online,
            RatingChannel::Window => Channel::Window,
        },
    }
}

/// A date filter, or bad input in its field.
fn date_field(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|t| {
            parse_date(t)
                .map_err(|_| AppError::field(field, "日期格式应为 YYYY-MM-DD，例如 2025-03-01"))
        })
        .transpose()
}

/// The rating given, each field checked: the level and indicators among the options, the comment
/// within its bound.
pub(crate) fn given(input: &RateInput) -> Result<Given> {
    check("level", &input.level, TextKind::Short)?;
    check("comment", &input.comment, TextKind::Long)?;
    let level =
        AppError::choice::<Level>("level", &input.level, |w| format!("请选择评价等级：{w}"))?;
    let mut indicators = Vec::new();
    for i in &input.indicators {
        check("indicators", i, TextKind::Short)?;
        if i.trim().is_empty() {
            continue;
        }
        indicators.push(AppError::choice::<Indicator>("indicators", i, |w| {
            format!("评价指标「{}」不是可选项（可选：{w}）", i.trim())
        })?);
    }
    Ok(Given::check(level, &indicators, &input.comment)?)
}

/// A visit's rater's name and phone: both or neither; the phone 7 to 20 digits (a hyphen
/// allowed).
fn visit_rater(input: &RateInput) -> Result<Option<(String, String)>> {
    check("name", &input.name, TextKind::Name)?;
    check("phone", &input.phone, TextKind::Short)?;
    let (name, phone) = (input.name.trim(), input.phone.trim());
    match (name.is_empty(), phone.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Err(AppError::field(
            "phone",
            "留下姓名的，请同时填写联系电话，以便回访；不愿留下的请两项都不填（匿名评价）",
        )),
        (true, false) => Err(AppError::field("name", "留下联系电话的，请同时填写姓名")),
        (false, false) => {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            if !phone.chars().all(|c| c.is_ascii_digit() || c == '-') || !(7..=20).contains(&digits)
            {
                return Err(AppError::field(
                    "phone",
                    "联系电话应为7至20位数字（可含“-”），例如 13800000000",
                ));
            }
            Ok(Some((name.to_string(), phone.to_string())))
        }
    }
}

/// The SM3 of a rating token, as kept.
fn token_hash(token: &str) -> String {
    yiyin_seal::sm3_hex(token.as_bytes())
}

/// The refusal of a token that is unknown, used or expired (the same words for each: the page
/// tells a guesser nothing).
fn stale_link() -> AppError {
    AppError::NotFound("评价链接无效、已使用或已过期；如需评价，请向窗口工作人员重新获取".into())
}

/// What a rating rates, as it is kept: the subject, its number, the rated side and the item (a
/// case's item, a ticket's category).
pub(crate) struct Rated {
    jurisdiction: String,
    subject: SubjectId,
    number: String,
    department: String,
    item_code: String,
    item_name: String,
}

impl Rated {
    fn of_case(r: &CaseRecord) -> Rated {
        Rated {
            jurisdiction: r.jurisdiction.clone(),
            subject: SubjectId::Case(r.id),
            number: r.number.clone(),
            department: r.department.clone(),
            item_code: r.item_code.clone(),
            item_name: r.item_name.clone(),
        }
    }

    /// A closed ticket, rated side the department that handled it; any other is refused.
    fn of_ticket(t: &TicketRecord) -> Result<Rated> {
        Ok(Rated {
            department: ticket_rated_side(t.state, t.department.as_deref())?,
            jurisdiction: t.jurisdiction.clone(),
            subject: SubjectId::Ticket(t.id),
            number: t.number.clone(),
            item_code: t.category_code.clone(),
            item_name: t.category_name.clone(),
        })
    }

    /// The agency service under a mandate: the rated side is the agency centre; the number is
    /// the mandate's, the "item" what it was for.
    pub(crate) fn of_mandate(id: i64, jurisdiction: &str, what: &str) -> Rated {
        Rated {
            jurisdiction: jurisdiction.to_string(),
            subject: SubjectId::Mandate(id),
            number: format!("代办委托{id}"),
            department: AGENCY_CENTRE.to_string(),
            item_code: "agency".into(),
            item_name: what.to_string(),
        }
    }
}

/// The subject a stored rating rates.
fn subject_of(r: &RatingRecord) -> Result<SubjectId> {
    match (r.subject, r.case_id, r.ticket_id) {
        (Subject::Case, Some(id), _) => Ok(SubjectId::Case(id)),
        (Subject::Ticket, _, Some(id)) => Ok(SubjectId::Ticket(id)),
        (Subject::Agency, _, _) if r.mandate_id.is_some() => {
            Ok(SubjectId::Mandate(r.mandate_id.unwrap_or_default()))
        }
        _ => Err(AppError::Conflict(format!(
            "评价 {} 缺少被评价的办件或工单",
            r.id
        ))),
    }
}

/// The name of a rated side in a jurisdiction: a department, a township government (a ticket may
/// be handled by one), or the requests centre.
pub fn rated_side_name(j: Option<&yiyin_domain::org::Jurisdiction>, code: &str) -> String {
    if code == REQUESTS_CENTRE {
        return REQUESTS_CENTRE_NAME.to_string();
    }
    if code == AGENCY_CENTRE {
        return AGENCY_CENTRE_NAME.to_string();
    }
    let Some(j) = j else {
        return code.to_string();
    };
    if let Some(t) = j.township(code) {
        return t.government();
    }
    j.department_name(code)
}

impl App {
    /// The jurisdiction's bad-rating deadlines (Yiyin's defaults until set).
    pub async fn rating_settings(&self, jurisdiction: &str) -> Result<Settings> {
        Ok(self.store.rating_settings(jurisdiction).await?)
    }

    /// Sets the jurisdiction's bad-rating deadlines: the rating administrator. Applies to the
    /// ratings given from now on.
    pub async fn set_rating_settings(
        &self,
        who: &Principal,
        jurisdiction: &str,
        settings: Settings,
    ) -> Result<Settings> {
        who.require_in(Operation::ManageRatings, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        let settings = settings.check()?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.set_rating_settings(jurisdiction, settings, &actor.name, at.timestamp_millis())
            .await?;
        let event = NewEvent::new(
            &actor,
            at,
            jurisdiction,
            None,
            "rating_settings",
            format!(
                "差评时限：实名差评{}个工作日内联系，{}个工作日内整改",
                settings.contact_days, settings.rectify_days
            ),
            json!({"contact_days": settings.contact_days, "rectify_days": settings.rectify_days}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Whether the applicant may rate the case online now: theirs, its result out, not yet rated.
    /// `Ok(None)` when it may; `Ok(Some(rating))` when already rated.
    pub async fn online_rating(
        &self,
        who: &Principal,
        case_id: i64,
    ) -> Result<Option<RatingRecord>> {
        let record = self.store.case(case_id).await?;
        if !who.is_applicant_of(&record) {
            return Err(AppError::Forbidden("无权评价：只能评价本人的办件".into()));
        }
        Ok(self
            .store
            .online_rating_of(SubjectId::Case(case_id))
            .await?)
    }

    /// The applicant rates their case online once its result is out (一事一评), once.
    #[tracing::instrument(skip_all, fields(account = who.account.id, case = case_id))]
    pub async fn rate_online(
        &self,
        who: &Principal,
        case_id: i64,
        input: &RateInput,
    ) -> Result<RatingRecord> {
        let record = self.store.case(case_id).await?;
        if !who.is_applicant_of(&record) {
            return Err(AppError::Forbidden("无权评价：只能评价本人的办件".into()));
        }
        let given = given(input)?;
        if !result_out(record.state) {
            return Err(not_yet().into());
        }
        let a = &who.account;
        let rater = input
            .named
            .then(|| (Some(a.id), a.name.clone(), record.applicant.phone.clone()));
        self.keep_online_rating(&Rated::of_case(&record), &given, rater)
            .await
    }

    /// A ticket the applicant filed, or why they may not rate it.
    async fn my_ticket(&self, who: &Principal, ticket_id: i64) -> Result<TicketRecord> {
        let t = self
            .store
            .ticket(ticket_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有编号为{ticket_id}的工单")))?;
        if who.is_staff() || t.applicant_account != Some(who.account.id) {
            return Err(AppError::Forbidden(
                "无权评价：只能评价本人提出的诉求".into(),
            ));
        }
        Ok(t)
    }

    /// A ticket by its number and query code, with the same refusal as the track page for either
    /// wrong (a guesser learns nothing).
    async fn ticket_by_code(&self, number: &str, code: &str) -> Result<TicketRecord> {
        check("number", number, TextKind::Short)?;
        check("code", code, TextKind::Short)?;
        let not_found = || AppError::NotFound("工单编号或查询码不正确".into());
        let t = self
            .store
            .ticket_by_number(number)
            .await?
            .ok_or_else(not_found)?;
        if code.trim().is_empty() || !t.query_code.eq_ignore_ascii_case(code.trim()) {
            return Err(not_found());
        }
        Ok(t)
    }

    /// The online rating of a ticket the applicant filed (its one 一事一评), if given.
    pub async fn ticket_rating(
        &self,
        who: &Principal,
        ticket_id: i64,
    ) -> Result<Option<RatingRecord>> {
        let t = self.my_ticket(who, ticket_id).await?;
        Ok(self.store.online_rating_of(SubjectId::Ticket(t.id)).await?)
    }

    /// The online rating of a ticket followed with its number and query code, if given.
    pub async fn tracked_ticket_rating(
        &self,
        number: &str,
        code: &str,
    ) -> Result<Option<RatingRecord>> {
        let t = self.ticket_by_code(number, code).await?;
        Ok(self.store.online_rating_of(SubjectId::Ticket(t.id)).await?)
    }

    /// The applicant who filed a ticket rates it once it is closed (一事一评), once; by name
    /// (their account's name and phone, to be contacted) when `named`.
    #[tracing::instrument(skip_all, fields(account = who.account.id, ticket = ticket_id))]
    pub async fn rate_ticket(
        &self,
        who: &Principal,
        ticket_id: i64,
        input: &RateInput,
    ) -> Result<RatingRecord> {
        let t = self.my_ticket(who, ticket_id).await?;
        let a = &who.account;
        self.rate_closed_ticket(&t, input, || {
            Ok(input
                .named
                .then(|| (Some(a.id), a.name.clone(), a.phone.clone())))
        })
        .await
    }

    /// The caller rates a closed ticket with its number and query code, without logging in (the
    /// query code proves it is theirs), once; named when they leave a name and phone.
    pub async fn rate_ticket_by_code(
        &self,
        number: &str,
        code: &str,
        input: &RateInput,
    ) -> Result<RatingRecord> {
        let t = self.ticket_by_code(number, code).await?;
        self.rate_closed_ticket(&t, input, || {
            Ok(visit_rater(input)?.map(|(n, p)| (None, n, p)))
        })
        .await
    }

    /// Keeps the online rating of a closed ticket (一事一评): the levels given checked, then the
    /// ticket rateable, then `rater` (account, name, phone; None: anonymous).
    async fn rate_closed_ticket(
        &self,
        t: &TicketRecord,
        input: &RateInput,
        rater: impl FnOnce() -> Result<Option<(Option<i64>, String, String)>>,
    ) -> Result<RatingRecord> {
        let given = given(input)?;
        let rated = Rated::of_ticket(t)?;
        let rater = rater()?;
        self.keep_online_rating(&rated, &given, rater).await
    }

    /// Keeps a rating given online (一事一评): no device, no visit token.
    async fn keep_online_rating(
        &self,
        rated: &Rated,
        given: &Given,
        rater: Option<(Option<i64>, String, String)>,
    ) -> Result<RatingRecord> {
        self.keep_rating(
            rated,
            RatingChannel::Online,
            String::new(),
            given,
            rater,
            None,
        )
        .await
    }

    /// Keeps a rating (and opens the task of a bad one) with its event, in one transaction; the
    /// token of a visit is used in it.
    pub(crate) async fn keep_rating(
        &self,
        record: &Rated,
        channel: RatingChannel,
        visit_key: String,
        given: &Given,
        rater: Option<(Option<i64>, String, String)>,
        token: Option<i64>,
    ) -> Result<RatingRecord> {
        let at = self.now();
        let today = local_date(at);
        let settings = self.rating_settings(&record.jurisdiction).await?;
        let task = Task::open(
            given.level,
            rater.is_some(),
            today,
            settings,
            &self.calendar(),
        )?;
        let mut tx = self.store.begin_write().await?;
        if let Some(id) = token {
            match tx.use_rating_token(id, at.timestamp_millis()).await {
                Err(StoreError::Conflict(Conflict::Changed(_))) => return Err(stale_link()),
                other => other?,
            }
        }
        let new = NewRating {
            jurisdiction: &record.jurisdiction,
            subject: record.subject,
            case_number: &record.number,
            department: &record.department,
            item_code: &record.item_code,
            item_name: &record.item_name,
            channel,
            visit_key,
            level: given.level,
            indicators: &given.indicators,
            comment: &given.comment,
            rated_on: today,
            at_ms: at.timestamp_millis(),
            rater: rater.as_ref().map(|(a, n, p)| (*a, n.as_str(), p.as_str())),
        };
        let id = match tx.insert_rating(&new).await {
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::Conflict(
                    match record.subject {
                        SubjectId::Case(_) => {
                            "该办件已经评价过：网上“一事一评”每件只能评价一次，评价提交后不能修改"
                        }
                        SubjectId::Ticket(_) => {
                            "该工单已经评价过：诉求工单“一事一评”每件只能评价一次，评价提交后不能修改"
                        }
                        SubjectId::Mandate(_) => {
                            "该代办服务已经评价过：每份授权委托的代办服务只能评价一次，评价提交后不能修改"
                        }
                    }
                    .into(),
                ));
            }
            other => other?,
        };
        let mut data = json!({
            "rating": id, "subject": record.subject.subject().code(),
            "channel": channel.code(), "level": given.level.code(),
            "bad": given.level.is_bad(),
            "indicators": given.indicators.iter().map(|i| i.code()).collect::<Vec<_>>(),
        });
        let case_id = match record.subject {
            SubjectId::Case(id) => Some(id),
            SubjectId::Ticket(ticket) => {
                data["ticket"] = json!(ticket);
                data["number"] = json!(record.number);
                None
            }
            SubjectId::Mandate(mandate) => {
                data["mandate"] = json!(mandate);
                None
            }
        };
        let mut summary = match record.subject {
            SubjectId::Case(_) => format!("{}：{}", channel.label(), given.level.label()),
            SubjectId::Ticket(_) => format!(
                "工单{}{}：{}",
                record.number,
                channel.label(),
                given.level.label()
            ),
            SubjectId::Mandate(_) => format!(
                "{}（{}）代办服务评价：{}",
                record.number,
                record.item_name,
                given.level.label()
            ),
        };
        if !given.indicators.is_empty() {
            let words: Vec<_> = given.indicators.iter().map(|i| i.label()).collect();
            summary.push_str(&format!("（{}）", words.join("、")));
        }
        if let Some(task) = &task {
            tx.insert_rectification(
                id,
                &record.jurisdiction,
                &record.department,
                task,
                at.timestamp_millis(),
            )
            .await?;
            data["rectify_due"] = json!(fmt_date(task.rectify_due));
            data["contact_due"] = json!(task.contact_due.map(fmt_date));
            summary.push_str(&format!("；差评整改期限 {}", fmt_date(task.rectify_due)));
        }
        let event = NewEvent::new(
            &rater_actor(channel),
            at,
            &record.jurisdiction,
            case_id,
            "rating",
            summary,
            data,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.rating_by_id(id).await
    }

    async fn rating_by_id(&self, id: i64) -> Result<RatingRecord> {
        self.store
            .rating(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有编号为 {id} 的评价")))
    }

    /// The window clerk who may receive the case opens a one-time rating link for this visit
    /// (一次一评): for the window's tablet (valid 2 hours) or an SMS (valid 7 days). The token is
    /// returned once; only its SM3 is kept.
    #[tracing::instrument(skip_all, fields(account = who.account.id, case = case_id))]
    pub async fn open_rating_link(
        &self,
        who: &Principal,
        case_id: i64,
        channel: &str,
    ) -> Result<RatingLink> {
        let record = self.store.case(case_id).await?;
        who.require(Operation::Receive, &self.case_scope(&record))
            .map_err(|_| {
                AppError::Forbidden(
                    "无权请申请人评价：评价链接由受理该办件的窗口工作人员生成".into(),
                )
            })?;
        check("channel", channel, TextKind::Short)?;
        let channel = match channel.trim() {
            "" => RatingChannel::Window,
            c => AppError::choice::<RatingChannel>("channel", c, |_| {
                "评价方式应为 window（窗口平板）或 sms（短信链接）".into()
            })?,
        };
        if channel == RatingChannel::Online {
            return Err(AppError::field(
                "channel",
                "网上评价由申请人在“我的办件”中进行，无需生成链接",
            ));
        }
        let at = self.now();
        let expires = at
            + match channel {
                RatingChannel::Sms => Duration::days(SMS_TOKEN_DAYS),
                _ => Duration::hours(WINDOW_TOKEN_HOURS),
            };
        let token = crate::accounts::random_token();
        let actor = who.actor_at(&self.org(), true);
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_rating_token(
                &token_hash(&token),
                record.id,
                &record.jurisdiction,
                channel,
                &actor.name,
                at.timestamp_millis(),
                expires.timestamp_millis(),
            )
            .await?;
        let event = NewEvent::new(
            &actor,
            at,
            &record.jurisdiction,
            Some(record.id),
            "rating_link",
            format!("请申请人评价：生成{}", channel.label()),
            json!({"token": id, "channel": channel.code(), "expires_at": expires.timestamp_millis()}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(RatingLink {
            url: format!("{}/rate/{token}", self.public_url()),
            token,
            channel,
            expires_at: expires.timestamp_millis(),
        })
    }

    /// The token's visit, if the token is valid now.
    async fn valid_token(&self, token: &str) -> Result<(RatingToken, CaseRecord)> {
        check("token", token, TextKind::Short)?;
        let t = token.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(stale_link());
        }
        let found = self.store.rating_token(&token_hash(t)).await?;
        let Some(found) = found else {
            return Err(stale_link());
        };
        if found.used_at.is_some() || found.expires_at <= self.now().timestamp_millis() {
            return Err(stale_link());
        }
        let record = self.store.case(found.case_id).await?;
        Ok((found, record))
    }

    /// What the public rating page shows of a valid token's visit.
    pub async fn rating_visit(&self, token: &str) -> Result<Visit> {
        let (t, record) = self.valid_token(token).await?;
        let org = self.org();
        let j = org.jurisdiction(&record.jurisdiction);
        Ok(Visit {
            item_name: record.item_name.clone(),
            department: j
                .and_then(|j| j.department(&record.department))
                .map_or_else(|| record.department.clone(), |d| d.name.clone()),
            jurisdiction: j.map_or_else(|| record.jurisdiction.clone(), |j| j.name.clone()),
            channel: t.channel,
        })
    }

    /// Rates a visit through its one-time link, without logging in; the link is used up.
    pub async fn rate_by_token(&self, token: &str, input: &RateInput) -> Result<RatingRecord> {
        let (t, record) = self.valid_token(token).await?;
        let given = given(input)?;
        let rater = visit_rater(input)?.map(|(n, p)| (None, n, p));
        self.keep_rating(
            &Rated::of_case(&record),
            t.channel,
            t.id.to_string(),
            &given,
            rater,
            Some(t.id),
        )
        .await
    }
}

/// The period of the public rates.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct Period {
    /// From (YYYY-MM-DD); default 1 January of this year.
    #[serde(default)]
    pub from: Option<String>,
    /// To (YYYY-MM-DD); default today.
    #[serde(default)]
    pub to: Option<String>,
}

impl Period {
    /// The dates, [`year_to_date`] of `today` by default; errors name their field.
    pub fn dates(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
        let (from, to) = year_to_date(today);
        let parse = |field: &str, v: &Option<String>, default| match v
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(default),
            Some(t) => parse_date(t)
                .map_err(|_| AppError::field(field, "日期格式应为 YYYY-MM-DD，例如 2025-03-01")),
        };
        Ok((parse("from", &self.from, from)?, parse("to", &self.to, to)?))
    }
}

/// The default period of the public figures: the calendar year to date.
pub fn year_to_date(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    (
        NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        today,
    )
}
