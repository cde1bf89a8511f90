//! Per-key request rate limits (SPEC §9).
//!
//! Each API key has a bucket of `burst` requests refilled at `per_second`
//! (the generic cell rate algorithm, from `governor`). A request over the
//! limit is answered 429 `rate_limited` with `Retry-After`, before any work
//! is done, so one noisy or compromised key cannot starve the others or the
//! store. Limits are per hub process: behind a load balancer over `n` hubs a
//! key gets up to `n` times the rate.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// The limiter shared by every request of a hub.
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// `per_second` sustained, `burst` at once, per key (both at least 1;
    /// a zero is read as 1).
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(at_least_one(per_second)).allow_burst(at_least_one(burst));
        RateLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Take one request from `key_id`'s bucket, or say how long to wait.
    pub fn check(&self, key_id: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&key_id.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_and_other_keys_are_unaffected() {
        let limiter = RateLimiter::new(1, 3);
        for _ in 0..3 {
            limiter.check("a").unwrap();
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        limiter.check("b").unwrap();
    }
}
