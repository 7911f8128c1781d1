//! The same service as `axum_service.rs`, on actix-web: a Rust service next to a Django
//! app, sharing its login. Run: `cargo run --example actix_service --features actix -- PORT`
//! with the same `DJANGO_SECRET_KEY` (and `DJANGO_SECRET_KEY_FALLBACKS`, …) as Django.
//! `django/interop/e2e.py` drives it like the axum one.

use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use djsign::integrations::tower::DjangoLayer;
use djsign::integrations::{DjangoMessages, DjangoSession};
use djsign::messages::{INFO, Message};
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::{DjangoVersion, Settings};
use serde_json::{Value, json};

fn query(req: &HttpRequest, key: &str) -> String {
    req.query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_owned))
        .unwrap_or_default()
}

async fn whoami(req: HttpRequest) -> HttpResponse {
    // Anonymous visitors are answered here rather than redirected.
    let ctx = req
        .extensions()
        .get::<std::sync::Arc<djsign::integrations::tower::DjangoContext>>()
        .cloned();
    let user = match ctx {
        Some(ctx) => ctx.user().await.ok().and_then(|u| u.id::<String>()),
        None => None,
    };
    HttpResponse::Ok().json(json!({"user": user}))
}

async fn session_set(s: DjangoSession, req: HttpRequest) -> HttpResponse {
    s.insert(&query(&req, "k"), &query(&req, "v")).ok();
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn session_get(s: DjangoSession, req: HttpRequest) -> HttpResponse {
    let v: Option<String> = s.get_as(&query(&req, "k")).ok().flatten();
    HttpResponse::Ok().json(json!({"value": v}))
}

async fn messages_add(m: DjangoMessages, req: HttpRequest) -> HttpResponse {
    m.add(Message::new(INFO, &query(&req, "text")));
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn messages_show(m: DjangoMessages) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({"messages": m.take().into_iter().map(|m| m.message).collect::<Vec<_>>()}))
}

async fn count(s: DjangoSession) -> HttpResponse {
    let views: i64 = s.get_as("views").ok().flatten().unwrap_or(0) + 1;
    s.insert("views", &views).ok();
    HttpResponse::Ok().json(json!({"views": views}))
}

async fn expiry(s: DjangoSession, req: HttpRequest, settings: web::Data<Settings>) -> HttpResponse {
    let secs: i64 = query(&req, "seconds").parse().unwrap_or(0);
    let now = djsign::sessions::timezone_now(djsign::signing::now(), true);
    s.with(|s| s.set_expiry(djsign::sessions::SetExpiry::Seconds(secs), now, &settings))
        .ok();
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn signed_set(req: HttpRequest, settings: web::Data<Settings>) -> HttpResponse {
    let (name, value) = (query(&req, "name"), query(&req, "value"));
    let signed = djsign::signing::set_signed_cookie(
        &settings,
        &name,
        &value,
        "interop",
        djsign::signing::now(),
    )
    .unwrap_or_default();
    HttpResponse::Ok()
        .insert_header((
            "set-cookie",
            djsign::http::SetCookie::new(&name, &signed).to_string(),
        ))
        .json(json!({"ok": true}))
}

async fn signed_get(req: HttpRequest, settings: web::Data<Settings>) -> HttpResponse {
    let name = query(&req, "name");
    let header: Vec<&str> = req
        .headers()
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let jar = djsign::http::parse_cookie(&header.join("; "));
    let value = jar.iter().find(|(n, _)| *n == name).and_then(|(_, v)| {
        djsign::signing::get_signed_cookie(
            &settings,
            &name,
            v,
            "interop",
            None,
            djsign::signing::now(),
        )
        .ok()
    });
    HttpResponse::Ok().json(json!({"value": value}))
}

async fn logout(s: DjangoSession) -> HttpResponse {
    s.flush();
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn post(req: HttpRequest, body: String, version: web::Data<DjangoVersion>) -> HttpResponse {
    let header: Vec<&str> = req
        .headers()
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let jar = djsign::http::parse_cookie(&header.join("; "));
    let stored = jar
        .into_iter()
        .find(|(n, _)| n == "csrftoken")
        .map(|(_, v)| v);
    let token = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("csrfmiddlewaretoken="))
        .unwrap_or_default();
    match djsign::csrf::check(token, stored.as_deref(), false, **version) {
        Ok(()) => HttpResponse::Ok().json(json!({"ok": true})),
        Err(e) => HttpResponse::Forbidden().json(json!({"ok": false, "reason": e.to_string()})),
    }
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8002);
    let mut settings = Settings::new(std::env::var("DJANGO_SECRET_KEY")?);
    settings.apply_env(std::env::vars().filter(|(k, _)| k != "DJANGO_SECRET_KEY"))?;
    if let Ok(v) = std::env::var("DJSIGN_DJANGO_VERSION") {
        settings.version = v.parse()?;
    }
    let passwords = std::env::var("DJSIGN_INTEROP_PASSWORDS").ok();
    let layer = DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings)?)?
        .password_hashes(move |id: String| {
            let file = passwords.clone();
            async move {
                // Test scaffolding: the hashes Django publishes (a real service queries
                // auth_user.password, and a database error is an Err).
                let Some(file) = file else { return Ok(None) };
                let map: Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                    map.get(&id).and_then(Value::as_str).map(str::to_owned),
                )
            }
        });
    let version = web::Data::new(settings.version);
    let shared_settings = web::Data::new(settings.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(version.clone())
            .app_data(shared_settings.clone())
            .wrap(layer.clone())
            .route("/whoami", web::get().to(whoami))
            .route("/session/set", web::get().to(session_set))
            .route("/session/get", web::get().to(session_get))
            .route("/messages/add", web::get().to(messages_add))
            .route("/messages/show", web::get().to(messages_show))
            .route("/count", web::get().to(count))
            .route("/expiry", web::get().to(expiry))
            .route("/signed/set", web::get().to(signed_set))
            .route("/signed/get", web::get().to(signed_get))
            .route("/logout", web::get().to(logout))
            .route("/post", web::post().to(post))
    })
    .workers(2)
    .bind(("127.0.0.1", port))?;
    println!("ready");
    server.run().await?;
    Ok(())
}
