//! `yiyin catalog …` and `yiyin demo` as a county's catalog administrator uses them, on the embedded
//! database in a temporary data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn yiyin(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiyin"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("YIYIN_DATABASE_URL")
        .output()
        .expect("run yiyin")
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

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../yiyin-catalog-io/tests/sample.toml"
);

#[test]
fn import_export_round_trip_through_excel() {
    let data = temp_dir("cat-ok");
    let o = yiyin(&data, &["catalog", "import", FIXTURE, "--check"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("检查通过"));
    let o = yiyin(&data, &["catalog", "import", FIXTURE]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("草稿 2 项"), "{}", out(&o));
    let today = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap()
        .to_string();
    let o = yiyin(
        &data,
        &[
            "catalog",
            "publish",
            "hanyin",
            "HY-SC-001",
            "--effective",
            &today,
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = yiyin(
        &data,
        &["catalog", "list", "-j", "hanyin", "--date", &today],
    );
    assert!(out(&o).contains("HY-SC-001\t食品经营许可"), "{}", out(&o));
    let xlsx = data.join("export.xlsx");
    let o = yiyin(
        &data,
        &[
            "catalog",
            "export",
            "-j",
            "hanyin",
            "--date",
            &today,
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    // The workbook imports back into another county's catalog as a check.
    let o = yiyin(
        &data,
        &["catalog", "import", xlsx.to_str().unwrap(), "--check"],
    );
    assert!(o.status.success(), "{}", err(&o));
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_bad_file_imports_nothing_and_says_where() {
    let data = temp_dir("cat-bad");
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replacen("promised_days = 10", "promised_days = 30", 1)
        .replacen("department = \"minzheng\"", "department = \"nowhere\"", 1);
    let bad = data.join("bad.toml");
    std::fs::write(&bad, text).unwrap();
    let o = yiyin(
        &data,
        &[
            "catalog",
            "import",
            bad.to_str().unwrap(),
            "--publish",
            "2099-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("发现 2 处问题"), "{e}");
    assert!(
        e.contains("第1个事项（HY-SC-001 食品经营许可）：承诺时限"),
        "{e}"
    );
    assert!(
        e.contains("第2个事项（HY-MZ-001 社会团体成立登记）：实施部门"),
        "{e}"
    );
    let o = yiyin(
        &data,
        &["catalog", "list", "-j", "hanyin", "--date", "2099-01-01"],
    );
    assert!(out(&o).contains("共 0 项"), "{}", out(&o));

    let o = yiyin(
        &data,
        &[
            "catalog",
            "import",
            bad.to_str().unwrap(),
            "--publish",
            "2001-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("早于今天"), "{}", err(&o));
    let o = yiyin(&data, &["catalog", "import", "/nonexistent.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    let notes = data.join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    let o = yiyin(&data, &["catalog", "import", notes.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains(".xlsx"), "{}", err(&o));
    std::fs::remove_dir_all(&data).unwrap();
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
            "xinren2026",
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
            "xinren2026",
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
