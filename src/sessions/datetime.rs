//! Python `datetime` values as sessions store them: aware or naive, `isoformat()` and
//! `datetime.fromisoformat()` (Python 3.11+ rules, as Django 4.1+ uses them).

use std::fmt;

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A Python `datetime`: aware (with a UTC offset) or naive.
///
/// ```
/// use djsign::sessions::PyDateTime;
/// let d = PyDateTime::from_isoformat("2026-01-02T04:04:05.678901+00:00").unwrap();
/// assert_eq!(d.to_string(), "2026-01-02T04:04:05.678901+00:00");
/// assert_eq!(PyDateTime::from_isoformat("2026-01-03").unwrap().to_string(), "2026-01-03T00:00:00");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyDateTime {
    /// With a UTC offset (`USE_TZ = True`).
    Aware(OffsetDateTime),
    /// Without (`USE_TZ = False`: local time).
    Naive(PrimitiveDateTime),
}

/// Why a date-time string was refused (Python: `ValueError: Invalid isoformat string`).
///
/// ```
/// let e = djsign::sessions::PyDateTime::from_isoformat("2026-13-01").unwrap_err();
/// assert_eq!(e.0, "2026-13-01");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsoFormatError(pub String);

impl fmt::Display for IsoFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid isoformat string: {:?}", self.0)
    }
}

impl std::error::Error for IsoFormatError {}

/// Mixing naive and aware date-times (Python: `TypeError: can't subtract offset-naive and
/// offset-aware datetimes`).
///
/// ```
/// use djsign::sessions::PyDateTime;
/// let aware = PyDateTime::from_isoformat("2026-01-01T00:00:00+00:00").unwrap();
/// let naive = PyDateTime::from_isoformat("2026-01-01T00:00:00").unwrap();
/// assert!(aware.minus(&naive).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NaiveAwareMix;

impl fmt::Display for NaiveAwareMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("can't mix offset-naive and offset-aware datetimes")
    }
}

impl std::error::Error for NaiveAwareMix {}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |a, &d| {
        a.checked_mul(10)?.checked_add((d - b'0') as u32)
    })
}

/// Parses `HH[:MM[:SS[.f…]]]` or the compact `HH[MM[SS[.f…]]]` (fractions of any length,
/// truncated to microseconds).
fn parse_time(s: &[u8]) -> Option<Time> {
    let (main, frac) = match s.iter().position(|&c| c == b'.' || c == b',') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let parts: Vec<&[u8]> = if main.contains(&b':') {
        main.split(|&c| c == b':').collect()
    } else {
        main.chunks(2).collect()
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    if frac.is_some() && parts.len() != 3 {
        return None;
    }
    let h = digits(parts[0])?;
    let m = parts.get(1).map_or(Some(0), |p| digits(p))?;
    let sec = parts.get(2).map_or(Some(0), |p| digits(p))?;
    let micro = match frac {
        None => 0,
        Some(f) if f.is_empty() || !f.iter().all(u8::is_ascii_digit) => return None,
        Some(f) => {
            let mut v = 0u32;
            for k in 0..6 {
                v = v * 10 + f.get(k).map_or(0, |d| (d - b'0') as u32);
            }
            v
        }
    };
    Time::from_hms_micro(h as u8, m as u8, sec as u8, micro).ok()
}

fn parse_offset(s: &[u8]) -> Option<UtcOffset> {
    if s == b"Z" {
        return Some(UtcOffset::UTC);
    }
    let sign = match s.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let t = parse_time(&s[1..])?;
    if t.nanosecond() != 0 {
        return None;
    }
    let secs = sign * (t.hour() as i32 * 3600 + t.minute() as i32 * 60 + t.second() as i32);
    UtcOffset::from_whole_seconds(secs).ok()
}

fn parse_date(s: &[u8]) -> Option<Date> {
    let (y, m, d) = match s.len() {
        10 if s[4] == b'-' && s[7] == b'-' => (&s[..4], &s[5..7], &s[8..10]),
        8 => (&s[..4], &s[4..6], &s[6..8]),
        _ => return None,
    };
    let month = Month::try_from(digits(m)? as u8).ok()?;
    Date::from_calendar_date(digits(y)? as i32, month, digits(d)? as u8).ok()
}

impl PyDateTime {
    /// `datetime.fromisoformat(s)` (Python 3.11+): a date (`YYYY-MM-DD` or `YYYYMMDD`),
    /// optionally a one-character separator and a time with an optional `Z` or `±HH:MM`
    /// offset.
    ///
    /// ```
    /// use djsign::sessions::PyDateTime;
    /// assert!(matches!(PyDateTime::from_isoformat("2026-01-03T00:00:00Z"), Ok(PyDateTime::Aware(_))));
    /// assert!(matches!(PyDateTime::from_isoformat("2026-01-03 00:00"), Ok(PyDateTime::Naive(_))));
    /// assert!(PyDateTime::from_isoformat("not a date").is_err());
    /// ```
    pub fn from_isoformat(s: &str) -> Result<PyDateTime, IsoFormatError> {
        let err = || IsoFormatError(s.to_owned());
        let b = s.as_bytes();
        let date_len = if b.len() >= 10 && b.get(4) == Some(&b'-') {
            10
        } else {
            8.min(b.len())
        };
        let date = parse_date(&b[..date_len]).ok_or_else(err)?;
        let rest = &b[date_len..];
        if rest.is_empty() {
            return Ok(PyDateTime::Naive(PrimitiveDateTime::new(
                date,
                Time::MIDNIGHT,
            )));
        }
        // One separator character (any), then the time and an optional offset.
        let sep_len = s[date_len..].chars().next().map_or(1, char::len_utf8);
        let rest = &rest[sep_len..];
        let off_at = rest
            .iter()
            .position(|&c| c == b'+' || c == b'-' || c == b'Z');
        let (time_part, off_part) = match off_at {
            Some(p) => (&rest[..p], Some(&rest[p..])),
            None => (rest, None),
        };
        let time = parse_time(time_part).ok_or_else(err)?;
        let naive = PrimitiveDateTime::new(date, time);
        match off_part {
            None => Ok(PyDateTime::Naive(naive)),
            Some(o) => Ok(PyDateTime::Aware(
                naive.assume_offset(parse_offset(o).ok_or_else(err)?),
            )),
        }
    }

    /// `self - other` as Python's `timedelta` (`TypeError` when one is naive and the other
    /// aware).
    ///
    /// ```
    /// use djsign::sessions::PyDateTime;
    /// let a = PyDateTime::from_isoformat("2026-01-02T03:04:06+00:00").unwrap();
    /// let b = PyDateTime::from_isoformat("2026-01-02T05:04:05+02:00").unwrap();
    /// assert_eq!(a.minus(&b).unwrap(), time::Duration::seconds(1));
    /// ```
    pub fn minus(&self, other: &PyDateTime) -> Result<Duration, NaiveAwareMix> {
        match (self, other) {
            (PyDateTime::Aware(a), PyDateTime::Aware(b)) => Ok(*a - *b),
            (PyDateTime::Naive(a), PyDateTime::Naive(b)) => Ok(*a - *b),
            _ => Err(NaiveAwareMix),
        }
    }

    /// `self + timedelta`.
    ///
    /// ```
    /// use djsign::sessions::PyDateTime;
    /// let a = PyDateTime::from_isoformat("2026-01-02T00:00:00").unwrap();
    /// assert_eq!(a.plus(time::Duration::hours(1)).to_string(), "2026-01-02T01:00:00");
    /// ```
    pub fn plus(&self, d: Duration) -> PyDateTime {
        match self {
            PyDateTime::Aware(a) => PyDateTime::Aware(a.saturating_add(d)),
            PyDateTime::Naive(n) => PyDateTime::Naive(n.saturating_add(d)),
        }
    }
}

impl PyDateTime {
    /// Python's `isoformat(sep)`; `str(datetime)` is `isoformat(" ")`.
    ///
    /// ```
    /// use djsign::sessions::PyDateTime;
    /// let d = PyDateTime::from_isoformat("2026-01-02T03:04:05.5+01:00").unwrap();
    /// assert_eq!(d.isoformat(' '), "2026-01-02 03:04:05.500000+01:00");
    /// ```
    pub fn isoformat(&self, sep: char) -> String {
        let (date, time, offset) = match self {
            PyDateTime::Aware(a) => (a.date(), a.time(), Some(a.offset())),
            PyDateTime::Naive(n) => (n.date(), n.time(), None),
        };
        let mut out = format!(
            "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
            date.year(),
            date.month() as u8,
            date.day(),
            time.hour(),
            time.minute(),
            time.second()
        );
        if time.microsecond() != 0 {
            out += &format!(".{:06}", time.microsecond());
        }
        if let Some(o) = offset {
            let total = o.whole_seconds();
            let sign = if total < 0 { '-' } else { '+' };
            let t = total.unsigned_abs();
            out += &format!("{sign}{:02}:{:02}", t / 3600, (t % 3600) / 60);
            if t % 60 != 0 {
                out += &format!(":{:02}", t % 60);
            }
        }
        out
    }

    /// Python's `replace(microsecond=0, tzinfo=None)`: the wall clock, to the second.
    ///
    /// ```
    /// use djsign::sessions::PyDateTime;
    /// let d = PyDateTime::from_isoformat("2026-01-02T03:04:05.5+01:00").unwrap();
    /// assert_eq!(d.wall_clock_seconds().isoformat(' '), "2026-01-02 03:04:05");
    /// ```
    pub fn wall_clock_seconds(&self) -> PyDateTime {
        let (date, time) = match self {
            PyDateTime::Aware(a) => (a.date(), a.time()),
            PyDateTime::Naive(n) => (n.date(), n.time()),
        };
        let time = time.replace_microsecond(0).unwrap_or(time);
        PyDateTime::Naive(PrimitiveDateTime::new(date, time))
    }
}

impl fmt::Display for PyDateTime {
    /// Python's `isoformat()`: microseconds only when non-zero, offset as `±HH:MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.isoformat('T'))
    }
}

/// The clock reading `now` as Django's `timezone.now()` (aware UTC, microseconds rounded
/// half to even) or, with `USE_TZ = False`, naive (djsign takes local time to be UTC).
///
/// ```
/// let d = djsign::sessions::timezone_now(1700000000.25, true);
/// assert_eq!(d.to_string(), "2023-11-14T22:13:20.250000+00:00");
/// ```
pub fn timezone_now(now: impl Into<crate::UnixTime>, use_tz: bool) -> PyDateTime {
    let now = now.into().as_secs_f64();
    let micros = (now * 1e6).round_ties_even() as i128;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if use_tz {
        PyDateTime::Aware(t)
    } else {
        PyDateTime::Naive(time::PrimitiveDateTime::new(t.date(), t.time()))
    }
}
