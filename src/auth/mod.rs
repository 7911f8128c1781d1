//! Who is logged in: Django's session auth keys and hash (`django/contrib/auth/__init__.py`).
//!
//! Django keeps the user's primary key (as a string), the authentication backend's dotted
//! path and a hash of the user's stored password hash in the session. On every request
//! `get_user` checks the hash against the user's current password hash, so changing a
//! password ends the other sessions. This module does the same from Rust, given a way to
//! fetch a user's current password hash.

pub mod tokens;

use crate::conf::Settings;
use crate::crypto::{Algorithm, SecretKey, constant_time_eq, salted_hmac};
use crate::sessions::Session;
use crate::version::DjangoVersion;

/// Session key of the user id (`SESSION_KEY`).
///
/// ```
/// assert_eq!(djsign::auth::SESSION_KEY, "_auth_user_id");
/// ```
pub const SESSION_KEY: &str = "_auth_user_id";
/// Session key of the backend path (`BACKEND_SESSION_KEY`).
///
/// ```
/// assert_eq!(djsign::auth::BACKEND_SESSION_KEY, "_auth_user_backend");
/// ```
pub const BACKEND_SESSION_KEY: &str = "_auth_user_backend";
/// Session key of the auth hash (`HASH_SESSION_KEY`).
///
/// ```
/// assert_eq!(djsign::auth::HASH_SESSION_KEY, "_auth_user_hash");
/// ```
pub const HASH_SESSION_KEY: &str = "_auth_user_hash";
/// Django's default backend path.
///
/// ```
/// assert_eq!(djsign::auth::MODEL_BACKEND, "django.contrib.auth.backends.ModelBackend");
/// ```
pub const MODEL_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";

const KEY_SALT: &str = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// `AbstractBaseUser.get_session_auth_hash()` for a user whose stored password field is
/// `password_hash`, keyed with `key`: lower-case hex, sha1 up to 3.0, the
/// `DEFAULT_HASHING_ALGORITHM` on 3.1/3.2, sha256 from 4.0.
///
/// ```
/// use djsign::{auth::session_auth_hash, DjangoVersion, Settings};
/// let mut s = Settings::new("django-insecure-test-key");
/// let h = session_auth_hash("pbkdf2_sha256$260000$salt$hash=", &s.secret_key, &s);
/// assert_eq!(h, "71ffa6a50e5842276af5c9a3ed27e85ea6b58ef7ecead752eda4402a98b037ae");
/// s.version = DjangoVersion::V3_0;
/// assert_eq!(session_auth_hash("pbkdf2_sha256$260000$salt$hash=", &s.secret_key, &s),
///            "d1b9087dd14166f860be49e9f1a60a6d6a692dbd");
/// ```
pub fn session_auth_hash(password_hash: &str, key: &SecretKey, settings: &Settings) -> String {
    salted_hmac(
        KEY_SALT,
        password_hash.as_bytes(),
        key,
        settings.signing_algorithm(),
    )
    .to_hex()
}

/// The outcome of [`get_user`].
///
/// ```
/// use djsign::{auth::{get_user, AuthUser, MODEL_BACKEND}, sessions::Session, Settings};
/// let mut s = Session::new();
/// assert_eq!(get_user(&mut s, &[MODEL_BACKEND], |_| None, &Settings::new("k")), AuthUser::Anonymous);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthUser {
    /// Nobody is logged in (Django's `AnonymousUser`).
    Anonymous,
    /// The user with this id (the string stored in `_auth_user_id`).
    User(String),
}

impl AuthUser {
    /// The user id parsed into the caller's primary-key type (`i64`, a UUID type, …), as
    /// Django's `pk.to_python` does; `None` for anonymous or an id that does not parse.
    ///
    /// ```
    /// use djsign::auth::AuthUser;
    /// assert_eq!(AuthUser::User("42".into()).id::<i64>(), Some(42));
    /// assert_eq!(AuthUser::Anonymous.id::<i64>(), None);
    /// ```
    pub fn id<T: std::str::FromStr>(&self) -> Option<T> {
        match self {
            AuthUser::User(id) => id.parse().ok(),
            AuthUser::Anonymous => None,
        }
    }
}

/// The logged-in user's id as the session holds it (`_auth_user_id`): a string, or an
/// integer (Django's pk `to_python` accepts both); `None` for anything else.
///
/// ```
/// use djsign::{auth, sessions::Session};
/// let mut s = Session::new();
/// assert_eq!(auth::session_user_id(&s), None);
/// s.insert(auth::SESSION_KEY, &42)?;
/// assert_eq!(auth::session_user_id(&s).as_deref(), Some("42"));
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn session_user_id(session: &Session) -> Option<String> {
    match session.get(SESSION_KEY)? {
        crate::pyjson::Value::Str(s) => s.as_str().map(str::to_owned),
        crate::pyjson::Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Django's `auth.get_user(request)` on a session: the user whose id is stored, if the
/// stored backend is one of `backends` (Django's `AUTHENTICATION_BACKENDS`), `password_hash`
/// finds the user (its current stored password field; `None` when the user does not exist)
/// and the stored auth hash matches it. As in Django:
///
/// - a missing or wrong hash flushes the session and answers anonymous;
/// - from 4.1, a hash made with a `SECRET_KEY_FALLBACKS` key is accepted, the session key is
///   cycled and the hash rewritten with the current key;
/// - on 3.1/3.2 the sha1 hash of the legacy algorithm is accepted too.
///
/// ```
/// use djsign::{auth::{self, AuthUser}, sessions::Session, Settings};
/// let settings = Settings::new("django-insecure-test-key");
/// let password = "pbkdf2_sha256$260000$salt$hash=";
/// let mut session = Session::new();
/// auth::login(&mut session, "1", auth::MODEL_BACKEND, password, &settings);
/// let lookup = |id: &str| (id == "1").then(|| password.to_string());
/// assert_eq!(auth::get_user(&mut session, &[auth::MODEL_BACKEND], lookup, &settings), AuthUser::User("1".into()));
/// // After a password change the session no longer authenticates, and is flushed.
/// let changed = |_: &str| Some("pbkdf2_sha256$260000$salt$other=".to_string());
/// assert_eq!(auth::get_user(&mut session, &[auth::MODEL_BACKEND], changed, &settings), AuthUser::Anonymous);
/// assert!(session.data().is_empty());
/// ```
pub fn get_user(
    session: &mut Session,
    backends: &[&str],
    password_hash: impl FnOnce(&str) -> Option<String>,
    settings: &Settings,
) -> AuthUser {
    let (Some(id), Some(backend)) = (
        session_user_id(session),
        session
            .get(BACKEND_SESSION_KEY)
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    ) else {
        return AuthUser::Anonymous;
    };
    if !backends.contains(&backend.as_str()) {
        return AuthUser::Anonymous;
    }
    let Some(password) = password_hash(&id) else {
        return AuthUser::Anonymous;
    };
    let stored = session
        .get(HASH_SESSION_KEY)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let current = session_auth_hash(&password, &settings.secret_key, settings);
    if !stored.is_empty() && constant_time_eq(stored.as_bytes(), current.as_bytes()) {
        return AuthUser::User(id);
    }
    let v = settings.version;
    if !stored.is_empty() && v.is_hashing_transition() {
        let legacy = salted_hmac(
            KEY_SALT,
            password.as_bytes(),
            &settings.secret_key,
            Algorithm::Sha1,
        )
        .to_hex();
        if constant_time_eq(stored.as_bytes(), legacy.as_bytes()) {
            return AuthUser::User(id);
        }
    }
    if !stored.is_empty() && v >= DjangoVersion::V4_1 {
        let by_fallback = settings.secret_key_fallbacks.iter().any(|k| {
            constant_time_eq(
                stored.as_bytes(),
                session_auth_hash(&password, k, settings).as_bytes(),
            )
        });
        if by_fallback {
            session.cycle_key();
            session.insert_value(HASH_SESSION_KEY, current.into());
            return AuthUser::User(id);
        }
    }
    session.flush();
    AuthUser::Anonymous
}

/// Django's `auth.login(request, user, backend)` on a session: a different user (or the
/// same user with another password hash) already in the session flushes it; no user at
/// all cycles the key (anonymous data is kept); then the id, backend and hash are stored
/// in Django's order. (Django also rotates the CSRF token and updates `last_login`.)
///
/// ```
/// use djsign::{auth, pyjson, sessions::Session, Settings};
/// let mut session = Session::new();
/// session.insert("cart", &[1])?;
/// auth::login(&mut session, "1", auth::MODEL_BACKEND, "pbkdf2_sha256$260000$salt$hash=", &Settings::new("django-insecure-test-key"));
/// let keys: Vec<String> = session.data().keys().map(|k| k.to_string()).collect();
/// assert_eq!(keys, ["cart", "_auth_user_id", "_auth_user_backend", "_auth_user_hash"]);
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn login(
    session: &mut Session,
    user_id: &str,
    backend: &str,
    password_hash: &str,
    settings: &Settings,
) {
    let hash = session_auth_hash(password_hash, &settings.secret_key, settings);
    if session.contains_key(SESSION_KEY) {
        let same_user = session_user_id(session).as_deref() == Some(user_id);
        let stored = session
            .get(HASH_SESSION_KEY)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        if !same_user || !constant_time_eq(stored.as_bytes(), hash.as_bytes()) {
            session.flush();
        }
    } else {
        session.cycle_key();
    }
    session.insert_value(SESSION_KEY, user_id.into());
    session.insert_value(BACKEND_SESSION_KEY, backend.into());
    session.insert_value(HASH_SESSION_KEY, hash.into());
}

/// Django's `auth.logout(request)`: flushes the session.
///
/// ```
/// let mut s = djsign::sessions::Session::new();
/// s.insert("_auth_user_id", "1")?;
/// djsign::auth::logout(&mut s);
/// assert!(s.is_empty());
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn logout(session: &mut Session) {
    session.flush();
}
