//! `djsign cookies`: every Django cookie of a `Cookie:` header.

use djsign::pyjson::{self, Value};
use djsign::{Settings, dangerous};

use crate::error::CliError;
use crate::messages::messages_to_json;
use crate::output::*;

/// Decodes the Django cookies of a `Cookie:` header: the session, messages and CSRF
/// cookies by their names, and any other signed value by what verifies it.
pub(crate) fn cookies_command(header: &str, s: &Settings, now: f64) -> Result<Output, CliError> {
    use djsign::sessions::backends::signed_cookies::SignedCookieStore;
    let mut out = pyjson::Dict::new();
    for (name, value) in djsign::http::parse_cookie(header) {
        let mut d = pyjson::Dict::new();
        let signed_cookie_sessions = s.session_engine.ends_with(".signed_cookies");
        if name == s.session_cookie_name && !signed_cookie_sessions {
            // The db, cache, cached_db and file engines put a key into the store here.
            let engine = s.session_engine.rsplit('.').next().unwrap_or_default();
            d.insert(
                "kind",
                Value::from(format!("session key ({engine} engine)")),
            );
            let valid = value.len() >= 8
                && value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            d.insert("valid_key", Value::Bool(valid));
        } else if name == s.session_cookie_name && !s.secret_key.is_empty() {
            let session = SignedCookieStore::new(s)?.load(Some(&value), now);
            d.insert("kind", Value::from("session (signed_cookies)"));
            match session.load_error() {
                None => d.insert("session", Value::Dict(session.data().clone())),
                Some(e) => d.insert("error", Value::from(e.to_string())),
            };
        } else if name == djsign::messages::COOKIE_NAME && !s.secret_key.is_empty() {
            d.insert("kind", Value::from("messages"));
            match djsign::messages::MessageCookie::new(s)?.decode(&value) {
                Ok(Some(m)) => d.insert("messages", messages_to_json(&m.messages)),
                Ok(None) => d.insert(
                    "error",
                    Value::from("bad signature: Django discards this cookie"),
                ),
                Err(e) => d.insert("error", Value::from(e.to_string())),
            };
        } else if name == "csrftoken" {
            d.insert("kind", Value::from("CSRF cookie"));
            let shape = match value.len() {
                32 => "secret (Django 4.1+)",
                64 => "masked token (Django up to 4.0)",
                _ => "malformed",
            };
            d.insert("form", Value::from(shape));
        } else if let Some(found) = (!s.secret_key.is_empty())
            .then(|| dangerous::identify(&value, s))
            .flatten()
        {
            d.insert("kind", Value::from(found.kind));
            d.insert("salt", Value::from(found.salt));
        } else {
            d.insert("kind", Value::from("not recognised (unverified)"));
        }
        out.insert(name, Value::Dict(d));
    }
    Ok(Output::Json(pyjson::to_vec(&Value::Dict(out))))
}
