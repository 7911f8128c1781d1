//! Django version profiles: which release's behaviour to reproduce.
//!
//! Signing changed between releases (the default algorithm, the legacy formats accepted,
//! fallback keys, the signed-cookie salt). A [`DjangoVersion`] names the release to match;
//! the default is the newest supported release, [`DjangoVersion::LATEST`].

use std::fmt;
use std::str::FromStr;

use crate::crypto::Algorithm;
use crate::error::{Error, ErrorKind};

/// A Django release: `major.minor.patch`.
///
/// ```
/// use djsign::DjangoVersion;
/// let v: DjangoVersion = "5.2.15".parse().unwrap();
/// assert!(v >= DjangoVersion::V5_2 && v < DjangoVersion::V6_0);
/// assert_eq!(DjangoVersion::default(), DjangoVersion::LATEST);
/// assert_eq!(DjangoVersion::V3_1.to_string(), "3.1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DjangoVersion {
    /// Major version (`5` in 5.2.15).
    pub major: u8,
    /// Minor version (`2` in 5.2.15).
    pub minor: u8,
    /// Patch level (`15` in 5.2.15).
    pub patch: u8,
}

macro_rules! lines {
    ($($name:ident = ($maj:literal, $min:literal)),*) => {$(
        #[doc = concat!("Django ", stringify!($maj), ".", stringify!($min), " (its first release, X.Y.0; give the patch where it matters: 5.2.15 and 6.0.6 changed the signed-cookie salt).")]
        pub const $name: DjangoVersion = DjangoVersion::new($maj, $min, 0);
    )*};
}

impl DjangoVersion {
    lines! {
        V2_2 = (2, 2), V3_0 = (3, 0), V3_1 = (3, 1), V3_2 = (3, 2), V4_0 = (4, 0), V4_1 = (4, 1),
        V4_2 = (4, 2), V5_0 = (5, 0), V5_1 = (5, 1), V5_2 = (5, 2), V6_0 = (6, 0), V6_1 = (6, 1)
    }

    /// The newest release djsign knows (6.1).
    ///
    /// ```
    /// assert_eq!(djsign::DjangoVersion::LATEST.to_string(), "6.1");
    /// ```
    pub const LATEST: DjangoVersion = DjangoVersion::V6_1;

    /// The oldest release djsign supports (2.2).
    ///
    /// ```
    /// assert_eq!(djsign::DjangoVersion::OLDEST.to_string(), "2.2");
    /// ```
    pub const OLDEST: DjangoVersion = DjangoVersion::V2_2;

    /// Every supported release line, oldest first.
    ///
    /// ```
    /// assert_eq!(djsign::DjangoVersion::LINES.len(), 12);
    /// ```
    pub const LINES: [DjangoVersion; 12] = [
        Self::V2_2,
        Self::V3_0,
        Self::V3_1,
        Self::V3_2,
        Self::V4_0,
        Self::V4_1,
        Self::V4_2,
        Self::V5_0,
        Self::V5_1,
        Self::V5_2,
        Self::V6_0,
        Self::V6_1,
    ];

    /// A version from its parts.
    ///
    /// ```
    /// assert_eq!(djsign::DjangoVersion::new(4, 2, 0), djsign::DjangoVersion::V4_2);
    /// ```
    pub const fn new(major: u8, minor: u8, patch: u8) -> DjangoVersion {
        DjangoVersion {
            major,
            minor,
            patch,
        }
    }

    /// The default signing algorithm: `sha1` up to 3.0; `DEFAULT_HASHING_ALGORITHM`
    /// (default `sha256`) on 3.1/3.2; `sha256` from 4.0.
    ///
    /// ```
    /// use djsign::{Algorithm, DjangoVersion};
    /// assert_eq!(DjangoVersion::V3_0.default_algorithm(None), Algorithm::Sha1);
    /// assert_eq!(DjangoVersion::V3_2.default_algorithm(Some(Algorithm::Sha1)), Algorithm::Sha1);
    /// assert_eq!(DjangoVersion::V4_0.default_algorithm(Some(Algorithm::Sha1)), Algorithm::Sha256);
    /// ```
    pub fn default_algorithm(self, default_hashing_algorithm: Option<Algorithm>) -> Algorithm {
        if self < Self::V3_1 {
            Algorithm::Sha1
        } else if self.is_hashing_transition() {
            default_hashing_algorithm.unwrap_or(Algorithm::Sha256)
        } else {
            Algorithm::Sha256
        }
    }

    /// Whether this is 3.1 or 3.2, which also accept sha1 signatures, legacy session data
    /// and legacy message cookies, and honour `DEFAULT_HASHING_ALGORITHM`.
    ///
    /// ```
    /// assert!(djsign::DjangoVersion::V3_2.is_hashing_transition());
    /// assert!(!djsign::DjangoVersion::V4_0.is_hashing_transition());
    /// ```
    pub fn is_hashing_transition(self) -> bool {
        self >= Self::V3_1 && self < Self::V4_0
    }

    /// Whether the `Signer` takes an `algorithm` (3.1+).
    ///
    /// ```
    /// assert!(!djsign::DjangoVersion::V3_0.has_algorithm_choice());
    /// ```
    pub fn has_algorithm_choice(self) -> bool {
        self >= Self::V3_1
    }

    /// Whether `SECRET_KEY_FALLBACKS` exists (4.1+).
    ///
    /// ```
    /// assert!(djsign::DjangoVersion::V4_1.has_fallback_keys());
    /// assert!(!djsign::DjangoVersion::V4_0.has_fallback_keys());
    /// ```
    pub fn has_fallback_keys(self) -> bool {
        self >= Self::V4_1
    }
}

impl DjangoVersion {
    /// The newest release djsign knows of `version`'s series (the releases its fixtures
    /// come from): what `"X.Y".parse()` gives.
    ///
    /// ```
    /// use djsign::DjangoVersion;
    /// assert_eq!(DjangoVersion::newest_release(DjangoVersion::V5_2), DjangoVersion::new(5, 2, 19));
    /// assert_eq!("5.2".parse::<DjangoVersion>()?, DjangoVersion::new(5, 2, 19));
    /// assert_eq!("5.2.0".parse::<DjangoVersion>()?, DjangoVersion::V5_2);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn newest_release(version: DjangoVersion) -> DjangoVersion {
        const NEWEST: [(u8, u8, u8); 12] = [
            (2, 2, 28),
            (3, 0, 14),
            (3, 1, 14),
            (3, 2, 25),
            (4, 0, 10),
            (4, 1, 13),
            (4, 2, 30),
            (5, 0, 14),
            (5, 1, 15),
            (5, 2, 19),
            (6, 0, 10),
            (6, 1, 3),
        ];
        NEWEST
            .iter()
            .find(|&&(major, minor, _)| (major, minor) == (version.major, version.minor))
            .map_or(version, |&(major, minor, patch)| {
                DjangoVersion::new(major, minor, patch.max(version.patch))
            })
    }
}

impl Default for DjangoVersion {
    fn default() -> Self {
        Self::LATEST
    }
}

impl fmt::Display for DjangoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

impl FromStr for DjangoVersion {
    type Err = Error;

    /// Parses `X.Y.Z`, or `X.Y` for the newest release of that series djsign knows
    /// ([`DjangoVersion::newest_release`]: a deployment runs the latest patch, and 5.2.15
    /// and 6.0.6 changed signed cookies); the version must be between 2.2 and the newest
    /// 6.1 release.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::from(ErrorKind::ImproperlyConfigured(format!(
                "{s:?} is not a supported Django version (expected X.Y or X.Y.Z, from {} to {})",
                Self::OLDEST,
                Self::LATEST
            )))
        };
        let mut parts = s.trim().split('.');
        let mut next = |required: bool| -> Result<u8, Error> {
            match parts.next() {
                Some(p) => p.parse().map_err(|_| bad()),
                None if required => Err(bad()),
                None => Ok(0),
            }
        };
        let (major, minor) = (next(true)?, next(true)?);
        let patch = parts.next().map(|p| p.parse::<u8>().map_err(|_| bad()));
        let v = DjangoVersion::new(major, minor, patch.clone().transpose()?.unwrap_or(0));
        if parts.next().is_some() || v < Self::OLDEST || v >= DjangoVersion::new(6, 2, 0) {
            return Err(bad());
        }
        Ok(match patch {
            Some(_) => v,
            None => DjangoVersion::newest_release(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::DjangoVersion;

    /// `newest_release` names the releases the fixtures come from (`django/venvs.sh`
    /// installs them), so "X.Y" means the Django that produced them.
    #[test]
    fn newest_releases_are_the_fixture_releases() {
        let script =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/django/venvs.sh"))
                .unwrap();
        let line = script
            .lines()
            .skip_while(|l| !l.contains("RELEASE=("))
            .take(3);
        let pins: Vec<&str> = line
            .flat_map(str::split_whitespace)
            .filter_map(|t| t.split_once("]=").map(|(_, v)| v))
            .collect();
        assert_eq!(pins.len(), DjangoVersion::LINES.len());
        for (line, pin) in DjangoVersion::LINES.iter().zip(pins) {
            assert_eq!(DjangoVersion::newest_release(*line).to_string(), pin);
        }
    }
}
