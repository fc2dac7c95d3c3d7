//! `yiyin seal list|rotate|revoke-cert`: the seals of the bureaus, the resident departments and the
//! platform. Rotation retires a seal and makes its successor with the same name and holder; the
//! retired public key and certificate stay published so that everything it signed still verifies.
//! Revoking a seal's certificate (a compromised key) lists it in the authority's CRL and makes
//! verification report it.

use clap::{Args, Subcommand};

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct SealCmdArgs {
    #[command(subcommand)]
    command: SealCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum SealCommand {
    /// 列出全部印章（含已停用的），--json 输出与门户 /api/v1/seals 相同的清单，供离线核验使用
    #[command(help_template = HELP, disable_help_flag = true)]
    List {
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
    /// 轮换印章：停用指定印章，用同一口令生成同名的新印章；旧公钥继续公布，旧文书仍可核验
    #[command(help_template = HELP, disable_help_flag = true)]
    Rotate {
        /// 要轮换的印章编号（见 yiyin seal list）
        #[arg(value_name = "ID")]
        id: i64,
        /// 印章口令（启动服务器时所用的同一口令）
        #[arg(
            long,
            value_name = "PASSPHRASE",
            env = "YIYIN_SEAL_PASSPHRASE",
            hide_env_values = true
        )]
        seal_passphrase: Option<secrecy::SecretString>,
    },
    /// 吊销印章证书（密钥泄露、印章收回）：列入制章机构的证书吊销列表，核验其签章的文书时报告已吊销
    #[command(help_template = HELP, disable_help_flag = true)]
    RevokeCert {
        /// 印章编号（见 yiyin seal list）
        #[arg(value_name = "ID")]
        id: i64,
        /// 吊销理由
        #[arg(long, value_name = "REASON")]
        reason: String,
    },
}

pub async fn run(_global: &GlobalArgs, args: SealCmdArgs) -> CliResult {
    let store = args.db.open().await?;
    let result = match args.command {
        SealCommand::List { json } => {
            let seals = store
                .seals()
                .await
                .map_err(|e| Failure::other(e.to_string()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&seals)
                        .map_err(|e| Failure::other(e.to_string()))?
                );
            } else if seals.is_empty() {
                println!("还没有印章：首次启动服务器（yiyin serve）时以印章口令创建");
            } else {
                for s in &seals {
                    println!(
                        "{:>4}  {}  持有者：{}  有效期 {} 至 {}{}",
                        s.id,
                        s.name,
                        s.holder,
                        s.valid_from,
                        s.valid_until,
                        if s.retired { "  （已停用）" } else { "" }
                    );
                }
            }
            Ok(())
        }
        SealCommand::Rotate {
            id,
            seal_passphrase,
        } => {
            let passphrase = seal_passphrase.ok_or_else(|| {
                Failure::input(
                    "轮换印章需要印章口令：请用 --seal-passphrase 或环境变量 YIYIN_SEAL_PASSPHRASE 提供",
                )
            })?;
            let today = yiyin_domain::calendar::local_date(chrono::Utc::now());
            let new = yiyin_app::seals::rotate_seal(&store, id, &passphrase, today)
                .await
                .map_err(|e| Failure::input(e.to_string()))?;
            println!(
                "已停用第{id}号印章，新印章为第{}号「{}」，有效期 {} 至 {}；正在运行的服务器须重启后才用新印章签章",
                new.id, new.name, new.valid_from, new.valid_until
            );
            Ok(())
        }
        SealCommand::RevokeCert { id, reason } => {
            let today = yiyin_domain::calendar::local_date(chrono::Utc::now());
            let actor = yiyin_domain::party::Actor::cli("命令行");
            let cert = yiyin_app::seals::revoke_certificate(&store, &actor, id, &reason, today)
                .await
                .map_err(|e| Failure::input(e.to_string()))?;
            println!(
                "已吊销第{id}号印章的证书（序列号 {}），已列入证书吊销列表（/api/v1/seals/crl）",
                cert.serial
            );
            Ok(())
        }
    };
    store.close().await;
    result
}
