//! What Django's `SessionMiddleware.process_response` does with the session cookie
//! (`django/contrib/sessions/middleware.py`), per version.

use super::expiry::ExpiryError;
use super::session::Session;
use crate::conf::Settings;
use crate::error::Error;
use crate::http::{SameSite, SetCookie, http_date};
use crate::version::DjangoVersion;

/// The middleware's answer for one response.
///
/// ```
/// use djsign::{sessions::{middleware, Session}, Settings};
/// let mut untouched = Session::new();
/// let out = middleware::process_response(&mut untouched, false, 200, &Settings::new("k"), 0.0, |_| Ok::<_, djsign::Error>(String::new()))?;
/// assert_eq!(out, middleware::ResponseCookie { set_cookie: None, vary_cookie: false, saved: false });
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseCookie {
    /// The `Set-Cookie` to send (a new value, or a deletion), if any.
    pub set_cookie: Option<SetCookie>,
    /// Whether to add `Cookie` to the `Vary` header.
    pub vary_cookie: bool,
    /// Whether the session must be saved (the store is called before the cookie is set).
    pub saved: bool,
}

/// Moved to [`crate::sessions::timezone_now`], with the other date code; kept here.
pub use super::datetime::timezone_now;

/// What the middleware will do, before the session is saved (see [`plan_response`]).
///
/// ```
/// use djsign::{sessions::{middleware::{plan_response, Plan}, Session}, Settings};
/// let plan = plan_response(&Session::new(), false, 200, &Settings::new("k"), 0.0)?;
/// assert_eq!(plan, Plan::Nothing { vary_cookie: false });
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// Send no cookie.
    Nothing {
        /// Whether to add `Vary: Cookie`.
        vary_cookie: bool,
    },
    /// Delete the cookie.
    Delete {
        /// The deletion `Set-Cookie`.
        cookie: SetCookie,
        /// Whether to add `Vary: Cookie`.
        vary_cookie: bool,
    },
    /// Save the session, then send this cookie with the saved key as its value.
    Save {
        /// The `Set-Cookie` to send, its value still empty.
        cookie: SetCookie,
        /// Whether to add `Vary: Cookie`.
        vary_cookie: bool,
    },
}

/// The decision of Django's `SessionMiddleware.process_response` for `settings.version`,
/// without saving: for stores whose save is asynchronous. [`process_response`] is this
/// plus the save.
///
/// ```
/// use djsign::{sessions::{middleware::{plan_response, Plan}, Session}, Settings};
/// let mut s = Session::new();
/// s.insert("a", &1)?;
/// assert!(matches!(plan_response(&s, false, 200, &Settings::new("k"), 0.0)?, Plan::Save { vary_cookie: true, .. }));
/// assert!(matches!(plan_response(&s, false, 500, &Settings::new("k"), 0.0)?, Plan::Nothing { vary_cookie: true }));
/// # Ok::<(), djsign::Error>(())
/// ```
pub fn plan_response(
    session: &Session,
    had_cookie: bool,
    status: u16,
    settings: &Settings,
    now: impl Into<crate::UnixTime>,
) -> Result<Plan, Error> {
    let now = now.into().as_secs_f64();
    let v = settings.version;
    let accessed = session.accessed();
    let modified = session.modified();
    let empty = session.is_empty();
    let same_site = settings.session_cookie_samesite.as_deref();
    if had_cookie && empty {
        let delete_same_site = if deletes_with_samesite(v) {
            same_site
        } else {
            None
        };
        let cookie = SetCookie::delete(
            &settings.session_cookie_name,
            &settings.session_cookie_path,
            settings.session_cookie_domain.as_deref(),
            delete_same_site,
            v,
        )?;
        return Ok(Plan::Delete {
            cookie,
            vary_cookie: v >= DjangoVersion::V3_0,
        });
    }
    if !(modified || settings.session_save_every_request) || empty {
        return Ok(Plan::Nothing {
            vary_cookie: accessed,
        });
    }
    let (max_age, expires) = if session.get_expire_at_browser_close(settings) {
        (None, None)
    } else {
        let age = session.get_expiry_age(timezone_now(now, settings.use_tz), settings)?;
        let secs = age.seconds().ok_or(ExpiryError::NotANumber)?;
        (age.max_age_text(v), Some(http_date(now + secs)))
    };
    let saves = if v >= DjangoVersion::V4_2 {
        status < 500
    } else {
        status != 500
    };
    if !saves {
        return Ok(Plan::Nothing {
            vary_cookie: accessed,
        });
    }
    let same_site = same_site.map(|s| SameSite::checked(s, v)).transpose()?;
    Ok(Plan::Save {
        cookie: SetCookie {
            name: settings.session_cookie_name.clone(),
            value: String::new(),
            domain: settings.session_cookie_domain.clone(),
            expires,
            http_only: settings.session_cookie_httponly,
            max_age,
            path: settings.session_cookie_path.clone(),
            same_site,
            secure: settings.session_cookie_secure,
        },
        vary_cookie: accessed || v >= DjangoVersion::V5_2,
    })
}

/// Django's `SessionMiddleware.process_response` for `settings.version`.
///
/// `had_cookie` says whether the request carried the session cookie; `status` is the
/// response status; `save` stores the session and returns the cookie value to send (the
/// session key; for signed-cookie sessions the token). Returns what to send.
///
/// ```
/// use djsign::{sessions::{backends::signed_cookies::SignedCookieStore, middleware, Session}, Settings};
/// let settings = Settings::new("django-insecure-test-key");
/// let store = SignedCookieStore::new(&settings)?;
/// let mut session = Session::new();
/// session.insert("a", &1)?;
/// let now = 1700000000.25;
/// let out = middleware::process_response(&mut session, false, 200, &settings, now, |s| store.save(s, now))?;
/// assert_eq!(out.set_cookie.unwrap().to_string(), "sessionid=eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk; \
///     expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax");
/// assert!(out.vary_cookie);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn process_response<E: From<ExpiryError> + From<Error>>(
    session: &mut Session,
    had_cookie: bool,
    status: u16,
    settings: &Settings,
    now: impl Into<crate::UnixTime>,
    save: impl FnOnce(&mut Session) -> Result<String, E>,
) -> Result<ResponseCookie, E> {
    let now = now.into().as_secs_f64();
    Ok(
        match plan_response(session, had_cookie, status, settings, now)? {
            Plan::Nothing { vary_cookie } => ResponseCookie {
                set_cookie: None,
                vary_cookie,
                saved: false,
            },
            Plan::Delete {
                cookie,
                vary_cookie,
            } => ResponseCookie {
                set_cookie: Some(cookie),
                vary_cookie,
                saved: false,
            },
            Plan::Save {
                mut cookie,
                vary_cookie,
            } => {
                cookie.value = save(session)?;
                ResponseCookie {
                    set_cookie: Some(cookie),
                    vary_cookie,
                    saved: true,
                }
            }
        },
    )
}

/// `delete_cookie(samesite=…)` arrived in 2.2.15, 3.0.9 and 3.1.
fn deletes_with_samesite(v: DjangoVersion) -> bool {
    v >= DjangoVersion::new(2, 2, 15)
        && (v < DjangoVersion::V3_0 || v >= DjangoVersion::new(3, 0, 9))
}
