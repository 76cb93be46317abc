//! Rate limits keyed by who acts (a user, an address): message sends and edits, group
//! conversations, icon uploads, registrations. GCRA through `governor`, without a timer per key.
//! And [`BlockingPool`], which bounds expensive blocking work (password hashes, image decodes).

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::{AppError, AppResult};
use crate::shared::SharedCounters;

/// Above this many tracked keys, keys whose budget is full again are forgotten.
const RETAIN_ABOVE: usize = 100_000;

/// A GCRA quota per key: in this process, or (with Redis) shared by every instance, falling
/// back to this process's count while Redis does not answer.
#[derive(Debug)]
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>,
    clock: DefaultClock,
    /// One event per `interval`, with bursts of up to `tolerance / interval + 1`.
    interval: Duration,
    tolerance: Duration,
    shared: Option<(SharedCounters, &'static str)>,
}

impl<K: Hash + Eq + Clone + std::fmt::Display> KeyedLimiter<K> {
    /// `per_second` sustained, up to `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let interval = Duration::from_secs(1) / rate.get();
        Self::with_quota(Quota::per_second(rate), interval, burst)
    }

    /// `count` per `period`, all of which may be used at once.
    pub fn per_period(count: u32, period: Duration) -> Self {
        let count = count.max(1);
        let every = (period / count).max(Duration::from_nanos(1));
        let quota = Quota::with_period(every).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        Self::with_quota(quota, every, count)
    }

    fn with_quota(quota: Quota, interval: Duration, burst: u32) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(quota.allow_burst(burst)),
            clock: DefaultClock::default(),
            interval,
            tolerance: interval * (burst.get() - 1),
            shared: None,
        }
    }

    /// Counts in Redis (under `kind`), shared by every instance, when `counters` are given.
    pub fn shared(mut self, counters: Option<&SharedCounters>, kind: &'static str) -> Self {
        self.shared = counters.map(|c| (c.clone(), kind));
        self
    }

    /// `rate_limited` with the wait when `key` has used up its budget.
    pub async fn check(&self, key: &K) -> AppResult<()> {
        if let Some((counters, kind)) = self.shared.as_ref().filter(|(c, _)| c.available()) {
            let shared_key = counters.key(kind, &key.to_string());
            match counters
                .gcra(&shared_key, self.interval, self.tolerance)
                .await
            {
                Ok(None) => return Ok(()),
                Ok(Some(wait)) => {
                    return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
                }
                Err(err) => counters.warn(kind, &err),
            }
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::rate_limited(wait.as_secs_f64().ceil() as u64)
        })?;
        if self.limiter.len() > RETAIN_ABOVE {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}

/// Runs blocking work (a password hash, an image decode) off the async workers, on
/// `concurrency` threads of its own. A caller waits at most `queue_wait` for its turn, then gets
/// 503 `unavailable` with Retry-After: a burst costs bounded memory and CPU, not a pile-up.
///
/// Dedicated threads rather than tokio's blocking pool: a hash allocates 19 MiB, and the
/// allocator keeps freed blocks in the arena of the thread that used them, so work spread over
/// many pool threads keeps many such blocks alive. Few long-lived threads keep few.
#[derive(Debug)]
pub struct BlockingPool {
    jobs: std::sync::mpsc::Sender<Job>,
    permits: Semaphore,
    queue_wait: Duration,
}

type Job = Box<dyn FnOnce() + Send>;

impl BlockingPool {
    /// Starts `concurrency` threads named `name-N`; they end when the pool is dropped.
    pub fn new(name: &str, concurrency: usize, queue_wait: Duration) -> std::io::Result<Self> {
        let concurrency = concurrency.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
                            queue.recv()
                        };
                        let Ok(job) = job else { return };
                        // A panicking job must not take the thread with it.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })?;
        }
        Ok(Self {
            jobs,
            permits: Semaphore::new(concurrency),
            queue_wait,
        })
    }

    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = tokio::time::timeout(self.queue_wait, self.permits.acquire())
            .await
            .map_err(|_| AppError::unavailable(1))?
            .map_err(AppError::internal)?;
        let (done, outcome) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| AppError::internal(anyhow::anyhow!("the worker threads are gone")))?;
        let outcome = outcome
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("a blocking job panicked")));
        drop(permit);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_beyond_the_queue_wait_is_told_to_come_back() {
        let pool = BlockingPool::new("test", 1, Duration::from_millis(1)).expect("threads");
        let busy = pool.permits.acquire().await;
        let refused = pool.run(|| 1).await;
        assert!(matches!(refused, Err(e) if e.code() == parley_shared::ErrorCode::Unavailable));
        drop(busy);
        assert_eq!(pool.run(|| 2).await.ok(), Some(2));
    }

    #[tokio::test]
    async fn a_key_gets_its_burst_then_waits_and_others_are_not_affected() {
        let limiter = KeyedLimiter::per_period(2, Duration::from_secs(3600));
        assert!(limiter.check(&"a").await.is_ok() && limiter.check(&"a").await.is_ok());
        let refused = limiter.check(&"a").await.err();
        assert!(refused.is_some_and(|e| e.retry_after.is_some_and(|s| s > 1000)));
        assert!(limiter.check(&"b").await.is_ok());
    }
}
