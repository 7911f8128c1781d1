//! The axum integration driven through a real `axum::Router` with `tower::ServiceExt`: the
//! shared table of `tests/common/table.rs` (the same one `tests/actix.rs` runs), the
//! shared CSRF cases, and what is axum's own (a router without the layer, `LOGIN_URL`
//! with a query, the layer over the db engine).
#![cfg(feature = "axum")]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use djsign::Settings;
use djsign::integrations::axum::{
    DjangoApiUser, DjangoMessages, DjangoSession, DjangoUser, django_middleware,
};
use djsign::integrations::tower::DjangoLayer;
use djsign::messages::{INFO, Message};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "common/table.rs"]
mod table;

use table::{PASSWORD, Reply, login_cookie, settings};

async fn count(s: DjangoSession) -> String {
    let n: i64 = s.get_as("views").unwrap().unwrap_or(0) + 1;
    s.insert("views", &n).unwrap();
    n.to_string()
}

async fn logout(s: DjangoSession) -> &'static str {
    s.flush();
    "bye"
}

fn app(settings: Settings) -> Router {
    routes().layer(layer(&settings))
}

fn layer(settings: &Settings) -> DjangoLayer<SignedCookieStore> {
    DjangoLayer::new(settings.clone(), SignedCookieStore::new(settings).unwrap())
        .unwrap()
        .password_hashes(|id: String| async move {
            Ok::<_, std::io::Error>((id == "1").then(|| PASSWORD.to_string()))
        })
}

/// The application's state, holding the layer: configuration from state (`FromRef`).
#[derive(Clone)]
struct AppState {
    django: DjangoLayer<SignedCookieStore>,
}

impl axum::extract::FromRef<AppState> for DjangoLayer<SignedCookieStore> {
    fn from_ref(state: &AppState) -> Self {
        state.django.clone()
    }
}

/// The same routes with the layer configured from the app state.
fn app_from_state(settings: Settings) -> Router {
    let state = AppState {
        django: layer(&settings),
    };
    routes()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            django_middleware::<SignedCookieStore>,
        ))
        .with_state(state)
}

fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/whoami", get(|u: DjangoUser| async move { u.id }))
        .route("/api/whoami", get(|u: DjangoApiUser| async move { u.id }))
        .route(
            "/maybe",
            get(|u: Option<DjangoUser>| async move { u.map_or("anonymous".into(), |u| u.id) }),
        )
        .route("/count", get(count))
        .route("/logout", get(logout))
        .route(
            "/boom",
            get(|s: DjangoSession| async move {
                s.insert("x", &1).unwrap();
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/busy",
            get(|s: DjangoSession| async move {
                s.insert("x", &1).unwrap();
                StatusCode::SERVICE_UNAVAILABLE
            }),
        )
        .route(
            "/flash",
            get(|m: DjangoMessages| async move {
                m.add(Message::new(INFO, "Saved from Rust."));
                "queued"
            }),
        )
        .route(
            "/show",
            get(|m: DjangoMessages| async move {
                m.take()
                    .into_iter()
                    .map(|m| m.message)
                    .collect::<Vec<_>>()
                    .join("|")
            }),
        )
}

async fn get_with(app: &Router, path: &str, cookie: Option<&str>) -> Reply {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let headers = res.headers().clone();
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply::new(status, body, |name| {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    })
}

fn session_value(r: &Reply) -> Option<String> {
    r.cookie("sessionid")
}

impl table::Client for Router {
    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        get_with(self, path, cookie).await
    }
}

#[tokio::test]
async fn the_shared_table() {
    table::run(async |s: Settings| app(s)).await;
}

#[tokio::test]
async fn the_shared_table_with_the_layer_in_app_state() {
    table::run(async |s: Settings| app_from_state(s)).await;
}

#[tokio::test]
async fn a_router_without_the_layer_says_so() {
    let app: Router = Router::new().route("/count", get(|_s: DjangoSession| async { "" }));
    let r = get_with(&app, "/count", None).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("is djsign's DjangoLayer installed"));
}

/// A password-hash lookup that fails (the database is down) is a 500 with a generic body
/// (the cause goes to the log), as Django answers a database error: not a redirect to the
/// login page, and the session is left alone.
#[tokio::test]
async fn a_failed_user_lookup_is_a_server_error_not_a_logout() {
    let s = settings();
    let app = Router::new()
        .route("/me", get(|u: DjangoUser| async move { u.id }))
        .layer(
            DjangoLayer::new(s.clone(), SignedCookieStore::new(&s).unwrap())
                .unwrap()
                .password_hashes(|_: String| async {
                    Err::<Option<String>, _>(std::io::Error::other("connection refused by db:5432"))
                }),
        );
    let r = get_with(&app, "/me", Some(&login_cookie(&s, 10.0))).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.location, None);
    assert_eq!(r.body, "server error: the user could not be checked");
    assert!(
        r.set_cookies.is_empty(),
        "the session is not flushed: {:?}",
        r.set_cookies
    );
}

#[tokio::test]
async fn login_url_with_a_query_and_escaped_paths() {
    // Compared with Django 6.1's redirect_to_login.
    let s = settings();
    let store = SignedCookieStore::new(&s).unwrap();
    let app = Router::new()
        .route("/{*p}", get(|u: DjangoUser| async move { u.id }))
        .layer(
            DjangoLayer::new(s.clone(), store)
                .unwrap()
                .password_hashes(|_: String| async { Ok::<_, std::io::Error>(None) })
                .login_url("/login/?a=1"),
        );
    assert_eq!(
        get_with(&app, "/x", None).await.location.as_deref(),
        Some("/login/?a=1&next=/x")
    );
    assert_eq!(
        get_with(&app, "/caf%C3%A9/~x_y.z-1", None)
            .await
            .location
            .as_deref(),
        Some("/login/?a=1&next=/caf%25C3%25A9/~x_y.z-1")
    );
}

/// The same layer over the `db` engine (SQLite here; PostgreSQL and MySQL are the same
/// type): the cookie holds a key, the row holds the data, logout deletes the row.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn the_layer_accepts_the_db_engine() {
    use djsign::sessions::SessionStore;
    use djsign::sessions::backends::db::DbSessionStore;
    let s = settings();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let store = DbSessionStore::new(&s, pool).unwrap();
    store.create_table().await.unwrap();
    let other = store.clone();
    let app = Router::new()
        .route("/count", get(count))
        .route("/logout", get(logout))
        .route(
            "/gone",
            // Another request (or Django) deletes the session while this one writes.
            get(move |s: DjangoSession| async move {
                let key = s.with(|s| s.key().map(str::to_owned)).unwrap();
                other.delete_session(&key).await.unwrap();
                s.insert("late", &1).unwrap();
                "written"
            }),
        )
        .layer(DjangoLayer::new(s.clone(), store.clone()).unwrap());
    let r = get_with(&app, "/count", None).await;
    let key = session_value(&r).expect("a session cookie");
    assert_eq!(key.len(), 32, "the cookie holds a session key");
    assert!(store.exists(&key).await.unwrap());
    let cookie = format!("sessionid={key}");
    let r = get_with(&app, "/count", Some(&cookie)).await;
    assert_eq!(r.body, "2");
    assert_eq!(session_value(&r).as_deref(), Some(key.as_str()), "same key");
    let r = get_with(&app, "/logout", Some(&cookie)).await;
    assert!(r.set_cookies[0].starts_with("sessionid=\"\"; expires=Thu, 01 Jan 1970"));
    assert!(!store.exists(&key).await.unwrap(), "flush deleted the row");
    // A key whose row is gone is a new, empty session (Django: no key, {}).
    let r = get_with(&app, "/count", Some(&cookie)).await;
    assert_eq!(r.body, "1");
    // Saving a session deleted meanwhile answers 400, as Django's SessionInterrupted.
    let cookie = format!("sessionid={}", session_value(&r).unwrap());
    let r = get_with(&app, "/gone", Some(&cookie)).await;
    assert_eq!(r.status, 400);
    assert!(r.set_cookies.is_empty());
}

#[path = "common/csrf_cases.rs"]
mod csrf_cases;

#[tokio::test]
async fn csrf_is_checked_as_django_does() {
    use djsign::integrations::axum::DjangoCsrf;
    let s = settings();
    let app = Router::new()
        .route(
            "/change",
            axum::routing::any(|_: DjangoCsrf| async { "changed" }),
        )
        .layer(DjangoLayer::new(s.clone(), SignedCookieStore::new(&s).unwrap()).unwrap());
    for case in csrf_cases::csrf_cases() {
        let mut req = Request::builder().method(case.method).uri("/change");
        if let Some(c) = &case.cookie {
            req = req.header("cookie", format!("csrftoken={c}"));
        }
        if let Some(t) = &case.header {
            req = req.header("x-csrftoken", t);
        }
        let res = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), case.status, "{}", case.name);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&body).contains(case.reason),
            "{}: {body:?}",
            case.name
        );
    }
}
