//! Django's settings, as far as djsign honours them (`django.conf.settings`).

mod export;

pub use export::EXPORT_COMMAND;

use crate::crypto::{Algorithm, SecretKey};
use crate::error::{Error, ErrorKind};
use crate::pyjson::{self, Value};
use crate::version::DjangoVersion;

/// The settings [`Settings::set`] understands, by their Django names.
///
/// ```
/// assert!(djsign::conf::KNOWN_SETTINGS.contains(&"SECRET_KEY_FALLBACKS"));
/// ```
pub const KNOWN_SETTINGS: &[&str] = &[
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "DEFAULT_HASHING_ALGORITHM",
    "SESSION_ENGINE",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "USE_TZ",
    "SIGNED_COOKIE_LEGACY_SALT_FALLBACK",
    "PASSWORD_RESET_TIMEOUT",
    "PASSWORD_RESET_TIMEOUT_DAYS",
    "SESSION_SERIALIZER",
];

/// The settings a Django project signs with.
///
/// Build it with [`Settings::new`] and set fields as in `settings.py`; every field not set
/// keeps Django's default.
///
/// ```
/// use djsign::{DjangoVersion, Settings};
/// let mut settings = Settings::new("django-insecure-test-key");
/// settings.secret_key_fallbacks = vec!["old-key".into()];
/// settings.version = DjangoVersion::V4_2;
/// assert_eq!(format!("{settings:?}").contains("old-key"), false); // keys are redacted
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// `SECRET_KEY`.
    pub secret_key: SecretKey,
    /// `SECRET_KEY_FALLBACKS` (4.1+), tried in order after `SECRET_KEY` when verifying.
    pub secret_key_fallbacks: Vec<SecretKey>,
    /// The Django release whose behaviour to reproduce.
    pub version: DjangoVersion,
    /// `DEFAULT_HASHING_ALGORITHM` (3.1 and 3.2 only; `None` means Django's default,
    /// `sha256`). Ignored by other versions, as Django ignores it.
    pub default_hashing_algorithm: Option<Algorithm>,
    /// `SESSION_ENGINE` (default `django.contrib.sessions.backends.db`): what the session
    /// cookie holds, a signed session or a key into a store (the CLI's `cookies` reads
    /// it; a Rust service picks its store itself).
    pub session_engine: String,
    /// `SESSION_COOKIE_AGE` in seconds (default two weeks, 1209600).
    pub session_cookie_age: i64,
    /// `SESSION_COOKIE_NAME` (default `sessionid`).
    pub session_cookie_name: String,
    /// `SESSION_COOKIE_DOMAIN` (default `None`).
    pub session_cookie_domain: Option<String>,
    /// `SESSION_COOKIE_SECURE` (default `False`).
    pub session_cookie_secure: bool,
    /// `SESSION_COOKIE_PATH` (default `/`).
    pub session_cookie_path: String,
    /// `SESSION_COOKIE_HTTPONLY` (default `True`).
    pub session_cookie_httponly: bool,
    /// `SESSION_COOKIE_SAMESITE` (default `"Lax"`; `None` omits the attribute).
    pub session_cookie_samesite: Option<String>,
    /// `SESSION_SAVE_EVERY_REQUEST` (default `False`).
    pub session_save_every_request: bool,
    /// `SESSION_EXPIRE_AT_BROWSER_CLOSE` (default `False`).
    pub session_expire_at_browser_close: bool,
    /// `USE_TZ` (default `True`, as in every project `startproject` creates). With
    /// `False`, djsign takes Django's local time to be UTC.
    pub use_tz: bool,
    /// `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` (5.2.15+, 6.0.6+, 6.1); `None` means the
    /// version's default (on for 5.2.x/6.0.x, off for 6.1).
    pub signed_cookie_legacy_salt_fallback: Option<bool>,
    /// djsign's own bounds on decoding (not a Django setting): every signer, store and
    /// messages cookie built from these settings decodes within them.
    pub limits: crate::Limits,
    /// `PASSWORD_RESET_TIMEOUT` (seconds; Django 3.1+): how long a password-reset token
    /// stays valid.
    pub password_reset_timeout: i64,
    /// `PASSWORD_RESET_TIMEOUT_DAYS`, when the project sets it: the timeout in days up to
    /// Django 3.0; on 3.1 and 3.2 (deprecated) it replaces `PASSWORD_RESET_TIMEOUT`;
    /// ignored from 4.0, which removed it.
    pub password_reset_timeout_days: Option<i64>,
    /// `SESSION_SERIALIZER`: JSON (the default), or pickle (Django up to 4.2).
    pub session_serializer: crate::sessions::serializers::SessionSerializer,
    /// The pickle protocol of pickled sessions: `pickle.HIGHEST_PROTOCOL` of the Python
    /// that runs Django (4 on Python 3.7, 5 from 3.8; the default). Not a Django setting.
    pub session_pickle_protocol: u8,
}

impl Settings {
    /// Settings with this `SECRET_KEY` and Django's defaults for the newest version.
    ///
    /// ```
    /// let s = djsign::Settings::new("k");
    /// assert!(s.secret_key_fallbacks.is_empty());
    /// ```
    pub fn new(secret_key: impl Into<SecretKey>) -> Settings {
        Settings {
            secret_key: secret_key.into(),
            secret_key_fallbacks: Vec::new(),
            version: DjangoVersion::LATEST,
            default_hashing_algorithm: None,
            session_engine: "django.contrib.sessions.backends.db".into(),
            session_cookie_age: 60 * 60 * 24 * 7 * 2,
            session_cookie_name: "sessionid".into(),
            session_cookie_domain: None,
            session_cookie_secure: false,
            session_cookie_path: "/".into(),
            session_cookie_httponly: true,
            session_cookie_samesite: Some("Lax".into()),
            session_save_every_request: false,
            session_expire_at_browser_close: false,
            use_tz: true,
            signed_cookie_legacy_salt_fallback: None,
            limits: crate::Limits::default(),
            password_reset_timeout: 60 * 60 * 24 * 3,
            password_reset_timeout_days: None,
            session_serializer: Default::default(),
            session_pickle_protocol: 5,
        }
    }

    /// The algorithm this configuration signs with by default.
    ///
    /// ```
    /// use djsign::{Algorithm, DjangoVersion, Settings};
    /// let mut s = Settings::new("k");
    /// s.version = DjangoVersion::V3_0;
    /// assert_eq!(s.signing_algorithm(), Algorithm::Sha1);
    /// ```
    pub fn signing_algorithm(&self) -> Algorithm {
        self.version
            .default_algorithm(self.default_hashing_algorithm)
    }
}

fn text(name: &str, value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| bad_setting(name, "expected a string"))
}

/// A string or `None` (`False` also disables, as Django treats it).
fn optional_text(name: &str, value: &Value) -> Result<Option<String>, Error> {
    match value {
        Value::Null | Value::Bool(false) => Ok(None),
        v => text(name, v).map(Some),
    }
}

/// A boolean setting: `True`/`False`, or `1`/`0` (Django tests these settings for truth).
fn flag(name: &str, value: &Value) -> Result<bool, Error> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Int(i @ (0 | 1)) => Ok(*i == 1),
        _ => Err(bad_setting(name, "expected true or false")),
    }
}

/// Settings whose value is a list (a comma-separated environment variable is one too).
const LIST_SETTINGS: &[&str] = &["SECRET_KEY_FALLBACKS"];

/// Settings whose value is text (an environment variable that is not JSON is the text).
const TEXT_SETTINGS: &[&str] = &[
    "DEFAULT_HASHING_ALGORITHM",
    "SESSION_ENGINE",
    "SESSION_SERIALIZER",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SAMESITE",
];

/// The value of a `DJANGO_<NAME>` variable as Django projects write them: JSON, Python's
/// `True`, `False` and `None`, plain text for a text setting, and a comma-separated list
/// for a list setting.
fn env_value(name: &str, raw: &str) -> Result<Value, Error> {
    match pyjson::from_str(raw) {
        // `DJANGO_SESSION_COOKIE_NAME=1234` is text, not a number.
        Ok(Value::Int(_) | Value::BigInt(_) | Value::Float(_)) if TEXT_SETTINGS.contains(&name) => {
            return Ok(Value::from(raw));
        }
        Ok(v) => return Ok(v),
        Err(_) => {}
    }
    let t = raw.trim();
    Ok(match t {
        "True" => Value::Bool(true),
        "False" => Value::Bool(false),
        "None" => Value::Null,
        _ if LIST_SETTINGS.contains(&name) => Value::List(
            t.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(Value::from)
                .collect(),
        ),
        _ if TEXT_SETTINGS.contains(&name) => Value::from(raw),
        _ => {
            return Err(bad_setting(
                name,
                &format!("DJANGO_{name} is not JSON, True, False or None"),
            ));
        }
    })
}

fn bad_setting(name: &str, why: &str) -> Error {
    ErrorKind::ImproperlyConfigured(format!("setting {name}: {why}")).into()
}

impl Settings {
    /// Sets one setting from its Django name and a value as Python JSON, as
    /// `settings.py` would (`SECRET_KEY_FALLBACKS = ["old"]`).
    ///
    /// ```
    /// use djsign::{pyjson::Value, Algorithm, DjangoVersion, Settings};
    /// let mut s = Settings::new("k");
    /// s.version = DjangoVersion::V3_2;
    /// s.set("DEFAULT_HASHING_ALGORITHM", &Value::from("sha1"))?;
    /// assert_eq!(s.signing_algorithm(), Algorithm::Sha1);
    /// assert!(s.set("NO_SUCH_SETTING", &Value::Null).is_err());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn set(&mut self, name: &str, value: &Value) -> Result<(), Error> {
        match name {
            "SECRET_KEY" => {
                self.secret_key = value
                    .as_str()
                    .ok_or_else(|| bad_setting(name, "expected a string"))?
                    .into()
            }
            "SECRET_KEY_FALLBACKS" => {
                let Value::List(items) = value else {
                    return Err(bad_setting(name, "expected a list of strings"));
                };
                self.secret_key_fallbacks = items
                    .iter()
                    .map(|v| v.as_str().map(SecretKey::from))
                    .collect::<Option<_>>()
                    .ok_or_else(|| bad_setting(name, "expected a list of strings"))?;
            }
            "DEFAULT_HASHING_ALGORITHM" => {
                let a = value
                    .as_str()
                    .ok_or_else(|| bad_setting(name, "expected a string"))?;
                self.default_hashing_algorithm = Some(a.parse()?);
            }
            "SESSION_COOKIE_AGE" => {
                // A whole number, also written as a float (`60 * 60 * 24 * 14.0`).
                self.session_cookie_age = match value {
                    Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => *f as i64,
                    v => v
                        .as_i64()
                        .ok_or_else(|| bad_setting(name, "expected a whole number of seconds"))?,
                };
            }
            "SESSION_ENGINE" => self.session_engine = text(name, value)?,
            "SESSION_SERIALIZER" => {
                self.session_serializer = text(name, value)?
                    .parse()
                    .map_err(|why: String| bad_setting(name, &why))?;
            }
            "SESSION_COOKIE_NAME" => self.session_cookie_name = text(name, value)?,
            "SESSION_COOKIE_PATH" => self.session_cookie_path = text(name, value)?,
            "SESSION_COOKIE_DOMAIN" => self.session_cookie_domain = optional_text(name, value)?,
            "SESSION_COOKIE_SAMESITE" => self.session_cookie_samesite = optional_text(name, value)?,
            "SESSION_COOKIE_SECURE" => self.session_cookie_secure = flag(name, value)?,
            "SESSION_COOKIE_HTTPONLY" => self.session_cookie_httponly = flag(name, value)?,
            "SESSION_SAVE_EVERY_REQUEST" => self.session_save_every_request = flag(name, value)?,
            "SESSION_EXPIRE_AT_BROWSER_CLOSE" => {
                self.session_expire_at_browser_close = flag(name, value)?
            }
            "USE_TZ" => self.use_tz = flag(name, value)?,
            "PASSWORD_RESET_TIMEOUT" => {
                self.password_reset_timeout = value
                    .as_i64()
                    .ok_or_else(|| bad_setting(name, "expected an integer"))?;
            }
            "PASSWORD_RESET_TIMEOUT_DAYS" => {
                self.password_reset_timeout_days = Some(
                    value
                        .as_i64()
                        .ok_or_else(|| bad_setting(name, "expected an integer"))?,
                );
            }
            "SIGNED_COOKIE_LEGACY_SALT_FALLBACK" => {
                self.signed_cookie_legacy_salt_fallback = Some(flag(name, value)?)
            }
            _ => {
                return Err(bad_setting(
                    name,
                    &format!(
                        "unknown or not supported by djsign (known: {})",
                        KNOWN_SETTINGS.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Applies `DJANGO_<NAME>` variables from `vars` (e.g. `std::env::vars()`) as Django
    /// projects write them (django-environ and the like): JSON (UTF-8 text), Python's
    /// `True`/`False`/`None`, `1`/`0` for a flag, plain text for a text setting and a
    /// comma-separated list for `SECRET_KEY_FALLBACKS`; `DJANGO_SECRET_KEY` is always
    /// plain text. Variables for settings djsign does not know are ignored; an unusable
    /// value is an error naming its variable.
    ///
    /// ```
    /// use djsign::Settings;
    /// let mut s = Settings::new("k");
    /// s.apply_env([("DJANGO_SECRET_KEY_FALLBACKS".to_string(), r#"["old"]"#.to_string())])?;
    /// assert_eq!(s.secret_key_fallbacks.len(), 1);
    /// let vars = [("DJANGO_USE_TZ", "0"), ("DJANGO_SESSION_COOKIE_SECURE", "True"),
    ///             ("DJANGO_SESSION_COOKIE_NAME", "sid"), ("DJANGO_SECRET_KEY_FALLBACKS", "a, b")];
    /// s.apply_env(vars.map(|(k, v)| (k.to_string(), v.to_string())))?;
    /// assert!(!s.use_tz && s.session_cookie_secure && s.session_cookie_name == "sid");
    /// assert_eq!(s.secret_key_fallbacks.len(), 2);
    /// let bad = s.apply_env([("DJANGO_USE_TZ".to_string(), "maybe".to_string())]).unwrap_err();
    /// assert!(bad.to_string().contains("DJANGO_USE_TZ"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn apply_env<I: IntoIterator<Item = (String, String)>>(
        &mut self,
        vars: I,
    ) -> Result<(), Error> {
        for (key, raw) in vars {
            let Some(name) = key.strip_prefix("DJANGO_") else {
                continue;
            };
            if !KNOWN_SETTINGS.contains(&name) {
                continue;
            }
            if name == "SECRET_KEY" {
                self.secret_key = SecretKey::from(raw);
                continue;
            }
            let value = env_value(name, &raw)?;
            self.set(name, &value).map_err(|e| {
                ErrorKind::ImproperlyConfigured(format!("environment variable DJANGO_{name}: {e}"))
            })?;
        }
        Ok(())
    }
}
