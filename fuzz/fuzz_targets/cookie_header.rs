#![no_main]
//! `Cookie:` header parsing and `Set-Cookie` writing: never panic, and a value written
//! with Python's quoting reads back unchanged.
use djsign::http::{parse_cookie, SetCookie};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_cookie(text);
    let header = SetCookie::new("k", text).to_string();
    let parsed = parse_cookie(&header);
    let value = parsed.iter().find(|(n, _)| n == "k").map(|(_, v)| v.as_str());
    assert_eq!(value, Some(text), "round trip of {text:?} via {header:?}");
});
