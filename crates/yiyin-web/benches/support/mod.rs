//! What the benchmarks share: the server's allocator, reading their command line (`--backend
//! sqlite|postgres`, named values and flags) and the process's memory.

use yiyin_store::Backend;

/// The allocator of the `yiyin` binary, so that the server measured in-process is the one deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A benchmark's command line.
pub struct Args(Vec<String>);

impl Args {
    pub fn read() -> Args {
        Args(std::env::args().collect())
    }

    /// The value after `name`, if given.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .cloned()
    }

    /// The value after `name` read as a number (or whatever `T` parses), else `default`.
    pub fn value<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        self.get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Whether the flag `name` is given.
    #[allow(dead_code)]
    pub fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }

    /// The databases of `--backend sqlite|postgres`; both when not given.
    pub fn backends(&self) -> Vec<Backend> {
        match self.get("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        }
    }
}

/// The memory of this process (the server and the benchmark's client in one), from
/// `/proc/self/smaps_rollup`: its own (anonymous: heap and stacks) and the files it maps (the
/// program, and on SQLite the database pages read through each connection's mapping of the file),
/// each page counted once however many mappings share it (proportional set size).
#[allow(dead_code)]
pub fn memory() -> String {
    let read = |file: &str| std::fs::read_to_string(file).unwrap_or_default();
    let (rollup, status) = (read("/proc/self/smaps_rollup"), read("/proc/self/status"));
    let kb = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
    };
    let mb = |kb: Option<u64>| {
        kb.map_or_else(
            || "?".to_string(),
            |kb| format!("{:.0} MB", kb as f64 / 1024.0),
        )
    };
    let (anon, file) = (kb(&rollup, "Pss_Anon:"), kb(&rollup, "Pss_File:"));
    format!(
        "memory of the process (server and client): {} ({} its own: heap and stacks; {} files mapped: the program and the database's pages), {} threads",
        mb(anon.zip(file).map(|(a, f)| a + f)),
        mb(anon),
        mb(file),
        kb(&status, "Threads:").map_or_else(|| "?".to_string(), |n| n.to_string())
    )
}
