//! The `db` engine (Django's default `SESSION_ENGINE`): sessions in Django's own
//! `django_session` table, over the caller's sqlx pool (PostgreSQL, MySQL/MariaDB, SQLite).
//!
//! The table is the one Django's migrations create, unchanged from 1.11 to 6.1:
//!
//! | column | type | |
//! |---|---|---|
//! | `session_key` | `varchar(40)` | primary key |
//! | `session_data` | `text` | the encoded session ([`SessionCodec`]) |
//! | `expire_date` | `timestamp with time zone` (PostgreSQL), `datetime(6)` (MySQL), `datetime` (SQLite) | indexed |
//!
//! Django's rules (`django/contrib/sessions/backends/db.py`): a row loads only while `expire_date > now` (strictly);
//! `save` writes `expire_date = get_expiry_date()`; a session without a key gets a new
//! random key by `INSERT`, retried on a key collision; a session with a key is saved by
//! `UPDATE`, and if its row was deleted meanwhile (a logout in a concurrent request) the
//! save fails with [`StoreError::Gone`] (Django's `UpdateError`, a 400 response);
//! `cycle_key` inserts the data under a new key and deletes the old row; `clear_expired`
//! deletes rows with `expire_date < now`.
//!
//! Dates are written as Django writes them: with `USE_TZ = True` in UTC (PostgreSQL
//! `timestamptz`; MySQL and SQLite naive UTC); with `USE_TZ = False` as naive local time,
//! which djsign takes to be UTC (set Django's `TIME_ZONE = "UTC"` when `USE_TZ = False`).
//! Concurrent writes from both stacks behave as in Django: the last `UPDATE` wins.

use sqlx::Row as _;

use super::super::datetime::timezone_now;
use super::super::store::{SessionStore, StoreError};
use super::super::{PyDateTime, Session, new_session_key};
use super::stored::SessionCodec;
use crate::conf::Settings;
use crate::error::{Error, ErrorKind, Malformed};

/// How many fresh keys `create` tries before giving up (Django retries forever; a
/// collision of 32 random characters means something else is wrong).
const CREATE_ATTEMPTS: usize = 100;

/// A sqlx pool of one of the supported databases (build it with `.into()`).
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// # tokio_test_block(async {
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
/// let db: djsign::sessions::backends::db::Pool = pool.into();
/// # });
/// # }
/// # fn tokio_test_block<F: std::future::Future>(f: F) { tokio::runtime::Runtime::new().unwrap().block_on(f); }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Pool {
    /// PostgreSQL (feature `postgres`).
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// MySQL or MariaDB (feature `mysql`).
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
    /// SQLite (feature `sqlite`), Django's embedded default.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
}

#[cfg(feature = "postgres")]
impl From<sqlx::PgPool> for Pool {
    fn from(p: sqlx::PgPool) -> Pool {
        Pool::Postgres(p)
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::MySqlPool> for Pool {
    fn from(p: sqlx::MySqlPool) -> Pool {
        Pool::MySql(p)
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::SqlitePool> for Pool {
    fn from(p: sqlx::SqlitePool) -> Pool {
        Pool::Sqlite(p)
    }
}

/// The statements, with the pool's placeholder style.
#[derive(Clone, Debug)]
struct Sql {
    load: String,
    insert: String,
    update: String,
    delete: String,
    exists: String,
    clear: String,
}

impl Sql {
    fn new(table: &str, numbered: bool) -> Sql {
        // Written with `?`; PostgreSQL wants `$1, $2, …` in the same order.
        let fix = |q: String| {
            if !numbered {
                return q;
            }
            let mut out = String::with_capacity(q.len() + 4);
            let mut n = 0;
            for c in q.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        };
        Sql {
            load: fix(format!(
                "SELECT session_data, expire_date FROM {table} WHERE session_key = ? AND expire_date > ?"
            )),
            insert: fix(format!(
                "INSERT INTO {table} (session_key, session_data, expire_date) VALUES (?, ?, ?)"
            )),
            update: fix(format!(
                "UPDATE {table} SET session_data = ?, expire_date = ? WHERE session_key = ?"
            )),
            delete: fix(format!("DELETE FROM {table} WHERE session_key = ?")),
            exists: fix(format!("SELECT 1 FROM {table} WHERE session_key = ?")),
            clear: fix(format!("DELETE FROM {table} WHERE expire_date < ?")),
        }
    }
}

/// Django's `db` session engine over a sqlx pool.
///
/// ```
/// # #[cfg(feature = "sqlite")]
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use djsign::sessions::{backends::db::DbSessionStore, Session, SessionStore};
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
/// let store = DbSessionStore::new(&djsign::Settings::new("django-insecure-test-key"), pool)?;
/// store.create_table().await?; // tests only: Django's migrations own the table
/// let mut s = Session::new();
/// s.insert("a", &1)?;
/// let key = store.save_session(&mut s, 1700000000.25).await?;
/// assert_eq!(store.load_session(Some(&key), 1700000001.0).await.get_as::<i32>("a")?, Some(1));
/// assert!(store.load_session(Some(&key), 1800000000.0).await.key().is_none()); // expired
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    pool: Pool,
    table: String,
    sql: Sql,
    codec: SessionCodec,
    settings: Settings,
}

fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend {
        engine: "db",
        message: e.to_string(),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// `PyDateTime` → UTC instant (naive values are taken as UTC).
fn utc(d: PyDateTime) -> time::OffsetDateTime {
    match d {
        PyDateTime::Aware(a) => a.to_offset(time::UtcOffset::UTC),
        PyDateTime::Naive(n) => n.assume_utc(),
    }
}

#[cfg(any(feature = "mysql", feature = "sqlite"))]
fn naive(d: PyDateTime) -> time::PrimitiveDateTime {
    let u = utc(d);
    time::PrimitiveDateTime::new(u.date(), u.time())
}

/// Python's `str(naive_datetime)`, as Django's SQLite adapter stores dates.
#[cfg(feature = "sqlite")]
fn sqlite_text(d: PyDateTime) -> String {
    PyDateTime::Naive(naive(d))
        .to_string()
        .replacen('T', " ", 1)
}

#[cfg(feature = "sqlite")]
fn parse_sqlite_text(s: &str) -> Option<time::OffsetDateTime> {
    match PyDateTime::from_isoformat(&s.replacen(' ', "T", 1)).ok()? {
        PyDateTime::Naive(n) => Some(n.assume_utc()),
        PyDateTime::Aware(a) => Some(a),
    }
}

/// Runs `$body` with `$p` bound to the concrete pool and `$stamp` to the function that
/// turns a [`PyDateTime`] into the value the database column takes, `$read` to the one
/// that reads `expire_date` back.
macro_rules! on_pool {
    ($pool:expr, $p:ident, $stamp:ident, $read:ident => $body:expr) => {
        match $pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres($p) => {
                let ($stamp, $read) = (utc, pg_read);
                $body
            }
            #[cfg(feature = "mysql")]
            Pool::MySql($p) => {
                let ($stamp, $read) = (naive, mysql_read);
                $body
            }
            #[cfg(feature = "sqlite")]
            Pool::Sqlite($p) => {
                let ($stamp, $read) = (sqlite_text, sqlite_read);
                $body
            }
        }
    };
}

impl DbSessionStore {
    /// The engine for `settings` over `pool`, on Django's `django_session` table.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    /// let store = djsign::sessions::backends::db::DbSessionStore::new(&djsign::Settings::new("k"), pool);
    /// assert!(store.is_ok());
    /// # });
    /// ```
    pub fn new(settings: &Settings, pool: impl Into<Pool>) -> Result<DbSessionStore, Error> {
        DbSessionStore::with_table(settings, pool, "django_session")
    }

    /// The engine on an SQLite database file, created if missing, with Django's table
    /// (Django's embedded default, `db.sqlite3`): for a Rust service without a database
    /// server. Against a Django project's file, Django's `migrate` has made the table.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let path = std::env::temp_dir().join(format!("djsign-doc-{}.sqlite3", std::process::id()));
    /// use djsign::sessions::backends::db::DbSessionStore;
    /// let store = DbSessionStore::sqlite(&djsign::Settings::new("k"), &path).await?;
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "sqlite")]
    pub async fn sqlite(
        settings: &Settings,
        path: impl AsRef<std::path::Path>,
    ) -> Result<DbSessionStore, StoreError> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options)
            .await
            .map_err(backend)?;
        let store = DbSessionStore::new(settings, pool)?;
        store.create_table().await?;
        Ok(store)
    }

    /// The engine on another table of the same shape (a custom session model's
    /// `db_table`); the name must be a plain SQL identifier (`[A-Za-z0-9_]`).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use djsign::sessions::backends::db::DbSessionStore;
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    /// assert!(DbSessionStore::with_table(&djsign::Settings::new("k"), pool, "x; DROP TABLE y").is_err());
    /// # });
    /// ```
    pub fn with_table(
        settings: &Settings,
        pool: impl Into<Pool>,
        table: &str,
    ) -> Result<DbSessionStore, Error> {
        if table.is_empty()
            || !table
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(ErrorKind::ImproperlyConfigured(format!(
                "session table name {table:?} is not a plain SQL identifier"
            ))
            .into());
        }
        let pool = pool.into();
        #[allow(unreachable_patterns)]
        let numbered = match &pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => true,
            _ => false,
        };
        Ok(DbSessionStore {
            sql: Sql::new(table, numbered),
            table: table.to_owned(),
            pool,
            codec: SessionCodec::new(settings)?,
            settings: settings.clone(),
        })
    }

    /// Creates the table and index as Django's migration `sessions.0001_initial` does, if
    /// missing: for tests and for a Rust service that owns its database. Against a Django
    /// database, let Django's `migrate` do it.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    /// let store = djsign::sessions::backends::db::DbSessionStore::new(&djsign::Settings::new("k"), pool).unwrap();
    /// store.create_table().await.unwrap();
    /// store.create_table().await.unwrap(); // idempotent
    /// # });
    /// ```
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let table = &self.table;
        let (create, index) = match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => (
                "timestamp with time zone",
                format!(
                    "CREATE INDEX IF NOT EXISTS {table}_expire_date_a5c62663 ON {table} (expire_date)"
                ),
            ),
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => ("datetime(6)", String::new()),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => (
                "datetime",
                format!(
                    "CREATE INDEX IF NOT EXISTS {table}_expire_date_a5c62663 ON {table} (expire_date)"
                ),
            ),
        };
        let index_inline = if index.is_empty() {
            format!(", KEY {table}_expire_date_a5c62663 (expire_date)")
        } else {
            String::new()
        };
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {table} (session_key varchar(40) NOT NULL PRIMARY KEY, \
             session_data text NOT NULL, expire_date {create} NOT NULL{index_inline})"
        );
        on_pool!(&self.pool, p, _stamp, _read => {
            sqlx::query(&ddl).execute(p).await.map_err(backend)?;
            if !index.is_empty() {
                sqlx::query(&index).execute(p).await.map_err(backend)?;
            }
        });
        Ok(())
    }

    /// The row of `key` if it has not expired at `now`: its data and `expire_date`.
    async fn fetch(
        &self,
        key: &str,
        now: f64,
    ) -> Result<Option<(String, time::OffsetDateTime)>, StoreError> {
        let now = timezone_now(now, self.settings.use_tz);
        on_pool!(&self.pool, p, stamp, read => {
            let row = sqlx::query(&self.sql.load)
                .bind(key)
                .bind(stamp(now))
                .fetch_optional(p)
                .await
                .map_err(backend)?;
            let Some(row) = row else { return Ok(None) };
            let data: String = row.try_get(0).map_err(backend)?;
            let expire = read(&row).map_err(backend)?;
            Ok(Some((data, expire)))
        })
    }

    /// Django's `load()`, and the row's `expire_date` (for the cached_db engine).
    pub(crate) async fn load_with_date(
        &self,
        key: Option<&str>,
        now: f64,
    ) -> (Session, Option<time::OffsetDateTime>) {
        let Some(key) = key.filter(|k| k.chars().count() >= 8) else {
            return (Session::new(), None);
        };
        match self.fetch(key, now).await {
            Ok(Some((data, expire))) => (self.codec.session(key, &data), Some(expire)),
            Ok(None) => (Session::new(), None),
            Err(e) => (
                Session::corrupt(None, ErrorKind::ImproperlyConfigured(e.to_string()).into()),
                None,
            ),
        }
    }

    async fn insert(&self, key: &str, data: &str, expire: PyDateTime) -> Result<(), sqlx::Error> {
        on_pool!(&self.pool, p, stamp, _read => {
            sqlx::query(&self.sql.insert)
                .bind(key)
                .bind(data)
                .bind(stamp(expire))
                .execute(p)
                .await
                .map(|_| ())
        })
    }

    async fn update(&self, key: &str, data: &str, expire: PyDateTime) -> Result<u64, StoreError> {
        on_pool!(&self.pool, p, stamp, _read => {
            sqlx::query(&self.sql.update)
                .bind(data)
                .bind(stamp(expire))
                .bind(key)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(backend)
        })
    }

    /// Django's `save()` (`create()` for a session without a key or after `cycle_key()`),
    /// at clock `now`; returns the session key.
    pub(crate) async fn save(&self, session: &mut Session, now: f64) -> Result<String, StoreError> {
        let now_dt = timezone_now(now, self.settings.use_tz);
        let expire = session
            .get_expiry_date(now_dt, &self.settings)
            .map_err(|e| Error::from(ErrorKind::Malformed(Malformed::Expiry(e))))?;
        let data = self.codec.encode(session.data_untracked(), now);
        let old = session.key().map(str::to_owned);
        match old {
            Some(key) if !session.wants_new_key() => {
                if self.update(&key, &data, expire).await? == 0 && !self.exists(&key).await? {
                    return Err(StoreError::Gone);
                }
                Ok(key)
            }
            _ => {
                let key = self.create(&data, expire).await?;
                if let Some(old) = old {
                    self.delete(&old).await?;
                }
                session.set_key(Some(key.clone()));
                Ok(key)
            }
        }
    }

    /// Inserts `data` under a fresh key (Django's `create()`).
    async fn create(&self, data: &str, expire: PyDateTime) -> Result<String, StoreError> {
        for _ in 0..CREATE_ATTEMPTS {
            let key = new_session_key().map_err(|e| StoreError::Backend {
                engine: "db",
                message: format!("no random key: {e}"),
            })?;
            match self.insert(&key, data, expire).await {
                Ok(()) => return Ok(key),
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(backend(e)),
            }
        }
        Err(StoreError::NoFreeKey)
    }

    /// Django's `exists(key)` (whether a row exists, expired or not).
    pub(crate) async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        on_pool!(&self.pool, p, _stamp, _read => {
            Ok(sqlx::query(&self.sql.exists)
                .bind(key)
                .fetch_optional(p)
                .await
                .map_err(backend)?
                .is_some())
        })
    }

    /// Django's `delete(key)`.
    pub(crate) async fn delete(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(&self.pool, p, _stamp, _read => {
            sqlx::query(&self.sql.delete)
                .bind(key)
                .execute(p)
                .await
                .map(|_| ())
                .map_err(backend)
        })
    }

    /// Django's `clear_expired()` at clock `now`: deletes rows with `expire_date < now`.
    pub(crate) async fn clear_expired(&self, now: f64) -> Result<u64, StoreError> {
        let now = timezone_now(now, self.settings.use_tz);
        on_pool!(&self.pool, p, stamp, _read => {
            sqlx::query(&self.sql.clear)
                .bind(stamp(now))
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(backend)
        })
    }
}

/// The `expire_date` column (index 1) of a fetched row, as a UTC instant.
#[cfg(feature = "postgres")]
fn pg_read(row: &sqlx::postgres::PgRow) -> Result<time::OffsetDateTime, sqlx::Error> {
    row.try_get(1)
}

#[cfg(feature = "mysql")]
fn mysql_read(row: &sqlx::mysql::MySqlRow) -> Result<time::OffsetDateTime, sqlx::Error> {
    row.try_get::<time::PrimitiveDateTime, _>(1)
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(feature = "sqlite")]
fn sqlite_read(row: &sqlx::sqlite::SqliteRow) -> Result<time::OffsetDateTime, sqlx::Error> {
    let text: String = row.try_get(1)?;
    parse_sqlite_text(&text).ok_or_else(|| sqlx::Error::Decode("expire_date is not a date".into()))
}

impl SessionStore for DbSessionStore {
    async fn load_session(
        &self,
        key: Option<&str>,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Session {
        let now = now.into().as_secs_f64();
        self.load_with_date(key, now).await.0
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
        DbSessionStore::exists(self, key).await
    }

    async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.delete(key).await
    }

    async fn clear_expired(
        &self,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<u64, StoreError> {
        let now = now.into().as_secs_f64();
        DbSessionStore::clear_expired(self, now).await
    }
}
