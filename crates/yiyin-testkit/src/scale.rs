//! A generator of cases at scale, for the statistics and monitoring benchmark
//! (`crates/yiyin-web/benches/scale.rs`) and its smoke test: a realistic mix over the four pilot
//! jurisdictions and their demo catalogs (`yiyin-demo`), received on the working days of a span of
//! years, each taken through the engine (accepted at the window or refused, reviewed through the
//! item's steps, some suspended and resumed or still suspended, some extended, withdrawn, decided
//! early, on time or late, approved or denied, the certificate issued in time or late, the recent
//! ones still waiting for acceptance) exactly as the use cases would, and written in bulk: a write
//! transaction per batch with each case's row, its chained events (the transitions by the staff
//! accounts given, the cards by the system, the appeals by staff) and the cards the monitoring
//! issues on it as of today, two in a hundred appealed (申诉) and most of those decided. The rows
//! go several a statement through the store's bulk writes (`insert_cases`, `issue_cards`, one
//! `append_events` whose digests are read a few statements for the batch), so that a batch costs
//! a few dozen round trips, not several per case. Each case is received at one of its
//! jurisdiction's windows (the unit the desk and the statistics by window read). The statistics
//! summary is then rebuilt through its one code path ([`App::rebuild_statistics`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use yiyin_app::App;
use yiyin_domain::calendar::{Calendar, cst, fmt_date};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, ApplicantFacts, Case, Context, ItemRules};
use yiyin_domain::ids::credit_check_char;
use yiyin_domain::monitoring::{self, Card};
use yiyin_domain::party::{Actor, Applicant, Channel, SubjectId};
use yiyin_store::cases::{CaseBody, NewCaseRow};
use yiyin_store::events::NewEvent;
use yiyin_store::monitoring::{AppealState, NewCard};

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

/// The demo catalogs' items with their rules, by jurisdiction.
type Items = BTreeMap<String, Vec<(yiyin_domain::catalog::Item, ItemRules)>>;

/// A case of a batch made ready to write: its row's parts, its clock and its events but the
/// cards'.
struct Ready {
    built: Built,
    number: String,
    applicant: Applicant,
    body: CaseBody,
    clock: Option<yiyin_domain::engine::Clock>,
}

/// One in this many cards is appealed (申诉), some of the appeals decided.
const APPEALED_PER_HUNDRED: u64 = 2;

/// Writes a batch of built cases in one write transaction, several rows a statement: their case
/// rows, the cards the monitoring issues on them as of today, some of the cards appealed and
/// decided, and every case's chained events appended at once (each case's digest read in a few
/// statements for the batch). `before`: how many cases were written before (numbers the new ones).
async fn write_batch(
    app: &App,
    items: &Items,
    staff: &[Staffed],
    batch: Vec<Built>,
    appeals: &mut Rng,
    before: u64,
) -> Result<Generated, String> {
    let cal = app.calendar();
    let today = app.today();
    let facts = ApplicantFacts::default();
    let context = |rules| Context {
        item: rules,
        calendar: &cal,
        applicant: &facts,
    };
    let accounts_of = |jurisdiction: &str| {
        &staff
            .iter()
            .find(|s| s.jurisdiction == jurisdiction)
            .expect("staffed")
            .accounts
    };
    let err = |e: yiyin_store::StoreError| e.to_string();
    let mut made = Generated::default();
    let ready: Vec<Ready> = batch
        .into_iter()
        .map(|b| {
            let (item, rules) = &items[&b.jurisdiction][b.item];
            made.cases += 1;
            let n = before + made.cases;
            Ready {
                number: format!("SCALE{}{:09}", b.case.received_on.format("%Y"), n),
                applicant: applicant(n),
                clock: b.case.deadlines(&context(rules), today).ok(),
                body: CaseBody {
                    case: b.case.clone(),
                    item: rules.clone(),
                    result_name: item.result.name.clone(),
                    validity_years: item.result.validity_years,
                    form: None,
                    representation: Default::default(),
                },
                built: b,
            }
        })
        .collect();
    let rows: Vec<NewCaseRow> = ready
        .iter()
        .map(|r| {
            let item = &items[&r.built.jurisdiction][r.built.item].0;
            let last = r
                .built
                .transitions
                .last()
                .map_or(r.built.case.received_on, |t| t.0);
            NewCaseRow {
                jurisdiction: &r.built.jurisdiction,
                number: &r.number,
                query_code: "000000",
                item_code: &item.code,
                item_version: 1,
                item_name: &item.name,
                department: &item.department,
                supervising_department: &item.supervising_department,
                handling_mode: item.handling_mode,
                applicant: &r.applicant,
                channel: Channel::Window,
                unit: &r.built.unit,
                body: &r.body,
                clock: r.clock.as_ref(),
                at_ms: at_ten(last).timestamp_millis(),
            }
        })
        .collect();
    let mut tx = app.store.begin_write().await.map_err(err)?;
    let ids = tx.insert_cases(&rows).await.map_err(err)?;
    // The cards the monitoring issues as of today, all of the batch at once.
    let cards: Vec<Vec<Card>> = ready
        .iter()
        .map(|r| {
            let rules = &items[&r.built.jurisdiction][r.built.item].1;
            r.clock
                .as_ref()
                .and_then(|clock| monitoring::cards(&r.built.case, &context(rules), clock).ok())
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c.on <= today)
                .collect()
        })
        .collect();
    let new_cards: Vec<NewCard> = ready
        .iter()
        .zip(&ids)
        .zip(&cards)
        .flat_map(|((r, id), cards)| {
            let item = &items[&r.built.jurisdiction][r.built.item].0;
            cards.iter().map(move |card| NewCard {
                case_id: *id,
                case_number: &r.number,
                jurisdiction: &r.built.jurisdiction,
                department: &item.department,
                item_code: &item.code,
                item_name: &item.name,
                card,
                at_ms: at_ten(card.on).timestamp_millis(),
            })
        })
        .collect();
    let mut card_ids = tx.issue_cards(&new_cards).await.map_err(err)?.into_iter();
    let mut all_events: Vec<NewEvent> = Vec::new();
    for ((r, id), cards) in ready.iter().zip(&ids).zip(&cards) {
        let b = &r.built;
        let accounts = accounts_of(&b.jurisdiction);
        let actor = |who: usize| {
            let (account, name) = &accounts[who % accounts.len()];
            Actor {
                name: name.clone(),
                account: Some(*account),
                channel: Channel::Window,
            }
        };
        let mut events: Vec<NewEvent> = b
            .transitions
            .iter()
            .map(|(day, action, data, who)| {
                let at = at_ten(*day);
                NewEvent::new(
                    &actor(*who),
                    at,
                    &b.jurisdiction,
                    Some(*id),
                    action,
                    "",
                    data.clone(),
                )
            })
            .collect();
        for card in cards {
            let Some(card_id) = card_ids.next().flatten() else {
                continue;
            };
            made.cards += 1;
            events.push(NewEvent::new(
                &Actor::system(),
                at_ten(card.on),
                &b.jurisdiction,
                Some(*id),
                "card_issue",
                format!("{}：{}", card.title(), card.reason),
                json!({"card": card_id, "color": card.color.code(),
                    "limit": card.limit.code(), "on": fmt_date(card.on),
                    "due": fmt_date(card.due)}),
            ));
            if appeals.chance(APPEALED_PER_HUNDRED) {
                let acts = appeal(&mut tx, appeals, &cal, today, card, card_id, &actor)
                    .await
                    .map_err(err)?;
                events.extend(acts.into_iter().map(|(at, who, action, reason, data)| {
                    NewEvent::new(&who, at, &b.jurisdiction, Some(*id), action, reason, data)
                }));
            }
        }
        // The chain keeps the order of recording: by day, the receipt first.
        events.sort_by_key(|e| e.at);
        made.events += events.len() as u64;
        all_events.extend(events);
    }
    tx.append_events(&all_events).await.map_err(err)?;
    tx.commit().await.map_err(err)?;
    Ok(made)
}

/// An act on a card to record: when, by whom, the action, its reason and its data.
type CardAct = (
    DateTime<Utc>,
    Actor,
    &'static str,
    String,
    serde_json::Value,
);

/// Appeals a card (申诉) a few working days after it was issued, by one of the staff, and (most
/// of those old enough) decides the appeal, upheld or rejected, as the monitoring's use cases
/// record it; returns the acts to record (none when the appeal would fall after today).
async fn appeal(
    tx: &mut yiyin_store::WriteTx,
    rng: &mut Rng,
    cal: &Calendar,
    today: NaiveDate,
    card: &Card,
    card_id: i64,
    actor: &impl Fn(usize) -> Actor,
) -> Result<Vec<CardAct>, yiyin_store::StoreError> {
    let mut acts = Vec::new();
    let Some(filed) = add(cal, card.on, 1 + rng.below(3) as u32).filter(|d| *d <= today) else {
        return Ok(acts);
    };
    let by = actor(rng.below(64) as usize);
    let reason = "该办件的延误系申请人补正材料所致，申请撤销监察牌".to_string();
    let at = at_ten(filed);
    tx.file_appeal(card_id, &by.name, &reason, at.timestamp_millis())
        .await?;
    let data = json!({"card": card_id, "color": card.color.code(), "limit": card.limit.code()});
    acts.push((at, by, "card_appeal", reason, data));
    let Some(decided) = add(cal, filed, 2 + rng.below(5) as u32).filter(|d| *d <= today) else {
        return Ok(acts);
    };
    let state = if rng.chance(30) {
        AppealState::Upheld
    } else {
        AppealState::Rejected
    };
    let by = actor(rng.below(64) as usize);
    let reason = "经核查，".to_string()
        + if state == AppealState::Upheld {
            "延误原因属实，申诉成立"
        } else {
            "延误系本机关原因，申诉不成立"
        };
    let at = at_ten(decided);
    tx.decide_appeal(card_id, state, &by.name, &reason, at.timestamp_millis())
        .await?;
    let summary = format!("{}：{reason}", state.label());
    let data = json!({"card": card_id, "state": state.code()});
    acts.push((at, by, "card_appeal_decision", summary, data));
    Ok(acts)
}

/// Fills the store of `app` with `s.cases` cases (see the module's documentation), then rebuilds
/// the statistics summary.
pub async fn fill(app: &App, staff: &[Staffed], s: &Scale) -> Result<Generated, String> {
    let cal = app.calendar();
    let today = app.today();
    let catalogs = yiyin_demo::catalogs();
    let items: Items = catalogs
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
    // Appeals are drawn apart, so that a seed gives the same cases with them or without.
    let mut appeals = Rng((s.seed ^ 0x5EED_A99E_A100) | 1);
    let mut made = Generated::default();
    let filling = std::time::Instant::now();
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
        let written = write_batch(app, &items, staff, batch, &mut appeals, made.cases).await?;
        made.cases += written.cases;
        made.events += written.events;
        made.cards += written.cards;
        // Progress of a long fill, every 100 000 cases (never at a test's size).
        if made.cases / 100_000 != (made.cases - written.cases) / 100_000 {
            eprintln!(
                "scale: {} cases, {} events, {} cards written in {:.0} s",
                made.cases,
                made.events,
                made.cards,
                filling.elapsed().as_secs_f64()
            );
        }
    }
    let started = std::time::Instant::now();
    app.rebuild_statistics().await.map_err(|e| e.to_string())?;
    made.rebuilt_in = started.elapsed();
    Ok(made)
}
