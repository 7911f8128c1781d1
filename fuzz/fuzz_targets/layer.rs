#![no_main]
//! The tower layer fed whole requests: a request line and headers from the input
//! (cookies included: session, messages, CSRF), through `DjangoLayer::around` with a
//! handler that reads and writes the session and queues a message. Never panics, and
//! every `Set-Cookie` it answers with is one the layer reads back.
use djsign::integrations::tower::DjangoLayer;
use djsign::sessions::backends::signed_cookies::SignedCookieStore;
use djsign::Settings;
use djsign_fuzz::ready;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").splitn(2, ' ');
    let (method, uri) = (first.next().unwrap_or("GET"), first.next().unwrap_or("/"));
    let mut req = http::Request::builder().method(method).uri(uri);
    for line in lines.by_ref().take(32) {
        if let Some((name, value)) = line.split_once(':') {
            req = req.header(name.trim(), value.trim());
        }
    }
    let Ok(req) = req.body(()) else { return };
    let settings = Settings::new("fuzz-key");
    let layer = DjangoLayer::new(settings.clone(), SignedCookieStore::new(&settings).unwrap()).unwrap();
    let res = ready(layer.around(req, |r: http::Request<()>| async move {
        if let Some(ctx) = r.extensions().get::<std::sync::Arc<djsign::integrations::tower::DjangoContext>>() {
            let mut s = ctx.session();
            let n = s.get_as::<i64>("n").ok().flatten().unwrap_or(0);
            let _ = s.insert("n", &n.wrapping_add(1));
        }
        Ok::<_, std::convert::Infallible>(http::Response::new(()))
    }))
    .unwrap();
    let cookies: Vec<String> = res
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect();
    if !cookies.is_empty() {
        let again = http::Request::get("/").header(http::header::COOKIE, cookies.join("; ")).body(()).unwrap();
        let res = ready(layer.around(again, |_r| async { Ok::<_, std::convert::Infallible>(http::Response::new(())) })).unwrap();
        assert!(res.status().is_success());
    }
});
