//! `yiyin draw FILE`: re-runs a published random-inspection draw (双随机一公开) from what the portal
//! published before it — the plan from `/api/v1/inspections/{id}` (or its bare `input`) — and, when
//! the file also holds the draw the department made, says whether the two agree. A plan carries the
//! digest of its pools (published before the seed existed) and the seed's source (the first daily
//! chain head signed after publication): both are checked — the pools are those committed to, the
//! seed is the one the source gives. Needs nothing but the file: the draw is a pure function of the
//! pools, the ties and the seed.
//!
//! With `--expert` the file is a case's published expert draw (专家抽取, `/api/v1/cases/{id}/expert-draw`
//! or its `published`): the same algorithm, the case as the one target and the pool's members as the
//! inspectors, re-run from the published pool, exclusions and seed.

use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;
use yiyin_domain::inspection::{Draw, DrawInput, SeedSource, check_commitment, draw};
use yiyin_domain::pools::{self, ExpertDraw, PublishedDraw};

use super::{CliResult, Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// 公布的抽查计划（门户 /api/v1/inspections/{编号} 下载的 JSON），或其中的 input
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// 以 JSON 输出抽取结果
    #[arg(long)]
    json: bool,
    /// 文件是办件的专家抽取（/api/v1/cases/{编号}/expert-draw 下载的 JSON，或其中的 published）
    #[arg(long)]
    expert: bool,
}

/// A published plan: its input and, once drawn, its result.
#[derive(Debug, Deserialize)]
struct Published {
    input: DrawInput,
    #[serde(default)]
    result: Option<Draw>,
    /// The digest of the pools published with the plan ('' for plans published before it).
    #[serde(default)]
    pools_digest: String,
    #[serde(default)]
    seed_source: Option<SeedSource>,
    #[serde(default)]
    cancel_reason: String,
    #[serde(default)]
    cancelled_at: Option<i64>,
}

pub fn run(_global: &GlobalArgs, args: DrawArgs) -> CliResult {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::input(format!("无法读取文件 {}：{e}", args.file.display())))?;
    if args.expert {
        return expert(&text, args.json);
    }
    let (input, published) = match serde_json::from_str::<Published>(&text) {
        Ok(p) => {
            if p.cancelled_at.is_some() {
                eprintln!("该计划已公开取消：{}", p.cancel_reason);
            }
            if !p.pools_digest.is_empty() {
                if p.input.seed.is_empty() {
                    return Err(Failure::other(
                        "该计划尚未确定随机种子：种子取自计划公布之后首个经签章的每日链头，抽取时才确定",
                    ));
                }
                check_commitment(&p.input, &p.pools_digest, p.seed_source.as_ref())
                    .map_err(|e| Failure::other(format!("计划不成立：{e}")))?;
                if let Some(s) = &p.seed_source {
                    eprintln!(
                        "名录摘要与公布时一致；随机种子由 {} 的每日链头（第 {} 号事件，{}）得出",
                        s.day, s.seq, s.hash
                    );
                }
            }
            (p.input, p.result)
        }
        Err(_) => (
            serde_json::from_str::<DrawInput>(&text).map_err(|e| {
                Failure::input(format!(
                    "文件不是公布的抽查计划或抽取输入（应含 seed、targets、inspectors、target_count）：{e}"
                ))
            })?,
            None,
        ),
    };
    let result = draw(&input).map_err(|e| Failure::other(format!("无法抽取：{e}")))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).map_err(|e| Failure::other(e.to_string()))?
        );
    } else {
        println!("算法 {} · 随机种子 {}", result.algorithm, result.seed);
        for (i, pick) in result.picks.iter().enumerate() {
            let inspectors: Vec<&str> = pick.inspectors.iter().map(|p| p.name.as_str()).collect();
            print!(
                "{}. {}（{}）检查人员：{}",
                i + 1,
                pick.target.holder,
                pick.target.id,
                inspectors.join("、")
            );
            if !pick.recused.is_empty() {
                print!("；回避：{}", pick.recused.join("、"));
            }
            println!();
        }
    }
    match published {
        Some(p) if p == result => {
            eprintln!("与公布的抽取结果一致");
            Ok(())
        }
        Some(_) => Err(Failure::other(
            "与公布的抽取结果不一致：公布的结果不是由公布的名录和随机种子得出的",
        )),
        None => Ok(()),
    }
}

/// A case's published expert draw: the view of the API (with `published`) or `published` itself.
#[derive(Debug, Deserialize)]
struct ExpertFile {
    published: PublishedDraw,
}

/// Re-runs a published expert draw (the text of the file) and answers the result: refused when the
/// file holds a result the published input does not give.
pub fn rerun_expert(text: &str) -> Result<ExpertDraw, String> {
    let published = match serde_json::from_str::<ExpertFile>(text) {
        Ok(f) => f.published,
        Err(_) => serde_json::from_str::<PublishedDraw>(text).map_err(|e| {
            format!("文件不是公布的专家抽取（应含 input：seed、case、count、members）：{e}")
        })?,
    };
    pools::rerun(&published).map_err(|e| e.to_string())
}

fn expert(text: &str, json: bool) -> CliResult {
    let result = rerun_expert(text).map_err(Failure::other)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).map_err(|e| Failure::other(e.to_string()))?
        );
    } else {
        println!("算法 {} · 随机种子 {}", result.algorithm, result.seed);
        for (i, m) in result.drawn.iter().enumerate() {
            println!("{}. {}（{}，{}）", i + 1, m.name, m.id, m.organisation);
        }
        if !result.passed_over.is_empty() {
            println!("回避：{}", result.passed_over.join("、"));
        }
    }
    eprintln!("已由公布的库、回避名单和随机种子重新抽取；与公布的抽取结果一致（如有）");
    Ok(())
}
