//! Yiyin's content-addressed blob store: uploaded materials, rendered PDFs and archive packages are
//! kept here, each once, under the lowercase hex SM3 digest of its bytes. This crate owns where the
//! bytes live (a local folder, the default, or an S3-compatible bucket, both behind `object_store`),
//! the key layout `<prefix>/ab/cd/<digest>`, the check of every read against its digest, and the
//! sniffing of the kinds of file accepted as materials. It knows nothing of cases or documents: the
//! database keeps which digest belongs to what.
//!
//! The local layout is `<root>/ab/cd/<digest>`, as it has always been, so existing data folders
//! keep working. A local write goes to a staging file beside its final name (`<digest>#<n>`), is
//! synced to disk and only then renamed into place, and the folder is synced too: a blob is never
//! seen half-written and is durable once `put` returns.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use sm3::{Digest, Sm3};

/// The largest file accepted as a material.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// What the blob store says went wrong. The messages are shown to people (Simplified Chinese);
/// none of them ever contains a credential.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Not a digest: exactly 64 hex characters are expected. Storage was not touched.
    #[error("「{0}」不是有效的文件摘要")]
    BadDigest(String),
    /// No blob is stored under this digest.
    #[error("文件 {0} 不存在")]
    NotFound(String),
    /// The stored bytes no longer match their digest.
    #[error("文件 {0} 的内容与摘要不符（已被改动）")]
    Corrupt(String),
    /// The blob URL or the settings beside it are wrong; the message says which and what is expected.
    #[error("{0}")]
    Config(String),
    /// The storage could not be reached, read or written; `cause` is the underlying error, for logs.
    #[error("文件存储（{store}）{action}失败：{cause}")]
    Unavailable {
        /// The store, as [`BlobStore::describe`] says it.
        store: String,
        /// What was being done: 创建, 查询, 读取 or 写入.
        action: &'static str,
        cause: String,
    },
}

/// The content-addressed blob store. Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Prepended to every key (empty for a local folder).
    prefix: Key,
    /// For a person and for logs, without credentials.
    description: String,
}

impl fmt::Debug for BlobStore {
    // By hand: the S3 client's own Debug output would include the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobStore")
            .field("store", &self.description)
            .finish_non_exhaustive()
    }
}

/// How the `--blob-url` setting is named in messages.
const URL_SETTING: &str = "文件存储地址（--blob-url）";
const URL_EXPECTED: &str = "应为 s3://存储桶/前缀、file:///绝对路径 或本地目录";

impl BlobStore {
    /// The local folder (the default): layout `<root>/ab/cd/<digest>`, so existing data folders keep
    /// working. The folder is created when missing.
    pub fn local(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        let description = format!("本地目录 {}", root.display());
        let unavailable = |cause: String| BlobError::Unavailable {
            store: description.clone(),
            action: "创建",
            cause,
        };
        std::fs::create_dir_all(&root).map_err(|e| unavailable(e.to_string()))?;
        let fs = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| unavailable(e.to_string()))?
            .with_fsync(true);
        Ok(Self {
            store: Arc::new(fs),
            prefix: Key::ROOT,
            description,
        })
    }

    /// From a URL: `s3://bucket/optional/prefix`, or `file:///abs/path` or a plain path for a local
    /// folder. For S3 the endpoint, credentials and region come from the environment:
    /// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`) for a server other than Amazon's, `AWS_ACCESS_KEY_ID`
    /// and `AWS_SECRET_ACCESS_KEY` (required; `AWS_SESSION_TOKEN` optional), `AWS_REGION` (or
    /// `AWS_DEFAULT_REGION`, else `us-east-1`), `AWS_ALLOW_HTTP=true` for a plain-http endpoint and
    /// `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true` for servers that only take `bucket.host` requests.
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        Self::from_url_with(url, |name| std::env::var(name).ok())
    }

    /// [`BlobStore::from_url`] with the variables looked up through `var` instead of the process
    /// environment (tests, or settings read from elsewhere).
    pub fn from_url_with(
        url: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, BlobError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(BlobError::Config(format!(
                "{URL_SETTING}为空：{URL_EXPECTED}"
            )));
        }
        let scheme = url.split_once("://").map(|(scheme, _)| scheme).filter(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        let Some(scheme) = scheme else {
            return Self::local(url);
        };
        match scheme.to_ascii_lowercase().as_str() {
            "s3" => Self::s3(url, &var),
            "file" => {
                let parsed = url::Url::parse(url).map_err(|e| invalid_url(url, &e.to_string()))?;
                let path = parsed
                    .to_file_path()
                    .map_err(|()| invalid_url(url, "file:// 后应为本机的绝对路径"))?;
                Self::local(path)
            }
            _ => Err(invalid_url(url, &format!("不支持「{scheme}」"))),
        }
    }

    fn s3(url: &str, var: &impl Fn(&str) -> Option<String>) -> Result<Self, BlobError> {
        let parsed = url::Url::parse(url).map_err(|e| invalid_url(url, &e.to_string()))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            // The URL itself is not repeated: it holds a secret.
            return Err(BlobError::Config(format!(
                "{URL_SETTING}中不能写凭据：请用环境变量 AWS_ACCESS_KEY_ID 与 AWS_SECRET_ACCESS_KEY"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid_url(url, "不能带 ? 或 # 部分"));
        }
        let bucket = parsed.host_str().unwrap_or_default();
        if bucket.is_empty()
            || !bucket
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        {
            return Err(invalid_url(url, "s3:// 后应为存储桶名"));
        }
        let prefix = Key::from_url_path(parsed.path())
            .map_err(|_| invalid_url(url, "前缀中不能有空段、「.」「..」或特殊字符"))?;

        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let allow_http = match var("AWS_ALLOW_HTTP") {
            None => false,
            Some(v) => parse_bool("AWS_ALLOW_HTTP", &v)?,
        };
        let virtual_hosted = match var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST") {
            None => false,
            Some(v) => parse_bool("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", &v)?,
        };
        let (Some(key_id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(BlobError::Config(format!(
                "S3 存储桶 {bucket} 需要凭据：请设置环境变量 AWS_ACCESS_KEY_ID 与 AWS_SECRET_ACCESS_KEY"
            )));
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());

        let mut description = format!("S3 存储桶 {bucket}");
        if !prefix.is_root() {
            description.push('/');
            description.push_str(prefix.as_ref());
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(virtual_hosted)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            )
            // A few quick retries: an unreachable store is reported within seconds, not minutes.
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(2),
                    base: 2.0,
                },
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
            });
        if let Some(token) = var("AWS_SESSION_TOKEN") {
            builder = builder.with_token(token);
        }
        if let Some((name, endpoint)) = var("AWS_ENDPOINT_URL")
            .map(|v| ("AWS_ENDPOINT_URL", v))
            .or_else(|| var("AWS_ENDPOINT").map(|v| ("AWS_ENDPOINT", v)))
        {
            let shown = endpoint_origin(name, &endpoint, allow_http)?;
            description.push_str(&format!("，端点 {shown}"));
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder
            .build()
            .map_err(|e| BlobError::Config(format!("{description} 的设置无效：{e}")))?;
        Ok(Self {
            store: Arc::new(store),
            prefix,
            description,
        })
    }

    /// Stores bytes; returns their SM3 digest, lowercase hex. The same bytes are stored once: a
    /// second put of them is a no-op and succeeds, also when two servers put them at once.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let digest = sm3_hex(bytes);
        let key = self.key(&digest);
        if self.head(&key).await? {
            return Ok(digest);
        }
        // Two servers putting the same bytes at once both write: each write replaces the object
        // atomically (a rename for a local folder) with identical bytes. Conditional writes
        // (`PutMode::Create`) would need hard links locally and are not taken by every
        // S3-compatible server.
        self.store
            .put(&key, PutPayload::from(bytes.to_vec()))
            .await
            .map_err(|e| self.unavailable("写入", e))?;
        Ok(digest)
    }

    /// The bytes of a blob, checked against the digest (changed bytes are [`BlobError::Corrupt`]).
    pub async fn get(&self, digest: &str) -> Result<Vec<u8>, BlobError> {
        let digest = check_digest(digest)?;
        let key = self.key(&digest);
        let bytes = match self.store.get(&key).await {
            Ok(found) => found
                .bytes()
                .await
                .map_err(|e| self.unavailable("读取", e))?,
            // A missing bucket is a wrong setting, not a missing file (S3 says which in the body).
            Err(e @ object_store::Error::NotFound { .. })
                if !causes(&e).contains("NoSuchBucket") =>
            {
                return Err(BlobError::NotFound(digest));
            }
            Err(e) => return Err(self.unavailable("读取", e)),
        };
        if sm3_hex(&bytes) != digest {
            return Err(BlobError::Corrupt(digest));
        }
        Ok(bytes.to_vec())
    }

    /// Whether a blob is stored under this digest (its bytes are not read or checked).
    pub async fn exists(&self, digest: &str) -> Result<bool, BlobError> {
        let digest = check_digest(digest)?;
        self.head(&self.key(&digest)).await
    }

    /// Where the blobs are, for a person and for logs, e.g. 「本地目录 /var/lib/yiyin/blobs」 or
    /// 「S3 存储桶 yiyin/prod」 (then 「，端点 https://…」 when one is set); never credentials.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// `<prefix>/ab/cd/<digest>`; the digest has been checked.
    fn key(&self, digest: &str) -> Key {
        self.prefix
            .clone()
            .join(&digest[..2])
            .join(&digest[2..4])
            .join(digest)
    }

    async fn head(&self, key: &Key) -> Result<bool, BlobError> {
        match self.store.head(key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.unavailable("查询", e)),
        }
    }

    fn unavailable(&self, action: &'static str, e: object_store::Error) -> BlobError {
        BlobError::Unavailable {
            store: self.description.clone(),
            action,
            cause: causes(&e),
        }
    }
}

/// An error and its sources, for logs: object_store's own message stops at "error sending
/// request", the reason (e.g. "Connection refused") is further down the chain.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    // One line for the logs (a server's XML answer comes with line breaks).
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The kinds of file accepted as materials, by their first bytes: (content type, label).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "PDF"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "JPEG"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "PNG"))
    } else if bytes.starts_with(b"PK\x03\x04") {
        // OFD (China's fixed-layout format) and office files are zip containers.
        Some(("application/zip", "OFD/ZIP"))
    } else {
        None
    }
}

fn sm3_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sm3::digest(bytes) {
        hex.push(DIGITS[(b >> 4) as usize] as char);
        hex.push(DIGITS[(b & 0xF) as usize] as char);
    }
    hex
}

/// Exactly 64 hex characters, returned in lowercase (the way keys are written); anything else is
/// refused before storage is touched.
fn check_digest(digest: &str) -> Result<String, BlobError> {
    if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(digest.to_ascii_lowercase());
    }
    // Whatever came in is shown, but not at any length.
    let shown: String = match digest.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &digest[..end]),
        None => digest.to_owned(),
    };
    Err(BlobError::BadDigest(shown))
}

fn invalid_url(url: &str, why: &str) -> BlobError {
    BlobError::Config(format!("{URL_SETTING}「{url}」无效：{why}；{URL_EXPECTED}"))
}

fn parse_bool(name: &str, value: &str) -> Result<bool, BlobError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(BlobError::Config(format!(
            "环境变量 {name}「{value}」无效：应为 true 或 false"
        ))),
    }
}

/// The endpoint's `scheme://host:port`, checked: http(s), no credentials in it, and plain http
/// only when allowed.
fn endpoint_origin(name: &str, endpoint: &str, allow_http: bool) -> Result<String, BlobError> {
    let parsed = url::Url::parse(endpoint).ok().filter(|u| u.has_host());
    let Some(parsed) = parsed else {
        return Err(BlobError::Config(format!(
            "环境变量 {name} 无效：应为 https://主机[:端口] 形式的地址"
        )));
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(BlobError::Config(format!(
            "环境变量 {name} 中不能写凭据：请用 AWS_ACCESS_KEY_ID 与 AWS_SECRET_ACCESS_KEY"
        )));
    }
    let origin = parsed.origin().ascii_serialization();
    match parsed.scheme() {
        "https" => Ok(origin),
        "http" if allow_http => Ok(origin),
        "http" => Err(BlobError::Config(format!(
            "环境变量 {name}「{origin}」是明文 http 地址：确需如此请同时设置 AWS_ALLOW_HTTP=true"
        ))),
        _ => Err(BlobError::Config(format!(
            "环境变量 {name}「{origin}」无效：应为 http:// 或 https:// 地址"
        ))),
    }
}

#[cfg(test)]
mod tests;
