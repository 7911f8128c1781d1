//! `Signer`: Django's `django.core.signing.Signer` (`django/core/signing.py`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::crypto::{Algorithm, KeyedMac, constant_time_eq};
use crate::error::{Error, ErrorKind};
use crate::version::DjangoVersion;

/// Default cap on the size of a decompressed payload: 32 MiB.
///
/// Django has no cap (a 13 KB token can inflate to a 5-million-element list); djsign refuses
/// to inflate a validly signed payload beyond this many bytes, so that a leaked key or a
/// forged-but-signed blob cannot exhaust memory. Change it with
/// [`SignerBuilder::max_decompressed_size`](super::SignerBuilder::max_decompressed_size).
///
/// ```
/// assert_eq!(djsign::signing::DEFAULT_MAX_DECOMPRESSED_SIZE, 32 << 20);
/// ```
pub const DEFAULT_MAX_DECOMPRESSED_SIZE: usize = 32 << 20;

/// Longest base-64 signature (SHA-512: 64 bytes → 86 characters).
const MAX_SIG_LEN: usize = 88;

/// Signs and verifies strings as Django's `Signer`: `value + sep + signature`, where the
/// signature is `b64u(HMAC(H(salt + "signer" + key), value))`.
///
/// The HMAC key schedules of the key, every fallback key and (on 3.1/3.2) the legacy sha1
/// key are computed once, when the signer is built; a `Signer` is `Send + Sync` and meant
/// to be shared.
///
/// ```
/// use djsign::Signer;
/// let signer = Signer::builder().key("secret").build()?;
/// let token = signer.sign("hello");
/// assert_eq!(token, "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18");
/// assert_eq!(signer.unsign(&token)?, "hello");
/// assert!(signer.unsign("hello:forged").unwrap_err().is_bad_signature());
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    pub(crate) sep: Box<str>,
    pub(super) salt: Box<str>,
    pub(super) algorithm: Algorithm,
    /// The key first, then the fallback keys, then (3.1/3.2) the sha1 legacy MAC.
    pub(super) macs: Box<[KeyedMac]>,
    pub(crate) version: DjangoVersion,
    pub(crate) limits: crate::Limits,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("salt", &self.salt)
            .field("sep", &self.sep)
            .field("algorithm", &self.algorithm)
            .field("keys", &self.macs.len())
            .field("version", &self.version)
            .finish()
    }
}

impl Signer {
    /// The salt in use.
    ///
    /// ```
    /// let s = djsign::Signer::builder().key("k").salt("").build()?;
    /// assert_eq!(s.salt(), "django.core.signing.Signer");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The separator in use.
    ///
    /// ```
    /// assert_eq!(djsign::Signer::builder().key("k").build()?.sep(), ":");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sep(&self) -> &str {
        &self.sep
    }

    /// The algorithm new signatures are made with.
    ///
    /// ```
    /// assert_eq!(djsign::Signer::builder().key("k").build()?.algorithm(), djsign::Algorithm::Sha256);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The Django version this signer behaves as.
    ///
    /// ```
    /// assert_eq!(djsign::Signer::builder().key("k").build()?.version(), djsign::DjangoVersion::LATEST);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn version(&self) -> DjangoVersion {
        self.version
    }

    /// The limits of what decoding a payload may produce ([`crate::Limits`]).
    ///
    /// ```
    /// assert_eq!(djsign::Signer::builder().key("k").build()?.limits(), djsign::Limits::default());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn limits(&self) -> crate::Limits {
        self.limits
    }

    /// Writes the base-64 signature of the concatenated `parts` into `buf`; returns its
    /// length.
    fn signature_into(mac: &KeyedMac, parts: &[&[u8]], buf: &mut [u8; MAX_SIG_LEN]) -> usize {
        let digest = mac.mac_parts(parts);
        URL_SAFE_NO_PAD
            .encode_slice(digest.as_bytes(), &mut buf[..])
            .unwrap_or(0)
    }

    /// The signature of `value` under the signing key (Django's `Signer.signature`).
    ///
    /// ```
    /// let s = djsign::Signer::builder().key("secret").build()?;
    /// assert_eq!(s.signature("hello"), "FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn signature(&self, value: &str) -> String {
        let mut buf = [0u8; MAX_SIG_LEN];
        let n = Self::signature_into(&self.macs[0], &[value.as_bytes()], &mut buf);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Signs `out[from..]` in place: appends `sep + signature(out[from..])`.
    pub(crate) fn seal(&self, out: &mut String, from: usize) {
        let mut buf = [0u8; MAX_SIG_LEN];
        let n = Self::signature_into(&self.macs[0], &[&out.as_bytes()[from..]], &mut buf);
        out.push_str(&self.sep);
        out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
    }

    /// `value + sep + signature(value)`. The value is not escaped: it may contain the
    /// separator, since verification splits at the last one.
    ///
    /// ```
    /// let s = djsign::Signer::builder().key("secret").build()?;
    /// assert_eq!(s.sign("a:b"), "a:b:4H1SO0c_rJOyoVn4iBV8eyKiDHClkKf04JAfggtNGkE");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn sign(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + self.sep.len() + 86);
        out.push_str(value);
        self.seal(&mut out, 0);
        out
    }

    /// Verifies `signed` and returns the value it covers, borrowed from the input (no
    /// allocation). Tries the key, then each fallback key in order, then (3.1/3.2) the sha1
    /// signature; comparisons are constant-time, on the base-64 text.
    ///
    /// ```
    /// use djsign::{ErrorKind, Signer};
    /// let s = Signer::builder().key("secret").build()?;
    /// assert_eq!(s.unsign("a:b:4H1SO0c_rJOyoVn4iBV8eyKiDHClkKf04JAfggtNGkE")?, "a:b");
    /// // Signatures are compared as text: padding or the other alphabet do not verify.
    /// let err = s.unsign("a:b:4H1SO0c_rJOyoVn4iBV8eyKiDHClkKf04JAfggtNGkE=").unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::BadSignature);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<&'a str, Error> {
        let at =
            rfind_sep(signed, &self.sep).ok_or_else(|| Error::from(ErrorKind::BadSignature))?;
        let (value, sig) = (&signed[..at], &signed[at + self.sep.len()..]);
        if self.verify(value, sig) {
            Ok(value)
        } else {
            Err(ErrorKind::BadSignature.into())
        }
    }

    fn verify(&self, value: &str, sig: &str) -> bool {
        if sig.len() > MAX_SIG_LEN {
            return false;
        }
        let mut buf = [0u8; MAX_SIG_LEN];
        self.macs.iter().any(|mac| {
            let n = Self::signature_into(mac, &[value.as_bytes()], &mut buf);
            constant_time_eq(sig.as_bytes(), &buf[..n])
        })
    }
}

/// The last occurrence of `sep` in `s`. The usual one-byte separator (`:`) is found with a
/// plain byte scan from the end, which beats a substring search on these short suffixes.
pub(crate) fn rfind_sep(s: &str, sep: &str) -> Option<usize> {
    match sep.as_bytes() {
        &[byte] => s.bytes().rposition(|b| b == byte),
        _ => s.rfind(sep),
    }
}
