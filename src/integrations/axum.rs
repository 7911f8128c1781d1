//! axum extractors over [`DjangoLayer`](super::tower::DjangoLayer): the session, the
//! logged-in user (redirecting anonymous visitors to `LOGIN_URL` as Django's
//! `login_required` does, or answering 401 for APIs) and the messages queue.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use djsign::integrations::{axum::{DjangoSession, DjangoUser}, tower::DjangoLayer};
//! use djsign::{sessions::backends::signed_cookies::SignedCookieStore, Settings};
//!
//! async fn orders(user: DjangoUser, session: DjangoSession) -> String {
//!     let views: i64 = session.get_as("views").unwrap_or(None).unwrap_or(0) + 1;
//!     session.insert("views", &views).ok();
//!     format!("user {} has seen this page {views} times", user.id)
//! }
//!
//! # fn main() -> Result<(), djsign::Error> {
//! let settings = Settings::new("django-insecure-test-key");
//! let app: Router = Router::new().route("/orders", get(orders)).layer(
//!     DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?
//!         .password_hashes(|id: String| async move { Some(format!("hash of user {id}")) }),
//! );
//! # Ok(()) }
//! ```

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};

use super::tower::DjangoContext;
use crate::auth::{self, AuthUser};
use crate::error::Error;
use crate::messages::Message;
use crate::sessions::Session;

/// Why an extractor refused a request; each answers as Django would, or says what is
/// misconfigured.
///
/// ```
/// use axum::response::IntoResponse;
/// use djsign::integrations::axum::DjangoRejection;
/// let r = DjangoRejection::LoginRequired { location: "/accounts/login/?next=/x".into() }.into_response();
/// assert_eq!(r.status(), 302);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DjangoRejection {
    /// The router has no [`DjangoLayer`](super::tower::DjangoLayer) (500).
    LayerMissing,
    /// The layer has no password-hash lookup, so logins cannot be checked (500).
    NoPasswordLookup,
    /// Anonymous: redirect to `LOGIN_URL` with `next` (302), as `login_required`.
    LoginRequired {
        /// The `Location` header.
        location: String,
    },
    /// Anonymous on an API route (401).
    Unauthorized,
}

impl IntoResponse for DjangoRejection {
    fn into_response(self) -> Response {
        match self {
            DjangoRejection::LayerMissing => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the Django session is not available: is djsign's DjangoLayer installed on this router?",
            )
                .into_response(),
            DjangoRejection::NoPasswordLookup => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "no password-hash lookup: configure DjangoLayer::password_hashes to check logins",
            )
                .into_response(),
            DjangoRejection::LoginRequired { location } => {
                (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
            }
            DjangoRejection::Unauthorized => (StatusCode::UNAUTHORIZED, "authentication required").into_response(),
        }
    }
}

fn context(parts: &Parts) -> Result<Arc<DjangoContext>, DjangoRejection> {
    parts
        .extensions
        .get::<Arc<DjangoContext>>()
        .cloned()
        .ok_or(DjangoRejection::LayerMissing)
}

/// The request's Django session.
///
/// ```
/// use djsign::integrations::axum::DjangoSession;
/// async fn handler(session: DjangoSession) -> String {
///     let n: i64 = session.get_as("n").ok().flatten().unwrap_or(0);
///     session.insert("n", &(n + 1)).ok();
///     n.to_string()
/// }
/// ```
#[derive(Clone, Debug)]
pub struct DjangoSession(Arc<DjangoContext>);

impl DjangoSession {
    /// Runs `f` on the session (locked for the duration).
    ///
    /// ```
    /// # use djsign::integrations::axum::DjangoSession;
    /// fn clear(s: &DjangoSession) { s.with(|session| session.clear()) }
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.0.session())
    }

    /// `session.get(key)` as a Rust type.
    ///
    /// ```
    /// # use djsign::integrations::axum::DjangoSession;
    /// fn cart(s: &DjangoSession) -> Vec<i64> { s.get_as("cart").ok().flatten().unwrap_or_default() }
    /// ```
    pub fn get_as<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|s| s.get_as(key))
    }

    /// `session[key] = value`.
    ///
    /// ```
    /// # use djsign::integrations::axum::DjangoSession;
    /// fn remember(s: &DjangoSession) { s.insert("last_page", "/orders").ok(); }
    /// ```
    pub fn insert<T: serde::Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|s| s.insert(key, value))
    }

    /// `session.flush()` (the cookie is deleted on the way out).
    ///
    /// ```
    /// # use djsign::integrations::axum::DjangoSession;
    /// fn logout(s: &DjangoSession) { s.flush() }
    /// ```
    pub fn flush(&self) {
        self.with(Session::flush)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoSession {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        context(parts).map(DjangoSession)
    }
}

/// The logged-in Django user, checked as Django's `get_user` checks it (backend, auth
/// hash against the current password hash, fallback keys). Anonymous visitors are
/// redirected to `LOGIN_URL?next=<path>` exactly as `login_required` redirects them.
///
/// ```
/// use djsign::integrations::axum::DjangoUser;
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
/// use djsign::integrations::axum::DjangoApiUser;
/// async fn api(user: DjangoApiUser) -> String { user.id }
/// ```
#[derive(Clone, Debug)]
pub struct DjangoApiUser {
    /// The user's primary key as Django stores it.
    pub id: String,
}

/// Django's `redirect_to_login`: `LOGIN_URL` with `next` added to its query, quoted with
/// `/` safe.
fn redirect_to_login(ctx: &DjangoContext) -> DjangoRejection {
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

async fn current_user(ctx: &DjangoContext) -> Result<AuthUser, DjangoRejection> {
    let Some(lookup) = ctx.auth.clone() else {
        return Err(DjangoRejection::NoPasswordLookup);
    };
    let id = ctx.session().get(auth::SESSION_KEY).and_then(|v| match v {
        crate::pyjson::Value::Str(s) => Some(s.to_string()),
        crate::pyjson::Value::Int(i) => Some(i.to_string()),
        _ => None,
    });
    let hash = match &id {
        Some(id) => lookup.password_hash(id.clone()).await,
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

impl<S: Send + Sync> FromRequestParts<S> for DjangoUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        let ctx = context(parts)?;
        match current_user(&ctx).await? {
            AuthUser::User(id) => Ok(DjangoUser { id }),
            AuthUser::Anonymous => Err(redirect_to_login(&ctx)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for DjangoUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, DjangoRejection> {
        let ctx = context(parts)?;
        Ok(match current_user(&ctx).await? {
            AuthUser::User(id) => Some(DjangoUser { id }),
            AuthUser::Anonymous => None,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoApiUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        let ctx = context(parts)?;
        match current_user(&ctx).await? {
            AuthUser::User(id) => Ok(DjangoApiUser { id }),
            AuthUser::Anonymous => Err(DjangoRejection::Unauthorized),
        }
    }
}

/// The messages framework for this request: read what Django queued, queue new ones for
/// the next page (Django or Rust).
///
/// ```
/// use djsign::{integrations::axum::DjangoMessages, messages::{Message, SUCCESS}};
/// async fn save(messages: DjangoMessages) -> &'static str {
///     messages.add(Message::new(SUCCESS, "Saved."));
///     "ok"
/// }
/// ```
#[derive(Clone, Debug)]
pub struct DjangoMessages(Arc<DjangoContext>);

impl DjangoMessages {
    /// The queued messages; like iterating Django's storage, this marks them used, so they
    /// are removed from the cookie on the way out.
    ///
    /// ```
    /// # use djsign::integrations::axum::DjangoMessages;
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
    /// # use djsign::{integrations::axum::DjangoMessages, messages::{Message, INFO}};
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

impl<S: Send + Sync> FromRequestParts<S> for DjangoMessages {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        context(parts).map(DjangoMessages)
    }
}
