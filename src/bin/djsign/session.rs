//! `djsign session encode|decode`.

use djsign::pyjson::{self, Value};
use djsign::sessions::backends::stored::DecodeError;
use djsign::{Malformed, Settings, dangerous};

use crate::args::*;
use crate::error::CliError;
use crate::input::*;
use crate::output::*;

pub(crate) fn session_command(
    cmd: &SessionCommand,
    s: &Settings,
    now: f64,
) -> Result<Output, CliError> {
    use djsign::sessions::backends::{signed_cookies::SignedCookieStore, stored::SessionCodec};
    use djsign::sessions::{Session, middleware, new_session_key};
    match cmd {
        SessionCommand::Encode {
            data,
            backend,
            set_cookie,
        } => {
            let Value::Dict(dict) = pyjson::from_str(&read_arg(data)?)
                .map_err(|e| invalid(format!("the session is not JSON: {e}")))?
            else {
                return Err(invalid(
                    "a session is a JSON object, e.g. '{\"a\":1}'".into(),
                ));
            };
            let mut session = Session::new();
            session.update(
                dict.iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default(), v.clone())),
            );
            let mut lines = Vec::new();
            let out = match backend {
                Backend::SignedCookies => {
                    let store = SignedCookieStore::new(s)?;
                    middleware::process_response(&mut session, false, 200, s, now, |x| {
                        store.save(x, now)
                    })?
                }
                Backend::Db | Backend::Cache => {
                    lines.push(match backend {
                        Backend::Db => SessionCodec::new(s)?.encode(&dict, now),
                        _ => hex(&djsign::pickle::to_vec(&Value::Dict(dict.clone()))),
                    });
                    if !*set_cookie {
                        return Ok(Output::Text(lines.join("\n")));
                    }
                    let key =
                        new_session_key().map_err(|e| invalid(format!("no random key: {e}")))?;
                    middleware::process_response(&mut session, false, 200, s, now, |_| {
                        Ok::<_, djsign::Error>(key.clone())
                    })?
                }
            };
            let Some(cookie) = out.set_cookie else {
                // An empty session: the middleware sends no cookie, but Django's
                // `SessionStore.save()` still writes a value for it.
                if matches!(backend, Backend::SignedCookies) && !*set_cookie {
                    lines.push(SignedCookieStore::new(s)?.save(&mut session, now)?);
                    return Ok(Output::Text(lines.join("\n")));
                }
                return Err(invalid(
                    "an empty session: Django's middleware sets no cookie for it".into(),
                ));
            };
            lines.push(if *set_cookie {
                format!("Set-Cookie: {cookie}")
            } else {
                cookie.value.clone()
            });
            Ok(Output::Text(lines.join("\n")))
        }
        SessionCommand::Decode {
            token,
            backend,
            strict_expiry,
        } => {
            let token = read_arg(token)?;
            match backend {
                Backend::SignedCookies => {
                    let store = SignedCookieStore::new(s)?.strict_expiry(*strict_expiry);
                    let session = store.load(Some(&token), now);
                    if let Some(e) = session.load_error() {
                        return Err(e.clone().into());
                    }
                    if let Some(ts) = dangerous::inspect(&token)
                        .and_then(|i| i.timestamp)
                        .and_then(|t| t.as_i64())
                    {
                        eprintln!(
                            "signed at {} ({} s ago)",
                            date(ts as f64),
                            (now - ts as f64).floor()
                        );
                        eprintln!(
                            "expires at {} (SESSION_COOKIE_AGE {} s)",
                            date((ts + s.session_cookie_age) as f64),
                            s.session_cookie_age
                        );
                    }
                    Ok(Output::Json(pyjson::to_vec(&Value::Dict(
                        session.data().clone(),
                    ))))
                }
                Backend::Cache => {
                    let bytes = unhex(&token)
                        .ok_or_else(|| invalid("a cache entry is given in hex".into()))?;
                    let value = djsign::pickle::from_slice(&bytes)
                        .map_err(|e| invalid(format!("not a session pickle: {e}")))?;
                    Ok(Output::Json(pyjson::to_vec(&value)))
                }
                Backend::Db => {
                    let codec = SessionCodec::new(s)?;
                    // What escapes Django's `decode` is a malformed payload (exit 4), not
                    // a wrong argument.
                    let decoded = codec.decode(&token).map_err(|e| match e {
                        DecodeError::Base64(b) => djsign::Error::from(Malformed::Base64(b)),
                        DecodeError::NonAscii => {
                            Malformed::Type("legacy session data is not ASCII".into()).into()
                        }
                        DecodeError::Signed(e) => e,
                    })?;
                    if let Some(e) = decoded.error {
                        return Err(e.into());
                    }
                    Ok(Output::Json(pyjson::to_vec(&decoded.value)))
                }
            }
        }
    }
}
