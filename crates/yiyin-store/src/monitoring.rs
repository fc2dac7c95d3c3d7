//! E-monitoring (电子监察) as rows: the yellow and red cards the monitoring sweep issues — one per
//! case and limit, inserted if absent so that several app servers sweeping at once issue each card
//! once, never deleted or edited — and the one appeal (申诉) a card may get, which annotates the card
//! and is decided by the discipline supervisor with the reason kept. The desk reads a card with its
//! appeal through the `monitoring_desk` view.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use yiyin_domain::labels::Labelled;
use yiyin_domain::monitoring::{Card, CardColor, CardLimit};

use crate::rows::{Column, Statement, coded, columns_of, day, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AppealState {
    /// Filed, waiting for the discipline supervisor (待复核).
    Pending,
    /// The appeal is upheld (申诉成立): the card stays, annotated.
    Upheld,
    /// The appeal is rejected (申诉不成立).
    Rejected,
}

impl AppealState {
    pub const ALL: [AppealState; 3] = [
        AppealState::Pending,
        AppealState::Upheld,
        AppealState::Rejected,
    ];

    /// The stable code kept in the store and used by the API.
    pub fn code(self) -> &'static str {
        match self {
            AppealState::Pending => "pending",
            AppealState::Upheld => "upheld",
            AppealState::Rejected => "rejected",
        }
    }

    /// The Chinese word users see.
    pub fn label(self) -> &'static str {
        match self {
            AppealState::Pending => "待复核",
            AppealState::Upheld => "申诉成立",
            AppealState::Rejected => "申诉不成立",
        }
    }

    /// Parses the code or the Chinese word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == text || s.label() == text)
    }
}

fn read_color(row: &AnyRow, column: &str) -> std::result::Result<CardColor, sqlx::Error> {
    coded(row, column, <CardColor as Labelled>::parse)
}

fn read_limit(row: &AnyRow, column: &str) -> std::result::Result<CardLimit, sqlx::Error> {
    coded(row, column, <CardLimit as Labelled>::parse)
}

fn read_appeal(
    row: &AnyRow,
    column: &str,
) -> std::result::Result<Option<AppealState>, sqlx::Error> {
    match <Option<String> as Column>::get(row, column)? {
        None => Ok(None),
        Some(_) => coded(row, column, AppealState::parse).map(Some),
    }
}

record! {
    /// A card as the desk reads it, with its appeal (the `appeal_*` fields, None without one).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct MonitoringCard {
        pub id: i64,
        pub case_id: i64,
        pub case_number: String,
        pub jurisdiction: String,
        /// The department of the case's item (原审批部门).
        pub department: String,
        pub item_code: String,
        pub item_name: String,
        pub color: CardColor = read_color,
        #[serde(rename = "limit")]
        pub card_limit: CardLimit = read_limit,
        /// The date the card is issued for (亮牌日).
        #[serde(rename = "on")]
        pub card_on: NaiveDate,
        /// The due date that passed (到期日).
        #[serde(rename = "due")]
        pub due_on: NaiveDate,
        pub reason: String,
        /// When the sweep wrote it (milliseconds).
        pub issued_at: i64,
        /// The unit (window) of the case ('': online or the back office).
        pub unit: String,
        pub appeal_filed_by: Option<String>,
        pub appeal_reason: Option<String>,
        pub appeal_filed_at: Option<i64>,
        pub appeal_state: Option<AppealState> = read_appeal,
        pub appeal_decided_by: Option<String>,
        pub appeal_decision_reason: Option<String>,
        pub appeal_decided_at: Option<i64>,
    }
}

/// A card to issue for a case.
#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    pub case_id: i64,
    pub case_number: &'a str,
    pub jurisdiction: &'a str,
    pub department: &'a str,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub card: &'a Card,
    pub at_ms: i64,
}

/// Which cards the desk lists. Empty texts and `None` do not filter.
#[derive(Debug, Clone, Default)]
pub struct CardFilter {
    pub jurisdiction: String,
    /// Only these departments (an observer's); empty: every department.
    pub departments: Vec<String>,
    pub department: Option<String>,
    pub item_code: Option<String>,
    /// The unit (window) of the case ('' is a unit too: online or the back office).
    pub unit: Option<String>,
    /// Cards of the cases a staff account acted on (counted with in the statistics).
    pub staff: Option<i64>,
    pub color: Option<CardColor>,
    /// Cards issued on or after this date.
    pub from: Option<NaiveDate>,
    /// Cards issued on or before this date.
    pub to: Option<NaiveDate>,
    /// `Some(None)`: cards without an appeal; `Some(Some(s))`: appeals in state `s`.
    pub appeal: Option<Option<AppealState>>,
    /// Only cards after this one in the desk's order (newest card date first, then by id):
    /// the last card of the page before.
    pub after: Option<CardKey>,
    pub limit: i64,
}

/// A card's place in the desk's order: its date and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardKey {
    pub on: NaiveDate,
    pub id: i64,
}

/// A page of the desk: at most the filter's limit of cards, and the key of the last when more
/// follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardsPage {
    pub cards: Vec<MonitoringCard>,
    pub next: Option<CardKey>,
}

impl WriteTx {
    /// Issues a card unless the case already has one for that limit; returns its id when it was
    /// issued here (None: issued before, here or by another server).
    pub async fn issue_card(&mut self, c: &NewCard<'_>) -> Result<Option<i64>> {
        Ok(self
            .issue_cards(std::slice::from_ref(c))
            .await?
            .into_iter()
            .next()
            .flatten())
    }

    /// [`WriteTx::issue_card`] for several cards, several rows a statement (a bulk load): the id of
    /// each card issued here, in the order given. Each card takes the unit of its case.
    pub async fn issue_cards(&mut self, cards: &[NewCard<'_>]) -> Result<Vec<Option<i64>>> {
        const COLUMNS: usize = 13;
        let per = if self.is_sqlite() { 256 / COLUMNS } else { 500 };
        let mut ids = std::collections::HashMap::with_capacity(cards.len());
        for chunk in cards.chunks(per) {
            let mut q = Statement::new(
                "INSERT INTO monitoring_cards (case_id, case_number, jurisdiction, department, \
                 item_code, item_name, color, card_limit, card_on, due_on, reason, issued_at, unit) \
                 VALUES ",
            );
            for (i, c) in chunk.iter().enumerate() {
                let card = c.card;
                q.push(if i > 0 { ", (" } else { "(" });
                q.push_bind(c.case_id).push(", ");
                q.push_bind(c.case_number.to_string()).push(", ");
                q.push_bind(c.jurisdiction.to_string()).push(", ");
                q.push_bind(c.department.to_string()).push(", ");
                q.push_bind(c.item_code.to_string()).push(", ");
                q.push_bind(c.item_name.to_string()).push(", ");
                q.push_bind(card.color.code()).push(", ");
                q.push_bind(card.limit.code()).push(", ");
                q.push_bind(day(card.on)).push(", ");
                q.push_bind(day(card.due)).push(", ");
                q.push_bind(card.reason.clone()).push(", ");
                q.push_bind(c.at_ms).push(", ");
                q.push("(SELECT unit FROM cases WHERE cases.id = ")
                    .push_bind(c.case_id)
                    .push("))");
            }
            q.push(
                " ON CONFLICT (case_id, card_limit) DO NOTHING RETURNING id, case_id, card_limit",
            );
            let issued: Vec<(i64, i64, String)> = q.all(&mut **self).await?;
            ids.extend(
                issued
                    .into_iter()
                    .map(|(id, case, limit)| ((case, limit), id)),
            );
        }
        Ok(cards
            .iter()
            .map(|c| {
                ids.get(&(c.case_id, c.card.limit.code().to_string()))
                    .copied()
            })
            .collect())
    }

    /// Files the cards of these cases under each staff account counted with their case
    /// (`statistics_case_staff`), for the desk's staff filter; those filed already stay. Called
    /// with the statistics summary, after its staff are added.
    pub async fn file_card_staff(&mut self, case_ids: &[i64]) -> Result<()> {
        // The cases bound twice, once for each side of the join: with the list on the cards
        // alone, PostgreSQL merge-joined the batch's cards with the whole staff table, every
        // statement (a rebuild of the summary spent its hours there).
        for chunk in case_ids.chunks(128) {
            if chunk.is_empty() {
                continue;
            }
            let mut q = Statement::new(
                "INSERT INTO monitoring_card_staff \
                   (account_id, jurisdiction, card_on, card_id, color, department, item_code, unit) \
                 SELECT s.account_id, c.jurisdiction, c.card_on, c.id, c.color, c.department, \
                        c.item_code, c.unit \
                 FROM monitoring_cards c \
                 JOIN statistics_case_staff s ON s.case_id = c.case_id WHERE c.case_id",
            );
            q.push_in(chunk);
            q.push(" AND s.case_id");
            q.push_in(chunk);
            q.push(" ON CONFLICT (account_id, jurisdiction, card_on, card_id) DO NOTHING");
            q.run(&mut **self).await?;
        }
        Ok(())
    }

    /// Files the one appeal of a card; a second is [`Conflict::Taken`].
    pub async fn file_appeal(
        &mut self,
        card_id: i64,
        filed_by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<()> {
        // The appeal keeps its card's jurisdiction and date, which the appeal filter's index
        // leads with (migration 0043).
        let filed = sql!(
            "INSERT INTO card_appeals
               (card_id, filed_by, reason, filed_at, state, jurisdiction, card_on)
             SELECT id, $2, $3, $4, $5, jurisdiction, card_on FROM monitoring_cards WHERE id = $1
             ON CONFLICT (card_id) DO NOTHING";
            card_id, filed_by, reason, at_ms, AppealState::Pending.code())
        .changed_one(&mut **self)
        .await?;
        if filed {
            Ok(())
        } else {
            Err(StoreError::Conflict(Conflict::Taken {
                what: "card appeal",
                value: card_id.to_string(),
            }))
        }
    }

    /// Decides a pending appeal; one decided meanwhile is [`Conflict::Changed`].
    pub async fn decide_appeal(
        &mut self,
        card_id: i64,
        state: AppealState,
        decided_by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE card_appeals SET state = $1, decided_by = $2, decision_reason = $3, decided_at = $4
             WHERE card_id = $5 AND state = 'pending'";
            state.code(), decided_by, reason, at_ms, card_id
        )
        .run_once(&mut **self, "card appeal")
        .await
    }
}

impl Store {
    /// A page of the cards by filter, newest card date first (then by id, highest first), after
    /// the filter's key: each filter leads an index in that order (migration 0033), so a page
    /// reads the index from the key on and stops once full.
    pub async fn monitoring_cards(&self, f: &CardFilter) -> Result<CardsPage> {
        let limit = f.limit.clamp(1, 1000);
        let mut q = Statement::new(format!("SELECT {} FROM", columns_of::<MonitoringCard>("d")));
        desk_where(&mut q, f);
        if let Some(k) = f.after {
            let (on, id) = order_columns(f);
            q.push(format!(" AND {on} <= ")).push_bind(day(k.on));
            q.push(format!(" AND ({on} < ")).push_bind(day(k.on));
            q.push(format!(" OR {id} < ")).push_bind(k.id).push(")");
        }
        let (on, id) = order_columns(f);
        q.push(format!(" ORDER BY {on} DESC, {id} DESC LIMIT "))
            .push_bind(limit + 1);
        let mut cards: Vec<MonitoringCard> = q.all(self.reader()).await?;
        let next = if cards.len() as i64 > limit {
            cards.truncate(limit as usize);
            cards.last().map(|c| CardKey {
                on: c.card_on,
                id: c.id,
            })
        } else {
            None
        };
        Ok(CardsPage { cards, next })
    }

    /// How many cards the filter matches (its key and limit aside): a count of a range of the
    /// index the filter leads.
    pub async fn count_monitoring_cards(&self, f: &CardFilter) -> Result<i64> {
        let mut q = Statement::new("SELECT COUNT(*) FROM");
        // Without the appeal filter the cards alone are counted (the appeal joined to the desk
        // is one at most per card): a count of a range of the filter's index, no probe a card.
        // The appeals, when they lead, are joined by the filter itself.
        let from = if f.appeal.is_none() || Lead::of(f) == Lead::Appeals {
            "monitoring_cards"
        } else {
            "monitoring_desk"
        };
        desk_where_in(&mut q, f, from);
        q.scalar(self.reader()).await
    }

    /// One card with its appeal, if it exists.
    pub async fn monitoring_card(&self, id: i64) -> Result<Option<MonitoringCard>> {
        sql!(select::<MonitoringCard>("monitoring_desk WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The cards of a case, in date order.
    pub async fn cards_of_case(&self, case_id: i64) -> Result<Vec<MonitoringCard>> {
        let from = "monitoring_desk WHERE case_id = $1 ORDER BY card_on, id";
        sql!(select::<MonitoringCard>(from); case_id)
            .all(self.reader())
            .await
    }

    /// The cases in progress (open), and those closed (last written) at or after
    /// `closed_since_ms`: the cases the conduct cards can still concern. By id, after `after`, at
    /// most `limit`.
    pub async fn cases_in_progress(
        &self,
        closed_since_ms: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE (closed = 0 OR updated_at >= $1) AND id > $2 ORDER BY id LIMIT $3";
            closed_since_ms, after, limit
        )
        .scalars(self.reader())
        .await
    }

    /// The cases whose cards may still change on `today`: the open ones, and those closed (last
    /// written) at or after `closed_since_ms` — a case closed after a card date the sweep had not
    /// reached yet still gets that card — of which some stored due date is before `today` (a card
    /// is dated after its due date; a due date the clock moved later since it was stored only adds
    /// a case to read). By id, after `after`, at most `limit`.
    pub async fn cases_to_monitor(
        &self,
        closed_since_ms: i64,
        today: NaiveDate,
        after: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        sql!(
            "SELECT id FROM cases WHERE (closed = 0 OR updated_at >= $1)
               AND (promised_due < $2 OR statutory_due < $2 OR certificate_due < $2)
               AND id > $3 ORDER BY id LIMIT $4";
            closed_since_ms, day(today), after, limit
        )
        .scalars(self.reader())
        .await
    }
}

/// Which rows lead the desk's query: a filter whose rows are fewer and in date order of their own
/// is read first and its cards joined, else the cards themselves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// The staff rows of one account (`s`), which keep their card's colour, department, item and
    /// window (migrations 0037 and 0043).
    Staff,
    /// The appeals in one state (`a`), which keep their card's jurisdiction and date (0043).
    Appeals,
    /// The cards (`d`), whose indexes lead with each filter and each pair of filters.
    Cards,
}

impl Lead {
    fn of(f: &CardFilter) -> Lead {
        match (f.staff, f.appeal) {
            (Some(_), _) => Lead::Staff,
            (None, Some(Some(_))) => Lead::Appeals,
            _ => Lead::Cards,
        }
    }

    /// The columns the desk is ordered by: the leading rows' date and card.
    fn order(self) -> (&'static str, &'static str) {
        match self {
            Lead::Staff => ("s.card_on", "s.card_id"),
            Lead::Appeals => ("a.card_on", "a.card_id"),
            Lead::Cards => ("d.card_on", "d.id"),
        }
    }
}

/// The columns the desk is ordered by (see [`Lead::order`]).
fn order_columns(f: &CardFilter) -> (&'static str, &'static str) {
    Lead::of(f).order()
}

/// Appends the desk's tables (`d`, and `s` or `a` when they lead) and its filter's conditions.
fn desk_where(q: &mut Statement<'_>, f: &CardFilter) {
    desk_where_in(q, f, "monitoring_desk");
}

/// [`desk_where`] on the desk view or on the cards alone (`from`, as `d`).
fn desk_where_in(q: &mut Statement<'_>, f: &CardFilter, from: &str) {
    let lead = Lead::of(f);
    match (lead, f.staff) {
        (Lead::Staff, Some(account)) => {
            q.push(format!(
                " monitoring_card_staff s JOIN {from} d ON d.id = s.card_id \
                 WHERE s.account_id = "
            ))
            .push_bind(account);
            q.push(" AND s.jurisdiction = ")
                .push_bind(f.jurisdiction.clone());
        }
        (Lead::Appeals, _) => {
            q.push(format!(
                " card_appeals a JOIN {from} d ON d.id = a.card_id WHERE a.jurisdiction = "
            ))
            .push_bind(f.jurisdiction.clone());
        }
        _ => {
            q.push(format!(" {from} d WHERE d.jurisdiction = "))
                .push_bind(f.jurisdiction.clone());
        }
    }
    let (on, _) = lead.order();
    // With the staff filter, the card's colour, department, item and window are read from the
    // staff rows, whose indexes lead with the account and each of them.
    let t = if lead == Lead::Staff { "s" } else { "d" };
    if !f.departments.is_empty() {
        q.push(format!(" AND {t}.department IN ("));
        for (i, d) in f.departments.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(d.clone());
        }
        q.push(")");
    }
    if let Some(d) = &f.department {
        q.push(format!(" AND {t}.department = "))
            .push_bind(d.clone());
    }
    if let Some(i) = &f.item_code {
        q.push(format!(" AND {t}.item_code = "))
            .push_bind(i.clone());
    }
    if let Some(u) = &f.unit {
        q.push(format!(" AND {t}.unit = ")).push_bind(u.clone());
    }
    if let Some(c) = f.color {
        q.push(format!(" AND {t}.color = ")).push_bind(c.code());
    }
    if let Some(from) = f.from {
        q.push(format!(" AND {on} >= ")).push_bind(day(from));
    }
    if let Some(to) = f.to {
        q.push(format!(" AND {on} <= ")).push_bind(day(to));
    }
    match (lead, f.appeal) {
        (_, None) => {}
        (_, Some(None)) => {
            q.push(" AND d.appeal_state IS NULL");
        }
        (Lead::Appeals, Some(Some(s))) => {
            q.push(" AND a.state = ").push_bind(s.code());
        }
        (_, Some(Some(s))) => {
            q.push(" AND d.appeal_state = ").push_bind(s.code());
        }
    }
}
