//! Decoding **without verifying**: for debugging and inspection only.
//!
//! Nothing here checks a signature, so nothing here may decide what a request is allowed
//! to do. [`inspect`] shows what a token holds; [`identify`] then tries the keys you have
//! against the salts Django uses, to say what the token is and which key signs it.

use crate::conf::Settings;
use crate::crypto::{Algorithm, SecretKey};
use crate::encoding::base62::{self, Base62Int};
use crate::error::Malformed;
use crate::limits::Limits;
use crate::pyjson::Value;
use crate::signing::objects::payload_value;
use crate::signing::{Signer, TimestampSigner};

/// The parts of a signed value, decoded but **not verified**.
///
/// ```
/// let i = djsign::dangerous::inspect("v:sig").unwrap();
/// assert_eq!((i.value, i.signature, i.timestamp), ("v", "sig", None));
/// ```
#[derive(Clone, Debug)]
pub struct Inspection<'a> {
    /// Everything before the timestamp (or before the signature, without one).
    pub value: &'a str,
    /// The timestamp, when the part before the signature ends in a base-62 number.
    pub timestamp: Option<Base62Int>,
    /// The signature text.
    pub signature: &'a str,
    /// Whether the value is marked as compressed (leading `.`).
    pub compressed: bool,
    /// The value decoded as a signed object (`dumps` payload), or why it is not one.
    pub object: Result<Value, Malformed>,
}

/// Splits and decodes `token` (separator `:`) without any key. `None` if it holds no
/// separator at all.
///
/// ```
/// let i = djsign::dangerous::inspect("eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk").unwrap();
/// assert_eq!(i.timestamp.unwrap().as_i64(), Some(1_700_000_000));
/// assert_eq!(djsign::pyjson::to_vec(&i.object.unwrap()), br#"{"a":1}"#);
/// ```
pub fn inspect(token: &str) -> Option<Inspection<'_>> {
    let (rest, signature) = token.rsplit_once(':')?;
    let (value, timestamp) = match rest.rsplit_once(':') {
        Some((v, ts)) => match base62::decode(ts) {
            Ok(t) => (v, Some(t)),
            Err(_) => (rest, None),
        },
        None => (rest, None),
    };
    let compressed = value.starts_with('.');
    Some(Inspection {
        value,
        timestamp,
        signature,
        compressed,
        object: decode_object(value),
    })
}

fn decode_object(payload: &str) -> Result<Value, Malformed> {
    payload_value(payload, &Limits::INSPECT)
}

/// What a token turned out to be, and what verifies it.
///
/// ```
/// let s = djsign::Settings::new("secret");
/// let found = djsign::dangerous::identify("hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18", &s).unwrap();
/// assert_eq!((found.salt, found.key_index, found.timestamped), ("django.core.signing.Signer", 0, false));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Identified {
    /// A description of the Django feature that makes such tokens.
    pub kind: &'static str,
    /// The salt that verifies it.
    pub salt: &'static str,
    /// The algorithm of the signature.
    pub algorithm: Algorithm,
    /// 0 for `SECRET_KEY`, `n` for the `n`th entry of `SECRET_KEY_FALLBACKS`.
    pub key_index: usize,
    /// Whether the key is the cookie signer's (`django.http.cookies` + key).
    pub cookie_signer_key: bool,
    /// Whether the token carries a timestamp.
    pub timestamped: bool,
}

/// Salts Django signs with, and what uses them.
///
/// ```
/// assert!(djsign::dangerous::KNOWN_SALTS.iter().any(|s| s.0 == "django.core.signing"));
/// ```
pub const KNOWN_SALTS: &[(&str, &str, bool)] = &[
    (
        "django.contrib.sessions.backends.signed_cookies",
        "signed-cookie session (SESSION_ENGINE signed_cookies)",
        false,
    ),
    ("django.core.signing", "signing.dumps() token", false),
    (
        "django.contrib.sessions.SessionStore",
        "stored session data (db, cache, file engines)",
        false,
    ),
    (
        "django.contrib.messages",
        "messages cookie (CookieStorage)",
        true,
    ),
    (
        "django.core.signing.get_cookie_signer",
        "get_cookie_signer() default",
        true,
    ),
    (
        "django.core.signing.TimestampSigner",
        "TimestampSigner() default salt",
        false,
    ),
    ("django.core.signing.Signer", "Signer() default salt", false),
];

/// Tries the settings' keys (`SECRET_KEY`, then its fallbacks) with every known salt and
/// algorithm; returns the first combination whose signature matches. Time and expiry are
/// not checked.
///
/// ```
/// use djsign::{dangerous, Settings};
/// let s = Settings::new("django-insecure-test-key");
/// let found = dangerous::identify("eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk", &s).unwrap();
/// assert_eq!(found.salt, "django.contrib.sessions.backends.signed_cookies");
/// ```
pub fn identify(token: &str, settings: &Settings) -> Option<Identified> {
    let keys: Vec<&SecretKey> = std::iter::once(&settings.secret_key)
        .chain(settings.secret_key_fallbacks.iter())
        .collect();
    for &(salt, kind, cookie) in KNOWN_SALTS {
        for (key_index, key) in keys.iter().enumerate() {
            let key = if cookie {
                key.prefixed(b"django.http.cookies")
            } else {
                (*key).clone()
            };
            for algorithm in [
                Algorithm::Sha256,
                Algorithm::Sha1,
                Algorithm::Sha512,
                Algorithm::Sha384,
                Algorithm::Sha224,
            ] {
                let Ok(signer) = Signer::builder()
                    .key(key.clone())
                    .salt(salt)
                    .algorithm(algorithm)
                    .fallback_keys(Vec::<SecretKey>::new())
                    .build()
                else {
                    continue;
                };
                if signer.unsign(token).is_ok() {
                    let timestamped = TimestampSigner::builder()
                        .key(key.clone())
                        .salt(salt)
                        .algorithm(algorithm)
                        .build()
                        .is_ok_and(|t| t.unsign_at(token, None, 0.0).is_ok());
                    return Some(Identified {
                        kind,
                        salt,
                        algorithm,
                        key_index,
                        cookie_signer_key: cookie,
                        timestamped,
                    });
                }
            }
        }
    }
    None
}
