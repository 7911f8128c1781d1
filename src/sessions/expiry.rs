//! Django's session expiry rules (`SessionBase.get_expiry_age`, `get_expiry_date`,
//! `get_expire_at_browser_close`, `set_expiry`; `django/contrib/sessions/backends/base.py`).
//!
//! Custom expiry lives inside the session data under `_session_expiry`: nothing (the global
//! policy), a number of seconds, `0` (expire at browser close) or, from Django 4.1, an
//! ISO 8601 date-time string.

use std::fmt;

use time::Duration;

use super::datetime::{IsoFormatError, NaiveAwareMix, PyDateTime};
use crate::pyjson::Value;
use crate::version::DjangoVersion;

/// The session key holding custom expiry.
///
/// ```
/// assert_eq!(djsign::sessions::EXPIRY_KEY, "_session_expiry");
/// ```
pub const EXPIRY_KEY: &str = "_session_expiry";

/// Why an expiry computation failed the way Django's would.
///
/// ```
/// use djsign::{pyjson::Value, sessions::{get_expiry_age, ExpiryError, PyDateTime}, DjangoVersion};
/// let now = PyDateTime::from_isoformat("2026-01-01T00:00:00+00:00").unwrap();
/// let bad = Value::from("tomorrow");
/// assert!(matches!(get_expiry_age(Some(&bad), now, 300, DjangoVersion::LATEST), Err(ExpiryError::InvalidDate(_))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpiryError {
    /// A stored date string Python cannot parse (`ValueError`).
    InvalidDate(IsoFormatError),
    /// A naive stored date compared with an aware clock or the reverse (`TypeError`).
    NaiveAware(NaiveAwareMix),
    /// A stored value that is not a number where Django adds it to a date (`TypeError`).
    NotANumber,
    /// Django before 4.1 cannot store a date with the JSON serializer (`TypeError:
    /// Object of type datetime is not JSON serializable` at save time).
    DateNotSerializable,
}

impl fmt::Display for ExpiryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpiryError::InvalidDate(e) => write!(f, "{e}"),
            ExpiryError::NaiveAware(e) => write!(f, "{e}"),
            ExpiryError::NotANumber => f.write_str("session expiry is not a number of seconds"),
            ExpiryError::DateNotSerializable => f.write_str(
                "Django before 4.1 cannot save a date expiry with the JSON serializer (Object of type datetime is not JSON serializable)",
            ),
        }
    }
}

impl std::error::Error for ExpiryError {}

impl ExpiryError {
    /// The Python exception Django raises in this case.
    ///
    /// ```
    /// assert_eq!(djsign::sessions::ExpiryError::NotANumber.python_exception(), "TypeError");
    /// ```
    pub fn python_exception(&self) -> &'static str {
        match self {
            ExpiryError::InvalidDate(_) => "ValueError",
            _ => "TypeError",
        }
    }
}

/// What `get_expiry_age` returns: whole seconds, or (for stored values that are not dates)
/// the stored value itself, as Django returns it unchanged.
///
/// ```
/// use djsign::{pyjson::Value, sessions::ExpiryAge};
/// assert_eq!(ExpiryAge::Stored(Value::Float(10.7)).seconds(), Some(10.7));
/// assert_eq!(ExpiryAge::Seconds(300).seconds(), Some(300.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ExpiryAge {
    /// A computed or default number of seconds.
    Seconds(i64),
    /// The stored `_session_expiry`, returned as it is (a number, `True`, or before 4.1 a
    /// string).
    Stored(Value),
}

impl ExpiryAge {
    /// The age as a number of seconds (`True` is 1), or `None` for a non-numeric value.
    ///
    /// ```
    /// use djsign::{pyjson::Value, sessions::ExpiryAge};
    /// assert_eq!(ExpiryAge::Stored(Value::Bool(true)).seconds(), Some(1.0));
    /// assert_eq!(ExpiryAge::Stored(Value::from("x")).seconds(), None);
    /// ```
    pub fn seconds(&self) -> Option<f64> {
        match self {
            ExpiryAge::Seconds(s) => Some(*s as f64),
            ExpiryAge::Stored(v) => number(v),
        }
    }

    /// `Max-Age` as Django's `set_cookie` writes it: `int(max_age)` from 3.2, the raw
    /// Python `str()` of the number before.
    ///
    /// ```
    /// use djsign::{pyjson::Value, sessions::ExpiryAge, DjangoVersion};
    /// let age = ExpiryAge::Stored(Value::Float(10.7));
    /// assert_eq!(age.max_age_text(DjangoVersion::V4_2).as_deref(), Some("10"));
    /// assert_eq!(age.max_age_text(DjangoVersion::V3_1).as_deref(), Some("10.7"));
    /// ```
    pub fn max_age_text(&self, version: DjangoVersion) -> Option<String> {
        let raw = match self {
            ExpiryAge::Seconds(s) => return Some(s.to_string()),
            ExpiryAge::Stored(v) => v,
        };
        let secs = number(raw)?;
        if version >= DjangoVersion::V3_2 {
            return Some((secs.trunc() as i64).to_string());
        }
        Some(match raw {
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Float(f) => crate::pyjson::float_repr(*f),
            _ => (secs as i64).to_string(),
        })
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::BigInt(b) => Some(b.to_f64()),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(*b as i64 as f64),
        _ => None,
    }
}

/// Python truthiness of a stored value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::BigInt(_) => true,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Dict(d) => !d.is_empty(),
    }
}

/// `timedelta(seconds=x)`: rounded to microseconds, half to even.
pub(crate) fn timedelta_seconds(x: f64) -> Duration {
    Duration::microseconds((x * 1e6).round_ties_even() as i64)
}

/// Django's `get_expiry_age(modification=…, expiry=…)` for `version`.
///
/// ```
/// use djsign::{pyjson::Value, sessions::{get_expiry_age, ExpiryAge, PyDateTime}, DjangoVersion};
/// let now = PyDateTime::from_isoformat("2026-01-02T03:04:05.678901+00:00").unwrap();
/// let v = DjangoVersion::LATEST;
/// assert_eq!(get_expiry_age(None, now, 1209600, v), Ok(ExpiryAge::Seconds(1209600)));
/// assert_eq!(get_expiry_age(Some(&Value::Int(0)), now, 1209600, v), Ok(ExpiryAge::Seconds(1209600)));
/// let one_hour = Value::from("2026-01-02T04:04:05.678901+00:00");
/// assert_eq!(get_expiry_age(Some(&one_hour), now, 1209600, v), Ok(ExpiryAge::Seconds(3600)));
/// // 0.999999 s in the past floors to -1, as Python's timedelta does.
/// let just_past = Value::from("2026-01-02T03:04:04.678902+00:00");
/// assert_eq!(get_expiry_age(Some(&just_past), now, 1209600, v), Ok(ExpiryAge::Seconds(-1)));
/// ```
pub fn get_expiry_age(
    expiry: Option<&Value>,
    modification: PyDateTime,
    cookie_age: i64,
    version: DjangoVersion,
) -> Result<ExpiryAge, ExpiryError> {
    let Some(expiry) = expiry.filter(|e| truthy(e)) else {
        return Ok(ExpiryAge::Seconds(cookie_age));
    };
    match expiry {
        Value::Str(s) if version >= DjangoVersion::V4_1 => {
            let date = PyDateTime::from_isoformat(&s.to_string_lossy())
                .map_err(ExpiryError::InvalidDate)?;
            let delta = date.minus(&modification).map_err(ExpiryError::NaiveAware)?;
            Ok(ExpiryAge::Seconds(
                delta.whole_microseconds().div_euclid(1_000_000) as i64,
            ))
        }
        other => Ok(ExpiryAge::Stored(other.clone())),
    }
}

/// Django's `get_expiry_date(modification=…, expiry=…)` for `version`.
///
/// ```
/// use djsign::{pyjson::Value, sessions::{get_expiry_date, PyDateTime}, DjangoVersion};
/// let now = PyDateTime::from_isoformat("2026-01-02T03:04:05.678901+00:00").unwrap();
/// let d = get_expiry_date(Some(&Value::Float(12.5)), now, 1209600, DjangoVersion::LATEST).unwrap();
/// assert_eq!(d.to_string(), "2026-01-02T03:04:18.178901+00:00");
/// ```
pub fn get_expiry_date(
    expiry: Option<&Value>,
    modification: PyDateTime,
    cookie_age: i64,
    version: DjangoVersion,
) -> Result<PyDateTime, ExpiryError> {
    if let Some(Value::Str(s)) = expiry {
        if version >= DjangoVersion::V4_1 {
            return PyDateTime::from_isoformat(&s.to_string_lossy())
                .map_err(ExpiryError::InvalidDate);
        }
    }
    let seconds = match expiry.filter(|e| truthy(e)) {
        None => cookie_age as f64,
        Some(v) => number(v).ok_or(ExpiryError::NotANumber)?,
    };
    Ok(modification.plus(timedelta_seconds(seconds)))
}

/// Django's `get_expire_at_browser_close()`: with no stored expiry, the
/// `SESSION_EXPIRE_AT_BROWSER_CLOSE` setting; otherwise whether the stored value `== 0`.
///
/// ```
/// use djsign::{pyjson::Value, sessions::get_expire_at_browser_close};
/// assert!(get_expire_at_browser_close(Some(&Value::Int(0)), false));
/// assert!(get_expire_at_browser_close(None, true));
/// assert!(!get_expire_at_browser_close(Some(&Value::from("")), true));
/// ```
pub fn get_expire_at_browser_close(expiry: Option<&Value>, setting: bool) -> bool {
    match expiry {
        None | Some(Value::Null) => setting,
        Some(Value::Int(0)) | Some(Value::Bool(false)) => true,
        Some(Value::Float(f)) => *f == 0.0,
        Some(_) => false,
    }
}

/// What to pass to [`Session::set_expiry`](super::Session::set_expiry), as Django's
/// `set_expiry(value)` accepts it.
///
/// ```
/// use djsign::{sessions::{PyDateTime, Session, SetExpiry}, Settings};
/// let mut s = Session::new();
/// let now = PyDateTime::from_isoformat("2026-01-01T00:00:00+00:00").unwrap();
/// s.set_expiry(SetExpiry::Seconds(0), now, &Settings::new("k"))?; // at browser close
/// assert!(s.get_expire_at_browser_close(&Settings::new("k")));
/// # Ok::<(), djsign::sessions::ExpiryError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SetExpiry {
    /// `None`: back to the global policy (`SESSION_COOKIE_AGE`).
    Default,
    /// An integer number of seconds of inactivity (`0` means at browser close).
    Seconds(i64),
    /// A fractional number of seconds (stored as a float).
    Fractional(f64),
    /// A `timedelta` from now.
    In(Duration),
    /// A `datetime`.
    At(PyDateTime),
}

/// The value `set_expiry` stores under `_session_expiry` (`None`: the key is removed).
pub(crate) fn stored_expiry(
    value: SetExpiry,
    now: PyDateTime,
    version: DjangoVersion,
) -> Result<Option<Value>, ExpiryError> {
    let date = |d: PyDateTime| {
        if version >= DjangoVersion::V4_1 {
            Ok(Some(Value::from(d.to_string())))
        } else {
            Err(ExpiryError::DateNotSerializable)
        }
    };
    match value {
        SetExpiry::Default => Ok(None),
        SetExpiry::Seconds(s) => Ok(Some(Value::Int(s))),
        SetExpiry::Fractional(f) => Ok(Some(Value::Float(f))),
        SetExpiry::In(d) => date(now.plus(d)),
        SetExpiry::At(d) => date(d),
    }
}
