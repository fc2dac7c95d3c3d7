//! Expert and site-inspector pools (专家库、踏勘人员库) as use cases: the bureau head keeps a
//! jurisdiction's pools, their members (staff accounts or outside experts with their organisation)
//! and the ties members declare with applicants; for a case under review, staff who may start its
//! special procedures publish the seed of its draw (the pool and the exclusions — the members tied
//! to the applicant — fixed with it), then draw; a drawn member's recusal, or the applicant's
//! objection (申请回避) upheld before the review starts, excludes the member and redraws from the same
//! seed (the next member of the same order); starting the review suspends the case's clock through
//! the case's own `suspend` action (Art. 45), which issues the written notice (中止计时告知书). Every
//! act is an event; the applicant sees the seed and the drawn members' masked names. The draw is
//! `yiyin_domain::pools::draw` (the random inspections' algorithm).

use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::engine::{Action, CaseState, SuspensionKind};
use yiyin_domain::pools::{
    self, Exclusion, ExclusionKind, ExpertDrawInput, PoolError, PoolKind, PoolMember,
    PublishedDraw, TieKind,
};
use yiyin_domain::refusal::Refusal;
use yiyin_store::cases::CaseRecord;
use yiyin_store::events::NewEvent;
use yiyin_store::pools::{CaseDraw, Member, NewMember, NewPool, Objection, Pool, PoolTie, Round};
use yiyin_store::{Conflict, StoreError};

use crate::App;
use crate::audited_write::AuditedWrite;
use crate::cases::ActOn;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The rule a refusal of the expert draw names: Art. 45 (expert review) as `legal-rules.md` gives it.
const RULE: &str = "AL-16";

fn refused(e: PoolError) -> AppError {
    match e {
        PoolError::EmptySeed | PoolError::NoCount => AppError::invalid(e.to_string()),
        e => AppError::Refused(Refusal::new(RULE, e.to_string())),
    }
}

/// A member's id in draws: `E` and its number, never a personal number.
pub fn member_code(id: i64) -> String {
    format!("E{id:04}")
}

/// A pool as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolInput {
    /// expert | inspector.
    pub kind: String,
    pub name: String,
    pub specialty: String,
}

/// A member as submitted: a member of staff by login, or an outside expert by name and organisation.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInput {
    /// The staff account's login (a member inside the bureau); '' for an outside expert.
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    /// 职称 (e.g. 高级工程师).
    #[serde(default)]
    pub title: String,
}

/// A tie a member declares with an applicant.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TieInput {
    /// The applicant's citizen ID number or unified social credit code.
    pub holder_id: String,
    /// employer | adviser | relative | reviewed_last_case | other_interest.
    pub kind: String,
    #[serde(default)]
    pub note: String,
}

/// A member with its draw id and declared ties.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub code: String,
    pub member: Member,
    pub ties: Vec<PoolTie>,
}

/// A pool with its members.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolView {
    pub pool: Pool,
    pub kind_label: String,
    pub members: Vec<MemberView>,
}

/// A case's draw as its reader may see it (the applicant: names masked, reasons withheld).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawView {
    pub case_id: i64,
    pub pool_id: i64,
    pub pool_name: String,
    pub seed: String,
    pub pool_digest: String,
    /// What `yiyin draw --expert` re-runs: the input (pool, exclusions, seed) and the result.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub published: PublishedDraw,
    pub rounds: Vec<Round>,
    pub published_at: i64,
    pub drawn_at: Option<i64>,
    pub started_at: Option<i64>,
    pub objections: Vec<Objection>,
    /// Whether recusals and objections may still be made (the review has not started).
    pub open: bool,
}

impl App {
    fn require_pools(&self, who: &Principal, jurisdiction: &str) -> Result<()> {
        who.require_in(Operation::ManagePools, jurisdiction)
    }

    async fn pool_for_manager(&self, who: &Principal, pool_id: i64) -> Result<Pool> {
        let pool = self
            .store
            .pool(pool_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("专家库（第{pool_id}号）不存在")))?;
        self.require_pools(who, &pool.jurisdiction)?;
        Ok(pool)
    }

    async fn pool_view(&self, pool: Pool) -> Result<PoolView> {
        let ties = self.store.pool_ties(pool.id).await?;
        let members = self
            .store
            .pool_members(pool.id)
            .await?
            .into_iter()
            .map(|m| MemberView {
                code: member_code(m.id),
                ties: ties
                    .iter()
                    .filter(|t| t.member_id == m.id)
                    .cloned()
                    .collect(),
                member: m,
            })
            .collect();
        Ok(PoolView {
            kind_label: PoolKind::parse(&pool.kind)
                .map(|k| k.label().to_string())
                .unwrap_or_default(),
            pool,
            members,
        })
    }

    /// A jurisdiction's pools with their members and ties: the bureau head, and those who start
    /// special procedures there (who choose a pool for a case's draw).
    pub async fn pools_of(&self, who: &Principal, jurisdiction: &str) -> Result<Vec<PoolView>> {
        self.jurisdiction(jurisdiction)?;
        if who.require_in(Operation::Suspend, jurisdiction).is_err() {
            self.require_pools(who, jurisdiction)?;
        }
        let mut out = Vec::new();
        for p in self.store.pools_in(jurisdiction).await? {
            out.push(self.pool_view(p).await?);
        }
        Ok(out)
    }

    /// Creates a pool (the bureau head).
    pub async fn create_pool(
        &self,
        who: &Principal,
        jurisdiction: &str,
        input: &PoolInput,
    ) -> Result<PoolView> {
        self.jurisdiction(jurisdiction)?;
        self.require_pools(who, jurisdiction)?;
        let kind = AppError::choice::<PoolKind>("kind", &input.kind, |c| {
            format!("库的类别「{}」无效，应为：{c}", input.kind)
        })?;
        let name = required("name", &input.name, "请填写库的名称")?;
        let specialty = required("specialty", &input.specialty, "请填写专业类别")?;
        let mut w = self.pool_write(who).await?;
        let id =
            w.tx.insert_pool(&NewPool {
                jurisdiction,
                kind: kind.code(),
                name: &name,
                specialty: &specialty,
                created_by: &w.actor.name,
                created_at: w.at.timestamp_millis(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Taken { .. }) => {
                    AppError::Conflict(format!("本县区已有名为「{name}」的库"))
                }
                e => e.into(),
            })?;
        let event = w.event(
            jurisdiction,
            None,
            "expert_pool_create",
            format!("新建{}「{name}」（专业：{specialty}）", kind.label()),
            json!({"pool": id}),
        );
        w.finish(event).await?;
        self.pool_view(self.store.pool(id).await?.expect("just made"))
            .await
    }

    /// Adds a member to a pool (the bureau head): a member of staff of the jurisdiction by login,
    /// or an outside expert with an organisation.
    pub async fn add_pool_member(
        &self,
        who: &Principal,
        pool_id: i64,
        input: &MemberInput,
    ) -> Result<PoolView> {
        let pool = self.pool_for_manager(who, pool_id).await?;
        let login = input.login.trim();
        let (name, account, organisation) = if login.is_empty() {
            let name = required("name", &input.name, "请填写专家姓名")?;
            let org = required(
                "organisation",
                &input.organisation,
                "库外专家须填写工作单位",
            )?;
            (name, None, org)
        } else {
            let account = self
                .store
                .account_by_login(login)
                .await?
                .filter(|a| {
                    a.is_staff()
                        && a.active
                        && a.grants.iter().any(|g| g.jurisdiction == pool.jurisdiction)
                })
                .ok_or_else(|| {
                    AppError::field("login", format!("本县区没有在岗的工作人员账号「{login}」"))
                })?;
            let org = self
                .jurisdiction(&pool.jurisdiction)
                .map(|j| format!("{}行政审批服务局", j.name))
                .unwrap_or_default();
            (account.name, Some(account.id), org)
        };
        let title = input.title.trim();
        let mut w = self.pool_write(who).await?;
        let id =
            w.tx.insert_member(&NewMember {
                pool_id,
                name: &name,
                account_id: account,
                organisation: &organisation,
                title,
                created_by: &w.actor.name,
                created_at: w.at.timestamp_millis(),
            })
            .await?;
        let event = w.event(
            &pool.jurisdiction,
            None,
            "expert_member_add",
            format!(
                "{}「{}」新增{}成员 {}（{}，{organisation}）",
                PoolKind::parse(&pool.kind).map(|k| k.label()).unwrap_or(""),
                pool.name,
                if account.is_some() {
                    "局内"
                } else {
                    "局外"
                },
                member_code(id),
                yiyin_domain::ids::mask_name(&name),
            ),
            json!({"pool": pool_id, "member": id}),
        );
        w.finish(event).await?;
        self.pool_view(pool).await
    }

    /// Records a tie a member declared with an applicant (the bureau head): the member is left out
    /// of that applicant's draws from then on.
    pub async fn declare_pool_tie(
        &self,
        who: &Principal,
        member_id: i64,
        input: &TieInput,
    ) -> Result<PoolView> {
        let member =
            self.store.pool_member(member_id).await?.ok_or_else(|| {
                AppError::NotFound(format!("专家库成员（第{member_id}号）不存在"))
            })?;
        let pool = self.pool_for_manager(who, member.pool_id).await?;
        let kind = AppError::choice::<TieKind>("kind", &input.kind, |c| {
            format!("利害关系类别「{}」无效，应为：{c}", input.kind)
        })?;
        let holder = yiyin_domain::party::SubjectId::parse_any(input.holder_id.trim())
            .map_err(|e| AppError::field("holder_id", format!("申请人证件号码无效：{e}")))?;
        let note = input.note.trim();
        if kind == TieKind::OtherInterest && note.is_empty() {
            return Err(AppError::field("note", "其他利害关系须写明具体情形"));
        }
        let mut w = self.pool_write(who).await?;
        w.tx.insert_pool_tie(
            member_id,
            holder.as_str(),
            kind.code(),
            note,
            &w.actor.name,
            w.at.timestamp_millis(),
        )
        .await?;
        let event = w.event(
            &pool.jurisdiction,
            None,
            "expert_member_tie",
            format!(
                "{} 申报与申请人的利害关系：{}",
                member_code(member_id),
                kind.label()
            ),
            json!({"member": member_id, "kind": kind.code()}),
        );
        w.finish(event).await?;
        self.pool_view(pool).await
    }

    async fn pool_write(&self, who: &Principal) -> Result<AuditedWrite> {
        self.audited_write(who).await
    }

    /// Records a draw's round (its event last) and answers with the draw as it stands.
    async fn finish_round(
        &self,
        mut w: AuditedWrite,
        round: NextRound,
        (record, d): (&CaseRecord, &CaseDraw),
        who: &Principal,
    ) -> Result<DrawView> {
        let event = round.record(&mut w, record, d).await?;
        w.finish(event).await?;
        self.expert_draw(who, record.id).await
    }

    /// The case, for staff who may start its special procedures (Art. 45).
    async fn case_for_draw(&self, who: &Principal, case_id: i64) -> Result<CaseRecord> {
        let record = self.case_for(who, case_id).await?;
        who.require(Operation::Suspend, &self.case_scope(&record))?;
        Ok(record)
    }

    async fn draw_of(&self, case_id: i64) -> Result<CaseDraw> {
        self.store.case_draw(case_id).await?.ok_or_else(|| {
            AppError::Refused(Refusal::new(
                RULE,
                "本件尚未公布专家抽取的随机种子：须先公布种子，再抽取",
            ))
        })
    }

    /// Publishes the seed of a case's draw from a pool of its jurisdiction, for `count` members:
    /// the pool's active members and the exclusions (their declared ties with this applicant) are
    /// fixed now, with the seed; the draw comes after. Refused when the draw could not be made.
    pub async fn publish_expert_seed(
        &self,
        who: &Principal,
        case_id: i64,
        pool_id: i64,
        count: usize,
    ) -> Result<DrawView> {
        let record = self.case_for_draw(who, case_id).await?;
        if record.case.state != CaseState::Accepted {
            return Err(AppError::Refused(Refusal::new(
                RULE,
                format!(
                    "本件当前为「{}」，只有已受理、尚未决定且不在特别程序中的办件才能安排专家评审",
                    record.case.state.label()
                ),
            )));
        }
        if count == 0 || count > 15 {
            return Err(AppError::field("count", "抽取人数应为 1 至 15 名"));
        }
        let pool = self
            .store
            .pool(pool_id)
            .await?
            .filter(|p| p.jurisdiction == record.jurisdiction)
            .ok_or_else(|| AppError::field("pool_id", "本县区没有该专家库"))?;
        let holder = record.applicant.id_number.to_string();
        let holder = holder.as_str();
        let ties = self.store.pool_ties(pool_id).await?;
        let members: Vec<Member> = self
            .store
            .pool_members(pool_id)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .collect();
        let exclusions = members
            .iter()
            .flat_map(|m| {
                ties.iter()
                    .filter(move |t| t.member_id == m.id && t.holder_id == holder)
                    .map(|t| Exclusion {
                        member: member_code(m.id),
                        kind: ExclusionKind::Tie,
                        reason: tie_reason(t),
                    })
            })
            .collect();
        let mut input = ExpertDrawInput {
            seed: String::new(),
            case: record.number.clone(),
            count,
            members: members
                .iter()
                .map(|m| PoolMember {
                    id: member_code(m.id),
                    name: m.name.clone(),
                    organisation: m.organisation.clone(),
                    inside: m.account_id.is_some(),
                })
                .collect(),
            exclusions,
        };
        let digest = pools::pool_digest(&input);
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the operating system's random source works");
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        input.seed = pools::seed_of(&record.number, &digest, &nonce);
        // The draw must be possible with what is fixed now (only the counts decide that).
        pools::draw(&input).map_err(refused)?;
        let mut w = self.pool_write(who).await?;
        w.tx.insert_case_draw(
            case_id,
            pool_id,
            &record.jurisdiction,
            &input,
            &digest,
            &w.actor.name,
            w.at.timestamp_millis(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::Taken { .. }) => AppError::Conflict(
                "本件已公布专家抽取的随机种子，不能重新公布（同一种子抽取，可复核）".into(),
            ),
            e => e.into(),
        })?;
        let event = w.event(
            &record.jurisdiction,
            Some(case_id),
            "expert_seed",
            format!(
                "公布专家抽取随机种子 {}：从「{}」{} 名成员中抽取 {count} 名，{} 名因申报的利害关系回避；库摘要 {digest}",
                input.seed,
                pool.name,
                input.members.len(),
                input.exclusions.len()
            ),
            json!({"pool": pool_id, "seed": input.seed, "pool_digest": digest, "count": count}),
        );
        w.finish(event).await?;
        self.expert_draw(who, case_id).await
    }

    /// Makes the draw of a case with its published seed (once; later changes are redraws).
    pub async fn draw_case_experts(&self, who: &Principal, case_id: i64) -> Result<DrawView> {
        let record = self.case_for_draw(who, case_id).await?;
        let d = self.draw_of(case_id).await?;
        if d.result.is_some() {
            return Err(AppError::Refused(Refusal::new(
                RULE,
                "本件已经抽取，结果不能重新抽取；成员回避的，按回避处理后依同一随机种子顺延抽取",
            )));
        }
        let w = self.pool_write(who).await?;
        let round = next_round(&d, None, "首次抽取".into(), w.at.timestamp_millis())?;
        self.finish_round(w, round, (&record, &d), who).await
    }

    /// Records a drawn member's recusal (回避) before the review starts: the member is excluded and
    /// the draw goes on from the same seed. Refused, writing nothing, when too few would be left.
    pub async fn recuse_expert(
        &self,
        who: &Principal,
        case_id: i64,
        member: &str,
        reason: &str,
    ) -> Result<DrawView> {
        let record = self.case_for_draw(who, case_id).await?;
        let d = self.draw_of(case_id).await?;
        let reason = open_to_exclusion(&d, member, reason, "回避")?;
        let exclusion = Exclusion {
            member: member.to_string(),
            kind: ExclusionKind::Recusal,
            reason: reason.clone(),
        };
        let mut w = self.pool_write(who).await?;
        let why = format!("成员 {member} 本人回避，依同一随机种子顺延抽取");
        let round = next_round(&d, Some(exclusion), why, w.at.timestamp_millis())?;
        file_exclusion(&mut w, &d, member, ExclusionKind::Recusal, &reason).await?;
        let recusal = w.event(
            &record.jurisdiction,
            Some(case_id),
            "expert_recusal",
            format!("成员 {member} 回避：{reason}"),
            json!({"member": member}),
        );
        w.tx.append_events(&[recusal]).await?;
        self.finish_round(w, round, (&record, &d), who).await
    }

    /// The applicant's objection to a drawn member (申请回避), before the review starts.
    pub async fn object_to_expert(
        &self,
        who: &Principal,
        case_id: i64,
        member: &str,
        reason: &str,
    ) -> Result<DrawView> {
        let record = self.case_for(who, case_id).await?;
        if !who.is_applicant_of(&record) {
            return Err(AppError::Forbidden("只有本件申请人可以申请专家回避".into()));
        }
        let d = self.draw_of(case_id).await?;
        let reason = open_to_exclusion(&d, member, reason, "申请回避")?;
        if d.objections
            .iter()
            .any(|o| o.member == member && o.decision.is_empty())
        {
            return Err(AppError::Conflict(format!(
                "对成员 {member} 的回避申请尚在处理中"
            )));
        }
        let mut w = self.pool_write(who).await?;
        file_exclusion(&mut w, &d, member, ExclusionKind::Objection, &reason).await?;
        let event = w.event(
            &record.jurisdiction,
            Some(case_id),
            "expert_objection",
            format!("申请人申请成员 {member} 回避：{reason}"),
            json!({"member": member}),
        );
        w.finish(event).await?;
        self.expert_draw(who, case_id).await
    }

    /// Decides the applicant's objection: upheld, the member is excluded and the draw goes on from
    /// the same seed (refused, writing nothing, when too few would be left); rejected, with the
    /// reason.
    pub async fn decide_expert_objection(
        &self,
        who: &Principal,
        case_id: i64,
        objection: i64,
        uphold: bool,
        reason: &str,
    ) -> Result<DrawView> {
        let record = self.case_for_draw(who, case_id).await?;
        let d = self.draw_of(case_id).await?;
        pools::before_review(d.started_at.is_some(), "处理回避申请").map_err(refused)?;
        let o = d
            .objections
            .iter()
            .find(|o| o.id == objection && o.kind == ExclusionKind::Objection.code())
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("回避申请（第{objection}号）不存在")))?;
        if !o.decision.is_empty() {
            return Err(AppError::Conflict("该回避申请已经处理".into()));
        }
        let reason = pools::require_reason(reason, "处理回避申请").map_err(refused)?;
        let mut w = self.pool_write(who).await?;
        let round = if uphold {
            let exclusion = Exclusion {
                member: o.member.clone(),
                kind: ExclusionKind::Objection,
                reason: o.reason.clone(),
            };
            let why = format!(
                "申请人对成员 {} 的回避申请成立，依同一随机种子顺延抽取",
                o.member
            );
            Some(next_round(
                &d,
                Some(exclusion),
                why,
                w.at.timestamp_millis(),
            )?)
        } else {
            None
        };
        let decision = if uphold { "upheld" } else { "rejected" };
        w.tx.decide_objection(
            o.id,
            decision,
            &reason,
            &w.actor.name,
            w.at.timestamp_millis(),
        )
        .await?;
        let mut event = w.event(
            &record.jurisdiction,
            Some(case_id),
            "expert_objection_decision",
            format!(
                "申请人对成员 {} 的回避申请{}：{reason}",
                o.member,
                if uphold { "成立" } else { "不成立" }
            ),
            json!({"objection": o.id, "member": o.member, "upheld": uphold}),
        );
        if let Some(round) = round {
            w.tx.append_events(&[event]).await?;
            event = round.record(&mut w, &record, &d).await?;
        }
        w.finish(event).await?;
        self.expert_draw(who, case_id).await
    }

    /// Starts the expert review: the case's clock is suspended by its own `suspend` action (kind
    /// 专家评审, the expected days told in writing), then the draw is closed to recusal and
    /// objection.
    pub async fn start_expert_review(
        &self,
        who: &Principal,
        case_id: i64,
        expected_days: u32,
    ) -> Result<DrawView> {
        let record = self.case_for_draw(who, case_id).await?;
        let d = self.draw_of(case_id).await?;
        let Some(result) = &d.result else {
            return Err(AppError::Refused(Refusal::new(
                RULE,
                "尚未抽取专家，不能开始专家评审",
            )));
        };
        if d.started_at.is_some() {
            return Err(AppError::Conflict("专家评审已经开始".into()));
        }
        if d.objections
            .iter()
            .any(|o| o.decision.is_empty() && o.kind == "objection")
        {
            return Err(AppError::Refused(Refusal::new(
                RULE,
                "申请人的回避申请尚未处理，处理后方可开始专家评审",
            )));
        }
        let pool = self
            .store
            .pool(d.pool_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let action = Action::Suspend {
            kind: SuspensionKind::ExpertReview.code().into(),
            reason: format!(
                "组织专家评审：从「{pool}」随机抽取专家 {} 名（随机种子 {}）",
                result.drawn.len(),
                d.seed
            ),
            expected_days: Some(expected_days),
        };
        // A start whose second write failed left the case in its expert-review suspension with
        // the draw still open: a retry only records the start, so the clock is not stopped twice.
        let suspended_for_review = record
            .case
            .suspensions
            .iter()
            .any(|s| s.kind == SuspensionKind::ExpertReview && s.ended_on.is_none());
        if !suspended_for_review {
            self.act(
                who,
                ActOn {
                    case_id,
                    version: Some(record.version),
                    action,
                    uploads: vec![],
                },
            )
            .await?;
        }
        let mut w = self.pool_write(who).await?;
        w.tx.start_case_draw(d.id, w.at.timestamp_millis()).await?;
        let event = w.event(
            &record.jurisdiction,
            Some(case_id),
            "expert_review_start",
            format!("专家评审开始（预计 {expected_days} 日），抽取结果不再变更"),
            json!({"draw": d.id}),
        );
        w.finish(event).await?;
        self.expert_draw(who, case_id).await
    }

    /// A case's draw, if a seed was published: in full for staff, masked for the applicant.
    pub async fn expert_draw(&self, who: &Principal, case_id: i64) -> Result<DrawView> {
        self.case_for(who, case_id).await?;
        let d = self
            .store
            .case_draw(case_id)
            .await?
            .ok_or_else(|| AppError::NotFound("本件尚未公布专家抽取的随机种子".into()))?;
        let staff = who.is_staff();
        let pool_name = self
            .store
            .pool(d.pool_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let published = PublishedDraw {
            input: d.input.clone(),
            result: d.result.clone(),
        };
        let (published, rounds, objections) = if staff {
            (published, d.rounds.clone(), d.objections.clone())
        } else {
            let rounds = d
                .rounds
                .iter()
                .map(|r| Round {
                    result: pools::redact(&PublishedDraw {
                        input: d.input.clone(),
                        result: Some(r.result.clone()),
                    })
                    .result
                    .expect("a result"),
                    ..r.clone()
                })
                .collect();
            let objections = d
                .objections
                .iter()
                .map(|o| Objection {
                    reason: if o.kind == "objection" {
                        o.reason.clone()
                    } else {
                        String::new()
                    },
                    filed_by: String::new(),
                    decided_by: String::new(),
                    ..o.clone()
                })
                .collect();
            (pools::redact(&published), rounds, objections)
        };
        Ok(DrawView {
            case_id,
            pool_id: d.pool_id,
            pool_name,
            seed: d.seed,
            pool_digest: d.pool_digest,
            published,
            rounds,
            published_at: d.published_at,
            drawn_at: d.drawn_at,
            open: d.started_at.is_none(),
            started_at: d.started_at,
            objections,
        })
    }
}

/// A draw or redraw computed, not yet recorded.
struct NextRound {
    input: ExpertDrawInput,
    result: pools::ExpertDraw,
    rounds: Vec<Round>,
    reason: String,
}

/// The next round of a case's draw: its input with one more exclusion, drawn from the same seed.
fn next_round(
    d: &CaseDraw,
    exclusion: Option<Exclusion>,
    reason: String,
    at: i64,
) -> Result<NextRound> {
    let mut input = d.input.clone();
    input.exclusions.extend(exclusion);
    let result = pools::draw(&input).map_err(refused)?;
    let mut rounds = d.rounds.clone();
    rounds.push(Round {
        at,
        reason: reason.clone(),
        result: result.clone(),
    });
    Ok(NextRound {
        input,
        result,
        rounds,
        reason,
    })
}

impl NextRound {
    /// Records the round in the write; answers its event.
    async fn record(
        self,
        w: &mut AuditedWrite,
        record: &CaseRecord,
        d: &CaseDraw,
    ) -> Result<NewEvent> {
        w.tx.record_case_draw(
            d.id,
            &self.input,
            &self.result,
            &self.rounds,
            w.at.timestamp_millis(),
        )
        .await?;
        let drawn: Vec<String> = self.result.drawn.iter().map(|m| m.id.clone()).collect();
        Ok(w.event(
            &record.jurisdiction,
            Some(record.id),
            "expert_draw",
            format!(
                "抽取专家（{}，随机种子 {}）：{}",
                self.reason,
                self.input.seed,
                drawn.join("、")
            ),
            json!({"drawn": drawn, "passed_over": self.result.passed_over, "round": self.rounds.len()}),
        ))
    }
}

/// The checks before a drawn member's recusal or the applicant's objection (`act` names it): the
/// review has not started, the member is drawn, a reason is given; answers the reason trimmed.
fn open_to_exclusion(d: &CaseDraw, member: &str, reason: &str, act: &str) -> Result<String> {
    pools::before_review(d.started_at.is_some(), act).map_err(refused)?;
    pools::require_drawn(d.result.as_ref(), member).map_err(refused)?;
    pools::require_reason(reason, act).map_err(refused)
}

/// Files a recusal or an objection to a drawn member in the write.
async fn file_exclusion(
    w: &mut AuditedWrite,
    d: &CaseDraw,
    member: &str,
    kind: ExclusionKind,
    reason: &str,
) -> Result<()> {
    w.tx.insert_objection(
        d.id,
        member,
        kind.code(),
        reason,
        &w.actor.name,
        w.at.timestamp_millis(),
    )
    .await?;
    Ok(())
}

/// A tie's reason as an exclusion records it.
fn tie_reason(t: &PoolTie) -> String {
    let kind = TieKind::parse(&t.kind)
        .map(|k| k.label())
        .unwrap_or("利害关系");
    if t.note.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}：{}", t.note)
    }
}

fn required(field: &str, value: &str, message: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(AppError::field(field, message))
    } else if v.chars().count() > 100 {
        Err(AppError::field(field, "不能超过 100 字"))
    } else {
        Ok(v.to_string())
    }
}
