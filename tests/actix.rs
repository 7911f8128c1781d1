//! The actix-web integration driven through a real actix `App` with `actix_web::test`: the
//! shared table of `tests/common/table.rs` (anonymous, logged in, tampered, expired,
//! writes, 5xx per version, `SESSION_SAVE_EVERY_REQUEST`, logout, messages, concurrency),
//! the same one `tests/axum.rs` runs, and the shared CSRF cases.
#![cfg(feature = "actix")]

use actix_web::{App, HttpResponse, test, web};
use djsign::Settings;
use djsign::integrations::tower::DjangoLayer;
use djsign::integrations::{DjangoApiUser, DjangoMessages, DjangoSession, DjangoUser};
use djsign::messages::{INFO, Message};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;

#[path = "common/table.rs"]
mod table;

use table::{PASSWORD, Reply, settings};

fn layer(s: &Settings) -> DjangoLayer<SignedCookieStore> {
    DjangoLayer::new(s.clone(), SignedCookieStore::new(s).unwrap())
        .unwrap()
        .password_hashes(|id: String| async move {
            Ok::<_, std::io::Error>((id == "1").then(|| PASSWORD.to_string()))
        })
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
async fn busy(s: DjangoSession) -> HttpResponse {
    s.insert("x", &1).unwrap();
    HttpResponse::ServiceUnavailable().finish()
}
async fn maybe(u: Option<DjangoUser>) -> String {
    u.map_or("anonymous".into(), |u| u.id)
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
                .route("/busy", web::get().to(busy))
                .route("/maybe", web::get().to(maybe))
                .route("/logout", web::get().to(logout))
                .route("/flash", web::get().to(flash))
                .route("/show", web::get().to(show)),
        )
        .await
    };
}

/// The actix app under the shared table.
struct Actix<S>(S);

impl<S, B> table::Client for Actix<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = test::TestRequest::get().uri(path);
        if let Some(c) = cookie {
            req = req.insert_header(("cookie", c));
        }
        let res = test::call_service(&self.0, req.to_request()).await;
        let headers = res.headers().clone();
        let status = res.status().as_u16();
        let body = test::read_body(res).await.to_vec();
        Reply::new(status, body, |name| {
            headers
                .get_all(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .collect()
        })
    }
}

#[actix_web::test]
async fn the_shared_table() {
    table::run(async |s: Settings| Actix(app!(s))).await;
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
