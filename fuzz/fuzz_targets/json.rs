#![no_main]
//! The Python JSON reader: never panics, stays within its stated memory bound, and
//! whatever it accepts is written back in a form it reads again to the same bytes
//! (losslessness). Read as latin-1 bytes (payloads) and as UTF-8 text (typed input).
use djsign::{pyjson, Limits};
use djsign_fuzz::within;
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits { max_decompressed_size: 0, max_values: 4096 };

fuzz_target!(|data: &[u8]| {
    let parsed = within("json", LIMITS.peak_bound(data.len()), || {
        pyjson::from_slice_with_limits(data, pyjson::DEFAULT_MAX_DEPTH, LIMITS.max_values)
    });
    if let Ok(v) = parsed {
        let once = pyjson::to_vec(&v);
        let again = pyjson::to_vec(&pyjson::from_slice(&once).unwrap());
        assert_eq!(once, again);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = pyjson::from_str(text) {
            let once = pyjson::to_vec(&v);
            assert_eq!(pyjson::to_vec(&pyjson::from_slice(&once).unwrap()), once);
        }
    }
});
