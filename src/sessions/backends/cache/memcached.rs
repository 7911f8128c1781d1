//! Django's memcached backends (`PyMemcacheCache`, 3.2+, and `PyLibMCCache`) as a
//! [`SessionCache`] (`django/core/cache/backends/memcached.py`).
//!
//! What Django puts in memcached, and djsign with it: under Django's key (checked as
//! Django's memcached backends check keys: at most 250 characters, no spaces or control
//! characters), a session dict pickled with the Python's `HIGHEST_PROTOCOL` and the
//! client flag `1`, which pymemcache's `pickle_serde` and pylibmc both use for pickles.
//! Values compressed by either client (flag `8`, zlib) are read too. The timeout is
//! Django's `get_backend_timeout`: `0` becomes `-1` (expire at once), and one of more
//! than 30 days becomes an absolute Unix time, as memcached reads such numbers.
//!
//! The client speaks the six commands of memcached's text protocol these engines use
//! (`get`, `set`, `add`, `replace`, `delete`), over a small pool of connections, so
//! concurrent requests never share one. It is written here rather than taken from a
//! crate because Django's session `save()` needs `replace` with client flags and every
//! read needs the value's flags: the async memcached crates offer `replace` only through
//! the meta protocol of memcached 1.6+, and the others block. One server (`LOCATION`);
//! Django's multi-server key hashing is not modelled.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{SessionCache, pickled_dict};
use crate::encoding::zlib;
use crate::pickle;
use crate::pyjson::Dict;
use crate::sessions::StoreError;

/// Client flag of a pickled value (pymemcache `FLAG_PICKLE`, pylibmc `PYLIBMC_FLAG_PICKLE`).
pub const FLAG_PICKLE: u32 = 1;
/// Client flag of a zlib-compressed value (pymemcache `FLAG_COMPRESSED`, pylibmc
/// `PYLIBMC_FLAG_ZLIB`).
pub const FLAG_ZLIB: u32 = 1 << 3;
/// Memcached's longest key, as Django checks it (`MEMCACHE_MAX_KEY_LENGTH`).
const MAX_KEY_LENGTH: usize = 250;
/// Timeouts beyond this many seconds are absolute Unix times to memcached.
const RELATIVE_LIMIT: i64 = 60 * 60 * 24 * 30;
/// The largest value read (memcached's default item limit is 1 MiB).
const MAX_VALUE: usize = 64 << 20;
/// Idle connections kept.
const POOL: usize = 16;

/// A Django cache on one memcached server.
///
/// ```
/// use djsign::sessions::backends::cache::{memcached::MemcachedCache, SessionCache};
/// let cache = MemcachedCache::new("127.0.0.1:11211").key_prefix("shop");
/// assert_eq!(cache.make_key("k"), "shop:1:k");
/// ```
#[derive(Clone)]
pub struct MemcachedCache {
    addr: String,
    key_prefix: String,
    version: i64,
    idle: Arc<Mutex<Vec<Conn>>>,
}

impl std::fmt::Debug for MemcachedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedCache")
            .field("addr", &self.addr)
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn backend(message: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        engine: "cache",
        message: format!("memcached: {message}"),
    }
}

/// `get_backend_timeout(timeout)` of Django's memcached backends, at clock `now`.
///
/// ```
/// use djsign::sessions::backends::cache::memcached::backend_timeout;
/// assert_eq!(backend_timeout(0, 1e9), -1);
/// assert_eq!(backend_timeout(1_209_600, 1e9), 1_209_600);
/// assert_eq!(backend_timeout(2_592_001, 1e9), 1_002_592_001);
/// ```
pub fn backend_timeout(timeout: i64, now: impl Into<crate::UnixTime>) -> i64 {
    let now = now.into().as_secs_f64();
    match timeout {
        0 => -1,
        t if t > RELATIVE_LIMIT => t.saturating_add(now.trunc() as i64),
        t => t,
    }
}

/// One connection: buffered reads, direct writes.
struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    /// A reply line, without its `\r\n` (bounded: replies to these commands are short).
    async fn line(&mut self) -> Result<String, StoreError> {
        let mut buf = Vec::new();
        let n = (&mut self.stream)
            .take(1024)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(backend)?;
        if n == 0 || !buf.ends_with(b"\r\n") {
            return Err(backend("connection closed or reply line too long"));
        }
        buf.truncate(buf.len() - 2);
        String::from_utf8(buf).map_err(|_| backend("reply is not text"))
    }

    async fn send(&mut self, head: &str, data: Option<&[u8]>) -> Result<(), StoreError> {
        let mut out = Vec::with_capacity(head.len() + data.map_or(0, <[u8]>::len) + 4);
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(d) = data {
            out.extend_from_slice(d);
            out.extend_from_slice(b"\r\n");
        }
        self.stream.get_mut().write_all(&out).await.map_err(backend)
    }

    /// `get`: the value's flags and bytes, if present.
    async fn get(&mut self, key: &str) -> Result<Option<(u32, Vec<u8>)>, StoreError> {
        self.send(&format!("get {key}"), None).await?;
        let line = self.line().await?;
        if line == "END" {
            return Ok(None);
        }
        let mut parts = line.split(' ');
        let (Some("VALUE"), Some(_), Some(flags), Some(len)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(backend(format!("unexpected reply to get: {line:.80}")));
        };
        let flags: u32 = flags.parse().map_err(|_| backend("bad flags"))?;
        let len: usize = len.parse().map_err(|_| backend("bad length"))?;
        if len > MAX_VALUE {
            return Err(backend(format!("value of {len} bytes is over the limit")));
        }
        let mut data = vec![0; len + 2];
        self.stream.read_exact(&mut data).await.map_err(backend)?;
        data.truncate(len);
        match self.line().await?.as_str() {
            "END" => Ok(Some((flags, data))),
            other => Err(backend(format!("unexpected reply to get: {other:.80}"))),
        }
    }

    /// `set`, `add` or `replace`: whether it was stored.
    async fn store(
        &mut self,
        cmd: &str,
        key: &str,
        data: &[u8],
        exptime: i64,
    ) -> Result<bool, StoreError> {
        let head = format!("{cmd} {key} {FLAG_PICKLE} {exptime} {}", data.len());
        self.send(&head, Some(data)).await?;
        match self.line().await?.as_str() {
            "STORED" => Ok(true),
            "NOT_STORED" => Ok(false),
            other => Err(backend(format!("{cmd}: {other:.80}"))),
        }
    }

    async fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        self.send(&format!("delete {key}"), None).await?;
        match self.line().await?.as_str() {
            "DELETED" | "NOT_FOUND" => Ok(()),
            other => Err(backend(format!("delete: {other:.80}"))),
        }
    }
}

impl MemcachedCache {
    /// A cache with Django's defaults (`KEY_PREFIX = ""`, `VERSION = 1`) on the server at
    /// `addr` (`host:port`, Django's `LOCATION`). Nothing connects until the first call.
    pub fn new(addr: impl Into<String>) -> MemcachedCache {
        MemcachedCache {
            addr: addr.into(),
            key_prefix: String::new(),
            version: 1,
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The cache's `KEY_PREFIX`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> MemcachedCache {
        self.key_prefix = prefix.into();
        self
    }

    /// The cache's `VERSION`.
    pub fn version(mut self, version: i64) -> MemcachedCache {
        self.version = version;
        self
    }

    /// `make_and_validate_key`: Django's memcached backends refuse a key memcached would.
    fn valid_key(&self, key: &str) -> Result<String, StoreError> {
        let key = self.make_key(key);
        if key.chars().count() > MAX_KEY_LENGTH {
            return Err(backend(format!(
                "key longer than {MAX_KEY_LENGTH} characters"
            )));
        }
        if key.chars().any(|c| (c as u32) < 33 || c as u32 == 127) {
            return Err(backend("key with a space or control character"));
        }
        Ok(key)
    }

    async fn conn(&self) -> Result<Conn, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => Ok(Conn {
                stream: BufReader::new(TcpStream::connect(&self.addr).await.map_err(backend)?),
            }),
        }
    }

    /// Keeps a connection whose last exchange completed.
    fn keep(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < POOL {
                idle.push(conn);
            }
        }
    }

    async fn store(
        &self,
        cmd: &str,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: f64,
    ) -> Result<bool, StoreError> {
        let key = self.valid_key(key)?;
        let bytes = pickle::dict_to_vec(data);
        let mut conn = self.conn().await?;
        let stored = conn
            .store(cmd, &key, &bytes, backend_timeout(timeout, now))
            .await?;
        self.keep(conn);
        Ok(stored)
    }
}

/// A memcached item as pymemcache and pylibmc read it back for Django: inflated if
/// flagged [`FLAG_ZLIB`], unpickled if flagged [`FLAG_PICKLE`]; anything else (text,
/// integers, raw bytes) is not a session.
///
/// ```
/// use djsign::sessions::backends::cache::memcached::{session_value, FLAG_PICKLE};
/// let d = session_value(FLAG_PICKLE, b"\x80\x05}\x94.").unwrap();
/// assert!(d.is_empty());
/// assert!(session_value(16, b"text").is_err());
/// ```
pub fn session_value(flags: u32, data: &[u8]) -> Result<Dict, StoreError> {
    let inflated;
    let data = if flags & FLAG_ZLIB != 0 {
        inflated = zlib::decompress(data, crate::signing::DEFAULT_MAX_DECOMPRESSED_SIZE)
            .map_err(|e| StoreError::Unsupported(format!("compressed cache value: {e}")))?;
        &inflated[..]
    } else {
        data
    };
    if flags & FLAG_PICKLE == 0 {
        return Err(StoreError::Unsupported(format!(
            "cached value with memcached flags {flags} is not a pickle"
        )));
    }
    pickled_dict(data)
}

impl SessionCache for MemcachedCache {
    fn make_key(&self, key: &str) -> String {
        format!("{}:{}:{key}", self.key_prefix, self.version)
    }

    async fn get_dict(&self, key: &str) -> Result<Option<Result<Dict, StoreError>>, StoreError> {
        let key = self.valid_key(key)?;
        let mut conn = self.conn().await?;
        let value = conn.get(&key).await?;
        self.keep(conn);
        Ok(value.map(|(flags, data)| session_value(flags, &data)))
    }

    async fn set_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<(), StoreError> {
        let now = now.into().as_secs_f64();
        if !self.store("set", key, data, timeout, now).await? {
            // Django's memcached `set`: a value the server refused is deleted.
            self.delete(key).await?;
        }
        Ok(())
    }

    async fn add_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<bool, StoreError> {
        let now = now.into().as_secs_f64();
        self.store("add", key, data, timeout, now).await
    }

    async fn replace_dict(
        &self,
        key: &str,
        data: &Dict,
        timeout: i64,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<bool, StoreError> {
        let now = now.into().as_secs_f64();
        self.store("replace", key, data, timeout, now).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let key = self.valid_key(key)?;
        let mut conn = self.conn().await?;
        conn.delete(&key).await?;
        self.keep(conn);
        Ok(())
    }

    async fn has_key(&self, key: &str) -> Result<bool, StoreError> {
        let key = self.valid_key(key)?;
        let mut conn = self.conn().await?;
        let present = conn.get(&key).await?.is_some();
        self.keep(conn);
        Ok(present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_by_their_flags() {
        let d: Dict = [("a", 1.into())].into_iter().collect();
        let pickled = pickle::dict_to_vec(&d);
        assert_eq!(session_value(FLAG_PICKLE, &pickled), Ok(d.clone()));
        let zipped = zlib::compress(&pickled);
        assert_eq!(session_value(FLAG_PICKLE | FLAG_ZLIB, &zipped), Ok(d));
        assert!(matches!(
            session_value(16, b"text"),
            Err(StoreError::Unsupported(_))
        ));
        assert!(matches!(
            session_value(FLAG_ZLIB | FLAG_PICKLE, b"junk"),
            Err(StoreError::Unsupported(_))
        ));
    }

    #[test]
    fn keys_are_checked_as_django_checks_them() {
        let c = MemcachedCache::new("127.0.0.1:1");
        assert!(c.valid_key("django.contrib.sessions.cacheabc").is_ok());
        assert!(c.valid_key("with space").is_err());
        assert!(c.valid_key("tab\t").is_err());
        assert!(c.valid_key(&"k".repeat(247)).is_ok()); // ":1:" + 247 = 250
        assert!(c.valid_key(&"k".repeat(248)).is_err());
    }
}
