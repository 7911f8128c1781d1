//! A Rust service next to a Django app, sharing its login: the endpoints the interop test
//! (`django/interop/e2e.py`) drives. Run: `cargo run --example axum_service --features axum -- PORT`
//! with the same `DJANGO_SECRET_KEY` (and `DJANGO_SECRET_KEY_FALLBACKS`, …) as Django.
//!
//! Users' password hashes come from the JSON file named by `DJSIGN_INTEROP_PASSWORDS`
//! (test scaffolding written by the interop Django app); a real service queries
//! `auth_user.password` in Django's database.
//!
//! Sessions are signed cookies, or with `DJSIGN_DATABASE_URL=postgres://…` (and the
//! `postgres` feature) Django's `db` engine on that database's `django_session` table,
//! created if missing (`benches/soak.sh` runs it so).

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use djsign::integrations::axum::{DjangoMessages, DjangoSession, DjangoUser};
use djsign::integrations::tower::DjangoLayer;
use djsign::messages::{INFO, Message};
use djsign::sessions::SetExpiry;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::sessions::timezone_now;
use djsign::{DjangoVersion, Settings};
use serde_json::{Value, json};

fn query(q: &Option<String>, key: &str) -> Option<String> {
    q.as_deref()?
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_owned))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "8001".into());
    let mut settings = Settings::new(std::env::var("DJANGO_SECRET_KEY")?);
    settings.apply_env(std::env::vars().filter(|(k, _)| k != "DJANGO_SECRET_KEY"))?;
    if let Ok(v) = std::env::var("DJSIGN_DJANGO_VERSION") {
        settings.version = v.parse::<DjangoVersion>()?;
    }
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    #[cfg(feature = "postgres")]
    if let Ok(url) = std::env::var("DJSIGN_DATABASE_URL") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await?;
        let store = djsign::sessions::backends::db::DbSessionStore::new(&settings, pool)?;
        store.create_table().await?;
        return serve(listener, settings, store).await;
    }
    let store = SignedCookieStore::new(&settings)?;
    serve(listener, settings, store).await
}

/// The routes behind the layer over `store`, served on `listener`.
async fn serve<St: djsign::sessions::SessionStore + Clone + Send + Sync + 'static>(
    listener: tokio::net::TcpListener,
    settings: Settings,
    store: St,
) -> Result<(), Box<dyn std::error::Error>> {
    let passwords = std::env::var("DJSIGN_INTEROP_PASSWORDS").ok();
    let layer = DjangoLayer::new(settings.clone(), store)?.password_hashes(move |id: String| {
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
    let csrf_version = settings.version;
    let (expiry_settings, cookie_settings, get_settings) =
        (settings.clone(), settings.clone(), settings.clone());
    let app = Router::new()
        .route("/whoami", get(|u: Option<DjangoUser>| async move { Json(json!({"user": u.map(|u| u.id)})) }))
        .route(
            "/session/set",
            get(|s: DjangoSession, q: axum::extract::RawQuery| async move {
                let (k, v) = (query(&q.0, "k").unwrap_or_default(), query(&q.0, "v").unwrap_or_default());
                s.insert(&k, &v).ok();
                Json(json!({"ok": true}))
            }),
        )
        .route(
            "/session/get",
            get(|s: DjangoSession, q: axum::extract::RawQuery| async move {
                let v: Option<String> = s.get_as(&query(&q.0, "k").unwrap_or_default()).ok().flatten();
                Json(json!({"value": v}))
            }),
        )
        .route(
            "/messages/add",
            get(|m: DjangoMessages, q: axum::extract::RawQuery| async move {
                m.add(Message::new(INFO, &query(&q.0, "text").unwrap_or_default()));
                Json(json!({"ok": true}))
            }),
        )
        .route(
            "/messages/show",
            get(|m: DjangoMessages| async move {
                Json(json!({"messages": m.take().into_iter().map(|m| m.message).collect::<Vec<_>>()}))
            }),
        )
        .route("/logout", get(|s: DjangoSession| async move { s.flush(); Json(json!({"ok": true})) }))
        .route(
            "/post",
            post(move |headers: HeaderMap, body: String| async move {
                let cookies: Vec<String> = headers.get_all("cookie").iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
                let jar = djsign::http::parse_cookie(&cookies.join("; "));
                let stored = jar.iter().find(|(n, _)| n == "csrftoken").map(|(_, v)| v.clone());
                let token = body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("csrfmiddlewaretoken="))
                    .unwrap_or_default()
                    .to_owned();
                match djsign::csrf::check(&token, stored.as_deref(), false, csrf_version) {
                    Ok(()) => (StatusCode::OK, Json(json!({"ok": true}))),
                    Err(e) => (StatusCode::FORBIDDEN, Json(json!({"ok": false, "reason": e.to_string()}))),
                }
            }),
        )
        .route(
            "/expiry",
            get(|s: DjangoSession, q: axum::extract::RawQuery| async move {
                let secs: i64 = query(&q.0, "seconds").and_then(|v| v.parse().ok()).unwrap_or(0);
                s.with(|s| s.set_expiry(SetExpiry::Seconds(secs), timezone_now(djsign::signing::now(), true), &expiry_settings)).ok();
                Json(json!({"ok": true}))
            }),
        )
        .route(
            "/signed/set",
            get(move |q: axum::extract::RawQuery| {
                let s = cookie_settings.clone();
                async move {
                    let (name, value) = (query(&q.0, "name").unwrap_or_default(), query(&q.0, "value").unwrap_or_default());
                    let signed = djsign::signing::set_signed_cookie(&s, &name, &value, "interop", djsign::signing::now()).unwrap_or_default();
                    ([("set-cookie", djsign::http::SetCookie::new(&name, &signed).to_string())], Json(json!({"ok": true})))
                }
            }),
        )
        .route(
            "/signed/get",
            get(move |headers: HeaderMap, q: axum::extract::RawQuery| {
                let s = get_settings.clone();
                async move {
                    let name = query(&q.0, "name").unwrap_or_default();
                    let cookies: Vec<String> = headers.get_all("cookie").iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
                    let jar = djsign::http::parse_cookie(&cookies.join("; "));
                    let value = jar.iter().find(|(n, _)| *n == name).and_then(|(_, v)| {
                        djsign::signing::get_signed_cookie(&s, &name, v, "interop", None, djsign::signing::now()).ok()
                    });
                    Json(json!({"value": value}))
                }
            }),
        )
        .route(
            "/count",
            get(|s: DjangoSession| async move {
                let views: i64 = s.get_as("views").ok().flatten().unwrap_or(0) + 1;
                s.insert("views", &views).ok();
                Json(json!({"views": views}))
            }),
        )
        .route(
            "/session/user",
            get(|s: DjangoSession| async move {
                let id: Option<String> = s.get_as("_auth_user_id").ok().flatten();
                Json(json!({"user": id}))
            }),
        )
        .layer(layer)
        // Outside the layer: the baseline of the load benchmark (benches/load.sh).
        .merge(Router::new().route("/plain", get(|| async { Json(json!({"user": null})) })));
    println!("ready");
    axum::serve(listener, app).await?;
    Ok(())
}
