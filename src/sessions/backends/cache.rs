//! The `cache` engine over Redis, and the cache half of `cached_db`: the session dict
//! itself, pickled, under Django's cache key (`django/contrib/sessions/backends/cache.py`).
//!
//! Key layout, as Django's built-in `RedisCache` and django-redis both build it with the
//! default key function: `KEY_PREFIX:VERSION:django.contrib.sessions.cache<session key>`
//! (`:1:django.contrib.sessions.cache…` with Django's defaults; `cached_db` uses
//! `django.contrib.sessions.cached_db`). Values are pickles ([`crate::pickle`]), read for
//! protocols 0–5 and written in protocol 5; the entry's time to live is
//! `get_expiry_age()`, and an age of zero or less deletes the entry, as Django's
//! `cache.set` does. (django-redis's optional compressors and other serializers are not
//! read: configure it with its defaults.)

use redis::aio::ConnectionLike;

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

/// A Django cache (`CACHES["default"]`) on a Redis connection: its key function and the
/// operations the session engines use.
///
/// ```
/// # async fn demo(conn: redis::aio::ConnectionManager) {
/// use djsign::sessions::backends::cache::RedisCache;
/// let cache = RedisCache::new(conn).key_prefix("shop").version(2);
/// assert_eq!(cache.make_key("k"), "shop:2:k");
/// # }
/// ```
#[derive(Clone)]
pub struct RedisCache<C> {
    conn: C,
    key_prefix: String,
    version: i64,
}

impl<C> std::fmt::Debug for RedisCache<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn backend(e: redis::RedisError) -> StoreError {
    StoreError::Backend {
        engine: "cache",
        message: e.to_string(),
    }
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> RedisCache<C> {
    /// A cache with Django's defaults (`KEY_PREFIX = ""`, `VERSION = 1`) on `conn` (a
    /// `redis::aio::ConnectionManager` or `MultiplexedConnection`: cloned per call).
    pub fn new(conn: C) -> RedisCache<C> {
        RedisCache {
            conn,
            key_prefix: String::new(),
            version: 1,
        }
    }

    /// The cache's `KEY_PREFIX`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> RedisCache<C> {
        self.key_prefix = prefix.into();
        self
    }

    /// The cache's `VERSION`.
    pub fn version(mut self, version: i64) -> RedisCache<C> {
        self.version = version;
        self
    }

    /// Django's default key function: `"%s:%s:%s" % (KEY_PREFIX, VERSION, key)`.
    pub fn make_key(&self, key: &str) -> String {
        format!("{}:{}:{key}", self.key_prefix, self.version)
    }

    /// `cache.get(key)` of a pickled dict: `Ok(None)` when absent.
    pub async fn get_dict(
        &self,
        key: &str,
    ) -> Result<Option<Result<Dict, StoreError>>, StoreError> {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.make_key(key))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(raw.map(|bytes| match pickle::from_slice(&bytes) {
            Ok(Value::Dict(d)) => Ok(d),
            Ok(other) => Err(StoreError::Unsupported(format!(
                "cached session is a {}, not a dict",
                other.type_name()
            ))),
            Err(e) => Err(StoreError::Unsupported(e.to_string())),
        }))
    }

    /// `SET key value [EX ttl] [NX|XX]`: whether it was written.
    async fn put(
        &self,
        key: &str,
        data: &Dict,
        ttl: i64,
        cond: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.make_key(key)).arg(pickle::dict_to_vec(data));
        if ttl > 0 {
            cmd.arg("EX").arg(ttl);
        }
        if let Some(c) = cond {
            cmd.arg(c);
        }
        let done: Option<String> = cmd
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        if done.is_some() && ttl <= 0 {
            // Django's backends delete at once what expires at once.
            self.delete(key).await?;
        }
        Ok(done.is_some())
    }

    /// `cache.set(key, data, ttl)` (a ttl of zero or less deletes the entry).
    pub async fn set_dict(&self, key: &str, data: &Dict, ttl: i64) -> Result<(), StoreError> {
        if ttl <= 0 {
            return self.delete(key).await;
        }
        self.put(key, data, ttl, None).await.map(|_| ())
    }

    /// `cache.add(key, data, ttl)`: writes only if absent; whether it did.
    pub async fn add_dict(&self, key: &str, data: &Dict, ttl: i64) -> Result<bool, StoreError> {
        self.put(key, data, ttl, Some("NX")).await
    }

    /// Writes only if present (Django's session `save()`: `get` then `set`); whether it did.
    pub async fn replace_dict(&self, key: &str, data: &Dict, ttl: i64) -> Result<bool, StoreError> {
        if ttl <= 0 {
            let present = self.has_key(key).await?;
            self.delete(key).await?;
            return Ok(present);
        }
        self.put(key, data, ttl, Some("XX")).await
    }

    /// `cache.delete(key)`.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        redis::cmd("DEL")
            .arg(self.make_key(key))
            .query_async::<i64>(&mut self.conn.clone())
            .await
            .map(|_| ())
            .map_err(backend)
    }

    /// `cache.has_key(key)` (`key in cache`).
    pub async fn has_key(&self, key: &str) -> Result<bool, StoreError> {
        redis::cmd("EXISTS")
            .arg(self.make_key(key))
            .query_async::<i64>(&mut self.conn.clone())
            .await
            .map(|n| n > 0)
            .map_err(backend)
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

/// Django's `cache` session engine on a [`RedisCache`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use djsign::sessions::{backends::cache::{CacheSessionStore, RedisCache}, SessionStore};
/// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
/// let conn = redis::aio::ConnectionManager::new(client).await?;
/// let store = CacheSessionStore::new(&djsign::Settings::new("k"), RedisCache::new(conn));
/// let session = store.load_session(Some("the sessionid cookie"), djsign::signing::now()).await;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CacheSessionStore<C> {
    cache: RedisCache<C>,
    settings: Settings,
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> CacheSessionStore<C> {
    /// The engine for `settings` on `cache`.
    pub fn new(settings: &Settings, cache: RedisCache<C>) -> CacheSessionStore<C> {
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
                    .replace_dict(&Self::cache_key(&key), data, ttl)
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
                        .add_dict(&Self::cache_key(&key), data, ttl)
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

impl<C: ConnectionLike + Clone + Send + Sync + 'static> SessionStore for CacheSessionStore<C> {
    async fn load_session(&self, key: Option<&str>, _now: f64) -> Session {
        let Some(key) = key.filter(|k| k.chars().count() >= 8) else {
            return Session::new();
        };
        match self.cache.get_dict(&Self::cache_key(key)).await {
            Ok(Some(entry)) => cached_session(key, entry),
            // A miss, or a cache error: Django's load() returns {} and drops the key.
            Ok(None) | Err(_) => Session::new(),
        }
    }

    async fn save_session(&self, session: &mut Session, now: f64) -> Result<String, StoreError> {
        self.save(session, now).await
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        self.cache.has_key(&Self::cache_key(key)).await
    }

    async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.cache.delete(&Self::cache_key(key)).await
    }
}
