//! `TimestampSigner`: Django's timestamped signatures and `max_age` (`django/core/signing.py`).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::encoding::base62::{self, Base62Error, Base62Int};
use crate::error::{Error, ErrorKind, Malformed};
use crate::pyjson::MAX_INT_DIGITS;
use crate::version::DjangoVersion;

use super::signer::Signer;

/// Django's `max_age`: whole seconds, fractional seconds, or a duration.
///
/// ```
/// use std::time::Duration;
/// use djsign::MaxAge;
/// assert_eq!(MaxAge::from(10).to_string(), "10");
/// assert_eq!(MaxAge::from(Duration::from_secs(10)).to_string(), "10.0"); // a timedelta
/// assert_eq!(MaxAge::from(10.5).to_string(), "10.5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxAge {
    /// An integer number of seconds (Python `int`).
    Seconds(i64),
    /// A float number of seconds (Python `float`, or `timedelta.total_seconds()`).
    Fractional(f64),
}

impl MaxAge {
    /// The limit in seconds.
    ///
    /// ```
    /// assert_eq!(djsign::MaxAge::Seconds(3).as_secs_f64(), 3.0);
    /// ```
    pub fn as_secs_f64(self) -> f64 {
        match self {
            MaxAge::Seconds(s) => s as f64,
            MaxAge::Fractional(f) => f,
        }
    }
}

impl From<i64> for MaxAge {
    fn from(s: i64) -> Self {
        MaxAge::Seconds(s)
    }
}

impl From<i32> for MaxAge {
    fn from(s: i32) -> Self {
        MaxAge::Seconds(s as i64)
    }
}

impl From<u32> for MaxAge {
    fn from(s: u32) -> Self {
        MaxAge::Seconds(s as i64)
    }
}

impl From<f64> for MaxAge {
    fn from(s: f64) -> Self {
        MaxAge::Fractional(s)
    }
}

impl From<Duration> for MaxAge {
    fn from(d: Duration) -> Self {
        MaxAge::Fractional(d.as_secs_f64())
    }
}

impl fmt::Display for MaxAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxAge::Seconds(s) => write!(f, "{s}"),
            MaxAge::Fractional(x) => f.write_str(&crate::pyjson::float_repr(*x)),
        }
    }
}

/// The current time as Python's `time.time()`: fractional seconds since the epoch.
///
/// ```
/// assert!(djsign::signing::now() > 1.7e9);
/// ```
pub fn now() -> f64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// A verified timestamped value: the value and when it was signed.
///
/// ```
/// use djsign::TimestampSigner;
/// let s = TimestampSigner::builder().key("secret").build()?;
/// let t = s.unsign_timestamp("hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q", None)?;
/// assert_eq!((t.value, t.timestamp.as_i64()), ("hello", Some(1_700_000_000)));
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimestampedValue<'a> {
    /// The signed value.
    pub value: &'a str,
    /// The signing time in seconds since the epoch (base 62 on the wire, any size).
    pub timestamp: Base62Int,
}

/// Django's `TimestampSigner`: `value:timestamp:signature`, where the timestamp is
/// base 62 of the signing second and the signature covers `value:timestamp`.
///
/// Every operation has an `_at` form that takes the clock reading (`time.time()`), so
/// callers and tests can pin the time.
///
/// ```
/// use djsign::{MaxAge, TimestampSigner};
/// let s = TimestampSigner::builder().key("secret").build()?;
/// let token = s.sign_at("hello", 1700000000.25);
/// assert_eq!(token, "hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q");
/// assert_eq!(s.unsign_at(&token, Some(MaxAge::Seconds(10)), 1700000010.0)?, "hello");
/// let err = s.unsign_at(&token, Some(MaxAge::Seconds(10)), 1700000010.5).unwrap_err();
/// assert!(err.is_expired());
/// assert_eq!(err.to_string(), "signature expired: signature age 10.5 > 10 seconds");
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TimestampSigner {
    signer: Signer,
}

impl TimestampSigner {
    pub(crate) fn from_signer(signer: Signer) -> Self {
        TimestampSigner { signer }
    }

    /// The underlying [`Signer`] (same key, salt and separator).
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// assert_eq!(s.signer().sep(), ":");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Signs `value` with the current time.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// assert_eq!(s.unsign(&s.sign("v"), Some(60.into()))?, "v");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign(&self, value: &str) -> String {
        self.sign_at(value, now())
    }

    /// Signs `value` as if the clock read `now` (seconds since the epoch; the timestamp is
    /// `int(now)`).
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("secret").build()?;
    /// assert!(s.sign_at("v", 1700000000.999).starts_with("v:1r31eq:"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_at(&self, value: &str, now: impl Into<crate::UnixTime>) -> String {
        let now = now.into().as_secs_f64();
        let mut out = String::with_capacity(value.len() + 2 * self.signer.sep.len() + 12 + 86);
        out.push_str(value);
        self.seal_at(&mut out, 0, now);
        out
    }

    /// Timestamps and signs `out[from..]` in place: appends `sep + timestamp`, then
    /// `sep + signature` of everything from `from`.
    pub(crate) fn seal_at(&self, out: &mut String, from: usize, now: f64) {
        out.push_str(&self.signer.sep);
        base62::encode_into(now.trunc() as i64, out);
        self.signer.seal(out, from);
    }

    /// Verifies `signed` against the current time; see [`unsign_at`](Self::unsign_at).
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// assert!(s.unsign("v:1:x", None).unwrap_err().is_bad_signature());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign<'a>(&self, signed: &'a str, max_age: Option<MaxAge>) -> Result<&'a str, Error> {
        self.unsign_at(signed, max_age, now())
    }

    /// Verifies `signed` as Django's `TimestampSigner.unsign(value, max_age)` with the
    /// clock reading `now`: the signature first (key, then fallback keys), then the
    /// timestamp is decoded (always), then, if `max_age` is given, `now - timestamp >
    /// max_age` means expired. Timestamps in the future are accepted.
    ///
    /// ```
    /// use djsign::{MaxAge, TimestampSigner};
    /// let s = TimestampSigner::builder().key("secret").build()?;
    /// let t = s.sign_at("v", 1700000000.25);
    /// assert!(s.unsign_at(&t, Some(MaxAge::Seconds(0)), 1700000000.0).is_ok());
    /// assert!(s.unsign_at(&t, Some(MaxAge::Seconds(0)), 1700000000.5).is_err());
    /// assert!(s.unsign_at(&t, Some(MaxAge::Seconds(10)), 1699990000.0).is_ok()); // future
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<MaxAge>,
        now: impl Into<crate::UnixTime>,
    ) -> Result<&'a str, Error> {
        let now = now.into().as_secs_f64();
        self.unsign_timestamp_at(signed, max_age, now)
            .map(|t| t.value)
    }

    /// [`unsign_timestamp_at`](Self::unsign_timestamp_at) with the current time.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// assert_eq!(s.unsign_timestamp(&s.sign("v"), None)?.value, "v");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_timestamp<'a>(
        &self,
        signed: &'a str,
        max_age: Option<MaxAge>,
    ) -> Result<TimestampedValue<'a>, Error> {
        self.unsign_timestamp_at(signed, max_age, now())
    }

    /// Like [`unsign_at`](Self::unsign_at), also returning the timestamp.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// let token = s.sign_at("v", 62.5);
    /// let t = s.unsign_timestamp_at(&token, None, 0.0)?;
    /// assert_eq!(t.timestamp.as_i64(), Some(62));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_timestamp_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<MaxAge>,
        now: impl Into<crate::UnixTime>,
    ) -> Result<TimestampedValue<'a>, Error> {
        let now = now.into().as_secs_f64();
        let result = self.signer.unsign(signed)?;
        let sep = &*self.signer.sep;
        let at = super::signer::rfind_sep(result, sep)
            .ok_or_else(|| Error::from(Malformed::MissingTimestamp))?;
        let (value, ts) = (&result[..at], &result[at + sep.len()..]);
        let timestamp = base62::decode(ts).map_err(Malformed::Timestamp)?;
        if self.signer.version < DjangoVersion::V4_0 && timestamp.decimal_digits() > MAX_INT_DIGITS
        {
            // Django <= 3.2 decoded base 62 through a decimal string and `int()`, which
            // refuses more than 4300 digits.
            return Err(Malformed::Timestamp(Base62Error::TooLong).into());
        }
        if let Some(max_age) = max_age {
            let ts = timestamp.as_f64().ok_or(Malformed::TimestampOverflow)?;
            let age = now - ts;
            let expired = match max_age {
                MaxAge::Seconds(s) => age > s as f64,
                MaxAge::Fractional(f) => age > f,
            };
            if expired {
                return Err(ErrorKind::Expired { age, max_age }.into());
            }
        }
        Ok(TimestampedValue { value, timestamp })
    }
}
