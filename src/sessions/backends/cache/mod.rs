//! The `cache` engine, and the cache half of `cached_db`: the session dict itself,
//! pickled, under Django's cache key (`django/contrib/sessions/backends/cache.py`), in a
//! [`SessionCache`]: Redis ([`redis::RedisCache`]) or memcached
//! ([`memcached::MemcachedCache`]).
//!
//! Key layout, as Django's cache backends build it with the default key function:
//! `KEY_PREFIX:VERSION:django.contrib.sessions.cache<session key>`
//! (`:1:django.contrib.sessions.cache…` with Django's defaults; `cached_db` uses
//! `django.contrib.sessions.cached_db`). Values are pickles ([`crate::pickle`]), read for
//! protocols 0–5 and written in protocol 5; the entry's timeout is `get_expiry_age()`,
//! applied by each backend as Django's backend for it applies it.

use std::future::Future;

#[cfg(feature = "memcached")]
pub mod memcached;
#[cfg(feature = "redis")]
pub mod redis;

use super::super::datetime::timezone_now;
use super::super::store::{SessionStore, StoreError};
use super::super::{Session, new_session_key};
use crate::conf::Settings;
use crate::error::{Error, ErrorKind, Malformed};
use crate::pickle;
use crate::pyjson::{Dict, Value};

/// The prefix the `cache` engine puts before session keys (`cache_key_prefix`).
pub const CACHE_KEY_PREFIX: &str = "django.contrib.sessions.cache";

/// Django's `cache.add` retries in `create()`.
const CREATE_ATTEMPTS: usize = 10_000;

/// A Django cache backend (`CACHES["default"]`) that the `cache` and `cached_db` engines
/// keep sessions in: Django's key function and the cache operations those engines use,
/// each with its backend's rules for the timeout. Implemented for Redis
/// ([`RedisCache`](redis::RedisCache), feature `redis`) and memcached
/// ([`MemcachedCache`](memcached::MemcachedCache), feature `memcached`).
pub trait SessionCache: Clone + Send + Sync + 'static {
    /// Django's default key function: `"%s:%s:%s" % (KEY_PREFIX, VERSION, key)`.
    fn make_key(&self, key: &str) -> String;

    /// `cache.get(key)` of a pickled dict: `Ok(None)` when absent; `Ok(Some(Err))` for a
    /// value that is not a pickled dict djsign reads.
    fn get_dict(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Result<Dict, StoreError>>, StoreError>> + Send;

    /// `cache.set(key, data, timeout)` at clock `now`.
    fn set_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// `cache.add(key, data, timeout)`: writes only if absent; whether it did.
    fn add_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Writes only if present (Django's session `save()`: `get`, then `set`); whether it
    /// did.
    fn replace_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// `cache.delete(key)`.
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// `cache.has_key(key)` (`key in cache`).
    fn has_key(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A cached value as a session dict: a pickle of a dict, or the reason it is not one.
pub(crate) fn pickled_dict(bytes: &[u8]) -> Result<Dict, StoreError> {
    match pickle::from_slice(bytes) {
        Ok(Value::Dict(d)) => Ok(d),
        Ok(other) => Err(StoreError::Unsupported(format!(
            "cached session is a {}, not a dict",
            other.type_name()
        ))),
        Err(e) => Err(StoreError::Unsupported(e.to_string())),
    }
}

/// The cache timeout of `session` at `now`: `get_expiry_age()` as the backends take it
/// (`max(0, int(age))`).
pub(crate) fn expiry_ttl(
    session: &Session,
    now: f64,
    settings: &Settings,
) -> Result<i64, StoreError> {
    let age = session
        .get_expiry_age(timezone_now(now, settings.use_tz), settings)
        .map_err(|e| Error::from(ErrorKind::Malformed(Malformed::Expiry(e))))?;
    let secs = age
        .seconds()
        .ok_or_else(|| StoreError::Unsupported("a non-numeric _session_expiry".into()))?;
    Ok((secs.trunc() as i64).max(0))
}

/// A loaded cache entry as a session (a value that is not a pickled dict reads as `{}`).
pub(crate) fn cached_session(key: &str, entry: Result<Dict, StoreError>) -> Session {
    match entry {
        Ok(data) => Session::loaded(key.to_owned(), data),
        Err(e) => Session::corrupt(Some(key.to_owned()), Malformed::Type(e.to_string()).into()),
    }
}

/// Django's `cache` session engine on a [`SessionCache`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use djsign::sessions::{backends::cache::{CacheSessionStore, redis::RedisCache}, SessionStore};
/// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
/// let conn = redis::aio::ConnectionManager::new(client).await?;
/// let store = CacheSessionStore::new(&djsign::Settings::new("k"), RedisCache::new(conn));
/// let session = store.load_session(Some("the sessionid cookie"), djsign::signing::now()).await;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CacheSessionStore<K> {
    cache: K,
    settings: Settings,
}

impl<K: SessionCache> CacheSessionStore<K> {
    /// The engine for `settings` on `cache`.
    pub fn new(settings: &Settings, cache: K) -> CacheSessionStore<K> {
        CacheSessionStore {
            cache,
            settings: settings.clone(),
        }
    }

    fn cache_key(key: &str) -> String {
        format!("{CACHE_KEY_PREFIX}{key}")
    }

    async fn save(&self, session: &mut Session, now: f64) -> Result<String, StoreError> {
        let ttl = expiry_ttl(session, now, &self.settings)?;
        let data = session.data_untracked();
        match session.key().map(str::to_owned) {
            Some(key) if !session.wants_new_key() => {
                if !self
                    .cache
                    .replace_dict(&Self::cache_key(&key), data, ttl, now)
                    .await?
                {
                    return Err(StoreError::Gone);
                }
                Ok(key)
            }
            old => {
                let mut created = None;
                for _ in 0..CREATE_ATTEMPTS {
                    let key = new_session_key().map_err(|e| StoreError::Backend {
                        engine: "cache",
                        message: format!("no random key: {e}"),
                    })?;
                    if self
                        .cache
                        .add_dict(&Self::cache_key(&key), data, ttl, now)
                        .await?
                    {
                        created = Some(key);
                        break;
                    }
                }
                let key = created.ok_or(StoreError::NoFreeKey)?;
                if let Some(old) = old {
                    self.cache.delete(&Self::cache_key(&old)).await?;
                }
                session.set_key(Some(key.clone()));
                Ok(key)
            }
        }
    }
}

impl<K: SessionCache> SessionStore for CacheSessionStore<K> {
    async fn load_session(
        &self,
        key: Option<&str>,
        _now: impl Into<crate::UnixTime> + Send,
    ) -> Session {
        let Some(key) = key.filter(|k| k.chars().count() >= 8) else {
            return Session::new();
        };
        match self.cache.get_dict(&Self::cache_key(key)).await {
            Ok(Some(entry)) => cached_session(key, entry),
            // A miss, or a cache error: Django's load() returns {} and drops the key.
            Ok(None) | Err(_) => Session::new(),
        }
    }

    async fn save_session(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<String, StoreError> {
        let now = now.into().as_secs_f64();
        self.save(session, now).await
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        self.cache.has_key(&Self::cache_key(key)).await
    }

    async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.cache.delete(&Self::cache_key(key)).await
    }
}
