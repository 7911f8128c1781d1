#![no_main]
//! The pickle reader (cache session values): never panics or runs away on any bytes, and
//! whatever it accepts is written back as a pickle it reads again to the same value.
use djsign::{pickle, pyjson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = pickle::from_slice(data) {
        let again = pickle::from_slice(&pickle::to_vec(&v)).unwrap();
        assert_eq!(pyjson::to_vec(&v), pyjson::to_vec(&again));
    }
});
