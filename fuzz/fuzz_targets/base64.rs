#![no_main]
//! Django's lenient base-64 decoder: never panics; canonical output round-trips.
use djsign::encoding::base64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = base64::decode(data) {
        assert_eq!(base64::decode(base64::encode(&bytes).as_bytes()).unwrap(), bytes);
    }
});
