//! Exponential backoff with full jitter, as the AWS Architecture Blog recommends for retries
//! against throttled services: attempt n waits a random time in `[0, min(cap, base * 2^n)]`.

use std::time::Duration;

use rand::Rng;

/// Retry policy: how many attempts in all and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included (1 = no retry).
    pub attempts: u32,
    /// Wait ceiling before the first retry.
    pub base: Duration,
    /// Largest wait.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 5 attempts, 50 ms base, 1 s cap: at most about 2 s of waiting, well inside an API
    /// Gateway request's 29 s.
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(1),
        }
    }
}

impl Backoff {
    /// No waiting between attempts (tests).
    pub fn immediate(attempts: u32) -> Self {
        Self {
            attempts,
            base: Duration::ZERO,
            cap: Duration::ZERO,
        }
    }

    /// Wait before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(30)))
            .min(self.cap);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }

    /// Sleeps before retry number `retry`.
    pub async fn wait(&self, retry: u32) {
        let d = self.delay(retry);
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_under_the_cap() {
        let b = Backoff {
            attempts: 10,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(100),
        };
        for retry in 0..40 {
            let ceiling = Duration::from_millis(10 * 2u64.pow(retry.min(4))).min(b.cap);
            assert!(b.delay(retry) <= ceiling);
        }
        assert_eq!(Backoff::immediate(3).delay(5), Duration::ZERO);
    }
}
