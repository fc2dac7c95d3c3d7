//! `yiyin serve` and `yiyin demo`: open the store (SQLite file by default, PostgreSQL by URL), load
//! the organisation and calendar, and serve the pages and the API until interrupted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use yiyin_domain::calendar::Calendar;
use yiyin_store::{Durability, Store, StoreOptions};
use yiyin_web::{AppState, SystemClock};

use super::{CliResult, Failure, GlobalArgs};

/// Where the data lives. Shared by every command that opens the store.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "数据库选项")]
pub struct DbArgs {
    /// 数据库地址：postgres://用户@主机/库名 使用 PostgreSQL；不填则使用数据目录中的 SQLite 文件
    #[arg(
        long = "database",
        value_name = "URL",
        env = "YIYIN_DATABASE_URL",
        global = true
    )]
    pub database: Option<String>,
    /// 数据目录（SQLite 数据库文件和附件存放处）
    #[arg(
        long,
        value_name = "DIR",
        env = "YIYIN_DATA_DIR",
        default_value = "yiyin-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// SQLite 提交的持久性：full（每次提交落盘，默认）或 normal（更快，机器掉电可能丢失最后的提交）
    #[arg(
        long,
        value_name = "MODE",
        env = "YIYIN_SQLITE_SYNC",
        default_value = "full",
        global = true
    )]
    pub sqlite_sync: String,
}

impl DbArgs {
    /// The database URL these options point at.
    pub fn url(&self) -> Result<String, Failure> {
        match &self.database {
            Some(url) => Ok(url.clone()),
            None => {
                std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                    Failure::input(format!("无法创建数据目录 {}：{e}", self.data_dir.display()))
                })?;
                Ok(yiyin_store::sqlite_url(&self.data_dir.join("yiyin.sqlite")))
            }
        }
    }

    /// Opens (and migrates) the store, loading the built-in organisation into an empty database.
    pub async fn open(&self) -> Result<Store, Failure> {
        let durability = match self.sqlite_sync.as_str() {
            "full" => Durability::Full,
            "normal" => Durability::Normal,
            other => {
                return Err(Failure::input(format!(
                    "--sqlite-sync「{other}」无效，应为 full 或 normal"
                )));
            }
        };
        let url = self.url()?;
        let store = Store::connect(
            &url,
            StoreOptions {
                durability,
                ..StoreOptions::default()
            },
        )
        .await
        .map_err(|e| Failure::other(format!("无法打开数据库 {}：{e}", redact(&url))))?;
        store
            .init_organisation()
            .await
            .map_err(|e| Failure::other(e.to_string()))?;
        Ok(store)
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Parses `--clock`: an RFC 3339 time, or a date (09:00 China Standard Time).
fn parse_clock(text: &str) -> Result<chrono::DateTime<chrono::Utc>, Failure> {
    yiyin_domain::rehearse::parse_instant(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map(|t| {
            if text.trim().len() == 10 {
                t + chrono::Duration::hours(9)
            } else {
                t
            }
        })
        .ok_or_else(|| {
            Failure::input(format!(
                "--clock「{text}」无效，应为 YYYY-MM-DD 或 RFC 3339 时间，例如 2026-06-15T09:00:00+08:00"
            ))
        })
}

/// The server's clock: the machine's, or a simulated one starting at `--clock`.
fn clock_of(clock: &Option<String>) -> Result<Arc<dyn yiyin_web::Clock>, Failure> {
    Ok(match clock {
        Some(text) => Arc::new(yiyin_web::OffsetClock::new(parse_clock(text)?)),
        None => Arc::new(SystemClock),
    })
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(
        long,
        value_name = "ADDR",
        env = "YIYIN_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// 模拟时钟：服务器从该时刻起计时（演练和测试用），如 2026-06-15 或 2026-06-15T09:00:00+08:00
    #[arg(long, value_name = "TIME")]
    pub clock: Option<String>,
    #[command(flatten)]
    pub seal: SealArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The seals' passphrase and the public address written into documents' QR codes.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "电子印章选项")]
pub struct SealArgs {
    /// 印章口令：加密保存各印章私钥的口令（至少8个字符），启动时用它解开私钥；首次启动时用它创建印章
    #[arg(
        long,
        value_name = "PASSPHRASE",
        env = "YIYIN_SEAL_PASSPHRASE",
        hide_env_values = true
    )]
    pub seal_passphrase: Option<String>,
    /// 门户的公开地址，写入文书二维码（默认 http://监听地址）
    #[arg(long, value_name = "URL", env = "YIYIN_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// Makes the missing seals and opens them all with the passphrase.
pub async fn open_seals(
    store: &Store,
    passphrase: &str,
    today: chrono::NaiveDate,
) -> Result<yiyin_store::seals::Keyring, Failure> {
    let made = store
        .ensure_seals(passphrase, today)
        .await
        .map_err(|e| Failure::input(e.to_string()))?;
    if made > 0 {
        println!("已创建电子印章 {made} 枚（私钥以印章口令加密保存）");
    }
    store
        .keyring(passphrase)
        .await
        .map_err(|e| Failure::input(e.to_string()))
}

/// The calendar: built-in years, `--calendar-dir`, then years uploaded into the database.
pub async fn full_calendar(global: &GlobalArgs, store: &Store) -> Result<Calendar, Failure> {
    let mut cal = super::load_calendar(global)?;
    store
        .load_calendar_years(&mut cal)
        .await
        .map_err(|e| Failure::other(e.to_string()))?;
    Ok(cal)
}

pub async fn serve(global: &GlobalArgs, args: ServeArgs) -> CliResult {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        Failure::input(format!(
            "监听地址「{}」无效，应为 IP:端口，例如 127.0.0.1:8080",
            args.listen
        ))
    })?;
    let clock = clock_of(&args.clock)?;
    let passphrase = args.seal.seal_passphrase.clone().ok_or_else(|| {
        Failure::input("启动需要印章口令：请用 --seal-passphrase 或环境变量 YIYIN_SEAL_PASSPHRASE 提供（至少8个字符）")
    })?;
    let store = args.db.open().await?;
    let today = clock
        .now()
        .with_timezone(&yiyin_domain::rehearse::cst())
        .date_naive();
    let keyring = open_seals(&store, &passphrase, today).await?;
    let public_url = args
        .seal
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    run_server(
        global,
        store,
        addr,
        &args.db.data_dir,
        clock,
        keyring,
        &public_url,
    )
    .await
}

pub async fn run_server(
    global: &GlobalArgs,
    store: Store,
    addr: SocketAddr,
    data_dir: &Path,
    clock: Arc<dyn yiyin_web::Clock>,
    keyring: yiyin_store::seals::Keyring,
    public_url: &str,
) -> CliResult {
    let calendar = full_calendar(global, &store).await?;
    let blobs = yiyin_store::blobs::BlobStore::new(data_dir.join("blobs"));
    let state = AppState::load(store.clone(), calendar, clock, blobs, keyring, public_url)
        .await
        .map_err(|e| Failure::other(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::other(format!("无法监听 {addr}：{e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::other(e.to_string()))?;
    println!(
        "一印已启动：http://{local}/  （数据库：{}，按 Ctrl-C 停止）",
        store.backend().label()
    );
    yiyin_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| Failure::other(format!("服务器异常退出：{e}")))?;
    store.close().await;
    println!("一印已停止。");
    Ok(())
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 监听地址
    #[arg(
        long,
        value_name = "ADDR",
        env = "YIYIN_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// 数据目录（演示数据库存放处）
    #[arg(
        long,
        value_name = "DIR",
        env = "YIYIN_DATA_DIR",
        default_value = "yiyin-data"
    )]
    pub data_dir: PathBuf,
    /// 删除已有的演示数据库，重新生成
    #[arg(long)]
    pub reset: bool,
    /// 只生成演示数据，不启动服务器
    #[arg(long)]
    pub no_serve: bool,
    /// 模拟时钟：演示数据和服务器都以该时刻为“现在”，如 2026-06-15
    #[arg(long, value_name = "TIME")]
    pub clock: Option<String>,
    #[command(flatten)]
    pub seal: SealArgs,
}

/// The seal passphrase of the demo (documented in the README) when none is given.
pub const DEMO_PASSPHRASE: &str = "yiyin-demo-2026";

pub async fn demo(global: &GlobalArgs, args: DemoArgs) -> CliResult {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        Failure::input(format!(
            "监听地址「{}」无效，应为 IP:端口，例如 127.0.0.1:8080",
            args.listen
        ))
    })?;
    if args.reset {
        remove_sqlite(&args.data_dir.join("yiyin.sqlite"))?;
    }
    let db = DbArgs {
        database: None,
        data_dir: args.data_dir.clone(),
        sqlite_sync: "normal".into(),
    };
    let clock = clock_of(&args.clock)?;
    let store = db.open().await?;
    let calendar = full_calendar(global, &store).await?;
    let passphrase = args
        .seal
        .seal_passphrase
        .clone()
        .unwrap_or_else(|| DEMO_PASSPHRASE.to_string());
    let today = clock
        .now()
        .with_timezone(&yiyin_domain::rehearse::cst())
        .date_naive();
    // The demo's history reaches back months before today: its seals were made before it began.
    let seals_made = today - chrono::Duration::days(366);
    let keyring = open_seals(&store, &passphrase, seals_made).await?;
    let loaded = crate::demo::load(&store, &calendar, &keyring, clock.now())
        .await
        .map_err(|e| Failure::other(format!("生成演示数据失败：{e}")))?;
    match loaded {
        Some(summary) => println!("已生成演示数据：{summary}"),
        None => println!(
            "使用已有的演示数据（{}；加 --reset 可重新生成）",
            args.data_dir.display()
        ),
    }
    if args.no_serve {
        store.close().await;
        return Ok(());
    }
    let public_url = args
        .seal
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    run_server(
        global,
        store,
        addr,
        &args.data_dir,
        clock,
        keyring,
        &public_url,
    )
    .await
}

fn remove_sqlite(path: &Path) -> CliResult {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(|e| Failure::other(format!("无法删除 {}：{e}", p.display())))?;
        }
    }
    Ok(())
}
