//! Full agency service pages (全程代办): the public service list of a jurisdiction,
//! `/j/{code}/agency` (代办服务清单, free of charge), and the bureau head's form to publish it,
//! `/work/agency/list`; the applicant's mandates, `/my/mandates` (sign for a named agent, list,
//! revoke, rate the service); the agent's worklist, `/work/agency` — the projects and cases carried
//! under live mandates, with the acts the mandate allows (answer a supplement notice with its
//! files, confirm the pickup of the results) and the applicant's notices,
//! `/work/agency/{id}/notices`. The use cases are `yiyin_app::agency`'s; a refusal shows the page
//! again with the message.

use askama::Template;
use yiyin_app::agency::{AgencyWork, AgentChoice, MandateView, ServiceListView, SignMandate};
use yiyin_app::cases::{ActOn, Upload, Worklist};
use yiyin_app::ratings::RateInput;
use yiyin_domain::agency::{AgencyAct, MandateSubject, ServiceLine, ServiceList};
use yiyin_domain::authz::Operation;
use yiyin_domain::engine::Action;
use yiyin_domain::ratings::{Indicator, Level};
use yiyin_store::notifications::InboxMessage;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::applicant::read_multipart;
use crate::pages::{
    Chrome, FieldErrors, Page, PageFor, PageResult, Path, Query, RawForm, UploadForm, Visitor,
    encode, render, settle,
};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    pub jurisdiction: String,
    pub notice: String,
}

#[derive(Template)]
#[template(path = "agency/public.html")]
struct PublicPage {
    chrome: Chrome,
    code: String,
    name: String,
    list: Option<ServiceListView>,
}

/// A jurisdiction's service list (public).
pub async fn public(page: Visitor, Path(code): Path<String>) -> PageResult {
    let j = page.app.jurisdiction(&code)?;
    render(&PublicPage {
        chrome: page.chrome(""),
        list: page.app.service_list(&code).await?,
        code: j.code,
        name: j.name,
    })
}

#[derive(Template)]
#[template(path = "agency/list_form.html")]
struct ListForm {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    centre: String,
    contact: String,
    lines: String,
    error: String,
}

/// The lines typed one per line, 「名称｜服务」.
fn lines_of(text: &str) -> Vec<ServiceLine> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, service) = l.split_once(['｜', '|']).unwrap_or((l, ""));
            ServiceLine {
                name: name.trim().into(),
                service: service.trim().into(),
            }
        })
        .collect()
}

async fn list_form_page(
    page: &Page,
    jurisdiction: &str,
    typed: Option<(String, String, String)>,
    notice: &str,
    error: String,
) -> PageResult {
    let mine = page.jurisdictions_for(Operation::ManageAgency);
    let Some(first) = mine.first() else {
        return Err(
            AppError::Forbidden("无权管理代办服务清单：您的岗位没有此项职责".into()).into(),
        );
    };
    let jurisdiction = if mine.iter().any(|j| j.0 == jurisdiction) {
        jurisdiction.to_string()
    } else {
        first.0.clone()
    };
    let (centre, contact, lines) = match typed {
        Some(t) => t,
        None => match page.app.service_list(&jurisdiction).await? {
            Some(v) => (
                v.list.centre,
                v.list.contact,
                v.list
                    .lines
                    .iter()
                    .map(|l| format!("{}｜{}", l.name, l.service))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            None => Default::default(),
        },
    };
    render(&ListForm {
        chrome: page.chrome(notice),
        jurisdictions: mine,
        jurisdiction,
        centre,
        contact,
        lines,
        error,
    })
}

/// The bureau head's form to publish the service list.
pub async fn list_form(
    page: PageFor<gate::ManageAgency>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    list_form_page(&page, &q.jurisdiction, None, &q.notice, String::new()).await
}

/// 发布代办服务清单.
pub async fn put_list(page: PageFor<gate::ManageAgency>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let j = f.get("jurisdiction");
    let typed = (f.get("centre"), f.get("contact"), f.get("lines"));
    let list = ServiceList {
        centre: typed.0.clone(),
        contact: typed.1.clone(),
        lines: lines_of(&typed.2),
    };
    let result = page.app.put_service_list(page.who(), &j, list).await;
    settle(
        result,
        |v| {
            (
                format!("/work/agency/list?jurisdiction={}", encode(&v.jurisdiction)),
                "代办服务清单已发布".into(),
            )
        },
        |e| async { list_form_page(&page, &j, Some(typed), "", e).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "agency/mandates.html")]
struct MandatesPage {
    chrome: Chrome,
    mandates: Vec<MandateView>,
    /// The applicant's cases and projects to choose from: (subject code:id, label).
    subjects: Vec<(String, String)>,
    agents: Vec<AgentChoice>,
    acts: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    indicators: Vec<(&'static str, &'static str)>,
    today: String,
    error: String,
}

async fn mandates_page(page: &Page, notice: &str, error: String) -> PageResult {
    let who = page.who();
    let mut subjects = Vec::new();
    for p in page.app.my_projects(who).await? {
        subjects.push((
            format!("project:{}", p.id),
            format!("工程建设项目 {} {}", p.code, p.name),
        ));
    }
    let list = Worklist {
        all: true,
        limit: 200,
        ..Default::default()
    };
    for c in page.app.worklist(who, &list).await?.lines {
        subjects.push((
            format!("case:{}", c.id),
            format!("办件 {} {}", c.number, c.item_name),
        ));
    }
    let mut agents = Vec::new();
    for j in &page.app.org().jurisdictions {
        agents.extend(page.app.agency_agents(&j.code).await?);
    }
    render(&MandatesPage {
        chrome: page.chrome(notice),
        mandates: page.app.my_mandates(who).await?,
        subjects,
        agents,
        acts: AgencyAct::options(),
        levels: Level::options(),
        indicators: Indicator::options(),
        today: yiyin_domain::calendar::fmt_date(page.app.today()),
        error,
    })
}

async fn settle_mandates<T>(page: &Page, result: Result<T, AppError>, done: &str) -> PageResult {
    settle(
        result,
        |_| ("/my/mandates".to_string(), done.to_string()),
        |e| async move { mandates_page(page, "", e).await },
    )
    .await
}

/// The applicant's mandates.
pub async fn mandates(page: PageFor<gate::Applicant>, Query(q): Query<NoticeQuery>) -> PageResult {
    mandates_page(&page, &q.notice, String::new()).await
}

/// 签署授权委托书.
pub async fn sign(page: PageFor<gate::Applicant>, form: RawForm) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let subject = f.get("subject");
    let (kind, id) = subject.split_once(':').unwrap_or(("", ""));
    let input = SignMandate {
        agent: f.get("agent"),
        subject: MandateSubject::parse(kind).map_or_else(String::new, |s| s.code().into()),
        subject_id: id.parse().unwrap_or(0),
        acts: f.all("acts"),
        starts_on: f.get("starts_on"),
        ends_on: f.get("ends_on"),
    };
    let result = page.app.sign_mandate(page.who(), &input).await;
    settle_mandates(
        &page,
        result,
        "授权委托书已签署，代办员可在委托范围和期限内代为办理",
    )
    .await
}

/// 撤销授权委托.
pub async fn revoke(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.revoke_mandate(page.who(), id).await;
    settle_mandates(&page, result, "授权委托已撤销").await
}

/// 评价代办服务.
pub async fn rate(
    page: PageFor<gate::Applicant>,
    Path(id): Path<i64>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let f = &form.raw;
    let input = RateInput {
        level: f.get("level"),
        indicators: f.all("indicators"),
        comment: f.get("comment"),
        named: f.get("named") == "true",
        ..RateInput::default()
    };
    let result = page.app.rate_agency(page.who(), id, &input).await;
    settle_mandates(&page, result, "感谢您对代办服务的评价").await
}

#[derive(Template)]
#[template(path = "agency/work.html")]
struct WorkPage {
    chrome: Chrome,
    work: Vec<AgencyWork>,
    errors: FieldErrors,
    error: String,
}

impl WorkPage {
    fn allows(&self, m: &MandateView, act: &str) -> bool {
        m.state == yiyin_domain::agency::MandateState::Live
            && m.acts.iter().any(|a| a.code() == act)
    }
}

async fn work_page(page: &Page, notice: &str, error: String) -> PageResult {
    render(&WorkPage {
        chrome: page.chrome(notice),
        work: page.app.agency_worklist(page.who()).await?,
        errors: FieldErrors::default(),
        error,
    })
}

/// The agent's worklist.
pub async fn work(
    page: PageFor<gate::ActForApplicants>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    work_page(&page, &q.notice, String::new()).await
}

async fn settle_work<T>(page: &Page, result: Result<T, AppError>, done: &str) -> PageResult {
    settle(
        result,
        |_| ("/work/agency".to_string(), done.to_string()),
        |e| async move { work_page(page, "", e).await },
    )
    .await
}

/// 代为补正: the files of the materials the notice asks for, for the applicant.
pub async fn supplement(
    page: PageFor<gate::ActForApplicants>,
    Path((id, case)): Path<(i64, i64)>,
    UploadForm(mp): UploadForm,
) -> PageResult {
    let mut errors = FieldErrors::default();
    let (_, uploads) = read_multipart(mp, &mut errors).await?;
    if let Some((_, message)) = errors.0.first() {
        return settle_work(&page, Err::<(), _>(AppError::invalid(message.clone())), "").await;
    }
    let mut materials: Vec<String> = uploads
        .iter()
        .map(|u: &Upload| u.material.clone())
        .collect();
    materials.sort();
    materials.dedup();
    let act = ActOn {
        case_id: case,
        version: None,
        action: Action::Supplement { materials },
        uploads,
    };
    let result = page.app.agent_act(page.who(), id, act).await;
    settle_work(&page, result, "已代申请人提交补正材料").await
}

/// 确认代为领取办理结果.
pub async fn pickup(
    page: PageFor<gate::ActForApplicants>,
    Path((id, case)): Path<(i64, i64)>,
    form: RawForm,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.agent_pickup(page.who(), id, case).await;
    settle_work(&page, result, "已记录代为领取办理结果").await
}

#[derive(Template)]
#[template(path = "agency/notices.html")]
struct NoticesPage {
    chrome: Chrome,
    id: i64,
    notices: Vec<InboxMessage>,
}

/// The applicant's notices about a mandate's cases, for its agent.
pub async fn notices(page: PageFor<gate::ActForApplicants>, Path(id): Path<i64>) -> PageResult {
    let notices = page.app.agent_notices(page.who(), id).await?;
    render(&NoticesPage {
        chrome: page.chrome(""),
        id,
        notices,
    })
}
