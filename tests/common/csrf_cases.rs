//! CSRF cases run against both integrations (tests/axum.rs, tests/actix.rs): each is a
//! request (method, `csrftoken` cookie, `X-CSRFToken` header) and Django's answer.

use djsign::{DjangoVersion, csrf};

pub struct CsrfCase {
    pub name: &'static str,
    pub method: &'static str,
    pub cookie: Option<String>,
    pub header: Option<String>,
    /// 200, or 403 with the reason Django's `CsrfViewMiddleware` gives.
    pub status: u16,
    pub reason: &'static str,
}

pub fn csrf_cases() -> Vec<CsrfCase> {
    let secret = csrf::new_secret().unwrap();
    let cookie = csrf::stored_value(&secret, DjangoVersion::LATEST).unwrap();
    let masked = csrf::mask(&secret).unwrap();
    let case =
        |name, method, cookie: Option<&str>, header: Option<&str>, status, reason| CsrfCase {
            name,
            method,
            cookie: cookie.map(str::to_owned),
            header: header.map(str::to_owned),
            status,
            reason,
        };
    let other = "b".repeat(32);
    vec![
        case("safe method", "GET", None, None, 200, ""),
        case(
            "masked token",
            "POST",
            Some(&cookie),
            Some(&masked),
            200,
            "",
        ),
        case(
            "unmasked token",
            "DELETE",
            Some(&cookie),
            Some(&secret),
            200,
            "",
        ),
        case(
            "no cookie",
            "POST",
            None,
            Some(&masked),
            403,
            "CSRF cookie not set.",
        ),
        case(
            "no token",
            "PUT",
            Some(&cookie),
            None,
            403,
            "CSRF token missing.",
        ),
        case(
            "short token",
            "POST",
            Some(&cookie),
            Some("abc"),
            403,
            "CSRF token has incorrect length.",
        ),
        case(
            "bad characters",
            "POST",
            Some(&cookie),
            Some(&"!".repeat(32)),
            403,
            "CSRF token has invalid characters.",
        ),
        case(
            "wrong token",
            "PATCH",
            Some(&cookie),
            Some(&other),
            403,
            "CSRF token incorrect.",
        ),
        case(
            "short cookie",
            "POST",
            Some("abc"),
            Some(&masked),
            403,
            "CSRF cookie has incorrect length.",
        ),
    ]
}
