//! Runs every scenario in `rehearsals/` (one per rule of `legal-rules.md` Part 2 that the engine
//! covers, the e-monitoring scenarios `monitoring-*` of `contracts.md` §2a and the bundles
//! `bundle-*` of §2c) and checks the
//! report against the scenario's `expect` (a subset of the report: an object within it, such as a
//! card, names only the fields checked) and `expect_refused` (exactly the refused actions, by index,
//! with their rule and a phrase of the message).

use std::path::PathBuf;

use serde_json::Value;
use yiyin_domain::calendar::Calendar;
use yiyin_domain::rehearse::rehearse;

/// The directory of the scenario files.
fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rehearsals")
}

/// One scenario file, parsed.
fn scenario(name: &str) -> Value {
    let text = std::fs::read_to_string(scenario_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Whether `got` has what `want` asks for: objects the fields `want` names, arrays the same length
/// with every element matching, anything else equal.
fn matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|x| matches(v, x))),
        (Value::Array(w), Value::Array(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(a, b)| matches(a, b))
        }
        _ => want == got,
    }
}

fn scenarios() -> Vec<(String, Value)> {
    let dir = scenario_dir();
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("rehearsals dir")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_rehearsal_scenario_gives_the_expected_report() {
    let cal = Calendar::builtin();
    let all = scenarios();
    assert!(all.len() >= 20, "scenarios missing");
    let mut failures = Vec::new();
    for (name, scenario) in all {
        let report = match rehearse(&scenario.to_string(), &cal) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        for (key, want) in scenario["expect"].as_object().expect("expect") {
            if !matches(want, &report[key]) {
                failures.push(format!("{name}: {key} = {} (expected {want})", report[key]));
            }
        }
        let refused = report["refused_actions"].as_array().unwrap();
        let want = scenario["expect_refused"]
            .as_array()
            .expect("expect_refused");
        let got: Vec<u64> = refused
            .iter()
            .map(|r| r["index"].as_u64().unwrap())
            .collect();
        let wanted: Vec<u64> = want.iter().map(|r| r["index"].as_u64().unwrap()).collect();
        if got != wanted {
            failures.push(format!(
                "{name}: refused {got:?}, expected {wanted:?}: {refused:#?}"
            ));
            continue;
        }
        for (r, w) in refused.iter().zip(want) {
            let reason = r["reason"].as_str().unwrap();
            if let Some(rule) = w.get("rule")
                && &r["rule"] != rule
            {
                failures.push(format!(
                    "{name}: refusal {} rule {} (expected {rule})",
                    r["index"], r["rule"]
                ));
            }
            if let Some(phrase) = w.get("contains").and_then(Value::as_str)
                && !reason.contains(phrase)
            {
                failures.push(format!(
                    "{name}: refusal {} says「{reason}」, lacks「{phrase}」",
                    r["index"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_refusal_names_a_rule_in_chinese() {
    let cal = Calendar::builtin();
    for (name, scenario) in scenarios() {
        let report = rehearse(&scenario.to_string(), &cal).unwrap();
        for r in report["refused_actions"].as_array().unwrap() {
            let reason = r["reason"].as_str().unwrap();
            assert!(
                reason
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{name}: {reason}"
            );
        }
    }
}

#[test]
fn malformed_scripts_are_errors() {
    let cal = Calendar::builtin();
    for (input, phrase) in [
        ("{", "格式错误"),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[]}"#,
            "receive",
        ),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
                {"at":"2025-03-04T09:00:00+08:00","action":"receive","materials":[]},
                {"at":"2025-03-03T09:00:00+08:00","action":"accept"}]}"#,
            "时间顺序",
        ),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
                {"at":"yesterday","action":"receive","materials":[]}]}"#,
            "不是有效时间",
        ),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
                {"at":"2025-03-04T09:00:00+08:00","action":"fly"}]}"#,
            "fly",
        ),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
                {"at":"2025-03-04T09:00:00+08:00","action":"receive","materials":[]}],"until":"2025-03-01"}"#,
            "until",
        ),
    ] {
        let err = rehearse(input, &cal).unwrap_err().to_string();
        assert!(err.contains(phrase), "{input}: {err}");
    }
}

/// A bundle script with `members` as given, a receipt and the `more` events (JSON objects, each
/// preceded by a comma).
fn bundle_script(members: &str, more: &str) -> String {
    format!(
        r#"{{"bundle":{{"name":"开办餐馆一件事","members":{members}}},"events":[
            {{"at":"2025-03-03T09:00:00+08:00","action":"receive","materials":[]}}{more}]}}"#
    )
}

#[test]
fn malformed_bundles_are_errors() {
    let cal = Calendar::builtin();
    let b1 = r#"{"code":"B1","name":"食品经营许可","statutory_days":20,"promised_days":10}"#;
    let with = |m: &str| bundle_script(&format!("[{b1},{m}]"), "");
    for (input, phrase) in [
        (bundle_script("[]", ""), "至少应包含一个成员事项"),
        (
            with(r#"{"code":"B1","name":"卫生许可","statutory_days":20,"promised_days":5}"#),
            "bundle.members[1].code：成员事项编码「B1」重复",
        ),
        (
            with(r#"{"code":"B2","name":"卫生许可","statutory_days":0,"promised_days":0}"#),
            "bundle.members[1].statutory_days：法定时限至少为1个工作日",
        ),
        (
            with(r#"{"code":"B2","name":"卫生许可","statutory_days":20,"promised_days":0}"#),
            "承诺时限至少为1个工作日",
        ),
        (
            with(r#"{"code":"B2","name":"卫生许可","statutory_days":60,"promised_days":46}"#),
            "第四十二条第二款",
        ),
        (
            with(r#"{"code":" ","name":"卫生许可","statutory_days":20,"promised_days":5}"#),
            "成员事项编码不能为空",
        ),
        (
            with(r#"{"code":"B2","name":"卫生\u0007许可","statutory_days":20,"promised_days":5}"#),
            "控制字符",
        ),
        (
            with(r#"{"code":"B2","name":"卫生许可","statutory_days":"二十","promised_days":5}"#),
            "一件事脚本：invalid type",
        ),
        (
            r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},
                "bundle":{"name":"x","members":[]},"events":[]}"#
                .to_string(),
            "只能给出其一",
        ),
        (
            bundle_script(
                &format!("[{b1}]"),
                r#",{"at":"2025-03-04T09:00:00+08:00","action":"decide","member":1,"approve":true}"#,
            ),
            "events[1]（decide）",
        ),
    ] {
        let err = rehearse(&input, &cal).unwrap_err().to_string();
        assert!(err.contains("推演脚本格式错误"), "{input}: {err}");
        assert!(err.contains(phrase), "{input}: {err}");
    }
}

#[test]
fn a_missing_calendar_year_is_named() {
    let cal = Calendar::builtin();
    let input = r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
        {"at":"2026-12-20T09:00:00+08:00","action":"receive","materials":[]},
        {"at":"2026-12-21T09:00:00+08:00","action":"accept"}]}"#;
    let err = rehearse(input, &cal).unwrap_err().to_string();
    assert!(err.contains("2027"), "{err}");
}

#[test]
fn calendar_day_limits_are_explained_as_calendar_days_with_their_basis() {
    let cal = Calendar::builtin();
    let text = scenario("calendar-days-id-card-extended.json").to_string();
    let report = rehearse(&text, &cal).unwrap();
    let lines: Vec<&str> = report["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let statutory = lines
        .iter()
        .find(|l| l.starts_with("法定时限"))
        .expect("statutory line");
    for phrase in [
        "法定时限 60 个自然日（依据《中华人民共和国居民身份证法》第十二条）",
        "延期 30 个自然日",
        "延期依据《中华人民共和国居民身份证法》第十二条",
        "合计 90 个自然日",
        "第90日 2025-11-02 为周末",
        "顺延至其后第一个工作日 2025-11-03",
    ] {
        assert!(statutory.contains(phrase), "{statutory} lacks {phrase}");
    }
    let promised = lines
        .iter()
        .find(|l| l.starts_with("承诺时限"))
        .expect("promised line");
    assert!(
        promised.contains("30 个自然日") && promised.contains("国庆节、中秋节假期"),
        "{promised}"
    );
}

#[test]
fn working_day_limits_keep_their_explanation() {
    let cal = Calendar::builtin();
    let input = r#"{"item":{"name":"x","statutory_days":20,"promised_days":5},"events":[
        {"at":"2025-03-03T09:00:00+08:00","action":"receive","materials":[]},
        {"at":"2025-03-03T09:00:00+08:00","action":"accept"}]}"#;
    let report = rehearse(input, &cal).unwrap();
    assert_eq!(report["limit_unit"], "working_days");
    let lines = report["explanation"].to_string();
    assert!(
        lines.contains("法定时限 20 个工作日，合计 20 个工作日"),
        "{lines}"
    );
    assert!(!lines.contains("自然日计算"), "{lines}");
}

/// The cards of a report as (color, limit, on).
fn cards(report: &Value) -> Vec<(String, String, String)> {
    report["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| {
            let f = |k: &str| c[k].as_str().unwrap().to_string();
            (f("color"), f("limit"), f("on"))
        })
        .collect()
}

/// A scenario file run with its events filtered and its `until` replaced.
fn rerun(name: &str, keep: impl Fn(&Value) -> bool, until: &str) -> Value {
    let mut s = scenario(name);
    let events: Vec<Value> = s["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| keep(e))
        .cloned()
        .collect();
    s["events"] = Value::Array(events);
    s["until"] = Value::String(until.into());
    rehearse(&s.to_string(), &Calendar::builtin()).unwrap()
}

fn card(color: &str, limit: &str, on: &str) -> (String, String, String) {
    (color.into(), limit.into(), on.into())
}

#[test]
fn a_suspension_moves_the_yellow_card() {
    // With the 3 working days of testing (03-13, 03-14, 03-17) the card is dated 2025-03-27
    // (the scenario file); without them the promised due date is Friday 2025-03-21 and the card
    // Monday 2025-03-24.
    let with = rerun(
        "monitoring-suspension-moves-card.json",
        |_| true,
        "2025-03-28",
    );
    let without = rerun(
        "monitoring-suspension-moves-card.json",
        |e| !matches!(e["action"].as_str(), Some("suspend" | "resume")),
        "2025-03-28",
    );
    assert_eq!(cards(&with), vec![card("yellow", "promised", "2025-03-27")]);
    assert_eq!(
        cards(&without),
        vec![card("yellow", "promised", "2025-03-24")]
    );
    // Without the extension, both cards come 10 working days earlier: 03-24 and 04-08.
    let unextended = rerun(
        "monitoring-extension-moves-both.json",
        |e| e["action"] != "extend",
        "2025-04-25",
    );
    assert_eq!(
        cards(&unextended),
        vec![
            card("yellow", "promised", "2025-03-24"),
            card("red", "statutory", "2025-04-08"),
        ]
    );
}

#[test]
fn a_card_appears_only_once_its_date_is_reached() {
    let name = "monitoring-until-before-card.json";
    // Saturday and Sunday after the promised due date (Friday 2025-03-21): no card yet.
    for until in ["2025-03-21", "2025-03-22", "2025-03-23"] {
        assert!(cards(&rerun(name, |_| true, until)).is_empty(), "{until}");
    }
    assert_eq!(
        cards(&rerun(name, |_| true, "2025-03-24")),
        vec![card("yellow", "promised", "2025-03-24")]
    );
}

#[test]
fn every_card_explains_its_rule_in_chinese() {
    let cal = Calendar::builtin();
    let mut seen = std::collections::BTreeSet::new();
    for (name, s) in scenarios() {
        let report = rehearse(&s.to_string(), &cal).unwrap();
        // A ticket's report has no cards (§2a is about cases).
        let cards = report["cards"].as_array();
        assert!(cards.is_some() || s.get("ticket").is_some(), "{name}");
        for c in cards.into_iter().flatten() {
            let reason = c["reason"].as_str().unwrap();
            let due = c["due"].as_str().unwrap();
            let rule = match c["limit"].as_str().unwrap() {
                "promised" => "承诺办结时限",
                "statutory" => "第四十二条",
                "certificate" => "第四十四条",
                other => panic!("{name}: limit {other}"),
            };
            assert!(
                reason.contains(rule) && reason.contains(due),
                "{name}: {reason}"
            );
            seen.insert(c["limit"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[test]
fn a_bundle_explains_each_member_limit() {
    let cal = Calendar::builtin();
    let report = rehearse(&scenario("bundle-cap-45.json").to_string(), &cal).unwrap();
    let lines = report["explanation"].to_string();
    for phrase in [
        "成员事项 C1（建设工程规划许可）：法定时限 60 个工作日，联合办理不超过45个工作日（《行政许可法》第四十二条第二款），按 45 个工作日计，合计 45 个工作日",
        "成员事项 C3（城镇污水排入排水管网许可）：法定时限 30 个工作日，合计 30 个工作日，自一件事受理次日起算，届满日为 2025-04-15",
        "法定时限 45 个工作日（联合办理，《行政许可法》第四十二条第二款）",
    ] {
        assert!(lines.contains(phrase), "{lines} lacks {phrase}");
    }
}
