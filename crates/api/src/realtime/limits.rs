//! Send rate limits, per user, shared by REST and the gateway.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Debug)]
pub struct SendLimiter {
    limiter: DefaultKeyedRateLimiter<Uuid>,
    clock: DefaultClock,
}

impl SendLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `rate_limited` with the wait when the user has sent too much too fast.
    pub fn check(&self, user_id: Uuid) -> AppResult<()> {
        self.limiter.check_key(&user_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::rate_limited(wait.as_secs_f64().ceil() as u64)
        })?;
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
