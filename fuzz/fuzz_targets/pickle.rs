#![no_main]
//! The pickle reader (cache session values): never panics, stays within its stated
//! memory bound (`pickle::peak_bound`), and whatever it accepts is written back as a
//! pickle it reads again to the same value.
use djsign::{pickle, pyjson};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = within("pickle", pickle::peak_bound(data.len()), || pickle::from_slice(data));
    if let Ok(v) = read {
        let again = pickle::from_slice(&pickle::to_vec(&v)).unwrap();
        assert_eq!(pyjson::to_vec(&v), pyjson::to_vec(&again));
    }
});
