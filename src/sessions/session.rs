//! `Session`: the session dictionary with the bookkeeping Django's `SessionBase` keeps.

use std::cell::Cell;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::datetime::PyDateTime;
use super::datetime::timezone_now;
use super::expiry::{self, EXPIRY_KEY, ExpiryAge, ExpiryError, SetExpiry};
use crate::conf::Settings;
use crate::error::{Error, ErrorKind, Malformed};
use crate::pyjson::{self, Dict, Value};

/// Django's session key validation: a key shorter than 8 characters is no key (T32).
fn valid_key(key: Option<String>) -> Option<String> {
    key.filter(|k| k.chars().count() >= 8)
}

/// A Django session: its key, its data (insertion-ordered, Python-exact values) and the
/// `accessed`/`modified` flags `SessionMiddleware` decides on.
///
/// Reading marks the session accessed; writing marks it modified, exactly where Django's
/// `SessionBase` does. A session whose stored data could not be loaded starts empty and
/// keeps the reason in [`load_error`](Self::load_error); like Django, it then counts as
/// modified once it is accessed.
///
/// ```
/// use djsign::sessions::Session;
/// let mut s = Session::new();
/// assert!(s.is_empty() && !s.accessed());
/// s.insert("cart", &vec![1, 2])?;
/// assert!(s.modified() && !s.is_empty());
/// let cart: Vec<i32> = s.get_as("cart")?.unwrap();
/// assert_eq!(cart, [1, 2]);
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Default)]
pub struct Session {
    key: Option<String>,
    data: Dict,
    accessed: Cell<bool>,
    modified: bool,
    /// `cycle_key()` was called: the store assigns a new key on save, so the session is
    /// not empty even without data.
    new_key_pending: bool,
    load_error: Option<Error>,
    /// Loading failed in the signed-cookie way: Django's `create()` ran, so the session
    /// counts as modified once touched.
    reset: bool,
    /// The key `flush()` dropped, whose stored record the store must delete.
    flushed_key: Option<String>,
}

/// Redacted: the key (for signed cookies, the whole cookie) prints as its length, the
/// data as its keys only.
///
/// ```
/// let mut s = djsign::sessions::Session::loaded("abcdefgh12345678".into(), Default::default());
/// s.insert("_auth_user_hash", "f00d").unwrap();
/// let shown = format!("{s:?}");
/// assert!(!shown.contains("abcdefgh") && !shown.contains("f00d") && shown.contains("_auth_user_hash"));
/// ```
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("key", &crate::redact::optional(&self.key))
            .field("keys", &crate::redact::KeysOnly(&self.data))
            .field("accessed", &self.accessed.get())
            .field("modified", &self.modified)
            .field("new_key_pending", &self.new_key_pending)
            .field("load_error", &self.load_error)
            .field("reset", &self.reset)
            .field("flushed_key", &crate::redact::optional(&self.flushed_key))
            .finish()
    }
}

impl Clone for Session {
    fn clone(&self) -> Self {
        Session {
            key: self.key.clone(),
            data: self.data.clone(),
            accessed: Cell::new(self.accessed.get()),
            modified: self.modified,
            new_key_pending: self.new_key_pending,
            load_error: self.load_error.clone(),
            reset: self.reset,
            flushed_key: self.flushed_key.clone(),
        }
    }
}

impl Session {
    /// A new, empty session without a key (no cookie came in).
    ///
    /// ```
    /// assert!(djsign::sessions::Session::new().key().is_none());
    /// ```
    pub fn new() -> Session {
        Session::default()
    }

    /// A session loaded from storage under `key`.
    ///
    /// ```
    /// use djsign::{pyjson::Dict, sessions::Session};
    /// let s = Session::loaded("k".repeat(32), Dict::new());
    /// assert!(!s.is_empty()); // a session with a key is not empty, even without data
    /// ```
    pub fn loaded(key: String, data: Dict) -> Session {
        Session {
            key: valid_key(Some(key)),
            data,
            ..Session::default()
        }
    }

    /// A session whose stored data under `key` could not be used: empty, as Django resets
    /// it, with the reason kept for logging.
    ///
    /// ```
    /// use djsign::{sessions::Session, Error, ErrorKind};
    /// let s = Session::reset(Some("bad-cookie".into()), ErrorKind::BadSignature.into());
    /// assert!(!s.modified());
    /// let _ = s.get("x"); // touching it makes Django write a fresh session
    /// assert!(s.modified());
    /// ```
    pub fn reset(key: Option<String>, reason: Error) -> Session {
        Session {
            key: valid_key(key),
            load_error: Some(reason),
            reset: true,
            ..Session::default()
        }
    }

    /// A session whose stored record under `key` could not be decoded, or whose store
    /// could not be read (no key then): the db, cache and file engines give `{}` and keep
    /// the key, without marking the session modified (unlike [`reset`](Self::reset), the
    /// signed-cookie engine's behaviour). The reason is kept for logging.
    ///
    /// ```
    /// use djsign::{sessions::Session, ErrorKind};
    /// let s = Session::corrupt(Some("k".repeat(32)), ErrorKind::BadSignature.into());
    /// let _ = s.get("x");
    /// assert!(!s.modified() && s.load_error().is_some() && s.key().is_some());
    /// ```
    pub fn corrupt(key: Option<String>, reason: Error) -> Session {
        Session {
            key: valid_key(key),
            load_error: Some(reason),
            ..Session::default()
        }
    }

    /// The session key (for the signed-cookie engine: the cookie value).
    ///
    /// ```
    /// assert_eq!(djsign::sessions::Session::new().key(), None);
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Sets the key, as a store does after saving.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.set_key(Some("abcdefgh".into()));
    /// assert_eq!(s.key(), Some("abcdefgh"));
    /// s.set_key(Some("1234567".into())); // Django discards keys shorter than 8 characters
    /// assert_eq!(s.key(), None);
    /// ```
    pub fn set_key(&mut self, key: Option<String>) {
        self.key = valid_key(key);
        self.new_key_pending = false;
    }

    /// Why loading failed, if it did (bad signature, expired, malformed).
    ///
    /// ```
    /// assert!(djsign::sessions::Session::new().load_error().is_none());
    /// ```
    pub fn load_error(&self) -> Option<&Error> {
        self.load_error.as_ref()
    }

    /// Whether `cycle_key()` asked for a new key that the store has not assigned yet.
    pub(crate) fn wants_new_key(&self) -> bool {
        self.new_key_pending
    }

    /// Whether the data was read (Django's `accessed`).
    ///
    /// ```
    /// let s = djsign::sessions::Session::new();
    /// let _ = s.contains_key("a");
    /// assert!(s.accessed());
    /// ```
    pub fn accessed(&self) -> bool {
        self.accessed.get()
    }

    /// Whether the data changed (Django's `modified`; a reset session counts once accessed).
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert("a", &1)?;
    /// assert!(s.modified());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn modified(&self) -> bool {
        self.modified || (self.reset && self.accessed.get())
    }

    /// Django's `is_empty()`: no key and no data.
    ///
    /// ```
    /// assert!(djsign::sessions::Session::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.key.is_none() && !self.new_key_pending && self.data.is_empty()
    }

    /// The data, read-only (marks the session accessed).
    ///
    /// ```
    /// let s = djsign::sessions::Session::new();
    /// assert!(s.data().is_empty());
    /// ```
    pub fn data(&self) -> &Dict {
        self.accessed.set(true);
        &self.data
    }

    /// The data without marking the session accessed (for stores and the middleware).
    pub(crate) fn data_untracked(&self) -> &Dict {
        &self.data
    }

    /// `session.get(key)`.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert("a", &1)?;
    /// assert_eq!(s.get("a"), Some(&djsign::pyjson::Value::Int(1)));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.data().get(key)
    }

    /// `session.get(key)` converted to a Rust type (`Ok(None)` when absent).
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert("_auth_user_id", &"1")?;
    /// let id: Option<String> = s.get_as("_auth_user_id")?;
    /// assert_eq!(id.as_deref(), Some("1"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => pyjson::from_value(v.clone())
                .map(Some)
                .map_err(|e| Malformed::Type(e.to_string()).into()),
        }
    }

    /// `key in session`.
    ///
    /// ```
    /// assert!(!djsign::sessions::Session::new().contains_key("a"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.data().contains_key(key)
    }

    /// `session[key] = value`, for any serializable value.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert("n", &1.5)?;
    /// assert_eq!(s.get("n"), Some(&djsign::pyjson::Value::Float(1.5)));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let bytes = pyjson::to_vec_serde(value).map_err(|e| ErrorKind::Serialize(e.to_string()))?;
        let value = pyjson::from_slice(&bytes).map_err(Malformed::Json)?;
        self.insert_value(key, value);
        Ok(())
    }

    /// `session[key] = value` for a [`Value`].
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert_value("k", djsign::pyjson::Value::Null);
    /// assert!(s.contains_key("k"));
    /// ```
    pub fn insert_value(&mut self, key: &str, value: Value) {
        self.accessed.set(true);
        self.modified = true;
        self.data.insert(key, value);
    }

    /// `session.pop(key)`: modified only if the key was there.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// assert_eq!(s.pop("x"), None);
    /// assert!(!s.modified());
    /// ```
    pub fn pop(&mut self, key: &str) -> Option<Value> {
        self.accessed.set(true);
        let v = self.data.remove(key);
        self.modified |= v.is_some();
        v
    }

    /// `del session[key]` (same as [`pop`](Self::pop) here, without `KeyError`).
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.insert("a", &1)?;
    /// assert_eq!(s.remove("a"), Some(djsign::pyjson::Value::Int(1)));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.pop(key)
    }

    /// `session.setdefault(key, value)`: returns the existing value, or stores `value`.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// assert_eq!(s.setdefault("a", 1.into()), &djsign::pyjson::Value::Int(1));
    /// assert_eq!(s.setdefault("a", 2.into()), &djsign::pyjson::Value::Int(1));
    /// ```
    pub fn setdefault(&mut self, key: &str, value: Value) -> &Value {
        self.accessed.set(true);
        if !self.data.contains_key(key) {
            self.modified = true;
            self.data.insert(key, value);
        }
        self.data.get(key).unwrap_or(&Value::Null)
    }

    /// `session.update(other)`.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.update([("a", 1.into()), ("b", 2.into())]);
    /// assert_eq!(s.data().len(), 2);
    /// ```
    pub fn update<'a, I: IntoIterator<Item = (&'a str, Value)>>(&mut self, entries: I) {
        self.accessed.set(true);
        self.modified = true;
        for (k, v) in entries {
            self.data.insert(k, v);
        }
    }

    /// `session.clear()`: no data, key kept.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::loaded("k".repeat(32), Default::default());
    /// s.clear();
    /// assert!(s.modified() && s.key().is_some());
    /// ```
    pub fn clear(&mut self) {
        self.data.clear();
        self.accessed.set(true);
        self.modified = true;
    }

    /// `session.flush()`: no data and no key (the middleware then deletes the cookie).
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::loaded("k".repeat(32), Default::default());
    /// s.flush();
    /// assert!(s.is_empty());
    /// ```
    pub fn flush(&mut self) {
        self.clear();
        if let Some(old) = self.key.take() {
            self.flushed_key = Some(old);
        }
        self.new_key_pending = false;
    }

    /// The key that [`flush`](Self::flush) dropped, once: the caller deletes its stored
    /// record (Django's `flush()` calls `delete()`). The web integrations do this for you.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::loaded("k".repeat(32), Default::default());
    /// s.flush();
    /// assert_eq!(s.take_flushed_key(), Some("k".repeat(32)));
    /// assert_eq!(s.take_flushed_key(), None);
    /// ```
    pub fn take_flushed_key(&mut self) -> Option<String> {
        self.flushed_key.take()
    }

    /// `session.cycle_key()`: same data under a new key (the store assigns it on save), so
    /// the session is no longer empty.
    ///
    /// ```
    /// let mut s = djsign::sessions::Session::new();
    /// s.cycle_key();
    /// assert!(s.modified() && !s.is_empty());
    /// ```
    pub fn cycle_key(&mut self) {
        self.accessed.set(true);
        self.modified = true;
        self.new_key_pending = true;
    }

    /// The stored `_session_expiry`, without marking the session accessed.
    fn stored_expiry(&self) -> Option<&Value> {
        self.data.get(EXPIRY_KEY)
    }

    /// Django's `set_expiry(value)` with the clock at `now` (for durations), for the
    /// settings' Django version: dates are stored as ISO strings from 4.1; earlier versions
    /// fail as Django fails to save them.
    ///
    /// ```
    /// use djsign::{sessions::{PyDateTime, Session, SetExpiry}, Settings};
    /// let mut s = Session::new();
    /// let now = PyDateTime::from_isoformat("2023-11-14T22:13:20.250000+00:00").unwrap();
    /// s.set_expiry(SetExpiry::In(time::Duration::hours(1)), now, &Settings::new("k"))?;
    /// assert_eq!(s.get("_session_expiry").unwrap().as_str(), Some("2023-11-14T23:13:20.250000+00:00"));
    /// # Ok::<(), djsign::sessions::ExpiryError>(())
    /// ```
    pub fn set_expiry(
        &mut self,
        value: SetExpiry,
        now: impl Into<crate::UnixTime>,
        settings: &Settings,
    ) -> Result<(), ExpiryError> {
        let now = timezone_now(now, settings.use_tz);
        match expiry::stored_expiry(value, now, settings.version)? {
            Some(v) => self.insert_value(EXPIRY_KEY, v),
            None => {
                self.accessed.set(true);
                if self.data.remove(EXPIRY_KEY).is_some() {
                    self.modified = true;
                }
            }
        }
        Ok(())
    }

    /// Django's `get_expiry_age()` at `now` under `settings`.
    ///
    /// ```
    /// use djsign::{sessions::{ExpiryAge, PyDateTime, Session}, Settings};
    /// let now = PyDateTime::from_isoformat("2023-11-14T22:13:20+00:00").unwrap();
    /// let age = Session::new().get_expiry_age(now, &Settings::new("k")).unwrap();
    /// assert_eq!(age, ExpiryAge::Seconds(1209600));
    /// ```
    pub fn get_expiry_age(
        &self,
        now: impl Into<crate::UnixTime>,
        settings: &Settings,
    ) -> Result<ExpiryAge, ExpiryError> {
        expiry::get_expiry_age(
            self.stored_expiry(),
            timezone_now(now, settings.use_tz),
            settings.session_cookie_age,
            settings.version,
        )
    }

    /// Django's `get_expiry_date()` at `now` under `settings`.
    ///
    /// ```
    /// use djsign::{sessions::{PyDateTime, Session}, Settings};
    /// let now = PyDateTime::from_isoformat("2023-11-14T22:13:20+00:00").unwrap();
    /// let d = Session::new().get_expiry_date(now, &Settings::new("k")).unwrap();
    /// assert_eq!(d.to_string(), "2023-11-28T22:13:20+00:00");
    /// ```
    pub fn get_expiry_date(
        &self,
        now: impl Into<crate::UnixTime>,
        settings: &Settings,
    ) -> Result<PyDateTime, ExpiryError> {
        expiry::get_expiry_date(
            self.stored_expiry(),
            timezone_now(now, settings.use_tz),
            settings.session_cookie_age,
            settings.version,
        )
    }

    /// Django's `get_expire_at_browser_close()` under `settings`.
    ///
    /// ```
    /// use djsign::{sessions::Session, Settings};
    /// let mut s = Session::new();
    /// s.insert("_session_expiry", &0)?;
    /// assert!(s.get_expire_at_browser_close(&Settings::new("k")));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn get_expire_at_browser_close(&self, settings: &Settings) -> bool {
        expiry::get_expire_at_browser_close(
            self.stored_expiry(),
            settings.session_expire_at_browser_close,
        )
    }
}

/// Characters of generated session keys (`VALID_KEY_CHARS`).
const KEY_CHARS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A new session key as Django makes them: 32 characters of `[a-z0-9]` from the operating
/// system's CSPRNG (uniform: bytes of 252 and above are redrawn).
///
/// ```
/// let k = djsign::sessions::new_session_key().unwrap();
/// assert_eq!(k.len(), 32);
/// assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
/// ```
pub fn new_session_key() -> Result<String, crate::crypto::RandomError> {
    crate::crypto::get_random_string(32, KEY_CHARS)
}
