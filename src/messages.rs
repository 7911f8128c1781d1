//! The messages framework's storage (`django/contrib/messages/storage/cookie.py`): the `messages`
//! cookie of `CookieStorage` in each version's format, its 2048-byte limit with Django's
//! trimming, and messages kept in the session (`SessionStorage`).
//!
//! ```
//! use djsign::messages::{Message, MessageCookie, INFO};
//! use djsign::Settings;
//! let cookies = MessageCookie::new(&Settings::new("django-insecure-test-key"))?;
//! // A Rust handler queues a message for the next Django page...
//! let stored = cookies.store(&[Message::new(INFO, "Saved.")], true, 1700000000.25);
//! let value = stored.value.expect("one message fits");
//! // ...and reads what Django queued.
//! let read = cookies.decode(&value)?.expect("valid cookie");
//! assert_eq!(read.messages[0].message, "Saved.");
//! # Ok::<(), djsign::Error>(())
//! ```

use crate::conf::Settings;
use crate::crypto::{Algorithm, KeyedMac, constant_time_eq};
use crate::error::{Error, ErrorKind, Malformed};
use crate::http::quote_cookie_value;
use crate::pyjson::{self, Value};
use crate::signing::{TimestampSigner, cookie_signer};
use crate::version::DjangoVersion;

/// `messages.DEBUG`.
///
/// ```
/// assert!(djsign::messages::DEBUG < djsign::messages::INFO);
/// ```
pub const DEBUG: i64 = 10;
/// `messages.INFO`.
///
/// ```
/// assert_eq!(djsign::messages::INFO, 20);
/// ```
pub const INFO: i64 = 20;
/// `messages.SUCCESS`.
///
/// ```
/// assert_eq!(djsign::messages::SUCCESS, 25);
/// ```
pub const SUCCESS: i64 = 25;
/// `messages.WARNING`.
///
/// ```
/// assert_eq!(djsign::messages::WARNING, 30);
/// ```
pub const WARNING: i64 = 30;
/// `messages.ERROR`.
///
/// ```
/// assert_eq!(djsign::messages::ERROR, 40);
/// ```
pub const ERROR: i64 = 40;

/// The cookie's name.
///
/// ```
/// assert_eq!(djsign::messages::COOKIE_NAME, "messages");
/// ```
pub const COOKIE_NAME: &str = "messages";
/// `CookieStorage.max_cookie_size`.
///
/// ```
/// assert_eq!(djsign::messages::MAX_COOKIE_SIZE, 2048);
/// ```
pub const MAX_COOKIE_SIZE: usize = 2048;
/// The sentinel marking that more messages wait elsewhere (in the session, with
/// `FallbackStorage`).
///
/// ```
/// assert_eq!(djsign::messages::NOT_FINISHED, "__messagesnotfinished__");
/// ```
pub const NOT_FINISHED: &str = "__messagesnotfinished__";
const MESSAGE_KEY: &str = "__json_message";
const SALT: &str = "django.contrib.messages";

/// A message, as `django.contrib.messages.storage.base.Message`.
///
/// ```
/// let m = djsign::messages::Message::new(djsign::messages::SUCCESS, "Done").tags("big").safe();
/// assert_eq!((m.level, m.extra_tags.as_deref(), m.safe), (25, Some("big"), true));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The level (`INFO`, …, or any integer).
    pub level: i64,
    /// The text.
    pub message: String,
    /// `extra_tags`: `Some("")` is what `messages.add_message` passes by default, and what
    /// Django writes from 4.1 (earlier versions omit empty tags).
    pub extra_tags: Option<String>,
    /// Whether the text was marked safe (`mark_safe`): templates show it unescaped.
    pub safe: bool,
}

impl Message {
    /// A message as `messages.add_message(request, level, message)` makes it
    /// (`extra_tags=""`, not safe).
    ///
    /// ```
    /// let m = djsign::messages::Message::new(20, "hi");
    /// assert_eq!(m.extra_tags.as_deref(), Some(""));
    /// ```
    pub fn new(level: i64, message: &str) -> Message {
        Message {
            level,
            message: message.to_owned(),
            extra_tags: Some(String::new()),
            safe: false,
        }
    }

    /// With `extra_tags`.
    ///
    /// ```
    /// assert_eq!(djsign::messages::Message::new(20, "x").tags("a b").extra_tags.as_deref(), Some("a b"));
    /// ```
    pub fn tags(mut self, tags: &str) -> Message {
        self.extra_tags = Some(tags.to_owned());
        self
    }

    /// Marked safe.
    ///
    /// ```
    /// assert!(djsign::messages::Message::new(20, "<b>x</b>").safe().safe);
    /// ```
    pub fn safe(mut self) -> Message {
        self.safe = true;
        self
    }

    /// The message's JSON elements for `version` (`MessageEncoder`).
    fn elements(&self, version: DjangoVersion) -> Vec<Value> {
        let mut v = vec![
            Value::from(MESSAGE_KEY),
            Value::Int(self.safe as i64),
            Value::Int(self.level),
            Value::from(self.message.as_str()),
        ];
        let tags = match &self.extra_tags {
            Some(t) if version >= DjangoVersion::V4_1 || !t.is_empty() => Some(t),
            _ => None,
        };
        if let Some(t) = tags {
            v.push(Value::from(t.as_str()));
        }
        v
    }

    /// Compact JSON of the message (`MessageEncoder` with `(",", ":")` separators).
    fn to_json(&self, version: DjangoVersion) -> Vec<u8> {
        pyjson::to_vec(&Value::List(self.elements(version)))
    }

    fn from_value(v: &Value) -> Result<Message, Error> {
        let bad = || {
            Error::from(Malformed::Type(
                "not a message: Message(level, message[, extra_tags])".into(),
            ))
        };
        let Value::List(items) = v else {
            return Err(bad());
        };
        let (safe, rest) = (items.get(1).ok_or_else(bad)?, &items[2.min(items.len())..]);
        if rest.len() < 2 || rest.len() > 3 {
            return Err(bad());
        }
        Ok(Message {
            level: rest[0].as_i64().ok_or_else(bad)?,
            message: rest[1].as_str().ok_or_else(bad)?.to_owned(),
            extra_tags: match rest.get(2) {
                None | Some(Value::Null) => None,
                Some(t) => Some(t.as_str().ok_or_else(bad)?.to_owned()),
            },
            safe: !matches!(safe, Value::Null | Value::Bool(false) | Value::Int(0)),
        })
    }
}

/// What [`MessageCookie::decode`] returns for a valid cookie.
///
/// ```
/// use djsign::messages::{Message, MessageCookie};
/// let c = MessageCookie::new(&djsign::Settings::new("k"))?;
/// let d = c.decode(&c.encode(&[Message::new(20, "hi")], 0.0))?.unwrap();
/// assert!(d.all_retrieved && d.messages.len() == 1);
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// False when the cookie ended with the not-finished sentinel (more messages wait in
    /// the session).
    pub all_retrieved: bool,
}

/// What [`MessageCookie::store`] decided.
///
/// ```
/// use djsign::messages::MessageCookie;
/// let c = MessageCookie::new(&djsign::Settings::new("k"))?;
/// let s = c.store(&[], true, 0.0);
/// assert!(s.value.is_none() && s.unstored.is_empty()); // nothing left: delete the cookie
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    /// The cookie value to set, or `None` to delete the cookie (nothing to store).
    pub value: Option<String>,
    /// The messages that did not fit (they go to the session with `FallbackStorage`).
    pub unstored: Vec<Message>,
}

/// Redacted: the cookie value prints as its length.
impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("value", &crate::redact::optional(&self.value))
            .field("unstored", &self.unstored)
            .finish()
    }
}

/// Django's `CookieStorage` for one version and key set.
///
/// ```
/// use djsign::messages::{Message, MessageCookie};
/// let c = MessageCookie::new(&djsign::Settings::new("k"))?;
/// let v = c.store(&[Message::new(20, "hi")], true, 0.0).value.unwrap();
/// assert_eq!(c.decode(&v)?.unwrap().messages[0].message, "hi");
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct MessageCookie {
    signer: TimestampSigner,
    legacy: KeyedMac,
    version: DjangoVersion,
}

impl MessageCookie {
    /// The storage for `settings` (cookie signer with salt `django.contrib.messages`).
    ///
    /// ```
    /// assert!(djsign::messages::MessageCookie::new(&djsign::Settings::new("k")).is_ok());
    /// ```
    pub fn new(settings: &Settings) -> Result<MessageCookie, Error> {
        Ok(MessageCookie {
            signer: cookie_signer(settings, SALT)?,
            legacy: KeyedMac::new(SALT, &settings.secret_key, Algorithm::Sha1),
            version: settings.version,
        })
    }

    /// Encodes already-serialized messages (`_encode_parts`): `hash$json` up to 3.0, the
    /// signed JSON on 3.1, the compressed signed object from 3.2.
    fn encode_parts(&self, parts: &[Vec<u8>], now: f64) -> String {
        let mut json = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 2);
        json.push(b'[');
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(p);
        }
        json.push(b']');
        let v = self.version;
        if v >= DjangoVersion::V3_2 {
            self.signer.sign_json_at(&json, true, now)
        } else {
            // ASCII: the JSON is written with ensure_ascii.
            let text = String::from_utf8_lossy(&json);
            if v >= DjangoVersion::V3_1 {
                self.signer.sign_at(&text, now)
            } else {
                format!("{}${text}", self.legacy.mac(&json).to_hex())
            }
        }
    }

    /// The cookie value for `messages` (all of them, no size limit).
    ///
    /// ```
    /// use djsign::{messages::{Message, MessageCookie}, DjangoVersion, Settings};
    /// let mut s = Settings::new("django-insecure-test-key");
    /// s.version = DjangoVersion::V3_0;
    /// let m = [Message::new(20, "hello"), Message::new(30, "<b>x</b>").tags("tag").safe(), Message::new(40, "é")];
    /// let v = MessageCookie::new(&s)?.encode(&m, 0.0);
    /// assert_eq!(v, concat!(r#"bd31bec887f2d4b9dbe13ecc102a1632b96f1b1f$[["__json_message",0,20,"hello"],"#,
    ///     r#"["__json_message",1,30,"<b>x</b>","tag"],["__json_message",0,40,"\u00e9"]]"#));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn encode(&self, messages: &[Message], now: impl Into<crate::UnixTime>) -> String {
        let now = now.into().as_secs_f64();
        let parts: Vec<Vec<u8>> = messages.iter().map(|m| m.to_json(self.version)).collect();
        self.encode_parts(&parts, now)
    }

    /// Django's `CookieStorage._store(messages, response, remove_oldest)`: the value to set
    /// (or `None`: delete the cookie) and the messages that did not fit in 2048 bytes of
    /// quoted cookie value. Trimming drops the oldest messages (or the newest when
    /// `remove_oldest` is false) and appends the not-finished sentinel: one message at a
    /// time up to 4.2, by bisection from 5.0.
    ///
    /// ```
    /// use djsign::messages::{Message, MessageCookie};
    /// let c = MessageCookie::new(&djsign::Settings::new("k"))?;
    /// let mut x = 1u64;
    /// let mut noise = || { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); x >> 33 };
    /// let many: Vec<Message> = (0..150).map(|_| Message::new(20, &format!("{:x}{:x}{:x}{:x}", noise(), noise(), noise(), noise()))).collect();
    /// let out = c.store(&many, true, 0.0);
    /// assert!(!out.unstored.is_empty() && out.unstored[0] == many[0]);
    /// assert!(out.value.unwrap().len() <= 2048);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn store(
        &self,
        messages: &[Message],
        remove_oldest: bool,
        now: impl Into<crate::UnixTime>,
    ) -> Stored {
        let now = now.into().as_secs_f64();
        let v = self.version;
        let parts: Vec<Vec<u8>> = messages.iter().map(|m| m.to_json(v)).collect();
        let sentinel = pyjson::to_vec(&Value::from(NOT_FINISHED));
        let too_large = |value: &str| quote_cookie_value(value).chars().count() > MAX_COOKIE_SIZE;
        let with_sentinel = |slice: &[Vec<u8>]| {
            let mut p = slice.to_vec();
            p.push(sentinel.clone());
            self.encode_parts(&p, now)
        };
        if messages.is_empty() {
            return Stored {
                value: None,
                unstored: Vec::new(),
            };
        }
        let all = self.encode_parts(&parts, now);
        if !too_large(&all) {
            return Stored {
                value: Some(all),
                unstored: Vec::new(),
            };
        }
        if v < DjangoVersion::V5_0 {
            // One message at a time, re-encoding with the sentinel each time.
            let (mut lo, mut hi) = (0, parts.len());
            loop {
                if remove_oldest {
                    lo += 1;
                } else {
                    hi -= 1;
                }
                let value = with_sentinel(&parts[lo..hi]);
                if !too_large(&value) || lo == hi {
                    let unstored = if remove_oldest {
                        messages[..lo].to_vec()
                    } else {
                        messages[hi..].to_vec()
                    };
                    return Stored {
                        value: Some(value),
                        unstored,
                    };
                }
            }
        }
        // 5.0+: bisection (`bisect_keep_right` / `bisect_keep_left`).
        let (mut lo, mut hi) = (0, parts.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let fits_not = if remove_oldest {
                too_large(&with_sentinel(&parts[mid..]))
            } else {
                too_large(&with_sentinel(&parts[..mid + 1]))
            };
            match (remove_oldest, fits_not) {
                (true, true) => lo = mid + 1,
                (true, false) => hi = mid,
                (false, true) => hi = mid,
                (false, false) => lo = mid + 1,
            }
        }
        if remove_oldest {
            Stored {
                value: Some(with_sentinel(&parts[lo..])),
                unstored: messages[..lo].to_vec(),
            }
        } else {
            Stored {
                value: Some(with_sentinel(&parts[..lo])),
                unstored: messages[lo..].to_vec(),
            }
        }
    }

    /// Django's `CookieStorage._decode` plus the sentinel handling of `_get`, for the
    /// (unquoted) cookie value: `Ok(None)` where Django discards the cookie (bad signature
    /// or undecodable data), `Err` where Django's own exception escapes (a validly signed
    /// payload that is not zlib or not made of messages).
    ///
    /// ```
    /// use djsign::messages::MessageCookie;
    /// let c = MessageCookie::new(&djsign::Settings::new("django-insecure-test-key"))?;
    /// let d = c.decode(".eJyLjlaKj88qzs-Lz00tLk5MT1XSMdAxMtBRykjNyclXitXBlDfUMQbK2yTZVdjoJ9kp6SiVJKZjVWigYwJUGFNqYJBqCVSmFBsLAKL1Iak:1r31eq:bVC1QhYM6AFTUmfKsb2mYPw6oTfNUlofWyP6uSj7Rf0")?.unwrap();
    /// assert_eq!(d.messages.len(), 3);
    /// assert!(d.messages[1].safe && d.messages[1].extra_tags.as_deref() == Some("tag"));
    /// assert!(c.decode("forged")?.is_none());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn decode(&self, value: &str) -> Result<Option<Decoded>, Error> {
        if value.is_empty() {
            return Ok(None);
        }
        let v = self.version;
        let json: Option<Value> = if v >= DjangoVersion::V3_2 {
            match self.signer.unsign_value_at(value, None, 0.0) {
                Ok(j) => Some(j),
                Err(e) => match e.kind() {
                    ErrorKind::BadSignature if v < DjangoVersion::V4_0 => self.legacy_json(value),
                    ErrorKind::BadSignature => None,
                    ErrorKind::Malformed(Malformed::Base64(_) | Malformed::Json(_))
                        if v >= DjangoVersion::V4_1 =>
                    {
                        None
                    }
                    ErrorKind::Malformed(Malformed::Base64(_) | Malformed::Json(_)) => {
                        // 3.2/4.0: the 3.1 format, signed JSON text.
                        let text = self.signer.unsign_at(value, None, 0.0)?;
                        self.signer.signer().limits().parse(text.as_bytes()).ok()
                    }
                    _ => return Err(e),
                },
            }
        } else if v >= DjangoVersion::V3_1 {
            match self.signer.unsign_at(value, None, 0.0) {
                Ok(text) => self.signer.signer().limits().parse(text.as_bytes()).ok(),
                Err(_) => self.legacy_json(value),
            }
        } else {
            self.legacy_json(value)
        };
        let Some(json) = json else { return Ok(None) };
        let Value::List(mut items) = json else {
            return Err(Malformed::Type("the messages cookie does not hold a list".into()).into());
        };
        let all_retrieved = !matches!(items.last(), Some(Value::Str(s)) if *s == NOT_FINISHED);
        if !all_retrieved {
            items.pop();
        }
        let messages = items
            .iter()
            .map(Message::from_value)
            .collect::<Result<_, _>>()?;
        Ok(Some(Decoded {
            messages,
            all_retrieved,
        }))
    }

    /// The `sha1hex$json` format (≤ 3.0, and the legacy fallback of 3.1/3.2).
    fn legacy_json(&self, value: &str) -> Option<Value> {
        let (hash, json) = value.split_once('$')?;
        if !constant_time_eq(
            hash.as_bytes(),
            self.legacy.mac(json.as_bytes()).to_hex().as_bytes(),
        ) {
            return None;
        }
        self.signer.signer().limits().parse(json.as_bytes()).ok()
    }
}

/// `SessionStorage`'s value for the `_messages` session key: the messages as a JSON
/// string, with compact separators up to 3.1 and Python's default `", "`/`": "` from 3.2.
///
/// ```
/// use djsign::{messages::{session_messages, Message}, DjangoVersion};
/// let m = [Message::new(20, "hi")];
/// assert_eq!(session_messages(&m, DjangoVersion::V6_1), r#"[["__json_message", 0, 20, "hi", ""]]"#);
/// assert_eq!(session_messages(&m, DjangoVersion::V3_1), r#"[["__json_message",0,20,"hi"]]"#);
/// ```
pub fn session_messages(messages: &[Message], version: DjangoVersion) -> String {
    let sep = if version >= DjangoVersion::V3_2 {
        ", "
    } else {
        ","
    };
    let parts: Vec<String> = messages
        .iter()
        .map(|m| {
            let elems: Vec<String> = m
                .elements(version)
                .iter()
                .map(|e| String::from_utf8_lossy(&pyjson::to_vec(e)).into_owned())
                .collect();
            format!("[{}]", elems.join(sep))
        })
        .collect();
    format!("[{}]", parts.join(sep))
}

/// Reads the `_messages` session value back (either separator style).
///
/// ```
/// use djsign::messages::{read_session_messages, Message};
/// let m = read_session_messages(r#"[["__json_message", 0, 20, "hi", ""]]"#).unwrap();
/// assert_eq!(m, [Message::new(20, "hi")]);
/// ```
pub fn read_session_messages(json: &str) -> Result<Vec<Message>, Error> {
    let v = pyjson::from_slice(json.as_bytes()).map_err(Malformed::Json)?;
    let Value::List(items) = v else {
        return Err(Malformed::Type("_messages is not a list".into()).into());
    };
    items.iter().map(Message::from_value).collect()
}
