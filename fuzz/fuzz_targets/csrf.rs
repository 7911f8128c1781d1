#![no_main]
//! CSRF tokens from requests: `unmask` and `check` against a cookie (or session) value
//! from the same input never panic, and a token masked from a real secret always passes.
use djsign::csrf::{self, CsrfError};
use djsign::DjangoVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (token, stored) = text.split_once('\n').unwrap_or((text, ""));
    let _ = csrf::unmask(token);
    for version in [DjangoVersion::V3_2, DjangoVersion::V4_0, DjangoVersion::V6_1] {
        for from_session in [false, true] {
            let r = csrf::check(token, Some(stored), from_session, version);
            if r.is_ok() {
                assert!(!token.is_empty());
            }
            assert_eq!(csrf::check(token, None, from_session, version).err(), Some(CsrfError::NoCookie));
        }
    }
    let secret = "s".repeat(32);
    if token.len() >= 32 && token.is_char_boundary(32) {
        let mask = &token[..32];
        if mask.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let masked = csrf::mask_with(&secret, mask);
            assert_eq!(csrf::check(&masked, Some(&secret), false, DjangoVersion::LATEST), Ok(()));
        }
    }
});
