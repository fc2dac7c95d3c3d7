//! End-to-end tests in a real browser (headless Chromium through chromedriver) against the real
//! `yiyin demo` server on a simulated date: the whole online journey of an application, a walk-in at
//! the window, a refusal, a suspension with its notice, a role that must not see another county's
//! case, and approval–supervision separation (the supervising department's desk, a finding, a
//! revocation, a random inspection), and a citizen's whole journey through 统一身份认证 (a real
//! OpenID Connect provider's login form) to her licence, with e-mail notices (a real SMTP server),
//! and the reform's journeys (switch-over, observers, township delegation, a hearing held days
//! later — the server started again on the same data at a later date — and a reconsideration).
//! Screenshots of the main pages are left in `test-artifacts/screenshots/` for people to look at.
//!
//! `scripts/test` installs Chromium and chromedriver when missing, and npm's `oidc-provider` and
//! PyPI's `aiosmtpd` (the web crate's `tests/clients`); this test fails (never skips) when they
//! cannot be started.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use yiyin_testkit::processes::{Process, start_script};

/// The demo accounts' password (`demo_cases::DEMO_PASSWORD`, in the README).
const PASSWORD: &str = "Yiyin-Demo26";

/// The demo's two-step verification secret of deciding and administrative roles
/// (`demo_cases::DEMO_TOTP_SECRET`, in the README); codes are of the machine's time.
const TOTP_SECRET: &str = "YIYINDEMOYIYINDEMOYIYINDEMOYIYIN";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `process` listens on `port`; fails at once when it has ended instead.
fn wait_for_port(process: &mut Proc, port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = process.0.try_wait() {
            panic!("{what} ended ({status}) before listening on port {port}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Yiyin as registered at the identity platform.
const IDP_CLIENT_ID: &str = "yiyin-demo";
const IDP_CLIENT_SECRET: &str = "a-demo-client-secret-of-enough-length-2026";

/// The citizen of the journey through 统一身份认证: her account at the platform (its login is her
/// ID number), the individual business (个体工商户) whose 营业执照 the demo's registry holds under
/// her ID number (`yiyin-demo/data/registry.toml`), and the e-mail address she gives for notices.
const CITIZEN_NAME: &str = "陈晓燕";
const CITIZEN_ID: &str = "610921199003120020";
const CITIZEN_IDP_PASSWORD: &str = "Tyrz-Chen-2026";
const CITIZEN_EMAIL: &str = "chenxiaoyan@example.com";
const SHOP_NAME: &str = "汉阴县城关镇晓燕面馆";
const SHOP_CREDIT_CODE: &str = "92610921MA6YH4K7XU";
const SHOP_ADDRESS: &str = "陕西省安康市汉阴县城关镇新街12号";
/// Where she lives (the 个体工商户's 住所): personal, masked on public pages.
const HOME_ADDRESS: &str = "陕西省安康市汉阴县城关镇和平路8号";

/// Starts the OpenID Connect provider (npm's `oidc-provider`, run by the web crate's
/// `tests/clients/oidc_provider.mjs`) on `port`, with Yiyin on `yiyin_port` as its client and the
/// citizen as its one account, logging in through its login form. It speaks real time: the ID
/// tokens it signs are checked against the machine's clock (`openidconnect`'s verifier), not the
/// demo's simulated one, while the login's own state is kept and checked on the demo's clock at
/// both ends, so the simulated date does not touch either check.
fn start_idp(port: u16, yiyin_port: u16) -> Proc {
    let idp = Command::new("node")
        .arg(repo().join("crates/yiyin-web/tests/clients/oidc_provider.mjs"))
        .env(
            "OIDC_PROVIDER_MODULE",
            yiyin_testkit::processes::oidc_provider_module(),
        )
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENT_ID", IDP_CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", IDP_CLIENT_SECRET)
        .env(
            "OIDC_REDIRECT_URI",
            format!("http://127.0.0.1:{yiyin_port}/login/sso/callback"),
        )
        .env("OIDC_SUB", "tyrz-citizen-0420")
        .env("OIDC_NAME", CITIZEN_NAME)
        .env("OIDC_ID_NUMBER", CITIZEN_ID)
        .env("OIDC_PASSWORD", CITIZEN_IDP_PASSWORD)
        .stdout(Stdio::null())
        .spawn()
        .expect("start node (the identity provider)");
    let mut idp = Proc(idp);
    wait_for_port(&mut idp, port, "the identity provider");
    idp
}

/// The demo's simulated date when the test begins.
const DEMO_CLOCK: &str = "2026-06-15T09:00:00+08:00";

/// The `yiyin demo` server of the test: its port, the identity platform and mail server it uses,
/// and its data directory, kept so that it can be started again on the same data.
struct Server {
    port: u16,
    idp_port: u16,
    smtp_port: u16,
    data: PathBuf,
}

impl Server {
    /// Starts the demo on `clock` (its simulated "now"); on data already there it keeps them.
    fn start(&self, clock: &str) -> Proc {
        let (port, idp_port) = (self.port, self.idp_port);
        let server = Command::new(env!("CARGO_BIN_EXE_yiyin"))
            .args([
                "demo",
                "--clock",
                clock,
                "--listen",
                &format!("127.0.0.1:{port}"),
                // The journey logs in many times from one address, faster than people do.
                "--attempts-per-minute",
                "100000",
                "--attempts-burst",
                "100000",
                "--login-attempts-per-minute",
                "100000",
                // The citizen's journey: real-name login and e-mail notices.
                "--oidc-issuer",
                &format!("http://127.0.0.1:{idp_port}"),
                "--oidc-client-id",
                IDP_CLIENT_ID,
                "--oidc-client-secret",
                IDP_CLIENT_SECRET,
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                &self.smtp_port.to_string(),
                "--smtp-security",
                "none",
                "--smtp-from",
                "汉阴县行政审批服务局 <noreply@yiyin.test>",
                "--data-dir",
            ])
            .arg(&self.data)
            .stdout(Stdio::null())
            .spawn()
            .expect("start yiyin demo");
        let mut server = Proc(server);
        wait_for_port(&mut server, port, "yiyin");
        server
    }
}

struct Env {
    b: Client,
    base: String,
    shots: PathBuf,
    /// The TOTP time step of the last code each login used (a code is accepted once).
    steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Each account's session cookie since it last logged in (forgotten when the server moves on
    /// to a later date, which ends every session).
    sessions:
        std::sync::Mutex<std::collections::HashMap<String, fantoccini::cookies::Cookie<'static>>>,
    /// The mail server the demo sends its e-mail notices to (every message kept in its log).
    smtp: Process,
    /// The demo server, with what it takes to start it again on a later date.
    server: Server,
    process: std::sync::Mutex<Proc>,
    _driver: Proc,
    /// The unified identity platform (统一身份认证): a real OpenID Connect provider.
    _idp: Proc,
}

impl Env {
    async fn start() -> Env {
        let data = std::env::temp_dir().join(format!("yiyin-browser-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let port = free_port();
        let smtp = start_script(
            repo()
                .join("crates/yiyin-web/tests/clients/smtp_sink.py")
                .to_str()
                .unwrap(),
            &[],
        );
        let idp_port = free_port();
        let idp = start_idp(idp_port, port);
        let server = Server {
            port,
            idp_port,
            smtp_port: smtp.port,
            data,
        };
        let process = server.start(DEMO_CLOCK);
        let driver_port = free_port();
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver (scripts/test installs Debian's chromium-driver)");
        let mut driver = Proc(driver);
        wait_for_port(&mut driver, driver_port, "chromedriver");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,900", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--lang=zh-CN"]
            }),
        );
        let b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .expect("connect to chromedriver");
        let shots = repo().join("test-artifacts/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Env {
            b,
            base: format!("http://127.0.0.1:{port}"),
            shots,
            steps: Default::default(),
            sessions: Default::default(),
            smtp,
            server,
            process: std::sync::Mutex::new(process),
            _driver: driver,
            _idp: idp,
        }
    }

    /// Days pass: the demo server is stopped and started again on the same data with its clock
    /// at `clock` (the way a training server is moved to a later date; no setting of a running
    /// server moves its time). The browser, its session and the other servers go on.
    fn restart_at(&self, clock: &str) {
        let mut process = self.process.lock().unwrap();
        let _ = process.0.kill();
        let _ = process.0.wait();
        *process = self.server.start(clock);
        self.sessions.lock().unwrap().clear();
    }

    async fn go(&self, path: &str) {
        self.b
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    async fn source(&self) -> String {
        self.b.source().await.unwrap()
    }

    /// Waits until the page contains `text`.
    async fn see(&self, text: &str) {
        let start = Instant::now();
        loop {
            let src = self.source().await;
            if src.contains(text) {
                return;
            }
            if start.elapsed() > Duration::from_secs(15) {
                let url = self
                    .b
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                self.shot("failure").await;
                panic!(
                    "page {url} never showed「{text}」; it shows:\n{}",
                    visible_text(&src)
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn shot(&self, name: &str) {
        let png = self.b.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// The first element at `at` (failing the test when there is none).
    async fn element(&self, at: Locator<'_>) -> fantoccini::elements::Element {
        let found = self.b.find(at).await;
        found.unwrap_or_else(|e| panic!("find {at:?}: {e}"))
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.element(Locator::Css(css)).await;
        e.clear().await.ok();
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    async fn click_at(&self, at: Locator<'_>) {
        let e = self.element(at).await;
        e.click()
            .await
            .unwrap_or_else(|e| panic!("click {at:?}: {e}"));
    }

    async fn click(&self, css: &str) {
        self.click_at(Locator::Css(css)).await;
    }

    /// Opens a `<details>` whose summary contains `label`.
    async fn open(&self, label: &str) {
        let xpath = format!("//summary[contains(., '{label}')]");
        let summary = self.element(Locator::XPath(&xpath)).await;
        let open: bool = self
            .b
            .execute(
                "return arguments[0].parentElement.open;",
                vec![serde_json::to_value(&summary).unwrap()],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap_or(false);
        if !open {
            summary.click().await.unwrap();
        }
    }

    /// Switches to the account `login`: back to its session if it still holds (one login per
    /// account, as its user stays logged in at their desk), or through the login page.
    async fn login(&self, login: &str) {
        let kept = self.sessions.lock().unwrap().get(login).cloned();
        if let Some(cookie) = kept {
            self.b.delete_all_cookies().await.unwrap();
            self.b.add_cookie(cookie).await.unwrap();
            self.go("/").await;
            if self.source().await.contains("action=\"/logout\"") {
                return;
            }
        }
        self.log_in(login).await;
        let cookie = self.b.get_named_cookie("yiyin_session").await.unwrap();
        self.sessions
            .lock()
            .unwrap()
            .insert(login.to_string(), cookie);
    }

    /// Logs out, then in as `login` on the login page.
    async fn log_in(&self, login: &str) {
        self.b.delete_all_cookies().await.unwrap();
        self.go("/login").await;
        self.fill("input[name=login]", login).await;
        self.fill("input[name=password]", PASSWORD).await;
        // Accounts without two-step verification ignore the code. Each code is accepted once: a
        // login again within the same step uses the next step's code (the server allows one step
        // ahead), and only if that one is used too waits for the machine's clock to move on.
        let code = loop {
            let step = chrono::Utc::now().timestamp() / 30;
            let next = {
                let mut steps = self.steps.lock().unwrap();
                let next = steps.get(login).map_or(step, |last| step.max(last + 1));
                if next <= step + 1 {
                    steps.insert(login.to_string(), next);
                }
                next
            };
            if next <= step + 1 {
                let at = chrono::DateTime::from_timestamp(next * 30, 0).unwrap();
                break yiyin_app::totp::code_at(TOTP_SECRET, at).unwrap();
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        self.fill("input[name=totp]", &code).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.see("退出").await;
    }

    async fn url(&self) -> String {
        self.b.current_url().await.unwrap().to_string()
    }

    /// The text of the first element at `xpath`.
    async fn text_at(&self, xpath: &str) -> String {
        let e = self.element(Locator::XPath(xpath)).await;
        e.text().await.unwrap()
    }

    /// Scrolls the first element at `xpath` to the middle of the window (before a screenshot).
    async fn show(&self, xpath: &str) {
        let e = self.element(Locator::XPath(xpath)).await;
        self.b
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            .unwrap();
    }

    /// The file behind the first link at `css`, as the browser (its session) downloads it.
    async fn download(&self, css: &str) -> Vec<u8> {
        let bytes = self
            .b
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(document.querySelector(arguments[0]).href)
                   .then(r => r.arrayBuffer())
                   .then(b => done(Array.from(new Uint8Array(b))));",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("download {css}: {e}"));
        serde_json::from_value(bytes).expect("the file's bytes")
    }

    /// Chooses the option `value` of the `<select>` at `css`.
    async fn choose(&self, css: &str, value: &str) {
        self.element(Locator::Css(css))
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }
}

/// One thing a person does in the browser; a journey is a list of them.
#[derive(Clone, Copy)]
enum Step<'a> {
    /// Switches to this account (its session kept, or logging in).
    Login(&'a str),
    Go(&'a str),
    /// Waits until the page shows this.
    See(&'a str),
    Shot(&'a str),
    Click(&'a str),
    Fill(&'a str, &'a str),
    /// Opens a `<details>` by its summary.
    Open(&'a str),
    Choose(&'a str, &'a str),
    /// Chooses the option of the `<select>` at the CSS selector by the text it shows.
    Pick(&'a str, &'a str),
    /// Scrolls the element at an XPath into view.
    Show(&'a str),
    /// Follows the link with this text.
    Follow(&'a str),
    /// Clicks the element at an XPath.
    Press(&'a str),
    /// The page does not show this (the second says what it would mean if it did).
    Unseen(&'a str, &'a str),
}

use Step::*;

impl Env {
    async fn run(&self, steps: &[Step<'_>]) {
        for step in steps {
            match *step {
                Login(account) => self.login(account).await,
                Go(path) => self.go(path).await,
                See(text) => self.see(text).await,
                Shot(name) => self.shot(name).await,
                Click(css) => self.click(css).await,
                Fill(css, text) => self.fill(css, text).await,
                Open(label) => self.open(label).await,
                Choose(css, value) => self.choose(css, value).await,
                Pick(css, label) => self
                    .element(Locator::Css(css))
                    .await
                    .select_by_label(label)
                    .await
                    .unwrap_or_else(|e| panic!("choose「{label}」in {css}: {e}")),
                Show(xpath) => self.show(xpath).await,
                Follow(text) => self.click_at(Locator::LinkText(text)).await,
                Press(xpath) => self.click_at(Locator::XPath(xpath)).await,
                Unseen(text, meaning) => assert!(!self.source().await.contains(text), "{meaning}"),
            }
        }
    }
}

/// The text of a page without its tags, for failure messages.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(3000)
        .collect()
}

fn pdf(dir: &std::path::Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("%PDF-1.4\n% {name}\n%%EOF\n")).unwrap();
    p.to_str().unwrap().to_string()
}

fn case_id(url: &str) -> i64 {
    url.rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journeys() {
    let env = Env::start().await;
    let files = std::env::temp_dir().join(format!("yiyin-browser-files-{}", std::process::id()));
    std::fs::create_dir_all(&files).unwrap();

    // The public portal.
    env.run(&[
        Go("/"),
        See("选择县区"),
        Shot("01-portal-home"),
        // The county chosen once and kept; its entrances; search in people's words.
        Click("a[href='/county?j=hanyin']"),
        See("我的县区：汉阴县"),
        See("热门事项"),
        Click("a[href='/j/hanyin?subject=organisation']"),
        See("法人办事"),
        Go("/search?q=%E5%BC%80%E9%A5%AD%E5%BA%97"),
        See("食品经营许可"),
        Go("/j/hanyin"),
        See("企业投资项目核准"),
        Shot("02-portal-catalog"),
        Go("/search?q=%E9%A3%9F%E5%93%81"),
        See("食品经营许可"),
        Shot("03-portal-search"),
        Go("/j/hanyin/items/HY-FG-001"),
        See("设定依据"),
        See("办理流程"),
        Shot("04-portal-guide"),
    ])
    .await;

    // 1. An applicant applies online, leaving out a required material.
    let m1 = pdf(&files, "项目申请书.pdf");
    let m5 = pdf(&files, "营业执照.pdf");
    let submit = "form[action='/apply/hanyin/HY-FG-001'] button[type=submit]";
    env.run(&[
        Login("11010519491231002X"),
        Go("/j/hanyin/items/HY-FG-001"),
        Click("a[href='/apply/hanyin/HY-FG-001']"),
        See("在线申请：企业投资项目核准"),
        Fill("input[name=file_M1]", &m1),
        Fill("input[name=file_M5]", &m5),
        Shot("05-applicant-apply"),
        // Without the commitment box ticked, the form comes back with the reason beside it.
        Click(submit),
        See("请确认申请材料真实有效"),
        Fill("input[name=file_M1]", &m1),
        Fill("input[name=file_M5]", &m5),
        Click("input[name=agree]"),
        Click(submit),
        See("申请已提交"),
    ])
    .await;
    let id = case_id(&env.url().await);
    env.shot("06-applicant-case-submitted").await;
    let work_case = format!("/work/cases/{id}");
    let my_case = format!("/my/cases/{id}");
    let action =
        |name: &str| format!("form input[name=action][value={name}] ~ button[type=submit]");
    let m6 = pdf(&files, "真实性承诺书.pdf");
    let supplement = format!("form[action='/my/cases/{id}/supplement'] button[type=submit]");
    env.run(&[
        // 2. The window sends the one-time supplement notice.
        Login("hanyin.clerk"),
        Go("/work/queue"),
        See("企业投资项目核准"),
        Shot("07-work-queue"),
        Go(&work_case),
        See("一次性告知补正"),
        Open("一次性告知补正"),
        Click(&action("notify_supplement")),
        See("已一次性告知补正"),
        See("补正材料通知书"),
        Shot("08-work-supplement-notice"),
        // 3. The applicant uploads only what was asked.
        Login("11010519491231002X"),
        Go(&my_case),
        See("请补正以下材料"),
        Fill("input[name=file_M6]", &m6),
        Click(&supplement),
        See("补正材料已提交"),
        // 4. The window accepts.
        Login("hanyin.clerk"),
        Go(&work_case),
        Click(&action("accept")),
        See("已受理"),
        See("受理通知书"),
        Shot("09-work-accepted"),
        // 5. Technical review, review, the head's decision.
        Login("hanyin.tech"),
        Go("/work"),
        See("企业投资项目核准"),
        Shot("10-work-worklist"),
        Go(&work_case),
        Fill("textarea[name=opinion]", "项目符合产业政策，技术方案可行"),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.reviewer"),
        Go(&work_case),
        Fill("textarea[name=opinion]", "申请材料齐全真实，符合核准条件"),
        Click(&action("complete_step")),
        See("下一步由局长办理"),
        Login("hanyin.head"),
        Go("/work/head"),
        See("待局长作出决定"),
        Shot("11-work-head"),
        Go(&work_case),
        Fill(
            "textarea[name=reason]",
            "项目符合国家产业政策和发展规划，予以核准",
        ),
        Shot("12-work-case-decide"),
        Click(&action("decide")),
        See("已作出决定"),
        // 6. The certificate is issued at the window.
        Login("hanyin.clerk"),
        Go(&work_case),
        Click(&action("issue_certificate")),
        See("已制发证件"),
        // 7. The applicant sees the result and opens it.
        Login("11010519491231002X"),
        Go(&my_case),
        See("已制证"),
        See("准予行政许可决定书"),
        Shot("13-applicant-case-done"),
        Follow("企业投资项目核准批复文件"),
        See("持证人：王芳"),
    ])
    .await;
    assert!(
        env.source().await.contains("class=\"seal-img\""),
        "the licence shows its seal"
    );
    env.shot("14-document-result").await;
    // Its PDF, as the applicant downloads it, verifies on the public page; a changed byte does not.
    let licence = env.download("a[href$='/pdf']").await;
    assert!(licence.starts_with(b"%PDF-"), "a PDF");
    // And its OFD, which a third-party renderer shows at the end of the journey.
    let licence_ofd = env.download("a[href$='/ofd']").await;
    assert!(licence_ofd.starts_with(b"PK\x03\x04"), "an OFD package");
    let licence_pdf = files.join("准予行政许可决定书.pdf");
    std::fs::write(&licence_pdf, &licence).unwrap();
    let mut changed = licence.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let changed_pdf = files.join("改动过的决定书.pdf");
    std::fs::write(&changed_pdf, &changed).unwrap();
    let verify = "form[action='/verify'][method=post] button[type=submit]";
    env.run(&[
        Click("a[href^='/verify?number=']"),
        See("核验结果：真实有效"),
        Go("/verify"),
        Fill("input[name=file]", licence_pdf.to_str().unwrap()),
        Click(verify),
        See("核验结果：真实有效"),
        See("电子证照标识"),
        Shot("25-portal-verify-genuine"),
        Fill("input[name=file]", changed_pdf.to_str().unwrap()),
        Click(verify),
        See("核验结果：无效"),
        Shot("26-portal-verify-tampered"),
        Go("/seals"),
        See("汉阴县行政审批服务局行政审批专用章"),
        Shot("27-portal-seals"),
        // Anyone can follow it with the number and query code, and the approval is announced.
        Go("/announcements?j=hanyin"),
        See("企业投资项目核准"),
        See("王*"),
        Shot("15-portal-announcements"),
    ])
    .await;

    // A walk-in at the window: a wrong ID number is refused beside the field, and what was typed stays.
    let intake = "#intake-form button[type=submit]";
    env.run(&[
        Login("hanyin.clerk"),
        Go("/work/intake?j=hanyin&item=HY-SC-001"),
        See("申请材料核对"),
        Click("input[name=kind][value=organisation]"),
        Fill("input[name=name]", "汉阴县月河餐饮有限公司"),
        Fill("input[name=id_number]", "91350100M000100Y44"),
        Click("input[name=materials][value=M1]"),
        Click("input[name=materials][value=M2]"),
        Click("input[name=materials][value=M3]"),
        Click("input[name=materials][value=M4]"),
        Click(intake),
        See("校验码错误"),
        See("汉阴县月河餐饮有限公司"),
        Shot("16-work-intake-error"),
        Fill("input[name=id_number]", "91350100M000100Y43"),
        Click(intake),
        // The code is on record under the firm's registered name: the clerk checks the licence
        // and confirms with a reason, which the case keeps.
        See("已登记在「安康市月河餐饮有限公司」名下"),
        Shot("16b-work-intake-name-mismatch"),
        Fill(
            "textarea[name=name_confirmation]",
            "营业执照核对无误，申请书所填为门店名称",
        ),
        Click(intake),
        See("已收件，办件编号"),
        See("受理通知书"),
    ])
    .await;
    let walk_in = case_id(&env.url().await);
    env.shot("17-work-intake-accepted").await;

    env.run(&[
        // A suspension with its notice.
        Login("hanyin.reviewer"),
        Go(&format!("/work/cases/{walk_in}")),
        Open("启动特别程序"),
        Fill(
            "form input[name=action][value=suspend] ~ label input[name=reason]",
            "经营场所涉及专业技术问题，组织专家评审",
        ),
        Fill("input[name=expected_days]", "5"),
        Click(&action("suspend")),
        See("特别程序（中止计时）"),
        See("特别程序告知书"),
        Shot("18-work-suspended"),
        // A refusal at the window, with its decision stating the reasons and the rights.
        Login("hanyin.clerk"),
        Go("/work/intake?j=hanyin&item=HY-SC-001"),
        Click("input[name=kind][value=person]"),
        Fill("input[name=name]", "李建国"),
        Fill("input[name=id_number]", "610921197503150032"),
        Click("input[name=outcome][value=refuse]"),
        Fill("input[name=reason]", "申请的食品生产事项属于市级审批权限"),
        Fill("input[name=redirect_to]", "安康市行政审批服务局"),
        Click(intake),
        See("不予受理决定书"),
        Follow("不予受理决定书"),
        See("申请行政复议"),
        See("请向安康市行政审批服务局提出申请"),
        Shot("19-document-refusal"),
        // The closed case's archive package is at hand for the staff.
        Go(&work_case),
        See("下载电子档案包"),
        Shot("28-work-closed-case"),
        // Another county's staff cannot see this county's case, nor find it in their lists.
        Login("ziyang.chief"),
        Go(&work_case),
        See("无权访问"),
        Shot("20-other-county-denied"),
        Go("/work?tab=open"),
        Unseen("HY2026", "a ziyang worklist shows a hanyin case"),
    ])
    .await;

    // Administration pages.
    env.run(&[
        Login("hanyin.catalog"),
        Go("/admin/catalog/hanyin/edit/HY-SC-001"),
        See("办理环节（程序清单和责任清单）"),
        Shot("21-admin-catalog-editor"),
    ])
    .await;
    // The editor fits the 1366-pixel window: nothing scrolls sideways.
    let widths = env
        .b
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        scroll <= client,
        "the catalog editor scrolls sideways: {scroll} > {client}"
    );
    env.run(&[
        Login("hanyin.admin"),
        Go("/admin/users/hanyin"),
        See("hanyin.clerk"),
        Shot("22-admin-users"),
        Go("/admin/org/hanyin"),
        See("汉阴县发展和改革局"),
        See("现状一览"),
    ])
    .await;
    // A bad edit is refused with the reason, and nothing changes.
    env.b
        .execute(
            "document.querySelector('form.org-toml').closest('details').open = true; \
             document.querySelector('textarea[name=text]').value += ' ]]] broken';",
            vec![],
        )
        .await
        .unwrap();
    env.run(&[
        Click("form.org-toml button[type=submit]"),
        See("格式错误"),
        Shot("24-admin-org"),
        // The public page about the jurisdiction: bodies by name, no internal code.
        Go("/j/hanyin/about"),
        See("汉阴县机构概况"),
        Unseen("w01", "a window's internal code on the public page"),
        // The public tracking page.
        Go("/track"),
        Shot("23-portal-track"),
    ])
    .await;

    xunyang_city(&env).await;
    supervision(&env).await;
    monitoring(&env).await;
    ratings(&env).await;
    statistics(&env).await;
    requests_centre(&env).await;
    citizen_journey(&env, &files).await;
    reform_journey(&env).await;
    project_journey(&env, &files).await;
    ofd_js(&env, &licence_ofd).await;
    env.b.close().await.unwrap();
}

/// The licence's OFD, as the applicant downloaded it, rendered by a third-party OFD renderer:
/// npm's ofd.js (0.2.6, the last open-source release; `scripts/test` installs it in the build
/// folder, or `$YIYIN_OFD_JS_DIR`). Yiyin's own pages never load it: a test page of its own, with
/// the bundle and the OFD, is served by a small static server (Python's `http.server`) on a port of
/// its own. The rendered page must show the licence's text and its pictures (seal, QR code).
async fn ofd_js(env: &Env, ofd: &[u8]) {
    let dir = std::env::var("YIYIN_OFD_JS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let exe = std::env::current_exe().expect("test binary");
            // <target>/debug/deps/<test>-…
            exe.ancestors()
                .nth(3)
                .expect("target folder")
                .join("ofd.js")
        });
    let bundle = dir.join("node_modules/ofd.js/lib/ofd.umd.min.js");
    assert!(
        bundle.exists(),
        "ofd.js is not installed at {} (scripts/test installs it: npm install --prefix {0} ofd.js@0.2.6)",
        dir.display()
    );
    let site = std::env::temp_dir().join(format!("yiyin-browser-ofdjs-{}", std::process::id()));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::copy(&bundle, site.join("ofd.umd.min.js")).unwrap();
    std::fs::write(site.join("licence.ofd"), ofd).unwrap();
    std::fs::write(
        site.join("index.html"),
        r#"<!doctype html><meta charset="utf-8"><title>ofd.js</title>
<body style="margin:0;background:#e5e5e5"><p id="status">正在渲染</p><div id="pages"></div>
<script src="ofd.umd.min.js"></script>
<script>
const status = document.getElementById('status');
ofd.parseOfdDocument({
  ofd: 'licence.ofd',
  success(res) {
    try {
      for (const page of ofd.renderOfd(794, res[0])) document.getElementById('pages').appendChild(page);
      status.textContent = 'rendered';
    } catch (e) { status.textContent = 'failed: ' + e; }
  },
  fail(e) { status.textContent = 'failed: ' + e; },
});
</script>"#,
    )
    .unwrap();
    let port = free_port();
    let server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(&site)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python3 -m http.server");
    let mut server = Proc(server);
    wait_for_port(&mut server, port, "the static server of ofd.js");
    env.b
        .goto(&format!("http://127.0.0.1:{port}/index.html"))
        .await
        .unwrap();
    let start = Instant::now();
    let status = loop {
        let status = env
            .b
            .execute(
                "return document.getElementById('status').textContent;",
                vec![],
            )
            .await
            .unwrap();
        let status = status.as_str().unwrap_or_default().to_string();
        if status != "正在渲染" {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "ofd.js did not finish rendering the OFD"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    assert_eq!(status, "rendered", "ofd.js could not render the OFD");
    let drawn = env
        .b
        .execute(
            "const pages = document.querySelectorAll('#pages > div');
             const texts = document.querySelectorAll('#pages svg text');
             const pictures = document.querySelectorAll('#pages img, #pages svg image');
             return [pages.length, texts.length, pictures.length,
                     Array.from(texts).map(t => t.textContent).join('')];",
            vec![],
        )
        .await
        .unwrap();
    let (pages, texts, pictures) = (
        drawn[0].as_u64().unwrap(),
        drawn[1].as_u64().unwrap(),
        drawn[2].as_u64().unwrap(),
    );
    let text = drawn[3].as_str().unwrap();
    assert!(
        pages >= 1 && texts > 10,
        "ofd.js drew {pages} pages, {texts} texts"
    );
    // The seal and the QR code (and the seal of the signature, where the renderer draws it).
    assert!(pictures >= 2, "ofd.js drew {pictures} pictures");
    for said in ["汉阴县行政审批服务局", "王芳", "核验码"] {
        assert!(
            text.contains(said),
            "{said} missing from what ofd.js drew: {text}"
        );
    }
    env.shot("100-ofdjs-licence").await;
    drop(server);
    let _ = std::fs::remove_dir_all(&site);
}

/// 旬阳县 became the county-level 旬阳市 in 2021: its seals are made, and its 2026 licences issued,
/// under the city's name, and such a licence verifies on the public page — also after the bureau
/// is renamed again, when it was sealed under the name before.
async fn xunyang_city(env: &Env) {
    env.run(&[
        Go("/seals"),
        See("旬阳市行政审批服务局行政审批专用章"),
        Login("xunyang.chief"),
        Go("/work?tab=closed&state=certificate_issued"),
        Press("(//a[starts-with(@href,'/work/cases/')])[1]"),
        See("下载电子档案包"),
        // The last document of a case whose certificate is issued: its licence.
        Press("(//a[contains(@href,'/documents/')])[last()]"),
        See("证照编号"),
        See("旬阳市行政审批服务局"),
        Unseen(
            "旬阳县行政审批服务局",
            "a 2026 licence issued in the name of the former county",
        ),
        Shot("40-xunyang-city-licence"),
        Click("a[href^='/verify?number=']"),
        See("核验结果：真实有效"),
    ])
    .await;
    // The bureau is renamed from today by its administrator (a rename played on the demo's
    // data): the seal is renamed with it, and the licence sealed before, under the former name
    // and seal, still verifies and still shows the name it was issued in.
    let verify = env.url().await.replacen(&env.base, "", 1);
    env.run(&[Login("xunyang.admin"), Go("/admin/org/xunyang")])
        .await;
    let former = env
        .element(Locator::Css("textarea[name=bureau_former]"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    let former = format!("{}\n旬阳市行政审批服务局｜2026-06-15", former.trim_end());
    env.run(&[
        Fill("input[name=bureau_name]", "旬阳市政务服务和行政审批局"),
        Fill(
            "input[name=bureau_seal_name]",
            "旬阳市政务服务和行政审批局行政审批专用章",
        ),
        Fill("textarea[name=bureau_former]", &former),
        Click("form.org-form button[type=submit]:not([name])"),
        See("组织机构已保存"),
        Go("/seals"),
        See("旬阳市政务服务和行政审批局行政审批专用章"),
        Go(&verify),
        See("核验结果：真实有效"),
        See("旬阳市行政审批服务局"),
        Shot("41-xunyang-verified-after-rename"),
    ])
    .await;
}

/// Approval–supervision separation as its users see it: the market department's supervisor
/// acknowledges a result pushed to the desk and reports a finding back; the bureau head revokes the
/// licence, which public verification then shows; the supervisor publishes a random inspection and
/// draws it in public.
async fn supervision(env: &Env) {
    // The desk: the demo's results pushed to the department, a decision past its acknowledgement
    // date in red, a commitment to verify.
    env.run(&[
        Login("hanyin.supervisor"),
        Click("nav a[href='/supervision']"),
        See("汉阴县市场监督管理局"),
        See("超期未签收"),
        See("已超期"),
        See("待核查"),
        Show("//table[contains(@class, 'pushes')]//tr[contains(@class, 'overdue')]"),
        Shot("29-supervision-desk"),
    ])
    .await;
    let overdue = env
        .b
        .find(Locator::Css("table.pushes tr.overdue"))
        .await
        .expect("a push past its acknowledgement date, in red");
    let case_number = overdue
        .find(Locator::Css("td[data-label='证照/办件'] .muted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(case_number.starts_with("HY2026"), "{case_number}");
    overdue
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Acknowledged, it leaves the list of what waits; the whole list shows who signed.
    env.run(&[
        See("已签收：准予许可决定"),
        Click("a[href$='&all=1']"),
        See("只看未签收"),
    ])
    .await;
    let rows = format!("//table[contains(@class, 'pushes')]//tr[contains(., '{case_number}')]");
    let approval = format!("{rows}[contains(., '准予许可决定')]");
    let signed = env.text_at(&approval).await;
    assert!(signed.contains("已签收 郑丽"), "{signed}");
    let licence = env
        .text_at(&format!("{rows}//a[starts-with(@href, '/work/licences/')]"))
        .await;
    let licence_page = format!("<h1>食品经营许可证 <span class=\"muted\">{licence}</span>");
    env.run(&[
        Show(&approval),
        Shot("30-supervision-acknowledged"),
        // What a check of that licensee found, reported back to the bureau (抄告).
        Fill("form.finding-form input[name=licence]", &licence),
        Choose("form.finding-form select[name=kind]", "referral"),
        Fill(
            "form.finding-form textarea[name=summary]",
            "核查发现申请时提交的经营场所租赁合同系伪造，涉嫌以欺骗手段取得许可，移送审批局依法处理",
        ),
        Click("form.finding-form button[type=submit]"),
        See("已抄告审批局：移送处理"),
        See("经营场所租赁合同系伪造"),
        Show("//table[contains(@class, 'findings')]"),
        Shot("31-supervision-finding"),
        // The bureau head sees the finding in 审管联动, finds the licence and revokes it (Art. 69
        // para 2).
        Login("hanyin.head"),
        Click("nav a[href='/work/supervision']"),
        See("各监管部门签收情况"),
        See("经营场所租赁合同系伪造"),
        Show("//table[contains(@class, 'item-findings')]"),
        Shot("32-bureau-supervision"),
        Fill("form[action='/work/find'] input[name=q]", &licence),
        Click("form[action='/work/find'] button[type=submit]"),
        See(&licence_page),
        See("移送处理"),
        See("经营场所租赁合同系伪造"),
        Choose("form.revoke-form select[name=ground]", "fraud"),
        Fill(
            "form.revoke-form textarea[name=reason]",
            "经市场监管局核查，被许可人申请时提交伪造的经营场所租赁合同，以欺骗手段取得行政许可",
        ),
        Shot("33-licence-revoke"),
        Click("form.revoke-form button[type=submit]"),
        See("已办理撤销：已办结"),
    ])
    .await;
    let status = env
        .text_at("//span[contains(@class, 'licence-status')]")
        .await;
    assert_eq!(status, "已撤销");
    env.run(&[
        See("被许可人以欺骗手段取得行政许可"),
        Shot("34-licence-revoked"),
        // Public verification no longer finds it in force.
        Click("a[href^='/verify?number=']"),
        See("核验结果：签章真实，但不在有效状态"),
        See("<strong>已撤销</strong>"),
        Unseen("核验结果：真实有效", "a revoked licence verifies as valid"),
        Shot("35-portal-verify-revoked"),
    ])
    .await;

    // A random inspection: the plan (its pools and their digest) is public before the draw; its
    // seed is known to nobody until the first chain head signed after the publication exists.
    let title = "2026年6月食品经营许可专项随机抽查";
    let publish = "form.plan-form button[type=submit]";
    env.run(&[
        Login("hanyin.supervisor"),
        Go("/supervision"),
        Click("nav.tabs a[href^='/supervision/inspections']"),
        See("公布抽查计划"),
        Fill("form.plan-form input[name=title]", title),
        Fill("form.plan-form input[name=item_code]", "HY-SC-001"),
        Fill("form.plan-form input[name=target_count]", "1"),
        // Two inspectors per licensee, the form's default, are more than the department has here.
        Click(publish),
        See("未能办理"),
        See(&format!("value=\"{title}\"")),
        Fill("form.plan-form input[name=per_target]", "1"),
        Click(publish),
        See("已公布抽查计划"),
    ])
    .await;
    let plan = format!("//article[contains(., '{title}')]");
    let digest = env
        .text_at(&format!("{plan}//code[contains(@class, 'digest')]"))
        .await;
    assert_eq!(digest.len(), 64, "{digest}");
    env.run(&[Show(&plan), Shot("36-supervision-plan-published")])
        .await;
    // The draw waits for the next day's signed chain head.
    let draw = format!("{plan}//button[contains(., '随机抽取')]");
    env.run(&[Press(&draw), See("链头尚未产生")]).await;
    // The demo's plan of the quarter was drawn with the seed its chain head gave.
    let drawn = "(//article[contains(@class, 'plan') and .//table[contains(@class, 'picks')]])[1]";
    let picked = env
        .text_at(&format!(
            "{drawn}//table[contains(@class, 'picks')]/tbody/tr/td[1]"
        ))
        .await;
    assert!(!picked.is_empty());
    let seed = env
        .text_at(&format!("{drawn}//code[contains(@class, 'seed')]"))
        .await;
    assert_eq!(seed.len(), 64, "{seed}");
    env.run(&[Show(drawn), Shot("37-supervision-plan-drawn")])
        .await;
    // Anyone sees the plans: the new one with its digest and no seed yet, the drawn one with its
    // seed, the seed's source and whom it picked.
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go("/"),
        Click("nav a[href='/inspections']"),
        See("双随机抽查公示"),
    ])
    .await;
    let public = format!("//article[contains(., '{title}')]");
    let shown = env.text_at(&public).await;
    assert!(
        shown.contains(&digest) && shown.contains("尚未抽取"),
        "{shown}"
    );
    let shown = env
        .text_at(&format!("//article[contains(., '{seed}')]"))
        .await;
    assert!(shown.contains("每日链头"), "{shown}");
    // A natural person is shown with the name masked; an organisation in full.
    assert!(
        shown.contains(&picked) || shown.contains(&yiyin_domain::ids::mask_name(&picked)),
        "{shown}"
    );
    env.run(&[
        Shot("38-portal-inspections"),
        // The licensee sees its licences, with the change it applied for under review.
        Login("91350100M000100Y43"),
        Click("a[href='/my/licences']"),
        See("食品经营许可证"),
        Shot("39-applicant-licences"),
    ])
    .await;
}

/// E-monitoring as its users see it: the sweep has carded the demo's late cases; the bureau head
/// appeals a card, the discipline supervisor rejects the appeal with reasons, and the card stays,
/// annotated with both.
async fn monitoring(env: &Env) {
    env.run(&[
        Login("hanyin.head"),
        Go("/monitoring"),
        See("黄牌"),
        Fill(
            "form[action$='/appeal'] textarea[name=reason]",
            "申请人补正材料延误，已书面说明",
        ),
        Click("form[action$='/appeal'] button[type=submit]"),
        See("已提出申诉，等待纪检监察人员复核"),
        See("待复核"),
        Login("hanyin.discipline"),
        Go("/monitoring"),
        See("申请人补正材料延误，已书面说明"),
        Fill(
            "form[action$='/decision'] textarea[name=reason]",
            "补正期间已另行扣除，超期属实",
        ),
        Click("form[action$='/decision'] button[value=false]"),
        See("已作出复核决定"),
        See("申诉不成立"),
        See("复核意见：补正期间已另行扣除，超期属实"),
        Shot("50-monitoring-appeal-rejected"),
    ])
    .await;
}

/// 好差评: the organisation applicant rates a decided demo case badly and by name; the section chief
/// contacts it, rectifies, appeals, the rating administrator (who alone sees the rater) refuses the
/// appeal, the chief calls the rater back, and the public page shows the rectification with the
/// rater's name masked.
async fn ratings(env: &Env) {
    const FIRM: &str = "安康市月河餐饮有限公司";
    env.run(&[Login("91350100M000100Y43"), Go("/my"), See("已制证")])
        .await;
    let decided =
        "//tr[td[1][starts-with(normalize-space(.), 'HY')] and td[contains(., '已制证')]]";
    let number = env.text_at(&format!("{decided}/td[1]")).await;
    env.run(&[
        Press(&format!("{decided}//a")),
        See("办理结果已作出，欢迎对本次服务进行评价"),
        Click("input[name=level][value=very_dissatisfied]"),
        Click("input[name=indicators][value=many_trips]"),
        Click("input[name=indicators][value=not_told_at_once]"),
        Fill(
            "form[action$='/rate'] textarea[name=comment]",
            "材料要求前后说法不一，跑了三趟才办成",
        ),
        Click("form[action$='/rate'] input[name=named]"),
        Show("//form[contains(@action, '/rate')]"),
        Shot("51-applicant-rating-bad"),
        Click("form[action$='/rate'] button[type=submit]"),
        See("感谢您的评价！评价已提交"),
        See("非常不满意"),
    ])
    .await;
    let rated = format!("//tr[td[contains(., '{number}')]]//a[starts-with(@href, '/ratings/')]");
    let form =
        |action: &str, field: &str| format!("input[name=action][value={action}] ~ label {field}");
    let submit = |action: &str| format!("input[name=action][value={action}] ~ button[type=submit]");
    env.run(&[
        // The rated side sees the rating without the rater, and the loop's forms in order.
        Login("hanyin.chief"),
        Go("/ratings"),
        See(&number),
        See("待整改"),
        Press(&rated),
        See("实名（联系方式仅好差评管理员可见）"),
        Unseen(FIRM, "the rated side sees who rated"),
        Unseen(
            "input type=\"hidden\" name=\"action\" value=\"rectify\"",
            "rectified before the named rater was contacted",
        ),
        Fill(
            &form("contact", "textarea[name=text]"),
            "已电话联系评价人，核实补正材料要求未一次性告知",
        ),
        Click(&submit("contact")),
        See("已办理，当前状态：待整改"),
        See("已电话联系评价人"),
        Choose(&form("rectify", "select[name=outcome]"), "immediate"),
        Fill(
            &form("rectify", "textarea[name=text]"),
            "已修订食品经营许可一次性告知单，窗口人员重新培训",
        ),
        Click(&submit("rectify")),
        See("已办理，当前状态：待回访"),
        Fill(
            &form("appeal", "textarea[name=text]"),
            "申请人首次提交时缺少营业执照，属申请人原因",
        ),
        Click(&submit("appeal")),
        See("已办理，当前状态：申诉复核中"),
        See("待好差评管理员复核"),
        Unseen(
            "input type=\"hidden\" name=\"action\" value=\"callback\"",
            "called back while the appeal is pending",
        ),
        Shot("52-ratings-appealed"),
        // Only the rating administrator decides the appeal, and sees the rater.
        Login("hanyin.rating"),
        Go("/ratings?bad=true"),
        See(&number),
        Press(&rated),
        See(FIRM),
        Fill(
            &form("decide_appeal", "textarea[name=text]"),
            "告知单确未列明该项材料，差评属实",
        ),
        Click("input[name=action][value=decide_appeal] ~ button[name=uphold][value=false]"),
        See("已办理，当前状态：待回访"),
        See("申诉不成立，告知单确未列明该项材料，差评属实"),
        Shot("53-ratings-appeal-refused"),
        // The chief calls the rater back; the task is finished.
        Login("hanyin.chief"),
        Go("/ratings"),
        Press(&rated),
        Choose(&form("callback", "select[name=view]"), "satisfied"),
        Fill(
            &form("callback", "textarea[name=text]"),
            "评价人对整改表示满意",
        ),
        Click(&submit("callback")),
        See("已办理，当前状态：已办结"),
        See("回访意见</dt><dd>满意"),
        // The public page: the rectification, the rater masked.
        Go("/j/hanyin/ratings"),
        See("差评整改公开"),
        See("立行立改：已修订食品经营许可一次性告知单，窗口人员重新培训"),
        See(&yiyin_domain::ids::mask_name(FIRM)),
        Unseen(FIRM, "the rater's full name on the public page"),
        Show("//h2[contains(., '差评整改公开')]"),
        Shot("54-portal-ratings"),
    ])
    .await;
}

/// 政务服务统计: the bureau head's figures with their charts and downloads; the public page has no
/// grouping by staff.
async fn statistics(env: &Env) {
    env.run(&[
        Login("hanyin.head"),
        Go("/statistics"),
        See("政务服务统计（按部门，"),
        See("按时办结率（含在办超期）"),
        See("<figcaption>办结件效率分类</figcaption>"),
        See("<figcaption>按时办结率</figcaption>"),
        See("<svg"),
        See("汉阴县市场监督管理局"),
        // The bad rating rectified above counts.
        See("<td data-label=\"差评整改率\">100.0%</td>"),
        Shot("55-statistics-desk"),
    ])
    .await;
    let xlsx = env
        .element(Locator::Css("a[href^='/api/v1/statistics.xlsx?']"))
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        xlsx.contains("jurisdiction=hanyin") && xlsx.contains("by=department"),
        "the workbook link downloads the table shown: {xlsx}"
    );
    let got = env
        .b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(b =>
               done([r.status, r.headers.get('content-type'), new TextDecoder().decode(new Uint8Array(b).slice(0, 2))])));",
            vec![serde_json::json!(xlsx)],
        )
        .await
        .unwrap();
    assert_eq!(
        got,
        serde_json::json!([
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "PK"
        ]),
        "the workbook downloads"
    );
    env.run(&[
        // By staff, for the bureau only.
        Choose("select[name=by]", "staff"),
        Click("form[action='/statistics'] button[type=submit]"),
        See("政务服务统计（按工作人员，"),
        See("张敏"),
    ])
    .await;
    // The public page, as anyone sees it.
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go("/j/hanyin/statistics"),
        See("汉阴县政务服务统计"),
        See("<svg"),
        See("汉阴县市场监督管理局"),
        Unseen(
            "value=\"staff\"",
            "the public page offers the grouping by staff",
        ),
        Shot("56-portal-statistics"),
        Go("/j/hanyin/statistics?by=staff"),
        See("按工作人员的统计仅供本局工作人员查看"),
        Unseen("张敏", "a staff member's figures on the public page"),
    ])
    .await;
}

/// The requests centre (12345): a citizen complains without giving a name, the centre dispatches
/// the ticket to the market department, its handler signs and replies, the centre calls back, and
/// the citizen follows it to the end with the number and query code.
async fn requests_centre(env: &Env) {
    env.run(&[Login("hanyin.centre.head"), Go(KPIS), See("退单率")])
        .await;
    let before = kpi_counts(env).await;
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go("/suqiu"),
        See("我要反映"),
        Choose("form[action='/suqiu'] select[name=type]", "complaint"),
        Choose("form[action='/suqiu'] select[name=category]", "food"),
        Fill(
            "form[action='/suqiu'] input[name=location]",
            "城关镇东大街某超市",
        ),
        Fill(
            "form[action='/suqiu'] textarea[name=content]",
            "超市货架上出售已过保质期的面包",
        ),
        Fill(
            "form[action='/suqiu'] input[name=caller_phone]",
            "13900001111",
        ),
        Click("form[action='/suqiu'] button[type=submit]"),
        See("诉求已提交"),
    ])
    .await;
    let number = env.text_at("//p[contains(., '工单编号：')]/strong").await;
    let code = env.text_at("//p[contains(., '查询码：')]/strong").await;
    assert!(
        number.starts_with("HY-12345-"),
        "the ticket number: {number}"
    );
    env.shot("57-portal-request-filed").await;
    let act = |action: &str| format!("input[name=action][value={action}] ~ button[type=submit]");
    let field = |action: &str, f: &str| format!("input[name=action][value={action}] ~ label {f}");
    env.run(&[
        Login("hanyin.centre"),
        Go("/centre"),
        See(&number),
        Follow(&number),
        See("待派单"),
        See("来电人</dt><dd>匿名"),
        Choose(&field("dispatch", "select[name=department]"), "shichang"),
        Shot("58-centre-dispatch"),
        Click(&act("dispatch")),
        See(&format!("已派单：工单 {number}")),
        // The department sends it back once; the centre's manager arbitrates it back to them.
        Login("hanyin.handler"),
        Go("/tickets"),
        Follow(&number),
        Fill(
            &field("return", "textarea[name=reason]"),
            "该超市已办理注销登记，不属本部门监管对象",
        ),
        Click(&act("return")),
        See(&format!("已退单：工单 {number}")),
        Login("hanyin.centre.head"),
        Go("/centre"),
        Follow(&number),
        See("该超市已办理注销登记，不属本部门监管对象"),
        Choose(&field("arbitrate", "select[name=department]"), "shichang"),
        Fill(
            &field("arbitrate", "textarea[name=note]"),
            "经核查该超市仍在营业，食品安全属市场监管部门职责",
        ),
        Shot("61-centre-arbitration"),
        Click(&act("arbitrate")),
        See(&format!("已退单仲裁：工单 {number}")),
        Login("hanyin.handler"),
        Go("/tickets"),
        Follow(&number),
        Click(&act("sign")),
        See(&format!("已签收：工单 {number}")),
        Fill(
            &field("reply", "textarea[name=reply]"),
            "经现场检查，已责令该超市下架过期面包并立案调查",
        ),
        Click(&act("reply")),
        See(&format!("已答复：工单 {number}")),
        Shot("59-tickets-replied"),
        // The caller is not satisfied: the ticket is handled again.
        Login("hanyin.centre"),
        Go("/centre"),
        Follow(&number),
        Choose(
            &field("callback", "select[name=satisfaction]"),
            "unsatisfied",
        ),
        Fill(
            &field("callback", "textarea[name=reason]"),
            "回访时货架上仍有过期面包",
        ),
        Click(&act("callback")),
        See(&format!("已回访：工单 {number}")),
        See("办理中"),
        Login("hanyin.handler"),
        Go("/tickets"),
        Follow(&number),
        Fill(
            &field("reply", "textarea[name=reply]"),
            "已再次现场检查，过期面包已全部下架销毁，并对该超市立案处罚",
        ),
        Click(&act("reply")),
        See(&format!("已答复：工单 {number}")),
        Login("hanyin.centre"),
        Go("/centre"),
        Follow(&number),
        Choose(&field("callback", "select[name=satisfaction]"), "satisfied"),
        Click(&act("callback")),
        See(&format!("已回访：工单 {number}")),
        See("已办结"),
        See("回访结果</dt><dd>满意"),
        Shot("60-centre-closed"),
    ])
    .await;
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go(&format!("/suqiu/track?number={number}&code={code}")),
        See(&format!("{number} · 已办结")),
        See("已再次现场检查，过期面包已全部下架销毁，并对该超市立案处罚"),
        // The closed ticket is rated (一事一评) from the track page, its query code carried on.
        Click("form[action='/suqiu/rate'] button[type=submit]"),
        See(&format!("诉求工单 {number}")),
        Click("input[name=level][value=satisfied]"),
        Fill(
            "form[action='/suqiu/rate'] textarea[name=comment]",
            "第二次处理很及时",
        ),
        Click("form[action='/suqiu/rate'] button[type=submit]"),
        See("感谢您的评价！评价已提交"),
        See("满意"),
        Shot("62-portal-ticket-rated"),
    ])
    .await;
    // The centre's manager sees the return and the handling again in the KPIs of the period:
    // one more returned dispatch and one more reply handled again than before the journey.
    env.run(&[
        Login("hanyin.centre.head"),
        Go(KPIS),
        See("诉求办理考核指标"),
        Shot("63-centre-kpis"),
    ])
    .await;
    let after = kpi_counts(env).await;
    assert_eq!(
        after.0,
        before.0 + 1,
        "退单率 before {before:?}, after {after:?}"
    );
    assert_eq!(
        after.1,
        before.1 + 1,
        "重办率 before {before:?}, after {after:?}"
    );
}

/// The requests centre's KPIs of the demo's month, by department.
const KPIS: &str = "/centre/kpis?jurisdiction=hanyin&from=2026-06-01&to=2026-06-15&by=department";

/// The numerators of 退单率 and 重办率 of the market department's row on the KPI page shown.
async fn kpi_counts(env: &Env) -> (u32, u32) {
    let row = "//table[contains(@class, 'figures')]//tr[th[contains(., '市场监督管理局')]]";
    let numerator = |text: String| -> u32 {
        text.split('（')
            .nth(1)
            .and_then(|t| t.split('/').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("a KPI cell 「x%（n/d）」: {text}"))
    };
    let returned = env
        .text_at(&format!("{row}/td[@data-label='退单率']"))
        .await;
    let rehandled = env
        .text_at(&format!("{row}/td[@data-label='重办率']"))
        .await;
    (numerator(returned), numerator(rehandled))
}

impl Env {
    /// Logs out and, from the login page, follows 统一身份认证登录 to the identity platform's own
    /// login form.
    async fn open_idp_form(&self, login_page: &str) {
        self.b.delete_all_cookies().await.unwrap();
        self.go(login_page).await;
        self.click("a[href^='/login/sso']").await;
        self.see("id=\"idp-login\"").await;
        let url = self.url().await;
        assert!(
            !url.starts_with(&self.base),
            "the login form is the identity platform's, not Yiyin's: {url}"
        );
    }

    /// Signs in on the platform's form and comes back to Yiyin logged in.
    async fn sign_in_at_idp(&self) {
        self.fill("#idp-login input[name=account]", CITIZEN_ID)
            .await;
        self.fill("#idp-login input[name=password]", CITIZEN_IDP_PASSWORD)
            .await;
        self.click("#idp-login button[type=submit]").await;
        self.see("退出").await;
        let url = self.url().await;
        assert!(url.starts_with(&self.base), "back on Yiyin: {url}");
    }

    /// Logs out, then in again through 统一身份认证.
    async fn sso_login(&self) {
        self.open_idp_form("/login").await;
        self.sign_in_at_idp().await;
    }

    /// Waits until the mail server has received a message to `to` whose subject has `subject`;
    /// returns it.
    async fn mail(&self, to: &str, subject: &str) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let lines = self.smtp.lines();
            if let Some(m) = lines.iter().find(|m| {
                m["to"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|a| a == to))
                    && m["subject"].as_str().is_some_and(|s| s.contains(subject))
            }) {
                return m.clone();
            }
            // The demo's sender sends every few seconds (`notifications::SEND_EVERY`).
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no e-mail to {to} with「{subject}」arrived; the mail server received: {lines:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// The citizen's whole journey (issue 12): a case filed for her at the window; she logs in
/// through 统一身份认证 (the platform's login form), applies online for 食品经营许可 with its
/// application form and without uploading her 营业执照, which is fetched from the market
/// registry; the window's one-time supplement notice reaches her message centre and her mailbox;
/// she supplements; the bureau accepts, reviews, inspects, decides and issues the licence, which
/// reaches her by electronic delivery and which she downloads; 我的办件 holds the window's case
/// too; public verification of the licence by its number, typed loosely, masks her name and ID.
async fn citizen_journey(env: &Env, files: &std::path::Path) {
    // 1. At the window, earlier: her individual business registered for her (个体工商户登记).
    let intake = "#intake-form button[type=submit]";
    env.run(&[
        Login("hanyin.clerk"),
        Go("/work/intake?j=hanyin&item=HY-SC-002"),
        See("申请材料核对"),
        Click("input[name=kind][value=person]"),
        Fill("input[name=name]", CITIZEN_NAME),
        Fill("input[name=id_number]", CITIZEN_ID),
        Click("input[name=materials][value=M1]"),
        Click("input[name=materials][value=M2]"),
        Click("input[name=materials][value=M3]"),
        Click(intake),
        See("已收件，办件编号"),
    ])
    .await;
    let walk_in = env.text_at("//h1/span[contains(@class, 'muted')]").await;
    assert!(walk_in.starts_with("HY2026"), "the walk-in case: {walk_in}");
    env.shot("70-citizen-walk-in").await;

    // 2. She means to apply online; Yiyin sends her to log in, she chooses 统一身份认证, logs in
    // on the platform's form and comes back logged in, where she was going.
    let apply = "/apply/hanyin/HY-SC-001";
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go("/j/hanyin/items/HY-SC-001"),
        Click(&format!("a[href='{apply}']")),
        See("统一身份认证登录"),
    ])
    .await;
    let login_page = env.url().await.replacen(&env.base, "", 1);
    assert!(
        login_page.starts_with("/login?next="),
        "sent to log in: {login_page}"
    );
    env.open_idp_form(&login_page).await;
    env.shot("71-idp-login-form").await;
    // A wrong password is the platform's to refuse; she stays there.
    env.run(&[
        Fill("#idp-login input[name=account]", CITIZEN_ID),
        Fill("#idp-login input[name=password]", "not-her-password"),
        Click("#idp-login button[type=submit]"),
        See("证件号码或密码错误"),
    ])
    .await;
    assert!(!env.url().await.starts_with(&env.base));
    env.sign_in_at_idp().await;
    env.see("在线申请：食品经营许可").await;
    assert_eq!(
        env.url().await,
        format!("{}{apply}", env.base),
        "back where she was going"
    );

    // 3. The application form, filled in the browser; no 营业执照 upload: it is fetched.
    let m1 = pdf(files, "食品经营许可申请书.pdf");
    let m4 = pdf(files, "食品安全规章制度目录.pdf");
    let m3 = pdf(files, "设备布局与操作流程.pdf");
    let submit = format!("form[action='{apply}'] button[type=submit]:not([name])");
    env.run(&[
        See("提交后由本平台调取，无需上传"),
        Fill("[name='f.operator_name']", SHOP_NAME),
        Fill("[name='f.credit_code']", SHOP_CREDIT_CODE),
        Fill("[name='f.legal_representative']", CITIZEN_NAME),
        Fill("[name='f.legal_representative_id']", CITIZEN_ID),
        Fill("[name='f.domicile']", HOME_ADDRESS),
        Fill("[name='f.premises']", SHOP_ADDRESS),
        Pick("[name='f.business_type']", "餐饮服务经营者"),
        Pick("[name='f.business_items[0].item']", "热食类食品制售"),
        Fill("[name='f.business_items[0].note']", "面食"),
        Fill("[name='f.area']", "60"),
        Fill("[name='f.phone']", "13991520420"),
        Fill("input[name=file_M1]", &m1),
        Fill("input[name=file_M4]", &m4),
        Click("input[name=agree]"),
        Shot("72-citizen-apply-form"),
        Click(&submit),
        See("申请已提交"),
    ])
    .await;
    let id = case_id(&env.url().await);
    let my_case = format!("/my/cases/{id}");
    let work_case = format!("/work/cases/{id}");
    // The 营业执照 is on the case, fetched from the market registry, with nothing uploaded.
    let licence_row = "//li[contains(., '营业执照')][.//div[contains(@class, 'shared-record')]]";
    let fetched = env.text_at(licence_row).await;
    assert!(
        fetched.contains("共享调取") && fetched.contains(SHOP_CREDIT_CODE),
        "the 营业执照 fetched from the registry: {fetched}"
    );
    assert!(
        fetched.contains("（免提交）") && !fetched.contains(".pdf"),
        "the 营业执照 counted as provided, without a file: {fetched}"
    );
    env.run(&[
        // The application form is kept with the case.
        See(SHOP_ADDRESS),
        See("热食类食品制售"),
        Show(licence_row),
        Shot("73-citizen-case-licence-fetched"),
    ])
    .await;
    // She agrees to electronic delivery (unless the application form already asked her), and asks
    // for notices by e-mail as well.
    let consent = "form[action$='/delivery-consent'] button[type=submit]";
    if env.b.find(Locator::Css(consent)).await.is_ok() {
        env.click(consent).await;
    }
    env.run(&[
        See("您已同意电子送达"),
        Go("/account"),
        Fill(
            "form[action='/account/notifications'] input[name=email]",
            CITIZEN_EMAIL,
        ),
    ])
    .await;
    let email_on = env
        .element(Locator::Css(
            "form[action='/account/notifications'] input[name=email_enabled]",
        ))
        .await;
    if !email_on.is_selected().await.unwrap() {
        email_on.click().await.unwrap();
    }
    let action =
        |name: &str| format!("form input[name=action][value={name}] ~ button[type=submit]");
    env.run(&[
        Click("form[action='/account/notifications'] button[type=submit]"),
        See("通知方式已保存"),
        See(&format!("value=\"{CITIZEN_EMAIL}\"")),
        // 4. The window's one-time notice: what is missing, and never the fetched licence.
        Login("hanyin.clerk"),
        Go(&work_case),
        See("共享调取"),
        Open("一次性告知补正"),
        Shot("74-work-citizen-supplement"),
        Click(&action("notify_supplement")),
        See("已一次性告知补正"),
    ])
    .await;

    // 5. The notice in her message centre and in her mailbox.
    let notice_subject = "补正告知：食品经营许可";
    env.sso_login().await;
    env.run(&[
        Go("/messages"),
        See(notice_subject),
        See("与食品经营相适应的主要设备设施"),
        Shot("75-citizen-messages"),
    ])
    .await;
    let mail = env.mail(CITIZEN_EMAIL, notice_subject).await;
    let body = mail["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("与食品经营相适应的主要设备设施"),
        "the e-mail names the material to supplement: {mail}"
    );
    assert!(
        !body.contains("营业执照"),
        "the fetched 营业执照 is not asked for: {mail}"
    );

    // 6. She supplements; the bureau accepts, reviews, inspects (two inspectors) and decides.
    let supplement = format!("form[action='/my/cases/{id}/supplement'] button[type=submit]");
    env.run(&[
        Go(&my_case),
        See("请补正以下材料"),
        Fill("input[name=file_M3]", &m3),
        Click(&supplement),
        See("补正材料已提交"),
        Login("hanyin.clerk"),
        Go(&work_case),
        Click(&action("accept")),
        See("已受理"),
        Login("hanyin.reviewer"),
        Go(&work_case),
        Fill("textarea[name=opinion]", "申请材料齐全，符合法定形式"),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.inspector"),
        Go(&work_case),
        Fill(
            "textarea[name=opinion]",
            "经现场核查，经营场所布局合理，设备设施与经营项目相适应",
        ),
        Click(&action("complete_step")),
        See("待第二名核查人员确认"),
        Login("hanyin.inspector2"),
        Go(&work_case),
        Click(&action("confirm_verification")),
        See("已第二名核查人员确认核查"),
        Login("hanyin.chief"),
        Go(&work_case),
        Fill("textarea[name=reason]", "符合食品经营许可条件，准予许可"),
        Click(&action("decide")),
        See("已作出决定"),
        Login("hanyin.clerk"),
        Go(&work_case),
        Click(&action("issue_certificate")),
        See("已制发证件"),
    ])
    .await;

    // 7. The licence reaches her electronically; she opens and downloads it.
    env.sso_login().await;
    env.run(&[Go(&my_case), See("已制证")]).await;
    let delivered = env
        .text_at("//section[@id='deliveries']//li[contains(., '食品经营许可证')]")
        .await;
    assert!(
        delivered.contains("已送达") && delivered.contains("电子送达"),
        "the licence delivered electronically: {delivered}"
    );
    let number = env
        .text_at("//a[starts-with(@href, '/my/licences/')]")
        .await;
    env.run(&[
        Show("//section[@id='deliveries']"),
        Shot("76-citizen-licence-delivered"),
        Click("a[href='/my/licences']"),
        See(&number),
        Shot("77-citizen-my-licences"),
        Go(&my_case),
        Press("//section[h2[contains(., '凭证、文书和证照')]]//a[contains(., '食品经营许可证')]"),
        See(&number),
        See(CITIZEN_NAME),
    ])
    .await;
    // The licence carries its contents, filled from her application form (证照模板).
    env.run(&[
        See("经营场所"),
        See(SHOP_ADDRESS),
        See("主体业态"),
        See("餐饮服务经营者"),
        See("热食类食品制售"),
        See("日常监督管理机构"),
    ])
    .await;
    env.shot("78-citizen-licence").await;
    let licence = env.download("a[href$='/pdf']").await;
    assert!(
        licence.starts_with(b"%PDF-"),
        "the licence downloads as a PDF"
    );

    // 8. 我的办件: the window's case under her ID number is hers as well.
    env.run(&[
        Go("/my"),
        See(&walk_in),
        See("个体工商户登记"),
        See(&format!("/my/cases/{id}")),
        Shot("79-citizen-my-cases"),
    ])
    .await;

    // 9. Anyone verifies the licence by its number, typed loosely (lower case, in groups): it is
    // genuine, and her name and ID number are not shown.
    let loose: String = number
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .chunks(6)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    env.b.delete_all_cookies().await.unwrap();
    env.run(&[
        Go("/verify"),
        Fill(
            "form[action='/verify'][method=get] input[name=number]",
            &loose,
        ),
        Click("form[action='/verify'][method=get] button[type=submit]"),
        See("核验结果：真实有效"),
        See(&number),
        See("食品经营许可证"),
        See(&yiyin_domain::ids::mask_name(CITIZEN_NAME)),
        Unseen(CITIZEN_NAME, "her full name on the public verification"),
        Unseen(CITIZEN_ID, "her full ID number on the public verification"),
        // The licence's contents: the shop's premises in full, her home (住所) only to the town.
        See("经营场所"),
        See(SHOP_ADDRESS),
        See("餐饮服务经营者"),
        See("陕西省安康市汉阴县城关镇****"),
        Unseen(HOME_ADDRESS, "her home address on the public verification"),
        Shot("80-portal-verify-citizen-licence"),
    ])
    .await;
}

/// Issue 16's reform journey: the bureau head sees a prepared batch's readiness, runs a batch in
/// simulation and switches it; the market department's observer (审批观察员) comments on a case and
/// the bureau's staff see the comment on the case page; 城关镇 decides the item the bureau
/// entrusted to it, in the bureau's name; the reviewer tells an applicant of the right to a
/// hearing (Art. 47), the window registers his request, the hearing is scheduled and announced,
/// held ten days later (the demo server started again on a later date) and the decision rests on
/// its record; the bureau head records a reconsideration's 撤销 and verification shows the licence
/// revoked.
async fn reform_journey(env: &Env) {
    const BATCH: &str = "第三批（教育体育）";
    let batch = |what: &str| {
        format!("//section[h2[contains(., '{BATCH}')]]//form[contains(@action, '/{what}')]//button")
    };
    env.run(&[
        // a. The switch-over desk: the prepared second batch is not ready (red lines, and why).
        Login("hanyin.head"),
        Go("/work/transition"),
        See("第二批"),
        See("未通过"),
        See("模拟运行本批次"),
        Show("//tr[contains(@class, 'ready-red')]"),
        Shot("81-transition-readiness"),
        // A batch of items ready in every respect is added, run in simulation, then switched.
        Fill(
            "form[action='/work/transition/batches'] input[name=name]",
            BATCH,
        ),
        Fill(
            "form[action='/work/transition/batches'] input[name=items]",
            "HY-JT-001",
        ),
        Choose("select[name=source_department]", "jiaoti"),
    ])
    .await;
    set_value(
        env,
        "form[action='/work/transition/batches'] input[name=switch_date]",
        "2026-06-15",
    )
    .await;
    env.run(&[
        Click("form[action='/work/transition/batches'] button[type=submit]"),
        See(&format!("已新增划转批次「{BATCH}」")),
        Press(&batch("simulate")),
        See("本批次事项已进入模拟运行"),
        See("HY-JT-001"),
        Show(&format!("//section[h2[contains(., '{BATCH}')]]")),
        Shot("82-transition-simulated"),
        Press(&batch("switch")),
        See(&format!("批次「{BATCH}」已划转至行政审批服务局")),
        Show(&format!("//section[h2[contains(., '{BATCH}')]]")),
        Shot("83-transition-switched"),
    ])
    .await;
    // The simulation page shows the batch's items simulated.
    env.run(&[
        Go("/admin/simulation/hanyin"),
        See("HY-JT-001"),
        See(&format!("划转批次「{BATCH}」试运行")),
    ])
    .await;

    // b. The observer opens a case of the market department's former items and comments on it.
    const COMMENT: &str = "一次性告知单所列材料与办事指南一致，建议窗口同步更新示范文本";
    env.run(&[
        Login("hanyin.observer"),
        Go("/work/observe"),
        See("审批观察员"),
        Shot("84-observer-cases"),
        Press("//table//a[starts-with(@href, '/work/observe/')]"),
        See("提交评注"),
        Fill("textarea[name=body]", COMMENT),
        Click("form[action$='/comments'] button[type=submit]"),
        See("已提交评注"),
        See(COMMENT),
        Shot("85-observer-comment"),
    ])
    .await;
    let observed = case_id(&env.url().await);
    env.run(&[
        Login("hanyin.chief"),
        Go(&format!("/work/cases/{observed}")),
        See("审批观察员评注"),
        See(COMMENT),
        Show("//section[h2[contains(., '审批观察员评注')]]"),
        Shot("86-work-case-observer-comment"),
    ])
    .await;

    // c. 城关镇, entrusted by the bureau with 城乡居民基本养老保险参保登记 (HY-RS-002), receives,
    // reviews and decides it in the bureau's name, the document naming the township as entrusted.
    let intake = "#intake-form button[type=submit]";
    let action =
        |name: &str| format!("form input[name=action][value={name}] ~ button[type=submit]");
    env.run(&[
        Go("/j/hanyin/delegations"),
        See("城关镇人民政府"),
        Login("hanyin.township"),
        Go("/work/intake?j=hanyin&item=HY-RS-002"),
        See("申请材料核对"),
        Click("input[name=kind][value=person]"),
        Fill("input[name=name]", "杜秀英"),
        Fill("input[name=id_number]", "610921195708150029"),
        Click("input[name=materials][value=M1]"),
        Click("input[name=materials][value=M2]"),
        Click(intake),
        See("已收件，办件编号"),
    ])
    .await;
    let delegated = format!("/work/cases/{}", case_id(&env.url().await));
    env.run(&[
        Login("hanyin.township.reviewer"),
        Go(&delegated),
        Fill(
            "textarea[name=opinion]",
            "参保人身份信息与户籍信息一致，符合参保条件",
        ),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.township.chief"),
        Go(&delegated),
        Fill(
            "textarea[name=reason]",
            "符合城乡居民基本养老保险参保条件，予以登记",
        ),
        Click(&action("decide")),
        See("已作出决定"),
        Shot("87-township-decided"),
        Press("(//a[contains(@href, '/documents/') and contains(., '办结通知书')])[last()]"),
        See("汉阴县行政审批服务局"),
        See("受委托机关：城关镇人民政府"),
        Shot("88-township-decision-document"),
    ])
    .await;

    // d. The window accepts a walk-in application; the reviewer tells the applicant of the right to
    // a hearing (Art. 47), with its notice.
    env.run(&[
        Login("hanyin.clerk"),
        Go("/work/intake?j=hanyin&item=HY-SC-001"),
        See("申请材料核对"),
        Click("input[name=kind][value=person]"),
        Fill("input[name=name]", "刘卫东"),
        Fill("input[name=id_number]", "610921198805060010"),
        Click("input[name=materials][value=M1]"),
        Click("input[name=materials][value=M2]"),
        Click("input[name=materials][value=M3]"),
        Click("input[name=materials][value=M4]"),
        Click(intake),
        See("已收件，办件编号"),
    ])
    .await;
    let heard = format!("/work/cases/{}", case_id(&env.url().await));
    env.run(&[
        Login("hanyin.reviewer"),
        Go(&heard),
        See("告知听证权利"),
        Click(&action("notify_hearing_right")),
        See("听证告知书"),
        Shot("89-work-hearing-right-notified"),
    ])
    .await;

    // e. He asks for a hearing at the window the same day: the clerk registers the request (the
    // clock stops, Art. 45). The reviewer names the section chief, who did not review the case,
    // to preside (Art. 48 para 1 (3)) and fixes the hearing on 2026-06-25, the seventh working day
    // after the notice (端午节 on 06-19 is not one): the notice to the parties and the public
    // announcement, which names no person in full.
    let field = |action: &str, field: &str| {
        format!("form input[name=action][value={action}] ~ label [name={field}]")
    };
    env.run(&[
        Login("hanyin.clerk"),
        Go(&heard),
        Open("登记听证申请"),
        Fill(
            &field("request_hearing", "reason"),
            "经营场所与相邻住户之间存在油烟、噪声影响的重大利益关系",
        ),
        Click(&action("request_hearing")),
        See("已申请听证"),
        See("特别程序（中止计时）"),
        Shot("90-work-hearing-requested"),
        Login("hanyin.reviewer"),
        Go(&heard),
        Open("安排听证"),
        Fill(
            &field("schedule_hearing", "place"),
            "汉阴县政务服务中心三楼听证室",
        ),
        Choose(&field("schedule_hearing", "presiding"), "hanyin.chief"),
    ])
    .await;
    set_value(env, &field("schedule_hearing", "on"), "2026-06-25").await;
    env.run(&[
        Click(&action("schedule_hearing")),
        See("已安排听证"),
        See("听证通知书"),
        See("听证公告"),
        Show("//section[contains(@class, 'hearing-facts')]"),
        Shot("91-work-hearing-scheduled"),
        Go("/j/hanyin/hearings"),
        See("行政许可听证公告"),
        See("2026年6月25日"),
        See("刘*"),
        Unseen(
            "刘卫东",
            "the public announcement names the applicant in full",
        ),
        Unseen(
            "610921198805060010",
            "the public announcement shows an ID number",
        ),
        Shot("92-portal-hearing-announcement"),
    ])
    .await;

    // f. The county government revokes the licence whose reconsideration the demo registered: the
    // bureau head files the reply, records the outcome 撤销 on the register, and the public
    // verification page shows the licence revoked.
    env.run(&[
        Login("hanyin.head"),
        Go("/work/redress"),
        See("行政复议答复和行政诉讼应诉"),
        See("汉阴县政复〔2026〕3号"),
        Shot("93-redress-register"),
    ])
    .await;
    let row = "//tr[starts-with(@id, 'redress-') and contains(., '汉阴县政复〔2026〕3号')]";
    let entry = env
        .element(Locator::XPath(row))
        .await
        .attr("id")
        .await
        .unwrap()
        .expect("the register's row has its id");
    let licence = env
        .text_at(&format!("{row}//a[starts-with(@href, '/work/licences/')]"))
        .await;
    env.run(&[
        Click(&format!(
            "#{entry} form[action$='/reply'] button[type=submit]"
        )),
        See("已登记汉阴县人民政府汉阴县政复〔2026〕3号的"),
        Choose(
            &format!("#{entry} form[action$='/outcome'] select[name=outcome]"),
            "revoked",
        ),
        Click(&format!(
            "#{entry} form[action$='/outcome'] button[type=submit]"
        )),
        See("汉阴县政复〔2026〕3号的结果：撤销"),
        See("《行政复议法》第六十四条"),
        Show(row),
        Shot("94-redress-revoked"),
        Go("/verify"),
        Fill(
            "form[action='/verify'][method=get] input[name=number]",
            &licence,
        ),
        Click("form[action='/verify'][method=get] button[type=submit]"),
        See("核验结果：签章真实，但不在有效状态"),
        See("<strong>已撤销</strong>"),
        Unseen(
            "核验结果：真实有效",
            "a licence revoked on reconsideration verifies as valid",
        ),
        Shot("95-portal-verify-revoked-on-reconsideration"),
    ])
    .await;

    // g. Ten days later (the server started again on 2026-06-25 on the same data), the chief holds
    // the hearing: the record, the applicant signing and the neighbour's refusal noted. The review,
    // the site check by two inspectors and the decision follow; the decision rests on the record
    // (Art. 48 para 2) and the days from the request to the hearing are not counted (Art. 45).
    env.restart_at("2026-06-25T09:00:00+08:00");
    const REFUSAL: &str = "认为笔录未完整记录其关于油烟排放的意见";
    env.run(&[
        Login("hanyin.chief"),
        Go(&heard),
        Open("举行听证"),
        Fill(
            &field("hold_hearing", "record"),
            "申请人陈述经营场所已安装油烟净化设施并出具检测报告；利害关系人提出油烟、噪声影响的意见并质证；申请人作出说明和承诺。",
        ),
        Fill(
            &field("hold_hearing", "participants"),
            &format!("刘卫东，申请人，已签字\n周建平，利害关系人，拒绝签字：{REFUSAL}"),
        ),
        Shot("96-work-hearing-hold"),
        Click(&action("hold_hearing")),
        See("已举行听证"),
        See(&format!("拒绝签字（{REFUSAL}）")),
        See("听证不计入"),
        Show("//section[contains(@class, 'hearing-facts')]"),
        Shot("97-work-hearing-held"),
        Login("hanyin.reviewer"),
        Go(&heard),
        Fill(
            "textarea[name=opinion]",
            "申请材料齐全，听证中利害关系人所提意见已由申请人说明整改措施",
        ),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.inspector"),
        Go(&heard),
        Fill(
            "textarea[name=opinion]",
            "现场核查：油烟净化设施已安装并正常运行，经营布局符合要求",
        ),
        Click(&action("complete_step")),
        See("待第二名核查人员确认"),
        Login("hanyin.inspector2"),
        Go(&heard),
        Click(&action("confirm_verification")),
        See("已第二名核查人员确认核查"),
        Login("hanyin.chief"),
        Go(&heard),
        Fill(
            "textarea[name=reason]",
            "根据听证笔录，申请人已落实油烟净化和降噪措施，符合食品经营许可条件，予以许可",
        ),
        Click(&action("decide")),
        See("已作出决定"),
        Shot("98-work-hearing-decided"),
        Press("(//a[contains(@href, '/documents/') and contains(., '准予行政许可决定书')])[last()]"),
        See("根据听证笔录"),
        See("2026年6月25日依法举行听证"),
        Shot("99-hearing-decision-document"),
    ])
    .await;
}

/// One construction project from its first stage to its joint acceptance (工程建设项目审批, 汉阴
/// 三(二)), carried by the agency centre's agent under the builder's mandate (全程代办): the window
/// registers the project; the builder signs the mandate; the agent applies for each stage online,
/// a file per material; the window, told of each online application, accepts the stage's bundle.
/// Stage 1 has a joint site inspection (联合踏勘) — 发改's staff assigned, 环保's drawn from the
/// 踏勘人员库 with the seed published before the draw —; stage 2 its expert review and two-person
/// site check; stage 3 the central drawing review (集中图审) by the institution outside the bureau,
/// whose certificate the fire-protection and civil-air-defence items take; stage 4 the joint
/// acceptance (联合验收) of 住建 and 国土, after which both milestone items are decided and the
/// project has ended every stage. It starts on 2026-06-25 (Thursday), where the reform journey
/// left the clock.
async fn project_journey(env: &Env, files: &std::path::Path) {
    const NAME: &str = "汉阴县月河餐饮中央厨房建设项目";
    const BUILDER: &str = "91350100M000100Y43";
    let action =
        |name: &str| format!("form input[name=action][value={name}] ~ button[type=submit]");
    env.run(&[
        Login("hanyin.clerk"),
        Go("/work/projects?jurisdiction=hanyin"),
        See("登记项目"),
        Fill("input[name=code]", "2026-610921-14-03-000625"),
        Fill("input[name=name]", NAME),
        Fill("input[name=builder]", "安康市月河餐饮有限公司"),
        Fill("input[name=builder_code]", BUILDER),
        Fill("input[name=location]", "汉阴县城关镇月河工业园区"),
        Choose("select[name=investment]", "social"),
        Click("form[action='/work/projects'] button[type=submit]"),
        See("项目已登记"),
        See("第1阶段 立项用地规划许可：未开始"),
    ])
    .await;
    let project = case_id(&env.url().await);

    // The builder signs the agency centre's agent's mandate for the project.
    env.run(&[
        Login(BUILDER),
        Go("/my/mandates"),
        See("签署授权委托书"),
        Choose("select[name=subject]", &format!("project:{project}")),
        Choose("select[name=agent]", "hanyin.agency"),
    ])
    .await;
    set_value(env, "input[name=ends_on]", "2026-12-31").await;
    env.run(&[
        Click("form[action='/my/mandates'] button[type=submit]"),
        See("授权委托书已签署"),
        Show(&format!("//tr[contains(., '{NAME}')]")),
        Shot("a0-builder-mandate-signed"),
    ])
    .await;
    let mandate: i64 = env
        .text_at(&format!("//tr[contains(., '{NAME}')]/td[1]"))
        .await
        .trim()
        .parse()
        .expect("the mandate's number");
    let agent_page = format!("/work/agency/{mandate}/project");

    // Stage 1: the agent applies; the window accepts and schedules the joint site inspection.
    let stage1 = apply_stage(env, files, mandate, "立项用地规划许可").await;
    env.shot("a1-agent-stage-applied").await;
    let bundle1 = accept_online(env, &stage1).await;
    let fg = member_case(env, bundle1, "HY-FG-001").await;
    env.run(&[
        Go(&format!("/work/bundles/{bundle1}")),
        Follow("安排联合踏勘或联合验收"),
        See("安排联合踏勘验收"),
        Choose("select[name=kind]", "joint_inspection"),
        Fill(
            "input[name=logins_fagai]",
            "hanyin.fagai.kc1 hanyin.fagai.kc2",
        ),
        Pick("select[name=pool_huanbao]", "联合踏勘验收人员库"),
    ])
    .await;
    set_value(env, "input[name=date]", "2026-06-26").await;
    env.run(&[
        Click("form[action='/work/visits'] button[type=submit]"),
        See("已安排联合踏勘并书面通知申请人"),
        See("待从踏勘人员库抽取 2 名"),
        See("随机种子"),
        Shot("a2-visit-scheduled-seed-published"),
        Click("form[action$='/draw'] button[type=submit]"),
        See("已按公布的随机种子抽取踏勘人员"),
        See("可用 yiyin draw --expert 复核"),
        Unseen("待从踏勘人员库抽取", "the draw left a team short"),
        Shot("a3-visit-drawn"),
    ])
    .await;
    let visit1 = env.url().await;
    let visit1 = visit1.trim_start_matches(&env.base).to_string();
    // The builder sees the date, told in writing, on its project page.
    env.run(&[
        Login(BUILDER),
        Go(&format!("/my/projects/{project}")),
        See("联合踏勘验收"),
        See("2026-06-26"),
    ])
    .await;

    // 06-26: each department's staff give their opinions on the day; the inspection passes. The
    // milestone item is reviewed and decided.
    env.restart_at("2026-06-26T09:00:00+08:00");
    for login in ["hanyin.fagai.kc1", "hanyin.huanbao.kc1"] {
        env.run(&[
            Login(login),
            Go(&visit1),
            See("录入意见"),
            Choose("select[name=verdict]", "pass"),
            Click("form[action$='/opinions'] button[type=submit]"),
            See("意见已录入"),
        ])
        .await;
    }
    env.run(&[See("<strong>通过</strong>"), Shot("a4-visit-passed")])
        .await;
    env.run(&[
        Login("hanyin.tech"),
        Go(&fg),
        Fill(
            "textarea[name=opinion]",
            "项目符合产业政策，联合踏勘合格，技术方案可行",
        ),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.reviewer"),
        Go(&fg),
        Fill("textarea[name=opinion]", "申请材料齐全真实，符合核准条件"),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.head"),
        Go(&fg),
        Fill(
            "textarea[name=reason]",
            "项目符合国家产业政策和县域发展规划，予以核准",
        ),
        Click(&action("decide")),
        See("已作出决定"),
    ])
    .await;

    // Stage 2: 取水许可, its expert review, the two-person site check, review and decision.
    let stage2 = apply_stage(env, files, mandate, "工程建设许可").await;
    let bundle2 = accept_online(env, &stage2).await;
    let sl = member_case(env, bundle2, "HY-SL-001").await;
    env.run(&[
        Login("hanyin.reviewer"),
        Go(&sl),
        Fill(
            "textarea[name=opinion]",
            "水资源论证报告表经专家技术审查，取水水源可靠，取水量合理",
        ),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.inspector"),
        Go(&sl),
        Fill(
            "textarea[name=opinion]",
            "现场查勘：取水口、退水口位置与论证报告一致",
        ),
        Click(&action("complete_step")),
        See("待第二名核查人员确认"),
        Login("hanyin.inspector2"),
        Go(&sl),
        Click(&action("confirm_verification")),
        See("已第二名核查人员确认核查"),
        Login("hanyin.reviewer"),
        Go(&sl),
        Fill("textarea[name=opinion]", "符合取水许可条件"),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.head"),
        Go(&sl),
        Fill(
            "textarea[name=reason]",
            "取水用途、取水量和退水方案符合规定，准予取水许可",
        ),
        Click(&action("decide")),
        See("已作出决定"),
    ])
    .await;

    // Stage 3: the drawings go to the institution outside the bureau; its certificate stands in
    // for the technical review of 消防设计审查 and 人防工程; the construction permit is decided.
    let stage3 = apply_stage(env, files, mandate, "施工许可").await;
    let bundle3 = accept_online(env, &stage3).await;
    let fire = member_case(env, bundle3, "HY-ZJ-002").await;
    let zj = member_case(env, bundle3, "HY-ZJ-001").await;
    env.run(&[
        Login("hanyin.reviewer"),
        Go("/work/drawing-reviews?jurisdiction=hanyin"),
        See("分派施工图审查"),
        Pick(
            "select[name=project_id]",
            &format!("{NAME}（2026-610921-14-03-000625）"),
        ),
        Choose("select[name=method]", "rotation"),
        Click("form[action='/work/drawing-reviews'] button[type=submit]"),
        See("已分派给"),
    ])
    .await;
    let review = env.url().await;
    let review = review.trim_start_matches(&env.base).to_string();
    env.run(&[
        Login("hanyin.tuzhi"),
        Go(&review),
        Choose("select[name=verdict]", "pass"),
        Fill(
            "textarea[name=summary]",
            "施工图符合工程建设强制性标准，消防、人防设计满足规范要求",
        ),
        Click("form[action$='/opinion'] button[type=submit]"),
        See("审查合格，已出具施工图审查合格书"),
        Shot("a5-drawing-review-passed"),
        Login("hanyin.reviewer"),
        // The fire-protection case's technical review was taken by the certificate, in the
        // institution's name.
        Go(&fire),
        See("汉阴县施工图审查中心"),
        Go(&zj),
        Fill(
            "textarea[name=opinion]",
            "施工图审查合格，建设资金、施工单位等条件落实",
        ),
        Click(&action("complete_step")),
        See("已办理环节"),
        Login("hanyin.chief"),
        Go(&zj),
        Fill(
            "textarea[name=reason]",
            "符合建筑工程施工许可条件，准予施工许可",
        ),
        Click(&action("decide")),
        See("已作出决定"),
    ])
    .await;

    // Stage 4: one joint acceptance of 住建 and 国土 on Monday 06-29.
    let stage4 = apply_stage(env, files, mandate, "竣工验收").await;
    let bundle4 = accept_online(env, &stage4).await;
    let cases = [
        member_case(env, bundle4, "HY-ZJ-004").await,
        member_case(env, bundle4, "HY-GT-003").await,
    ];
    env.run(&[
        Go(&format!("/work/bundles/{bundle4}")),
        Follow("安排联合踏勘或联合验收"),
        Choose("select[name=kind]", "joint_acceptance"),
        Fill(
            "input[name=logins_zhujian]",
            "hanyin.zhujian.kc1 hanyin.zhujian.kc2",
        ),
        Fill(
            "input[name=logins_guotu]",
            "hanyin.guotu.kc1 hanyin.guotu.kc2",
        ),
    ])
    .await;
    set_value(env, "input[name=date]", "2026-06-29").await;
    env.run(&[
        Click("form[action='/work/visits'] button[type=submit]"),
        See("已安排联合验收并书面通知申请人"),
    ])
    .await;
    let visit4 = env.url().await;
    let visit4 = visit4.trim_start_matches(&env.base).to_string();
    env.restart_at("2026-06-29T09:00:00+08:00");
    for login in ["hanyin.zhujian.kc1", "hanyin.guotu.kc1"] {
        env.run(&[
            Login(login),
            Go(&visit4),
            Choose("select[name=verdict]", "pass"),
            Click("form[action$='/opinions'] button[type=submit]"),
            See("意见已录入"),
        ])
        .await;
    }
    env.run(&[
        See("<strong>通过</strong>"),
        See("联合验收日期"),
        See("联合验收意见书"),
        Shot("a6-joint-acceptance-passed"),
    ])
    .await;
    // Each milestone's site step (its two inspectors), review and decision; each person takes
    // both cases in turn.
    let opinion = action("complete_step");
    let confirm = action("confirm_verification");
    let decide = action("decide");
    for (login, steps) in [
        (
            "hanyin.inspector",
            vec![
                Fill(
                    "textarea[name=opinion]",
                    "联合验收合格，现场与审查合格的施工图一致",
                ),
                Click(&opinion),
                See("待第二名核查人员确认"),
            ],
        ),
        (
            "hanyin.inspector2",
            vec![Click(&confirm), See("已第二名核查人员确认核查")],
        ),
        (
            "hanyin.reviewer",
            vec![
                Fill("textarea[name=opinion]", "验收资料齐全，联合验收意见合格"),
                Click(&opinion),
                See("已办理环节"),
            ],
        ),
        (
            "hanyin.chief",
            vec![
                Fill("textarea[name=reason]", "经联合验收合格，予以通过"),
                Click(&decide),
                See("已作出决定"),
            ],
        ),
    ] {
        env.login(login).await;
        for case in &cases {
            env.go(case).await;
            env.run(&steps).await;
        }
    }

    // The builder's page: four stages ended, the inspections and the drawing review on it.
    env.run(&[
        Login(BUILDER),
        Go(&format!("/my/projects/{project}")),
        See("第4阶段 竣工验收：已办结"),
        See("第1阶段 立项用地规划许可：已办结"),
        See("施工图审查合格书"),
        See("联合验收"),
        Shot("a7-builder-project-ended"),
        Login("hanyin.agency"),
        Go(&agent_page),
        See("第4阶段 竣工验收：已办结"),
    ])
    .await;
}

/// The agent applies for the next stage of the project under `mandate` (its label), a file for
/// every material asked, the commitment ticked; the stage bundle's number.
async fn apply_stage(env: &Env, files: &std::path::Path, mandate: i64, stage: &str) -> String {
    env.run(&[
        Login("hanyin.agency"),
        Go(&format!("/work/agency/{mandate}/project")),
        See("网上申报：第"),
        See(stage),
    ])
    .await;
    let inputs = env
        .b
        .find_all(Locator::Css("form.stage-apply input[type=file]"))
        .await
        .unwrap();
    for input in inputs {
        let name = input.attr("name").await.unwrap().unwrap_or_default();
        // A member's own material is named `file_<item>/<code>`: no slash in the file's name.
        let file = pdf(files, &format!("{stage}-{}.pdf", name.replace('/', "-")));
        input.send_keys(&file).await.unwrap();
    }
    env.run(&[
        Click("form.stage-apply input[name=attested]"),
        Click("form.stage-apply button[type=submit]"),
        See("已代建设单位提交申报，一件事办件编号"),
    ])
    .await;
    let src = env.source().await;
    let at = src
        .find("一件事办件编号 ")
        .expect("the stage bundle's number");
    src[at + "一件事办件编号 ".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The window, told of the online application `number` in its messages, opens it and accepts
/// the stage bundle; its id.
async fn accept_online(env: &Env, number: &str) -> i64 {
    env.run(&[
        Login("hanyin.clerk"),
        Go("/messages"),
        See(&format!("网上申请待处理：{number}")),
        Press(&format!(
            "//li[contains(., '网上申请待处理：{number}')]//button[contains(., '查看详情')]"
        )),
        See(number),
        See("受理（窗口）"),
        Choose("form[action$='/act'] select[name=action]", "accept"),
        Click("form[action$='/act'] button[type=submit]"),
        See("已办理"),
    ])
    .await;
    case_id(&env.url().await)
}

/// The staff page of the member case of `item` in the bundle `bundle`.
async fn member_case(env: &Env, bundle: i64, item: &str) -> String {
    env.go(&format!("/work/bundles/{bundle}")).await;
    let href = env
        .element(Locator::XPath(&format!(
            "//tr[contains(., '{item}')]//a[starts-with(@href, '/work/cases/')]"
        )))
        .await
        .attr("href")
        .await
        .unwrap()
        .expect("the member case's link");
    href.trim_start_matches(&env.base).to_string()
}

/// Sets the value of the input at `css` (a date field, whose typing depends on the locale).
async fn set_value(env: &Env, css: &str, value: &str) {
    env.b
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}
