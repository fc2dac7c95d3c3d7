//! E-monitoring (电子监察) use cases: the sweeps that issue the yellow and red cards the domain's
//! monitoring finds — on each case's limits ([`yiyin_domain::monitoring::assess`]) and on the
//! conduct of the work (steps over budget, intakes left to a deemed acceptance, pushes not
//! acknowledged in time, replies to reconsiderations and lawsuits filed late) — the monitoring
//! desk's list of cards, and the appeal (申诉) of a card and its decision.
//!
//! Who does what:
//! - the desk is read by the holders of [`Operation::Monitor`]: the discipline supervisor
//!   (纪检监察人员) and the bureau head (局长) of the jurisdiction see every card of it, an observer
//!   (审批观察员) only its own department's;
//! - a card is appealed by those who decide the case it was issued on ([`Operation::Decide`] on the
//!   case's scope: the section chief or the bureau head of the bureau, a resident department's
//!   deciding staff for its items) — the people the card holds to account;
//! - an appeal is decided by the discipline supervisor of the jurisdiction alone.
//!
//! A card is never deleted, edited or hidden: an appeal, upheld or not, only annotates it. Each
//! issue, appeal and decision is an event of the chain, written in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::CalendarError;
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::engine::ApplicantFacts;
use yiyin_domain::engine::{Case, Context};
use yiyin_domain::monitoring::{
    Card, CardColor, assess, conduct_cards, push_ack_card, redress_reply_card,
};
use yiyin_domain::party::Actor;
use yiyin_domain::roles::Role;
use yiyin_domain::simulation::Conduct;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::NewEvent;
use yiyin_store::monitoring::{AppealState, CardFilter, CardKey, MonitoringCard, NewCard};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// How long after its last write a closed case is still swept. The sweep runs every minute, so a
/// card whose date came while the case was open is issued within a minute; a closed case is swept
/// for this long more so that a card dated before its closing is still issued after an outage of
/// the workers (or when the calendar year it needed was loaded late), and after that never again:
/// a closed case's cards cannot change any more (its decision and certificate dates are fixed).
pub const CLOSED_CASES_SWEPT_DAYS: i64 = 31;
/// Cases read per batch of the sweep.
const SWEEP_BATCH: i64 = 500;

/// What the desk lists; every filter is optional (the jurisdiction is required).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CardQuery {
    /// The jurisdiction (county) code.
    pub jurisdiction: String,
    /// A department code.
    #[serde(default)]
    pub department: Option<String>,
    /// An item code.
    #[serde(default)]
    pub item: Option<String>,
    /// The unit (window) that received the case, by code; `online` for cases received online or
    /// kept by the back office (no window).
    #[serde(default)]
    pub window: Option<String>,
    /// A staff account's id: the cards of the cases it acted on.
    #[serde(default)]
    pub staff: Option<String>,
    /// `yellow` / `red` (or 黄牌 / 红牌).
    #[serde(default)]
    pub color: Option<String>,
    /// Cards dated on or after (YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<String>,
    /// Cards dated on or before (YYYY-MM-DD).
    #[serde(default)]
    pub to: Option<String>,
    /// `none` (not appealed), `pending`, `upheld` or `rejected`.
    #[serde(default)]
    pub appeal: Option<String>,
    /// The page after this one: the `next` of the page before (empty: the first page).
    #[serde(default)]
    pub after: Option<String>,
    /// Cards per page, 1 to 100 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The code the desk's window filter gives the cases without a window.
pub const NO_WINDOW: &str = "online";

/// A page of the monitoring desk: the cards matching the filters after the cursor, newest first,
/// how many match in all, and the cursor of the next page (None on the last).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardPage {
    pub cards: Vec<MonitoringCard>,
    /// How many cards match the filters (on every page).
    pub count: i64,
    /// Give it as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The choices of the desk's window and staff filters, as (code, name).
#[derive(Debug, Clone, Default)]
pub struct DeskChoices {
    pub windows: Vec<(String, String)>,
    pub staff: Vec<(String, String)>,
}

/// The cursor of a page: the date and id of the card it ends with.
fn cursor(k: CardKey) -> String {
    format!("{}_{}", fmt_date(k.on), k.id)
}

/// A cursor given back, or bad input in its field.
fn parse_cursor(text: &str) -> Result<CardKey> {
    let bad = crate::paging::bad_cursor;
    let (on, id) = text.split_once('_').ok_or_else(bad)?;
    Ok(CardKey {
        on: yiyin_domain::calendar::parse_date(on).map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    })
}

/// A filter value given, trimmed; None when empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date filter, or bad input in its field.
fn date_field(field: &str, v: &Option<String>) -> Result<Option<NaiveDate>> {
    given(v)
        .map(|t| {
            yiyin_domain::calendar::parse_date(t)
                .map_err(|_| AppError::field(field, "日期格式应为 YYYY-MM-DD，例如 2025-03-01"))
        })
        .transpose()
}

impl CardQuery {
    /// The store's filter, each value checked (Chinese errors naming the field).
    fn filter(&self) -> Result<CardFilter> {
        for (field, value) in [
            ("jurisdiction", Some(&self.jurisdiction)),
            ("department", self.department.as_ref()),
            ("item", self.item.as_ref()),
            ("window", self.window.as_ref()),
            ("staff", self.staff.as_ref()),
            ("color", self.color.as_ref()),
            ("appeal", self.appeal.as_ref()),
        ] {
            check(field, value.map_or("", String::as_str), TextKind::Short)?;
        }
        let color = given(&self.color)
            .map(|c| {
                AppError::choice::<CardColor>("color", c, |words| {
                    format!("颜色应为以下之一：{words}")
                })
            })
            .transpose()?;
        let appeal = match given(&self.appeal) {
            None => None,
            Some("none" | "未申诉") => Some(None),
            Some(s) => Some(Some(AppealState::parse(s).ok_or_else(|| {
                AppError::field(
                    "appeal",
                    "申诉状态应为：未申诉、待复核、申诉成立或申诉不成立",
                )
            })?)),
        };
        let (from, to) = (date_field("from", &self.from)?, date_field("to", &self.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::field("to", "结束日期不能早于开始日期"));
        }
        let staff = given(&self.staff)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::field("staff", "工作人员应以账号编号指定"))
            })
            .transpose()?;
        Ok(CardFilter {
            jurisdiction: self.jurisdiction.trim().to_string(),
            departments: Vec::new(),
            department: given(&self.department).map(str::to_string),
            item_code: given(&self.item).map(str::to_string),
            unit: given(&self.window).map(|w| match w {
                NO_WINDOW => String::new(),
                w => w.to_string(),
            }),
            staff,
            color,
            from,
            to,
            appeal,
            after: given(&self.after).map(parse_cursor).transpose()?,
            limit: match self.limit {
                None => DESK_LIMIT,
                Some(n) if (1..=DESK_LIMIT).contains(&n) => n,
                Some(_) => {
                    return Err(AppError::field(
                        "limit",
                        format!("每页张数应在 1 至 {DESK_LIMIT} 之间"),
                    ));
                }
            },
        })
    }
}

/// The most cards one page of the desk holds.
pub const DESK_LIMIT: i64 = 100;

/// Whether the account is the discipline supervisor (纪检监察人员) of a jurisdiction.
pub fn is_discipline_supervisor(who: &Principal, jurisdiction: &str) -> bool {
    who.is_staff()
        && who
            .account
            .grants
            .iter()
            .any(|g| g.role == Role::DisciplineSupervisor && g.jurisdiction == jurisdiction)
}

/// A reason required of an appeal or its decision, in its field.
fn reason_given(field: &str, reason: &str, missing: &str) -> Result<String> {
    check(field, reason, TextKind::Long)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(field, missing));
    }
    Ok(reason.to_string())
}

impl App {
    /// Issues the cards of `contracts.md` §2a due on the cases whose cards can still change (open
    /// cases and those closed in the last [`CLOSED_CASES_SWEPT_DAYS`] days, whose stored due dates
    /// passed): each card once, with its event. A case whose deadlines reach a year the calendar
    /// lacks is skipped and logged (no card on a provisional date). Safe on several servers at
    /// once. Returns how many cards were issued here.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_cards(&self, at: DateTime<Utc>) -> Result<usize> {
        self.sweep(at, true, |case, ctx, today| {
            assess(case, ctx, today).map(|a| a.cards)
        })
        .await
    }

    /// Issues the conduct cards ([`yiyin_domain::monitoring::conduct_cards`]: a step over its
    /// budget, an intake left to a deemed acceptance) on the cases in progress or closed in the
    /// last [`CLOSED_CASES_SWEPT_DAYS`] days, the acknowledgement cards of pushes acknowledged
    /// late or not at all (on the supervising department), and the cards of replies to
    /// reconsiderations and lawsuits filed late or not at all. Each once, with its event; safe on
    /// several servers at once. Returns how many were issued here.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_conduct_cards(&self, at: DateTime<Utc>) -> Result<usize> {
        let issued = self.sweep(at, false, conduct_cards).await?;
        let pushes = self.sweep_push_cards(at).await?;
        Ok(issued + pushes + self.sweep_redress_cards(at).await?)
    }

    /// The cards of replies to reconsiderations and lawsuits filed late or not yet
    /// ([`redress_reply_card`]), one per case, on the department whose decision is challenged.
    async fn sweep_redress_cards(&self, at: DateTime<Utc>) -> Result<usize> {
        let today = local_date(at);
        let calendar = self.calendar();
        let mut issued = 0;
        for e in self.store.redress_replies_late(today).await? {
            let Some(case_id) = e.case_id else {
                continue;
            };
            let what = format!("{}{}", e.kind.label(), e.kind.reply_word());
            let card =
                redress_reply_card(&calendar, e.reply_due, e.replied_on, today, &what, &e.basis);
            issued += self.issue_one_card(case_id, None, card, at).await?;
        }
        Ok(issued)
    }

    /// The sweep of cases: the cards `due` finds on each (as of today, time applied), those not
    /// kept yet issued. `by_dues`: only the cases some stored due date of which passed (the
    /// decision and certificate cards), else every case in progress.
    async fn sweep(
        &self,
        at: DateTime<Utc>,
        by_dues: bool,
        due: impl Fn(&Case, &Context, NaiveDate) -> std::result::Result<Vec<Card>, CalendarError>,
    ) -> Result<usize> {
        let today = local_date(at);
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        let since = at.timestamp_millis() - CLOSED_CASES_SWEPT_DAYS * 86_400_000;
        let mut issued = 0;
        let mut after = 0;
        loop {
            let ids = if by_dues {
                self.store
                    .cases_to_monitor(since, today, after, SWEEP_BATCH)
                    .await?
            } else {
                self.store
                    .cases_in_progress(since, after, SWEEP_BATCH)
                    .await?
            };
            let Some(&last) = ids.last() else {
                break;
            };
            after = last;
            for id in ids {
                // A simulated case (模拟运行) is not monitored.
                if !self.monitored(id).await? {
                    continue;
                }
                let record = self.store.case(id).await?;
                let case = record
                    .case
                    .tick(today)
                    .map_or_else(|| record.case.clone(), |(c, _)| c);
                let ctx = record.context(&calendar, &facts);
                let cards = match due(&case, &ctx, today) {
                    Ok(cards) => cards,
                    Err(e) => {
                        tracing::warn!(case = %record.number, error = %e,
                            "monitoring skipped: a deadline is in a year the calendar lacks");
                        continue;
                    }
                };
                if cards.is_empty() {
                    continue;
                }
                let kept = self.store.cards_of_case(id).await?;
                let new: Vec<&Card> = cards
                    .iter()
                    .filter(|c| !kept.iter().any(|k| k.card_limit == c.limit))
                    .collect();
                if !new.is_empty() {
                    issued += self
                        .issue_cards(&record, &record.department, &new, at)
                        .await?;
                }
            }
        }
        Ok(issued)
    }

    /// The acknowledgement cards ([`push_ack_card`]) of the pushes acknowledged late or not yet,
    /// one per case, on the department pushed to.
    async fn sweep_push_cards(&self, at: DateTime<Utc>) -> Result<usize> {
        let today = local_date(at);
        let calendar = self.calendar();
        let since = at.timestamp_millis() - CLOSED_CASES_SWEPT_DAYS * 86_400_000;
        let mut issued = 0;
        let mut after = 0;
        loop {
            let pushes = self
                .store
                .pushes_acknowledged_late(today, since, after, SWEEP_BATCH)
                .await?;
            let Some(last) = pushes.last() else {
                break;
            };
            after = last.id;
            for p in pushes {
                let (Some(case_id), Some(due)) = (p.case_id, p.ack_due) else {
                    continue;
                };
                let acknowledged_on = p
                    .acknowledged_at
                    .and_then(DateTime::from_timestamp_millis)
                    .map(local_date);
                let department = self.jurisdiction(&p.jurisdiction).map_or_else(
                    |_| p.department.clone(),
                    |j| j.department_name(&p.department),
                );
                let card = push_ack_card(&calendar, due, acknowledged_on, today, &department);
                issued += self
                    .issue_one_card(case_id, Some(&p.department), card, at)
                    .await?;
            }
        }
        Ok(issued)
    }

    /// Issues a card the domain found on a case (on `department`, else the case's own), unless
    /// one of its kind is kept already; a date in a year the calendar lacks is logged and skipped.
    /// Returns how many were issued here (0 or 1).
    async fn issue_one_card(
        &self,
        case_id: i64,
        department: Option<&str>,
        found: std::result::Result<Option<Card>, CalendarError>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let card = match found {
            Ok(Some(card)) => card,
            Ok(None) => return Ok(0),
            Err(e) => {
                tracing::warn!(case_id, error = %e,
                    "monitoring skipped: a date is in a year the calendar lacks");
                return Ok(0);
            }
        };
        if !self.monitored(case_id).await? {
            return Ok(0);
        }
        let kept = self.store.cards_of_case(case_id).await?;
        if kept.iter().any(|k| k.card_limit == card.limit) {
            return Ok(0);
        }
        let record = self.store.case(case_id).await?;
        let department = department.unwrap_or(&record.department).to_string();
        self.issue_cards(&record, &department, &[&card], at).await
    }

    /// Whether the card sweeps look at a case: not when it was received in simulation
    /// ([`Conduct::of`]).
    async fn monitored(&self, case_id: i64) -> Result<bool> {
        Ok(Conduct::of(self.store.is_simulated(case_id).await?).monitor)
    }

    /// Issues cards on one case in one transaction, each with its event; those issued meanwhile
    /// (by another server) are left as they are. Returns how many were issued here.
    async fn issue_cards(
        &self,
        record: &CaseRecord,
        department: &str,
        cards: &[&Card],
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.store.begin_write().await?;
        let mut events = Vec::new();
        for card in cards {
            let new = NewCard {
                case_id: record.id,
                case_number: &record.number,
                jurisdiction: &record.jurisdiction,
                department,
                item_code: &record.item_code,
                item_name: &record.item_name,
                card,
                at_ms: at.timestamp_millis(),
            };
            if let Some(card_id) = tx.issue_card(&new).await? {
                events.push(NewEvent::new(
                    &Actor::system(),
                    at,
                    &record.jurisdiction,
                    Some(record.id),
                    "card_issue",
                    format!("{}：{}", card.title(), card.reason),
                    json!({
                        "card": card_id, "color": card.color.code(), "limit": card.limit.code(),
                        "on": fmt_date(card.on), "due": fmt_date(card.due),
                    }),
                ));
            }
        }
        tx.append_events(&events).await?;
        if !events.is_empty() {
            // The cards count in the statistics summary from this transaction.
            self.keep_case_summary(&mut tx, record, None).await?;
        }
        tx.commit().await?;
        Ok(events.len())
    }

    /// A page of the monitoring desk's cards: of the jurisdiction for the discipline supervisor
    /// and the bureau head, of their own department for an observer; with how many match and the
    /// cursor of the next page.
    pub async fn cards(&self, who: &Principal, query: &CardQuery) -> Result<CardPage> {
        who.require_in(Operation::Monitor, query.jurisdiction.trim())?;
        let mut filter = query.filter()?;
        let mine: Vec<_> = who
            .account
            .grants
            .iter()
            .filter(|g| {
                g.jurisdiction == filter.jurisdiction
                    && yiyin_domain::authz::role_may(g.role, Operation::Monitor)
            })
            .collect();
        // Only observers are limited, to the departments they watch.
        if mine.iter().all(|g| g.role == Role::Observer) {
            filter.departments = mine.iter().filter_map(|g| g.department.clone()).collect();
            if filter.departments.is_empty() {
                return Ok(CardPage {
                    cards: Vec::new(),
                    count: 0,
                    next: None,
                });
            }
        }
        let page = self.store.monitoring_cards(&filter).await?;
        Ok(CardPage {
            cards: page.cards,
            count: self.store.count_monitoring_cards(&filter).await?,
            next: page.next.map(cursor),
        })
    }

    /// What the desk's window and staff filters offer in a jurisdiction, for whoever may read its
    /// desk: the units that receive cases (hall windows, township centres, village points, and
    /// [`NO_WINDOW`]) and the staff accounts holding a role there, as (code, name).
    pub async fn desk_choices(&self, who: &Principal, jurisdiction: &str) -> Result<DeskChoices> {
        who.require_in(Operation::Monitor, jurisdiction)?;
        let mut windows = vec![(NO_WINDOW.to_string(), "网上申请及未指定窗口".to_string())];
        if let Some(j) = self.org().jurisdiction(jurisdiction) {
            for h in &j.halls {
                for w in &h.windows {
                    windows.push((w.code.clone(), format!("{}{}", h.name, w.name)));
                }
            }
            for t in &j.townships {
                windows.push((t.code.clone(), t.name()));
                windows.extend(t.villages.iter().map(|v| (v.code.clone(), v.name.clone())));
            }
        }
        let staff = self
            .store
            .staff_in(jurisdiction)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), format!("{}（{}）", a.name, a.login)))
            .collect();
        Ok(DeskChoices { windows, staff })
    }

    /// One card with its appeal, for whoever may read the desk where it was issued (an observer:
    /// of its own department).
    pub async fn card(&self, who: &Principal, id: i64) -> Result<MonitoringCard> {
        let card = self.card_by_id(id).await?;
        let record = self.store.case(card.case_id).await?;
        who.require(Operation::Monitor, &self.case_scope(&record))?;
        Ok(card)
    }

    async fn card_by_id(&self, id: i64) -> Result<MonitoringCard> {
        self.store
            .monitoring_card(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("没有编号为 {id} 的监察牌")))
    }

    /// Files the one appeal (申诉) of a card, by someone who decides its case, with a reason.
    #[tracing::instrument(skip_all, fields(account = who.account.id, card = id))]
    pub async fn appeal_card(
        &self,
        who: &Principal,
        id: i64,
        reason: &str,
    ) -> Result<MonitoringCard> {
        let card = self.card_by_id(id).await?;
        let record = self.store.case(card.case_id).await?;
        who.require(Operation::Decide, &self.case_scope(&record))
            .map_err(|_| {
                AppError::Forbidden(
                    "无权申诉：监察牌由负责作出该办件许可决定的科室负责人或局长提出申诉".into(),
                )
            })?;
        let reason = reason_given("reason", reason, "请填写申诉理由")?;
        if card.appeal_state.is_some() {
            return Err(one_appeal());
        }
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        match tx
            .file_appeal(id, &actor.name, &reason, at.timestamp_millis())
            .await
        {
            Err(StoreError::Conflict(Conflict::Taken { .. })) => return Err(one_appeal()),
            other => other?,
        }
        let data = json!({"card": id, "color": card.color.code(), "limit": card.card_limit.code()});
        self.commit_card_event(tx, (&actor, at), &card, "card_appeal", reason, data)
            .await
    }

    /// Decides the pending appeal of a card (upheld or rejected), by the discipline supervisor, with
    /// the reason kept. The card stays as it was issued.
    #[tracing::instrument(skip_all, fields(account = who.account.id, card = id))]
    pub async fn decide_appeal(
        &self,
        who: &Principal,
        id: i64,
        uphold: bool,
        reason: &str,
    ) -> Result<MonitoringCard> {
        let card = self.card_by_id(id).await?;
        if !is_discipline_supervisor(who, &card.jurisdiction) {
            return Err(AppError::Forbidden(
                "无权复核申诉：监察牌的申诉由本县区纪检监察人员复核".into(),
            ));
        }
        let reason = reason_given("reason", reason, "请填写复核意见")?;
        match card.appeal_state {
            None => {
                return Err(AppError::Conflict("该监察牌没有提出申诉，无需复核".into()));
            }
            Some(AppealState::Pending) => {}
            Some(_) => return Err(AppError::Conflict("该申诉已复核，不能再次复核".into())),
        }
        let state = if uphold {
            AppealState::Upheld
        } else {
            AppealState::Rejected
        };
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        match tx
            .decide_appeal(id, state, &actor.name, &reason, at.timestamp_millis())
            .await
        {
            Err(StoreError::Conflict(Conflict::Changed(_))) => {
                return Err(AppError::Conflict("该申诉已复核，不能再次复核".into()));
            }
            other => other?,
        }
        let summary = format!("{}：{reason}", state.label());
        let data = json!({"card": id, "state": state.code()});
        self.commit_card_event(
            tx,
            (&actor, at),
            &card,
            "card_appeal_decision",
            summary,
            data,
        )
        .await
    }

    /// Records the act on a card as an event of its case's chain in the write `tx`, commits, and
    /// reads the card again.
    async fn commit_card_event(
        &self,
        mut tx: yiyin_store::WriteTx,
        (actor, at): (&Actor, DateTime<Utc>),
        card: &MonitoringCard,
        kind: &str,
        summary: String,
        data: serde_json::Value,
    ) -> Result<MonitoringCard> {
        let event = NewEvent::new(
            actor,
            at,
            &card.jurisdiction,
            Some(card.case_id),
            kind,
            summary,
            data,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.card_by_id(card.id).await
    }
}

/// A second appeal of a card.
fn one_appeal() -> AppError {
    AppError::Conflict("该监察牌已提出申诉，每张监察牌只能申诉一次".into())
}
