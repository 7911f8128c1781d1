#![no_main]
//! `unsign`/`loads` on attacker-controlled tokens under a fixed key: never panics.
use djsign::pyjson::Value;
use djsign::{MaxAge, TimestampSigner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let s = TimestampSigner::builder().key("fuzz-key").salt("django.core.signing").build().unwrap();
    let _ = s.unsign_object_at::<Value>(token, Some(MaxAge::Seconds(1_209_600)), 1.7e9);
    let _ = s.signer().unsign(token);
});
