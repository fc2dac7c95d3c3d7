use std::path::{Path, PathBuf};

use super::*;

/// A fresh folder under the system's temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "yiyin-blobs-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn blob_path(root: &Path, digest: &str) -> PathBuf {
    root.join(&digest[..2]).join(&digest[2..4]).join(digest)
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn blobs_round_trip_and_detect_changes() {
    let dir = TempDir::new("round-trip");
    let store = BlobStore::local(&dir.0).unwrap();
    let d = store.put(b"%PDF-1.7 test").await.unwrap();
    assert_eq!(d.len(), 64);
    assert_eq!(d, d.to_ascii_lowercase());
    assert_eq!(store.put(b"%PDF-1.7 test").await.unwrap(), d);
    assert_eq!(store.get(&d).await.unwrap(), b"%PDF-1.7 test");
    assert!(store.exists(&d).await.unwrap());
    // The digest may come in upper case (it names the same blob).
    assert_eq!(
        store.get(&d.to_ascii_uppercase()).await.unwrap(),
        b"%PDF-1.7 test"
    );
    // Stored once, at <root>/ab/cd/<digest>, and no staging file is left behind.
    assert_eq!(files(&dir.0), vec![blob_path(&dir.0, &d)]);

    std::fs::write(blob_path(&dir.0, &d), b"changed").unwrap();
    let err = store.get(&d).await.unwrap_err();
    assert!(matches!(err, BlobError::Corrupt(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("文件 {d} 的内容与摘要不符（已被改动）")
    );
}

#[tokio::test]
async fn a_missing_blob_is_not_found() {
    let dir = TempDir::new("missing");
    let store = BlobStore::local(&dir.0).unwrap();
    let d = sm3_hex(b"never stored");
    assert!(!store.exists(&d).await.unwrap());
    let err = store.get(&d).await.unwrap_err();
    assert!(matches!(err, BlobError::NotFound(_)), "{err:?}");
    assert_eq!(err.to_string(), format!("文件 {d} 不存在"));
}

#[tokio::test]
async fn bad_digests_are_refused_before_storage_is_touched() {
    let dir = TempDir::new("bad-digest");
    let store = BlobStore::local(&dir.0).unwrap();
    let long = "a".repeat(65);
    let not_hex = "g".repeat(64);
    let with_slash = format!("{}/{}", "a".repeat(31), "b".repeat(32));
    let short = "a".repeat(63);
    for bad in [
        "../etc/passwd",
        "",
        long.as_str(),
        not_hex.as_str(),
        with_slash.as_str(),
        short.as_str(),
    ] {
        let err = store.get(bad).await.unwrap_err();
        assert!(matches!(err, BlobError::BadDigest(_)), "{bad}: {err:?}");
        let err = store.exists(bad).await.unwrap_err();
        assert!(matches!(err, BlobError::BadDigest(_)), "{bad}: {err:?}");
    }
    assert_eq!(
        store.get("../etc/passwd").await.unwrap_err().to_string(),
        "「../etc/passwd」不是有效的文件摘要"
    );
    // A long one is shown cut short.
    let shown = store.get(&"x".repeat(5000)).await.unwrap_err().to_string();
    assert!(shown.chars().count() < 120, "{shown}");
}

#[tokio::test]
async fn blobs_written_by_the_old_store_are_read() {
    // The folder layout is the one yiyin-store's blob store wrote: existing data folders keep working.
    let dir = TempDir::new("old-layout");
    let d = sm3_hex(b"%PDF-1.4 old");
    let path = blob_path(&dir.0, &d);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"%PDF-1.4 old").unwrap();
    let store = BlobStore::local(&dir.0).unwrap();
    assert!(store.exists(&d).await.unwrap());
    assert_eq!(store.get(&d).await.unwrap(), b"%PDF-1.4 old");
    assert_eq!(store.put(b"%PDF-1.4 old").await.unwrap(), d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_of_the_same_bytes_store_one_file() {
    let dir = TempDir::new("concurrent");
    let store = BlobStore::local(&dir.0).unwrap();
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, bytes) = (store.clone(), bytes.clone());
        tasks.push(tokio::spawn(async move { store.put(&bytes).await }));
    }
    let mut digests = Vec::new();
    for task in tasks {
        digests.push(task.await.unwrap().unwrap());
    }
    digests.dedup();
    assert_eq!(digests.len(), 1);
    assert_eq!(store.get(&digests[0]).await.unwrap(), bytes);
    assert_eq!(files(&dir.0), vec![blob_path(&dir.0, &digests[0])]);
}

#[test]
fn sm3_digest_is_the_standard_one() {
    // GB/T 32905-2016, example 1.
    assert_eq!(
        sm3_hex(b"abc"),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn only_documents_and_images() {
    assert_eq!(sniff(b"%PDF-1.4").unwrap(), ("application/pdf", "PDF"));
    assert_eq!(sniff(b"\xFF\xD8\xFF\xE0").unwrap().1, "JPEG");
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap().1, "PNG");
    assert_eq!(sniff(b"PK\x03\x04").unwrap().1, "OFD/ZIP");
    assert!(sniff(b"MZ\x90\x00").is_none());
    assert!(sniff(b"<html>").is_none());
    assert!(sniff(b"").is_none());
    assert_eq!(MAX_FILE_BYTES, 10 * 1024 * 1024);
}

/// The variables of a test S3 setup.
fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
    ("AWS_SECRET_ACCESS_KEY", "very-secret-key"),
];

#[test]
fn local_urls() {
    let dir = TempDir::new("urls");
    let plain = BlobStore::from_url_with(dir.0.to_str().unwrap(), vars(&[])).unwrap();
    assert_eq!(plain.describe(), format!("本地目录 {}", dir.0.display()));
    assert!(dir.0.is_dir(), "the folder is created");

    let url = format!("file://{}", dir.0.display());
    let file = BlobStore::from_url_with(&url, vars(&[])).unwrap();
    assert_eq!(file.describe(), format!("本地目录 {}", dir.0.display()));

    let err = BlobStore::from_url_with("file://relative/path", vars(&[])).unwrap_err();
    assert!(matches!(err, BlobError::Config(_)), "{err:?}");
    for bad in ["", "  ", "ftp://host/x", "gs://bucket/x"] {
        let err = BlobStore::from_url_with(bad, vars(&[])).unwrap_err();
        assert!(matches!(err, BlobError::Config(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("s3://存储桶/前缀"), "{err}");
    }
}

#[test]
fn s3_urls_are_described_without_credentials() {
    let mut settings = CREDENTIALS.to_vec();
    settings.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"));
    settings.push(("AWS_ALLOW_HTTP", "true"));
    let store = BlobStore::from_url_with("s3://yiyin/prod/", vars(&settings)).unwrap();
    assert_eq!(
        store.describe(),
        "S3 存储桶 yiyin/prod，端点 http://127.0.0.1:9000"
    );
    let debug = format!("{store:?}");
    assert!(!debug.contains("very-secret-key"), "{debug}");
    assert!(!debug.contains("AKIDTEST"), "{debug}");

    let bare = BlobStore::from_url_with("s3://yiyin", vars(&CREDENTIALS)).unwrap();
    assert_eq!(bare.describe(), "S3 存储桶 yiyin");
    assert_eq!(
        bare.key(&sm3_hex(b"abc")).as_ref(),
        "66/c7/66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        store.key(&sm3_hex(b"abc")).as_ref(),
        "prod/66/c7/66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn wrong_s3_settings_say_what_is_expected() {
    let config_error = |url: &str, settings: &[(&str, &str)]| {
        let err = BlobStore::from_url_with(url, vars(settings)).unwrap_err();
        assert!(matches!(err, BlobError::Config(_)), "{url}: {err:?}");
        let message = err.to_string();
        assert!(!message.contains("very-secret-key"), "{message}");
        message
    };
    assert!(config_error("s3://yiyin/prod", &[]).contains("AWS_ACCESS_KEY_ID"));
    assert!(
        config_error("s3://AKIDTEST:very-secret-key@yiyin/prod", &CREDENTIALS)
            .contains("不能写凭据")
    );
    assert!(config_error("s3:///prod", &CREDENTIALS).contains("存储桶名"));
    assert!(config_error("s3://yiyin/a//b", &CREDENTIALS).contains("前缀"));
    assert!(config_error("s3://yiyin/p?x=1", &CREDENTIALS).contains("?"));

    let mut settings = CREDENTIALS.to_vec();
    settings.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"));
    assert!(config_error("s3://yiyin", &settings).contains("AWS_ALLOW_HTTP=true"));
    settings.push(("AWS_ALLOW_HTTP", "perhaps"));
    assert!(config_error("s3://yiyin", &settings).contains("应为 true 或 false"));

    let mut settings = CREDENTIALS.to_vec();
    settings.push(("AWS_ENDPOINT", "https://user:very-secret-key@s3.example.cn"));
    assert!(config_error("s3://yiyin", &settings).contains("不能写凭据"));
    let mut settings = CREDENTIALS.to_vec();
    settings.push(("AWS_ENDPOINT_URL", "not a url"));
    assert!(config_error("s3://yiyin", &settings).contains("AWS_ENDPOINT_URL"));
}
