//! Password hashing off the async executor, bounded. Argon2id needs 19 MiB for each hash or check,
//! so never more run at once in the process than there are cores, each on one of as many long-lived
//! threads (an allocator keeps what a thread freed: a fresh blocking thread per check would each
//! keep its 19 MiB), and a login waits at most [`WAIT`] for a free core before it is answered that
//! the server is busy. A flood of logins thus slows logins down but cannot fill the memory.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

use crate::error::{AppError, Result};

/// How long a hash waits for a free core before the server answers that it is busy (503 with
/// `Retry-After`).
pub const WAIT: Duration = Duration::from_secs(10);

/// What a busy answer asks the client to wait, in seconds.
const RETRY_AFTER_SECS: u64 = 5;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, one per core, and the permits that keep them from queueing.
struct Pool {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for i in 0..cores {
        let queue = queue.clone();
        std::thread::Builder::new()
            .name(format!("yiyin-hashing-{i}"))
            .spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A panicking hash is answered as an internal error; the thread goes on.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            })
            .expect("a password hashing thread");
    }
    Pool {
        permits: Arc::new(Semaphore::new(cores)),
        jobs,
    }
});

/// Runs `work` (a password hash or check) on a hashing thread once one is free, waiting at most
/// [`WAIT`]; the permit goes with the work, so a client that hangs up frees no core early.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let permit = tokio::time::timeout(WAIT, POOL.permits.clone().acquire_owned())
        .await
        .map_err(|_| {
            tracing::warn!("password hashing saturated: answering busy");
            AppError::Busy {
                retry_after_secs: RETRY_AFTER_SECS,
            }
        })?
        .map_err(AppError::internal)?;
    let (done, answer) = oneshot::channel();
    POOL.jobs
        .send(Box::new(move || {
            let out = work();
            drop(permit);
            let _ = done.send(out);
        }))
        .map_err(AppError::internal)?;
    answer
        .await
        .map_err(|_| AppError::internal("password hashing failed"))
}
