//! The agency mandate's scope, period and revocation, and the service list's checks.

use super::*;
use crate::testing::d;

const APPLICANT: i64 = 10;
const AGENT: i64 = 20;

fn mandate(acts: &[AgencyAct]) -> Mandate {
    Mandate {
        applicant_account: APPLICANT,
        agent_account: AGENT,
        jurisdiction: "hanyin".into(),
        subject: MandateSubject::Case,
        subject_id: 7,
        acts: acts.to_vec(),
        starts_on: d("2026-03-02"),
        ends_on: d("2026-03-31"),
        revoked_on: None,
    }
}

const OWN: Matter = Matter {
    applicant_matches: true,
    covered: true,
};

#[test]
fn a_live_mandate_allows_its_acts_only() {
    let m = mandate(&[AgencyAct::FillForms, AgencyAct::ReceiveNotices]);
    let on = d("2026-03-10");
    assert!(check_act(&m, AGENT, AgencyAct::FillForms, OWN, on).is_ok());
    assert!(check_act(&m, AGENT, AgencyAct::ReceiveNotices, OWN, on).is_ok());
    let e = check_act(&m, AGENT, AgencyAct::PickUpResults, OWN, on).unwrap_err();
    assert_eq!(e.rule, AGENCY_RULE);
    assert!(e.message.contains("超出委托权限"), "{}", e.message);
    assert!(e.message.contains("领取办理结果"), "{}", e.message);
}

#[test]
fn the_period_bounds_the_mandate_both_ends_included() {
    let m = mandate(&[AgencyAct::FillForms]);
    let act = |on| check_act(&m, AGENT, AgencyAct::FillForms, OWN, d(on));
    assert!(act("2026-03-02").is_ok());
    assert!(act("2026-03-31").is_ok());
    let early = act("2026-03-01").unwrap_err();
    assert!(early.message.contains("尚未生效"), "{}", early.message);
    let late = act("2026-04-01").unwrap_err();
    assert!(late.message.contains("已到期"), "{}", late.message);
    assert!(
        late.message.contains("2026年03月31日") || late.message.contains("2026"),
        "{}",
        late.message
    );
    assert_eq!(m.state(d("2026-04-01")), MandateState::Expired);
    assert_eq!(m.state(d("2026-03-01")), MandateState::Pending);
}

#[test]
fn a_revoked_mandate_allows_nothing_and_is_revoked_once() {
    let m = mandate(AgencyAct::ALL).revoke(d("2026-03-05")).unwrap();
    assert_eq!(m.state(d("2026-03-10")), MandateState::Revoked);
    for act in AgencyAct::ALL {
        let e = check_act(&m, AGENT, *act, OWN, d("2026-03-10")).unwrap_err();
        assert!(e.message.contains("委托已撤销"), "{}", e.message);
    }
    assert!(m.revoke(d("2026-03-06")).is_err());
}

#[test]
fn another_applicants_matter_another_agent_or_another_subject_is_refused() {
    let m = mandate(AgencyAct::ALL);
    let on = d("2026-03-10");
    let other = Matter {
        applicant_matches: false,
        covered: false,
    };
    let e = check_act(&m, AGENT, AgencyAct::FillForms, other, on).unwrap_err();
    assert!(e.message.contains("其他申请人"), "{}", e.message);
    let outside = Matter {
        applicant_matches: true,
        covered: false,
    };
    let e = check_act(&m, AGENT, AgencyAct::FillForms, outside, on).unwrap_err();
    assert!(e.message.contains("超出委托范围"), "{}", e.message);
    let e = check_act(&m, AGENT + 1, AgencyAct::FillForms, OWN, on).unwrap_err();
    assert!(e.message.contains("不是委托给您的"), "{}", e.message);
}

#[test]
fn a_new_mandate_needs_acts_and_a_sound_period() {
    let today = d("2026-03-02");
    assert!(mandate(&[AgencyAct::FillForms]).check_new(today).is_ok());
    assert_eq!(mandate(&[]).check_new(today).unwrap_err().field, "acts");
    assert_eq!(
        mandate(&[AgencyAct::FillForms, AgencyAct::FillForms])
            .check_new(today)
            .unwrap_err()
            .field,
        "acts"
    );
    assert_eq!(
        mandate(&[AgencyAct::FillForms])
            .check_new(d("2026-03-03"))
            .unwrap_err()
            .field,
        "starts_on"
    );
    let mut m = mandate(&[AgencyAct::FillForms]);
    m.ends_on = d("2026-03-01");
    assert_eq!(m.check_new(today).unwrap_err().field, "ends_on");
    m.ends_on = d("2027-03-03");
    assert_eq!(m.check_new(today).unwrap_err().field, "ends_on");
    m.ends_on = d("2026-03-31");
    m.agent_account = APPLICANT;
    assert_eq!(m.check_new(today).unwrap_err().field, "agent");
}

#[test]
fn the_service_list_names_its_centre_and_each_line_once() {
    let line = |n: &str| ServiceLine {
        name: n.into(),
        service: "全程代办".into(),
    };
    let ok = ServiceList {
        centre: "汉阴县全程代办服务中心".into(),
        contact: "县政务服务中心一楼".into(),
        lines: vec![line("施工许可"), line("竣工验收")],
    };
    assert!(ok.check().is_ok());
    let mut dup = ok.clone();
    dup.lines.push(line("施工许可"));
    assert_eq!(dup.check().unwrap_err().field, "lines[2].name");
    let mut empty = ok.clone();
    empty.lines.clear();
    assert_eq!(empty.check().unwrap_err().field, "lines");
    let mut unnamed = ok;
    unnamed.centre = " ".into();
    assert_eq!(unnamed.check().unwrap_err().field, "centre");
}

#[test]
fn acts_are_recorded_as_the_agents_for_the_applicant() {
    assert_eq!(acting_name("李强", "王芳"), "代办员 李强 代 申请人 王芳");
}
