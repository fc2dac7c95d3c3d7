//! The command-line contracts of `contracts.md`: `yiyin calendar` (§1) and `yiyin rehearse` (§2),
//! run as a user runs them — the real binary, its stdout, stderr and exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn yiyin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .args(args)
        .env_remove("YIYIN_CALENDAR_DIR")
        .output()
        .expect("run yiyin")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn calendar_prints_the_value_alone() {
    for (args, want) in [
        (vec!["add", "2025-09-26", "5"], "2025-10-10\n"),
        (vec!["add", "2026-02-13", "5"], "2026-02-27\n"),
        (vec!["add", "2026-01-01", "5"], "2026-01-08\n"),
        (vec!["add", "2024-12-31", "20"], "2025-02-05\n"),
        (vec!["between", "2025-10-13", "2025-10-20"], "5\n"),
        (vec!["between", "2025-10-09", "2025-10-09"], "0\n"),
        (vec!["is-workday", "2025-09-28"], "true\n"),
        (vec!["is-workday", "2025-10-01"], "false\n"),
    ] {
        let mut full = vec!["calendar"];
        full.extend(args.iter());
        let o = yiyin(&full);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), want, "{args:?}");
    }
}

#[test]
fn calendar_bad_input_exits_2_with_a_reason() {
    for (args, phrase) in [
        (vec!["add", "2023-06-01", "3"], "2023"),
        (vec!["add", "2026-12-20", "20"], "2027"),
        (vec!["is-workday", "2030-01-01"], "2030"),
        (vec!["add", "2025-13-01", "3"], "不是有效日期"),
        (vec!["add", "2025-01-01", "0"], "不是正整数"),
        (vec!["add", "2025-01-01", "-3"], "不是正整数"),
        (vec!["add", "2025-01-01", "x"], "不是正整数"),
        (vec!["between", "yesterday", "2025-01-01"], "不是有效日期"),
    ] {
        let mut full = vec!["calendar"];
        full.extend(args.iter());
        let o = yiyin(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stdout(&o).is_empty(), "{args:?}");
        assert!(stderr(&o).contains(phrase), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn calendar_dir_adds_a_year() {
    let dir = std::env::temp_dir().join(format!("yiyin-cal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("2027.json"),
        r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = yiyin(&["calendar", "--calendar-dir", d, "add", "2026-12-31", "1"]);
    assert_eq!(stdout(&o), "2027-01-04\n", "{}", stderr(&o));
    let o = yiyin(&["calendar", "add", "2026-12-31", "1", "--calendar-dir", d]);
    assert_eq!(stdout(&o), "2027-01-04\n", "{}", stderr(&o));
    std::fs::write(dir.join("2028.json"), "not json").unwrap();
    let o = yiyin(&["calendar", "--calendar-dir", d, "is-workday", "2027-01-04"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2028.json"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rehearse_runs_the_contract_example_from_a_file_and_stdin() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rehearsals/contract-example.json"
    );
    let o = yiyin(&["rehearse", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["statutory_due"], "2025-11-26");
    assert_eq!(report["promised_due"], "2025-11-12");
    assert_eq!(report["certificate_due"], "2025-11-19");
    // §2a: decided 2025-11-05, before the promised due date 2025-11-12; the certificate is not
    // issued by 2025-11-19, so a red card on the next working day, Thursday 2025-11-20.
    assert_eq!(report["efficiency"], "early");
    let cards = report["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert_eq!(
        (&cards[0]["color"], &cards[0]["limit"], &cards[0]["on"]),
        (
            &serde_json::json!("red"),
            &serde_json::json!("certificate"),
            &serde_json::json!("2025-11-20")
        )
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .args(["rehearse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(std::fs::read(path).unwrap().as_slice())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let again: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(again, report);
}

#[test]
fn rehearse_malformed_input_exits_2() {
    let dir = std::env::temp_dir().join(format!("yiyin-rh-{}.json", std::process::id()));
    std::fs::write(&dir, "{\"item\": 3}").unwrap();
    let o = yiyin(&["rehearse", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("推演脚本格式错误"), "{}", stderr(&o));
    let o = yiyin(&["rehearse", "/nonexistent/file.json"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_file(&dir).unwrap();
}

#[test]
fn rehearse_runs_a_ticket_of_the_requests_centre() {
    // §2d: returned on its return due date (2025-09-29), dispatched again after the National Day
    // holiday on 2025-10-09: sign 10-10, return 10-11 (a working Saturday), reply (投诉, 10) 10-22.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rehearsals/ticket-return-on-due-then-redispatch.json"
    );
    let o = yiyin(&["rehearse", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (key, want) in [
        ("state", "dispatched"),
        ("created_on", "2025-09-25"),
        ("dispatch_due", "2025-09-26"),
        ("dispatched_on", "2025-10-09"),
        ("sign_due", "2025-10-10"),
        ("return_due", "2025-10-11"),
        ("reply_due", "2025-10-22"),
    ] {
        assert_eq!(report[key], want, "{key}");
    }
    assert_eq!(report["overdue"], false);
    assert_eq!(report["rehandled"], 0);
    assert_eq!(report["replied_on"], serde_json::Value::Null);
    let refused = report["refused_actions"]
        .as_array()
        .expect("refused_actions");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["action"], "sign");

    let file = std::env::temp_dir().join(format!("yiyin-ticket-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"ticket": {"type": "催办"}, "events": []}"#).unwrap();
    let o = yiyin(&["rehearse", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("推演脚本格式错误"), "{}", stderr(&o));
}

#[test]
fn rehearse_runs_a_bundle_as_one_case() {
    // §2c: accepted Friday 2025-09-26, before the National Day holiday (10-01 to 10-08 off,
    // Sunday 09-28 and Saturday 10-11 worked): the bundle's 45 working days end 2025-12-04, its
    // promised 30 (the largest member's) 2025-11-13, B1 and B2's 20 on 2025-10-30, B3's 60
    // count as 45. The last member is decided on the promised due date: on time.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rehearsals/bundle-national-day.json"
    );
    let o = yiyin(&["rehearse", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (key, want) in [
        ("state", "released"),
        ("accepted_on", "2025-09-26"),
        ("statutory_due", "2025-12-04"),
        ("promised_due", "2025-11-13"),
        ("decided_on", "2025-11-13"),
        ("released_on", "2025-11-14"),
        ("efficiency", "on_time"),
    ] {
        assert_eq!(report[key], want, "{key}");
    }
    let members: Vec<(String, String, String, String)> = report["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            let f = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            (f("code"), f("state"), f("decided_on"), f("statutory_due"))
        })
        .collect();
    let want = [
        ("B1", "decided", "2025-10-15", "2025-10-30"),
        ("B2", "decided", "2025-10-20", "2025-10-30"),
        ("B3", "decided", "2025-11-13", "2025-12-04"),
    ]
    .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()));
    assert_eq!(members, want);
    assert_eq!(report["refused_actions"], serde_json::json!([]));
    assert_eq!(report["cards"], serde_json::json!([]));

    // A bundle whose members share a code cannot run: exit status 2, the reason on stderr.
    let file = std::env::temp_dir().join(format!("yiyin-bundle-{}.json", std::process::id()));
    std::fs::write(
        &file,
        r#"{"bundle": {"name": "开办餐馆一件事", "members": [
            {"code": "B1", "name": "食品经营许可", "statutory_days": 20, "promised_days": 10},
            {"code": "B1", "name": "公共场所卫生许可", "statutory_days": 20, "promised_days": 15}]},
           "events": [{"at": "2025-03-03T09:00:00+08:00", "action": "receive", "materials": []}]}"#,
    )
    .unwrap();
    let o = yiyin(&["rehearse", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("成员事项编码「B1」重复"),
        "{}",
        stderr(&o)
    );
}

/// A file with many cases (a top-level `cases` array): each case's report as a one-case run gives
/// it, then the per-step time report (README, `yiyin rehearse --help`).
#[test]
fn rehearse_runs_many_cases_with_a_per_step_time_report() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rehearsals/many-cases/hall-day.json"
    );
    let o = yiyin(&["rehearse", path]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cases = out["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 6);

    // The first case is the contract example with its certificate issued: the same engine.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut one = file["cases"][0].clone();
    one.as_object_mut().unwrap().remove("name");
    one["until"] = file["until"].clone();
    let alone = std::env::temp_dir().join(format!("yiyin-many-{}.json", std::process::id()));
    std::fs::write(&alone, one.to_string()).unwrap();
    let o1 = yiyin(&["rehearse", alone.to_str().unwrap()]);
    std::fs::remove_file(&alone).unwrap();
    assert!(o1.status.success(), "{}", stderr(&o1));
    let single: serde_json::Value = serde_json::from_slice(&o1.stdout).unwrap();
    for (k, v) in single.as_object().unwrap() {
        assert_eq!(&cases[0][k], v, "{k}");
    }
    assert_eq!(cases[0]["statutory_due"], "2025-11-26");
    assert_eq!(
        cases[0]["case_name"],
        "食品经营许可（补正后受理，专家评审）"
    );
    assert_eq!(cases[5]["state"], "refused");

    let report = &out["time_report"];
    assert_eq!(report["cases"], 6);
    let steps = report["steps"].as_array().expect("steps");
    let step = |code: &str| {
        steps
            .iter()
            .find(|s| s["step"] == code)
            .unwrap_or_else(|| panic!("no step {code}: {steps:#?}"))
    };
    for s in steps {
        let (count, total) = (
            s["count"].as_u64().unwrap(),
            s["total_working_days"].as_u64().unwrap(),
        );
        assert!(count > 0);
        let avg = s["average_working_days"].as_f64().unwrap();
        assert!((avg - total as f64 / count as f64).abs() < 0.051, "{s}");
    }
    assert_eq!(step("supplement")["count"], 1);
    assert_eq!(step("suspend:expert_review")["count"], 1);
    assert_eq!(step("suspend:inspection")["count"], 1);
    assert_eq!(step("hearing")["count"], 2);
    assert!(
        step("suspend:expert_review")["label"]
            .as_str()
            .unwrap()
            .contains("专家评审")
    );
    // Over budget: the planning permit decided after its promised 8 days, and the drainage permit
    // still under review on 11-28, past both limits.
    let over: Vec<(u64, String)> = report["over_budget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["case"].as_u64().unwrap(),
                c["limit"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(over.contains(&(2, "promised".into())), "{over:?}");
    assert!(over.contains(&(4, "statutory".into())), "{over:?}");
    assert!(!over.iter().any(|(c, _)| *c == 1), "{over:?}");
    // Where time is lost: the longest stay first, and it is the open case's review.
    let top = report["top_waits"].as_array().unwrap();
    assert!(!top.is_empty());
    assert_eq!(top[0]["case"], 4);
    assert_eq!(top[0]["step"], "review");
    let days: Vec<u64> = top
        .iter()
        .map(|w| w["working_days"].as_u64().unwrap())
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");

    // A malformed case stops the run: exit status 2 naming the case.
    let bad = std::env::temp_dir().join(format!("yiyin-many-bad-{}.json", std::process::id()));
    std::fs::write(&bad, r#"{"cases": [{"item": {"name": "甲", "statutory_days": 20, "promised_days": 10}, "events": []}]}"#).unwrap();
    let o = yiyin(&["rehearse", bad.to_str().unwrap()]);
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("cases[0]"), "{}", stderr(&o));

    // The help documents the addition.
    let h = yiyin(&["rehearse", "--help"]);
    let help = format!("{}{}", stdout(&h), stderr(&h));
    assert!(
        help.contains("cases") && help.contains("time_report"),
        "{help}"
    );
}
