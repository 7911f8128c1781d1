//! Session engines (`django.contrib.sessions.backends`).

#[cfg(any(feature = "redis", feature = "memcached"))]
pub mod cache;
#[cfg(all(
    any(feature = "redis", feature = "memcached"),
    any(feature = "postgres", feature = "mysql", feature = "sqlite")
))]
pub mod cached_db;
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
pub mod db;
pub mod file;
pub mod signed_cookies;
pub mod stored;
