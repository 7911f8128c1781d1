//! The `signed_cookies` engine: the cookie value *is* the session (`django/contrib/sessions/backends/signed_cookies.py`).

use super::super::{Session, SessionStore, StoreError};
use crate::conf::Settings;
use crate::error::Error;
use crate::pyjson::Value;
use crate::sessions::serializers::Serializer;
use crate::signing::{MaxAge, TimestampSigner};

/// The salt of signed-cookie sessions.
///
/// ```
/// assert_eq!(djsign::sessions::backends::signed_cookies::SALT, "django.contrib.sessions.backends.signed_cookies");
/// ```
pub const SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// Loads and saves sessions as Django's `signed_cookies.SessionStore` does. Build once
/// (key schedules are computed here) and share.
///
/// ```
/// use djsign::{sessions::backends::signed_cookies::SignedCookieStore, Settings};
/// let store = SignedCookieStore::new(&Settings::new("django-insecure-test-key"))?;
/// let s = store.load(Some("eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk"), 1700000100.0);
/// assert_eq!(s.get("a").and_then(|v| v.as_i64()), Some(1));
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SignedCookieStore {
    signer: TimestampSigner,
    serializer: Serializer,
    cookie_age: i64,
    strict_expiry: bool,
}

impl SignedCookieStore {
    /// A store for `settings` (key, fallback keys, `SESSION_COOKIE_AGE`, version,
    /// `SESSION_SERIALIZER`).
    ///
    /// ```
    /// assert!(djsign::sessions::backends::signed_cookies::SignedCookieStore::new(&djsign::Settings::new("k")).is_ok());
    /// ```
    pub fn new(settings: &Settings) -> Result<SignedCookieStore, Error> {
        Ok(SignedCookieStore {
            signer: TimestampSigner::builder()
                .settings(settings)
                .salt(SALT)
                .build()?,
            serializer: Serializer::new(settings)?,
            cookie_age: settings.session_cookie_age,
            strict_expiry: false,
        })
    }

    /// Also enforce the session's own `_session_expiry` (seconds since signing) on load,
    /// which Django does not do (its ticket #27775). Off by default.
    ///
    /// ```
    /// use djsign::{sessions::backends::signed_cookies::SignedCookieStore, sessions::Session, Settings};
    /// let store = SignedCookieStore::new(&Settings::new("k"))?.strict_expiry(true);
    /// let mut s = Session::new();
    /// s.insert("_session_expiry", &10)?;
    /// let cookie = store.save(&mut s, 1000.0)?;
    /// assert!(store.load(Some(&cookie), 1005.0).load_error().is_none());
    /// assert!(store.load(Some(&cookie), 1011.0).load_error().unwrap().is_expired());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn strict_expiry(mut self, on: bool) -> SignedCookieStore {
        self.strict_expiry = on;
        self
    }

    /// Loads the session from the cookie value at clock `now`: `signing.loads` with
    /// `max_age = SESSION_COOKIE_AGE` (custom expiry is ignored, as in Django). On any
    /// failure the session is empty, keeps the cookie as its key (so Django's middleware
    /// writes a fresh `{}` cookie once it is touched) and carries the reason.
    ///
    /// ```
    /// use djsign::{sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let store = SignedCookieStore::new(&Settings::new("k"))?;
    /// let s = store.load(Some("forged:1:x"), 0.0);
    /// assert!(s.load_error().unwrap().is_bad_signature() && s.data().is_empty());
    /// assert!(store.load(None, 0.0).is_empty());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn load(&self, cookie: Option<&str>, now: impl Into<crate::UnixTime>) -> Session {
        let now = now.into().as_secs_f64();
        let Some(cookie) = cookie else {
            return Session::new();
        };
        let age = MaxAge::Seconds(self.cookie_age);
        let value = self
            .signer
            .unsign_payload_at(cookie, Some(age), now)
            .and_then(|bytes| Ok(self.serializer.loads(&bytes)?));
        match value {
            Ok(Value::Dict(data)) => {
                if self.strict_expiry {
                    if let Some(err) = self.custom_expiry_error(cookie, &data, now) {
                        return Session::reset(Some(cookie.to_owned()), err);
                    }
                }
                Session::loaded(cookie.to_owned(), data)
            }
            // A validly signed non-dict: Django keeps it and breaks later; djsign resets.
            Ok(other) => Session::reset(
                Some(cookie.to_owned()),
                crate::error::Malformed::Type(format!(
                    "session data is a {}, not a dict",
                    other.type_name()
                ))
                .into(),
            ),
            Err(e) => Session::reset(Some(cookie.to_owned()), e),
        }
    }

    fn custom_expiry_error(
        &self,
        cookie: &str,
        data: &crate::pyjson::Dict,
        now: f64,
    ) -> Option<Error> {
        let secs = match data.get(super::super::expiry::EXPIRY_KEY)? {
            Value::Int(i) if *i > 0 => *i,
            _ => return None,
        };
        self.signer
            .unsign_at(cookie, Some(MaxAge::Seconds(secs)), now)
            .err()
    }

    /// Saves: signs the session's data with a fresh timestamp (`signing.dumps(…,
    /// compress=True)`), sets it as the session key and returns it (the cookie value).
    ///
    /// ```
    /// use djsign::{sessions::{backends::signed_cookies::SignedCookieStore, Session}, Settings};
    /// let store = SignedCookieStore::new(&Settings::new("django-insecure-test-key"))?;
    /// let mut s = Session::new();
    /// s.insert("a", &1)?;
    /// assert_eq!(store.save(&mut s, 1700000000.25)?, "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn save(
        &self,
        session: &mut Session,
        now: impl Into<crate::UnixTime>,
    ) -> Result<String, Error> {
        let now = now.into().as_secs_f64();
        let mut json = crate::scratch::bytes();
        self.serializer
            .dumps_into(session.data_untracked(), &mut json);
        let token = self.signer.sign_json_at(&json, true, now);
        session.set_key(Some(token.clone()));
        Ok(token)
    }
}

impl SessionStore for SignedCookieStore {
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
        Ok(self.save(session, now)?)
    }
}
