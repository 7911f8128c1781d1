//! The `cached_db` engine: the `db` engine's rows, read through the cache (`django/contrib/sessions/backends/cached_db.py`).
//!
//! Load reads `django.contrib.sessions.cached_db<key>` from the cache; on a miss (or a
//! cache error) it loads the row and caches its data for the row's remaining lifetime.
//! Save writes the row, then the cache entry (a cache failure after the row was written
//! is an error up to Django 5.0 and ignored from 5.1, as Django logs it). Delete removes
//! both; `exists` asks the cache, then the database.

use super::super::store::{SessionStore, StoreError};
use super::super::{PyDateTime, Session};
use super::cache::{SessionCache, cached_session, expiry_ttl};
use super::db::DbSessionStore;
use crate::conf::Settings;
use crate::version::DjangoVersion;

/// The prefix the `cached_db` engine puts before session keys in the cache.
pub const CACHE_KEY_PREFIX: &str = "django.contrib.sessions.cached_db";

/// Django's `cached_db` session engine: a [`DbSessionStore`] behind a [`SessionCache`].
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use djsign::sessions::backends::{cache::redis::RedisCache, cached_db::CachedDbSessionStore, db::DbSessionStore};
/// let settings = djsign::Settings::new("k");
/// let pool = sqlx::PgPool::connect("postgres://127.0.0.1/test").await?;
/// let conn = redis::aio::ConnectionManager::new(redis::Client::open("redis://127.0.0.1/")?).await?;
/// let store = CachedDbSessionStore::new(&settings, DbSessionStore::new(&settings, pool)?, RedisCache::new(conn));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CachedDbSessionStore<K> {
    db: DbSessionStore,
    cache: K,
    settings: Settings,
}

impl<K: SessionCache> CachedDbSessionStore<K> {
    /// The engine for `settings` over `db` and `cache`.
    pub fn new(settings: &Settings, db: DbSessionStore, cache: K) -> CachedDbSessionStore<K> {
        CachedDbSessionStore {
            db,
            cache,
            settings: settings.clone(),
        }
    }

    fn cache_key(key: &str) -> String {
        format!("{CACHE_KEY_PREFIX}{key}")
    }
}

impl<K: SessionCache> SessionStore for CachedDbSessionStore<K> {
    async fn load_session(
        &self,
        key: Option<&str>,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Session {
        let now = now.into().as_secs_f64();
        let Some(key) = key.filter(|k| k.chars().count() >= 8) else {
            return Session::new();
        };
        if let Ok(Some(entry)) = self.cache.get_dict(&Self::cache_key(key)).await {
            return cached_session(key, entry);
        }
        let (session, expire) = self.db.load_with_date(Some(key), now).await;
        if let (Some(expire), Some(k)) = (expire, session.key()) {
            // get_expiry_age(expiry=row.expire_date): whole seconds left, floored.
            let left =
                PyDateTime::Aware(expire).minus(&super::super::datetime::timezone_now(now, true));
            let ttl = left.map_or(0, |d| {
                d.whole_seconds() - i64::from(d.subsec_nanoseconds() < 0)
            });
            let _ = self
                .cache
                .set_dict(&Self::cache_key(k), session.data_untracked(), ttl, now)
                .await;
        }
        session
    }

    async fn save_session(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<String, StoreError> {
        let now = now.into().as_secs_f64();
        let old = session.key().map(str::to_owned);
        let key = self.db.save(session, now).await?;
        let ttl = expiry_ttl(session, now, &self.settings)?;
        let cached = self
            .cache
            .set_dict(&Self::cache_key(&key), session.data_untracked(), ttl, now)
            .await;
        if let Some(old) = old.filter(|o| *o != key) {
            let _ = self.cache.delete(&Self::cache_key(&old)).await;
        }
        match cached {
            Err(e) if self.settings.version < DjangoVersion::V5_1 => Err(e),
            _ => Ok(key),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        if self
            .cache
            .has_key(&Self::cache_key(key))
            .await
            .unwrap_or(false)
        {
            return Ok(true);
        }
        self.db.exists(key).await
    }

    async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.db.delete(key).await?;
        self.cache.delete(&Self::cache_key(key)).await
    }

    async fn clear_expired(
        &self,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<u64, StoreError> {
        let now = now.into().as_secs_f64();
        self.db.clear_expired(now).await
    }
}
