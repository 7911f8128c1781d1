//! actix-web support: [`DjangoLayer`] is an actix `Transform` (wrap the app with it), and
//! the extractors of [`crate::integrations`] are actix `FromRequest`s.
//!
//! ```no_run
//! use actix_web::{web, App};
//! use djsign::integrations::{tower::DjangoLayer, DjangoSession, DjangoUser};
//! use djsign::{sessions::backends::signed_cookies::SignedCookieStore, Settings};
//!
//! async fn orders(user: DjangoUser, session: DjangoSession) -> String {
//!     session.insert("last_page", "/orders").ok();
//!     format!("orders of user {}", user.id)
//! }
//!
//! # fn main() -> Result<(), djsign::Error> {
//! let settings = Settings::new("django-insecure-test-key");
//! let layer = DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?
//!     .password_hashes(|id: String| async move { Ok::<_, std::io::Error>(Some(format!("hash of user {id}"))) });
//! let _app = App::new().wrap(layer).route("/orders", web::get().to(orders));
//! # Ok(()) }
//! ```

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, HeaderValue, LOCATION, SET_COOKIE, VARY};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::tower::{DjangoContext, DjangoLayer, lists_cookie};
use super::{
    DjangoApiUser, DjangoCsrf, DjangoMessages, DjangoRejection, DjangoSession, DjangoUser,
};
use crate::auth::AuthUser;
use crate::sessions::SessionStore;

impl ResponseError for DjangoRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let DjangoRejection::LoginRequired { location } = self {
            res.insert_header((LOCATION, location.as_str()));
        }
        res.body(self.to_string())
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for DjangoLayer<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    St: SessionStore,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = DjangoActixService<S, St>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(DjangoActixService {
            service: Rc::new(service),
            layer: self.clone(),
        }))
    }
}

/// The actix service [`DjangoLayer`] wraps around yours.
pub struct DjangoActixService<S, St> {
    service: Rc<S>,
    layer: DjangoLayer<St>,
}

impl<S, B, St> Service<ServiceRequest> for DjangoActixService<S, St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    St: SessionStore,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, actix_web::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let layer = self.layer.clone();
        Box::pin(async move {
            let cookies: Vec<String> = req
                .headers()
                .get_all(COOKIE)
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            let path = req
                .uri()
                .path_and_query()
                .map_or("/".into(), |p| p.as_str().to_owned());
            let exchange = layer.start(&cookies.join("; "), path).await;
            req.extensions_mut().insert(exchange.context());
            let mut res = service.call(req).await?;
            let out = layer.finish(exchange, res.status().as_u16()).await;
            if let Some(status) = out.failed.and_then(|s| StatusCode::from_u16(s).ok()) {
                *res.response_mut().status_mut() = status;
            }
            let headers = res.headers_mut();
            if out.vary_cookie
                && !lists_cookie(headers.get_all(VARY).filter_map(|v| v.to_str().ok()))
            {
                headers.append(VARY, HeaderValue::from_static("Cookie"));
            }
            for c in out.set_cookies {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    headers.append(SET_COOKIE, v);
                }
            }
            Ok(res)
        })
    }
}

fn context(req: &HttpRequest) -> Result<Arc<DjangoContext>, DjangoRejection> {
    req.extensions()
        .get::<Arc<DjangoContext>>()
        .cloned()
        .ok_or(DjangoRejection::LayerMissing)
}

impl FromRequest for DjangoSession {
    type Error = DjangoRejection;
    type Future = Ready<Result<Self, DjangoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(context(req).map(DjangoSession))
    }
}

impl FromRequest for DjangoMessages {
    type Error = DjangoRejection;
    type Future = Ready<Result<Self, DjangoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(context(req).map(DjangoMessages))
    }
}

type UserFuture<T> = Pin<Box<dyn Future<Output = Result<T, DjangoRejection>>>>;

/// The logged-in user's id, or `anonymous`'s rejection.
fn user_id(
    req: &HttpRequest,
    anonymous: fn(&DjangoContext) -> DjangoRejection,
) -> UserFuture<String> {
    let ctx = context(req);
    Box::pin(async move {
        let ctx = ctx?;
        match ctx.user().await? {
            AuthUser::User(id) => Ok(id),
            AuthUser::Anonymous => Err(anonymous(&ctx)),
        }
    })
}

impl FromRequest for DjangoUser {
    type Error = DjangoRejection;
    type Future = UserFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = user_id(req, DjangoContext::login_redirect);
        Box::pin(async move { id.await.map(|id| DjangoUser { id }) })
    }
}

impl FromRequest for DjangoApiUser {
    type Error = DjangoRejection;
    type Future = UserFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = user_id(req, |_| DjangoRejection::Unauthorized);
        Box::pin(async move { id.await.map(|id| DjangoApiUser { id }) })
    }
}

impl FromRequest for DjangoCsrf {
    type Error = DjangoRejection;
    type Future = Ready<Result<Self, DjangoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cookies: Vec<&str> = req
            .headers()
            .get_all(actix_web::http::header::COOKIE)
            .filter_map(|v| v.to_str().ok())
            .collect();
        let token = req
            .headers()
            .get(super::CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        let joined = (!cookies.is_empty()).then(|| cookies.join("; "));
        ready(
            context(req).and_then(|ctx| ctx.csrf(req.method().as_str(), joined.as_deref(), token)),
        )
    }
}
