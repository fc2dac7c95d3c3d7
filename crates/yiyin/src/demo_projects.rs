//! The demo's construction project (工程建设项目审批, 国办发〔2019〕11号; 汉阴 三(二)): in 汉阴, the
//! stages' bundles made of its catalog's own construction items — 立项用地规划许可 (企业投资项目核准,
//! milestone; 建设项目环境影响评价文件审批 in parallel), 工程建设许可 (取水许可), 施工许可 (建筑工程
//! 施工许可证核发, milestone; 特殊建设工程消防设计审查 and 人防工程审批, whose drawing-review step the
//! project's 施工图审查合格书 takes; 林木采伐许可证核发 in parallel), 竣工验收 (特殊建设工程消防验收
//! and 建设工程规划条件核实, both milestones, inspected at one 联合验收) —, the scheme with the 120
//! working-day target; the departments' staff sent to joint visits (two inspectors of each
//! department concerned, `hanyin.<department>.kc1`/`kc2`) and the bureau's 踏勘人员库 of them; and
//! one project registered at the window with stage 1 decided and stage 2 received, all through
//! the application layer.

use chrono::{DateTime, Utc};
use yiyin_app::accounts::NewStaff;
use yiyin_app::bundles::{BundleIntake, ReceiveBundle, publish_bundle};
use yiyin_app::pools::{MemberInput, PoolInput};
use yiyin_app::{App, AppError, FixedClock};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::bundle::BundleSpec;
use yiyin_domain::engine::Action;
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::project::{
    Completion, DEFAULT_TARGET_DAYS, InvestmentType, Project, Scheme, Stage, StageConfig,
};
use yiyin_domain::roles::Role;

use crate::demo_cases::{DEMO_PASSWORD, Driver, back, demo_staff, principal};

const J: &str = "hanyin";

/// (stage, bundle code, bundle name, lead department, members, milestones, parallel).
type StageRow = (
    Stage,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const STAGES: &[StageRow] = &[
    (
        Stage::LandPlanning,
        "HY-GJ-1",
        "工程建设项目立项用地规划许可阶段",
        "fagai",
        &["HY-FG-001", "HY-HB-001"],
        &["HY-FG-001"],
        &["HY-HB-001"],
    ),
    (
        Stage::Engineering,
        "HY-GJ-2",
        "工程建设项目工程建设许可阶段",
        "shuili",
        &["HY-SL-001"],
        &["HY-SL-001"],
        &[],
    ),
    (
        Stage::Construction,
        "HY-GJ-3",
        "工程建设项目施工许可阶段",
        "zhujian",
        &["HY-ZJ-001", "HY-ZJ-002", "HY-ZJ-003", "HY-NL-002"],
        &["HY-ZJ-001"],
        &["HY-NL-002"],
    ),
    (
        Stage::Completion,
        "HY-GJ-4",
        "工程建设项目竣工验收阶段",
        "zhujian",
        &["HY-ZJ-004", "HY-GT-003"],
        &["HY-ZJ-004", "HY-GT-003"],
        &[],
    ),
];

/// The staff each department concerned sends to joint visits (联合踏勘、联合验收): two inspectors
/// of its own (a grant limited to it), `hanyin.<department>.kc1` and `kc2`.
const VISIT_STAFF: &[(&str, [&str; 2])] = &[
    ("fagai", ["杜明", "田静"]),
    ("huanbao", ["石磊", "彭燕"]),
    ("shuili", ["曹阳", "龚丽"]),
    ("zhujian", ["程功", "袁洁"]),
    ("linye", ["潘林", "蔡霞"]),
    ("guotu", ["丁建", "魏敏"]),
];

/// The departments' visit staff and the bureau's 踏勘人员库 of them (kept by the bureau head).
async fn visit_staff(app: &App) -> Result<(), AppError> {
    let head = principal(app, &format!("{J}.head")).await?;
    let pool = app
        .create_pool(
            &head,
            J,
            &PoolInput {
                kind: "inspector".into(),
                name: "联合踏勘验收人员库".into(),
                specialty: "工程建设项目联合踏勘、联合验收".into(),
            },
        )
        .await?;
    let at = app.now();
    for (department, names) in VISIT_STAFF {
        for (n, name) in names.iter().enumerate() {
            let login = format!("{J}.{department}.kc{}", n + 1);
            let grant = Grant {
                role: Role::Inspector,
                jurisdiction: J.into(),
                department: Some((*department).into()),
                unit: None,
            };
            let staff = NewStaff {
                login: login.clone(),
                name: (*name).into(),
                password: DEMO_PASSWORD.into(),
                grants: vec![grant],
            };
            demo_staff(app, &staff, at).await?;
            let member = MemberInput {
                login,
                ..MemberInput::default()
            };
            app.add_pool_member(&head, pool.pool.id, &member).await?;
        }
    }
    Ok(())
}

/// Publishes 汉阴's stage bundles and scheme and drives one project; returns how many projects.
pub async fn load(app: &App, clock: &FixedClock, now: DateTime<Utc>) -> Result<usize, AppError> {
    let store = &app.store;
    let first = yiyin_domain::calendar::parse_date("2025-01-01").expect("a date");
    let Ok(catalog) = principal(app, &format!("{J}.catalog")).await else {
        return Ok(0);
    };
    let mut stages = Vec::new();
    for (stage, code, name, lead, members, milestones, parallel) in STAGES {
        let spec = BundleSpec {
            code: (*code).into(),
            name: (*name).into(),
            lead_department: (*lead).into(),
            members: members.iter().map(|m| (*m).to_string()).collect(),
            situations: vec![],
        };
        if publish_bundle(
            store,
            J,
            spec,
            first,
            first,
            "工程建设项目审批阶段",
            "目录管理员",
        )
        .await
        .is_err()
        {
            // The catalog lacks an item: no demo project.
            return Ok(0);
        }
        stages.push(StageConfig {
            stage: *stage,
            bundle_code: (*code).into(),
            milestones: milestones.iter().map(|m| (*m).to_string()).collect(),
            completion: Completion::All,
            parallel: parallel.iter().map(|m| (*m).to_string()).collect(),
        });
    }
    clock.set(now);
    let scheme = Scheme {
        target_days: DEFAULT_TARGET_DAYS,
        stages,
    };
    app.put_project_scheme(&catalog, J, scheme).await?;
    visit_staff(app).await?;

    let mut d = Driver::new(app, clock, J).await?;
    let cal = app.calendar();
    let today = app.today();
    let (received1, decided1, received2) = (
        back(&cal, today, 30),
        back(&cal, today, 12),
        back(&cal, today, 4),
    );
    let first17 = "91610921MA6YRN0M2";
    let credit = format!("{first17}{}", yiyin_domain::ids::credit_check_char(first17));
    let builder = ("汉阴县城市建设投资有限公司", credit.as_str());
    let project = Project {
        code: format!("{}-610921-48-01-000317", received1.format("%Y")),
        name: "汉阴县城关镇月河北岸安置小区建设项目".into(),
        builder: builder.0.into(),
        builder_code: builder.1.into(),
        location: "汉阴县城关镇月河北岸".into(),
        investment: InvestmentType::Social,
    };
    let id_number = SubjectId::parse_any(builder.1)
        .map_err(|e| AppError::internal(format!("demo credit code: {e}")))?;
    let applicant = Applicant::new(builder.0, id_number, "13891510317", None);
    d.at(received1);
    let clerk = d.who(Role::WindowClerk).clone();
    let view = app.register_project(&clerk, J, project).await?;
    let receive = |stage_materials: Vec<String>| ReceiveBundle {
        jurisdiction: String::new(),
        bundle_code: String::new(),
        situations: vec![],
        applicant: applicant.clone(),
        materials: stage_materials,
        outcome: BundleIntake::Accept,
        missing: vec![],
        attested: true,
        uploads: vec![],
    };
    let all = |form: Option<yiyin_app::projects::StageForm>| -> Vec<String> {
        form.map(|f| f.materials.into_iter().map(|m| m.code).collect())
            .unwrap_or_default()
    };
    let materials = all(app.stage_form(&clerk, view.id).await?);
    let bundle = app
        .receive_stage(&clerk, view.id, Stage::LandPlanning, receive(materials))
        .await?;
    // The milestone item is reviewed and decided; the parallel one is still under way.
    for m in bundle.members.iter().filter(|m| m.item_code == "HY-FG-001") {
        let case = store.case(m.case_id).await?;
        let case = d
            .steps(
                case,
                cal.add(received1, 1).map_err(cal_error)?,
                decided1,
                usize::MAX,
            )
            .await?;
        let decider = case.item.decider.unwrap_or(Role::SectionChief);
        d.act(
            &case,
            decider,
            decided1,
            Action::Decide {
                approve: true,
                reason: "项目符合国家产业政策和县域发展规划，予以核准".into(),
            },
        )
        .await?;
    }
    d.at(received2);
    let materials = all(app.stage_form(&clerk, view.id).await?);
    app.receive_stage(&clerk, view.id, Stage::Engineering, receive(materials))
        .await?;
    clock.set(now);
    Ok(1)
}

fn cal_error(e: yiyin_domain::calendar::CalendarError) -> AppError {
    AppError::internal(e.to_string())
}
