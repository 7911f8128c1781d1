//! `Cookie:` parsing and `Set-Cookie` writing.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::error::{Error, ErrorKind};
use crate::version::DjangoVersion;

/// Parses a `Cookie:` header as Django's `parse_cookie`: split on `;`, each chunk at its
/// first `=` (a chunk without `=` has an empty name), names and values trimmed, empty pairs
/// skipped, quoted values unquoted with Python's rules, later duplicates winning (at the
/// first one's position).
///
/// ```
/// let c = djsign::http::parse_cookie(r#"sessionid=abc; x=1; x=2; q="a\054b"; flag"#);
/// assert_eq!(c, [("sessionid".into(), "abc".into()), ("x".into(), "2".into()),
///                ("q".into(), "a,b".into()), ("".into(), "flag".into())]);
/// ```
pub fn parse_cookie(header: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for chunk in header.split(';') {
        let (name, value) = match chunk.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => ("", chunk.trim()),
        };
        if name.is_empty() && value.is_empty() {
            continue;
        }
        let value = unquote(value);
        match index.get(name) {
            Some(&i) => out[i].1 = value,
            None => {
                index.insert(name.to_owned(), out.len());
                out.push((name.to_owned(), value));
            }
        }
    }
    out
}

/// Python's `http.cookies._unquote`: only a value that starts and ends with `"` is
/// unquoted; inside, `\ooo` octal escapes and `\c` escapes are decoded.
fn unquote(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() < 2 || b[0] != b'"' || b[b.len() - 1] != b'"' {
        return v.to_owned();
    }
    let inner = &b[1..b.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let oct = &inner[i + 1..(i + 4).min(inner.len())];
            if oct.len() == 3 && oct[0] <= b'3' && oct.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let cp = (oct[0] - b'0') as u32 * 64
                    + (oct[1] - b'0') as u32 * 8
                    + (oct[2] - b'0') as u32;
                let mut buf = [0u8; 4];
                out.extend_from_slice(
                    char::from_u32(cp)
                        .unwrap_or('\u{FFFD}')
                        .encode_utf8(&mut buf)
                        .as_bytes(),
                );
                i += 4;
            } else {
                out.push(inner[i + 1]);
                i += 2;
            }
        } else {
            out.push(inner[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Python's cookie value quoting (`SimpleCookie.value_encode`): legal values are written
/// as they are; anything else is quoted, with `"` and `\` backslash-escaped and control
/// characters, DEL, `,`, `;` and U+0080–U+00FF written as three-digit octal escapes.
///
/// ```
/// use djsign::http::quote_cookie_value;
/// assert_eq!(quote_cookie_value("eyJhIjoxfQ:1r31eq:x-_."), "eyJhIjoxfQ:1r31eq:x-_.");
/// assert_eq!(quote_cookie_value("a,b;é"), r#""a\054b\073\351""#);
/// assert_eq!(quote_cookie_value(""), r#""""#);
/// ```
pub fn quote_cookie_value(v: &str) -> String {
    let legal = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c);
    if !v.is_empty() && v.chars().all(legal) {
        return v.to_owned();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20
                || c == '\u{7f}'
                || c == ','
                || c == ';'
                || ((c as u32) >= 0x80 && (c as u32) < 0x100) =>
            {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Django's `http_date`: `Wdy, DD Mon YYYY HH:MM:SS GMT` for the whole second at or before
/// `secs` (Unix time).
///
/// ```
/// assert_eq!(djsign::http::http_date(1700000000.9999), "Tue, 14 Nov 2023 22:13:20 GMT");
/// assert_eq!(djsign::http::http_date(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
/// ```
pub fn http_date(secs: f64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = OffsetDateTime::from_unix_timestamp(secs.floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[t.month() as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A `SameSite` value, written with the caller's capitalisation as Django does.
///
/// ```
/// assert_eq!(djsign::http::SameSite::from("Lax").as_str(), "Lax");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SameSite(String);

impl SameSite {
    /// Django's `set_cookie` check: `lax` or `strict` (2.1–3.0), or also `none` (3.1+), in
    /// any capitalisation (`ValueError` otherwise).
    ///
    /// ```
    /// use djsign::{http::SameSite, DjangoVersion};
    /// assert!(SameSite::checked("None", DjangoVersion::V3_1).is_ok());
    /// assert!(SameSite::checked("None", DjangoVersion::V3_0).is_err());
    /// assert!(SameSite::checked("sometimes", DjangoVersion::V6_1).is_err());
    /// ```
    pub fn checked(value: &str, version: DjangoVersion) -> Result<SameSite, Error> {
        let v = value.to_ascii_lowercase();
        let ok = v == "lax" || v == "strict" || (v == "none" && version >= DjangoVersion::V3_1);
        if ok {
            Ok(SameSite(value.to_owned()))
        } else {
            let allowed = if version >= DjangoVersion::V3_1 {
                "\"lax\", \"none\", or \"strict\""
            } else {
                "\"lax\" or \"strict\""
            };
            Err(ErrorKind::ImproperlyConfigured(format!(
                "samesite must be {allowed}, not {value:?}"
            ))
            .into())
        }
    }

    /// The attribute value as written.
    ///
    /// ```
    /// assert_eq!(djsign::http::SameSite::from("none").as_str(), "none");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is `None` in any capitalisation (deleting such a cookie adds `Secure`).
    ///
    /// ```
    /// assert!(djsign::http::SameSite::from("NONE").is_none_value());
    /// ```
    pub fn is_none_value(&self) -> bool {
        self.0.eq_ignore_ascii_case("none")
    }
}

impl From<&str> for SameSite {
    fn from(s: &str) -> Self {
        SameSite(s.to_owned())
    }
}

/// A `Set-Cookie` value as Django's `HttpResponse.set_cookie`/`delete_cookie` produce it.
///
/// ```
/// use djsign::http::SetCookie;
/// let c = SetCookie::new("k", "v").max_age(10.0, 1700000000.25);
/// assert_eq!(c.to_string(), "k=v; expires=Tue, 14 Nov 2023 22:13:30 GMT; Max-Age=10; Path=/");
/// let d = SetCookie::delete("sessionid", "/", None, Some("Lax"), djsign::DjangoVersion::LATEST)?;
/// assert_eq!(d.to_string(), r#"sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#);
/// # Ok::<(), djsign::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct SetCookie {
    /// Cookie name.
    pub name: String,
    /// Cookie value (quoted on output if needed).
    pub value: String,
    /// `Domain`.
    pub domain: Option<String>,
    /// `expires`, already formatted.
    pub expires: Option<String>,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Max-Age`, as Django prints it (an integer since 3.2, the raw number before).
    pub max_age: Option<String>,
    /// `Path`.
    pub path: String,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Secure`.
    pub secure: bool,
}

/// Redacted: the value (a session key or signed cookie) prints as its length.
///
/// ```
/// let c = djsign::http::SetCookie::new("sessionid", "s3cr3tvalue");
/// assert!(!format!("{c:?}").contains("s3cr3t"));
/// ```
impl std::fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.name)
            .field("value", &crate::redact::Redacted(self.value.len()))
            .field("domain", &self.domain)
            .field("expires", &self.expires)
            .field("http_only", &self.http_only)
            .field("max_age", &self.max_age)
            .field("path", &self.path)
            .field("same_site", &self.same_site)
            .field("secure", &self.secure)
            .finish()
    }
}

impl SetCookie {
    /// `set_cookie(name, value)` with Django's defaults (path `/`, nothing else).
    ///
    /// ```
    /// assert_eq!(djsign::http::SetCookie::new("k", "v").to_string(), "k=v; Path=/");
    /// ```
    pub fn new(name: &str, value: &str) -> SetCookie {
        SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: None,
            expires: None,
            http_only: false,
            max_age: None,
            path: "/".into(),
            same_site: None,
            secure: false,
        }
    }

    /// Sets `Max-Age` (as `int(max_age)`, Django 3.2+) and `expires` from the unrounded
    /// `now + max_age`, as `set_cookie(max_age=…)` does.
    ///
    /// ```
    /// let c = djsign::http::SetCookie::new("k", "v").max_age(10.7, 1700000000.25);
    /// assert_eq!(c.max_age.as_deref(), Some("10"));
    /// assert_eq!(c.expires.as_deref(), Some("Tue, 14 Nov 2023 22:13:30 GMT"));
    /// ```
    pub fn max_age(mut self, max_age: f64, now: impl Into<crate::UnixTime>) -> SetCookie {
        let now = now.into().as_secs_f64();
        self.max_age = Some((max_age.trunc() as i64).to_string());
        self.expires = Some(http_date(now + max_age));
        self
    }

    /// Django's `delete_cookie(name, path, domain, samesite)` for `version`: empty value,
    /// the epoch date, `Max-Age=0`, and `Secure` for `__Secure-`/`__Host-` names and (3.1+)
    /// `SameSite=None`.
    ///
    /// ```
    /// use djsign::{http::SetCookie, DjangoVersion};
    /// let d = SetCookie::delete("__Host-x", "/", None, None, DjangoVersion::LATEST)?;
    /// assert_eq!(d.to_string(), r#"__Host-x=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure"#);
    /// # Ok::<(), djsign::Error>(())
    /// ```
    pub fn delete(
        name: &str,
        path: &str,
        domain: Option<&str>,
        same_site: Option<&str>,
        version: DjangoVersion,
    ) -> Result<SetCookie, Error> {
        let same_site = same_site
            .map(|s| SameSite::checked(s, version))
            .transpose()?;
        let secure = name.starts_with("__Secure-")
            || name.starts_with("__Host-")
            || (version >= DjangoVersion::V3_1
                && same_site.as_ref().is_some_and(SameSite::is_none_value));
        Ok(SetCookie {
            name: name.to_owned(),
            value: String::new(),
            domain: domain.map(str::to_owned),
            expires: Some("Thu, 01 Jan 1970 00:00:00 GMT".into()),
            http_only: false,
            max_age: Some("0".into()),
            path: path.to_owned(),
            same_site,
            secure,
        })
    }

    /// The header value with the leading space Django's WSGI handler sent before 6.0
    /// (`morsel.output(header="")`); 6.0+ and ASGI send [`to_string`](ToString::to_string).
    ///
    /// ```
    /// use djsign::{http::SetCookie, DjangoVersion};
    /// assert_eq!(SetCookie::new("k", "v").wsgi_header_value(DjangoVersion::V5_2), " k=v; Path=/");
    /// assert_eq!(SetCookie::new("k", "v").wsgi_header_value(DjangoVersion::V6_0), "k=v; Path=/");
    /// ```
    pub fn wsgi_header_value(&self, version: DjangoVersion) -> String {
        if version < DjangoVersion::V6_0 {
            format!(" {self}")
        } else {
            self.to_string()
        }
    }

    /// Converts to a [`cookie::Cookie`], the type Rust web frameworks use.
    ///
    /// ```
    /// let c = djsign::http::SetCookie::new("k", "v").max_age(60.0, 0.0).to_cookie();
    /// assert_eq!(c.max_age(), Some(cookie::time::Duration::seconds(60)));
    /// ```
    pub fn to_cookie(&self) -> cookie::Cookie<'static> {
        let mut c = cookie::Cookie::new(self.name.clone(), self.value.clone());
        c.set_path(self.path.clone());
        if let Some(d) = &self.domain {
            c.set_domain(d.clone());
        }
        if let Some(m) = self.max_age.as_deref().and_then(|m| m.parse::<f64>().ok()) {
            c.set_max_age(cookie::time::Duration::seconds(m.trunc() as i64));
        }
        if self.http_only {
            c.set_http_only(true);
        }
        if self.secure {
            c.set_secure(true);
        }
        if let Some(s) = &self.same_site {
            c.set_same_site(match s.as_str().to_ascii_lowercase().as_str() {
                "strict" => cookie::SameSite::Strict,
                "none" => cookie::SameSite::None,
                _ => cookie::SameSite::Lax,
            });
        }
        c
    }
}

impl std::fmt::Display for SetCookie {
    /// `Morsel.OutputString()`: `name=value`, then the attributes in Python's order
    /// (`Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`, `Secure`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.name, quote_cookie_value(&self.value))?;
        if let Some(d) = &self.domain {
            write!(f, "; Domain={d}")?;
        }
        if let Some(e) = &self.expires {
            write!(f, "; expires={e}")?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        if let Some(m) = &self.max_age {
            write!(f, "; Max-Age={m}")?;
        }
        write!(f, "; Path={}", self.path)?;
        if let Some(s) = &self.same_site {
            write!(f, "; SameSite={}", s.as_str())?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        Ok(())
    }
}

impl From<&cookie::Cookie<'_>> for SetCookie {
    /// Takes name, value and attributes from a [`cookie::Cookie`] (`expires` formatted as
    /// Django formats it).
    ///
    /// ```
    /// let c = cookie::Cookie::build(("sessionid", "abc")).path("/").http_only(true).build();
    /// assert_eq!(djsign::http::SetCookie::from(&c).to_string(), "sessionid=abc; HttpOnly; Path=/");
    /// ```
    fn from(c: &cookie::Cookie<'_>) -> SetCookie {
        SetCookie {
            name: c.name().to_owned(),
            value: c.value().to_owned(),
            domain: c.domain().map(str::to_owned),
            expires: c
                .expires_datetime()
                .map(|d| http_date(d.unix_timestamp() as f64)),
            http_only: c.http_only().unwrap_or(false),
            max_age: c.max_age().map(|m| m.whole_seconds().to_string()),
            path: c.path().unwrap_or("/").to_owned(),
            same_site: c.same_site().map(|s| SameSite(s.to_string())),
            secure: c.secure().unwrap_or(false),
        }
    }
}
