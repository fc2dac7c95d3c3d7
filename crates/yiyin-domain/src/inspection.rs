//! Random supervision inspections (双随机一公开): the reproducible draw of inspection targets
//! from the pool of licensees and of inspectors for each target, with recusal for declared ties.
//!
//! The draw is a pure function of its input, so that anyone holding the published seed and pools
//! can re-run it and obtain the same result. Algorithm `yiyin-draw/1`, exactly:
//!
//! 1. **Validation**, in this order: the seed must not be empty or only whitespace; the target pool
//!    must not be empty and `1 ≤ target_count ≤ number of targets`; `inspectors_per_target ≥ 1`;
//!    target ids are unique; inspector ids are unique.
//! 2. **Canonical order**: targets are sorted by `id`, inspectors by `id`, both by byte-wise
//!    comparison of the UTF-8 strings. The order of the input lists therefore does not matter.
//! 3. **Random stream** for a label `L`: block `k` (`k = 0, 1, 2, …`) is
//!    `SM3(seed ‖ "|" ‖ L ‖ "|" ‖ k)`, where the seed is taken exactly as given (UTF-8, not trimmed)
//!    and `k` is written in decimal ASCII without leading zeros. Each 32-byte block yields four
//!    `u64`, bytes 0–7, 8–15, 16–23, 24–31, each read big-endian; the stream is these numbers in
//!    order, block after block. The label is `targets` for the target shuffle and
//!    `inspectors|` followed by the target's `id` for that target's inspector shuffle.
//! 4. **Uniform integer** in `[0, n)` for `n ≥ 2`: let `zone = u64::MAX − (u64::MAX mod n)`;
//!    take the next number `x` of the stream; if `x < zone` the result is `x mod n`, otherwise
//!    discard `x` and take the next one (rejection sampling, so there is no modulo bias).
//! 5. **Shuffle** (Fisher–Yates from the end) of a list of length `len` with a stream: for
//!    `i = len − 1` down to `1`, `j = uniform(i + 1)`, swap the elements at `i` and `j`.
//! 6. **Targets**: shuffle the sorted targets with the `targets` stream; the picks are the first
//!    `target_count` of the shuffled list, in that order.
//! 7. **Inspectors**: for each pick in pick order, shuffle a fresh copy of the sorted inspectors
//!    with that pick's `inspectors|<id>` stream, then walk the shuffled list: an inspector for whom
//!    a tie exists with the same inspector id and the target's `holder_id` (exact string equality)
//!    is skipped and recorded in `recused`; any other is assigned; the walk stops as soon as
//!    `inspectors_per_target` are assigned. If the list ends first, the draw fails. Inspectors may
//!    serve several targets.

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use thiserror::Error;

/// The name and version of the algorithm above, recorded in every draw.
pub const ALGORITHM: &str = "yiyin-draw/1";

labelled_enum!(
    /// The risk class of a licensee (风险等级), used to build separate pools.
    Risk {
        Low = ("low", "低风险"),
        Medium = ("medium", "中风险"),
        High = ("high", "高风险"),
    }
);

/// A licensee that may be inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// The licence identifier.
    pub id: String,
    /// The licence holder's name.
    pub holder: String,
    /// The holder's citizen ID number or unified social credit code.
    pub holder_id: String,
    /// The catalog item the licence was issued under.
    pub item_code: String,
    pub risk: Risk,
}

/// A law-enforcement officer in the inspector pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspector {
    /// The account login.
    pub id: String,
    pub name: String,
}

/// A declared tie between an inspector and a licence holder: the inspector must recuse (回避).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tie {
    /// The inspector's id.
    pub inspector: String,
    /// The holder's citizen ID number or unified social credit code.
    pub holder_id: String,
    pub reason: String,
}

/// Everything the draw depends on; publishing it lets anyone re-run the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawInput {
    pub seed: String,
    pub targets: Vec<Target>,
    pub inspectors: Vec<Inspector>,
    /// How many targets to pick.
    pub target_count: usize,
    /// How many inspectors go to each target; two when absent (law enforcement needs two officers).
    #[serde(default = "default_inspectors_per_target")]
    pub inspectors_per_target: usize,
    #[serde(default)]
    pub ties: Vec<Tie>,
}

fn default_inspectors_per_target() -> usize {
    2
}

/// The result of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draw {
    /// Always [`ALGORITHM`].
    pub algorithm: String,
    pub seed: String,
    /// The picked targets, in draw order.
    pub picks: Vec<Pick>,
}

/// One picked target with its inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pick {
    pub target: Target,
    /// The assigned inspectors, in draw order.
    pub inspectors: Vec<Inspector>,
    /// Ids of the inspectors skipped for a tie with this target's holder, in draw order.
    pub recused: Vec<String>,
}

/// Why a draw cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrawError {
    #[error("种子不能为空")]
    EmptySeed,
    #[error("检查对象名录为空，无法抽取")]
    NoTargets,
    #[error(
        "抽取数量 {requested} 无效：检查对象名录共有 {pool} 个对象，抽取数量须在 1 至 {pool} 之间"
    )]
    TargetCount { requested: usize, pool: usize },
    #[error("每个检查对象的检查人员数不能为 0")]
    NoInspectorsPerTarget,
    #[error("检查对象「{0}」重复")]
    DuplicateTarget(String),
    #[error("检查人员「{0}」重复")]
    DuplicateInspector(String),
    #[error(
        "检查对象「{target}」（{holder}）可指派的检查人员不足（已除去须回避的人员）：需要 {needed} 名，仅有 {available} 名"
    )]
    NotEnoughInspectors {
        target: String,
        holder: String,
        needed: usize,
        available: usize,
    },
}

/// Makes the draw described in the module documentation.
pub fn draw(input: &DrawInput) -> Result<Draw, DrawError> {
    if input.seed.trim().is_empty() {
        return Err(DrawError::EmptySeed);
    }
    let pool = input.targets.len();
    if pool == 0 {
        return Err(DrawError::NoTargets);
    }
    if input.target_count == 0 || input.target_count > pool {
        return Err(DrawError::TargetCount {
            requested: input.target_count,
            pool,
        });
    }
    let per_target = input.inspectors_per_target;
    if per_target == 0 {
        return Err(DrawError::NoInspectorsPerTarget);
    }
    let mut targets = input.targets.clone();
    targets.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(w) = targets.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(DrawError::DuplicateTarget(w[0].id.clone()));
    }
    let mut inspectors = input.inspectors.clone();
    inspectors.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(w) = inspectors.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(DrawError::DuplicateInspector(w[0].id.clone()));
    }

    shuffle(&mut targets, &mut Stream::new(&input.seed, "targets"));
    targets.truncate(input.target_count);

    let mut picks = Vec::with_capacity(targets.len());
    for target in targets {
        let mut order = inspectors.clone();
        let label = format!("inspectors|{}", target.id);
        shuffle(&mut order, &mut Stream::new(&input.seed, &label));
        let mut assigned = Vec::with_capacity(per_target);
        let mut recused = Vec::new();
        for inspector in order {
            if assigned.len() == per_target {
                break;
            }
            let tied = input
                .ties
                .iter()
                .any(|t| t.inspector == inspector.id && t.holder_id == target.holder_id);
            if tied {
                recused.push(inspector.id);
            } else {
                assigned.push(inspector);
            }
        }
        if assigned.len() < per_target {
            return Err(DrawError::NotEnoughInspectors {
                target: target.id,
                holder: target.holder,
                needed: per_target,
                available: assigned.len(),
            });
        }
        picks.push(Pick {
            target,
            inspectors: assigned,
            recused,
        });
    }
    Ok(Draw {
        algorithm: ALGORITHM.to_string(),
        seed: input.seed.clone(),
        picks,
    })
}

/// The random stream of step 3: SM3 blocks cut into big-endian `u64`.
struct Stream<'a> {
    seed: &'a str,
    label: &'a str,
    block: u64,
    words: [u64; 4],
    used: usize,
}

impl<'a> Stream<'a> {
    fn new(seed: &'a str, label: &'a str) -> Self {
        Stream {
            seed,
            label,
            block: 0,
            words: [0; 4],
            used: 4,
        }
    }

    fn next_u64(&mut self) -> u64 {
        if self.used == 4 {
            let mut hasher = Sm3::new();
            hasher.update(self.seed.as_bytes());
            hasher.update(b"|");
            hasher.update(self.label.as_bytes());
            hasher.update(b"|");
            hasher.update(self.block.to_string().as_bytes());
            let digest = hasher.finalize();
            for (word, bytes) in self.words.iter_mut().zip(digest.chunks_exact(8)) {
                *word = u64::from_be_bytes(bytes.try_into().expect("8-byte chunk"));
            }
            self.block += 1;
            self.used = 0;
        }
        self.used += 1;
        self.words[self.used - 1]
    }

    /// A uniform integer in `[0, n)`, `n ≥ 1`, by rejection sampling (step 4).
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Fisher–Yates from the end (step 5).
fn shuffle<T>(items: &mut [T], stream: &mut Stream<'_>) {
    for i in (1..items.len()).rev() {
        let j = stream.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// The draw as the public sees it: licensees' ID numbers replaced by per-plan pseudonyms (对象001 …)
/// and natural persons' names masked, inspectors' accounts by 检查人员01 … in the same order, the
/// reasons of ties withheld. The pseudonyms keep every order and equality the draw depends on, so
/// `draw(&public.0) == public.1`: anyone re-runs the published draw without seeing personal data.
pub fn redact(input: &DrawInput, result: Option<&Draw>) -> (DrawInput, Option<Draw>) {
    use std::collections::BTreeMap;
    let mut holders: BTreeMap<String, String> = BTreeMap::new();
    let mut sorted = input.targets.clone();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for t in &sorted {
        let n = holders.len() + 1;
        holders
            .entry(t.holder_id.clone())
            .or_insert_with(|| format!("对象{n:03}"));
    }
    let mut logins: Vec<&str> = input.inspectors.iter().map(|i| i.id.as_str()).collect();
    logins.sort();
    logins.dedup();
    let width = logins.len().to_string().len().max(2);
    let inspectors: BTreeMap<&str, String> = logins
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, format!("检查人员{:0width$}", i + 1)))
        .collect();
    let holder = |id: &str| holders.get(id).cloned().unwrap_or_else(|| "名录外".into());
    let inspector = |id: &str| {
        inspectors
            .get(id)
            .cloned()
            .unwrap_or_else(|| "名录外".into())
    };
    let target = |t: &Target| Target {
        id: t.id.clone(),
        holder: if crate::ids::CitizenId::parse(&t.holder_id).is_ok() {
            crate::ids::mask_name(&t.holder)
        } else {
            t.holder.clone()
        },
        holder_id: holder(&t.holder_id),
        item_code: t.item_code.clone(),
        risk: t.risk,
    };
    let person = |i: &Inspector| Inspector {
        id: inspector(&i.id),
        name: i.name.clone(),
    };
    let public_input = DrawInput {
        seed: input.seed.clone(),
        targets: input.targets.iter().map(target).collect(),
        inspectors: input.inspectors.iter().map(person).collect(),
        target_count: input.target_count,
        inspectors_per_target: input.inspectors_per_target,
        ties: input
            .ties
            .iter()
            .map(|t| Tie {
                inspector: inspector(&t.inspector),
                holder_id: holder(&t.holder_id),
                reason: String::new(),
            })
            .collect(),
    };
    let public_result = result.map(|d| Draw {
        algorithm: d.algorithm.clone(),
        seed: d.seed.clone(),
        picks: d
            .picks
            .iter()
            .map(|p| Pick {
                target: target(&p.target),
                inspectors: p.inspectors.iter().map(person).collect(),
                recused: p.recused.iter().map(|r| inspector(r)).collect(),
            })
            .collect(),
    });
    (public_input, public_result)
}

/// Where a plan's seed comes from: a value fixed only after the plan (and the digest of its pools)
/// was published, so that nobody — the department included — knows the draw when publishing it.
/// Today's only kind: `chain_head`, the first daily chain head signed with the platform seal on a
/// day after the plan's publication (its hash covers every event up to then, the publication too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeedSource {
    /// `chain_head`.
    pub kind: String,
    /// The day of the chain head (YYYY-MM-DD).
    pub day: String,
    /// The last event the head covers.
    pub seq: i64,
    /// The head's SM3 hash (hex), as published and signed.
    pub hash: String,
}

/// The kind of seed source: the first signed daily chain head after publication.
pub const SEED_FROM_CHAIN_HEAD: &str = "chain_head";

/// The SM3 digest (hex) of the pools as the public sees them ([`redact`]ed, seed left out), so
/// that the pools are committed to at publication and anyone can check the draw used them.
/// The same for the full and the public form of a plan.
pub fn pools_digest(input: &DrawInput) -> String {
    let (mut public, _) = redact(input, None);
    public.seed = String::new();
    public.targets.sort_by(|a, b| a.id.cmp(&b.id));
    public.inspectors.sort_by(|a, b| a.id.cmp(&b.id));
    public
        .ties
        .sort_by(|a, b| (&a.inspector, &a.holder_id).cmp(&(&b.inspector, &b.holder_id)));
    let canonical = serde_json::to_string(&public).expect("a draw input serialises");
    let mut hasher = Sm3::new();
    hasher.update(b"yiyin-pools/1|");
    hasher.update(canonical.as_bytes());
    hex(&hasher.finalize())
}

/// The seed a source gives to a plan with the pools digest: the SM3 (hex) of
/// `yiyin-seed/1|<day>|<seq>|<hash>|<pools digest>`.
pub fn seed_from(source: &SeedSource, pools_digest: &str) -> String {
    let mut hasher = Sm3::new();
    hasher.update(
        format!(
            "yiyin-seed/1|{}|{}|{}|{pools_digest}",
            source.day, source.seq, source.hash
        )
        .as_bytes(),
    );
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a published plan does not hold together: its pools are not those committed to, or its seed
/// is not the one its source gives.
pub fn check_commitment(
    input: &DrawInput,
    committed: &str,
    source: Option<&SeedSource>,
) -> Result<(), String> {
    let digest = pools_digest(input);
    if digest != committed {
        return Err(format!(
            "检查对象和检查人员名录与公布时承诺的摘要不符（公布 {committed}，实际 {digest}）"
        ));
    }
    if let Some(source) = source {
        let seed = seed_from(source, committed);
        if seed != input.seed {
            return Err(format!(
                "随机种子不是由公布的种子来源（{} 的链头 {}）得出的",
                source.day, source.hash
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn target(n: usize, holder: usize) -> Target {
        Target {
            id: format!("L{n:03}"),
            holder: format!("持证人{holder}"),
            holder_id: format!("91350000MA{holder:08}"),
            item_code: "000123".into(),
            risk: Risk::ALL[n % 3],
        }
    }

    fn inspector(n: usize) -> Inspector {
        Inspector {
            id: format!("zf{n:02}"),
            name: format!("执法员{n}"),
        }
    }

    fn input(seed: &str, targets: usize, inspectors: usize, count: usize) -> DrawInput {
        DrawInput {
            seed: seed.into(),
            targets: (0..targets).map(|n| target(n, n)).collect(),
            inspectors: (0..inspectors).map(inspector).collect(),
            target_count: count,
            inspectors_per_target: 2,
            ties: vec![],
        }
    }

    fn ids(d: &Draw) -> Vec<&str> {
        d.picks.iter().map(|p| p.target.id.as_str()).collect()
    }

    #[test]
    fn the_public_sees_no_personal_data() {
        let mut inp = input("种子", 3, 3, 2);
        inp.targets[0].holder = "王芳".into();
        inp.targets[0].holder_id = "11010519491231002X".into();
        inp.ties.push(Tie {
            inspector: "zf01".into(),
            holder_id: "11010519491231002X".into(),
            reason: "配偶".into(),
        });
        let (public, _) = redact(&inp, None);
        assert_eq!(public.targets[0].holder, "王*");
        assert_eq!(public.targets[0].holder_id, "对象001");
        assert_eq!(
            public.targets[1].holder, "持证人1",
            "organisations keep their names"
        );
        assert_eq!(public.inspectors[1].id, "检查人员02");
        assert_eq!(public.ties[0].inspector, "检查人员02");
        assert_eq!(public.ties[0].holder_id, "对象001");
        assert_eq!(public.ties[0].reason, "");
        let text = serde_json::to_string(&public).unwrap();
        assert!(!text.contains("11010519491231002X") && !text.contains("zf0"));
    }

    #[test]
    fn a_fixed_input_gives_a_fixed_draw() {
        let inp = input("2026-03-01 县政务服务局", 10, 6, 3);
        let d = draw(&inp).unwrap();
        assert_eq!(d, draw(&inp).unwrap());
        assert_eq!(d.algorithm, "yiyin-draw/1");
        // Computed independently from the module documentation (Python, hashlib's SM3).
        assert_eq!(ids(&d), ["L008", "L007", "L009"]);
        let teams: Vec<Vec<&str>> = d
            .picks
            .iter()
            .map(|p| p.inspectors.iter().map(|i| i.id.as_str()).collect())
            .collect();
        assert_eq!(
            teams,
            [["zf03", "zf05"], ["zf02", "zf00"], ["zf00", "zf03"]]
        );
        let set: HashSet<_> = ids(&d).into_iter().collect();
        assert_eq!(set.len(), 3);
        for p in &d.picks {
            assert!(inp.targets.contains(&p.target));
            assert_eq!(p.inspectors.len(), 2);
            assert_ne!(p.inspectors[0], p.inspectors[1]);
            assert!(p.recused.is_empty());
        }
    }

    #[test]
    fn another_seed_gives_other_picks() {
        let a = draw(&input("seed-a", 50, 6, 5)).unwrap();
        let b = draw(&input("seed-b", 50, 6, 5)).unwrap();
        assert_ne!(ids(&a), ids(&b));
    }

    #[test]
    fn the_order_of_the_pools_does_not_matter() {
        let inp = input("顺序无关", 20, 8, 6);
        let mut shuffled = inp.clone();
        shuffled.targets.reverse();
        shuffled.targets.rotate_left(7);
        shuffled.inspectors.rotate_left(3);
        assert_eq!(draw(&inp).unwrap(), draw(&shuffled).unwrap());
    }

    #[test]
    fn tied_inspectors_recuse() {
        let mut inp = input("回避", 4, 5, 4);
        let plain = draw(&inp).unwrap();
        // Tie the first inspector drawn for the first pick to that pick's holder.
        let pick = &plain.picks[0];
        let tied = pick.inspectors[0].id.clone();
        inp.ties.push(Tie {
            inspector: tied.clone(),
            holder_id: pick.target.holder_id.clone(),
            reason: "近亲属".into(),
        });
        let d = draw(&inp).unwrap();
        assert_eq!(ids(&d), ids(&plain));
        let p = &d.picks[0];
        assert!(p.inspectors.iter().all(|i| i.id != tied));
        assert_eq!(p.recused, vec![tied]);
        assert_eq!(p.inspectors[0], pick.inspectors[1]);
        assert_eq!(p.inspectors.len(), 2);
    }

    #[test]
    fn inspectors_per_target_defaults_to_two() {
        let json = r#"{"seed":"s","targets":[],"inspectors":[],"target_count":1}"#;
        let inp: DrawInput = serde_json::from_str(json).unwrap();
        assert_eq!(inp.inspectors_per_target, 2);
        assert!(inp.ties.is_empty());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let msg = |inp: &DrawInput| draw(inp).unwrap_err().to_string();
        assert_eq!(msg(&input("  ", 3, 3, 1)), "种子不能为空");
        assert_eq!(msg(&input("s", 0, 3, 1)), "检查对象名录为空，无法抽取");
        assert_eq!(
            msg(&input("s", 3, 3, 4)),
            "抽取数量 4 无效：检查对象名录共有 3 个对象，抽取数量须在 1 至 3 之间"
        );
        assert_eq!(
            msg(&input("s", 3, 3, 0)),
            "抽取数量 0 无效：检查对象名录共有 3 个对象，抽取数量须在 1 至 3 之间"
        );
        let mut inp = input("s", 3, 3, 1);
        inp.inspectors_per_target = 0;
        assert_eq!(msg(&inp), "每个检查对象的检查人员数不能为 0");
        let mut inp = input("s", 3, 3, 1);
        inp.targets.push(target(1, 9));
        assert_eq!(msg(&inp), "检查对象「L001」重复");
        let mut inp = input("s", 3, 3, 1);
        inp.inspectors.push(inspector(2));
        assert_eq!(msg(&inp), "检查人员「zf02」重复");
        let mut inp = input("s", 1, 3, 1);
        inp.ties.push(Tie {
            inspector: "zf00".into(),
            holder_id: inp.targets[0].holder_id.clone(),
            reason: "曾任职".into(),
        });
        inp.inspectors_per_target = 3;
        assert_eq!(
            msg(&inp),
            "检查对象「L000」（持证人0）可指派的检查人员不足（已除去须回避的人员）：需要 3 名，仅有 2 名"
        );
    }

    #[test]
    fn each_target_is_about_equally_likely() {
        let mut counts = [0usize; 5];
        for s in 0..2000 {
            let d = draw(&input(&format!("seed-{s}"), 5, 2, 1)).unwrap();
            let n: usize = d.picks[0].target.id[1..].parse().unwrap();
            counts[n] += 1;
        }
        assert!(
            counts.iter().all(|&c| (300..=500).contains(&c)),
            "{counts:?}"
        );
    }

    fn arb_input() -> impl Strategy<Value = DrawInput> {
        (1usize..16, 1usize..10, 1usize..4, "[a-z0-9]{1,8}").prop_flat_map(|(nt, ni, per, seed)| {
            let holders = prop::collection::vec(0usize..5, nt);
            let ties = prop::collection::vec((0..ni, 0usize..5), 0..8);
            (Just(seed), holders, ties, 1..=nt, Just(ni), Just(per)).prop_map(
                |(seed, holders, ties, count, ni, per)| DrawInput {
                    seed,
                    targets: holders
                        .iter()
                        .enumerate()
                        .map(|(n, &h)| target(n, h))
                        .collect(),
                    inspectors: (0..ni).map(inspector).collect(),
                    target_count: count,
                    inspectors_per_target: per,
                    ties: ties
                        .into_iter()
                        .map(|(i, h)| Tie {
                            inspector: inspector(i).id,
                            holder_id: target(0, h).holder_id,
                            reason: "亲属".into(),
                        })
                        .collect(),
                },
            )
        })
    }

    proptest! {
        #[test]
        fn the_public_draw_re_runs_to_the_public_result(inp in arb_input()) {
            if let Ok(d) = draw(&inp) {
                let (public, result) = redact(&inp, Some(&d));
                prop_assert_eq!(draw(&public).unwrap(), result.unwrap());
                for t in &public.targets {
                    prop_assert!(t.holder_id.starts_with("对象"));
                }
                prop_assert!(public.ties.iter().all(|t| t.reason.is_empty()));
            }
        }

        #[test]
        fn draws_keep_their_promises(inp in arb_input()) {
            let tied = |i: &str, h: &str| inp.ties.iter().any(|t| t.inspector == i && t.holder_id == h);
            match draw(&inp) {
                Ok(d) => {
                    prop_assert_eq!(&d, &draw(&inp).unwrap());
                    prop_assert_eq!(d.picks.len(), inp.target_count);
                    let picked: HashSet<_> = ids(&d).into_iter().collect();
                    prop_assert_eq!(picked.len(), inp.target_count);
                    for p in &d.picks {
                        prop_assert!(inp.targets.contains(&p.target));
                        let assigned: HashSet<_> = p.inspectors.iter().map(|i| &i.id).collect();
                        prop_assert_eq!(assigned.len(), inp.inspectors_per_target);
                        for i in &p.inspectors {
                            prop_assert!(inp.inspectors.contains(i));
                            prop_assert!(!tied(&i.id, &p.target.holder_id));
                        }
                        for r in &p.recused {
                            prop_assert!(tied(r, &p.target.holder_id));
                        }
                    }
                }
                Err(DrawError::NotEnoughInspectors { target, needed, available, .. }) => {
                    let t = inp.targets.iter().find(|t| t.id == target).unwrap();
                    let free = inp.inspectors.iter().filter(|i| !tied(&i.id, &t.holder_id)).count();
                    prop_assert_eq!(needed, inp.inspectors_per_target);
                    prop_assert_eq!(available, free);
                    prop_assert!(free < needed);
                }
                Err(e) => prop_assert!(false, "unexpected error: {}", e),
            }
        }

        #[test]
        fn input_order_does_not_matter(inp in arb_input(), r1 in 0usize..16, r2 in 0usize..10) {
            let mut other = inp.clone();
            other.targets.reverse();
            let nt = other.targets.len();
            other.targets.rotate_left(r1 % nt);
            let ni = other.inspectors.len();
            other.inspectors.rotate_left(r2 % ni);
            other.ties.reverse();
            prop_assert_eq!(draw(&inp), draw(&other));
        }
    }

    #[test]
    fn the_pools_digest_is_the_same_for_the_public_form_and_the_seed_follows_its_source() {
        let input = DrawInput {
            seed: String::new(),
            targets: (1..=5).map(|n| target(n, n)).collect(),
            inspectors: vec![
                Inspector {
                    id: "hy.b".into(),
                    name: "乙".into(),
                },
                Inspector {
                    id: "hy.a".into(),
                    name: "甲".into(),
                },
            ],
            target_count: 2,
            inspectors_per_target: 1,
            ties: vec![],
        };
        let digest = pools_digest(&input);
        assert_eq!(pools_digest(&redact(&input, None).0), digest);
        let mut other = input.clone();
        other.targets.pop();
        assert_ne!(pools_digest(&other), digest);
        let source = SeedSource {
            kind: SEED_FROM_CHAIN_HEAD.into(),
            day: "2025-03-04".into(),
            seq: 42,
            hash: "ab".repeat(32),
        };
        let mut seeded = input.clone();
        seeded.seed = seed_from(&source, &digest);
        assert!(check_commitment(&seeded, &digest, Some(&source)).is_ok());
        assert!(check_commitment(&other, &digest, None).is_err());
        seeded.seed = "chosen".into();
        assert!(check_commitment(&seeded, &digest, Some(&source)).is_err());
    }
}
