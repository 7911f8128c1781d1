#![no_main]
//! The Python JSON reader: never panics, and whatever it accepts is written back in a
//! form it reads again to the same bytes (losslessness).
use djsign::pyjson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = pyjson::from_slice(data) {
        let once = pyjson::to_vec(&v);
        let again = pyjson::to_vec(&pyjson::from_slice(&once).unwrap());
        assert_eq!(once, again);
    }
});
