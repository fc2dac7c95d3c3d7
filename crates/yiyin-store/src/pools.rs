//! Storage of the expert and site-inspector pools (专家库、踏勘人员库): pools, members, their declared
//! ties with applicants, each case's draw (seed and input published before it, result, redraws,
//! start of the review) and the recusals and objections on it. Rules live in
//! `yiyin_domain::pools`; storage only here.

use serde::Serialize;
use yiyin_domain::pools::{ExpertDraw, ExpertDrawInput};

use crate::rows::{Json, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A pool.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Pool {
        pub id: i64,
        pub jurisdiction: String,
        /// expert | inspector.
        pub kind: String,
        pub name: String,
        pub specialty: String,
        pub created_by: String,
        pub created_at: i64,
    }
}

record! {
    /// A pool's member: staff (`account_id`) or an outside expert.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Member {
        pub id: i64,
        pub pool_id: i64,
        pub name: String,
        pub account_id: Option<i64>,
        pub organisation: String,
        pub title: String,
        pub active: bool,
        pub created_at: i64,
    }
}

record! {
    /// A tie a member declared with an applicant.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PoolTie {
        pub id: i64,
        pub member_id: i64,
        pub holder_id: String,
        /// A `TieKind` code.
        pub kind: String,
        pub note: String,
        pub declared_by: String,
        pub declared_at: i64,
    }
}

record! {
    /// A recusal or an objection on a case's draw, and its decision ('' pending, upheld, rejected).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Objection {
        pub id: i64,
        pub draw_id: i64,
        pub member: String,
        /// recusal | objection.
        pub kind: String,
        pub reason: String,
        pub filed_by: String,
        pub filed_at: i64,
        pub decision: String,
        pub decision_reason: String,
        pub decided_by: String,
        pub decided_at: Option<i64>,
    }
}

/// One draw or redraw of a case, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub at: i64,
    /// Why this round: the first draw, or the exclusion that led to the redraw.
    pub reason: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub result: ExpertDraw,
}

record! {
    struct DrawRow {
        id: i64,
        case_id: i64,
        pool_id: i64,
        jurisdiction: String,
        seed: String,
        pool_digest: String,
        input: Json<ExpertDrawInput>,
        published_by: String,
        published_at: i64,
        result: Option<Json<ExpertDraw>>,
        rounds: Json<Vec<Round>>,
        drawn_at: Option<i64>,
        started_at: Option<i64>,
    }
}

/// A case's draw as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDraw {
    pub id: i64,
    pub case_id: i64,
    pub pool_id: i64,
    pub jurisdiction: String,
    pub seed: String,
    pub pool_digest: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input: ExpertDrawInput,
    pub published_by: String,
    pub published_at: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<ExpertDraw>,
    pub rounds: Vec<Round>,
    pub drawn_at: Option<i64>,
    pub started_at: Option<i64>,
    pub objections: Vec<Objection>,
}

/// A pool to create.
#[derive(Debug, Clone)]
pub struct NewPool<'a> {
    pub jurisdiction: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub specialty: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
}

/// A member to add.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub pool_id: i64,
    pub name: &'a str,
    pub account_id: Option<i64>,
    pub organisation: &'a str,
    pub title: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
}

impl WriteTx {
    pub async fn insert_pool(&mut self, p: &NewPool<'_>) -> Result<i64> {
        let taken: Option<i64> = sql!(
            "SELECT id FROM expert_pools WHERE jurisdiction = $1 AND name = $2";
            p.jurisdiction, p.name
        )
        .optional_scalar(&mut **self)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "pool",
                value: p.name.to_string(),
            }));
        }
        insert!("expert_pools", p;
            jurisdiction, kind, name, specialty, created_by, created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    pub async fn insert_member(&mut self, m: &NewMember<'_>) -> Result<i64> {
        insert!("pool_members", m;
            pool_id, name, account_id, organisation, title, active = 1_i64, created_by, created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    pub async fn set_member_active(&mut self, id: i64, active: bool) -> Result<()> {
        sql!("UPDATE pool_members SET active = $1 WHERE id = $2"; i64::from(active), id)
            .run_once(&mut **self, "pool member")
            .await
    }

    pub async fn insert_pool_tie(
        &mut self,
        member_id: i64,
        holder_id: &str,
        kind: &str,
        note: &str,
        declared_by: &str,
        declared_at: i64,
    ) -> Result<i64> {
        insert!("pool_ties"; member_id, holder_id, kind, note, declared_by, declared_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Records a case's published seed and input; one draw per case.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_case_draw(
        &mut self,
        case_id: i64,
        pool_id: i64,
        jurisdiction: &str,
        input: &ExpertDrawInput,
        pool_digest: &str,
        published_by: &str,
        published_at: i64,
    ) -> Result<i64> {
        let taken: Option<i64> = sql!("SELECT id FROM expert_draws WHERE case_id = $1"; case_id)
            .optional_scalar(&mut **self)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "expert draw",
                value: case_id.to_string(),
            }));
        }
        insert!("expert_draws";
            case_id, pool_id, jurisdiction, seed = &input.seed, pool_digest,
            input = serde_json::to_string(input)?, published_by, published_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Records a draw or redraw: the input (with its exclusions), the result and the rounds.
    pub async fn record_case_draw(
        &mut self,
        id: i64,
        input: &ExpertDrawInput,
        result: &ExpertDraw,
        rounds: &[Round],
        at: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE expert_draws SET input = $1, result = $2, rounds = $3, drawn_at = $4
             WHERE id = $5 AND started_at IS NULL";
            serde_json::to_string(input)?, serde_json::to_string(result)?,
            serde_json::to_string(rounds)?, at, id
        )
        .run_once(&mut **self, "expert draw")
        .await
    }

    pub async fn start_case_draw(&mut self, id: i64, at: i64) -> Result<()> {
        sql!("UPDATE expert_draws SET started_at = $1 WHERE id = $2 AND started_at IS NULL"; at, id)
            .run_once(&mut **self, "expert draw")
            .await
    }

    pub async fn insert_objection(
        &mut self,
        draw_id: i64,
        member: &str,
        kind: &str,
        reason: &str,
        filed_by: &str,
        filed_at: i64,
    ) -> Result<i64> {
        insert!("expert_objections"; draw_id, member, kind, reason, filed_by, filed_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    pub async fn decide_objection(
        &mut self,
        id: i64,
        decision: &str,
        reason: &str,
        by: &str,
        at: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE expert_objections SET decision = $1, decision_reason = $2, decided_by = $3, decided_at = $4
             WHERE id = $5 AND decision = ''";
            decision, reason, by, at, id
        )
        .run_once(&mut **self, "objection")
        .await
    }
}

impl Store {
    pub async fn pools_in(&self, jurisdiction: &str) -> Result<Vec<Pool>> {
        sql!(select::<Pool>("expert_pools WHERE jurisdiction = $1 ORDER BY id"); jurisdiction)
            .all(self.reader())
            .await
    }

    pub async fn pool(&self, id: i64) -> Result<Option<Pool>> {
        sql!(select::<Pool>("expert_pools WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    pub async fn pool_members(&self, pool_id: i64) -> Result<Vec<Member>> {
        sql!(select::<Member>("pool_members WHERE pool_id = $1 ORDER BY id"); pool_id)
            .all(self.reader())
            .await
    }

    pub async fn pool_member(&self, id: i64) -> Result<Option<Member>> {
        sql!(select::<Member>("pool_members WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The ties declared by the members of a pool.
    pub async fn pool_ties(&self, pool_id: i64) -> Result<Vec<PoolTie>> {
        let from = "pool_ties WHERE member_id IN (SELECT id FROM pool_members WHERE pool_id = $1) ORDER BY id";
        sql!(select::<PoolTie>(from); pool_id)
            .all(self.reader())
            .await
    }

    /// A case's draw, if a seed was published for it.
    pub async fn case_draw(&self, case_id: i64) -> Result<Option<CaseDraw>> {
        let row: Option<DrawRow> =
            sql!(select::<DrawRow>("expert_draws WHERE case_id = $1"); case_id)
                .optional(self.reader())
                .await?;
        let Some(r) = row else { return Ok(None) };
        let objections =
            sql!(select::<Objection>("expert_objections WHERE draw_id = $1 ORDER BY id"); r.id)
                .all(self.reader())
                .await?;
        Ok(Some(CaseDraw {
            id: r.id,
            case_id: r.case_id,
            pool_id: r.pool_id,
            jurisdiction: r.jurisdiction,
            seed: r.seed,
            pool_digest: r.pool_digest,
            input: r.input.0,
            published_by: r.published_by,
            published_at: r.published_at,
            result: r.result.map(|j| j.0),
            rounds: r.rounds.0,
            drawn_at: r.drawn_at,
            started_at: r.started_at,
            objections,
        }))
    }
}
