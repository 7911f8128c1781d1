//! The actix-web integration driven through a real actix `App` with `actix_web::test`: the
//! same cases as `tests/axum.rs` (anonymous, logged in, tampered, expired, writes, 500,
//! logout, messages).
#![cfg(feature = "actix")]

use actix_web::{App, HttpResponse, test, web};
use djsign::integrations::tower::DjangoLayer;
use djsign::integrations::{DjangoApiUser, DjangoMessages, DjangoSession, DjangoUser};
use djsign::messages::{INFO, Message, MessageCookie};
use djsign::sessions::Session;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{Settings, auth};

const PASSWORD: &str = "pbkdf2_sha256$260000$salt$hash=";

fn settings() -> Settings {
    let mut s = Settings::new("django-insecure-test-key");
    s.session_cookie_age = 3600;
    s
}

fn layer(s: &Settings) -> DjangoLayer<SignedCookieStore> {
    DjangoLayer::new(s.clone(), SignedCookieStore::new(s).unwrap())
        .unwrap()
        .password_hashes(|id: String| async move { (id == "1").then(|| PASSWORD.to_string()) })
}

fn login_cookie(settings: &Settings, ago: f64) -> String {
    let store = SignedCookieStore::new(settings).unwrap();
    let mut s = Session::new();
    auth::login(&mut s, "1", auth::MODEL_BACKEND, PASSWORD, settings);
    format!(
        "sessionid={}",
        store.save(&mut s, djsign::signing::now() - ago).unwrap()
    )
}

async fn whoami(u: DjangoUser) -> String {
    u.id
}
async fn api(u: DjangoApiUser) -> String {
    u.id
}
async fn count(s: DjangoSession) -> String {
    let n: i64 = s.get_as("views").unwrap().unwrap_or(0) + 1;
    s.insert("views", &n).unwrap();
    n.to_string()
}
async fn boom(s: DjangoSession) -> HttpResponse {
    s.insert("x", &1).unwrap();
    HttpResponse::InternalServerError().finish()
}
async fn logout(s: DjangoSession) -> &'static str {
    s.flush();
    "bye"
}
async fn flash(m: DjangoMessages) -> &'static str {
    m.add(Message::new(INFO, "Saved from Rust."));
    "queued"
}
async fn show(m: DjangoMessages) -> String {
    m.take()
        .into_iter()
        .map(|m| m.message)
        .collect::<Vec<_>>()
        .join("|")
}

macro_rules! app {
    ($s:expr) => {
        test::init_service(
            App::new()
                .wrap(layer(&$s))
                .route("/whoami", web::get().to(whoami))
                .route("/api/whoami", web::get().to(api))
                .route("/count", web::get().to(count))
                .route("/boom", web::get().to(boom))
                .route("/logout", web::get().to(logout))
                .route("/flash", web::get().to(flash))
                .route("/show", web::get().to(show)),
        )
        .await
    };
}

fn cookies(res: &actix_web::dev::ServiceResponse) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_shared_cases() {
    let s = settings();
    let app = app!(s);

    // Anonymous: redirected like login_required; 401 on the API route.
    let res = test::call_service(
        &app,
        test::TestRequest::get().uri("/whoami?x=1").to_request(),
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers().get("location").unwrap(),
        "/accounts/login/?next=/whoami%3Fx%3D1"
    );
    let res = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/whoami").to_request(),
    )
    .await;
    assert_eq!(res.status(), 401);

    // A Django login is seen; reading adds Vary and no cookie.
    let login = login_cookie(&s, 10.0);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/whoami")
            .insert_header(("cookie", login.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("vary").unwrap(), "Cookie");
    assert!(cookies(&res).is_empty());
    assert_eq!(test::read_body(res).await, "1");

    // Tampered and expired sessions are anonymous.
    let tampered = format!("{login}x");
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/whoami")
            .insert_header(("cookie", tampered.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 401);
    let expired = login_cookie(&s, 4000.0);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/whoami")
            .insert_header(("cookie", expired.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 401);

    // Writes set the cookie; a 500 does not (4.2+).
    let res = test::call_service(&app, test::TestRequest::get().uri("/count").to_request()).await;
    let set = cookies(&res);
    assert!(
        set[0].starts_with("sessionid=")
            && set[0].ends_with("HttpOnly; Max-Age=3600; Path=/; SameSite=Lax")
    );
    let res = test::call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
    assert_eq!(res.status(), 500);
    assert!(cookies(&res).is_empty());

    // Logout deletes the cookie.
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/logout")
            .insert_header(("cookie", login.as_str()))
            .to_request(),
    )
    .await;
    assert_eq!(
        cookies(&res),
        [r#"sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#]
    );

    // Messages both ways.
    let res = test::call_service(&app, test::TestRequest::get().uri("/flash").to_request()).await;
    let value = cookies(&res)
        .iter()
        .find_map(|c| {
            c.strip_prefix("messages=")
                .map(|v| v.split(';').next().unwrap().to_owned())
        })
        .unwrap();
    assert_eq!(
        MessageCookie::new(&s)
            .unwrap()
            .decode(&value)
            .unwrap()
            .unwrap()
            .messages[0]
            .message,
        "Saved from Rust."
    );
    let django = format!(
        "messages={}",
        MessageCookie::new(&s)
            .unwrap()
            .encode(&[Message::new(INFO, "From Django")], djsign::signing::now())
    );
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/show")
            .insert_header(("cookie", django.as_str()))
            .to_request(),
    )
    .await;
    assert!(
        cookies(&res)
            .iter()
            .any(|c| c.starts_with("messages=\"\"; expires=Thu, 01 Jan 1970"))
    );
    assert_eq!(test::read_body(res).await, "From Django");
}

#[actix_web::test]
async fn an_app_without_the_layer_says_so() {
    let app = test::init_service(App::new().route("/count", web::get().to(count))).await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/count").to_request()).await;
    assert_eq!(res.status(), 500);
    assert!(
        String::from_utf8(test::read_body(res).await.to_vec())
            .unwrap()
            .contains("DjangoLayer")
    );
}

#[path = "common/csrf_cases.rs"]
mod csrf_cases;

#[actix_web::test]
async fn csrf_is_checked_as_django_does() {
    use djsign::integrations::DjangoCsrf;
    let s = settings();
    let app = test::init_service(App::new().wrap(layer(&s)).route(
        "/change",
        web::route().to(|_: DjangoCsrf| async { "changed" }),
    ))
    .await;
    for case in csrf_cases::csrf_cases() {
        let method = actix_web::http::Method::from_bytes(case.method.as_bytes()).unwrap();
        let mut req = test::TestRequest::default().method(method).uri("/change");
        if let Some(c) = &case.cookie {
            req = req.insert_header(("cookie", format!("csrftoken={c}")));
        }
        if let Some(t) = &case.header {
            req = req.insert_header(("x-csrftoken", t.as_str()));
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status().as_u16(), case.status, "{}", case.name);
        let body = test::read_body(res).await;
        assert!(
            String::from_utf8_lossy(&body).contains(case.reason),
            "{}: {body:?}",
            case.name
        );
    }
}
