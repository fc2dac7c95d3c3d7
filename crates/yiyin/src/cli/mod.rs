//! Command-line parsing and dispatch. Errors carry an exit status: 2 for bad input (flags, files,
//! dates), 1 for everything else (a database that cannot be reached, a failed write).

mod audit;
mod calendar;
mod catalog;
mod draw;
mod notify;
mod rehearse;
mod seal;
mod server;
mod statistics;
mod user;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use yiyin_domain::calendar::Calendar;

/// The help layout, with Chinese headings.
const HELP: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// 一印（Yiyin）：行政审批服务局的审批平台——事项目录、一窗受理、后台审批、电子印章、审管互动、电子监察与政务公开。
#[derive(Debug, Parser)]
#[command(
    name = "yiyin",
    version,
    help_template = HELP,
    subcommand_help_heading = "子命令",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true,
    after_help = "示例：\n  yiyin demo                          用演示数据在 http://127.0.0.1:8080 运行\n  yiyin calendar add 2025-09-26 5     计算第5个工作日\n  yiyin rehearse 推演脚本.json         模拟推演一件申请\n  yiyin verify 许可决定书.pdf          离线核验电子文书"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "通用选项")]
pub struct GlobalArgs {
    /// 追加或覆盖节假日数据的目录（holiday-cn 格式的 YEAR.json 文件）
    #[arg(long, global = true, value_name = "DIR", env = "YIYIN_CALENDAR_DIR")]
    pub calendar_dir: Option<PathBuf>,
    /// 显示帮助
    #[arg(short = 'h', long = "help", global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// 显示版本号
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 工作日计算（《行政许可法》第八十二条）：add、between、is-workday
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true, next_help_heading = "参数")]
    Calendar(calendar::CalendarArgs),
    /// 启动服务器（默认使用数据目录中的 SQLite；--database 指定 PostgreSQL）
    #[command(help_template = HELP, disable_help_flag = true)]
    Serve(server::ServeArgs),
    /// 用演示数据启动（SQLite）：四个试点县区的事项目录等
    #[command(help_template = HELP, disable_help_flag = true)]
    Demo(server::DemoArgs),
    /// 事项目录：导入、导出、列出、公布、取消、调整公告
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    Catalog(catalog::CatalogArgs),
    /// 工作人员账号：新增、列出、重设密码、停用
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    User(user::UserArgs),
    /// 审计：校验事件哈希链，并可对照保存的链头证明历史未被改写
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    Audit(audit::AuditArgs),
    /// 离线核验一印签发的文书或证照（PDF 或签章记录 JSON）：签名、签章印章、证照是否仍有效
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Verify(verify::VerifyArgs),
    /// 电子档案：校验办结办件的档案包
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    Archive(verify::ArchiveArgs),
    /// 电子印章：列出、轮换、吊销证书、登记外部签章系统及其证书吊销列表
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    Seal(seal::SealCmdArgs),
    /// 双随机抽查：用公布的名录和随机种子重新抽取，并与公布的结果比对
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Draw(draw::DrawArgs),
    /// 模拟推演：在模拟时钟上运行一件申请（或多件申请）的脚本，输出 JSON 结果
    #[command(
        help_template = HELP,
        disable_help_flag = true,
        next_help_heading = "参数",
        after_help = rehearse::AFTER_HELP
    )]
    Rehearse(rehearse::RehearseArgs),
    /// 政务服务统计：重建汇总表
    #[command(help_template = HELP, subcommand_help_heading = "子命令", disable_help_subcommand = true, disable_help_flag = true)]
    Statistics(statistics::StatisticsArgs),
}

/// A failed command: the message (Chinese) and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub status: u8,
}

impl Failure {
    /// Anything else: exit status 1.
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 1,
        }
    }

    /// Bad input: exit status 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 2,
        }
    }
}

impl From<yiyin_app::AppError> for Failure {
    /// The use case's Chinese message; bad input, a refusal by the law, a missing or conflicting
    /// record exit 2, the rest 1.
    fn from(e: yiyin_app::AppError) -> Self {
        use yiyin_app::AppError as E;
        match e {
            E::Internal(_) | E::Unavailable(_) => Failure::other(e.to_string()),
            _ => Failure::input(e.to_string()),
        }
    }
}

impl From<yiyin_store::StoreError> for Failure {
    fn from(e: yiyin_store::StoreError) -> Self {
        yiyin_app::AppError::from(e).into()
    }
}

pub type CliResult = Result<(), Failure>;

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || matches!(
                    e.kind(),
                    ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                )
            {
                let _ = e.print();
                return ExitCode::from(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            eprintln!(
                "命令行参数有误（运行 yiyin --help 查看用法）：\n{}",
                e.render()
            );
            return ExitCode::from(2);
        }
    };
    init_logging();
    let result = match cli.command {
        Command::Calendar(args) => calendar::run(&cli.global, args),
        Command::Rehearse(args) => rehearse::run(&cli.global, args),
        Command::Serve(args) => block_on(server::serve(&cli.global, args)),
        Command::Demo(args) => block_on(server::demo(&cli.global, args)),
        Command::Catalog(args) => block_on(catalog::run(&cli.global, args)),
        Command::User(args) => block_on(user::run(&cli.global, args)),
        Command::Audit(args) => block_on(audit::run(&cli.global, args)),
        Command::Statistics(args) => block_on(statistics::run(&cli.global, args)),
        Command::Verify(args) => block_on(verify::verify(&cli.global, args)),
        Command::Archive(args) => block_on(verify::archive(&cli.global, args)),
        Command::Seal(args) => block_on(seal::run(&cli.global, args)),
        Command::Draw(args) => draw::run(&cli.global, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("错误：{}", f.message);
            ExitCode::from(f.status)
        }
    }
}

/// Runs an async command on a multi-threaded runtime.
fn block_on(f: impl std::future::Future<Output = CliResult>) -> CliResult {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(f),
        Err(e) => Err(Failure::other(format!("无法启动运行时：{e}"))),
    }
}

/// Logs to stderr at the level in `YIYIN_LOG` (error, warn, info, debug, trace; default warn).
fn init_logging() {
    let level = std::env::var("YIYIN_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::WARN);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The built-in calendar plus the years in `--calendar-dir`.
pub fn load_calendar(global: &GlobalArgs) -> Result<Calendar, Failure> {
    let mut cal = Calendar::builtin();
    if let Some(dir) = &global.calendar_dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Failure::input(format!("无法读取日历目录 {}：{e}", dir.display())))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Failure::input(format!("无法读取 {}：{e}", path.display())))?;
            let year = cal
                .load_year_json(&text)
                .map_err(|e| Failure::input(format!("{}：{e}", path.display())))?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if stem != year.to_string() {
                return Err(Failure::input(format!(
                    "{}：文件名应为 {year}.json，与其中的 year 字段一致",
                    path.display()
                )));
            }
        }
    }
    Ok(cal)
}
