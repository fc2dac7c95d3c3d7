//! The monitoring desk (电子监察) page, `/monitoring`: the yellow and red cards of a jurisdiction as
//! a table with their appeals, filtered by a GET form; the appeal form for those who decide cases
//! (the bureau head here) and the decision form for the discipline supervisor. Who sees which cards
//! and who may appeal or decide is the application layer's (`yiyin_app::monitoring`).

use askama::Template;
use serde::Deserialize;
use yiyin_app::monitoring::{CardQuery, is_discipline_supervisor};
use yiyin_domain::authz::Operation;
use yiyin_domain::monitoring::CardColor;
use yiyin_store::monitoring::{AppealState, MonitoringCard};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FieldErrors, FormData, Page, PageFor, PageResult, Path, Query, RawForm, refusal_shown,
    render, settle,
};

/// The desk's filters, as the GET form sends them (empty: not filtered).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    pub jurisdiction: String,
    pub department: String,
    pub item: String,
    pub window: String,
    pub staff: String,
    pub color: String,
    pub from: String,
    pub to: String,
    pub appeal: String,
    /// The page: the cursor of the card before it (empty: the first).
    pub after: String,
    pub notice: String,
}

impl DeskQuery {
    fn cards(&self, jurisdiction: &str) -> CardQuery {
        let some = |s: &str| Some(s.to_string());
        CardQuery {
            jurisdiction: jurisdiction.to_string(),
            department: some(&self.department),
            item: some(&self.item),
            window: some(&self.window),
            staff: some(&self.staff),
            color: some(&self.color),
            from: some(&self.from),
            to: some(&self.to),
            appeal: some(&self.appeal),
            after: some(&self.after),
            limit: None,
        }
    }

    /// The desk's address with these filters.
    fn url(&self, jurisdiction: &str) -> String {
        yiyin_app::query_url(
            "/monitoring",
            &[
                ("jurisdiction", jurisdiction),
                ("department", &self.department),
                ("item", &self.item),
                ("window", &self.window),
                ("staff", &self.staff),
                ("color", &self.color),
                ("from", &self.from),
                ("to", &self.to),
                ("appeal", &self.appeal),
                ("after", &self.after),
            ],
        )
    }
}

#[derive(Template)]
#[template(path = "monitoring/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    q: DeskQuery,
    departments: Vec<(String, String)>,
    windows: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    colors: Vec<(String, String)>,
    appeals: Vec<(String, String)>,
    cards: Vec<MonitoringCard>,
    /// How many cards match the filters in all.
    count: i64,
    /// The address of the next page, when there is one.
    next: String,
    /// Why the filters were refused.
    error: String,
    may_appeal: bool,
    may_decide: bool,
    /// The card whose form was refused, with the errors beside its fields and what was typed.
    failed: i64,
    errors: FieldErrors,
    form: FormData,
}

impl DeskPage {
    fn department_name(&self, code: &str) -> String {
        crate::pages::label_of(&self.departments, code)
    }

    /// The desk's first page with the same filters.
    fn first_page(&self) -> String {
        DeskQuery {
            after: String::new(),
            ..self.q.clone()
        }
        .url(&self.jurisdiction)
    }

    fn pending(&self, c: &MonitoringCard) -> bool {
        c.appeal_state == Some(AppealState::Pending)
    }
}

/// A refused form to show again beside its card.
struct Failed {
    card: i64,
    error: AppError,
    form: FormData,
}

async fn desk_page(page: &Page, q: &DeskQuery, failed: Option<Failed>) -> PageResult {
    page.require_staff()?;
    let mine = page.jurisdictions_for(Operation::Monitor);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        &q.jurisdiction,
        "无权查看电子监察：您的岗位没有此项职责",
    )?;
    let (listed, error) = refusal_shown(page.app.cards(page.who(), &q.cards(&jurisdiction)).await)?;
    let next = listed.next.map_or_else(String::new, |after| {
        DeskQuery { after, ..q.clone() }.url(&jurisdiction)
    });
    let choices = page.app.desk_choices(page.who(), &jurisdiction).await?;
    let departments = page
        .app
        .org()
        .jurisdiction(&jurisdiction)
        .map(|x| {
            x.departments
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut errors = FieldErrors::default();
    let (failed, form) = match failed {
        Some(f) => {
            errors.add_error(&f.error, "reason");
            (f.card, f.form)
        }
        None => (0, FormData::default()),
    };
    let who = page.who();
    render(&DeskPage {
        chrome: page.chrome(&q.notice),
        jurisdictions: mine.clone(),
        may_appeal: who.require_in(Operation::Decide, &jurisdiction).is_ok(),
        may_decide: is_discipline_supervisor(who, &jurisdiction),
        jurisdiction,
        q: q.clone(),
        departments,
        colors: [CardColor::Yellow, CardColor::Red]
            .iter()
            .map(|c| (c.code().to_string(), c.label().to_string()))
            .collect(),
        appeals: std::iter::once(("none".to_string(), "未申诉".to_string()))
            .chain(
                AppealState::ALL
                    .iter()
                    .map(|s| (s.code().to_string(), s.label().to_string())),
            )
            .collect(),
        windows: choices.windows,
        staff: choices.staff,
        cards: listed.cards,
        count: listed.count,
        next,
        error,
        failed,
        errors,
        form,
    })
}

/// The desk.
pub async fn desk(page: PageFor<gate::Monitor>, Query(q): Query<DeskQuery>) -> PageResult {
    desk_page(&page, &q, None).await
}

/// The desk's filters a card's form carries back (hidden fields), to show the desk again.
fn filters_of(form: &FormData) -> DeskQuery {
    DeskQuery {
        jurisdiction: form.get("jurisdiction"),
        department: form.get("department"),
        item: form.get("item"),
        window: form.get("window"),
        staff: form.get("staff"),
        color: form.get("color"),
        from: form.get("from"),
        to: form.get("to"),
        appeal: form.get("appeal"),
        after: form.get("after"),
        notice: String::new(),
    }
}

/// Appeal a card (申诉), from the desk.
pub async fn appeal(
    page: PageFor<gate::AppealCard>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let result = page
        .app
        .appeal_card(page.who(), id, &form.get("reason"))
        .await;
    back_to_desk(&page, id, form, result, "已提出申诉，等待纪检监察人员复核").await
}

/// Decide a card's appeal (复核), by the discipline supervisor.
pub async fn decide(
    page: PageFor<gate::Monitor>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let uphold = form.get("uphold") == "true";
    let result = page
        .app
        .decide_appeal(page.who(), id, uphold, &form.get("reason"))
        .await;
    back_to_desk(&page, id, form, result, "已作出复核决定").await
}

/// How a form on a card ends: done, back to the desk as it was filtered with `done` as the notice;
/// refused, the desk again with the message beside the card's reason field and what was typed.
async fn back_to_desk<T>(
    page: &Page,
    id: i64,
    form: FormData,
    result: Result<T, AppError>,
    done: &str,
) -> PageResult {
    let q = filters_of(&form);
    let back = q.url(&q.jurisdiction);
    settle(
        result,
        |_| (back, done.into()),
        |e| async move {
            let failed = Failed {
                card: id,
                error: AppError::field("reason", e),
                form,
            };
            desk_page(page, &q, Some(failed)).await
        },
    )
    .await
}
