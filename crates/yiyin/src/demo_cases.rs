//! Demo accounts and demo cases.
//!
//! Every role in every pilot jurisdiction gets an account (password [`DEMO_PASSWORD`], listed in the
//! README), plus two applicants. Cases are then driven through the application layer — the same use
//! cases the pages call, by the demo accounts of each role — on a clock moved back to their dates,
//! counted back from today in working days, so that each jurisdiction shows every state — received,
//! awaiting supplement, deemed accepted, under review, suspended, extended, decided, certificate
//! issued, refused, denied, withdrawn, on a commitment, with late deferred materials — and clocks in
//! green, yellow and red.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use yiyin_app::accounts::{NewStaff, Registration, create_staff};
use yiyin_app::cases::{ActOn, Receive};
use yiyin_app::catalog::items_as_of;
use yiyin_app::{App, AppError, FixedClock, Principal};
use yiyin_domain::authz::Grant;
use yiyin_domain::calendar::{Calendar, cst};
use yiyin_domain::catalog::{HandlingClass, HandlingMode, Item, StepKind};
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_store::cases::CaseRecord;

/// The password of every demo account (meets the staff password policy).
pub const DEMO_PASSWORD: &str = "Yiyin-Demo26";

/// The two-step verification secret of every demo account whose role needs it (section chiefs,
/// bureau heads, catalog and system administrators), enrolled by the demo loader and listed in the
/// README: add it to an authenticator app to log in as them.
pub const DEMO_TOTP_SECRET: &str = "YIYINDEMOYIYINDEMOYIYINDEMOYIYIN";

/// Makes a demo staff account, its second factor enrolled with [`DEMO_TOTP_SECRET`] when its role
/// needs one.
pub(crate) async fn demo_staff(
    app: &App,
    new: &NewStaff,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let by = yiyin_domain::party::Actor::cli("演示数据");
    let account = create_staff(&app.store, new, &by, None, at).await?;
    if yiyin_app::totp::needs_second_factor(&account.grants) {
        yiyin_app::totp::enrol(&app.store, &account, DEMO_TOTP_SECRET, &by, at).await?;
    }
    Ok(())
}

/// One demo staff member: (login suffix, name, role, department, unit).
type StaffRow = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
);

/// The demo staff of a jurisdiction.
pub(crate) const STAFF: &[StaffRow] = &[
    ("clerk", "张敏", Role::WindowClerk, None, Some("w01")),
    (
        "township",
        "刘芳",
        Role::WindowClerk,
        None,
        Some("@township"),
    ),
    // The township's reviewer and deciding chief: a delegated item (委托, Art. 24) is decided there.
    (
        "township.reviewer",
        "黄丽",
        Role::Reviewer,
        None,
        Some("@township"),
    ),
    (
        "township.chief",
        "杨建平",
        Role::SectionChief,
        None,
        Some("@township"),
    ),
    // The village agency point under the same township (代收代办): it takes applications for the
    // township's delegated items and forwards them.
    (
        "village.clerk",
        "许静",
        Role::WindowClerk,
        None,
        Some("@village"),
    ),
    ("reviewer", "李娜", Role::Reviewer, None, None),
    ("verifier1", "王强", Role::Verifier, None, None),
    ("verifier2", "赵磊", Role::Verifier, None, None),
    ("inspector", "陈刚", Role::Inspector, None, None),
    ("inspector2", "马骏", Role::Inspector, None, None),
    ("tech", "周静", Role::TechnicalReviewer, None, None),
    ("chief", "孙伟", Role::SectionChief, None, None),
    ("head", "吴国华", Role::BureauHead, None, None),
    (
        "supervisor",
        "郑丽",
        Role::DepartmentSupervisor,
        Some("@market"),
        None,
    ),
    ("observer", "冯涛", Role::Observer, Some("@market"), None),
    (
        "discipline",
        "褚建军",
        Role::DisciplineSupervisor,
        None,
        None,
    ),
    ("catalog", "卫红", Role::CatalogAdmin, None, None),
    ("admin", "蒋勇", Role::SystemAdmin, None, None),
    ("rating", "韩梅", Role::RatingAdmin, None, None),
    ("centre", "秦月", Role::CentreAgent, None, None),
    ("centre.head", "邓文", Role::CentreManager, None, None),
    (
        "handler",
        "罗平",
        Role::TicketHandler,
        Some("@market"),
        None,
    ), // The agency centre's agent (代办员, 全程代办).
    ("agency", "汪洋", Role::AgencyAgent, None, None),
];

/// The market-regulation department of each jurisdiction (supervisor and observer): 高新区's 工商 and
/// 食药监 branches merged into its 市场监督管理局 branch in the 2019 reform, so it is 「shichang」 in all
/// four.
pub(crate) fn market_department(_jurisdiction: &str) -> &'static str {
    "shichang"
}

/// Creates the demo accounts; returns how many.
pub async fn accounts(app: &App) -> Result<usize, AppError> {
    let store = &app.store;
    let at = app.now();
    let org = store.organisation().await?;
    let mut n = 0;
    for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
        for (suffix, name, role, dept, unit) in STAFF {
            // A jurisdiction without township centres (安康高新区) has no township clerk.
            if *unit == Some("@township") && j.townships.is_empty() {
                continue;
            }
            // Nor one without a village point under its first township.
            let village = j.townships.first().and_then(|t| t.villages.first());
            if *unit == Some("@village") && village.is_none() {
                continue;
            }
            let department = dept.map(|d| {
                if d == "@market" {
                    market_department(&j.code).to_string()
                } else {
                    d.to_string()
                }
            });
            let unit = unit.map(|u| match u {
                "@township" => j.townships[0].code.clone(),
                "@village" => village.map_or(String::new(), |v| v.code.clone()),
                _ => u.to_string(),
            });
            let grant = Grant {
                role: *role,
                jurisdiction: j.code.clone(),
                department,
                unit,
            };
            demo_staff(
                app,
                &NewStaff {
                    login: format!("{}.{suffix}", j.code),
                    name: name.to_string(),
                    password: DEMO_PASSWORD.into(),
                    grants: vec![grant],
                },
                at,
            )
            .await?;
            n += 1;
        }
        // The staff of one resident department, who approve its items at their own window.
        if let Some(d) = j
            .departments
            .iter()
            .find(|d| d.relation == yiyin_domain::org::DepartmentRelation::Resident)
        {
            let grants: Vec<Grant> = [Role::WindowClerk, Role::Reviewer, Role::SectionChief]
                .into_iter()
                .map(|role| Grant {
                    role,
                    jurisdiction: j.code.clone(),
                    department: Some(d.code.clone()),
                    unit: None,
                })
                .collect();
            demo_staff(
                app,
                &NewStaff {
                    login: format!("{}.{}", j.code, d.code),
                    name: format!("{}窗口 何平", d.name),
                    password: DEMO_PASSWORD.into(),
                    grants,
                },
                at,
            )
            .await?;
            n += 1;
        }
    }
    for (kind, id, name, phone) in [
        ("person", "11010519491231002X", "王芳", "13912345678"),
        (
            "organisation",
            "91350100M000100Y43",
            "安康市月河餐饮有限公司",
            "13800000000",
        ),
    ] {
        app.create_applicant(&Registration {
            kind: kind.into(),
            name: name.into(),
            id_number: id.into(),
            phone: phone.into(),
            password: DEMO_PASSWORD.into(),
            code: String::new(),
        })
        .await?;
    }
    Ok(n + 2)
}

/// The date demo cases are dated around: today, or — when the calendar does not reach three working
/// weeks ahead — a date it does, so that every clock can be computed.
pub fn anchor(calendar: &Calendar, today: NaiveDate) -> NaiveDate {
    if calendar.covers(today + Duration::days(30)) {
        today
    } else {
        let last = calendar.years().last().copied().unwrap_or(2026);
        NaiveDate::from_ymd_opt(last, 11, 27).expect("valid date")
    }
}

/// The `n`-th working day before `date` (0: `date` itself if a working day, else the one before).
pub(crate) fn back(calendar: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    loop {
        if calendar.is_workday(d).unwrap_or(false) {
            if left == 0 {
                return d;
            }
            left -= 1;
        }
        d = d.pred_opt().expect("date in range");
    }
}

/// What a demo case is brought to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Goal {
    Received,
    AwaitingSupplement,
    DeemedAccepted,
    UnderReview,
    NearDue,
    Overdue,
    Suspended,
    Extended,
    Decided,
    CertificateIssued,
    Refused,
    Denied,
    Withdrawn,
    Commitment,
    DeferredLate,
    /// Decided `decided` working days before the anchor, its certificate issued `issued` working
    /// days before it.
    Licensed {
        decided: u32,
        issued: u32,
    },
    /// Approved on a commitment the working day before the anchor, its certificate issued at once.
    CommitmentLicensed,
}

/// Drives cases through the application layer as the demo accounts of one jurisdiction, moving the
/// clock forward along their dates.
pub(crate) struct Driver<'a> {
    pub(crate) app: &'a App,
    clock: &'a FixedClock,
    pub(crate) calendar: Calendar,
    jurisdiction: String,
    staff: HashMap<Role, Principal>,
    minute: i64,
}

/// The login suffix of the demo account that acts in a role.
fn suffix_of(role: Role) -> &'static str {
    STAFF
        .iter()
        .find(|s| {
            s.2 == role && s.4 != Some("@township") && s.0 != "verifier2" && s.0 != "inspector2"
        })
        .map(|s| s.0)
        .unwrap_or("clerk")
}

/// The pilot jurisdictions with a catalog, each with its bureau head's principal (`*.head`; a
/// jurisdiction without one is passed over).
pub(crate) async fn pilot_heads(
    app: &App,
) -> Result<Vec<(yiyin_domain::org::Jurisdiction, Principal)>, AppError> {
    let org = app.store.organisation().await?;
    let mut heads = vec![];
    for j in org.jurisdictions.into_iter().filter(|j| j.has_catalog()) {
        if let Ok(head) = principal(app, &format!("{}.head", j.code)).await {
            heads.push((j, head));
        }
    }
    Ok(heads)
}

/// The principal of a demo account.
pub(crate) async fn principal(app: &App, login: &str) -> Result<Principal, AppError> {
    let account = app
        .store
        .account_by_login(login)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {login} missing")))?;
    Ok(Principal::new(account))
}

impl<'a> Driver<'a> {
    pub(crate) async fn new(
        app: &'a App,
        clock: &'a FixedClock,
        jurisdiction: &str,
    ) -> Result<Driver<'a>, AppError> {
        let mut staff = HashMap::new();
        for role in [
            Role::WindowClerk,
            Role::Reviewer,
            Role::Verifier,
            Role::Inspector,
            Role::TechnicalReviewer,
            Role::SectionChief,
            Role::BureauHead,
            Role::DepartmentSupervisor,
        ] {
            let login = format!("{jurisdiction}.{}", suffix_of(role));
            staff.insert(role, principal(app, &login).await?);
        }
        Ok(Driver {
            app,
            clock,
            calendar: app.calendar(),
            jurisdiction: jurisdiction.to_string(),
            staff,
            minute: 0,
        })
    }

    /// Moves the clock to a moment of `date`, later than the last one.
    pub(crate) fn at(&mut self, date: NaiveDate) -> DateTime<Utc> {
        self.minute += 7;
        let local =
            date.and_hms_opt(9, 0, 0).expect("valid time") + Duration::minutes(self.minute % 420);
        let at = cst()
            .from_local_datetime(&local)
            .single()
            .expect("no DST")
            .with_timezone(&Utc);
        self.clock.set(at);
        at
    }

    /// The demo account acting in a role.
    pub(crate) fn who(&self, role: Role) -> &Principal {
        self.staff
            .get(&role)
            .or_else(|| self.staff.get(&Role::WindowClerk))
            .expect("the demo has a clerk")
    }

    pub(crate) async fn act(
        &mut self,
        case: &CaseRecord,
        role: Role,
        date: NaiveDate,
        action: Action,
    ) -> Result<CaseRecord, AppError> {
        self.at(date);
        self.app
            .act(
                self.who(role),
                ActOn {
                    case_id: case.id,
                    version: Some(case.version),
                    action,
                    uploads: vec![],
                },
            )
            .await
    }

    /// Completes the item's steps before the decision, one working day apart from `from`.
    pub(crate) async fn steps(
        &mut self,
        mut case: CaseRecord,
        from: NaiveDate,
        until: NaiveDate,
        limit: usize,
    ) -> Result<CaseRecord, AppError> {
        let mut day = from;
        let mut done = 0;
        while let Some(step) = case.case.pending_step(&case.item).cloned() {
            if done == limit {
                break;
            }
            // Steps are signed by the account doing them; a hearing names its presiding officer
            // by login, and a verification is confirmed by a second verifier (Art. 34 para 3).
            let staff: Vec<String> = match step.kind {
                StepKind::Hearing => vec![format!("{}.head", self.jurisdiction)],
                _ => vec![],
            };
            let opinion = format!("{}：经审查，符合要求", step.name);
            case = self
                .act(
                    &case,
                    step.role,
                    day,
                    Action::CompleteStep {
                        kind: step.kind,
                        staff,
                        opinion,
                    },
                )
                .await?;
            if step.kind.needs_two_staff() {
                let second = match step.kind {
                    StepKind::SiteInspection => "inspector2",
                    _ => "verifier2",
                };
                let login = format!("{}.{second}", self.jurisdiction);
                let who = principal(self.app, &login).await?;
                self.at(day);
                case = self
                    .app
                    .act(
                        &who,
                        ActOn {
                            case_id: case.id,
                            version: Some(case.version),
                            action: Action::ConfirmVerification {
                                kind: step.kind,
                                staff: String::new(),
                            },
                            uploads: vec![],
                        },
                    )
                    .await?;
            }
            done += 1;
            if day < until {
                day = self.calendar.add(day, 1)?.min(until);
            }
        }
        Ok(case)
    }
}

/// The demo's people (王芳 is the applicant account).
const PEOPLE: &[(&str, &str)] = &[
    ("王芳", "11010519491231002X"),
    ("李建国", "610921198803154317"),
    ("张秀英", "610924199105230027"),
    ("陈志强", "610928197612081013"),
];

/// The demo's organisations (月河餐饮 is the applicant account).
const FIRMS: &[(&str, &str)] = &[
    ("安康市月河餐饮有限公司", "91350100M000100Y43"),
    ("陕西秦巴茶业有限公司", "916100002205253740"),
];

/// The applicant of the `i`-th demo case of an item.
fn applicant(i: usize, item: &Item) -> Applicant {
    let person = item.subject == yiyin_domain::catalog::Subject::Person
        || (item.subject == yiyin_domain::catalog::Subject::Both && i.is_multiple_of(2));
    if person {
        demo_person(i % PEOPLE.len(), i)
    } else {
        demo_firm(i % FIRMS.len(), i)
    }
}

/// The `n`-th demo person, with the phone number of the `i`-th case.
pub(crate) fn demo_person(n: usize, i: usize) -> Applicant {
    let (name, id) = PEOPLE[n % PEOPLE.len()];
    let id = SubjectId::parse_any(&fix_citizen(id)).expect("a valid demo ID number");
    Applicant::new(name, id, &format!("139{:08}", 1000 + i), None)
}

/// The `n`-th demo organisation, with the phone number of the `i`-th case.
pub(crate) fn demo_firm(n: usize, i: usize) -> Applicant {
    let (name, id) = FIRMS[n % FIRMS.len()];
    let id = SubjectId::parse_any(id).expect("a valid demo credit code");
    Applicant::new(name, id, &format!("138{:08}", 2000 + i), None)
}

/// Corrects the check digit of a demo citizen ID number.
fn fix_citizen(id: &str) -> String {
    let first = &id[..17];
    format!("{first}{}", yiyin_domain::ids::citizen_check_char(first))
}

/// Creates the demo cases; returns how many.
pub async fn cases(app: &App, clock: &FixedClock, now: DateTime<Utc>) -> Result<usize, AppError> {
    let store = &app.store;
    let today = now.with_timezone(&cst()).date_naive();
    let anchor = anchor(&app.calendar(), today);
    let org = store.organisation().await?;
    let mut count = 0;
    for (ji, j) in org
        .jurisdictions
        .iter()
        .filter(|j| j.has_catalog())
        .enumerate()
    {
        let items = items_as_of(store, &j.code, anchor).await?;
        let promised: Vec<&Item> = items
            .iter()
            .filter(|i| {
                i.handling_class != HandlingClass::Instant
                    && i.handling_mode != HandlingMode::Resident
                    // The driver's clerk works at the county hall; a township's own items are
                    // received in that township.
                    && i.handling_mode != HandlingMode::Township
                    && !i.joint
                    && i.statutory_days <= 20
                    // The scripted dates count working days, and one goal is an extension.
                    && i.limit_unit.is_working()
                    && i.extension_days != Some(0)
            })
            .collect();
        let pick = |n: usize| promised[(n + ji * 3) % promised.len()];
        let goals = [
            Goal::Received,
            Goal::AwaitingSupplement,
            Goal::DeemedAccepted,
            Goal::UnderReview,
            Goal::NearDue,
            Goal::Overdue,
            Goal::Suspended,
            Goal::Extended,
            Goal::Decided,
            Goal::CertificateIssued,
            Goal::Refused,
            Goal::Denied,
            Goal::Withdrawn,
            Goal::Commitment,
            Goal::DeferredLate,
        ];
        let mut driver = Driver::new(app, clock, &j.code).await?;
        for (gi, goal) in goals.into_iter().enumerate() {
            let item = match goal {
                Goal::Commitment => match items.iter().find(|i| i.green_list) {
                    Some(i) => i,
                    None => continue,
                },
                Goal::DeferredLate => match promised
                    .iter()
                    .find(|i| i.materials.iter().any(|m| m.deferrable))
                {
                    Some(i) => *i,
                    None => continue,
                },
                _ => pick(gi),
            };
            drive(&mut driver, item, goal, applicant(gi, item), None, anchor).await?;
            count += 1;
        }
    }
    // Time passes: applications whose intake window ran out are deemed accepted, as the server's
    // sweep does every minute.
    let noon = now.min(at_noon(anchor));
    clock.set(noon);
    app.sweep_intake(noon).await?;
    Ok(count)
}

fn at_noon(d: NaiveDate) -> DateTime<Utc> {
    cst()
        .from_local_datetime(&d.and_hms_opt(12, 0, 0).expect("valid"))
        .single()
        .expect("no DST")
        .with_timezone(&Utc)
}

/// Drives one case of `applicant` to its goal, dated back from `anchor`; an applicant with an
/// account files it online themselves. Returns the case's id.
pub(crate) async fn drive(
    d: &mut Driver<'_>,
    item: &Item,
    goal: Goal,
    applicant: Applicant,
    online: Option<&Principal>,
    anchor: NaiveDate,
) -> Result<i64, AppError> {
    let cal = d.calendar.clone();
    let b = |n: u32| back(&cal, anchor, n);
    let required: Vec<String> = item.required_materials().map(|m| m.code.clone()).collect();
    let core: Vec<String> = item
        .required_materials()
        .filter(|m| !m.deferrable)
        .map(|m| m.code.clone())
        .collect();
    let deferrable: Vec<String> = item
        .required_materials()
        .filter(|m| m.deferrable)
        .map(|m| m.code.clone())
        .collect();
    // Shared materials (免提交) are in hand at the window: fetched, never asked for.
    let fetched: Vec<String> = item
        .required_materials()
        .filter(|m| m.source.is_fetched())
        .map(|m| m.code.clone())
        .collect();
    let p = item.promised_days;
    let received = match goal {
        Goal::Received => b(0),
        Goal::AwaitingSupplement => b(2),
        Goal::DeemedAccepted => b(7),
        Goal::UnderReview => b(1),
        Goal::NearDue => b(p.saturating_sub(1)),
        Goal::Overdue => b(item.statutory_days + 3),
        Goal::Suspended => b(6),
        Goal::Extended => b(item.statutory_days.saturating_sub(2).max(3)),
        Goal::Decided => b(p.max(3)),
        Goal::CertificateIssued => b(p + 4),
        Goal::Refused => b(3),
        Goal::Denied => b(p.max(4)),
        Goal::Withdrawn => b(5),
        Goal::Commitment => b(2),
        Goal::DeferredLate => b(9),
        Goal::Licensed { decided, .. } => b(p + decided),
        Goal::CommitmentLicensed => b(1),
    };
    let materials = match goal {
        Goal::AwaitingSupplement => core.iter().take(1).chain(&fetched).cloned().collect(),
        Goal::DeferredLate => core.clone(),
        Goal::Commitment | Goal::CommitmentLicensed => vec![],
        _ => required.clone(),
    };
    d.at(received);
    let input_applicant = applicant.clone();
    let input = Receive {
        jurisdiction: d.jurisdiction.clone(),
        item_code: item.code.clone(),
        // Online, the account is the applicant (an organisation's account applies as itself).
        applicant: online.is_none().then_some(applicant),
        materials,
        attested: true,
        outcome: IntakeOutcome::Receive,
        idempotency_key: None,
        uploads: vec![],
        form: item
            .form
            .as_ref()
            .map(|f| demo_form(f, &input_applicant, anchor)),
        representation: Default::default(),
    };
    let by = online.unwrap_or(d.who(Role::WindowClerk)).clone();
    let mut case = d.app.receive(&by, input).await?.record;
    let id = case.id;
    use Role::*;
    match goal {
        Goal::Received | Goal::DeemedAccepted => {}
        Goal::AwaitingSupplement => {
            let missing: Vec<String> = core
                .iter()
                .skip(1)
                .chain(deferrable.iter())
                .filter(|c| !fetched.contains(c))
                .cloned()
                .collect();
            if !missing.is_empty() {
                d.act(
                    &case,
                    WindowClerk,
                    b(1),
                    Action::NotifySupplement { missing },
                )
                .await?;
            }
        }
        Goal::Refused => {
            d.act(
                &case,
                WindowClerk,
                received,
                Action::Refuse {
                    reason: "申请事项属于市级审批权限，不属于本机关职权范围".into(),
                    redirect_to: Some("安康市行政审批服务局".into()),
                },
            )
            .await?;
        }
        Goal::Commitment | Goal::CommitmentLicensed => {
            case = d
                .act(
                    &case,
                    WindowClerk,
                    received,
                    Action::AcceptOnCommitment {
                        commitment: "申请人书面承诺符合许可条件".into(),
                    },
                )
                .await?;
            if goal == Goal::CommitmentLicensed {
                d.act(&case, WindowClerk, received, Action::IssueCertificate)
                    .await?;
            }
        }
        Goal::DeferredLate => {
            case = d
                .act(
                    &case,
                    WindowClerk,
                    received,
                    Action::AcceptDeferred {
                        deferred: deferrable.clone(),
                        due: Some(b(3)),
                    },
                )
                .await?;
            d.steps(case, cal.add(received, 1)?, b(1), 1).await?;
        }
        Goal::Withdrawn => {
            case = d.act(&case, WindowClerk, received, Action::Accept).await?;
            d.act(
                &case,
                WindowClerk,
                b(2),
                Action::Withdraw {
                    reason: "申请人因经营计划调整申请撤回".into(),
                },
            )
            .await?;
        }
        _ => {
            case = d.act(&case, WindowClerk, received, Action::Accept).await?;
            match goal {
                Goal::UnderReview | Goal::NearDue => {
                    d.steps(case, b(0).min(cal.add(received, 1)?), b(0), 1)
                        .await?;
                }
                Goal::Overdue => {
                    d.steps(case, cal.add(received, 2)?, b(5), 1).await?;
                }
                Goal::Suspended => {
                    case = d.steps(case, cal.add(received, 1)?, b(3), 1).await?;
                    d.act(
                        &case,
                        Reviewer,
                        b(2),
                        Action::Suspend {
                            kind: "expert_review".into(),
                            reason: "涉及专业技术问题，需组织专家评审".into(),
                            expected_days: Some(10),
                        },
                    )
                    .await?;
                }
                Goal::Extended => {
                    case = d.steps(case, cal.add(received, 1)?, b(4), 1).await?;
                    d.act(
                        &case,
                        BureauHead,
                        b(3),
                        Action::Extend {
                            reason: "需征求相关部门意见，二十个工作日内不能作出决定".into(),
                            approved_by: "head".into(),
                        },
                    )
                    .await?;
                }
                Goal::Decided | Goal::CertificateIssued | Goal::Denied | Goal::Licensed { .. } => {
                    // Working days before the anchor: the decision, the certificate (if any).
                    let (decided, issued) = match goal {
                        Goal::CertificateIssued => (4, Some(2)),
                        Goal::Licensed { decided, issued } => (decided, Some(issued)),
                        _ => (1, None),
                    };
                    let decide_on = b(decided);
                    case = d
                        .steps(case, cal.add(received, 1)?, decide_on, usize::MAX)
                        .await?;
                    let decider = case.item.decider.unwrap_or(SectionChief);
                    let action = if goal == Goal::Denied {
                        Action::Decide {
                            approve: false,
                            reason: "经现场核查，申请人的经营场所不符合法定条件".into(),
                        }
                    } else {
                        Action::Decide {
                            approve: true,
                            reason: "申请人的申请符合法定条件、标准".into(),
                        }
                    };
                    case = d.act(&case, decider, decide_on, action).await?;
                    if let Some(n) = issued {
                        d.act(&case, WindowClerk, b(n), Action::IssueCertificate)
                            .await?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(id)
}

/// The application form of a demo case, every field filled in from the applicant (its name, ID
/// number and phone) or with a plain sample value of its kind: the first option, `on` for a date,
/// 演示填写 and the field's label for a text.
fn demo_form(
    form: &yiyin_domain::catalog::Form,
    applicant: &Applicant,
    on: NaiveDate,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    use yiyin_domain::catalog::form::{FieldKind, FormField};
    let value = |f: &FormField| -> Value {
        let id = applicant.id_number.as_str();
        let text = match f.kind {
            FieldKind::Choice if f.multiple => return Value::from(vec![f.options[0].clone()]),
            FieldKind::Choice => f.options[0].clone(),
            FieldKind::Date => yiyin_domain::calendar::fmt_date(on),
            FieldKind::Number => "60".into(),
            FieldKind::Address => "汉阴县城关镇北城街1号".into(),
            FieldKind::Phone if yiyin_domain::catalog::form::valid_phone(&applicant.phone) => {
                applicant.phone.clone()
            }
            FieldKind::Phone => "0915-5212345".into(),
            FieldKind::PersonId | FieldKind::Organisation
                if matches!(
                    (&applicant.id_number, f.kind),
                    (SubjectId::Person(_), FieldKind::PersonId)
                        | (SubjectId::Organisation(_), FieldKind::Organisation)
                ) =>
            {
                id.to_string()
            }
            // A person's licence names its holder's own number; an organisation's its
            // representative's (the demo's 王芳).
            FieldKind::PersonId => "11010519491231002X".into(),
            FieldKind::Organisation => "91350100M000100Y43".into(),
            _ if f.prefill.is_some() => applicant.name.clone(),
            _ if ["姓名", "负责人", "代表人"]
                .iter()
                .any(|w| f.label.contains(w)) =>
            {
                "王芳".into()
            }
            _ => format!("演示填写：{}", f.label),
        };
        let max = f.max.map_or(usize::MAX, |m| m as usize);
        Value::String(text.chars().take(max).collect())
    };
    form.fields
        .iter()
        .map(|f| {
            let v = if f.kind.has_rows() {
                let row: serde_json::Map<String, Value> = f
                    .columns
                    .iter()
                    .map(|c| (c.code.clone(), value(c)))
                    .collect();
                Value::Array(vec![Value::Object(row)])
            } else {
                value(f)
            };
            (f.code.clone(), v)
        })
        .collect()
}
