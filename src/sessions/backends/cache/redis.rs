//! Django's `RedisCache` (4.0+) and django-redis with its defaults, as a [`SessionCache`]:
//! values are pickles under Django's key; an entry's timeout is `EX` seconds, and a
//! timeout of zero or less deletes it, as Django's `cache.set` does. (django-redis's
//! optional compressors and other serializers are not read: configure it with its
//! defaults.)

use ::redis::aio::ConnectionLike;

use super::{SessionCache, pickled_dict};
use crate::pickle;
use crate::pyjson::Dict;
use crate::sessions::StoreError;

/// A Django cache (`CACHES["default"]`) on a Redis connection.
///
/// ```
/// # async fn demo(conn: redis::aio::ConnectionManager) {
/// use djsign::sessions::backends::cache::{redis::RedisCache, SessionCache};
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

fn backend(e: ::redis::RedisError) -> StoreError {
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

    /// `SET key value [EX ttl] [NX|XX]`: whether it was written.
    async fn put(
        &self,
        key: &str,
        data: &Dict,
        ttl: i64,
        cond: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut cmd = ::redis::cmd("SET");
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
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> SessionCache for RedisCache<C> {
    fn make_key(&self, key: &str) -> String {
        format!("{}:{}:{key}", self.key_prefix, self.version)
    }

    async fn get_dict(&self, key: &str) -> Result<Option<Result<Dict, StoreError>>, StoreError> {
        let raw: Option<Vec<u8>> = ::redis::cmd("GET")
            .arg(self.make_key(key))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(raw.map(|bytes| pickled_dict(&bytes)))
    }

    /// A timeout of zero or less deletes the entry.
    async fn set_dict(
        &self,
        key: &str,
        data: &Dict,
        ttl: i64,
        _now: impl Into<crate::UnixTime> + Send,
    ) -> Result<(), StoreError> {
        if ttl <= 0 {
            return self.delete(key).await;
        }
        self.put(key, data, ttl, None).await.map(|_| ())
    }

    async fn add_dict(
        &self,
        key: &str,
        data: &Dict,
        ttl: i64,
        _now: impl Into<crate::UnixTime> + Send,
    ) -> Result<bool, StoreError> {
        self.put(key, data, ttl, Some("NX")).await
    }

    async fn replace_dict(
        &self,
        key: &str,
        data: &Dict,
        ttl: i64,
        _now: impl Into<crate::UnixTime> + Send,
    ) -> Result<bool, StoreError> {
        if ttl <= 0 {
            let present = self.has_key(key).await?;
            self.delete(key).await?;
            return Ok(present);
        }
        self.put(key, data, ttl, Some("XX")).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        ::redis::cmd("DEL")
            .arg(self.make_key(key))
            .query_async::<i64>(&mut self.conn.clone())
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn has_key(&self, key: &str) -> Result<bool, StoreError> {
        ::redis::cmd("EXISTS")
            .arg(self.make_key(key))
            .query_async::<i64>(&mut self.conn.clone())
            .await
            .map(|n| n > 0)
            .map_err(backend)
    }
}
