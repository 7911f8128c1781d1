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
//!         .password_hashes(|id: String| async move { Ok::<_, std::io::Error>(Some(format!("hash of user {id}"))) }),
//! );
//! # Ok(()) }
//! ```

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};

use super::tower::DjangoContext;
pub use super::{
    DjangoApiUser, DjangoCsrf, DjangoMessages, DjangoRejection, DjangoSession, DjangoUser,
};
use crate::auth::AuthUser;

impl IntoResponse for DjangoRejection {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self {
            DjangoRejection::LoginRequired { location } => {
                (status, [(header::LOCATION, location)]).into_response()
            }
            other => (status, other.to_string()).into_response(),
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

impl<S: Send + Sync> FromRequestParts<S> for DjangoSession {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        context(parts).map(DjangoSession)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        let ctx = context(parts)?;
        match ctx.user().await? {
            AuthUser::User(id) => Ok(DjangoUser { id }),
            AuthUser::Anonymous => Err(ctx.login_redirect()),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for DjangoUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, DjangoRejection> {
        let ctx = context(parts)?;
        Ok(match ctx.user().await? {
            AuthUser::User(id) => Some(DjangoUser { id }),
            AuthUser::Anonymous => None,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoApiUser {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        let ctx = context(parts)?;
        match ctx.user().await? {
            AuthUser::User(id) => Ok(DjangoApiUser { id }),
            AuthUser::Anonymous => Err(DjangoRejection::Unauthorized),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoMessages {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        context(parts).map(DjangoMessages)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DjangoCsrf {
    type Rejection = DjangoRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, DjangoRejection> {
        let ctx = context(parts)?;
        let header = |name: &str| {
            let values: Vec<&str> = parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join("; "))
        };
        let cookies = header(header::COOKIE.as_str());
        let token = parts
            .headers
            .get(super::CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        ctx.csrf(parts.method.as_str(), cookies.as_deref(), token)
    }
}

/// The layer as an axum middleware function, configured from the application's state: keep
/// the [`DjangoLayer`](super::tower::DjangoLayer) in your state (with `FromRef`, or
/// `#[derive(FromRef)]`) and install it with `axum::middleware::from_fn_with_state`.
///
/// ```
/// use axum::{extract::FromRef, middleware, routing::get, Router};
/// use djsign::integrations::{axum::{django_middleware, DjangoSession}, tower::DjangoLayer};
/// use djsign::{sessions::backends::signed_cookies::SignedCookieStore, Settings};
///
/// #[derive(Clone)]
/// struct AppState {
///     django: DjangoLayer<SignedCookieStore>,
///     greeting: &'static str,
/// }
///
/// impl FromRef<AppState> for DjangoLayer<SignedCookieStore> {
///     fn from_ref(state: &AppState) -> Self {
///         state.django.clone()
///     }
/// }
///
/// # fn main() -> Result<(), djsign::Error> {
/// let settings = Settings::new("django-insecure-test-key");
/// let state = AppState {
///     django: DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?,
///     greeting: "hello",
/// };
/// let app: Router = Router::new()
///     .route("/", get(|s: DjangoSession| async move { format!("{:?}", s.get_as::<String>("name")) }))
///     .layer(middleware::from_fn_with_state(state.clone(), django_middleware::<SignedCookieStore>))
///     .with_state(state);
/// # Ok(()) }
/// ```
pub async fn django_middleware<St: crate::sessions::SessionStore>(
    axum::extract::State(layer): axum::extract::State<super::tower::DjangoLayer<St>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match layer
        .around(req, |r| async move {
            Ok::<_, std::convert::Infallible>(next.run(r).await)
        })
        .await
    {
        Ok(res) => res,
        Err(never) => match never {},
    }
}
