//! The life of a licence after it is issued: its status as verification shows it, and the acts on it
//! after the decision with the rule each must satisfy — change (Art. 49), renewal (Art. 50),
//! revocation (Art. 69), cancellation (Art. 70), withdrawal for the public interest (Art. 8) and
//! rescission by an enforcement body (吊销). Every refusal names its article. [`acts`] is the state
//! machine of the acts: what each request does to the licence, which documents it issues and what is
//! pushed to the supervising department.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date;
use crate::refusal::{Refusal, refuse};

mod acts;

pub use acts::{
    ActApplied, ActContext, ActDetails, ActRequest, ActState, ChangedField, LicenceEffect,
    LicenceFacts, PendingAct, apply, expiry, propose_revocation, settle,
};

labelled_enum!(
    /// The status of a licence (电子证照状态).
    LicenceStatus {
        Valid = ("valid", "有效"),
        /// Superseded by a new version after a change (Art. 49).
        Changed = ("changed", "已变更"),
        /// Revoked (撤销, Art. 69).
        Revoked = ("revoked", "已撤销"),
        /// Cancelled (注销, Art. 70).
        Cancelled = ("cancelled", "已注销"),
        Expired = ("expired", "已过期"),
        /// Withdrawn for the public interest (撤回, Art. 8).
        Withdrawn = ("withdrawn", "已撤回"),
        /// Its certificate rescinded as a penalty by an enforcement body (吊销).
        Rescinded = ("rescinded", "已吊销"),
        /// Superseded by the renewed version (延续, Art. 50).
        Renewed = ("renewed", "已延续"),
    }
);

labelled_enum!(
    /// An act on a licence after the decision.
    ActKind {
        Change = ("change", "变更"),
        Renewal = ("renewal", "延续"),
        Revocation = ("revocation", "撤销"),
        Cancellation = ("cancellation", "注销"),
        Withdrawal = ("withdrawal", "撤回"),
        Rescission = ("rescission", "吊销"),
        Expiry = ("expiry", "有效期届满"),
    }
);

labelled_enum!(
    /// Grounds of revocation (Art. 69): the five of its first paragraph, and fraud or bribery (second
    /// paragraph), for which revocation is mandatory.
    RevocationGround {
        AbuseOfPower = ("abuse_of_power", "行政机关工作人员滥用职权、玩忽职守作出准予行政许可决定"),
        BeyondPowers = ("beyond_powers", "超越法定职权作出准予行政许可决定"),
        IllegalProcedure = ("illegal_procedure", "违反法定程序作出准予行政许可决定"),
        Unqualified = ("unqualified", "对不具备申请资格或者不符合法定条件的申请人准予行政许可"),
        OtherLegal = ("other_legal", "依法可以撤销行政许可的其他情形"),
        Fraud = ("fraud", "被许可人以欺骗手段取得行政许可"),
        Bribery = ("bribery", "被许可人以贿赂等不正当手段取得行政许可"),
    }
);

impl RevocationGround {
    /// Art. 69 para 2: revocation is mandatory (应当) for fraud and bribery.
    pub fn mandatory(self) -> bool {
        matches!(self, RevocationGround::Fraud | RevocationGround::Bribery)
    }

    /// What the licensee is owed (Art. 69 para 4, 5).
    pub fn consequence(self) -> &'static str {
        if self.mandatory() {
            "被许可人基于行政许可取得的利益不受保护（《行政许可法》第六十九条第五款）"
        } else {
            "被许可人的合法权益因撤销受到损害的，行政机关应当依法给予赔偿（《行政许可法》第六十九条第四款）"
        }
    }
}

labelled_enum!(
    /// Grounds of cancellation (注销, Art. 70).
    CancellationGround {
        Expired = ("expired", "行政许可有效期届满未延续"),
        Died = ("died", "赋予公民特定资格的行政许可，该公民死亡或者丧失行为能力"),
        Terminated = ("terminated", "法人或者其他组织依法终止"),
        Revoked = ("revoked", "行政许可依法被撤销、撤回，或者行政许可证件依法被吊销"),
        ForceMajeure = ("force_majeure", "因不可抗力导致行政许可事项无法实施"),
        OtherLegal = ("other_legal", "法律、法规规定的应当注销行政许可的其他情形"),
    }
);

labelled_enum!(
    /// What allows withdrawing an effective licence (撤回, Art. 8 para 2).
    WithdrawalBasis {
        LawChanged = ("law_changed", "行政许可所依据的法律、法规、规章修改或者废止"),
        CircumstancesChanged = ("circumstances_changed", "准予行政许可所依据的客观情况发生重大变化"),
    }
);

/// How many days before expiry the licensee applies for renewal (Art. 50 para 1: 三十日前).
/// These are the licensee's days, not the agency's time limit, so they are calendar days.
pub const RENEWAL_LEAD_DAYS: i64 = 30;

/// The licence in force: only its current, valid version can be changed, renewed, revoked,
/// withdrawn or rescinded.
fn require_valid(status: LicenceStatus, act: ActKind) -> Result<(), Refusal> {
    match status {
        LicenceStatus::Valid => Ok(()),
        LicenceStatus::Changed | LicenceStatus::Renewed => refuse(
            "licence",
            format!(
                "该证照已被新版本替代（{}），请对现行版本办理{}",
                status.label(),
                act.label()
            ),
        ),
        other => refuse(
            "licence",
            format!("证照当前状态为“{}”，不能办理{}", other.label(), act.label()),
        ),
    }
}

/// Art. 49: a change is applied for to the deciding agency, on the licence in force.
pub fn check_change(status: LicenceStatus) -> Result<(), Refusal> {
    require_valid(status, ActKind::Change)
}

/// Art. 50: a renewal is applied for at least 30 days before expiry; returns the date by which the
/// agency must decide (the expiry date itself) — undecided by then, the renewal is deemed granted.
pub fn check_renewal(
    status: LicenceStatus,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, Refusal> {
    let Some(until) = valid_until else {
        return refuse("AL-19", "该证照长期有效，无需延续");
    };
    if status == LicenceStatus::Expired || today > until {
        return refuse(
            "AL-19",
            format!(
                "证照有效期已于{}届满，不能延续，应当重新申请（《行政许可法》第五十条）",
                fmt_date(until)
            ),
        );
    }
    require_valid(status, ActKind::Renewal)?;
    let last_day = until - Duration::days(RENEWAL_LEAD_DAYS);
    if today > last_day {
        return refuse(
            "AL-19",
            format!(
                "依据《行政许可法》第五十条第一款，延续申请应当在有效期届满三十日前提出：本证照有效期至{}，最迟应于{}（含当日）申请",
                fmt_date(until),
                fmt_date(last_day)
            ),
        );
    }
    Ok(until)
}

/// Art. 50 para 2: undecided when the licence expires, the renewal is deemed granted.
pub fn renewal_deemed(decide_by: NaiveDate, today: NaiveDate) -> bool {
    today > decide_by
}

/// The validity of a renewed licence: from the day after the old one ends, for `years` more.
pub fn renewed_until(old_until: NaiveDate, years: u32) -> NaiveDate {
    let y = old_until.year() + years as i32;
    NaiveDate::from_ymd_opt(y, old_until.month(), old_until.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 2, 28).expect("a date"))
}

/// Art. 69: whether a revocation may (or must) be decided. `revoke` is the agency's decision;
/// `serious_public_harm` its finding that revoking would seriously harm the public interest.
pub fn check_revocation(
    status: LicenceStatus,
    ground: RevocationGround,
    serious_public_harm: bool,
    revoke: bool,
) -> Result<(), Refusal> {
    require_valid(status, ActKind::Revocation)?;
    if revoke && serious_public_harm {
        return refuse(
            "AL-22",
            "依据《行政许可法》第六十九条第三款，撤销行政许可可能对公共利益造成重大损害的，不予撤销",
        );
    }
    if !revoke && ground.mandatory() && !serious_public_harm {
        return refuse(
            "AL-22",
            format!(
                "依据《行政许可法》第六十九条第二款，{}的，应当予以撤销",
                ground.label()
            ),
        );
    }
    Ok(())
}

/// Art. 70: whether the licence may be cancelled on this ground. `status` is its status today;
/// `holder_is_person` whether the licensee is a citizen.
pub fn check_cancellation(
    status: LicenceStatus,
    ground: CancellationGround,
    holder_is_person: bool,
) -> Result<(), Refusal> {
    use CancellationGround as G;
    use LicenceStatus as S;
    if status == S::Cancelled {
        return refuse("AL-23", "该证照已经注销");
    }
    if matches!(status, S::Changed | S::Renewed) {
        return refuse("AL-23", "该证照已被新版本替代，请对现行版本办理注销");
    }
    let fits = match ground {
        G::Expired => status == S::Expired,
        G::Revoked => matches!(status, S::Revoked | S::Withdrawn | S::Rescinded),
        G::Died => holder_is_person,
        G::Terminated => !holder_is_person,
        G::ForceMajeure | G::OtherLegal => true,
    };
    if fits {
        return Ok(());
    }
    refuse(
        "AL-23",
        match ground {
            G::Expired => format!(
                "证照当前为“{}”，尚未届满，不能以“有效期届满未延续”注销（《行政许可法》第七十条第（一）项）",
                status.label()
            ),
            G::Revoked => format!(
                "证照当前为“{}”，未被撤销、撤回或吊销，不能以此为由注销（《行政许可法》第七十条第（四）项）",
                status.label()
            ),
            G::Died => "被许可人不是公民，不能以“公民死亡或者丧失行为能力”注销（《行政许可法》第七十条第（二）项）".into(),
            _ => "被许可人是公民，不能以“法人或者其他组织依法终止”注销（《行政许可法》第七十条第（三）项）".into(),
        },
    )
}

/// Art. 8: an effective licence is withdrawn only on a changed legal basis or materially changed
/// circumstances, for the public interest, with the holder's loss compensated.
pub fn check_withdrawal(
    status: LicenceStatus,
    public_interest: &str,
    compensation: &str,
) -> Result<(), Refusal> {
    require_valid(status, ActKind::Withdrawal)?;
    if public_interest.trim().is_empty() {
        return refuse(
            "AL-24",
            "依据《行政许可法》第八条第二款，撤回行政许可须为了公共利益的需要，请写明所涉公共利益",
        );
    }
    if compensation.trim().is_empty() {
        return refuse(
            "AL-24",
            "依据《行政许可法》第八条第二款，撤回给被许可人造成财产损失的，应当依法给予补偿，请记录补偿方案（无损失的写明“无财产损失”）",
        );
    }
    Ok(())
}

/// Rescission (吊销) is an administrative penalty of an enforcement body: it is recorded with the
/// penalty decision's number, on a licence in force.
pub fn check_rescission(status: LicenceStatus, penalty_decision: &str) -> Result<(), Refusal> {
    require_valid(status, ActKind::Rescission)?;
    if penalty_decision.trim().is_empty() {
        return refuse(
            "rescission",
            "吊销行政许可证件是行政处罚，须填写执法机关的行政处罚决定书文号",
        );
    }
    Ok(())
}

/// The status a licence has on `today`: a valid licence past its end date has expired.
pub fn status_on(
    recorded: LicenceStatus,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> LicenceStatus {
    match (recorded, valid_until) {
        (LicenceStatus::Valid, Some(until)) if today > until => LicenceStatus::Expired,
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    #[test]
    fn renewal_is_applied_for_thirty_days_before_expiry() {
        let until = Some(d("2026-06-30"));
        assert_eq!(
            check_renewal(LicenceStatus::Valid, until, d("2026-05-31")),
            Ok(d("2026-06-30"))
        );
        let late = check_renewal(LicenceStatus::Valid, until, d("2026-06-01")).unwrap_err();
        assert_eq!(late.rule, "AL-19");
        assert!(late.message.contains("三十日前") && late.message.contains("2026-05-31"));
        let expired = check_renewal(LicenceStatus::Valid, until, d("2026-07-01")).unwrap_err();
        assert!(expired.message.contains("重新申请"));
        assert!(check_renewal(LicenceStatus::Valid, None, d("2026-01-01")).is_err());
        assert!(check_renewal(LicenceStatus::Revoked, until, d("2026-01-01")).is_err());
        assert!(!renewal_deemed(d("2026-06-30"), d("2026-06-30")));
        assert!(renewal_deemed(d("2026-06-30"), d("2026-07-01")));
        assert_eq!(renewed_until(d("2026-06-30"), 5), d("2031-06-30"));
        assert_eq!(renewed_until(d("2028-02-29"), 1), d("2029-02-28"));
    }

    #[test]
    fn revocation_is_mandatory_for_fraud_and_barred_by_serious_public_harm() {
        use RevocationGround as G;
        assert!(check_revocation(LicenceStatus::Valid, G::IllegalProcedure, false, true).is_ok());
        // Optional grounds: the agency may decide not to revoke.
        assert!(check_revocation(LicenceStatus::Valid, G::IllegalProcedure, false, false).is_ok());
        let must = check_revocation(LicenceStatus::Valid, G::Fraud, false, false).unwrap_err();
        assert_eq!(must.rule, "AL-22");
        assert!(must.message.contains("应当予以撤销"));
        let barred = check_revocation(LicenceStatus::Valid, G::Bribery, true, true).unwrap_err();
        assert!(barred.message.contains("不予撤销"));
        assert!(check_revocation(LicenceStatus::Valid, G::Fraud, true, false).is_ok());
        assert!(check_revocation(LicenceStatus::Cancelled, G::Fraud, false, true).is_err());
        assert!(G::Fraud.consequence().contains("不受保护"));
        assert!(G::Unqualified.consequence().contains("赔偿"));
    }

    #[test]
    fn cancellation_follows_the_grounds_of_article_70() {
        use CancellationGround as G;
        use LicenceStatus as S;
        assert!(check_cancellation(S::Expired, G::Expired, false).is_ok());
        assert!(check_cancellation(S::Valid, G::Expired, false).is_err());
        for s in [S::Revoked, S::Withdrawn, S::Rescinded] {
            assert!(check_cancellation(s, G::Revoked, false).is_ok());
        }
        assert!(check_cancellation(S::Valid, G::Revoked, false).is_err());
        assert!(check_cancellation(S::Valid, G::Died, true).is_ok());
        assert!(check_cancellation(S::Valid, G::Died, false).is_err());
        assert!(check_cancellation(S::Valid, G::Terminated, false).is_ok());
        assert!(check_cancellation(S::Valid, G::Terminated, true).is_err());
        assert!(check_cancellation(S::Valid, G::ForceMajeure, false).is_ok());
        let again = check_cancellation(S::Cancelled, G::OtherLegal, false).unwrap_err();
        assert_eq!(again.rule, "AL-23");
    }

    #[test]
    fn withdrawal_needs_the_public_interest_and_compensation() {
        assert!(check_withdrawal(LicenceStatus::Valid, "水源地保护", "按评估价补偿").is_ok());
        let e = check_withdrawal(LicenceStatus::Valid, " ", "补偿").unwrap_err();
        assert_eq!(e.rule, "AL-24");
        assert!(e.message.contains("公共利益"));
        let e = check_withdrawal(LicenceStatus::Valid, "水源地保护", "").unwrap_err();
        assert!(e.message.contains("补偿"));
        assert!(check_withdrawal(LicenceStatus::Expired, "x", "y").is_err());
    }

    #[test]
    fn change_and_rescission_need_the_licence_in_force() {
        assert!(check_change(LicenceStatus::Valid).is_ok());
        let e = check_change(LicenceStatus::Changed).unwrap_err();
        assert!(e.message.contains("现行版本"));
        assert!(check_change(LicenceStatus::Revoked).is_err());
        assert!(check_rescission(LicenceStatus::Valid, "汉市监罚〔2026〕12号").is_ok());
        assert!(check_rescission(LicenceStatus::Valid, "").is_err());
    }

    #[test]
    fn valid_licences_expire_after_their_end_date() {
        let until = Some(d("2026-06-30"));
        for (recorded, until, today, expected) in [
            (
                LicenceStatus::Valid,
                until,
                "2026-06-30",
                LicenceStatus::Valid,
            ),
            (
                LicenceStatus::Valid,
                until,
                "2026-07-01",
                LicenceStatus::Expired,
            ),
            (
                LicenceStatus::Revoked,
                until,
                "2026-07-01",
                LicenceStatus::Revoked,
            ),
            (
                LicenceStatus::Valid,
                None,
                "2099-01-01",
                LicenceStatus::Valid,
            ),
        ] {
            assert_eq!(status_on(recorded, until, d(today)), expected, "{today}");
        }
    }
}
