//! `yiyin serve` refuses bad settings in Chinese, exiting 2, before it writes anything: no database is
//! made and no seal is minted with the passphrase when the blob store's address is wrong.

use std::process::Command;

#[test]
fn bad_settings_are_refused_before_anything_is_written() {
    let dir = std::env::temp_dir().join(format!("yiyin-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    for (extra, phrase) in [
        (vec!["--blob-url", "ftp://files.example/yiyin"], "ftp"),
        (
            vec!["--blob-url", "s3://user:secret@bucket/prefix"],
            "不能写凭据",
        ),
        (vec!["--listen", "localhost"], "监听地址"),
    ] {
        let mut args = vec![
            "serve",
            "--data-dir",
            dir.to_str().expect("a path"),
            "--seal-passphrase",
            "ceshi-kouling-2026",
        ];
        args.extend(extra.iter());
        let o = Command::new(env!("CARGO_BIN_EXE_yiyin"))
            .args(&args)
            .env_remove("YIYIN_DATABASE_URL")
            .env_remove("YIYIN_BLOB_URL")
            .env_remove("YIYIN_LISTEN")
            .output()
            .expect("run yiyin");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(phrase), "{extra:?}: {stderr}");
        assert!(!stderr.contains("secret"), "credentials repeated: {stderr}");
        let written: Vec<_> = std::fs::read_dir(&dir).expect("the folder").collect();
        assert!(written.is_empty(), "{extra:?} wrote {written:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
