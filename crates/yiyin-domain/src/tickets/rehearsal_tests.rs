//! Tests of the ticket rehearsal (`contracts.md` §2d).

use super::*;
use crate::calendar::Calendar;
use crate::rehearse::RehearseError;

fn script(ticket: &str, events: &str) -> String {
    format!(r#"{{"ticket":{ticket},"events":[{events}]}}"#)
}

#[test]
fn malformed_ticket_scripts_are_errors() {
    let t = r#"{"type":"投诉","urgency":"一般"}"#;
    let create = r#"{"at":"2025-03-04T09:00:00+08:00","action":"create"}"#;
    for (input, phrase) in [
        (script(r#"{"type":"催办"}"#, create), "催办"),
        (
            script(r#"{"type":"投诉","urgency":"紧急"}"#, create),
            "一般工单",
        ),
        (script(t, ""), "create"),
        (
            script(t, r#"{"at":"2025-03-04T09:00:00+08:00","action":"fly"}"#),
            "fly",
        ),
        (
            script(
                t,
                &format!(
                    r#"{create},{{"at":"2025-03-03T09:00:00+08:00","action":"dispatch","department":"x"}}"#
                ),
            ),
            "时间顺序",
        ),
        (
            script(t, r#"{"at":"昨天","action":"create"}"#),
            "不是有效时间",
        ),
        (
            script(
                t,
                &format!(r#"{create},{{"at":"2025-03-04T10:00:00+08:00","action":"dispatch"}}"#),
            ),
            "department",
        ),
        (
            format!(r#"{{"ticket":{t},"events":[{create}],"until":"2025-03-01"}}"#),
            "until",
        ),
    ] {
        let err = crate::rehearse::rehearse(&input, &Calendar::builtin())
            .unwrap_err()
            .to_string();
        assert!(err.contains("推演脚本格式错误"), "{input}: {err}");
        assert!(err.contains(phrase), "{input}: {err}");
    }
}

#[test]
fn a_due_in_a_year_without_data_is_named() {
    let input = script(
        r#"{"type":"建议"}"#,
        r#"{"at":"2026-12-20T09:00:00+08:00","action":"create"},
           {"at":"2026-12-21T09:00:00+08:00","action":"dispatch","department":"县民政局"}"#,
    );
    let err = rehearse(&input, &Calendar::builtin()).unwrap_err();
    assert!(matches!(err, RehearseError::Calendar(_)), "{err}");
    assert!(err.to_string().contains("2027"), "{err}");
}

#[test]
fn the_report_lists_applied_events_with_their_dates() {
    let input = script(
        r#"{"type":"咨询"}"#,
        r#"{"at":"2025-03-03T23:30:00Z","action":"create"},
           {"at":"2025-03-04T09:00:00+08:00","action":"sign"}"#,
    );
    let report = rehearse(&input, &Calendar::builtin()).unwrap();
    // 23:30 UTC on 03-03 is 07:30 on 03-04 in China Standard Time.
    assert_eq!(report["created_on"], "2025-03-04");
    assert_eq!(report["events"][0]["label"], "登记");
    assert_eq!(report["events"][0]["date"], "2025-03-04");
    assert_eq!(report["events"].as_array().unwrap().len(), 1);
    assert_eq!(report["refused_actions"][0]["index"], 1);
    assert_eq!(report["refused_actions"][0]["action"], "sign");
}
