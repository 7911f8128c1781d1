//! What `Debug` prints in place of a credential: a session key, a cookie value, a token
//! or session data are bearer credentials (whoever holds one is logged in), so no
//! `Debug` output of djsign shows them, only their length.

use std::fmt;

/// Prints `<redacted, N bytes>` for a credential of `N` bytes.
pub(crate) struct Redacted(pub(crate) usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

/// [`Redacted`] for an optional text.
pub(crate) fn optional(s: &Option<String>) -> Option<Redacted> {
    s.as_ref().map(|s| Redacted(s.len()))
}

/// The keys of session data with their values left out (values may be credentials, such
/// as `_auth_user_hash`, or personal data).
pub(crate) struct KeysOnly<'a>(pub(crate) &'a crate::pyjson::Dict);

impl fmt::Debug for KeysOnly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}
