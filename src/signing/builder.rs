//! [`SignerBuilder`]: the arguments of Django's `Signer` and `TimestampSigner`
//! constructors (`django/core/signing.py`), defaulting from the settings, validated once;
//! every key schedule is computed here, so signing and verifying never derive keys.

use std::marker::PhantomData;

use crate::conf::Settings;
use crate::crypto::{Algorithm, KeyedMac, SecretKey};
use crate::error::{Error, ErrorKind};
use crate::version::DjangoVersion;

use super::signer::Signer;
use super::timestamp::TimestampSigner;

mod sealed {
    pub trait Sealed {}
}

/// What a [`SignerBuilder`] builds: [`Signer`] or [`TimestampSigner`].
///
/// ```
/// use djsign::signing::{Plain, SignerKind, Timestamped};
/// assert_eq!(<Plain as SignerKind>::DEFAULT_SALT, "django.core.signing.Signer");
/// assert_eq!(<Timestamped as SignerKind>::DEFAULT_SALT, "django.core.signing.TimestampSigner");
/// ```
pub trait SignerKind: sealed::Sealed {
    /// Django's default salt for the class (`django.core.signing.Signer`, …).
    const DEFAULT_SALT: &'static str;
    /// The built type.
    type Output;
    #[doc(hidden)]
    fn wrap(signer: Signer) -> Self::Output;
}

/// Marker for building a plain [`Signer`].
///
/// ```
/// let b: djsign::signing::SignerBuilder<djsign::signing::Plain> = djsign::Signer::builder();
/// assert!(b.key("k").build().is_ok());
/// ```
#[derive(Debug)]
pub enum Plain {}
/// Marker for building a [`TimestampSigner`].
///
/// ```
/// let b: djsign::signing::SignerBuilder<djsign::signing::Timestamped> = djsign::TimestampSigner::builder();
/// assert!(b.key("k").build().is_ok());
/// ```
#[derive(Debug)]
pub enum Timestamped {}

impl sealed::Sealed for Plain {}
impl sealed::Sealed for Timestamped {}

impl SignerKind for Plain {
    const DEFAULT_SALT: &'static str = "django.core.signing.Signer";
    type Output = Signer;
    fn wrap(signer: Signer) -> Signer {
        signer
    }
}

impl SignerKind for Timestamped {
    const DEFAULT_SALT: &'static str = "django.core.signing.TimestampSigner";
    type Output = TimestampSigner;
    fn wrap(signer: Signer) -> TimestampSigner {
        TimestampSigner::from_signer(signer)
    }
}

/// Configures a [`Signer`] or [`TimestampSigner`] with the arguments of Django's
/// constructor: `key`, `fallback_keys`, `salt`, `sep`, `algorithm`, plus the settings and
/// Django version they default from.
///
/// ```
/// use djsign::{Algorithm, DjangoVersion, Settings, Signer};
/// let mut settings = Settings::new("secret");
/// settings.version = DjangoVersion::V3_0;
/// let signer = Signer::builder().settings(&settings).build()?;
/// assert_eq!(signer.algorithm(), Algorithm::Sha1);
/// assert_eq!(signer.sign("hello"), "hello:AmyOTQY9JAikz0u2GebORkTo4LA");
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SignerBuilder<K: SignerKind = Plain> {
    key: Option<SecretKey>,
    fallback_keys: Option<Vec<SecretKey>>,
    salt: Option<String>,
    sep: String,
    algorithm: Option<Algorithm>,
    settings_key: Option<SecretKey>,
    settings_fallbacks: Vec<SecretKey>,
    default_hashing_algorithm: Option<Algorithm>,
    version: DjangoVersion,
    limits: crate::Limits,
    kind: PhantomData<K>,
}

impl<K: SignerKind> Default for SignerBuilder<K> {
    fn default() -> Self {
        SignerBuilder {
            key: None,
            fallback_keys: None,
            salt: None,
            sep: ":".into(),
            algorithm: None,
            settings_key: None,
            settings_fallbacks: Vec::new(),
            default_hashing_algorithm: None,
            version: DjangoVersion::LATEST,
            limits: crate::Limits::default(),
            kind: PhantomData,
        }
    }
}

impl<K: SignerKind> SignerBuilder<K> {
    /// Takes `SECRET_KEY`, `SECRET_KEY_FALLBACKS`, the version and
    /// `DEFAULT_HASHING_ALGORITHM` from `settings`, as Django's constructor does when its
    /// arguments are left out.
    ///
    /// ```
    /// # use djsign::{Settings, Signer};
    /// let s = Signer::builder().settings(&Settings::new("secret")).build()?;
    /// assert_eq!(s.sign("hello"), "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn settings(mut self, settings: &Settings) -> Self {
        self.settings_key = Some(settings.secret_key.clone());
        self.settings_fallbacks = settings.secret_key_fallbacks.clone();
        self.version = settings.version;
        self.default_hashing_algorithm = settings.default_hashing_algorithm;
        self.limits = settings.limits;
        self
    }

    /// The signing key (`key=`). An empty key means the settings' `SECRET_KEY`, as in Django.
    ///
    /// ```
    /// # use djsign::{Settings, Signer};
    /// let a = Signer::builder().settings(&Settings::new("secret")).key("").build()?;
    /// assert_eq!(a.sign("hello"), Signer::builder().key("secret").build()?.sign("hello"));
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn key(mut self, key: impl Into<SecretKey>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Keys that are also accepted when verifying, in order (`fallback_keys=`, Django 4.1+).
    /// Without this the settings' `SECRET_KEY_FALLBACKS` apply, even when a key is given.
    ///
    /// ```
    /// # use djsign::Signer;
    /// let old = Signer::builder().key("old").build()?.sign("v");
    /// let new = Signer::builder().key("new").fallback_keys(["old"]).build()?;
    /// assert_eq!(new.unsign(&old)?, "v");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn fallback_keys<I, T>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<SecretKey>,
    {
        self.fallback_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// The salt (`salt=`). Empty means the class default (`django.core.signing.Signer` or
    /// `django.core.signing.TimestampSigner`).
    ///
    /// ```
    /// # use djsign::Signer;
    /// let s = Signer::builder().key("secret").salt("x").build()?;
    /// assert_eq!(s.sign("hello"), "hello:IPM3o2Rs0kqG_tJwkBjqsbGjXDu2SoWpH3NnX7dp5VU");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn salt(mut self, salt: impl Into<String>) -> Self {
        self.salt = Some(salt.into());
        self
    }

    /// The separator (`sep=`, default `:`). Django refuses separators made only of
    /// `A-z0-9-_=` (note `A-z` also spans ``[\]^_` ``), and the empty one.
    ///
    /// ```
    /// # use djsign::Signer;
    /// assert_eq!(Signer::builder().key("secret").sep(".").build()?.sign("v"), "v.IhTbKS_nnoONi2XY1MZzVSzBtTWJJ1KvxKdG2Y4xKXY");
    /// assert!(Signer::builder().key("secret").sep("-").build().is_err());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sep(mut self, sep: impl Into<String>) -> Self {
        self.sep = sep.into();
        self
    }

    /// The algorithm (`algorithm=`, Django 3.1+). Default: the version's default.
    ///
    /// ```
    /// # use djsign::{Algorithm, Signer};
    /// let s = Signer::builder().key("secret").algorithm(Algorithm::Sha1).build()?;
    /// assert_eq!(s.sign("hello"), "hello:AmyOTQY9JAikz0u2GebORkTo4LA");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// The Django version to behave as (default: [`DjangoVersion::LATEST`]).
    ///
    /// ```
    /// # use djsign::{DjangoVersion, Signer};
    /// let s = Signer::builder().key("secret").version(DjangoVersion::V2_2).build()?;
    /// assert_eq!(s.sign("hello"), "hello:AmyOTQY9JAikz0u2GebORkTo4LA");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn version(mut self, version: DjangoVersion) -> Self {
        self.version = version;
        self
    }

    /// The largest decompressed payload `unsign_object` accepts
    /// (default [`DEFAULT_MAX_DECOMPRESSED_SIZE`](super::DEFAULT_MAX_DECOMPRESSED_SIZE)).
    ///
    /// ```
    /// # use djsign::Signer;
    /// let s = Signer::builder().key("k").max_decompressed_size(1 << 10).build()?;
    /// let big = s.sign_object(&"a".repeat(5000), true)?;
    /// assert!(s.unsign_object::<String>(&big).is_err());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn max_decompressed_size(mut self, bytes: usize) -> Self {
        self.limits.max_decompressed_size = bytes;
        self
    }

    /// The most values `unsign_object` accepts in one payload (default
    /// [`crate::pyjson::DEFAULT_MAX_VALUES`]; see [`crate::Limits`]).
    ///
    /// ```
    /// # use djsign::Signer;
    /// let s = Signer::builder().key("k").max_values(100).build()?;
    /// let many = s.sign_object(&vec![0; 200], true)?;
    /// assert!(s.unsign_object::<Vec<i32>>(&many).is_err());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn max_values(mut self, values: usize) -> Self {
        self.limits.max_values = values;
        self
    }

    /// Both decoding limits at once (default [`crate::Limits::default()`], or the
    /// settings' with [`Self::settings`]).
    ///
    /// ```
    /// # use djsign::{Limits, Signer};
    /// let s = Signer::builder().key("k").limits(Limits::INSPECT).build()?;
    /// assert_eq!(s.limits(), Limits::INSPECT);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn limits(mut self, limits: crate::Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Validates the configuration and computes every key schedule.
    ///
    /// Fails with [`ErrorKind::UnsafeSeparator`] for a separator Django refuses, and with
    /// [`ErrorKind::ImproperlyConfigured`] when there is no key, or for an algorithm or
    /// fallback keys the selected version does not have.
    ///
    /// ```
    /// # use djsign::{ErrorKind, Signer};
    /// let err = Signer::builder().build().unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::ImproperlyConfigured(_)));
    /// ```
    pub fn build(self) -> Result<K::Output, Error> {
        if is_unsafe_separator(&self.sep) {
            return Err(ErrorKind::UnsafeSeparator(self.sep).into());
        }
        let version = self.version;
        let key = match self.key {
            Some(k) if !k.is_empty() => k,
            _ => match self.settings_key {
                Some(k) if !k.is_empty() => k,
                _ => {
                    return Err(ErrorKind::ImproperlyConfigured(
                        "no secret key: give one with .key() or .settings() (Django: \"The SECRET_KEY setting must not be empty\")".into(),
                    )
                    .into());
                }
            },
        };
        let fallbacks = self.fallback_keys.unwrap_or(self.settings_fallbacks);
        if !fallbacks.is_empty() && !version.has_fallback_keys() {
            return Err(ErrorKind::ImproperlyConfigured(format!(
                "fallback keys need Django 4.1 or later, not {version}"
            ))
            .into());
        }
        let algorithm = match self.algorithm {
            Some(a) if !version.has_algorithm_choice() && a != Algorithm::Sha1 => {
                return Err(ErrorKind::ImproperlyConfigured(format!(
                    "Django {version} signs with sha1 only"
                ))
                .into());
            }
            Some(a) => a,
            None => version.default_algorithm(self.default_hashing_algorithm),
        };
        let salt = match self.salt {
            Some(s) if !s.is_empty() => s,
            _ => K::DEFAULT_SALT.to_owned(),
        };
        let key_salt = format!("{salt}signer");
        let mut macs: Vec<KeyedMac> = std::iter::once(&key)
            .chain(fallbacks.iter())
            .map(|k| KeyedMac::new(&key_salt, k, algorithm))
            .collect();
        if version.is_hashing_transition() && algorithm != Algorithm::Sha1 {
            macs.push(KeyedMac::new(&key_salt, &key, Algorithm::Sha1));
        }
        Ok(K::wrap(Signer {
            sep: self.sep.into(),
            salt: salt.into(),
            algorithm,
            macs: macs.into(),
            version,
            limits: self.limits,
        }))
    }
}

/// Django's separator check: `re.match(r'^[A-z0-9-_=]*$', sep)`, where `$` may also match
/// before a final newline.
fn is_unsafe_separator(sep: &str) -> bool {
    let body = sep.strip_suffix('\n').unwrap_or(sep);
    body.bytes()
        .all(|b| matches!(b, b'A'..=b'z' | b'0'..=b'9' | b'-' | b'='))
}

impl Signer {
    /// A builder with Django's defaults (no key yet).
    ///
    /// ```
    /// let s = djsign::Signer::builder().key("secret").build()?;
    /// assert_eq!(s.salt(), "django.core.signing.Signer");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn builder() -> SignerBuilder<Plain> {
        SignerBuilder::default()
    }
}

impl TimestampSigner {
    /// A builder with Django's defaults (salt `django.core.signing.TimestampSigner`).
    ///
    /// ```
    /// let s = djsign::TimestampSigner::builder().key("k").build()?;
    /// assert_eq!(s.signer().salt(), "django.core.signing.TimestampSigner");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn builder() -> SignerBuilder<Timestamped> {
        SignerBuilder::<Timestamped>::default()
    }
}
