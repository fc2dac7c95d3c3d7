//! Township delegation use cases (委托实施, 《行政许可法》第二十四条): the bureau head entrusts a
//! township government with delegated items and revokes the delegation (its open cases handed back
//! to the bureau, none lost, clocks unchanged, and so are the applications its village points took
//! that it has not received yet); anybody reads the delegations and their published
//! notices (委托书); a village agency point takes an application (代收) and its township receives it
//! (代办) — the case, and its clock, start that day — with a warning when it came late. The rules
//! are `yiyin_domain::delegation`'s; [`App::entrusted_at`] is the one answer intake and
//! authorisation share.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{fmt_date, local_date};
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::delegation::{
    self, Delegation, DelegationRequest, Entrusted, delegator_name, forwarding_warning,
};
use yiyin_domain::engine::{DocumentKind, IntakeOutcome};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::party::{Applicant, SubjectId, SubjectKind};
use yiyin_domain::refusal::Refusal;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::delegations::{Forwarding, NewDelegation, NewForwarding};
use yiyin_store::events::NewEvent;
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::cases::{Receive, Received};
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// Event codes.
pub const CREATED: &str = "delegation_create";
pub const REVOKED: &str = "delegation_revoke";
pub const HANDED_BACK: &str = "delegation_hand_back";
pub const TAKEN: &str = "village_take";
pub const FORWARDED: &str = "village_forward_receive";

/// A delegation as shown: the record, its state today, the township's government and the
/// delegating authority by name, and the items by name.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelegationView {
    pub delegation: Delegation,
    /// 未生效, 有效, 已期满, 已撤销 (today).
    pub state: String,
    pub in_force: bool,
    pub delegator_name: String,
    pub government: String,
    /// (code, name) of each item.
    pub items: Vec<(String, String)>,
}

/// The published notice (委托书).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelegationNotice {
    pub title: String,
    pub number: String,
    pub paragraphs: Vec<String>,
    pub view: DelegationView,
}

/// What a revocation did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revoked {
    pub view: DelegationView,
    /// The numbers of the open cases handed back to the bureau.
    pub handed_back: Vec<String>,
    /// The ids of the applications village points took and the township had not received yet,
    /// handed back to the bureau's window to receive.
    pub forwardings_handed_back: Vec<i64>,
}

/// An application a village point took, with its warning.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardingView {
    pub forwarding: Forwarding,
    pub village_name: String,
    /// Who receives it: the township centre, or the bureau once handed back (撤销委托后交回).
    pub receiver: String,
    /// 代办点逾期转交 / 逾期未转交, when late.
    pub warning: Option<String>,
}

impl App {
    /// The delegations as they stand (read at start, after each change and each minute).
    pub fn delegations_now(&self) -> Vec<Delegation> {
        self.delegations.read().expect("delegations lock").clone()
    }

    /// Rereads the delegations from the store (after a change here or on another server).
    pub async fn reload_delegations(&self) -> Result<()> {
        let all = self.store.delegations(None).await?;
        *self.delegations.write().expect("delegations lock") = all;
        Ok(())
    }

    /// Who may handle a delegated item at `unit` today: the township entrusted by a delegation in
    /// force (`yiyin_domain::delegation::entrustment`), or none.
    pub fn entrusted_at(&self, j: &Jurisdiction, item_code: &str, unit: &str) -> Option<Entrusted> {
        let all = self.delegations.read().expect("delegations lock");
        delegation::entrustment(&all, j, item_code, unit, self.today())
    }

    /// The issuer of a delegated case's documents today and the paragraph naming the entrusted
    /// township, for a document of `kind` (the township's act within its scope), if any.
    pub(crate) fn entrusted_issuer(
        &self,
        j: &Jurisdiction,
        record: &yiyin_store::cases::CaseRecord,
        issuer: yiyin_domain::org::Issuer,
        date: NaiveDate,
    ) -> (yiyin_domain::org::Issuer, Option<(Entrusted, String)>) {
        if record.handling_mode != HandlingMode::Delegated {
            return (issuer, None);
        }
        match self.entrusted_at(j, &record.item_code, &record.unit) {
            Some(e) => {
                let clause = delegation::entrusted_clause(&e, j, date, record.item.kind);
                (
                    delegation::issuer_for(issuer, &e, j, date),
                    Some((e, clause)),
                )
            }
            None => (issuer, None),
        }
    }

    fn delegation_view(
        &self,
        j: &Jurisdiction,
        d: Delegation,
        names: &[(String, String)],
    ) -> DelegationView {
        let today = self.today();
        DelegationView {
            state: d.state_label(today).to_string(),
            in_force: d.in_force(today),
            delegator_name: delegator_name(d.delegator, j, d.valid_from),
            government: j
                .township(&d.township)
                .map_or(d.township.clone(), |t| t.government()),
            items: d
                .items
                .iter()
                .map(|c| {
                    let name = names
                        .iter()
                        .find(|(code, _)| code == c)
                        .map_or(c.clone(), |(_, n)| n.clone());
                    (c.clone(), name)
                })
                .collect(),
            delegation: d,
        }
    }

    async fn item_names(&self, jurisdiction: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .store
            .catalog_as_of(jurisdiction, self.today())
            .await?
            .into_iter()
            .map(|v| (v.item.code.clone(), v.item.name.clone()))
            .collect())
    }

    /// The delegations of a jurisdiction (public: their notices are published), newest first.
    pub async fn delegations_of(&self, jurisdiction: &str) -> Result<Vec<DelegationView>> {
        let j = self.jurisdiction(jurisdiction)?;
        let names = self.item_names(jurisdiction).await?;
        let mut out: Vec<DelegationView> = self
            .store
            .delegations(Some(jurisdiction))
            .await?
            .into_iter()
            .map(|d| self.delegation_view(&j, d, &names))
            .collect();
        out.reverse();
        Ok(out)
    }

    async fn delegation_in(&self, jurisdiction: &str, id: i64) -> Result<Delegation> {
        self.store
            .delegation(id)
            .await?
            .filter(|d| d.jurisdiction == jurisdiction)
            .ok_or_else(|| AppError::NotFound(format!("没有编号为{id}的委托")))
    }

    /// The published notice of a delegation (public).
    pub async fn delegation_notice(&self, jurisdiction: &str, id: i64) -> Result<DelegationNotice> {
        let j = self.jurisdiction(jurisdiction)?;
        let d = self.delegation_in(jurisdiction, id).await?;
        let names = self.item_names(jurisdiction).await?;
        let view = self.delegation_view(&j, d.clone(), &names);
        Ok(DelegationNotice {
            title: "行政许可委托书".into(),
            number: d.notice_number.clone(),
            paragraphs: delegation::notice(&d, &j, &view.items),
            view,
        })
    }

    /// Records a delegation (the bureau head): checked against the catalog in force (each item
    /// declared 委托镇办理 for the township), the period and the basis; the township's own staff
    /// may not delegate further. An event records it.
    pub async fn create_delegation(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &DelegationRequest,
    ) -> Result<DelegationView> {
        who.require_in(Operation::Delegate, jurisdiction)?;
        let j = self.jurisdiction(jurisdiction)?;
        let at_township = who
            .account
            .grants
            .iter()
            .filter(|g| g.jurisdiction == jurisdiction)
            .find_map(|g| j.township_of_unit(g.unit.as_deref()?))
            .map(|t| t.government());
        delegation::refuse_redelegation(at_township.as_deref())
            .map_err(|m| AppError::Refused(Refusal::new("delegation", m)))?;
        let today = self.today();
        let items: Vec<_> = self
            .store
            .catalog_as_of(jurisdiction, today)
            .await?
            .into_iter()
            .map(|v| v.item)
            .collect();
        let checked = delegation::check_request(req, &j, &items, today).map_err(|mut e| {
            let (field, message) = e.remove(0);
            AppError::field(&field, message)
        })?;
        // The township decides in the delegating authority's name and under its seal (Art. 24): a
        // county government whose seal Yiyin does not hold cannot delegate here, or its township's
        // decisions would go out unsealed.
        if req.delegator == delegation::Delegator::CountyGovernment
            && !self.store.seals().await?.iter().any(|s| {
                s.jurisdiction == jurisdiction
                    && s.department == delegation::COUNTY_GOVERNMENT_HOLDER
                    && !s.retired
            })
        {
            return Err(AppError::field(
                "delegator",
                format!(
                    "{}的电子印章尚未在本系统登记：受委托的镇以委托机关名义、加盖委托机关印章作出决定（《行政许可法》第二十四条），请先登记该印章，或由行政审批服务局委托",
                    delegation::delegator_name(delegation::Delegator::CountyGovernment, &j, today)
                ),
            ));
        }
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_delegation(&NewDelegation {
                jurisdiction,
                delegator: req.delegator,
                township: &req.township,
                items: &checked.items,
                scope: req.scope,
                valid_from: req.valid_from,
                valid_until: req.valid_until,
                legal_basis: &checked.legal_basis,
                forward_days: checked.forward_days,
                notice_number: &checked.notice_number,
                created_by: who.account.id,
                created_at: at.timestamp_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { value, .. }) => {
                    AppError::Conflict(format!("委托书文号「{value}」已经使用，不能重复"))
                }
                e => e.into(),
            })?;
        let government = j
            .township(&req.township)
            .map_or(req.township.clone(), |t| t.government());
        let reason = format!(
            "{}委托{}实施{}项行政许可事项（{}），期限{}至{}，委托书{}",
            delegator_name(req.delegator, &j, req.valid_from),
            government,
            checked.items.len(),
            req.scope.label(),
            fmt_date(req.valid_from),
            fmt_date(req.valid_until),
            checked.notice_number
        );
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            CREATED,
            reason,
            json!({"delegation": id, "township": req.township, "items": checked.items,
                "scope": req.scope.code(), "delegator": req.delegator.code(),
                "valid_from": fmt_date(req.valid_from), "valid_until": fmt_date(req.valid_until)}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.reload_delegations().await?;
        let d = self.delegation_in(jurisdiction, id).await?;
        let names = self.item_names(jurisdiction).await?;
        Ok(self.delegation_view(&j, d, &names))
    }

    /// Revokes a delegation from today (the bureau head), with the reason: every open case of its
    /// items at the township's units is handed back to the bureau (unit cleared, an event on each,
    /// its clock unchanged), and the township's new intake of them is refused from now on.
    pub async fn revoke_delegation(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
        reason: &str,
    ) -> Result<Revoked> {
        who.require_in(Operation::Delegate, jurisdiction)?;
        check("reason", reason, TextKind::Long)?;
        if reason.trim().is_empty() {
            return Err(AppError::field("reason", "请写明撤销委托的理由"));
        }
        let j = self.jurisdiction(jurisdiction)?;
        let d = self.delegation_in(jurisdiction, id).await?;
        if d.revoked_on.is_some() {
            return Err(AppError::Conflict("该委托已经撤销".into()));
        }
        let today = self.today();
        let at = self.now();
        let town = j
            .township(&d.township)
            .ok_or_else(|| AppError::internal(format!("township {}", d.township)))?;
        let units: Vec<String> = std::iter::once(town.code.clone())
            .chain(town.villages.iter().map(|v| v.code.clone()))
            .collect();
        let actor = who.actor(&self.org());
        let mut tx = self.store.begin_write().await?;
        tx.revoke_delegation(id, today, reason.trim()).await?;
        let open = tx
            .open_delegated_cases(jurisdiction, &units, &d.items)
            .await?;
        let mut handed_back = Vec::new();
        let mut events = Vec::new();
        for case_id in open {
            let record = tx.case(case_id).await?;
            tx.hand_case_to(case_id, "", at.timestamp_millis()).await?;
            // Its window changed: the statistics summary moves it in this transaction.
            let moved = tx.case(case_id).await?;
            self.keep_case_summary(&mut tx, &moved, None).await?;
            events.push(NewEvent::new(
                &actor,
                at,
                jurisdiction,
                Some(case_id),
                HANDED_BACK,
                format!(
                    "{}撤销对{}的委托（{}），本办件交回{}继续办理，办理期限不变",
                    delegator_name(d.delegator, &j, today),
                    town.government(),
                    reason.trim(),
                    delegator_name(d.delegator, &j, today)
                ),
                json!({"delegation": id, "from_unit": record.unit, "to_unit": "",
                    "state": record.state.code()}),
            ));
            handed_back.push(record.number);
        }
        // The applications its village points took and the township has not received: no longer
        // the township's to receive, they go to the bureau's window (none lost; the case, and its
        // clock, start when the bureau receives one).
        let delegator = delegator_name(d.delegator, &j, today);
        let mut forwardings_handed_back = Vec::new();
        for f in tx
            .waiting_forwardings(jurisdiction, &town.code, &d.items)
            .await?
        {
            tx.hand_forwarding_to(f.id, "").await?;
            events.push(NewEvent::new(
                &actor,
                at,
                jurisdiction,
                None,
                HANDED_BACK,
                format!(
                    "{delegator}撤销对{}的委托（{}），{}于{}代收的{}的申请（代收编号{}）尚未由镇便民服务中心接收，交回{delegator}窗口接收",
                    town.government(),
                    reason.trim(),
                    j.place_name(&f.village).unwrap_or(f.village.clone()),
                    fmt_date(f.taken_on),
                    f.applicant_name,
                    f.id
                ),
                json!({"delegation": id, "forwarding": f.id, "from_unit": town.code,
                    "to_unit": "", "item_code": f.item_code}),
            ));
            forwardings_handed_back.push(f.id);
        }
        events.push(NewEvent::new(
            &actor,
            at,
            jurisdiction,
            None,
            REVOKED,
            format!(
                "撤销对{}的委托（委托书{}），理由：{}；交回办件{}件、代收申请{}件",
                town.government(),
                d.notice_number,
                reason.trim(),
                handed_back.len(),
                forwardings_handed_back.len()
            ),
            json!({"delegation": id, "handed_back": handed_back,
                "forwardings_handed_back": forwardings_handed_back,
                "revoked_on": fmt_date(today)}),
        ));
        tx.append_events(&events).await?;
        tx.commit().await?;
        self.reload_delegations().await?;
        let d = self.delegation_in(jurisdiction, id).await?;
        let names = self.item_names(jurisdiction).await?;
        Ok(Revoked {
            view: self.delegation_view(&j, d, &names),
            handed_back,
            forwardings_handed_back,
        })
    }

    /// A village agency point takes an application for a delegated item (代收): its clerk, while a
    /// delegation in force entrusts the township with it. Nothing starts the case yet: it is due
    /// at the township within the delegation's forwarding days.
    pub async fn take_at_village(
        &self,
        who: &Principal,
        jurisdiction: &str,
        item_code: &str,
        applicant: Applicant,
        materials: Vec<String>,
    ) -> Result<ForwardingView> {
        who.require_staff()?;
        let j = self.jurisdiction(jurisdiction)?;
        let version = self.item_in_force(jurisdiction, item_code).await?;
        let item = &version.item;
        let village = who
            .account
            .grants
            .iter()
            .filter(|g| g.jurisdiction == jurisdiction)
            .filter_map(|g| g.unit.clone())
            .find(|u| j.township_of_unit(u).is_some_and(|t| t.code != *u))
            .ok_or_else(|| {
                AppError::Forbidden("只有社区（村）代办点的工作人员登记代收申请".into())
            })?;
        let scope = crate::cases::item_scope(&self.org(), jurisdiction, item)
            .with_entrusted(self.entrusted_at(&j, item_code, &village));
        who.require(Operation::Receive, &scope)?;
        let entrusted = scope
            .entrusted
            .clone()
            .ok_or_else(|| AppError::Forbidden("本事项未委托本镇办理".into()))?;
        if item.handling_mode != HandlingMode::Delegated {
            return Err(AppError::Forbidden("代办点只代收委托镇办理的事项".into()));
        }
        if applicant.name.trim().is_empty() {
            return Err(AppError::field("name", "申请人姓名或单位名称不能为空"));
        }
        let today = self.today();
        applicant.check(today)?;
        for code in &materials {
            if item.material(code).is_none() {
                return Err(AppError::field(
                    "materials",
                    format!("材料编码「{code}」不在“{}”公布的申请材料目录中", item.name),
                ));
            }
        }
        let due = delegation::forwarding_due(&self.calendar(), today, entrusted.forward_days)
            .map_err(|e| AppError::CalendarMissing(e.to_string()))?;
        let application = json!({
            "kind": applicant.kind.code(),
            "name": applicant.name,
            "id_number": applicant.id_number.as_str(),
            "phone": applicant.phone,
            "materials": materials,
        });
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_forwarding(&NewForwarding {
                jurisdiction,
                village: &village,
                township: &entrusted.township,
                item_code,
                applicant_name: &applicant.name,
                application: &application,
                taken_on: today,
                due_on: due,
                taken_by: who.account.id,
                taken_at: at.timestamp_millis(),
            })
            .await?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            TAKEN,
            format!(
                "{}代收{}的“{}”申请，应于{}前转交{}便民服务中心",
                j.place_name(&village).unwrap_or(village.clone()),
                applicant.name,
                item.name,
                fmt_date(due),
                entrusted.government.replace("人民政府", "")
            ),
            json!({"forwarding": id, "item_code": item_code, "due_on": fmt_date(due)}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.forwarding_view(&j, self.forwarding_in(jurisdiction, id).await?)
    }

    async fn forwarding_in(&self, jurisdiction: &str, id: i64) -> Result<Forwarding> {
        self.store
            .forwarding(id)
            .await?
            .filter(|f| f.jurisdiction == jurisdiction)
            .ok_or_else(|| AppError::NotFound(format!("没有编号为{id}的代收申请")))
    }

    fn forwarding_view(&self, j: &Jurisdiction, f: Forwarding) -> Result<ForwardingView> {
        let on = f.received_on.unwrap_or(self.today());
        Ok(ForwardingView {
            warning: forwarding_warning(f.due_on, on, f.received_on.is_some()),
            village_name: j.place_name(&f.village).unwrap_or(f.village.clone()),
            receiver: receiver_name(j, &f.township, self.today()),
            forwarding: f,
        })
    }

    /// The applications a township's village points took, waiting ones first, each with its
    /// warning: the township's staff and the bureau's.
    pub async fn forwardings_of(
        &self,
        who: &Principal,
        jurisdiction: &str,
        township: &str,
    ) -> Result<Vec<ForwardingView>> {
        who.require_in(Operation::ViewCase, jurisdiction)?;
        let j = self.jurisdiction(jurisdiction)?;
        let town = j
            .township(township)
            .ok_or_else(|| AppError::NotFound(format!("没有代码为「{township}」的镇")))?;
        // Another township's staff do not read this one's.
        let elsewhere = who.account.grants.iter().any(|g| {
            g.jurisdiction == jurisdiction
                && g.unit
                    .as_deref()
                    .and_then(|u| j.township_of_unit(u))
                    .is_some_and(|t| t.code != town.code)
        });
        if elsewhere {
            return Err(AppError::Forbidden(format!(
                "无权查看{}的代收申请",
                town.government()
            )));
        }
        // With those handed back to the bureau from its village points (revoked delegations).
        let mut all = self.store.forwardings(jurisdiction, township).await?;
        all.extend(
            self.store
                .forwardings(jurisdiction, "")
                .await?
                .into_iter()
                .filter(|f| town.villages.iter().any(|v| v.code == f.village)),
        );
        all.sort_by_key(|f| (f.case_id.is_some(), f.id));
        all.into_iter()
            .map(|f| self.forwarding_view(&j, f))
            .collect()
    }

    /// The township centre receives an application its village point forwarded (代办): the case
    /// is received now, at the centre — its clock starts today, not the day the village point took
    /// it — with the window's outcome; a late forwarding is recorded on the case.
    pub async fn receive_forwarded(
        &self,
        who: &Principal,
        jurisdiction: &str,
        id: i64,
        outcome: IntakeOutcome,
    ) -> Result<(Received, ForwardingView)> {
        let j = self.jurisdiction(jurisdiction)?;
        let f = self.forwarding_in(jurisdiction, id).await?;
        if f.case_id.is_some() {
            return Err(AppError::Conflict("该代收申请已经接收".into()));
        }
        // Its township centre receives it; the bureau's window ('') once handed back.
        let at_receiver = who.account.grants.iter().any(|g| {
            g.jurisdiction == jurisdiction && g.unit.as_deref().unwrap_or("") == f.township
        });
        if !at_receiver {
            return Err(AppError::Forbidden(format!(
                "代办点转交的申请由{}接收",
                receiver_name(&j, &f.township, self.today())
            )));
        }
        let a: serde_json::Value =
            serde_json::from_str(&f.application).map_err(AppError::internal)?;
        let text = |k: &str| a[k].as_str().unwrap_or_default().to_string();
        let kind = SubjectKind::parse(&text("kind")).unwrap_or(SubjectKind::Person);
        let id_number = SubjectId::parse(kind, &text("id_number"))
            .map_err(|e| AppError::internal(e.to_string()))?;
        let applicant = Applicant::new(&text("name"), id_number, &text("phone"), None);
        let materials: Vec<String> = a["materials"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let received = self
            .receive(
                who,
                Receive {
                    jurisdiction: jurisdiction.to_string(),
                    item_code: f.item_code.clone(),
                    applicant: Some(applicant),
                    materials,
                    attested: false,
                    outcome,
                    idempotency_key: Some(format!("village-forwarding-{id}")),
                    uploads: vec![],
                    form: None,
                    representation: Default::default(),
                },
            )
            .await?;
        let at = self.now();
        let today = local_date(at);
        let late = delegation::forwarding_warning(f.due_on, today, true);
        let mut tx = self.store.begin_write().await?;
        tx.receive_forwarding(id, received.record.id, today, who.account.id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => AppError::Conflict("该代收申请已经接收".into()),
                e => e.into(),
            })?;
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            Some(received.record.id),
            FORWARDED,
            format!(
                "{}于{}代收，{}收到（应于{}前转交）{}；办理期限自镇便民服务中心收到之日起计算",
                j.place_name(&f.village).unwrap_or(f.village.clone()),
                fmt_date(f.taken_on),
                fmt_date(today),
                fmt_date(f.due_on),
                late.as_deref()
                    .map(|w| format!("，{w}"))
                    .unwrap_or_default()
            ),
            json!({"forwarding": id, "village": f.village, "taken_on": fmt_date(f.taken_on),
                "due_on": fmt_date(f.due_on), "received_on": fmt_date(today),
                "late": late.is_some()}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        let view = self.forwarding_view(&j, self.forwarding_in(jurisdiction, id).await?)?;
        Ok((received, view))
    }
}

/// Who receives a forwarding addressed to `township`: its centre (「涧池镇便民服务中心」), or the
/// bureau's window when '' (handed back at a revocation).
fn receiver_name(j: &Jurisdiction, township: &str, date: NaiveDate) -> String {
    if township.is_empty() {
        return format!(
            "{}窗口",
            delegator_name(delegation::Delegator::Bureau, j, date)
        );
    }
    j.township(township)
        .map_or(township.to_string(), |t| format!("{}便民服务中心", t.town))
}

/// Whether a document of `kind` is the entrusted township's act within `e`'s scope, and so names
/// it as entrusted: its intake documents always; its decisions when it decides.
pub fn names_entrusted(kind: DocumentKind, e: &Entrusted) -> bool {
    match kind {
        DocumentKind::ReceiptVoucher
        | DocumentKind::AcceptanceVoucher
        | DocumentKind::SupplementNotice
        | DocumentKind::RefusalDecision
        | DocumentKind::NotNeededNotice => true,
        DocumentKind::DecisionLetter
        | DocumentKind::DenialLetter
        | DocumentKind::CommitmentDecision
        | DocumentKind::SuspensionNotice
        | DocumentKind::ExtensionNotice
        | DocumentKind::WithdrawalConfirmation => e.scope.decides(),
        _ => false,
    }
}
