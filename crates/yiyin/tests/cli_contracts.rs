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
