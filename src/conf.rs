//! Django's settings, as far as djsign honours them (`django.conf.settings`).

use crate::crypto::{Algorithm, SecretKey};
use crate::version::DjangoVersion;

/// The settings a Django project signs with.
///
/// Build it with [`Settings::new`] and set fields as in `settings.py`; every field not set
/// keeps Django's default.
///
/// ```
/// use djsign::{DjangoVersion, Settings};
/// let mut settings = Settings::new("django-insecure-test-key");
/// settings.secret_key_fallbacks = vec!["old-key".into()];
/// settings.version = DjangoVersion::V4_2;
/// assert_eq!(format!("{settings:?}").contains("old-key"), false); // keys are redacted
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// `SECRET_KEY`.
    pub secret_key: SecretKey,
    /// `SECRET_KEY_FALLBACKS` (4.1+), tried in order after `SECRET_KEY` when verifying.
    pub secret_key_fallbacks: Vec<SecretKey>,
    /// The Django release whose behaviour to reproduce.
    pub version: DjangoVersion,
    /// `DEFAULT_HASHING_ALGORITHM` (3.1 and 3.2 only; `None` means Django's default,
    /// `sha256`). Ignored by other versions, as Django ignores it.
    pub default_hashing_algorithm: Option<Algorithm>,
}

impl Settings {
    /// Settings with this `SECRET_KEY` and Django's defaults for the newest version.
    ///
    /// ```
    /// let s = djsign::Settings::new("k");
    /// assert!(s.secret_key_fallbacks.is_empty());
    /// ```
    pub fn new(secret_key: impl Into<SecretKey>) -> Settings {
        Settings {
            secret_key: secret_key.into(),
            secret_key_fallbacks: Vec::new(),
            version: DjangoVersion::LATEST,
            default_hashing_algorithm: None,
        }
    }

    /// The algorithm this configuration signs with by default.
    ///
    /// ```
    /// use djsign::{Algorithm, DjangoVersion, Settings};
    /// let mut s = Settings::new("k");
    /// s.version = DjangoVersion::V3_0;
    /// assert_eq!(s.signing_algorithm(), Algorithm::Sha1);
    /// ```
    pub fn signing_algorithm(&self) -> Algorithm {
        self.version.default_algorithm(self.default_hashing_algorithm)
    }
}
