//! `yiyin audit verify`: recomputes every link of the event log's SM3 hash chains and names the
//! first broken one, and checks every case's rows (and its licences) against the state its last
//! event recorded, naming each case changed outside the chains; with `--head SEQ:HASH` (a root of
//! the chains' heads, published on the portal or shown by an earlier check, kept by anyone) it also
//! proves that the history up to that head was not rewritten since. Exit status 1 when broken.

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
    Verify {
        /// 保存的链头（门户“电子印章与链头”页、/api/v1/audit/heads 公布的或审计核对时显示的 序号:哈希），可重复
        #[arg(long = "head", value_name = "SEQ:HASH")]
        heads: Vec<String>,
    },
}

/// Parses `SEQ:HASH`.
fn parse_head(text: &str) -> Result<(i64, String), Failure> {
    yiyin_app::audit::parse_head(text).map_err(|e| Failure::input(e.to_string()))
}

pub async fn run(_global: &GlobalArgs, args: AuditArgs) -> CliResult {
    let AuditCommand::Verify { heads } = args.command;
    let heads = heads
        .iter()
        .map(|h| parse_head(h))
        .collect::<Result<Vec<_>, _>>()?;
    let store = args.db.open().await?;
    let report = yiyin_app::audit::verify_chain(&store)
        .await
        .map_err(|e| Failure::other(e.to_string()));
    let mut held = Vec::new();
    for (seq, hash) in &heads {
        held.push((
            *seq,
            yiyin_app::audit::check_head(&store, *seq, hash)
                .await
                .map_err(|e| Failure::other(e.to_string()))?,
        ));
    }
    store.close().await;
    let report = report?;
    if !report.altered.is_empty() {
        return Err(Failure::other(format!(
            "事件哈希链完整，但办件数据与事件链不符：\n  {}",
            report.altered.join("\n  ")
        )));
    }
    if let Some((seq, why)) = report.broken {
        return Err(Failure::other(format!(
            "事件哈希链在第 {seq} 号事件处断开：{why}"
        )));
    }
    println!(
        "事件哈希链完整：共 {} 条事件（{} 条链），链头第 {} 号，根哈希 {}",
        report.events, report.chains, report.head_seq, report.head_hash
    );
    let mut problems = Vec::new();
    for (seq, problem) in held {
        match problem {
            None => println!("链头第 {seq} 号：与保存的哈希一致，此前的历史未被改写"),
            Some(p) => problems.push(format!("链头第 {seq} 号：{p}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::other(problems.join("\n")))
    }
}
