//! Expert and site-inspector pools (专家库、踏勘人员库) and the draw of the members who review or
//! inspect one case: members inside the bureau (an account) or outside it (an expert with an
//! organisation), by specialty; the ties a member declares with an applicant (任职单位、顾问、近亲属、
//! 曾评审其上一案件、其他利害关系); recusal (回避) by the member and the applicant's objection (申请回避)
//! before the review starts; and the draw itself.
//!
//! The draw is the random inspections' algorithm `yiyin-draw/1` ([`crate::inspection::draw`]), one
//! piece of code for both: the case is the one target (its id the case number), the pool's members
//! are the inspectors, `count` of them go to the target, and every exclusion is a tie with the
//! applicant. So the draw is a pure function of the seed (published before the draw), the pool and
//! the exclusions, and `yiyin draw --expert` re-runs it. Members are walked in the seed's shuffled
//! order, the excluded skipped: a redraw after an upheld objection or a recusal, with the same seed
//! and one more exclusion, keeps the members already drawn and takes the next eligible one of the
//! same order (the seed's next step).

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use thiserror::Error;

use crate::inspection::{self, DrawInput, Inspector, Risk, Target, Tie};

labelled_enum!(
    /// What a pool provides: reviewers of a case (专家评审) or site inspectors (现场踏勘).
    PoolKind {
        Expert = ("expert", "专家库"),
        Inspector = ("inspector", "踏勘人员库"),
    }
);

labelled_enum!(
    /// A tie a member declares with an applicant: the member may not review or inspect its case.
    TieKind {
        Employer = ("employer", "任职单位"),
        Adviser = ("adviser", "顾问"),
        Relative = ("relative", "近亲属"),
        ReviewedLastCase = ("reviewed_last_case", "曾评审其上一案件"),
        OtherInterest = ("other_interest", "其他利害关系"),
    }
);

labelled_enum!(
    /// Why a member is left out of a case's draw.
    ExclusionKind {
        Tie = ("tie", "申报的利害关系"),
        Recusal = ("recusal", "本人回避"),
        Objection = ("objection", "申请人申请回避（成立）"),
    }
);

/// The name and version of the draw algorithm (the random inspections').
pub use crate::inspection::ALGORITHM;

/// The label of a case's draw in the random stream: the inspection algorithm's target id.
const APPLICANT: &str = "申请人";

/// A member of a pool, as the draw sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolMember {
    /// The member's stable id in the pool (`E0001` …), never a personal number.
    pub id: String,
    pub name: String,
    /// The organisation an outside member works for; the bureau for a member inside it.
    pub organisation: String,
    /// Whether the member is a member of staff (an account of the bureau).
    pub inside: bool,
}

impl PoolMember {
    /// The member as an inspector of the random-inspection draw the expert draw shares.
    pub fn as_inspector(&self) -> Inspector {
        Inspector {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// A member left out of a case's draw, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exclusion {
    pub member: String,
    pub kind: ExclusionKind,
    /// The tie's kind and note, the recusal's or the objection's reason.
    pub reason: String,
}

/// Everything a case's draw depends on; published with the seed before the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpertDrawInput {
    pub seed: String,
    /// The case number (the label of the random stream).
    pub case: String,
    /// How many members to draw.
    pub count: usize,
    pub members: Vec<PoolMember>,
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
}

/// The result of a case's draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpertDraw {
    /// Always [`ALGORITHM`].
    pub algorithm: String,
    pub seed: String,
    /// The drawn members, in draw order.
    pub drawn: Vec<PoolMember>,
    /// The excluded members met in the draw order before the draw was complete.
    pub passed_over: Vec<String>,
}

/// A published draw: what `yiyin draw --expert` takes (the input and, once drawn, the result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedDraw {
    pub input: ExpertDrawInput,
    #[serde(default)]
    pub result: Option<ExpertDraw>,
}

/// Why a draw, or an act on it, is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PoolError {
    #[error("随机种子不能为空")]
    EmptySeed,
    #[error("抽取人数至少为 1 名")]
    NoCount,
    #[error("库中成员「{0}」重复")]
    DuplicateMember(String),
    #[error("回避的成员「{0}」不在本次抽取的库中")]
    UnknownExclusion(String),
    #[error(
        "可抽取的成员不足，不能抽取：库中共 {pool} 名，除去须回避的 {excluded} 名后仅余 {eligible} 名，本次需要 {needed} 名；请先补充库中成员（《行政许可法》第四十五条专家评审须有足够的无利害关系专家）"
    )]
    TooFew {
        pool: usize,
        excluded: usize,
        eligible: usize,
        needed: usize,
    },
    #[error("与公布的抽取结果不一致：公布的结果不是由公布的库、回避名单和随机种子得出的")]
    Mismatch,
    #[error("{0}")]
    Rule(String),
}

/// Makes a case's draw (module documentation): refused in Chinese when the seed is empty, the pool
/// has duplicates, an exclusion names a stranger, or too few members are eligible.
pub fn draw(input: &ExpertDrawInput) -> Result<ExpertDraw, PoolError> {
    if input.seed.trim().is_empty() {
        return Err(PoolError::EmptySeed);
    }
    if input.count == 0 {
        return Err(PoolError::NoCount);
    }
    let mut ids: Vec<&str> = input.members.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(PoolError::DuplicateMember(w[0].to_string()));
    }
    if let Some(e) = input
        .exclusions
        .iter()
        .find(|e| ids.binary_search(&e.member.as_str()).is_err())
    {
        return Err(PoolError::UnknownExclusion(e.member.clone()));
    }
    let excluded = excluded_ids(input).len();
    let eligible = input.members.len() - excluded;
    if eligible < input.count {
        return Err(PoolError::TooFew {
            pool: input.members.len(),
            excluded,
            eligible,
            needed: input.count,
        });
    }
    let shared = DrawInput {
        seed: input.seed.clone(),
        targets: vec![Target {
            id: input.case.clone(),
            holder: APPLICANT.into(),
            holder_id: APPLICANT.into(),
            item_code: String::new(),
            risk: Risk::Low,
        }],
        inspectors: input.members.iter().map(PoolMember::as_inspector).collect(),
        target_count: 1,
        inspectors_per_target: input.count,
        ties: input
            .exclusions
            .iter()
            .map(|e| Tie {
                inspector: e.member.clone(),
                holder_id: APPLICANT.into(),
                reason: e.reason.clone(),
            })
            .collect(),
    };
    let result = inspection::draw(&shared).map_err(|e| PoolError::Rule(e.to_string()))?;
    let pick = result.picks.into_iter().next().expect("one target drawn");
    let member = |id: &str| {
        input
            .members
            .iter()
            .find(|m| m.id == id)
            .cloned()
            .expect("a drawn member is in the pool")
    };
    Ok(ExpertDraw {
        algorithm: result.algorithm,
        seed: result.seed,
        drawn: pick.inspectors.iter().map(|i| member(&i.id)).collect(),
        passed_over: pick.recused,
    })
}

/// The distinct members excluded.
fn excluded_ids(input: &ExpertDrawInput) -> Vec<&str> {
    let mut out: Vec<&str> = input.exclusions.iter().map(|e| e.member.as_str()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Re-runs a published draw; when it carries a result, checks the two agree.
pub fn rerun(published: &PublishedDraw) -> Result<ExpertDraw, PoolError> {
    let result = draw(&published.input)?;
    match &published.result {
        Some(p) if *p != result => Err(PoolError::Mismatch),
        _ => Ok(result),
    }
}

/// The draw as the applicant and the public see it: names masked (姓 and stars), the reasons of
/// exclusions withheld; ids, order and kinds kept, so that re-running the public input gives the
/// public result.
pub fn redact(published: &PublishedDraw) -> PublishedDraw {
    let member = |m: &PoolMember| PoolMember {
        name: crate::ids::mask_name(&m.name),
        ..m.clone()
    };
    PublishedDraw {
        input: ExpertDrawInput {
            members: published.input.members.iter().map(member).collect(),
            exclusions: published
                .input
                .exclusions
                .iter()
                .map(|e| Exclusion {
                    reason: String::new(),
                    ..e.clone()
                })
                .collect(),
            ..published.input.clone()
        },
        result: published.result.as_ref().map(|r| ExpertDraw {
            drawn: r.drawn.iter().map(member).collect(),
            ..r.clone()
        }),
    }
}

/// The seed of a case's draw, fixed and published before the draw: the SM3 (hex) of
/// `yiyin-expert-seed/1|<case number>|<pool digest>|<random nonce>`. The nonce comes from the
/// operating system when the seed is published; the pool digest commits the seed to the pool.
pub fn seed_of(case: &str, pool_digest: &str, nonce: &str) -> String {
    sm3_hex(format!("yiyin-expert-seed/1|{case}|{pool_digest}|{nonce}").as_bytes())
}

/// The SM3 digest (hex) of a pool as drawn from: its members' ids and organisations, sorted, and
/// the exclusions' members and kinds.
pub fn pool_digest(input: &ExpertDrawInput) -> String {
    let mut members: Vec<String> = input
        .members
        .iter()
        .map(|m| format!("{}:{}", m.id, m.organisation))
        .collect();
    members.sort();
    let mut excluded: Vec<String> = input
        .exclusions
        .iter()
        .map(|e| format!("{}:{}", e.member, e.kind.code()))
        .collect();
    excluded.sort();
    sm3_hex(
        format!(
            "yiyin-expert-pool/1|{}|{}",
            members.join(","),
            excluded.join(",")
        )
        .as_bytes(),
    )
}

fn sm3_hex(bytes: &[u8]) -> String {
    Sm3::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a drawn member may still be recused or objected to: only before the review starts.
pub fn before_review(started: bool, what: &str) -> Result<(), PoolError> {
    if started {
        Err(PoolError::Rule(format!(
            "专家评审已经开始，不能再{what}：回避应在评审开始前提出"
        )))
    } else {
        Ok(())
    }
}

/// Whether the member is one of those drawn (recusal and objection concern the drawn only).
pub fn require_drawn(result: Option<&ExpertDraw>, member: &str) -> Result<(), PoolError> {
    let Some(result) = result else {
        return Err(PoolError::Rule("尚未抽取，没有可回避的成员".into()));
    };
    if result.drawn.iter().any(|m| m.id == member) {
        Ok(())
    } else {
        Err(PoolError::Rule(format!(
            "成员「{member}」不在本次抽取的名单中，无需回避"
        )))
    }
}

/// Checks a reason is given (recusal, objection, its decision, a tie's note where needed).
pub fn require_reason(reason: &str, what: &str) -> Result<String, PoolError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(PoolError::Rule(format!("请写明{what}的理由")))
    } else if r.chars().count() > 500 {
        Err(PoolError::Rule(format!("{what}的理由不能超过 500 字")))
    } else {
        Ok(r.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn member(n: usize) -> PoolMember {
        PoolMember {
            id: format!("E{n:04}"),
            name: format!("专家{n}"),
            organisation: if n.is_multiple_of(2) {
                "汉阴县行政审批服务局".into()
            } else {
                format!("设计院{n}")
            },
            inside: n.is_multiple_of(2),
        }
    }

    fn input(seed: &str, pool: usize, count: usize, excluded: &[usize]) -> ExpertDrawInput {
        ExpertDrawInput {
            seed: seed.into(),
            case: "HY20250303-0001".into(),
            count,
            members: (0..pool).map(member).collect(),
            exclusions: excluded
                .iter()
                .map(|n| Exclusion {
                    member: format!("E{n:04}"),
                    kind: ExclusionKind::Tie,
                    reason: "任职单位".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn too_few_eligible_members_is_refused_in_chinese() {
        let e = draw(&input("s", 4, 3, &[0, 1])).unwrap_err();
        assert_eq!(
            e,
            PoolError::TooFew {
                pool: 4,
                excluded: 2,
                eligible: 2,
                needed: 3
            }
        );
        assert!(e.to_string().contains("可抽取的成员不足"), "{e}");
        assert_eq!(draw(&input(" ", 4, 1, &[])), Err(PoolError::EmptySeed));
        assert_eq!(draw(&input("s", 4, 0, &[])), Err(PoolError::NoCount));
        let mut stranger = input("s", 4, 1, &[]);
        stranger.exclusions.push(Exclusion {
            member: "E9999".into(),
            kind: ExclusionKind::Recusal,
            reason: "x".into(),
        });
        assert_eq!(
            draw(&stranger),
            Err(PoolError::UnknownExclusion("E9999".into()))
        );
    }

    #[test]
    fn a_redraw_keeps_the_drawn_and_takes_the_next_of_the_same_order() {
        let first = draw(&input("种子", 8, 3, &[])).unwrap();
        let out = first.drawn[1].id.clone();
        let mut again = input("种子", 8, 3, &[]);
        again.exclusions.push(Exclusion {
            member: out.clone(),
            kind: ExclusionKind::Objection,
            reason: "曾为申请人顾问".into(),
        });
        let second = draw(&again).unwrap();
        assert!(second.drawn.iter().all(|m| m.id != out));
        for kept in first.drawn.iter().filter(|m| m.id != out) {
            assert!(second.drawn.contains(kept), "{kept:?} kept");
        }
        assert_eq!(second.passed_over, vec![out]);
    }

    #[test]
    fn the_public_draw_reruns_to_the_public_result_and_a_forged_one_is_caught() {
        let i = input("公开种子", 6, 2, &[3]);
        let result = draw(&i).unwrap();
        let published = PublishedDraw {
            input: i,
            result: Some(result),
        };
        let public = redact(&published);
        assert!(public.input.members.iter().all(|m| m.name.contains('*')));
        assert_eq!(rerun(&public).unwrap(), public.result.clone().unwrap());
        let mut forged = published.clone();
        forged.result.as_mut().unwrap().drawn.reverse();
        assert_eq!(rerun(&forged), Err(PoolError::Mismatch));
    }

    #[test]
    fn the_draw_is_the_inspection_algorithm() {
        // The same shuffle as a random inspection of one target with the members as inspectors.
        let i = input("同一算法", 7, 2, &[]);
        let shared = inspection::draw(&DrawInput {
            seed: i.seed.clone(),
            targets: vec![Target {
                id: i.case.clone(),
                holder: "x".into(),
                holder_id: "y".into(),
                item_code: String::new(),
                risk: Risk::High,
            }],
            inspectors: i.members.iter().map(PoolMember::as_inspector).collect(),
            target_count: 1,
            inspectors_per_target: 2,
            ties: vec![],
        })
        .unwrap();
        let ours = draw(&i).unwrap();
        let theirs: Vec<&str> = shared.picks[0]
            .inspectors
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        let mine: Vec<&str> = ours.drawn.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(mine, theirs);
        assert_eq!(ours.algorithm, ALGORITHM);
    }

    proptest! {
        #[test]
        fn same_seed_pool_and_exclusions_give_the_same_draw(
            seed in "[a-z0-9]{1,16}",
            pool in 1usize..20,
            count in 1usize..6,
            excluded in proptest::collection::vec(0usize..20, 0..6),
            reversed in any::<bool>(),
        ) {
            let a = input(&seed, pool, count, &[]);
            let mut a = ExpertDrawInput {
                exclusions: input(&seed, 20, count, &excluded).exclusions
                    .into_iter().filter(|e| a.members.iter().any(|m| m.id == e.member)).collect(),
                ..a
            };
            let first = draw(&a);
            // The order of the lists does not matter.
            if reversed {
                a.members.reverse();
                a.exclusions.reverse();
            }
            prop_assert_eq!(first, draw(&a));
        }

        #[test]
        fn an_excluded_member_is_never_drawn_and_none_twice(
            seed in "[a-z0-9]{1,16}",
            pool in 1usize..20,
            count in 1usize..8,
            excluded in proptest::collection::hash_set(0usize..20, 0..8),
        ) {
            let excluded: Vec<usize> = excluded.into_iter().filter(|n| *n < pool).collect();
            let i = input(&seed, pool, count, &excluded);
            match draw(&i) {
                Ok(d) => {
                    prop_assert_eq!(d.drawn.len(), count);
                    let ids: HashSet<&str> = d.drawn.iter().map(|m| m.id.as_str()).collect();
                    prop_assert_eq!(ids.len(), count, "no member twice");
                    for n in &excluded {
                        let id = format!("E{n:04}");
                        prop_assert!(!ids.contains(id.as_str()), "excluded {} drawn", id);
                    }
                    for p in &d.passed_over {
                        prop_assert!(i.exclusions.iter().any(|e| &e.member == p));
                    }
                }
                Err(e) => {
                    prop_assert!(pool - excluded.len() < count, "refused only when too few: {}", e);
                    prop_assert!(e.to_string().contains("可抽取的成员不足"));
                }
            }
        }
    }
}
