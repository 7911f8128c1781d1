//! The `file` engine: one file per session in `SESSION_FILE_PATH`, named
//! `SESSION_COOKIE_NAME + key`, holding the stored session data (`django/contrib/sessions/backends/file.py`).

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::super::datetime::timezone_now;
use super::super::expiry::{EXPIRY_KEY, ExpiryAge, get_expiry_age};
use super::super::{Session, SessionStore, StoreError, new_session_key};
use super::stored::SessionCodec;
use crate::conf::Settings;
use crate::error::{Error, ErrorKind, Malformed};
use crate::pyjson::Value;
use crate::version::DjangoVersion;

/// Django's file session engine over a directory.
///
/// ```
/// use djsign::{sessions::{backends::file::FileSessionStore, Session}, Settings};
/// let dir = std::env::temp_dir().join(format!("djsign-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let store = FileSessionStore::new(&Settings::new("django-insecure-test-key"), &dir)?;
/// let mut s = Session::new();
/// s.insert("a", &1)?;
/// let key = store.save(&mut s, djsign::signing::now())?;
/// assert!(dir.join(format!("sessionid{key}")).exists());
/// assert_eq!(store.load(Some(&key), djsign::signing::now()).get_as::<i32>("a")?, Some(1));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FileSessionStore {
    dir: PathBuf,
    prefix: String,
    codec: SessionCodec,
    cookie_age: i64,
    use_tz: bool,
    version: DjangoVersion,
}

/// Random characters after `_out_` in a temporary file's name (as `tempfile.mkstemp`).
const TEMP_SUFFIX_LEN: usize = 8;

/// Creates `path` for writing, failing if anything (a file, a symbolic link) is there
/// already; on Unix the file is readable and writable by its owner only (mode 0600).
fn exclusive_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The bytes of `path` and its modification time in microseconds as Django sees it
/// (Python's float `st_mtime`, seconds plus nanoseconds * 1e-9 as a double, then
/// `datetime.fromtimestamp`, which rounds the fraction to microseconds half to even),
/// both from one open file. `None` if it cannot be opened or read.
fn read_with_mtime(path: &Path) -> Option<(Vec<u8>, i128)> {
    let mut file = std::fs::File::open(path).ok()?;
    let modified = file.metadata().and_then(|m| m.modified()).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let mtime = modified.duration_since(UNIX_EPOCH).map_or(0, |d| {
        let t = d.as_secs() as f64 + f64::from(d.subsec_nanos()) * 1e-9;
        let whole = t.trunc();
        whole as i128 * 1_000_000 + ((t - whole) * 1e6).round_ties_even() as i128
    });
    Some((bytes, mtime))
}

fn io_error(e: std::io::Error) -> Error {
    ErrorKind::ImproperlyConfigured(format!("session file: {e}")).into()
}

impl FileSessionStore {
    /// A store writing into `dir` (Django's `SESSION_FILE_PATH`).
    ///
    /// ```
    /// let store = djsign::sessions::backends::file::FileSessionStore::new(&djsign::Settings::new("k"), std::env::temp_dir());
    /// assert!(store.is_ok());
    /// ```
    pub fn new(settings: &Settings, dir: impl AsRef<Path>) -> Result<FileSessionStore, Error> {
        Ok(FileSessionStore {
            dir: dir.as_ref().to_owned(),
            prefix: settings.session_cookie_name.clone(),
            codec: SessionCodec::new(settings)?,
            cookie_age: settings.session_cookie_age,
            use_tz: settings.use_tz,
            version: settings.version,
        })
    }

    /// The file of `key`, or `None` for a key Django refuses (characters outside
    /// `[a-z0-9]`: `InvalidSessionKey`).
    fn path(&self, key: &str) -> Option<PathBuf> {
        key.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            .then(|| self.dir.join(format!("{}{key}", self.prefix)))
    }

    /// Django's `load()` for `key` at clock `now`: a missing file or a key with invalid
    /// characters gives a new session without a key; stored data past its expiry (the
    /// session's `_session_expiry`, else the file's modification time plus
    /// `SESSION_COOKIE_AGE`) gives an empty one.
    ///
    /// ```
    /// let store = djsign::sessions::backends::file::FileSessionStore::new(&djsign::Settings::new("k"), std::env::temp_dir())?;
    /// assert!(store.load(Some("../../etc/passwd"), 0.0).key().is_none());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn load(&self, key: Option<&str>, now: impl Into<crate::UnixTime>) -> Session {
        let now = now.into().as_secs_f64();
        let Some(key) = key.filter(|k| k.chars().count() >= 8) else {
            return Session::new();
        };
        let Some(path) = self.path(key) else {
            return Session::new();
        };
        // Content and modification time from one open file: a save that renames a new
        // file into place between two lookups cannot pair one file's data with the
        // other's time.
        let Some((bytes, mtime)) = read_with_mtime(&path) else {
            return Session::new();
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Session::corrupt(
                Some(key.to_owned()),
                Malformed::Type("session file is not ASCII".into()).into(),
            );
        };
        let session = self.codec.session(key, &text);
        let expired = match session
            .data_untracked()
            .get(EXPIRY_KEY)
            .filter(|v| !matches!(v, Value::Null | Value::Int(0) | Value::Bool(false)))
        {
            Some(custom) => match get_expiry_age(
                Some(custom),
                timezone_now(now, self.use_tz),
                self.cookie_age,
                self.version,
            ) {
                Ok(ExpiryAge::Seconds(s)) => s <= 0,
                Ok(age) => age.seconds().is_some_and(|s| s <= 0.0),
                Err(_) => true,
            },
            // mtime + SESSION_COOKIE_AGE - now, in whole seconds (floored, as timedelta's
            // days * 86400 + seconds), computed in exact microseconds.
            None => {
                let now_us = (now * 1e6).round_ties_even() as i128;
                mtime + i128::from(self.cookie_age) * 1_000_000 - now_us < 1_000_000
            }
        };
        if expired {
            let _ = std::fs::remove_file(&path);
            let mut s = Session::reset(
                None,
                ErrorKind::Expired {
                    age: now - mtime as f64 / 1e6,
                    max_age: crate::MaxAge::Seconds(self.cookie_age),
                }
                .into(),
            );
            s.cycle_key();
            return s;
        }
        session
    }

    /// Django's `save()`: writes the stored data atomically (temporary file, then rename);
    /// a session without a key, or after `cycle_key()`, gets a new key (and the old file
    /// is removed). Returns the key for the cookie.
    ///
    /// ```
    /// # use djsign::sessions::{backends::file::FileSessionStore, Session};
    /// let store = FileSessionStore::new(&djsign::Settings::new("k"), std::env::temp_dir())?;
    /// let key = store.save(&mut Session::new(), 0.0)?;
    /// assert_eq!(key.len(), 32);
    /// # std::fs::remove_file(std::env::temp_dir().join(format!("sessionid{key}"))).ok();
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn save(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime>,
    ) -> Result<String, Error> {
        let now = now.into().as_secs_f64();
        let old = session.key().map(str::to_owned);
        let key = match (&old, session.wants_new_key()) {
            (Some(k), false) if self.path(k).is_some() => k.clone(),
            _ => loop {
                let k = new_session_key()
                    .map_err(|e| ErrorKind::ImproperlyConfigured(format!("no random key: {e}")))?;
                let path = self.path(&k).unwrap_or_default();
                match exclusive_file(&path) {
                    Ok(_) => break k,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(io_error(e)),
                }
            },
        };
        let blob = self.codec.encode(session.data_untracked(), now);
        self.write_atomically(&key, blob.as_bytes())?;
        if let Some(old) = old.filter(|o| *o != key) {
            if let Some(p) = self.path(&old) {
                let _ = std::fs::remove_file(p);
            }
        }
        session.set_key(Some(key.clone()));
        Ok(key)
    }

    /// Writes `data` as the file of `key` the way Django's `save()` does: into a new
    /// temporary file beside it (`tempfile.mkstemp`: a random name, created exclusively,
    /// so an existing file or symbolic link of that name is never followed, readable by
    /// the owner only), then renamed over the session file. A reader sees the old file or
    /// the new one, never a partial write; concurrent saves of one session each write
    /// their own temporary file and the last rename wins, as in Django.
    fn write_atomically(&self, key: &str, data: &[u8]) -> Result<(), Error> {
        let path = self.path(key).unwrap_or_default();
        let (tmp, mut file) = loop {
            let suffix = new_session_key()
                .map_err(|e| ErrorKind::ImproperlyConfigured(format!("no random name: {e}")))?;
            let tmp = self.dir.join(format!(
                "{}{key}_out_{}",
                self.prefix,
                &suffix[..TEMP_SUFFIX_LEN]
            ));
            match exclusive_file(&tmp) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(e)),
            }
        };
        let written = file.write_all(data).and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, &path)
        });
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_error(e)
        })
    }

    /// Whether `key` is valid here but its file is missing: saving it is then Django's
    /// `UpdateError` (the file was deleted since the session was loaded).
    pub(crate) fn is_gone(&self, key: &str) -> bool {
        self.path(key).is_some_and(|p| !p.exists())
    }

    /// Whether a file exists for `key` (Django's `exists`).
    ///
    /// ```
    /// let store = djsign::sessions::backends::file::FileSessionStore::new(&djsign::Settings::new("k"), std::env::temp_dir())?;
    /// assert!(!store.exists("nosuchsessionkey"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn exists(&self, key: &str) -> bool {
        self.path(key).is_some_and(|p| p.exists())
    }

    /// Removes the file of `key`, if any (Django's `delete`).
    ///
    /// ```
    /// # use djsign::sessions::{backends::file::FileSessionStore, Session};
    /// let store = FileSessionStore::new(&djsign::Settings::new("k"), std::env::temp_dir())?;
    /// let key = store.save(&mut Session::new(), djsign::signing::now())?;
    /// store.delete(&key);
    /// assert!(!store.exists(&key));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn delete(&self, key: &str) {
        if let Some(p) = self.path(key) {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Django's `clear_expired`: loads every session file in the directory at clock `now`
    /// (loading an expired one removes it) and returns how many were removed.
    ///
    /// ```
    /// # use djsign::sessions::{backends::file::FileSessionStore, Session};
    /// let dir = std::env::temp_dir().join(format!("djsign-clear-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let store = FileSessionStore::new(&djsign::Settings::new("k"), &dir)?;
    /// store.save(&mut Session::new(), djsign::signing::now())?;
    /// assert_eq!(store.clear_expired(djsign::signing::now() + 2e6), 1);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn clear_expired(&self, now: impl Into<crate::UnixTime> + Send) -> u64 {
        let now = now.into().as_secs_f64();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(|n| n.strip_prefix(&self.prefix)) else {
                continue;
            };
            if self.exists(key) {
                self.load(Some(key), now);
                removed += u64::from(!self.exists(key));
            }
        }
        removed
    }
}

impl SessionStore for FileSessionStore {
    async fn load_session(
        &self,
        key: Option<&str>,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Session {
        let now = now.into().as_secs_f64();
        self.load(key, now)
    }

    async fn save_session(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<String, StoreError> {
        let now = now.into().as_secs_f64();
        if let Some(key) = session.key() {
            if !session.wants_new_key() && self.is_gone(key) {
                return Err(StoreError::Gone);
            }
        }
        self.save(session, now).map_err(|e| StoreError::Backend {
            engine: "file",
            message: e.to_string(),
        })
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.exists(key))
    }

    async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.delete(key);
        Ok(())
    }

    async fn clear_expired(
        &self,
        now: impl Into<crate::UnixTime> + Send,
    ) -> Result<u64, StoreError> {
        let now = now.into().as_secs_f64();
        Ok(self.clear_expired(now))
    }
}
