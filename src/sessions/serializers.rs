//! `SESSION_SERIALIZER` (`django/contrib/sessions/serializers.py`): how session data
//! becomes the bytes that are signed and stored, for the db, cached_db and file engines'
//! `session_data` and for signed-cookie sessions. (The cache engine pickles the dict
//! whatever this says: that is the cache's own format.)
//!
//! `JSONSerializer` is Django's default (from 1.6) and only serializer from 5.0.
//! `PickleSerializer` (deprecated in 4.1, removed in 5.0) pickles with
//! `pickle.HIGHEST_PROTOCOL` of the Python that runs Django: 4 on Python 3.7, 5 from
//! 3.8 ([`Settings::session_pickle_protocol`]). djsign reads pickled sessions without
//! ever executing anything: what a JSON session can hold (strings, numbers, booleans,
//! `None`, lists, tuples, dicts with string keys) is read and written byte for byte as
//! CPython's pickler writes it; any other type (a `datetime`, a `set`, a model instance)
//! is an error naming it ([`crate::pickle::PickleError::Unsupported`]).

use crate::conf::Settings;
use crate::error::{Error, ErrorKind, Malformed};
use crate::limits::Limits;
use crate::pickle;
use crate::pyjson::{self, Dict, Value};
use crate::version::DjangoVersion;

/// The serializer of a project's sessions.
///
/// ```
/// use djsign::sessions::serializers::SessionSerializer;
/// assert_eq!("django.contrib.sessions.serializers.PickleSerializer".parse(), Ok(SessionSerializer::Pickle));
/// assert_eq!(SessionSerializer::default(), SessionSerializer::Json);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionSerializer {
    /// `django.contrib.sessions.serializers.JSONSerializer` (`django.core.signing.JSONSerializer`).
    #[default]
    Json,
    /// `django.contrib.sessions.serializers.PickleSerializer` (Django up to 4.2).
    Pickle,
}

/// The dotted paths of Django's serializers.
const JSON_PATHS: &[&str] = &[
    "django.contrib.sessions.serializers.JSONSerializer",
    "django.core.signing.JSONSerializer",
];
const PICKLE_PATHS: &[&str] = &[
    "django.contrib.sessions.serializers.PickleSerializer",
    "django.core.serializers.base.PickleSerializer",
];

impl std::str::FromStr for SessionSerializer {
    type Err = String;

    fn from_str(path: &str) -> Result<SessionSerializer, String> {
        if JSON_PATHS.contains(&path) {
            Ok(SessionSerializer::Json)
        } else if PICKLE_PATHS.contains(&path) {
            Ok(SessionSerializer::Pickle)
        } else {
            Err(format!(
                "unknown session serializer {path:?} (known: {})",
                [JSON_PATHS, PICKLE_PATHS].concat().join(", ")
            ))
        }
    }
}

/// Serializes and deserializes session data for one configuration.
#[derive(Clone, Debug)]
pub(crate) struct Serializer {
    kind: SessionSerializer,
    protocol: u8,
    limits: Limits,
}

impl Serializer {
    /// The serializer `settings` name; pickling is refused on Django 5.0+, which removed
    /// it, and with a protocol CPython's `HIGHEST_PROTOCOL` never was.
    pub(crate) fn new(settings: &Settings) -> Result<Serializer, Error> {
        let kind = settings.session_serializer;
        if kind == SessionSerializer::Pickle {
            if settings.version >= DjangoVersion::V5_0 {
                return Err(ErrorKind::ImproperlyConfigured(
                    "PickleSerializer was removed in Django 5.0".into(),
                )
                .into());
            }
            if !matches!(settings.session_pickle_protocol, 4 | 5) {
                return Err(ErrorKind::ImproperlyConfigured(format!(
                    "pickle protocol {} is not a HIGHEST_PROTOCOL of a Python Django runs on (4 or 5)",
                    settings.session_pickle_protocol
                ))
                .into());
            }
        }
        Ok(Serializer {
            kind,
            protocol: settings.session_pickle_protocol,
            limits: settings.limits,
        })
    }

    /// `serializer().dumps(data)` into `out`.
    pub(crate) fn dumps_into(&self, data: &Dict, out: &mut Vec<u8>) {
        match self.kind {
            SessionSerializer::Json => pyjson::write_dict(out, data),
            SessionSerializer::Pickle => {
                out.extend_from_slice(&pickle::dict_to_vec_protocol(data, self.protocol))
            }
        }
    }

    /// `serializer().loads(data)`.
    pub(crate) fn loads(&self, data: &[u8]) -> Result<Value, Malformed> {
        match self.kind {
            SessionSerializer::Json => self.limits.parse(data),
            SessionSerializer::Pickle => pickle::from_slice(data).map_err(Malformed::Pickle),
        }
    }
}
