//! The axum integration driven through a real `axum::Router` with `tower::ServiceExt`:
//! anonymous, logged in, tampered, expired, sliding refresh, emptied, status 500, messages,
//! and many requests at once.
#![cfg(feature = "axum")]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use djsign::integrations::axum::{DjangoApiUser, DjangoMessages, DjangoSession, DjangoUser};
use djsign::integrations::tower::DjangoLayer;
use djsign::messages::{INFO, Message, MessageCookie};
use djsign::sessions::Session;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{Settings, auth};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "pbkdf2_sha256$260000$salt$hash=";

fn settings() -> Settings {
    let mut s = Settings::new("django-insecure-test-key");
    s.session_cookie_age = 3600;
    s
}

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
    let store = SignedCookieStore::new(&settings).unwrap();
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
        .layer(
            DjangoLayer::new(settings.clone(), store)
                .unwrap()
                .password_hashes(
                    |id: String| async move { (id == "1").then(|| PASSWORD.to_string()) },
                ),
        )
}

/// A session cookie as Django would set it after logging user 1 in, signed `ago` seconds ago.
fn login_cookie(settings: &Settings, ago: f64) -> String {
    let store = SignedCookieStore::new(settings).unwrap();
    let mut s = Session::new();
    auth::login(&mut s, "1", auth::MODEL_BACKEND, PASSWORD, settings);
    store.save(&mut s, djsign::signing::now() - ago).unwrap()
}

struct Reply {
    status: StatusCode,
    body: String,
    set_cookies: Vec<String>,
    vary: Option<String>,
    location: Option<String>,
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
    let (vary, location) = {
        let header = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
        (header("vary"), header("location"))
    };
    let set_cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let status = res.status();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Reply {
        status,
        body,
        set_cookies,
        vary,
        location,
    }
}

fn session_value(r: &Reply) -> Option<String> {
    r.set_cookies.iter().find_map(|c| {
        c.strip_prefix("sessionid=")
            .map(|v| v.split(';').next().unwrap().to_owned())
    })
}

#[tokio::test]
async fn anonymous_is_redirected_like_login_required() {
    let app = app(settings());
    let r = get_with(&app, "/whoami?x=a%20b&y=1", None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.location.as_deref(),
        Some("/accounts/login/?next=/whoami%3Fx%3Da%2520b%26y%3D1")
    );
    assert_eq!(
        get_with(&app, "/api/whoami", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get_with(&app, "/maybe", None).await.body, "anonymous");
}

#[tokio::test]
async fn a_django_login_is_seen() {
    let s = settings();
    let app = app(s.clone());
    let cookie = format!("sessionid={}", login_cookie(&s, 10.0));
    let r = get_with(&app, "/whoami", Some(&cookie)).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "1"));
    // Only read: Vary, no new cookie (as SessionMiddleware).
    assert_eq!(r.vary.as_deref(), Some("Cookie"));
    assert!(r.set_cookies.is_empty());
    assert_eq!(get_with(&app, "/maybe", Some(&cookie)).await.body, "1");
}

#[tokio::test]
async fn tampered_and_expired_sessions_are_anonymous() {
    let s = settings();
    let app = app(s.clone());
    let tampered = format!("sessionid={}x", login_cookie(&s, 10.0));
    assert_eq!(
        get_with(&app, "/whoami", Some(&tampered)).await.status,
        StatusCode::FOUND
    );
    let expired = format!("sessionid={}", login_cookie(&s, 4000.0));
    assert_eq!(
        get_with(&app, "/api/whoami", Some(&expired)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn writes_set_the_cookie_and_500_does_not() {
    let app = app(settings());
    let r = get_with(&app, "/count", None).await;
    assert_eq!(r.body, "1");
    let v = session_value(&r).expect("a session cookie");
    assert!(r.set_cookies[0].ends_with("HttpOnly; Max-Age=3600; Path=/; SameSite=Lax"));
    let r = get_with(&app, "/count", Some(&format!("sessionid={v}"))).await;
    assert_eq!(r.body, "2");
    let r = get_with(&app, "/boom", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.set_cookies.is_empty(), "Django 4.2+ does not save on 5xx");
}

#[tokio::test]
async fn save_every_request_slides_the_expiry() {
    let mut s = settings();
    s.session_save_every_request = true;
    let app = app(s.clone());
    let cookie = format!("sessionid={}", login_cookie(&s, 100.0));
    let r = get_with(&app, "/whoami", Some(&cookie)).await;
    assert_eq!(r.body, "1");
    let fresh = session_value(&r).expect("refreshed");
    assert_ne!(format!("sessionid={fresh}"), cookie);
}

#[tokio::test]
async fn logout_deletes_the_cookie() {
    let s = settings();
    let app = app(s.clone());
    let r = get_with(
        &app,
        "/logout",
        Some(&format!("sessionid={}", login_cookie(&s, 1.0))),
    )
    .await;
    assert_eq!(
        r.set_cookies,
        [r#"sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#]
    );
    assert_eq!(r.vary.as_deref(), Some("Cookie"));
}

#[tokio::test]
async fn messages_cross_between_django_and_rust() {
    let s = settings();
    let app = app(s.clone());
    let r = get_with(&app, "/flash", None).await;
    let value = r
        .set_cookies
        .iter()
        .find_map(|c| c.strip_prefix("messages="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let read = MessageCookie::new(&s)
        .unwrap()
        .decode(&value)
        .unwrap()
        .unwrap();
    assert_eq!(read.messages[0].message, "Saved from Rust.");
    // Messages Django queued are shown once, then the cookie is deleted.
    let django = MessageCookie::new(&s)
        .unwrap()
        .encode(&[Message::new(INFO, "From Django")], djsign::signing::now());
    let r = get_with(&app, "/show", Some(&format!("messages={django}"))).await;
    assert_eq!(r.body, "From Django");
    assert!(
        r.set_cookies
            .iter()
            .any(|c| c.starts_with("messages=\"\"; expires=Thu, 01 Jan 1970"))
    );
}

#[tokio::test]
async fn many_requests_at_once() {
    let s = settings();
    let app = app(s.clone());
    let cookie = format!("sessionid={}", login_cookie(&s, 1.0));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (app, cookie) = (app.clone(), cookie.clone());
            tokio::spawn(async move { get_with(&app, "/whoami", Some(&cookie)).await.body })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "1");
    }
}

#[tokio::test]
async fn a_router_without_the_layer_says_so() {
    let app: Router = Router::new().route("/count", get(|_s: DjangoSession| async { "" }));
    let r = get_with(&app, "/count", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("is djsign's DjangoLayer installed"));
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
                .password_hashes(|_: String| async { None })
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
    let app = Router::new()
        .route("/count", get(count))
        .route("/logout", get(logout))
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
    assert_eq!(get_with(&app, "/count", Some(&cookie)).await.body, "1");
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
