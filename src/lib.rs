#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod auth;
mod clock;
pub mod conf;
pub mod crypto;
pub mod csrf;
pub mod dangerous;
pub mod encoding;
mod error;
pub mod http;
pub mod integrations;
pub mod limits;
pub mod messages;
pub mod pickle;
pub mod pyjson;
mod redact;
mod scratch;
pub mod sessions;
pub mod signing;
mod version;

pub use clock::UnixTime;
pub use conf::Settings;
pub use crypto::{Algorithm, SecretKey};
pub use error::{Category, Error, ErrorKind, Malformed};
pub use limits::Limits;
pub use signing::{MaxAge, Signer, TimestampSigner};
pub use version::DjangoVersion;
