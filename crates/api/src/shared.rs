//! Counters every instance shares through Redis, for the limits that must hold across instances
//! (send and edit rates, login and invite throttles, registrations, uploads). Each operation is
//! one Lua script, so it is atomic and one round trip. Redis time is used, so instances with
//! slightly different clocks count alike.
//!
//! Callers fall back to their own in-process counters when Redis does not answer: a limit is
//! then per instance for a while, which is what it was before Redis, never no limit at all.
//! After a failure Redis is not asked again for a few seconds, so an outage costs requests one
//! short timeout, not one each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

/// GCRA: the key holds the theoretical arrival time (ms). Allowed when now >= tat - tolerance;
/// then tat moves on by one interval. Returns 0, or how many ms to wait.
const GCRA: &str = r"
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if now < tat - tolerance then return tat - tolerance - now end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', math.max(1, next - now + tolerance))
return 0
";

/// Fixed windows: refuse (returning the ms until the fullest window ends) when any key has
/// reached its limit; otherwise count one on each. ARGV: window ms, then a limit per key.
const WINDOW_ATTEMPT: &str = r"
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local left = redis.call('PTTL', key)
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
return 0
";

/// Counts one on each key, whatever their counts. ARGV: window ms.
const WINDOW_COUNT: &str = r"
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, tonumber(ARGV[1])) end
end
return 0
";

/// The ms until the fullest of the keys' windows ends, 0 when none is at its limit.
const WINDOW_CHECK: &str = r"
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i]) then
    local left = redis.call('PTTL', key)
    if left > wait then wait = left end
  end
end
return wait
";

/// Gives back one count, if there is one.
const REFUND: &str = r"
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
";

#[derive(Clone)]
pub struct SharedCounters {
    connection: ConnectionManager,
    namespace: Arc<str>,
    gcra: Arc<Script>,
    window_attempt: Arc<Script>,
    window_count: Arc<Script>,
    window_check: Arc<Script>,
    refund: Arc<Script>,
    /// When a failure was last logged (seconds since the epoch), so an outage logs once a
    /// minute, not once a request.
    last_warned: Arc<AtomicU64>,
    /// Until when (ms since the epoch) Redis is not asked, after a failure.
    resting_until: Arc<AtomicU64>,
}

/// How long Redis is left alone after it failed to answer.
const REST_AFTER_FAILURE: Duration = Duration::from_secs(3);

impl std::fmt::Debug for SharedCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCounters")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

pub type SharedResult<T> = Result<T, redis::RedisError>;

impl SharedCounters {
    /// Connects lazily (and reconnects by itself); never fails for Redis being down.
    pub fn new(url: &str, namespace: &str) -> anyhow::Result<Self> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(Duration::from_millis(300)))
            .set_response_timeout(Some(Duration::from_millis(300)));
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            connection,
            namespace: namespace.into(),
            gcra: Arc::new(Script::new(GCRA)),
            window_attempt: Arc::new(Script::new(WINDOW_ATTEMPT)),
            window_count: Arc::new(Script::new(WINDOW_COUNT)),
            window_check: Arc::new(Script::new(WINDOW_CHECK)),
            refund: Arc::new(Script::new(REFUND)),
            last_warned: Arc::new(AtomicU64::new(0)),
            resting_until: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Whether Redis may be asked now (it did not fail in the last few seconds).
    pub fn available(&self) -> bool {
        now_millis() >= self.resting_until.load(Ordering::Relaxed)
    }

    pub fn key(&self, kind: &str, key: &str) -> String {
        format!("{}:limit:{kind}:{key}", self.namespace)
    }

    /// One event under a GCRA quota; `Ok(Some(wait))` when refused.
    pub async fn gcra(
        &self,
        key: &str,
        interval: Duration,
        tolerance: Duration,
    ) -> SharedResult<Option<Duration>> {
        let wait: u64 = self
            .gcra
            .key(key)
            .arg(millis(interval))
            .arg(millis(tolerance))
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }

    /// Counts an attempt on every key unless one of them is at its limit (`Ok(Some(wait))`).
    pub async fn attempt(
        &self,
        keys: &[(String, u32)],
        window: Duration,
    ) -> SharedResult<Option<Duration>> {
        let mut invocation = self.window_attempt.prepare_invoke();
        invocation.arg(millis(window));
        for (key, limit) in keys {
            invocation.key(key).arg(*limit);
        }
        let wait: u64 = invocation
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }

    /// Whether any key is at its limit, counting nothing.
    pub async fn check(&self, keys: &[(String, u32)]) -> SharedResult<Option<Duration>> {
        let mut invocation = self.window_check.prepare_invoke();
        for (key, limit) in keys {
            invocation.key(key).arg(*limit);
        }
        let wait: u64 = invocation
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }

    /// Counts one on each key.
    pub async fn count(&self, keys: &[String], window: Duration) -> SharedResult<()> {
        let mut invocation = self.window_count.prepare_invoke();
        invocation.arg(millis(window));
        for key in keys {
            invocation.key(key);
        }
        invocation
            .invoke_async::<()>(&mut self.connection.clone())
            .await
    }

    pub async fn refund(&self, key: &str) -> SharedResult<()> {
        self.refund
            .key(key)
            .invoke_async::<()>(&mut self.connection.clone())
            .await
    }

    pub async fn forget(&self, key: &str) -> SharedResult<()> {
        redis::cmd("DEL")
            .arg(key)
            .query_async::<()>(&mut self.connection.clone())
            .await
    }

    /// Marks `key` for `ttl`.
    pub async fn mark(&self, key: &str, ttl: Duration) -> SharedResult<()> {
        redis::cmd("SET")
            .arg(key)
            .arg(1)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut self.connection.clone())
            .await
    }

    pub async fn is_marked(&self, key: &str) -> SharedResult<bool> {
        redis::cmd("EXISTS")
            .arg(key)
            .query_async::<bool>(&mut self.connection.clone())
            .await
    }

    /// Notes that Redis did not answer (it is left alone for a few seconds), and logs it at
    /// most once a minute.
    pub fn warn(&self, what: &str, err: &redis::RedisError) {
        self.resting_until
            .store(now_millis() + millis(REST_AFTER_FAILURE), Ordering::Relaxed);
        let now = now_millis() / 1000;
        let last = self.last_warned.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 60
            && self
                .last_warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %err, what, "Redis did not answer; counting in this instance for now");
        }
    }
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
