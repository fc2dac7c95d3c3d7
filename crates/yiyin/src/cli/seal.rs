//! `yiyin seal list|rotate|revoke-cert|register-external|crl`: the seals of the bureaus, the resident departments and the
//! platform. Rotation retires a seal and makes its successor with the same name and holder; the
//! retired public key and certificate stay published so that everything it signed still verifies.
//! Revoking a seal's certificate (a compromised key) lists it in the authority's CRL and makes
//! verification report it. Registering an external signer hands a seal over to the county's own
//! qualified e-seal system (`docs/signing-adapter.md`), checked and audited as
//! `yiyin_app::seals::register_external_for` does it for the API and the page too, with the
//! county maker's revocation list (CRL: an address fetched hourly and/or a file), which `crl`
//! registers later as `yiyin_app::seal_crls::set_crl` does.

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
    /// 登记外部签章系统：在用印章改由县里已有的电子签章系统通过签章接口签章（私钥不离开其密码设备），停用原印章
    #[command(help_template = HELP, disable_help_flag = true)]
    RegisterExternal {
        /// 在用印章的编号（见 yiyin seal list）
        #[arg(value_name = "ID")]
        id: i64,
        /// 签章接口的基础地址（http:// 或 https:// 开头；调用时附加 /sign）
        #[arg(long, value_name = "URL")]
        url: String,
        /// 县里制章机构签发的签章证书文件（DER 或 PEM）
        #[arg(long, value_name = "FILE")]
        certificate: std::path::PathBuf,
        /// 电子印章数据文件（GB/T 38540 SES_Seal，DER 或 PEM；其制章者证书即受信任的根）
        #[arg(long, value_name = "FILE")]
        seal_data: std::path::PathBuf,
        /// 制章机构的证书吊销列表地址（可选，http:// 或 https:// 开头；服务器每小时获取）
        #[arg(long, value_name = "URL")]
        crl_url: Option<String>,
        /// 制章机构的证书吊销列表文件（可选，DER 或 PEM，须由该印章的制章者签发）
        #[arg(long, value_name = "FILE")]
        crl: Option<std::path::PathBuf>,
    },
    /// 为外部签章系统的印章登记制章机构的证书吊销列表：获取地址（每小时获取）和/或列表文件；列明该印章证书时即吊销
    #[command(help_template = HELP, disable_help_flag = true)]
    Crl {
        /// 外部签章系统的印章编号（见 yiyin seal list）
        #[arg(value_name = "ID")]
        id: i64,
        /// 证书吊销列表地址（http:// 或 https:// 开头）
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// 证书吊销列表文件（DER 或 PEM，须由该印章的制章者签发）
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
}

/// A CRL file as given (DER or PEM; checked by the use case); a Chinese refusal naming the file.
fn crl_file(path: Option<&std::path::Path>) -> Result<Option<Vec<u8>>, Failure> {
    path.map(|p| {
        std::fs::read(p).map_err(|e| {
            Failure::input(format!("无法读取证书吊销列表文件「{}」：{e}", p.display()))
        })
    })
    .transpose()
}

/// A certificate or seal data file, read and decoded; a Chinese refusal naming the file.
fn der_file(what: &str, path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::input(format!("无法读取{what}文件「{}」：{e}", path.display())))?;
    yiyin_app::seals::der_from(&format!("{what}文件「{}」", path.display()), &bytes)
        .map_err(|e| Failure::input(e.to_string()))
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
        SealCommand::RegisterExternal {
            id,
            url,
            certificate,
            seal_data,
            crl_url,
            crl,
        } => {
            let registered = async {
                let certificate = der_file("签章证书", &certificate)?;
                let eseal = der_file("电子印章数据", &seal_data)?;
                let crl = crl_file(crl.as_deref())?;
                let source = yiyin_app::seal_crls::CrlSource {
                    url: crl_url.as_deref(),
                    crl: crl.as_deref(),
                };
                let today = yiyin_domain::calendar::local_date(chrono::Utc::now());
                let actor = yiyin_domain::party::Actor::cli("命令行");
                yiyin_app::seals::register_external_for(
                    &store,
                    &actor,
                    id,
                    &url,
                    &certificate,
                    &eseal,
                    &source,
                    today,
                )
                .await
                .map_err(Failure::from)
            }
            .await;
            registered.map(|seal| {
                println!(
                    "已停用第{id}号印章，「{}」改由外部签章系统签章，登记为第{}号印章（签章接口 {}）；正在运行的服务器在一分钟内（下次定时刷新印章时）改由该系统签章",
                    seal.name,
                    seal.id,
                    seal.signer_url.as_deref().unwrap_or_default()
                );
            })
        }
        SealCommand::Crl { id, url, file } => {
            let set = async {
                if url.is_none() && file.is_none() {
                    return Err(Failure::input(
                        "请用 --url 给出证书吊销列表地址，或用 --file 给出证书吊销列表文件",
                    ));
                }
                let crl = crl_file(file.as_deref())?;
                let source = yiyin_app::seal_crls::CrlSource {
                    url: url.as_deref(),
                    crl: crl.as_deref(),
                };
                let actor = yiyin_domain::party::Actor::cli("命令行");
                yiyin_app::seal_crls::set_crl(&store, &actor, id, &source)
                    .await
                    .map_err(Failure::from)
            }
            .await;
            set.map(|kept| {
                let mut said = format!("已为第{id}号印章登记证书吊销列表");
                if !kept.url.is_empty() {
                    said += &format!("：地址 {}（正在运行的服务器每小时获取）", kept.url);
                }
                if !kept.this_update.is_empty() {
                    said += &format!("；已采用的列表签发于 {}", kept.this_update);
                }
                println!("{said}");
            })
        }
    };
    store.close().await;
    result
}
