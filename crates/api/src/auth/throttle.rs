//! Counts failures (wrong passwords, unknown invite codes) per account and per client address,
//! and refuses further attempts for the rest of the window once either count is used up. Counts
//! live in this process; with several instances each keeps its own, which bounds guessing at N
//! times the limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config;

/// Above this many tracked keys, expired windows are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct FailureThrottle {
    limits: config::FailureLimits,
    windows: Mutex<HashMap<String, Window>>,
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
        }
    }

    /// `Err(wait)` when the account or the address has no attempts left.
    pub fn check(&self, account: &str, ip: IpAddr) -> Result<(), Duration> {
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

    pub fn record_failure(&self, account: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut windows = self.lock();
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < self.limits.window);
        }
        for key in [account_key(account), ip_key(ip)] {
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
    }

    /// A correct password clears the account's count (not the address's: one good login must not
    /// reset a guesser working through many accounts).
    pub fn record_success(&self, account: &str) {
        self.lock().remove(&account_key(account));
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
            assert!(t.check("ada", IP).is_ok());
            t.record_failure("ada", IP);
        }
        let wait = t.check("ADA", IP).err().unwrap_or_default();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(t.check("grace", IP).is_ok());
    }

    #[test]
    fn an_address_is_blocked_across_accounts() {
        let t = throttle(100, 3);
        for name in ["a", "b", "c"] {
            t.record_failure(name, IP);
        }
        assert!(t.check("d", IP).is_err());
        assert!(
            t.check("d", IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_account_count() {
        let t = throttle(2, 100);
        t.record_failure("ada", IP);
        t.record_success("ada");
        t.record_failure("ada", IP);
        assert!(t.check("ada", IP).is_ok());
    }
}
