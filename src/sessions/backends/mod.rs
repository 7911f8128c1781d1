//! Session engines (`django.contrib.sessions.backends`).

pub mod signed_cookies;
pub mod stored;
