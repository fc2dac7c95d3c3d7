//! Outside systems as real processes for the tests (the SMS gateway speaking Yiyin's contract, an
//! SMTP server): a Python script started on a free port with a log file of its own, waited for until
//! it prints "ready", killed by its id when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A process of the test's own, killed (by its id) when dropped, its folder removed.
pub struct Process {
    child: Child,
    pub log: PathBuf,
    pub port: u16,
    dir: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port()
}

/// Starts the Python script at `path` as `python3 path PORT LOG extra…`, waiting for its "ready".
pub fn start_script(path: &str, extra: &[&str]) -> Process {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("yiyin-process-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    let log = dir.join("log.jsonl");
    let port = free_port();
    let mut child = Command::new("python3")
        .arg(path)
        .arg(port.to_string())
        .arg(&log)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the script speaks");
    assert_eq!(line.trim(), "ready", "{path} did not start");
    Process {
        child,
        log,
        port,
        dir,
    }
}

impl Process {
    /// Every line of its log, as JSON.
    pub fn lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }
}

/// The entry of npm's `oidc-provider` that `tests/clients/oidc_provider.mjs` runs, where
/// `scripts/test` installed it: `$YIYIN_OIDC_PROVIDER_DIR`, else `oidc-provider` in the build
/// folder of the running test binary. Fails the test, saying how to install it, when it is missing.
pub fn oidc_provider_module() -> String {
    let dir = std::env::var("YIYIN_OIDC_PROVIDER_DIR").unwrap_or_else(|_| {
        let exe = std::env::current_exe().expect("test binary");
        // <target>/debug/deps/<test>-…
        let target = exe.ancestors().nth(3).expect("target folder");
        target.join("oidc-provider").to_string_lossy().into_owned()
    });
    let module = format!("{dir}/node_modules/oidc-provider/lib/index.js");
    assert!(
        std::path::Path::new(&module).exists(),
        "oidc-provider is not installed at {dir} (scripts/test installs it: npm install --prefix {dir} oidc-provider@9.13.3)"
    );
    module
}
