//! `yiyin audit verify`: recomputes every link of the SM3 hash-chained event log and names the first
//! broken one (exit status 1 when the chain is broken).

use clap::{Args, Subcommand};

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// 校验全部事件的哈希链，指出第一处断链
    #[command(help_template = HELP, disable_help_flag = true)]
    Verify,
}

pub async fn run(_global: &GlobalArgs, args: AuditArgs) -> CliResult {
    let store = args.db.open().await?;
    let AuditCommand::Verify = args.command;
    let report = store
        .verify_chain()
        .await
        .map_err(|e| Failure::other(e.to_string()))?;
    store.close().await;
    match report.broken {
        None => {
            println!(
                "事件哈希链完整：共 {} 条事件，链头第 {} 号，哈希 {}",
                report.events, report.head_seq, report.head_hash
            );
            Ok(())
        }
        Some((seq, why)) => Err(Failure::other(format!(
            "事件哈希链在第 {seq} 号事件处断开：{why}"
        ))),
    }
}
