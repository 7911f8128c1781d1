//! Session data as the db, cache and file engines store it (`SessionBase.encode`/`decode`):
//! format B (`signing.dumps` with salt `django.contrib.sessions.SessionStore`,
//! compressed, timestamp never checked) from 3.1, and the legacy format A
//! (`base64(sha1_hex ":" json)`) before that, with each version's decode outcomes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::conf::Settings;
use crate::crypto::{Algorithm, KeyedMac, constant_time_eq};
use crate::encoding::base64::Base64Error;
use crate::error::{Error, ErrorKind, Malformed};
use crate::pyjson::{self, Value};
use crate::sessions::Session;
use crate::sessions::serializers::Serializer;
use crate::signing::TimestampSigner;
use crate::version::DjangoVersion;

/// Why Django's `decode` itself would raise instead of returning `{}` (only ≤ 3.2: later
/// versions never raise).
///
/// ```
/// use djsign::{sessions::backends::stored::{DecodeError, SessionCodec}, DjangoVersion, Settings};
/// let mut s = Settings::new("k");
/// s.version = DjangoVersion::V3_0;
/// assert!(matches!(SessionCodec::new(&s)?.decode("é"), Err(DecodeError::NonAscii)));
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    /// Invalid base 64 in the legacy path (`binascii.Error`).
    Base64(Base64Error),
    /// Non-ASCII input in the legacy path, 2.2+ (`UnicodeEncodeError`).
    NonAscii,
    /// Another error escaping from a validly signed format-B payload on 3.1/3.2.
    Signed(Error),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Base64(e) => write!(f, "legacy session data: {e}"),
            DecodeError::NonAscii => f.write_str("legacy session data is not ASCII"),
            DecodeError::Signed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The outcome of decoding, as Django's `decode` returns it, plus why it came back empty.
///
/// ```
/// use djsign::{sessions::backends::stored::SessionCodec, Settings};
/// let d = SessionCodec::new(&Settings::new("k"))?.decode("e30:1r31eq:forged").unwrap();
/// assert!(d.error.is_some());
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Decoded {
    /// What Django returns: the stored value (normally a dict), or `{}` on failure.
    pub value: Value,
    /// Why the value is `{}` although data was stored (bad signature, corrupt legacy data).
    pub error: Option<Error>,
}

/// Redacted: session data prints as its keys only.
impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Decoded");
        match &self.value {
            Value::Dict(data) => d.field("keys", &crate::redact::KeysOnly(data)),
            other => d.field("value", &other.type_name()),
        };
        d.field("error", &self.error).finish()
    }
}

/// Encodes and decodes stored session data for one Django version and key set.
///
/// ```
/// use djsign::{sessions::backends::stored::SessionCodec, pyjson::Dict, Settings};
/// let codec = SessionCodec::new(&Settings::new("django-insecure-test-key"))?;
/// let data: Dict = [("a", 1.into())].into_iter().collect();
/// let blob = codec.encode(&data, 1700000000.25);
/// assert_eq!(blob, "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY");
/// assert_eq!(codec.decode(&blob).unwrap().value, djsign::pyjson::Value::Dict(data));
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionCodec {
    signer: TimestampSigner,
    serializer: Serializer,
    legacy: KeyedMac,
    version: DjangoVersion,
    write_legacy: bool,
}

/// Salt of format B for Django's built-in stores (`"django.contrib.sessions." + qualname`).
///
/// ```
/// assert_eq!(djsign::sessions::backends::stored::SALT, "django.contrib.sessions.SessionStore");
/// ```
pub const SALT: &str = "django.contrib.sessions.SessionStore";
const LEGACY_KEY_SALT: &str = "django.contrib.sessionsSessionStore";

impl SessionCodec {
    /// A codec for `settings` (key, fallback keys, version, `DEFAULT_HASHING_ALGORITHM`,
    /// `SESSION_SERIALIZER`).
    ///
    /// ```
    /// assert!(djsign::sessions::backends::stored::SessionCodec::new(&djsign::Settings::new("k")).is_ok());
    /// ```
    pub fn new(settings: &Settings) -> Result<SessionCodec, Error> {
        let v = settings.version;
        Ok(SessionCodec {
            signer: TimestampSigner::builder()
                .settings(settings)
                .salt(SALT)
                .build()?,
            serializer: Serializer::new(settings)?,
            legacy: KeyedMac::new(LEGACY_KEY_SALT, &settings.secret_key, Algorithm::Sha1),
            version: v,
            write_legacy: v < DjangoVersion::V3_1
                || (v > DjangoVersion::V3_1
                    && v < DjangoVersion::V4_0
                    && settings.signing_algorithm() == Algorithm::Sha1),
        })
    }

    /// `SessionBase.encode(data)` at clock `now`: format A up to 3.0 (and on 3.1.1–3.2 with
    /// `DEFAULT_HASHING_ALGORITHM = "sha1"`), format B otherwise.
    ///
    /// ```
    /// use djsign::{sessions::backends::stored::SessionCodec, pyjson::Dict, DjangoVersion, Settings};
    /// let mut s = Settings::new("django-insecure-test-key");
    /// s.version = DjangoVersion::V3_0;
    /// let data: Dict = [("a", 1.into())].into_iter().collect();
    /// assert_eq!(SessionCodec::new(&s)?.encode(&data, 0.0),
    ///            "ZWVlZDBhZWE2NGE4MGM4ZmZlZGE1YTYxM2Q3MjRmZmNjYmYxNmM3ZDp7ImEiOjF9");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn encode(&self, data: &pyjson::Dict, now: impl Into<crate::UnixTime>) -> String {
        let now = now.into().as_secs_f64();
        let mut json = crate::scratch::bytes();
        self.serializer.dumps_into(data, &mut json);
        if self.write_legacy {
            let mut blob = self.legacy.mac(&json).to_hex().into_bytes();
            blob.push(b':');
            blob.extend_from_slice(&json);
            STANDARD.encode(blob)
        } else {
            self.signer.sign_json_at(&json, true, now)
        }
    }

    /// The session stored under `key` as `blob`, loaded as the db, cache-db and file
    /// engines load it: the decoded dict, or `{}` with the key kept and the reason in
    /// [`Session::load_error`] when Django's `decode` returns `{}` (or would raise).
    ///
    /// ```
    /// use djsign::{sessions::backends::stored::SessionCodec, Settings};
    /// let codec = SessionCodec::new(&Settings::new("django-insecure-test-key"))?;
    /// let s = codec.session("k".repeat(32).as_str(), "eyJhIjoxfQ:1r31eq:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY");
    /// assert_eq!(s.get_as::<i32>("a")?, Some(1));
    /// assert!(codec.session("k".repeat(32).as_str(), "forged").load_error().is_some());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn session(&self, key: &str, blob: &str) -> Session {
        let decoded = match self.decode(blob) {
            Ok(d) => d,
            Err(e) => {
                return Session::corrupt(
                    Some(key.to_owned()),
                    Malformed::Type(e.to_string()).into(),
                );
            }
        };
        match (decoded.value, decoded.error) {
            (Value::Dict(data), None) => Session::loaded(key.to_owned(), data),
            (_, Some(e)) => Session::corrupt(Some(key.to_owned()), e),
            (_, None) => Session::corrupt(
                Some(key.to_owned()),
                Malformed::Type("session data is not a dict".into()).into(),
            ),
        }
    }

    /// `SessionBase.decode(session_data)` for the codec's version: what Django returns
    /// (`{}` when the data is corrupt, with the reason in [`Decoded::error`]), or the
    /// exception Django itself lets escape (2.2–3.2 only).
    ///
    /// ```
    /// use djsign::{sessions::backends::stored::SessionCodec, pyjson::Value, Settings};
    /// let codec = SessionCodec::new(&Settings::new("k"))?;
    /// let d = codec.decode("garbage").unwrap();
    /// assert_eq!(d.value, Value::Dict(Default::default()));
    /// assert!(d.error.unwrap().is_bad_signature());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn decode(&self, blob: &str) -> Result<Decoded, DecodeError> {
        let empty = |error: Option<Error>| Decoded {
            value: Value::Dict(Default::default()),
            error,
        };
        let v = self.version;
        if v < DjangoVersion::V3_1 {
            return self
                .legacy_decode(blob)
                .map(|r| r.unwrap_or_else(|e| empty(Some(e))));
        }
        let value = self
            .signer
            .unsign_payload_at(blob, None, 0.0)
            .and_then(|bytes| Ok(self.serializer.loads(&bytes)?));
        match value {
            Ok(value) => Ok(Decoded { value, error: None }),
            // Django read this pickle; djsign will not build what it holds.
            Err(e) if is_unsupported(&e) => Ok(empty(Some(e))),
            Err(e) if v >= DjangoVersion::V4_0 => Ok(empty(Some(e))),
            // 3.1.0: any failure falls back to the legacy format, unguarded.
            Err(_) if v < DjangoVersion::new(3, 1, 1) => self
                .legacy_decode(blob)
                .map(|r| r.unwrap_or_else(|e| empty(Some(e)))),
            // 3.1.1–3.2: a bad signature tries the legacy format, guarded...
            Err(e) if e.kind() == &ErrorKind::BadSignature => Ok(match self.legacy_decode(blob) {
                Ok(Ok(d)) => d,
                Ok(Err(legacy)) if is_unsupported(&legacy) => empty(Some(legacy)),
                Ok(Err(_)) | Err(_) => empty(Some(e)),
            }),
            // ...any other failure falls back to it unguarded.
            Err(_) => self
                .legacy_decode(blob)
                .map(|r| r.unwrap_or_else(|e| empty(Some(e)))),
        }
    }

    /// Format A: `Err` for what escapes Django's decode, `Ok(Err)` for what it turns into `{}`.
    fn legacy_decode(&self, blob: &str) -> Result<Result<Decoded, Error>, DecodeError> {
        if !blob.is_ascii() {
            return Err(DecodeError::NonAscii);
        }
        let data = crate::encoding::base64::decode_standard(blob.as_bytes())
            .map_err(DecodeError::Base64)?;
        let Some(at) = data.iter().position(|&b| b == b':') else {
            return Ok(Err(ErrorKind::BadSignature.into()));
        };
        let (hash, json) = (&data[..at], &data[at + 1..]);
        if !constant_time_eq(hash, self.legacy.mac(json).to_hex().as_bytes()) {
            return Ok(Err(ErrorKind::BadSignature.into()));
        }
        Ok(match self.serializer.loads(json) {
            Ok(value) => Ok(Decoded { value, error: None }),
            Err(e) => Err(e.into()),
        })
    }
}

/// A pickle holding a type djsign does not read (which Django would have read).
fn is_unsupported(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Malformed(Malformed::Pickle(crate::pickle::PickleError::Unsupported(
            _
        )))
    )
}
