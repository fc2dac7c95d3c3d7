//! `yiyin serve` and `yiyin demo`: open the store (SQLite file by default, PostgreSQL by URL), load
//! the organisation and calendar, and serve the pages and the API until interrupted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use secrecy::SecretString;
use yiyin_app::{App, Clock, FixedClock, Keyring, OffsetClock, SystemClock};
use yiyin_blobs::BlobStore;
use yiyin_store::{Durability, Store, StoreOptions};

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
    /// 文件存储地址：s3://存储桶/前缀 使用 S3 兼容对象存储（端点、密钥和区域取自 AWS_ENDPOINT_URL、AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY、AWS_REGION）；不填则使用数据目录下的 blobs 文件夹。多台应用服务器须共用同一文件存储
    #[arg(long, value_name = "URL", env = "YIYIN_BLOB_URL", global = true)]
    pub blob_url: Option<String>,
}

impl DbArgs {
    /// The blob store these options point at: the bucket given, else `<data-dir>/blobs`.
    pub fn blobs(&self) -> Result<BlobStore, Failure> {
        match &self.blob_url {
            Some(url) => BlobStore::from_url(url),
            None => BlobStore::local(self.data_dir.join("blobs")),
        }
        .map_err(|e| Failure::input(e.to_string()))
    }

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
        yiyin_app::admin::init_organisation(&store)
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
fn clock_of(clock: &Option<String>) -> Result<Arc<dyn Clock>, Failure> {
    Ok(match clock {
        Some(text) => Arc::new(OffsetClock::new(parse_clock(text)?)),
        None => Arc::new(SystemClock),
    })
}

/// Where the server listens.
#[derive(Debug, Args, Clone)]
pub struct ListenArgs {
    /// 监听地址
    #[arg(
        long,
        value_name = "ADDR",
        env = "YIYIN_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// 服务器前面有可信的反向代理：按 X-Forwarded-For 的最后一个地址识别客户端（否则按连接地址；没有代理时不要打开，以免客户端伪造地址绕过限流）
    #[arg(long, env = "YIYIN_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// 每个客户端地址每分钟允许的登录和注册次数（办件查询、文书核验另计同样的次数）
    #[arg(long, value_name = "N", env = "YIYIN_ATTEMPTS_PER_MINUTE", default_value_t = yiyin_web::Limits::default().per_address_per_minute)]
    pub attempts_per_minute: u32,
    /// 每个客户端地址允许连续尝试的次数（超过后按每分钟次数放行）
    #[arg(long, value_name = "N", env = "YIYIN_ATTEMPTS_BURST", default_value_t = yiyin_web::Limits::default().per_address_burst)]
    pub attempts_burst: u32,
    /// 同一账号（登录名、注册的证件号码、查询的办件编号）每分钟允许的尝试次数，不论来自哪个地址
    #[arg(long, value_name = "N", env = "YIYIN_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = yiyin_web::Limits::default().per_login_per_minute)]
    pub login_attempts_per_minute: u32,
    /// 允许推送接收地址（webhook）使用的内部网段，如 10.0.0.0/8（可多次给出）；默认只允许公网地址，本机、链路本地和专用网络一律拒绝
    #[arg(
        long,
        value_name = "CIDR",
        env = "YIYIN_WEBHOOK_ALLOW",
        value_delimiter = ','
    )]
    pub webhook_allow: Vec<String>,
    /// 部门共享（免提交）材料的数据共享接口：名称=地址，名称为 shared（所有部门共享材料）或某材料编码（仅该材料），如 shared=https://share.example/api（可多次给出）；接口约定见 docs/data-sharing.md
    #[arg(
        long,
        value_name = "NAME=URL",
        env = "YIYIN_DATA_SHARING",
        value_delimiter = ','
    )]
    pub data_sharing: Vec<String>,
    /// 工作人员会话的空闲超时（分钟）：超过该时长没有任何操作即须重新登录
    #[arg(long, value_name = "MINUTES", env = "YIYIN_STAFF_IDLE_MINUTES", default_value_t = 30,
        value_parser = clap::value_parser!(i64).range(1..=480))]
    pub staff_idle_minutes: i64,
    /// 申请人会话的空闲超时（分钟）
    #[arg(long, value_name = "MINUTES", env = "YIYIN_APPLICANT_IDLE_MINUTES", default_value_t = 120,
        value_parser = clap::value_parser!(i64).range(1..=480))]
    pub applicant_idle_minutes: i64,
    #[command(flatten)]
    pub notify: super::notify::NotifyArgs,
}

impl ListenArgs {
    /// The web layer's settings: the limits on attempts and whether a trusted proxy stands in front.
    pub fn web(&self) -> yiyin_web::WebConfig {
        yiyin_web::WebConfig {
            limits: yiyin_web::Limits {
                per_address_per_minute: self.attempts_per_minute,
                per_address_burst: self.attempts_burst,
                per_login_per_minute: self.login_attempts_per_minute,
                per_login_burst: self.login_attempts_per_minute,
            },
            trust_forwarded_for: self.trust_forwarded_for,
            demo_registry: None,
        }
    }

    /// The idle timeouts of sessions.
    pub fn idle(&self) -> yiyin_app::users::IdleTimeouts {
        yiyin_app::users::IdleTimeouts {
            staff: chrono::Duration::minutes(self.staff_idle_minutes),
            applicant: chrono::Duration::minutes(self.applicant_idle_minutes),
        }
    }

    /// The internal networks webhooks may reach, checked.
    pub fn webhook_allow(&self) -> Result<Vec<yiyin_app::egress::IpNet>, Failure> {
        self.webhook_allow
            .iter()
            .map(|n| {
                n.trim().parse().map_err(|_| {
                    Failure::input(format!(
                        "--webhook-allow「{n}」不是有效的网段（应如 10.0.0.0/8）"
                    ))
                })
            })
            .collect()
    }

    /// The data-sharing endpoints, checked.
    pub fn data_sharing(&self) -> Result<yiyin_app::sharing::DataSharing, Failure> {
        yiyin_app::sharing::DataSharing::parse(&self.data_sharing).map_err(Failure::input)
    }

    /// The address to listen on, checked.
    pub fn addr(&self) -> Result<SocketAddr, Failure> {
        self.listen.parse().map_err(|_| {
            Failure::input(format!(
                "监听地址「{}」无效，应为 IP:端口，例如 127.0.0.1:8080",
                self.listen
            ))
        })
    }
}

/// The real-name provider (统一身份认证, OpenID Connect), when the county uses one.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// 统一身份认证平台（OpenID Connect）的签发者地址，如 https://tyrz.example.gov.cn；不给则不提供统一身份认证登录
    #[arg(long, value_name = "URL", env = "YIYIN_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// 在统一身份认证平台登记的客户端标识
    #[arg(
        long,
        value_name = "ID",
        env = "YIYIN_OIDC_CLIENT_ID",
        default_value = ""
    )]
    pub oidc_client_id: String,
    /// 客户端密钥（建议用环境变量给出）
    #[arg(
        long,
        value_name = "SECRET",
        env = "YIYIN_OIDC_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<SecretString>,
    /// 回调地址（须与平台登记的一致）；默认为对外地址加 /login/sso/callback
    #[arg(long, value_name = "URL", env = "YIYIN_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// 携带姓名的声明名称
    #[arg(
        long,
        value_name = "CLAIM",
        env = "YIYIN_OIDC_NAME_CLAIM",
        default_value = "name"
    )]
    pub oidc_name_claim: String,
    /// 携带公民身份号码或统一社会信用代码的声明名称
    #[arg(
        long,
        value_name = "CLAIM",
        env = "YIYIN_OIDC_ID_CLAIM",
        default_value = "id_number"
    )]
    pub oidc_id_claim: String,
    /// 除 openid 外申请的授权范围（逗号分隔）
    #[arg(
        long,
        value_name = "SCOPES",
        env = "YIYIN_OIDC_SCOPES",
        value_delimiter = ',',
        default_value = "profile"
    )]
    pub oidc_scopes: Vec<String>,
}

impl IdentityArgs {
    /// The application with the provider, when one is configured (checked before anything starts).
    pub fn apply(&self, app: App, public_url: &str) -> Result<App, Failure> {
        let Some(issuer) = self.oidc_issuer.clone().filter(|i| !i.trim().is_empty()) else {
            return Ok(app);
        };
        let secret = self.oidc_client_secret.clone().ok_or_else(|| {
            Failure::input("启用统一身份认证须给出客户端密钥：--oidc-client-secret 或环境变量 YIYIN_OIDC_CLIENT_SECRET")
        })?;
        let config = yiyin_app::identity::ProviderConfig {
            issuer,
            client_id: self.oidc_client_id.clone(),
            client_secret: secret,
            redirect_url: self.oidc_redirect_url.clone().unwrap_or_else(|| {
                format!("{}/login/sso/callback", public_url.trim_end_matches('/'))
            }),
            name_claim: self.oidc_name_claim.clone(),
            id_claim: self.oidc_id_claim.clone(),
            scopes: self
                .oidc_scopes
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        let provider = yiyin_app::identity::Provider::new(config).map_err(Failure::input)?;
        Ok(app.with_identity_provider(provider))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
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
    pub seal_passphrase: Option<SecretString>,
    /// 门户的公开地址，写入文书二维码（默认 http://监听地址）
    #[arg(long, value_name = "URL", env = "YIYIN_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl SealArgs {
    /// The public address given, else the listening one.
    fn public_url(&self, addr: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
    }
}

/// Makes the missing seals and opens them all with the passphrase.
pub async fn open_seals(
    store: &Store,
    passphrase: &SecretString,
    today: chrono::NaiveDate,
) -> Result<Keyring, Failure> {
    let made = yiyin_app::seals::ensure_seals(store, passphrase, today)
        .await
        .map_err(|e| Failure::input(e.to_string()))?;
    if made > 0 {
        println!("已创建电子印章 {made} 枚（私钥以印章口令加密保存）");
    }
    Keyring::open(store, passphrase)
        .await
        .map_err(|e| Failure::input(e.to_string()))
}

/// The application over a store with this clock, seals and public address.
async fn app_of(
    global: &GlobalArgs,
    store: &Store,
    blobs: BlobStore,
    clock: Arc<dyn Clock>,
    keyring: Keyring,
    public_url: &str,
) -> Result<App, Failure> {
    let calendar = super::load_calendar(global)?;
    App::new(store.clone(), calendar, clock, blobs, keyring, public_url)
        .await
        .map_err(|e| Failure::other(e.to_string()))
}

pub async fn serve(global: &GlobalArgs, args: ServeArgs) -> CliResult {
    let addr = args.listen.addr()?;
    let clock = clock_of(&args.clock)?;
    let passphrase = args.seal.seal_passphrase.clone().ok_or_else(|| {
        Failure::input("启动需要印章口令：请用 --seal-passphrase 或环境变量 YIYIN_SEAL_PASSPHRASE 提供（至少8个字符）")
    })?;
    // Every setting is checked before anything is written (the database, the seals).
    let blobs = args.db.blobs()?;
    let store = args.db.open().await?;
    let today = yiyin_domain::calendar::local_date(clock.now());
    let keyring = open_seals(&store, &passphrase, today).await?;
    let public_url = args.seal.public_url(addr);
    let app = app_of(global, &store, blobs, clock, keyring, &public_url)
        .await?
        .with_seal_passphrase(passphrase)
        .allow_webhook_networks(args.listen.webhook_allow()?)
        .with_idle_timeouts(args.listen.idle())
        .with_notifier(args.listen.notify.notifier()?)
        .with_data_sharing(args.listen.data_sharing()?);
    let app = args.identity.apply(app, &public_url)?;
    run_server(app, addr, args.listen.web()).await
}

pub async fn run_server(app: App, addr: SocketAddr, web: yiyin_web::WebConfig) -> CliResult {
    let store = app.store.clone();
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
    yiyin_web::serve(listener, app, web, async {
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
    #[command(flatten)]
    pub listen: ListenArgs,
    /// 数据目录（演示数据库存放处）
    #[arg(
        long,
        value_name = "DIR",
        env = "YIYIN_DATA_DIR",
        default_value = "yiyin-data"
    )]
    pub data_dir: PathBuf,
    /// 演示数据存入该 PostgreSQL 数据库（postgres://用户@主机/库名，应为新建的空库）；不填则使用数据目录中的 SQLite 文件
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
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
    /// The same real-name provider options as `yiyin serve` (none by default).
    #[command(flatten)]
    pub identity: IdentityArgs,
}

/// The seal passphrase of the demo (documented in the README) when none is given.
pub const DEMO_PASSPHRASE: &str = "yiyin-demo-2026";

pub async fn demo(global: &GlobalArgs, args: DemoArgs) -> CliResult {
    let addr = args.listen.addr()?;
    if args.reset {
        remove_sqlite(&args.data_dir.join("yiyin.sqlite"))?;
    }
    let db = DbArgs {
        database: args.database.clone(),
        data_dir: args.data_dir.clone(),
        sqlite_sync: "normal".into(),
        blob_url: None,
    };
    let clock = clock_of(&args.clock)?;
    let store = db.open().await?;
    let passphrase = args
        .seal
        .seal_passphrase
        .clone()
        .unwrap_or_else(|| SecretString::from(DEMO_PASSPHRASE));
    let now = clock.now();
    let today = yiyin_domain::calendar::local_date(now);
    // The demo's history reaches back months before today: its seals were made before it began.
    let seals_made = today - chrono::Duration::days(366);
    let keyring = open_seals(&store, &passphrase, seals_made).await?;
    let public_url = args.seal.public_url(addr);
    // The demo's history is made through the use cases on a clock moved along it.
    let history_clock = Arc::new(FixedClock::new(now));
    let loader = app_of(
        global,
        &store,
        db.blobs()?,
        history_clock.clone(),
        keyring.clone(),
        &public_url,
    )
    .await?;
    let loaded = crate::demo::load(&loader, &history_clock, now)
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
    let app = app_of(global, &store, db.blobs()?, clock, keyring, &public_url)
        .await?
        .with_seal_passphrase(passphrase)
        .allow_webhook_networks(args.listen.webhook_allow()?)
        .with_idle_timeouts(args.listen.idle())
        .with_notifier(args.listen.notify.notifier()?)
        .with_data_sharing(demo_sharing(&args.listen, addr)?);
    let app = args.identity.apply(app, &public_url)?;
    let mut web = args.listen.web();
    web.demo_registry = Some(Arc::new(yiyin_demo::registry()));
    run_server(app, addr, web).await
}

/// The demo's data sharing: as given, else the demo's own market-registration registry, which the
/// demo server serves at `/demo/registry`.
fn demo_sharing(
    listen: &ListenArgs,
    addr: SocketAddr,
) -> Result<yiyin_app::sharing::DataSharing, Failure> {
    if !listen.data_sharing.is_empty() {
        return listen.data_sharing();
    }
    yiyin_app::sharing::DataSharing::default()
        .with(
            yiyin_app::sharing::SHARED,
            &format!("http://{addr}/demo/registry"),
        )
        .map_err(Failure::input)
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
