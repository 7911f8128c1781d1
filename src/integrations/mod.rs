//! Integrations with Rust web frameworks (each behind its cargo feature).
//!
//! - `tower`: [`tower::DjangoLayer`], a `tower::Layer` that loads the Django session for
//!   every request and answers with the cookies Django's middleware would send.
//! - `axum`: extractors for the session, the logged-in user and the messages queue.

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "tower")]
pub mod tower;
