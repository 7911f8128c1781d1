//! The one time type every `*_at` function and store takes: a moment as Django's clock
//! reads it (`time.time()`, a Python float of Unix seconds).
//!
//! Anything that names a moment converts into it: float or integer Unix seconds,
//! [`SystemTime`], [`time::OffsetDateTime`], and a session [`PyDateTime`] (a naive one
//! taken as UTC, as djsign takes Django's local time to be). Fractions are kept as
//! Python's float keeps them, so signing at a converted moment gives Django's timestamp.
//!
//! ```
//! use djsign::{TimestampSigner, UnixTime};
//! let s = TimestampSigner::builder().key("k").build()?;
//! let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_250);
//! assert_eq!(s.sign_at("v", at), s.sign_at("v", 1700000000.25));
//! let dt = time::OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_250_000_000).unwrap();
//! assert_eq!(UnixTime::from(dt).as_secs_f64(), 1700000000.25);
//! # Ok::<(), djsign::Error>(())
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use crate::sessions::PyDateTime;

/// A moment: Unix seconds, as a Python float holds them.
///
/// ```
/// use djsign::UnixTime;
/// assert_eq!(UnixTime::from(5).as_secs_f64(), 5.0);
/// assert!(UnixTime::now().as_secs_f64() > 1.7e9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct UnixTime(f64);

impl UnixTime {
    /// The system clock now (`time.time()`).
    pub fn now() -> UnixTime {
        UnixTime::from(SystemTime::now())
    }

    /// The Unix seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0
    }
}

impl From<f64> for UnixTime {
    fn from(secs: f64) -> UnixTime {
        UnixTime(secs)
    }
}

impl From<i64> for UnixTime {
    fn from(secs: i64) -> UnixTime {
        UnixTime(secs as f64)
    }
}

impl From<i32> for UnixTime {
    fn from(secs: i32) -> UnixTime {
        UnixTime(f64::from(secs))
    }
}

impl From<u32> for UnixTime {
    fn from(secs: u32) -> UnixTime {
        UnixTime(f64::from(secs))
    }
}

impl From<SystemTime> for UnixTime {
    /// As Python's `time.time()`: seconds since the epoch, negative before it.
    fn from(t: SystemTime) -> UnixTime {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => UnixTime(d.as_secs_f64()),
            Err(e) => UnixTime(-e.duration().as_secs_f64()),
        }
    }
}

impl From<time::OffsetDateTime> for UnixTime {
    /// As Python's `datetime.timestamp()` of an aware datetime.
    fn from(t: time::OffsetDateTime) -> UnixTime {
        let micros = t.unix_timestamp_nanos().div_euclid(1000);
        UnixTime(micros as f64 / 1e6)
    }
}

impl From<PyDateTime> for UnixTime {
    /// An aware datetime's moment; a naive one read as UTC.
    fn from(t: PyDateTime) -> UnixTime {
        match t {
            PyDateTime::Aware(a) => UnixTime::from(a),
            PyDateTime::Naive(n) => UnixTime::from(n.assume_utc()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::timezone_now;

    /// Every way of naming a moment gives the same Unix seconds, and a session datetime
    /// survives the trip through `UnixTime` to the microsecond (what Django stores).
    #[test]
    fn every_form_of_a_moment_agrees() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let micros = (x % 4_000_000_000_000_000) as i64 - 1_000_000_000_000_000;
            let aware =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap();
            let secs = UnixTime::from(aware).as_secs_f64();
            assert_eq!(secs, micros as f64 / 1e6);
            for use_tz in [true, false] {
                let py = timezone_now(secs, use_tz);
                assert_eq!(UnixTime::from(py), UnixTime::from(secs), "{micros}");
                assert_eq!(timezone_now(UnixTime::from(py), use_tz), py, "{micros}");
            }
        }
        let before = UNIX_EPOCH - std::time::Duration::from_millis(1500);
        assert_eq!(UnixTime::from(before).as_secs_f64(), -1.5);
        assert_eq!(UnixTime::from(1_700_000_000i64), UnixTime::from(1.7e9));
    }
}
