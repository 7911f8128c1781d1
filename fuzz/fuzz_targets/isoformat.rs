#![no_main]
//! Python's `datetime.fromisoformat` as Django's expiry reads it: never panics, and what
//! it accepts prints back to text it reads again to the same moment.
use djsign::sessions::PyDateTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(d) = PyDateTime::from_isoformat(text) {
        let again = PyDateTime::from_isoformat(&d.to_string()).unwrap();
        assert_eq!(again, d);
    }
});
