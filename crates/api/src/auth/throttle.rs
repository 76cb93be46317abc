//! Counts failures (wrong passwords, unknown invite codes) per account and per client address,
//! and refuses further attempts for the rest of the window once either count is used up. Counts
//! live in this process, or, with Redis, in Redis, shared by every instance (falling back to this
//! process's counts while Redis does not answer).
//!
//! Logins use [`FailureThrottle::attempt`], which counts the attempt before the password is
//! hashed (so a burst of concurrent guesses cannot all pass the check) and refunds it on success.
//! The per-account count applies only to addresses the account has not signed in from before:
//! a stranger guessing from elsewhere locks the account for strangers, not for its owner at an
//! address that already proved itself. Known addresses still have the per-address limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config;
use crate::shared::SharedCounters;

/// Above this many tracked keys, expired windows are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

/// How long an address that signed in to an account stays recognised for it.
const RECOGNISED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Most (account, address) pairs remembered; the oldest are forgotten first.
const RECOGNISED_MAX: usize = 100_000;

#[derive(Debug)]
pub struct FailureThrottle {
    limits: config::FailureLimits,
    windows: Mutex<HashMap<String, Window>>,
    recognised: Mutex<HashMap<(String, IpAddr), Instant>>,
    shared: Option<(SharedCounters, &'static str)>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    failures: u32,
    started: Instant,
}

impl FailureThrottle {
    pub fn new(limits: config::FailureLimits) -> Self {
        Self {
            limits,
            windows: Mutex::new(HashMap::new()),
            recognised: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Counts in Redis (under `kind`), shared by every instance, when `counters` are given.
    pub fn shared(mut self, counters: Option<&SharedCounters>, kind: &'static str) -> Self {
        self.shared = counters.map(|c| (c.clone(), kind));
        self
    }

    /// The shared counters, while Redis may be asked, and `key` as named there.
    fn shared_key(&self, key: &str) -> Option<(&SharedCounters, String, &'static str)> {
        self.shared
            .as_ref()
            .filter(|(counters, _)| counters.available())
            .map(|(counters, kind)| (counters, counters.key(kind, key), *kind))
    }

    /// Counts a login attempt now, before the password is checked. `Err(wait)` (and nothing
    /// counted) when the address, or the account from an address it does not recognise, has no
    /// attempts left.
    pub async fn attempt(&self, account: &str, ip: IpAddr) -> Result<(), Duration> {
        if let Some((counters, recognised, kind)) = self.shared_key(&recognised_key(account, ip)) {
            let known = counters.is_marked(&recognised).await;
            let outcome = match known {
                Ok(known) => {
                    let mut keys = vec![(counters.key(kind, &ip_key(ip)), self.limits.per_ip)];
                    if !known {
                        keys.push((
                            counters.key(kind, &account_key(account)),
                            self.limits.per_account,
                        ));
                    }
                    counters.attempt(&keys, self.limits.window).await
                }
                Err(err) => Err(err),
            };
            match outcome {
                Ok(None) => return Ok(()),
                Ok(Some(wait)) => return Err(wait),
                Err(err) => counters.warn(kind, &err),
            }
        }
        self.attempt_here(account, ip)
    }

    fn attempt_here(&self, account: &str, ip: IpAddr) -> Result<(), Duration> {
        let known = self.is_recognised(account, ip);
        let now = Instant::now();
        let mut windows = self.lock();
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < self.limits.window);
        }
        let mut keys = vec![(ip_key(ip), self.limits.per_ip)];
        if !known {
            keys.push((account_key(account), self.limits.per_account));
        }
        let blocked = keys
            .iter()
            .filter_map(|(key, limit)| {
                let window = windows.get(key)?;
                let elapsed = now.duration_since(window.started);
                (elapsed < self.limits.window && window.failures >= *limit)
                    .then(|| self.limits.window - elapsed)
            })
            .max();
        if let Some(wait) = blocked {
            return Err(wait);
        }
        for (key, _) in keys {
            self.count(&mut windows, key, now);
        }
        Ok(())
    }

    /// The password was right: the account's count is cleared, the address gets its attempt
    /// back, and the address is recognised for the account from now on.
    pub async fn succeeded(&self, account: &str, ip: IpAddr) {
        if let Some((counters, recognised, kind)) = self.shared_key(&recognised_key(account, ip)) {
            let done = async {
                counters
                    .forget(&counters.key(kind, &account_key(account)))
                    .await?;
                counters.refund(&counters.key(kind, &ip_key(ip))).await?;
                counters.mark(&recognised, RECOGNISED_FOR).await
            };
            match done.await {
                Ok(()) => return,
                Err(err) => counters.warn(kind, &err),
            }
        }
        self.succeeded_here(account, ip);
    }

    fn succeeded_here(&self, account: &str, ip: IpAddr) {
        {
            let mut windows = self.lock();
            windows.remove(&account_key(account));
            if let Some(window) = windows.get_mut(&ip_key(ip)) {
                window.failures = window.failures.saturating_sub(1);
            }
        }
        let now = Instant::now();
        let mut recognised = self
            .recognised
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if recognised.len() >= RECOGNISED_MAX {
            recognised.retain(|_, at| now.duration_since(*at) < RECOGNISED_FOR);
            if recognised.len() >= RECOGNISED_MAX
                && let Some(oldest) = recognised
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(k, _)| k.clone())
            {
                recognised.remove(&oldest);
            }
        }
        recognised.insert((account_key(account), ip), now);
    }

    fn is_recognised(&self, account: &str, ip: IpAddr) -> bool {
        let recognised = self
            .recognised
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        recognised
            .get(&(account_key(account), ip))
            .is_some_and(|at| at.elapsed() < RECOGNISED_FOR)
    }

    fn count(&self, windows: &mut HashMap<String, Window>, key: String, now: Instant) {
        let window = windows.entry(key).or_insert(Window {
            failures: 0,
            started: now,
        });
        if now.duration_since(window.started) >= self.limits.window {
            *window = Window {
                failures: 0,
                started: now,
            };
        }
        window.failures += 1;
    }

    /// `Err(wait)` when the account or the address has no attempts left.
    pub async fn check(&self, account: &str, ip: IpAddr) -> Result<(), Duration> {
        if let Some((counters, _, kind)) = self.shared_key("") {
            let keys = [
                (
                    counters.key(kind, &account_key(account)),
                    self.limits.per_account,
                ),
                (counters.key(kind, &ip_key(ip)), self.limits.per_ip),
            ];
            match counters.check(&keys).await {
                Ok(None) => return Ok(()),
                Ok(Some(wait)) => return Err(wait),
                Err(err) => counters.warn(kind, &err),
            }
        }
        self.check_here(account, ip)
    }

    fn check_here(&self, account: &str, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let windows = self.lock();
        let blocked = [
            (account_key(account), self.limits.per_account),
            (ip_key(ip), self.limits.per_ip),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let window = windows.get(&key)?;
            let elapsed = now.duration_since(window.started);
            (elapsed < self.limits.window && window.failures >= limit)
                .then(|| self.limits.window - elapsed)
        })
        .max();
        blocked.map_or(Ok(()), Err)
    }

    pub async fn record_failure(&self, account: &str, ip: IpAddr) {
        if let Some((counters, _, kind)) = self.shared_key("") {
            let keys = [
                counters.key(kind, &account_key(account)),
                counters.key(kind, &ip_key(ip)),
            ];
            match counters.count(&keys, self.limits.window).await {
                Ok(()) => return,
                Err(err) => counters.warn(kind, &err),
            }
        }
        self.record_failure_here(account, ip);
    }

    fn record_failure_here(&self, account: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut windows = self.lock();
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < self.limits.window);
        }
        for key in [account_key(account), ip_key(ip)] {
            self.count(&mut windows, key, now);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        // The map holds only counters; a panic elsewhere cannot leave it inconsistent.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn account_key(account: &str) -> String {
    format!("account:{}", account.trim().to_lowercase())
}

fn ip_key(ip: IpAddr) -> String {
    format!("ip:{ip}")
}

fn recognised_key(account: &str, ip: IpAddr) -> String {
    format!("recognised:{}:{ip}", account.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(per_account: u32, per_ip: u32) -> FailureThrottle {
        FailureThrottle::new(config::FailureLimits {
            per_account,
            per_ip,
            window: Duration::from_secs(60),
        })
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn an_account_is_blocked_after_its_failures_and_others_are_not() {
        let t = throttle(3, 100);
        for _ in 0..3 {
            assert!(t.check_here("ada", IP).is_ok());
            t.record_failure_here("ada", IP);
        }
        let wait = t.check_here("ADA", IP).err().unwrap_or_default();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(t.check_here("grace", IP).is_ok());
    }

    #[test]
    fn an_address_is_blocked_across_accounts() {
        let t = throttle(100, 3);
        for name in ["a", "b", "c"] {
            t.record_failure_here(name, IP);
        }
        assert!(t.check_here("d", IP).is_err());
        assert!(
            t.check_here("d", IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)))
                .is_ok()
        );
    }

    #[test]
    fn attempts_are_counted_before_their_outcome_is_known() {
        let t = throttle(3, 100);
        for _ in 0..3 {
            assert!(t.attempt_here("ada", IP).is_ok());
        }
        assert!(
            t.attempt_here("ada", IP).is_err(),
            "the fourth concurrent guess is refused"
        );
    }

    #[test]
    fn success_clears_the_account_count_and_refunds_the_address() {
        let t = throttle(2, 2);
        assert!(t.attempt_here("ada", IP).is_ok());
        t.succeeded_here("ada", IP);
        assert!(t.attempt_here("ada", IP).is_ok());
        assert!(t.attempt_here("ada", IP).is_ok());
    }

    #[test]
    fn a_recognised_address_is_not_locked_out_by_strangers() {
        let t = throttle(2, 100);
        let home = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 7));
        assert!(t.attempt_here("ada", home).is_ok());
        t.succeeded_here("ada", home);
        for _ in 0..2 {
            assert!(t.attempt_here("ada", IP).is_ok());
        }
        assert!(
            t.attempt_here("ada", IP).is_err(),
            "strangers are locked out"
        );
        assert!(
            t.attempt_here("ada", home).is_ok(),
            "the owner's address is not"
        );
    }
}
