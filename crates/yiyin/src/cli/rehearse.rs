//! `yiyin rehearse FILE` (`contracts.md` §2): runs a scripted case through the engine on a simulated
//! clock and prints the JSON report; malformed input exits with status 2. A file with a top-level
//! `cases` array runs every case the same way and adds the per-step time report
//! (`yiyin_domain::rehearsal_report`); a one-case file is read and reported exactly as before.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use yiyin_domain::rehearsal_report::{is_many, rehearse_many};
use yiyin_domain::rehearse::rehearse;

use super::{CliResult, Failure, GlobalArgs};

/// The help's closing text: the one-case and the many-case forms.
pub const AFTER_HELP: &str = "脚本格式：\n  \
一件申请：{\"item\": {…}, \"events\": […], \"until\": \"YYYY-MM-DD\"}（contracts.md 第2节）\n  \
多件申请：{\"until\": \"YYYY-MM-DD\", \"cases\": [{\"name\": \"…\", \"item\": {…}, \"events\": […]}, …]}\n    \
每件与一件申请的脚本相同（name 可选；顶层 until 用于未写 until 的办件）。输出 {\"cases\": […], \"time_report\": {…}}：\n    \
cases 为各件的结果（与单独推演相同，另加 case 序号与 case_name），time_report 为分环节用时报告：\n    \
steps 各环节（受理、补正、审查与决定、各类特别程序、听证、制证）的次数、合计与平均工作日，\n    \
over_budget 超过承诺时限或法定时限的办件，top_waits 用时最长的停留（时间耗在哪里）。\n\n\
示例：\n  \
yiyin rehearse rehearsals/contract-example.json\n  \
yiyin rehearse rehearsals/many-cases/hall-day.json";

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// 推演脚本（JSON，一件或多件申请），- 表示从标准输入读取
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
    let report = if is_many(&text) {
        rehearse_many(&text, &cal)
    } else {
        rehearse(&text, &cal)
    }
    .map_err(|e| Failure::input(e.to_string()))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("report serialises")
    );
    Ok(())
}
