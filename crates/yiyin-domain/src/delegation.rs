//! Township delegation (委托实施, 《行政许可法》第二十四条) and village agency points (代收代办).
//!
//! A [`Delegation`] is the record that makes the catalog's static declaration (`item.delegated_to`,
//! handling mode 委托镇办理) effective: the delegating authority (the bureau or the county
//! government) entrusts one township government with some items, for intake only (仅受理) or intake
//! and decision (受理和决定), for a period, on a legal basis, published as a notice (委托书). This
//! module owns the rules:
//!
//! * [`entrustment`] — the one answer to "who may handle this item here today": intake and
//!   authorisation both ask it. A township's staff handle a delegated item only while a delegation in
//!   force covers it, within its scope; outside the period, the scope or after revocation they are
//!   refused, naming Art. 24.
//! * The township decides in the delegating authority's name and under its seal ([`issuer_for`]),
//!   and the decision names the township as the entrusted body ([`entrusted_clause`]); the
//!   entrusted body may not delegate further ([`check_request`]).
//! * A village agency point takes an application and forwards it (代收代办) to its township within
//!   [`DEFAULT_FORWARD_DAYS`] working days unless the delegation sets otherwise; the case — and so
//!   its clock — starts the day the township receives it ([`forwarding_due`], [`forwarding_late`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, fmt_date, fmt_date_cn};
use crate::catalog::{HandlingMode, Item, ItemKind};
use crate::org::{Issuer, Jurisdiction, TownshipCentre, resident_seal_name};
use crate::text::{TextKind, check};

/// The rule every refusal of this module names.
pub const ART_24: &str = "《中华人民共和国行政许可法》第二十四条";

/// Working days within which a village agency point forwards an application to its township,
/// unless the delegation sets another number: one working day (the application taken on a
/// working day reaches the township centre the next working day at the latest). Chosen for Yiyin;
/// the seed (汉阴 三) sets no number.
pub const DEFAULT_FORWARD_DAYS: u32 = 1;

/// The most working days a delegation may allow for forwarding.
pub const MAX_FORWARD_DAYS: u32 = 5;

labelled_enum!(
    /// 委托机关: who entrusts the township.
    Delegator {
        /// The bureau, holder of the concentrated licensing power (相对集中行政许可权).
        Bureau = ("bureau", "县行政审批服务局", "审批局"),
        /// The county government (县本级政府, 汉阴 三: 委托镇政府行使).
        CountyGovernment = ("county_government", "县人民政府", "县政府"),
    }
);

labelled_enum!(
    /// 委托范围
    DelegationScope {
        /// The township receives and takes the Art. 32 intake outcome; the delegating authority decides.
        Intake = ("intake", "仅受理", "受理"),
        /// The township receives, reviews and decides, in the delegating authority's name.
        IntakeAndDecision = ("intake_and_decision", "受理和决定", "受理和审批"),
    }
);

impl DelegationScope {
    /// Whether the scope reaches beyond intake (review, decision, certificate).
    pub fn decides(self) -> bool {
        self == DelegationScope::IntakeAndDecision
    }
}

/// A delegation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delegation {
    pub id: i64,
    pub jurisdiction: String,
    pub delegator: Delegator,
    /// The township (its centre's code) whose government is entrusted.
    pub township: String,
    /// The catalog codes of the delegated items.
    pub items: Vec<String>,
    pub scope: DelegationScope,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub valid_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub valid_until: NaiveDate,
    pub legal_basis: String,
    /// Working days a village agency point has to forward an application to the township.
    pub forward_days: u32,
    /// The notice's number (委托书文号), e.g. 汉审批委〔2025〕1号.
    pub notice_number: String,
    /// The day from which the delegation no longer applies, when revoked.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: String,
}

impl Delegation {
    /// Whether it applies on `date`: within its period and not revoked by then.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from <= date
            && date <= self.valid_until
            && self.revoked_on.is_none_or(|r| date < r)
    }

    /// Its state on `date`, in Chinese: 未生效, 有效, 已期满, 已撤销.
    pub fn state_label(&self, date: NaiveDate) -> &'static str {
        match self.revoked_on {
            Some(r) if r <= date => "已撤销",
            _ if date < self.valid_from => "未生效",
            _ if date > self.valid_until => "已期满",
            _ => "有效",
        }
    }
}

/// A township's entrustment for one item on one day: what [`entrustment`] finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrusted {
    pub delegation: i64,
    pub delegator: Delegator,
    pub township: String,
    /// The entrusted township government: 「涧池镇人民政府」.
    pub government: String,
    /// The township's own units: its centre and its village points.
    pub units: Vec<String>,
    pub scope: DelegationScope,
    pub forward_days: u32,
}

/// The delegating authority's name on `date`: the bureau's, or the county government's.
pub fn delegator_name(delegator: Delegator, j: &Jurisdiction, date: NaiveDate) -> String {
    match delegator {
        Delegator::Bureau => j
            .bureau
            .as_ref()
            .map_or(j.name_on(date).to_string(), |b| b.name_on(date).to_string()),
        Delegator::CountyGovernment => format!("{}人民政府", j.name_on(date)),
    }
}

/// Who may handle `item_code` received (or handled) at `unit` in jurisdiction `j` on `date`: the
/// township of `unit` when a delegation in force entrusts it with the item, `None` otherwise (a
/// unit outside every township — the county hall, online — is the delegating authority's own).
/// The one source of truth: intake and authorisation both ask it.
pub fn entrustment(
    delegations: &[Delegation],
    j: &Jurisdiction,
    item_code: &str,
    unit: &str,
    date: NaiveDate,
) -> Option<Entrusted> {
    let town = j.township_of_unit(unit)?;
    delegations
        .iter()
        .filter(|d| {
            d.jurisdiction == j.code
                && d.township == town.code
                && d.items.iter().any(|i| i == item_code)
                && d.in_force(date)
        })
        // Of two in force, the wider scope.
        .max_by_key(|d| (d.scope.decides(), d.id))
        .map(|d| entrusted_of(d, town))
}

fn entrusted_of(d: &Delegation, town: &TownshipCentre) -> Entrusted {
    Entrusted {
        delegation: d.id,
        delegator: d.delegator,
        township: town.code.clone(),
        government: town.government(),
        units: std::iter::once(town.code.clone())
            .chain(town.villages.iter().map(|v| v.code.clone()))
            .collect(),
        scope: d.scope,
        forward_days: d.forward_days,
    }
}

/// Why a township's staff may not do `what` on a delegated item at their unit today, naming
/// Art. 24: no delegation in force (never made, not yet or no longer in its period, revoked), or
/// one for intake only when `what` goes beyond intake. `None`: they may.
pub fn township_refusal(
    entrusted: Option<&Entrusted>,
    government: &str,
    beyond_intake: bool,
    what: &str,
) -> Option<String> {
    match entrusted {
        None => Some(format!(
            "依据{ART_24}，镇人民政府只能在委托范围和委托期限内以委托机关名义实施行政许可：本事项现未委托{government}（未委托、委托尚未生效、已期满或已撤销），您无权{what}"
        )),
        Some(e) if beyond_intake && !e.scope.decides() => Some(format!(
            "依据{ART_24}，{}受委托的范围为「仅受理」，审查和决定由委托机关作出，您无权{what}",
            e.government
        )),
        Some(_) => None,
    }
}

/// The documents' issuer of a case the township decides by delegation: the delegating authority's
/// name and seal (the bureau's as [`Issuer::of`] gives them; for the county government, its own),
/// never the township's.
pub fn issuer_for(mut issuer: Issuer, e: &Entrusted, j: &Jurisdiction, date: NaiveDate) -> Issuer {
    if e.delegator == Delegator::CountyGovernment {
        let name = delegator_name(e.delegator, j, date);
        issuer.seal = resident_seal_name(&name);
        issuer.agency = name;
        issuer.seal_holder = COUNTY_GOVERNMENT_HOLDER.to_string();
    }
    issuer
}

/// The seal holder code of the county government (its seal is registered like a department's).
pub const COUNTY_GOVERNMENT_HOLDER: &str = "county-government";

/// The paragraph a document decided by the entrusted township carries: the township named as
/// entrusted (受委托机关), acting in the delegating authority's name — under Art. 24 for an
/// administrative licence; an item of another kind (a public service …) is not handled under the
/// Administrative Licensing Law, so its clause cites none of it (受…委托办理).
pub fn entrusted_clause(
    e: &Entrusted,
    j: &Jurisdiction,
    date: NaiveDate,
    item_kind: ItemKind,
) -> String {
    let delegator = delegator_name(e.delegator, j, date);
    let gov = &e.government;
    if item_kind == ItemKind::Licensing {
        format!(
            "本文书由{gov}受{delegator}委托，依照{ART_24}的规定，以{delegator}名义作出。受委托机关：{gov}。"
        )
    } else {
        format!("本文书由{gov}受{delegator}委托办理，以{delegator}名义作出。受委托机关：{gov}。")
    }
}

/// A delegation to record, as asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelegationRequest {
    pub delegator: Delegator,
    /// The township's code (its centre's).
    pub township: String,
    pub items: Vec<String>,
    pub scope: DelegationScope,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub valid_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub valid_until: NaiveDate,
    pub legal_basis: String,
    /// Working days for village points to forward; absent: [`DEFAULT_FORWARD_DAYS`].
    #[serde(default)]
    pub forward_days: Option<u32>,
    pub notice_number: String,
}

/// A checked request: the fields as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDelegation {
    pub forward_days: u32,
    pub legal_basis: String,
    pub notice_number: String,
    pub items: Vec<String>,
}

/// Checks a delegation request against the organisation and the items in force (`items`: code →
/// item), on `today`: the township exists and is not a village point; the entrusted body may not
/// re-delegate (only the bureau or the county government delegates); each item is in the catalog,
/// declared 委托镇办理 and lists the township; the period runs forward and does not start in the
/// past; the legal basis and notice number are given. Each fault as (field, Chinese message).
pub fn check_request(
    req: &DelegationRequest,
    j: &Jurisdiction,
    items: &[Item],
    today: NaiveDate,
) -> Result<CheckedDelegation, Vec<(String, String)>> {
    let mut e: Vec<(String, String)> = Vec::new();
    let mut err = |f: &str, m: String| e.push((f.to_string(), m));
    for (field, value, kind) in [
        ("legal_basis", &req.legal_basis, TextKind::Long),
        ("notice_number", &req.notice_number, TextKind::Short),
        ("township", &req.township, TextKind::Short),
    ] {
        if let Err(t) = check(field, value, kind) {
            err(field, t.to_string());
        }
    }
    match j.township(&req.township) {
        Some(_) => {}
        None => match j.place_name(&req.township) {
            Some(place) => err(
                "township",
                format!(
                    "依据{ART_24}，「{place}」是便民服务场所（代办点），不是行政机关，不能接受委托；受委托的只能是镇人民政府，代办点只代收代办"
                ),
            ),
            None => err(
                "township",
                format!("{}没有代码为「{}」的镇", j.name, req.township),
            ),
        },
    }
    let mut codes: Vec<String> = req.items.iter().map(|c| c.trim().to_string()).collect();
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        err("items", "请至少选择一项委托事项".into());
    }
    for code in &codes {
        match items.iter().find(|i| &i.code == code) {
            None => err(
                "items",
                format!("事项「{code}」不在本县区现行事项目录中，不能委托"),
            ),
            Some(i) if i.handling_mode != HandlingMode::Delegated => err(
                "items",
                format!(
                    "「{}」的办理方式为「{}」，目录未声明委托镇办理，不能委托；请先在事项目录中将其办理方式改为委托镇办理",
                    i.name,
                    i.handling_mode.label()
                ),
            ),
            Some(i) if !i.delegated_to.contains(&req.township) => err(
                "items",
                format!(
                    "事项目录中「{}」未列出{}为承接委托的镇",
                    i.name,
                    j.township(&req.township)
                        .map_or(req.township.clone(), |t| t.government())
                ),
            ),
            Some(_) => {}
        }
    }
    if req.valid_until < req.valid_from {
        err("valid_until", "委托期限的截止日期不能早于开始日期".into());
    }
    if req.valid_from < today {
        err(
            "valid_from",
            format!(
                "委托自公布之日起生效，开始日期不能早于今天（{}）",
                fmt_date(today)
            ),
        );
    }
    if req.legal_basis.trim().is_empty() {
        err("legal_basis", format!("请写明委托的法律依据（如{ART_24}）"));
    }
    if req.notice_number.trim().is_empty() {
        err("notice_number", "请填写委托书文号".into());
    }
    let forward_days = req.forward_days.unwrap_or(DEFAULT_FORWARD_DAYS);
    if !(1..=MAX_FORWARD_DAYS).contains(&forward_days) {
        err(
            "forward_days",
            format!("代办点转交期限应为1至{MAX_FORWARD_DAYS}个工作日"),
        );
    }
    if e.is_empty() {
        Ok(CheckedDelegation {
            forward_days,
            legal_basis: req.legal_basis.trim().to_string(),
            notice_number: req.notice_number.trim().to_string(),
            items: codes,
        })
    } else {
        Err(e)
    }
}

/// Who is acting to delegate: refused when it is the entrusted township itself (受委托机关不得再委托).
pub fn refuse_redelegation(acting_at_township: Option<&str>) -> Result<(), String> {
    match acting_at_township {
        Some(gov) => Err(format!(
            "依据{ART_24}第三款，受委托行政机关不得再委托其他组织或者个人实施行政许可：{gov}的工作人员不能委托"
        )),
        None => Ok(()),
    }
}

/// The published notice (委托书) of a delegation: who entrusts whom with what, in what scope, for
/// what period, on what basis, and the rules of Art. 24 the entrusted body keeps. `item_names`:
/// (code, name) of the items.
pub fn notice(d: &Delegation, j: &Jurisdiction, item_names: &[(String, String)]) -> Vec<String> {
    let delegator = delegator_name(d.delegator, j, d.valid_from);
    let gov = j
        .township(&d.township)
        .map_or(d.township.clone(), |t| t.government());
    let mut p = vec![
        format!("{gov}："),
        format!(
            "依照{ART_24}和《{}行政审批制度改革实施方案》关于审批服务事项下沉的规定，{delegator}委托你镇在下列事项范围和期限内，以{delegator}名义实施行政许可：",
            j.name
        ),
    ];
    for (i, (code, name)) in item_names.iter().enumerate() {
        p.push(format!("{}. {name}（{code}）", i + 1));
    }
    p.push(format!(
        "委托范围：{}{}。",
        d.scope.label(),
        if d.scope.decides() {
            "（受理、审查并作出行政许可决定，决定书加盖委托机关印章并载明受委托机关）"
        } else {
            "（受理申请并作出是否受理的决定，审查和许可决定由委托机关作出）"
        }
    ));
    p.push(format!(
        "委托期限：自{}起至{}止。",
        fmt_date_cn(d.valid_from),
        fmt_date_cn(d.valid_until)
    ));
    p.push(format!("委托依据：{}", d.legal_basis));
    p.push(format!(
        "你镇所属社区（村）代办点代收的申请，应当在{}个工作日内转交镇便民服务中心；办理期限自镇便民服务中心收到申请之日起计算。",
        d.forward_days
    ));
    p.push(format!(
        "{delegator}对你镇实施委托事项的行为负责监督，并对该行为的后果承担法律责任。你镇不得再委托其他组织或者个人实施行政许可。"
    ));
    if let Some(r) = d.revoked_on {
        p.push(format!(
            "本委托已于{}撤销{}。",
            fmt_date_cn(r),
            if d.revoke_reason.is_empty() {
                String::new()
            } else {
                format!("，理由：{}", d.revoke_reason.trim_end_matches('。'))
            }
        ));
    }
    p.push(delegator.clone());
    p.push(d.notice_number.clone());
    p
}

/// The day a village agency point's application is due at its township: `days` working days after
/// it was taken.
pub fn forwarding_due(
    calendar: &Calendar,
    taken_on: NaiveDate,
    days: u32,
) -> Result<NaiveDate, crate::calendar::CalendarError> {
    calendar.add(taken_on, days)
}

/// Whether an application taken by a village point is late reaching its township (received — or,
/// still waiting, as of — `on`, after its due day).
pub fn forwarding_late(due: NaiveDate, on: NaiveDate) -> bool {
    on > due
}

/// The warning a late forwarding shows, in Chinese.
pub fn forwarding_warning(due: NaiveDate, on: NaiveDate, received: bool) -> Option<String> {
    forwarding_late(due, on).then(|| {
        if received {
            format!(
                "代办点逾期转交：应于{}前转交镇便民服务中心，实际{}收到",
                fmt_date(due),
                fmt_date(on)
            )
        } else {
            format!(
                "代办点逾期未转交：应于{}前转交镇便民服务中心",
                fmt_date(due)
            )
        }
    })
}

#[cfg(test)]
mod tests;
