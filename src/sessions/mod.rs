//! Django's sessions (`django.contrib.sessions`): the session data and its expiry rules,
//! the signed-cookie engine, stored session data of the db/cache/file engines, and the
//! cookie decisions of `SessionMiddleware`.
//!
//! A Rust handler that reads the user id from a Django signed-cookie session and sends the
//! refreshed cookie back, exactly as Django's middleware would:
//!
//! ```
//! use djsign::sessions::{backends::signed_cookies::SignedCookieStore, middleware};
//! use djsign::Settings;
//!
//! let settings = Settings::new("django-insecure-test-key");
//! let store = SignedCookieStore::new(&settings)?; // once, at startup
//!
//! // Per request: the `sessionid` cookie Django set, and the clock.
//! let cookie = "eyJfYXV0aF91c2VyX2lkIjoiNDIifQ:1r31eq:0znDTBaCUVoiIszvrzxCmdXfDqCM0XEITP9K-x2w1bg";
//! let now = 1700000100.0;
//! let mut session = store.load(Some(cookie), now);
//! if let Some(err) = session.load_error() {
//!     eprintln!("session reset: {err}"); // forged, expired or malformed
//! }
//! let user_id: Option<String> = session.get_as("_auth_user_id")?;
//! assert_eq!(user_id.as_deref(), Some("42"));
//! session.insert("views", &1)?;
//!
//! let out = middleware::process_response(&mut session, true, 200, &settings, now, |s| store.save(s, now))?;
//! let header = out.set_cookie.unwrap().to_string(); // -> Set-Cookie
//! assert!(header.starts_with("sessionid=") && header.ends_with("Max-Age=1209600; Path=/; SameSite=Lax"));
//! assert!(out.vary_cookie); // -> Vary: Cookie
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod backends;
mod datetime;
mod expiry;
pub mod middleware;
pub mod serializers;
mod session;
mod store;

pub use datetime::{IsoFormatError, NaiveAwareMix, PyDateTime, timezone_now};
pub use expiry::{
    EXPIRY_KEY, ExpiryAge, ExpiryError, SetExpiry, get_expire_at_browser_close, get_expiry_age,
    get_expiry_date,
};
pub use session::{Session, new_session_key};
pub use store::{SessionStore, StoreError};
