//! The licence page (staff and holder) with its acts and their forms; the decision on a pending
//! change or renewal; a licensee's risk grading and record with credit repair; the applicant's
//! licences; the public list of inspection plans.

use crate::pages::{Path, Query};
use askama::Template;
use serde::Deserialize;
use yiyin_app::licences::{ActInput, LicenceView};
use yiyin_app::supervision::SubjectView;
use yiyin_domain::catalog::LicenceEntry;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{CancellationGround, RevocationGround, WithdrawalBasis};
use yiyin_domain::org::Organisation;
use yiyin_domain::supervision::FindingKind;
use yiyin_store::inspections::InspectionPlan;
use yiyin_store::licences::Licence;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{
    Chrome, FormData, Notice, Page, PageFor, PageResult, RawForm, Visitor, encode, render, settle,
};

// ---- The licence page (staff and holder) ----

#[derive(Template)]
#[template(path = "supervision/licence.html")]
struct LicencePage {
    chrome: Chrome,
    v: LicenceView,
    /// Where the forms post: /work/licences/{id} or /my/licences/{id}.
    base: String,
    staff: bool,
    department: String,
    error: String,
    form: FormData,
    revocation_grounds: Vec<(&'static str, &'static str)>,
    cancellation_grounds: Vec<(&'static str, &'static str)>,
    withdrawal_bases: Vec<(&'static str, &'static str)>,
    finding_kinds: Vec<(&'static str, &'static str)>,
    risks: Vec<(&'static str, &'static str)>,
}

impl LicencePage {
    fn may(&self, what: &str) -> bool {
        self.v.may.iter().any(|m| m == what)
    }

    /// The entries of the licence a change may set, with their current values.
    fn changeable_entries(&self) -> Vec<&LicenceEntry> {
        self.v
            .contents
            .iter()
            .filter(|e| self.v.changeable.contains(&e.key))
            .collect()
    }

    /// The value typed for the entry `key` into a refused change, to show it again.
    fn typed_entry(&self, key: &str) -> String {
        self.typed("apply_change", &format!("field.{key}"))
    }

    /// A value typed into the refused form of `act`, to show it again.
    fn typed(&self, act: &str, field: &str) -> String {
        if self.form.get("act") == act {
            self.form.get(field)
        } else {
            String::new()
        }
    }

    /// The revocation ground to preselect: what was typed, else fraud when a revocation was
    /// proposed after a false commitment (Art. 69 para 2).
    fn ground(&self) -> String {
        let typed = self.form.get("ground");
        if !typed.is_empty() {
            return typed;
        }
        let proposed = self.v.acts.iter().any(|a| {
            a.state == yiyin_domain::licence::ActState::Proposed
                && a.kind == yiyin_domain::licence::ActKind::Revocation
        });
        if proposed {
            "fraud".into()
        } else {
            String::new()
        }
    }

    /// The cancellation ground to preselect from the licence's status (Art. 70 (1), (4)).
    fn cancel_ground(&self) -> &'static str {
        use yiyin_domain::licence::LicenceStatus as S;
        match self.v.status_today {
            S::Expired => "expired",
            S::Revoked | S::Withdrawn | S::Rescinded => "revoked",
            _ => "",
        }
    }

    fn detail(&self, act: &yiyin_store::licence_acts::LicenceAct) -> String {
        let d = &act.details;
        [
            (&d.changes, "变更内容"),
            (&d.ground_label, "事由"),
            (&d.reason, "理由"),
            (&d.public_interest, "公共利益"),
            (&d.compensation, "补偿"),
            (&d.penalty_decision, "处罚决定"),
            (&d.authority, "决定机关"),
            (&d.decision_reason, "决定理由"),
        ]
        .into_iter()
        .filter(|(s, _)| !s.is_empty())
        .map(|(s, label)| format!("{label}：{s}"))
        .collect::<Vec<_>>()
        .join("；")
    }
}

/// A licence's page: under /work for staff, under /my for its holder.
fn licence_url(staff: bool, identifier: &str) -> String {
    let area = if staff { "/work" } else { "/my" };
    format!("{area}/licences/{}", encode(identifier))
}

async fn licence_page(
    page: &Page,
    identifier: &str,
    notice: &str,
    error: String,
    form: FormData,
) -> PageResult {
    let v = page.app.licence_view(page.who(), identifier).await?;
    let staff = page.account().is_staff();
    let department = page
        .app
        .org()
        .jurisdiction(&v.licence.jurisdiction)
        .map_or(v.licence.supervising_department.clone(), |j| {
            j.department_name(&v.licence.supervising_department)
        });
    render(&LicencePage {
        chrome: page.chrome(notice),
        base: licence_url(staff, identifier),
        staff,
        department,
        v,
        error,
        form,
        revocation_grounds: RevocationGround::options(),
        cancellation_grounds: CancellationGround::options(),
        withdrawal_bases: WithdrawalBasis::options(),
        finding_kinds: FindingKind::options(),
        risks: Risk::options(),
    })
}

pub async fn licence(
    page: Page,
    Path(identifier): Path<String>,
    Query(q): Query<Notice>,
) -> PageResult {
    licence_page(
        &page,
        &identifier,
        &q.notice,
        String::new(),
        FormData::default(),
    )
    .await
}

fn act_input(form: &FormData) -> ActInput {
    ActInput {
        act: form.get("act"),
        changes: form.get("changes"),
        // The licence's entries to change: one input per entry, named `field.<key>`.
        fields: form
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("field.")?.to_string(), v.clone())))
            .collect(),
        ground: form.get("ground"),
        reason: form.get("reason"),
        serious_public_harm: form.get("serious_public_harm") == "yes",
        revoke: form.get("revoke") != "no",
        basis: form.get("basis"),
        public_interest: form.get("public_interest"),
        compensation: form.get("compensation"),
        penalty_decision: form.get("penalty_decision"),
        authority: form.get("authority"),
    }
}

/// Ends an act posted from a licence's page (see [`settle`]): a refusal shows the page again.
async fn settle_on_licence<T>(
    page: &Page,
    identifier: &str,
    form: FormData,
    result: Result<T, AppError>,
    ok: impl FnOnce(T) -> (String, String),
) -> PageResult {
    settle(result, ok, |e| licence_page(page, identifier, "", e, form)).await
}

/// An act on a licence from its page (staff and holder alike; the service decides who may).
pub async fn licence_act(page: Page, Path(identifier): Path<String>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let result = match act_input(&form.raw).request() {
        Ok(r) => page.app.act_on_licence(page.who(), &identifier, &r).await,
        Err(e) => Err(e),
    };
    let path = licence_url(page.account().is_staff(), &identifier);
    settle_on_licence(&page, &identifier, form.raw, result, |a| {
        (
            path,
            format!("已办理{}：{}", a.kind.label(), a.state.label()),
        )
    })
    .await
}

pub async fn decide(
    page: PageFor<gate::ActOnLicence>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let reason = form.get("reason");
    let result = match form.get("grant").as_str() {
        "yes" => page.app.decide_act(page.who(), id, true, &reason).await,
        "no" => page.app.decide_act(page.who(), id, false, &reason).await,
        _ => Err(AppError::invalid("请选择准予或不予")),
    };
    let identifier = form.get("licence");
    settle_on_licence(&page, &identifier, form, result, |a| {
        (
            licence_url(true, &a.licence),
            format!("已作出{}决定：{}", a.kind.label(), a.state.label()),
        )
    })
    .await
}

pub async fn risk(page: Page, Path(identifier): Path<String>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let result = page
        .app
        .set_risk(page.who(), &identifier, &form.raw.get("risk"))
        .await;
    let path = licence_url(true, &identifier);
    settle_on_licence(&page, &identifier, form.raw, result, |_| {
        (path, "已更新风险等级".into())
    })
    .await
}

// ---- A licensee's record ----

#[derive(Template)]
#[template(path = "supervision/subject.html")]
struct SubjectPage {
    chrome: Chrome,
    s: SubjectView,
    error: String,
    /// The licences' first page and next page (None on the last).
    first: String,
    next: Option<String>,
    /// Whether this is a later page of the licences.
    paged: bool,
}

/// Licences a page of the licensee's record lists.
const SUBJECT_LICENCES_PAGE: i64 = 100;

async fn subject_page(
    page: &Page,
    holder_id: &str,
    after: &str,
    notice: &str,
    error: String,
) -> PageResult {
    let s = page
        .app
        .subject_view(page.who(), holder_id, after, Some(SUBJECT_LICENCES_PAGE))
        .await?;
    let address = |after: &str| {
        yiyin_app::query_url(
            &format!("/work/subjects/{}", yiyin_app::encode_query(&s.holder_id)),
            &[("after", after)],
        )
    };
    render(&SubjectPage {
        chrome: page.chrome(notice),
        first: address(""),
        next: s.licences_next.as_deref().map(address),
        paged: !after.trim().is_empty(),
        s,
        error,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SubjectQuery {
    pub notice: String,
    /// The licences' page after this licence (empty: the first page).
    pub after: String,
}

pub async fn subject(
    page: Page,
    Path(holder_id): Path<String>,
    Query(q): Query<SubjectQuery>,
) -> PageResult {
    subject_page(&page, &holder_id, &q.after, &q.notice, String::new()).await
}

pub async fn repair(
    page: PageFor<gate::RepairCredit>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let form = form.raw;
    let holder_id = form.get("holder_id");
    let result = page
        .app
        .repair_credit(page.who(), id, &form.get("reason"))
        .await;
    settle(
        result,
        |c| {
            (
                format!("/work/subjects/{}", encode(&c.holder_id)),
                format!("已修复信用记录：{}", c.kind.label()),
            )
        },
        |e| subject_page(&page, &holder_id, "", "", e),
    )
    .await
}

// ---- The applicant's licences ----

#[derive(Template)]
#[template(path = "supervision/my_licences.html")]
struct MyLicencesPage {
    chrome: Chrome,
    licences: Vec<(Licence, String)>,
    /// How many licences the applicant has.
    count: i64,
    /// The next page's address; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
}

/// Licences a page of 我的证照 shows.
const MY_LICENCES_PAGE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MyLicencesQuery {
    /// The page after this licence (empty: the first page).
    pub after: String,
    pub notice: String,
}

pub async fn my_licences(page: Page, Query(q): Query<MyLicencesQuery>) -> PageResult {
    page.require_applicant()?;
    let today = page.app.today();
    let list = page
        .app
        .my_licences(page.who(), &q.after, Some(MY_LICENCES_PAGE))
        .await?;
    let licences = list
        .items
        .into_iter()
        .map(|l| {
            let status = l.status_on(today).label().to_string();
            (l, status)
        })
        .collect();
    render(&MyLicencesPage {
        chrome: page.chrome(&q.notice),
        licences,
        count: list.count,
        next: list
            .next
            .map(|after| yiyin_app::query_url("/my/licences", &[("after", &after)])),
        paged: !q.after.trim().is_empty(),
    })
}

// ---- The public list of inspections ----

#[derive(Template)]
#[template(path = "portal/inspections.html")]
struct PublicInspections {
    chrome: Chrome,
    algorithm: &'static str,
    plans: Vec<InspectionPlan>,
    /// How many plans are published.
    count: i64,
    /// The next page's cursor; None on the last page.
    next: Option<String>,
    /// Whether this is a later page.
    paged: bool,
    org: Organisation,
}

impl PublicInspections {
    fn name_of(&self, j: &str) -> String {
        self.org
            .jurisdiction(j)
            .map_or_else(|| j.to_string(), |x| x.name.clone())
    }

    fn department_of(&self, j: &str, d: &str) -> String {
        self.org
            .jurisdiction(j)
            .and_then(|x| x.department(d))
            .map_or_else(|| d.to_string(), |x| x.name.clone())
    }
}

/// The public list's page: which plans after.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InspectionsQuery {
    pub after: String,
}

/// Plans a page of the public list shows (each with its draw and results).
const PUBLIC_PLANS_PAGE: i64 = 20;

pub async fn public_inspections(page: Visitor, Query(q): Query<InspectionsQuery>) -> PageResult {
    let list = page
        .app
        .public_plans(None, &q.after, Some(PUBLIC_PLANS_PAGE))
        .await?;
    render(&PublicInspections {
        chrome: page.chrome(""),
        algorithm: yiyin_domain::inspection::ALGORITHM,
        plans: list.items,
        count: list.count,
        next: list.next,
        paged: !q.after.trim().is_empty(),
        org: page.app.org(),
    })
}
