//! The session store trait: what a session engine does, asynchronously, so that the web
//! integrations work with any engine (signed cookies now; database and cache stores
//! implement the same trait).

use std::future::Future;

use super::Session;
use super::backends::signed_cookies::SignedCookieStore;
use crate::error::Error;

/// A Django session engine.
///
/// ```
/// use djsign::sessions::{backends::signed_cookies::SignedCookieStore, SessionStore};
/// # async fn demo() -> Result<(), djsign::Error> {
/// let store = SignedCookieStore::new(&djsign::Settings::new("k"))?;
/// let mut s = store.load_session(None, 0.0).await;
/// s.insert("a", &1)?;
/// let cookie = store.save_session(&mut s, 0.0).await?;
/// assert_eq!(store.load_session(Some(&cookie), 1.0).await.get_as::<i32>("a")?, Some(1));
/// # Ok(()) }
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// Loads the session named by the cookie value `key` (none: a new session) at clock
    /// `now`, as Django's `SessionStore(session_key).load()` with its failure semantics.
    fn load_session(&self, key: Option<&str>, now: f64) -> impl Future<Output = Session> + Send;

    /// Saves the session at clock `now` and returns the value for the session cookie.
    fn save_session(
        &self,
        session: &mut Session,
        now: f64,
    ) -> impl Future<Output = Result<String, Error>> + Send;
}

impl SessionStore for SignedCookieStore {
    async fn load_session(&self, key: Option<&str>, now: f64) -> Session {
        self.load(key, now)
    }

    async fn save_session(&self, session: &mut Session, now: f64) -> Result<String, Error> {
        self.save(session, now)
    }
}
