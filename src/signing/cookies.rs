//! Signed cookies: `HttpResponse.set_signed_cookie` / `HttpRequest.get_signed_cookie` and
//! the cookie signer (`signing.get_cookie_signer`, `HttpRequest.get_signed_cookie`).
//!
//! The cookie signer's key is `b"django.http.cookies" + SECRET_KEY` (fallback keys
//! likewise). The salt combines the cookie name and the caller's salt: `name + salt` up to
//! 5.2.14 and 6.0.5; `"django.http.cookies.v2:" + len(salt) + ":" + salt + name` from
//! 5.2.15, 6.0.6 and 6.1 (CVE-2026-6873), where the legacy salt is still accepted while
//! `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` is on (default on 5.2.x/6.0.x, off on 6.1).

use crate::conf::Settings;
use crate::crypto::SecretKey;
use crate::error::{Error, ErrorKind};
use crate::signing::{MaxAge, TimestampSigner};
use crate::version::DjangoVersion;

/// The prefix of the cookie signer's key.
///
/// ```
/// assert_eq!(djsign::signing::COOKIE_KEY_PREFIX, b"django.http.cookies");
/// ```
pub const COOKIE_KEY_PREFIX: &[u8] = b"django.http.cookies";

/// Django's `get_cookie_signer(salt)`: a `TimestampSigner` keyed with
/// `django.http.cookies` + `SECRET_KEY` (and the fallback keys, prefixed the same way).
///
/// ```
/// use djsign::{signing::cookie_signer, Settings};
/// let s = cookie_signer(&Settings::new("django-insecure-test-key"), "foo")?;
/// assert_eq!(s.sign_at("v", 1700000000.25), "v:1r31eq:bBi4jbvYrLbkQzk1h3rKoSr73EM5gYfVJPtqNmCYnNw");
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn cookie_signer(settings: &Settings, salt: &str) -> Result<TimestampSigner, Error> {
    let fallbacks: Vec<SecretKey> = settings
        .secret_key_fallbacks
        .iter()
        .map(|k| k.prefixed(COOKIE_KEY_PREFIX))
        .collect();
    TimestampSigner::builder()
        .settings(settings)
        .key(settings.secret_key.prefixed(COOKIE_KEY_PREFIX))
        .fallback_keys(fallbacks)
        .salt(salt)
        .build()
}

/// Whether `version` signs cookies with the namespaced v2 salt (5.2.15+, 6.0.6+, 6.1).
///
/// ```
/// use djsign::{signing::uses_v2_cookie_salt, DjangoVersion};
/// assert!(uses_v2_cookie_salt(DjangoVersion::new(5, 2, 15)));
/// assert!(!uses_v2_cookie_salt(DjangoVersion::new(6, 0, 5)));
/// assert!(uses_v2_cookie_salt(DjangoVersion::V6_1));
/// ```
pub fn uses_v2_cookie_salt(version: DjangoVersion) -> bool {
    (version >= DjangoVersion::new(5, 2, 15) && version < DjangoVersion::V6_0)
        || version >= DjangoVersion::new(6, 0, 6)
}

/// The salt `set_signed_cookie(name, value, salt=salt)` signs with in `version`.
///
/// ```
/// use djsign::{signing::signed_cookie_salt, DjangoVersion};
/// assert_eq!(signed_cookie_salt("name", "s", DjangoVersion::V6_1), "django.http.cookies.v2:1:sname");
/// assert_eq!(signed_cookie_salt("name", "s", DjangoVersion::V5_1), "names");
/// ```
pub fn signed_cookie_salt(name: &str, salt: &str, version: DjangoVersion) -> String {
    if uses_v2_cookie_salt(version) {
        format!(
            "django.http.cookies.v2:{}:{salt}{name}",
            salt.chars().count()
        )
    } else {
        format!("{name}{salt}")
    }
}

/// Whether the legacy `name + salt` is still accepted after the v2 salt fails:
/// `SIGNED_COOKIE_LEGACY_SALT_FALLBACK`, whose default is on for 5.2.x/6.0.x and off on 6.1.
fn legacy_fallback(settings: &Settings) -> bool {
    let v = settings.version;
    uses_v2_cookie_salt(v)
        && settings
            .signed_cookie_legacy_salt_fallback
            .unwrap_or(v < DjangoVersion::V6_1)
}

/// `response.set_signed_cookie(name, value, salt=salt)`: the cookie value, signed at clock
/// `now` (put it in a `Set-Cookie` with [`crate::http::SetCookie`]).
///
/// ```
/// use djsign::{signing::set_signed_cookie, DjangoVersion, Settings};
/// let mut s = Settings::new("django-insecure-test-key");
/// assert_eq!(set_signed_cookie(&s, "name", "val", "s", 1700000000.25)?,
///            "val:1r31eq:mnoq236ctzNT-EHOfH7MX80RYAUtEN-3yt_ZaTuNn04");
/// s.version = DjangoVersion::new(5, 2, 14);
/// assert_eq!(set_signed_cookie(&s, "name", "val", "s", 1700000000.25)?,
///            "val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4");
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn set_signed_cookie(
    settings: &Settings,
    name: &str,
    value: &str,
    salt: &str,
    now: impl Into<crate::UnixTime>,
) -> Result<String, Error> {
    let now = now.into().as_secs_f64();
    let signer = cookie_signer(settings, &signed_cookie_salt(name, salt, settings.version))?;
    Ok(signer.sign_at(value, now))
}

/// `request.get_signed_cookie(name, salt=salt, max_age=max_age)` for the cookie's value, at
/// clock `now`. Django returns the caller's `default` exactly when this fails with
/// [`Error::is_bad_signature`] (forged or expired); other failures (a malformed timestamp
/// under a valid signature) propagate even when a default is given.
///
/// ```
/// use djsign::{signing::get_signed_cookie, DjangoVersion, Settings};
/// let mut s = Settings::new("django-insecure-test-key");
/// s.version = DjangoVersion::new(6, 0, 10);
/// // A cookie set before the security release still verifies while the fallback is on.
/// let old = "val:1r31eq:CJcEuayekeB9PHv6MBHBGgBz-gnkkq6k5P0UQLXhli4";
/// assert_eq!(get_signed_cookie(&s, "name", old, "s", None, 1700000001.0)?, "val");
/// s.signed_cookie_legacy_salt_fallback = Some(false);
/// assert!(get_signed_cookie(&s, "name", old, "s", None, 1700000001.0).unwrap_err().is_bad_signature());
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn get_signed_cookie(
    settings: &Settings,
    name: &str,
    cookie_value: &str,
    salt: &str,
    max_age: Option<MaxAge>,
    now: impl Into<crate::UnixTime>,
) -> Result<String, Error> {
    let now = now.into().as_secs_f64();
    let signer = cookie_signer(settings, &signed_cookie_salt(name, salt, settings.version))?;
    match signer.unsign_at(cookie_value, max_age, now) {
        Ok(v) => Ok(v.to_owned()),
        Err(e) if e.kind() == &ErrorKind::BadSignature && legacy_fallback(settings) => {
            let legacy = cookie_signer(settings, &format!("{name}{salt}"))?;
            legacy
                .unsign_at(cookie_value, max_age, now)
                .map(str::to_owned)
        }
        Err(e) => Err(e),
    }
}
