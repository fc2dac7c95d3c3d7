//! The seal's commands as an auditor or a recipient runs them, on the database of an installation
//! (a SQLite file or PostgreSQL, named by `--database`) whose bureau issued a food licence through
//! the use cases: `yiyin verify` (offline, against the published seal list, against the registry),
//! `yiyin archive verify`, `yiyin audit verify --head`,
//! `yiyin seal list|rotate|register-external|crl`.
//! Every tampering is caught with its reason and exit status 1, and a document sealed in simulation
//! is reported as such (模拟文书，不具法律效力, exit status 1); bad input exits 2; the seal
//! passphrase is never echoed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yiyin_app::Principal;
use yiyin_app::cases::{ActOn, Receive};
use yiyin_domain::catalog::StepKind;
use yiyin_domain::engine::{Action, CaseState, IntakeOutcome};
use yiyin_domain::licence::{ActRequest, LicenceStatus, RevocationGround};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::{PASSPHRASE, TestApp, TestDb, on_both};

on_both!(verify_archive_audit_and_rotate_from_the_command_line);

/// The command line on one installation's database (`archive verify` needs none: it reads only
/// the package). The environment's own settings never leak in.
struct Cli {
    database: String,
    data: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yiyin"));
        cmd.args(args);
        if args[0] != "archive" {
            cmd.arg("--database")
                .arg(&self.database)
                .arg("--data-dir")
                .arg(&self.data);
        }
        for var in [
            "YIYIN_DATABASE_URL",
            "YIYIN_DATA_DIR",
            "YIYIN_BLOB_URL",
            "YIYIN_SEAL_PASSPHRASE",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied()).output().expect("run yiyin")
    }

    /// Runs and expects success, returning stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args, &[]);
        assert!(o.status.success(), "{args:?}: {}{}", out(&o), err(&o));
        out(&o)
    }

    /// Runs and expects failure with `status`, returning stdout and stderr together.
    fn fails(&self, args: &[&str], status: i32) -> String {
        let o = self.run(args, &[]);
        assert_eq!(
            o.status.code(),
            Some(status),
            "{args:?}: {}{}",
            out(&o),
            err(&o)
        );
        format!("{}{}", out(&o), err(&o))
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x01;
    b
}

/// A licence the bureau issued: its sealed record (JSON), its PDF, its identifier, the seal that
/// signed it, and the archive package of its case; with the section chief who may revoke it.
struct Issued {
    json: String,
    pdf: Vec<u8>,
    identifier: String,
    seal_id: i64,
    package: Vec<u8>,
    chief: Principal,
}

async fn act(t: &TestApp, who: &Principal, case_id: i64, action: Action) -> CaseState {
    let name = action.name();
    t.act(
        who,
        ActOn {
            case_id,
            version: None,
            action,
            uploads: vec![],
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{name}: {e}"))
    .state
}

/// A food licence of 汉阴县 (HY-SC-001) received at the window, reviewed, granted and issued, each
/// step by the role whose duty it is; then its PDF and its case's archive package as the
/// installation gives them out.
async fn issue_licence(t: &TestApp) -> Issued {
    let clerk = t.staff("hy.clerk", Role::WindowClerk, "hanyin", None).await;
    let reviewer = t.staff("hy.reviewer", Role::Reviewer, "hanyin", None).await;
    let chief = t
        .staff("hy.chief", Role::SectionChief, "hanyin", None)
        .await;
    let applicant = Applicant::new(
        "汉阴县月河餐饮有限公司",
        SubjectId::parse_any("91350100M000100Y43").expect("a valid credit code"),
        "13800000000",
        None,
    );
    let case = t
        .receive(
            &clerk,
            Receive {
                jurisdiction: "hanyin".into(),
                item_code: "HY-SC-001".into(),
                applicant: Some(applicant),
                materials: vec!["M1".into(), "M2".into()],
                attested: false,
                outcome: IntakeOutcome::Accept,
                idempotency_key: None,
                uploads: vec![],
                form: None,
                representation: Default::default(),
            },
        )
        .await
        .expect("received and accepted")
        .record;
    let review = Action::CompleteStep {
        kind: StepKind::Review,
        staff: vec!["审查 李娜".into()],
        opinion: "材料真实，符合条件".into(),
    };
    act(t, &reviewer, case.id, review).await;
    let approve = Action::Decide {
        approve: true,
        reason: "符合法定条件、标准".into(),
    };
    act(t, &chief, case.id, approve).await;
    let state = act(t, &clerk, case.id, Action::IssueCertificate).await;
    assert_eq!(state, CaseState::CertificateIssued);
    let doc = t
        .store
        .case_documents(case.id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.sealed.is_some() && d.record.identifier.is_some())
        .expect("the licence, sealed");
    let json = doc.sealed.clone().unwrap();
    let seal_id = yiyin_seal::SealedDocument::from_json(&json)
        .unwrap()
        .seal
        .id;
    let pdf = t.pdf_of(&doc).await.expect("the licence's PDF");
    let (_, package) = t.package_of(case.id).await.expect("the archive package");
    Issued {
        json,
        pdf,
        identifier: doc.record.identifier.clone().unwrap(),
        seal_id,
        package,
        chief,
    }
}

async fn verify_archive_audit_and_rotate_from_the_command_line(backend: Backend) {
    let db = TestDb::new(backend).await;
    let t = TestApp::on(&db, "2025-03-03", true).await;
    let doc = issue_licence(&t).await;
    let data = std::env::temp_dir().join(format!(
        "yiyin-seals-{}-{}",
        t.store.backend().label(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&data);
    let files = data.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let cli = Cli {
        database: db.url.clone(),
        data: data.clone(),
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let seals = write("seals.json", cli.ok(&["seal", "list", "--json"]).as_bytes());
    let json = write("licence.json", doc.json.as_bytes());
    let pdf = write("licence.pdf", &doc.pdf);

    // Genuine: offline against the published seals, and against the registry. Offline without
    // the list, this deployment's seal (made at random) is in no list shipped with the build: the
    // signature holds, but who owns the key is not confirmed.
    for file in [&json, &pdf] {
        let said = cli.fails(&["verify", path(file)], 1);
        assert!(said.contains("核验结果：印章所有者未经确认"), "{said}");
        assert!(
            said.contains("--seals"),
            "offline, it says what it cannot know: {said}"
        );
        let said = cli.ok(&["verify", path(file), "--seals", path(&seals)]);
        assert!(said.contains("核验结果：真实有效"), "{said}");
        assert!(
            said.contains("汉阴县行政审批服务局行政审批专用章"),
            "{said}"
        );
        assert!(said.contains(&doc.identifier), "{said}");
        let said = cli.ok(&["verify", path(file), "--registry"]);
        assert!(said.contains("核验结果：真实有效"), "{said}");
        let said = cli.ok(&["verify", path(file), "--seals", path(&seals), "--registry"]);
        assert!(
            said.contains("印章清单：第") && said.contains("当前“有效”"),
            "{said}"
        );
    }

    // A changed byte of the PDF; a changed field of the record.
    let changed = write("changed.pdf", &flip(&doc.pdf, doc.pdf.len() / 2));
    let said = cli.fails(&["verify", path(&changed)], 1);
    assert!(said.contains("核验结果：无效"), "{said}");
    let edited = doc.json.replace(&doc.identifier, "LICENCE-FORGED");
    let said = cli.fails(
        &["verify", path(&write("edited.json", edited.as_bytes()))],
        1,
    );
    assert!(said.contains("签名"), "{said}");
    // Signed by a key that is not a published seal.
    let thief = yiyin_seal::SealKey::generate();
    let mut forged = yiyin_seal::SealedDocument::from_json(&doc.json).unwrap();
    forged.seal.public_key = thief.public_hex();
    let forged =
        yiyin_seal::SealedDocument::seal(forged.document, forged.seal, &thief, &forged.signed_at);
    let forged = write("forged.json", forged.to_json().as_bytes());
    let said = cli.fails(&["verify", path(&forged)], 1);
    assert!(said.contains("核验结果：印章所有者未经确认"), "{said}");
    assert!(!said.contains("真实有效"), "{said}");
    let said = cli.fails(&["verify", path(&forged), "--seals", path(&seals)], 1);
    assert!(said.contains("印章所有者未经确认"), "{said}");
    assert!(said.contains("不在公布的印章清单中"), "{said}");
    // The same record sealed in simulation (模拟运行): intact, yet of no legal effect, whatever
    // list or register is asked.
    let record: yiyin_domain::documents::DocumentRecord = serde_json::from_value(
        yiyin_seal::SealedDocument::from_json(&doc.json)
            .unwrap()
            .document,
    )
    .unwrap();
    let simulated = yiyin_app::simulation::seal_simulated(&record, t.app.now()).unwrap();
    let simulated = write("simulated.json", simulated.as_bytes());
    for args in [
        vec!["verify", path(&simulated)],
        vec!["verify", path(&simulated), "--seals", path(&seals)],
        vec!["verify", path(&simulated), "--registry"],
    ] {
        let said = cli.fails(&args, 1);
        assert!(
            said.contains("核验结果：模拟文书，不具法律效力") && said.contains("模拟运行专用章"),
            "{said}"
        );
        assert!(!said.contains("真实有效"), "{said}");
    }
    // Not a file of ours; no file at all.
    let said = cli.fails(&["verify", path(&seals)], 1);
    assert!(said.contains("不是一印签发"), "{said}");
    let said = cli.fails(&["verify", path(&files.join("none.pdf"))], 2);
    assert!(said.contains("无法读取"), "{said}");

    // The archive package verifies against the published seals (without them, its seal's owner is
    // not confirmed); a changed byte does not.
    let package = write("archive.zip", &doc.package);
    let said = cli.ok(&["archive", "verify", path(&package), "--seals", path(&seals)]);
    assert!(said.contains("档案包完整"), "{said}");
    let said = cli.fails(&["archive", "verify", path(&package)], 1);
    assert!(said.contains("印章所有者未经确认"), "{said}");
    let broken = write("broken.zip", &flip(&doc.package, doc.package.len() / 3));
    let said = cli.fails(&["archive", "verify", path(&broken)], 1);
    assert!(said.contains("档案包校验失败"), "{said}");

    // The chain: intact, and a kept head proves the past; bad heads are refused.
    let said = cli.ok(&["audit", "verify"]);
    let head = said.split("链头第 ").nth(1).unwrap();
    let seq: i64 = head.split(' ').next().unwrap().parse().unwrap();
    let hash = head.split("哈希 ").nth(1).unwrap().trim().to_string();
    let kept = format!("{seq}:{hash}");
    let said = cli.ok(&["audit", "verify", "--head", &kept]);
    assert!(said.contains("此前的历史未被改写"), "{said}");
    let said = cli.fails(&["audit", "verify", "--head", "12:abc"], 2);
    assert!(said.contains("格式有误"), "{said}");
    let wrong = format!("{seq}:{}", "0".repeat(64));
    let said = cli.fails(&["audit", "verify", "--head", &wrong], 1);
    assert!(said.contains(&format!("第{seq}号事件的哈希")), "{said}");

    // Rotation of the seal that signed the licence: the passphrase is required and checked, and
    // never echoed; the old key stays published.
    let id = doc.seal_id.to_string();
    let said = cli.fails(&["seal", "rotate", &id], 2);
    assert!(said.contains("印章口令"), "{said}");
    let said = cli.fails(
        &[
            "seal",
            "rotate",
            &id,
            "--seal-passphrase",
            "not-the-passphrase",
        ],
        2,
    );
    assert!(said.contains("口令"), "{said}");
    assert!(!said.contains("not-the-passphrase"), "{said}");
    let help = cli.run(
        &["seal", "rotate", &id, "--help"],
        &[("YIYIN_SEAL_PASSPHRASE", PASSPHRASE)],
    );
    assert!(help.status.success(), "{}", err(&help));
    assert!(
        out(&help).contains("YIYIN_SEAL_PASSPHRASE"),
        "{}",
        out(&help)
    );
    assert!(!out(&help).contains(PASSPHRASE), "{}", out(&help));
    let said = cli.ok(&["seal", "rotate", &id, "--seal-passphrase", PASSPHRASE]);
    assert!(said.contains(&format!("已停用第{id}号印章")), "{said}");
    assert!(!said.contains(PASSPHRASE), "{said}");
    let listed = cli.ok(&["seal", "list"]);
    assert!(listed.contains("（已停用）"), "{listed}");
    let seals = write(
        "seals-after.json",
        cli.ok(&["seal", "list", "--json"]).as_bytes(),
    );
    let said = cli.ok(&["verify", path(&json), "--seals", path(&seals)]);
    assert!(said.contains("已停用，停用前签发的文书仍然有效"), "{said}");
    assert!(said.contains("真实有效"), "{said}");

    // A revoked licence (the section chief's decision, Art. 69 para 2): the signature is genuine,
    // the registry says it is no longer valid.
    let revoked = t
        .act_on_licence(
            &doc.chief,
            &doc.identifier,
            &ActRequest::Revoke {
                ground: RevocationGround::Fraud,
                reason: "经核查，被许可人申请时提交伪造的经营场所租赁合同".into(),
                serious_public_harm: false,
                revoke: true,
            },
        )
        .await
        .expect("revoked");
    assert_eq!(revoked.licence, doc.identifier);
    let status = t.store.licence(&doc.identifier).await.unwrap().unwrap();
    assert_eq!(status.status, LicenceStatus::Revoked);
    // Reinstate the licence in the register behind Yiyin's back: the chain holds, the rows do not
    // match it, and the audit names the case; put back, it verifies again.
    let reinstate = |status: &str| {
        format!(
            "UPDATE licences SET status = '{status}' WHERE identifier = '{}'",
            doc.identifier
        )
    };
    db.tamper(&reinstate("valid")).await;
    let said = cli.fails(&["audit", "verify"], 1);
    assert!(said.contains("办件数据与事件链不符"), "{said}");
    assert!(said.contains("事件链之外被改动"), "{said}");
    db.tamper(&reinstate("revoked")).await;
    cli.ok(&["audit", "verify"]);
    // Rewrite an event behind Yiyin's back: the chain names it.
    db.tamper("UPDATE events SET reason = '改过' WHERE seq = 3")
        .await;
    let said = cli.fails(&["verify", path(&pdf), "--registry"], 1);
    assert!(said.contains("已撤销"), "{said}");
    let said = cli.fails(&["audit", "verify"], 1);
    assert!(said.contains("第 3 号事件处断开"), "{said}");

    // The bureau's seal handed over to the county's own e-seal system: bad flags and files are
    // refused in Chinese (exit status 2) and change nothing; then it is registered.
    let county = yiyin_seal::authority::Authority::create(
        "陕西省电子印章制作中心（测试）",
        "2025-01-01",
        "2045-01-01",
    )
    .unwrap();
    let in_use = t
        .store
        .seals()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.jurisdiction == "hanyin" && s.department.is_empty() && !s.retired)
        .expect("the bureau's seal in use");
    let county_key = yiyin_seal::SealKey::generate();
    let cert = yiyin_seal::authority::seal_certificate(
        &county.key,
        &county.cert,
        &county_key.public_hex(),
        &in_use.holder,
        &in_use.name,
        "0a0b0c02",
        "2025-01-01",
        "2029-12-31",
    )
    .unwrap();
    let eseal = yiyin_seal::ses::make_seal(
        &county.key,
        &county.cert,
        &yiyin_seal::ses::SealData {
            es_id: "61092100000002",
            name: &in_use.name,
            signer_cert: &cert,
            created: "2025-01-01",
            valid_start: "2025-01-01",
            valid_end: "2029-12-31",
            png: b"\x89PNG fake",
            size_mm: 42,
        },
    )
    .unwrap();
    let cert_file = write("county-seal.cer", &cert);
    let eseal_file = write("county-seal.ses", &eseal);
    let junk = write("junk.ses", "不是印章数据".as_bytes());
    let listed = cli.ok(&["seal", "list", "--json"]);
    let current = in_use.id.to_string();
    let register = |id: &str, url: &str, cert: &str, eseal: &str| {
        let args = [
            "seal",
            "register-external",
            id,
            "--url",
            url,
            "--certificate",
            cert,
            "--seal-data",
            eseal,
        ];
        args.map(str::to_string)
    };
    let url = "http://127.0.0.1:9/eseal";
    let missing = data.join("absent.cer");
    // The county maker's CRLs (and one by a stranger), as DER files.
    let crl_file =
        |name: &str, by: &yiyin_seal::authority::Authority, revoked: &[(&str, &str)], day: &str| {
            let revoked: Vec<(String, String)> = revoked
                .iter()
                .map(|(s, d)| (s.to_string(), d.to_string()))
                .collect();
            write(
                name,
                &yiyin_seal::authority::crl(&by.key, &by.cert, &revoked, 1, day).unwrap(),
            )
        };
    let stranger = yiyin_seal::authority::Authority::create(
        "他处制章机构（测试）",
        "2025-01-01",
        "2045-01-01",
    )
    .unwrap();
    let county_crl = crl_file("county.crl", &county, &[], "2026-01-01");
    let older_crl = crl_file("older.crl", &county, &[], "2025-06-01");
    let revoking_crl = crl_file(
        "revoking.crl",
        &county,
        &[("0a0b0c02", "2026-02-01")],
        "2026-02-01",
    );
    let foreign_crl = crl_file("foreign.crl", &stranger, &[], "2026-01-01");
    let with = |args: [String; 9], extra: &[&str]| -> Vec<String> {
        args.into_iter()
            .chain(extra.iter().map(|a| a.to_string()))
            .collect()
    };
    let good = || register(&current, url, path(&cert_file), path(&eseal_file));
    for (args, says) in [
        (
            with(register(&id, url, path(&cert_file), path(&eseal_file)), &[]),
            "已停用",
        ),
        (
            with(good(), &["--crl-url", "ftp://x"]),
            "证书吊销列表地址「ftp://x」无效",
        ),
        (
            with(good(), &["--crl", path(&foreign_crl)]),
            "证书吊销列表未通过核验",
        ),
        (
            with(good(), &["--crl", path(&junk)]),
            "证书吊销列表不是有效的 Base64 或 PEM 文本",
        ),
        (
            with(good(), &["--crl", path(&missing)]),
            "无法读取证书吊销列表文件",
        ),
        (
            with(
                register(&current, url, path(&missing), path(&eseal_file)),
                &[],
            ),
            "无法读取签章证书文件",
        ),
        (
            with(register(&current, url, path(&cert_file), path(&junk)), &[]),
            "电子印章数据文件",
        ),
        (
            with(
                register(&current, "ftp://x", path(&cert_file), path(&eseal_file)),
                &[],
            ),
            "签章接口地址",
        ),
        (
            with(
                register("999999", url, path(&cert_file), path(&eseal_file)),
                &[],
            ),
            "没有编号为999999的印章",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let said = cli.fails(&args, 2);
        assert!(said.contains(says), "{args:?}: {said}");
    }
    assert_eq!(cli.ok(&["seal", "list", "--json"]), listed);
    // Registered with the maker's CRL: its address and a list file.
    let crl_url = "http://127.0.0.1:9/crl";
    let args = with(good(), &["--crl-url", crl_url, "--crl", path(&county_crl)]);
    let said = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(said.contains(&format!("已停用第{current}号印章")), "{said}");
    let external = t
        .store
        .seals()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.signer_url.as_deref() == Some(url))
        .expect("the external seal registered");
    assert_eq!(external.name, in_use.name);
    assert!(t.store.seal(in_use.id).await.unwrap().retired);
    let kept = t
        .store
        .seal_crl(external.id)
        .await
        .unwrap()
        .expect("its CRL");
    assert_eq!(
        (kept.url.as_str(), kept.this_update.as_str()),
        (crl_url, "2026-01-01")
    );

    // `seal crl`: a later list or address for the external seal. Bad input is refused in Chinese
    // (exit status 2) and changes nothing; a list naming the seal's certificate revokes it.
    let ext = external.id.to_string();
    for (args, says) in [
        (vec!["seal", "crl", &ext], "请用 --url 给出证书吊销列表地址"),
        (
            vec!["seal", "crl", &ext, "--url", "ftp://x"],
            "证书吊销列表地址「ftp://x」无效",
        ),
        (
            vec!["seal", "crl", &ext, "--file", path(&foreign_crl)],
            "证书吊销列表未通过核验",
        ),
        (
            vec!["seal", "crl", &ext, "--file", path(&older_crl)],
            "早于已采用的列表",
        ),
        (
            vec!["seal", "crl", &ext, "--file", path(&missing)],
            "无法读取证书吊销列表文件",
        ),
        (
            vec!["seal", "crl", &current, "--url", crl_url],
            "只能为外部签章系统的印章登记证书吊销列表",
        ),
        (
            vec!["seal", "crl", "999999", "--url", crl_url],
            "没有编号为999999的印章",
        ),
    ] {
        let said = cli.fails(&args, 2);
        assert!(said.contains(says), "{args:?}: {said}");
    }
    assert_eq!(t.store.seal_crl(external.id).await.unwrap(), Some(kept));
    let cert_of = || async {
        t.store
            .seal_certificates()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.seal_id == external.id)
            .unwrap()
    };
    assert_eq!(cert_of().await.revoked_on, None);
    let new_url = "http://127.0.0.1:9/crl-2";
    let said = cli.ok(&[
        "seal",
        "crl",
        &ext,
        "--url",
        new_url,
        "--file",
        path(&revoking_crl),
    ]);
    assert!(
        said.contains(&format!("已为第{ext}号印章登记证书吊销列表"))
            && said.contains(new_url)
            && said.contains("2026-02-01"),
        "{said}"
    );
    let kept = t.store.seal_crl(external.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.url.as_str(), kept.this_update.as_str()),
        (new_url, "2026-02-01")
    );
    assert_eq!(cert_of().await.revoked_on.as_deref(), Some("2026-02-01"));

    t.store.close().await;
    db.drop_db().await;
    let _ = std::fs::remove_dir_all(&data);
}
