//! `yiyin rehearse FILE` (`contracts.md` §2): runs a scripted case through the engine on a simulated
//! clock and prints the JSON report; malformed input exits with status 2.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use yiyin_domain::rehearse::rehearse;

use super::{CliResult, Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// 推演脚本（JSON），- 表示从标准输入读取
    file: PathBuf,
}

pub fn run(global: &GlobalArgs, args: RehearseArgs) -> CliResult {
    let cal = super::load_calendar(global)?;
    let mut text = String::new();
    if args.file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::input(format!("无法读取标准输入：{e}")))?;
    } else {
        text = std::fs::read_to_string(&args.file)
            .map_err(|e| Failure::input(format!("无法读取 {}：{e}", args.file.display())))?;
    }
    let report = rehearse(&text, &cal).map_err(|e| Failure::input(e.to_string()))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("report serialises")
    );
    Ok(())
}
