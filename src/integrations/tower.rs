//! A `tower` layer that runs Django's session middleware (and the messages cookie) around
//! any HTTP service.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};

use crate::conf::Settings;
use crate::error::Error;
use crate::http::{SetCookie, parse_cookie};
use crate::messages::{COOKIE_NAME as MESSAGES_COOKIE, Message, MessageCookie};
use crate::sessions::middleware::{Plan, plan_response};
use crate::sessions::{Session, SessionStore, StoreError};
use crate::signing;

/// Fetches a user's current stored password hash (the `password` column), so that the
/// session auth hash can be checked as Django's `get_user` does: `Ok(None)` when there is
/// no such user (the visitor is anonymous), `Err` when the lookup failed (a database
/// outage: the request fails with 500, as in Django, instead of logging the user out).
///
/// Any `Fn(String) -> impl Future<Output = Result<Option<String>, E>>` is one, with `E`
/// any error (its text is kept for the 500's log line):
///
/// ```
/// use djsign::integrations::tower::PasswordHashes;
/// fn accepts(_: impl PasswordHashes) {}
/// accepts(|id: String| async move {
///     Ok::<_, std::io::Error>((id == "1").then(|| "pbkdf2_sha256$…".to_string()))
/// });
/// ```
pub trait PasswordHashes: Send + Sync + 'static {
    /// The stored password field of user `user_id`.
    fn password_hash(&self, user_id: String) -> Pin<Box<dyn Future<Output = Lookup> + Send>>;
}

/// What a [`PasswordHashes`] lookup gives: the hash, no such user, or why it failed.
pub type Lookup = Result<Option<String>, Box<dyn std::error::Error + Send + Sync>>;

impl<F, Fut, E> PasswordHashes for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<String>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn password_hash(&self, user_id: String) -> Pin<Box<dyn Future<Output = Lookup> + Send>> {
        let fut = self(user_id);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

/// What the layer shares with handlers through request extensions.
///
/// ```
/// use djsign::integrations::tower::DjangoContext;
/// fn user_id(ctx: &DjangoContext) -> Option<String> {
///     ctx.session().get_as("_auth_user_id").ok().flatten()
/// }
/// ```
pub struct DjangoContext {
    pub(crate) settings: Arc<Settings>,
    pub(crate) session: Mutex<Session>,
    pub(crate) messages: Mutex<MessagesState>,
    pub(crate) auth: Option<Arc<dyn PasswordHashes>>,
    pub(crate) backends: Arc<Vec<String>>,
    pub(crate) login_url: Arc<str>,
    pub(crate) redirect_field: Arc<str>,
    pub(crate) path_and_query: String,
}

impl std::fmt::Debug for DjangoContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoContext")
            .field("path", &self.path_and_query)
            .finish_non_exhaustive()
    }
}

/// The request's messages: what the cookie held, whether a handler read them, and what it
/// queued (Django's `BaseStorage` bookkeeping).
#[derive(Debug, Default)]
pub(crate) struct MessagesState {
    pub(crate) loaded: Vec<Message>,
    pub(crate) used: bool,
    pub(crate) queued: Vec<Message>,
}

impl DjangoContext {
    /// The session, locked.
    ///
    /// ```
    /// # use djsign::integrations::tower::DjangoContext;
    /// fn touch(ctx: &DjangoContext) { ctx.session().insert("seen", &true).ok(); }
    /// ```
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The settings the layer was built with.
    ///
    /// ```
    /// # use djsign::integrations::tower::DjangoContext;
    /// fn cookie_name(ctx: &DjangoContext) -> &str { &ctx.settings().session_cookie_name }
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// Configuration of [`DjangoLayer`].
///
/// ```
/// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
/// let settings = Settings::new("django-insecure-test-key");
/// let layer = DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?
///     .password_hashes(|id: String| async move { Ok::<_, std::io::Error>(None::<String>) })
///     .login_url("/accounts/login/");
/// # Ok::<(), djsign::Error>(())
/// ```
pub struct DjangoLayer<St> {
    settings: Arc<Settings>,
    store: Arc<St>,
    messages: Arc<MessageCookie>,
    auth: Option<Arc<dyn PasswordHashes>>,
    backends: Arc<Vec<String>>,
    login_url: Arc<str>,
    redirect_field: Arc<str>,
}

impl<St> Clone for DjangoLayer<St> {
    fn clone(&self) -> Self {
        DjangoLayer {
            settings: self.settings.clone(),
            store: self.store.clone(),
            messages: self.messages.clone(),
            auth: self.auth.clone(),
            backends: self.backends.clone(),
            login_url: self.login_url.clone(),
            redirect_field: self.redirect_field.clone(),
        }
    }
}

impl<St: SessionStore> DjangoLayer<St> {
    /// A layer for `settings` with the session engine `store`. Defaults as Django's:
    /// `AUTHENTICATION_BACKENDS = [ModelBackend]`, `LOGIN_URL = "/accounts/login/"`,
    /// `REDIRECT_FIELD_NAME = "next"`. Fails without a `SECRET_KEY`.
    ///
    /// ```
    /// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let s = Settings::new("k");
    /// assert!(DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?).is_ok());
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn new(settings: Settings, store: St) -> Result<DjangoLayer<St>, Error> {
        Ok(DjangoLayer {
            messages: Arc::new(MessageCookie::new(&settings)?),
            settings: Arc::new(settings),
            store: Arc::new(store),
            auth: None,
            backends: Arc::new(vec![crate::auth::MODEL_BACKEND.to_owned()]),
            login_url: "/accounts/login/".into(),
            redirect_field: "next".into(),
        })
    }

    /// How to fetch a user's stored password hash (needed by the logged-in-user extractor).
    ///
    /// ```
    /// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let s = Settings::new("k");
    /// let _ = DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?)?
    ///     .password_hashes(|id: String| async move {
    ///         Ok::<_, std::io::Error>((id == "1").then(|| "pbkdf2_sha256$…".to_string()))
    ///     });
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn password_hashes(mut self, lookup: impl PasswordHashes) -> Self {
        self.auth = Some(Arc::new(lookup));
        self
    }

    /// `AUTHENTICATION_BACKENDS`: the backend paths a session may name.
    ///
    /// ```
    /// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let s = Settings::new("k");
    /// let _ = DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?)?
    ///     .authentication_backends(["django.contrib.auth.backends.ModelBackend", "myapp.auth.TokenBackend"]);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn authentication_backends<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        backends: I,
    ) -> Self {
        self.backends = Arc::new(backends.into_iter().map(Into::into).collect());
        self
    }

    /// `LOGIN_URL`.
    ///
    /// ```
    /// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let s = Settings::new("k");
    /// let _ = DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?)?.login_url("/login/");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn login_url(mut self, url: &str) -> Self {
        self.login_url = url.into();
        self
    }

    /// `REDIRECT_FIELD_NAME`.
    ///
    /// ```
    /// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// let s = Settings::new("k");
    /// let _ = DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?)?.redirect_field_name("return_to");
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn redirect_field_name(mut self, name: &str) -> Self {
        self.redirect_field = name.into();
        self
    }
}

impl<S, St> tower::Layer<S> for DjangoLayer<St> {
    type Service = DjangoService<S, St>;

    fn layer(&self, inner: S) -> Self::Service {
        DjangoService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`DjangoLayer`] wraps around yours.
///
/// ```
/// use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
/// use tower::Layer;
/// let s = Settings::new("k");
/// let layer = DjangoLayer::new(s.clone(), SignedCookieStore::new(&s)?)?;
/// let _service = layer.layer(tower::service_fn(|_req: http::Request<()>| async { Ok::<_, std::convert::Infallible>(http::Response::new(())) }));
/// # Ok::<(), djsign::Error>(())
/// ```
pub struct DjangoService<S, St> {
    inner: S,
    layer: DjangoLayer<St>,
}

impl<S: Clone, St> Clone for DjangoService<S, St> {
    fn clone(&self) -> Self {
        DjangoService {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

fn header(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

/// Whether `Vary` header values already name `Cookie` (case-insensitively, as Django's
/// `patch_vary_headers` compares).
pub(crate) fn lists_cookie<'a>(vary_values: impl Iterator<Item = &'a str>) -> bool {
    vary_values
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("cookie"))
}

/// Appends `Cookie` to `Vary` unless present (Django's `patch_vary_headers`).
fn vary_cookie<B>(res: &mut Response<B>) {
    if !lists_cookie(
        res.headers()
            .get_all(VARY)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    ) {
        res.headers_mut()
            .append(VARY, HeaderValue::from_static("Cookie"));
    }
}

impl<S, St, ReqB, ResB> tower::Service<Request<ReqB>> for DjangoService<S, St>
where
    S: tower::Service<Request<ReqB>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    St: SessionStore,
    ReqB: Send + 'static,
    ResB: Send + 'static,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let layer = self.layer.clone();
        Box::pin(async move { layer.around(req, |r| inner.call(r)).await })
    }
}

impl<St: SessionStore> DjangoLayer<St> {
    /// Runs `handler` on `req` inside the layer: loads the session and messages, puts the
    /// request's [`DjangoContext`] in its extensions, and adds the cookies and `Vary`
    /// Django's middleware would to the response. The tower service and the axum
    /// middleware function both come down to this.
    ///
    /// ```
    /// # use djsign::{integrations::tower::DjangoLayer, sessions::backends::signed_cookies::SignedCookieStore, Settings};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::new("k");
    /// let layer = DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?;
    /// let req = http::Request::get("/").body(())?;
    /// let res = layer
    ///     .around(req, |_req| async { Ok::<_, std::convert::Infallible>(http::Response::new(())) })
    ///     .await?;
    /// assert_eq!(res.status(), 200);
    /// # Ok(()) }
    /// ```
    pub async fn around<ReqB, ResB, E, F, Fut>(
        &self,
        mut req: Request<ReqB>,
        handler: F,
    ) -> Result<Response<ResB>, E>
    where
        F: FnOnce(Request<ReqB>) -> Fut,
        Fut: Future<Output = Result<Response<ResB>, E>>,
    {
        let cookies: Vec<&str> = req
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let path = req
            .uri()
            .path_and_query()
            .map_or("/".into(), |p| p.as_str().to_owned());
        let exchange = self.start(&cookies.join("; "), path).await;
        req.extensions_mut().insert(exchange.context());
        let mut res = handler(req).await?;
        let out = self.finish(exchange, res.status().as_u16()).await;
        if let Some(status) = out.failed.and_then(|s| StatusCode::from_u16(s).ok()) {
            *res.status_mut() = status;
        }
        if out.vary_cookie {
            vary_cookie(&mut res);
        }
        for c in out.set_cookies {
            if let Some(v) = header(&c) {
                res.headers_mut().append(SET_COOKIE, v);
            }
        }
        Ok(res)
    }
}

/// One request's passage through the layer: made by [`DjangoLayer::start`] before the
/// handler, consumed by [`DjangoLayer::finish`] after it.
pub struct Exchange {
    ctx: Arc<DjangoContext>,
    incoming: Option<String>,
    had_messages_cookie: bool,
    now: f64,
}

/// Redacted: the incoming cookie prints as its length.
impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("ctx", &self.ctx)
            .field("incoming", &crate::redact::optional(&self.incoming))
            .field("had_messages_cookie", &self.had_messages_cookie)
            .field("now", &self.now)
            .finish()
    }
}

impl Exchange {
    /// The context to put in the request's extensions (the extractors read it there).
    pub fn context(&self) -> Arc<DjangoContext> {
        self.ctx.clone()
    }
}

/// What to add to the response (see [`DjangoLayer::finish`]).
#[derive(Default)]
pub struct Outgoing {
    /// `Set-Cookie` header values, in order (messages, then the session).
    pub set_cookies: Vec<String>,
    /// Whether to add `Cookie` to `Vary`.
    pub vary_cookie: bool,
    /// The session could not be saved: replace the response's status with this one (400
    /// when the session was deleted meanwhile, Django's `SessionInterrupted`; 500 for any
    /// other failure).
    pub failed: Option<u16>,
}

/// Redacted: each `Set-Cookie` prints as its cookie name and length.
impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cookies: Vec<_> = self
            .set_cookies
            .iter()
            .map(|c| {
                let name = c.split_once('=').map_or("", |(n, _)| n);
                (name, crate::redact::Redacted(c.len()))
            })
            .collect();
        f.debug_struct("Outgoing")
            .field("set_cookies", &cookies)
            .field("vary_cookie", &self.vary_cookie)
            .field("failed", &self.failed)
            .finish()
    }
}

impl<St: SessionStore> DjangoLayer<St> {
    /// Before the handler: loads the session and the queued messages for a request with
    /// this `Cookie` header and path (framework integrations call this; the tower service
    /// does it for you).
    pub async fn start(&self, cookie_header: &str, path_and_query: String) -> Exchange {
        let now = signing::now();
        let cookies = parse_cookie(cookie_header);
        let find = |name: &str| {
            cookies
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let incoming = find(&self.settings.session_cookie_name);
        let session = self.store.load_session(incoming.as_deref(), now).await;
        let messages_cookie = find(MESSAGES_COOKIE);
        let loaded = messages_cookie
            .as_deref()
            .and_then(|v| self.messages.decode(v).ok().flatten())
            .map(|d| d.messages)
            .unwrap_or_default();
        let ctx = Arc::new(DjangoContext {
            settings: self.settings.clone(),
            session: Mutex::new(session),
            messages: Mutex::new(MessagesState {
                loaded,
                ..Default::default()
            }),
            auth: self.auth.clone(),
            backends: self.backends.clone(),
            login_url: self.login_url.clone(),
            redirect_field: self.redirect_field.clone(),
            path_and_query,
        });
        Exchange {
            ctx,
            incoming,
            had_messages_cookie: messages_cookie.is_some(),
            now,
        }
    }

    /// After the handler, given the response status: Django's `MessageMiddleware` and
    /// `SessionMiddleware` decisions, with the session saved if needed.
    pub async fn finish(&self, exchange: Exchange, status: u16) -> Outgoing {
        let Exchange {
            ctx,
            incoming,
            had_messages_cookie,
            now,
        } = exchange;
        let mut out = Outgoing::default();
        let settings = &self.settings;
        // Messages first (Django's MessageMiddleware runs inside SessionMiddleware).
        let state = std::mem::take(&mut *ctx.messages.lock().unwrap_or_else(|e| e.into_inner()));
        if state.used || !state.queued.is_empty() {
            let mut keep = if state.used { Vec::new() } else { state.loaded };
            keep.extend(state.queued);
            let cookie = match self.messages.store(&keep, true, now).value {
                Some(v) => {
                    let mut c = SetCookie::new(MESSAGES_COOKIE, &v);
                    c.domain = settings.session_cookie_domain.clone();
                    c.secure = settings.session_cookie_secure;
                    c.http_only = settings.session_cookie_httponly;
                    c.same_site = settings.session_cookie_samesite.as_deref().map(Into::into);
                    Some(c)
                }
                None if had_messages_cookie => SetCookie::delete(
                    MESSAGES_COOKIE,
                    "/",
                    settings.session_cookie_domain.as_deref(),
                    settings.session_cookie_samesite.as_deref(),
                    settings.version,
                )
                .ok(),
                None => None,
            };
            out.set_cookies.extend(cookie.map(|c| c.to_string()));
        }
        let mut session = std::mem::take(&mut *ctx.session());
        if let Some(old) = session.take_flushed_key() {
            // Django's flush() deletes the record at once; a failure there is raised.
            if self.store.delete_session(&old).await.is_err() {
                out.failed = Some(500);
            }
        }
        match plan_response(&session, incoming.is_some(), status, settings, now) {
            Ok(Plan::Nothing { vary_cookie }) => out.vary_cookie = vary_cookie,
            Ok(Plan::Delete {
                cookie,
                vary_cookie,
            }) => {
                out.vary_cookie = vary_cookie;
                out.set_cookies.push(cookie.to_string());
            }
            Ok(Plan::Save {
                mut cookie,
                vary_cookie,
            }) => {
                out.vary_cookie = vary_cookie;
                match self.store.save_session(&mut session, now).await {
                    Ok(value) => {
                        cookie.value = value;
                        out.set_cookies.push(cookie.to_string());
                    }
                    Err(StoreError::Gone) => out.failed = Some(400),
                    Err(_) => out.failed = Some(500),
                }
            }
            Err(_) => out.failed = Some(500),
        }
        out
    }
}
