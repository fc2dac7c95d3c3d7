//! Runs every licence-act scenario in `tests/licence_acts/` against the pure state machine of
//! `yiyin_domain::licence` — no database, like the case rehearsals. A scenario gives a licence (its
//! status, issue date, end of validity, holder) and the item's limits, then steps on dates: a request
//! (`apply`), a decision on the pending change or renewal (`settle`, `null` for the sweep's deemed
//! grant), or the end of the validity by itself (`expiry`). Each step expects either the act (its
//! state, due date, and exactly its effects, in order) or a refusal by the rule it names and a phrase
//! of its Chinese message. Effects are carried out on the licence between steps as the application
//! layer does: its status, a new version, the pending application.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::Value;
use yiyin_domain::calendar::{Calendar, fmt_date, parse_date};
use yiyin_domain::licence::{
    ActApplied, ActContext, ActKind, ActRequest, ActState, CancellationGround, LicenceEffect,
    LicenceFacts, LicenceStatus, PendingAct, RevocationGround, WithdrawalBasis, apply, expiry,
    settle,
};
use yiyin_domain::refusal::Refusal;

fn scenarios() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/licence_acts");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("the scenario folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a scenario");
            let name = p.file_name().expect("a name").to_string_lossy().to_string();
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

fn day(v: &Value) -> NaiveDate {
    parse_date(v.as_str().expect("a date")).expect("a valid date")
}

/// `{"change": {"changes": …}}`, `{"renewal": {}}`, `{"revoke": {…}}`, `{"cancel": {…}}`,
/// `{"withdraw": {…}}` or `{"rescind": {…}}`.
fn request(v: &Value) -> ActRequest {
    let (kind, a) = v
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("a request");
    match kind.as_str() {
        "change" => ActRequest::ApplyChange {
            changes: text(a, "changes"),
            fields: vec![],
        },
        "renewal" => ActRequest::ApplyRenewal,
        "revoke" => ActRequest::Revoke {
            ground: RevocationGround::parse(&text(a, "ground")).expect("a revocation ground"),
            reason: text(a, "reason"),
            serious_public_harm: a["serious_public_harm"].as_bool().unwrap_or(false),
            revoke: a["revoke"].as_bool().unwrap_or(true),
        },
        "cancel" => ActRequest::Cancel {
            ground: CancellationGround::parse(&text(a, "ground")).expect("a cancellation ground"),
            reason: text(a, "reason"),
        },
        "withdraw" => ActRequest::Withdraw {
            basis: WithdrawalBasis::parse(&text(a, "basis")).expect("a withdrawal basis"),
            public_interest: text(a, "public_interest"),
            compensation: text(a, "compensation"),
        },
        "rescind" => ActRequest::Rescind {
            penalty_decision: text(a, "penalty_decision"),
            authority: text(a, "authority"),
            reason: text(a, "reason"),
        },
        other => panic!("unknown request {other}"),
    }
}

/// An effect as the scenarios write it.
fn effect(e: &LicenceEffect) -> String {
    match e {
        LicenceEffect::SettleProposal => "settle_proposal".into(),
        LicenceEffect::SetStatus(s) => format!("status:{}", s.code()),
        LicenceEffect::Issue(k) => format!(
            "issue:{}",
            serde_json::to_value(k)
                .expect("a kind")
                .as_str()
                .expect("a code")
        ),
        LicenceEffect::NewVersion {
            valid_until,
            superseded,
            ..
        } => format!(
            "new_version:{}:{}",
            valid_until.map(fmt_date).unwrap_or_else(|| "长期".into()),
            superseded.code()
        ),
        LicenceEffect::Push(k) => format!("push:{}", k.code()),
    }
}

/// The licence as the steps leave it.
struct Licence {
    facts: LicenceFacts,
    pending: Option<PendingAct>,
}

impl Licence {
    /// Carries out an act's effects as the application layer does.
    fn carry_out(&mut self, act: &ActApplied, today: NaiveDate) {
        if act.state == ActState::Pending {
            self.pending = Some(PendingAct {
                kind: act.kind,
                state: act.state,
                due_on: act.due_on,
                details: act.details.clone(),
            });
        } else if matches!(act.kind, ActKind::Change | ActKind::Renewal) {
            self.pending = None;
        }
        self.facts.pending = self.pending.as_ref().map(|p| p.kind);
        for e in &act.effects {
            match e {
                LicenceEffect::SetStatus(s) => self.facts.status = *s,
                LicenceEffect::NewVersion { valid_until, .. } => {
                    self.facts.status = LicenceStatus::Valid;
                    self.facts.valid_until = *valid_until;
                    self.facts.issued_on = today;
                }
                _ => {}
            }
        }
    }
}

/// Runs one scenario; returns what differed from its expectations.
fn run(name: &str, s: &Value, calendar: &Calendar) -> Vec<String> {
    let l = &s["licence"];
    let mut licence = Licence {
        facts: LicenceFacts {
            status: LicenceStatus::parse(&text(l, "status")).expect("a licence status"),
            valid_until: l.get("valid_until").filter(|v| !v.is_null()).map(day),
            issued_on: day(&l["issued_on"]),
            holder_is_person: text(l, "holder") == "person",
            pending: None,
        },
        pending: None,
    };
    let item = &s["item"];
    let ctx = ActContext {
        calendar,
        statutory_limit: item["statutory_limit"].as_u64().unwrap_or(20) as u32,
        validity_years: item["validity_years"].as_u64().map(|y| y as u32),
    };
    let mut failures = Vec::new();
    for (i, step) in s["steps"].as_array().expect("steps").iter().enumerate() {
        let on = day(&step["on"]);
        let outcome: Result<Option<ActApplied>, Refusal> = if let Some(r) = step.get("apply") {
            apply(&licence.facts, &request(r), on, &ctx).map(Some)
        } else if let Some(d) = step.get("settle") {
            let pending = licence.pending.clone().expect("a pending act to settle");
            let decision = (!d.is_null()).then(|| {
                (
                    d["grant"].as_bool().expect("grant"),
                    d["reason"].as_str().unwrap_or(""),
                )
            });
            settle(&pending, &licence.facts, decision, on, &ctx).map(Some)
        } else if step.get("expiry").is_some() {
            Ok(expiry(&licence.facts, on))
        } else {
            panic!("{name} step {i}: apply, settle or expiry");
        };
        let at = format!("{name} step {i} ({})", fmt_date(on));
        let want = &step["expect"];
        match (outcome, want.get("refused")) {
            (Err(r), Some(refused)) => {
                if r.rule != text(refused, "rule") {
                    failures.push(format!("{at}: refused by {} ({})", r.rule, r.message));
                }
                let phrase = text(refused, "contains");
                if !r.message.contains(&phrase) {
                    failures.push(format!(
                        "{at}: message 「{}」 lacks 「{phrase}」",
                        r.message
                    ));
                }
            }
            (Err(r), None) => failures.push(format!("{at}: refused {}: {}", r.rule, r.message)),
            (Ok(_), Some(_)) => failures.push(format!("{at}: expected a refusal")),
            (Ok(None), None) => {
                if !want.get("none").is_some_and(|v| v == true) {
                    failures.push(format!("{at}: nothing happened"));
                }
            }
            (Ok(Some(act)), None) => {
                if want.get("none").is_some() {
                    failures.push(format!("{at}: expected nothing, got {:?}", act.state));
                }
                if act.state.code() != text(want, "state") {
                    failures.push(format!("{at}: state {}", act.state.code()));
                }
                if let Some(due) = want.get("due_on") {
                    let got = act.due_on.map(fmt_date);
                    if got.as_deref() != due.as_str() {
                        failures.push(format!("{at}: due {got:?}, expected {due}"));
                    }
                }
                let effects: Vec<String> = act.effects.iter().map(effect).collect();
                let wanted: Vec<String> = want["effects"]
                    .as_array()
                    .expect("effects")
                    .iter()
                    .map(|e| e.as_str().expect("an effect").to_string())
                    .collect();
                if effects != wanted {
                    failures.push(format!("{at}: effects {effects:?}, expected {wanted:?}"));
                }
                if let Some(phrase) = want.get("reason_contains").and_then(Value::as_str)
                    && !act.reason.contains(phrase)
                {
                    failures.push(format!(
                        "{at}: reason 「{}」 lacks 「{phrase}」",
                        act.reason
                    ));
                }
                licence.carry_out(&act, on);
            }
        }
    }
    if let Some(status) = s.get("final_status").and_then(Value::as_str)
        && licence.facts.status.code() != status
    {
        failures.push(format!(
            "{name}: final status {}",
            licence.facts.status.code()
        ));
    }
    failures
}

#[test]
fn every_licence_act_scenario_gives_the_expected_acts() {
    let calendar = Calendar::builtin();
    let all = scenarios();
    assert!(all.len() >= 10, "licence-act scenarios missing");
    let failures: Vec<String> = all
        .iter()
        .flat_map(|(name, s)| run(name, s, &calendar))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The runner itself notices a wrong expectation (a scenario that cannot fail proves nothing).
#[test]
fn a_wrong_expectation_is_reported() {
    let calendar = Calendar::builtin();
    let (name, mut s) = scenarios()
        .into_iter()
        .find(|(n, _)| n.starts_with("al-19-renewal-deemed"))
        .expect("the deemed-renewal scenario");
    s["steps"][1]["expect"]["state"] = Value::from("granted");
    assert!(!run(&name, &s, &calendar).is_empty());
}
