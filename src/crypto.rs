//! Django's `django.utils.crypto`: the hash algorithms, `salted_hmac`, secret keys and
//! constant-time comparison.
//!
//! Django never keys an HMAC with the raw secret: it first hashes `key_salt ‖ secret` with
//! the chosen algorithm and uses that digest as the HMAC key (`django/utils/crypto.py`).
//! [`KeyedMac`] holds the resulting HMAC state, so the two hash invocations of the key
//! schedule happen once per signer instead of once per call.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorKind};

/// The largest digest any supported algorithm produces (SHA-512: 64 bytes).
///
/// ```
/// assert_eq!(djsign::crypto::MAX_DIGEST_LEN, djsign::Algorithm::Sha512.digest_len());
/// ```
pub const MAX_DIGEST_LEN: usize = 64;

/// A hash algorithm Django can sign with, named as Python's `hashlib` names it.
///
/// Django accepts any attribute of `hashlib`; djsign supports the SHA-1 and SHA-2 family,
/// which is what Django itself uses (`sha1` up to 3.0, `sha256` since 3.1). Any other name
/// is rejected with [`ErrorKind::UnknownAlgorithm`], as Django's `InvalidAlgorithm`.
///
/// ```
/// use djsign::Algorithm;
/// assert_eq!("sha256".parse::<Algorithm>().unwrap(), Algorithm::Sha256);
/// assert_eq!(Algorithm::Sha1.name(), "sha1");
/// assert!("SHA256".parse::<Algorithm>().is_err()); // names are case-sensitive, as in hashlib
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `sha1`: Django's algorithm up to 3.0, and the legacy one 3.1/3.2 still accept.
    Sha1,
    /// `sha224`.
    Sha224,
    /// `sha256`: Django's default since 3.1.
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha512`.
    Sha512,
}

impl Algorithm {
    /// Every supported algorithm.
    ///
    /// ```
    /// assert_eq!(djsign::Algorithm::ALL.len(), 5);
    /// ```
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Sha1,
        Algorithm::Sha224,
        Algorithm::Sha256,
        Algorithm::Sha384,
        Algorithm::Sha512,
    ];

    /// The `hashlib` name of the algorithm (`"sha256"`).
    ///
    /// ```
    /// assert_eq!(djsign::Algorithm::Sha512.name(), "sha512");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha224 => "sha224",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The digest length in bytes.
    ///
    /// ```
    /// assert_eq!(djsign::Algorithm::Sha1.digest_len(), 20);
    /// ```
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha224 => 28,
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    fn hash(self, parts: &[&[u8]]) -> Digest {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Digest {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            Digest::from_slice(&d.finalize())
        }
        match self {
            Algorithm::Sha1 => run::<Sha1>(parts),
            Algorithm::Sha224 => run::<Sha224>(parts),
            Algorithm::Sha256 => run::<Sha256>(parts),
            Algorithm::Sha384 => run::<Sha384>(parts),
            Algorithm::Sha512 => run::<Sha512>(parts),
        }
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| ErrorKind::UnknownAlgorithm(name.to_owned()).into())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A secret key (`SECRET_KEY` or an entry of `SECRET_KEY_FALLBACKS`).
///
/// Built from a `str` (encoded as UTF-8, as Django's `force_bytes` does) or from bytes.
/// Its bytes are wiped from memory when it is dropped, and its `Debug` output shows no key
/// material.
///
/// ```
/// use djsign::SecretKey;
/// let key = SecretKey::from("django-insecure-test-key");
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
/// assert_eq!(SecretKey::from("k"), SecretKey::from(&b"k"[..]));
/// ```
#[derive(Clone)]
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    /// The key's bytes (UTF-8 for keys given as text).
    ///
    /// ```
    /// assert_eq!(djsign::SecretKey::from("é").as_bytes(), b"\xc3\xa9");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether the key is empty (Django then falls back to `settings.SECRET_KEY`).
    ///
    /// ```
    /// assert!(djsign::SecretKey::from("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A new key made of `prefix` followed by this key's bytes, as Django's cookie signer
    /// builds `b"django.http.cookies" + SECRET_KEY`.
    ///
    /// ```
    /// let k = djsign::SecretKey::from("sk").prefixed(b"django.http.cookies");
    /// assert_eq!(k.as_bytes(), b"django.http.cookiessk");
    /// ```
    pub fn prefixed(&self, prefix: &[u8]) -> SecretKey {
        let mut v = Vec::with_capacity(prefix.len() + self.0.len());
        v.extend_from_slice(prefix);
        v.extend_from_slice(&self.0);
        SecretKey(Zeroizing::new(v))
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl From<&str> for SecretKey {
    fn from(s: &str) -> Self {
        SecretKey(Zeroizing::new(s.as_bytes().to_vec()))
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        SecretKey(Zeroizing::new(s.into_bytes()))
    }
}

impl From<&String> for SecretKey {
    fn from(s: &String) -> Self {
        SecretKey::from(s.as_str())
    }
}

impl From<&[u8]> for SecretKey {
    fn from(b: &[u8]) -> Self {
        SecretKey(Zeroizing::new(b.to_vec()))
    }
}

impl From<Vec<u8>> for SecretKey {
    fn from(b: Vec<u8>) -> Self {
        SecretKey(Zeroizing::new(b))
    }
}

impl From<&SecretKey> for SecretKey {
    fn from(k: &SecretKey) -> Self {
        k.clone()
    }
}

/// A digest or MAC value of up to 64 bytes, kept on the stack.
///
/// Its `Debug` output hides the bytes: a computed MAC must never reach a log.
///
/// ```
/// use djsign::{crypto::salted_hmac, Algorithm, SecretKey};
/// let mac = salted_hmac("s", b"v", &SecretKey::from("django-insecure-test-key"), Algorithm::Sha1);
/// assert_eq!(mac.to_hex(), "f8821045d1190dc6c8c32c69ccf9e913a2239acd");
/// assert_eq!(format!("{mac:?}"), "Digest(<20 bytes>)");
/// ```
#[derive(Clone, Copy)]
pub struct Digest {
    bytes: [u8; MAX_DIGEST_LEN],
    len: u8,
}

impl Digest {
    fn from_slice(s: &[u8]) -> Digest {
        let mut bytes = [0u8; MAX_DIGEST_LEN];
        let len = s.len().min(MAX_DIGEST_LEN);
        bytes[..len].copy_from_slice(&s[..len]);
        Digest {
            bytes,
            len: len as u8,
        }
    }

    /// The digest bytes.
    ///
    /// ```
    /// # use djsign::{crypto::salted_hmac, Algorithm, SecretKey};
    /// let mac = salted_hmac("s", b"v", &SecretKey::from("k"), Algorithm::Sha256);
    /// assert_eq!(mac.as_bytes().len(), 32);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Lower-case hexadecimal, as Python's `hexdigest()`.
    ///
    /// ```
    /// # use djsign::{crypto::salted_hmac, Algorithm, SecretKey};
    /// let mac = salted_hmac("s", b"v", &SecretKey::from("k"), Algorithm::Sha256);
    /// assert_eq!(mac.to_hex(), "de1116ea8310f146acd6526cce1ab66b438f91abb9adb186b2e85fb8500b9d27");
    /// ```
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(self.len as usize * 2);
        for b in self.as_bytes() {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }
}

impl Zeroize for Digest {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest(<{} bytes>)", self.len)
    }
}

/// An HMAC whose key schedule has been computed once: Django's `salted_hmac` with a fixed
/// `key_salt`, secret and algorithm, ready to MAC many values.
///
/// ```
/// use djsign::{crypto::KeyedMac, Algorithm, SecretKey};
/// let mac = KeyedMac::new("s", &SecretKey::from("django-insecure-test-key"), Algorithm::Sha1);
/// assert_eq!(mac.mac(b"v").to_hex(), "f8821045d1190dc6c8c32c69ccf9e913a2239acd");
/// ```
#[derive(Clone)]
pub struct KeyedMac(MacState);

#[derive(Clone)]
enum MacState {
    Sha1(Hmac<Sha1>),
    Sha224(Hmac<Sha224>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl fmt::Debug for KeyedMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyedMac({}, <redacted>)", self.algorithm())
    }
}

impl KeyedMac {
    /// Derives the HMAC key `H(key_salt ‖ secret)` and computes the HMAC key schedule.
    ///
    /// ```
    /// # use djsign::{crypto::KeyedMac, Algorithm, SecretKey};
    /// let m = KeyedMac::new("django.core.signing.Signersigner", &SecretKey::from("secret"), Algorithm::Sha256);
    /// assert_eq!(m.algorithm(), Algorithm::Sha256);
    /// ```
    pub fn new(key_salt: &str, secret: &SecretKey, algorithm: Algorithm) -> KeyedMac {
        let key = Zeroizing::new(algorithm.hash(&[key_salt.as_bytes(), secret.as_bytes()]));
        let k = key.as_bytes();
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let state = match algorithm {
            Algorithm::Sha1 => {
                MacState::Sha1(Hmac::new_from_slice(k).unwrap_or_else(|_| unreachable!()))
            }
            Algorithm::Sha224 => {
                MacState::Sha224(Hmac::new_from_slice(k).unwrap_or_else(|_| unreachable!()))
            }
            Algorithm::Sha256 => {
                MacState::Sha256(Hmac::new_from_slice(k).unwrap_or_else(|_| unreachable!()))
            }
            Algorithm::Sha384 => {
                MacState::Sha384(Hmac::new_from_slice(k).unwrap_or_else(|_| unreachable!()))
            }
            Algorithm::Sha512 => {
                MacState::Sha512(Hmac::new_from_slice(k).unwrap_or_else(|_| unreachable!()))
            }
        };
        KeyedMac(state)
    }

    /// The algorithm of this MAC.
    ///
    /// ```
    /// # use djsign::{crypto::KeyedMac, Algorithm, SecretKey};
    /// assert_eq!(KeyedMac::new("", &SecretKey::from("k"), Algorithm::Sha1).algorithm(), Algorithm::Sha1);
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        match self.0 {
            MacState::Sha1(_) => Algorithm::Sha1,
            MacState::Sha224(_) => Algorithm::Sha224,
            MacState::Sha256(_) => Algorithm::Sha256,
            MacState::Sha384(_) => Algorithm::Sha384,
            MacState::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// The MAC of the concatenation of `parts` (no allocation).
    ///
    /// ```
    /// # use djsign::{crypto::KeyedMac, Algorithm, SecretKey};
    /// let m = KeyedMac::new("s", &SecretKey::from("k"), Algorithm::Sha256);
    /// assert_eq!(m.mac_parts(&[b"a", b"b"]).as_bytes(), m.mac(b"ab").as_bytes());
    /// ```
    pub fn mac_parts(&self, parts: &[&[u8]]) -> Digest {
        fn run<M: Mac + Clone>(m: &M, parts: &[&[u8]]) -> Digest {
            let mut m = m.clone();
            for p in parts {
                m.update(p);
            }
            Digest::from_slice(&m.finalize().into_bytes())
        }
        match &self.0 {
            MacState::Sha1(m) => run(m, parts),
            MacState::Sha224(m) => run(m, parts),
            MacState::Sha256(m) => run(m, parts),
            MacState::Sha384(m) => run(m, parts),
            MacState::Sha512(m) => run(m, parts),
        }
    }

    /// The MAC of `value`.
    ///
    /// ```
    /// # use djsign::{crypto::KeyedMac, Algorithm, SecretKey};
    /// let m = KeyedMac::new("s", &SecretKey::from("k"), Algorithm::Sha256);
    /// assert_eq!(m.mac(b"v").to_hex(), "de1116ea8310f146acd6526cce1ab66b438f91abb9adb186b2e85fb8500b9d27");
    /// ```
    pub fn mac(&self, value: &[u8]) -> Digest {
        self.mac_parts(&[value])
    }
}

/// Django's `salted_hmac(key_salt, value, secret, algorithm=…)`: HMAC of `value` keyed with
/// `H(key_salt ‖ secret)`.
///
/// Computes the key schedule on every call; to MAC many values, keep a [`KeyedMac`].
///
/// ```
/// use djsign::{crypto::salted_hmac, Algorithm, SecretKey};
/// let mac = salted_hmac("s", b"v", &SecretKey::from("k"), Algorithm::Sha256);
/// assert_eq!(mac.to_hex(), "de1116ea8310f146acd6526cce1ab66b438f91abb9adb186b2e85fb8500b9d27");
/// ```
pub fn salted_hmac(
    key_salt: &str,
    value: &[u8],
    secret: &SecretKey,
    algorithm: Algorithm,
) -> Digest {
    KeyedMac::new(key_salt, secret, algorithm).mac(value)
}

/// The operating system's random number generator failed (Python would raise
/// `NotImplementedError` or `OSError` from `secrets`): no key, token or secret can be
/// made. It says why, as the operating system reported it.
///
/// ```
/// let e = djsign::crypto::RandomError::unavailable();
/// assert!(e.to_string().starts_with("the operating system's random number generator failed"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomError(getrandom::Error);

impl RandomError {
    /// The error of a platform without a random number generator.
    pub fn unavailable() -> RandomError {
        RandomError(getrandom::Error::UNSUPPORTED)
    }
}

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the operating system's random number generator failed: {}",
            self.0
        )
    }
}

impl std::error::Error for RandomError {}

/// Django's `get_random_string(length, allowed_chars)`: `length` characters drawn
/// uniformly from `allowed_chars` (at most 256 of them) with the operating system's
/// CSPRNG; bytes that would bias the draw are redrawn.
pub(crate) fn get_random_string(
    length: usize,
    allowed_chars: &[u8],
) -> Result<String, RandomError> {
    let n = allowed_chars.len();
    // The largest multiple of n that fits a byte: bytes from it up are redrawn.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(length);
    let mut buf = [0u8; 64];
    while out.len() < length {
        getrandom::fill(&mut buf).map_err(RandomError)?;
        for &b in buf.iter().filter(|&&b| usize::from(b) < limit) {
            if out.len() < length {
                out.push(char::from(allowed_chars[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

/// Compares two byte strings in time that depends only on their lengths, as Django's
/// `constant_time_compare` (`secrets.compare_digest`). Different lengths compare unequal.
///
/// ```
/// assert!(djsign::crypto::constant_time_eq(b"abc", b"abc"));
/// assert!(!djsign::crypto::constant_time_eq(b"abc", b"abd"));
/// assert!(!djsign::crypto::constant_time_eq(b"abc", b"abc="));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // The OR of the XORs, eight bytes at a time, with no branch on the contents; then one
    // `subtle` comparison, which keeps the optimiser from reasoning about the result
    // (`subtle`'s slice comparison puts every byte through that barrier, which costs more
    // than the rest of verifying a short cookie's signature).
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let mut diff = 0u64;
    for (x, y) in wa.remainder().iter().zip(wb.remainder()) {
        diff |= u64::from(x ^ y);
    }
    for (x, y) in wa.zip(wb) {
        let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or_default());
        diff |= word(x) ^ word(y);
    }
    bool::from(diff.ct_eq(&0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_strings_use_every_allowed_character_and_no_other() {
        for chars in [&b"ab"[..], b"abcdefghijklmnopqrstuvwxyz0123456789", b"xyz"] {
            let s = super::get_random_string(2000, chars).unwrap();
            assert_eq!(s.len(), 2000);
            assert!(s.bytes().all(|b| chars.contains(&b)));
            assert!(chars.iter().all(|c| s.as_bytes().contains(c)));
        }
        assert_eq!(super::get_random_string(0, b"ab").unwrap(), "");
    }

    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_finds_every_difference() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(constant_time_eq(&a, &a.clone()));
            assert!(!constant_time_eq(&a, &a[..len.saturating_sub(1)]) || len == 0);
            for at in 0..len {
                for bit in 0..8 {
                    let mut b = a.clone();
                    b[at] ^= 1 << bit;
                    assert!(!constant_time_eq(&a, &b), "len {len}, byte {at}, bit {bit}");
                }
            }
        }
    }
}
