//! HTTP cookies as Django reads and writes them (`django.http`): `Cookie:` header parsing
//! with Django's `parse_cookie` rules, and `Set-Cookie` values with Python's `Morsel`
//! rules (`HttpResponse.set_cookie`, `http.cookies.Morsel`).

mod cookie;

pub use cookie::{SameSite, SetCookie, http_date, parse_cookie, quote_cookie_value};
