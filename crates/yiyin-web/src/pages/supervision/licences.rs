//! The licence page (staff and holder) with its acts and their forms; the decision on a pending
//! change or renewal; a licensee's risk grading and record with credit repair; the applicant's
//! licences; the public list of inspection plans.

use askama::Template;
use axum::extract::{Path, Query, State};
use yiyin_app::App;
use yiyin_app::licences::{ActInput, LicenceView};
use yiyin_app::supervision::SubjectView;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{CancellationGround, RevocationGround, WithdrawalBasis};
use yiyin_domain::supervision::FindingKind;
use yiyin_store::inspections::InspectionPlan;
use yiyin_store::licences::Licence;

use super::{result_of, settle};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::{Chrome, FormData, PageResult, PageUser, RawForm, render};

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

    fn typed(&self, field: &str) -> String {
        self.form.get(field)
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

async fn licence_page(
    state: &App,
    user: &PageUser,
    identifier: &str,
    notice: &str,
    error: String,
    form: FormData,
) -> PageResult {
    let v = state.licence_view(user.who(), identifier).await?;
    let staff = user.account().is_staff();
    let department = state
        .org()
        .jurisdiction(&v.licence.jurisdiction)
        .map_or(v.licence.supervising_department.clone(), |j| {
            j.department_name(&v.licence.supervising_department)
        });
    render(&LicencePage {
        chrome: user.chrome(notice),
        base: format!(
            "{}/licences/{}",
            if staff { "/work" } else { "/my" },
            crate::pages::encode(identifier)
        ),
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
    State(state): State<App>,
    user: PageUser,
    Path(identifier): Path<String>,
    Query(q): Query<crate::pages::Notice>,
) -> PageResult {
    licence_page(
        &state,
        &user,
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

/// An act on a licence from its page (staff and holder alike; the service decides who may).
pub async fn licence_act(
    State(state): State<App>,
    user: PageUser,
    Path(identifier): Path<String>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let input = act_input(&form);
    let result = match input.request() {
        Ok(r) => state.act_on_licence(user.who(), &identifier, &r).await,
        Err(e) => Err(e),
    };
    let staff = user.account().is_staff();
    settle(
        result,
        |a| {
            (
                format!(
                    "{}/licences/{}",
                    if staff { "/work" } else { "/my" },
                    crate::pages::encode(&identifier)
                ),
                format!("已办理{}：{}", a.kind.label(), a.state.label()),
            )
        },
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

pub async fn decide(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let identifier = form.get("licence");
    let result = match form.get("grant").as_str() {
        "yes" => {
            state
                .decide_act(user.who(), id, true, &form.get("reason"))
                .await
        }
        "no" => {
            state
                .decide_act(user.who(), id, false, &form.get("reason"))
                .await
        }
        _ => Err(AppError::invalid("请选择准予或不予")),
    };
    settle(
        result,
        |a| {
            (
                format!("/work/licences/{}", crate::pages::encode(&a.licence)),
                format!("已作出{}决定：{}", a.kind.label(), a.state.label()),
            )
        },
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

pub async fn risk(
    State(state): State<App>,
    user: PageUser,
    Path(identifier): Path<String>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let result = state
        .set_risk(user.who(), &identifier, &form.get("risk"))
        .await;
    let path = format!("/work/licences/{}", crate::pages::encode(&identifier));
    settle(
        result,
        |_| (path, "已更新风险等级".into()),
        |e| licence_page(&state, &user, &identifier, "", e, form.clone()),
    )
    .await
}

// ---- A licensee's record ----

#[derive(Template)]
#[template(path = "supervision/subject.html")]
struct SubjectPage {
    chrome: Chrome,
    s: SubjectView,
    error: String,
}

async fn subject_page(
    state: &App,
    user: &PageUser,
    holder_id: &str,
    notice: &str,
    error: String,
) -> PageResult {
    let s = state.subject_view(user.who(), holder_id).await?;
    render(&SubjectPage {
        chrome: user.chrome(notice),
        s,
        error,
    })
}

pub async fn subject(
    State(state): State<App>,
    user: PageUser,
    Path(holder_id): Path<String>,
    Query(q): Query<crate::pages::Notice>,
) -> PageResult {
    subject_page(&state, &user, &holder_id, &q.notice, String::new()).await
}

pub async fn repair(
    State(state): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    user.check_csrf(&form)?;
    let form = form.raw;
    let holder_id = form.get("holder_id");
    let result = state
        .repair_credit(user.who(), id, &form.get("reason"))
        .await;
    settle(
        result,
        |c| {
            (
                format!("/work/subjects/{}", crate::pages::encode(&c.holder_id)),
                format!("已修复信用记录：{}", c.kind.label()),
            )
        },
        |e| subject_page(&state, &user, &holder_id, "", e),
    )
    .await
}

// ---- The applicant's licences ----

#[derive(Template)]
#[template(path = "supervision/my_licences.html")]
struct MyLicencesPage {
    chrome: Chrome,
    licences: Vec<(Licence, String)>,
}

pub async fn my_licences(
    State(state): State<App>,
    user: PageUser,
    Query(q): Query<crate::pages::Notice>,
) -> PageResult {
    user.require_applicant()?;
    let today = state.today();
    let mut licences = Vec::new();
    for l in state.store.licences_of_account(user.account().id).await? {
        let status = l.status_on(today).label().to_string();
        licences.push((l, status));
    }
    render(&MyLicencesPage {
        chrome: user.chrome(&q.notice),
        licences,
    })
}

// ---- The public list of inspections ----

#[derive(Template)]
#[template(path = "portal/inspections.html")]
struct PublicInspections {
    chrome: Chrome,
    algorithm: &'static str,
    plans: Vec<InspectionPlan>,
    jurisdictions: Vec<(String, String)>,
    departments: Vec<(String, String, String)>,
}

impl PublicInspections {
    fn result_of<'a>(
        &self,
        plan: &'a InspectionPlan,
        licence: &str,
    ) -> Option<&'a yiyin_store::inspections::InspectionResult> {
        result_of(plan, licence)
    }

    fn name_of(&self, j: &str) -> String {
        self.jurisdictions
            .iter()
            .find(|x| x.0 == j)
            .map(|x| x.1.clone())
            .unwrap_or_else(|| j.to_string())
    }

    fn department_of(&self, j: &str, d: &str) -> String {
        self.departments
            .iter()
            .find(|x| x.0 == j && x.1 == d)
            .map(|x| x.2.clone())
            .unwrap_or_else(|| d.to_string())
    }
}

pub async fn public_inspections(State(state): State<App>, viewer: Viewer) -> PageResult {
    let org = state.org();
    render(&PublicInspections {
        chrome: crate::pages::chrome(&viewer, ""),
        algorithm: yiyin_domain::inspection::ALGORITHM,
        plans: state.public_plans(None).await?,
        jurisdictions: org
            .jurisdictions
            .iter()
            .map(|j| (j.code.clone(), j.name.clone()))
            .collect(),
        departments: org
            .jurisdictions
            .iter()
            .flat_map(|j| {
                j.departments
                    .iter()
                    .map(|d| (j.code.clone(), d.code.clone(), d.name.clone()))
            })
            .collect(),
    })
}
