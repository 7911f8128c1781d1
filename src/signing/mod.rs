//! Django's `django.core.signing`: [`Signer`], [`TimestampSigner`], signed objects and
//! [`dumps`]/[`loads`].
//!
//! ```
//! use djsign::{signing, MaxAge, Settings, TimestampSigner};
//! let settings = Settings::new("django-insecure-test-key");
//! let signer = TimestampSigner::builder().settings(&settings).salt(signing::DUMPS_SALT).build()?;
//! let token = signer.sign_object(&("user", 42), true)?;
//! let (who, id): (String, u32) = signer.unsign_object(&token, Some(MaxAge::Seconds(300)))?;
//! assert_eq!((who.as_str(), id), ("user", 42));
//! # Ok::<(), djsign::Error>(())
//! ```

mod builder;
mod cookies;
pub(crate) mod objects;
mod signer;
mod timestamp;

pub use builder::{Plain, SignerBuilder, SignerKind, Timestamped};
pub use cookies::{
    COOKIE_KEY_PREFIX, cookie_signer, get_signed_cookie, set_signed_cookie, signed_cookie_salt,
    uses_v2_cookie_salt,
};
pub use objects::{DUMPS_SALT, dumps, dumps_with_key, loads, loads_value};
pub use signer::{DEFAULT_MAX_DECOMPRESSED_SIZE, Signer};
pub use timestamp::{MaxAge, TimestampSigner, TimestampedValue, now};
