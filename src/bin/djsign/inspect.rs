//! `djsign inspect`: what a token holds, verified or not.

use djsign::pyjson::{self, Value};
use djsign::{Settings, dangerous};

use crate::error::CliError;
use crate::output::*;

pub(crate) fn inspect(token: &str, s: &Settings, now: f64, json: bool) -> Result<Output, CliError> {
    let Some(i) = dangerous::inspect(token) else {
        // Django says `No ":" found in value` (a BadSignature); name it for what it is.
        eprintln!("djsign: not a signed value: it has no ':' separator");
        return Ok(Output::Failed(Box::new(Output::Text(String::new())), 1));
    };
    let found = if s.secret_key.is_empty() {
        None
    } else {
        dangerous::identify(token, s)
    };
    let mut d = pyjson::Dict::new();
    d.insert("verified", Value::Bool(found.is_some()));
    d.insert("value", Value::from(i.value));
    d.insert("compressed", Value::Bool(i.compressed));
    let ts = i.timestamp.and_then(|t| t.as_i64());
    d.insert("timestamp", ts.map_or(Value::Null, Value::Int));
    d.insert(
        "signed_at",
        ts.map_or(Value::Null, |t| Value::from(date(t as f64))),
    );
    d.insert(
        "age_seconds",
        ts.map_or(Value::Null, |t| Value::Float(now - t as f64)),
    );
    d.insert("signature_length", Value::Int(i.signature.len() as i64));
    match &i.object {
        Ok(v) => d.insert("payload", v.clone()),
        Err(e) => d.insert("payload_error", Value::from(e.to_string())),
    };
    if let Some(f) = &found {
        d.insert("kind", Value::from(f.kind));
        d.insert("salt", Value::from(f.salt));
        d.insert("algorithm", Value::from(f.algorithm.name()));
        d.insert(
            "key",
            Value::from(if f.key_index == 0 {
                "SECRET_KEY".to_string()
            } else {
                format!("SECRET_KEY_FALLBACKS[{}]", f.key_index - 1)
            }),
        );
        if f.salt == "django.contrib.sessions.backends.signed_cookies" {
            if let Some(t) = ts {
                let expires = t as f64 + s.session_cookie_age as f64;
                d.insert("expires_at", Value::from(date(expires)));
                d.insert(
                    "expired",
                    Value::Bool(now - t as f64 > s.session_cookie_age as f64),
                );
            }
        }
    }
    // Keys were given and none verifies it: print what it holds, but fail (exit 1).
    let fail = |out: Output| {
        if found.is_none() && !s.secret_key.is_empty() {
            Output::Failed(Box::new(out), 1)
        } else {
            out
        }
    };
    if json {
        return Ok(fail(Output::Json(pyjson::to_vec(&Value::Dict(d)))));
    }
    let mut out = String::new();
    out.push_str(match &found {
        Some(_) => "VERIFIED: the signature matches the key below\n",
        None if s.secret_key.is_empty() => {
            "UNVERIFIED: decoded without checking the signature (give --secret-key to verify)\n"
        }
        None => "UNVERIFIED: no known salt and algorithm verifies it with the keys given\n",
    });
    for (k, v) in d.iter() {
        if k == "verified" {
            continue;
        }
        if let ("age_seconds", Value::Float(age)) = (k.as_str().unwrap_or_default(), v) {
            out.push_str(&format!(
                "{:<17} {} ({age:.3} s)\n",
                "age:",
                human_duration(*age)
            ));
            continue;
        }
        let shown = match v {
            Value::Str(s) => s.to_string(),
            other => String::from_utf8_lossy(&pyjson::to_vec(other)).into_owned(),
        };
        out.push_str(&format!("{:<17} {shown}\n", format!("{k}:")));
    }
    Ok(fail(Output::Text(out.trim_end().to_owned())))
}
