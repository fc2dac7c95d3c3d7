//! `yiyin statistics rebuild`: rebuilds the statistics summary (汇总表) from the cases — after a
//! restore, a repair of rows outside Yiyin, or an interrupted rebuild. A summary built under older
//! rules (or never) is rebuilt at start by itself.

use std::sync::Arc;

use clap::{Args, Subcommand};
use yiyin_app::{App, Keyring, SystemClock};

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct StatisticsArgs {
    #[command(subcommand)]
    command: StatisticsCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum StatisticsCommand {
    /// 由办件数据重建政务服务统计汇总表
    #[command(help_template = HELP, disable_help_flag = true)]
    Rebuild,
}

pub async fn run(global: &GlobalArgs, args: StatisticsArgs) -> CliResult {
    let StatisticsCommand::Rebuild = args.command;
    let store = args.db.open().await?;
    let calendar = super::load_calendar(global)?;
    let app = App::new(
        store.clone(),
        calendar,
        Arc::new(SystemClock),
        args.db.blobs()?,
        Keyring::default(),
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| Failure::other(e.to_string()))?;
    let started = std::time::Instant::now();
    let cases = app
        .rebuild_statistics()
        .await
        .map_err(|e| Failure::other(e.to_string()));
    store.close().await;
    println!(
        "政务服务统计汇总表已重建：共读取办件 {} 件，用时 {:.1} 秒",
        cases?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
