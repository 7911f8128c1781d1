//! Password-reset tokens: Django's `PasswordResetTokenGenerator`
//! (`django/contrib/auth/tokens.py`) and the `uidb64` part of reset links
//! (`urlsafe_base64_encode`/`urlsafe_base64_decode`, `django/utils/http.py`).
//!
//! A reset link is `<uidb64>/<token>/`: the user's primary key in URL-safe base 64, then
//! `<timestamp in base 36>-<every other hex digit of a salted HMAC>`. The HMAC covers the
//! user's primary key, password hash, last login (truncated to the second), the
//! timestamp and, from Django 3.2, the email; so a token dies when the password changes
//! or the user logs in. What changes by version, as each release's `tokens.py` has it:
//!
//! | Django | timestamp | HMAC | keys tried | timeout |
//! |---|---|---|---|---|
//! | 2.2, 3.0 | days since 2001-01-01 | sha1 | `SECRET_KEY` | `PASSWORD_RESET_TIMEOUT_DAYS` (days) |
//! | 3.1 | seconds since 2001-01-01 | `DEFAULT_HASHING_ALGORITHM`, then sha1 | `SECRET_KEY` | `PASSWORD_RESET_TIMEOUT` (seconds) |
//! | 3.2 | as 3.1, email added | as 3.1 | `SECRET_KEY` | as 3.1 |
//! | 4.0 | seconds | sha256 | `SECRET_KEY` | seconds |
//! | 4.1 – 6.1 | seconds | sha256 | `SECRET_KEY`, then `SECRET_KEY_FALLBACKS` | seconds |
//!
//! On 3.1 and 3.2 a token with fewer than four base-36 digits is a pre-3.1 token (days):
//! its age counts from midnight, server time, of its day.
//!
//! Django takes "now" as the server's local time (`datetime.now()` under `TIME_ZONE`);
//! djsign takes a Unix time and the UTC offset of the server's local time at that moment
//! ([`PasswordResetTokenGenerator::utc_offset`], 0 by default: `TIME_ZONE = "UTC"`).

use std::fmt;

use crate::conf::Settings;
use crate::crypto::{Algorithm, KeyedMac, SecretKey, constant_time_eq};
use crate::encoding::base64;
use crate::sessions::PyDateTime;
use crate::version::DjangoVersion;

/// `PasswordResetTokenGenerator.key_salt`.
///
/// ```
/// assert_eq!(djsign::auth::tokens::RESET_KEY_SALT,
///            "django.contrib.auth.tokens.PasswordResetTokenGenerator");
/// ```
pub const RESET_KEY_SALT: &str = "django.contrib.auth.tokens.PasswordResetTokenGenerator";

/// Unix time of 2001-01-01 00:00:00, Django's epoch for reset timestamps.
const EPOCH_2001: i64 = 978_307_200;
const DAY: i64 = 24 * 60 * 60;
/// `base36_to_int` refuses longer input ("Base36 input too large").
const MAX_BASE36_DIGITS: usize = 13;

/// Why a reset token is refused. Django's `check_token` answers `False` for all three.
///
/// ```
/// use djsign::auth::tokens::ResetTokenError;
/// assert_eq!(ResetTokenError::Malformed.to_string(), "not a password-reset token");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetTokenError {
    /// Not `<base 36>-<hash>`.
    Malformed,
    /// No key gives this token for this user as the user is now (another user, a changed
    /// password, email or last login, another key, or a forgery).
    Invalid,
    /// Valid, but older than the timeout.
    Expired,
}

impl fmt::Display for ResetTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResetTokenError::Malformed => "not a password-reset token",
            ResetTokenError::Invalid => "password-reset token does not match the user",
            ResetTokenError::Expired => "password-reset token expired",
        })
    }
}

impl std::error::Error for ResetTokenError {}

/// The user state a token is bound to, as Django reads it from the user object.
///
/// ```
/// use djsign::auth::tokens::ResetUser;
/// let user = ResetUser::new("42", "pbkdf2_sha256$600000$salt$hash=").email("a@example.com");
/// assert_eq!(user.pk, "42");
/// ```
#[derive(Clone, Copy)]
pub struct ResetUser<'a> {
    /// `str(user.pk)`.
    pub pk: &'a str,
    /// The stored password hash (`user.password`).
    pub password: &'a str,
    /// `user.last_login`, as the database gives it (aware UTC with `USE_TZ = True`); `None`
    /// for a user who never logged in.
    pub last_login: Option<PyDateTime>,
    /// The value of the user's email field (`EMAIL_FIELD`), empty when unset; used from 3.2.
    pub email: &'a str,
}

impl fmt::Debug for ResetUser<'_> {
    /// The password hash is shown by its length only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetUser")
            .field("pk", &self.pk)
            .field("password", &format_args!("<{} bytes>", self.password.len()))
            .field("last_login", &self.last_login)
            .field("email", &self.email)
            .finish()
    }
}

impl<'a> ResetUser<'a> {
    /// A user who never logged in and has no email.
    pub fn new(pk: &'a str, password: &'a str) -> ResetUser<'a> {
        ResetUser {
            pk,
            password,
            last_login: None,
            email: "",
        }
    }

    /// With `last_login`.
    ///
    /// ```
    /// use djsign::{auth::tokens::ResetUser, sessions::PyDateTime};
    /// let t = PyDateTime::from_isoformat("2026-01-02T03:04:05.678+00:00").unwrap();
    /// assert!(ResetUser::new("1", "x").last_login(t).last_login.is_some());
    /// ```
    pub fn last_login(mut self, last_login: PyDateTime) -> ResetUser<'a> {
        self.last_login = Some(last_login);
        self
    }

    /// With an email.
    pub fn email(mut self, email: &'a str) -> ResetUser<'a> {
        self.email = email;
        self
    }

    /// `_make_hash_value(user, timestamp)`: what the HMAC covers.
    fn hash_value(&self, timestamp: i128, with_email: bool) -> String {
        let mut v = format!("{}{}", self.pk, self.password);
        if let Some(t) = self.last_login {
            // `str(last_login.replace(microsecond=0, tzinfo=None))`.
            v += &t.wall_clock_seconds().isoformat(' ');
        }
        v += &timestamp.to_string();
        if with_email {
            v += self.email;
        }
        v
    }
}

/// Django's `PasswordResetTokenGenerator` for one configuration: keys derived once, the
/// version's rules, the timeout.
///
/// ```
/// use djsign::auth::tokens::{PasswordResetTokenGenerator, ResetUser, ResetTokenError};
/// use djsign::Settings;
/// let g = PasswordResetTokenGenerator::new(&Settings::new("django-insecure-test-key"));
/// let user = ResetUser::new("1", "pbkdf2_sha256$600000$salt$hash=").email("a@example.com");
/// let token = g.make_token_at(&user, 1_700_000_000.0);
/// assert_eq!(token, "bxodq8-8721246d404dd8df5f137e0b4555bee0"); // Django 6.1's
/// assert_eq!(g.check_token_at(&user, &token, 1_700_000_000.0 + 3600.0), Ok(()));
/// let changed = ResetUser { password: "pbkdf2_sha256$600000$salt$other=", ..user };
/// assert_eq!(g.check_token_at(&changed, &token, 1_700_000_000.0), Err(ResetTokenError::Invalid));
/// ```
#[derive(Clone)]
pub struct PasswordResetTokenGenerator {
    version: DjangoVersion,
    key_salt: String,
    algorithm: Algorithm,
    secret: SecretKey,
    fallbacks: Vec<SecretKey>,
    /// The HMAC keys, derived once: `SECRET_KEY`, then each fallback, under `algorithm`.
    keys: Vec<KeyedMac>,
    /// `SECRET_KEY` under sha1, for the legacy tokens 3.1 and 3.2 accept.
    legacy: Option<KeyedMac>,
    /// Seconds (3.1+) or days (before 3.1).
    timeout: i64,
    utc_offset: i64,
}

impl fmt::Debug for PasswordResetTokenGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordResetTokenGenerator")
            .field("version", &self.version)
            .field("key_salt", &self.key_salt)
            .field("algorithm", &self.algorithm)
            .field("fallbacks", &self.fallbacks.len())
            .field("timeout", &self.timeout)
            .field("utc_offset", &self.utc_offset)
            .finish()
    }
}

impl PasswordResetTokenGenerator {
    /// `default_token_generator` under these settings: `SECRET_KEY`,
    /// `SECRET_KEY_FALLBACKS` (4.1+), `DEFAULT_HASHING_ALGORITHM` (3.1, 3.2), and the
    /// timeout (`PASSWORD_RESET_TIMEOUT_DAYS` before 3.1; on 3.1 and 3.2 it replaces
    /// `PASSWORD_RESET_TIMEOUT` when set, as Django's settings do; ignored from 4.0).
    pub fn new(settings: &Settings) -> PasswordResetTokenGenerator {
        let v = settings.version;
        let timeout = if v < DjangoVersion::V3_1 {
            settings.password_reset_timeout_days.unwrap_or(3)
        } else if v.is_hashing_transition() {
            settings
                .password_reset_timeout_days
                .map_or(settings.password_reset_timeout, |d| d.saturating_mul(DAY))
        } else {
            settings.password_reset_timeout
        };
        PasswordResetTokenGenerator {
            version: v,
            key_salt: RESET_KEY_SALT.into(),
            algorithm: settings.signing_algorithm(),
            secret: settings.secret_key.clone(),
            fallbacks: if v.has_fallback_keys() {
                settings.secret_key_fallbacks.clone()
            } else {
                Vec::new()
            },
            keys: Vec::new(),
            legacy: None,
            timeout,
            utc_offset: 0,
        }
        .derive_keys()
    }

    /// Derives the HMAC keys from the secrets, the key salt and the algorithm.
    fn derive_keys(mut self) -> PasswordResetTokenGenerator {
        self.keys = std::iter::once(&self.secret)
            .chain(&self.fallbacks)
            .map(|secret| KeyedMac::new(&self.key_salt, secret, self.algorithm))
            .collect();
        self.legacy = self
            .version
            .is_hashing_transition()
            .then(|| KeyedMac::new(&self.key_salt, &self.secret, Algorithm::Sha1));
        self
    }

    /// A subclass's `key_salt`.
    ///
    /// ```
    /// use djsign::{auth::tokens::{PasswordResetTokenGenerator, ResetUser}, Settings};
    /// let s = Settings::new("k");
    /// let user = ResetUser::new("1", "x");
    /// let a = PasswordResetTokenGenerator::new(&s).make_token_at(&user, 1e9);
    /// let b = PasswordResetTokenGenerator::new(&s).key_salt("myapp.ActivationToken").make_token_at(&user, 1e9);
    /// assert_ne!(a, b);
    /// ```
    pub fn key_salt(mut self, key_salt: impl Into<String>) -> PasswordResetTokenGenerator {
        self.key_salt = key_salt.into();
        self.derive_keys()
    }

    /// A subclass's `algorithm` (3.1+; before 3.1 the HMAC is always sha1).
    pub fn algorithm(mut self, algorithm: Algorithm) -> PasswordResetTokenGenerator {
        if self.version >= DjangoVersion::V3_1 {
            self.algorithm = algorithm;
        }
        self.derive_keys()
    }

    /// The UTC offset, in seconds, of the server's local time (`TIME_ZONE`) at the moments
    /// passed to [`Self::make_token_at`] and [`Self::check_token_at`].
    ///
    /// ```
    /// use djsign::{auth::tokens::{PasswordResetTokenGenerator, ResetUser}, Settings};
    /// let g = PasswordResetTokenGenerator::new(&Settings::new("k")).utc_offset(3600);
    /// assert!(g.make_token_at(&ResetUser::new("1", "x"), 1e9).starts_with("cx11s-"));
    /// ```
    pub fn utc_offset(mut self, seconds: i64) -> PasswordResetTokenGenerator {
        self.utc_offset = seconds;
        self
    }

    /// Seconds since 2001-01-01 in server-local time (`_num_seconds(_now())`), or days
    /// before 3.1 (`_num_days(_today())`).
    fn timestamp(&self, now: f64) -> i128 {
        let local = now + self.utc_offset as f64 - EPOCH_2001 as f64;
        if self.version < DjangoVersion::V3_1 {
            (local / DAY as f64).floor() as i128
        } else {
            local.trunc() as i128
        }
    }

    /// `_make_token_with_timestamp(user, timestamp, secret)`, with `key` derived from the
    /// secret.
    fn token_with(&self, user: &ResetUser<'_>, timestamp: i128, key: &KeyedMac) -> String {
        let with_email = self.version >= DjangoVersion::V3_2;
        let mac = key.mac(user.hash_value(timestamp, with_email).as_bytes());
        // `hexdigest()[::2]`: every other hex digit, the high nibble of each byte.
        let hash: String = mac.to_hex().chars().step_by(2).collect();
        format!("{}-{hash}", to_base36(timestamp))
    }

    /// `make_token(user)` with the clock reading `now` (Unix seconds).
    pub fn make_token_at(&self, user: &ResetUser<'_>, now: impl Into<crate::UnixTime>) -> String {
        let now = now.into().as_secs_f64();
        self.token_with(user, self.timestamp(now), &self.keys[0])
    }

    /// `make_token(user)` now.
    pub fn make_token(&self, user: &ResetUser<'_>) -> String {
        self.make_token_at(user, crate::signing::now())
    }

    /// `check_token(user, token)` with the clock reading `now`: `Ok(())` exactly where
    /// Django answers `True`.
    pub fn check_token_at(
        &self,
        user: &ResetUser<'_>,
        token: &str,
        now: impl Into<crate::UnixTime>,
    ) -> Result<(), ResetTokenError> {
        let now = now.into().as_secs_f64();
        let (ts_b36, _) = match token.split_once('-') {
            Some((ts, hash)) if !hash.contains('-') => (ts, hash),
            _ => return Err(ResetTokenError::Malformed),
        };
        // Only a canonical timestamp can match (the token is compared whole), so a
        // non-canonical one is refused here rather than parsed as Python's `int` would.
        let ts = from_base36(ts_b36).ok_or(ResetTokenError::Malformed)?;
        let matches = |key: &KeyedMac| {
            constant_time_eq(self.token_with(user, ts, key).as_bytes(), token.as_bytes())
        };
        let transition = self.version.is_hashing_transition();
        let found = self.keys.iter().chain(&self.legacy).any(matches);
        if !found {
            return Err(ResetTokenError::Invalid);
        }
        let now_ts = self.timestamp(now);
        let ts = if transition && ts_b36.len() < 4 {
            // A pre-3.1 token (days): to seconds, plus the time since midnight now.
            let local = now + self.utc_offset as f64 - EPOCH_2001 as f64;
            let since_midnight = (local.rem_euclid(DAY as f64)).trunc() as i128;
            ts * i128::from(DAY) + since_midnight
        } else {
            ts
        };
        if now_ts - ts > i128::from(self.timeout) {
            return Err(ResetTokenError::Expired);
        }
        Ok(())
    }

    /// `check_token(user, token)` now.
    pub fn check_token(&self, user: &ResetUser<'_>, token: &str) -> Result<(), ResetTokenError> {
        self.check_token_at(user, token, crate::signing::now())
    }
}

/// `int_to_base36` for the non-negative timestamps tokens carry.
fn to_base36(mut n: i128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n <= 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The timestamp of a token, if written as `int_to_base36` writes it (at most 13 digits,
/// as `base36_to_int` allows).
fn from_base36(s: &str) -> Option<i128> {
    if s.is_empty() || s.len() > MAX_BASE36_DIGITS || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.bytes().try_fold(0i128, |n, c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            _ => return None,
        };
        Some(n * 36 + i128::from(d))
    })
}

/// `urlsafe_base64_encode(force_bytes(pk))`: the `uidb64` of a reset link.
///
/// ```
/// assert_eq!(djsign::auth::tokens::uidb64_encode("1"), "MQ");
/// assert_eq!(djsign::auth::tokens::uidb64_encode("é"), "w6k");
/// ```
pub fn uidb64_encode(pk: &str) -> String {
    base64::encode(pk.as_bytes())
}

/// `urlsafe_base64_decode(uidb64).decode()`: the primary key of a reset link, or `None`
/// where Django's `PasswordResetConfirmView` finds no user (not base 64, or not UTF-8).
///
/// ```
/// use djsign::auth::tokens::uidb64_decode;
/// assert_eq!(uidb64_decode("MQ").as_deref(), Some("1"));
/// assert_eq!(uidb64_decode("M"), None);
/// ```
pub fn uidb64_decode(uidb64: &str) -> Option<String> {
    // Python pads with `len % 4` equals signs (not the `-len % 4` of signing's
    // `b64_decode`).
    let bytes = base64::decode_with_padding(uidb64.as_bytes(), uidb64.len() % 4).ok()?;
    String::from_utf8(bytes).ok()
}
