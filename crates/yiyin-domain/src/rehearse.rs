//! Rehearsal (模拟推演): runs a scripted case on a simulated clock through the same engine the server
//! uses, as `contracts.md` §2 specifies, and reports the result.
//!
//! Forbidden actions are not applied but listed with the rule; deemed acceptance is applied by the
//! engine when a window passes; the clock is read at `until`, and e-monitoring's efficiency class and
//! cards (§2a) are read from that clock by [`crate::monitoring`]. A script may give a `bundle`
//! instead of an `item` (§2c): the same loop runs the bundle's one case with its members'
//! decisions and the release ([`crate::engine::Bundle`]); a `ticket` runs the requests centre's
//! loop (§2d, [`crate::tickets::rehearse`]).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::calendar::{Calendar, CalendarError, fmt_date, parse_date};
use crate::engine::{
    Action, ApplicantFacts, Bundle, BundleAction, BundleDef, BundleRules, Case, Context,
    DeemedAcceptance, DocumentKind, EngineError, ItemRules, action_label,
};

/// Malformed input or a calendar gap: the rehearsal cannot run (exit status 2 in the CLI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RehearseError {
    #[error("推演脚本格式错误：{0}")]
    Malformed(String),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn malformed(msg: impl Into<String>) -> RehearseError {
    RehearseError::Malformed(msg.into())
}

#[derive(Debug, Deserialize)]
struct Script {
    item: ItemRules,
    events: Vec<Value>,
    #[serde(default)]
    until: Option<String>,
}

pub use crate::calendar::cst;

/// Parses an event time: RFC 3339 with an offset, or a local (China Standard Time) date-time or date.
pub fn parse_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&cst()));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return cst().from_local_datetime(&naive).single();
        }
    }
    parse_date(t)
        .ok()
        .and_then(|d| cst().from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single())
}

/// Runs a rehearsal script (JSON text) and returns the report of `contracts.md` §2.
pub fn rehearse(input: &str, calendar: &Calendar) -> Result<Value, RehearseError> {
    let kind = serde_json::from_str::<Value>(input).ok();
    let has = |key: &str| kind.as_ref().is_some_and(|v| v.get(key).is_some());
    // §2d: a script with a `ticket` runs the requests centre's closed loop instead of a case.
    if has("ticket") {
        return crate::tickets::rehearse(input, calendar);
    }
    // §2c: a script with a `bundle` runs several items as one case.
    if has("bundle") {
        if has("item") {
            return Err(malformed("item 与 bundle 只能给出其一"));
        }
        return rehearse_bundle(input, calendar);
    }
    let script: Script = serde_json::from_str(input).map_err(|e| malformed(e.to_string()))?;
    if script.item.name.trim().is_empty() {
        return Err(malformed("item.name 不能为空"));
    }
    let applicant = ApplicantFacts::default();
    let ctx = Context {
        item: &script.item,
        calendar,
        applicant: &applicant,
    };
    let run = run_script(&ctx, &script.events, script.until.as_deref())?;
    let Run {
        subject,
        applied,
        refused,
        until,
    } = run;
    Ok(Value::Object(case_report(
        &subject, &ctx, until, refused, applied,
    )?))
}

#[derive(Debug, Deserialize)]
struct BundleScript {
    bundle: BundleDef,
    events: Vec<Value>,
    #[serde(default)]
    until: Option<String>,
}

/// §2c: the bundle's one case through the same loop and report, with its members and release.
fn rehearse_bundle(input: &str, calendar: &Calendar) -> Result<Value, RehearseError> {
    let script: BundleScript =
        serde_json::from_str(input).map_err(|e| malformed(format!("一件事脚本：{e}")))?;
    let rules = BundleRules::new(script.bundle).map_err(|e| malformed(e.to_string()))?;
    let applicant = ApplicantFacts::default();
    let ctx = rules.context(calendar, &applicant);
    let runner = BundleRunner {
        rules: &rules,
        ctx: &ctx,
    };
    let run = run_script(&runner, &script.events, script.until.as_deref())?;
    let Run {
        subject: bundle,
        applied,
        refused,
        until,
    } = run;
    let members = bundle.members(rules.def(), &ctx, until)?;
    let mut report = case_report(&bundle.case, &ctx, until, refused, applied)?;
    if bundle.released_on.is_some() {
        report.insert("state".into(), json!("released"));
    }
    report.insert("released_on".into(), date_json(bundle.released_on));
    let mut lines: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    for m in &members {
        lines.extend(m.explanation.as_deref().map(|l| json!(l)));
        out.push(json!({
            "code": m.code,
            "name": m.name,
            "state": m.state.code(),
            "decision": m.decision.map(|a| if a { "approved" } else { "denied" }),
            "decided_on": date_json(m.decided_on),
            "statutory_due": date_json(m.statutory_due),
        }));
    }
    report.insert("members".into(), Value::Array(out));
    if let Some(Value::Array(explanation)) = report.get_mut("explanation") {
        explanation.extend(lines);
    }
    Ok(Value::Object(report))
}

/// What a script runs, event by event: one case, or a bundle of items as one case.
trait Runner {
    type Subject;
    type Action;
    /// Reads the action of event `index` (not `receive`).
    fn parse(&self, index: usize, name: &str, raw: &Value) -> Result<Self::Action, RehearseError>;
    fn receive(
        &self,
        on: NaiveDate,
        materials: &[String],
    ) -> Result<(Self::Subject, Vec<DocumentKind>), EngineError>;
    fn tick(&self, s: &Self::Subject, on: NaiveDate) -> Option<(Self::Subject, DeemedAcceptance)>;
    fn apply(
        &self,
        s: &Self::Subject,
        on: NaiveDate,
        action: &Self::Action,
    ) -> Result<(Self::Subject, Vec<DocumentKind>), EngineError>;
    fn received_on(s: &Self::Subject) -> NaiveDate;
}

impl Runner for Context<'_> {
    type Subject = Case;
    type Action = Action;
    fn parse(&self, index: usize, name: &str, raw: &Value) -> Result<Action, RehearseError> {
        serde_json::from_value(raw.clone())
            .map_err(|e| malformed(format!("events[{index}]（{name}）：{e}")))
    }
    fn receive(
        &self,
        on: NaiveDate,
        m: &[String],
    ) -> Result<(Case, Vec<DocumentKind>), EngineError> {
        let a = Case::receive(self, on, m)?;
        let documents = a.documents();
        Ok((a.case, documents))
    }
    fn tick(&self, s: &Case, on: NaiveDate) -> Option<(Case, DeemedAcceptance)> {
        s.tick(on)
    }
    fn apply(
        &self,
        s: &Case,
        on: NaiveDate,
        a: &Action,
    ) -> Result<(Case, Vec<DocumentKind>), EngineError> {
        let a = s.apply(self, on, a)?;
        let documents = a.documents();
        Ok((a.case, documents))
    }
    fn received_on(s: &Case) -> NaiveDate {
        s.received_on
    }
}

struct BundleRunner<'a> {
    rules: &'a BundleRules,
    ctx: &'a Context<'a>,
}

impl Runner for BundleRunner<'_> {
    type Subject = Bundle;
    type Action = BundleAction;
    fn parse(&self, index: usize, name: &str, raw: &Value) -> Result<BundleAction, RehearseError> {
        BundleAction::from_json(raw)
            .map_err(|e| malformed(format!("events[{index}]（{name}）：{e}")))
    }
    fn receive(
        &self,
        on: NaiveDate,
        m: &[String],
    ) -> Result<(Bundle, Vec<DocumentKind>), EngineError> {
        let a = Bundle::receive(self.ctx, on, m)?;
        let documents = a.documents();
        Ok((a.bundle, documents))
    }
    fn tick(&self, s: &Bundle, on: NaiveDate) -> Option<(Bundle, DeemedAcceptance)> {
        s.tick(on)
    }
    fn apply(
        &self,
        s: &Bundle,
        on: NaiveDate,
        a: &BundleAction,
    ) -> Result<(Bundle, Vec<DocumentKind>), EngineError> {
        let a = s.apply(self.rules, self.ctx, on, a)?;
        let documents = a.documents();
        Ok((a.bundle, documents))
    }
    fn received_on(s: &Bundle) -> NaiveDate {
        s.case.received_on
    }
}

/// A script run to its end: the subject as of `until`, the events applied and those refused.
struct Run<S> {
    subject: S,
    applied: Vec<Value>,
    refused: Vec<Value>,
    until: NaiveDate,
}

/// Runs the events in order: forbidden actions are listed, not applied; deemed acceptance is
/// applied when a window passes, up to `until` (default: the last event's date).
fn run_script<R: Runner>(
    runner: &R,
    events: &[Value],
    until: Option<&str>,
) -> Result<Run<R::Subject>, RehearseError> {
    let mut subject: Option<R::Subject> = None;
    let mut applied: Vec<Value> = Vec::new();
    let mut refused: Vec<Value> = Vec::new();
    let mut last_at: Option<DateTime<FixedOffset>> = None;

    for (index, raw) in events.iter().enumerate() {
        let ScriptEvent { obj, at_text, at } = event_at(index, raw, last_at)?;
        last_at = Some(at);
        let date = at.date_naive();
        let name = obj
            .get("action")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(format!("events[{index}] 缺少 action")))?;

        let outcome = if name == "receive" {
            if subject.is_some() {
                refused.push(refusal(
                    index,
                    name,
                    "duplicate",
                    "本件已经收件，同一申请不能重复收件",
                ));
                continue;
            }
            let materials = string_list(obj.get("materials"))
                .ok_or_else(|| malformed(format!("events[{index}].materials 应为材料编码数组")))?;
            runner.receive(date, &materials)
        } else {
            let action = runner.parse(index, name, raw)?;
            let Some(current) = subject.as_mut() else {
                refused.push(refusal(index, name, "order", "尚未收件，不能办理其他事项"));
                continue;
            };
            if let Some((next, deemed)) = runner.tick(current, date) {
                *current = next;
                applied.push(deemed_json(&deemed));
            }
            runner.apply(current, date, &action)
        };
        match outcome {
            Ok((next, documents)) => {
                applied.push(event_json(index, at_text, date, name, obj, &documents));
                subject = Some(next);
            }
            Err(EngineError::Refused(r)) => {
                refused.push(refusal(index, name, &r.rule, &r.message));
            }
            Err(EngineError::Calendar(e)) => return Err(e.into()),
        }
    }

    let Some(mut subject) = subject else {
        return Err(malformed("脚本中没有 receive（收件）事件"));
    };
    let last_date = last_at.map_or_else(|| R::received_on(&subject), |a| a.date_naive());
    let until = until_date(until, last_date)?;
    if let Some((next, deemed)) = runner.tick(&subject, until) {
        subject = next;
        applied.push(deemed_json(&deemed));
    }
    Ok(Run {
        subject,
        applied,
        refused,
        until,
    })
}

fn date_json(d: Option<NaiveDate>) -> Value {
    d.map(fmt_date).map_or(Value::Null, Value::String)
}

/// The report of §2, §2a and §2b for one case as of the run's `until`.
fn case_report(
    case: &Case,
    ctx: &Context,
    until: NaiveDate,
    refused: Vec<Value>,
    applied: Vec<Value>,
) -> Result<Map<String, Value>, RehearseError> {
    let clock = case.clock(ctx, until)?;
    let monitoring = crate::monitoring::assess_clock(case, ctx, &clock)?;
    let date = date_json;
    let report = json!({
        "state": case.state.code(),
        "received_on": fmt_date(clock.received_on),
        "supplement_notice_due": fmt_date(clock.supplement_notice_due),
        "accepted_on": date(clock.accepted_on),
        "deemed_accepted": clock.deemed_accepted,
        "statutory_due": date(clock.statutory_due),
        "promised_due": date(clock.promised_due),
        "suspended_working_days": clock.suspended_working_days,
        "extension_days": clock.extension_days,
        "decided_on": date(clock.decided_on),
        "decision": case.decision.as_ref().map(|d| if d.approved { "approved" } else { "denied" }),
        "certificate_due": date(clock.certificate_due),
        "certificate_issued_on": date(clock.certificate_issued_on),
        "overdue": clock.overdue,
        "refused_actions": refused,
        "events": applied,
        "until": fmt_date(until),
        "intake_due": fmt_date(clock.intake_due),
        "statutory_limit": clock.statutory_limit,
        "promised_overdue": clock.promised_overdue,
        "certificate_overdue": clock.certificate_overdue,
        "days_left": clock.days_left,
        "working_days_left": clock.working_days_left,
        "light": clock.light,
        "warnings": clock.warnings,
        "explanation": clock.explanation,
        "not_requested": case.not_requested,
        "limit_unit": clock.limit_unit,
        "suspended_days": clock.suspended_days,
        "efficiency": monitoring.efficiency,
        "cards": monitoring.cards,
        "hearing_on": date(case.hearing_on()),
    });
    let Value::Object(map) = report else {
        unreachable!("json! of an object")
    };
    Ok(map)
}

/// One event of a script: its fields, its `at` as written, and that instant.
pub(crate) struct ScriptEvent<'a> {
    pub obj: &'a Map<String, Value>,
    pub at_text: &'a str,
    pub at: DateTime<FixedOffset>,
}

/// The event's object and instant, checked as for a case: `at` parses and is not before `last`.
pub(crate) fn event_at(
    index: usize,
    raw: &Value,
    last: Option<DateTime<FixedOffset>>,
) -> Result<ScriptEvent<'_>, RehearseError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| malformed(format!("events[{index}] 不是对象")))?;
    let at_text = obj
        .get("at")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("events[{index}] 缺少 at（事件时间）")))?;
    let at = parse_instant(at_text).ok_or_else(|| {
        malformed(format!(
            "events[{index}].at「{at_text}」不是有效时间，应为 RFC 3339 格式，例如 2025-09-26T09:30:00+08:00"
        ))
    })?;
    if let Some(prev) = last
        && at < prev
    {
        return Err(malformed(format!(
            "events[{index}] 的时间 {at_text} 早于上一事件，事件须按时间顺序排列"
        )));
    }
    Ok(ScriptEvent { obj, at_text, at })
}

/// The date the clock is read: `until` as written (not before the last event's date), else the
/// last event's date.
pub(crate) fn until_date(
    until: Option<&str>,
    last_date: NaiveDate,
) -> Result<NaiveDate, RehearseError> {
    let Some(text) = until else {
        return Ok(last_date);
    };
    let d = parse_date(text).map_err(|e| malformed(format!("until：{e}")))?;
    if d < last_date {
        return Err(malformed(format!(
            "until（{text}）早于最后一个事件的日期 {}",
            fmt_date(last_date)
        )));
    }
    Ok(d)
}

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    match v {
        None | Some(Value::Null) => Some(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn refusal(index: usize, action: &str, rule: &str, reason: &str) -> Value {
    json!({"index": index, "action": action, "reason": reason, "rule": rule})
}

fn event_json(
    index: usize,
    at: &str,
    date: NaiveDate,
    name: &str,
    obj: &Map<String, Value>,
    documents: &[DocumentKind],
) -> Value {
    let mut out = Map::new();
    out.insert("index".into(), json!(index));
    out.insert("action".into(), json!(name));
    out.insert("label".into(), json!(action_label(name)));
    out.insert("at".into(), json!(at));
    out.insert("date".into(), json!(fmt_date(date)));
    for (k, v) in obj {
        if k != "at" && k != "action" {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert(
        "documents".into(),
        json!(documents.iter().map(|d| d.title()).collect::<Vec<_>>()),
    );
    Value::Object(out)
}

fn deemed_json(d: &DeemedAcceptance) -> Value {
    json!({
        "index": null,
        "action": "deemed_accept",
        "label": action_label("deemed_accept"),
        "date": fmt_date(d.accepted_on),
        "window_due": fmt_date(d.window_due),
        "reason": "受理期限届满未告知补正，依据《行政许可法》第三十二条第一款第（四）项视为受理",
        "documents": ["受理通知书"],
    })
}
