//! `yiyin draw`: anyone re-runs a published random-inspection draw from the published file and
//! learns whether the department's result is the one the seed gives.

use std::process::Command;

use serde_json::{Value, json};

fn draw(file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .arg("draw")
        .arg(file)
        .args(extra)
        .output()
        .expect("run yiyin")
}

fn input() -> Value {
    let targets: Vec<Value> = (1..=6)
        .map(|i| json!({"id": format!("LIC{i}"), "holder": format!("商户{i}"), "holder_id": format!("H{i}"), "item_code": "HY-SC-001", "risk": "medium"}))
        .collect();
    let inspectors: Vec<Value> = ["甲", "乙", "丙", "丁"]
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": format!("i{i}"), "name": n}))
        .collect();
    json!({"seed": "5f1e0c2a9b7d4e3f8a6b5c4d3e2f1a0b", "targets": targets, "inspectors": inspectors,
           "target_count": 3, "inspectors_per_target": 2,
           "ties": [{"inspector": "i0", "holder_id": "H1", "reason": "亲属"}]})
}

#[test]
fn a_published_draw_is_re_run_and_checked() {
    let dir = std::env::temp_dir().join(format!("yiyin-draw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bare = dir.join("input.json");
    std::fs::write(&bare, input().to_string()).unwrap();
    let out = draw(&bare, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["picks"].as_array().unwrap().len(), 3);
    // The same file gives the same draw, and the plan as published (input and result) agrees.
    let again: Value = serde_json::from_slice(&draw(&bare, &["--json"]).stdout).unwrap();
    assert_eq!(again, result);
    let plan = dir.join("plan.json");
    std::fs::write(
        &plan,
        json!({"id": 1, "input": input(), "result": result}).to_string(),
    )
    .unwrap();
    let out = draw(&plan, &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("一致"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("随机种子"));
    // A result that the seed does not give is caught.
    let mut forged = result.clone();
    forged["picks"][0]["target"]["id"] = json!("LIC9");
    std::fs::write(
        &plan,
        json!({"input": input(), "result": forged}).to_string(),
    )
    .unwrap();
    let out = draw(&plan, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不一致"));
    // Not a plan at all.
    std::fs::write(&plan, "{\"hello\": 1}").unwrap();
    let out = draw(&plan, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("抽查计划"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A plan commits to its pools with their digest and takes its seed from a chain head signed after
/// publication: `yiyin draw` checks both, so neither the pools nor the seed can be swapped.
#[test]
fn the_pools_digest_and_the_seed_source_are_checked() {
    use yiyin_domain::inspection::{DrawInput, SeedSource, pools_digest, seed_from};
    let dir = std::env::temp_dir().join(format!("yiyin-draw-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut input: DrawInput = serde_json::from_value(input()).unwrap();
    input.seed = String::new();
    let digest = pools_digest(&input);
    let source = SeedSource {
        kind: "chain_head".into(),
        day: "2026-03-05".into(),
        seq: 1234,
        hash: "9c".repeat(32),
    };
    input.seed = seed_from(&source, &digest);
    let plan = dir.join("plan.json");
    let write = |input: &DrawInput| {
        std::fs::write(
            &plan,
            json!({"id": 7, "input": input, "pools_digest": digest, "seed_source": source})
                .to_string(),
        )
        .unwrap();
    };
    write(&input);
    let out = draw(&plan, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-03-05"));
    // A seed of one's choosing is caught.
    let mut chosen = input.clone();
    chosen.seed = "5f1e0c2a9b7d4e3f8a6b5c4d3e2f1a0b".into();
    write(&chosen);
    let out = draw(&plan, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("随机种子不是"));
    // Pools changed after publication are caught.
    let mut fewer = input.clone();
    fewer.targets.pop();
    write(&fewer);
    let out = draw(&plan, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("名录"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_published_expert_draw_is_re_run_and_a_forged_one_caught() {
    use yiyin_domain::pools::{Exclusion, ExclusionKind, ExpertDrawInput, PoolMember};
    let dir = std::env::temp_dir().join(format!("yiyin-expert-draw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = ExpertDrawInput {
        seed: "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f".into(),
        case: "HY20250303-0001".into(),
        count: 2,
        members: (1..=5)
            .map(|i| PoolMember {
                id: format!("E{i:04}"),
                name: format!("专{}*", i),
                organisation: "设计院".into(),
                inside: false,
            })
            .collect(),
        exclusions: vec![Exclusion {
            member: "E0001".into(),
            kind: ExclusionKind::Tie,
            reason: String::new(),
        }],
    };
    let result = yiyin_domain::pools::draw(&input).unwrap();
    // The case's draw as the API answers it (the applicant's view: names masked, reasons withheld).
    let file = dir.join("expert.json");
    let view =
        json!({"case_id": 1, "seed": input.seed, "published": {"input": input, "result": result}});
    std::fs::write(&file, view.to_string()).unwrap();
    let out = draw(&file, &["--expert", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again, serde_json::to_value(&result).unwrap());
    assert!(
        again["drawn"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != "E0001")
    );
    let out = draw(&file, &["--expert"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("随机种子"));
    // A result the seed does not give is caught.
    let mut forged = view.clone();
    forged["published"]["result"]["drawn"][0]["id"] = json!("E0001");
    std::fs::write(&file, forged.to_string()).unwrap();
    let out = draw(&file, &["--expert"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不一致"));
}
