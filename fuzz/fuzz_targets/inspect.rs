#![no_main]
//! `dangerous::inspect` and `identify` decode without verifying: never panic, and keep to
//! `Limits::INSPECT` whatever the token inflates to.
use djsign::{dangerous, Limits, Settings};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    within("inspect", Limits::INSPECT.peak_bound(token.len()), || {
        let _ = dangerous::inspect(token);
    });
    let _ = dangerous::identify(token, &Settings::new("fuzz-key"));
});
