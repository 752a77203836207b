//! Fault injection for the reliability tests of the event pipeline: a seeded share of PutEvents
//! and GetRecommendations calls is answered with an error before anything is stored, so a
//! retried call is the only way the data gets in. The faults can be changed while the server
//! runs ([`Injector::set`]), so a test can open and close an outage.

use std::sync::Mutex;

use crate::error::{ApiError, ErrorKind};

/// Which error an injected fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultKind {
    /// `ThrottlingException`, HTTP 400 (retryable for the SDKs).
    #[default]
    Throttling,
    /// `InternalFailure`, HTTP 500.
    Internal,
    /// `ServiceUnavailable`, HTTP 503: the whole service is down (share 1.0).
    Unavailable,
}

impl std::str::FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "throttling" => Ok(Self::Throttling),
            "internal" => Ok(Self::Internal),
            "unavailable" => Ok(Self::Unavailable),
            other => Err(format!(
                "unknown fault kind {other:?}: use throttling, internal or unavailable"
            )),
        }
    }
}

/// Share of calls to fail, per operation family.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    /// Share (0.0..=1.0) of PutEvents calls that fail.
    pub put_events: f64,
    /// Share (0.0..=1.0) of GetRecommendations / GetPersonalizedRanking calls that fail.
    pub get_recommendations: f64,
    /// The error answered.
    pub kind: FaultKind,
    /// Seed of the draw, so a failing run can be replayed.
    pub seed: u64,
}

/// The seeded draw (splitmix64: tiny, and reproducible across platforms).
#[derive(Debug)]
pub struct Injector {
    /// The faults in force and the draw's state.
    state: Mutex<(Faults, u64)>,
}

/// Which call is asking.
#[derive(Debug, Clone, Copy)]
pub enum Call {
    /// PutEvents.
    PutEvents,
    /// GetRecommendations / GetPersonalizedRanking.
    GetRecommendations,
}

impl Injector {
    /// An injector for `faults`.
    pub fn new(faults: Faults) -> Self {
        Self {
            state: Mutex::new((faults, faults.seed)),
        }
    }

    /// Replaces the faults in force (the draw restarts from the new seed): later calls see
    /// them, calls already answered are not affected.
    pub fn set(&self, faults: Faults) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = (faults, faults.seed);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// `Err` when this call is to fail.
    pub fn check(&self, call: Call) -> Result<(), ApiError> {
        let faults = {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (faults, s) = &mut *guard;
            let share = match call {
                Call::PutEvents => faults.put_events,
                Call::GetRecommendations => faults.get_recommendations,
            };
            if share <= 0.0 {
                return Ok(());
            }
            *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let draw = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
            if draw >= share {
                return Ok(());
            }
            *faults
        };
        Err(match faults.kind {
            FaultKind::Throttling => {
                ApiError::new(ErrorKind::Throttling, "Rate exceeded (injected fault)")
            }
            FaultKind::Internal => {
                ApiError::new(ErrorKind::Internal, "Internal failure (injected fault)")
            }
            FaultKind::Unavailable => ApiError::new(
                ErrorKind::Unavailable,
                "Service unavailable (injected fault)",
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(faults: Faults, n: usize) -> Vec<bool> {
        let inj = Injector::new(faults);
        (0..n)
            .map(|_| inj.check(Call::PutEvents).is_err())
            .collect()
    }

    #[test]
    fn share_is_respected_and_reproducible() {
        let f = Faults {
            put_events: 0.3,
            seed: 42,
            ..Faults::default()
        };
        let a = failures(f, 10_000);
        let share = a.iter().filter(|x| **x).count() as f64 / a.len() as f64;
        assert!((share - 0.3).abs() < 0.03, "share {share}");
        assert_eq!(a, failures(f, 10_000));
        let other = failures(Faults { seed: 43, ..f }, 10_000);
        assert_ne!(a, other);
    }

    #[test]
    fn zero_and_one_are_exact() {
        assert!(failures(Faults::default(), 1000).iter().all(|x| !x));
        let all = Faults {
            put_events: 1.0,
            kind: FaultKind::Internal,
            ..Faults::default()
        };
        assert!(failures(all, 1000).iter().all(|x| *x));
        let inj = Injector::new(all);
        assert!(inj.check(Call::GetRecommendations).is_ok());
        assert_eq!(
            inj.check(Call::PutEvents).unwrap_err().kind,
            ErrorKind::Internal
        );
    }

    #[test]
    fn kind_parses() {
        assert_eq!("internal".parse::<FaultKind>(), Ok(FaultKind::Internal));
        assert_eq!(
            "unavailable".parse::<FaultKind>(),
            Ok(FaultKind::Unavailable)
        );
        let err = "boom".parse::<FaultKind>().unwrap_err();
        assert!(err.contains("unavailable"), "{err}");
    }

    #[test]
    fn an_outage_opens_and_closes_while_running() {
        let inj = Injector::new(Faults::default());
        assert!(inj.check(Call::PutEvents).is_ok());
        let outage = Faults {
            put_events: 1.0,
            kind: FaultKind::Unavailable,
            ..Faults::default()
        };
        inj.set(outage);
        assert_eq!(inj.faults(), outage);
        let err = inj.check(Call::PutEvents).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(err.kind.status(crate::error::Service::Events).as_u16(), 503);
        assert!(inj.check(Call::GetRecommendations).is_ok());
        inj.set(Faults::default());
        assert!(inj.check(Call::PutEvents).is_ok());
    }
}
