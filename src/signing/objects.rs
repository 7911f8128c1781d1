//! Signed objects: `sign_object`/`unsign_object` and `dumps`/`loads` (`django/core/signing.py`).
//!
//! An object is serialized with Django's JSON serializer ([`crate::pyjson`]), optionally
//! zlib-compressed (kept only when that saves at least two bytes, then marked with a
//! leading `.`), base-64 encoded and signed.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::conf::Settings;
use crate::crypto::SecretKey;
use crate::encoding::{base64, zlib};
use crate::error::{Error, ErrorKind, Malformed};
use crate::limits::Limits;
use crate::pyjson::{self, Value};
use crate::scratch::{self, Loan};

use super::signer::Signer;
use super::timestamp::{MaxAge, TimestampSigner, now};

/// The salt of `signing.dumps`/`signing.loads`.
///
/// ```
/// assert_eq!(djsign::signing::DUMPS_SALT, "django.core.signing");
/// ```
pub const DUMPS_SALT: &str = "django.core.signing";

/// Room left after a payload for what signing appends: two separators, a timestamp and
/// the longest (SHA-512) signature.
const SIGNATURE_ROOM: usize = 2 + 12 + 86;

/// Serializes `obj` and encodes it as Django's payload: `b64u(json)` or
/// `"." + b64u(zlib(json))`, in a string with room for the signature.
fn encode_payload<T: Serialize + ?Sized>(obj: &T, compress: bool) -> Result<String, Error> {
    let mut json = scratch::bytes();
    pyjson::write_serde(&mut json, obj).map_err(|e| ErrorKind::Serialize(e.to_string()))?;
    Ok(encode_json(&json, compress))
}

/// [`encode_payload`] for a [`Value`].
fn encode_value(value: &Value, compress: bool) -> String {
    let mut json = scratch::bytes();
    pyjson::write_value(&mut json, value);
    encode_json(&json, compress)
}

fn encode_json(json: &[u8], compress: bool) -> String {
    let mut zipped = scratch::bytes();
    let compressed = compress && zlib::compress_if_smaller_into(json, &mut zipped);
    let (prefix, data) = if compressed {
        (".", &zipped[..])
    } else {
        ("", json)
    };
    let mut out = String::with_capacity(prefix.len() + data.len().div_ceil(3) * 4 + SIGNATURE_ROOM);
    out.push_str(prefix);
    base64::encode_into(data, &mut out);
    out
}

/// Decodes a verified payload into the JSON bytes it carries, in a buffer lent by the
/// thread's pool.
pub(crate) fn payload_json(payload: &str, limit: usize) -> Result<Loan<Vec<u8>>, Malformed> {
    let (compressed, b64) = match payload.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, payload),
    };
    let mut data = scratch::bytes();
    base64::decode_into(b64.as_bytes(), &mut data).map_err(Malformed::Base64)?;
    if compressed {
        let mut json = scratch::bytes();
        zlib::decompress_into(&data, limit, &mut json).map_err(Malformed::Zlib)?;
        Ok(json)
    } else {
        Ok(data)
    }
}

/// Decodes a verified payload into its value, within `limits`.
pub(crate) fn payload_value(payload: &str, limits: &Limits) -> Result<Value, Malformed> {
    let json = payload_json(payload, limits.max_decompressed_size)?;
    limits.parse(&json)
}

fn decode_payload<T: DeserializeOwned>(payload: &str, limits: &Limits) -> Result<T, Error> {
    let json = payload_json(payload, limits.max_decompressed_size)?;
    Ok(limits.parse_as(&json)?)
}

impl Signer {
    /// Django's `Signer.sign_object(obj, compress=…)`: JSON, optional compression,
    /// base 64, signature.
    ///
    /// ```
    /// use djsign::Signer;
    /// let s = Signer::builder().key("secret").build()?;
    /// let token = s.sign_object(&("a", 1), false)?;
    /// assert_eq!(token.split(':').next(), Some("WyJhIiwxXQ"));  // ["a",1]
    /// assert_eq!(s.unsign_object::<(String, i32)>(&token)?, ("a".into(), 1));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_object<T: Serialize + ?Sized>(
        &self,
        obj: &T,
        compress: bool,
    ) -> Result<String, Error> {
        let mut out = encode_payload(obj, compress)?;
        self.seal(&mut out, 0);
        Ok(out)
    }

    /// Django's `Signer.unsign_object`: verifies, then reads the payload straight into `T`
    /// ([`pyjson::from_slice_as`]). For the value exactly as Python sees it, lone
    /// surrogates and integers of any size included, use [`Self::unsign_value`].
    ///
    /// ```
    /// use djsign::Signer;
    /// let s = Signer::builder().key("secret").build()?;
    /// let token = s.sign_object(&vec![1, 2], false)?;
    /// assert_eq!(s.unsign_object::<Vec<u8>>(&token)?, [1, 2]);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_object<T: DeserializeOwned>(&self, signed: &str) -> Result<T, Error> {
        decode_payload(self.unsign(signed)?, &self.limits)
    }

    /// `unsign_object` into a [`Value`]: the payload exactly as Python's `json` reads it.
    ///
    /// ```
    /// use djsign::{pyjson::Value, Signer};
    /// let s = Signer::builder().key("secret").build()?;
    /// let token = s.sign_object(&vec![1, 2], false)?;
    /// assert_eq!(s.unsign_value(&token)?, Value::List(vec![1.into(), 2.into()]));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_value(&self, signed: &str) -> Result<Value, Error> {
        Ok(payload_value(self.unsign(signed)?, &self.limits)?)
    }

    /// Signs a [`Value`] exactly, lone surrogates included (`sign_object` goes through
    /// serde, whose strings cannot hold them).
    ///
    /// ```
    /// use djsign::{pyjson::{PyString, Value}, Signer};
    /// let s = Signer::builder().key("k").build()?;
    /// let v = Value::Str(PyString::from_code_points([0xD800]).unwrap());
    /// assert_eq!(s.unsign_value(&s.sign_value(&v, false))?, v);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_value(&self, value: &Value, compress: bool) -> String {
        let mut out = encode_value(value, compress);
        self.seal(&mut out, 0);
        out
    }
}

impl TimestampSigner {
    /// `sign_object` with the current time.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// let t = s.sign_object(&[1, 2, 3], true)?;
    /// assert_eq!(s.unsign_object::<Vec<i32>>(&t, None)?, [1, 2, 3]);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_object<T: Serialize + ?Sized>(
        &self,
        obj: &T,
        compress: bool,
    ) -> Result<String, Error> {
        self.sign_object_at(obj, compress, now())
    }

    /// Django's `TimestampSigner.sign_object` with the clock reading `now`.
    ///
    /// ```
    /// use djsign::TimestampSigner;
    /// let s = TimestampSigner::builder().key("secret").salt("django.core.signing").build()?;
    /// assert_eq!(
    ///     s.sign_object_at(&"hello", false, 1700000000.25)?,
    ///     "ImhlbGxvIg:1r31eq:a3CFcK7P0T4YtvcQde-8mW6c7nClbqAtZDLbkQ7-O9A"
    /// );
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_object_at<T: Serialize + ?Sized>(
        &self,
        obj: &T,
        compress: bool,
        now: impl Into<crate::UnixTime>,
    ) -> Result<String, Error> {
        let now = now.into().as_secs_f64();
        let mut out = encode_payload(obj, compress)?;
        self.seal_at(&mut out, 0, now);
        Ok(out)
    }

    /// The verified payload's bytes (decoded and decompressed, not deserialized), for
    /// payloads of another serializer than JSON.
    pub(crate) fn unsign_payload_at(
        &self,
        signed: &str,
        max_age: Option<MaxAge>,
        now: f64,
    ) -> Result<Loan<Vec<u8>>, Error> {
        let payload = self.unsign_at(signed, max_age, now)?;
        Ok(payload_json(
            payload,
            self.signer().limits.max_decompressed_size,
        )?)
    }

    /// Signs serialized bytes (JSON written by Django's serializer rules, or a pickle).
    pub(crate) fn sign_json_at(&self, json: &[u8], compress: bool, now: f64) -> String {
        let mut out = encode_json(json, compress);
        self.seal_at(&mut out, 0, now);
        out
    }

    /// [`Signer::sign_value`] with a timestamp.
    ///
    /// ```
    /// use djsign::{pyjson::Value, TimestampSigner};
    /// let s = TimestampSigner::builder().key("k").build()?;
    /// let t = s.sign_value_at(&Value::Float(f64::NAN), false, 0.0);
    /// assert!(t.starts_with("TmFO:0:"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign_value_at(
        &self,
        value: &Value,
        compress: bool,
        now: impl Into<crate::UnixTime>,
    ) -> String {
        let now = now.into().as_secs_f64();
        let mut out = encode_value(value, compress);
        self.seal_at(&mut out, 0, now);
        out
    }

    /// `unsign_object` with the current time.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// let t = s.sign_object(&"x", false)?;
    /// assert_eq!(s.unsign_object::<String>(&t, Some(60.into()))?, "x");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_object<T: DeserializeOwned>(
        &self,
        signed: &str,
        max_age: Option<MaxAge>,
    ) -> Result<T, Error> {
        self.unsign_object_at(signed, max_age, now())
    }

    /// `unsign_value_at` with the current time.
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// let t = s.sign_object(&"x", false)?;
    /// assert_eq!(s.unsign_value(&t, None)?.as_str(), Some("x"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_value(&self, signed: &str, max_age: Option<MaxAge>) -> Result<Value, Error> {
        self.unsign_value_at(signed, max_age, now())
    }

    /// [`Self::unsign_object_at`] into a [`Value`]: the payload exactly as Python's `json`
    /// reads it (lone surrogates, integers of any size, key order).
    ///
    /// ```
    /// use djsign::TimestampSigner;
    /// let s = TimestampSigner::builder().key("secret").salt("django.core.signing").build()?;
    /// let v = s.unsign_value_at(
    ///     ".eJxTSiQSKAEAS8sPbQ:1r31eq:YvjYbXacL1Wy1sTte8pq0KR3RfqeHSvU_AajTon1wto", None, 0.0)?;
    /// assert_eq!(v.as_str(), Some("a".repeat(40).as_str()));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_value_at(
        &self,
        signed: &str,
        max_age: Option<MaxAge>,
        now: impl Into<crate::UnixTime>,
    ) -> Result<Value, Error> {
        let now = now.into().as_secs_f64();
        let payload = self.unsign_at(signed, max_age, now)?;
        Ok(payload_value(payload, &self.signer().limits)?)
    }

    /// Django's `TimestampSigner.unsign_object(signed, max_age=…)` with the clock reading
    /// `now`: signature, then timestamp and age, then payload.
    ///
    /// ```
    /// use djsign::TimestampSigner;
    /// let s = TimestampSigner::builder().key("secret").salt("django.core.signing").build()?;
    /// let v: String = s.unsign_object_at(
    ///     ".eJxTSiQSKAEAS8sPbQ:1r31eq:YvjYbXacL1Wy1sTte8pq0KR3RfqeHSvU_AajTon1wto", None, 0.0)?;
    /// assert_eq!(v, "a".repeat(40));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign_object_at<T: DeserializeOwned>(
        &self,
        signed: &str,
        max_age: Option<MaxAge>,
        now: impl Into<crate::UnixTime>,
    ) -> Result<T, Error> {
        let now = now.into().as_secs_f64();
        let payload = self.unsign_at(signed, max_age, now)?;
        decode_payload(payload, &self.signer().limits)
    }
}

/// Django's `signing.dumps(obj, key, salt, compress=…)` with the current time: a
/// timestamped, signed, URL-safe token.
///
/// Builds a signer (two hash computations) per call; to sign many values, build a
/// [`TimestampSigner`] with salt [`DUMPS_SALT`] once and call its `sign_object`.
///
/// ```
/// use djsign::{signing, Settings};
/// let settings = Settings::new("secret");
/// let token = signing::dumps(&vec![1, 2, 3], &settings, signing::DUMPS_SALT, false)?;
/// let back: Vec<i32> = signing::loads(&token, &settings, signing::DUMPS_SALT, None)?;
/// assert_eq!(back, [1, 2, 3]);
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn dumps<T: Serialize + ?Sized>(
    obj: &T,
    settings: &Settings,
    salt: &str,
    compress: bool,
) -> Result<String, Error> {
    TimestampSigner::builder()
        .settings(settings)
        .salt(salt)
        .build()?
        .sign_object(obj, compress)
}

/// Django's `signing.loads(token, key, salt, max_age=…)` with the current time; the
/// settings' fallback keys are tried too.
///
/// ```
/// use djsign::{signing, MaxAge, Settings};
/// let settings = Settings::new("secret");
/// let err = signing::loads::<i32>("MQ:1:forged", &settings, signing::DUMPS_SALT, Some(MaxAge::Seconds(60))).unwrap_err();
/// assert!(err.is_bad_signature());
/// ```
pub fn loads<T: DeserializeOwned>(
    token: &str,
    settings: &Settings,
    salt: &str,
    max_age: Option<MaxAge>,
) -> Result<T, Error> {
    TimestampSigner::builder()
        .settings(settings)
        .salt(salt)
        .build()?
        .unsign_object(token, max_age)
}

/// [`loads`] into a [`Value`]: the payload exactly as Python's `json` reads it.
///
/// ```
/// use djsign::{signing, Settings};
/// let settings = Settings::new("secret");
/// let token = signing::dumps(&[1, 2], &settings, signing::DUMPS_SALT, false)?;
/// let v = signing::loads_value(&token, &settings, signing::DUMPS_SALT, None)?;
/// assert_eq!(djsign::pyjson::to_vec(&v), b"[1,2]");
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn loads_value(
    token: &str,
    settings: &Settings,
    salt: &str,
    max_age: Option<MaxAge>,
) -> Result<Value, Error> {
    TimestampSigner::builder()
        .settings(settings)
        .salt(salt)
        .build()?
        .unsign_value(token, max_age)
}

/// `dumps` with an explicit key and the newest Django's defaults.
///
/// ```
/// let t = djsign::signing::dumps_with_key(&"hello", "secret", false)?;
/// assert!(t.starts_with("ImhlbGxvIg:"));
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn dumps_with_key<T: Serialize + ?Sized>(
    obj: &T,
    key: impl Into<SecretKey>,
    compress: bool,
) -> Result<String, Error> {
    dumps(obj, &Settings::new(key), DUMPS_SALT, compress)
}
