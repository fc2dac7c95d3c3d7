//! `yiyin catalog …` and `yiyin demo` as a county's catalog administrator uses them: importing,
//! publishing, listing and exporting on a database of either backend (`--database`), and the demo
//! on the embedded database in a temporary data directory (the demo is SQLite only).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yiyin_store::Backend;
use yiyin_testkit::{TestDb, on_both};

on_both!(
    import_export_round_trip_through_excel,
    a_bad_file_imports_nothing_and_says_where
);

/// Runs yiyin on a data directory and, when given, a database URL; the environment's own settings
/// never leak in.
fn run(data: &Path, database: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yiyin"));
    cmd.args(args).arg("--data-dir").arg(data);
    if let Some(url) = database {
        cmd.arg("--database").arg(url);
    }
    cmd.env_remove("YIYIN_DATABASE_URL")
        .env_remove("YIYIN_DATA_DIR")
        .env_remove("YIYIN_BLOB_URL")
        .output()
        .expect("run yiyin")
}

/// Runs yiyin on the embedded database of a data directory.
fn yiyin(data: &Path, args: &[&str]) -> Output {
    run(data, None, args)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yiyin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh database of `backend` and a data directory of its own, for the catalog commands.
struct Installation {
    db: TestDb,
    data: PathBuf,
}

impl Installation {
    async fn new(name: &str, backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let data = temp_dir(&format!("{name}-{backend:?}"));
        Installation { db, data }
    }

    fn yiyin(&self, args: &[&str]) -> Output {
        run(&self.data, Some(&self.db.url), args)
    }

    async fn remove(self) {
        std::fs::remove_dir_all(&self.data).unwrap();
        self.db.drop_db().await;
    }
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../yiyin-catalog-io/tests/sample.toml"
);

async fn import_export_round_trip_through_excel(backend: Backend) {
    let i = Installation::new("cat-ok", backend).await;
    let o = i.yiyin(&["catalog", "import", FIXTURE, "--check"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("检查通过"));
    let o = i.yiyin(&["catalog", "import", FIXTURE]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("草稿 2 项"), "{}", out(&o));
    let today = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap()
        .to_string();
    let o = i.yiyin(&[
        "catalog",
        "publish",
        "hanyin",
        "HY-SC-001",
        "--effective",
        &today,
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let o = i.yiyin(&["catalog", "list", "-j", "hanyin", "--date", &today]);
    assert!(out(&o).contains("HY-SC-001\t食品经营许可"), "{}", out(&o));
    // The fixture's licensing item names no national list entry: the report says so.
    let o = i.yiyin(&["catalog", "national", "-j", "hanyin", "--date", &today]);
    assert!(o.status.success(), "{}", err(&o));
    yiyin_testkit::assert_says(
        &out(&o),
        &[
            "有效事项 1 项，其中行政许可事项 1 项",
            "未对应国家行政许可事项清单的行政许可事项：1 项",
            "  HY-SC-001\t食品经营许可\t",
            "含演示假定内容的事项：0 项",
        ],
    );
    let xlsx = i.data.join("export.xlsx");
    let o = i.yiyin(&[
        "catalog",
        "export",
        "-j",
        "hanyin",
        "--date",
        &today,
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    // The workbook imports back into another county's catalog as a check.
    let o = i.yiyin(&["catalog", "import", xlsx.to_str().unwrap(), "--check"]);
    assert!(o.status.success(), "{}", err(&o));
    i.remove().await;
}

async fn a_bad_file_imports_nothing_and_says_where(backend: Backend) {
    let i = Installation::new("cat-bad", backend).await;
    let data = &i.data;
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replacen("promised_days = 10", "promised_days = 30", 1)
        .replacen("department = \"minzheng\"", "department = \"nowhere\"", 1);
    let bad = data.join("bad.toml");
    std::fs::write(&bad, text).unwrap();
    let import_bad = |on: &str| {
        let bad = bad.to_str().unwrap();
        i.yiyin(&["catalog", "import", bad, "--publish", on])
    };
    let o = import_bad("2099-01-01");
    assert_eq!(o.status.code(), Some(2));
    let problems = [
        "发现 2 处问题",
        "第1个事项（HY-SC-001 食品经营许可）：承诺时限",
        "第2个事项（HY-MZ-001 社会团体成立登记）：实施部门",
    ];
    yiyin_testkit::assert_says(&err(&o), &problems);
    let o = i.yiyin(&["catalog", "list", "-j", "hanyin", "--date", "2099-01-01"]);
    assert!(out(&o).contains("共 0 项"), "{}", out(&o));

    let o = import_bad("2001-01-01");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("早于今天"), "{}", err(&o));
    let o = i.yiyin(&["catalog", "import", "/nonexistent.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    let notes = data.join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    let o = i.yiyin(&["catalog", "import", notes.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains(".xlsx"), "{}", err(&o));
    i.remove().await;
}

#[test]
fn demo_loads_the_four_pilots() {
    let data = temp_dir("demo");
    let o = Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .args(["demo", "--no-serve", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("已生成演示数据"), "{}", out(&o));
    assert!(out(&o).contains("演示账号"), "{}", out(&o));
    let mut total = 0;
    for j in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
        let o = yiyin(&data, &["catalog", "list", "-j", j]);
        let n = out(&o).lines().count() - 1;
        assert!(n >= 15, "{j}: {n}");
        total += n;
    }
    assert!(total >= 60, "{total}");
    let o = yiyin(&data, &["catalog", "changelog", "hanyin"]);
    assert!(out(&o).contains("取消"), "{}", out(&o));
    assert!(out(&o).contains("承诺时限"), "{}", out(&o));
    assert!(!out(&o).is_empty());
    let o = yiyin(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("事件哈希链完整"), "{}", out(&o));
    let o = yiyin(&data, &["user", "list", "hanyin"]);
    assert!(out(&o).contains("hanyin.clerk\t张敏"), "{}", out(&o));
    // The village agency point's clerk (代收代办) under the township entrusted in the demo.
    assert!(
        out(&o).contains("hanyin.village.clerk\t许静"),
        "{}",
        out(&o)
    );
    let o = yiyin(
        &data,
        &[
            "user",
            "add",
            "hanyin.new",
            "--name",
            "新人",
            "--role",
            "hanyin:reviewer",
            "--password",
            "Xinren-2026",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = yiyin(
        &data,
        &[
            "user",
            "add",
            "hanyin.bad",
            "--name",
            "错",
            "--role",
            "hanyin:king",
            "--password",
            "Xinren-2026",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("岗位「king」无效"), "{}", err(&o));
    // A second run keeps the data.
    let o = Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .args(["demo", "--no-serve", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out(&o).contains("使用已有的演示数据"), "{}", out(&o));
    std::fs::remove_dir_all(&data).unwrap();
}
