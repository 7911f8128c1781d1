//! Settings from a Django project's own values: the JSON its shell prints
//! ([`EXPORT_COMMAND`]), read by [`Settings::from_json`] or any serde deserializer.

use serde::de::{self, Deserialize, Deserializer};

use super::{KNOWN_SETTINGS, Settings, bad_setting};
use crate::error::Error;
use crate::pyjson::{self, Value};

/// A command that prints, from a Django project, the settings djsign reads, as the JSON
/// [`Settings::from_json`] takes (`PASSWORD_RESET_TIMEOUT_DAYS` only where the project
/// sets it, as Django only then lets it replace `PASSWORD_RESET_TIMEOUT`):
///
/// ```text
/// python manage.py shell -c "import json, django; from django.conf import settings as s
/// names = ['SECRET_KEY', 'SECRET_KEY_FALLBACKS', 'DEFAULT_HASHING_ALGORITHM', 'SESSION_ENGINE', 'SESSION_SERIALIZER', 'SESSION_COOKIE_AGE', 'SESSION_COOKIE_NAME', 'SESSION_COOKIE_DOMAIN', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_PATH', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'SESSION_SAVE_EVERY_REQUEST', 'SESSION_EXPIRE_AT_BROWSER_CLOSE', 'USE_TZ', 'SIGNED_COOKIE_LEGACY_SALT_FALLBACK', 'PASSWORD_RESET_TIMEOUT', 'PASSWORD_RESET_TIMEOUT_DAYS']
/// print(json.dumps({'DJANGO_VERSION': django.get_version(), **{n: getattr(s, n) for n in names if hasattr(s, n) and (n != 'PASSWORD_RESET_TIMEOUT_DAYS' or s.is_overridden(n))}}))"
/// ```
///
/// The output holds the secret key: keep it where the key itself is kept.
///
/// ```
/// assert!(djsign::conf::EXPORT_COMMAND.starts_with("import json, django"));
/// ```
pub const EXPORT_COMMAND: &str = concat!(
    "import json, django; from django.conf import settings as s\n",
    "names = ['SECRET_KEY', 'SECRET_KEY_FALLBACKS', 'DEFAULT_HASHING_ALGORITHM', 'SESSION_ENGINE', ",
    "'SESSION_SERIALIZER', 'SESSION_COOKIE_AGE', 'SESSION_COOKIE_NAME', 'SESSION_COOKIE_DOMAIN', ",
    "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_PATH', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', ",
    "'SESSION_SAVE_EVERY_REQUEST', 'SESSION_EXPIRE_AT_BROWSER_CLOSE', 'USE_TZ', ",
    "'SIGNED_COOKIE_LEGACY_SALT_FALLBACK', 'PASSWORD_RESET_TIMEOUT', 'PASSWORD_RESET_TIMEOUT_DAYS']\n",
    "print(json.dumps({'DJANGO_VERSION': django.get_version(), **{n: getattr(s, n) for n in names ",
    "if hasattr(s, n) and (n != 'PASSWORD_RESET_TIMEOUT_DAYS' or s.is_overridden(n))}}))",
);

impl Settings {
    /// Settings from a JSON object of Django settings by name (UTF-8 text, as
    /// [`EXPORT_COMMAND`] prints it): `SECRET_KEY` is required, `DJANGO_VERSION` sets
    /// [`Settings::version`], every other name djsign knows is applied as
    /// [`Settings::set`] applies it, and names it does not use are ignored (an export may
    /// hold more). `SECRET_KEY_FALLBACKS` is ignored before Django 4.1, as Django ignores
    /// it there.
    ///
    /// ```
    /// use djsign::{DjangoVersion, Settings};
    /// let s = Settings::from_json(r#"{"DJANGO_VERSION": "4.2.30", "SECRET_KEY": "clé",
    ///     "SECRET_KEY_FALLBACKS": ["old"], "SESSION_COOKIE_AGE": 3600, "USE_TZ": false,
    ///     "SESSION_COOKIE_DOMAIN": null, "DEBUG": true}"#)?;
    /// assert_eq!(s.version, "4.2.30".parse::<DjangoVersion>()?);
    /// assert_eq!((s.session_cookie_age, s.use_tz, s.secret_key_fallbacks.len()), (3600, false, 1));
    /// assert_eq!(s.secret_key.as_bytes(), "clé".as_bytes());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Settings, Error> {
        let value = pyjson::from_str(text)
            .map_err(|e| bad_setting("settings export", &format!("not JSON: {e}")))?;
        Settings::from_value(&value)
    }

    fn from_value(value: &Value) -> Result<Settings, Error> {
        let Value::Dict(d) = value else {
            return Err(bad_setting("settings export", "expected a JSON object"));
        };
        let key = d
            .get("SECRET_KEY")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_setting("SECRET_KEY", "missing from the settings export"))?;
        let mut s = Settings::new(key);
        if let Some(v) = d.get("DJANGO_VERSION") {
            let text = v
                .as_str()
                .ok_or_else(|| bad_setting("DJANGO_VERSION", "expected a string"))?;
            s.version = text.parse()?;
        }
        for name in KNOWN_SETTINGS {
            if let Some(v) = d.get(name) {
                s.set(name, v)?;
            }
        }
        if !s.version.has_fallback_keys() {
            // A project on Django before 4.1 may set it; Django ignores it there.
            s.secret_key_fallbacks.clear();
        }
        Ok(s)
    }
}

/// `serde_json::from_str::<Settings>(export)`, and any other format's object of Django
/// settings by name, as [`Settings::from_json`].
///
/// ```
/// let s: djsign::Settings = serde_json::from_str(r#"{"SECRET_KEY": "k", "SESSION_COOKIE_NAME": "sid"}"#).unwrap();
/// assert_eq!(s.session_cookie_name, "sid");
/// ```
impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Settings, D::Error> {
        let value = Value::deserialize(d)?;
        Settings::from_value(&value).map_err(de::Error::custom)
    }
}
