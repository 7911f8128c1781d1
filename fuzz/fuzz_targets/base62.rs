#![no_main]
//! Base 62: never panics on any text; small values round-trip exactly.
use djsign::encoding::base62;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(n) = base62::decode(text) {
            if let Some(v) = n.as_i64() {
                assert_eq!(base62::decode(&base62::encode(v)).unwrap().as_i64(), Some(v));
            }
        }
    }
});
