#![no_main]
//! `unsign`/`loads` on attacker-controlled tokens under a fixed key: never panics, and
//! stays within the stated memory bound of the signer's limits.
use djsign::{Limits, MaxAge, TimestampSigner};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let s = TimestampSigner::builder().key("fuzz-key").salt("django.core.signing").build().unwrap();
    within("loads", Limits::default().peak_bound(token.len()), || {
        let _ = s.unsign_value_at(token, Some(MaxAge::Seconds(1_209_600)), 1.7e9);
        let _ = s.signer().unsign(token);
    });
});
