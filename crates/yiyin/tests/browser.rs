//! End-to-end tests in a real browser (headless Chromium through chromedriver) against the real
//! `yiyin demo` server on a simulated date: the whole online journey of an application, a walk-in at
//! the window, a refusal, a suspension with its notice, a role that must not see another county's
//! case, and approval–supervision separation (the supervising department's desk, a finding, a
//! revocation, a random inspection). Screenshots of the main pages are left in
//! `test-artifacts/screenshots/` for people to look at.
//!
//! `scripts/test` installs Chromium and chromedriver when missing; this test fails (never skips) when
//! they cannot be started.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

const PASSWORD: &str = "yiyin2026";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
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

struct Env {
    b: Client,
    base: String,
    shots: PathBuf,
    _server: Proc,
    _driver: Proc,
}

impl Env {
    async fn start() -> Env {
        let data = std::env::temp_dir().join(format!("yiyin-browser-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let port = free_port();
        let server = Command::new(env!("CARGO_BIN_EXE_yiyin"))
            .args([
                "demo",
                "--clock",
                "2026-06-15T09:00:00+08:00",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .spawn()
            .expect("start yiyin demo");
        let server = Proc(server);
        wait_for_port(port, "yiyin");
        let driver_port = free_port();
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver (scripts/test installs Debian's chromium-driver)");
        let driver = Proc(driver);
        wait_for_port(driver_port, "chromedriver");
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
            _server: server,
            _driver: driver,
        }
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

    async fn fill(&self, css: &str, text: &str) {
        let e = self
            .b
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"));
        e.clear().await.ok();
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    async fn click(&self, css: &str) {
        self.b
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Opens a `<details>` whose summary contains `label`.
    async fn open(&self, label: &str) {
        let xpath = format!("//summary[contains(., '{label}')]");
        let summary = self
            .b
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("find summary {label}: {e}"));
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

    async fn login(&self, login: &str) {
        self.b.delete_all_cookies().await.unwrap();
        self.go("/login").await;
        self.fill("input[name=login]", login).await;
        self.fill("input[name=password]", PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.see("退出").await;
    }

    async fn url(&self) -> String {
        self.b.current_url().await.unwrap().to_string()
    }

    /// The text of the first element at `xpath`.
    async fn text_at(&self, xpath: &str) -> String {
        self.b
            .find(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("find {xpath}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Scrolls the first element at `xpath` to the middle of the window (before a screenshot).
    async fn show(&self, xpath: &str) {
        let e = self
            .b
            .find(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("find {xpath}: {e}"));
        self.b
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            .unwrap();
    }

    /// Chooses the option `value` of the `<select>` at `css`.
    async fn choose(&self, css: &str, value: &str) {
        self.b
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
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
    env.go("/").await;
    env.see("选择县区").await;
    env.shot("01-portal-home").await;
    env.go("/j/hanyin").await;
    env.see("企业投资项目核准").await;
    env.shot("02-portal-catalog").await;
    env.go("/search?q=%E9%A3%9F%E5%93%81").await;
    env.see("食品经营许可").await;
    env.shot("03-portal-search").await;
    env.go("/j/hanyin/items/HY-FG-001").await;
    env.see("设定依据").await;
    env.see("办理流程").await;
    env.shot("04-portal-guide").await;

    // 1. An applicant applies online, leaving out a required material.
    env.login("11010519491231002X").await;
    env.go("/j/hanyin/items/HY-FG-001").await;
    env.click("a[href='/apply/hanyin/HY-FG-001']").await;
    env.see("在线申请：企业投资项目核准").await;
    env.fill("input[name=file_M1]", &pdf(&files, "项目申请书.pdf"))
        .await;
    env.fill("input[name=file_M5]", &pdf(&files, "营业执照.pdf"))
        .await;
    env.shot("05-applicant-apply").await;
    // Without the commitment box ticked, the form comes back with the reason beside it.
    env.click("form[action='/apply/hanyin/HY-FG-001'] button[type=submit]")
        .await;
    env.see("请确认申请材料真实有效").await;
    env.fill("input[name=file_M1]", &pdf(&files, "项目申请书.pdf"))
        .await;
    env.fill("input[name=file_M5]", &pdf(&files, "营业执照.pdf"))
        .await;
    env.click("input[name=agree]").await;
    env.click("form[action='/apply/hanyin/HY-FG-001'] button[type=submit]")
        .await;
    env.see("申请已提交").await;
    let id = case_id(&env.url().await);
    env.shot("06-applicant-case-submitted").await;

    // 2. The window sends the one-time supplement notice.
    env.login("hanyin.clerk").await;
    env.go("/work/queue").await;
    env.see("企业投资项目核准").await;
    env.shot("07-work-queue").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.see("一次性告知补正").await;
    env.open("一次性告知补正").await;
    env.click("form input[name=action][value=notify_supplement] ~ button[type=submit]")
        .await;
    env.see("已一次性告知补正").await;
    env.see("补正材料通知书").await;
    env.shot("08-work-supplement-notice").await;

    // 3. The applicant uploads only what was asked.
    env.login("11010519491231002X").await;
    env.go(&format!("/my/cases/{id}")).await;
    env.see("请补正以下材料").await;
    env.fill("input[name=file_M6]", &pdf(&files, "真实性承诺书.pdf"))
        .await;
    env.click(&format!(
        "form[action='/my/cases/{id}/supplement'] button[type=submit]"
    ))
    .await;
    env.see("补正材料已提交").await;

    // 4. The window accepts.
    env.login("hanyin.clerk").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.click("form input[name=action][value=accept] ~ button[type=submit]")
        .await;
    env.see("已受理").await;
    env.see("受理通知书").await;
    env.shot("09-work-accepted").await;

    // 5. Technical review, review, the head's decision.
    env.login("hanyin.tech").await;
    env.go("/work").await;
    env.see("企业投资项目核准").await;
    env.shot("10-work-worklist").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.fill("textarea[name=opinion]", "项目符合产业政策，技术方案可行")
        .await;
    env.click("form input[name=action][value=complete_step] ~ button[type=submit]")
        .await;
    env.see("已办理环节").await;
    env.login("hanyin.reviewer").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.fill("textarea[name=opinion]", "申请材料齐全真实，符合核准条件")
        .await;
    env.click("form input[name=action][value=complete_step] ~ button[type=submit]")
        .await;
    env.see("下一步由局长办理").await;
    env.login("hanyin.head").await;
    env.go("/work/head").await;
    env.see("待局长作出决定").await;
    env.shot("11-work-head").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.fill(
        "textarea[name=reason]",
        "项目符合国家产业政策和发展规划，予以核准",
    )
    .await;
    env.shot("12-work-case-decide").await;
    env.click("form input[name=action][value=decide] ~ button[type=submit]")
        .await;
    env.see("已作出决定").await;

    // 6. The certificate is issued at the window.
    env.login("hanyin.clerk").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.click("form input[name=action][value=issue_certificate] ~ button[type=submit]")
        .await;
    env.see("已制发证件").await;

    // 7. The applicant sees the result and opens it.
    env.login("11010519491231002X").await;
    env.go(&format!("/my/cases/{id}")).await;
    env.see("已制证").await;
    env.see("准予行政许可决定书").await;
    env.shot("13-applicant-case-done").await;
    env.b
        .find(Locator::LinkText("企业投资项目核准批复文件"))
        .await
        .expect("result link")
        .click()
        .await
        .unwrap();
    env.see("持证人：王芳").await;
    assert!(
        env.source().await.contains("class=\"seal-img\""),
        "the licence shows its seal"
    );
    env.shot("14-document-result").await;
    // Its PDF, as the applicant downloads it, verifies on the public page; a changed byte does not.
    let bytes = env
        .b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('a[href$=\"/pdf\"]').href)
               .then(r => r.arrayBuffer())
               .then(b => done(Array.from(new Uint8Array(b))));",
            vec![],
        )
        .await
        .unwrap();
    let licence: Vec<u8> = serde_json::from_value(bytes).unwrap();
    assert!(licence.starts_with(b"%PDF-"), "a PDF");
    let licence_pdf = files.join("准予行政许可决定书.pdf");
    std::fs::write(&licence_pdf, &licence).unwrap();
    env.click("a[href^='/verify?number=']").await;
    env.see("核验结果：真实有效").await;
    env.go("/verify").await;
    env.fill("input[name=file]", licence_pdf.to_str().unwrap())
        .await;
    env.click("form[action='/verify'][method=post] button[type=submit]")
        .await;
    env.see("核验结果：真实有效").await;
    env.see("电子证照标识").await;
    env.shot("25-portal-verify-genuine").await;
    let mut changed = licence.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    let changed_pdf = files.join("改动过的决定书.pdf");
    std::fs::write(&changed_pdf, &changed).unwrap();
    env.fill("input[name=file]", changed_pdf.to_str().unwrap())
        .await;
    env.click("form[action='/verify'][method=post] button[type=submit]")
        .await;
    env.see("核验结果：无效").await;
    env.shot("26-portal-verify-tampered").await;
    env.go("/seals").await;
    env.see("汉阴县行政审批服务局行政审批专用章").await;
    env.shot("27-portal-seals").await;
    // Anyone can follow it with the number and query code, and the approval is announced.
    env.go("/announcements?j=hanyin").await;
    env.see("企业投资项目核准").await;
    env.see("王*").await;
    env.shot("15-portal-announcements").await;

    // A walk-in at the window: a wrong ID number is refused beside the field, and what was typed stays.
    env.login("hanyin.clerk").await;
    env.go("/work/intake?j=hanyin&item=HY-SC-001").await;
    env.see("申请材料核对").await;
    env.click("input[name=kind][value=organisation]").await;
    env.fill("input[name=name]", "汉阴县月河餐饮有限公司").await;
    env.fill("input[name=id_number]", "91350100M000100Y44")
        .await;
    for m in ["M1", "M2", "M3", "M4"] {
        env.click(&format!("input[name=materials][value={m}]"))
            .await;
    }
    env.click("#intake-form button[type=submit]").await;
    env.see("校验码错误").await;
    env.see("汉阴县月河餐饮有限公司").await;
    env.shot("16-work-intake-error").await;
    env.fill("input[name=id_number]", "91350100M000100Y43")
        .await;
    env.click("#intake-form button[type=submit]").await;
    env.see("已收件，办件编号").await;
    env.see("受理通知书").await;
    let walk_in = case_id(&env.url().await);
    env.shot("17-work-intake-accepted").await;

    // A suspension with its notice.
    env.login("hanyin.reviewer").await;
    env.go(&format!("/work/cases/{walk_in}")).await;
    env.open("启动特别程序").await;
    env.fill(
        "form input[name=action][value=suspend] ~ label input[name=reason]",
        "经营场所涉及专业技术问题，组织专家评审",
    )
    .await;
    env.fill("input[name=expected_days]", "5").await;
    env.click("form input[name=action][value=suspend] ~ button[type=submit]")
        .await;
    env.see("特别程序（中止计时）").await;
    env.see("特别程序告知书").await;
    env.shot("18-work-suspended").await;

    // A refusal at the window, with its decision stating the reasons and the rights.
    env.login("hanyin.clerk").await;
    env.go("/work/intake?j=hanyin&item=HY-SC-001").await;
    env.click("input[name=kind][value=person]").await;
    env.fill("input[name=name]", "李建国").await;
    env.fill("input[name=id_number]", "11010519491231002X")
        .await;
    env.click("input[name=outcome][value=refuse]").await;
    env.fill("input[name=reason]", "申请的食品生产事项属于市级审批权限")
        .await;
    env.fill("input[name=redirect_to]", "安康市行政审批服务局")
        .await;
    env.click("#intake-form button[type=submit]").await;
    env.see("不予受理决定书").await;
    env.b
        .find(Locator::LinkText("不予受理决定书"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    env.see("申请行政复议").await;
    env.see("请向安康市行政审批服务局提出申请").await;
    env.shot("19-document-refusal").await;

    // The closed case's archive package is at hand for the staff.
    env.go(&format!("/work/cases/{id}")).await;
    env.see("下载电子档案包").await;
    env.shot("28-work-closed-case").await;

    // Another county's staff cannot see this county's case, nor find it in their lists.
    env.login("ziyang.chief").await;
    env.go(&format!("/work/cases/{id}")).await;
    env.see("无权访问").await;
    env.shot("20-other-county-denied").await;
    env.go("/work?tab=open").await;
    assert!(
        !env.source().await.contains("HY2026"),
        "a ziyang worklist shows a hanyin case"
    );

    // Administration pages.
    env.login("hanyin.catalog").await;
    env.go("/admin/catalog/hanyin/edit/HY-SC-001").await;
    env.see("办理环节（程序清单和责任清单）").await;
    env.shot("21-admin-catalog-editor").await;
    env.login("hanyin.admin").await;
    env.go("/admin/users/hanyin").await;
    env.see("hanyin.clerk").await;
    env.shot("22-admin-users").await;
    env.go("/admin/org/hanyin").await;
    env.see("汉阴县发改局").await;
    // A bad edit is refused with the reason, and nothing changes.
    env.b
        .execute(
            "document.querySelector('textarea[name=text]').value += ' ]]] broken';",
            vec![],
        )
        .await
        .unwrap();
    env.click("form[action='/admin/org/hanyin'] button[type=submit]")
        .await;
    env.see("格式错误").await;
    env.shot("24-admin-org").await;

    // The public tracking page.
    env.go("/track").await;
    env.shot("23-portal-track").await;

    supervision(&env).await;
    env.b.close().await.unwrap();
}

/// Approval–supervision separation as its users see it: the market department's supervisor
/// acknowledges a result pushed to the desk and reports a finding back; the bureau head revokes the
/// licence, which public verification then shows; the supervisor publishes a random inspection and
/// draws it in public.
async fn supervision(env: &Env) {
    // The desk: the demo's results pushed to the department, a decision past its acknowledgement
    // date in red, a commitment to verify.
    env.login("hanyin.supervisor").await;
    env.click("nav a[href='/supervision']").await;
    env.see("汉阴县市场监管局").await;
    env.see("超期未签收").await;
    env.see("已超期").await;
    env.see("待核查").await;
    env.show("//table[contains(@class, 'pushes')]//tr[contains(@class, 'overdue')]")
        .await;
    env.shot("29-supervision-desk").await;
    let overdue = env
        .b
        .find(Locator::Css("table.pushes tr.overdue"))
        .await
        .expect("a push past its acknowledgement date, in red");
    let case_number = overdue
        .find(Locator::Css("td:nth-child(2) .muted"))
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
    env.see("已签收：准予许可决定").await;
    // Acknowledged, it leaves the list of what waits; the whole list shows who signed.
    env.click("a[href$='&all=1']").await;
    env.see("只看未签收").await;
    let rows = format!("//table[contains(@class, 'pushes')]//tr[contains(., '{case_number}')]");
    let signed = env
        .text_at(&format!("{rows}[contains(., '准予许可决定')]"))
        .await;
    assert!(signed.contains("已签收 郑丽"), "{signed}");
    let licence = env
        .text_at(&format!("{rows}//a[starts-with(@href, '/work/licences/')]"))
        .await;
    env.show(&format!("{rows}[contains(., '准予许可决定')]"))
        .await;
    env.shot("30-supervision-acknowledged").await;

    // What a check of that licensee found, reported back to the bureau (抄告).
    env.fill("form.finding-form input[name=licence]", &licence)
        .await;
    env.choose("form.finding-form select[name=kind]", "referral")
        .await;
    env.fill(
        "form.finding-form textarea[name=summary]",
        "核查发现申请时提交的经营场所租赁合同系伪造，涉嫌以欺骗手段取得许可，移送审批局依法处理",
    )
    .await;
    env.click("form.finding-form button[type=submit]").await;
    env.see("已抄告审批局：移送处理").await;
    env.see("经营场所租赁合同系伪造").await;
    env.show("//table[contains(@class, 'findings')]").await;
    env.shot("31-supervision-finding").await;

    // The bureau head sees the finding in 审管联动, finds the licence and revokes it (Art. 69 para 2).
    env.login("hanyin.head").await;
    env.click("nav a[href='/work/supervision']").await;
    env.see("各监管部门签收情况").await;
    env.see("经营场所租赁合同系伪造").await;
    env.show("//table[contains(@class, 'item-findings')]").await;
    env.shot("32-bureau-supervision").await;
    env.fill("form[action='/work/find'] input[name=q]", &licence)
        .await;
    env.click("form[action='/work/find'] button[type=submit]")
        .await;
    env.see(&format!(
        "<h1>食品经营许可证 <span class=\"muted\">{licence}</span>"
    ))
    .await;
    env.see("移送处理").await;
    env.see("经营场所租赁合同系伪造").await;
    env.choose("form.revoke-form select[name=ground]", "fraud")
        .await;
    env.fill(
        "form.revoke-form textarea[name=reason]",
        "经市场监管局核查，被许可人申请时提交伪造的经营场所租赁合同，以欺骗手段取得行政许可",
    )
    .await;
    env.shot("33-licence-revoke").await;
    env.click("form.revoke-form button[type=submit]").await;
    env.see("已办理撤销：已办结").await;
    let status = env
        .text_at("//span[contains(@class, 'licence-status')]")
        .await;
    assert_eq!(status, "已撤销");
    env.see("被许可人以欺骗手段取得行政许可").await;
    env.shot("34-licence-revoked").await;
    // Public verification no longer finds it in force.
    env.click("a[href^='/verify?number=']").await;
    env.see("核验结果：签章真实，但不在有效状态").await;
    env.see("<strong>已撤销</strong>").await;
    assert!(
        !env.source().await.contains("核验结果：真实有效"),
        "a revoked licence verifies as valid"
    );
    env.shot("35-portal-verify-revoked").await;

    // A random inspection: the plan (its pools and seed) is public before the draw.
    env.login("hanyin.supervisor").await;
    env.go("/supervision").await;
    env.click("nav.tabs a[href^='/supervision/inspections']")
        .await;
    env.see("公布抽查计划").await;
    let title = "2026年6月食品经营许可专项随机抽查";
    env.fill("form.plan-form input[name=title]", title).await;
    env.fill("form.plan-form input[name=item_code]", "HY-SC-001")
        .await;
    env.fill("form.plan-form input[name=target_count]", "1")
        .await;
    // Two inspectors per licensee, the form's default, are more than the department has here.
    env.click("form.plan-form button[type=submit]").await;
    env.see("未能办理").await;
    env.see(&format!("value=\"{title}\"")).await;
    env.fill("form.plan-form input[name=per_target]", "1").await;
    env.click("form.plan-form button[type=submit]").await;
    env.see("已公布抽查计划").await;
    let plan = format!("//article[contains(., '{title}')]");
    let seed = env
        .text_at(&format!("{plan}//code[contains(@class, 'seed')]"))
        .await;
    assert_eq!(seed.len(), 32, "{seed}");
    env.show(&plan).await;
    env.shot("36-supervision-plan-published").await;
    env.b
        .find(Locator::XPath(&format!(
            "{plan}//button[contains(., '随机抽取')]"
        )))
        .await
        .expect("the draw button")
        .click()
        .await
        .unwrap();
    env.see("已抽取：1户检查对象").await;
    let picked = env
        .text_at(&format!(
            "{plan}//table[contains(@class, 'picks')]/tbody/tr/td[1]"
        ))
        .await;
    assert!(!picked.is_empty());
    env.show(&plan).await;
    env.shot("37-supervision-plan-drawn").await;
    // Anyone sees the plan, its seed and whom it picked.
    env.b.delete_all_cookies().await.unwrap();
    env.go("/").await;
    env.click("nav a[href='/inspections']").await;
    env.see("双随机抽查公示").await;
    let public = format!("//article[contains(., '{title}')]");
    let shown = env.text_at(&public).await;
    assert!(shown.contains(&seed), "{shown}");
    // A natural person is shown with the name masked; an organisation in full.
    assert!(
        shown.contains(&picked) || shown.contains(&yiyin_domain::ids::mask_name(&picked)),
        "{shown}"
    );
    assert!(shown.contains("检查中"), "{shown}");
    env.shot("38-portal-inspections").await;

    // The licensee sees its licences, with the change it applied for under review.
    env.login("91350100M000100Y43").await;
    env.click("a[href='/my/licences']").await;
    env.see("食品经营许可证").await;
    env.shot("39-applicant-licences").await;
}
