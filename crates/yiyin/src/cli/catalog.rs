//! `yiyin catalog …`: import and export catalogs (TOML, JSON, Excel), list the catalog as of a date,
//! publish drafts, retire items, read the changelog and the national list report.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use yiyin_app::catalog::{
    ImportMode, changelog, import_catalog, items_as_of, national_report, publish_draft, retire_item,
};
use yiyin_catalog_io::{Format, check, export, parse};
use yiyin_domain::calendar::{fmt_date, parse_date};
use yiyin_domain::catalog::{CatalogFile, Publication};
use yiyin_domain::rehearse::cst;
use yiyin_store::Store;

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    command: CatalogCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// 导入事项目录文件（.toml、.json 或 .xlsx）；任何一行有误则全部不导入，并逐条列出错误
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Import {
        /// 目录文件
        file: PathBuf,
        /// 县区代码（覆盖文件中写明的县区）
        #[arg(long, short = 'j')]
        jurisdiction: Option<String>,
        /// 直接公布，并自该日期（YYYY-MM-DD，不早于今天）起施行；不填则导入为草稿
        #[arg(long, value_name = "DATE")]
        publish: Option<String>,
        /// 调整说明（调整已公布的事项时必填）
        #[arg(long, default_value = "")]
        note: String,
        /// 操作人
        #[arg(long, default_value = "目录管理员")]
        by: String,
        /// 只检查，不写入
        #[arg(long)]
        check: bool,
    },
    /// 导出某日有效的事项目录
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Export {
        /// 县区代码
        #[arg(long, short = 'j')]
        jurisdiction: String,
        /// 日期（YYYY-MM-DD，默认今天）
        #[arg(long)]
        date: Option<String>,
        /// 输出文件（.toml、.json 或 .xlsx）；不填则以 TOML 输出到标准输出
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// 列出某日有效的事项
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    List {
        /// 县区代码
        #[arg(long, short = 'j')]
        jurisdiction: String,
        /// 日期（YYYY-MM-DD，默认今天）
        #[arg(long)]
        date: Option<String>,
    },
    /// 公布事项草稿，自生效日期起施行
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Publish {
        #[command(flatten)]
        item: ItemChange,
        /// 调整说明
        #[arg(long, default_value = "")]
        note: String,
        /// 操作人
        #[arg(long, default_value = "目录管理员")]
        by: String,
    },
    /// 取消事项，自生效日期起不再受理
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Retire {
        #[command(flatten)]
        item: ItemChange,
        /// 取消理由
        #[arg(long)]
        note: String,
        /// 操作人
        #[arg(long, default_value = "目录管理员")]
        by: String,
    },
    /// 国家清单对照：未对应国家行政许可事项清单的行政许可事项，以及含演示假定内容的事项
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    National {
        /// 县区代码
        #[arg(long, short = 'j')]
        jurisdiction: String,
        /// 日期（YYYY-MM-DD，默认今天）
        #[arg(long)]
        date: Option<String>,
    },
    /// 目录调整公告（新增、调整、取消）
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Changelog {
        /// 县区代码
        jurisdiction: String,
        /// 条数
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// The item a publication or a retirement changes, and from when.
#[derive(Debug, Args)]
struct ItemChange {
    /// 县区代码
    jurisdiction: String,
    /// 事项编码
    code: String,
    /// 生效日期（YYYY-MM-DD，不早于今天）
    #[arg(long)]
    effective: String,
}

impl ItemChange {
    /// The effective date, read, and the store the change is written to.
    async fn open(&self, db: &DbArgs) -> Result<(Store, chrono::NaiveDate), Failure> {
        let effective = date_arg(&self.effective)?;
        Ok((db.open().await?, effective))
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&cst()).date_naive()
}

/// A publication made today by `by`, in force from `effective_on`.
fn publication<'a>(effective_on: chrono::NaiveDate, note: &'a str, by: &'a str) -> Publication<'a> {
    Publication {
        effective_on,
        today: today(),
        note,
        by,
    }
}

fn date_arg(text: &str) -> Result<chrono::NaiveDate, Failure> {
    parse_date(text).map_err(|e| Failure::input(e.to_string()))
}

/// The date given (YYYY-MM-DD), or today.
fn date_or_today(text: Option<&str>) -> Result<chrono::NaiveDate, Failure> {
    Ok(text.map(date_arg).transpose()?.unwrap_or_else(today))
}

pub async fn run(_global: &GlobalArgs, args: CatalogArgs) -> CliResult {
    match args.command {
        CatalogCommand::Import {
            file,
            jurisdiction,
            publish,
            note,
            by,
            check: only_check,
        } => {
            let format = Format::of_path(&file).ok_or_else(|| {
                Failure::input(format!(
                    "无法识别 {} 的格式：文件扩展名应为 .toml、.json 或 .xlsx",
                    file.display()
                ))
            })?;
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::input(format!("无法读取 {}：{e}", file.display())))?;
            let publish = publish.as_deref().map(date_arg).transpose()?;
            if let Some(p) = publish
                && p < today()
            {
                return Err(Failure::input(format!(
                    "生效日期 {} 早于今天：已公布的目录不能追溯修改",
                    fmt_date(p)
                )));
            }
            let mut parsed = parse(&bytes, format, jurisdiction.as_deref()).map_err(report)?;
            let store = args.db.open().await?;
            let org = store.organisation().await?;
            let total = parsed.file.items.len();
            let problems = check(&mut parsed, &org, |done, all| {
                if all >= 100 {
                    eprint!("\r已校验 {done}/{all} 项");
                    if done == all {
                        eprintln!();
                    }
                }
            });
            if !problems.is_empty() {
                return Err(report(problems));
            }
            if only_check {
                println!("检查通过：{} 共 {total} 项，未写入。", file.display());
                return Ok(());
            }
            let mode = match publish {
                Some(effective_on) => ImportMode::Publish { effective_on, note },
                None => ImportMode::Drafts,
            };
            if total >= 100 {
                eprintln!("正在写入数据库（{total} 项）…");
            }
            let result = import_catalog(&store, &parsed.file, &mode, today(), &by).await?;
            println!(
                "导入完成：{}，公布 {} 项，草稿 {} 项，内容未变 {} 项。",
                parsed.file.jurisdiction, result.published, result.drafts, result.unchanged
            );
            Ok(())
        }
        CatalogCommand::Export {
            jurisdiction,
            date,
            out,
        } => {
            let date = date_or_today(date.as_deref())?;
            let format = match &out {
                Some(p) => Format::of_path(p).ok_or_else(|| {
                    Failure::input(format!(
                        "无法识别 {} 的格式：扩展名应为 .toml、.json 或 .xlsx",
                        p.display()
                    ))
                })?,
                None => Format::Toml,
            };
            let store = args.db.open().await?;
            store.jurisdiction(&jurisdiction).await?;
            let items = items_as_of(&store, &jurisdiction, date).await?;
            let file = CatalogFile {
                jurisdiction,
                items,
            };
            let bytes = export(&file, format).map_err(|e| Failure::other(e.to_string()))?;
            match out {
                Some(p) => {
                    std::fs::write(&p, bytes)
                        .map_err(|e| Failure::other(format!("无法写入 {}：{e}", p.display())))?;
                    println!("已导出 {} 项到 {}", file.items.len(), p.display());
                }
                None => {
                    std::io::stdout()
                        .write_all(&bytes)
                        .map_err(|e| Failure::other(e.to_string()))?;
                }
            }
            Ok(())
        }
        CatalogCommand::List { jurisdiction, date } => {
            let date = date_or_today(date.as_deref())?;
            let store = args.db.open().await?;
            let j = store.jurisdiction(&jurisdiction).await?;
            let items = store.catalog_as_of(&jurisdiction, date).await?;
            println!(
                "{} 事项目录（{} 有效，共 {} 项）",
                j.name,
                fmt_date(date),
                items.len()
            );
            for v in items {
                let i = &v.item;
                println!(
                    "{}\t{}\t{}\t{}\t法定{}日/承诺{}日\t第{}版",
                    i.code,
                    i.name,
                    j.department(&i.department)
                        .map_or(i.department.as_str(), |d| d.name.as_str()),
                    i.handling_class.label(),
                    i.statutory_days,
                    i.promised_days,
                    v.version
                );
            }
            Ok(())
        }
        CatalogCommand::Publish { item, note, by } => {
            let (store, effective) = item.open(&args.db).await?;
            let (j, code) = (&item.jurisdiction, &item.code);
            let v = publish_draft(&store, j, code, publication(effective, &note, &by)).await?;
            println!(
                "已公布「{}」第{}版（{}），{} 起施行。",
                v.item.name,
                v.version,
                v.change.label(),
                fmt_date(v.effective_on)
            );
            Ok(())
        }
        CatalogCommand::Retire { item, note, by } => {
            let (store, effective) = item.open(&args.db).await?;
            let (j, code) = (&item.jurisdiction, &item.code);
            let v = retire_item(&store, j, code, publication(effective, &note, &by)).await?;
            println!(
                "已取消「{}」，{} 起不再受理。",
                v.item.name,
                fmt_date(v.effective_on)
            );
            Ok(())
        }
        CatalogCommand::National { jurisdiction, date } => {
            let date = date_or_today(date.as_deref())?;
            let store = args.db.open().await?;
            let r = national_report(&store, &jurisdiction, date).await?;
            println!(
                "{} 事项目录国家清单对照（{} 有效事项 {} 项，其中行政许可事项 {} 项）",
                r.jurisdiction_name,
                fmt_date(r.date),
                r.in_force,
                r.licensing
            );
            println!(
                "未对应国家行政许可事项清单的行政许可事项：{} 项",
                r.without_national.len()
            );
            for i in &r.without_national {
                println!("  {}\t{}\t{}", i.code, i.name, i.department_name);
            }
            println!("含演示假定内容的事项：{} 项", r.assumed.len());
            for i in &r.assumed {
                println!(
                    "  {}\t{}\t演示数据（假定）：{}",
                    i.code,
                    i.name,
                    i.assumed.join("；")
                );
            }
            Ok(())
        }
        CatalogCommand::Changelog {
            jurisdiction,
            limit,
        } => {
            let store = args.db.open().await?;
            for e in changelog(&store, &jurisdiction, limit).await? {
                let v = &e.version;
                println!(
                    "{} {} {}（{}）第{}版 {} 起施行 {}",
                    fmt_date(v.published_on),
                    v.change.label(),
                    v.item.name,
                    v.code,
                    v.version,
                    fmt_date(v.effective_on),
                    v.note
                );
                for c in &e.changes {
                    println!(
                        "    {}：{} → {}",
                        c.label,
                        c.before.as_deref().unwrap_or("（无）").replace('\n', "；"),
                        c.after.as_deref().unwrap_or("（删除）").replace('\n', "；")
                    );
                }
            }
            Ok(())
        }
    }
}

/// Every problem, one per line, as one failure (exit status 2).
fn report(problems: Vec<yiyin_catalog_io::Problem>) -> Failure {
    let mut text = format!("导入未执行：发现 {} 处问题\n", problems.len());
    for p in &problems {
        text.push_str(&format!("  {p}\n"));
    }
    Failure::input(text.trim_end().to_string())
}
