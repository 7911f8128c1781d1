//! The error type of djsign's signing layer.
//!
//! One [`Error`] (cheap to move: a box) with a matchable [`ErrorKind`]. Django signals a
//! forged value with `BadSignature` and an old one with `SignatureExpired`, a subclass of
//! `BadSignature`; [`Error::is_bad_signature`] answers true for both, so a caller that
//! rejects both needs one test, while [`Error::is_expired`] tells them apart.
//!
//! No error ever carries a computed signature or key material.

use std::fmt;

use crate::encoding::base62::Base62Error;
use crate::encoding::base64::Base64Error;
use crate::encoding::zlib::ZlibError;
use crate::pyjson::JsonError;
use crate::signing::MaxAge;

/// An error from signing, verifying or decoding.
///
/// ```
/// use djsign::{Signer, ErrorKind};
/// let signer = Signer::builder().key("secret").build().unwrap();
/// let err = signer.unsign("hello:forged").unwrap_err();
/// assert!(err.is_bad_signature());
/// assert!(matches!(err.kind(), ErrorKind::BadSignature));
/// ```
#[derive(Clone, PartialEq)]
pub struct Error(Repr);

/// A bad signature, the error attackers can trigger at will, is stored without allocating.
#[derive(Clone, PartialEq)]
enum Repr {
    BadSignature,
    Other(Box<ErrorKind>),
}

static BAD_SIGNATURE: ErrorKind = ErrorKind::BadSignature;

/// What went wrong.
///
/// ```
/// use djsign::{ErrorKind, Signer};
/// let err = Signer::builder().key("k").sep("-").build().unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::UnsafeSeparator(sep) if sep == "-"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The separator was missing or the signature did not match under any key (Django's
    /// `BadSignature`). Deliberately carries no signature.
    BadSignature,
    /// The signature is valid but older than `max_age` (Django's `SignatureExpired`).
    Expired {
        /// Seconds between the signing time and now.
        age: f64,
        /// The limit that was exceeded.
        max_age: MaxAge,
    },
    /// The signature is valid but what it covers cannot be decoded. Django raises a
    /// non-`BadSignature` exception in these cases (`ValueError`, `binascii.Error`,
    /// `zlib.error`, `JSONDecodeError`, `OverflowError`).
    Malformed(Malformed),
    /// A separator Django refuses (`ValueError: Unsafe Signer separator`).
    UnsafeSeparator(String),
    /// An algorithm name Django or djsign does not know (`InvalidAlgorithm`).
    UnknownAlgorithm(String),
    /// A value Python's `json` cannot serialize (`TypeError`/`ValueError` in Django).
    Serialize(String),
    /// A setting or argument that cannot work: no secret key, an option the selected
    /// Django version does not have (Django's `ImproperlyConfigured`, or a `TypeError`).
    ImproperlyConfigured(String),
}

/// The part of a correctly signed value that could not be decoded.
///
/// ```
/// use djsign::{ErrorKind, Malformed, Signer};
/// let s = Signer::builder().key("k").build().unwrap();
/// let token = s.sign("Y"); // a valid signature over a payload that is not base 64
/// let err = s.unsign_object::<i32>(&token).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Malformed(Malformed::Base64(_))));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Malformed {
    /// The payload is not base 64 by Django's rules.
    Base64(Base64Error),
    /// The payload is not a zlib stream, or inflates beyond the configured limit.
    Zlib(ZlibError),
    /// The payload is not JSON by Python's rules.
    Json(JsonError),
    /// The timestamp is not base 62 (`ValueError`/`IndexError` in Django).
    Timestamp(Base62Error),
    /// The timestamp is too large to compare (`OverflowError` in Django).
    TimestampOverflow,
    /// Valid JSON that does not fit the Rust type asked for (djsign only: Django returns
    /// whatever the JSON holds).
    Type(String),
    /// A session's stored `_session_expiry` that Django could not use either (a bad date
    /// string, or a date mixed naive with aware).
    Expiry(crate::sessions::ExpiryError),
    /// A pickled session (`PickleSerializer`) that is not a pickle, or holds a type
    /// djsign does not read (Django's `pickle.loads` would run its constructor).
    Pickle(crate::pickle::PickleError),
    /// A timestamped value without a timestamp: a plain `Signer` token given to a
    /// `TimestampSigner` with the same salt (`ValueError: not enough values to unpack`).
    MissingTimestamp,
}

/// Broad classes of [`Error`]: what a caller usually decides on (reject, ask to log in
/// again, report a corrupt value, fix the configuration).
///
/// ```
/// use djsign::{Category, TimestampSigner};
/// let s = TimestampSigner::builder().key("k").build().unwrap();
/// let err = s.unsign_at(&s.sign_at("v", 0.0), Some(1.into()), 5.0).unwrap_err();
/// assert_eq!(err.category(), Category::Expired);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Forged, tampered or signed with another key or salt.
    BadSignature,
    /// Validly signed, but too old.
    Expired,
    /// Validly signed, but the content cannot be decoded.
    Malformed,
    /// A caller's argument or setting is invalid or unsupported.
    InvalidArgument,
}

impl Category {
    /// A stable snake-case name (`"bad_signature"`, `"expired"`, `"malformed"`,
    /// `"invalid_argument"`), for logs and machine-readable output.
    ///
    /// ```
    /// assert_eq!(djsign::Category::Expired.as_str(), "expired");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Category::BadSignature => "bad_signature",
            Category::Expired => "expired",
            Category::Malformed => "malformed",
            Category::InvalidArgument => "invalid_argument",
        }
    }
}

impl Error {
    /// What went wrong.
    ///
    /// ```
    /// # use djsign::{Signer, ErrorKind};
    /// let s = Signer::builder().key("k").build().unwrap();
    /// assert_eq!(s.unsign("no separator").unwrap_err().kind(), &ErrorKind::BadSignature);
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        match &self.0 {
            Repr::BadSignature => &BAD_SIGNATURE,
            Repr::Other(k) => k,
        }
    }

    /// Consumes the error, returning its kind.
    ///
    /// ```
    /// # use djsign::{Signer, ErrorKind};
    /// let s = Signer::builder().key("k").build().unwrap();
    /// assert_eq!(s.unsign("a:b").unwrap_err().into_kind(), ErrorKind::BadSignature);
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        match self.0 {
            Repr::BadSignature => ErrorKind::BadSignature,
            Repr::Other(k) => *k,
        }
    }

    /// True for a bad signature **and** for an expired one, as Python's
    /// `except BadSignature` catches both.
    ///
    /// ```
    /// use djsign::{TimestampSigner, MaxAge};
    /// let s = TimestampSigner::builder().key("k").build().unwrap();
    /// let token = s.sign_at("v", 1000.0);
    /// let err = s.unsign_at(&token, Some(MaxAge::Seconds(10)), 2000.0).unwrap_err();
    /// assert!(err.is_bad_signature() && err.is_expired());
    /// ```
    pub fn is_bad_signature(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::BadSignature | ErrorKind::Expired { .. }
        )
    }

    /// True only for an expired signature.
    ///
    /// ```
    /// # use djsign::Signer;
    /// let s = Signer::builder().key("k").build().unwrap();
    /// assert!(!s.unsign("v:x").unwrap_err().is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        matches!(self.kind(), ErrorKind::Expired { .. })
    }

    /// The broad class of the error.
    ///
    /// ```
    /// # use djsign::{Signer, Category};
    /// let s = Signer::builder().key("k").build().unwrap();
    /// assert_eq!(s.unsign("v:x").unwrap_err().category(), Category::BadSignature);
    /// ```
    pub fn category(&self) -> Category {
        match self.kind() {
            ErrorKind::BadSignature => Category::BadSignature,
            ErrorKind::Expired { .. } => Category::Expired,
            ErrorKind::Malformed(_) => Category::Malformed,
            ErrorKind::UnsafeSeparator(_)
            | ErrorKind::UnknownAlgorithm(_)
            | ErrorKind::Serialize(_)
            | ErrorKind::ImproperlyConfigured(_) => Category::InvalidArgument,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::BadSignature => Error(Repr::BadSignature),
            other => Error(Repr::Other(Box::new(other))),
        }
    }
}

impl From<Malformed> for Error {
    fn from(m: Malformed) -> Self {
        ErrorKind::Malformed(m).into()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.kind(), f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ErrorKind::BadSignature => f.write_str("bad signature: the value was not signed with this key, salt and algorithm, or was altered"),
            ErrorKind::Expired { age, max_age } => write!(
                f,
                "signature expired: signature age {} > {} seconds",
                crate::pyjson::float_repr(*age),
                max_age
            ),
            ErrorKind::Malformed(m) => write!(f, "valid signature but malformed payload: {m}"),
            ErrorKind::UnsafeSeparator(sep) => write!(
                f,
                "unsafe signer separator {sep:?}: it cannot be empty or consist only of A-z0-9-_="
            ),
            ErrorKind::UnknownAlgorithm(name) => write!(
                f,
                "{name:?} is not a supported algorithm (use sha1, sha224, sha256, sha384 or sha512)"
            ),
            ErrorKind::Serialize(m) => write!(f, "cannot serialize as Python JSON: {m}"),
            ErrorKind::ImproperlyConfigured(m) => write!(f, "improperly configured: {m}"),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::Base64(e) => write!(f, "{e}"),
            Malformed::Zlib(e) => write!(f, "{e}"),
            Malformed::Json(e) => write!(f, "{e}"),
            Malformed::Timestamp(e) => write!(f, "bad timestamp: {e}"),
            Malformed::Type(m) => write!(f, "payload does not fit the requested type: {m}"),
            Malformed::Expiry(e) => write!(f, "session expiry: {e}"),
            Malformed::Pickle(e) => write!(f, "{e}"),
            Malformed::TimestampOverflow => f.write_str("timestamp too large to compare"),
            Malformed::MissingTimestamp => {
                f.write_str("no timestamp: was this signed by a plain Signer with the same salt?")
            }
        }
    }
}

impl From<crate::sessions::ExpiryError> for Error {
    fn from(e: crate::sessions::ExpiryError) -> Self {
        Malformed::Expiry(e).into()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.kind() {
            ErrorKind::Malformed(Malformed::Base64(e)) => Some(e),
            ErrorKind::Malformed(Malformed::Zlib(e)) => Some(e),
            ErrorKind::Malformed(Malformed::Json(e)) => Some(e),
            ErrorKind::Malformed(Malformed::Timestamp(e)) => Some(e),
            ErrorKind::Malformed(Malformed::Pickle(e)) => Some(e),
            _ => None,
        }
    }
}
