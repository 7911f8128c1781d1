//! One table of cases run against both integrations (tests/axum.rs, tests/actix.rs): each
//! framework supplies a service with the same routes, the table sends the requests and
//! checks the answers against what Django's middleware sends.
//!
//! Routes every service has: `/whoami` ([`DjangoUser`]), `/api/whoami` (API user, 401),
//! `/maybe` (`Option<DjangoUser>`), `/count` (page views in the session), `/logout`
//! (flush), `/boom` (writes, then 500), `/busy` (writes, then 503), `/flash` and `/show`
//! (messages).

#![allow(dead_code)]

use std::future::Future;

use djsign::messages::{INFO, Message, MessageCookie};
use djsign::sessions::Session;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{DjangoVersion, Settings, auth};

pub const PASSWORD: &str = "pbkdf2_sha256$260000$salt$hash=";

/// What a service answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub set_cookies: Vec<String>,
    pub vary: Option<String>,
    pub location: Option<String>,
}

impl Reply {
    /// A reply from its status, body and a lookup of every value of a header.
    pub fn new(status: u16, body: Vec<u8>, header: impl Fn(&str) -> Vec<String>) -> Reply {
        Reply {
            status,
            body: String::from_utf8(body).unwrap(),
            set_cookies: header("set-cookie"),
            vary: header("vary").into_iter().next(),
            location: header("location").into_iter().next(),
        }
    }

    /// The value of the `name` cookie set, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|v| v.split(';').next().unwrap().to_owned())
        })
    }
}

/// A service under test: one framework's app with the table's routes.
pub trait Client {
    fn get(&self, path: &str, cookie: Option<&str>) -> impl Future<Output = Reply>;
}

pub fn settings() -> Settings {
    let mut s = Settings::new("django-insecure-test-key");
    s.session_cookie_age = 3600;
    s
}

/// A `Cookie` header with a session as Django sets it after logging user 1 in, signed
/// `ago` seconds ago.
pub fn login_cookie(settings: &Settings, ago: f64) -> String {
    let store = SignedCookieStore::new(settings).unwrap();
    let mut s = Session::new();
    auth::login(&mut s, "1", auth::MODEL_BACKEND, PASSWORD, settings);
    format!(
        "sessionid={}",
        store.save(&mut s, djsign::signing::now() - ago).unwrap()
    )
}

const DELETED: &str =
    r#"sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#;

/// Runs every case; `make` builds the framework's service for given settings.
pub async fn run<C: Client>(make: impl AsyncFn(Settings) -> C) {
    let s = settings();
    let app = make(s.clone()).await;
    let login = login_cookie(&s, 10.0);

    // anonymous: redirected like login_required, 401 on the API route, None for Option.
    let r = app.get("/whoami?x=a%20b&y=1", None).await;
    assert_eq!(r.status, 302, "anonymous");
    assert_eq!(
        r.location.as_deref(),
        Some("/accounts/login/?next=/whoami%3Fx%3Da%2520b%26y%3D1")
    );
    assert_eq!(
        app.get("/api/whoami", None).await.status,
        401,
        "anonymous API"
    );
    assert_eq!(app.get("/maybe", None).await.body, "anonymous");

    // logged in on Django: seen; a read adds Vary and sets no cookie.
    let r = app.get("/whoami", Some(&login)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "1"), "logged in");
    assert_eq!(r.vary.as_deref(), Some("Cookie"));
    assert!(r.set_cookies.is_empty(), "a read sets no cookie");
    assert_eq!(app.get("/maybe", Some(&login)).await.body, "1");

    // tampered, expired: anonymous (redirected to login / 401).
    let tampered = format!("{login}x");
    assert_eq!(
        app.get("/whoami", Some(&tampered)).await.status,
        302,
        "tampered"
    );
    let expired = login_cookie(&s, 4000.0);
    let r = app.get("/whoami", Some(&expired)).await;
    assert_eq!(r.status, 302, "expired");
    assert!(
        r.location
            .unwrap()
            .starts_with("/accounts/login/?next=/whoami")
    );
    assert_eq!(app.get("/api/whoami", Some(&expired)).await.status, 401);

    // writes set the cookie as Django does; the next request sees the write.
    let r = app.get("/count", None).await;
    assert_eq!(r.body, "1");
    assert!(r.set_cookies[0].ends_with("HttpOnly; Max-Age=3600; Path=/; SameSite=Lax"));
    let next = format!("sessionid={}", r.cookie("sessionid").unwrap());
    assert_eq!(app.get("/count", Some(&next)).await.body, "2");

    // session emptied: the cookie is deleted.
    let r = app.get("/logout", Some(&login)).await;
    assert_eq!(r.set_cookies, [DELETED], "logout");
    assert_eq!(r.vary.as_deref(), Some("Cookie"));

    // status 5xx: no save on 500; on 503 only before 4.2 (spec T26).
    for (version, saves_on_503) in [(DjangoVersion::V4_1, true), (DjangoVersion::LATEST, false)] {
        let mut vs = s.clone();
        vs.version = version;
        let app = make(vs).await;
        let r = app.get("/boom", None).await;
        assert_eq!(r.status, 500);
        assert!(r.set_cookies.is_empty(), "{version}: no save on 500");
        let r = app.get("/busy", None).await;
        assert_eq!(r.status, 503);
        assert_eq!(
            r.cookie("sessionid").is_some(),
            saves_on_503,
            "{version}: 503"
        );
    }

    // SESSION_SAVE_EVERY_REQUEST: a read refreshes the cookie.
    let mut every = s.clone();
    every.session_save_every_request = true;
    let app_every = make(every.clone()).await;
    let old = login_cookie(&every, 100.0);
    let r = app_every.get("/whoami", Some(&old)).await;
    assert_eq!(r.body, "1");
    let fresh = r.cookie("sessionid").expect("refreshed");
    assert_ne!(format!("sessionid={fresh}"), old, "re-signed now");

    // messages: Rust's are read by Django's storage; Django's are shown once, then deleted.
    let r = app.get("/flash", None).await;
    let ours = MessageCookie::new(&s)
        .unwrap()
        .decode(&r.cookie("messages").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ours.messages[0].message, "Saved from Rust.");
    let django = MessageCookie::new(&s)
        .unwrap()
        .encode(&[Message::new(INFO, "From Django")], djsign::signing::now());
    let r = app.get("/show", Some(&format!("messages={django}"))).await;
    assert_eq!(r.body, "From Django");
    assert!(
        r.set_cookies
            .iter()
            .any(|c| c.starts_with("messages=\"\"; expires=Thu, 01 Jan 1970"))
    );

    // concurrency: many requests at once on one service instance.
    let answers = futures_util::future::join_all((0..100).map(|i| {
        let (app, login) = (&app, &login);
        async move {
            if i % 2 == 0 {
                app.get("/whoami", Some(login)).await.body
            } else {
                app.get("/count", None).await.body
            }
        }
    }))
    .await;
    // Logged-in reads see user 1; each anonymous write starts its own session at 1.
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a, "1", "request {i}");
    }
}
