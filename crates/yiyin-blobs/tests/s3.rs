//! The S3 backend against a real S3-compatible server: moto in server mode (PyPI's `moto[server]`,
//! which `./scripts/test` installs), started on a free loopback port for this test and stopped at
//! its end, also when the test fails. A machine without moto fails this test; it is never skipped.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use yiyin_blobs::{BlobError, BlobStore};

const BUCKET: &str = "yiyin-blobs";
const PREFIX: &str = "yiyin-test";
const SECRET: &str = "moto-secret-access-key";

/// A moto server; killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Moto {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts moto and waits until it answers HTTP.
    async fn start() -> Moto {
        let port = free_port();
        // moto logs every request: to a file, so that a full pipe never stalls it.
        let log = std::env::temp_dir().join(format!("yiyin-blobs-moto-{}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).expect("create the moto log file");
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone the moto log file"))
            .stderr(log_file)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_file(&log);
                cannot_start(&format!("python3 could not be run: {e}"))
            }
        };
        let mut moto = Moto { child, port, log };

        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                let output = std::fs::read_to_string(&moto.log).unwrap_or_default();
                cannot_start(&format!("it exited ({status}):\n{}", tail(&output)));
            }
            if client.get(moto.endpoint()).send().await.is_ok() {
                return moto;
            }
            if Instant::now() > deadline {
                let output = std::fs::read_to_string(&moto.log).unwrap_or_default();
                // Dropping `moto` here kills it.
                drop(moto);
                cannot_start(&format!(
                    "it did not answer within 60 s:\n{}",
                    tail(&output)
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn cannot_start(reason: &str) -> ! {
    panic!(
        "moto（S3 模拟服务）无法启动，S3 测试不能跳过：请运行 ./scripts/test（它会安装 moto），\
         或 python3 -m pip install 'moto[server]>=5,<6'。\n\
         moto (the S3 mock server) could not be started, and the S3 test is never skipped: \
         run ./scripts/test (which installs it), or python3 -m pip install 'moto[server]>=5,<6'.\n\
         Reason: {reason}"
    )
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// The settings `from_url` would read from the environment, for a test endpoint.
fn settings(endpoint: String) -> impl Fn(&str) -> Option<String> {
    move |name| {
        let value = match name {
            "AWS_ENDPOINT_URL" => endpoint.as_str(),
            "AWS_ACCESS_KEY_ID" => "moto-access-key-id",
            "AWS_SECRET_ACCESS_KEY" => SECRET,
            "AWS_REGION" => "us-east-1",
            "AWS_ALLOW_HTTP" => "true",
            _ => return None,
        };
        Some(value.to_owned())
    }
}

/// A plain object_store client on the same bucket, to look and change behind Yiyin's back.
fn raw_bucket(moto: &Moto) -> AmazonS3 {
    AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(moto.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("moto-access-key-id")
        .with_secret_access_key(SECRET)
        .build()
        .unwrap()
}

fn raw_key(digest: &str) -> Path {
    Path::from(format!(
        "{PREFIX}/{}/{}/{digest}",
        &digest[..2],
        &digest[2..4]
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_backend_against_moto() {
    let moto = Moto::start().await;
    let http = reqwest::Client::new();
    // moto takes an unsigned request to create a bucket.
    let created = http
        .put(format!("{}/{BUCKET}", moto.endpoint()))
        .send()
        .await
        .expect("create the bucket");
    assert!(created.status().is_success(), "{created:?}");

    let url = format!("s3://{BUCKET}/{PREFIX}");
    let store = BlobStore::from_url_with(&url, settings(moto.endpoint())).unwrap();
    assert_eq!(
        store.describe(),
        format!("S3 存储桶 {BUCKET}/{PREFIX}，端点 {}", moto.endpoint())
    );

    // Round trip, at <prefix>/ab/cd/<digest>.
    let pdf = b"%PDF-1.7 stored in a bucket".to_vec();
    let d = store.put(&pdf).await.unwrap();
    assert_eq!(d.len(), 64);
    assert_eq!(store.get(&d).await.unwrap(), pdf);
    let raw = raw_bucket(&moto);
    let stored = raw.get(&raw_key(&d)).await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.as_ref(), pdf.as_slice());

    // The same bytes again: the same digest, still readable.
    assert_eq!(store.put(&pdf).await.unwrap(), d);
    assert_eq!(store.get(&d).await.unwrap(), pdf);

    // Several tasks putting the same new bytes at once all succeed.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (store, big) = (store.clone(), big.clone());
        tasks.push(tokio::spawn(async move { store.put(&big).await }));
    }
    let mut digests = Vec::new();
    for task in tasks {
        digests.push(task.await.unwrap().unwrap());
    }
    digests.dedup();
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(store.get(&digests[0]).await.unwrap(), big);

    // exists, and a digest never stored.
    assert!(store.exists(&d).await.unwrap());
    let missing = "0".repeat(64);
    assert!(!store.exists(&missing).await.unwrap());
    let err = store.get(&missing).await.unwrap_err();
    assert!(matches!(err, BlobError::NotFound(_)), "{err:?}");
    assert_eq!(err.to_string(), format!("文件 {missing} 不存在"));

    // Not a digest: refused before the bucket is asked.
    let err = store.get("../../etc/passwd").await.unwrap_err();
    assert!(matches!(err, BlobError::BadDigest(_)), "{err:?}");

    // The object is replaced behind Yiyin's back (another client, same key).
    raw.put(&raw_key(&d), PutPayload::from_static(b"changed"))
        .await
        .unwrap();
    let err = store.get(&d).await.unwrap_err();
    assert!(matches!(err, BlobError::Corrupt(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("文件 {d} 的内容与摘要不符（已被改动）")
    );

    // Another prefix in the same bucket is another store.
    let other =
        BlobStore::from_url_with(&format!("s3://{BUCKET}/other"), settings(moto.endpoint()))
            .unwrap();
    assert!(!other.exists(&digests[0]).await.unwrap());

    // A bucket that does not exist is the store being unavailable, not a missing file.
    let absent =
        BlobStore::from_url_with("s3://no-such-bucket/x", settings(moto.endpoint())).unwrap();
    let err = absent.put(b"anything").await.unwrap_err();
    assert!(matches!(err, BlobError::Unavailable { .. }), "{err:?}");
    let err = absent.get(&d).await.unwrap_err();
    assert!(matches!(err, BlobError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("NoSuchBucket"), "{err}");
    drop(moto);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable() {
    // Nothing listens on this port.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let store =
        BlobStore::from_url_with(&format!("s3://{BUCKET}/{PREFIX}"), settings(endpoint)).unwrap();
    let started = Instant::now();
    for err in [
        store.put(b"%PDF-1.7").await.unwrap_err(),
        store.get(&"a".repeat(64)).await.unwrap_err(),
        store.exists(&"a".repeat(64)).await.unwrap_err(),
    ] {
        assert!(matches!(err, BlobError::Unavailable { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("文件存储（S3 存储桶 {BUCKET}/{PREFIX}")),
            "{message}"
        );
        assert!(message.contains("失败："), "{message}");
        assert!(!message.contains(SECRET), "{message}");
    }
    // A few quick retries, not minutes of them.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
