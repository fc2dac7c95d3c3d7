//! A generator of cases at scale, for the statistics and monitoring benchmark
//! (`crates/yiyin-web/benches/scale.rs`) and its smoke test: a realistic mix over the four pilot
//! jurisdictions and their demo catalogs (`yiyin-demo`), received on the working days of a span of
//! years, each taken through the engine (accepted at the window or refused, reviewed through the
//! item's steps, some suspended and resumed or still suspended, some extended, withdrawn, decided
//! early, on time or late, approved or denied, the certificate issued in time or late, the recent
//! ones still waiting for acceptance) exactly as the use cases would, and written in bulk: a write
//! transaction per batch with each case's row, its chained events (the transitions by the staff
//! accounts given, the cards by the system) and the cards the monitoring issues on it as of
//! today. Each case is received at one of its jurisdiction's windows (the unit the desk and the
//! statistics by window read). The statistics summary is then rebuilt through its one code path
//! ([`App::rebuild_statistics`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use yiyin_app::App;
use yiyin_domain::calendar::{Calendar, cst, fmt_date};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, ApplicantFacts, Case, Context, ItemRules};
use yiyin_domain::ids::credit_check_char;
use yiyin_domain::party::{Actor, Applicant, Channel, SubjectId};
use yiyin_store::cases::{CaseBody, NewCaseRow};
use yiyin_store::events::NewEvent;
use yiyin_store::monitoring::NewCard;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Scale {
    pub cases: u64,
    /// The first and last day cases are received on (working days only).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub seed: u64,
    /// Cases per write transaction.
    pub batch: usize,
}

/// The staff accounts of a jurisdiction that act on its generated cases: (id, name).
#[derive(Debug, Clone)]
pub struct Staffed {
    pub jurisdiction: String,
    pub accounts: Vec<(i64, String)>,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generated {
    pub cases: u64,
    pub events: u64,
    pub cards: u64,
    /// The time the summary's rebuild took.
    pub rebuilt_in: std::time::Duration,
}

/// A small deterministic generator (xorshift64*), so that a seed gives the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// 10:00 China Standard Time on a day.
fn at_ten(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(10, 0, 0).expect("a time"))
        .and_local_timezone(cst())
        .single()
        .expect("no gap in CST")
        .with_timezone(&Utc)
}

/// A transition to record: its day, the action's name, the event's data and who acted (an index
/// into the jurisdiction's staff).
type Step = (NaiveDate, String, serde_json::Value, usize);

/// One case built through the engine, with the transitions to record.
struct Built {
    jurisdiction: String,
    item: usize,
    /// The window that received it.
    unit: String,
    case: Case,
    /// In order; the first is the receipt.
    transitions: Vec<Step>,
}

/// The organisations applying: 91610921MA0…, a valid unified social credit code each.
fn applicant(n: u64) -> Applicant {
    let first17 = format!("91610921MA{:07}", n % 10_000_000);
    let code = format!("{first17}{}", credit_check_char(&first17));
    let id = SubjectId::parse_any(&code).expect("a valid credit code");
    Applicant::new(
        &format!("安康市第{n}号企业有限公司"),
        id,
        "13800000000",
        None,
    )
}

/// The working day `n` working days after `day` (None past the calendar).
fn add(cal: &Calendar, day: NaiveDate, n: u32) -> Option<NaiveDate> {
    cal.add(day, n).ok()
}

/// A case of `rules` received on `on` and taken as far as its story goes by `today`.
fn build(
    rng: &mut Rng,
    cal: &Calendar,
    rules: &ItemRules,
    on: NaiveDate,
    today: NaiveDate,
    staff: usize,
) -> Option<(Case, Vec<Step>)> {
    let facts = ApplicantFacts::default();
    let ctx = Context {
        item: rules,
        calendar: cal,
        applicant: &facts,
    };
    let materials: Vec<String> = rules.materials.iter().map(|m| m.code.clone()).collect();
    let mut case = Case::receive(&ctx, on, &materials).ok()?.case;
    let clerk = rng.below(staff as u64) as usize;
    let officer = rng.below(staff as u64) as usize;
    let mut out = vec![(
        on,
        "receive".to_string(),
        json!({"materials": materials, "state": case.state.code()}),
        clerk,
    )];
    let mut act = |case: &mut Case, day: NaiveDate, action: Action, who: usize| -> bool {
        if day > today {
            return false;
        }
        let Ok(applied) = case.apply(&ctx, day, &action) else {
            return false;
        };
        *case = applied.case;
        let mut data = serde_json::to_value(&action).unwrap_or_else(|_| json!({}));
        data["state"] = json!(case.state.code());
        out.push((day, action.name().to_string(), data, who));
        true
    };
    // Refused at the window, or (the last week) still waiting for acceptance.
    if rng.chance(3) {
        let refuse = Action::Refuse {
            reason: "申请事项依法不属于本行政机关职权范围".into(),
            redirect_to: None,
        };
        act(&mut case, on, refuse, clerk);
        return Some((case, out));
    }
    if add(cal, on, 5).is_none_or(|d| d > today) && rng.chance(30) {
        return Some((case, out));
    }
    if !act(&mut case, on, Action::Accept, clerk) {
        return Some((case, out));
    }
    let mut day = if rules.instant { on } else { add(cal, on, 1)? };
    for step in &rules.steps {
        let done = Action::CompleteStep {
            kind: step.kind,
            staff: vec![format!("工作人员{officer}")],
            opinion: "材料真实，符合条件".into(),
        };
        if !act(&mut case, day, done, officer) {
            return Some((case, out));
        }
        if step.kind == StepKind::Verification {
            let second = Action::ConfirmVerification {
                kind: StepKind::Verification,
                staff: format!("工作人员{}", (officer + 1) % staff.max(1)),
            };
            act(&mut case, day, second, (officer + 1) % staff.max(1));
        }
    }
    if !rules.instant {
        if rng.chance(2) {
            let withdraw = Action::Withdraw {
                reason: "申请人申请撤回".into(),
            };
            act(&mut case, add(cal, day, 1)?, withdraw, clerk);
            return Some((case, out));
        }
        if rng.chance(3) {
            let suspend = Action::Suspend {
                kind: "testing".into(),
                reason: "检验检测".into(),
                expected_days: Some(10),
            };
            day = add(cal, day, 1)?;
            if !act(&mut case, day, suspend, officer) {
                return Some((case, out));
            }
            day = add(cal, day, 3 + rng.below(12) as u32)?;
            if !act(&mut case, day, Action::Resume, officer) {
                return Some((case, out));
            }
        }
        if rng.chance(2) {
            let extend = Action::Extend {
                reason: "情况复杂，需延长审查期限".into(),
                approved_by: "head".into(),
            };
            act(&mut case, day, extend, officer);
        }
        // Most decided within the promised days, some a few days late.
        let promised = rules.promised_days.max(1);
        let used = if rng.chance(88) {
            rng.below(u64::from(promised)) as u32
        } else {
            promised + 1 + rng.below(4) as u32
        };
        day = add(cal, day, used)?.max(day);
    }
    let approve = !rng.chance(8);
    let decide = Action::Decide {
        approve,
        reason: if approve {
            "符合法定条件、标准".into()
        } else {
            "不符合法定条件".into()
        },
    };
    if !act(&mut case, day, decide, officer) || !approve {
        return Some((case, out));
    }
    let late = if rng.chance(5) { 11 } else { 0 };
    let issued = add(cal, day, rng.below(3) as u32 + late)?;
    act(&mut case, issued, Action::IssueCertificate, clerk);
    Some((case, out))
}

/// Fills the store of `app` with `s.cases` cases (see the module's documentation), then rebuilds
/// the statistics summary.
pub async fn fill(app: &App, staff: &[Staffed], s: &Scale) -> Result<Generated, String> {
    let cal = app.calendar();
    let today = app.today();
    let catalogs = yiyin_demo::catalogs();
    let items: BTreeMap<String, Vec<(yiyin_domain::catalog::Item, ItemRules)>> = catalogs
        .into_iter()
        .map(|c| {
            let items = c
                .items
                .into_iter()
                .map(|i| {
                    let rules = ItemRules::from(&i);
                    (i, rules)
                })
                .collect();
            (c.jurisdiction, items)
        })
        .collect();
    let days: Vec<NaiveDate> = s
        .from
        .iter_days()
        .take_while(|d| *d <= s.to)
        .filter(|d| cal.is_workday(*d).unwrap_or(false))
        .collect();
    if days.is_empty() || staff.is_empty() {
        return Err("no working day or no staff to generate cases with".into());
    }
    // The windows of each jurisdiction's halls: each case is received at one of them (none:
    // online, the empty unit).
    let org = app.org();
    let windows: BTreeMap<String, Vec<String>> = staff
        .iter()
        .map(|j| {
            let codes = org
                .jurisdiction(&j.jurisdiction)
                .map(|jur| {
                    jur.halls
                        .iter()
                        .flat_map(|h| h.windows.iter().map(|w| w.code.clone()))
                        .collect()
                })
                .unwrap_or_default();
            (j.jurisdiction.clone(), codes)
        })
        .collect();
    let mut rng = Rng(s.seed | 1);
    let mut made = Generated::default();
    let mut n = 0_u64;
    while n < s.cases {
        let mut batch = Vec::with_capacity(s.batch);
        while batch.len() < s.batch && n < s.cases {
            n += 1;
            let j = &staff[(n % staff.len() as u64) as usize];
            let Some(pool) = items.get(&j.jurisdiction).filter(|p| !p.is_empty()) else {
                continue;
            };
            let item = rng.below(pool.len() as u64) as usize;
            let on = days[rng.below(days.len() as u64) as usize];
            if let Some((case, transitions)) =
                build(&mut rng, &cal, &pool[item].1, on, today, j.accounts.len())
            {
                let unit = windows
                    .get(&j.jurisdiction)
                    .filter(|w| !w.is_empty())
                    .map(|w| w[rng.below(w.len() as u64) as usize].clone())
                    .unwrap_or_default();
                batch.push(Built {
                    jurisdiction: j.jurisdiction.clone(),
                    item,
                    unit,
                    case,
                    transitions,
                });
            }
        }
        let mut tx = app.store.begin_write().await.map_err(|e| e.to_string())?;
        // The batch's events, case after case, appended at once.
        let mut all_events: Vec<NewEvent> = Vec::new();
        for b in batch {
            let (item, rules) = &items[&b.jurisdiction][b.item];
            let accounts = &staff
                .iter()
                .find(|s| s.jurisdiction == b.jurisdiction)
                .expect("staffed")
                .accounts;
            let facts = ApplicantFacts::default();
            let ctx = Context {
                item: rules,
                calendar: &cal,
                applicant: &facts,
            };
            let clock = b.case.deadlines(&ctx, today).ok();
            let body = CaseBody {
                case: b.case.clone(),
                item: rules.clone(),
                result_name: item.result.name.clone(),
                validity_years: item.result.validity_years,
                form: None,
                representation: Default::default(),
            };
            let last = b.transitions.last().map_or(b.case.received_on, |t| t.0);
            made.cases += 1;
            let number = format!("SCALE{}{:09}", b.case.received_on.format("%Y"), made.cases);
            let id = tx
                .insert_case(&NewCaseRow {
                    jurisdiction: &b.jurisdiction,
                    number: &number,
                    query_code: "000000",
                    item_code: &item.code,
                    item_version: 1,
                    item_name: &item.name,
                    department: &item.department,
                    supervising_department: &item.supervising_department,
                    handling_mode: item.handling_mode,
                    applicant: &applicant(made.cases),
                    channel: Channel::Window,
                    unit: &b.unit,
                    body: &body,
                    clock: clock.as_ref(),
                    at_ms: at_ten(last).timestamp_millis(),
                })
                .await
                .map_err(|e| e.to_string())?;
            let mut events: Vec<NewEvent> = b
                .transitions
                .iter()
                .map(|(day, action, data, who)| {
                    let (account, name) = &accounts[*who % accounts.len()];
                    let actor = Actor {
                        name: name.clone(),
                        account: Some(*account),
                        channel: Channel::Window,
                    };
                    NewEvent::new(
                        &actor,
                        at_ten(*day),
                        &b.jurisdiction,
                        Some(id),
                        action,
                        "",
                        data.clone(),
                    )
                })
                .collect();
            if let Some(clock) = &clock {
                let cards =
                    yiyin_domain::monitoring::cards(&b.case, &ctx, clock).unwrap_or_default();
                for card in cards.iter().filter(|c| c.on <= today) {
                    let issued = tx
                        .issue_card(&NewCard {
                            case_id: id,
                            case_number: &number,
                            jurisdiction: &b.jurisdiction,
                            department: &item.department,
                            item_code: &item.code,
                            item_name: &item.name,
                            card,
                            at_ms: at_ten(card.on).timestamp_millis(),
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(card_id) = issued {
                        made.cards += 1;
                        events.push(NewEvent::new(
                            &Actor::system(),
                            at_ten(card.on),
                            &b.jurisdiction,
                            Some(id),
                            "card_issue",
                            format!("{}：{}", card.title(), card.reason),
                            json!({"card": card_id, "color": card.color.code(),
                                "limit": card.limit.code(), "on": fmt_date(card.on),
                                "due": fmt_date(card.due)}),
                        ));
                    }
                }
            }
            // The chain keeps the order of recording: by day, the receipt first.
            events.sort_by_key(|e| e.at);
            made.events += events.len() as u64;
            all_events.extend(events);
        }
        tx.append_events(&all_events)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let started = std::time::Instant::now();
    app.rebuild_statistics().await.map_err(|e| e.to_string())?;
    made.rebuilt_in = started.elapsed();
    Ok(made)
}
