//! Session engines (`django.contrib.sessions.backends`).

#[cfg(feature = "redis")]
pub mod cache;
#[cfg(all(
    feature = "redis",
    any(feature = "postgres", feature = "mysql", feature = "sqlite")
))]
pub mod cached_db;
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
pub mod db;
pub mod file;
pub mod signed_cookies;
pub mod stored;
