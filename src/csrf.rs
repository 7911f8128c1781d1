//! CSRF tokens as `django.middleware.csrf` makes and checks them.
//!
//! A 32-character secret of `[A-Za-z0-9]` lives in the `csrftoken` cookie (or, with
//! `CSRF_USE_SESSIONS`, in the session under `_csrftoken`); forms and headers carry a
//! 64-character *masked* token: a random 32-character mask followed by the secret shifted
//! by the mask, character by character, modulo 62. Up to 4.0 the cookie held a masked
//! token; from 4.1 it holds the secret itself. Either way a request is accepted when its
//! token, unmasked, equals the stored secret.
//!
//! ```
//! use djsign::{csrf, DjangoVersion};
//! let secret = csrf::new_secret().unwrap();
//! let cookie = csrf::stored_value(&secret, DjangoVersion::LATEST).unwrap(); // what Django sets
//! let form_token = csrf::mask(&secret).unwrap(); // what a Rust-rendered form carries
//! assert!(csrf::check(&form_token, Some(&cookie), false, DjangoVersion::LATEST).is_ok());
//! assert!(csrf::check(&csrf::new_secret().unwrap(), Some(&cookie), false, DjangoVersion::LATEST).is_err());
//! ```

use std::fmt;

use crate::crypto::constant_time_eq;
use crate::version::DjangoVersion;

/// Length of a secret (`CSRF_SECRET_LENGTH`).
///
/// ```
/// assert_eq!(djsign::csrf::new_secret().unwrap().len(), djsign::csrf::SECRET_LENGTH);
/// ```
pub const SECRET_LENGTH: usize = 32;
/// Length of a masked token (`CSRF_TOKEN_LENGTH`).
///
/// ```
/// assert_eq!(djsign::csrf::mask(&"a".repeat(32)).unwrap().len(), djsign::csrf::TOKEN_LENGTH);
/// ```
pub const TOKEN_LENGTH: usize = 64;
/// `CSRF_ALLOWED_CHARS`.
///
/// ```
/// assert!(djsign::csrf::ALLOWED_CHARS.iter().all(u8::is_ascii_alphanumeric));
/// ```
pub const ALLOWED_CHARS: &[u8; 62] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The session key of the secret with `CSRF_USE_SESSIONS` (`CSRF_SESSION_KEY`).
///
/// ```
/// assert_eq!(djsign::csrf::SESSION_KEY, "_csrftoken");
/// ```
pub const SESSION_KEY: &str = "_csrftoken";
/// The form field Django reads (`csrfmiddlewaretoken`).
///
/// ```
/// assert_eq!(djsign::csrf::FORM_FIELD, "csrfmiddlewaretoken");
/// ```
pub const FORM_FIELD: &str = "csrfmiddlewaretoken";

/// Why a request is refused (Django's `RejectRequest` reasons).
///
/// ```
/// use djsign::{csrf::{check, CsrfError}, DjangoVersion};
/// assert_eq!(check("x", Some("bad!"), false, DjangoVersion::LATEST), Err(CsrfError::CookieIncorrectLength));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfError {
    /// No CSRF cookie (or session secret).
    NoCookie,
    /// The cookie is not 32 or 64 characters long.
    CookieIncorrectLength,
    /// The cookie has characters outside `[A-Za-z0-9]`.
    CookieInvalidCharacters,
    /// Neither the form field nor the header carries a token.
    TokenMissing,
    /// The token is not 32 or 64 characters long.
    TokenIncorrectLength,
    /// The token has characters outside `[A-Za-z0-9]`.
    TokenInvalidCharacters,
    /// The token does not match the secret.
    Incorrect,
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfError::NoCookie => "CSRF cookie not set.",
            CsrfError::CookieIncorrectLength => "CSRF cookie has incorrect length.",
            CsrfError::CookieInvalidCharacters => "CSRF cookie has invalid characters.",
            CsrfError::TokenMissing => "CSRF token missing.",
            CsrfError::TokenIncorrectLength => "CSRF token has incorrect length.",
            CsrfError::TokenInvalidCharacters => "CSRF token has invalid characters.",
            CsrfError::Incorrect => "CSRF token incorrect.",
        })
    }
}

impl std::error::Error for CsrfError {}

fn index(c: u8) -> Option<usize> {
    match c {
        b'a'..=b'z' => Some((c - b'a') as usize),
        b'A'..=b'Z' => Some((c - b'A') as usize + 26),
        b'0'..=b'9' => Some((c - b'0') as usize + 52),
        _ => None,
    }
}

fn random_string(n: usize) -> Result<String, crate::crypto::RandomError> {
    crate::crypto::get_random_string(n, ALLOWED_CHARS)
}

/// A new secret (`_get_new_csrf_string`): 32 characters from the OS CSPRNG.
///
/// ```
/// let s = djsign::csrf::new_secret().unwrap();
/// assert!(s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()));
/// ```
pub fn new_secret() -> Result<String, crate::crypto::RandomError> {
    random_string(SECRET_LENGTH)
}

/// Masks `secret` with a fresh random mask (`_mask_cipher_secret`), for a form or header.
///
/// ```
/// let secret = "a".repeat(32);
/// let token = djsign::csrf::mask(&secret).unwrap();
/// assert_eq!(djsign::csrf::unmask(&token).as_deref(), Some(secret.as_str()));
/// ```
pub fn mask(secret: &str) -> Result<String, crate::crypto::RandomError> {
    Ok(mask_with(secret, &random_string(SECRET_LENGTH)?))
}

/// Masks `secret` with a given 32-character `mask` (deterministic; for tests).
///
/// ```
/// let t = djsign::csrf::mask_with("abc", "bbb");
/// assert_eq!(t, "bbbbcd"); // a+b, b+b, c+b
/// ```
pub fn mask_with(secret: &str, mask: &str) -> String {
    let mut out = String::with_capacity(mask.len() + secret.len());
    out.push_str(mask);
    for (s, m) in secret.bytes().zip(mask.bytes()) {
        let (x, y) = (index(s).unwrap_or(0), index(m).unwrap_or(0));
        out.push(ALLOWED_CHARS[(x + y) % 62] as char);
    }
    out
}

/// Unmasks a 64-character token (`_unmask_cipher_token`); `None` if it is not one.
///
/// ```
/// assert_eq!(djsign::csrf::unmask(&format!("{}{}", "b".repeat(32), "c".repeat(32))).unwrap(), "b".repeat(32));
/// assert_eq!(djsign::csrf::unmask("short"), None);
/// ```
pub fn unmask(token: &str) -> Option<String> {
    if token.len() != TOKEN_LENGTH || !valid_chars(token) {
        return None;
    }
    let (mask, cipher) = token.as_bytes().split_at(SECRET_LENGTH);
    cipher
        .iter()
        .zip(mask)
        .map(|(&c, &m)| Some(ALLOWED_CHARS[(index(c)? + 62 - index(m)?) % 62] as char))
        .collect()
}

fn valid_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// What Django stores for `secret` in the `csrftoken` cookie or the session: the secret
/// itself from 4.1, a masked token before.
///
/// ```
/// use djsign::{csrf, DjangoVersion};
/// let s = "a".repeat(32);
/// assert_eq!(csrf::stored_value(&s, DjangoVersion::V4_1).unwrap(), s);
/// assert_eq!(csrf::stored_value(&s, DjangoVersion::V4_0).unwrap().len(), 64);
/// ```
pub fn stored_value(
    secret: &str,
    version: DjangoVersion,
) -> Result<String, crate::crypto::RandomError> {
    if version >= DjangoVersion::V4_1 {
        Ok(secret.to_owned())
    } else {
        mask(secret)
    }
}

/// The secret behind a stored value: 64-character values are unmasked. Cookies are
/// format-checked first (sessions are trusted, as in Django). Up to 4.0 a session holds a
/// masked token, and nothing else matches.
fn secret_of(
    stored: &str,
    from_session: bool,
    version: DjangoVersion,
) -> Result<String, CsrfError> {
    if from_session && version < DjangoVersion::V4_1 && stored.len() != TOKEN_LENGTH {
        return Err(CsrfError::Incorrect);
    }
    if !from_session {
        if stored.len() != SECRET_LENGTH && stored.len() != TOKEN_LENGTH {
            return Err(CsrfError::CookieIncorrectLength);
        }
        if !valid_chars(stored) {
            return Err(CsrfError::CookieInvalidCharacters);
        }
    }
    if stored.len() == TOKEN_LENGTH {
        unmask(stored).ok_or(CsrfError::Incorrect)
    } else {
        Ok(stored.to_owned())
    }
}

/// `CsrfViewMiddleware._check_token` for an unsafe request: `request_token` from the
/// `csrfmiddlewaretoken` form field or the `X-CSRFToken` header (empty if neither),
/// `stored` the `csrftoken` cookie or (`from_session`) the session's `_csrftoken`.
/// Accepts masked (64) and unmasked (32) tokens, against cookies of either form, as every
/// version from 2.2 to 6.1 does; a session secret must be stored as `version` stores it.
/// (Django also checks `Origin`/`Referer` on HTTPS.)
///
/// ```
/// use djsign::{csrf::{check, mask_with, CsrfError}, DjangoVersion};
/// let v = DjangoVersion::LATEST;
/// let secret = "s".repeat(32);
/// let token = mask_with(&secret, &"m".repeat(32));
/// assert_eq!(check(&token, Some(&secret), false, v), Ok(()));
/// assert_eq!(check(&token, None, false, v), Err(CsrfError::NoCookie));
/// assert_eq!(check("", Some(&secret), false, v), Err(CsrfError::TokenMissing));
/// assert_eq!(check(&"x".repeat(32), Some(&secret), false, v), Err(CsrfError::Incorrect));
/// ```
pub fn check(
    request_token: &str,
    stored: Option<&str>,
    from_session: bool,
    version: DjangoVersion,
) -> Result<(), CsrfError> {
    let secret = secret_of(stored.ok_or(CsrfError::NoCookie)?, from_session, version)?;
    if request_token.is_empty() {
        return Err(CsrfError::TokenMissing);
    }
    if request_token.len() != SECRET_LENGTH && request_token.len() != TOKEN_LENGTH {
        return Err(CsrfError::TokenIncorrectLength);
    }
    if !valid_chars(request_token) {
        return Err(CsrfError::TokenInvalidCharacters);
    }
    let presented = if request_token.len() == TOKEN_LENGTH {
        unmask(request_token).ok_or(CsrfError::Incorrect)?
    } else {
        request_token.to_owned()
    };
    if constant_time_eq(presented.as_bytes(), secret.as_bytes()) {
        Ok(())
    } else {
        Err(CsrfError::Incorrect)
    }
}
