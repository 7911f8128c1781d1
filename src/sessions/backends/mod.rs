//! Session engines (`django.contrib.sessions.backends`).

pub mod file;
pub mod signed_cookies;
pub mod stored;
