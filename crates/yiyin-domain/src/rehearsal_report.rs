//! Many-case rehearsal (模拟推演 of a day's workload) and its per-step time report: where time is
//! lost.
//!
//! A file with a top-level `cases` array holds many one-case scripts (each exactly as
//! `contracts.md` §2 defines one, with an optional `name`); an optional top-level `until` is the
//! reading date of every case that gives none. Each case runs through the same engine as a
//! one-case rehearsal ([`crate::rehearse::rehearse`]), on the simulated clock, and its report is
//! output unchanged but for two added fields (`case`, its index, and `case_name`). Then the time
//! report, read from those reports alone:
//! - `steps`: for each step a case can be in (受理, 补正, 审查与决定, each kind of special procedure,
//!   听证, 制证), how many times a case was in it, and the working days spent there in total and on
//!   average. A case is in the step its last applied event opened until its next event (or, when
//!   still open, until its reading date); the days are working days (Art. 82, `between`).
//! - `over_budget`: the cases past their promised limit (承诺时限) or statutory limit.
//! - `top_waits`: the longest single stays in a step, longest first.
//!
//! The one-case contract is untouched: a file without `cases` is a one-case script.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::calendar::{Calendar, parse_date};
use crate::engine::SuspensionKind;
use crate::rehearse::{RehearseError, rehearse};

/// How many of the longest waits the report lists.
pub const TOP_WAITS: usize = 10;
/// The most cases one file may hold.
pub const MAX_CASES: usize = 10_000;

/// Whether a rehearsal file holds many cases (a top-level `cases` array).
pub fn is_many(input: &str) -> bool {
    serde_json::from_str::<Value>(input)
        .ok()
        .is_some_and(|v| v.get("cases").is_some_and(Value::is_array))
}

fn malformed(msg: impl Into<String>) -> RehearseError {
    RehearseError::Malformed(msg.into())
}

/// The step a case is in after an event, by the event's action (None: the case is closed).
fn step_after(event: &Value, has_certificate: bool, bundle: bool) -> Option<String> {
    let action = event.get("action").and_then(Value::as_str).unwrap_or("");
    let step = match action {
        "receive" | "supplement" | "correct" => "intake",
        "notify_supplement" => "supplement",
        "accept"
        | "accept_deferred"
        | "deemed_accept"
        | "resume"
        | "extend"
        | "notify_hearing_right"
        | "hold_hearing"
        | "complete_step" => "review",
        "request_hearing" | "schedule_hearing" => "hearing",
        "suspend" => {
            let kind = event.get("kind").and_then(Value::as_str).unwrap_or("");
            return Some(format!("suspend:{kind}"));
        }
        "decide" if bundle => "review",
        "decide" if has_certificate => "certificate",
        _ => return None,
    };
    Some(step.to_string())
}

/// A step's words.
pub fn step_label(step: &str) -> String {
    match step {
        "intake" => "受理（收件至受理）".into(),
        "supplement" => "补正（等待申请人补正材料）".into(),
        "review" => "审查与决定（受理至作出决定）".into(),
        "hearing" => "听证（申请至举行）".into(),
        "certificate" => "制证（决定至发证）".into(),
        other => match other.strip_prefix("suspend:") {
            Some(kind) => format!(
                "特别程序：{}（中止计时）",
                SuspensionKind::parse(kind)
                    .map_or_else(|| kind.to_string(), |k| k.label().to_string())
            ),
            None => other.to_string(),
        },
    }
}

/// One stay of one case in one step.
#[derive(Debug, Clone)]
struct Stay {
    case: usize,
    step: String,
    from: NaiveDate,
    to: NaiveDate,
    working_days: u32,
}

fn date_of(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| parse_date(s).ok())
}

/// The stays of one case, read from its report.
fn stays_of(case: usize, report: &Value, calendar: &Calendar) -> Result<Vec<Stay>, RehearseError> {
    let Some(until) = date_of(report, "until") else {
        return Ok(vec![]);
    };
    let has_certificate = !report.get("certificate_due").is_none_or(Value::is_null);
    let bundle = report.get("members").is_some();
    let events: Vec<&Value> = report
        .get("events")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let Some(step) = step_after(event, has_certificate, bundle) else {
            continue;
        };
        let Some(from) = date_of(event, "date") else {
            continue;
        };
        let to = events
            .get(i + 1)
            .and_then(|e| date_of(e, "date"))
            .unwrap_or(until);
        let working_days = calendar.between(from, to)?;
        out.push(Stay {
            case,
            step,
            from,
            to,
            working_days,
        });
    }
    Ok(out)
}

/// Runs every case of a many-case file and returns the cases' reports and the time report.
pub fn rehearse_many(input: &str, calendar: &Calendar) -> Result<Value, RehearseError> {
    let file: Value = serde_json::from_str(input).map_err(|e| malformed(e.to_string()))?;
    let cases = file
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("cases 应为办件脚本数组"))?;
    if cases.is_empty() {
        return Err(malformed("cases 不能为空"));
    }
    if cases.len() > MAX_CASES {
        return Err(malformed(format!("一个文件最多 {MAX_CASES} 件")));
    }
    let until = match file.get("until") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(malformed("until 应为日期 YYYY-MM-DD")),
    };
    let mut reports = Vec::with_capacity(cases.len());
    let mut names = Vec::with_capacity(cases.len());
    for (i, script) in cases.iter().enumerate() {
        let Value::Object(obj) = script else {
            return Err(malformed(format!("cases[{i}] 不是对象")));
        };
        let name = match obj.get("name") {
            None | Some(Value::Null) => format!("第{}件", i + 1),
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(_) => return Err(malformed(format!("cases[{i}].name 应为非空文字"))),
        };
        let mut one: Map<String, Value> = obj.clone();
        one.remove("name");
        if let Some(u) = &until {
            one.entry("until").or_insert_with(|| json!(u));
        }
        let text = Value::Object(one).to_string();
        let mut report = rehearse(&text, calendar).map_err(|e| match e {
            RehearseError::Malformed(m) => malformed(format!("cases[{i}]（{name}）：{m}")),
            other => other,
        })?;
        if let Value::Object(map) = &mut report {
            map.insert("case".into(), json!(i));
            map.insert("case_name".into(), json!(name));
        }
        reports.push(report);
        names.push(name);
    }
    let time_report = time_report(&reports, &names, calendar)?;
    Ok(json!({"cases": reports, "time_report": time_report}))
}

/// The per-step time report of the cases' reports (see the module documentation).
pub fn time_report(
    reports: &[Value],
    names: &[String],
    calendar: &Calendar,
) -> Result<Value, RehearseError> {
    let mut stays = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        stays.extend(stays_of(i, r, calendar)?);
    }
    // Per step, in a fixed order: the usual steps first, then each special procedure.
    let order = |s: &str| match s {
        "intake" => 0,
        "supplement" => 1,
        "review" => 2,
        "hearing" => 3,
        "certificate" => 5,
        _ => 4,
    };
    let mut by_step: BTreeMap<(u8, String), (u64, u64)> = BTreeMap::new();
    for s in &stays {
        let e = by_step.entry((order(&s.step), s.step.clone())).or_default();
        e.0 += 1;
        e.1 += u64::from(s.working_days);
    }
    let steps: Vec<Value> = by_step
        .into_iter()
        .map(|((_, step), (count, total))| {
            let average = (total as f64 / count as f64 * 10.0).round() / 10.0;
            json!({
                "step": step,
                "label": step_label(&step),
                "count": count,
                "total_working_days": total,
                "average_working_days": average,
            })
        })
        .collect();
    let name = |i: usize| names.get(i).cloned().unwrap_or_default();
    let mut over_budget = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let flag = |k: &str| r.get(k).and_then(Value::as_bool).unwrap_or(false);
        let limit = if flag("overdue") {
            "statutory"
        } else if flag("promised_overdue") {
            "promised"
        } else {
            continue;
        };
        let due_key = if limit == "statutory" {
            "statutory_due"
        } else {
            "promised_due"
        };
        over_budget.push(json!({
            "case": i,
            "case_name": name(i),
            "limit": limit,
            "limit_label": if limit == "statutory" { "超过法定时限" } else { "超过承诺时限" },
            "due": r.get(due_key).cloned().unwrap_or(Value::Null),
            "decided_on": r.get("decided_on").cloned().unwrap_or(Value::Null),
            "state": r.get("state").cloned().unwrap_or(Value::Null),
        }));
    }
    let mut longest: Vec<&Stay> = stays.iter().filter(|s| s.working_days > 0).collect();
    longest.sort_by(|a, b| {
        b.working_days
            .cmp(&a.working_days)
            .then(a.case.cmp(&b.case))
            .then(a.from.cmp(&b.from))
    });
    let top_waits: Vec<Value> = longest
        .into_iter()
        .take(TOP_WAITS)
        .map(|s| {
            json!({
                "case": s.case,
                "case_name": name(s.case),
                "step": s.step,
                "label": step_label(&s.step),
                "from": crate::calendar::fmt_date(s.from),
                "to": crate::calendar::fmt_date(s.to),
                "working_days": s.working_days,
            })
        })
        .collect();
    Ok(json!({
        "cases": reports.len(),
        "unit": "working_days",
        "steps": steps,
        "over_budget": over_budget,
        "top_waits": top_waits,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    const ONE: &str = r#"{"item": {"name": "食品经营许可", "statutory_days": 20, "promised_days": 10},
        "events": [
          {"at": "2025-09-26T09:30:00+08:00", "action": "receive", "materials": []},
          {"at": "2025-09-29T10:00:00+08:00", "action": "accept"},
          {"at": "2025-10-13T09:00:00+08:00", "action": "suspend", "kind": "expert_review", "reason": "专家评审", "expected_days": 5},
          {"at": "2025-10-20T09:00:00+08:00", "action": "resume"},
          {"at": "2025-11-05T09:00:00+08:00", "action": "decide", "approve": true, "reason": "符合条件"}
        ]}"#;

    #[test]
    fn only_a_cases_array_makes_a_many_case_file() {
        assert!(is_many(r#"{"cases": []}"#));
        assert!(!is_many(ONE));
        assert!(!is_many("not json"));
    }

    #[test]
    fn each_case_reports_as_alone_and_the_steps_add_up() {
        let one: Value = serde_json::from_str(ONE).unwrap();
        let mut second = one.clone();
        second["name"] = json!("快件");
        second["events"] = json!([
            {"at": "2025-09-26T09:30:00+08:00", "action": "receive", "materials": []},
            {"at": "2025-09-26T10:00:00+08:00", "action": "accept"},
            {"at": "2025-09-30T09:00:00+08:00", "action": "decide", "approve": true, "reason": "符合条件"}
        ]);
        let file = json!({"cases": [one.clone(), second]}).to_string();
        let out = rehearse_many(&file, &cal()).unwrap();
        let alone = rehearse(ONE, &cal()).unwrap();
        let first = &out["cases"][0];
        for (k, v) in alone.as_object().unwrap() {
            assert_eq!(&first[k], v, "field {k} differs from the one-case run");
        }
        assert_eq!(first["case_name"], "第1件");
        assert_eq!(out["cases"][1]["case_name"], "快件");
        let steps = out["time_report"]["steps"].as_array().unwrap();
        let step = |s: &str| steps.iter().find(|x| x["step"] == s).cloned().unwrap();
        // Intake: 09-26 → 09-29 and 09-26 → 09-26 (none).
        let d = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        assert_eq!(step("intake")["count"], 2);
        assert_eq!(
            step("intake")["total_working_days"],
            cal().between(d(9, 26), d(9, 29)).unwrap()
        );
        let expert = step("suspend:expert_review");
        assert_eq!(expert["count"], 1);
        assert_eq!(
            expert["total_working_days"],
            cal()
                .between(
                    NaiveDate::from_ymd_opt(2025, 10, 13).unwrap(),
                    NaiveDate::from_ymd_opt(2025, 10, 20).unwrap()
                )
                .unwrap()
        );
        assert!(expert["label"].as_str().unwrap().contains("专家评审"));
        // The first case was decided after its promised limit; the second in time.
        let over = out["time_report"]["over_budget"].as_array().unwrap();
        assert_eq!(over.len(), 1);
        assert_eq!(over[0]["case"], 0);
        // The longest wait is the first case's review after the expert review.
        let top = &out["time_report"]["top_waits"][0];
        assert_eq!(top["case"], 0);
        assert_eq!(top["step"], "review");
        assert_eq!(top["from"], "2025-10-20");
    }

    #[test]
    fn an_open_case_counts_up_to_the_common_reading_date() {
        let file = json!({"until": "2025-10-10", "cases": [{
            "item": {"name": "甲", "statutory_days": 20, "promised_days": 10},
            "events": [{"at": "2025-09-29T09:00:00+08:00", "action": "receive", "materials": []},
                       {"at": "2025-09-29T10:00:00+08:00", "action": "accept"}]}]})
        .to_string();
        let out = rehearse_many(&file, &cal()).unwrap();
        assert_eq!(out["cases"][0]["until"], "2025-10-10");
        let review = &out["time_report"]["steps"].as_array().unwrap()[1];
        assert_eq!(review["step"], "review");
        // 09-30 and 10-09, 10-10 (the National Day holidays in between).
        assert_eq!(review["total_working_days"], 3);
    }

    #[test]
    fn a_malformed_case_names_its_index() {
        let file = r#"{"cases": [{"item": {"name": "甲", "statutory_days": 20, "promised_days": 10}, "events": []}]}"#;
        let e = rehearse_many(file, &cal()).unwrap_err();
        assert!(e.to_string().contains("cases[0]"), "{e}");
        assert!(rehearse_many(r#"{"cases": []}"#, &cal()).is_err());
        assert!(rehearse_many(r#"{"cases": [1]}"#, &cal()).is_err());
    }
}
