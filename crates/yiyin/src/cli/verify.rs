//! Offline checks of files Yiyin issued: `yiyin verify FILE` (a sealed document's PDF or JSON) and
//! `yiyin archive verify PACKAGE` (a closed case's archive package). A file carries the public key
//! it was signed with, so a valid signature alone proves nothing about who signed: the key must be
//! one of the bureau's published seals. The list shipped with the build (`data/seals.json`, in the
//! format of the portal's `/api/v1/seals`; see `data/README.md`) is trusted, plus the list named by
//! `--seals` (a downloaded `/api/v1/seals`); `verify --registry` asks the database instead (whether
//! the seal and the document are registered, whether a licence is still in force). A key in no
//! trusted list answers 「印章所有者未经确认」; a document sealed in simulation (模拟运行) answers that
//! it is a simulated document of no legal effect. Exit status 0 when genuine, 1 when not (with every
//! reason), 2 when the file cannot be read.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Deserialize;
use yiyin_domain::calendar::parse_date;
use yiyin_domain::licence::{LicenceStatus, status_on};

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// 要核验的文件：一印签发的 PDF 或 OFD，或签章记录 JSON
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// 公布的印章清单（门户 /api/v1/seals 下载的 JSON）：在随程序发布的清单之外，信任其中的印章
    #[arg(long, value_name = "FILE")]
    seals: Option<PathBuf>,
    /// 同时查询数据库：文书是否登记、证照当前状态（撤销、注销、变更）
    #[arg(long)]
    registry: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    command: ArchiveCommand,
}

#[derive(Debug, Subcommand)]
enum ArchiveCommand {
    /// 校验电子档案包：清单签名、每个文件的 SM3 摘要、每条事件的哈希、每份文书的签章
    #[command(help_template = HELP, disable_help_flag = true)]
    Verify {
        /// 档案包（zip）
        #[arg(value_name = "PACKAGE")]
        package: PathBuf,
        /// 公布的印章清单（门户 /api/v1/seals 下载的 JSON）：在随程序发布的清单之外，信任其中的印章
        #[arg(long, value_name = "FILE")]
        seals: Option<PathBuf>,
    },
}

/// A seal as the published list gives it.
#[derive(Debug, Deserialize)]
struct PublishedSeal {
    id: i64,
    name: String,
    public_key: String,
    #[serde(default)]
    retired: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::input(format!("无法读取 {}：{e}", path.display())))
}

/// The published seal list shipped with this build.
const SHIPPED_SEALS: &str = include_str!("../../data/seals.json");

/// The seals trusted offline: those shipped with the build and those of the list `--seals` names.
fn trusted_seals(extra: Option<&Path>) -> Result<Vec<PublishedSeal>, Failure> {
    let mut seals: Vec<PublishedSeal> = serde_json::from_str(SHIPPED_SEALS)
        .map_err(|e| Failure::other(format!("随程序发布的印章清单无法读取：{e}")))?;
    if let Some(path) = extra {
        seals.extend(published_seals(path)?);
    }
    Ok(seals)
}

/// The verdict on a key in no trusted list.
const UNCONFIRMED: &str = "印章所有者未经确认";

fn published_seals(path: &Path) -> Result<Vec<PublishedSeal>, Failure> {
    serde_json::from_slice(&read(path)?).map_err(|e| {
        Failure::input(format!(
            "{}：不是印章清单（应为门户 /api/v1/seals 返回的 JSON 数组）：{e}",
            path.display()
        ))
    })
}

/// Whether `public_key` is one of the trusted seals; the problem in Chinese if not.
fn check_published(seals: &[PublishedSeal], public_key: &str) -> Option<String> {
    match seals.iter().find(|s| s.public_key == public_key) {
        None => Some(format!(
            "{UNCONFIRMED}：签章所用的公钥不在公布的印章清单中（随程序发布的清单和 --seals 指定的清单均无此公钥），文件中自带的公钥只能证明文件未被改动，不能证明由登记机关签章。请从门户下载最新的印章清单（/api/v1/seals）以 --seals 指定，或加 --registry 查询登记库"
        )),
        Some(s) => {
            println!(
                "印章清单：第{}号「{}」{}",
                s.id,
                s.name,
                if s.retired {
                    "（已停用，停用前签发的文书仍然有效）"
                } else {
                    ""
                }
            );
            None
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&yiyin_domain::rehearse::cst())
        .date_naive()
}

pub async fn verify(_global: &GlobalArgs, args: VerifyArgs) -> CliResult {
    let bytes = read(&args.file)?;
    let sealed = match yiyin_ofd::verify_any(&bytes) {
        Ok(s) => s,
        Err(e) => {
            return Err(Failure::other(format!(
                "核验结果：无效\n{}：{e}",
                args.file.display()
            )));
        }
    };
    let doc = &sealed.document;
    let field = |k: &str| doc[k].as_str().unwrap_or("—").to_string();
    println!("签名：有效（SM2/SM3，文件自签章后未被改动）");
    println!("文书：{}", field("title"));
    println!("文号：{}", field("number"));
    println!("签发机关：{}", field("agency"));
    println!("送达对象：{}", field("recipient"));
    println!("签发日期：{}", field("issued_on"));
    println!(
        "印章：{}（第{}号，持有者 {}，有效期 {} 至 {}）",
        sealed.seal.name,
        sealed.seal.id,
        sealed.seal.holder,
        sealed.seal.valid_from,
        sealed.seal.valid_until
    );
    println!("签章时间：{}", sealed.signed_at);
    // An OFD's GB/T 38540 seal: its certificate and the seal maker's (the root).
    let ses = yiyin_ofd::is_ofd(&bytes)
        .then(|| yiyin_ofd::verify_report(&bytes).ok())
        .flatten()
        .and_then(|(_, check)| check.seal);
    if let Some(ses) = &ses {
        println!(
            "电子印章（GB/T 38540）：「{}」，印章编码 {}，签章者证书「{}」（序列号 {}），制章机构根证书「{}」{}",
            ses.seal_name,
            ses.es_id,
            ses.signer.subject,
            ses.signer.serial,
            ses.maker.subject,
            if args.registry {
                ""
            } else {
                "（离线核验不与登记库核对根证书和吊销状态，请加 --registry）"
            }
        );
    }
    println!(
        "公钥 SM3 指纹：{}",
        yiyin_seal::sm3_hex(sealed.seal.public_key.as_bytes())
    );
    // A simulated document (模拟运行) is intact as a rehearsal's record and nothing more: its
    // simulation seal is no one's, and no licence, registry entry or trusted seal can change that.
    if yiyin_app::simulation::is_simulated(&sealed) {
        return Err(Failure::other(format!(
            "核验结果：{}\n  本文书在模拟运行（试运行）中生成，以「{}」签署并加“{}”水印，不是登记机关的真实印章，不具有法律效力，不能作为办理结果、证照或证明使用",
            yiyin_domain::simulation::NOT_LEGAL,
            yiyin_domain::simulation::SEAL_NAME,
            yiyin_domain::simulation::WATERMARK
        )));
    }
    let mut problems = Vec::new();
    let today = today();
    if let Some(identifier) = doc["identifier"].as_str() {
        let until = doc["valid_until"].as_str().and_then(|d| parse_date(d).ok());
        let by_dates = status_on(LicenceStatus::Valid, until, today);
        println!(
            "证照编号：{identifier}，有效期至 {}（按今日 {today}：{}）",
            until
                .map(|d| d.to_string())
                .unwrap_or_else(|| "长期".into()),
            by_dates.label()
        );
        if by_dates != LicenceStatus::Valid {
            problems.push(format!("证照已于 {} 届满，已过期", field("valid_until")));
        }
    }
    // Offline, the seal must be in a trusted list; with --registry alone, the register decides.
    let mut unconfirmed = None;
    if args.seals.is_some() || !args.registry {
        let seals = trusted_seals(args.seals.as_deref())?;
        unconfirmed = check_published(&seals, &sealed.seal.public_key);
    }
    if !args.registry {
        println!("提示：离线核验不能知道证照是否被撤销、注销，请加 --registry 或在门户核验页查询");
    }
    if args.registry {
        let store = args.db.open().await?;
        let check = yiyin_app::documents::registry_check(&store, &sealed, today)
            .await
            .map_err(|e| Failure::other(e.to_string()))?;
        if let Some(ses) = &ses {
            let (chain, chain_problems) = yiyin_app::documents::certificate_chain(&store, ses)
                .await
                .map_err(|e| Failure::other(e.to_string()))?;
            for line in chain {
                println!("证书链：{line}");
            }
            problems.extend(chain_problems);
        }
        store.close().await;
        if let (Some(l), Some(status)) = (&check.licence, check.licence_status) {
            println!("登记状态：证照 {} 当前“{}”", l.identifier, status.label());
        }
        problems.extend(check.problems());
    }
    if let Some(why) = unconfirmed {
        problems.insert(0, why);
        Err(Failure::other(format!(
            "核验结果：{UNCONFIRMED}\n  {}",
            problems.join("\n  ")
        )))
    } else if problems.is_empty() {
        println!("核验结果：真实有效");
        Ok(())
    } else {
        Err(Failure::other(format!(
            "核验结果：签章真实，但不应采信：\n  {}",
            problems.join("\n  ")
        )))
    }
}

pub async fn archive(_global: &GlobalArgs, args: ArchiveArgs) -> CliResult {
    let ArchiveCommand::Verify { package, seals } = args.command;
    let bytes = read(&package)?;
    let report = yiyin_archive::verify(&bytes)
        .map_err(|e| Failure::other(format!("档案包校验失败：{}：{e}", package.display())))?;
    let m = &report.manifest;
    println!("办件：{}（{}）", m.case_number, m.item);
    println!("申请人：{}", m.applicant);
    println!("办结状态：{}", m.state);
    println!("打包时间：{}", m.created_at);
    println!("印章：{}（第{}号）", m.seal.name, m.seal.id);
    println!(
        "内容：{} 个文件（文书 {} 个，材料 {} 个），事件 {} 条，最后一条事件哈希 {}",
        m.files.len(),
        report.documents,
        report.materials,
        m.events,
        m.last_event_hash
    );
    let seals = trusted_seals(seals.as_deref())?;
    if let Some(problem) = check_published(&seals, &m.seal.public_key) {
        return Err(Failure::other(format!(
            "核验结果：{UNCONFIRMED}\n档案包校验失败：{problem}"
        )));
    }
    println!("档案包完整：清单签名有效，每个文件、每条事件、每份文书的签章均与签发时一致");
    Ok(())
}
