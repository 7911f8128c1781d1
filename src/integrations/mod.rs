//! Integrations with Rust web frameworks (each behind its cargo feature).
//!
//! - `tower`: `tower::DjangoLayer`, a `tower::Layer` that loads the Django session for
//!   every request and answers with the cookies Django's middleware would send.
//! - `axum` and `actix`: the extractors of this module (`DjangoSession`, `DjangoUser`,
//!   `DjangoApiUser`, `DjangoMessages`) for each framework; with actix-web, wrap the app
//!   with the same `DjangoLayer` (it is also an actix `Transform`).
//!
//! This module is empty without those features; on docs.rs every item shows the feature
//! it needs.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(feature = "tower")]
pub use shared::*;

#[cfg(feature = "tower")]
mod shared {
    use std::sync::Arc;

    use super::tower::DjangoContext;
    use crate::auth::{self, AuthUser};
    use crate::error::Error;
    use crate::messages::Message;
    use crate::sessions::Session;

    /// Why an extractor refused a request; each answers as Django would, or says what is
    /// misconfigured.
    ///
    /// ```
    /// use djsign::integrations::DjangoRejection;
    /// let r = DjangoRejection::LoginRequired { location: "/accounts/login/?next=/x".into() };
    /// assert_ne!(r, DjangoRejection::Unauthorized);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum DjangoRejection {
        /// The router has no [`DjangoLayer`](super::tower::DjangoLayer) (500).
        LayerMissing,
        /// The layer has no password-hash lookup, so logins cannot be checked (500).
        NoPasswordLookup,
        /// The password-hash lookup failed (500, as Django answers a database error). The
        /// cause's text is here and in the log (a `tracing` warning), never in the response.
        UserLookupFailed(String),
        /// Anonymous: redirect to `LOGIN_URL` with `next` (302), as `login_required`.
        LoginRequired {
            /// The `Location` header.
            location: String,
        },
        /// Anonymous on an API route (401).
        Unauthorized,
        /// An unsafe request (`POST`, `PUT`, …) without a valid CSRF token (403), for the
        /// reason Django's `CsrfViewMiddleware` gives.
        CsrfFailed(crate::csrf::CsrfError),
    }

    impl DjangoRejection {
        /// The HTTP status Django answers with: 500, 500, 302, 401, 403.
        ///
        /// ```
        /// assert_eq!(djsign::integrations::DjangoRejection::Unauthorized.status(), 401);
        /// ```
        pub fn status(&self) -> u16 {
            match self {
                DjangoRejection::LayerMissing
                | DjangoRejection::NoPasswordLookup
                | DjangoRejection::UserLookupFailed(_) => 500,
                DjangoRejection::LoginRequired { .. } => 302,
                DjangoRejection::Unauthorized => 401,
                DjangoRejection::CsrfFailed(_) => 403,
            }
        }
    }

    /// The response body (and the log line) of each rejection, whatever the framework.
    impl std::fmt::Display for DjangoRejection {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                DjangoRejection::LayerMissing => {
                    "the Django session is not available: is djsign's DjangoLayer installed in front of this handler?"
                }
                DjangoRejection::NoPasswordLookup => {
                    "no password-hash lookup: configure DjangoLayer::password_hashes to check logins"
                }
                DjangoRejection::UserLookupFailed(_) => "server error: the user could not be checked",
                DjangoRejection::LoginRequired { .. } => "login required",
                DjangoRejection::Unauthorized => "authentication required",
                DjangoRejection::CsrfFailed(reason) => {
                    return write!(f, "CSRF verification failed. Request aborted. ({reason})");
                }
            })
        }
    }

    impl std::error::Error for DjangoRejection {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                DjangoRejection::CsrfFailed(reason) => Some(reason),
                _ => None,
            }
        }
    }

    /// Proof that the request passed Django's CSRF check: safe methods (`GET`, `HEAD`,
    /// `OPTIONS`, `TRACE`) always do; others must carry the token of the `csrftoken` cookie
    /// in the `X-CSRFToken` header (masked or not), as a Django page's JavaScript sends it.
    /// The `Origin`/`Referer` checks Django adds on HTTPS are left to the service.
    ///
    /// ```
    /// use djsign::integrations::DjangoCsrf;
    /// async fn update(_: DjangoCsrf) -> &'static str { "changed" }
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct DjangoCsrf;

    /// Django's `CSRF_COOKIE_NAME` and `CSRF_HEADER_NAME` defaults.
    pub(crate) const CSRF_COOKIE: &str = "csrftoken";
    /// The header Django reads the token from (`HTTP_X_CSRFTOKEN`).
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) const CSRF_HEADER: &str = "x-csrftoken";

    impl DjangoContext {
        /// Django's CSRF check of a request with this method, `Cookie` header and
        /// `X-CSRFToken` header, for this layer's Django version.
        ///
        /// ```
        /// # use djsign::integrations::{tower::DjangoContext, DjangoCsrf, DjangoRejection};
        /// fn check(ctx: &DjangoContext) -> Result<DjangoCsrf, DjangoRejection> {
        ///     ctx.csrf("POST", Some("csrftoken=abc"), None)
        /// }
        /// ```
        pub fn csrf(
            &self,
            method: &str,
            cookie_header: Option<&str>,
            token: Option<&str>,
        ) -> Result<DjangoCsrf, DjangoRejection> {
            if matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE") {
                return Ok(DjangoCsrf);
            }
            let cookies = crate::http::parse_cookie(cookie_header.unwrap_or(""));
            let stored = cookies
                .iter()
                .find(|(n, _)| n == CSRF_COOKIE)
                .map(|(_, v)| v.as_str());
            crate::csrf::check(token.unwrap_or(""), stored, false, self.settings.version)
                .map(|()| DjangoCsrf)
                .map_err(DjangoRejection::CsrfFailed)
        }
    }

    /// The request's Django session.
    ///
    /// ```
    /// use djsign::integrations::DjangoSession;
    /// async fn handler(session: DjangoSession) -> String {
    ///     let n: i64 = session.get_as("n").ok().flatten().unwrap_or(0);
    ///     session.insert("n", &(n + 1)).ok();
    ///     n.to_string()
    /// }
    /// ```
    #[derive(Clone, Debug)]
    pub struct DjangoSession(pub(crate) Arc<DjangoContext>);

    impl DjangoSession {
        /// Runs `f` on the session (locked for the duration).
        ///
        /// ```
        /// # use djsign::integrations::DjangoSession;
        /// fn clear(s: &DjangoSession) { s.with(|session| session.clear()) }
        /// ```
        pub fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
            f(&mut self.0.session())
        }

        /// `session.get(key)` as a Rust type.
        ///
        /// ```
        /// # use djsign::integrations::DjangoSession;
        /// fn cart(s: &DjangoSession) -> Vec<i64> { s.get_as("cart").ok().flatten().unwrap_or_default() }
        /// ```
        pub fn get_as<T: serde::de::DeserializeOwned>(
            &self,
            key: &str,
        ) -> Result<Option<T>, Error> {
            self.with(|s| s.get_as(key))
        }

        /// `session[key] = value`.
        ///
        /// ```
        /// # use djsign::integrations::DjangoSession;
        /// fn remember(s: &DjangoSession) { s.insert("last_page", "/orders").ok(); }
        /// ```
        pub fn insert<T: serde::Serialize + ?Sized>(
            &self,
            key: &str,
            value: &T,
        ) -> Result<(), Error> {
            self.with(|s| s.insert(key, value))
        }

        /// `session.flush()` (the cookie is deleted on the way out).
        ///
        /// ```
        /// # use djsign::integrations::DjangoSession;
        /// fn logout(s: &DjangoSession) { s.flush() }
        /// ```
        pub fn flush(&self) {
            self.with(Session::flush)
        }
    }

    /// The logged-in Django user, checked as Django's `get_user` checks it (backend, auth
    /// hash against the current password hash, fallback keys). Anonymous visitors are
    /// redirected to `LOGIN_URL?next=<path>` exactly as `login_required` redirects them.
    ///
    /// ```
    /// use djsign::integrations::DjangoUser;
    /// async fn handler(user: DjangoUser) -> String { format!("hello {}", user.id) }
    /// ```
    #[derive(Clone, Debug)]
    pub struct DjangoUser {
        /// The user's primary key as Django stores it (`_auth_user_id`).
        pub id: String,
    }

    /// Like [`DjangoUser`], but anonymous requests get `401 Unauthorized` (for APIs).
    ///
    /// ```
    /// use djsign::integrations::DjangoApiUser;
    /// async fn api(user: DjangoApiUser) -> String { user.id }
    /// ```
    #[derive(Clone, Debug)]
    pub struct DjangoApiUser {
        /// The user's primary key as Django stores it.
        pub id: String,
    }

    impl DjangoContext {
        /// Django's `redirect_to_login` for this request: `LOGIN_URL` with `next` (the request's
        /// path and query) added, quoted with `/` safe.
        ///
        /// ```
        /// # use djsign::integrations::tower::DjangoContext;
        /// fn to_login(ctx: &DjangoContext) -> djsign::integrations::DjangoRejection { ctx.login_redirect() }
        /// ```
        pub fn login_redirect(&self) -> DjangoRejection {
            let ctx = self;
            let next: String = ctx
                .path_and_query
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' | b'/' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            let sep = if ctx.login_url.contains('?') {
                '&'
            } else {
                '?'
            };
            DjangoRejection::LoginRequired {
                location: format!("{}{sep}{}={next}", ctx.login_url, ctx.redirect_field),
            }
        }

        /// Django's `get_user` for this request's session (see [`crate::auth::get_user`]),
        /// with the layer's password-hash lookup and backends.
        ///
        /// ```
        /// # use djsign::integrations::tower::DjangoContext;
        /// async fn who(ctx: &DjangoContext) -> Option<String> {
        ///     ctx.user().await.ok()?.id()
        /// }
        /// ```
        pub async fn user(&self) -> Result<AuthUser, DjangoRejection> {
            let ctx = self;
            let Some(lookup) = ctx.auth.clone() else {
                return Err(DjangoRejection::NoPasswordLookup);
            };
            let id = auth::session_user_id(&ctx.session());
            let hash = match &id {
                Some(id) => lookup.password_hash(id.clone()).await.map_err(|e| {
                    tracing::warn!(cause = %e, "password-hash lookup failed; answering 500");
                    DjangoRejection::UserLookupFailed(e.to_string())
                })?,
                None => None,
            };
            let backends: Vec<&str> = ctx.backends.iter().map(String::as_str).collect();
            let mut session = ctx.session();
            Ok(auth::get_user(
                &mut session,
                &backends,
                |_| hash,
                &ctx.settings,
            ))
        }
    }

    /// The messages framework for this request: read what Django queued, queue new ones for
    /// the next page (Django or Rust).
    ///
    /// ```
    /// use djsign::{integrations::DjangoMessages, messages::{Message, SUCCESS}};
    /// async fn save(messages: DjangoMessages) -> &'static str {
    ///     messages.add(Message::new(SUCCESS, "Saved."));
    ///     "ok"
    /// }
    /// ```
    #[derive(Clone, Debug)]
    pub struct DjangoMessages(pub(crate) Arc<DjangoContext>);

    impl DjangoMessages {
        /// The queued messages; like iterating Django's storage, this marks them used, so they
        /// are removed from the cookie on the way out.
        ///
        /// ```
        /// # use djsign::integrations::DjangoMessages;
        /// fn texts(m: &DjangoMessages) -> Vec<String> { m.take().into_iter().map(|m| m.message).collect() }
        /// ```
        pub fn take(&self) -> Vec<Message> {
            let mut m = self.0.messages.lock().unwrap_or_else(|e| e.into_inner());
            m.used = true;
            m.loaded.clone()
        }

        /// `messages.add_message(request, level, text)`.
        ///
        /// ```
        /// # use djsign::{integrations::DjangoMessages, messages::{Message, INFO}};
        /// fn notify(m: &DjangoMessages) { m.add(Message::new(INFO, "Done.")) }
        /// ```
        pub fn add(&self, message: Message) {
            self.0
                .messages
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .queued
                .push(message);
        }
    }
}
