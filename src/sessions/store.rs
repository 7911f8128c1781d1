//! The session store trait: what a session engine does, asynchronously, so that the web
//! integrations work with any engine (signed cookies, file, database, cache, cached_db).

use std::fmt;
use std::future::Future;

use super::Session;
use crate::error::Error;

/// Why a store could not save, delete or look up a session.
///
/// ```
/// use djsign::sessions::StoreError;
/// let e = StoreError::Backend { engine: "db", message: "connection refused".into() };
/// assert_eq!(e.to_string(), "db session engine: connection refused");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StoreError {
    /// The session data cannot be stored (a value Django's serializer refuses).
    Encode(Error),
    /// The session's record vanished between load and save (Django's `UpdateError`, which
    /// `SessionMiddleware` turns into `SessionInterrupted`, a 400 response).
    Gone,
    /// No unused session key was found (Django's `CreateError`, after its retries).
    NoFreeKey,
    /// The backend failed: database, cache or file system, with its message.
    Backend {
        /// `"db"`, `"cache"`, `"cached_db"` or `"file"`.
        engine: &'static str,
        /// What the driver said (never holds session data or keys).
        message: String,
    },
    /// A stored value djsign cannot represent (for example a pickled Python object other
    /// than the types a JSON-serialized session holds).
    Unsupported(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Encode(e) => write!(f, "session data cannot be stored: {e}"),
            StoreError::Gone => f.write_str("the session was deleted before it could be saved"),
            StoreError::NoFreeKey => f.write_str("no unused session key found"),
            StoreError::Backend { engine, message } => {
                write!(f, "{engine} session engine: {message}")
            }
            StoreError::Unsupported(what) => write!(f, "unsupported stored session value: {what}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> StoreError {
        StoreError::Encode(e)
    }
}

/// A Django session engine, with Django's `SessionStore` semantics.
///
/// | Django | here |
/// |---|---|
/// | `SessionStore(key).load()` (missing or expired: empty, no key) | [`load_session`](Self::load_session) |
/// | `save()`; `create()` when there is no key (new key, retried on collision) | [`save_session`](Self::save_session) |
/// | `cycle_key()` | [`Session::cycle_key`] then `save_session` (new key, old record deleted) |
/// | `flush()` | [`Session::flush`], then [`delete_session`](Self::delete_session) of [`Session::take_flushed_key`] (the integrations do it) |
/// | `exists(key)`, `delete(key)`, `clear_expired()` | [`exists`](Self::exists), [`delete_session`](Self::delete_session), [`clear_expired`](Self::clear_expired) |
///
/// ```
/// use djsign::sessions::{backends::signed_cookies::SignedCookieStore, SessionStore};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SignedCookieStore::new(&djsign::Settings::new("k"))?;
/// let mut s = store.load_session(None, 0.0).await;
/// s.insert("a", &1)?;
/// let cookie = store.save_session(&mut s, 0.0).await?;
/// assert_eq!(store.load_session(Some(&cookie), 1.0).await.get_as::<i32>("a")?, Some(1));
/// assert!(!store.exists(&cookie).await?); // as Django: signed cookies never "exist"
/// # Ok(()) }
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// Loads the session named by the cookie value `key` (none: a new session) at clock
    /// `now`, as Django's `SessionStore(session_key).load()` with its failure semantics
    /// (a backend failure reads as a missing session, as in Django's cache engine).
    fn load_session(
        &self,
        key: Option<&str>,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Session> + Send;

    /// Saves the session at clock `now` and returns the value for the session cookie
    /// (the key, or for signed cookies the signed data).
    fn save_session(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Whether a record exists under `key` (Django's `exists`).
    fn exists(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = key;
        async { Ok(false) }
    }

    /// Deletes the record under `key`, if any (Django's `delete(key)`).
    fn delete_session(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = key;
        async { Ok(()) }
    }

    /// Removes expired records at clock `now` and returns how many (Django's
    /// `clear_expired`, run by `manage.py clearsessions`; a no-op where the backend
    /// expires records itself).
    fn clear_expired(
        &self,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let now = now.into().as_secs_f64();
        let _ = now;
        async { Ok(0) }
    }
}
